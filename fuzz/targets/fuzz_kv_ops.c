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
#include "models/kv_model.h"

#define OPS_ARGS_MAX           16
#define OPS_MAX                256 /* an input decodes to at most this many operations */
#define ARG_BYTES_MAX          64
#define FILLER_BYTES_MAX       2048
#define START_MS               INT64_C(1700000000000)
#define STORE_MEMORY_MAX_BYTES (1024 * 1024)
#define REPLY_CAPACITY_BYTES   (128 * 1024)

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
 *    (plan_at_limit), then those two commands.
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
};
#define OP_ID_AT_LIMIT 59
#define OP_ID_CLOCK  50
#define OP_ID_EXPIRE 51
#define OP_ID_KEYS   21
#define OP_ID_SCAN   22
#define operation_table CHOICE_TABLE(operations, 128)

/* Commands whose replies no model predicts (they describe the server, not the data):
 * held to the protocol and the invariants only. */
static const char *const unmodelled[] = {"info", "config", "command"};

static const char *const policies[] = {"guaranteed", "shared"};
#define policy_table CHOICE_TABLE(policies, 4)
static const char *const chunk_sizes[] = {"16", "32", "64"};
#define chunk_size_table CHOICE_TABLE(chunk_sizes, 8)
static const char *const limit_forms[] = {"default", "small"};
#define limit_form_table CHOICE_TABLE(limit_forms, 4)
static const char *const list_length_forms[] = {"as drawn", "the model's longest"};
#define list_length_form_table CHOICE_TABLE(list_length_forms, 4)
static const char *const passwords[] = {"none", "s3cret"};
#define password_table CHOICE_TABLE(passwords, 4)

/* Weighted by repetition: keys about three in eight, raw bytes two. */
static const char *const arg_kinds[] = {"key",  "key",         "key",    "bytes",   "bytes",
                                        "integer", "word",     "short bytes", "filler", "key",
                                        "key",  "bytes",       "integer", "word"};
/* What each arg_kinds id decodes as (the first id of its name). */
static const uint8_t arg_kind_of_id[] = {0, 0, 0, 3, 3, 5, 6, 7, 8, 0, 0, 3, 5, 6};
_Static_assert(sizeof arg_kind_of_id == sizeof arg_kinds / sizeof arg_kinds[0],
               "one kind per argument kind id");
#define arg_kind_table CHOICE_TABLE(arg_kinds, 16)

static const char *const key_names[] = {
    "k0", "k1", "k2", "k3", "k4", "k5", "", "key:with:colons", "a-key-longer-than-most-limits-xx",
    "k0", "k1", "k2", "k3", "k0", /* again: fewer unassigned ids */
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
};
#define word_table CHOICE_TABLE(words, 64)

static const char *const integers[] = {
    "0",  "1",   "-1",   "2",
    "3",  "5",   "-2",   "10",
    "100", "-100", "9223372036854775807", "-9223372036854775808",
    "9223372036854775808", "+1", "01", " 1",
    "1.5", "", "-0",
    "0", "1", "2", "3", "5", "10", "-1", "100", "1", /* again: fewer unassigned ids */
};
#define integer_table CHOICE_TABLE(integers, 32)

/* Glob patterns for KEYS and SCAN MATCH, over the key names above (Redis's keyspace.tcl
 * patterns among them); the last entry reads raw bytes. */
static const char *const patterns[] = {
    "*",           "k*",     "k?",         "k[0-2]", "k[^0-2]",  "*:*",  "",     "**",
    "?",           "*[0-9]", "key:with:*", "a-*",    "*x",       "k\\1", "[k]*", "*-*-*",
    "[a-z]*[0-9]", "[^k]*",  "\\*",        "k[",     "*longer*", "?*",   "*?",   "[k-a]?",
    "raw bytes",
};
#define PATTERN_ID_RAW 24
#define pattern_table CHOICE_TABLE(patterns, 32)

static const char *const keys_forms[] = {"grammar", "pattern"};
#define keys_form_table CHOICE_TABLE(keys_forms, 4)
static const char *const scan_forms[] = {"grammar", "steps"};
#define scan_form_table CHOICE_TABLE(scan_forms, 4)

static const char *const scan_counts[] = {"1", "2", "3", "5", "10", "100", "1000", "none"};
#define SCAN_COUNT_ID_NONE 7
#define scan_count_table CHOICE_TABLE(scan_counts, 16)

static const char *const scan_types[] = {"string", "list", "none", "LIST", "hash", "no TYPE"};
#define SCAN_TYPE_ID_NONE 5
#define scan_type_table CHOICE_TABLE(scan_types, 16)

