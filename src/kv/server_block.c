/*
 * Blocked clients: connections whose blocking command (BLPOP BRPOP BLMOVE BRPOPLPUSH
 * BLMPOP) found nothing to pop. Each waits in one list, in the order they blocked, with an
 * entry of its own carved at start-up (server_block.h): blocking and waking allocate
 * nothing, and at most connections_max wait.
 *
 * Waking, as Redis 7.0 (blocked.c): after every command, keys that became lists wake the
 * clients waiting on them, first blocked first served, before the next command runs; a push
 * of N elements serves up to N of them, and a waiter's BLMOVE that makes a list wakes that
 * list's waiters in the same pass. A waiter is found by a 64-bit filter of its keys' bits
 * (kv_store_key_bit); its command, kept unconsumed in its receive buffer, runs again and
 * either pops (served) or waits on, in its place. A timeout answers on the loop's clock
 * (monotonic: the simulator drives it) by a timer armed for the earliest deadline.
 */
#include <stdint.h>

#include "alloc/stasis_assert.h"
#include "kv/server_internal.h"

/* Rounds of waking per command, at most: each round but the last serves a waiter, so the
 * blocked clients bound it; the assertion catches a loop that would not end. */
#define WAKE_ROUNDS_SLACK 2u

static kv_block_entry *entry(const kv_server *s, const kv_connection *c) {
    return &s->blocks[kv_conn_index(s, c)];
}

static void count_bits(kv_server *s, uint64_t bits, bool add) {
    for (uint64_t rest = bits; rest != 0; rest &= rest - 1) { /* each set bit, lowest first */
        uint32_t b = (uint32_t)__builtin_ctzll(rest);
        if (add) {
            s->blocked_bit_count[b]++;
        } else {
            ST_ASSERT(s->blocked_bit_count[b] > 0);
            s->blocked_bit_count[b]--;
        }
    }
}

/* The bits some blocked client waits on. O(1) when none is blocked (every command asks),
 * else O(64). */
static uint64_t waited_bits(const kv_server *s) {
    if (s->blocked_count == 0) return 0;
    uint64_t bits = 0;
    for (uint32_t b = 0; b < 64; b++) {
        if (s->blocked_bit_count[b] > 0) bits |= (uint64_t)1 << b;
    }
    return bits;
}

/* Arms the blocked clients' timer for `deadline_ms`, unless one is in flight (it, or the
 * tick, answers; when it fires it arms the next). */
static void arm_timer(kv_server *s, int64_t deadline_ms) {
    if (s->block_timer_armed || deadline_ms == INT64_MAX) return;
    ST_ASSERT(s->io.backend != NULL);
    uint64_t ms = deadline_ms >= s->mono_ms ? (uint64_t)(deadline_ms - s->mono_ms) + 1 : 1;
    s->block_timer_armed = true;
    s->io.backend->timeout(s->io.self, ms,
                           kv_io_tag_make(KV_IO_TIMEOUT, KV_IO_INDEX_BLOCK_TIMER, 0));
}

void kv_block_init(kv_server *s) {
    for (uint32_t i = 0; i < s->config->connections_max; i++) {
        s->blocks[i] = (kv_block_entry){.prev = KV_CONN_NONE, .next = KV_CONN_NONE};
    }
    s->blocked_head = s->blocked_tail = KV_CONN_NONE;
    s->blocked_count = 0;
    for (uint32_t b = 0; b < 64; b++)
        s->blocked_bit_count[b] = 0;
    s->waking = false;
    s->block_timer_armed = false;
}

