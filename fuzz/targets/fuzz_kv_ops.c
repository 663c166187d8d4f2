/*
 * fuzz_kv_ops: structured command sequences over a small key space, run on the engine and
 * on the reference model (kv_model.h); every reply is compared byte for byte, and after
 * every command the engine's invariants, its key count and its chunk use (the shared
 * budget's accounting) must equal the model's. At the end of an input every key's type,
 * value and expiry are compared, and the store's full self-check runs.
 *
 * Input (the format is described above the tables below): a configuration header
 * (policy, every data limit small, reply_size_max and client_name_size_max small or
 * default, a password or none), then operations: a command (every command the server
 * offers, arguments from a small grammar of keys, values, integers, option words and
 * filler sized around reply_size_max), a clock step, a full active-expiry cycle, SCAN
 * steps, or a list whose replies land at reply_size_max. The engine gets the least room
 * a command may assume, then a retry in reply_size_max of room (the least a caller may
 * lend); the retry must find nothing changed (harness/kv_fuzz_engine.h).
 *
 * Every reply must be exactly one RESP2 value no longer than reply_size_max. INFO, CONFIG
 * and COMMAND describe the server rather than the data: no model predicts their bytes, so
 * they are held to that form and to the invariants (nothing they do may change the data).
 * Every other reply is the model's, byte for byte, except:
 * KEYS and SCAN replies have no order Redis fixes, so they are compared as sets:
 *  - KEYS (from the grammar, or a pattern from a table): the engine's keys and the model's
 *    are the same multiset;
 *  - one SCAN call: an error is compared byte for byte; otherwise every key the engine
 *    returns is one the model's one-call SCAN (every key that passes the filters) returns,
 *    none twice, and the cursor is 0 or moves forward inside the table. The model's SCAN
 *    deletes nothing; the engine's deletes the expired keys of its window that match, so
 *    after a SCAN the model drops the expired keys the engine dropped (only expired ones:
 *    any other difference shows in the key count);
 *  - a whole SCAN iteration (scan-step operations, other operations in between): from
 *    cursor 0 back to 0, every key that passed the filters after every operation of the
 *    iteration was returned exactly once, and no key was returned twice. An iteration still
 *    running when the input ends is finished then.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness/choice.h"
#include "harness/cursor.h"
#include "drivers/fuzz_target.h"
#include "kv/command.h"
#include "kv/engine.h"
#include "harness/kv_fuzz_engine.h"
#include "alloc/reservation.h"
#include "kv/layout.h"
#include "kv/resp_parser.h"
#include "models/kv_model.h"

#define OPS_ARGS_MAX           KVM_COMMAND_ARGS_MAX /* the model's entries count on it */
#define OPS_MAX                256 /* an input decodes to at most this many operations */
#define ARG_BYTES_MAX          64
#define FILLER_BYTES_MAX       2048
#define START_MS               INT64_C(1700000000000)
#define STORE_MEMORY_MAX_BYTES (1024 * 1024)
#define REPLY_CAPACITY_BYTES   (128 * 1024)
#define INLINE_SIZE_MAX_BYTES  128

/*
 * ---- the input format (version 1) ----
 *
 * Every choice is an id from a numbered table (harness/choice.h): entries are only ever
 * appended, an id past a table's entries refuses the input. Numbers (limits, lengths,
 * clock steps) are read with cursor_range.
 *
 * Header: policy (policies, space 4); keys_max 1..12; key_size_max 1..20; value_size_max
 * 1..48; list_length_max 1..12; the budget, 1..400 chunks; chunk_size (chunk_sizes, space
 * 8); reply_size_max (limit_forms, space 4: "small" reads 0..511, the limit 1024 + that);
 * client_name_size_max (limit_forms: "small" reads 1..16); requirepass (passwords, space 4);
 * list_length_max as drawn or the model's longest, 32 (list_length_forms, space 4).
 *
 * Operations: an id from `operations` (space 128: commands, the clock, active expiry),
 * then what it reads:
 *  - a command from the grammar: its argument count 1..16, then each argument: a kind
 *    (arg_kinds, space 16) and its value (a key from key_names, space 16; raw bytes; an
 *    integer from integers, space 32; a word from words, space 64; filler bytes sized
 *    around reply_size_max, so a reply lands just under, at or just past it);
 *  - "keys": a form (keys_forms, space 4): the grammar, or a pattern (patterns, space 32,
 *    whose last entry reads raw bytes);
 *  - "scan": a form (scan_forms, space 4): the grammar, or SCAN steps: 1..4 calls, restart
 *    or not, MATCH or not and its pattern, COUNT (scan_counts, space 16) and TYPE
 *    (scan_types, space 16), the last entries of each meaning none;
 *  - "clock +ms", "active expiry": 0..20000 (the step; read by both);
 *  - "list-at-reply-limit": a key (key_names) and a delta -8..7: RPUSH of list_length_max
 *    elements sized so that LRANGE 0 -1 and LPOP count reply reply_size_max + delta bytes
 *    (plan_at_limit), then those two commands;
 *  - ids 116 on (and "more", 127, which reads an id from more_operations, space 64): each
 *    its own grammar (decode_grammar): INCRBYFLOAT key float (floats); BITPOS key and 1..5
 *    of bitpos_args; LCS key key and 0..4 lcs_words; RANDOMKEY (rarely with an argument);
 *    OBJECT object_words and 0..2 keys; FUNCTION function_words and 0..2 flush_words;
 *    PEXPIREAT the common grammar; CONFIG SET 1..2 pairs (config_names, config_values:
 *    the value in force, one past it, or a word; the last value sometimes left out);
 *    COMMAND GETKEYS getkeys_names and 0..4 common arguments; COMMAND LIST list_forms;
 *    (more_operations 56-58, run_txn) "multi": 0..5 queued (the next operations that are
 *    exact commands), then 1 in 4 DISCARD; "watch": 1..2 keys, a write (none, SET, DEL) of
 *    the first key or another, UNWATCH 1 in 4, 0..2 queued, DISCARD 1 in 4; "txn-errors":
 *    a form (0..3) and, for WATCH inside MULTI, a key.
 *    (more_operations 59..63) BLPOP/BRPOP 0..3 keys and a timeout (blocking_timeouts);
 *    BLMOVE key key, 2 blocking_directions, a timeout; BRPOPLPUSH key key timeout; BLMPOP
 *    timeout, blocking_numkeys, 0..3 keys, a direction, blocking_counts (COUNT n or none).
 *    A blocking pop that finds nothing must block (KV_EXEC_BLOCKED) exactly when the model
 *    says it waits; nothing is written and nothing changes then.
 * Tables whose later ids repeat their first entries are read with choice_folded: none of
 * their ids is unassigned. An input that draws LCS runs with LCS's limits (lcs_limits).
 */

static const char *const operations[] = {
    /* 0 */ "get", "set", "setnx", "getset", "getdel", "mget", "mset", "msetnx",
    /* 8 */ "append", "strlen", "getrange", "setrange", "incr", "decr", "incrby", "decrby",
    /* 16 */ "del", "unlink", "exists", "type", "rename", "keys", "scan", "expire",
    /* 24 */ "pexpire", "expireat", "ttl", "pttl", "persist", "lpush", "rpush", "lpushx",
    /* 32 */ "rpushx", "lpop", "rpop", "llen", "lrange", "lindex", "lset", "lrem",
    /* 40 */ "ltrim", "linsert", "lpos", "ping", "echo", "select", "dbsize", "flushall",
    /* 48 */ "flushdb", "nosuchcommand", "clock", "active-expire", "info", "config", "command",
    /* 55 */ "hello", "time", "auth", "quit", "list-at-reply-limit",
    /* 60: the data commands again, so that fewer ids are unassigned (a random byte picks an
     * unassigned id, refusing the input, 26 times in 128 rather than 68) */
    "get", "set", "setnx", "getset", "getdel", "mget", "mset", "msetnx", "append", "strlen",
    /* 70 */ "getrange", "setrange", "incr", "decr", "incrby", "decrby", "del", "unlink",
    /* 78 */ "exists", "type", "rename", "expire", "pexpire", "expireat", "ttl", "pttl",
    /* 86 */ "persist", "lpush", "rpush", "lpushx", "rpushx", "lpop", "rpop", "llen", "lrange",
    /* 95 */ "lindex", "lset", "lrem", "ltrim", "linsert", "lpos", "set",
    /* 102: issue 14's commands, modelled */
    "setex", "psetex", "getex", "setbit", "getbit", "bitcount", "renamenx", "copy",
    /* 110 */ "touch", "expiretime", "pexpiretime", "lmove", "rpoplpush", "lmpop",
    /* 116: the rest of what the server offers, each with its own small grammar (below) */
    "incrbyfloat", "bitpos", "lcs", "randomkey", "object", "function", "pexpireat",
    /* 123 */ "config-set", "command-getkeys", "command-list", "protocol-limit",
    /* 127: a second table, read from the next byte (room to append without refusals) */
    "more",
};
/* The second table: what the first has no room left for. Its first 56 ids repeat the
 * newest commands and the common ones (so that few of its ids are unassigned: an input
 * drawing "more" is refused 8 times in 64); the next commands are appended after them. */
static const char *const more_operations[] = {
    /* 0 */ "incrbyfloat", "bitpos", "lcs", "randomkey", "object", "function", "pexpireat",
    /* 7 */ "config-set", "command-getkeys", "command-list", "bitpos", "lcs", "object",
    /* 13 */ "incrbyfloat", "lcs", "bitpos", "object", "config-set", "randomkey",
    /* 19 */ "command-getkeys", "pexpireat", "lcs", "incrbyfloat", "bitpos", "protocol-limit",
    /* 25 */ "get", "set", "getex", "getdel", "append", "setrange", "incr", "mset", "del",
    /* 34 */ "exists", "rename", "copy", "expire", "pexpire", "ttl", "persist", "lpush",
    /* 42 */ "rpush", "lpop", "rpop", "lrange", "lindex", "lset", "lrem", "ltrim", "linsert",
    /* 51 */ "lpos", "lmove", "lmpop", "setbit", "bitcount",
    /* 56: transactions (run_txn) */
    "multi", "watch", "txn-errors",
    /* 59..63: the blocking pops (blocking_grammar) */
    [59] = "blpop", "brpop", "blmove", "brpoplpush", "blmpop",
};
#define more_operation_table CHOICE_TABLE(more_operations, 64)
#define OP_ID_AT_LIMIT 59
#define OP_ID_CLOCK  50
#define OP_ID_EXPIRE 51
#define OP_ID_KEYS   21
#define OP_ID_SCAN   22
#define OP_ID_MORE   127
#define OP_ID_GRAMMARS 116 /* this id on: decode_grammar reads the arguments */
#define operation_table CHOICE_TABLE(operations, 128)
_Static_assert(sizeof operations / sizeof operations[0] == 128, "every id of the space drawn");

/* Commands whose replies no model predicts (they describe the server, not the data):
 * held to the protocol and the invariants only. */
static const char *const unmodelled[] = {"info", "config", "command"};

/* Tables whose ids past their first entries repeat them in turn (entry i is entry
 * i % distinct; read with choice_folded): no id of their space is unassigned. */
static const char *const policies[] = {"guaranteed", "shared", "guaranteed", "shared"};
#define policy_table CHOICE_TABLE(policies, 4)
static const char *const chunk_sizes[] = {"16", "32", "64", "16", "32", "64", "16", "32"};
#define chunk_size_table CHOICE_TABLE(chunk_sizes, 8)
static const char *const limit_forms[] = {"default", "small", "default", "small"};
#define limit_form_table CHOICE_TABLE(limit_forms, 4)
static const char *const list_length_forms[] = {"as drawn", "the model's longest", "as drawn",
                                                 "the model's longest"};
#define list_length_form_table CHOICE_TABLE(list_length_forms, 4)
static const char *const passwords[] = {"none", "s3cret", "none", "s3cret"};
#define password_table CHOICE_TABLE(passwords, 4)

/* Weighted by repetition: keys about three in eight, raw bytes two. */
static const char *const arg_kinds[] = {"key",  "key",         "key",    "bytes",   "bytes",
                                        "integer", "word",     "short bytes", "filler", "key",
                                        "key",  "bytes",       "integer", "word", "float", "key"};
/* What each arg_kinds id decodes as (the first id of its name; "float" is 14). */
static const uint8_t arg_kind_of_id[] = {0, 0, 0, 3, 3, 5, 6, 7, 8, 0, 0, 3, 5, 6, 14, 0};
_Static_assert(sizeof arg_kind_of_id == sizeof arg_kinds / sizeof arg_kinds[0],
               "one kind per argument kind id");
#define arg_kind_table CHOICE_TABLE(arg_kinds, 16)

