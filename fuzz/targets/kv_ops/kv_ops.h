#ifndef STASIS_FUZZ_KV_OPS_H
#define STASIS_FUZZ_KV_OPS_H

/*
 * kv_ops's pieces (fuzz/targets/fuzz_kv_ops.c and this folder): the decoded operation,
 * the shared run state, and what each file offers the others.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "alloc/reservation.h"
#include "drivers/fuzz_target.h"
#include "harness/choice.h"
#include "harness/cursor.h"
#include "harness/kv_fuzz_engine.h"
#include "kv/command.h"
#include "kv/engine.h"
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

/* The transactions' small limits (kv_ops's header does not draw them). */
#define TXN_COMMANDS_MAX 4
#define TXN_BYTES_MAX    160 /* filler arguments pass it */
#define TXN_WATCHED_MAX  1   /* WATCH of two keys passes it */

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
    uint8_t grammar; /* OP_COMMAND: 0, or 1 + the grammar (grammar_of) that reads its arguments */
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

/* ---- replies read back (sets.c) ---- */

#define REPLY_ITEMS_MAX 64

typedef struct bulk_list {
    uint32_t n;
    resp_arg items[REPLY_ITEMS_MAX];
} bulk_list;

typedef struct scan_reply {
    uint64_t cursor;
    bulk_list keys;
} scan_reply;

/* ---- what each file offers the others ---- */

/* commands.c */
FUZZ_NO_COVERAGE void run_command(const op *o);
FUZZ_NO_COVERAGE void compare_everything(void);

/* decode.c */
extern uint8_t filler[FILLER_BYTES_MAX];
extern const choice_table key_table, word_table;
FUZZ_NO_COVERAGE uint32_t choice_folded(cursor *c, const choice_table *t, uint32_t distinct);
FUZZ_NO_COVERAGE resp_arg decode_arg(cursor *c, const kv_config *config);
FUZZ_NO_COVERAGE void decode_op(cursor *c, const kv_config *config, op *o);
FUZZ_NO_COVERAGE header decode_header(cursor *c);
FUZZ_NO_COVERAGE void check_every_command_drawn(void);
FUZZ_NO_COVERAGE int decode_all(cursor *c, const kv_config *config);

/* describe.c */
FUZZ_NO_COVERAGE at_limit_plan plan_at_limit(const kv_config *config, int32_t delta);
FUZZ_NO_COVERAGE void describe(const uint8_t *data, size_t size, FILE *out);

/* grammars.c */
extern const char *const protocol_forms[8];
extern const char *const txn_error_forms[4];
#define GRAMMAR_COMMON 0 /* grammar_of's answer for a name without its own grammar */
FUZZ_NO_COVERAGE resp_arg decode_float(cursor *c);
FUZZ_NO_COVERAGE uint8_t grammar_of(const char *name);
FUZZ_NO_COVERAGE void decode_grammar(cursor *c, const kv_config *config, op *o, uint8_t grammar);

/* limits.c */
FUZZ_NO_COVERAGE void run_at_limit(const op *o);
FUZZ_NO_COVERAGE void run_protocol_limit(const op *o);

/* sets.c */
FUZZ_NO_COVERAGE bool parse_line_number(const uint8_t *r, size_t len, size_t *at, char prefix,
                                        uint64_t *v);
FUZZ_NO_COVERAGE bool parse_bulk(const uint8_t *r, size_t len, size_t *at, resp_arg *out);
FUZZ_NO_COVERAGE bool same_bytes(const resp_arg *a, const uint8_t *b, size_t n);
FUZZ_NO_COVERAGE _Noreturn void fail_set_compare(size_t len, const char *why);
FUZZ_NO_COVERAGE void compare_keys_reply(size_t len);
FUZZ_NO_COVERAGE bool compare_scan_reply(size_t len, uint64_t cursor_sent, scan_reply *got);
FUZZ_NO_COVERAGE const resp_arg *scan_pattern(const resp_arg *argv, uint32_t argc);
FUZZ_NO_COVERAGE void mirror_scan_deletions(const resp_arg *pattern);
FUZZ_NO_COVERAGE bool type_is(const resp_arg *type, const char *name);
FUZZ_NO_COVERAGE void refresh_iteration(void);
FUZZ_NO_COVERAGE void scan_step(void);
FUZZ_NO_COVERAGE void run_scan_steps(const op *o);
FUZZ_NO_COVERAGE void scan_iteration_forget(void);
FUZZ_NO_COVERAGE void scan_iteration_complete(void);

/* txn.c */
FUZZ_NO_COVERAGE int run_txn(int i, int count);
FUZZ_NO_COVERAGE void run_txn_error(const op *o);

/* fuzz_kv_ops.c: the run's state */
extern kv_fuzz_engine fe;
extern uint8_t reply[REPLY_CAPACITY_BYTES];
extern kv_model model;
extern int64_t now_ms;
extern op ops[OPS_MAX];
FUZZ_NO_COVERAGE size_t run_engine(const op *o);
FUZZ_NO_COVERAGE void compare_reply(size_t len);
FUZZ_NO_COVERAGE void check_state(void);
FUZZ_NO_COVERAGE void lcs_limits(kv_config *config);

/* The length is counted here, not by strlen: under ASan every strlen call checks its region,
 * and the decoder makes an argument of a table's name for almost every byte it reads. */
FUZZ_NO_COVERAGE static inline resp_arg text_arg(const char *s) {
    size_t n = 0;
    while (s[n] != '\0') n++;
    return (resp_arg){.ptr = (const uint8_t *)s, .len = n};
}

FUZZ_NO_COVERAGE static inline resp_arg refused_arg(void) { return text_arg("<refused>"); }

#endif
