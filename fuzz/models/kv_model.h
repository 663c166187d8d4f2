#ifndef STASIS_FUZZ_KV_MODEL_H
#define STASIS_FUZZ_KV_MODEL_H

/*
 * The reference model of the KV engine: the same commands, implemented the obvious way
 * over plain fixed arrays, producing the exact reply bytes Redis 7.0 (and so the engine)
 * must produce. fuzz_kv_ops runs every command on both and compares the bytes.
 *
 * Deliberately naive: no hash table, no chunks, no lists of links. A key is an entry in a
 * small array found by linear search; a string is a byte array; a list is an array of
 * byte arrays. Writes are applied to the entries, then the limits are checked on the
 * resulting state (kvm_commit), and the whole model is restored from a snapshot if one is
 * broken. The accounting rule of the shared budget is computed from scratch from the
 * entries on every write, with the documented formula:
 *     a key of n bytes costs ceil(n / chunk_size) chunks;
 *     a string of n bytes costs ceil(n / chunk_size) chunks;
 *     a list element of n bytes costs ceil((n + 12) / chunk_size) chunks.
 *
 * Order of limit checks (the engine uses the same): key size, value size, list length,
 * key count (keys_max), chunks (-OOM, shared policy only).
 *
 * Families (kv_model_strings.c, kv_model_bits.c, kv_model_keys.c, kv_model_lists.c, kv_model_server.c)
 * each define a kvm_family; kv_model.c lists them.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kv/config.h"
#include "kv/resp_parser.h"

/* Capacity of the model: fuzz configurations stay inside it. A command runs on the model
 * before the commit checks keys_max, so the entries hold keys_max (at most KVM_KEYS_MAX)
 * plus every key one command may add on top (MSET: a pair per two arguments). */
#define KVM_KEYS_MAX          12
#define KVM_COMMAND_ARGS_MAX  16
#define KVM_ENTRIES_MAX       (KVM_KEYS_MAX + (KVM_COMMAND_ARGS_MAX - 1) / 2 + 1)
#define KVM_BYTES_MAX   48
#define KVM_LIST_MAX    32 /* lists long enough for a reply past reply_size_max's floor */
#define KVM_REPLY_MAX   (64 * 1024)
#define KVM_NO_EXPIRE   ((int64_t)-1)
/* The longest argument an error text echoes whole (fuzz_kv_ops's filler is shorter). */
#define KVM_ERROR_WORD_MAX 4096

typedef struct kvm_bytes {
    uint32_t len;
    uint8_t b[KVM_BYTES_MAX];
} kvm_bytes;

typedef enum kvm_type { KVM_STRING = 1, KVM_LIST = 2 } kvm_type;

typedef struct kvm_entry {
    bool live;
    uint8_t type; /* kvm_type */
    int64_t expire_at_ms;
    kvm_bytes key;
    kvm_bytes str;
    uint32_t list_len;
    kvm_bytes list[KVM_LIST_MAX];
} kvm_entry;

typedef struct kv_model {
    kv_config config;      /* the engine's limits */
    uint64_t chunk_budget; /* chunks the engine's store has */
    kvm_entry entries[KVM_ENTRIES_MAX];
    int64_t now_ms;
    bool authenticated;
    uint64_t session_id; /* HELLO reports it: the harness runs one session, the first */
    /* the reply being built */
    uint8_t out[KVM_REPLY_MAX];
    size_t out_len;
    /* Replies the model cannot give byte for byte, only bound (set by kvm_execute):
     * OBJECT IDLETIME of a live key is some integer >= 0 (the harness bounds it by the
     * clock); RANDOMKEY with live keys is one of them (the harness checks which, and
     * mirrors the expired keys the engine deleted while drawing). out is then empty. */
    enum {
        KVM_REPLY_EXACT,
        KVM_REPLY_IDLETIME,
        KVM_REPLY_RANDOM_KEY,
        KVM_REPLY_BLOCKED, /* a blocking pop found nothing: no reply, nothing changed */
    } reply_kind;
    /* statistics the engine also keeps (INFO) */
    uint64_t expired_keys;
    /* false while a command runs as EXEC runs a queued one (kvm_execute_in): a blocking
     * pop that finds nothing then answers as if timed out, as Redis's inside MULTI */
    bool may_block;
} kv_model;