static const char *const key_names[] = {
    "k0", "k1", "k2", "k3", "k4", "k5", "", "key:with:colons", "a-key-longer-than-most-limits-xx",
    "k0", "k1", "k2", "k3", "k0", /* again: fewer unassigned ids */
    "k4", "k1",                   /* and none */
};
#define key_table CHOICE_TABLE(key_names, 16)

static const char *const words[] = {
    /* 0 */ "ex", "px", "exat", "pxat", "nx", "xx", "keepttl", "get", "gt", "lt",
    /* 10 */ "sync", "async", "before", "after", "rank", "count", "maxlen", "match", "type", "EX",
    /* 20: CONFIG, COMMAND, INFO, HELLO, AUTH */
    "set", "resetstat", "help", "docs", "info", "list", "filterby", "module", "aclcat", "pattern",
    /* 30 */ "*", "keys_max", "maxmemory", "reply_size_max", "maxclients", "timeout", "server",
    /* 37 */ "clients", "memory", "stats", "keyspace", "limits", "all", "everything", "default",
    /* 45 */ "setname", "auth", "s3cret", "config", "command|list", "get|nosuch", "2", "3",
    /* 53: GETEX, COPY, LMOVE, BITCOUNT */
    "persist", "replace", "db", "left", "right", "bit", "byte", "LEFT",
    /* 61: again, so that no id is unassigned */
    "nx", "xx", "get",
};
#define word_table CHOICE_TABLE(words, 64)

static const char *const integers[] = {
    "0",  "1",   "-1",   "2",
    "3",  "5",   "-2",   "10",
    "100", "-100", "9223372036854775807", "-9223372036854775808",
    "9223372036854775808", "+1", "01", " 1",
    "1.5", "", "-0",
    "0", "1", "2", "3", "5", "10", "-1", "100", "1", /* again: fewer unassigned ids */
    "0", "1", "2", "-1",                             /* and none */
};
#define integer_table CHOICE_TABLE(integers, 32)

/* Glob patterns for KEYS and SCAN MATCH, over the key names above (Redis's keyspace.tcl
 * patterns among them); the last entry reads raw bytes. */
static const char *const patterns[] = {
    "*",           "k*",     "k?",         "k[0-2]", "k[^0-2]",  "*:*",  "",     "**",
    "?",           "*[0-9]", "key:with:*", "a-*",    "*x",       "k\\1", "[k]*", "*-*-*",
    "[a-z]*[0-9]", "[^k]*",  "\\*",        "k[",     "*longer*", "?*",   "*?",   "[k-a]?",
    "raw bytes",
    /* 25: again, so that no id is unassigned */
    "*", "k*", "k?", "*:*", "k[0-2]", "?*", "*1",
};
#define PATTERN_ID_RAW 24
#define pattern_table CHOICE_TABLE(patterns, 32)

static const char *const keys_forms[] = {"grammar", "pattern", "grammar", "pattern"};
#define keys_form_table CHOICE_TABLE(keys_forms, 4)
static const char *const scan_forms[] = {"grammar", "steps", "grammar", "steps"};
#define scan_form_table CHOICE_TABLE(scan_forms, 4)

static const char *const scan_counts[] = {"1", "2",  "3",   "5",    "10", "100", "1000", "none",
                                          "1", "2", "3", "5", "10", "100", "1000", "2"};
#define SCAN_COUNT_ID_NONE 7
#define scan_count_table CHOICE_TABLE(scan_counts, 16)

static const char *const scan_types[] = {"string", "list", "none",   "LIST", "hash",   "no TYPE",
                                         "string", "list", "STRING", "list", "none",   "string",
                                         "list",   "zset", "string", "list"};
#define SCAN_TYPE_ID_NONE 5
#define scan_type_table CHOICE_TABLE(scan_types, 16)

/* A choice from a table whose ids past `distinct` repeat its first entries in turn: the
 * entry's meaning, id % distinct (CHOICE_REFUSED stays). */
FUZZ_NO_COVERAGE static uint32_t choice_folded(cursor *c, const choice_table *t, uint32_t distinct) {
    uint32_t id = choice_read(c, t);
    ST_ASSERT(distinct >= 1 && distinct <= t->count);
    return id == CHOICE_REFUSED ? id : id % distinct;
}


/* ---- the grammars of ids 116 on (and of the second table) ---- */

/* INCRBYFLOAT's increments (and the "float" argument kind): Redis's number forms, its
 * refusals (spaces, NaN, overflow and underflow, hexadecimal is accepted) and results
 * longer than any value_size_max; the last entry reads raw bytes. */
static const char *const floats[] = {
    /* 0 */ "1", "-1", "0.1", "0.2", "1.5", "-1.5", "3.0e3", "1e-5",
    /* 8 */ "1e308", "-1e308", "1e4000", "1e-5000", "inf", "-inf", "+inf", "nan",
    /* 16 */ "0x1p3", "-0", "0", " 1", "1 ", "", "5.0e3", "1.7976931348623157e308",
    /* 24 */ "10", "2.5", "-0.0", "1e17", "0.00000000000000001", "123456789.123456789", "1.",
    /* 31 */ "raw bytes",
};
#define FLOAT_ID_RAW 31
#define float_table CHOICE_TABLE(floats, 32)

/* BITPOS's bit, start, end and unit. */
static const char *const bitpos_args[] = {"0",  "1",    "-1",  "2",   "-2",  "5",
                                          "-8", "100",  "bit", "byte", "BIT", "x",
                                          "9223372036854775807", "-9223372036854775808", "8", "16"};
#define bitpos_arg_table CHOICE_TABLE(bitpos_args, 16)

static const char *const lcs_words[] = {"len", "idx", "withmatchlen", "minmatchlen", "0", "1",
                                        "2",   "3",   "-1",           "IDX",         "LEN", "x",
                                        "MINMATCHLEN", "4", "WITHMATCHLEN", "idx"};
#define lcs_word_table CHOICE_TABLE(lcs_words, 16)

static const char *const object_words[] = {"encoding", "refcount", "idletime", "freq",
                                           "help",     "ENCODING", "nosuch",   "IDLETIME"};
#define object_word_table CHOICE_TABLE(object_words, 8)

static const char *const function_words[] = {"flush", "FLUSH", "flush", "flush",
                                             "load",  "list",  "help",  "flush"};
#define function_word_table CHOICE_TABLE(function_words, 8)
static const char *const flush_words[] = {"sync", "async", "ASYNC", "x"};
#define flush_word_table CHOICE_TABLE(flush_words, 4)

/* CONFIG SET's names (stasis's, Redis's for them, Redis's constants, none) and values: the
 * one in force, one past it, or a word. */
static const char *const config_names[] = {
    "keys_max",   "key_size_max",       "value_size_max",  "list_length_max",
    "reply_size_max", "client_name_size_max", "lcs_cells_max", "maxclients",
    "proto-max-bulk-len", "bulk_size_max", "save",          "appendonly",
    "databases",  "maxmemory-policy",   "no-such-option",  "KEYS_MAX",
};
#define config_name_table CHOICE_TABLE(config_names, 16)
static const char *const config_values[] = {
    "in force", "in force + 1", "0", "", "no", "noeviction", "1", "abc", "-1", "NO",
    /* 10: the first six again (read folded) */
    "in force", "in force + 1", "0", "", "no", "noeviction"};
#define CONFIG_VALUE_IN_FORCE 0
#define CONFIG_VALUE_PAST     1
#define config_value_table CHOICE_TABLE(config_values, 16)

/* COMMAND GETKEYS's command names (the model knows their key positions). */
static const char *const getkeys_names[] = {"get",    "set",    "mset",  "del",
                                            "lmove",  "lmpop",  "lcs",   "ping",
                                            "object", "config", "no-such-command", "copy",
                                            "mget",   "rename", "GET",   "bitpos"};
#define getkeys_name_table CHOICE_TABLE(getkeys_names, 16)

/* COMMAND LIST's filters, ACL categories and name patterns. */
static const char *const list_forms[] = {"none", "module", "aclcat", "pattern",
                                         "junk", "aclcat", "pattern", "pattern"};
#define list_form_table CHOICE_TABLE(list_forms, 8)
static const char *const acl_categories[] = {
    "bitmap", "string", "list",  "keyspace", "read",  "write",  "fast",   "slow",
    "connection", "admin", "dangerous", "nosuch", "BITMAP", "@read", "scripting", "generic"};
#define acl_category_table CHOICE_TABLE(acl_categories, 16)
static const char *const list_patterns[] = {"*",  "bit*",   "config|*", "*|*",     "l*", "*pop",
                                            "get*", "[a-c]*", "object|?*", "*e*",   "",   "x",
                                            "GET", "set",    "?",        "*|help"};
#define list_pattern_table CHOICE_TABLE(list_patterns, 16)

/* Requests at a protocol limit, one under and one past it (the parser's exact error):
 * RPUSH of command_args_max arguments, SET of a bulk of bulk_size_max bytes, an inline SET
 * line of inline_size_max bytes before its '\n'. */
static const char *const protocol_forms[] = {"arguments", "bulk", "inline", "arguments",
                                             "bulk",      "bulk", "arguments", "bulk"};
#define protocol_form_table CHOICE_TABLE(protocol_forms, 8)

typedef struct op {
    enum {
        OP_COMMAND,
        OP_CLOCK,
        OP_EXPIRE_CYCLE,
        OP_SCAN_STEPS,
        OP_AT_LIMIT,
        OP_PROTOCOL,
        OP_TXN,       /* [WATCH ...] MULTI, the next operations queued, EXEC or DISCARD */
        OP_TXN_ERROR, /* a transaction command where it is an error */
    } kind;
    bool modelled; /* OP_COMMAND: the model predicts the reply's bytes */
    bool list_names; /* OP_COMMAND: COMMAND LIST, checked against the names it may list */
    bool grammar;    /* OP_COMMAND: its arguments are decode_grammar's */
    char text[2][24]; /* CONFIG SET values computed from the configuration */
    uint32_t argc;
    resp_arg argv[OPS_ARGS_MAX]; /* OP_SCAN_STEPS: "scan", a cursor slot, the options */
    int64_t clock_step_ms;
    uint32_t scan_steps; /* OP_SCAN_STEPS: SCAN calls to make */
    bool scan_restart;   /* OP_SCAN_STEPS: start a new iteration even if one is running */
    int32_t limit_delta; /* OP_AT_LIMIT: the replies' size minus reply_size_max;
                          * OP_PROTOCOL: the request's measure minus its limit */
    uint32_t protocol_form; /* OP_PROTOCOL: protocol_forms; OP_TXN_ERROR: its form */
    /* OP_TXN: argv[1..watch_keys] the keys WATCHed; a write of them (write_argc 0: none)
     * then maybe UNWATCH; MULTI; up to txn_queued of the next operations; EXEC or DISCARD */
    uint32_t watch_keys;
    uint32_t write_argc;
    resp_arg write[3];
    bool unwatch;
    uint32_t txn_queued;
    bool txn_discard;
} op;

typedef struct header {
    kv_config config;
    uint64_t chunks;
    bool small_reply_limit;
    bool small_name_limit;
    bool long_lists;
} header;

/* Filler arguments point into this: bytes no key or value in the tables equals. */
static uint8_t filler[FILLER_BYTES_MAX];

FUZZ_NO_COVERAGE static resp_arg text_arg(const char *s) {
    return (resp_arg){.ptr = (const uint8_t *)s, .len = strlen(s)};
}

FUZZ_NO_COVERAGE static resp_arg refused_arg(void) { return text_arg("<refused>"); }

/* A filler of a length that makes ECHO's reply ("$<len>\r\n<len bytes>\r\n", 9 bytes of
 * framing at these lengths) land from 8 bytes under reply_size_max to 7 past it. */
FUZZ_NO_COVERAGE static resp_arg filler_arg(cursor *c, const kv_config *config) {
    uint64_t limit = config->reply_size_max < FILLER_BYTES_MAX ? config->reply_size_max : 1024;
    uint64_t len = limit - 9 - 8 + cursor_range(c, 0, 15);
    ST_ASSERT(len <= FILLER_BYTES_MAX);
    if (filler[0] == 0) memset(filler, 'f', sizeof filler);
    return (resp_arg){.ptr = filler, .len = (size_t)len};
}

/* A float from the table, or (its last entry) a few raw bytes. */
FUZZ_NO_COVERAGE static resp_arg decode_float(cursor *c) {
    uint32_t id = choice_read(c, &float_table);
    if (id == CHOICE_REFUSED) return refused_arg();
    if (id != FLOAT_ID_RAW) return text_arg(floats[id]);
    const uint8_t *bytes = NULL;
    size_t n = cursor_bytes(c, 8, &bytes);
    return (resp_arg){.ptr = bytes, .len = n};
}

