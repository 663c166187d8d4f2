/* CONFIG GET / SET / RESETSTAT / HELP. Every option of the configuration table is visible
 * under its stasis name and, where Redis has one, its Redis name (maxclients, timeout…);
 * a few Redis settings that tools ask for are answered with constants, and Redis's
 * encoding tunings (config.h, kv_tunings) are kept without effect. stasis's own settings
 * cannot change: the reservation was computed from them at start-up. */
#include <string.h>
#include <strings.h>

#include "alloc/stasis_assert.h"
#include "kv/command.h"
#include "kv/glob.h"
#include "kv/resp_number.h"

/* Redis settings stasis does not have, with the value that describes it (redis-benchmark
 * asks for save and appendonly before it starts). */
typedef struct compat_setting {
    const char *name;
    const char *value;
    bool immutable; /* Redis refuses to set it even to the value it holds */
} compat_setting;

static const compat_setting compat[] = {
    {"save", "", false},
    {"appendonly", "no", false},
    {"databases", "1", true},
    {"maxmemory-policy", "noeviction", false},
};
#define COMPAT_COUNT (sizeof compat / sizeof compat[0])

/* Entry i < 2 * kv_option_count: option i / 2, by its name (even) or Redis name (odd);
 * then the compatibility constants; then the tunings, by name (even) or alias (odd). */
#define TUNING_BASE (2 * kv_option_count + COMPAT_COUNT)
#define ENTRY_COUNT (TUNING_BASE + 2 * KV_TUNING_COUNT)
#define ENTRIES_MAX 160
#define ENTRY_NONE  SIZE_MAX

static bool is_option(size_t i) { return i < 2 * kv_option_count; }
static bool is_tuning(size_t i) { return i >= TUNING_BASE; }
static const kv_tuning *tuning_of(size_t i) { return &kv_tunings[(i - TUNING_BASE) / 2]; }

/* The setting an entry names, for CONFIG SET's duplicate check: an option's stasis name
 * and Redis name are one setting; a tuning's name and its alias are not (Redis 7.0 sets
 * both, the later pair winning: `list-max-ziplist-size -1 list-max-listpack-size -3`). */
static size_t entry_setting(size_t i) { return is_option(i) ? i & ~(size_t)1 : i; }

static bool entry_is_immutable(size_t i) {
    return !is_option(i) && !is_tuning(i) && compat[i - 2 * kv_option_count].immutable;
}

static const char *entry_name(size_t i) {
    if (is_option(i)) {
        const kv_option *o = &kv_options[i / 2];
        if (i % 2 == 0) return o->name;
        /* A Redis name equal to stasis's (port, bind...) is the same entry. */
        return o->redis_name != NULL && strcmp(o->redis_name, o->name) != 0 ? o->redis_name : NULL;
    }
    if (is_tuning(i)) return (i - TUNING_BASE) % 2 == 0 ? tuning_of(i)->name : tuning_of(i)->alias;
    return compat[i - 2 * kv_option_count].name;
}

