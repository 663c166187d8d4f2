/* COMMAND, COMMAND COUNT / INFO / DOCS / LIST / HELP: the command table, described in
 * Redis 7.0's formats (RESP2: maps are flat arrays), enough for redis-cli's hints. */
#include <string.h>
#include <strings.h>

#include "alloc/stasis_assert.h"
#include "kv/command.h"
#include "kv/command_docs.h"
#include "kv/command_meta.h"
#include "kv/glob.h"
#include "kv/name_index.h"
#include "kv/resp_number.h"

/* Calls fn for every top-level command, in table order, until the reply overflows its room
 * (the engine then discards it: formatting the rest of the table would be wasted; a first
 * attempt in the least room overflowed on every COMMAND and COMMAND DOCS). */
typedef void (*command_visit_fn)(kv_ctx *c, const kv_command *cmd, const kv_command_family *f);

static void for_each_command(kv_ctx *c, command_visit_fn fn) {
    for (size_t f = 0; kv_families[f] != NULL; f++) {
        for (size_t i = 0; i < kv_families[f]->count; i++) {
            if (resp_writer_overflowed(c->out)) return;
            fn(c, &kv_families[f]->commands[i], kv_families[f]);
        }
    }
}

static uint64_t command_count(void) {
    uint64_t n = 0;
    for (size_t f = 0; kv_families[f] != NULL; f++)
        n += kv_families[f]->count;
    return n;
}

/* The command named by an argument: "name" or "container|sub", case-insensitive. */
static const kv_command *find_command(kv_ctx *c, const resp_arg *arg,
                                      const kv_command_family **family) {
    const uint8_t *bar = memchr(arg->ptr, '|', arg->len);
    size_t head = bar != NULL ? (size_t)(bar - arg->ptr) : arg->len;
    const kv_command *cmd = kv_engine_command(c->engine, arg->ptr, head);
    if (cmd == NULL) return NULL;
    for (size_t f = 0; kv_families[f] != NULL; f++) {
        const kv_command_family *fam = kv_families[f];
        if (cmd >= fam->commands && cmd < fam->commands + fam->count) *family = fam;
    }
    if (bar == NULL) return cmd;
    for (size_t i = 0; i < cmd->subcommand_count; i++) {
        const kv_command *sub = &cmd->subcommands[i];
        size_t n = strlen(sub->name);
        if (n != arg->len) continue;
        bool same = true;
        for (size_t k = 0; k < n && same; k++) {
            uint8_t b = arg->ptr[k];
            if (b >= 'A' && b <= 'Z') b = (uint8_t)(b - 'A' + 'a');
            same = (uint8_t)sub->name[k] == b;
        }
        if (same) return sub;
    }
    return NULL;
}

/* Names of the bits of a mask, in bit order (Redis's reply order). */
static const char *const command_flag_names[KV_RF_COUNT] = {
    "write",
    "readonly",
    "denyoom",
    "module",
    "admin",
    "pubsub",
    "noscript",
    "blocking",
    "loading",
    "stale",
    "skip_monitor",
    "skip_slowlog",
    "asking",
    "fast",
    "no_auth",
    "no_mandatory_keys",
    "no_async_loading",
    "no_multi",
    "movablekeys",
    "allow_busy",
};
static const char *const acl_names[KV_ACL_COUNT] = {
    "@keyspace",   "@read",        "@write",     "@set",         "@sortedset", "@list",
    "@hash",       "@string",      "@bitmap",    "@hyperloglog", "@geo",       "@stream",
    "@pubsub",     "@admin",       "@fast",      "@slow",        "@blocking",  "@dangerous",
    "@connection", "@transaction", "@scripting",
};
static const char *const key_flag_names[KV_KEY_COUNT] = {
    "RO",     "RW",     "OW",      "RM",         "access",         "update",
    "insert", "delete", "not_key", "incomplete", "variable_flags",
};

/* A set of status replies: the names of the mask's bits. */
static void reply_mask(kv_ctx *c, uint32_t mask, const char *const *names, unsigned count) {
    kv_reply_array(c, (uint64_t)__builtin_popcount(mask));
    for (unsigned i = 0; i < count; i++) {
        if ((mask & (1u << i)) != 0) kv_reply_simple(c, names[i]);
    }
}

