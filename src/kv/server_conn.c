/*
 * One connection: its slot, its input (parse, with commands_per_turn_max per turn), its
 * commands (with the room protocol of engine.h), its output (incremental sends), and its
 * end. Every kernel operation goes through s->io.
 *
 * The room protocol. Before parsing, at least KV_REPLY_ROOM_MIN_BYTES must be free in the
 * send buffer (after compacting it when no send is in flight); if not, the connection is
 * paused: it is not served nor read from until a send frees room, so a client that does not
 * read its replies holds at most its send buffer. When the engine answers NEEDS_ROOM it has
 * changed nothing: the parser is restored to its state before the command (its bytes stay
 * unconsumed; the parser never writes them, see resp_parser_set_inline_scratch), the pending
 * output is flushed first, and once it is drained a large buffer is borrowed as the send
 * buffer (or waited for) and the same command parsed and run again.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "alloc/stasis_assert.h"
#include "kv/resp_number.h"
#include "alloc/no_coverage.h"
#include "kv/server_internal.h"

#define LINK_NEXT offsetof(kv_connection, next)
#define LINK_LRU  offsetof(kv_connection, lru_next)

/* Flags that stop serving commands until something completes. */
#define KV_CONN_STOP_SERVING                                                                       \
    (KV_CONN_WAITING | KV_CONN_PAUSED | KV_CONN_FLUSH_WAIT | KV_CONN_CLOSE_AFTER_REPLY |           \
     KV_CONN_BLOCKED)

typedef enum step {
    STEP_SERVED, /* a command ran */
    STEP_RETRY,  /* the command must be parsed and run again now (a large buffer was lent) */
    STEP_STOP,   /* nothing more this turn */
} step;

static const char max_clients_text[] = "-ERR max number of clients reached\r\n";

/* ---- slots and queues ---- */

/* The accessors' only branches are assertions (alloc/no_coverage.h). */
ST_NO_COVERAGE kv_connection *kv_conn_at(const kv_server *s, uint32_t index) {
    ST_ASSERT(index < s->config->connections_max);
    return &s->conns[index];
}

ST_NO_COVERAGE uint32_t kv_conn_index(const kv_server *s, const kv_connection *c) {
    ST_ASSERT(c >= s->conns);
    ST_ASSERT(c < s->conns + s->config->connections_max);
    return (uint32_t)(c - s->conns);
}

static uint32_t *link_at(kv_connection *c, size_t offset) {
    return (uint32_t *)((uint8_t *)c + offset);
}

void kv_queue_init(kv_conn_queue *q) {
    *q = (kv_conn_queue){.head = KV_CONN_NONE, .tail = KV_CONN_NONE, .count = 0};
}

void kv_queue_push(kv_server *s, kv_conn_queue *q, kv_connection *c, size_t link_offset) {
    uint32_t i = kv_conn_index(s, c);
    *link_at(c, link_offset) = KV_CONN_NONE;
    if (q->tail == KV_CONN_NONE) {
        ST_ASSERT(q->head == KV_CONN_NONE);
        q->head = i;
    } else {
        *link_at(kv_conn_at(s, q->tail), link_offset) = i;
    }
    q->tail = i;
    q->count++;
}

kv_connection *kv_queue_pop(kv_server *s, kv_conn_queue *q, size_t link_offset) {
    if (q->head == KV_CONN_NONE) return NULL;
    kv_connection *c = kv_conn_at(s, q->head);
    q->head = *link_at(c, link_offset);
    if (q->head == KV_CONN_NONE) q->tail = KV_CONN_NONE;
    ST_ASSERT(q->count > 0);
    q->count--;
    *link_at(c, link_offset) = KV_CONN_NONE;
    return c;
}

/* O(queue length): only closing connections leave a queue from the middle. */
void kv_queue_remove(kv_server *s, kv_conn_queue *q, kv_connection *c, size_t link_offset) {
    uint32_t i = kv_conn_index(s, c);
    uint32_t prev = KV_CONN_NONE;
    for (uint32_t at = q->head; at != KV_CONN_NONE; at = *link_at(kv_conn_at(s, at), link_offset)) {
        if (at != i) {
            prev = at;
            continue;
        }
        uint32_t next = *link_at(c, link_offset);
        if (prev == KV_CONN_NONE) {
            q->head = next;
        } else {
            *link_at(kv_conn_at(s, prev), link_offset) = next;
        }
        if (q->tail == i) q->tail = prev;
        q->count--;
        *link_at(c, link_offset) = KV_CONN_NONE;
        return;
    }
    ST_ASSERT(false); /* c was not in the queue */
}

