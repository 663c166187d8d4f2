#ifndef STASIS_KV_COMMAND_H
#define STASIS_KV_COMMAND_H

/*
 * What command families (cmd_*.c) share: the command record, the execution context, and
 * the helpers that write replies, parse arguments and enforce limits with Redis 7.0's
 * exact texts. Internal to src/kv.
 *
 * A handler either completes (writes its reply and mutates) or returns early having
 * written an error and changed nothing. A handler whose reply size is only known from the
 * data calls kv_reply_room() before mutating anything; read-only handlers may just write:
 * the engine rolls back a reply that overflowed and asks for room.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kv/engine.h"

typedef struct kv_ctx {
    kv_engine *engine;
    kv_store *store;
    kv_session *session;
    const resp_arg *argv;
    uint32_t argc;
    int64_t now_ms;
    resp_writer *out;
    kv_exec result;
    /*
     * Whether the command may block (the blocking pops: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH,
     * BLMPOP). False while EXEC runs a queued command: there, as in Redis (its
     * CLIENT_DENY_BLOCKING), a blocking pop that finds nothing to pop answers at once as if
     * its timeout had passed (the null reply), and one that finds data pops like its
     * non-blocking form. Every blocking handler must read this before it blocks.
     */
    bool may_block;
} kv_ctx;

typedef void (*kv_handler)(kv_ctx *c);

enum {
    KV_CMD_WRITE = 1u << 0,    /* may change the keyspace */
    KV_CMD_READONLY = 1u << 1, /* never changes it */
    KV_CMD_NO_AUTH = 1u << 2,  /* allowed before AUTH (AUTH, HELLO, QUIT) */
    KV_CMD_FAST = 1u << 3,     /* O(1) or O(log n) (COMMAND INFO flag) */
    /* Runs at once inside MULTI instead of being queued (Redis: EXEC, DISCARD, MULTI, WATCH,
     * QUIT). */
    KV_CMD_TXN_CONTROL = 1u << 4,
};

typedef struct kv_command {
    const char *name; /* lower case; a subcommand's is "container|sub", as Redis's */
    int32_t arity;    /* N: exactly N arguments with the name; -N: at least N */
    uint32_t flags;
    kv_handler handler; /* NULL for a container: the subcommand's runs */
    int32_t first_key;  /* COMMAND INFO key positions (0: no keys) */
    int32_t last_key;
    int32_t key_step;
    const struct kv_command *subcommands; /* containers (CONFIG, COMMAND) */
    size_t subcommand_count;
    /* Commands whose keys follow a count (LMPOP numkeys key...): the count's position, and
     * first_key..key_step are 0 (Redis's "movablekeys"). 0 for every other command. */
    int32_t key_count_arg;
} kv_command;

/* A data command's entry: its keys in Redis's legacy range (first, last, step). */
#define KV_DATA_COMMAND(name_, arity_, flags_, handler_, first_, last_, step_)                     \
    {                                                                                              \
        .name = name_, .arity = arity_, .flags = flags_, .handler = handler_, .first_key = first_, \
        .last_key = last_, .key_step = step_                                                       \
    }

typedef struct kv_command_family {
    const kv_command *commands;
    size_t count;
} kv_command_family;

extern const kv_command_family kv_string_family;     /* cmd_strings.c */
extern const kv_command_family kv_bitmap_family;     /* cmd_bits.c */
extern const kv_command_family kv_key_family;        /* cmd_keys.c */
extern const kv_command_family kv_lcs_family;        /* cmd_lcs.c */
extern const kv_command_family kv_object_family;     /* cmd_object.c: COPY RANDOMKEY OBJECT */
extern const kv_command_family kv_list_family;       /* cmd_lists.c */
extern const kv_command_family kv_blocking_family;   /* cmd_blocking.c */
extern const kv_command_family kv_connection_family; /* cmd_connection.c */
extern const kv_command_family kv_server_family;     /* cmd_server.c */
extern const kv_command_family kv_scripting_family;  /* cmd_server.c: FUNCTION FLUSH */
extern const kv_command_family kv_info_family;       /* cmd_info.c */
extern const kv_command_family kv_config_family;     /* cmd_config.c */
extern const kv_command_family kv_command_family_;   /* cmd_command.c: COMMAND itself */
extern const kv_command_family kv_multi_family;      /* cmd_multi.c: MULTI EXEC WATCH ... */

/* Every family, for COMMAND's listings; NULL-terminated. */
extern const kv_command_family *const kv_families[];

/* The command argv names (its subcommand for a container), or NULL having written why
 * there is none: Redis's unknown command, unknown subcommand or arity error. */
const kv_command *kv_command_resolve(kv_ctx *c);

/* Runs a resolved command's handler with the engine's rules on room (engine.h): DONE with
 * its reply written, or NEEDS_ROOM having written and changed nothing. */
kv_exec kv_command_run(kv_ctx *c, const kv_command *cmd);

/* ---- transactions (cmd_multi.c), called by the engine around every command ---- */