/* The number in force for a CONFIG SET name (0 for the names that are not numbers). */
FUZZ_NO_COVERAGE static uint64_t config_in_force(uint32_t name, const kv_config *config) {
    const uint64_t values[] = {config->keys_max,        config->key_size_max,
                               config->value_size_max,  config->list_length_max,
                               config->reply_size_max,  config->client_name_size_max,
                               config->lcs_cells_max,   config->connections_max,
                               config->bulk_size_max,   config->bulk_size_max};
    if (name == 15) return config->keys_max; /* KEYS_MAX */
    return name < sizeof values / sizeof values[0] ? values[name] : 0;
}

/* Value `value` of pair `pair`: a word, or the number in force (or one past it) as text. */
FUZZ_NO_COVERAGE static resp_arg config_value(op *o, uint32_t pair, uint32_t name, uint32_t value,
                                              const kv_config *config) {
    if (value != CONFIG_VALUE_IN_FORCE && value != CONFIG_VALUE_PAST) {
        return text_arg(config_values[value]);
    }
    uint64_t v = config_in_force(name, config) + (value == CONFIG_VALUE_PAST ? 1u : 0u);
    snprintf(o->text[pair], sizeof o->text[pair], "%" PRIu64, v);
    return text_arg(o->text[pair]);
}

FUZZ_NO_COVERAGE static resp_arg decode_arg(cursor *c, const kv_config *config) {
    const uint8_t *bytes = NULL;
    uint32_t kind = choice_read(c, &arg_kind_table);
    uint32_t id = 0;
    switch (kind == CHOICE_REFUSED ? CHOICE_REFUSED : arg_kind_of_id[kind]) {
    case 0:
    case 1:
    case 2: id = choice_read(c, &key_table); return id == CHOICE_REFUSED ? refused_arg() : text_arg(key_names[id]);
    case 3:
    case 4: {
        size_t n = cursor_bytes(c, ARG_BYTES_MAX, &bytes);
        return (resp_arg){.ptr = bytes, .len = n};
    }
    case 5: id = choice_read(c, &integer_table); return id == CHOICE_REFUSED ? refused_arg() : text_arg(integers[id]);
    case 6: id = choice_read(c, &word_table); return id == CHOICE_REFUSED ? refused_arg() : text_arg(words[id]);
    case 7: {
        size_t n = cursor_bytes(c, 4, &bytes);
        return (resp_arg){.ptr = bytes, .len = n};
    }
    case 8: return filler_arg(c, config);
    case 14: return decode_float(c);
    default: return refused_arg();
    }
}

/* A pattern from the table, or (its last entry) a few raw bytes. */
FUZZ_NO_COVERAGE static resp_arg decode_pattern(cursor *c) {
    uint32_t id = choice_read(c, &pattern_table);
    if (id == CHOICE_REFUSED) return refused_arg();
    if (id != PATTERN_ID_RAW) return text_arg(patterns[id]);
    const uint8_t *bytes = NULL;
    size_t n = cursor_bytes(c, 8, &bytes);
    return (resp_arg){.ptr = bytes, .len = n};
}

/* SCAN steps: how many calls, restart or not, then MATCH, COUNT and TYPE, each optional. */
FUZZ_NO_COVERAGE static op decode_scan_steps(cursor *c) {
    op o = {.kind = OP_SCAN_STEPS, .argc = 2};
    o.argv[0] = text_arg("scan");
    o.scan_steps = cursor_range(c, 1, 4);
    o.scan_restart = cursor_bool(c);
    if (cursor_bool(c)) {
        o.argv[o.argc++] = text_arg("match");
        o.argv[o.argc++] = decode_pattern(c);
    }
    uint32_t k = choice_read(c, &scan_count_table);
    if (k != CHOICE_REFUSED && k != SCAN_COUNT_ID_NONE) {
        o.argv[o.argc++] = text_arg("COUNT");
        o.argv[o.argc++] = text_arg(scan_counts[k]);
    }
    uint32_t t = choice_read(c, &scan_type_table);
    if (t != CHOICE_REFUSED && t != SCAN_TYPE_ID_NONE) {
        o.argv[o.argc++] = text_arg("type");
        o.argv[o.argc++] = text_arg(scan_types[t]);
    }
    return o;
}

FUZZ_NO_COVERAGE static bool is_unmodelled(const char *name) {
    for (size_t i = 0; i < sizeof unmodelled / sizeof unmodelled[0]; i++) {
        if (strcmp(unmodelled[i], name) == 0) return true;
    }
    return false;
}

/* An id of more_operations; an id of the gap before its last entries is unassigned. */
FUZZ_NO_COVERAGE static uint32_t more_read(cursor *c) {
    uint32_t id = choice_read(c, &more_operation_table);
    if (id == CHOICE_REFUSED || more_operations[id] != NULL) return id;
    c->refused = true;
    c->refused_id = id;
    return CHOICE_REFUSED;
}

/* One operation; with the cursor refused, what it returns is never run. */
FUZZ_NO_COVERAGE static op decode_basic(cursor *c, const kv_config *config) {
    op o = {.kind = OP_COMMAND, .modelled = true, .argc = 1};
    uint32_t id = choice_read(c, &operation_table);
    if (id == CHOICE_REFUSED) {
        o.argv[0] = refused_arg();
        return o;
    }
    if (id == OP_ID_CLOCK || id == OP_ID_EXPIRE) {
        o.kind = id == OP_ID_CLOCK ? OP_CLOCK : OP_EXPIRE_CYCLE;
        o.clock_step_ms = (int64_t)cursor_range(c, 0, 20000);
        return o;
    }
    if (id >= OP_ID_GRAMMARS) {
        /* its grammar is decode_grammar's; "more" names it from the second table */
        uint32_t more = id == OP_ID_MORE ? more_read(c) : 0;
        bool refused = more == CHOICE_REFUSED;
        o.grammar = true;
        o.argv[0] = refused ? refused_arg() : text_arg(id == OP_ID_MORE ? more_operations[more]
                                                                        : operations[id]);
        return o;
    }
    o.argv[0] = text_arg(operations[id]);
    o.modelled = !is_unmodelled(operations[id]);
    if (id == OP_ID_KEYS && choice_folded(c, &keys_form_table, 2) == 1) {
        o.argc = 2;
        o.argv[1] = decode_pattern(c);
        return o;
    }
    if (id == OP_ID_SCAN && choice_folded(c, &scan_form_table, 2) == 1) return decode_scan_steps(c);
    if (id == OP_ID_AT_LIMIT) {
        o.kind = OP_AT_LIMIT;
        uint32_t key = choice_read(c, &key_table);
        o.argv[1] = key == CHOICE_REFUSED ? refused_arg() : text_arg(key_names[key]);
        o.limit_delta = (int32_t)cursor_range(c, 0, 15) - 8;
        return o;
    }
    o.argc = 1 + cursor_range(c, 0, OPS_ARGS_MAX - 1);
    for (uint32_t i = 1; i < o.argc; i++)
        o.argv[i] = decode_arg(c, config);
    return o;
}

/* Up to `n` arguments from a table, appended. */
FUZZ_NO_COVERAGE static void words_from(cursor *c, op *o, const choice_table *t, uint32_t n) {
    for (uint32_t k = 0; k < n && o->argc < OPS_ARGS_MAX; k++) {
        uint32_t id = choice_read(c, t);
        o->argv[o->argc++] = id == CHOICE_REFUSED ? refused_arg() : text_arg(t->names[id]);
    }
}

FUZZ_NO_COVERAGE static void key_arg(cursor *c, op *o) { words_from(c, o, &key_table, 1); }

FUZZ_NO_COVERAGE static void g_incrbyfloat(cursor *c, op *o) {
    key_arg(c, o);
    o->argv[o->argc++] = decode_float(c);
}

/* BITPOS key bit [start [end [BYTE|BIT]]], or one argument too many. */
FUZZ_NO_COVERAGE static void g_bitpos(cursor *c, op *o) {
    key_arg(c, o);
    words_from(c, o, &bitpos_arg_table, 1 + cursor_range(c, 0, 4));
}

FUZZ_NO_COVERAGE static void g_lcs(cursor *c, op *o) {
    key_arg(c, o);
    key_arg(c, o);
    words_from(c, o, &lcs_word_table, cursor_range(c, 0, 4));
}

/* RANDOMKEY, rarely with a (refused) argument. */
FUZZ_NO_COVERAGE static void g_randomkey(cursor *c, op *o) {
    if (cursor_range(c, 0, 7) == 7) key_arg(c, o);
}

/* OBJECT subcommand and 0, 1 (mostly) or 2 keys. */
FUZZ_NO_COVERAGE static void g_object(cursor *c, op *o) {
    static const uint8_t keys[] = {0, 1, 1, 2};
    words_from(c, o, &object_word_table, 1);
    for (uint32_t k = keys[cursor_range(c, 0, 3)]; k > 0; k--)
        key_arg(c, o);
}

FUZZ_NO_COVERAGE static void g_function(cursor *c, op *o) {
    words_from(c, o, &function_word_table, 1);
    words_from(c, o, &flush_word_table, cursor_range(c, 0, 2));
}

/* CONFIG SET: one or two name-value pairs, the last value sometimes missing. */
FUZZ_NO_COVERAGE static void g_config_set(cursor *c, op *o, const kv_config *config) {
    o->argv[0] = text_arg("config");
    o->argv[o->argc++] = text_arg("set");
    uint32_t pairs = cursor_range(c, 1, 2);
    bool cut = cursor_range(c, 0, 7) == 7;
    for (uint32_t p = 0; p < pairs; p++) {
        uint32_t name = choice_read(c, &config_name_table);
        uint32_t value = choice_folded(c, &config_value_table, 10);
        if (name == CHOICE_REFUSED || value == CHOICE_REFUSED) return;
        o->argv[o->argc++] = text_arg(config_names[name]);
        if (cut && p + 1 == pairs) return;
        o->argv[o->argc++] = config_value(o, p, name, value, config);
    }
}

FUZZ_NO_COVERAGE static void g_command_getkeys(cursor *c, op *o, const kv_config *config) {
    o->argv[0] = text_arg("command");
    o->argv[o->argc++] = text_arg("getkeys");
    words_from(c, o, &getkeys_name_table, 1);
    for (uint32_t k = cursor_range(c, 0, 4); k > 0; k--)
        o->argv[o->argc++] = decode_arg(c, config);
}

/* COMMAND LIST [FILTERBY MODULE x | ACLCAT category | PATTERN pattern], or junk. */
FUZZ_NO_COVERAGE static void g_command_list(cursor *c, op *o) {
    o->argv[0] = text_arg("command");
    o->argv[o->argc++] = text_arg("list");
    o->modelled = false;
    o->list_names = true;
    uint32_t form = choice_read(c, &list_form_table);
    if (form == CHOICE_REFUSED || form == 0) return;
    if (form == 4) {
        o->argv[o->argc++] = text_arg("filterby");
        return;
    }
    o->argv[o->argc++] = text_arg("filterby");
    o->argv[o->argc++] = text_arg(list_forms[form]);
    if (form == 1) o->argv[o->argc++] = text_arg("x");
    if (form == 2) words_from(c, o, &acl_category_table, 1);
    if (form == 3 || form == 5 || form == 6) words_from(c, o, &list_pattern_table, 1);
}

/* A request at a protocol limit: its form, a key, the delta -1..1. */
FUZZ_NO_COVERAGE static void g_protocol_limit(cursor *c, op *o) {
    o->kind = OP_PROTOCOL;
    o->protocol_form = choice_folded(c, &protocol_form_table, 3);
    key_arg(c, o);
    o->limit_delta = (int32_t)cursor_range(c, 0, 2) - 1;
}

/* The transactions' small limits (kv_ops's header does not draw them). */
#define TXN_COMMANDS_MAX 4
#define TXN_BYTES_MAX    160 /* filler arguments pass it */
#define TXN_WATCHED_MAX  1   /* WATCH of two keys passes it */
static const char *const txn_error_forms[] = {"EXEC without MULTI", "DISCARD without MULTI",
                                              "MULTI nested", "WATCH inside MULTI"};

/* MULTI, 0..TXN_COMMANDS_MAX + 1 of the next operations queued, EXEC (or DISCARD, 1 in 4). */
FUZZ_NO_COVERAGE static void g_multi(cursor *c, op *o) {
    o->kind = OP_TXN;
    o->txn_queued = cursor_range(c, 0, TXN_COMMANDS_MAX + 1);
    o->txn_discard = cursor_range(c, 0, 3) == 3;
}

/* WATCH 1..2 keys; no write, SET or DEL of the first or another key; UNWATCH (1 in 4);
 * then MULTI, 0..2 queued operations, EXEC (or DISCARD, 1 in 4). */