/* The LRU list of open connections is doubly linked: touching one is O(1). */
static void lru_remove(kv_server *s, kv_connection *c) {
    if (c->lru_prev == KV_CONN_NONE) {
        s->lru_head = c->lru_next;
    } else {
        kv_conn_at(s, c->lru_prev)->lru_next = c->lru_next;
    }
    if (c->lru_next == KV_CONN_NONE) {
        s->lru_tail = c->lru_prev;
    } else {
        kv_conn_at(s, c->lru_next)->lru_prev = c->lru_prev;
    }
    c->lru_prev = KV_CONN_NONE;
    c->lru_next = KV_CONN_NONE;
}

static void lru_append(kv_server *s, kv_connection *c) {
    uint32_t i = kv_conn_index(s, c);
    c->lru_prev = s->lru_tail;
    c->lru_next = KV_CONN_NONE;
    if (s->lru_tail == KV_CONN_NONE) {
        s->lru_head = i;
    } else {
        kv_conn_at(s, s->lru_tail)->lru_next = i;
    }
    s->lru_tail = i;
}

/* The client did something: it is not idle. */
static void touch(kv_server *s, kv_connection *c) {
    c->last_active_ms = s->mono_ms;
    if (s->lru_tail == kv_conn_index(s, c)) return;
    lru_remove(s, c);
    lru_append(s, c);
}

void kv_conn_init_all(kv_server *s) {
    s->free_top = KV_CONN_NONE;
    for (uint32_t i = (uint32_t)s->config->connections_max; i-- > 0;) {
        kv_connection *c = &s->conns[i];
        memset(c, 0, sizeof *c);
        c->state = KV_CONN_FREE;
        c->fd = -1;
        c->next = s->free_top;
        s->free_top = i;
    }
    s->lru_head = KV_CONN_NONE;
    s->lru_tail = KV_CONN_NONE;
    kv_queue_init(&s->ready);
}

void kv_conn_ready(kv_server *s, kv_connection *c) {
    if ((c->flags & KV_CONN_READY) != 0) return;
    c->flags |= KV_CONN_READY;
    kv_queue_push(s, &s->ready, c, LINK_NEXT);
}

/* ---- buffers ---- */

static uint8_t *small_recv(const kv_server *s, const kv_connection *c) {
    return s->conn_buffers + (uint64_t)kv_conn_index(s, c) * 2 * s->config->connection_buffer_size;
}

static uint8_t *small_send(const kv_server *s, const kv_connection *c) {
    return small_recv(s, c) + s->config->connection_buffer_size;
}

static void compact_recv(kv_connection *c) {
    ST_ASSERT((c->flags & KV_CONN_RECV_PENDING) == 0); /* a recv in flight writes at recv_len */
    ST_ASSERT(c->recv_head <= c->recv_len);
    if (c->recv_head == 0) return;
    memmove(c->recv_buf, c->recv_buf + c->recv_head, c->recv_len - c->recv_head);
    c->recv_len -= c->recv_head;
    c->recv_head = 0;
}

static void compact_send(kv_connection *c) {
    if ((c->flags & KV_CONN_SEND_PENDING) != 0 || c->send_done == 0) return;
    ST_ASSERT(c->send_flight == c->send_done);
    memmove(c->send_buf, c->send_buf + c->send_done, c->send_len - c->send_done);
    c->send_len -= c->send_done;
    c->send_done = 0;
    c->send_flight = 0;
}

static uint64_t send_room(const kv_connection *c) { return c->send_cap - c->send_len; }

void kv_conn_lend(kv_server *s, kv_connection *c, kv_large_role role, uint32_t b) {
    uint8_t *large = kv_large_at(s, b);
    if (role == KV_LARGE_RECV) {
        ST_ASSERT(c->large_recv == KV_LARGE_NONE);
        ST_ASSERT((c->flags & KV_CONN_RECV_PENDING) == 0);
        uint64_t left = c->recv_len - c->recv_head;
        memcpy(large, c->recv_buf + c->recv_head, left); /* the parser's offsets are relative */
        c->recv_buf = large;
        c->recv_head = 0;
        c->recv_len = left;
        c->recv_cap = s->layout.large_buffer_bytes;
        c->large_recv = b;
    } else {
        ST_ASSERT(c->large_send == KV_LARGE_NONE);
        ST_ASSERT(c->send_len == 0); /* replies stay in order: the small buffer is drained */
        ST_ASSERT((c->flags & KV_CONN_SEND_PENDING) == 0);
        c->send_buf = large;
        c->send_cap = s->layout.large_buffer_bytes;
        c->send_done = c->send_flight = 0;
        c->large_send = b;
    }
    touch(s, c); /* the wait, if any, was the server's: not idle time */
    /* A first loan starts the rate clock with the slack (kv_large_slack_bytes); a second
     * keeps it. */
    c->large_progress_ms = s->mono_ms;
    bool first = c->large_recv == KV_LARGE_NONE || c->large_send == KV_LARGE_NONE;
    if (first) {
        c->large_credit_bytes = kv_large_slack_bytes(s);
        c->large_loan_ms = s->mono_ms;
    }
}