typedef struct op {
    enum { OP_COMMAND, OP_CLOCK, OP_EXPIRE_CYCLE, OP_SCAN_STEPS, OP_AT_LIMIT } kind;
    bool modelled; /* OP_COMMAND: the model predicts the reply's bytes */
    uint32_t argc;
    resp_arg argv[OPS_ARGS_MAX]; /* OP_SCAN_STEPS: "scan", a cursor slot, the options */
    int64_t clock_step_ms;
    uint32_t scan_steps; /* OP_SCAN_STEPS: SCAN calls to make */
    bool scan_restart;   /* OP_SCAN_STEPS: start a new iteration even if one is running */
    int32_t limit_delta; /* OP_AT_LIMIT: the replies' size minus reply_size_max */
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

/* One operation; with the cursor refused, what it returns is never run. */
FUZZ_NO_COVERAGE static op decode_op(cursor *c, const kv_config *config) {
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
    o.argv[0] = text_arg(operations[id]);
    o.modelled = !is_unmodelled(operations[id]);
    if (id == OP_ID_KEYS && choice_read(c, &keys_form_table) == 1) {
        o.argc = 2;
        o.argv[1] = decode_pattern(c);
        return o;
    }
    if (id == OP_ID_SCAN && choice_read(c, &scan_form_table) == 1) return decode_scan_steps(c);
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

/* A limit's value: the default, or (form "small") one read in [lo, hi]. */
FUZZ_NO_COVERAGE static bool decode_small_limit(cursor *c, uint64_t *limit, uint32_t lo,
                                                uint32_t hi) {
    if (choice_read(c, &limit_form_table) != 1) return false;
    *limit = cursor_range(c, lo, hi);
    return true;
}

FUZZ_NO_COVERAGE static header decode_header(cursor *c) {
    header h = {0};
    kv_config_defaults(&h.config);
    h.config.capacity_policy =
        choice_read(c, &policy_table) == 1 ? KV_POLICY_SHARED : KV_POLICY_GUARANTEED;
    h.config.keys_max = cursor_range(c, 1, 12);
    h.config.key_size_max = cursor_range(c, 1, 20);
    h.config.value_size_max = cursor_range(c, 1, KVM_BYTES_MAX);
    h.config.list_length_max = cursor_range(c, 1, KVM_LIST_MAX);
    uint32_t budget_chunks = cursor_range(c, 1, 400);
    uint32_t chunk_id = choice_read(c, &chunk_size_table);
    h.config.chunk_size = chunk_id == CHOICE_REFUSED ? 16 : 16u << chunk_id;
    h.config.data_budget_bytes = h.config.chunk_size * budget_chunks;
    h.config.command_args_max = OPS_ARGS_MAX;
    uint64_t reply_limit = 0;
    h.small_reply_limit = decode_small_limit(c, &reply_limit, 0, 511);
    if (h.small_reply_limit) h.config.reply_size_max = 1024 + reply_limit;
    h.small_name_limit = decode_small_limit(c, &h.config.client_name_size_max, 1, 16);
    if (choice_read(c, &password_table) == 1) strcpy(h.config.requirepass, "s3cret");
    h.long_lists = choice_read(c, &list_length_form_table) == 1;
    if (h.long_lists) h.config.list_length_max = KVM_LIST_MAX;
    char error[256];
    bool ok = kv_config_finalize(&h.config, error, sizeof error);
    FUZZ_CHECK(ok, "fuzz configuration rejected: %s", error);
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

FUZZ_NO_COVERAGE static void describe_op(size_t i, const op *o, const kv_config *config,
                                         FILE *out) {
    if (o->kind == OP_AT_LIMIT) {
        at_limit_plan p = plan_at_limit(config, o->limit_delta);
        fprintf(out, "#%zu at reply_size_max %+d: RPUSH ", i, (int)o->limit_delta);
        fuzz_print_escaped(out, o->argv[1].ptr, o->argv[1].len, 80);
        fprintf(out, " <%u elements of %u bytes, %u of %u>, LRANGE 0 -1, LPOP %u\n",
                p.count - p.longer, p.len, p.longer, p.len + 1, p.count);
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

FUZZ_NO_COVERAGE static void describe(const uint8_t *data, size_t size, FILE *out) {
    cursor c = cursor_make(data, size);
    header h = decode_header(&c);
    describe_header(&h, out);
    for (size_t i = 0; !cursor_empty(&c) && !c.refused; i++) {
        op o = decode_op(&c, &h.config);
        if (c.refused) {
            fprintf(out, "#%zu refused: unassigned id %u (the input is never run)\n", i,
                    c.refused_id);
            break;
        }
        describe_op(i, &o, &h.config, out);
    }
}

/* ---- the run ---- */

static kv_fuzz_engine fe = {.map_bytes = STORE_MEMORY_MAX_BYTES};
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

/* A command: KEYS and SCAN replies compared as sets, every other reply byte for byte. */
FUZZ_NO_COVERAGE static void run_command(const op *o) {
    size_t len = run_engine(o);
    if (!o->modelled) return; /* its form was checked; check_state follows */
    kvm_execute(&model, o->argv, o->argc, now_ms);
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

static op ops[OPS_MAX];

/* Decodes the whole input first: an input that names an unassigned id is refused (-1)
 * before anything runs. Returns the operation count, or -1. */
FUZZ_NO_COVERAGE static int decode_all(cursor *c, const kv_config *config) {
    int n = 0;
    for (; !cursor_empty(c); n++) {
        if (n == OPS_MAX) return -1; /* longer than any input the options allow */
        ops[n] = decode_op(c, config);
        if (c->refused) return -1;
    }
    return n;
}

static int run_input(const uint8_t *data, size_t size) {
    cursor c = cursor_make(data, size);
    header h = decode_header(&c);
    static kv_config config;
    config = h.config;
    int count = c.refused ? -1 : decode_all(&c, &config);
    if (count < 0) return -1;
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