static void reply_pair_integer(kv_ctx *c, const char *name, int64_t v) {
    kv_reply_bulk_cstr(c, name);
    kv_reply_integer(c, v);
}

/* begin_search and find_keys, each a map {type, spec}, as Redis's addReplyCommandKeySpecs. */
static void reply_search(kv_ctx *c, const kv_key_spec *k) {
    static const char *const bs_types[] = {"unknown", "index", "keyword"};
    static const char *const fk_types[] = {"unknown", "range", "keynum"};
    static const char *const fk_fields[][3] = {
        {NULL, NULL, NULL}, {"lastkey", "keystep", "limit"}, {"keynumidx", "firstkey", "keystep"}};
    kv_reply_bulk_cstr(c, "begin_search");
    kv_reply_array(c, 4);
    kv_reply_bulk_cstr(c, "type");
    kv_reply_bulk_cstr(c, bs_types[k->begin_search]);
    kv_reply_bulk_cstr(c, "spec");
    if (k->begin_search == KV_BS_INDEX) {
        kv_reply_array(c, 2);
        reply_pair_integer(c, "index", k->begin);
    } else if (k->begin_search == KV_BS_KEYWORD) {
        kv_reply_array(c, 4);
        kv_reply_bulk_cstr(c, "keyword");
        kv_reply_bulk_cstr(c, k->keyword);
        reply_pair_integer(c, "startfrom", k->begin);
    } else {
        kv_reply_array(c, 0);
    }
    kv_reply_bulk_cstr(c, "find_keys");
    kv_reply_array(c, 4);
    kv_reply_bulk_cstr(c, "type");
    kv_reply_bulk_cstr(c, fk_types[k->find_keys]);
    kv_reply_bulk_cstr(c, "spec");
    bool known = k->find_keys != KV_FK_UNKNOWN;
    kv_reply_array(c, known ? 6 : 0);
    for (int i = 0; known && i < 3; i++)
        reply_pair_integer(c, fk_fields[k->find_keys][i], k->find[i]);
}

static void reply_key_specs(kv_ctx *c, const kv_command_meta *m) {
    kv_reply_array(c, m->key_spec_count);
    for (uint32_t i = 0; i < m->key_spec_count; i++) {
        const kv_key_spec *k = &m->key_specs[i];
        kv_reply_array(c, k->notes != NULL ? 8 : 6);
        if (k->notes != NULL) {
            kv_reply_bulk_cstr(c, "notes");
            kv_reply_bulk_cstr(c, k->notes);
        }
        kv_reply_bulk_cstr(c, "flags");
        reply_mask(c, k->flags, key_flag_names, KV_KEY_COUNT);
        reply_search(c, k);
    }
}

/* The 10-element COMMAND INFO entry: the table's name, arity and keys, and Redis's flags,
 * ACL categories, tips and key specs (command_meta.c). */
static void reply_info(kv_ctx *c, const kv_command *cmd) {
    const kv_command_meta *m = kv_command_meta_find(cmd->name);
    ST_ASSERT(m != NULL); /* test_kv_command_info: every command has its entry */
    kv_reply_array(c, 10);
    kv_reply_bulk_cstr(c, cmd->name);
    kv_reply_integer(c, cmd->arity);
    reply_mask(c, m->flags, command_flag_names, KV_RF_COUNT);
    kv_reply_integer(c, cmd->first_key);
    kv_reply_integer(c, cmd->last_key);
    kv_reply_integer(c, cmd->key_step);
    reply_mask(c, m->acl, acl_names, KV_ACL_COUNT);
    kv_reply_array(c, m->tip_count);
    for (uint32_t i = 0; i < m->tip_count; i++)
        kv_reply_bulk_cstr(c, m->tips[i]);
    reply_key_specs(c, m);
    kv_reply_array(c, cmd->subcommand_count);
    for (size_t i = 0; i < cmd->subcommand_count; i++)
        reply_info(c, &cmd->subcommands[i]);
}

/* ---- COMMAND DOCS: the fields of command_docs.h in Redis's order (addReplyCommandDocs) ---- */

static void reply_pair_cstr(kv_ctx *c, const char *name, const char *value) {
    kv_reply_bulk_cstr(c, name);
    kv_reply_bulk_cstr(c, value);
}