/* Bytes a holder of a large buffer moved: the client keeps up (server_large.c). The credit
 * is capped at one small buffer, or at this transfer when bigger: bytes a send hands to the
 * kernel at once are bytes the client has that long to read (the kernel's buffer), time in
 * which no send completes. While a send waits on it the client owes reading: what it sends
 * meanwhile does not pay (a fast sender that never reads holds its buffers no longer). */
static void large_progress(kv_server *s, kv_connection *c, uint64_t bytes, bool sent) {
    if (c->large_recv == KV_LARGE_NONE && c->large_send == KV_LARGE_NONE) return;
    if (!sent && (c->flags & KV_CONN_SEND_PENDING) != 0) return;
    int64_t cap = (int64_t)s->config->connection_buffer_size;
    if ((int64_t)bytes > cap) cap = (int64_t)bytes;
    if (kv_large_wanted(s)) cap = kv_large_slack_bytes(s); /* see falls_behind */
    c->large_progress_ms = s->mono_ms;
    c->large_credit_bytes += (int64_t)bytes;
    if (c->large_credit_bytes > cap) c->large_credit_bytes = cap;
}

/* Back to the small receive buffer once what is left of the input fits in it. */
static void return_large_recv(kv_server *s, kv_connection *c) {
    /* Kept while waiting for a second loan: it is what makes that loan a second. */
    if (c->large_recv == KV_LARGE_NONE) return;
    if ((c->flags & (KV_CONN_RECV_PENDING | KV_CONN_WAITING)) != 0) return;
    uint64_t small = s->config->connection_buffer_size;
    uint64_t left = c->recv_len - c->recv_head;
    uint64_t need = resp_parser_in_request(&c->parser) ? resp_parser_bytes_needed(&c->parser) : 0;
    if (left >= small || need > small) return;
    uint8_t *to = small_recv(s, c);
    memcpy(to, c->recv_buf + c->recv_head, left);
    uint32_t b = c->large_recv;
    c->recv_buf = to;
    c->recv_head = 0;
    c->recv_len = left;
    c->recv_cap = small;
    c->large_recv = KV_LARGE_NONE;
    kv_large_give_back(s, b);
}

/* Back to the small send buffer once the large one is drained. */
static void return_large_send(kv_server *s, kv_connection *c) {
    ST_ASSERT(c->send_len == 0);
    ST_ASSERT((c->flags & KV_CONN_SEND_PENDING) == 0);
    uint32_t b = c->large_send;
    c->send_buf = small_send(s, c);
    c->send_cap = s->config->connection_buffer_size;
    c->large_send = KV_LARGE_NONE;
    kv_large_give_back(s, b);
}

/* ---- operations ---- */

static void submit_recv(kv_server *s, kv_connection *c) {
    ST_ASSERT((c->flags & KV_CONN_RECV_PENDING) == 0);
    ST_ASSERT(c->recv_len < c->recv_cap);
    c->flags |= KV_CONN_RECV_PENDING;
    s->io.backend->recv(s->io.self, c->fd, c->recv_buf + c->recv_len, c->recv_cap - c->recv_len,
                        kv_server_tag(s, KV_IO_RECV, c));
}

static void submit_send(kv_server *s, kv_connection *c) {
    if ((c->flags & KV_CONN_SEND_PENDING) != 0 || c->send_done == c->send_len) return;
    ST_ASSERT(c->send_flight == c->send_done);
    c->flags |= KV_CONN_SEND_PENDING;
    c->send_flight = c->send_len;
    s->io.backend->send(s->io.self, c->fd, c->send_buf + c->send_done, c->send_len - c->send_done,
                        kv_server_tag(s, KV_IO_SEND, c));
}

/* ---- opening ---- */

