/* CONFIG GET / SET / RESETSTAT / HELP. Every option of the configuration table is visible
 * under its stasis name and, where Redis has one, its Redis name (maxclients, timeout…);
 * a few Redis settings that tools ask for are answered with constants. Nothing can be set:
 * the reservation was computed from the configuration at start-up. */
#include <string.h>

#include "alloc/stasis_assert.h"
#include "kv/command.h"
#include "kv/glob.h"

/* Redis settings stasis does not have, with the value that describes it (redis-benchmark
 * asks for save and appendonly before it starts). */
typedef struct compat_setting {
    const char *name;
    const char *value;
} compat_setting;

static const compat_setting compat[] = {
    {"save", ""},
    {"appendonly", "no"},
    {"databases", "1"},
    {"maxmemory-policy", "noeviction"},
};
#define COMPAT_COUNT (sizeof compat / sizeof compat[0])

/* Entry i < 2 * kv_option_count: option i / 2, by its name (even) or Redis name (odd);
 * then the compatibility constants. */
#define ENTRY_COUNT (2 * kv_option_count + COMPAT_COUNT)
#define ENTRIES_MAX 128

static const char *entry_name(size_t i) {
    if (i < 2 * kv_option_count) {
        const kv_option *o = &kv_options[i / 2];
        if (i % 2 == 0) return o->name;
        /* A Redis name equal to stasis's (port, bind...) is the same entry. */
        return o->redis_name != NULL && strcmp(o->redis_name, o->name) != 0 ? o->redis_name : NULL;
    }
    return compat[i - 2 * kv_option_count].name;
}

static size_t entry_value(const kv_ctx *c, size_t i, char *buf, size_t cap) {
    if (i < 2 * kv_option_count)
        return kv_option_format(&kv_options[i / 2], c->engine->config, buf, cap);
    const char *v = compat[i - 2 * kv_option_count].value;
    size_t n = strlen(v);
    ST_ASSERT(n < cap);
    memcpy(buf, v, n + 1);
    return n;
}

static bool has_glob(const resp_arg *a) {
    for (size_t i = 0; i < a->len; i++) {
        if (a->ptr[i] == '*' || a->ptr[i] == '?' || a->ptr[i] == '[') return true;
    }
    return false;
}

static bool name_is(const char *name, const resp_arg *a) {
    size_t n = strlen(name);
    if (n != a->len) return false;
    for (size_t i = 0; i < n; i++) {
        uint8_t b = a->ptr[i];
        if (b >= 'A' && b <= 'Z') b = (uint8_t)(b - 'A' + 'a');
        if ((uint8_t)name[i] != b) return false;
    }
    return true;
}

/* CONFIG GET parameter [parameter ...]: name/value pairs, each setting once. A name without
 * glob characters is looked up exactly (case-insensitive); a pattern matches case-insensitively. */
static void cmd_config_get(kv_ctx *c) {
    ST_ASSERT(ENTRY_COUNT <= ENTRIES_MAX);
    bool matched[ENTRIES_MAX] = {false};
    uint32_t named_by[ENTRIES_MAX] = {0}; /* an exact name is echoed as the client sent it */
    size_t count = 0;
    for (uint32_t a = 2; a < c->argc; a++) {
        const resp_arg *arg = &c->argv[a];
        bool pattern = has_glob(arg);
        for (size_t i = 0; i < ENTRY_COUNT; i++) {
            const char *name = entry_name(i);
            if (name == NULL || matched[i]) continue;
            bool hit = pattern
                           ? glob_match((const char *)arg->ptr, arg->len, name, strlen(name), true)
                           : name_is(name, arg);
            if (hit) {
                matched[i] = true;
                named_by[i] = pattern ? 0 : a;
                count++;
            }
        }
    }
    kv_reply_array(c, 2 * count);
    char value[KV_REQUIREPASS_SIZE_MAX + 8];
    for (size_t i = 0; i < ENTRY_COUNT; i++) {
        if (!matched[i]) continue;
        if (named_by[i] != 0) {
            kv_reply_bulk(c, c->argv[named_by[i]].ptr, c->argv[named_by[i]].len);
        } else {
            kv_reply_bulk_cstr(c, entry_name(i));
        }
        size_t n = entry_value(c, i, value, sizeof value);
        kv_reply_bulk(c, value, n);
    }
}

/* CONFIG SET parameter value [parameter value ...]: every setting is fixed at start-up. */
static void cmd_config_set(kv_ctx *c) {
    if ((c->argc & 1) != 0) {
        kv_reply_error(c, KV_ERR_SYNTAX);
        return;
    }
    /* Redis reports the first parameter it cannot set: unknown, or immutable. */
    for (uint32_t a = 2; a < c->argc; a += 2) {
        const resp_arg *arg = &c->argv[a];
        bool known = false;
        for (size_t i = 0; i < ENTRY_COUNT && !known; i++) {
            const char *name = entry_name(i);
            known = name != NULL && name_is(name, arg);
        }
        int len = (int)(arg->len > 128 ? 128 : arg->len);
        if (!known) {
            kv_reply_errorf(c, "ERR Unknown option or number of arguments for CONFIG SET - '%.*s'",
                            len, (const char *)arg->ptr);
        } else {
            kv_reply_errorf(c,
                            "ERR CONFIG SET failed (possibly related to argument '%.*s') - can't "
                            "set immutable config",
                            len, (const char *)arg->ptr);
        }
        return;
    }
}

static void cmd_config_resetstat(kv_ctx *c) {
    c->engine->stats = (kv_engine_stats){0};
    c->store->stats = (kv_store_stats){0};
    kv_reply_ok(c);
}

static void cmd_config_help(kv_ctx *c) {
    static const char *const lines[] = {
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Refused: every stasis setting is fixed at start-up (command-line flags).",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "HELP",
        "    Print this help.",
    };
    size_t n = sizeof lines / sizeof lines[0];
    kv_reply_array(c, n);
    for (size_t i = 0; i < n; i++)
        resp_write_simple(c->out, lines[i], strlen(lines[i]));
}

static const kv_command config_subcommands[] = {
    {.name = "config|get",
     .arity = -3,
     .flags = KV_CMD_READONLY,
     .handler = cmd_config_get,
     .summary = "Get the values of configuration parameters"},
    {.name = "config|set",
     .arity = -4,
     .flags = 0,
     .handler = cmd_config_set,
     .summary = "Set configuration parameters (all are fixed at start-up)"},
    {.name = "config|resetstat",
     .arity = 2,
     .flags = 0,
     .handler = cmd_config_resetstat,
     .summary = "Reset the statistics"},
    {.name = "config|help",
     .arity = 2,
     .flags = 0,
     .handler = cmd_config_help,
     .summary = "Show helpful text about the different subcommands"},
};

static const kv_command commands[] = {
    {.name = "config",
     .arity = -2,
     .subcommands = config_subcommands,
     .subcommand_count = sizeof config_subcommands / sizeof config_subcommands[0],
     .summary = "A container for server configuration commands"},
};

const kv_command_family kv_config_family = {.group = "server", .commands = commands, .count = 1};
