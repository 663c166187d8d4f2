/*
 * The server's invariants, in the style of every allocator: a cheap check of the counters
 * and a full walk of every slot and queue. Both only read; a false answer means the loop's
 * state is inconsistent (the simulator reports it with the seed; debug builds assert it
 * after every completion).
 */
#include <stddef.h>

#include "alloc/stasis_assert.h"
#include "alloc/no_coverage.h"
#include "kv/server_internal.h"

/* Checks, not behaviour (alloc/no_coverage.h): run after every completion and turn of
 * fuzz_server_sim, their instrumentation cost about a fifth of its executions. */
ST_NO_COVERAGE_BEGIN

static int failed_line; /* the line of the last check that failed, for the report */

#define BAD(cond)                                                                                  \
    do {                                                                                           \
        if (cond) {                                                                                \
            failed_line = __LINE__;                                                                \
            return false;                                                                          \
        }                                                                                          \
    } while (0)

int kv_server_invariants_failed_line(void) { return failed_line; }

static uint32_t large_max(const kv_server *s) { return (uint32_t)s->config->large_buffers_max; }

static uint32_t conns_max(const kv_server *s) { return (uint32_t)s->config->connections_max; }

/* The counters: everything the cheap check reads but the key bits' counts. */
static bool counters_hold(const kv_server *s) {
    uint32_t n = large_max(s);
    BAD(s->slots_in_use > conns_max(s));
    BAD(s->info.connected_clients > s->slots_in_use);
    BAD(s->large_free_count > n);
    BAD(s->info.large_buffers_in_use != n - s->large_free_count);
    BAD(s->ready.count > s->slots_in_use);
    BAD(s->wait_first.count + s->wait_second.count > s->info.connected_clients);
    BAD((s->free_top == KV_CONN_NONE) != (s->slots_in_use == conns_max(s)));
    /* blocked clients are open connections, counted once, in INFO too */
    BAD(s->blocked_count != s->info.blocked_clients);
    BAD(s->blocked_count > s->info.connected_clients);
    BAD((s->blocked_count == 0) != (s->blocked_head == KV_CONN_NONE));
    BAD((s->blocked_head == KV_CONN_NONE) != (s->blocked_tail == KV_CONN_NONE));
    /* each large buffer free xor owned: the free stack holds exactly the unowned ones */
    uint32_t owned = 0;
    for (uint32_t b = 0; b < n; b++)
        owned += s->large_owner[b] != KV_CONN_NONE;
    BAD(owned != n - s->large_free_count);
    for (uint32_t i = 0; i < s->large_free_count; i++) {
        BAD(s->large_free[i] >= n);
        BAD(s->large_owner[s->large_free[i]] != KV_CONN_NONE);
    }
    return true;
}

bool kv_server_invariants_hold(const kv_server *s) {
    if (!counters_hold(s)) return false;
    for (uint32_t b = 0; b < 64; b++)
        BAD(s->blocked_bit_count[b] > s->blocked_count);
    return true;
}

/* ---- the full walk ---- */

/* Counts the members of a queue linked at `offset`, marking them in `seen` with `bit`; false
 * if it is longer than the slots, links a free slot, or its count or tail disagree. */
static bool walk_queue(const kv_server *s, const kv_conn_queue *q, size_t offset, uint8_t *seen,
                       uint8_t bit) {
    uint32_t count = 0;
    uint32_t last = KV_CONN_NONE;
    for (uint32_t at = q->head; at != KV_CONN_NONE;) {
        BAD(at >= conns_max(s) || count > conns_max(s));
        BAD((seen[at] & bit) != 0); /* a cycle, or in the queue twice */
        seen[at] |= bit;
        const kv_connection *c = &s->conns[at];
        BAD(c->state == KV_CONN_FREE);
        last = at;
        count++;
        at = *(const uint32_t *)((const uint8_t *)c + offset);
    }
    BAD(count != q->count);
    BAD(last != q->tail);
    return true;
}

enum {
    SEEN_READY = 1,
    SEEN_WAIT_FIRST = 2,
    SEEN_WAIT_SECOND = 4,
    SEEN_LRU = 8,
    SEEN_FREE = 16,
    SEEN_BLOCKED = 32
};

/* The blocked list: linked both ways, each member open and marked, its count and every
 * key bit's count what its members hold. */
static bool walk_blocked(const kv_server *s, uint8_t *seen) {
    if (s->blocked_head == KV_CONN_NONE) { /* (most turns) no member: no bit counted */
        BAD(s->blocked_tail != KV_CONN_NONE || s->blocked_count != 0);
        for (uint32_t b = 0; b < 64; b++)
            BAD(s->blocked_bit_count[b] != 0);
        return true;
    }
    uint32_t bits[64] = {0};
    uint32_t count = 0;
    uint32_t prev = KV_CONN_NONE;
    for (uint32_t at = s->blocked_head; at != KV_CONN_NONE; at = s->blocks[at].next) {
        BAD(at >= conns_max(s) || (seen[at] & SEEN_BLOCKED) != 0);
        seen[at] |= SEEN_BLOCKED;
        const kv_block_entry *e = &s->blocks[at];
        BAD(e->prev != prev || e->key_bits == 0);
        const kv_connection *c = &s->conns[at];
        BAD(c->state != KV_CONN_OPEN);
        BAD(e->command_bytes == 0 || e->command_bytes > c->recv_len - c->recv_head);
        for (uint64_t k = e->key_bits; k != 0; k &= k - 1)
            bits[__builtin_ctzll(k)]++;
        prev = at;
        count++;
    }
    BAD(prev != s->blocked_tail || count != s->blocked_count);
    for (uint32_t b = 0; b < 64; b++)
        BAD(bits[b] != s->blocked_bit_count[b]);
    return true;
}