void kv_block_add(kv_server *s, kv_connection *c, int64_t timeout_ms, uint64_t key_bits,
                  uint64_t command_bytes) {
    ST_ASSERT((c->flags & KV_CONN_BLOCKED) == 0);
    ST_ASSERT(c->state == KV_CONN_OPEN);
    ST_ASSERT(timeout_ms >= 0);
    ST_ASSERT(key_bits != 0);
    kv_block_entry *e = entry(s, c);
    /* Past int64 the deadline is never reached: it waits for ever, as Redis's overflowing
     * sum in an unsigned radix key does. */
    bool forever = timeout_ms == 0 || timeout_ms > INT64_MAX - s->mono_ms;
    e->deadline_ms = forever ? INT64_MAX : s->mono_ms + timeout_ms;
    e->key_bits = key_bits;
    e->command_bytes = command_bytes;
    e->prev = s->blocked_tail;
    e->next = KV_CONN_NONE;
    uint32_t i = kv_conn_index(s, c);
    if (s->blocked_tail == KV_CONN_NONE) {
        s->blocked_head = i;
    } else {
        s->blocks[s->blocked_tail].next = i;
    }
    s->blocked_tail = i;
    s->blocked_count++;
    count_bits(s, key_bits, true);
    c->flags |= KV_CONN_BLOCKED;
    s->info.blocked_clients++;
    arm_timer(s, e->deadline_ms);
}

void kv_block_remove(kv_server *s, kv_connection *c) {
    ST_ASSERT((c->flags & KV_CONN_BLOCKED) != 0);
    kv_block_entry *e = entry(s, c);
    if (e->prev == KV_CONN_NONE) {
        s->blocked_head = e->next;
    } else {
        s->blocks[e->prev].next = e->next;
    }
    if (e->next == KV_CONN_NONE) {
        s->blocked_tail = e->prev;
    } else {
        s->blocks[e->next].prev = e->prev;
    }
    count_bits(s, e->key_bits, false);
    *e = (kv_block_entry){.prev = KV_CONN_NONE, .next = KV_CONN_NONE};
    ST_ASSERT(s->blocked_count > 0);
    s->blocked_count--;
    c->flags &= ~(uint32_t)KV_CONN_BLOCKED;
    ST_ASSERT(s->info.blocked_clients > 0);
    s->info.blocked_clients--;
}

/* One pass over the blocked list for the bits `ready`: returns whether a waiter was served.
 * The next waiter is read before each re-run, which may unlink only the one it runs. */
static bool wake_pass(kv_server *s, uint64_t ready) {
    bool served = false;
    uint32_t at = s->blocked_head;
    while (at != KV_CONN_NONE) {
        uint32_t next = s->blocks[at].next;
        if ((s->blocks[at].key_bits & ready) != 0) {
            served |= kv_conn_rerun_blocked(s, kv_conn_at(s, at));
        }
        at = next;
    }
    return served;
}

void kv_block_wake(kv_server *s) {
    if (s->waking) return; /* a re-run's own lists are taken by the pass that runs it */
    uint64_t ready = kv_engine_take_lists_added(&s->engine) & waited_bits(s);
    uint32_t rounds = 0;
    s->waking = true;
    while (ready != 0) {
        ST_ASSERT(rounds++ <= s->config->connections_max + WAKE_ROUNDS_SLACK);
        bool served = wake_pass(s, ready);
        ready = kv_engine_take_lists_added(&s->engine) & waited_bits(s);
        if (!served) break; /* nothing changed: another pass would serve nobody */
    }
    s->waking = false;
}

void kv_block_check_timeouts(kv_server *s, bool timer_fired) {
    if (timer_fired) s->block_timer_armed = false;
    int64_t next = INT64_MAX;
    uint32_t at = s->blocked_head;
    while (at != KV_CONN_NONE) {
        uint32_t after = s->blocks[at].next;
        int64_t deadline = s->blocks[at].deadline_ms;
        /* Redis's rule: timed out once the deadline is in the past. */
        if (deadline < s->mono_ms) {
            kv_conn_unblock_timed_out(s, kv_conn_at(s, at));
        } else if (deadline < next) {
            next = deadline;
        }
        at = after;
    }
    arm_timer(s, next);
}