static void conn_open(kv_server *s, kv_connection *c, int fd) {
    uint32_t i = kv_conn_index(s, c);
    uint32_t generation = c->generation;
    memset(c, 0, sizeof *c);
    c->generation = generation;
    c->state = KV_CONN_OPEN;
    c->fd = fd;
    c->recv_buf = small_recv(s, c);
    c->send_buf = small_send(s, c);
    c->recv_cap = s->config->connection_buffer_size;
    c->send_cap = s->config->connection_buffer_size;
    c->large_recv = KV_LARGE_NONE;
    c->large_send = KV_LARGE_NONE;
    c->next = c->next_waiting = KV_CONN_NONE;
    resp_parser_init(&c->parser, &s->limits);
    resp_parser_set_inline_scratch(&c->parser, s->inline_scratch, s->config->inline_size_max);
    kv_engine_open_session(&s->engine, &c->session,
                           s->client_names + (uint64_t)i * s->config->client_name_size_max);
    resp_parser_set_authenticated(&c->parser, c->session.authenticated);
    c->last_active_ms = s->mono_ms;
    lru_append(s, c);
}

void kv_conn_accepted(kv_server *s, int fd) {
    ST_ASSERT(fd >= 0);
    if (s->stopping) {
        s->io.backend->reject(s->io.self, fd, NULL, 0); /* shutting down: just close it */
        return;
    }
    if (s->free_top == KV_CONN_NONE) {
        /* Redis's answer and behaviour: the error, then close; others are unaffected. */
        s->io.backend->reject(s->io.self, fd, max_clients_text, sizeof max_clients_text - 1);
        s->info.rejected_connections++;
        return;
    }
    kv_connection *c = kv_conn_at(s, s->free_top);
    ST_ASSERT(c->state == KV_CONN_FREE);
    s->free_top = c->next;
    s->slots_in_use++;
    conn_open(s, c, fd);
    s->info.connected_clients++;
    s->info.total_connections_received++;
    submit_recv(s, c);
}

/* ---- closing ---- */

/* The slot is reused only when nothing in flight refers to its buffers. */
static void maybe_free(kv_server *s, kv_connection *c) {
    ST_ASSERT(c->state == KV_CONN_CLOSING);
    uint32_t busy = KV_CONN_RECV_PENDING | KV_CONN_SEND_PENDING | KV_CONN_CLOSE_PENDING |
                    KV_CONN_READY | KV_CONN_POLL_PENDING;
    if ((c->flags & busy) != 0) return;
    if (c->large_recv != KV_LARGE_NONE) kv_large_give_back(s, c->large_recv);
    if (c->large_send != KV_LARGE_NONE) kv_large_give_back(s, c->large_send);
    c->large_recv = c->large_send = KV_LARGE_NONE;
    c->state = KV_CONN_FREE;
    c->flags = 0;
    c->fd = -1;
    c->generation++;
    c->next = s->free_top;
    s->free_top = kv_conn_index(s, c);
    ST_ASSERT(s->slots_in_use > 0);
    s->slots_in_use--;
}

void kv_conn_close(kv_server *s, kv_connection *c) {
    ST_ASSERT(c->state == KV_CONN_OPEN);
    c->state = KV_CONN_CLOSING;
    kv_engine_close_session(&s->engine, &c->session); /* its transaction and watches */
    lru_remove(s, c);
    if ((c->flags & KV_CONN_WAITING) != 0) kv_large_forget(s, c);
#ifndef STASIS_CANARY_BLOCKED_CLOSE_STAYS
    if ((c->flags & KV_CONN_BLOCKED) != 0) kv_block_remove(s, c);
#endif /* else a planted bug: a closed client stays in the blocked list */
    c->flags |= KV_CONN_CLOSE_PENDING;
    s->io.backend->close(s->io.self, c->fd, kv_server_tag(s, KV_IO_CLOSE, c));
    ST_ASSERT(s->info.connected_clients > 0);
    s->info.connected_clients--;
}

void kv_conn_close_all(kv_server *s) {
    for (uint32_t i = 0; i < s->config->connections_max; i++) {
        if (s->conns[i].state == KV_CONN_OPEN) kv_conn_close(s, &s->conns[i]);
    }
}

void kv_conn_check_idle(kv_server *s) {
    if (s->config->idle_timeout_s == 0) return;
    int64_t limit_ms = (int64_t)s->config->idle_timeout_s * 1000;
    uint32_t i = s->lru_head;
    while (i != KV_CONN_NONE) {
        kv_connection *c = kv_conn_at(s, i);
        if (s->mono_ms - c->last_active_ms <= limit_ms) break; /* the rest are more recent */
        i = c->lru_next;
        if ((c->flags & KV_CONN_BLOCKED) != 0) continue; /* Redis: no idle timeout in BLPOP */
        /* A waiter for a large buffer is skipped: the server does not read it (its own buffer is
         * full), it is not idle. A client that stops before filling it does not wait: it is
         * read, and timed out here (issue 11's lock-out). */
        if ((c->flags & KV_CONN_WAITING) != 0) continue;
        s->info.idle_timeouts++;
        kv_conn_close(s, c); /* as Redis: no reply */
    }
}

