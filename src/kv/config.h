#ifndef STASIS_KV_CONFIG_H
#define STASIS_KV_CONFIG_H

/*
 * The server's configuration: every limit, with its name (units last), default, command-line
 * flag, kind and help, in ONE table (kv_options). The flag is the name with dashes
 * (`keys_max` -> `--keys-max`); CONFIG GET, INFO and --help all read the same table, so a
 * limit cannot exist without being visible everywhere.
 *
 * Kinds:
 *  - protocol limits (arguments per command, bulk length, inline line length): a breach is
 *    a protocol error with Redis's text, then the connection closes, as Redis does;
 *  - data limits (key and value size, list length, key count, the shared budget, reply
 *    size): a breach answers an error naming the limit and its value, changes nothing and
 *    keeps the connection;
 *  - server settings (connections, buffers, timeouts, address, password).
 *
 * Everything is fixed at start-up: the reservation is computed from it (CONFIG SET answers
 * an error for every limit).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum kv_policy {
    /* Every key can always hold list_length_max values of value_size_max bytes. */
    KV_POLICY_GUARANTEED = 0,
    /* One pool of data_budget_bytes for all data; a write past it answers -OOM. */
    KV_POLICY_SHARED = 1,
} kv_policy;

typedef enum kv_seal_mode {
    KV_SEAL_COUNT = 0,  /* seal, count allocation calls (must stay zero) */
    KV_SEAL_STRICT = 1, /* also a seccomp filter that kills on memory-growing syscalls */
} kv_seal_mode;

/* EXEC's reply is one reply (at most reply_size_max): it keeps room for an error of at most
 * KV_EXEC_ERROR_BYTES_MAX bytes (the reply_size_max error) for each queued command still to
 * run, after a header of at most KV_EXEC_HEADER_BYTES_MAX. So a transaction holds at most
 * (reply_size_max - 16) / 64 commands whatever transaction_commands_max says: past that a
 * queued command answers the reply_size_max limit's error (cmd_multi.c). */
#define KV_EXEC_ERROR_BYTES_MAX  64u
#define KV_EXEC_HEADER_BYTES_MAX 16u

#define KV_BIND_SIZE_MAX        64
#define KV_REQUIREPASS_SIZE_MAX 128

typedef struct kv_config {
    /* data limits */
    uint64_t keys_max;
    uint64_t key_size_max;
    uint64_t value_size_max;
    uint64_t list_length_max;
    uint64_t capacity_policy; /* kv_policy */
    uint64_t data_budget_bytes;
    uint64_t chunk_size;
    uint64_t reply_size_max;
    uint64_t lcs_cells_max; /* LCS's table: (len(a) + 1) x (len(b) + 1) cells at most */
    uint64_t transaction_commands_max; /* commands queued per connection */
    uint64_t transaction_bytes_max;    /* queued request bytes per connection */
    uint64_t watched_keys_max;         /* keys WATCHed per connection */
    /* protocol limits */
    uint64_t command_args_max;
    uint64_t bulk_size_max;
    uint64_t inline_size_max;
    uint64_t request_size_max;
    /* server */
    uint64_t connections_max;
    uint64_t connection_buffer_size;
    uint64_t large_buffers_max;
    uint64_t large_buffer_hold_ms_max;
    uint64_t large_buffer_rate_min_bytes_per_s;
    uint64_t idle_timeout_s;
    uint64_t commands_per_turn_max;
    uint64_t client_name_size_max;
    uint64_t port;
    char bind[KV_BIND_SIZE_MAX];
    char requirepass[KV_REQUIREPASS_SIZE_MAX];
    uint64_t lock_memory; /* bool */
    uint64_t seal;        /* kv_seal_mode */
    uint64_t hash_seed;   /* 0: random at start-up; otherwise fixed (tests, fuzzing) */
} kv_config;

typedef enum kv_option_kind {
    KV_OPTION_DATA,
    KV_OPTION_PROTOCOL,
    KV_OPTION_SERVER,
} kv_option_kind;

