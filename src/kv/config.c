#include "kv/config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "alloc/stasis_assert.h"
#include "kv/resp_number.h"

/* ---- the table ---- */

static const char *const policy_choices[] = {"guaranteed", "shared", NULL};
static const char *const seal_choices[] = {"count", "strict", NULL};

#define KIB           ((uint64_t)1024)
#define MIB           (KIB * 1024)
#define GIB           (MIB * 1024)
#define U32_MAX_VALUE ((uint64_t)UINT32_MAX)

#define U64_OPTION(field, alias, kind_, def, lo, hi, bytes, derived_, help_)                       \
    {                                                                                              \
        .name = #field, .redis_name = alias, .type = KV_OPTION_U64, .kind = kind_,                 \
        .offset = offsetof(kv_config, field), .default_value = def, .min = lo, .max = hi,          \
        .unit_bytes = bytes, .derived = derived_, .help = help_                                    \
    }

const kv_option kv_options[] = {
    /* data limits */
    U64_OPTION(keys_max, NULL, KV_OPTION_DATA, 65536, 1, U32_MAX_VALUE - 1, false, NULL,
               "most keys stored at once"),
    U64_OPTION(key_size_max, NULL, KV_OPTION_DATA, 512, 1, 512 * MIB, true, NULL,
               "longest key, in bytes"),
    U64_OPTION(value_size_max, NULL, KV_OPTION_DATA, 64 * KIB, 1, 512 * MIB, true, NULL,
               "longest string value or list element, in bytes"),
    U64_OPTION(list_length_max, NULL, KV_OPTION_DATA, 65536, 1, U32_MAX_VALUE - 1, false, NULL,
               "most elements in one list"),
    {.name = "capacity_policy",
     .type = KV_OPTION_ENUM,
     .kind = KV_OPTION_DATA,
     .offset = offsetof(kv_config, capacity_policy),
     .default_value = KV_POLICY_SHARED,
     .min = 0,
     .max = 1,
     .choices = policy_choices,
     .help = "guaranteed: every key can hold a full list of maximal values; shared: one "
             "pool of data_budget_bytes, -OOM when full"},
    U64_OPTION(data_budget_bytes, "maxmemory", KV_OPTION_DATA, 64 * MIB, 1, 1024 * GIB, true, NULL,
               "shared policy: bytes of chunk storage for all keys and values"),
    U64_OPTION(chunk_size, NULL, KV_OPTION_DATA, 64, 16, 4096, true, NULL,
               "bytes per storage chunk (power of two); every key and value is a chain of "
               "chunks"),
    U64_OPTION(reply_size_max, NULL, KV_OPTION_DATA, 0, 1024, 1 * GIB, true, "request_size_max",
               "largest reply, in bytes (KEYS and the like answer an "
               "error past it)"),
    U64_OPTION(lcs_cells_max, NULL, KV_OPTION_DATA, 1024 * 1024, 1, 256 * 1024 * 1024, false, NULL,
               "largest LCS table, (len(a) + 1) x (len(b) + 1) cells of 5 bytes each, "
               "reserved at start-up"),
    /* Transactions (MULTI ... EXEC): each connection's queue and watched keys are carved at
     * start-up, connections_max times, so a client's transaction never depends on others'. */
    U64_OPTION(transaction_commands_max, NULL, KV_OPTION_DATA, 64, 1, 1024 * 1024, false, NULL,
               "most commands one connection may queue between MULTI and EXEC (and EXEC's "
               "reply, at most reply_size_max, keeps 64 bytes for each)"),
    U64_OPTION(transaction_bytes_max, NULL, KV_OPTION_DATA, 4 * KIB, 64, 1 * GIB, true, NULL,
               "most bytes one connection may queue between MULTI and EXEC, each command "
               "counted as its RESP request (*argc, then $len and bytes per argument); "
               "reserved per connection"),
    U64_OPTION(watched_keys_max, NULL, KV_OPTION_DATA, 32, 1, 1024 * 1024, false, NULL,
               "most keys one connection may WATCH at once; reserved per connection"),
    /* protocol limits */
    U64_OPTION(command_args_max, NULL, KV_OPTION_PROTOCOL, 0, 3, 1024 * 1024, false,
               "list_length_max + 2, at most 1024 and at least 3",
               "most arguments in one command, its name included"),
    U64_OPTION(bulk_size_max, "proto-max-bulk-len", KV_OPTION_PROTOCOL, 0, 1, 512 * MIB, true,
               "max(key_size_max, value_size_max)", "longest bulk argument, in bytes"),
    U64_OPTION(inline_size_max, NULL, KV_OPTION_PROTOCOL, 64 * KIB, 16, 512 * MIB, true, NULL,
               "longest inline command line or header line, in bytes"),
    U64_OPTION(request_size_max, NULL, KV_OPTION_PROTOCOL, 0, 1024, 1 * GIB, true,
               "a push of list_length_max values of value_size_max, at most 4 MiB and at "
               "least inline_size_max",
               "largest request, in bytes, headers included"),
    /* server */
    U64_OPTION(connections_max, "maxclients", KV_OPTION_SERVER, 1024, 1, 1024 * 1024, false, NULL,
               "most clients connected at once"),
    /* At least KV_REPLY_ROOM_MIN_BYTES (1 KiB): the room every command may assume. */
    U64_OPTION(connection_buffer_size, NULL, KV_OPTION_SERVER, 4 * KIB, 1 * KIB, 16 * MIB, true,
               NULL, "each connection's own receive and send buffer, in bytes"),
    /* At least 2: one command may need one for its request and one for its reply (ECHO of a
     * large value); the server keeps the last free one for such a second loan. */
    U64_OPTION(large_buffers_max, NULL, KV_OPTION_SERVER, 4, 2, 4096, false, NULL,
               "large buffers, lent to one connection at a time for a request or reply "
               "bigger than its own buffers"),
    U64_OPTION(large_buffer_hold_ms_max, NULL, KV_OPTION_SERVER, 5000, 1, 3600 * 1000, false, NULL,
               "longest a client holding a large buffer may make no progress before it is "
               "disconnected"),
    /* Measured while the server waits on the client (a recv or a send in flight): a client
     * that keeps up with this rate is never cut off; one that falls behind by more than
     * connection_buffer_size bytes is. */
    U64_OPTION(large_buffer_rate_min_bytes_per_s, NULL, KV_OPTION_SERVER, 64 * KIB, 1, 1 * GIB,
               true, NULL,
               "slowest a client holding a large buffer may send its request or read its "
               "replies, in bytes per second, before it is disconnected"),
    U64_OPTION(idle_timeout_s, "timeout", KV_OPTION_SERVER, 0, 0, 365 * 24 * 3600, false, NULL,
               "close clients idle this long (0: never)"),
    U64_OPTION(commands_per_turn_max, NULL, KV_OPTION_SERVER, 64, 1, 1024 * 1024, false, NULL,
               "most commands served for one client per event-loop turn (fairness)"),
    U64_OPTION(client_name_size_max, NULL, KV_OPTION_SERVER, 64, 1, 4096, false, NULL,
               "longest client name (HELLO SETNAME), in bytes"),
    U64_OPTION(port, "port", KV_OPTION_SERVER, 6379, 0, 65535, false, NULL,
               "TCP port (0: any free port, printed at start-up)"),
    {.name = "bind",
     .redis_name = "bind",
     .type = KV_OPTION_STRING,
     .kind = KV_OPTION_SERVER,
     .offset = offsetof(kv_config, bind),
     .string_size = KV_BIND_SIZE_MAX,
     .help = "numeric IPv4 address to listen on (default 127.0.0.1)"},
    {.name = "requirepass",
     .redis_name = "requirepass",
     .type = KV_OPTION_STRING,
     .kind = KV_OPTION_SERVER,
     .offset = offsetof(kv_config, requirepass),
     .string_size = KV_REQUIREPASS_SIZE_MAX,
     .help = "password clients must AUTH with (empty: none)"},
    {.name = "lock_memory",
     .type = KV_OPTION_BOOL,
     .kind = KV_OPTION_SERVER,
     .offset = offsetof(kv_config, lock_memory),
     .max = 1,
     .help = "mlock the reservation"},
    {.name = "seal",
     .type = KV_OPTION_ENUM,
     .kind = KV_OPTION_SERVER,
     .offset = offsetof(kv_config, seal),
     .max = 1,
     .choices = seal_choices,
     .help = "after start-up, count allocation calls (count) or also kill the process on any "
             "memory-growing syscall (strict)"},
    U64_OPTION(hash_seed, NULL, KV_OPTION_SERVER, 0, 0, UINT64_MAX, false, NULL,
               "key hash seed (0: random at start-up; fix it only for tests)"),
};

