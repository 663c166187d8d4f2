/* The simulated network: sockets in memory, simulated time, seeded faults (io_sim.h). */
#include "kv/io_sim.h"

#include <errno.h>
#include <string.h>

#include "alloc/stasis_assert.h"
#include "alloc/no_coverage.h"

/* The harness's network, not the server (alloc/no_coverage.h): the server's own branches say
 * what the network did to it. */
ST_NO_COVERAGE_BEGIN

#define OPS_PER_SOCKET 5u /* recv, send, poll, close, accept */
#define EVENTS_EXTRA   8u /* the tick, the listener's close */
#define PROB_ONE       65536u

/* ---- rng and digest ---- */

static uint64_t next_random(kv_io_sim *sim) {
    /* splitmix64: small, fast, and every seed gives a good stream */
    uint64_t z = (sim->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint32_t kv_io_sim_random(kv_io_sim *sim, uint32_t n) {
    ST_ASSERT(n > 0);
    return (uint32_t)((next_random(sim) >> 32) % n);
}

static bool happens(kv_io_sim *sim, uint32_t per_65536) {
    if (per_65536 == 0) return false;
    bool yes = kv_io_sim_random(sim, PROB_ONE) < per_65536;
    if (yes) sim->stats.faults++;
    return yes;
}

void kv_io_sim_log(kv_io_sim *sim, uint64_t a, uint64_t b) {
    uint64_t h = sim->digest;
    h = (h ^ a) * 0x100000001b3ull;
    h = (h ^ b) * 0x100000001b3ull;
    h = (h ^ (uint64_t)sim->now_ms) * 0x100000001b3ull;
    sim->digest = h;
}

/* ---- memory ---- */

static size_t heap_cap(uint32_t sockets_max) {
    return (size_t)sockets_max * OPS_PER_SOCKET + EVENTS_EXTRA;
}

static size_t round8(size_t n) { return (n + 7) & ~(size_t)7; }

size_t kv_io_sim_memory_bytes(uint32_t sockets_max) {
    return round8((size_t)sockets_max * sizeof(kv_sim_socket)) +
           round8((size_t)sockets_max * sizeof(uint32_t)) +
           round8(heap_cap(sockets_max) * sizeof(kv_sim_event)) +
           (size_t)sockets_max * 2 * KV_SIM_SOCKET_BUFFER_BYTES;
}

void kv_io_sim_init(kv_io_sim *sim, void *memory, size_t memory_bytes, uint32_t sockets_max,
                    uint64_t seed, const kv_sim_faults *faults) {
    ST_ASSERT(memory_bytes >= kv_io_sim_memory_bytes(sockets_max));
    ST_ASSERT(((uintptr_t)memory & 7) == 0);
    ST_ASSERT(faults->delay == 0 || faults->delay_ms_max >= 1);
    memset(sim, 0, sizeof *sim);
    uint8_t *at = memory;
    sim->sockets = (kv_sim_socket *)(void *)at;
    at += round8((size_t)sockets_max * sizeof(kv_sim_socket));
    sim->backlog = (uint32_t *)(void *)at;
    at += round8((size_t)sockets_max * sizeof(uint32_t));
    sim->heap = (kv_sim_event *)(void *)at;
    at += round8(heap_cap(sockets_max) * sizeof(kv_sim_event));
    for (uint32_t i = 0; i < sockets_max; i++) {
        sim->sockets[i] = (kv_sim_socket){.in = at, .out = at + KV_SIM_SOCKET_BUFFER_BYTES};
        at += 2 * KV_SIM_SOCKET_BUFFER_BYTES;
    }
    sim->sockets_max = sockets_max;
    sim->heap_cap = (uint32_t)heap_cap(sockets_max);
    sim->rng = seed;
    sim->digest = 0xcbf29ce484222325ull;
    sim->faults = *faults;
    sim->next_client_ms = KV_SIM_NEVER_MS;
}

/* ---- completions: a binary heap on (due, order) ---- */

static bool earlier(const kv_sim_event *a, const kv_sim_event *b) {
    return a->due_ms < b->due_ms || (a->due_ms == b->due_ms && a->order < b->order);
}

static void heap_swap(kv_sim_event *h, uint32_t i, uint32_t j) {
    kv_sim_event t = h[i];
    h[i] = h[j];
    h[j] = t;
}

static void complete_after(kv_io_sim *sim, uint64_t tag, int32_t result, bool more,
                           int64_t delay_ms) {
    ST_ASSERT(sim->heap_len < sim->heap_cap);
    kv_sim_event *h = sim->heap;
    uint32_t i = sim->heap_len++;
    h[i] = (kv_sim_event){.due_ms = sim->now_ms + delay_ms,
                          .order = next_random(sim),
                          .completion = {.tag = tag, .result = result, .more = more}};
    while (i > 0 && earlier(&h[i], &h[(i - 1) / 2])) {
        heap_swap(h, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static kv_sim_event heap_pop(kv_io_sim *sim) {
    ST_ASSERT(sim->heap_len > 0);
    kv_sim_event *h = sim->heap;
    kv_sim_event top = h[0];
    h[0] = h[--sim->heap_len];
    for (uint32_t i = 0;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < sim->heap_len && earlier(&h[l], &h[m])) m = l;
        if (r < sim->heap_len && earlier(&h[r], &h[m])) m = r;
        if (m == i) break;
        heap_swap(h, i, m);
        i = m;
    }
    return top;
}

/* The delay of an operation that can complete now: mostly none. */
static int64_t delay_ms(kv_io_sim *sim) {
    if (!happens(sim, sim->faults.delay)) return 0;
    return 1 + (int64_t)kv_io_sim_random(sim, sim->faults.delay_ms_max);
}

/* A partial transfer takes 1..n bytes. */
static size_t maybe_partial(kv_io_sim *sim, size_t n, uint32_t probability) {
    if (n <= 1 || !happens(sim, probability)) return n;
    return 1 + kv_io_sim_random(sim, (uint32_t)(n - 1));
}

/* ---- sockets ---- */

uint32_t kv_io_sim_socket_of(int fd) {
    ST_ASSERT(fd >= KV_SIM_FD_BASE);
    return (uint32_t)(fd - KV_SIM_FD_BASE);
}

static kv_sim_socket *socket_at(kv_io_sim *sim, uint32_t id) {
    ST_ASSERT(id < sim->sockets_used);
    return &sim->sockets[id];
}

/* ---- the byte rings ---- */

#define RING KV_SIM_SOCKET_BUFFER_BYTES

/* Appends n bytes (n <= RING - *len) after the *len bytes at head. */
static void ring_put(uint8_t *ring, uint32_t head, uint32_t *len, const uint8_t *from, size_t n) {
    ST_ASSERT(n <= RING - *len);
    uint32_t at = (head + *len) % RING;
    size_t first = n < RING - at ? n : RING - at;
    memcpy(ring + at, from, first);
    memcpy(ring, from + first, n - first);
    *len += (uint32_t)n;
}

/* Takes n bytes (n <= *len) from the front. */
static void ring_take(const uint8_t *ring, uint32_t *head, uint32_t *len, uint8_t *to, size_t n) {
    ST_ASSERT(n <= *len);
    size_t first = n < RING - *head ? n : RING - *head;
    memcpy(to, ring + *head, first);
    memcpy(to + first, ring, n - first);
    *head = (uint32_t)((*head + n) % RING);
    *len -= (uint32_t)n;
    if (*len == 0) *head = 0;
}

static void reset_socket(kv_io_sim *sim, kv_sim_socket *k) {
    if (k->reset) return;
    k->reset = true;
    k->reset_ms = sim->now_ms;
    k->in_len = k->in_head = 0;
    k->out_len = k->out_head = 0;
}

static void try_recv(kv_io_sim *sim, kv_sim_socket *k) {
    int32_t result;
    if (k->reset) {
        result = -ECONNRESET;
    } else if (k->in_len > 0) {
        size_t n = k->in_len < k->recv_len ? k->in_len : k->recv_len;
        n = maybe_partial(sim, n, sim->faults.partial_recv);
        ring_take(k->in, &k->in_head, &k->in_len, k->recv_buf, n);
        sim->stats.bytes_to_server += n;
        result = (int32_t)n;
    } else if (k->client_shut_write || k->server_shut) {
        result = 0;
    } else {
        return; /* nothing yet: it stays in flight */
    }
    k->recv_pending = false;
    complete_after(sim, k->recv_tag, result, false, delay_ms(sim));
}

static void try_send(kv_io_sim *sim, kv_sim_socket *k) {
    int32_t result;
    if (k->reset) {
        result = -ECONNRESET;
    } else if (k->client_closed || k->server_shut) {
        result = -EPIPE;
    } else {
        size_t room = KV_SIM_SOCKET_BUFFER_BYTES - k->out_len;
        if (room == 0) return; /* the client does not read: the send waits for room */
        size_t n = k->send_len < room ? k->send_len : room;
        n = maybe_partial(sim, n, sim->faults.partial_send);
        ring_put(k->out, k->out_head, &k->out_len, k->send_buf, n);
        sim->stats.bytes_to_clients += n;
        result = (int32_t)n;
    }
    k->send_pending = false;
    complete_after(sim, k->send_tag, result, false, delay_ms(sim));
}

static void try_poll(kv_io_sim *sim, kv_sim_socket *k) {
    int32_t bits = 0;
    if (k->reset) bits |= KV_IO_POLL_ERR | KV_IO_POLL_HUP;
    if (k->client_shut_write) bits |= KV_IO_POLL_RDHUP;
    if (k->server_shut) bits |= KV_IO_POLL_HUP;
    if (bits == 0) return;
    k->poll_pending = false;
    complete_after(sim, k->poll_tag, bits, false, delay_ms(sim));
}

static void progress(kv_io_sim *sim, kv_sim_socket *k) {
    if (k->recv_pending) try_recv(sim, k);
    if (k->send_pending) try_send(sim, k);
    if (k->poll_pending) try_poll(sim, k);
}

static void sim_poll_hangup(void *self, int fd, uint64_t tag) {
    kv_io_sim *sim = self;
    kv_sim_socket *k = socket_at(sim, kv_io_sim_socket_of(fd));
    ST_ASSERT(k->accepted && !k->poll_pending);
    k->poll_pending = true;
    k->poll_tag = tag;
    try_poll(sim, k);
}

/* ---- the backend ---- */

static void sim_accept(void *self, int listen_fd, uint64_t tag) {
    kv_io_sim *sim = self;
    ST_ASSERT(listen_fd == KV_SIM_LISTEN_FD);
    ST_ASSERT(!sim->accept_armed);
    sim->accept_armed = true;
    sim->accept_tag = tag;
}

static void sim_recv(void *self, int fd, void *buf, size_t len, uint64_t tag) {
    kv_io_sim *sim = self;
    kv_sim_socket *k = socket_at(sim, kv_io_sim_socket_of(fd));
    ST_ASSERT(k->accepted && !k->recv_pending && len > 0);
    k->recv_buf = buf;
    k->recv_len = len;
    k->recv_tag = tag;
    k->recv_pending = true;
    if (happens(sim, sim->faults.recv_error)) {
        static const int32_t errors[] = {-ECONNRESET, -EAGAIN, -EINTR};
        int32_t e = errors[kv_io_sim_random(sim, 3)];
        sim->stats.errors++;
        if (e == -ECONNRESET) {
            k->faulted = true;
            reset_socket(sim, k);
        }
        k->recv_pending = false;
        complete_after(sim, tag, e, false, delay_ms(sim));
        return;
    }
    try_recv(sim, k);
}

static void sim_send(void *self, int fd, const void *buf, size_t len, uint64_t tag) {
    kv_io_sim *sim = self;
    kv_sim_socket *k = socket_at(sim, kv_io_sim_socket_of(fd));
    ST_ASSERT(k->accepted && !k->send_pending && len > 0);
    k->send_buf = buf;
    k->send_len = len;
    k->send_tag = tag;
    k->send_pending = true;
    if (happens(sim, sim->faults.send_error)) {
        sim->stats.errors++;
        k->faulted = true;
        reset_socket(sim, k);
        k->send_pending = false;
        complete_after(sim, tag, kv_io_sim_random(sim, 2) ? -EPIPE : -ECONNRESET, false,
                       delay_ms(sim));
        return;
    }
    try_send(sim, k);
}

static void sim_close(void *self, int fd, uint64_t tag) {
    kv_io_sim *sim = self;
    if (fd == KV_SIM_LISTEN_FD) {
        /* the listener: a multishot accept armed on it ends */
        if (sim->accept_armed) {
            sim->accept_armed = false;
            complete_after(sim, sim->accept_tag, -ECANCELED, false, 0);
        }
        complete_after(sim, tag, 0, false, 0);
        return;
    }
    kv_sim_socket *k = socket_at(sim, kv_io_sim_socket_of(fd));
    ST_ASSERT(k->accepted && !k->server_shut);
    k->server_shut = true; /* shutdown first: what is in flight completes */
    progress(sim, k);
    complete_after(sim, tag, 0, false, delay_ms(sim));
}

static void sim_timeout(void *self, uint64_t ms, uint64_t tag) {
    kv_io_sim *sim = self;
    complete_after(sim, tag, -ETIME, false, (int64_t)ms);
}

static void sim_reject(void *self, int fd, const char *text, size_t len) {
    kv_io_sim *sim = self;
    kv_sim_socket *k = socket_at(sim, kv_io_sim_socket_of(fd));
    ST_ASSERT(len <= KV_SIM_SOCKET_BUFFER_BYTES);
    if (!k->reset && !k->client_closed) {
        k->out_head = k->out_len = 0;
        ring_put(k->out, k->out_head, &k->out_len, (const uint8_t *)text, len);
    }
    k->rejected = true;
    k->server_shut = true;
    sim->stats.rejected++;
}

/* Accepts the clients in the backlog while the multishot accept is armed. */
static void pump_accepts(kv_io_sim *sim) {
    while (sim->accept_armed && sim->backlog_head != sim->backlog_tail) {
        if (happens(sim, sim->faults.accept_error)) {
            static const int32_t errors[] = {-EMFILE, -ENFILE, -ENOBUFS};
            sim->stats.errors++;
            sim->accept_armed = false;
            complete_after(sim, sim->accept_tag, errors[kv_io_sim_random(sim, 3)], false, 0);
            return;
        }
        uint32_t id = sim->backlog[sim->backlog_head++];
        kv_sim_socket *k = socket_at(sim, id);
        k->accepted = true;
        sim->stats.accepted++;
        complete_after(sim, sim->accept_tag, KV_SIM_FD_BASE + (int32_t)id, true, delay_ms(sim));
    }
}

static size_t sim_wait(void *self, kv_io_completion *out, size_t capacity, bool block) {
    kv_io_sim *sim = self;
    pump_accepts(sim);
    bool due = sim->heap_len > 0 && sim->heap[0].due_ms <= sim->now_ms;
    if (!due && block) {
        int64_t next = sim->next_client_ms;
        if (sim->heap_len > 0 && sim->heap[0].due_ms < next) next = sim->heap[0].due_ms;
        if (next != KV_SIM_NEVER_MS && next > sim->now_ms) sim->now_ms = next;
    }
    size_t n = 0;
    while (n < capacity && sim->heap_len > 0 && sim->heap[0].due_ms <= sim->now_ms) {
        kv_sim_event e = heap_pop(sim);
        out[n++] = e.completion;
        sim->stats.completions++;
        kv_io_sim_log(sim, e.completion.tag, (uint64_t)(int64_t)e.completion.result);
    }
    if (happens(sim, sim->faults.sq_full)) {
        /* the next operations reach the kernel a little later */
        for (uint32_t i = 0; i < sim->heap_len; i++)
            if (sim->heap[i].due_ms > sim->now_ms) sim->heap[i].due_ms += 1;
    }
    return n;
}

static int64_t sim_now_ms(void *self, kv_io_clock clock) {
    const kv_io_sim *sim = self;
    return clock == KV_IO_CLOCK_MONOTONIC ? sim->now_ms : KV_SIM_REAL_EPOCH_MS + sim->now_ms;
}

static const kv_io_backend sim_backend = {
    .name = "simulator",
    .accept = sim_accept,
    .recv = sim_recv,
    .send = sim_send,
    .close = sim_close,
    .timeout = sim_timeout,
    .poll_hangup = sim_poll_hangup,
    .reject = sim_reject,
    .wait = sim_wait,
    .now_ms = sim_now_ms,
};

kv_io kv_io_sim_interface(kv_io_sim *sim) { return (kv_io){.backend = &sim_backend, .self = sim}; }

/* ---- the clients' end ---- */

int32_t kv_io_sim_connect(kv_io_sim *sim) {
    if (sim->sockets_used == sim->sockets_max) return -1;
    uint32_t id = sim->sockets_used++;
    kv_sim_socket *k = &sim->sockets[id];
    *k = (kv_sim_socket){.in = k->in, .out = k->out};
    sim->backlog[sim->backlog_tail++] = id;
    kv_io_sim_log(sim, 1, id);
    return (int32_t)id;
}

size_t kv_io_sim_client_send(kv_io_sim *sim, uint32_t id, const uint8_t *bytes, size_t len) {
    kv_sim_socket *k = socket_at(sim, id);
    if (k->reset || k->client_shut_write || k->server_shut) return 0;
    size_t room = KV_SIM_SOCKET_BUFFER_BYTES - k->in_len;
    size_t n = len < room ? len : room;
    ring_put(k->in, k->in_head, &k->in_len, bytes, n);
    kv_io_sim_log(sim, 2, id << 24 | n);
    progress(sim, k);
    return n;
}

size_t kv_io_sim_client_recv(kv_io_sim *sim, uint32_t id, uint8_t *out, size_t capacity) {
    kv_sim_socket *k = socket_at(sim, id);
    size_t n = k->out_len < capacity ? k->out_len : capacity;
    ring_take(k->out, &k->out_head, &k->out_len, out, n);
    kv_io_sim_log(sim, 3, id << 24 | n);
    progress(sim, k);
    return n;
}

void kv_io_sim_client_shutdown(kv_io_sim *sim, uint32_t id) {
    kv_sim_socket *k = socket_at(sim, id);
    k->client_shut_write = true;
    kv_io_sim_log(sim, 4, id);
    progress(sim, k);
}

void kv_io_sim_client_close(kv_io_sim *sim, uint32_t id) {
    kv_sim_socket *k = socket_at(sim, id);
    k->client_shut_write = true;
    k->client_closed = true;
    k->out_len = k->out_head = 0;
    kv_io_sim_log(sim, 5, id);
    progress(sim, k);
}

void kv_io_sim_client_reset(kv_io_sim *sim, uint32_t id) {
    kv_sim_socket *k = socket_at(sim, id);
    reset_socket(sim, k);
    kv_io_sim_log(sim, 6, id);
    progress(sim, k);
}

bool kv_io_sim_client_at_end(const kv_io_sim *sim, uint32_t id) {
    ST_ASSERT(id < sim->sockets_used);
    const kv_sim_socket *k = &sim->sockets[id];
    return (k->server_shut || k->reset) && k->out_len == 0;
}

ST_NO_COVERAGE_END
