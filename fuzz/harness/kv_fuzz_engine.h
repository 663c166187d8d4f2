#ifndef STASIS_FUZZ_KV_FUZZ_ENGINE_H
#define STASIS_FUZZ_KV_FUZZ_ENGINE_H

/*
 * The KV engine as the KV fuzz targets open it for each input: one reservation mapped on
 * the first input and reset for every later one (carving re-poisons only what the last
 * input used, so the reset costs what that input touched), the store carved from it, the
 * engine initialized over the store with a fixed hash key, and one session opened; then
 * every command run as the server runs it (kv_fuzz_engine_run) and its reply compared with
 * a model's (kv_fuzz_compare_reply).
 *
 * Header-only on purpose: each target links its own core (a canary build links a planted
 * one), and a static inline function binds to the engine of the binary it is compiled into.
 */

#include <string.h>

#include "alloc/reservation.h"
#include "drivers/fuzz_target.h"
#include "harness/resp_reply_check.h"
#include "kv/engine.h"

typedef struct kv_fuzz_engine {
    reservation res;
    bool mapped;
    size_t map_bytes; /* the largest store any input may ask for, and LCS's scratch */
    size_t lcs_scratch_max_bytes; /* an LCS scratch larger is not given (every LCS is refused) */
    /* transaction regions larger than this (kv_txn_layout_for) are not given: MULTI and
     * WATCH then answer that no memory was given for them (0: a target without them) */
    size_t txn_max_bytes;
    kv_engine engine;
    kv_session session;
    char session_name[64];
    bool blocked; /* the last command run was a blocking pop that found nothing (below) */
} kv_fuzz_engine;

/* The transaction regions, carved as the server carves them, if they fit txn_max_bytes. */
static inline void kv_fuzz_give_transactions(kv_fuzz_engine *f, const kv_config *config) {
    kv_txn_layout l = kv_txn_layout_for(config);
    if (l.overflow || l.state_bytes + l.queue_bytes + l.watch_bytes + l.index_bytes +
                              l.argv_bytes > f->txn_max_bytes) {
        return;
    }
    kv_txn_memory m = {.state = reservation_carve(&f->res, l.state_bytes, 64),
                       .queues = reservation_carve(&f->res, l.queue_bytes, 64),
                       .watches = reservation_carve(&f->res, l.watch_bytes, 64),
                       .index = reservation_carve(&f->res, l.index_bytes, 64),
                       .argv = reservation_carve(&f->res, l.argv_bytes, 64)};
    FUZZ_CHECK(m.state != NULL && m.queues != NULL && m.watches != NULL && m.index != NULL &&
                   m.argv != NULL,
               "the transaction regions do not fit the reservation");
    kv_engine_give_transactions(&f->engine, m);
}

static inline void kv_fuzz_engine_open(kv_fuzz_engine *f, const kv_config *config,
                                       uint32_t chunk_count) {
    kv_store_params p = {.keys_max = config->keys_max,
                         .chunk_count = chunk_count,
                         .chunk_size = (uint32_t)config->chunk_size};
    size_t store_bytes = kv_store_memory_bytes(p);
    if (!f->mapped) {
        FUZZ_CHECK(reservation_map(&f->res, f->map_bytes, 0) == 0, "cannot map %zu bytes",
                   f->map_bytes);
        f->mapped = true;
    }
    reservation_reset_for_testing(&f->res);
    void *store_memory = reservation_carve(&f->res, store_bytes, 64);
    FUZZ_CHECK(store_memory != NULL, "the store needs %zu bytes", store_bytes);
    kv_engine_init(&f->engine, config, store_memory, store_bytes, chunk_count,
                   (siphash_key){.k0 = 0x0123456789abcdefu, .k1 = 0xfedcba9876543210u});
    /* LCS's scratch, as the server gives it: lcs_cells_max cells (targets keep it small). */
    size_t lcs_bytes = (size_t)kv_engine_lcs_scratch_bytes(config);
    if (lcs_bytes <= f->lcs_scratch_max_bytes) {
        void *lcs_memory = reservation_carve(&f->res, lcs_bytes, 64);
        FUZZ_CHECK(lcs_memory != NULL, "LCS's scratch needs %zu bytes", lcs_bytes);
        kv_engine_give_lcs_scratch(&f->engine, lcs_memory, lcs_bytes);
    }
    kv_fuzz_give_transactions(f, config);
    kv_engine_open_session(&f->engine, &f->session, f->session_name);
}

/*
 * The room a retry gets: reply_size_max, the least the engine's contract lets a caller lend
 * (engine.h). The server lends a large buffer of max(request_size_max, reply_size_max)
 * (kv/layout.c), and in that room the engine today serves replies past reply_size_max that
 * it does not size in advance (ECHO, COMMAND DOCS: its overflow check only fires when the
 * reply overflows the room): with the server's room, kv_ops fails at once on that open bug.
 */