const size_t kv_option_count = sizeof kv_options / sizeof kv_options[0];

/* ---- field access ---- */

static uint64_t *u64_field(const kv_option *o, kv_config *c) {
    ST_ASSERT(o->type != KV_OPTION_STRING);
    return (uint64_t *)((unsigned char *)c + o->offset);
}

static char *string_field(const kv_option *o, kv_config *c) {
    ST_ASSERT(o->type == KV_OPTION_STRING);
    return (char *)c + o->offset;
}

uint64_t kv_option_get_u64(const kv_option *option, const kv_config *config) {
    return *u64_field(option, (kv_config *)(uintptr_t)config);
}

void kv_config_defaults(kv_config *config) {
    memset(config, 0, sizeof *config);
    for (size_t i = 0; i < kv_option_count; i++) {
        const kv_option *o = &kv_options[i];
        if (o->type != KV_OPTION_STRING) *u64_field(o, config) = o->default_value;
    }
    snprintf(config->bind, sizeof config->bind, "%s", "127.0.0.1");
}

/* Compares a flag or config name with an option name: '-' and '_' match, case ignored. */
static bool name_matches(const char *option_name, const char *name, size_t name_len) {
    size_t n = strlen(option_name);
    if (n != name_len) return false;
    for (size_t i = 0; i < n; i++) {
        char a = option_name[i];
        char b = name[i];
        if (b == '-') b = '_';
        if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
        if (a != b) return false;
    }
    return true;
}

