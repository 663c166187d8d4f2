/*
 * The large buffers: large_buffers_max buffers of layout.large_buffer_bytes (the largest
 * request or reply), lent to one connection at a time, for receiving one big request or
 * sending big replies. When none can be lent the connection waits in FIFO order (it is not
 * served nor read from meanwhile; its reset is seen by a poll): backpressure, not failure.
 * For a big request it joins the queue only once its own receive buffer is full
 * (server_conn.c): a client that stops sending before then takes nobody's place.
 *
 * Deadlock. One command may need two (a big request whose reply is big too, e.g. ECHO of a
 * large value). If every buffer were lent to connections each waiting for a second one,
 * none could progress. So a first loan never takes the last free buffer: a connection
 * that holds none waits while fewer than two are free, and connections waiting for a second
 * are served before those waiting for a first. A holder then always progresses, at the rate
 * rule's pace (falls_behind): one that falls behind it (a slow-loris request, a client that
 * does not read its big reply) is disconnected and counted in large_buffer_timeouts.
 */
#include <stddef.h>

#include "alloc/stasis_assert.h"
#include "alloc/no_coverage.h"
#include "kv/server_internal.h"

#define LINK_WAIT offsetof(kv_connection, next_waiting)

void kv_large_init(kv_server *s) {
    uint32_t n = (uint32_t)s->config->large_buffers_max;
    ST_ASSERT(n >= 2);
    ST_ASSERT(n <= KV_LARGE_BUFFERS_LIMIT);
    s->large_free_count = 0;
    for (uint32_t b = n; b-- > 0;) {
        s->large_free[s->large_free_count++] = b; /* buffer 0 on top */
        s->large_owner[b] = KV_CONN_NONE;
    }
    kv_queue_init(&s->wait_first);
    kv_queue_init(&s->wait_second);
    s->info.large_buffers_in_use = 0;
}

ST_NO_COVERAGE uint8_t *kv_large_at(const kv_server *s, uint32_t b) { /* alloc/no_coverage.h */
    ST_ASSERT(b < s->config->large_buffers_max);
    return s->large_buffers + (uint64_t)b * s->layout.large_buffer_bytes;
}

static bool holds_one(const kv_connection *c) {
    return c->large_recv != KV_LARGE_NONE || c->large_send != KV_LARGE_NONE;
}

static void lend(kv_server *s, kv_connection *c, kv_large_role role) {
    ST_ASSERT(s->large_free_count > 0);
    uint32_t b = s->large_free[--s->large_free_count];
    ST_ASSERT(s->large_owner[b] == KV_CONN_NONE);
    s->large_owner[b] = kv_conn_index(s, c);
    s->info.large_buffers_in_use++;
    kv_conn_lend(s, c, role, b);
}

/* Whether c may be lent a buffer now: never ahead of someone already waiting with the
 * same or a higher priority. */
static bool may_lend(const kv_server *s, const kv_connection *c) {
    if (s->wait_second.count > 0) return false;
    if (holds_one(c)) return s->large_free_count >= 1;
    return s->wait_first.count == 0 && s->large_free_count >= 2;
}

bool kv_large_try_acquire(kv_server *s, kv_connection *c, kv_large_role role) {
    ST_ASSERT((c->flags & KV_CONN_WAITING) == 0);
    ST_ASSERT(c->state == KV_CONN_OPEN);
    if (!may_lend(s, c)) return false;
    lend(s, c, role);
    return true;
}

bool kv_large_acquire(kv_server *s, kv_connection *c, kv_large_role role) {
    if (kv_large_try_acquire(s, c, role)) return true;
    bool second = holds_one(c);
    c->flags |= KV_CONN_WAITING | (second ? KV_CONN_WAIT_SECOND : 0u);
    c->wait_role = (uint8_t)role;
    kv_queue_push(s, second ? &s->wait_second : &s->wait_first, c, LINK_WAIT);
    s->info.large_buffer_waits++;
    kv_conn_watch_hangup(s, c);
    return false;
}

int64_t kv_large_slack_bytes(const kv_server *s) {
    uint64_t ticks = s->config->large_buffer_rate_min_bytes_per_s * 2 * KV_SERVER_TICK_MS / 1000;
    uint64_t small = s->config->connection_buffer_size;
    return (int64_t)(ticks < small ? ticks : small);
}

bool kv_large_wanted(const kv_server *s) { return s->wait_first.count + s->wait_second.count > 0; }

/* Lends free buffers to waiters, second loans first, in FIFO order. */
static void grant(kv_server *s) {
    for (;;) {
        kv_conn_queue *q = NULL;
        if (s->wait_second.count > 0 && s->large_free_count >= 1) {
            q = &s->wait_second;
        } else if (s->wait_first.count > 0 && s->large_free_count >= 2) {
            q = &s->wait_first;
        } else {
            return;
        }
        kv_connection *c = kv_queue_pop(s, q, LINK_WAIT);
        ST_ASSERT(c != NULL);
        ST_ASSERT((c->flags & KV_CONN_WAITING) != 0);
        c->flags &= ~(uint32_t)(KV_CONN_WAITING | KV_CONN_WAIT_SECOND);
        lend(s, c, (kv_large_role)c->wait_role);
        kv_conn_ready(s, c);
    }
}