static const char *const doc_arg_type_names[KV_DOC_ARG_TYPE_COUNT] = {
    "string", "integer", "double", "key", "pattern", "unix-time", "pure-token", "oneof", "block",
};
static const char *const doc_arg_flag_names[KV_DOC_ARG_FLAG_COUNT] = {"optional", "multiple",
                                                                      "multiple_token"};
static const char *const doc_flag_names[KV_DOC_FLAG_COUNT] = {"deprecated", "syscmd"};

/* An argument list: one map per argument, a oneof's or block's own list nested (the tree
 * is const data a few levels deep, so the recursion is bounded by it). */
static void reply_doc_args(kv_ctx *c, const kv_doc_arg *args, uint32_t count) {
    kv_reply_array(c, count);
    for (uint32_t i = 0; i < count; i++) {
        const kv_doc_arg *a = &args[i];
        bool nested = a->type == KV_DOC_ARG_ONEOF || a->type == KV_DOC_ARG_BLOCK;
        ST_ASSERT(!nested || a->arg_count > 0);
        uint64_t fields = 2u + (a->key_spec_index >= 0) + (a->token != NULL) + (a->since != NULL) +
                          (a->deprecated_since != NULL) + (a->flags != 0) + nested;
        kv_reply_array(c, 2 * fields);
        reply_pair_cstr(c, "name", a->name);
        reply_pair_cstr(c, "type", doc_arg_type_names[a->type]);
        if (a->key_spec_index >= 0) reply_pair_integer(c, "key_spec_index", a->key_spec_index);
        if (a->token != NULL) reply_pair_cstr(c, "token", a->token);
        if (a->since != NULL) reply_pair_cstr(c, "since", a->since);
        if (a->deprecated_since != NULL)
            reply_pair_cstr(c, "deprecated_since", a->deprecated_since);
        if (a->flags != 0) {
            kv_reply_bulk_cstr(c, "flags");
            reply_mask(c, a->flags, doc_arg_flag_names, KV_DOC_ARG_FLAG_COUNT);
        }
        if (nested) {
            kv_reply_bulk_cstr(c, "arguments");
            reply_doc_args(c, a->args, a->arg_count);
        }
    }
}

/* The COMMAND DOCS map of one command, its subcommands (stasis's own) nested. */
static void reply_docs(kv_ctx *c, const kv_command *cmd) {
    const kv_command_doc *d = kv_command_doc_find(cmd->name);
    ST_ASSERT(d != NULL); /* test_kv_command_info: every command has its entry */
    bool subs = cmd->subcommand_count > 0;
    uint64_t fields = 4u + (d->doc_flags != 0) + (d->deprecated_since != NULL) +
                      (d->replaced_by != NULL) + (d->history_count > 0) + (d->arg_count > 0) + subs;
    kv_reply_array(c, 2 * fields);
    reply_pair_cstr(c, "summary", d->summary);
    reply_pair_cstr(c, "since", d->since);
    reply_pair_cstr(c, "group", d->group);
    reply_pair_cstr(c, "complexity", d->complexity);
    if (d->doc_flags != 0) {
        kv_reply_bulk_cstr(c, "doc_flags");
        reply_mask(c, d->doc_flags, doc_flag_names, KV_DOC_FLAG_COUNT);
    }
    if (d->deprecated_since != NULL) reply_pair_cstr(c, "deprecated_since", d->deprecated_since);
    if (d->replaced_by != NULL) reply_pair_cstr(c, "replaced_by", d->replaced_by);
    if (d->history_count > 0) {
        kv_reply_bulk_cstr(c, "history");
        kv_reply_array(c, d->history_count);
        for (uint32_t i = 0; i < d->history_count; i++) {
            kv_reply_array(c, 2);
            kv_reply_bulk_cstr(c, d->history[i].since);
            kv_reply_bulk_cstr(c, d->history[i].changes);
        }
    }
    if (d->arg_count > 0) {
        kv_reply_bulk_cstr(c, "arguments");
        reply_doc_args(c, d->args, d->arg_count);
    }
    if (!subs) return;
    kv_reply_bulk_cstr(c, "subcommands");
    kv_reply_array(c, 2 * cmd->subcommand_count);
    for (size_t i = 0; i < cmd->subcommand_count; i++) {
        kv_reply_bulk_cstr(c, cmd->subcommands[i].name);
        reply_docs(c, &cmd->subcommands[i]);
    }
}