FUZZ_NO_COVERAGE static void g_watch(cursor *c, op *o) {
    o->kind = OP_TXN;
    o->watch_keys = cursor_range(c, 1, 2);
    for (uint32_t k = 0; k < o->watch_keys; k++)
        key_arg(c, o);
    uint32_t write = cursor_range(c, 0, 2);
    if (write != 0) {
        op w = {.argc = 1};
        w.argv[0] = text_arg(write == 1 ? "set" : "del");
        if (cursor_bool(c)) {
            w.argv[w.argc++] = o->argv[1];
        } else {
            key_arg(c, &w);
        }
        if (write == 1) words_from(c, &w, &word_table, 1);
        o->write_argc = w.argc;
        memcpy(o->write, w.argv, sizeof o->write);
    }
    o->unwatch = cursor_range(c, 0, 3) == 3;
    o->txn_queued = cursor_range(c, 0, 2);
    o->txn_discard = cursor_range(c, 0, 3) == 3;
}

FUZZ_NO_COVERAGE static void g_txn_errors(cursor *c, op *o) {
    o->kind = OP_TXN_ERROR;
    o->protocol_form = cursor_range(c, 0, 3);
    if (o->protocol_form == 3) key_arg(c, o);
}

/* ---- the blocking pops' grammars (more_operations 59..63) ---- */

/* Timeouts: Redis's accepted forms, its "negative" ones (below -1 ms, and past int64 ms,
 * which its cast makes negative) and its "not a float" ones. */
static const char *const blocking_timeouts[] = {
    /* 0 */ "0", "0.1", "1", "-1", "abc", "inf", "1e400", "-0.001",
    /* 8 */ "-0.0011", "", " 1", "nan", "1e99999", "0x10", "+2.5", "9223372036854775.808",
};
#define blocking_timeout_table CHOICE_TABLE(blocking_timeouts, 16)
static const char *const blocking_directions[] = {"left", "right", "LEFT", "RIGHT",
                                                  "up",   "left",  "right", "Right"};
#define blocking_direction_table CHOICE_TABLE(blocking_directions, 8)
/* BLMPOP's numkeys (the keys drawn are 0..3, so it may disagree) and COUNT forms. */
static const char *const blocking_numkeys[] = {"1", "2", "3", "0", "-1", "x", "1", "2"};
#define blocking_numkeys_table CHOICE_TABLE(blocking_numkeys, 8)
static const char *const blocking_counts[] = {"none", "1", "2", "5", "0", "-1", "none", "x"};
#define blocking_count_table CHOICE_TABLE(blocking_counts, 8)

/* BLPOP/BRPOP: 0..3 keys (none: the arity error), then a timeout. */
FUZZ_NO_COVERAGE static void g_bpop(cursor *c, op *o) {
    for (uint32_t k = cursor_range(c, 0, 3); k > 0; k--)
        key_arg(c, o);
    words_from(c, o, &blocking_timeout_table, 1);
}

/* BLMOVE source destination from to timeout; BRPOPLPUSH source destination timeout. */
FUZZ_NO_COVERAGE static void g_bmove(cursor *c, op *o, bool directions) {
    key_arg(c, o);
    key_arg(c, o);
    if (directions) words_from(c, o, &blocking_direction_table, 2);
    words_from(c, o, &blocking_timeout_table, 1);
}

/* BLMPOP timeout numkeys, 0..3 keys, a direction, and COUNT n or not. */
FUZZ_NO_COVERAGE static void g_blmpop(cursor *c, op *o) {
    words_from(c, o, &blocking_timeout_table, 1);
    words_from(c, o, &blocking_numkeys_table, 1);
    for (uint32_t k = cursor_range(c, 0, 3); k > 0; k--)
        key_arg(c, o);
    words_from(c, o, &blocking_direction_table, 1);
    uint32_t count = choice_read(c, &blocking_count_table);
    if (count == CHOICE_REFUSED || strcmp(blocking_counts[count], "none") == 0) return;
    o->argv[o->argc++] = text_arg("COUNT");
    o->argv[o->argc++] = text_arg(blocking_counts[count]);
}

/* The arguments of a blocking pop; false for any other operation. */
FUZZ_NO_COVERAGE static bool blocking_grammar(cursor *c, op *o) {
    const char *name = (const char *)o->argv[0].ptr;
    if (strcmp(name, "blpop") == 0 || strcmp(name, "brpop") == 0) {
        g_bpop(c, o);
    } else if (strcmp(name, "blmove") == 0 || strcmp(name, "brpoplpush") == 0) {
        g_bmove(c, o, name[2] == 'm');
    } else if (strcmp(name, "blmpop") == 0) {
        g_blmpop(c, o);
    } else {
        return false;
    }
    return true;
}

/* The arguments of an operation of id OP_ID_GRAMMARS on, by its name: its own grammar,
 * or (PEXPIREAT, and the common commands repeated in more_operations) the common one. */
FUZZ_NO_COVERAGE static void decode_grammar(cursor *c, const kv_config *config, op *o) {
    const char *name = (const char *)o->argv[0].ptr;
    if (strcmp(name, "incrbyfloat") == 0) {
        g_incrbyfloat(c, o);
    } else if (strcmp(name, "bitpos") == 0) {
        g_bitpos(c, o);
    } else if (strcmp(name, "lcs") == 0) {
        g_lcs(c, o);
    } else if (strcmp(name, "randomkey") == 0) {
        g_randomkey(c, o);
    } else if (strcmp(name, "object") == 0) {
        g_object(c, o);
    } else if (strcmp(name, "function") == 0) {
        g_function(c, o);
    } else if (strcmp(name, "config-set") == 0) {
        g_config_set(c, o, config);
    } else if (strcmp(name, "command-getkeys") == 0) {
        g_command_getkeys(c, o, config);
    } else if (strcmp(name, "command-list") == 0) {
        g_command_list(c, o);
    } else if (strcmp(name, "protocol-limit") == 0) {
        g_protocol_limit(c, o);
    } else if (strcmp(name, "multi") == 0) {
        g_multi(c, o);
    } else if (strcmp(name, "watch") == 0) {
        g_watch(c, o);
    } else if (strcmp(name, "txn-errors") == 0) {
        g_txn_errors(c, o);
    } else if (blocking_grammar(c, o)) {
        /* a blocking pop: its arguments were read */
    } else {
        o->argc = 1 + cursor_range(c, 0, OPS_ARGS_MAX - 1);
        for (uint32_t i = 1; i < o->argc; i++)
            o->argv[i] = decode_arg(c, config);
    }
}

/* One operation, into *o (its arguments may point into it: CONFIG SET's values). */
FUZZ_NO_COVERAGE static void decode_op(cursor *c, const kv_config *config, op *o) {
    *o = decode_basic(c, config);
    if (o->grammar && !c->refused) decode_grammar(c, config, o);
}

/* A limit's value: the default, or (form "small") one read in [lo, hi]. */
FUZZ_NO_COVERAGE static bool decode_small_limit(cursor *c, uint64_t *limit, uint32_t lo,
                                                uint32_t hi) {
    if (choice_folded(c, &limit_form_table, 2) != 1) return false;
    *limit = cursor_range(c, lo, hi);
    return true;
}

FUZZ_NO_COVERAGE static header decode_header(cursor *c) {
    header h = {0};
    kv_config_defaults(&h.config);
    h.config.capacity_policy =
        choice_folded(c, &policy_table, 2) == 1 ? KV_POLICY_SHARED : KV_POLICY_GUARANTEED;
    h.config.keys_max = cursor_range(c, 1, KVM_KEYS_MAX);
    h.config.key_size_max = cursor_range(c, 1, 20);
    h.config.value_size_max = cursor_range(c, 1, KVM_BYTES_MAX);
    h.config.list_length_max = cursor_range(c, 1, KVM_LIST_MAX);
    uint32_t budget_chunks = cursor_range(c, 1, 400);
    uint32_t chunk_id = choice_folded(c, &chunk_size_table, 3);
    h.config.chunk_size = chunk_id == CHOICE_REFUSED ? 16 : 16u << chunk_id;
    h.config.data_budget_bytes = h.config.chunk_size * budget_chunks;
    h.config.command_args_max = OPS_ARGS_MAX;
    /* One session: the per-connection regions (the transactions') are set up for one
     * connection, so that an input's start costs what it uses, not 1024 connections'. */
    h.config.connections_max = 1;
    h.config.transaction_commands_max = TXN_COMMANDS_MAX;
    h.config.transaction_bytes_max = TXN_BYTES_MAX;
    h.config.watched_keys_max = TXN_WATCHED_MAX;
    uint64_t reply_limit = 0;
    h.small_reply_limit = decode_small_limit(c, &reply_limit, 0, 511);
    if (h.small_reply_limit) h.config.reply_size_max = 1024 + reply_limit;
    h.small_name_limit = decode_small_limit(c, &h.config.client_name_size_max, 1, 16);
    if (choice_folded(c, &password_table, 2) == 1) strcpy(h.config.requirepass, "s3cret");
    h.long_lists = choice_folded(c, &list_length_form_table, 2) == 1;
    if (h.long_lists) h.config.list_length_max = KVM_LIST_MAX;
    char error[256];
    bool ok = kv_config_finalize(&h.config, error, sizeof error);
    FUZZ_CHECK(ok, "fuzz configuration rejected: %s", error);
    /* Only the parser reads inline_size_max (protocol-limit), and a line of the default
     * 64 KiB costs milliseconds of traced parsing; lowered after the defaults were derived
     * from it, so that request_size_max and reply_size_max stay what the header made them. */
    h.config.inline_size_max = INLINE_SIZE_MAX_BYTES;
    h.chunks = kv_layout_chunk_count(&h.config);
    return h;
}

/*
 * A list whose whole reply (LRANGE 0 -1, LPOP count) is reply_size_max + delta bytes when
 * the limits allow one: `count` elements (list_length_max), `longer` of them len + 1 bytes
 * and the rest len bytes. A reply is "*<count>\r\n" and a bulk of x bytes x + 6 bytes
 * (x < 10) or x + 7 (x < 100). Where the limits cannot reach the size, the elements are
 * as long as value_size_max lets them (the replies fall short of it).
 */
typedef struct at_limit_plan {
    uint32_t count;
    uint32_t len;
    uint32_t longer;
} at_limit_plan;

FUZZ_NO_COVERAGE static at_limit_plan plan_at_limit(const kv_config *config, int32_t delta) {
    uint32_t n = (uint32_t)(config->list_length_max < KVM_LIST_MAX ? config->list_length_max
                                                                    : KVM_LIST_MAX);
    uint32_t v = (uint32_t)(config->value_size_max < KVM_BYTES_MAX ? config->value_size_max
                                                                    : KVM_BYTES_MAX);
    uint64_t limit = config->reply_size_max < FILLER_BYTES_MAX ? config->reply_size_max : 1024;
    int64_t target = (int64_t)limit + delta;
    int64_t array_header = n < 10 ? 4 : 5;
    int64_t data = target - array_header - 7 * (int64_t)n; /* every element at least 10 bytes */
    at_limit_plan p = {.count = n, .len = v, .longer = 0};
    if (v >= 10 && data >= 10 * (int64_t)n && data <= (int64_t)v * n) {
        p.len = (uint32_t)(data / n);
        p.longer = (uint32_t)(data % n);
    }
    return p;
}

FUZZ_NO_COVERAGE static void describe_header(const header *h, FILE *out) {
    fprintf(out,
            "policy=%s keys_max=%" PRIu64 " key_size_max=%" PRIu64 " value_size_max=%" PRIu64
            " list_length_max=%" PRIu64 " chunks=%" PRIu64 " (of %" PRIu64 " bytes)\n",
            h->config.capacity_policy == KV_POLICY_SHARED ? "shared" : "guaranteed",
            h->config.keys_max, h->config.key_size_max, h->config.value_size_max,
            h->config.list_length_max, h->chunks, h->config.chunk_size);
    fprintf(out, "reply_size_max=%" PRIu64 "%s client_name_size_max=%" PRIu64 "%s requirepass=%s%s\n",
            h->config.reply_size_max, h->small_reply_limit ? "" : " (default)",
            h->config.client_name_size_max, h->small_name_limit ? "" : " (default)",
            h->config.requirepass[0] != '\0' ? h->config.requirepass : "none",
            h->long_lists ? " list_length_max: the model's longest" : "");
}

FUZZ_NO_COVERAGE static void describe_arg(const resp_arg *a, FILE *out) {
    fputc(' ', out);
    if (a->ptr == filler && a->len > 0) {
        fprintf(out, "<%zu filler bytes>", a->len);
    } else {
        fuzz_print_escaped(out, a->ptr, a->len, 80);
    }
}

