/*
 * kv_ops: the input format's tables and the decoder of the common grammar (the header, the
 * operations of ids below 116, their arguments, KEYS and SCAN forms); the grammars of ids
 * 116 on are grammars.c's. Also the check that every command the server offers is drawn.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "targets/kv_ops/kv_ops.h"

/*
 * ---- the input format (version 2) ----
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
 *    (version 2: more_operations 14 and 23, "more2", read an id of newer_operations,
 *    space 8) COMMAND GETKEYSANDFLAGS as COMMAND GETKEYS;
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
    /* 13 */ "incrbyfloat", "more2", "bitpos", "object", "config-set", "randomkey",
    /* 19 */ "command-getkeys", "pexpireat", "lcs", "incrbyfloat", "more2", "protocol-limit",
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
/* The third table (version 2), named by more_operations' "more2" ids: new commands are
 * appended here, ids 1..6, without a new format version; its last id, 7, is kept for a
 * fourth table when those are taken. Its unassigned ids refuse (1 draw in 4,700). */
static const char *const newer_operations[] = {
    /* 0 */ "command-getkeysandflags",
};
#define newer_operation_table CHOICE_TABLE(newer_operations, 8)
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
const choice_table key_table = CHOICE_TABLE_INIT(key_names, 16);

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
const choice_table word_table = CHOICE_TABLE_INIT(words, 64);

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
FUZZ_NO_COVERAGE uint32_t choice_folded(cursor *c, const choice_table *t, uint32_t distinct) {
    uint32_t id = choice_read(c, t);
    ST_ASSERT(distinct >= 1 && distinct <= t->count);
    return id == CHOICE_REFUSED ? id : id % distinct;
}

/* Filler arguments point into this: bytes no key or value in the tables equals. */
uint8_t filler[FILLER_BYTES_MAX];

/* A filler of a length that makes ECHO's reply ("$<len>\r\n<len bytes>\r\n", 9 bytes of
 * framing at these lengths) land from 8 bytes under reply_size_max to 7 past it. */
FUZZ_NO_COVERAGE static resp_arg filler_arg(cursor *c, const kv_config *config) {
    uint64_t limit = config->reply_size_max < FILLER_BYTES_MAX ? config->reply_size_max : 1024;
    uint64_t len = limit - 9 - 8 + cursor_range(c, 0, 15);
    ST_ASSERT(len <= FILLER_BYTES_MAX);
    if (filler[0] == 0) memset(filler, 'f', sizeof filler);
    return (resp_arg){.ptr = filler, .len = (size_t)len};
}