/* ---- completions ---- */

void kv_conn_on_recv(kv_server *s, kv_connection *c, int32_t result) {
    ST_ASSERT((c->flags & KV_CONN_RECV_PENDING) != 0);
    c->flags &= ~(uint32_t)KV_CONN_RECV_PENDING;
    if (c->state == KV_CONN_CLOSING) {
        maybe_free(s, c);
        return;
    }
    if (result > 0) {
        ST_ASSERT(c->recv_len + (uint64_t)result <= c->recv_cap);
        c->recv_len += (uint64_t)result;
        s->info.net_input_bytes += (uint64_t)result;
        large_progress(s, c, (uint64_t)result, false);
        touch(s, c);
    } else if (result == 0) {
        c->flags |= KV_CONN_PEER_EOF; /* serve what it sent, then close */
    } else if (result != -EINTR && result != -EAGAIN) {
#ifdef STASIS_CANARY_LARGE_KEPT_AFTER_RESET
        c->large_recv = KV_LARGE_NONE; /* forgotten, never given back */
#endif
        kv_conn_close(s, c); /* reset, or any other error: the client is gone */
        return;
    }
    kv_conn_ready(s, c);
}

void kv_conn_on_send(kv_server *s, kv_connection *c, int32_t result) {
    ST_ASSERT((c->flags & KV_CONN_SEND_PENDING) != 0);
    c->flags &= ~(uint32_t)KV_CONN_SEND_PENDING;
    if (c->state == KV_CONN_CLOSING) {
        maybe_free(s, c);
        return;
    }
    if (result == 0 || (result < 0 && result != -EINTR && result != -EAGAIN)) {
        kv_conn_close(s, c); /* EPIPE, ECONNRESET: the client vanished mid-reply */
#ifdef STASIS_CANARY_CONN_LOST_ON_SEND_ERROR
        c->flags |= KV_CONN_POLL_PENDING; /* as if something were still in flight: never freed */
#endif
        return;
    }
    if (result > 0) {
        ST_ASSERT(c->send_done + (uint64_t)result <= c->send_flight);
        c->send_done += (uint64_t)result;
        s->info.net_output_bytes += (uint64_t)result;
        large_progress(s, c, (uint64_t)result, true);
        touch(s, c);
    }
#ifdef STASIS_CANARY_SHORT_SEND_LOSES_BYTES
    c->send_done = c->send_flight; /* the unsent rest of a short send is dropped */
#endif
    c->send_flight = c->send_done; /* a short send: the rest goes in the next one */
    if (c->send_done == c->send_len) {
        c->send_done = c->send_len = c->send_flight = 0;
        bool rerun = (c->flags & KV_CONN_FLUSH_WAIT) != 0;
        c->flags &= ~(uint32_t)KV_CONN_FLUSH_WAIT;
        /* A command waiting for room will need the large buffer it already has. */
        /* Kept while waiting for a second loan: it is what makes that loan a second. */
        bool waiting = (c->flags & KV_CONN_WAITING) != 0;
        if (c->large_send != KV_LARGE_NONE && !rerun && !waiting) return_large_send(s, c);
    }
    kv_conn_ready(s, c);
}

/* Not read from while it waits: a poll tells when its client hangs up. */
void kv_conn_watch_hangup(kv_server *s, kv_connection *c) {
    if ((c->flags & (KV_CONN_POLL_PENDING | KV_CONN_RECV_PENDING | KV_CONN_PEER_EOF)) != 0) return;
#ifdef STASIS_CANARY_WAITER_RESET_UNSEEN
    (void)s; /* issue 11, bug 4: a waiter is not watched, its reset never seen */
#else
    c->flags |= KV_CONN_POLL_PENDING;
    s->io.backend->poll_hangup(s->io.self, c->fd, kv_server_tag(s, KV_IO_POLL, c));
#endif
}