/* A fresh, empty model with the engine's configuration and chunk count. */
void kvm_init(kv_model *m, const kv_config *config, uint64_t chunk_budget);

/* Runs one command; its expected reply is m->out[0, m->out_len). */
void kvm_execute(kv_model *m, const resp_arg *argv, uint32_t argc, int64_t now_ms);

/* Runs one command as EXEC runs a queued one: a reply longer than `room` bytes (EXEC's
 * share of reply_size_max) is reply_size_max's error, and the command changes nothing; a
 * blocking pop with nothing to pop answers null, as timed out. */
void kvm_execute_in(kv_model *m, const resp_arg *argv, uint32_t argc, int64_t now_ms,
                    uint64_t room);

/* Whether the command is refused before it runs (unknown, arity, NOAUTH), as MULTI refuses
 * it while queueing; if so its error is m->out. Changes nothing. */
bool kvm_refuses(kv_model *m, const resp_arg *argv, uint32_t argc, int64_t now_ms);

/* Active expiry over everything: deletes every key expired at now_ms. */
void kvm_expire_all(kv_model *m, int64_t now_ms);

/* ---- for the families ---- */

typedef struct kvm_ctx {
    kv_model *m;
    const resp_arg *argv;
    uint32_t argc;
} kvm_ctx;

typedef void (*kvm_handler)(kvm_ctx *c);

typedef struct kvm_command {
    const char *name; /* lower case; a subcommand's is "container|sub" */
    int32_t arity;
    kvm_handler handler; /* NULL for a container: its subcommand's runs */
} kvm_command;

/* A container's subcommands (OBJECT, FUNCTION, and the parts of CONFIG and COMMAND the
 * model knows); the container is a kvm_command without a handler, of the same name. */
typedef struct kvm_container {
    const char *name;
    const kvm_command *subcommands; /* named "container|sub" */
    size_t count;
} kvm_container;

extern const kvm_container kvm_object_container;   /* kv_model_object.c */
extern const kvm_container kvm_function_container; /* kv_model_object.c */
extern const kvm_container kvm_config_container;   /* kv_model_meta.c: SET only */
extern const kvm_container kvm_command_container;  /* kv_model_meta.c: GETKEYS only */

typedef struct kvm_family {
    const kvm_command *commands;
    size_t count;
} kvm_family;

extern const kvm_family kvm_string_family; /* kv_model_strings.c */
extern const kvm_family kvm_key_family;    /* kv_model_keys.c */
extern const kvm_family kvm_list_family;   /* kv_model_lists.c */
extern const kvm_family kvm_server_family; /* kv_model_server.c */
extern const kvm_family kvm_bit_family;    /* kv_model_bits.c: SETBIT GETBIT BITCOUNT BITPOS */
extern const kvm_family kvm_lcs_family;    /* kv_model_lcs.c: LCS */
extern const kvm_family kvm_object_family; /* kv_model_object.c: RANDOMKEY OBJECT FUNCTION */
extern const kvm_family kvm_meta_family;   /* kv_model_meta.c: CONFIG SET, COMMAND GETKEYS */
extern const kvm_family kvm_connection_family; /* kv_model_server.c: AUTH HELLO QUIT TIME */
extern const kvm_family kvm_blocking_family; /* kv_model_blocking.c: BLPOP BRPOP BLMOVE ... */

/* Replies (RESP2, written naively with snprintf). */
void kvm_simple(kvm_ctx *c, const char *text);
void kvm_error(kvm_ctx *c, const char *text); /* without '-' */
void kvm_int(kvm_ctx *c, int64_t v);
void kvm_bulk(kvm_ctx *c, const void *bytes, size_t len);
void kvm_null(kvm_ctx *c);       /* $-1 */
void kvm_null_array(kvm_ctx *c); /* *-1 */
void kvm_array(kvm_ctx *c, uint64_t n);