const kv_option *kv_option_find(const char *name, size_t name_len) {
    for (size_t i = 0; i < kv_option_count; i++) {
        if (name_matches(kv_options[i].name, name, name_len)) return &kv_options[i];
    }
    return NULL;
}

/* ---- text <-> value ---- */

/* Parses an unsigned decimal with an optional k/m/g (KiB/MiB/GiB) suffix when allowed.
 * Rejects empty text, signs, spaces and overflow. */
static bool parse_u64(const char *text, bool allow_suffix, uint64_t *out) {
    uint64_t value = 0;
    const char *p = text;
    if (*p < '0' || *p > '9') return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        uint64_t digit = (uint64_t)(*p - '0');
        if (value > (UINT64_MAX - digit) / 10) return false;
        value = value * 10 + digit;
    }
    uint64_t scale = 1;
    if (allow_suffix && *p != '\0') {
        switch (*p | 0x20) {
        case 'k': scale = KIB; break;
        case 'm': scale = MIB; break;
        case 'g': scale = GIB; break;
        default: return false;
        }
        p++;
        if ((*p | 0x20) == 'b') p++;
    }
    if (*p != '\0') return false;
    if (value != 0 && scale > UINT64_MAX / value) return false;
    *out = value * scale;
    return true;
}

__attribute__((format(printf, 3, 4))) static bool set_error(char *error, size_t error_size,
                                                            const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (error_size > 0) vsnprintf(error, error_size, fmt, ap);
    va_end(ap);
    return false;
}