FUZZ_NO_COVERAGE static void describe_txn(size_t i, const op *o, FILE *out) {
    if (o->kind == OP_TXN_ERROR) {
        fprintf(out, "#%zu %s", i, txn_error_forms[o->protocol_form]);
        if (o->argc > 1) describe_arg(&o->argv[1], out);
        fputc('\n', out);
        return;
    }
    fprintf(out, "#%zu", i);
    if (o->watch_keys > 0) {
        fprintf(out, " WATCH");
        for (uint32_t k = 1; k <= o->watch_keys; k++)
            describe_arg(&o->argv[k], out);
        fputc(';', out);
    }
    if (o->write_argc > 0) {
        for (uint32_t k = 0; k < o->write_argc; k++)
            describe_arg(&o->write[k], out);
        fputc(';', out);
    }
    fprintf(out, "%s MULTI; the next %u operations queued (up to the first that cannot be); %s\n",
            o->unwatch ? " UNWATCH;" : "", o->txn_queued,
            o->txn_discard ? "DISCARD" : "EXEC (DISCARD when reply_size_max is the default)");
}

FUZZ_NO_COVERAGE static void describe_op(size_t i, const op *o, const kv_config *config,
                                         FILE *out) {
    if (o->kind == OP_AT_LIMIT) {
        at_limit_plan p = plan_at_limit(config, o->limit_delta);
        fprintf(out, "#%zu at reply_size_max %+d: RPUSH ", i, (int)o->limit_delta);
        fuzz_print_escaped(out, o->argv[1].ptr, o->argv[1].len, 80);
        fprintf(out, " <%u elements of %u bytes, %u of %u>, LRANGE 0 -1, LPOP %u\n",
                p.count - p.longer, p.len, p.longer, p.len + 1, p.count);
    } else if (o->kind == OP_PROTOCOL) {
        fprintf(out, "#%zu a request of %s at its limit %+d (key ", i,
                protocol_forms[o->protocol_form], (int)o->limit_delta);
        fuzz_print_escaped(out, o->argv[1].ptr, o->argv[1].len, 80);
        fprintf(out, ")\n");
    } else if (o->kind == OP_TXN || o->kind == OP_TXN_ERROR) {
        describe_txn(i, o, out);
    } else if (o->kind == OP_CLOCK) {
        fprintf(out, "#%zu clock +%" PRId64 " ms\n", i, o->clock_step_ms);
    } else if (o->kind == OP_EXPIRE_CYCLE) {
        fprintf(out, "#%zu active expiry over every slot\n", i);
    } else if (o->kind == OP_SCAN_STEPS) {
        fprintf(out, "#%zu %u SCAN step(s)%s, options:", i, o->scan_steps,
                o->scan_restart ? " of a new iteration" : "");
        for (uint32_t a = 2; a < o->argc; a++)
            describe_arg(&o->argv[a], out);
        fputc('\n', out);
    } else {
        fprintf(out, "#%zu", i);
        for (uint32_t a = 0; a < o->argc; a++)
            describe_arg(&o->argv[a], out);
        fputc('\n', out);
    }
}

static void lcs_limits(kv_config *config);

FUZZ_NO_COVERAGE static void describe(const uint8_t *data, size_t size, FILE *out) {
    cursor c = cursor_make(data, size);
    header h = decode_header(&c);
    describe_header(&h, out);
    cursor ops_start = c;
    bool lcs = false;
    for (int pass = 0; pass < 2; pass++) { /* the first only looks for LCS (lcs_limits) */
        c = ops_start;
        for (size_t i = 0; !cursor_empty(&c) && !c.refused; i++) {
            static op o;
            decode_op(&c, &h.config, &o);
            lcs = lcs || (o.argv[0].len == 3 && memcmp(o.argv[0].ptr, "lcs", 3) == 0);
            if (pass == 0) continue;
            if (c.refused) {
                fprintf(out, "#%zu refused: unassigned id %u (the input is never run)\n", i,
                        c.refused_id);
                break;
            }
            describe_op(i, &o, &h.config, out);
        }
        if (pass == 0 && lcs && !c.refused) lcs_limits(&h.config);
    }
    if (!lcs || c.refused) return;
    fprintf(out, "LCS drawn, so bulk_size_max=%" PRIu64 " lcs_cells_max=%" PRIu64 "\n",
            h.config.bulk_size_max, h.config.lcs_cells_max);
}

/* ---- the run ---- */

#define LCS_SCRATCH_MAX_BYTES (16 * 1024) /* (KVM_BYTES_MAX + 1)^2 cells of 5 bytes */
#define TXN_MEMORY_MAX_BYTES  (512 * 1024) /* connections_max (default) x the small limits */
static kv_fuzz_engine fe = {.map_bytes = STORE_MEMORY_MAX_BYTES + LCS_SCRATCH_MAX_BYTES +
                                         TXN_MEMORY_MAX_BYTES + 6 * 64,
                            .txn_max_bytes = TXN_MEMORY_MAX_BYTES,
                            .lcs_scratch_max_bytes = LCS_SCRATCH_MAX_BYTES};
static uint8_t reply[REPLY_CAPACITY_BYTES];
static kv_model model;
static int64_t now_ms;

/* Runs one command on the engine as the server would; returns the reply length. */
FUZZ_NO_COVERAGE static size_t run_engine(const op *o) {
    return kv_fuzz_engine_run(&fe, o->argv, o->argc, now_ms, reply, sizeof reply);
}

FUZZ_NO_COVERAGE static void compare_reply(size_t len) {
    kv_fuzz_compare_reply(reply, len, model.out, model.out_len);
}

FUZZ_NO_COVERAGE static void check_state(void) {
    FUZZ_CHECK(kv_engine_invariants_hold(&fe.engine), "kv_engine_invariants_hold() is false");
    FUZZ_CHECK(fe.engine.store.keys == kvm_live_keys(&model),
               "keys: engine %" PRIu64 ", model %" PRIu64, fe.engine.store.keys,
               kvm_live_keys(&model));
    uint64_t used = chunk_store_used(&fe.engine.store.chunks);
    FUZZ_CHECK(used == kvm_chunks_used(&model), "chunks used: engine %" PRIu64 ", model %" PRIu64,
               used, kvm_chunks_used(&model));
}

/* ---- KEYS and SCAN: replies compared as sets ---- */

#define REPLY_ITEMS_MAX 64

typedef struct bulk_list {
    uint32_t n;
    resp_arg items[REPLY_ITEMS_MAX];
} bulk_list;

/* "<prefix><digits>\r\n" at r[*at]: the number, or false. */
FUZZ_NO_COVERAGE static bool parse_line_number(const uint8_t *r, size_t len, size_t *at,
                                               char prefix, uint64_t *v) {
    size_t i = *at;
    if (i >= len || r[i] != prefix) return false;
    *v = 0;
    size_t digits = 0;
    for (i++; i < len && r[i] >= '0' && r[i] <= '9'; i++, digits++)
        *v = *v * 10 + (uint64_t)(r[i] - '0');
    if (digits == 0 || digits > 19 || i + 2 > len || r[i] != '\r' || r[i + 1] != '\n') return false;
    *at = i + 2;
    return true;
}

FUZZ_NO_COVERAGE static bool parse_bulk(const uint8_t *r, size_t len, size_t *at, resp_arg *out) {
    uint64_t n = 0;
    if (!parse_line_number(r, len, at, '$', &n) || n > len - *at || len - *at - n < 2) return false;
    *out = (resp_arg){.ptr = r + *at, .len = (size_t)n};
    *at += (size_t)n;
    if (r[*at] != '\r' || r[*at + 1] != '\n') return false;
    *at += 2;
    return true;
}

/* "*<n>\r\n" and n bulks at r[*at]. */
FUZZ_NO_COVERAGE static bool parse_bulks(const uint8_t *r, size_t len, size_t *at, bulk_list *out) {
    uint64_t n = 0;
    if (!parse_line_number(r, len, at, '*', &n) || n > REPLY_ITEMS_MAX) return false;
    out->n = (uint32_t)n;
    for (uint32_t k = 0; k < out->n; k++) {
        if (!parse_bulk(r, len, at, &out->items[k])) return false;
    }
    return true;
}

FUZZ_NO_COVERAGE static bool same_bytes(const resp_arg *a, const uint8_t *b, size_t n) {
    return a->len == n && (n == 0 || memcmp(a->ptr, b, n) == 0);
}

FUZZ_NO_COVERAGE static bool list_has(const bulk_list *l, const resp_arg *x) {
    for (uint32_t k = 0; k < l->n; k++) {
        if (same_bytes(&l->items[k], x->ptr, x->len)) return true;
    }
    return false;
}

/* a and b hold the same keys, each as many times (the lists are short: quadratic is fine). */
FUZZ_NO_COVERAGE static bool same_multiset(const bulk_list *a, const bulk_list *b) {
    if (a->n != b->n) return false;
    for (uint32_t k = 0; k < a->n; k++) {
        uint32_t in_a = 0;
        uint32_t in_b = 0;
        for (uint32_t j = 0; j < a->n; j++) {
            in_a += same_bytes(&a->items[j], a->items[k].ptr, a->items[k].len);
            in_b += same_bytes(&b->items[j], a->items[k].ptr, a->items[k].len);
        }
        if (in_a != in_b) return false;
    }
    return true;
}

FUZZ_NO_COVERAGE _Noreturn static void fail_set_compare(size_t len, const char *why) {
    fuzz_print_replies(reply, len, model.out, model.out_len);
    fuzz_fail("set comparison", __FILE__, __LINE__, "%s (both replies above)", why);
}

/* KEYS: an array is compared as a multiset; anything else (an error) byte for byte. */
FUZZ_NO_COVERAGE static void compare_keys_reply(size_t len) {
    if (len == 0 || reply[0] != '*' || model.out_len == 0 || model.out[0] != '*') {
        compare_reply(len);
        return;
    }
    static bulk_list got, want;
    size_t at_got = 0, at_want = 0;
    if (!parse_bulks(reply, len, &at_got, &got) || at_got != len) {
        fail_set_compare(len, "the engine's KEYS reply is not an array of bulks");
    }
    FUZZ_CHECK(parse_bulks(model.out, model.out_len, &at_want, &want), "model KEYS reply");
    if (!same_multiset(&got, &want)) fail_set_compare(len, "KEYS: different keys");
}

typedef struct scan_reply {
    uint64_t cursor;
    bulk_list keys;
} scan_reply;

FUZZ_NO_COVERAGE static bool parse_scan_reply(const uint8_t *r, size_t len, scan_reply *out) {
    size_t at = 0;
    uint64_t two = 0;
    resp_arg cursor_text;
    if (!parse_line_number(r, len, &at, '*', &two) || two != 2) return false;
    if (!parse_bulk(r, len, &at, &cursor_text)) return false;
    size_t c_at = 0;
    char line[32];
    if (cursor_text.len == 0 || cursor_text.len > 20) return false;
    int n = snprintf(line, sizeof line, ":%.*s\r\n", (int)cursor_text.len, cursor_text.ptr);
    if (!parse_line_number((const uint8_t *)line, (size_t)n, &c_at, ':', &out->cursor)) {
        return false;
    }
    return parse_bulks(r, len, &at, &out->keys) && at == len;
}

/*
 * One SCAN call: an error byte for byte; otherwise every key the engine returned is one
 * the model's whole-table answer has, none twice, and the cursor moved forward (or ended).
 * Returns true with the engine's reply in *got when the call succeeded.
 */
FUZZ_NO_COVERAGE static bool compare_scan_reply(size_t len, uint64_t cursor_sent, scan_reply *got) {
    if (len > 0 && reply[0] == '-') {
        compare_reply(len);
        return false;
    }
    if (!parse_scan_reply(reply, len, got)) fail_set_compare(len, "not a SCAN reply");
    static scan_reply want;
    FUZZ_CHECK(parse_scan_reply(model.out, model.out_len, &want), "model SCAN reply");
    uint64_t slots = table_slots(&fe.engine.store.index);
    bool forward = got->cursor > cursor_sent && got->cursor < slots;
    if (got->cursor != 0 && !forward) fail_set_compare(len, "SCAN: the cursor did not move on");
    for (uint32_t k = 0; k < got->keys.n; k++) {
        if (!list_has(&want.keys, &got->keys.items[k])) {
            fail_set_compare(len, "SCAN returned a key the model does not let through");
        }
        for (uint32_t j = 0; j < k; j++) {
            if (same_bytes(&got->keys.items[j], got->keys.items[k].ptr, got->keys.items[k].len)) {
                fail_set_compare(len, "SCAN returned a key twice in one reply");
            }
        }
    }
    return true;
}

