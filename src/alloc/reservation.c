#include "alloc/reservation.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "alloc/poison.h"

static size_t page_size_bytes(void) {
    long page = sysconf(_SC_PAGESIZE);
    ST_ASSERT(page > 0);
    return (size_t)page;
}

static void reservation_init_fields(reservation *r, uint8_t *base, size_t capacity_bytes,
                                    size_t mapped_bytes) {
    memset(r, 0, sizeof *r);
    r->base = base;
    r->capacity_bytes = capacity_bytes;
    r->mapped_bytes = mapped_bytes;
    r->state = RESERVATION_INIT;
    mem_poison(base, capacity_bytes);
}

/* 0, or the errno with which the region could not be locked. */
static int lock_region(void *base, size_t len, unsigned flags) {
    if ((flags & RESERVATION_LOCK_REFUSED_FOR_TESTING) != 0u) return EPERM;
    return mlock(base, len) == 0 ? 0 : errno;
}

int reservation_map(reservation *r, size_t capacity_bytes, unsigned flags) {
    ST_ASSERT(r != NULL);
    ST_ASSERT(capacity_bytes > 0);
    ST_ASSERT((flags & ~(unsigned)(RESERVATION_LOCK | RESERVATION_LOCK_REFUSED_FOR_TESTING)) == 0u);
    size_t page = page_size_bytes();
    if (capacity_bytes > SIZE_MAX - page) return -ENOMEM;
    size_t mapped = (size_t)align_forward(capacity_bytes, page);
    void *base = mmap(NULL, mapped, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (base == MAP_FAILED) return -errno;
    if ((flags & RESERVATION_LOCK) != 0u) {
        int err = lock_region(base, mapped, flags);
        if (err != 0) {
            munmap(base, mapped);
            return -err;
        }
    }
    reservation_init_fields(r, base, capacity_bytes, mapped);
    r->locked = (flags & RESERVATION_LOCK) != 0u;
    return 0;
}

void reservation_init_buffer(reservation *r, void *buffer, size_t capacity_bytes) {
    ST_ASSERT(r != NULL);
    ST_ASSERT(buffer != NULL);
    ST_ASSERT(capacity_bytes > 0);
    reservation_init_fields(r, buffer, capacity_bytes, 0);
}

void *reservation_carve(reservation *r, size_t len, size_t align) {
    ST_ASSERT(r->state == RESERVATION_INIT); /* carving after the seal is a bug */
    ST_ASSERT(allocator_align_valid(align));
    if (len == 0) return ALLOCATOR_ZERO_LENGTH(align);
    uintptr_t at = (uintptr_t)(r->base + r->used_bytes);
    size_t padding = (size_t)((0u - at) & ((uintptr_t)align - 1u));
    size_t left = r->capacity_bytes - r->used_bytes;
    if (len > left || padding > left - len) {
        r->oom_count++;
        return NULL;
    }
    uint8_t *block = r->base + r->used_bytes + padding;
#ifdef STASIS_CANARY_RESERVATION_PADDING
    /* Planted bug: the alignment padding is not accounted, so the next carve overlaps. */
    r->used_bytes += len;
#else
    r->used_bytes += padding + len;
#endif
    if (r->used_bytes > r->peak_bytes) r->peak_bytes = r->used_bytes;
    r->carve_count++;
    mem_unpoison_undefined(block, len);
    ST_ASSERT(r->used_bytes <= r->capacity_bytes);
    return block;
}

void reservation_seal(reservation *r) {
    ST_ASSERT(r->state == RESERVATION_INIT);
    r->state = RESERVATION_STATIC;
}

void reservation_begin_deinit(reservation *r) {
    ST_ASSERT(r->state == RESERVATION_STATIC);
    r->state = RESERVATION_DEINIT;
}

void reservation_unmap(reservation *r) {
    ST_ASSERT(r->state == RESERVATION_INIT || r->state == RESERVATION_DEINIT);
    if (r->mapped_bytes != 0) {
        /* Unpoison first: ASan keeps shadow for the range, and a later mapping at the same
         * address must not inherit our poison. */
        mem_unpoison(r->base, r->capacity_bytes);
        int rc = munmap(r->base, r->mapped_bytes);
        ST_ASSERT(rc == 0);
    } else {
        mem_unpoison(r->base, r->capacity_bytes);
    }
    memset(r, 0, sizeof *r);
}

void reservation_reset_for_testing(reservation *r) {
    ST_ASSERT(r->base != NULL);
    mem_poison(r->base, r->peak_bytes);
    r->used_bytes = 0;
    r->peak_bytes = 0;
    r->carve_count = 0;
    r->oom_count = 0;
    r->state = RESERVATION_INIT;
}

reservation_state reservation_get_state(const reservation *r) { return r->state; }

size_t reservation_carve_count(const reservation *r) { return r->carve_count; }

bool reservation_is_locked(const reservation *r) { return r->locked; }

bool reservation_owns(const reservation *r, const void *ptr) {
    uintptr_t p = (uintptr_t)ptr;
    uintptr_t base = (uintptr_t)r->base;
    return p >= base && p - base < r->capacity_bytes;
}

allocator_diagnostics reservation_diagnostics(const reservation *r) {
    return (allocator_diagnostics){
        .capacity_bytes = r->capacity_bytes,
        .allocated_bytes = r->used_bytes,
        .peak_allocated_bytes = r->peak_bytes,
        .oom_count = r->oom_count,
    };
}

static void *reservation_vtable_alloc(void *ctx, size_t len, size_t align) {
    return reservation_carve(ctx, len, align);
}

static bool reservation_vtable_resize(void *ctx, void *ptr, size_t old_len, size_t new_len,
                                      size_t align) {
    const reservation *r = ctx;
    ST_ASSERT(reservation_owns(r, ptr));
    (void)old_len;
    (void)new_len;
    (void)align;
    return false;
}

static void reservation_vtable_free(void *ctx, void *ptr, size_t len, size_t align) {
    const reservation *r = ctx;
    ST_ASSERT(r->state != RESERVATION_STATIC); /* pools never give memory back */
    ST_ASSERT(reservation_owns(r, ptr));
    (void)len;
    (void)align;
}

static const allocator_vtable reservation_vtable = {
    .alloc = reservation_vtable_alloc,
    .resize = reservation_vtable_resize,
    .free = reservation_vtable_free,
};

allocator reservation_allocator(reservation *r) {
    return (allocator){.ctx = r, .vtable = &reservation_vtable};
}

bool reservation_invariants_hold(const reservation *r) {
    if (r->base == NULL) return false;
    if (r->state != RESERVATION_INIT && r->state != RESERVATION_STATIC &&
        r->state != RESERVATION_DEINIT)
        return false;
    if (r->used_bytes > r->peak_bytes || r->peak_bytes > r->capacity_bytes) return false;
    if ((r->carve_count == 0) != (r->used_bytes == 0)) return false;
    if (r->mapped_bytes != 0 && r->mapped_bytes < r->capacity_bytes) return false;
#if STASIS_ASAN
    /* Spot check, O(1): the first whole granule after the carved part is poisoned. (The
     * granule holding the end of the last block may not be: ASan cannot poison the start
     * of a granule and not its end.) */
    uintptr_t granule = align_forward((uintptr_t)(r->base + r->used_bytes), 8);
    uintptr_t end = (uintptr_t)(r->base + r->capacity_bytes);
    if (granule + 8u <= end && !mem_is_poisoned((const void *)granule)) return false;
#endif
    return true;
}