static bool buffers_hold(const kv_server *s, const kv_connection *c, uint32_t i) {
    uint64_t small = s->config->connection_buffer_size;
    const uint8_t *own = s->conn_buffers + (uint64_t)i * 2 * small;
    BAD(c->recv_head > c->recv_len || c->recv_len > c->recv_cap);
    BAD(c->send_done > c->send_flight || c->send_flight > c->send_len || c->send_len > c->send_cap);
    /* (a closing connection's last send may have completed without the bookkeeping) */
    BAD(c->state == KV_CONN_OPEN && (c->flags & KV_CONN_SEND_PENDING) == 0 &&
        c->send_flight != c->send_done);
    if (c->large_recv == KV_LARGE_NONE) {
        BAD(c->recv_buf != own || c->recv_cap != small);
    } else {
        BAD(c->large_recv >= large_max(s) || s->large_owner[c->large_recv] != i);
        BAD(c->recv_buf != kv_large_at(s, c->large_recv));
    }
    if (c->large_send == KV_LARGE_NONE) {
        BAD(c->send_buf != own + small || c->send_cap != small);
    } else {
        BAD(c->large_send >= large_max(s) || s->large_owner[c->large_send] != i);
        BAD(c->send_buf != kv_large_at(s, c->large_send));
        BAD(c->large_send == c->large_recv);
    }
    return true;
}

static bool slot_holds(const kv_server *s, uint32_t i, const uint8_t *seen) {
    const kv_connection *c = &s->conns[i];
    uint32_t f = c->flags;
    if ((seen[i] & SEEN_BLOCKED) == 0) { /* not blocked: its entry is clear */
        BAD(s->blocks[i].prev != KV_CONN_NONE || s->blocks[i].next != KV_CONN_NONE);
        BAD(s->blocks[i].key_bits != 0);
    }
    if (c->state == KV_CONN_FREE) {
        BAD((seen[i] & ~SEEN_FREE) != 0 || (seen[i] & SEEN_FREE) == 0);
        BAD(f != 0 || c->fd != -1);
        return true;
    }
    BAD(c->state != KV_CONN_OPEN && c->state != KV_CONN_CLOSING);
    BAD((seen[i] & SEEN_FREE) != 0);
    BAD(((f & KV_CONN_READY) != 0) != ((seen[i] & SEEN_READY) != 0));
    bool waits_second = (seen[i] & SEEN_WAIT_SECOND) != 0;
    bool waits = (seen[i] & SEEN_WAIT_FIRST) != 0 || waits_second;
    BAD(((f & KV_CONN_WAITING) != 0) != waits);
    BAD(((f & KV_CONN_WAIT_SECOND) != 0) != waits_second);
    BAD(((seen[i] & SEEN_LRU) != 0) != (c->state == KV_CONN_OPEN));
    BAD(((f & KV_CONN_BLOCKED) != 0) != ((seen[i] & SEEN_BLOCKED) != 0));
    /* a closing connection waits for nothing but its operations in flight */
    BAD(c->state == KV_CONN_CLOSING && (f & KV_CONN_WAITING) != 0);
    BAD(c->state == KV_CONN_OPEN && (f & KV_CONN_CLOSE_PENDING) != 0);
    BAD(c->fd < 0);
    return buffers_hold(s, c, i); /* failed_line says which */
}

bool kv_server_invariants_hold_full(const kv_server *s) {
    /* the key bits' counts are checked exactly by walk_blocked (the cheap check's bound) */
    if (!counters_hold(s)) return false;
    /* static: a 4 KiB frame cost a sanitizer's stack poisoning on every walk. The server is
     * single-threaded, and the walk calls nothing that walks again. */
    static uint8_t seen[4096];
    uint32_t n = conns_max(s);
    if (n > sizeof seen) return true; /* the walk is for small test and simulator servers */
    for (uint32_t i = 0; i < n; i++)
        seen[i] = 0;
    uint32_t free_count = 0;
    for (uint32_t at = s->free_top; at != KV_CONN_NONE; at = s->conns[at].next) {
        BAD(at >= n || (seen[at] & SEEN_FREE) != 0);
        seen[at] |= SEEN_FREE;
        free_count++;
    }
    BAD(free_count != n - s->slots_in_use);
    BAD(!walk_queue(s, &s->ready, offsetof(kv_connection, next), seen, SEEN_READY));
    BAD(!walk_queue(s, &s->wait_first, offsetof(kv_connection, next_waiting), seen,
                    SEEN_WAIT_FIRST));
    BAD(!walk_queue(s, &s->wait_second, offsetof(kv_connection, next_waiting), seen,
                    SEEN_WAIT_SECOND));
    uint32_t open = 0;
    uint32_t prev = KV_CONN_NONE;
    for (uint32_t at = s->lru_head; at != KV_CONN_NONE; at = s->conns[at].lru_next) {
        BAD(at >= n || (seen[at] & SEEN_LRU) != 0 || s->conns[at].lru_prev != prev);
        seen[at] |= SEEN_LRU;
        prev = at;
        open++;
    }
    BAD(prev != s->lru_tail);
    BAD(open != s->info.connected_clients);
    BAD(!walk_blocked(s, seen));
    for (uint32_t i = 0; i < n; i++)
        if (!slot_holds(s, i, seen)) return false; /* failed_line says which */
    /* every owned buffer's owner points back at it */
    for (uint32_t b = 0; b < large_max(s); b++) {
        uint32_t o = s->large_owner[b];
        if (o == KV_CONN_NONE) continue;
        BAD(o >= n || (s->conns[o].large_recv != b && s->conns[o].large_send != b));
    }
    return true;
}

ST_NO_COVERAGE_END