/* The last MATCH pattern of a valid SCAN (Redis keeps the last), NULL for none or "*". */
FUZZ_NO_COVERAGE static const resp_arg *scan_pattern(const resp_arg *argv, uint32_t argc) {
    const resp_arg *pattern = NULL;
    for (uint32_t i = 2; i + 1 < argc; i += 2) {
        const resp_arg *w = &argv[i];
        bool match = w->len >= 5 && strncasecmp((const char *)w->ptr, "match", 5) == 0 &&
                     (w->len == 5 || w->ptr[5] == '\0');
        if (match) pattern = &argv[i + 1];
    }
    if (pattern != NULL && pattern->len == 1 && pattern->ptr[0] == '*') return NULL;
    return pattern;
}

/* After a SCAN: the model drops the expired keys the engine's SCAN deleted, each of which
 * must match the pattern (SCAN leaves keys that do not match alone). */
FUZZ_NO_COVERAGE static void mirror_scan_deletions(const resp_arg *pattern) {
    for (size_t i = 0; i < KVM_ENTRIES_MAX; i++) {
        kvm_entry *e = &model.entries[i];
        if (!e->live || e->expire_at_ms == KVM_NO_EXPIRE || now_ms <= e->expire_at_ms) continue;
        if (kv_store_find_quiet(&fe.engine.store, e->key.b, e->key.len, INT64_MIN) != KV_RECORD_NONE) {
            continue;
        }
        FUZZ_CHECK(pattern == NULL || kvm_key_matches(e, pattern->ptr, pattern->len),
                   "SCAN deleted an expired key its pattern does not match");
        kvm_delete(&model, e);
        model.expired_keys++;
    }
}

/* ---- whole SCAN iterations ---- */

#define TRACKED_MAX 64

typedef struct tracked {
    uint8_t key[KVM_BYTES_MAX];
    uint32_t len;
    bool throughout; /* passed the filters after every operation since the start */
    uint32_t returned;
} tracked;

static struct scan_iteration {
    bool active;
    uint64_t cursor;
    uint64_t calls;
    op call; /* argv[1] is rewritten with the cursor before each call */
    char cursor_text[24];
    const resp_arg *pattern; /* NULL: none or "*" */
    const resp_arg *type;    /* NULL: none */
    uint32_t tracked_count;
    tracked keys[TRACKED_MAX];
} iter;

FUZZ_NO_COVERAGE static bool type_is(const resp_arg *type, const char *name) {
    return type->len == strlen(name) && strncasecmp((const char *)type->ptr, name, type->len) == 0;
}

/* Whether a model entry passes the iteration's filters now (no lazy expiry). */
FUZZ_NO_COVERAGE static bool passes(const kvm_entry *e) {
    if (!e->live || (e->expire_at_ms != KVM_NO_EXPIRE && now_ms > e->expire_at_ms)) return false;
    if (iter.pattern != NULL && !kvm_key_matches(e, iter.pattern->ptr, iter.pattern->len)) {
        return false;
    }
    return iter.type == NULL || type_is(iter.type, e->type == KVM_STRING ? "string" : "list");
}

FUZZ_NO_COVERAGE static tracked *track(const uint8_t *key, size_t len) {
    for (uint32_t k = 0; k < iter.tracked_count; k++) {
        if (iter.keys[k].len == len && memcmp(iter.keys[k].key, key, len) == 0)
            return &iter.keys[k];
    }
    if (iter.tracked_count == TRACKED_MAX || len > KVM_BYTES_MAX) return NULL;
    tracked *t = &iter.keys[iter.tracked_count++];
    *t = (tracked){.len = (uint32_t)len};
    memcpy(t->key, key, len);
    return t;
}

/* After every operation: a key that stops passing the filters is no longer owed. */
FUZZ_NO_COVERAGE static void refresh_iteration(void) {
    if (!iter.active) return;
    for (uint32_t k = 0; k < iter.tracked_count; k++) {
        tracked *t = &iter.keys[k];
        if (!t->throughout) continue;
        const kvm_entry *e = NULL;
        for (size_t i = 0; i < KVM_ENTRIES_MAX && e == NULL; i++) {
            const kvm_entry *x = &model.entries[i];
            if (x->live && x->key.len == t->len && memcmp(x->key.b, t->key, t->len) == 0) e = x;
        }
        t->throughout = e != NULL && passes(e);
    }
}

FUZZ_NO_COVERAGE static void start_iteration(const op *o) {
    memset(&iter, 0, sizeof iter);
    iter.active = true;
    iter.call = *o;
    for (uint32_t i = 2; i + 1 < o->argc; i += 2) {
        if (type_is(&iter.call.argv[i], "type")) iter.type = &iter.call.argv[i + 1];
    }
    iter.pattern = scan_pattern(iter.call.argv, iter.call.argc);
    for (size_t i = 0; i < KVM_ENTRIES_MAX; i++) {
        const kvm_entry *e = &model.entries[i];
        if (!passes(e)) continue;
        tracked *t = track(e->key.b, e->key.len);
        FUZZ_CHECK(t != NULL, "tracking table too small");
        t->throughout = true;
    }
}

/* The end of an iteration: every key owed was returned, exactly once. */
FUZZ_NO_COVERAGE static void finish_iteration(void) {
    for (uint32_t k = 0; k < iter.tracked_count; k++) {
        const tracked *t = &iter.keys[k];
        if (!t->throughout || t->returned == 1) continue;
        fprintf(stderr, "key: ");
        fuzz_print_escaped(stderr, t->key, t->len, 80);
        fprintf(stderr, "\n");
        FUZZ_CHECK(!t->throughout || t->returned == 1,
                   "the key above, present for the whole SCAN iteration, was returned %u times",
                   t->returned);
    }
    iter.active = false;
}

/* One call of the running iteration, checked as one SCAN, then against the iteration. */
FUZZ_NO_COVERAGE static void scan_step(void) {
    FUZZ_CHECK(iter.calls++ <= table_slots(&fe.engine.store.index), "SCAN never got back to 0");
    snprintf(iter.cursor_text, sizeof iter.cursor_text, "%" PRIu64, iter.cursor);
    iter.call.argv[1] = text_arg(iter.cursor_text);
    size_t len = run_engine(&iter.call);
    kvm_execute(&model, iter.call.argv, iter.call.argc, now_ms);
    static scan_reply got;
    if (!compare_scan_reply(len, iter.cursor, &got)) {
        /* Compared as an error: only NOAUTH may stop an iteration (before AUTH). */
        FUZZ_CHECK(!model.authenticated, "a valid SCAN failed");
        iter.active = false;
        return;
    }
    mirror_scan_deletions(iter.pattern);
    for (uint32_t k = 0; k < got.keys.n; k++) {
        tracked *t = track(got.keys.items[k].ptr, got.keys.items[k].len);
        if (t == NULL) continue; /* more distinct keys than tracked: skip the count */
        t->returned++;
        if (t->returned > 1) fuzz_print_escaped(stderr, t->key, t->len, 80);
        FUZZ_CHECK(t->returned <= 1, "SCAN returned the key above twice in one iteration");
    }
    iter.cursor = got.cursor;
    refresh_iteration();
    if (iter.cursor == 0) finish_iteration();
}

FUZZ_NO_COVERAGE static void run_scan_steps(const op *o) {
    if (!iter.active || o->scan_restart) start_iteration(o);
    for (uint32_t k = 0; k < o->scan_steps && iter.active; k++) {
        scan_step();
        check_state();
    }
}

static void check_idletime(size_t len);
static void check_random_key(size_t len);

/* A blocking pop that found nothing: the engine blocked (having written nothing and grown
 * nothing: kv_fuzz_engine_blocked) exactly when the model says the client must wait, and
 * the model changed nothing then either (check_state compares the rest). True when either
 * blocked. */
FUZZ_NO_COVERAGE static bool compare_blocked(size_t len) {
    bool model_blocked = model.reply_kind == KVM_REPLY_BLOCKED;
    if (!fe.blocked && !model_blocked) return false;
    if (fe.blocked != model_blocked) fuzz_print_replies(reply, len, model.out, model.out_len);
    FUZZ_CHECK(fe.blocked, "the model waits (a blocking pop found nothing), the engine answered");
    FUZZ_CHECK(model_blocked, "the engine blocked (KV_EXEC_BLOCKED), the model answered");
    return true;
}
static void check_command_list(const op *o, size_t len);

/* A command: KEYS and SCAN replies compared as sets; OBJECT IDLETIME, RANDOMKEY and
 * COMMAND LIST held to what they may answer; every other reply byte for byte. */
FUZZ_NO_COVERAGE static void run_command(const op *o) {
    size_t len = run_engine(o);
    if (o->list_names) check_command_list(o, len);
    if (!o->modelled) return; /* its form was checked; check_state follows */
    kvm_execute(&model, o->argv, o->argc, now_ms);
    if (compare_blocked(len)) return;
    if (model.reply_kind == KVM_REPLY_IDLETIME) {
        check_idletime(len);
        return;
    }
    if (model.reply_kind == KVM_REPLY_RANDOM_KEY) {
        check_random_key(len);
        return;
    }
    bool keys = o->argv[0].len == 4 && memcmp(o->argv[0].ptr, "keys", 4) == 0;
    bool scan = o->argv[0].len == 4 && memcmp(o->argv[0].ptr, "scan", 4) == 0;
    if (keys) {
        compare_keys_reply(len);
    } else if (scan) {
        static scan_reply got;
        uint64_t sent = 0;
        resp_arg cursor_arg = o->argv[1];
        /* Only a plain decimal cursor is checked for progress; others (valid for Redis's
         * strtoul: "", "+1", "-1") may be anything and then the end is 0. */
        char text[32];
        bool plain = cursor_arg.len > 0 && cursor_arg.len < 20;
        for (size_t k = 0; plain && k < cursor_arg.len; k++)
            plain = cursor_arg.ptr[k] >= '0' && cursor_arg.ptr[k] <= '9';
        if (plain) {
            snprintf(text, sizeof text, "%.*s", (int)cursor_arg.len, cursor_arg.ptr);
            sent = strtoull(text, NULL, 10);
        }
        if (compare_scan_reply(len, plain ? sent : 0, &got)) {
            mirror_scan_deletions(scan_pattern(o->argv, o->argc));
        }
    } else {
        compare_reply(len);
    }
}

/* OBJECT IDLETIME of a live key: whole seconds, at most the time since the input began. */
FUZZ_NO_COVERAGE static void check_idletime(size_t len) {
    size_t at = 0;
    uint64_t idle = 0;
    bool integer = parse_line_number(reply, len, &at, ':', &idle) && at == len;
    if (!integer || idle > (uint64_t)(now_ms - START_MS) / 1000) {
        fail_set_compare(len, "OBJECT IDLETIME: not an idle time this input can have");
    }
}

/* RANDOMKEY with live keys: one of them; the expired keys its draws deleted go from the
 * model too (only expired ones: any other difference shows in the key count). */
FUZZ_NO_COVERAGE static void check_random_key(size_t len) {
    size_t at = 0;
    resp_arg key;
    if (!parse_bulk(reply, len, &at, &key) || at != len) fail_set_compare(len, "not a key");
    kvm_entry *e = kvm_find_bytes(&model, key.ptr, key.len);
    if (e == NULL) fail_set_compare(len, "RANDOMKEY answered a key the model does not have");
    mirror_scan_deletions(NULL);
}

/* COMMAND LIST: bulks, each name once; FILTERBY MODULE lists nothing (no modules), PATTERN
 * only names it matches (case-insensitively: the names are lower case). */
FUZZ_NO_COVERAGE static void check_command_list(const op *o, size_t len) {
    if (len > 0 && reply[0] == '-') return; /* the syntax error: its form was checked */
    size_t at = 0;
    uint64_t n = 0;
    FUZZ_CHECK(parse_line_number(reply, len, &at, '*', &n), "COMMAND LIST: not an array");
    static resp_arg names[256];
    FUZZ_CHECK(n <= 256, "COMMAND LIST: %" PRIu64 " names", n);
    const resp_arg *pattern = NULL;
    bool module = o->argc == 5 && type_is(&o->argv[3], "module");
    if (o->argc == 5 && type_is(&o->argv[3], "pattern")) pattern = &o->argv[4];
    FUZZ_CHECK(!module || n == 0, "COMMAND LIST FILTERBY MODULE listed names");
    uint8_t lower[64];
    for (uint64_t k = 0; k < n; k++) {
        FUZZ_CHECK(parse_bulk(reply, len, &at, &names[k]), "COMMAND LIST: not a bulk");
        for (uint64_t j = 0; j < k; j++)
            FUZZ_CHECK(!same_bytes(&names[j], names[k].ptr, names[k].len), "a name listed twice");
        if (pattern == NULL) continue;
        size_t pn = pattern->len < sizeof lower ? pattern->len : sizeof lower;
        for (size_t i = 0; i < pn; i++)
            lower[i] = (uint8_t)(pattern->ptr[i] >= 'A' && pattern->ptr[i] <= 'Z'
                                     ? pattern->ptr[i] - 'A' + 'a' : pattern->ptr[i]);
        FUZZ_CHECK(kvm_glob(lower, pn, names[k].ptr, names[k].len),
                   "COMMAND LIST FILTERBY PATTERN listed a name it does not match");
    }
    FUZZ_CHECK(at == len, "COMMAND LIST: bytes after the names");
}

