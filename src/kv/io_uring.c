/* The io_uring backend of the I/O interface: each operation is one SQE, tagged. */
#include "kv/io_uring.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "alloc/stasis_assert.h"

ST_STATIC_ASSERT(KV_IO_POLL_RDHUP == POLLRDHUP && KV_IO_POLL_HUP == POLLHUP &&
                 KV_IO_POLL_ERR == POLLERR);

#define SQ_ENTRIES_MIN       64u
#define SQ_ENTRIES_MAX       4096u
#define CQ_ENTRIES_MAX       65536u /* the kernel's IORING_MAX_CQ_ENTRIES */
#define OPS_PER_CONNECTION   4u     /* recv, send, close, and slack */
#define OPS_BESIDES_CLIENTS  64u    /* accept, the tick, shutdown */
#define FLUSH_ATTEMPTS_MAX   1000u
#define COMPLETION_BATCH_MAX 256u

/* An unrecoverable failure of the ring itself: say what, then stop (no allocation). */
_Noreturn static void ring_failed(const char *what, int err) {
    char line[256];
    int n = snprintf(line, sizeof line, "stasis-kv: %s failed: %s (%s)\n", what,
                     strerrordesc_np(err), strerrorname_np(err));
    if (n > 0) (void)!write(STDERR_FILENO, line, (size_t)n);
    abort();
}

static uint32_t pow2_at_least(uint64_t n, uint32_t lo, uint32_t hi) {
    uint32_t v = lo;
    while (v < n && v < hi)
        v *= 2;
    return v;
}

/* Tries the setups from the best to the plainest, so older kernels still run. */
int kv_io_uring_init(kv_io_uring *b, uint64_t connections, char *error, size_t error_size) {
    static const unsigned tries[] = {
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SUBMIT_ALL,
        IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL,
        0,
    };
    memset(b, 0, sizeof *b);
    uint32_t sq = pow2_at_least(2 * connections, SQ_ENTRIES_MIN, SQ_ENTRIES_MAX);
    uint32_t cq = pow2_at_least(OPS_PER_CONNECTION * connections + OPS_BESIDES_CLIENTS, 2 * sq,
                                CQ_ENTRIES_MAX);
    int r = -EINVAL;
    for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
        struct io_uring_params p;
        memset(&p, 0, sizeof p);
        p.flags = tries[i] | IORING_SETUP_CQSIZE;
        p.cq_entries = cq;
        r = io_uring_queue_init_params(sq, &b->ring, &p);
        if (r == 0) {
            b->setup_flags = p.flags;
            break;
        }
        if (r != -EINVAL) break; /* a flag the kernel lacks gives EINVAL; anything else is real */
    }
    if (r != 0) {
        snprintf(error, error_size,
                 "cannot set up io_uring: %s (is io_uring disabled, e.g. by "
                 "/proc/sys/kernel/io_uring_disabled or a container's seccomp profile?)",
                 strerrordesc_np(-r));
        return r;
    }
    b->ring_fd_registered = io_uring_register_ring_fd(&b->ring) == 1;
    return 0;
}

void kv_io_uring_describe(const kv_io_uring *b, char *out, size_t out_size) {
    const char *mode = (b->setup_flags & IORING_SETUP_DEFER_TASKRUN) != 0
                           ? "single issuer, deferred task run"
                       : (b->setup_flags & IORING_SETUP_COOP_TASKRUN) != 0 ? "cooperative task run"
                                                                           : "plain";
    snprintf(out, out_size, "io_uring (sq %u, cq %u; %s)", b->ring.sq.ring_entries,
             b->ring.cq.ring_entries, mode);
}

/* ---- submission: a full queue is flushed, never dropped ---- */

static struct io_uring_sqe *sqe_get(kv_io_uring *b) {
    for (uint32_t attempt = 0; attempt < FLUSH_ATTEMPTS_MAX; attempt++) {
        struct io_uring_sqe *sqe = io_uring_get_sqe(&b->ring);
        if (sqe != NULL) return sqe;
        b->submission_queue_flushes++;
        int r = io_uring_submit(&b->ring);
        /* EBUSY/EAGAIN: the kernel wants completions reaped first; they are reaped by the
         * GETEVENTS part of the next submit. EINTR: a signal; try again. */
        if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) ring_failed("io_uring_submit", -r);
    }
    ring_failed("flushing a full submission queue", EBUSY);
}

static void uring_accept(void *self, int listen_fd, uint64_t tag) {
    kv_io_uring *b = self;
    struct io_uring_sqe *sqe = sqe_get(b);
    io_uring_prep_multishot_accept(sqe, listen_fd, NULL, NULL, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, tag);
}