void kv_conn_on_poll(kv_server *s, kv_connection *c, int32_t result) {
    ST_ASSERT((c->flags & KV_CONN_POLL_PENDING) != 0);
    c->flags &= ~(uint32_t)KV_CONN_POLL_PENDING;
    if (c->state == KV_CONN_CLOSING) {
        maybe_free(s, c);
        return;
    }
    if (result < 0 || (result & (KV_IO_POLL_HUP | KV_IO_POLL_ERR)) != 0) {
        kv_conn_close(s, c); /* reset, or gone: its slot is free at once */
        return;
    }
    if ((c->flags & KV_CONN_BLOCKED) != 0) {
        /* A blocked client's end of stream: Redis frees a client whose read ends, blocked or
         * not, so what it waits for is never handed to a client that left. */
#ifdef STASIS_CANARY_BLOCKED_EOF_KEPT
        return; /* a blocked client that closed keeps its slot until its timeout, or for ever */
#endif
        kv_conn_close(s, c);
        return;
    }
    /* Only the client's end of stream (a half-close, or a close: they look the same): the
     * rest of its request may still be in the socket, so it keeps its place; the recv after
     * the wait reads the end. (Not watched again: the poll would fire at once.) */
}

void kv_conn_on_close(kv_server *s, kv_connection *c, int32_t result) {
    (void)result; /* nothing to do about a failed close: the descriptor is gone either way */
    ST_ASSERT(c->state == KV_CONN_CLOSING);
    ST_ASSERT((c->flags & KV_CONN_CLOSE_PENDING) != 0);
    c->flags &= ~(uint32_t)KV_CONN_CLOSE_PENDING;
    maybe_free(s, c);
}

/* ---- serving commands ---- */

static void write_protocol_error(kv_server *s, kv_connection *c, const char *text, size_t len) {
    resp_writer w;
    resp_writer_init(&w, c->send_buf + c->send_len, send_room(c));
    bool ok =
        text != NULL ? resp_write_error(&w, text, len) : resp_write_protocol_error(&w, &c->parser);
    ST_ASSERT(ok); /* serve() made KV_REPLY_ROOM_MIN_BYTES free before parsing */
    c->send_len += resp_writer_len(&w);
    c->flags |= KV_CONN_CLOSE_AFTER_REPLY; /* earlier replies, this error, then close */
    c->recv_head = c->recv_len;            /* nothing after the bad request runs */
    s->info.protocol_errors++;
}

/* A request that needs more than even a large buffer holds: a header line pushed past
 * request_size_max (the parser bounds payloads; a header may still be read up to
 * inline_size_max past it). Same text as the parser's limit. */
static void request_too_big(kv_server *s, kv_connection *c) {
    char text[96] = "ERR Protocol error: request exceeds request_size_max (";
    size_t n = strlen(text);
    n += resp_format_u64(s->config->request_size_max, text + n, sizeof text - n);
    memcpy(text + n, " bytes)", 7);
    write_protocol_error(s, c, text, n + 7);
}

/* The parser needs more bytes: make room for them, here or in a large buffer. */
static void need_more_input(kv_server *s, kv_connection *c) {
    if (c->recv_head == c->recv_len && !resp_parser_in_request(&c->parser)) {
        c->recv_head = c->recv_len = 0;
        return;
    }
    if ((c->flags & KV_CONN_PEER_EOF) != 0) return; /* it can never complete */
    compact_recv(c);                                /* a partial request: at most one move */
    uint64_t need = resp_parser_bytes_needed(&c->parser);
    if (need <= c->recv_cap) return;
    if (c->large_recv == KV_LARGE_NONE) {
        /* None free: it keeps reading into its own buffer and queues once that is full. A
         * client that stops sending before then holds nobody's place (issue 11, bug 1). */
        bool room = c->recv_len < c->recv_cap;
        if (!kv_large_try_acquire(s, c, KV_LARGE_RECV) && !room) {
            (void)kv_large_acquire(s, c, KV_LARGE_RECV);
        }
        return;
    }
    request_too_big(s, c);
}

static kv_exec execute(kv_server *s, kv_connection *c, uint32_t argc) {
    resp_writer w;
    resp_writer_init(&w, c->send_buf + c->send_len, send_room(c));
    if (s->hooks->window_begin != NULL) s->hooks->window_begin();
    kv_exec r = kv_engine_execute(&s->engine, &c->session, s->argv, argc, s->real_ms, &w);
    if (s->hooks->window_end != NULL) s->hooks->window_end();
    if (r == KV_EXEC_DONE) {
        if (s->hooks->executed != NULL) {
            s->hooks->executed(s->hooks->context, s, kv_conn_index(s, c), s->argv, argc,
                               c->send_buf + c->send_len, resp_writer_len(&w));
        }
        c->send_len += resp_writer_len(&w);
    } else {
        ST_ASSERT(resp_writer_len(&w) == 0);
    }
    return r;
}

