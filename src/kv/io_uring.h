#ifndef STASIS_KV_IO_URING_H
#define STASIS_KV_IO_URING_H

/*
 * The io_uring backend of the I/O interface (io.h), on liburing 2.3.
 *
 * One ring, single-threaded: SINGLE_ISSUER and DEFER_TASKRUN when the kernel has them
 * (completions are then produced only inside io_uring_enter, on this thread), otherwise
 * COOP_TASKRUN, otherwise plain. Accept is multishot; recv and send are single-shot into the
 * connection's own buffer (no provided-buffer ring: the bytes land where the parser reads
 * them, with no copy). The completion queue is sized for every operation the loop can have
 * in flight (four per connection and a few more), so it cannot overflow for up to 16383
 * connections; beyond that the kernel keeps overflowed completions (IORING_FEAT_NODROP).
 *
 * The ring's memory is mapped by the kernel at kv_io_uring_init, before the seal; nothing
 * in this file maps, allocates or registers anything afterwards.
 */

#include <liburing.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kv/io.h"

typedef struct kv_io_uring {
    struct io_uring ring;
    struct __kernel_timespec timeout;  /* read by the kernel when the timeout is submitted */
    unsigned setup_flags;              /* what the ring was set up with */
    uint64_t submission_queue_flushes; /* times a full submission queue was flushed */
    bool ring_fd_registered;
} kv_io_uring;

/*
 * Sets up a ring for about `connections` clients. Returns 0, or a negative errno with the
 * reason in `error` (e.g. io_uring disabled by /proc/sys/kernel/io_uring_disabled).
 * Allocates kernel memory and maps the rings: call before the seal.
 */
int kv_io_uring_init(kv_io_uring *b, uint64_t connections, char *error, size_t error_size);

kv_io kv_io_uring_interface(kv_io_uring *b);

/* "io_uring (sq 256, cq 8192; single issuer, deferred task run)" for the start-up line. */
void kv_io_uring_describe(const kv_io_uring *b, char *out, size_t out_size);

#endif
