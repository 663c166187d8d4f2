#include "alloc/fixed_buffer.h"

#include <string.h>

#include "alloc/poison.h"

void fixed_buffer_init(fixed_buffer *fb, void *buffer, size_t capacity_bytes) {
    ST_ASSERT(fb != NULL);
    ST_ASSERT(buffer != NULL || capacity_bytes == 0);
    memset(fb, 0, sizeof *fb);
    fb->buffer = buffer;
    fb->capacity_bytes = capacity_bytes;
    mem_poison(buffer, capacity_bytes);
}

STASIS_FAST_PATH bool fixed_buffer_owns(const fixed_buffer *fb, const void *ptr) {
    uintptr_t p = (uintptr_t)ptr;
    uintptr_t base = (uintptr_t)fb->buffer;
    return p >= base && p - base < fb->capacity_bytes;
}

STASIS_FAST_PATH bool fixed_buffer_is_last(const fixed_buffer *fb, const void *ptr, size_t len) {
    return (const uint8_t *)ptr + len == fb->buffer + fb->end_index;
}

STASIS_FAST_PATH void *fixed_buffer_alloc(fixed_buffer *fb, size_t len, size_t align) {
    ST_ASSERT(allocator_align_valid(align));
    if (len == 0) return ALLOCATOR_ZERO_LENGTH(align);
    uintptr_t at = (uintptr_t)(fb->buffer + fb->end_index);
    size_t padding = (size_t)((0u - at) & ((uintptr_t)align - 1u));
    size_t left = fb->capacity_bytes - fb->end_index;
    if (len > left || padding > left - len) {
        fb->oom_count++;
        return NULL;
    }
    uint8_t *block = fb->buffer + fb->end_index + padding;
    fb->end_index += padding + len;
    if (fb->end_index > fb->peak_bytes) fb->peak_bytes = fb->end_index;
    mem_unpoison_undefined(block, len);
    ST_ASSERT(fixed_buffer_owns(fb, block));
    ST_ASSERT(fb->end_index <= fb->capacity_bytes);
    return block;
}

STASIS_FAST_PATH bool fixed_buffer_resize(fixed_buffer *fb, void *ptr, size_t old_len,
                                          size_t new_len, size_t align) {
    ST_ASSERT(allocator_align_valid(align));
    ST_ASSERT(new_len > 0);
    ST_ASSERT(fixed_buffer_owns(fb, ptr));
    uint8_t *block = ptr;
    if (!fixed_buffer_is_last(fb, ptr, old_len)) {
        if (new_len > old_len) return false;
        mem_poison(block + new_len, old_len - new_len);
        return true;
    }
    size_t start = (size_t)(block - fb->buffer);
    if (new_len > fb->capacity_bytes - start) {
        fb->oom_count++;
        return false;
    }
    if (new_len > old_len) {
        mem_unpoison_undefined(block + old_len, new_len - old_len);
    } else {
        mem_poison(block + new_len, old_len - new_len);
    }
    fb->end_index = start + new_len;
    if (fb->end_index > fb->peak_bytes) fb->peak_bytes = fb->end_index;
    return true;
}

STASIS_FAST_PATH void fixed_buffer_free(fixed_buffer *fb, void *ptr, size_t len, size_t align) {
    ST_ASSERT(allocator_align_valid(align));
    ST_ASSERT(len > 0);
    ST_ASSERT(fixed_buffer_owns(fb, ptr));
    ST_ASSERT(((uintptr_t)ptr & (align - 1u)) == 0u);
    mem_poison(ptr, len);
#ifdef STASIS_CANARY_FIXED_BUFFER_FREE_ANY
    /* Planted bug: any free moves the end index back, not only the last block's. */
    fb->end_index -= len;
#else
    if (fixed_buffer_is_last(fb, ptr, len)) fb->end_index -= len;
#endif
}

void fixed_buffer_reset(fixed_buffer *fb) {
    /* Poison only what was ever handed out since init: cost follows use, not capacity. */
    mem_poison(fb->buffer, fb->peak_bytes);
    fb->end_index = 0;
    fb->peak_bytes = 0;
}

allocator_diagnostics fixed_buffer_diagnostics(const fixed_buffer *fb) {
    return (allocator_diagnostics){
        .capacity_bytes = fb->capacity_bytes,
        .allocated_bytes = fb->end_index,
        .peak_allocated_bytes = fb->peak_bytes,
        .oom_count = fb->oom_count,
    };
}

static void *fixed_buffer_vtable_alloc(void *ctx, size_t len, size_t align) {
    return fixed_buffer_alloc(ctx, len, align);
}

static bool fixed_buffer_vtable_resize(void *ctx, void *ptr, size_t old_len, size_t new_len,
                                       size_t align) {
    return fixed_buffer_resize(ctx, ptr, old_len, new_len, align);
}

static void fixed_buffer_vtable_free(void *ctx, void *ptr, size_t len, size_t align) {
    fixed_buffer_free(ctx, ptr, len, align);
}

static const allocator_vtable fixed_buffer_vtable = {
    .alloc = fixed_buffer_vtable_alloc,
    .resize = fixed_buffer_vtable_resize,
    .free = fixed_buffer_vtable_free,
};

allocator fixed_buffer_allocator(fixed_buffer *fb) {
    return (allocator){.ctx = fb, .vtable = &fixed_buffer_vtable};
}

bool fixed_buffer_invariants_hold(const fixed_buffer *fb) {
    if (fb->buffer == NULL && fb->capacity_bytes != 0) return false;
    if (fb->end_index > fb->capacity_bytes) return false;
    if (fb->peak_bytes > fb->capacity_bytes) return false;
    if (fb->end_index > fb->peak_bytes) return false;
#if STASIS_ASAN
    uintptr_t granule = align_forward((uintptr_t)(fb->buffer + fb->end_index), 8);
    uintptr_t end = (uintptr_t)(fb->buffer + fb->capacity_bytes);
    if (granule + 8u <= end && !mem_is_poisoned((const void *)granule)) return false;
#endif
    return true;
}