static void visit_info(kv_ctx *c, const kv_command *cmd, const kv_command_family *f) {
    (void)f;
    reply_info(c, cmd);
}

static void visit_docs(kv_ctx *c, const kv_command *cmd, const kv_command_family *f) {
    (void)f;
    kv_reply_bulk_cstr(c, cmd->name);
    reply_docs(c, cmd);
}

static void cmd_command(kv_ctx *c) {
    kv_reply_array(c, command_count());
    for_each_command(c, visit_info);
}

static void cmd_command_count(kv_ctx *c) { kv_reply_integer(c, (int64_t)command_count()); }

/* COMMAND LIST's filter: none, a module (stasis has none, so nothing matches), an ACL
 * category (by name without '@', any case; an unknown one matches nothing) or a glob
 * pattern over full names ("config|get"), case-insensitive as Redis's. */
typedef struct list_filter {
    bool any;
    bool module;
    bool aclcat;
    uint32_t acl; /* the category's bit, 0 if unknown */
    const resp_arg *pattern;
} list_filter;

static uint32_t acl_category(const resp_arg *name) {
    for (unsigned i = 0; i < KV_ACL_COUNT; i++) {
        const char *n = acl_names[i] + 1; /* without '@' */
        if (strlen(n) == name->len && strncasecmp(n, (const char *)name->ptr, name->len) == 0) {
            return 1u << i;
        }
    }
    return 0;
}

static bool listed(const list_filter *f, const char *name) {
    if (f->any) return true;
    if (f->module) return false;
    if (f->aclcat) return (kv_command_meta_find(name)->acl & f->acl) != 0;
    return glob_match((const char *)f->pattern->ptr, f->pattern->len, name, strlen(name), true);
}

/* Every command and subcommand, so at most the entries of a name index (name_index.h). */
#define LIST_NAMES_MAX KV_NAME_INDEX_ENTRIES_MAX

/* The names of the commands and their subcommands that pass, in table order, into names
 * (one pass: the filter's lookups run once per name). Returns how many. */
static size_t matching_names(const list_filter *f, const char *names[LIST_NAMES_MAX]) {
    size_t n = 0;
    for (size_t fam = 0; kv_families[fam] != NULL; fam++) {
        for (size_t i = 0; i < kv_families[fam]->count; i++) {
            const kv_command *cmd = &kv_families[fam]->commands[i];
            for (size_t s = 0; s <= cmd->subcommand_count; s++) {
                const char *name = s == 0 ? cmd->name : cmd->subcommands[s - 1].name;
                if (!listed(f, name)) continue;
                ST_ASSERT(n < LIST_NAMES_MAX);
                names[n++] = name;
            }
        }
    }
    return n;
}

/* COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]: every name,
 * subcommands included. */
static void cmd_command_list(kv_ctx *c) {
    list_filter f = {.any = true};
    for (uint32_t i = 2; i < c->argc; i += 3) {
        bool filterby = kv_arg_is(c, i, "filterby") && c->argc - 1 - i == 2;
        if (filterby && kv_arg_is(c, i + 1, "module")) {
            f = (list_filter){.module = true};
        } else if (filterby && kv_arg_is(c, i + 1, "aclcat")) {
            f = (list_filter){.aclcat = true, .acl = acl_category(&c->argv[i + 2])};
        } else if (filterby && kv_arg_is(c, i + 1, "pattern")) {
            f = (list_filter){.pattern = &c->argv[i + 2]};
        } else {
            kv_reply_error(c, KV_ERR_SYNTAX);
            return;
        }
    }
    const char *names[LIST_NAMES_MAX];
    size_t n = matching_names(&f, names);
    kv_reply_array(c, n);
    /* Up to where the reply overflows its room (the engine then discards it). */
    for (size_t i = 0; i < n && !resp_writer_overflowed(c->out); i++)
        kv_reply_bulk_cstr(c, names[i]);
}