/* One command of a list-at-reply-limit operation, on both sides, compared byte for byte. */
FUZZ_NO_COVERAGE static void run_exact(const resp_arg *argv, uint32_t argc) {
    size_t len = kv_fuzz_engine_run(&fe, argv, argc, now_ms, reply, sizeof reply);
    kvm_execute(&model, argv, argc, now_ms);
    compare_reply(len);
    check_state();
}

/* RPUSH the planned elements, then LRANGE 0 -1 and LPOP count: replies of exactly
 * reply_size_max + delta bytes where the limits allow (a write, LPOP, and a read). */
FUZZ_NO_COVERAGE static void run_at_limit(const op *o) {
    at_limit_plan p = plan_at_limit(fe.engine.config, o->limit_delta);
    static resp_arg argv[2 + KVM_LIST_MAX];
    static char count_text[16];
    uint32_t argc = 0;
    argv[argc++] = text_arg("rpush");
    argv[argc++] = o->argv[1];
    if (filler[0] == 0) memset(filler, 'f', sizeof filler);
    for (uint32_t i = 0; i < p.count; i++)
        argv[argc++] = (resp_arg){.ptr = filler, .len = p.len + (i < p.longer ? 1u : 0u)};
    run_exact(argv, argc);
    resp_arg lrange[4] = {text_arg("lrange"), o->argv[1], text_arg("0"), text_arg("-1")};
    run_exact(lrange, 4);
    snprintf(count_text, sizeof count_text, "%u", p.count);
    resp_arg lpop[3] = {text_arg("lpop"), o->argv[1], text_arg(count_text)};
    run_exact(lpop, 3);
}

/* ---- requests at the protocol limits ---- */

#define PROTOCOL_REQUEST_MAX_BYTES (16 * 1024) /* a bulk of LCS's bulk_size_max, and more */
static uint8_t request[PROTOCOL_REQUEST_MAX_BYTES];

/* Appends "$<len>\r\n<bytes>\r\n" (bytes NULL: len 'v's). */
FUZZ_NO_COVERAGE static size_t put_bulk(size_t at, const void *bytes, size_t len) {
    at += (size_t)snprintf((char *)request + at, sizeof request - at, "$%zu\r\n", len);
    FUZZ_CHECK(at + len + 2 <= sizeof request, "request buffer too small");
    if (bytes != NULL) {
        memcpy(request + at, bytes, len);
    } else {
        memset(request + at, 'v', len);
    }
    memcpy(request + at + len, "\r\n", 2);
    return at + len + 2;
}

/* Builds the request; *over: the limit it passes (its measure is limit + delta). */
FUZZ_NO_COVERAGE static size_t build_request(const op *o, const kv_config *cfg, uint64_t *measure) {
    const resp_arg *key = &o->argv[1];
    size_t at = 0;
    if (o->protocol_form == 0) { /* RPUSH key x x ...: command_args_max + delta arguments */
        *measure = cfg->command_args_max + (uint64_t)(int64_t)o->limit_delta;
        at += (size_t)snprintf((char *)request, sizeof request, "*%" PRIu64 "\r\n", *measure);
        at = put_bulk(at, "rpush", 5);
        at = put_bulk(at, key->ptr, key->len);
        for (uint64_t k = 2; k < *measure; k++)
            at = put_bulk(at, "x", 1);
        return at;
    }
    if (o->protocol_form == 1) { /* SET key <bulk_size_max + delta bytes> */
        *measure = cfg->bulk_size_max + (uint64_t)(int64_t)o->limit_delta;
        at += (size_t)snprintf((char *)request, sizeof request, "*3\r\n");
        at = put_bulk(at, "set", 3);
        at = put_bulk(at, key->ptr, key->len);
        return put_bulk(at, NULL, *measure);
    }
    /* "set <key> vvv...\r\n": inline_size_max + delta bytes before the '\n' (the '\r'
     * counts: it is the line's until the parser strips it) */
    *measure = cfg->inline_size_max + (uint64_t)(int64_t)o->limit_delta;
    at = (size_t)snprintf((char *)request, sizeof request, "set %.*s ", (int)key->len,
                          (const char *)key->ptr);
    FUZZ_CHECK(*measure > at + 1 && *measure + 1 <= sizeof request,
               "inline line of %" PRIu64 " bytes", *measure);
    memset(request + at, 'v', *measure - 1 - at);
    memcpy(request + *measure - 1, "\r\n", 2);
    return *measure + 1;
}

/*
 * The request through the parser with the engine's limits: past its limit, Redis's
 * protocol error, exactly, and nothing runs; at or under it, one command with the
 * arguments built, run on both sides and compared.
 */
FUZZ_NO_COVERAGE static void run_protocol_limit(const op *o) {
    const kv_config *cfg = fe.engine.config;
    bool spaced = false;
    for (size_t k = 0; k < o->argv[1].len; k++)
        spaced = spaced || o->argv[1].ptr[k] <= ' ' || o->argv[1].ptr[k] == '"' ||
                 o->argv[1].ptr[k] == '\'';
    if (o->protocol_form == 2 && (spaced || o->argv[1].len == 0)) return; /* not one word */
    /* The other bulks must be within bulk_size_max, so that only the one limit is at stake. */
    if (o->protocol_form != 2 && (o->argv[1].len > cfg->bulk_size_max ||
                                  (o->protocol_form == 0 ? 5u : 3u) > cfg->bulk_size_max)) {
        return;
    }
    uint64_t measure = 0;
    size_t len = build_request(o, cfg, &measure);
    resp_limits limits = {.command_args_max = cfg->command_args_max,
                          .bulk_size_max = cfg->bulk_size_max,
                          .inline_size_max = cfg->inline_size_max,
                          .request_size_max = cfg->request_size_max};
    resp_parser p;
    resp_parser_init(&p, &limits);
    static resp_arg argv[OPS_ARGS_MAX];
    uint32_t argc = 0;
    size_t consumed = 0;
    resp_status st = resp_parse(&p, request, len, argv, OPS_ARGS_MAX, &argc, &consumed);
    if (o->limit_delta > 0) {
        static const char *const texts[] = {"-ERR Protocol error: invalid multibulk length\r\n",
                                            "-ERR Protocol error: invalid bulk length\r\n",
                                            "-ERR Protocol error: too big inline request\r\n"};
        FUZZ_CHECK(st == RESP_ERROR, "a request past its limit parsed (status %d)", (int)st);
        resp_writer w;
        resp_writer_init(&w, reply, sizeof reply);
        resp_write_protocol_error(&w, &p);
        const char *want = texts[o->protocol_form];
        kv_fuzz_compare_reply(reply, w.len, (const uint8_t *)want, strlen(want));
        return;
    }
    FUZZ_CHECK(st == RESP_COMMAND && consumed == len, "a request at its limit did not parse whole "
               "(status %d, error %d)", (int)st, (int)resp_parser_error(&p));
    FUZZ_CHECK(argc == (o->protocol_form == 0 ? measure : 3), "parsed %u arguments", argc);
    run_exact(argv, argc);
}

/* ---- transactions: the model's replies for MULTI/EXEC/DISCARD/WATCH/UNWATCH ----
 *
 * The model runs commands; this part keeps what Redis's multi.c keeps for the one
 * connection (cmd_multi.c's rules): while queueing, a command the model refuses (unknown,
 * arity, NOAUTH) answers its error and flags the transaction; once flagged, or once a
 * watched key changed, commands answer +QUEUED and are not stored; otherwise the limits,
 * in the engine's order (transaction_commands_max, then transaction_bytes_max on the
 * request's RESP bytes). EXEC: flagged (or a WATCH refused) -EXECABORT; a watched key
 * changed *-1; else the stored commands run in order, each in its share of reply_size_max
 * (kvm_execute_in). A watched key changes when the same connection's SET answers +OK or its
 * DEL answers :1 (the drawn writes are only these two, whose effect the reply shows).
 */

static op ops[OPS_MAX]; /* the input, decoded (decode_all) */

typedef struct txn_model {
    bool flagged;   /* DIRTY_EXEC */
    bool changed;   /* DIRTY_CAS */
    bool refused;   /* WATCH_REFUSED */
    uint32_t stored;
    uint64_t bytes;
    const op *queue[TXN_COMMANDS_MAX];
} txn_model;

static uint8_t expected[REPLY_CAPACITY_BYTES];
static size_t expected_len;

FUZZ_NO_COVERAGE static void expect_text(const char *text) {
    size_t n = strlen(text);
    FUZZ_CHECK(expected_len + n <= sizeof expected, "expected reply too long");
    memcpy(expected + expected_len, text, n);
    expected_len += n;
}

FUZZ_NO_COVERAGE static void expect_model_reply(void) {
    FUZZ_CHECK(model.reply_kind == KVM_REPLY_EXACT, "a queued command's reply is not exact");
    FUZZ_CHECK(expected_len + model.out_len <= sizeof expected, "expected reply too long");
    memcpy(expected + expected_len, model.out, model.out_len);
    expected_len += model.out_len;
}

/* Runs argv on the engine; its reply must be `expected`. */
FUZZ_NO_COVERAGE static void txn_send(const resp_arg *argv, uint32_t argc) {
    size_t len = kv_fuzz_engine_run(&fe, argv, argc, now_ms, reply, sizeof reply);
    kv_fuzz_compare_reply(reply, len, expected, expected_len);
    expected_len = 0;
    check_state();
    refresh_iteration();
}

FUZZ_NO_COVERAGE static void txn_word(const char *word, const char *answer) {
    resp_arg a = text_arg(word);
    expect_text(answer);
    txn_send(&a, 1);
}

/* The bytes transaction_bytes_max counts: the RESP multibulk request. */
FUZZ_NO_COVERAGE static uint64_t request_bytes(const op *o) {
    char text[32];
    uint64_t n = (uint64_t)snprintf(text, sizeof text, "*%u\r\n", o->argc);
    for (uint32_t i = 0; i < o->argc; i++)
        n += (uint64_t)snprintf(text, sizeof text, "$%zu\r\n", o->argv[i].len) + o->argv[i].len + 2;
    return n;
}

/* Whether an operation may be queued: a command the model answers byte for byte. */
FUZZ_NO_COVERAGE static bool queueable(const op *o) {
    static const char *const inexact[] = {"keys", "scan", "randomkey", "object", "quit"};
    if (o->kind != OP_COMMAND || !o->modelled || o->list_names) return false;
    for (size_t k = 0; k < sizeof inexact / sizeof inexact[0]; k++) {
        if (type_is(&o->argv[0], inexact[k])) return false;
    }
    return true;
}

FUZZ_NO_COVERAGE static void txn_queue(txn_model *t, const op *o) {
    char text[160];
    if (kvm_refuses(&model, o->argv, o->argc, now_ms)) {
        t->flagged = true;
        expect_model_reply();
    } else if (t->flagged || t->changed) {
        expect_text("+QUEUED\r\n");
    } else if (t->stored + 1 > TXN_COMMANDS_MAX || request_bytes(o) > TXN_BYTES_MAX - t->bytes) {
        bool count = t->stored + 1 > TXN_COMMANDS_MAX;
        snprintf(text, sizeof text, "-ERR transaction exceeds %s (%u %s)\r\n",
                 count ? "transaction_commands_max" : "transaction_bytes_max",
                 count ? TXN_COMMANDS_MAX : TXN_BYTES_MAX, count ? "commands" : "bytes");
        t->flagged = true;
        expect_text(text);
    } else {
        t->bytes += request_bytes(o);
        t->queue[t->stored++] = o;
        expect_text("+QUEUED\r\n");
    }
    txn_send(o->argv, o->argc);
}

/* EXEC's reply: each stored command in its share, keeping an error's room for the rest. */
FUZZ_NO_COVERAGE static void txn_exec(const txn_model *t) {
    char text[32];
    if (t->flagged || t->refused) {
        expect_text("-EXECABORT Transaction discarded because of previous errors.\r\n");
    } else if (t->changed) {
        expect_text("*-1\r\n");
    } else {
        snprintf(text, sizeof text, "*%u\r\n", t->stored);
        expect_text(text);
        uint64_t used = expected_len;
        uint64_t budget = fe.engine.config->reply_size_max; /* CONFIG SET may change it */
        for (uint32_t j = 0; j < t->stored; j++) {
            uint64_t keep = (uint64_t)(t->stored - j - 1) * KV_EXEC_ERROR_BYTES_MAX;
            uint64_t room = budget - used - keep;
            kvm_execute_in(&model, t->queue[j]->argv, t->queue[j]->argc, now_ms, room);
            used += model.out_len;
            expect_model_reply();
        }
    }
    txn_word("exec", "");
}

