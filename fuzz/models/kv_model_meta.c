/*
 * The model's CONFIG SET and COMMAND GETKEYS, for the settings and commands fuzz_kv_ops's
 * grammars name (only those: the "config" and "command" containers here have no other
 * subcommand; kv_ops holds CONFIG GET, INFO and the rest of COMMAND to the protocol).
 *
 * CONFIG SET: stasis's settings are fixed at start-up, so a setting given the value in
 * force (as plain decimal) is accepted and any other refused; Redis's constants (save,
 * appendonly, maxmemory-policy) accept their value in any case, databases nothing. Errors
 * in Redis's order, pair by pair: unknown name, then a value not in force, then a setting
 * named twice (a stasis name and its Redis name are one setting).
 *
 * COMMAND GETKEYS: Redis 7.0's key positions, restated from its documentation for the
 * commands named (first, last, step: a negative last counts from the end; or a count at
 * a position and that many keys after it).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "harness/cursor.h"
#include "models/kv_model.h"

/* The model is the harness, not the code under test: no coverage feedback from it. */
FUZZ_NO_COVERAGE_BEGIN

/* ---- CONFIG SET ---- */

typedef struct setting {
    const char *name;
    uint32_t id;          /* the setting: names of one setting share it */
    const uint64_t *(*value)(const kv_config *c); /* a number in force, or NULL */
    const char *constant; /* NULL for numbers; else the text accepted */
} setting;

#define FIELD(f)                                                                                   \
    static const uint64_t *f(const kv_config *c) { return &c->f; }
FIELD(keys_max)
FIELD(key_size_max)
FIELD(value_size_max)
FIELD(list_length_max)
FIELD(reply_size_max)
FIELD(client_name_size_max)
FIELD(lcs_cells_max)
FIELD(connections_max)
FIELD(bulk_size_max)
FIELD(data_budget_bytes)
#undef FIELD

static const setting settings[] = {
    {"keys_max", 0, keys_max, NULL},
    {"key_size_max", 1, key_size_max, NULL},
    {"value_size_max", 2, value_size_max, NULL},
    {"list_length_max", 3, list_length_max, NULL},
    {"reply_size_max", 4, reply_size_max, NULL},
    {"client_name_size_max", 5, client_name_size_max, NULL},
    {"lcs_cells_max", 6, lcs_cells_max, NULL},
    {"connections_max", 7, connections_max, NULL},
    {"maxclients", 7, connections_max, NULL},
    {"bulk_size_max", 8, bulk_size_max, NULL},
    {"proto-max-bulk-len", 8, bulk_size_max, NULL},
    {"data_budget_bytes", 9, data_budget_bytes, NULL},
    {"maxmemory", 9, data_budget_bytes, NULL},
    {"save", 10, NULL, ""},
    {"appendonly", 11, NULL, "no"},
    {"maxmemory-policy", 12, NULL, "noeviction"},
    {"databases", 13, NULL, NULL}, /* immutable even at its value */
};
#define SETTINGS_COUNT (sizeof settings / sizeof settings[0])

static const setting *find_setting(const kvm_ctx *c, uint32_t i) {
    for (size_t k = 0; k < SETTINGS_COUNT; k++) {
        if (kvm_arg_is(c, i, settings[k].name)) return &settings[k];
    }
    return NULL;
}

static bool holds(const kvm_ctx *c, const setting *s, const resp_arg *v) {
    char text[64];
    if (s->value != NULL) {
        int n = snprintf(text, sizeof text, "%llu", (unsigned long long)*s->value(&c->m->config));
        return v->len == (size_t)n && memcmp(v->ptr, text, v->len) == 0;
    }
    if (s->constant == NULL || v->len >= sizeof text || memchr(v->ptr, 0, v->len) != NULL) {
        return false;
    }
    memcpy(text, v->ptr, v->len);
    text[v->len] = '\0';
    return strcasecmp(text, s->constant) == 0;
}

/* "<prefix><the argument as sent><suffix>" (the grammar's names hold no CR, LF or NUL). */
static void echo_error(kvm_ctx *c, const char *prefix, uint32_t i, const char *suffix) {
    char text[256];
    snprintf(text, sizeof text, "%s%.*s%s", prefix, (int)c->argv[i].len,
             (const char *)c->argv[i].ptr, suffix);
    kvm_error(c, text);
}

static void m_config_set(kvm_ctx *c) {
    if (c->argc % 2 != 0) {
        kvm_error(c, "ERR syntax error");
        return;
    }
    bool seen[16] = {false};
    for (uint32_t a = 2; a < c->argc; a += 2) {
        const setting *s = find_setting(c, a);
        if (s == NULL) {
            echo_error(c, "ERR Unknown option or number of arguments for CONFIG SET - '", a, "'");
            return;
        }
        if (!holds(c, s, &c->argv[a + 1])) {
            echo_error(c, "ERR CONFIG SET failed (possibly related to argument '", a,
                       "') - can't set immutable config");
            return;
        }
        if (seen[s->id]) {
            echo_error(c, "ERR CONFIG SET failed (possibly related to argument '", a,
                       "') - duplicate parameter");
            return;
        }
        seen[s->id] = true;
    }
    kvm_simple(c, "OK");
}

