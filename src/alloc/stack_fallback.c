#include "alloc/stack_fallback.h"

#include <string.h>

void stack_fallback_init(stack_fallback *sf, void *buffer, size_t buffer_bytes,
                         allocator fallback) {
    ST_ASSERT(sf != NULL);
    ST_ASSERT(fallback.vtable != NULL);
    memset(sf, 0, sizeof *sf);
    fixed_buffer_init(&sf->primary, buffer, buffer_bytes);
    sf->fallback = fallback;
}

STASIS_FAST_PATH bool stack_fallback_owns_primary(const stack_fallback *sf, const void *ptr) {
    return fixed_buffer_owns(&sf->primary, ptr);
}

static size_t allocated_now(const stack_fallback *sf) {
    return fixed_buffer_diagnostics(&sf->primary).allocated_bytes + sf->fallback_live_bytes;
}

static void note_peak(stack_fallback *sf) {
    size_t now = allocated_now(sf);
    if (now > sf->peak_bytes) sf->peak_bytes = now;
}

STASIS_FAST_PATH void *stack_fallback_alloc(stack_fallback *sf, size_t len, size_t align) {
    ST_ASSERT(allocator_align_valid(align));
    if (len == 0) return ALLOCATOR_ZERO_LENGTH(align);
    void *p = fixed_buffer_alloc(&sf->primary, len, align);
    if (p == NULL) {
        p = allocator_alloc(sf->fallback, len, align);
        if (p == NULL) {
            sf->oom_count++;
            return NULL;
        }
        ST_ASSERT(!stack_fallback_owns_primary(sf, p)); /* the two must not overlap */
        sf->fallback_live_bytes += len;
        sf->fallback_allocations++;
    }
    note_peak(sf);
    return p;
}

bool stack_fallback_resize(stack_fallback *sf, void *ptr, size_t old_len, size_t new_len,
                           size_t align) {
    ST_ASSERT(new_len > 0);
    if (stack_fallback_owns_primary(sf, ptr)) {
        if (!fixed_buffer_resize(&sf->primary, ptr, old_len, new_len, align)) return false;
        note_peak(sf);
        return true;
    }
    if (!allocator_resize(sf->fallback, ptr, old_len, new_len, align)) return false;
    ST_ASSERT(sf->fallback_live_bytes >= old_len);
    sf->fallback_live_bytes = sf->fallback_live_bytes - old_len + new_len;
    note_peak(sf);
    return true;
}

STASIS_FAST_PATH void stack_fallback_free(stack_fallback *sf, void *ptr, size_t len, size_t align) {
    if (stack_fallback_owns_primary(sf, ptr)) {
#ifdef STASIS_CANARY_STACK_FALLBACK_PRIMARY_FREE_LOST
        /* Planted bug: a fixed-buffer block is never given back, not even the last one. */
        (void)len;
        (void)align;
#else
        fixed_buffer_free(&sf->primary, ptr, len, align);
#endif
        return;
    }
    ST_ASSERT(sf->fallback_live_bytes >= len);
    sf->fallback_live_bytes -= len;
    allocator_free(sf->fallback, ptr, len, align);
}

void stack_fallback_reset(stack_fallback *sf) {
    fixed_buffer_reset(&sf->primary);
    sf->peak_bytes = allocated_now(sf);
}

const fixed_buffer *stack_fallback_primary(const stack_fallback *sf) { return &sf->primary; }

size_t stack_fallback_fallback_live_bytes(const stack_fallback *sf) {
    return sf->fallback_live_bytes;
}

uint64_t stack_fallback_fallback_allocations(const stack_fallback *sf) {
    return sf->fallback_allocations;
}

allocator_diagnostics stack_fallback_diagnostics(const stack_fallback *sf) {
    return (allocator_diagnostics){
        .capacity_bytes = fixed_buffer_diagnostics(&sf->primary).capacity_bytes,
        .allocated_bytes = allocated_now(sf),
        .peak_allocated_bytes = sf->peak_bytes,
        .oom_count = sf->oom_count,
    };
}

static void *stack_fallback_vtable_alloc(void *ctx, size_t len, size_t align) {
    return stack_fallback_alloc(ctx, len, align);
}

static bool stack_fallback_vtable_resize(void *ctx, void *ptr, size_t old_len, size_t new_len,
                                         size_t align) {
    return stack_fallback_resize(ctx, ptr, old_len, new_len, align);
}

static void stack_fallback_vtable_free(void *ctx, void *ptr, size_t len, size_t align) {
    stack_fallback_free(ctx, ptr, len, align);
}

static const allocator_vtable stack_fallback_vtable = {
    .alloc = stack_fallback_vtable_alloc,
    .resize = stack_fallback_vtable_resize,
    .free = stack_fallback_vtable_free,
};

allocator stack_fallback_allocator(stack_fallback *sf) {
    return (allocator){.ctx = sf, .vtable = &stack_fallback_vtable};
}

bool stack_fallback_invariants_hold(const stack_fallback *sf) {
    if (sf->fallback.vtable == NULL) return false;
    if (!fixed_buffer_invariants_hold(&sf->primary)) return false;
    if (sf->peak_bytes < allocated_now(sf)) return false;
    if ((sf->fallback_live_bytes != 0) && sf->fallback_allocations == 0) return false;
    return true;
}