static bool apply_u64(const kv_option *o, kv_config *c, const char *flag, const char *value,
                      char *error, size_t error_size) {
    uint64_t v = 0;
    char range[96];
    snprintf(range, sizeof range, "an integer from %llu to %llu%s", (unsigned long long)o->min,
             (unsigned long long)o->max, o->unit_bytes ? " (k, m, g suffixes allowed)" : "");
    if (!parse_u64(value, o->unit_bytes, &v) || v < o->min || v > o->max) {
        return set_error(error, error_size, "--%s: expected %s, got '%s'", flag, range, value);
    }
    *u64_field(o, c) = v;
    return true;
}

static bool apply_enum(const kv_option *o, kv_config *c, const char *flag, const char *value,
                       char *error, size_t error_size) {
    char names[96] = "";
    for (uint64_t i = 0; o->choices[i] != NULL; i++) {
        if (strcasecmp(o->choices[i], value) == 0) {
            *u64_field(o, c) = i;
            return true;
        }
        size_t at = strlen(names);
        snprintf(names + at, sizeof names - at, "%s%s", i == 0 ? "" : ", ", o->choices[i]);
    }
    return set_error(error, error_size, "--%s: expected one of %s, got '%s'", flag, names, value);
}

static bool apply_bool(const kv_option *o, kv_config *c, const char *flag, const char *value,
                       char *error, size_t error_size) {
    if (strcasecmp(value, "yes") == 0 || strcmp(value, "1") == 0) {
        *u64_field(o, c) = 1;
    } else if (strcasecmp(value, "no") == 0 || strcmp(value, "0") == 0) {
        *u64_field(o, c) = 0;
    } else {
        return set_error(error, error_size, "--%s: expected %s, got '%s'", flag, "yes or no",
                         value);
    }
    return true;
}

static bool apply_string(const kv_option *o, kv_config *c, const char *flag, const char *value,
                         char *error, size_t error_size) {
    size_t len = strlen(value);
    if (len >= o->string_size) {
        char detail[64];
        snprintf(detail, sizeof detail, "at most %zu bytes", o->string_size - 1);
        return set_error(error, error_size, "--%s: expected %s, got '%s'", flag, detail, value);
    }
    memcpy(string_field(o, c), value, len + 1);
    return true;
}

bool kv_config_set(kv_config *config, const char *name, const char *value, char *error,
                   size_t error_size) {
    const kv_option *o = kv_option_find(name, strlen(name));
    if (o == NULL) {
        return set_error(error, error_size, "--%s: unknown option", name);
    }
    char flag[64];
    snprintf(flag, sizeof flag, "%s", o->name);
    for (char *p = flag; *p != '\0'; p++) {
        if (*p == '_') *p = '-';
    }
    switch (o->type) {
    case KV_OPTION_U64: return apply_u64(o, config, flag, value, error, error_size);
    case KV_OPTION_BOOL: return apply_bool(o, config, flag, value, error, error_size);
    case KV_OPTION_ENUM: return apply_enum(o, config, flag, value, error, error_size);
    case KV_OPTION_STRING: return apply_string(o, config, flag, value, error, error_size);
    }
    ST_ASSERT(false);
    return false;
}

bool kv_config_parse_args(kv_config *config, int argc, char **argv, char *error,
                          size_t error_size) {
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0) {
            return set_error(error, error_size, "%s: expected an option (--name value)", arg);
        }
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        char name_buf[64];
        size_t name_len = eq != NULL ? (size_t)(eq - name) : strlen(name);
        if (name_len >= sizeof name_buf) {
            return set_error(error, error_size, "%s: unknown option", arg);
        }
        memcpy(name_buf, name, name_len);
        name_buf[name_len] = '\0';
        const kv_option *o = kv_option_find(name_buf, name_len);
        const char *value;
        if (eq != NULL) {
            value = eq + 1;
        } else if (o != NULL && o->type == KV_OPTION_BOOL &&
                   (i + 1 == argc || strncmp(argv[i + 1], "--", 2) == 0)) {
            value = "yes";
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            return set_error(error, error_size, "--%s: needs a value", name_buf);
        }
        if (!kv_config_set(config, name_buf, value, error, error_size)) return false;
    }
    return true;
}