static step needs_room(kv_server *s, kv_connection *c) {
    if (c->send_len > 0) {
        c->flags |= KV_CONN_FLUSH_WAIT; /* drain first; a drained buffer may be enough */
        return STEP_STOP;
    }
    /* A drained large buffer holds reply_size_max: the engine never asks for more. */
    ST_ASSERT(c->large_send == KV_LARGE_NONE);
    return kv_large_acquire(s, c, KV_LARGE_SEND) ? STEP_RETRY : STEP_STOP;
}

static step after_command(kv_server *s, kv_connection *c) {
    resp_parser_set_authenticated(&c->parser, c->session.authenticated);
    if (c->session.close_without_reply) {
        kv_conn_close(s, c); /* an HTTP client: at once, as Redis */
        return STEP_STOP;
    }
    if (c->session.close_after_reply) {
        c->flags |= KV_CONN_CLOSE_AFTER_REPLY; /* QUIT: nothing after it runs */
        c->recv_head = c->recv_len;
        return STEP_STOP;
    }
    return STEP_SERVED;
}

static step serve_one(kv_server *s, kv_connection *c) {
    resp_parser before = c->parser;
    uint32_t argc = 0;
    size_t consumed = 0;
    size_t len = c->recv_len - c->recv_head;
    resp_status status = resp_parse(&c->parser, c->recv_buf + c->recv_head, len, s->argv,
                                    (uint32_t)s->config->command_args_max, &argc, &consumed);
    ST_ASSERT(consumed <= len);
    if (status == RESP_ERROR) {
        write_protocol_error(s, c, NULL, 0);
        return STEP_STOP;
    }
    c->recv_head += consumed;
    if (status == RESP_INCOMPLETE) {
        need_more_input(s, c);
        return STEP_STOP;
    }
    kv_exec r = execute(s, c, argc);
    if (r != KV_EXEC_DONE) {
        c->parser = before; /* nothing changed: parse the same bytes again later */
        c->recv_head -= consumed;
        if (r == KV_EXEC_NEEDS_ROOM) return needs_room(s, c);
        /* Blocked: the command stays in the buffer, to run again when woken. */
        kv_block_add(s, c, c->session.block.timeout_ms, c->session.block.key_bits, consumed);
        return STEP_STOP;
    }
    kv_block_wake(s); /* before this client's next command, as Redis */
    return after_command(s, c);
}

/* ---- blocked connections (server_block.c decides when) ---- */

/* Parses blocked c's command again: it parsed whole when it blocked and its bytes are
 * untouched since. Its arguments are in s->argv; returns argc. */
static uint32_t parse_blocked(kv_server *s, kv_connection *c, size_t *consumed) {
    ST_ASSERT((c->flags & KV_CONN_BLOCKED) != 0);
    ST_ASSERT(send_room(c) >= KV_REPLY_ROOM_MIN_BYTES); /* as when it blocked */
    uint32_t argc = 0;
    size_t len = c->recv_len - c->recv_head;
    resp_status status = resp_parse(&c->parser, c->recv_buf + c->recv_head, len, s->argv,
                                    (uint32_t)s->config->command_args_max, &argc, consumed);
    ST_ASSERT(status == RESP_COMMAND);
    return argc;
}

bool kv_conn_rerun_blocked(kv_server *s, kv_connection *c) {
    resp_parser before = c->parser;
    size_t consumed = 0;
    uint32_t argc = parse_blocked(s, c, &consumed);
    c->session.block.serving = true;
    kv_exec r = execute(s, c, argc);
    c->session.block.serving = false;
    if (r == KV_EXEC_BLOCKED) {
        c->parser = before; /* waits on, in its place */
        return false;
    }
    kv_block_remove(s, c);
    touch(s, c); /* its wait was not idle time (see kv_conn_unblock_timed_out) */
    if (r == KV_EXEC_NEEDS_ROOM) {
        c->parser = before; /* runs again, unblocked, once it has room */
        (void)needs_room(s, c);
    } else {
        c->recv_head += consumed;
        (void)after_command(s, c);
    }
    kv_conn_ready(s, c);
    return true;
}

void kv_conn_unblock_timed_out(kv_server *s, kv_connection *c) {
    size_t consumed = 0;
    uint32_t argc = parse_blocked(s, c, &consumed);
    c->recv_head += consumed;
    resp_writer w;
    resp_writer_init(&w, c->send_buf + c->send_len, send_room(c));
    kv_engine_reply_timed_out(&w);
    if (s->hooks->timed_out != NULL) {
        s->hooks->timed_out(s->hooks->context, s, kv_conn_index(s, c), s->argv, argc,
                            c->send_buf + c->send_len, resp_writer_len(&w));
    }
    c->send_len += resp_writer_len(&w);
    kv_block_remove(s, c);
    /* Its idle clock starts now, not at the BLPOP: the wait was not idle (Redis), and a tick
     * before the reply's send completes must not close it with the reply unsent. */
    touch(s, c);
    kv_conn_ready(s, c);
}

