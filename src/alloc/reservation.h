#ifndef STASIS_RESERVATION_H
#define STASIS_RESERVATION_H

/*
 * The start-up reservation: the one region of memory the process asks the operating system
 * for. Every pool, buffer and table is carved from it at start-up; then it is sealed, and
 * from then on nothing may be carved (TigerBeetle's StaticAllocator).
 *
 * States:  INIT --seal--> STATIC --begin_deinit--> DEINIT --unmap--> (gone)
 *  - INIT:   carving allowed.
 *  - STATIC: carving aborts the process (a bug: memory must not grow after start-up);
 *            freeing through the allocator interface aborts too.
 *  - DEINIT: teardown; frees are accepted (and ignored), carving aborts.
 *
 * Carving is a bump: blocks are never returned individually; the region goes back whole.
 * Accounting counts alignment padding as used.
 *
 * Under ASan everything not carved is poisoned, so an access past a carved block into the
 * rest of the reservation is reported.
 *
 * Fields are private: read them through the functions below.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc/allocator.h"

typedef enum reservation_state {
    RESERVATION_INIT = 1,
    RESERVATION_STATIC = 2,
    RESERVATION_DEINIT = 3,
} reservation_state;

/* reservation_map() flags. */
enum {
    RESERVATION_LOCK = 1u << 0, /* mlock the region: it never pages out */
    /* Test-only, with RESERVATION_LOCK: mlock is not called and the map fails as if it had
     * refused with EPERM (an injected failure, so tests and fuzz targets reach the
     * refusal's path wherever mlock succeeds). */
    RESERVATION_LOCK_REFUSED_FOR_TESTING = 1u << 1,
};

typedef struct reservation {
    uint8_t *base;
    size_t capacity_bytes;
    size_t used_bytes; /* carve offset; includes alignment padding */
    size_t peak_bytes;
    size_t carve_count;
    uint64_t oom_count;
    size_t mapped_bytes; /* length passed to mmap (page-rounded); 0 if caller memory */
    reservation_state state;
    bool locked;
} reservation;

/*
 * Maps capacity_bytes (> 0) of anonymous private memory, pre-faulted (MAP_POPULATE) so the
 * first touch of a pool never faults a page in under load; with RESERVATION_LOCK also
 * mlocks it. Returns 0 and leaves r in INIT, or returns a negative errno (ENOMEM from mmap,
 * or mlock's EPERM/ENOMEM when RESERVATION_LOCK is set) and leaves nothing mapped and r
 * unwritten. flags: RESERVATION_LOCK, RESERVATION_LOCK_REFUSED_FOR_TESTING; others abort.
 * Complexity: O(capacity) (pre-faulting).
 */
int reservation_map(reservation *r, size_t capacity_bytes, unsigned flags);

/*
 * Uses caller-provided memory instead of a mapping (tests, fuzz targets). The memory must
 * outlive the reservation. O(capacity) under ASan (poisoning), O(1) otherwise.
 */
void reservation_init_buffer(reservation *r, void *buffer, size_t capacity_bytes);

/*
 * Carves len bytes aligned to align (a power of two <= ALLOCATOR_ALIGN_MAX_BYTES).
 * Returns NULL iff the aligned block does not fit in what is left (counted in oom_count);
 * len == 0 returns ALLOCATOR_ZERO_LENGTH(align) and consumes nothing.
 * Aborts unless the state is INIT. O(1).
 */
void *reservation_carve(reservation *r, size_t len, size_t align);

/* INIT -> STATIC. Aborts in any other state. O(1). */
void reservation_seal(reservation *r);

/* STATIC -> DEINIT. Aborts in any other state. O(1). */
void reservation_begin_deinit(reservation *r);

/*
 * Releases the region (munmap if reservation_map made it) from INIT or DEINIT; aborts in
 * STATIC. Afterwards r holds nothing and must not be used until mapped or initialised
 * again.
 */
void reservation_unmap(reservation *r);

/*
 * Test-only: back to a fresh INIT state over the same memory, from any state, so a fuzz
 * target reuses one small mapping instead of mapping per input. O(peak used) under ASan
 * (re-poisoning what was carved), O(1) otherwise.
 */
void reservation_reset_for_testing(reservation *r);

reservation_state reservation_get_state(const reservation *r);
size_t reservation_carve_count(const reservation *r);
bool reservation_owns(const reservation *r, const void *ptr);
bool reservation_is_locked(const reservation *r);

/* capacity, used (padding included), peak used, failed carves. */
allocator_diagnostics reservation_diagnostics(const reservation *r);

/*
 * The reservation behind the allocator interface: alloc carves; resize always fails (a bump
 * region cannot know whether the block is its last); free is accepted in INIT and DEINIT
 * (memory returns only with the whole region) and aborts in STATIC.
 */
allocator reservation_allocator(reservation *r);

/*
 * Self-check: state valid, used <= peak <= capacity, carve_count = 0 iff nothing used, and
 * under ASan that the memory just past the carved part is poisoned. O(1).
 */
bool reservation_invariants_hold(const reservation *r);

#endif