static size_t entry_value(const kv_ctx *c, size_t i, char *buf, size_t cap) {
    if (is_option(i)) return kv_format_option(c, &kv_options[i / 2], buf, cap);
    if (is_tuning(i)) {
        ST_ASSERT(cap >= RESP_INT64_TEXT_SIZE_MAX);
        return resp_format_int64(c->engine->tunings[(i - TUNING_BASE) / 2], buf, cap);
    }
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

/* The entry an argument names exactly (case-insensitive), or ENTRY_NONE. */
static size_t find_entry(const resp_arg *arg) {
    for (size_t i = 0; i < ENTRY_COUNT; i++) {
        const char *name = entry_name(i);
        if (name != NULL && name_is(name, arg)) return i;
    }
    return ENTRY_NONE;
}

/* True iff the fixed setting of entry i already holds `value`, parsed as its flag would be
 * (so "64k" holds 65536) or, for a compatibility constant, spelled the same (any case). */
static bool entry_holds(const kv_ctx *c, size_t i, const resp_arg *value) {
    char text[KV_REQUIREPASS_SIZE_MAX + 8];
    if (value->len >= sizeof text || memchr(value->ptr, 0, value->len) != NULL) return false;
    memcpy(text, value->ptr, value->len);
    text[value->len] = '\0';
    if (!is_option(i)) return strcasecmp(text, compat[i - 2 * kv_option_count].value) == 0;
    const kv_option *o = &kv_options[i / 2];
    kv_config wanted = *c->engine->config;
    char why[160];
    if (!kv_config_set(&wanted, o->name, text, why, sizeof why)) return false;
    if (o->type == KV_OPTION_STRING) {
        return strcmp((const char *)&wanted + o->offset,
                      (const char *)c->engine->config + o->offset) == 0;
    }
    return kv_option_get_u64(o, &wanted) == kv_option_get_u64(o, c->engine->config);
}

/*
 * The first pair CONFIG SET must refuse before setting anything, in Redis's order (each
 * pair in turn: unknown name, then a fixed setting given another value, then a setting
 * named twice), with its error written; true iff there is none. A fixed setting given the
 * value it holds is accepted: clients and test suites set them to what they already are
 * (`save ""`).
 */
static bool config_set_refusal(kv_ctx *c) {
    bool seen[ENTRIES_MAX] = {false};
    for (uint32_t a = 2; a < c->argc; a += 2) {
        size_t i = find_entry(&c->argv[a]);
        if (i == ENTRY_NONE) {
            kv_reply_error_echo(c, "ERR Unknown option or number of arguments for CONFIG SET - '",
                                a, "'");
            return false;
        }
        if (entry_is_immutable(i) || (!is_tuning(i) && !entry_holds(c, i, &c->argv[a + 1]))) {
            kv_reply_error_echo(c, "ERR CONFIG SET failed (possibly related to argument '", a,
                                "') - can't set immutable config");
            return false;
        }
        if (seen[entry_setting(i)]) {
            kv_reply_error_echo(c, "ERR CONFIG SET failed (possibly related to argument '", a,
                                "') - duplicate parameter");
            return false;
        }
        seen[entry_setting(i)] = true;
    }
    return true;
}

/* CONFIG SET parameter value [parameter value ...]: all or nothing. stasis's own settings
 * are fixed at start-up (the reservation was computed from them); Redis's encoding tunings
 * are remembered and have no effect. */
static void cmd_config_set(kv_ctx *c) {
    if ((c->argc & 1) != 0) {
        kv_reply_error(c, KV_ERR_SYNTAX);
        return;
    }
    if (!config_set_refusal(c)) return;
    int64_t tunings[KV_TUNING_COUNT];
    memcpy(tunings, c->engine->tunings, sizeof tunings);
    for (uint32_t a = 2; a < c->argc; a += 2) {
        size_t i = find_entry(&c->argv[a]);
        if (!is_tuning(i)) continue;
        char why[96];
        const char *err = kv_tuning_parse(tuning_of(i), c->argv[a + 1].ptr, c->argv[a + 1].len,
                                          &tunings[(i - TUNING_BASE) / 2], why, sizeof why);
        if (err != NULL) {
            kv_reply_errorf(c, "ERR CONFIG SET failed (possibly related to argument '%s') - %s",
                            entry_name(i), err);
            return;
        }
    }
    memcpy(c->engine->tunings, tunings, sizeof tunings);
    kv_reply_ok(c);
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
        "    stasis's settings are fixed at start-up: only their current value is accepted.",
        "    Redis's encoding tunings (list-max-listpack-size...) are kept and have no effect.",
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
    {.name = "config|get", .arity = -3, .flags = 0, .handler = cmd_config_get},
    {.name = "config|set", .arity = -4, .flags = 0, .handler = cmd_config_set},
    {.name = "config|resetstat", .arity = 2, .flags = 0, .handler = cmd_config_resetstat},
    {.name = "config|help", .arity = 2, .flags = 0, .handler = cmd_config_help},
};

static const kv_command commands[] = {
    {.name = "config",
     .arity = -2,
     .subcommands = config_subcommands,
     .subcommand_count = sizeof config_subcommands / sizeof config_subcommands[0]},
};

const kv_command_family kv_config_family = {.commands = commands, .count = 1};
