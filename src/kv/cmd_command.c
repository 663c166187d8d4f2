/* COMMAND, COMMAND COUNT / INFO / DOCS / LIST / HELP: the command table, described in
 * Redis 7.0's formats (RESP2: maps are flat arrays), enough for redis-cli's hints. */
#include <string.h>

#include "alloc/stasis_assert.h"
#include "kv/command.h"

/* Calls fn for every top-level command, in table order. */
typedef void (*command_visit_fn)(kv_ctx *c, const kv_command *cmd, const kv_command_family *f);

static void for_each_command(kv_ctx *c, command_visit_fn fn) {
    for (size_t f = 0; kv_families[f] != NULL; f++) {
        for (size_t i = 0; i < kv_families[f]->count; i++)
            fn(c, &kv_families[f]->commands[i], kv_families[f]);
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

static void reply_flags(kv_ctx *c, const kv_command *cmd) {
    static const struct {
        uint32_t flag;
        const char *name;
    } names[] = {
        {KV_CMD_WRITE, "write"},
        {KV_CMD_READONLY, "readonly"},
        {KV_CMD_FAST, "fast"},
        {KV_CMD_NO_AUTH, "no_auth"},
    };
    uint64_t n = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        n += (cmd->flags & names[i].flag) != 0;
    kv_reply_array(c, n);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if ((cmd->flags & names[i].flag) != 0) kv_reply_simple(c, names[i].name);
    }
}

/* The 10-element COMMAND INFO entry. */
static void reply_info(kv_ctx *c, const kv_command *cmd) {
    kv_reply_array(c, 10);
    kv_reply_bulk_cstr(c, cmd->name);
    kv_reply_integer(c, cmd->arity);
    reply_flags(c, cmd);
    kv_reply_integer(c, cmd->first_key);
    kv_reply_integer(c, cmd->last_key);
    kv_reply_integer(c, cmd->key_step);
    kv_reply_array(c, 0); /* ACL categories: stasis has no ACLs */
    kv_reply_array(c, 0); /* tips */
    kv_reply_array(c, 0); /* key specs */
    kv_reply_array(c, cmd->subcommand_count);
    for (size_t i = 0; i < cmd->subcommand_count; i++)
        reply_info(c, &cmd->subcommands[i]);
}

/* The COMMAND DOCS map of one command: summary, group and its subcommands. */
static void reply_docs(kv_ctx *c, const kv_command *cmd, const char *group) {
    bool subs = cmd->subcommand_count > 0;
    kv_reply_array(c, subs ? 6 : 4);
    kv_reply_bulk_cstr(c, "summary");
    kv_reply_bulk_cstr(c, cmd->summary != NULL ? cmd->summary : "");
    kv_reply_bulk_cstr(c, "group");
    kv_reply_bulk_cstr(c, group);
    if (!subs) return;
    kv_reply_bulk_cstr(c, "subcommands");
    kv_reply_array(c, 2 * cmd->subcommand_count);
    for (size_t i = 0; i < cmd->subcommand_count; i++) {
        kv_reply_bulk_cstr(c, cmd->subcommands[i].name);
        reply_docs(c, &cmd->subcommands[i], group);
    }
}

static void visit_info(kv_ctx *c, const kv_command *cmd, const kv_command_family *f) {
    (void)f;
    reply_info(c, cmd);
}

static void visit_docs(kv_ctx *c, const kv_command *cmd, const kv_command_family *f) {
    kv_reply_bulk_cstr(c, cmd->name);
    reply_docs(c, cmd, f->group);
}

static void visit_name(kv_ctx *c, const kv_command *cmd, const kv_command_family *f) {
    (void)f;
    kv_reply_bulk_cstr(c, cmd->name);
}

static void cmd_command(kv_ctx *c) {
    kv_reply_array(c, command_count());
    for_each_command(c, visit_info);
}

static void cmd_command_count(kv_ctx *c) { kv_reply_integer(c, (int64_t)command_count()); }

static void cmd_command_list(kv_ctx *c) {
    if (c->argc != 2) { /* FILTERBY is not offered */
        kv_reply_error(c, KV_ERR_SYNTAX);
        return;
    }
    kv_reply_array(c, command_count());
    for_each_command(c, visit_name);
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
        reply_docs(c, cmd, f != NULL ? f->group : "server");
    }
}

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
        "HELP",
        "    Print this help.",
    };
    size_t n = sizeof lines / sizeof lines[0];
    kv_reply_array(c, n);
    for (size_t i = 0; i < n; i++)
        kv_reply_simple(c, lines[i]);
}

static const kv_command subcommands[] = {
    {.name = "command|count",
     .arity = 2,
     .flags = KV_CMD_FAST,
     .handler = cmd_command_count,
     .summary = "Get total number of commands"},
    {.name = "command|docs",
     .arity = -2,
     .handler = cmd_command_docs,
     .summary = "Get documentary information about commands"},
    {.name = "command|info",
     .arity = -2,
     .handler = cmd_command_info,
     .summary = "Get information about commands"},
    {.name = "command|list",
     .arity = -2,
     .handler = cmd_command_list,
     .summary = "Get an array of command names"},
    {.name = "command|help",
     .arity = 2,
     .handler = cmd_command_help,
     .summary = "Show helpful text about the different subcommands"},
};

static const kv_command commands[] = {
    {.name = "command",
     .arity = -1,
     .handler = cmd_command,
     .subcommands = subcommands,
     .subcommand_count = sizeof subcommands / sizeof subcommands[0],
     .summary = "Get array of command details"},
};

const kv_command_family kv_command_family_ = {.group = "server", .commands = commands, .count = 1};
