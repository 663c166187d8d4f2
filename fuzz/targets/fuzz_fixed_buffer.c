/*
 * fuzz_fixed_buffer: random alloc / resize / free / reset sequences on a fixed buffer
 * allocator, checked after every operation against a model of Zig's FixedBufferAllocator:
 * success exactly as predicted, blocks inside the buffer, aligned, disjoint and intact
 * (shadow heap), diagnostics equal to the model's, invariants_hold().
 *
 * Input: u16 capacity (0..FB_CAPACITY_MAX_BYTES), u8 base offset (0..15), then operations.
 * An operation is a tag byte (kind = tag % 8, bit 7 = through the allocator interface)
 * followed by its arguments; see decode_op.
 */
#include <inttypes.h>
#include <stdio.h>

#include "alloc/fixed_buffer.h"
#include "harness/cursor.h"
#include "drivers/fuzz_target.h"
#include "models/shadow_heap.h"

#define FB_CAPACITY_MAX_BYTES  4096u
#define FB_BLOCK_LEN_MAX_BYTES 1024u
#define FB_ALIGN_LOG2_MAX      12u /* 4096 */

typedef enum op_kind { OP_ALLOC, OP_RESIZE, OP_FREE, OP_RESET } op_kind;

typedef struct op {
    op_kind kind;
    bool via_interface;
    uint32_t len;  /* alloc: length; resize: new length */
    size_t align;  /* alloc */
    uint8_t block; /* resize, free: index of a live block, modulo the live count */
} op;

typedef struct model {
    uint8_t *base;
    size_t capacity;
    size_t end;
    size_t peak;
    uint64_t oom;
} model;

static uint8_t backing[FB_CAPACITY_MAX_BYTES + 64] __attribute__((aligned(4096)));
static fixed_buffer fb;
static shadow_heap shadow;
static model m;
static uint8_t next_fill;

FUZZ_NO_COVERAGE static op decode_op(cursor *c) {
    static const op_kind kinds[8] = {OP_ALLOC,  OP_ALLOC, OP_ALLOC, OP_RESIZE,
                                     OP_RESIZE, OP_FREE,  OP_FREE,  OP_RESET};
    uint8_t tag = cursor_u8(c);
    op o = {.kind = kinds[tag % 8u], .via_interface = (tag & 0x80u) != 0, .align = 1};
    switch (o.kind) {
    case OP_ALLOC:
        o.len = cursor_range(c, 0, FB_BLOCK_LEN_MAX_BYTES);
        o.align = (size_t)1 << cursor_range(c, 0, FB_ALIGN_LOG2_MAX);
        break;
    case OP_RESIZE:
        o.block = cursor_u8(c);
        o.len = cursor_range(c, 1, FB_BLOCK_LEN_MAX_BYTES);
        break;
    case OP_FREE: o.block = cursor_u8(c); break;
    case OP_RESET: break;
    }
    return o;
}

FUZZ_NO_COVERAGE static void describe_op(FILE *out, size_t index, const op *o) {
    const char *via = o->via_interface ? " (interface)" : "";
    switch (o->kind) {
    case OP_ALLOC:
        fprintf(out, "#%zu alloc len=%" PRIu32 " align=%zu%s\n", index, o->len, o->align, via);
        break;
    case OP_RESIZE:
        fprintf(out, "#%zu resize block[%u %% live] to len=%" PRIu32 "%s\n", index, o->block,
                o->len, via);
        break;
    case OP_FREE: fprintf(out, "#%zu free block[%u %% live]%s\n", index, o->block, via); break;
    case OP_RESET: fprintf(out, "#%zu reset\n", index); break;
    }
}

FUZZ_NO_COVERAGE static void describe(const uint8_t *data, size_t size, FILE *out) {
    cursor c = cursor_make(data, size);
    unsigned capacity = cursor_range(&c, 0, FB_CAPACITY_MAX_BYTES);
    unsigned offset = cursor_range(&c, 0, 15);
    fprintf(out, "fixed buffer: capacity=%u base offset=%u\n", capacity, offset);
    for (size_t i = 0; !cursor_empty(&c); i++) {
        op o = decode_op(&c);
        describe_op(out, i, &o);
    }
}


FUZZ_NO_COVERAGE static void check_against_model(void) {
    allocator_diagnostics d = fixed_buffer_diagnostics(&fb);
    FUZZ_CHECK(d.capacity_bytes == m.capacity, "capacity %zu, model %zu", d.capacity_bytes,
               m.capacity);
    FUZZ_CHECK(d.allocated_bytes == m.end, "allocated %zu, model %zu", d.allocated_bytes, m.end);
    FUZZ_CHECK(d.peak_allocated_bytes == m.peak, "peak %zu, model %zu", d.peak_allocated_bytes,
               m.peak);
    FUZZ_CHECK(d.oom_count == m.oom, "oom_count %" PRIu64 ", model %" PRIu64, d.oom_count, m.oom);
    FUZZ_CHECK(fixed_buffer_invariants_hold(&fb), "fixed_buffer_invariants_hold() is false");
}