static void cmd_command_info(kv_ctx *c) {
    if (c->argc == 2) {
        cmd_command(c);
        return;
    }
    kv_reply_array(c, c->argc - 2);
    for (uint32_t i = 2; i < c->argc; i++) {
        const kv_command_family *f = NULL;
        const kv_command *cmd = find_command(c, &c->argv[i], &f);
        if (cmd == NULL) {
            kv_reply_null(c);
        } else {
            reply_info(c, cmd);
        }
    }
}

static void cmd_command_docs(kv_ctx *c) {
    if (c->argc == 2) {
        kv_reply_array(c, 2 * command_count());
        for_each_command(c, visit_docs);
        return;
    }
    /* Unknown names are left out, so count the known ones first. */
    uint64_t known = 0;
    for (uint32_t i = 2; i < c->argc; i++) {
        const kv_command_family *f = NULL;
        known += find_command(c, &c->argv[i], &f) != NULL;
    }
    kv_reply_array(c, 2 * known);
    for (uint32_t i = 2; i < c->argc; i++) {
        const kv_command_family *f = NULL;
        const kv_command *cmd = find_command(c, &c->argv[i], &f);
        if (cmd == NULL) continue;
        kv_reply_bulk_cstr(c, cmd->name);
        reply_docs(c, cmd);
    }
}

/* Whether the key spec's search reaches position pos of a command line argv[from..), as
 * Redis's getKeysUsingKeySpecs walks it (an index begin; a range, whose negative last key
 * counts from the end, or a key count). stasis's specs have no keyword search. */
static bool spec_reaches(kv_ctx *c, const kv_key_spec *k, uint32_t from, int64_t pos) {
    ST_ASSERT(k->begin_search == KV_BS_INDEX);
    int64_t argc = (int64_t)(c->argc - from), first = k->begin, last = 0, step = 1;
    if (k->find_keys == KV_FK_RANGE) {
        step = k->find[1];
        if (k->find[0] >= 0) {
            last = first + k->find[0];
        } else if (k->find[2] == 0) {
            last = argc + k->find[0];
        } else {
            last = first + ((argc - first) / k->find[2] + k->find[0]);
        }
    } else {
        ST_ASSERT(k->find_keys == KV_FK_KEYNUM);
        int64_t n = 0;
        int64_t at = first + k->find[0];
        if (at >= argc || !resp_parse_int64(c->argv[from + at].ptr, c->argv[from + at].len, &n) ||
            n < 0)
            return false;
        first += k->find[1];
        step = k->find[2];
        last = first + n - 1;
    }
    ST_ASSERT(step > 0);
    return pos >= first && pos <= last && (pos - first) % step == 0;
}

/* The key-spec flags of the key at position pos: those of the first spec reaching it; SET's
 * spec has variable flags, so (as Redis's setGetKeys) they follow its GET option. */
static uint32_t key_flags_at(kv_ctx *c, const kv_command *cmd, uint32_t from, int64_t pos) {
    const kv_command_meta *m = kv_command_meta_find(cmd->name);
    ST_ASSERT(m != NULL && m->key_spec_count > 0);
    if ((m->key_specs[0].flags & KV_KEY_VARIABLE_FLAGS) != 0) {
        ST_ASSERT(strcmp(cmd->name, "set") == 0); /* the only such command stasis has */
        for (uint32_t i = from + 3; i < c->argc; i++) {
            if (kv_arg_is(c, i, "get")) return KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_UPDATE;
        }
        return KV_KEY_OW | KV_KEY_UPDATE;
    }
    for (uint32_t i = 0; i < m->key_spec_count; i++) {
        if (spec_reaches(c, &m->key_specs[i], from, pos)) return m->key_specs[i].flags;
    }
    ST_ASSERT(false); /* every key position is some spec's */
    return 0;
}

/* The key positions of a command line argv[from..) for the command `cmd`: a count and the
 * keys after it, or Redis's legacy range (a negative last counts from the end). Returns
 * how many (0: Redis's "Invalid arguments"); writes the keys when write is set, each as
 * [key, flags] when with_flags is. */