/* True iff the session is inside MULTI and cmd must be queued rather than run; then it
 * queues it (or refuses it past a transaction limit) and writes the reply. */
bool kv_multi_queue(kv_ctx *c, const kv_command *cmd);
/* A command refused before it ran (unknown, arity, NOAUTH) whose error the engine wrote
 * from `mark` on: inside MULTI it flags the transaction, and a refused EXEC discards it,
 * its error rewritten as Redis's "EXECABORT Transaction discarded because of: <error>". */
void kv_multi_refused(kv_ctx *c, size_t mark);

/* The subcommand of a container named by a word (case-insensitive), or NULL. */
const kv_command *kv_command_sub(const kv_command *container, const resp_arg *word);

/* ---- error texts (Redis 7.0, without the leading '-') ---- */
#define KV_ERR_SYNTAX                "ERR syntax error"
#define KV_ERR_NOT_FLOAT             "ERR value is not a valid float"
#define KV_ERR_NOT_INTEGER           "ERR value is not an integer or out of range"
#define KV_ERR_WRONGTYPE             "WRONGTYPE Operation against a key holding the wrong kind of value"
#define KV_ERR_NO_SUCH_KEY           "ERR no such key"
#define KV_ERR_OVERFLOW              "ERR increment or decrement would overflow"
#define KV_ERR_OOM                   "OOM command not allowed when used memory > 'maxmemory'."
#define KV_ERR_NOAUTH                "NOAUTH Authentication required."
#define KV_ERR_INDEX_OUT_OF_RANGE    "ERR index out of range"
#define KV_ERR_OUT_OF_RANGE_POSITIVE "ERR value is out of range, must be positive"