/* ---- derived defaults and cross-checks ---- */

static uint64_t decimal_digits(uint64_t v) {
    uint64_t n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

/* Bytes of "$<len>\r\n<len bytes>\r\n". */
static uint64_t bulk_bytes(uint64_t len) { return 1 + decimal_digits(len) + 2 + len + 2; }

/* The largest list push a client can send: *<L+2>, the command name, a key of
 * key_size_max and list_length_max values of value_size_max. */
static uint64_t full_push_request_bytes(const kv_config *c) {
    uint64_t args = c->list_length_max + 2;
    return 1 + decimal_digits(args) + 2 + bulk_bytes(5) + bulk_bytes(c->key_size_max) +
           c->list_length_max * bulk_bytes(c->value_size_max);
}

static uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }
static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

#define REQUEST_SIZE_DERIVED_CAP_BYTES (4 * MIB)

static void derive_defaults(kv_config *c) {
    if (c->command_args_max == 0) {
        c->command_args_max = max_u64(3, min_u64(c->list_length_max + 2, 1024));
    }
    if (c->bulk_size_max == 0) c->bulk_size_max = max_u64(c->key_size_max, c->value_size_max);
    if (c->request_size_max == 0) {
        uint64_t push = full_push_request_bytes(c);
        c->request_size_max =
            max_u64(min_u64(push, REQUEST_SIZE_DERIVED_CAP_BYTES), c->inline_size_max);
    }
    if (c->reply_size_max == 0) c->reply_size_max = c->request_size_max;
}

bool kv_config_finalize(kv_config *c, char *error, size_t error_size) {
    derive_defaults(c);
    if ((c->chunk_size & (c->chunk_size - 1)) != 0) {
        return set_error(error, error_size, "--chunk-size: must be a power of two, got %llu",
                         (unsigned long long)c->chunk_size);
    }
    if (c->key_size_max > c->bulk_size_max || c->value_size_max > c->bulk_size_max) {
        return set_error(error, error_size,
                         "--bulk-size-max: %llu is less than key_size_max (%llu) or "
                         "value_size_max (%llu)",
                         (unsigned long long)c->bulk_size_max, (unsigned long long)c->key_size_max,
                         (unsigned long long)c->value_size_max);
    }
    if (c->inline_size_max > c->request_size_max) {
        return set_error(
            error, error_size, "--request-size-max: %llu is less than inline_size_max (%llu)",
            (unsigned long long)c->request_size_max, (unsigned long long)c->inline_size_max);
    }
    if (c->capacity_policy == KV_POLICY_SHARED && c->data_budget_bytes < c->chunk_size) {
        return set_error(
            error, error_size, "--data-budget-bytes: %llu cannot hold one chunk of %llu bytes",
            (unsigned long long)c->data_budget_bytes, (unsigned long long)c->chunk_size);
    }
    return true;
}

/* ---- formatting (used after the seal: no stdio, no allocation) ---- */

static size_t format_u64(uint64_t v, char *out, size_t out_size) {
    char digits[20];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    ST_ASSERT(out_size > n);
    for (size_t i = 0; i < n; i++)
        out[i] = digits[n - 1 - i];
    out[n] = '\0';
    return n;
}

size_t kv_option_format(const kv_option *option, const kv_config *config, char *out,
                        size_t out_size) {
    ST_ASSERT(out_size > 0);
    const char *text = NULL;
    switch (option->type) {
    case KV_OPTION_U64: return format_u64(kv_option_get_u64(option, config), out, out_size);
    case KV_OPTION_BOOL: text = kv_option_get_u64(option, config) != 0 ? "yes" : "no"; break;
    case KV_OPTION_ENUM: text = option->choices[kv_option_get_u64(option, config)]; break;
    case KV_OPTION_STRING: text = (const char *)config + option->offset; break;
    }
    size_t len = strlen(text);
    ST_ASSERT(len < out_size);
    memcpy(out, text, len + 1);
    return len;
}

