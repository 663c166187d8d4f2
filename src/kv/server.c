/*
 * The event loop: wait for completions, hand each to its handler, serve the connections
 * that became ready, and on a 100 ms tick run the timers (idle clients, large-buffer holds,
 * blocked clients' timeouts, active expiry, a paused accept). Single-threaded; every kernel
 * operation goes through the I/O interface (io.h).
 */
#include <errno.h>

#include "alloc/stasis_assert.h"
#include "kv/server_internal.h"

uint64_t kv_server_tag(const kv_server *s, kv_io_op op, const kv_connection *c) {
    if (c == NULL) return kv_io_tag_make(op, KV_IO_INDEX_LISTENER, 0);
    return kv_io_tag_make(op, kv_conn_index(s, c), c->generation);
}

/* The loop's only clock is the backend's: simulated time drives every deadline. */
static void read_clocks(kv_server *s) {
    s->mono_ms = s->io.backend->now_ms(s->io.self, KV_IO_CLOCK_MONOTONIC);
    s->real_ms = s->io.backend->now_ms(s->io.self, KV_IO_CLOCK_REALTIME);
}

void kv_server_attach(kv_server *s, kv_io io, int listen_fd, const kv_server_hooks *hooks) {
    ST_ASSERT(io.backend != NULL && io.backend->now_ms != NULL);
    ST_ASSERT(hooks != NULL);
    s->io = io;
    s->listen_fd = listen_fd;
    s->hooks = hooks;
}

/* ---- accept ---- */

static void arm_accept(kv_server *s) {
    ST_ASSERT(!s->accept_armed);
    s->accept_armed = true;
    s->accept_paused = false;
    s->io.backend->accept(s->io.self, s->listen_fd, kv_server_tag(s, KV_IO_ACCEPT, NULL));
}

/* Out of descriptors or kernel memory: accepting again at once would fail again at once,
 * so it waits for the next tick; the clients meanwhile wait in the listen backlog. */
static bool accept_should_pause(int err) {
    return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

static void on_accept(kv_server *s, const kv_io_completion *done) {
    if (done->result >= 0) {
        kv_conn_accepted(s, done->result);
    } else if (!s->stopping) {
        s->info.accept_errors++;
        if (accept_should_pause(-done->result)) s->accept_paused = true;
    }
    if (done->more) return;
    s->accept_armed = false; /* the multishot accept ended: arm it again */
    if (!s->accept_paused && !s->stopping) arm_accept(s);
}

/* ---- the tick ---- */

static void arm_tick(kv_server *s) {
    s->io.backend->timeout(s->io.self, KV_SERVER_TICK_MS, kv_server_tag(s, KV_IO_TIMEOUT, NULL));
}

static void on_tick(kv_server *s) {
    kv_conn_check_idle(s);
    kv_large_check_holds(s);
    kv_block_check_timeouts(s, false);
    (void)kv_engine_expire_cycle(&s->engine, s->real_ms, KV_SERVER_EXPIRE_SLOTS_PER_TICK);
    if (s->accept_paused && !s->accept_armed && !s->stopping) arm_accept(s);
    arm_tick(s);
}

/* ---- completions ---- */

static void on_connection(kv_server *s, kv_io_tag tag, int32_t result) {
    kv_connection *c = kv_conn_at(s, tag.index);
    /* A slot is reused only after every operation on it completed: no stale completions. */
    ST_ASSERT(c->generation == tag.generation);
    ST_ASSERT(c->state != KV_CONN_FREE);
    switch (tag.op) {
    case KV_IO_RECV: kv_conn_on_recv(s, c, result); return;
    case KV_IO_SEND: kv_conn_on_send(s, c, result); return;
    case KV_IO_CLOSE: kv_conn_on_close(s, c, result); return;
    case KV_IO_POLL: kv_conn_on_poll(s, c, result); return;
    case KV_IO_ACCEPT:
    case KV_IO_TIMEOUT: break;
    }
    ST_ASSERT(false);
}

static void dispatch(kv_server *s, const kv_io_completion *done) {
    kv_io_tag tag = kv_io_tag_read(done->tag);
    switch (tag.op) {
    case KV_IO_ACCEPT: on_accept(s, done); return;
    case KV_IO_TIMEOUT:
        if (tag.index == KV_IO_INDEX_BLOCK_TIMER) {
            kv_block_check_timeouts(s, true);
        } else {
            on_tick(s);
        }
        return;
    case KV_IO_CLOSE:
        if (tag.index == KV_IO_INDEX_LISTENER) {
            s->listener_closed = true;
            return;
        }
        break;
    case KV_IO_RECV:
    case KV_IO_SEND:
    case KV_IO_POLL: break;
    }
    on_connection(s, tag, done->result);
}

/* ---- stopping ---- */

static void begin_stop(kv_server *s) {
    s->stopping = true;
    s->stop_deadline_ms = s->mono_ms + KV_SERVER_SHUTDOWN_MS_MAX;
    s->io.backend->close(s->io.self, s->listen_fd, kv_server_tag(s, KV_IO_CLOSE, NULL));
    kv_conn_close_all(s);
}

static bool stopped(const kv_server *s) {
    bool quiet = s->listener_closed && !s->accept_armed && s->slots_in_use == 0;
    return quiet || s->mono_ms > s->stop_deadline_ms;
}

/* ---- the loop ---- */

size_t kv_server_turn(kv_server *s) {
    /* Connections left with commands to serve (fairness) must not wait for an event. */
    bool block = s->ready.count == 0;
    size_t n =
        s->io.backend->wait(s->io.self, s->completions, KV_SERVER_COMPLETIONS_PER_WAIT, block);
    read_clocks(s);
    for (size_t i = 0; i < n; i++) {
        dispatch(s, &s->completions[i]);
        if (s->hooks->after_completion != NULL) s->hooks->after_completion(s->hooks->context, s);
#ifndef NDEBUG
        ST_ASSERT(kv_server_invariants_hold(s));
#endif
    }
    kv_conn_serve_ready(s);
    if (s->hooks->allocation_calls != NULL) {
        s->info.allocation_calls_after_seal = s->hooks->allocation_calls();
    }
    return n;
}

void kv_server_loop_begin(kv_server *s) {
    read_clocks(s);
    s->info.started_ms = s->real_ms;
    s->holds_checked_ms = s->mono_ms;
    arm_accept(s);
    arm_tick(s);
}

bool kv_server_loop_step(kv_server *s, bool stop) {
    kv_server_turn(s);
    if (stop && !s->stopping) begin_stop(s);
    return !(s->stopping && stopped(s));
}

void kv_server_loop(kv_server *s, volatile const int *stop_signal) {
    kv_server_loop_begin(s);
    /* The event loop: the one loop that does not end, until a signal asks it to. */
    while (kv_server_loop_step(s, *stop_signal != 0)) {
    }
}