static void uring_recv(void *self, int fd, void *buf, size_t len, uint64_t tag) {
    ST_ASSERT(len > 0);
    ST_ASSERT(len <= UINT32_MAX);
    struct io_uring_sqe *sqe = sqe_get(self);
    io_uring_prep_recv(sqe, fd, buf, len, 0);
    io_uring_sqe_set_data64(sqe, tag);
}

static void uring_send(void *self, int fd, const void *buf, size_t len, uint64_t tag) {
    ST_ASSERT(len > 0);
    ST_ASSERT(len <= UINT32_MAX);
    struct io_uring_sqe *sqe = sqe_get(self);
    io_uring_prep_send(sqe, fd, buf, len, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, tag);
}

static void uring_close(void *self, int fd, uint64_t tag) {
    /* A recv armed on the socket holds a reference to it: without the shutdown it would
     * wait for the client forever, and the close with it. ENOTCONN (the peer is gone) is
     * fine. */
    (void)shutdown(fd, SHUT_RDWR);
    struct io_uring_sqe *sqe = sqe_get(self);
    io_uring_prep_close(sqe, fd);
    io_uring_sqe_set_data64(sqe, tag);
}

static void uring_timeout(void *self, uint64_t ms, uint64_t tag) {
    kv_io_uring *b = self;
    b->timeout.tv_sec = (long long)(ms / 1000);
    b->timeout.tv_nsec = (long long)(ms % 1000) * 1000000;
    struct io_uring_sqe *sqe = sqe_get(b);
    io_uring_prep_timeout(sqe, &b->timeout, 0, 0);
    io_uring_sqe_set_data64(sqe, tag);
    /* The kernel reads the timespec at submission: submit now, so the next timeout may
     * reuse it (one syscall per tick). */
    int r = io_uring_submit(&b->ring);
    if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) ring_failed("io_uring_submit", -r);
}

static void uring_poll_hangup(void *self, int fd, uint64_t tag) {
    struct io_uring_sqe *sqe = sqe_get(self);
    io_uring_prep_poll_add(sqe, fd, KV_IO_POLL_RDHUP | KV_IO_POLL_HUP | KV_IO_POLL_ERR);
    io_uring_sqe_set_data64(sqe, tag);
}

static void uring_reject(void *self, int fd, const char *text, size_t len) {
    (void)self;
    /* A fresh socket's send buffer holds the short text: this never blocks. */
    if (len > 0) (void)send(fd, text, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    (void)close(fd);
}

/* ---- completions ---- */

/* Replies go out as soon as they are written (Redis sets TCP_NODELAY on clients too). */
static void accepted(int fd) {
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static size_t uring_wait(void *self, kv_io_completion *out, size_t capacity, bool block) {
    kv_io_uring *b = self;
    ST_ASSERT(capacity > 0);
    int r =
        block ? io_uring_submit_and_wait(&b->ring, 1) : io_uring_submit_and_get_events(&b->ring);
    if (r < 0 && r != -EINTR && r != -ETIME && r != -EAGAIN && r != -EBUSY) {
        ring_failed("io_uring_enter", -r);
    }
    struct io_uring_cqe *cqes[COMPLETION_BATCH_MAX];
    unsigned want = capacity < COMPLETION_BATCH_MAX ? (unsigned)capacity : COMPLETION_BATCH_MAX;
    unsigned n = io_uring_peek_batch_cqe(&b->ring, cqes, want);
    for (unsigned i = 0; i < n; i++) {
        uint64_t tag = io_uring_cqe_get_data64(cqes[i]);
        out[i] = (kv_io_completion){
            .tag = tag, .result = cqes[i]->res, .more = (cqes[i]->flags & IORING_CQE_F_MORE) != 0};
        if (kv_io_tag_read(tag).op == KV_IO_ACCEPT && cqes[i]->res >= 0) accepted(cqes[i]->res);
    }
    io_uring_cq_advance(&b->ring, n);
    return n;
}

static int64_t uring_now_ms(void *self, kv_io_clock clock) {
    (void)self;
    struct timespec ts;
    int r = clock_gettime(clock == KV_IO_CLOCK_MONOTONIC ? CLOCK_MONOTONIC : CLOCK_REALTIME, &ts);
    ST_ASSERT(r == 0);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const kv_io_backend uring_backend = {
    .name = "io_uring",
    .accept = uring_accept,
    .recv = uring_recv,
    .send = uring_send,
    .close = uring_close,
    .timeout = uring_timeout,
    .poll_hangup = uring_poll_hangup,
    .reject = uring_reject,
    .wait = uring_wait,
    .now_ms = uring_now_ms,
};

kv_io kv_io_uring_interface(kv_io_uring *b) {
    return (kv_io){.backend = &uring_backend, .self = b};
}