/* ---- replies ---- */
void kv_reply_ok(kv_ctx *c);
/* +OK, or :1 for the NX form of a command (RENAMENX, MSETNX). */
void kv_reply_ok_or_one(kv_ctx *c, bool as_integer);
void kv_reply_simple(kv_ctx *c, const char *text);
void kv_reply_error(kv_ctx *c, const char *text); /* text without '-' */
/* printf-like for numbers and short strings only (%s %llu %lld %zu): no allocation. */
void kv_reply_errorf(kv_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kv_reply_integer(kv_ctx *c, int64_t v);
void kv_reply_bulk(kv_ctx *c, const void *bytes, size_t len);
void kv_reply_bulk_cstr(kv_ctx *c, const char *text);
void kv_reply_null(kv_ctx *c);       /* $-1 */
void kv_reply_null_array(kv_ctx *c); /* *-1 */
void kv_reply_array(kv_ctx *c, uint64_t n);
/* A bulk from a record's string value, or from a slice [offset, offset + len) of it. */
void kv_reply_string_value(kv_ctx *c, const kv_record *r, uint64_t offset, uint64_t len);
/* A bulk holding a record's key. */
void kv_reply_key(kv_ctx *c, const kv_record *r);
/* A bulk holding a list element. */
void kv_reply_element(kv_ctx *c, uint32_t element);

/*
 * An error that echoes a client's word, as Redis's addReplyErrorFormat("<prefix>%s<suffix>")
 * writes it: the word is read as a C string (up to its first NUL), CR and LF at the end of
 * the whole text are trimmed and the others become spaces. The word is echoed whole: its
 * room is checked like any data-sized reply (kv_reply_room), never cut.
 */
void kv_reply_error_echo(kv_ctx *c, const char *prefix, uint32_t arg, const char *suffix);

/* The bytes of argument i as Redis's C-string functions see them: up to its first NUL. */
size_t kv_arg_cstr_len(const kv_ctx *c, uint32_t i);

/* Bytes a bulk reply of len bytes takes ($len\r\n...\r\n). */
uint64_t kv_bulk_reply_bytes(uint64_t len);

/*
 * True iff a reply of `bytes` can be written now. Otherwise records the outcome and
 * returns false: KV_EXEC_NEEDS_ROOM when the bytes fit in reply_size_max (the caller will
 * retry with room), or the reply_size_max error when they never will.
 */
bool kv_reply_room(kv_ctx *c, uint64_t bytes);

/* The reply_size_max error (the one producer of its text), counted as a limit rejection:
 * at most KV_EXEC_ERROR_BYTES_MAX bytes. */
void kv_reply_too_long(kv_ctx *c);

/* An option's value as CONFIG GET and INFO show it: the configuration's, except `port`,
 * which shows the port really bound (--port 0 binds a free one). */
size_t kv_format_option(const kv_ctx *c, const kv_option *o, char *buf, size_t cap);

/* ---- arguments ---- */
bool kv_arg_is(const kv_ctx *c, uint32_t i, const char *word); /* case-insensitive */
/* One of two words (case-insensitive): *first is true for `first`, false for `second`;
 * anything else replies Redis's syntax error and returns false (LEFT|RIGHT, BIT|BYTE). */
bool kv_arg_either(kv_ctx *c, uint32_t i, const char *first, const char *second, bool *is_first);
/* Strict integer (Redis string2ll); on failure replies `error` (or the not-an-integer text)
 * and returns false. */
bool kv_arg_int64(kv_ctx *c, uint32_t i, int64_t *out, const char *error);

/* Redis's string2ld: true, with *out set, iff bytes[0, len) is a float strtold reads whole
 * (decimal, hexadecimal, "inf"), not starting with a space, not NaN, not out of range, and
 * shorter than 5120 bytes (cmd_strings.c). */
bool kv_parse_long_double(const uint8_t *bytes, size_t len, long double *out);

/* ---- limits (each writes its error and returns false on breach) ---- */
/* The one producer of a data limit's text: "ERR <what> exceeds <name> (<value> <unit>)";
 * counts a limit rejection and returns false. */
bool kv_reply_limit_error(kv_ctx *c, const char *what, const char *name, uint64_t value,
                          const char *unit);
bool kv_check_key(kv_ctx *c, uint32_t i);            /* key_size_max */
bool kv_check_value_size(kv_ctx *c, uint64_t bytes); /* value_size_max */
bool kv_check_list_length(kv_ctx *c, uint64_t length);
/* Redis's checkStringLength: a string of offset + len bytes must fit in bulk_size_max (its
 * proto-max-bulk-len), else "ERR string exceeds maximum allowed size (proto-max-bulk-len)". */
bool kv_check_string_length(kv_ctx *c, uint64_t offset, uint64_t len);
/* `new_keys` more keys fit in keys_max (expired keys are collected first if they would
 * not). */
bool kv_check_key_count(kv_ctx *c, uint64_t new_keys);
/* A new key can be created (keys_max, then chunks for its key and `value_chunks`). */
bool kv_check_new_key(kv_ctx *c, uint32_t key_arg, uint64_t value_chunks);
/* `chunks` more chunks are free, once expired keys not yet collected have given theirs
 * back: in the shared policy -OOM otherwise; in the guaranteed policy they always are
 * (asserted), because the limits were checked first. */
bool kv_check_chunks(kv_ctx *c, uint64_t chunks);

/* ---- keys ---- */
/* The record of key argv[i] (lazily expired), or KV_RECORD_NONE. */
uint32_t kv_lookup(kv_ctx *c, uint32_t i);
/* Like kv_lookup, without touching the key's access time (Redis's LOOKUP_NOTOUCH: TYPE,
 * EXISTS, TTL, OBJECT). */
uint32_t kv_lookup_notouch(kv_ctx *c, uint32_t i);
/* Like kv_lookup, but a record of another type answers WRONGTYPE and returns
 * KV_LOOKUP_WRONGTYPE. */
#define KV_LOOKUP_WRONGTYPE (UINT32_MAX - 1u)
uint32_t kv_lookup_typed(kv_ctx *c, uint32_t i, kv_type type);

/* Deletes the key if it is a list that became empty (Redis deletes empty lists). */
void kv_delete_if_empty_list(kv_ctx *c, uint32_t id);

/* ---- lists (cmd_lists.c), shared with the blocking forms (cmd_blocking.c) ---- */

/* Pops n >= 1 elements from one end of list `id` and replies them: one bulk; an array when
 * as_array; [key, ...] when key_arg is not 0. Secures the reply's room first (kv_reply_room):
 * may return having changed nothing. Deletes the key if it emptied. */
void kv_list_pop_reply(kv_ctx *c, uint32_t id, bool at_head, uint64_t n, bool as_array,
                       uint32_t key_arg);

/* LMOVE's body over argv[1] (source) and argv[2] (destination). */
void kv_list_move(kv_ctx *c, bool from_head, bool to_head);

/* The first of keys argv[first], argv[first + 1], ... before argv[end] that holds a list:
 * its record, with *arg set to its argument; KV_RECORD_NONE if none does. A key of another
 * type met first answers WRONGTYPE and returns KV_LOOKUP_WRONGTYPE, unless
 * `skip_other_types` (a woken waiter passes over it, as Redis serves only from lists). */
uint32_t kv_list_first_source(kv_ctx *c, uint32_t first, uint32_t end, bool skip_other_types,
                              uint32_t *arg);

/* LMPOP's arguments after its numkeys (at argv[numkeys_arg]), in Redis's order. */
typedef struct kv_mpop_args {
    uint32_t first_key;
    uint32_t end_key; /* one past the last key: LEFT|RIGHT's position */
    bool at_head;
    uint64_t count;
} kv_mpop_args;

/* Parses numkeys, the keys, LEFT|RIGHT and [COUNT count]; false having replied the error. */
bool kv_mpop_parse(kv_ctx *c, uint32_t numkeys_arg, kv_mpop_args *m);

/* Pops up to m->count from list `id` (found at argument key_arg): LMPOP's [key, [...]]. */
void kv_mpop_reply(kv_ctx *c, const kv_mpop_args *m, uint32_t id, uint32_t key_arg);

#endif