static uint64_t command_keys(kv_ctx *c, const kv_command *cmd, uint32_t from, bool write,
                             bool with_flags) {
    uint32_t argc = c->argc - from;
    int64_t first = cmd->first_key, step = cmd->key_step, n = 0;
    int64_t last = cmd->last_key < 0 ? (int64_t)argc + cmd->last_key : cmd->last_key;
    if (cmd->key_count_arg > 0) {
        uint32_t at = (uint32_t)cmd->key_count_arg;
        if (at >= argc || !resp_parse_int64(c->argv[from + at].ptr, c->argv[from + at].len, &n) ||
            n <= 0 || (uint64_t)n > argc - at - 1) {
            return 0;
        }
        first = at + 1, last = at + n, step = 1;
    }
    uint64_t count = 0;
    for (int64_t i = first; i <= last && i < (int64_t)argc; i += step) {
        count++;
        if (!write) continue;
        if (with_flags) {
            kv_reply_array(c, 2);
            kv_reply_bulk(c, c->argv[from + i].ptr, c->argv[from + i].len);
            reply_mask(c, key_flags_at(c, cmd, from, i), key_flag_names, KV_KEY_COUNT);
        } else {
            kv_reply_bulk(c, c->argv[from + i].ptr, c->argv[from + i].len);
        }
    }
    return count;
}

/* COMMAND GETKEYS / GETKEYSANDFLAGS command [arg ...]: the keys of a command line, found
 * from the table, with Redis's errors in Redis's order (getKeysSubcommandImpl). */
static void command_getkeys(kv_ctx *c, bool with_flags) {
    const kv_command *cmd = kv_engine_command(c->engine, c->argv[2].ptr, c->argv[2].len);
    if (cmd != NULL && cmd->subcommand_count > 0 && c->argc >= 4)
        cmd = kv_command_sub(cmd, &c->argv[3]);
    if (cmd == NULL) {
        kv_reply_error(c, "ERR Invalid command specified");
        return;
    }
    if (cmd->first_key == 0 && cmd->key_count_arg == 0) {
        kv_reply_error(c, "ERR The command has no key arguments");
        return;
    }
    uint32_t argc = c->argc - 2;
    bool arity_ok = cmd->arity > 0 ? argc == (uint32_t)cmd->arity : argc >= (uint32_t)-cmd->arity;
    if (!arity_ok) {
        kv_reply_error(c, "ERR Invalid number of arguments specified for command");
        return;
    }
    uint64_t n = command_keys(c, cmd, 2, false, with_flags);
    if (n == 0) {
        kv_reply_error(c, "ERR Invalid arguments specified for command");
        return;
    }
    kv_reply_array(c, n);
    command_keys(c, cmd, 2, true, with_flags);
}

static void cmd_command_getkeys(kv_ctx *c) { command_getkeys(c, false); }

static void cmd_command_getkeysandflags(kv_ctx *c) { command_getkeys(c, true); }

static void cmd_command_help(kv_ctx *c) {
    static const char *const lines[] = {
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Return details about all commands.",
        "COUNT",
        "    Return the total number of commands.",
        "DOCS [<command-name> ...]",
        "    Return documentary information about commands.",
        "INFO [<command-name> ...]",
        "    Return details about commands.",
        "LIST",
        "    Return a list of all commands.",
        "GETKEYS <full-command>",
        "    Return the keys of a full command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys of a full command, each with its access flags.",
        "HELP",
        "    Print this help.",
    };
    size_t n = sizeof lines / sizeof lines[0];
    kv_reply_array(c, n);
    for (size_t i = 0; i < n; i++)
        kv_reply_simple(c, lines[i]);
}

static const kv_command subcommands[] = {
    {.name = "command|count", .arity = 2, .flags = 0, .handler = cmd_command_count},
    {.name = "command|docs", .arity = -2, .handler = cmd_command_docs},
    {.name = "command|info", .arity = -2, .handler = cmd_command_info},
    {.name = "command|list", .arity = -2, .handler = cmd_command_list},
    {.name = "command|getkeys", .arity = -4, .handler = cmd_command_getkeys},
    {.name = "command|getkeysandflags", .arity = -4, .handler = cmd_command_getkeysandflags},
    {.name = "command|help", .arity = 2, .handler = cmd_command_help},
};

static const kv_command commands[] = {
    {.name = "command",
     .arity = -1,
     .handler = cmd_command,
     .subcommands = subcommands,
     .subcommand_count = sizeof subcommands / sizeof subcommands[0]},
};

const kv_command_family kv_command_family_ = {.commands = commands, .count = 1};
