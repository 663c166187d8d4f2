#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "targets/kv_ops/kv_ops.h"

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
FUZZ_NO_COVERAGE int run_txn(int i, int count) {
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
FUZZ_NO_COVERAGE void run_txn_error(const op *o) {
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

