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
 *
 * The pieces, in fuzz/targets/kv_ops/ (kv_ops.h says what each offers the others):
 * decode.c (the format's tables, the header and the common grammar), grammars.c (ids 116
 * on and the second table), describe.c, commands.c (one command, its reply compared by its
 * kind; the end-of-input comparison), sets.c (KEYS and SCAN), limits.c (replies at
 * reply_size_max, requests at the protocol limits), txn.c (transactions). This file: the
 * run's state and the run.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "targets/kv_ops/kv_ops.h"

/* ---- the run ---- */

#define LCS_SCRATCH_MAX_BYTES (16 * 1024) /* (KVM_BYTES_MAX + 1)^2 cells of 5 bytes */
#define TXN_MEMORY_MAX_BYTES  (512 * 1024) /* connections_max (default) x the small limits */
kv_fuzz_engine fe = {.map_bytes = STORE_MEMORY_MAX_BYTES + LCS_SCRATCH_MAX_BYTES +
                                         TXN_MEMORY_MAX_BYTES + 6 * 64,
                            .txn_max_bytes = TXN_MEMORY_MAX_BYTES,
                            .lcs_scratch_max_bytes = LCS_SCRATCH_MAX_BYTES};
uint8_t reply[REPLY_CAPACITY_BYTES];
kv_model model;
int64_t now_ms;

/* Runs one command on the engine as the server would; returns the reply length. */
FUZZ_NO_COVERAGE size_t run_engine(const op *o) {
    return kv_fuzz_engine_run(&fe, o->argv, o->argc, now_ms, reply, sizeof reply);
}

FUZZ_NO_COVERAGE void compare_reply(size_t len) {
    kv_fuzz_compare_reply(reply, len, model.out, model.out_len);
}

FUZZ_NO_COVERAGE void check_state(void) {
    FUZZ_CHECK(kv_engine_invariants_hold(&fe.engine), "kv_engine_invariants_hold() is false");
    FUZZ_CHECK(fe.engine.store.keys == kvm_live_keys(&model),
               "keys: engine %" PRIu64 ", model %" PRIu64, fe.engine.store.keys,
               kvm_live_keys(&model));
    uint64_t used = chunk_store_used(&fe.engine.store.chunks);
    FUZZ_CHECK(used == kvm_chunks_used(&model), "chunks used: engine %" PRIu64 ", model %" PRIu64,
               used, kvm_chunks_used(&model));
}

op ops[OPS_MAX]; /* the input, decoded (decode_all) */

/*
 * LCS needs room to be seen working: an input that draws it gets a proto-max-bulk-len
 * (bulk_size_max) that only a table of two values of value_size_max v passes, and an
 * lcs_cells_max of k * k - 1 cells with k = v/2 + 1, so that a table exactly at the limit
 * ((k - 1)(k + 1): values of k - 2 and k bytes) and one past it (k * k: two of k - 1) can
 * both be drawn. Inputs that do not draw LCS keep the configuration their header says
 * (their meaning does not change).
 */
FUZZ_NO_COVERAGE void lcs_limits(kv_config *config) {
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
    scan_iteration_forget();
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
    scan_iteration_complete();
    compare_everything();
    return 0;
}

const fuzz_target_info fuzz_target = {
    .name = "kv_ops", .format_version = 2, .run = run_input, .describe = describe};