/* KV_REPLY_ROOM_MIN_BYTES free in the send buffer, or the connection pauses. */
static bool reply_room(kv_server *s, kv_connection *c) {
    if (send_room(c) < KV_REPLY_ROOM_MIN_BYTES) compact_send(c);
    if (send_room(c) >= KV_REPLY_ROOM_MIN_BYTES) {
        c->flags &= ~(uint32_t)KV_CONN_PAUSED;
        return true;
    }
    if ((c->flags & KV_CONN_PAUSED) == 0) s->info.slow_readers_paused++;
    c->flags |= KV_CONN_PAUSED;
    return false;
}

static void serve(kv_server *s, kv_connection *c) {
    c->flags &= ~(uint32_t)KV_CONN_MORE_INPUT;
    (void)reply_room(s, c); /* a send may have freed room since the pause */
    uint64_t served = 0;
    while (c->state == KV_CONN_OPEN && (c->flags & KV_CONN_STOP_SERVING) == 0) {
        if (c->recv_head == c->recv_len && !resp_parser_in_request(&c->parser)) {
            c->recv_head = c->recv_len = 0;
            return;
        }
        if (c->recv_head == c->recv_len) return; /* mid-request: wait for bytes */
        if (served == s->config->commands_per_turn_max) {
            c->flags |= KV_CONN_MORE_INPUT; /* fairness: the rest next turn */
            return;
        }
        if (!reply_room(s, c)) return;
        step r = serve_one(s, c);
        if (r == STEP_STOP) return;
        if (r == STEP_SERVED) served++;
    }
}

/* Whether the connection's work is over: it asked to close, or its client left and
 * nothing it sent can still run. */
static bool finished(const kv_connection *c) {
    if ((c->flags & (KV_CONN_CLOSE_AFTER_REPLY | KV_CONN_PEER_EOF)) == 0) return false;
    if (c->send_len > 0 || (c->flags & KV_CONN_SEND_PENDING) != 0) return false;
    if ((c->flags & KV_CONN_CLOSE_AFTER_REPLY) != 0) return true;
    if ((c->flags & (KV_CONN_MORE_INPUT | KV_CONN_FLUSH_WAIT)) != 0) return false;
    return !((c->flags & KV_CONN_WAITING) != 0 && c->wait_role == KV_LARGE_SEND);
}

static bool can_receive(const kv_connection *c) {
    uint32_t not_now =
        KV_CONN_RECV_PENDING | KV_CONN_STOP_SERVING | KV_CONN_PEER_EOF | KV_CONN_MORE_INPUT;
    return c->state == KV_CONN_OPEN && (c->flags & not_now) == 0 && c->recv_len < c->recv_cap;
}

static void conn_run(kv_server *s, kv_connection *c) {
    if (c->state == KV_CONN_CLOSING) {
        maybe_free(s, c);
        return;
    }
    ST_ASSERT(c->state == KV_CONN_OPEN);
    if ((c->flags & KV_CONN_RECV_PENDING) == 0) serve(s, c);
    if (c->state != KV_CONN_OPEN) return;
    return_large_recv(s, c);
    if (c->large_send != KV_LARGE_NONE && c->send_len == 0 &&
        (c->flags & (KV_CONN_SEND_PENDING | KV_CONN_FLUSH_WAIT | KV_CONN_WAITING)) == 0) {
        return_large_send(s, c); /* lent, but the command wrote nothing (it closed) */
    }
    submit_send(s, c);
    if (finished(c)) {
        kv_conn_close(s, c);
        return;
    }
    if (can_receive(c)) {
        submit_recv(s, c);
    } else if ((c->flags & KV_CONN_BLOCKED) != 0) {
        kv_conn_watch_hangup(s, c); /* not read from while it waits: see its hang-up */
    }
    if ((c->flags & KV_CONN_MORE_INPUT) != 0) kv_conn_ready(s, c);
}

void kv_conn_serve_ready(kv_server *s) {
    /* Only those queued now: one queued again (more input) waits for the next turn. */
    for (uint32_t n = s->ready.count; n > 0; n--) {
        kv_connection *c = kv_queue_pop(s, &s->ready, LINK_NEXT);
        ST_ASSERT(c != NULL);
        ST_ASSERT((c->flags & KV_CONN_READY) != 0);
        c->flags &= ~(uint32_t)KV_CONN_READY;
        conn_run(s, c);
    }
}
