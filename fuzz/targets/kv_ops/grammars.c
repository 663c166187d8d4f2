/*
 * kv_ops: the grammars of operation ids 116 on and of the second table (more_operations):
 * INCRBYFLOAT, BITPOS, LCS, RANDOMKEY, OBJECT, FUNCTION, CONFIG SET, COMMAND GETKEYS and
 * LIST, requests at the protocol limits, transactions and the blocking pops.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "targets/kv_ops/kv_ops.h"

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
const char *const protocol_forms[8] = {"arguments", "bulk", "inline", "arguments",
                                             "bulk",      "bulk", "arguments", "bulk"};
#define protocol_form_table CHOICE_TABLE(protocol_forms, 8)

/* A float from the table, or (its last entry) a few raw bytes. */
FUZZ_NO_COVERAGE resp_arg decode_float(cursor *c) {
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

FUZZ_NO_COVERAGE static void words_from(cursor *c, op *o, const choice_table *t, uint32_t n) {
    for (uint32_t k = 0; k < n && o->argc < OPS_ARGS_MAX; k++) {
        uint32_t id = choice_read(c, t);
        o->argv[o->argc++] = id == CHOICE_REFUSED ? refused_arg() : text_arg(t->names[id]);
    }
}

FUZZ_NO_COVERAGE static void key_arg(cursor *c, op *o) { words_from(c, o, &key_table, 1); }

FUZZ_NO_COVERAGE static void g_incrbyfloat(cursor *c, op *o, const kv_config *config) {
    (void)config;
    key_arg(c, o);
    o->argv[o->argc++] = decode_float(c);
}

/* BITPOS key bit [start [end [BYTE|BIT]]], or one argument too many. */
FUZZ_NO_COVERAGE static void g_bitpos(cursor *c, op *o, const kv_config *config) {
    (void)config;
    key_arg(c, o);
    words_from(c, o, &bitpos_arg_table, 1 + cursor_range(c, 0, 4));
}

FUZZ_NO_COVERAGE static void g_lcs(cursor *c, op *o, const kv_config *config) {
    (void)config;
    key_arg(c, o);
    key_arg(c, o);
    words_from(c, o, &lcs_word_table, cursor_range(c, 0, 4));
}

/* RANDOMKEY, rarely with a (refused) argument. */
FUZZ_NO_COVERAGE static void g_randomkey(cursor *c, op *o, const kv_config *config) {
    (void)config;
    if (cursor_range(c, 0, 7) == 7) key_arg(c, o);
}

/* OBJECT subcommand and 0, 1 (mostly) or 2 keys. */
FUZZ_NO_COVERAGE static void g_object(cursor *c, op *o, const kv_config *config) {
    (void)config;
    static const uint8_t keys[] = {0, 1, 1, 2};
    words_from(c, o, &object_word_table, 1);
    for (uint32_t k = keys[cursor_range(c, 0, 3)]; k > 0; k--)
        key_arg(c, o);
}

FUZZ_NO_COVERAGE static void g_function(cursor *c, op *o, const kv_config *config) {
    (void)config;
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

/* COMMAND GETKEYS or (subcommand "getkeysandflags", whose key flags no model states: held
 * to the protocol and the invariants) GETKEYSANDFLAGS, with a name and 0..4 arguments. */
FUZZ_NO_COVERAGE static void g_command_getkeys(cursor *c, op *o, const kv_config *config,
                                               const char *subcommand) {
    o->argv[0] = text_arg("command");
    o->argv[o->argc++] = text_arg(subcommand);
    o->modelled = strcmp(subcommand, "getkeys") == 0;
    words_from(c, o, &getkeys_name_table, 1);
    for (uint32_t k = cursor_range(c, 0, 4); k > 0; k--)
        o->argv[o->argc++] = decode_arg(c, config);
}

/* COMMAND LIST [FILTERBY MODULE x | ACLCAT category | PATTERN pattern], or junk. */
FUZZ_NO_COVERAGE static void g_command_list(cursor *c, op *o, const kv_config *config) {
    (void)config;
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
FUZZ_NO_COVERAGE static void g_protocol_limit(cursor *c, op *o, const kv_config *config) {
    (void)config;
    o->kind = OP_PROTOCOL;
    o->protocol_form = choice_folded(c, &protocol_form_table, 3);
    key_arg(c, o);
    o->limit_delta = (int32_t)cursor_range(c, 0, 2) - 1;
}

const char *const txn_error_forms[4] = {"EXEC without MULTI", "DISCARD without MULTI",
                                              "MULTI nested", "WATCH inside MULTI"};

/* MULTI, 0..TXN_COMMANDS_MAX + 1 of the next operations queued, EXEC (or DISCARD, 1 in 4). */
FUZZ_NO_COVERAGE static void g_multi(cursor *c, op *o, const kv_config *config) {
    (void)config;
    o->kind = OP_TXN;
    o->txn_queued = cursor_range(c, 0, TXN_COMMANDS_MAX + 1);
    o->txn_discard = cursor_range(c, 0, 3) == 3;
}

/* WATCH 1..2 keys; no write, SET or DEL of the first or another key; UNWATCH (1 in 4);
 * then MULTI, 0..2 queued operations, EXEC (or DISCARD, 1 in 4). */
FUZZ_NO_COVERAGE static void g_watch(cursor *c, op *o, const kv_config *config) {
    (void)config;
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

FUZZ_NO_COVERAGE static void g_txn_errors(cursor *c, op *o, const kv_config *config) {
    (void)config;
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
FUZZ_NO_COVERAGE static void g_bpop(cursor *c, op *o, const kv_config *config) {
    (void)config;
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
FUZZ_NO_COVERAGE static void g_blmpop(cursor *c, op *o, const kv_config *config) {
    (void)config;
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

/* ---- dispatch by name ---- */

FUZZ_NO_COVERAGE static void g_getkeys(cursor *c, op *o, const kv_config *config) {
    g_command_getkeys(c, o, config, "getkeys");
}
FUZZ_NO_COVERAGE static void g_getkeysandflags(cursor *c, op *o, const kv_config *config) {
    g_command_getkeys(c, o, config, "getkeysandflags");
}
FUZZ_NO_COVERAGE static void g_blmove(cursor *c, op *o, const kv_config *config) {
    (void)config;
    g_bmove(c, o, true);
}
FUZZ_NO_COVERAGE static void g_brpoplpush(cursor *c, op *o, const kv_config *config) {
    (void)config;
    g_bmove(c, o, false);
}
/* The common grammar: 0..15 arguments of decode_arg (PEXPIREAT, and the common commands
 * repeated in more_operations). */
FUZZ_NO_COVERAGE static void g_common(cursor *c, op *o, const kv_config *config) {
    o->argc = 1 + cursor_range(c, 0, OPS_ARGS_MAX - 1);
    for (uint32_t i = 1; i < o->argc; i++)
        o->argv[i] = decode_arg(c, config);
}

/* The grammars of the operations that have their own, by their names in the tables. */
typedef void (*grammar_fn)(cursor *c, op *o, const kv_config *config);
static const struct {
    const char *name;
    grammar_fn read;
} grammars[] = {
    [GRAMMAR_COMMON] = {"(the common grammar)", g_common},
    {"incrbyfloat", g_incrbyfloat},
    {"bitpos", g_bitpos},
    {"lcs", g_lcs},
    {"randomkey", g_randomkey},
    {"object", g_object},
    {"function", g_function},
    {"config-set", g_config_set},
    {"command-getkeys", g_getkeys},
    {"command-getkeysandflags", g_getkeysandflags},
    {"command-list", g_command_list},
    {"protocol-limit", g_protocol_limit},
    {"multi", g_multi},
    {"watch", g_watch},
    {"txn-errors", g_txn_errors},
    {"blpop", g_bpop},
    {"brpop", g_bpop},
    {"blmove", g_blmove},
    {"brpoplpush", g_brpoplpush},
    {"blmpop", g_blmpop},
};
_Static_assert(sizeof grammars / sizeof grammars[0] <= UINT8_MAX, "a grammar index is a byte");

/* Looked up once per table entry (decode.c keeps the index), not per draw: comparing names
 * on every draw cost a tenth of an execution under ASan and libFuzzer's strcmp hooks. */
FUZZ_NO_COVERAGE uint8_t grammar_of(const char *name) {
    for (size_t i = 1; i < sizeof grammars / sizeof grammars[0]; i++) {
        if (strcmp(grammars[i].name, name) == 0) return (uint8_t)i;
    }
    return GRAMMAR_COMMON;
}

/* The arguments of an operation of id OP_ID_GRAMMARS on (or of the second and third
 * tables): the grammar grammar_of found for its name. */
FUZZ_NO_COVERAGE void decode_grammar(cursor *c, const kv_config *config, op *o, uint8_t grammar) {
    ST_ASSERT(grammar < sizeof grammars / sizeof grammars[0]);
    grammars[grammar].read(c, o, config);
}