void kv_large_give_back(kv_server *s, uint32_t b) {
    ST_ASSERT(b < s->config->large_buffers_max);
    ST_ASSERT(s->large_owner[b] != KV_CONN_NONE);
    ST_ASSERT(s->large_free_count < s->config->large_buffers_max);
    s->large_owner[b] = KV_CONN_NONE;
    s->large_free[s->large_free_count++] = b;
    ST_ASSERT(s->info.large_buffers_in_use > 0);
    s->info.large_buffers_in_use--;
    grant(s);
}

void kv_large_forget(kv_server *s, kv_connection *c) {
    ST_ASSERT((c->flags & KV_CONN_WAITING) != 0);
    bool second = (c->flags & KV_CONN_WAIT_SECOND) != 0;
    kv_queue_remove(s, second ? &s->wait_second : &s->wait_first, c, LINK_WAIT);
    c->flags &= ~(uint32_t)(KV_CONN_WAITING | KV_CONN_WAIT_SECOND);
}

/* Whether the server is waiting on c's client while c holds a large buffer: a receive into
 * its large receive buffer, or any send (a holder paused because it does not read its
 * replies keeps its receive buffer), in flight. Time the server spends elsewhere (c waits
 * for a buffer, for its turn) is not c's. */
static bool waits_on_client(const kv_connection *c) {
    return (c->large_recv != KV_LARGE_NONE && (c->flags & KV_CONN_RECV_PENDING) != 0) ||
           (c->flags & KV_CONN_SEND_PENDING) != 0;
}

/* The rate rule: while the server waits on it, a holder owes
 * large_buffer_rate_min_bytes_per_s since its loan; bytes it moves pay it back (the slack
 * is kv_conn_lend's and large_progress's). A client at that rate or faster is never
 * behind; a silent or trickling one is cut off after its slack / rate seconds. Also cut: no
 * progress at all for large_buffer_hold_ms_max while receiving, or while sending when
 * others wait for a buffer (a reader's kernel may wake its sends in chunks, so a send
 * without progress is judged only when the buffer is wanted). */
static bool falls_behind(kv_server *s, kv_connection *c, int64_t elapsed_ms) {
#if defined(STASIS_CANARY_HOLD_FROM_LOAN_SENDER) || defined(STASIS_CANARY_HOLD_FROM_LOAN_READER)
    /* the old rule (issue 11, bugs 2 and 3): counted from the loan, for one role */
#ifdef STASIS_CANARY_HOLD_FROM_LOAN_SENDER
    bool old_rule = c->large_recv != KV_LARGE_NONE;
#else
    bool old_rule = c->large_send != KV_LARGE_NONE;
#endif
    if (old_rule && s->mono_ms - c->large_loan_ms > (int64_t)s->config->large_buffer_hold_ms_max) {
        return true;
    }
#endif
    if (!waits_on_client(c)) return false;
#ifdef STASIS_CANARY_NO_RATE_RULE
    /* issue 11, bug 1: a trickler that never stops holds its buffer while others wait */
    (void)elapsed_ms;
    return s->mono_ms - c->large_progress_ms > (int64_t)s->config->large_buffer_hold_ms_max;
#else
    /* owed since the loan, not since the last tick */
    int64_t since_loan_ms = s->mono_ms - c->large_loan_ms;
    if (elapsed_ms > since_loan_ms) elapsed_ms = since_loan_ms;
    /* While others wait, a holder keeps no credit beyond the slack: a big send's credit
     * (large_progress) is for a reader's chunked wake-ups when the buffer is not wanted; a
     * client that does not read then holds it about two ticks, not the transfer's time. */
    bool wanted = kv_large_wanted(s);
    int64_t slack = kv_large_slack_bytes(s);
    if (wanted && c->large_credit_bytes > slack) c->large_credit_bytes = slack;
    c->large_credit_bytes -=
        (int64_t)(s->config->large_buffer_rate_min_bytes_per_s * (uint64_t)elapsed_ms / 1000);
    if (c->large_credit_bytes < 0) return true;
    bool receiving = c->large_recv != KV_LARGE_NONE && (c->flags & KV_CONN_RECV_PENDING) != 0;
    return (receiving || wanted) &&
           s->mono_ms - c->large_progress_ms > (int64_t)s->config->large_buffer_hold_ms_max;
#endif
}

void kv_large_check_holds(kv_server *s) {
    int64_t elapsed = s->mono_ms - s->holds_checked_ms;
    s->holds_checked_ms = s->mono_ms;
    for (uint32_t b = 0; b < s->config->large_buffers_max; b++) {
        if (s->large_owner[b] == KV_CONN_NONE) continue;
        kv_connection *c = kv_conn_at(s, s->large_owner[b]);
        /* a connection holding two buffers is judged once, at its receive buffer */
        if (c->large_recv != KV_LARGE_NONE && c->large_send == b) continue;
        if (c->state != KV_CONN_OPEN || !falls_behind(s, c, elapsed)) continue;
        s->info.large_buffer_timeouts++;
        kv_conn_close(s, c); /* its buffers come back once its operations completed */
    }
}