/* ---- Redis's encoding-tuning parameters (no effect in stasis) ---- */

#define INT32_MIN_VALUE ((int64_t)INT32_MIN)
#define INT32_MAX_VALUE ((int64_t)INT32_MAX)

const kv_tuning kv_tunings[KV_TUNING_COUNT] = {
    {"list-max-listpack-size", "list-max-ziplist-size", INT32_MIN_VALUE, INT32_MAX_VALUE, -2,
     false},
    {"list-compress-depth", NULL, 0, INT32_MAX_VALUE, 0, false},
    {"hash-max-listpack-entries", "hash-max-ziplist-entries", 0, INT64_MAX, 512, false},
    {"hash-max-listpack-value", "hash-max-ziplist-value", 0, INT64_MAX, 64, true},
    {"set-max-intset-entries", NULL, 0, INT64_MAX, 512, false},
    {"zset-max-listpack-entries", "zset-max-ziplist-entries", 0, INT64_MAX, 128, false},
    {"zset-max-listpack-value", "zset-max-ziplist-value", 0, INT64_MAX, 64, true},
    {"stream-node-max-bytes", NULL, 0, INT64_MAX, 4096, true},
    {"stream-node-max-entries", NULL, 0, INT64_MAX, 100, false},
};

/* Redis's memtoull: digits, then nothing, b, k, kb, m, mb, g or gb (k = 1000, kb = 1024).
 * A value past 64 bits is reported as out of range (*overflow). */
static bool parse_memory(const uint8_t *text, size_t len, uint64_t *out, bool *overflow) {
    static const struct {
        const char *unit;
        uint64_t scale;
    } units[] = {{"", 1},        {"b", 1},    {"k", 1000},       {"kb", KIB},
                 {"m", 1000000}, {"mb", MIB}, {"g", 1000000000}, {"gb", GIB}};
    size_t digits = 0;
    while (digits < len && text[digits] >= '0' && text[digits] <= '9')
        digits++;
    uint64_t scale = 0;
    for (size_t u = 0; u < sizeof units / sizeof units[0] && scale == 0; u++) {
        size_t n = strlen(units[u].unit);
        if (len - digits == n && strncasecmp((const char *)text + digits, units[u].unit, n) == 0)
            scale = units[u].scale;
    }
    if (scale == 0) return false;
    uint64_t v = 0;
    *overflow = false;
    for (size_t i = 0; i < digits; i++) {
        uint64_t d = (uint64_t)(text[i] - '0');
        if (v > (UINT64_MAX - d) / 10) *overflow = true;
        v = v * 10 + d;
    }
    if (v != 0 && scale > UINT64_MAX / v) *overflow = true;
    *out = v * scale;
    return true;
}

const char *kv_tuning_parse(const kv_tuning *t, const uint8_t *text, size_t len, int64_t *out,
                            char *why, size_t why_size) {
    int64_t v = 0;
    bool out_of_range = false;
    if (t->memory) {
        uint64_t u = 0;
        bool overflow = false;
        if (!parse_memory(text, len, &u, &overflow)) return "argument must be a memory value";
        out_of_range = overflow || u > (uint64_t)t->max;
        v = out_of_range ? 0 : (int64_t)u;
    } else if (!resp_parse_int64(text, len, &v)) {
        return "argument couldn't be parsed into an integer";
    }
    if (out_of_range || v < t->min || v > t->max) {
        snprintf(why, why_size, "argument must be between %lld and %lld inclusive",
                 (long long)t->min, (long long)t->max);
        return why;
    }
    *out = v;
    return NULL;
}