static inline size_t kv_fuzz_large_room(const kv_config *config) {
    return (size_t)config->reply_size_max;
}

/* Fails, printing the reply, unless it is exactly one complete RESP2 value. */
FUZZ_NO_COVERAGE static inline void kv_fuzz_check_reply_form(const uint8_t *reply, size_t len) {
    resp_reply_verdict v = resp_reply_check(reply, len);
    if (v.ok) return;
    fprintf(stderr, "reply: ");
    fuzz_print_escaped(stderr, reply, len, 600);
    fprintf(stderr, "\n");
    FUZZ_CHECK(v.ok, "the engine's reply is not one complete RESP2 value: %s at byte %zu", v.why,
               v.at);
}

/*
 * KV_EXEC_BLOCKED: a blocking pop found nothing and asks the server to wait. No server loop
 * runs here, so the command ends there: checks that it wrote nothing, grew nothing (its
 * lookups may delete expired keys, as every lookup does: the target's model says which) and
 * names the keys it waits on, then clears the request (f->blocked says it blocked).
 */
FUZZ_NO_COVERAGE static inline size_t kv_fuzz_engine_blocked(kv_fuzz_engine *f, size_t written,
                                                             uint64_t chunks_before,
                                                             uint64_t keys_before) {
    FUZZ_CHECK(written == 0, "KV_EXEC_BLOCKED left %zu bytes in the writer", written);
    FUZZ_CHECK(chunk_store_used(&f->engine.store.chunks) <= chunks_before &&
                   f->engine.store.keys <= keys_before,
               "KV_EXEC_BLOCKED grew the store");
    FUZZ_CHECK(f->session.block.key_bits != 0 && f->session.block.timeout_ms >= 0,
               "KV_EXEC_BLOCKED without keys to wait on or with a negative timeout");
    f->session.block = (kv_block_request){0};
    f->blocked = true;
    return 0;
}

/*
 * Runs one command as the server does: in the least room a command may assume first, then,
 * when the engine asks for room, in a large buffer's. Checks that asking for room changed
 * nothing and wrote nothing, that the engine never asks twice, that the reply is one
 * complete RESP2 value and no longer than reply_size_max. Returns the reply's length (0,
 * and f->blocked, for a blocking pop that blocked: kv_fuzz_engine_blocked).
 */
FUZZ_NO_COVERAGE static inline size_t kv_fuzz_engine_run(kv_fuzz_engine *f, const resp_arg *argv,
                                                         uint32_t argc, int64_t now_ms,
                                                         uint8_t *reply, size_t reply_capacity) {
    size_t room = KV_REPLY_ROOM_MIN_BYTES;
    f->blocked = false;
    for (int attempt = 0; attempt < 2; attempt++) {
        FUZZ_CHECK(room <= reply_capacity, "the harness has %zu bytes for a reply, not %zu",
                   reply_capacity, room);
        resp_writer w;
        resp_writer_init(&w, reply, room);
        uint64_t chunks_before = chunk_store_used(&f->engine.store.chunks);
        uint64_t keys_before = f->engine.store.keys;
        kv_exec r = kv_engine_execute(&f->engine, &f->session, argv, argc, now_ms, &w);
        if (r == KV_EXEC_DONE) {
            kv_fuzz_check_reply_form(reply, w.len);
            FUZZ_CHECK(w.len <= f->engine.config->reply_size_max,
                       "a reply of %zu bytes passed reply_size_max (%llu bytes)", w.len,
                       (unsigned long long)f->engine.config->reply_size_max);
            return w.len;
        }
        if (r == KV_EXEC_BLOCKED)
            return kv_fuzz_engine_blocked(f, w.len, chunks_before, keys_before);
        FUZZ_CHECK(w.len == 0, "NEEDS_ROOM left %zu bytes in the writer", w.len);
        FUZZ_CHECK(chunk_store_used(&f->engine.store.chunks) == chunks_before &&
                       f->engine.store.keys == keys_before,
                   "NEEDS_ROOM changed the store");
        room = kv_fuzz_large_room(f->engine.config);
    }
    FUZZ_CHECK(false, "the engine asked for room twice");
    return 0;
}

/* Fails, printing both, unless the engine's reply and the model's are the same bytes. */
FUZZ_NO_COVERAGE static inline void kv_fuzz_compare_reply(const uint8_t *engine, size_t engine_len,
                                                          const uint8_t *model, size_t model_len) {
    if (engine_len == model_len && memcmp(engine, model, engine_len) == 0) return;
    fuzz_print_replies(engine, engine_len, model, model_len);
    FUZZ_CHECK(false, "the engine's reply differs from the model's (both above)");
}

#endif