FUZZ_NO_COVERAGE static void run_alloc(const op *o) {
    if (shadow_heap_full(&shadow)) return;
    uintptr_t at = (uintptr_t)(m.base + m.end);
    size_t padding = (size_t)((0u - at) & (o->align - 1u));
    bool fits = padding <= m.capacity - m.end && o->len <= m.capacity - m.end - padding;
    allocator a = fixed_buffer_allocator(&fb);
    void *p = o->via_interface ? allocator_alloc(a, o->len, o->align)
                               : fixed_buffer_alloc(&fb, o->len, o->align);
    if (o->len == 0) {
        FUZZ_CHECK(p == ALLOCATOR_ZERO_LENGTH(o->align), "zero-length alloc returned %p", p);
        return;
    }
    FUZZ_CHECK((p != NULL) == fits, "fixed buffer alloc of %" PRIu32 " returned %p, model %s",
               o->len, p, fits ? "fits" : "has no room");
    if (p == NULL) {
        m.oom++;
        return;
    }
    FUZZ_CHECK((uint8_t *)p == m.base + m.end + padding, "block at offset %td, model %zu",
               (uint8_t *)p - m.base, m.end + padding);
    m.end += padding + o->len;
    if (m.end > m.peak) m.peak = m.end;
    shadow_heap_add(&shadow, p, o->len, o->align, next_fill++);
}

FUZZ_NO_COVERAGE static void run_resize(const op *o) {
    if (shadow.count == 0) return;
    size_t i = o->block % shadow.count;
    shadow_block b = shadow.blocks[i];
    bool last = b.ptr + b.len == m.base + m.end;
    bool ok;
    if (!last) {
        ok = o->len <= b.len;
    } else {
        size_t start = (size_t)(b.ptr - m.base);
        ok = o->len <= m.capacity - start;
        if (ok) m.end = start + o->len;
        if (!ok) m.oom++;
        if (m.end > m.peak) m.peak = m.end;
    }
    bool got = o->via_interface
                   ? allocator_resize(fixed_buffer_allocator(&fb), b.ptr, b.len, o->len, b.align)
                   : fixed_buffer_resize(&fb, b.ptr, b.len, o->len, b.align);
    FUZZ_CHECK(got == ok, "resize of %s block from %zu to %" PRIu32 " returned %d, model %d",
               last ? "the last" : "a non-last", b.len, o->len, got, ok);
    if (got) shadow_heap_resized(&shadow, i, o->len);
}

FUZZ_NO_COVERAGE static void run_free(const op *o) {
    if (shadow.count == 0) return;
    size_t i = o->block % shadow.count;
    shadow_block b = shadow.blocks[i];
    /* Verify before freeing: free poisons the block. */
    shadow_heap_remove(&shadow, i);
    if (b.ptr + b.len == m.base + m.end) m.end -= b.len;
    if (o->via_interface) {
        allocator_free(fixed_buffer_allocator(&fb), b.ptr, b.len, b.align);
    } else {
        fixed_buffer_free(&fb, b.ptr, b.len, b.align);
    }
}

static int run_input(const uint8_t *data, size_t size) {
    cursor c = cursor_make(data, size);
    size_t capacity = cursor_range(&c, 0, FB_CAPACITY_MAX_BYTES);
    size_t offset = cursor_range(&c, 0, 15);
    m = (model){.base = backing + offset, .capacity = capacity};
    fixed_buffer_init(&fb, m.base, capacity);
    shadow_heap_init(&shadow, m.base, capacity);
    check_against_model();
    for (size_t i = 0; !cursor_empty(&c); i++) {
        fuzz_set_op(i);
        op o = decode_op(&c);
        switch (o.kind) {
        case OP_ALLOC: run_alloc(&o); break;
        case OP_RESIZE: run_resize(&o); break;
        case OP_FREE: run_free(&o); break;
        case OP_RESET:
            fixed_buffer_reset(&fb);
            shadow_heap_clear(&shadow);
            m.end = 0;
            m.peak = 0;
            break;
        }
        check_against_model();
    }
    shadow_heap_verify_all(&shadow);
    return 0;
}

const fuzz_target_info fuzz_target = {
    .name = "fixed_buffer", .format_version = 1, .run = run_input, .describe = describe};