/* Arguments. */
bool kvm_arg_is(const kvm_ctx *c, uint32_t i, const char *word);
/* Strict integer as Redis's string2ll, written from its rules; replies the error on failure. */
bool kvm_arg_int(kvm_ctx *c, uint32_t i, int64_t *out);
bool kvm_parse_int(const uint8_t *s, size_t len, int64_t *out);

/* Keys. kvm_find deletes an expired key first (lazy expiry, now > expire_at_ms). */
kvm_entry *kvm_find(kvm_ctx *c, uint32_t key_arg);
kvm_entry *kvm_find_bytes(kv_model *m, const uint8_t *key, size_t len);
/* Like kvm_find; a key of another type replies WRONGTYPE and yields *wrongtype = true. */
kvm_entry *kvm_find_typed(kvm_ctx *c, uint32_t key_arg, kvm_type type, bool *wrongtype);
/* A new entry for argv[key_arg] (the caller checked it is absent; kvm_commit checks the
 * limits afterwards). NULL only if the model itself is full (a fuzz configuration bug). */
kvm_entry *kvm_add(kvm_ctx *c, uint32_t key_arg, kvm_type type);
void kvm_delete(kv_model *m, kvm_entry *e);
void kvm_set_bytes(kvm_bytes *dst, const uint8_t *src, size_t len);
uint64_t kvm_live_keys(const kv_model *m);

/* Limits on arguments, checked before anything changes; each replies the engine's text. */
bool kvm_check_key_size(kvm_ctx *c, uint32_t key_arg);
bool kvm_check_value_size(kvm_ctx *c, uint64_t len);
bool kvm_check_list_length(kvm_ctx *c, uint64_t len);

/*
 * Write protocol: kvm_begin() takes a snapshot; the handler changes entries freely; then
 * kvm_commit() checks the resulting state (list_length_max, keys_max, then chunks against
 * the budget) and, if one is broken, restores the snapshot, replies that limit's error and
 * returns false. On true the handler writes its reply.
 */
void kvm_begin(kvm_ctx *c);
bool kvm_commit(kvm_ctx *c);

/* Shared with the blocking pops (kv_model_blocking.c), which answer as these do. */
/* Redis's float argument (string2ld's rules). */
bool kvm_parse_float(const uint8_t *s, size_t len, long double *out);
/* Pops n elements of e from one end, replying each; an emptied list goes. */
void kvm_pop_elements(kvm_ctx *c, kvm_entry *e, bool head, uint32_t n);
/* LMOVE of argv[1] to argv[2]: the moved element, $-1 without a source, or the error. */
void kvm_move(kvm_ctx *c, bool from_head, bool to_head);
/* LMOVE's directions, argv[3] and argv[4]; false having replied the syntax error. */
bool kvm_move_directions(kvm_ctx *c, bool *from_head, bool *to_head);
/* LMPOP's arguments from argv[1] (numkeys) on: the index of LEFT|RIGHT, or 0 having
 * replied the error. */
uint32_t kvm_lmpop_args(kvm_ctx *c, bool *head, int64_t *count);
/* LMPOP's answer from the list e: [key, [up to count elements]], popped. */
void kvm_mpop_reply(kvm_ctx *c, kvm_entry *e, bool head, int64_t count);

/* The accounting rule, from scratch. */
uint64_t kvm_chunks_used(const kv_model *m);

/* Whether the entry's key matches a glob pattern, by the model's own matcher (Redis's
 * stringmatchlen rules, kv_model_keys.c): for harness checks of KEYS and SCAN. */
bool kvm_key_matches(const kvm_entry *e, const uint8_t *pattern, size_t pattern_len);
/* The same matcher over any bytes: s at most KVM_BYTES_MAX bytes, the pattern at most 64. */
bool kvm_glob(const uint8_t *pattern, size_t pattern_len, const uint8_t *s, size_t len);

#endif