FUZZ_NO_COVERAGE resp_arg decode_arg(cursor *c, const kv_config *config) {
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
FUZZ_NO_COVERAGE static void decode_scan_steps(cursor *c, op *o) {
    *o = (op){.kind = OP_SCAN_STEPS, .argc = 2};
    o->argv[0] = text_arg("scan");
    o->scan_steps = cursor_range(c, 1, 4);
    o->scan_restart = cursor_bool(c);
    if (cursor_bool(c)) {
        o->argv[o->argc++] = text_arg("match");
        o->argv[o->argc++] = decode_pattern(c);
    }
    uint32_t k = choice_read(c, &scan_count_table);
    if (k != CHOICE_REFUSED && k != SCAN_COUNT_ID_NONE) {
        o->argv[o->argc++] = text_arg("COUNT");
        o->argv[o->argc++] = text_arg(scan_counts[k]);
    }
    uint32_t t = choice_read(c, &scan_type_table);
    if (t != CHOICE_REFUSED && t != SCAN_TYPE_ID_NONE) {
        o->argv[o->argc++] = text_arg("type");
        o->argv[o->argc++] = text_arg(scan_types[t]);
    }
}

FUZZ_NO_COVERAGE static bool is_unmodelled(const char *name) {
    for (size_t i = 0; i < sizeof unmodelled / sizeof unmodelled[0]; i++) {
        if (strcmp(unmodelled[i], name) == 0) return true;
    }
    return false;
}

/* What each table entry's name implies, worked out once rather than by comparing names on
 * every draw: 1 + its grammar (grammar_of; 0 for ids below OP_ID_GRAMMARS, which read the
 * common grammar here), and whether the model predicts its reply. */
static uint8_t operation_grammar[128], more_grammar[64], newer_grammar[8];
#define MORE2 UINT8_MAX /* more_grammar's mark of "more2": an id of newer_operations follows */
static bool operation_modelled[128];
static bool tables_indexed;

FUZZ_NO_COVERAGE static void index_tables(void) {
    for (uint32_t id = 0; id < operation_table.count; id++) {
        operation_modelled[id] = !is_unmodelled(operations[id]);
        if (id >= OP_ID_GRAMMARS) operation_grammar[id] = 1 + grammar_of(operations[id]);
    }
    for (uint32_t id = 0; id < more_operation_table.count; id++) {
        if (more_operations[id] == NULL) continue;
        bool more2 = strcmp(more_operations[id], "more2") == 0;
        more_grammar[id] = more2 ? MORE2 : 1 + grammar_of(more_operations[id]);
    }
    for (uint32_t id = 0; id < newer_operation_table.count; id++)
        newer_grammar[id] = 1 + grammar_of(newer_operations[id]);
    tables_indexed = true;
}

/* The name of an id of more_operations, or of newer_operations after its "more2", and its
 * grammar; NULL (the cursor refused) for an unassigned id. */
FUZZ_NO_COVERAGE static const char *more_read(cursor *c, uint8_t *grammar) {
    uint32_t id = choice_read(c, &more_operation_table);
    if (id == CHOICE_REFUSED) return NULL;
    if (more_operations[id] == NULL) { /* a gap before the last entries: unassigned */
        c->refused = true;
        c->refused_id = id;
        return NULL;
    }
    if (more_grammar[id] != MORE2) {
        *grammar = more_grammar[id];
        return more_operations[id];
    }
    id = choice_read(c, &newer_operation_table);
    if (id == CHOICE_REFUSED) return NULL;
    *grammar = newer_grammar[id];
    return newer_operations[id];
}

/* One operation into *o; with the cursor refused, it is never run. */
FUZZ_NO_COVERAGE static void decode_basic(cursor *c, const kv_config *config, op *o) {
    *o = (op){.kind = OP_COMMAND, .modelled = true, .argc = 1};
    uint32_t id = choice_read(c, &operation_table);
    if (id == CHOICE_REFUSED) {
        o->argv[0] = refused_arg();
        return;
    }
    if (id == OP_ID_CLOCK || id == OP_ID_EXPIRE) {
        o->kind = id == OP_ID_CLOCK ? OP_CLOCK : OP_EXPIRE_CYCLE;
        o->clock_step_ms = (int64_t)cursor_range(c, 0, 20000);
        return;
    }
    if (id >= OP_ID_GRAMMARS) {
        /* its grammar is decode_grammar's; "more" names it from the second table */
        uint8_t grammar = operation_grammar[id];
        const char *name = id == OP_ID_MORE ? more_read(c, &grammar) : operations[id];
        o->grammar = grammar;
        o->argv[0] = name == NULL ? refused_arg() : text_arg(name);
        return;
    }
    o->argv[0] = text_arg(operations[id]);
    o->modelled = operation_modelled[id];
    if (id == OP_ID_KEYS && choice_folded(c, &keys_form_table, 2) == 1) {
        o->argc = 2;
        o->argv[1] = decode_pattern(c);
        return;
    }
    if (id == OP_ID_SCAN && choice_folded(c, &scan_form_table, 2) == 1) {
        decode_scan_steps(c, o);
        return;
    }
    if (id == OP_ID_AT_LIMIT) {
        o->kind = OP_AT_LIMIT;
        uint32_t key = choice_read(c, &key_table);
        o->argv[1] = key == CHOICE_REFUSED ? refused_arg() : text_arg(key_names[key]);
        o->limit_delta = (int32_t)cursor_range(c, 0, 15) - 8;
        return;
    }
    o->argc = 1 + cursor_range(c, 0, OPS_ARGS_MAX - 1);
    for (uint32_t i = 1; i < o->argc; i++)
        o->argv[i] = decode_arg(c, config);
}

/* One operation, into *o (its arguments may point into it: CONFIG SET's values). */
FUZZ_NO_COVERAGE void decode_op(cursor *c, const kv_config *config, op *o) {
    if (!tables_indexed) index_tables();
    decode_basic(c, config, o);
    if (o->grammar != 0 && !c->refused) decode_grammar(c, config, o, (uint8_t)(o->grammar - 1));
}

/* A limit's value: the default, or (form "small") one read in [lo, hi]. */
FUZZ_NO_COVERAGE static bool decode_small_limit(cursor *c, uint64_t *limit, uint32_t lo,
                                                uint32_t hi) {
    if (choice_folded(c, &limit_form_table, 2) != 1) return false;
    *limit = cursor_range(c, lo, hi);
    return true;
}

FUZZ_NO_COVERAGE header decode_header(cursor *c) {
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

/* The names a grammar draws besides the operation names: containers' subcommands. */
static const char *const drawn_subcommands[] = {
    "config|get", "config|set", "config|resetstat", "config|help", "command|count",
    "command|docs", "command|info", "command|list", "command|getkeys", "command|help",
    "command|getkeysandflags",
    "object|encoding", "object|freq", "object|help", "object|idletime", "object|refcount",
    "function|flush", "exec", "discard", "unwatch", /* run_txn, run_txn_error */
};

FUZZ_NO_COVERAGE static bool drawn(const char *name) {
    const char *const *lists[] = {operations, more_operations, newer_operations,
                                  drawn_subcommands};
    size_t counts[] = {sizeof operations / sizeof operations[0],
                       sizeof more_operations / sizeof more_operations[0],
                       sizeof newer_operations / sizeof newer_operations[0],
                       sizeof drawn_subcommands / sizeof drawn_subcommands[0]};
    for (size_t l = 0; l < 4; l++) {
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
FUZZ_NO_COVERAGE void check_every_command_drawn(void) {
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
FUZZ_NO_COVERAGE int decode_all(cursor *c, const kv_config *config) {
    int n = 0;
    for (; !cursor_empty(c); n++) {
        if (n == OPS_MAX) return -1; /* longer than any input the options allow */
        decode_op(c, config, &ops[n]);
        if (c->refused) return -1;
    }
    return n;
}