/* ---- COMMAND GETKEYS ---- */

typedef struct key_spec {
    const char *name;
    int32_t arity;
    int32_t first, last, step; /* first 0: no keys */
    int32_t count_at;          /* > 0: a count of keys there, the keys after it */
} key_spec;

static const key_spec specs[] = {
    {"get", 2, 1, 1, 1, 0},       {"set", -3, 1, 1, 1, 0},      {"mset", -3, 1, -1, 2, 0},
    {"mget", -2, 1, -1, 1, 0},    {"del", -2, 1, -1, 1, 0},     {"lmove", 5, 1, 2, 1, 0},
    {"lmpop", -4, 0, 0, 0, 1},    {"lcs", -3, 1, 2, 1, 0},      {"copy", -3, 1, 2, 1, 0},
    {"rename", 3, 1, 2, 1, 0},    {"bitpos", -3, 1, 1, 1, 0},   {"ping", -1, 0, 0, 0, 0},
    {"object", -2, 0, 0, 0, 0},   {"object|encoding", 3, 2, 2, 1, 0},
    {"object|freq", 3, 2, 2, 1, 0}, {"object|idletime", 3, 2, 2, 1, 0},
    {"object|refcount", 3, 2, 2, 1, 0}, {"object|help", 2, 0, 0, 0, 0},
    {"config", -2, 0, 0, 0, 0},   {"config|get", -3, 0, 0, 0, 0}, {"config|set", -4, 0, 0, 0, 0},
    {"config|resetstat", 2, 0, 0, 0, 0}, {"config|help", 2, 0, 0, 0, 0},
};

static bool word_is(const resp_arg *a, const char *word) {
    return a->len == strlen(word) && strncasecmp((const char *)a->ptr, word, a->len) == 0;
}

/* The spec of argv[2] (and argv[3] for a container), or NULL: no such command. */
static const key_spec *find_spec(const kvm_ctx *c) {
    const key_spec *top = NULL;
    for (size_t k = 0; k < sizeof specs / sizeof specs[0] && top == NULL; k++) {
        if (strchr(specs[k].name, '|') == NULL && word_is(&c->argv[2], specs[k].name)) {
            top = &specs[k];
        }
    }
    bool container = top != NULL && (strcmp(top->name, "object") == 0 ||
                                      strcmp(top->name, "config") == 0);
    if (!container || c->argc < 4) return top;
    size_t n = strlen(top->name);
    for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++) {
        const char *name = specs[k].name;
        if (strncmp(name, top->name, n) == 0 && name[n] == '|' && word_is(&c->argv[3], name + n + 1)) {
            return &specs[k];
        }
    }
    return NULL;
}

/* The keys of the command line argv[2..]: how many (0: invalid arguments), their
 * indexes into argv in keys[]. */
static uint32_t spec_keys(const kvm_ctx *c, const key_spec *s, uint32_t *keys) {
    uint32_t argc = c->argc - 2;
    uint32_t n = 0;
    if (s->count_at > 0) {
        int64_t count = 0;
        if (!kvm_parse_int(c->argv[2 + s->count_at].ptr, c->argv[2 + s->count_at].len, &count) ||
            count <= 0 || count > (int64_t)(argc - (uint32_t)s->count_at - 1)) {
            return 0;
        }
        for (int64_t k = 0; k < count; k++)
            keys[n++] = 2 + (uint32_t)s->count_at + 1 + (uint32_t)k;
        return n;
    }
    int64_t last = s->last < 0 ? (int64_t)argc + s->last : s->last;
    for (int64_t i = s->first; i <= last && i < (int64_t)argc; i += s->step)
        keys[n++] = 2 + (uint32_t)i;
    return n;
}

static void m_command_getkeys(kvm_ctx *c) {
    const key_spec *s = find_spec(c);
    if (s == NULL) {
        kvm_error(c, "ERR Invalid command specified");
        return;
    }
    if (s->first == 0 && s->count_at == 0) {
        kvm_error(c, "ERR The command has no key arguments");
        return;
    }
    uint32_t argc = c->argc - 2;
    if (s->arity > 0 ? argc != (uint32_t)s->arity : argc < (uint32_t)-s->arity) {
        kvm_error(c, "ERR Invalid number of arguments specified for command");
        return;
    }
    uint32_t keys[32];
    uint32_t n = spec_keys(c, s, keys);
    if (n == 0) {
        kvm_error(c, "ERR Invalid arguments specified for command");
        return;
    }
    kvm_array(c, n);
    for (uint32_t k = 0; k < n; k++)
        kvm_bulk(c, c->argv[keys[k]].ptr, c->argv[keys[k]].len);
}

static const kvm_command config_subcommands[] = {{"config|set", -4, m_config_set}};
static const kvm_command command_subcommands[] = {
    {"command|getkeys", -4, m_command_getkeys}};

const kvm_container kvm_config_container = {"config", config_subcommands, 1};
const kvm_container kvm_command_container = {"command", command_subcommands, 1};

static const kvm_command commands[] = {
    {"config", -2, NULL},
    {"command", -1, NULL},
};

const kvm_family kvm_meta_family = {.commands = commands,
                                    .count = sizeof commands / sizeof commands[0]};

FUZZ_NO_COVERAGE_END