typedef enum kv_option_type {
    KV_OPTION_U64,    /* decimal, optional k/m/g (KiB/MiB/GiB) suffix when unit_bytes */
    KV_OPTION_BOOL,   /* yes/no (flag alone means yes) */
    KV_OPTION_ENUM,   /* one of `choices`, stored as its index */
    KV_OPTION_STRING, /* bounded string */
} kv_option_type;

typedef struct kv_option {
    const char *name;       /* snake_case, unit last; the flag is this with dashes */
    const char *redis_name; /* CONFIG GET alias Redis clients know (maxclients…), or NULL */
    kv_option_type type;
    kv_option_kind kind;
    size_t offset;          /* into kv_config */
    uint64_t default_value; /* U64/BOOL/ENUM; 0 with `derived` set: computed, see below */
    uint64_t min;
    uint64_t max;
    bool unit_bytes;            /* accepts k/m/g suffixes */
    const char *const *choices; /* ENUM: NULL-terminated names */
    size_t string_size;         /* STRING: buffer size, including the NUL */
    const char *derived;        /* how a default of 0 is derived, for --help; NULL if not */
    const char *help;
} kv_option;

extern const kv_option kv_options[];
extern const size_t kv_option_count;

/* The defaults (derived values still 0: kv_config_finalize computes them). */
void kv_config_defaults(kv_config *config);

/*
 * Applies one option by name (snake or dashed) with its text value. Returns true, or false
 * with a one-line reason in `error` (e.g. "--keys-max: expected an integer from 1 to
 * 4294967295, got 'x'"). Changes nothing on failure.
 */
bool kv_config_set(kv_config *config, const char *name, const char *value, char *error,
                   size_t error_size);

/*
 * Parses argv (flags only: `--name value`, `--name=value`, `--flag` for booleans).
 * Returns true, or false with the reason in `error`. Stops at the first error.
 */
bool kv_config_parse_args(kv_config *config, int argc, char **argv, char *error, size_t error_size);

/*
 * Computes derived defaults and checks the relations between limits (e.g. key_size_max <=
 * bulk_size_max). Returns true, or false with the reason in `error`.
 */
bool kv_config_finalize(kv_config *config, char *error, size_t error_size);

/* The option named `name` (snake or dashed, case-insensitive), or NULL. */
const kv_option *kv_option_find(const char *name, size_t name_len);

/* Writes the option's current value as text (NUL-terminated); returns its length. */
size_t kv_option_format(const kv_option *option, const kv_config *config, char *out,
                        size_t out_size);

/*
 * Redis's encoding-tuning parameters (list-max-listpack-size, list-compress-depth, ...).
 * They tune encodings stasis does not have (every value is a chunk chain), so they have NO
 * effect: CONFIG SET accepts them with Redis's parsing, bounds and error texts, and CONFIG
 * GET answers what was set, so clients and test suites that tune them run unchanged. Their
 * values live in the engine (kv_engine.tunings), not in kv_config, which is fixed.
 */
typedef struct kv_tuning {
    const char *name;
    const char *alias; /* Redis's older name (…-ziplist-…), or NULL */
    int64_t min;
    int64_t max;
    int64_t default_value;
    bool memory; /* Redis's MEMORY_CONFIG: "1kb", "2m"… accepted */
} kv_tuning;

#define KV_TUNING_COUNT 9
extern const kv_tuning kv_tunings[KV_TUNING_COUNT];

/*
 * Parses a tuning value as Redis's CONFIG SET does (string2ll, or memtoull for memory
 * parameters) and checks its bounds. Returns NULL and sets *out, or Redis's reason (e.g.
 * "argument couldn't be parsed into an integer"), written into `why` when it has numbers.
 */
const char *kv_tuning_parse(const kv_tuning *t, const uint8_t *text, size_t len, int64_t *out,
                            char *why, size_t why_size);

/* The numeric value of a U64/BOOL/ENUM option. */
uint64_t kv_option_get_u64(const kv_option *option, const kv_config *config);

#endif