/* WATCH o's keys (all or none: watched_keys_max), then its write and UNWATCH. */
FUZZ_NO_COVERAGE static void txn_watch(txn_model *t, const op *o) {
    /* Keys are watched in order, each looked up first (WATCH deletes an expired one, as
     * EXISTS does in the model); past watched_keys_max none stays watched. */
    uint32_t watched = 0;
    for (uint32_t k = 1; k <= o->watch_keys && !t->refused; k++) {
        if (k == 2 && same_bytes(&o->argv[1], o->argv[2].ptr, o->argv[2].len)) continue;
        if (++watched > TXN_WATCHED_MAX) {
            t->refused = true;
            continue;
        }
        resp_arg exists[2] = {text_arg("exists"), o->argv[k]};
        kvm_execute(&model, exists, 2, now_ms);
    }
    expect_text(t->refused ? "-ERR WATCH exceeds watched_keys_max (1 keys)\r\n" : "+OK\r\n");
    txn_send(o->argv, o->argc);
    if (o->write_argc > 0) {
        kvm_execute(&model, o->write, o->write_argc, now_ms);
        bool wrote = (model.out_len == 5 && memcmp(model.out, "+OK\r\n", 5) == 0) ||
                     (model.out_len == 4 && memcmp(model.out, ":1\r\n", 4) == 0);
        for (uint32_t k = 1; k <= o->watch_keys && !t->refused; k++)
            t->changed = t->changed || (wrote && same_bytes(&o->write[1], o->argv[k].ptr,
                                                             o->argv[k].len));
        expect_model_reply();
        txn_send(o->write, o->write_argc);
    }
    if (o->unwatch) {
        *t = (txn_model){0};
        txn_word("unwatch", "+OK\r\n");
    }
}

/* ops[i] is OP_TXN: runs it with the operations it queues; returns how many it queued. */
FUZZ_NO_COVERAGE static int run_txn(int i, int count) {
    const op *o = &ops[i];
    static txn_model t;
    t = (txn_model){0};
    if (!model.authenticated) {
        txn_word("multi", "-NOAUTH Authentication required.\r\n");
        return 0;
    }
    if (o->watch_keys > 0) txn_watch(&t, o);
    txn_word("multi", "+OK\r\n");
    int n = 0;
    while (n < (int)o->txn_queued && i + 1 + n < count && queueable(&ops[i + 1 + n])) {
        fuzz_set_op((size_t)(i + 1 + n));
        txn_queue(&t, &ops[i + 1 + n]);
        n++;
    }
    fuzz_set_op((size_t)i); /* a failure of EXEC or DISCARD is the composite's */
    /* EXEC needs reply_size_max of room: the harness lends REPLY_CAPACITY_BYTES */
    if (o->txn_discard || fe.engine.config->reply_size_max > REPLY_CAPACITY_BYTES) {
        txn_word("discard", "+OK\r\n");
    } else {
        txn_exec(&t);
    }
    return n;
}

/* A transaction command where it is an error (cmd_multi.c's texts); the connection ends
 * out of MULTI. */
FUZZ_NO_COVERAGE static void run_txn_error(const op *o) {
    if (!model.authenticated) {
        txn_word("multi", "-NOAUTH Authentication required.\r\n");
        return;
    }
    if (o->protocol_form == 0) {
        txn_word("exec", "-ERR EXEC without MULTI\r\n");
    } else if (o->protocol_form == 1) {
        txn_word("discard", "-ERR DISCARD without MULTI\r\n");
    } else if (o->protocol_form == 2) {
        txn_word("multi", "+OK\r\n");
        txn_word("multi", "-ERR MULTI calls can not be nested\r\n");
        txn_word("discard", "+OK\r\n");
    } else {
        txn_word("multi", "+OK\r\n");
        resp_arg watch[2] = {text_arg("watch"), o->argv[1]};
        expect_text("-ERR WATCH inside MULTI is not allowed\r\n");
        txn_send(watch, 2);
        txn_word("exec", "*0\r\n");
    }
}

/* End of input: every model key exists in the engine with the same type, value, expiry. */
FUZZ_NO_COVERAGE static void compare_everything(void) {
    FUZZ_CHECK(kv_store_invariants_hold_full(&fe.engine.store),
               "kv_store_invariants_hold_full() is false");
    for (size_t i = 0; i < KVM_ENTRIES_MAX; i++) {
        const kvm_entry *e = &model.entries[i];
        if (!e->live) continue;
        /* No expiry may happen here: look at the records as they are. */
        uint32_t id = kv_store_find_quiet(&fe.engine.store, e->key.b, e->key.len, INT64_MIN);
        FUZZ_CHECK(id != KV_RECORD_NONE, "a model key is missing from the engine");
        const kv_record *r = kv_store_record(&fe.engine.store, id);
        FUZZ_CHECK(r->expire_at_ms == e->expire_at_ms, "expiry: engine %" PRId64 ", model %" PRId64,
                   r->expire_at_ms, e->expire_at_ms);
        FUZZ_CHECK(r->type == (e->type == KVM_STRING ? KV_TYPE_STRING : KV_TYPE_LIST),
                   "type differs");
        if (e->type == KVM_STRING) {
            FUZZ_CHECK(r->value_len == e->str.len &&
                           chunk_equals(&fe.engine.store.chunks, r->value, 0, e->str.b, e->str.len),
                       "string value differs");
            continue;
        }
        FUZZ_CHECK(r->value_len == e->list_len, "list length differs");
        uint32_t el = r->value;
        for (uint32_t k = 0; k < e->list_len; k++) {
            FUZZ_CHECK(kv_store_element_equals(&fe.engine.store, el, e->list[k].b, e->list[k].len),
                       "list element %u differs", k);
            el = kv_store_element_next(&fe.engine.store, el);
        }
    }
}

/*
 * LCS needs room to be seen working: an input that draws it gets a proto-max-bulk-len
 * (bulk_size_max) that only a table of two values of value_size_max v passes, and an
 * lcs_cells_max of k * k - 1 cells with k = v/2 + 1, so that a table exactly at the limit
 * ((k - 1)(k + 1): values of k - 2 and k bytes) and one past it (k * k: two of k - 1) can
 * both be drawn. Inputs that do not draw LCS keep the configuration their header says
 * (their meaning does not change).
 */
FUZZ_NO_COVERAGE static void lcs_limits(kv_config *config) {
    uint64_t v = config->value_size_max;
    uint64_t bulk = 4 * ((v + 1) * (v + 1) - 1);
    uint64_t floor = config->key_size_max > v ? config->key_size_max : v;
    uint64_t k = v / 2 + 1;
    config->bulk_size_max = bulk > floor ? bulk : floor;
    config->lcs_cells_max = k * k > 1 ? k * k - 1 : 1;
}

FUZZ_NO_COVERAGE static bool draws_lcs(int count) {
    for (int i = 0; i < count; i++) {
        if (ops[i].kind == OP_COMMAND && ops[i].argv[0].len == 3 &&
            memcmp(ops[i].argv[0].ptr, "lcs", 3) == 0) {
            return true;
        }
    }
    return false;
}

/* The names a grammar draws besides the operation names: containers' subcommands. */
static const char *const drawn_subcommands[] = {
    "config|get", "config|set", "config|resetstat", "config|help", "command|count",
    "command|docs", "command|info", "command|list", "command|getkeys", "command|help",
    "object|encoding", "object|freq", "object|help", "object|idletime", "object|refcount",
    "function|flush", "exec", "discard", "unwatch", /* run_txn, run_txn_error */
};

FUZZ_NO_COVERAGE static bool drawn(const char *name) {
    const char *const *lists[] = {operations, more_operations, drawn_subcommands};
    size_t counts[] = {sizeof operations / sizeof operations[0],
                       sizeof more_operations / sizeof more_operations[0],
                       sizeof drawn_subcommands / sizeof drawn_subcommands[0]};
    for (size_t l = 0; l < 3; l++) {
        for (size_t i = 0; i < counts[l]; i++) {
            if (lists[l][i] != NULL && strcmp(lists[l][i], name) == 0) return true;
        }
    }
    return false;
}

/*
 * Every command and subcommand the server offers is drawn by some grammar here: checked
 * once, on the first input, so that every replay of kv_ops's corpus (a CTest test) fails
 * the day the server offers a command kv_ops does not draw.
 */
FUZZ_NO_COVERAGE static void check_every_command_drawn(void) {
    static bool checked;
    if (checked) return;
    for (size_t f = 0; kv_families[f] != NULL; f++) {
        for (size_t i = 0; i < kv_families[f]->count; i++) {
            const kv_command *cmd = &kv_families[f]->commands[i];
            FUZZ_CHECK(drawn(cmd->name), "the server offers '%s', which kv_ops never draws: give "
                       "it a grammar (an id appended to operations or more_operations)", cmd->name);
            for (size_t k = 0; k < cmd->subcommand_count; k++) {
                FUZZ_CHECK(drawn(cmd->subcommands[k].name), "the server offers '%s', which "
                           "kv_ops never draws", cmd->subcommands[k].name);
            }
        }
    }
    checked = true;
}

/* Decodes the whole input first: an input that names an unassigned id is refused (-1)
 * before anything runs. Returns the operation count, or -1. */
FUZZ_NO_COVERAGE static int decode_all(cursor *c, const kv_config *config) {
    int n = 0;
    for (; !cursor_empty(c); n++) {
        if (n == OPS_MAX) return -1; /* longer than any input the options allow */
        decode_op(c, config, &ops[n]);
        if (c->refused) return -1;
    }
    return n;
}

/* KV_OPS_REFUSALS=1 in the environment: at exit, how many inputs ran and how many were
 * refused (an unassigned id), for measuring how much of the fuzzer's time is useful. */
static uint64_t inputs_seen, inputs_refused;
static int run_checked(const uint8_t *data, size_t size);

FUZZ_NO_COVERAGE static void print_refusals(void) {
    fprintf(stderr, "kv_ops: %" PRIu64 " inputs, %" PRIu64 " refused\n", inputs_seen,
            inputs_refused);
}

FUZZ_NO_COVERAGE static void count_input(bool refused) {
    if (inputs_seen++ == 0 && getenv("KV_OPS_REFUSALS") != NULL) atexit(print_refusals);
    inputs_refused += refused;
}

static int run_input(const uint8_t *data, size_t size) {
    int result = run_checked(data, size);
    count_input(result < 0);
    return result;
}

FUZZ_NO_COVERAGE static int run_checked(const uint8_t *data, size_t size) {
    cursor c = cursor_make(data, size);
    header h = decode_header(&c);
    static kv_config config;
    config = h.config;
    cursor ops_start = c;
    int count = c.refused ? -1 : decode_all(&c, &config);
    if (count < 0) return -1;
    if (draws_lcs(count)) { /* again, with LCS's limits: CONFIG SET's values follow them */
        lcs_limits(&config);
        c = ops_start;
        count = decode_all(&c, &config);
    }
    check_every_command_drawn();
    kv_fuzz_engine_open(&fe, &config, (uint32_t)h.chunks);
    kvm_init(&model, &config, h.chunks);
    now_ms = START_MS;
    iter.active = false;
    for (int i = 0; i < count; i++) {
        fuzz_set_op((size_t)i);
        const op *o = &ops[i];
        if (o->kind == OP_CLOCK) {
            now_ms += o->clock_step_ms;
        } else if (o->kind == OP_EXPIRE_CYCLE) {
            kv_engine_expire_cycle(&fe.engine, now_ms, table_slots(&fe.engine.store.index));
            kvm_expire_all(&model, now_ms);
        } else if (o->kind == OP_SCAN_STEPS) {
            run_scan_steps(o);
        } else if (o->kind == OP_AT_LIMIT) {
            run_at_limit(o);
        } else if (o->kind == OP_PROTOCOL) {
            run_protocol_limit(o);
        } else if (o->kind == OP_TXN) {
            i += run_txn(i, count);
        } else if (o->kind == OP_TXN_ERROR) {
            run_txn_error(o);
        } else {
            run_command(o);
        }
        check_state();
        refresh_iteration();
    }
    /* An iteration still running is finished, so every input checks its completeness. */
    fuzz_set_op((size_t)count);
    while (iter.active) {
        scan_step();
        check_state();
    }
    compare_everything();
    return 0;
}

const fuzz_target_info fuzz_target = {
    .name = "kv_ops", .format_version = 1, .run = run_input, .describe = describe};
