/*
 * fuzz_object_pool: random create / destroy / alloc / resize / free / reset sequences on an
 * object pool, through its typed API (create, destroy) or its allocator interface, optionally
 * behind a failing wrapper. Checked after every operation against a model of a LIFO pool that
 * takes never-used items in address order: the exact item every create must return (or that
 * the pool is exhausted, or that the interface refuses the request), whether each resize fits
 * the item, index_of / at / is_live, diagnostics and invariants_hold(); items inside, aligned,
 * disjoint and intact (shadow heap). At the end, invariants_hold_full().
 *
 * Input: u8 item bytes - 1, u8 log2 item alignment (0..OP_ALIGN_LOG2_MAX), u8 item count - 1,
 * u8 base offset (in items' alignments, 0..15), two failing-layer bytes, then operations
 * (fuzz/alloc_harness.h). A direct alloc is create (the item's whole length), a direct free is
 * destroy; resizes always use the interface. "other": arg % 4 = 0 reset, 1 index round trip
 * of live item arg / 4, 2 is_live of item slot arg / 4, 3 is_live of an interior pointer.
 */
#include <inttypes.h>
#include <stdio.h>

#include "alloc/object_pool.h"
#include "harness/alloc_harness.h"
#include "harness/cursor.h"
#include "drivers/fuzz_target.h"

#define OP_ITEM_BYTES_MAX   256u
#define OP_ALIGN_LOG2_MAX   7u
#define OP_ITEMS_MAX        256u
#define OP_OFFSET_STEPS_MAX 15u
/* Items, live bytes and the largest offset. */
#define OP_BACKING_BYTES        ((size_t)OP_ITEMS_MAX * 256u + OP_ITEMS_MAX + OP_OFFSET_STEPS_MAX * 128u)
#define OP_ALIGN_LOG2_ASKED_MAX 8u /* requests may ask more than the pool gives */

static const harness_limits limits = {.len_max = OP_ITEM_BYTES_MAX + 64u,
                                      .align_log2_max = OP_ALIGN_LOG2_ASKED_MAX};

typedef struct config {
    object_pool_params params;
    size_t offset_steps;
    failing_config failing;
} config;

static uint8_t backing[OP_BACKING_BYTES] __attribute__((aligned(4096)));
static object_pool pool;

/* The model: LIFO free stack of indexes, then never-used items in order. */
static struct {
    uint8_t *base;
    size_t stride;
    size_t item_bytes;
    size_t item_align;
    uint32_t count;
    uint32_t fresh;
    uint32_t free_stack[OP_ITEMS_MAX];
    uint32_t free_top;
    bool live[OP_ITEMS_MAX];
    uint32_t live_count;
    uint32_t peak;
    uint64_t oom;
} m;

FUZZ_NO_COVERAGE static config decode_config(cursor *c) {
    config cfg;
    cfg.params.item_bytes = cursor_range(c, 1, OP_ITEM_BYTES_MAX);
    cfg.params.item_align = (size_t)1 << cursor_range(c, 0, OP_ALIGN_LOG2_MAX);
    cfg.params.item_count = cursor_range(c, 1, OP_ITEMS_MAX);
    cfg.offset_steps = cursor_range(c, 0, OP_OFFSET_STEPS_MAX);
    cfg.failing = failing_config_decode(c);
    return cfg;
}

FUZZ_NO_COVERAGE static void describe_other(FILE *out, uint8_t arg) {
    switch (arg % 4u) {
    case 0: fprintf(out, "reset\n"); break;
    case 1: fprintf(out, "index_of / at round trip of block[%u %% live]\n", arg / 4u); break;
    case 2: fprintf(out, "is_live of item slot %u %% count\n", arg / 4u); break;
    case 3: fprintf(out, "is_live of an interior pointer of block[%u %% live]\n", arg / 4u); break;
    }
}

FUZZ_NO_COVERAGE static void describe(const uint8_t *data, size_t size, FILE *out) {
    cursor c = cursor_make(data, size);
    config cfg = decode_config(&c);
    fprintf(out, "object pool: %" PRIu32 " items of %zu bytes, align %zu, base offset %zu\n",
            cfg.params.item_count, cfg.params.item_bytes, cfg.params.item_align, cfg.offset_steps);
    failing_config_describe(out, "interface calls", &cfg.failing);
    for (size_t i = 0; !cursor_empty(&c); i++) {
        harness_op o = harness_decode_op(&c, &limits);
        if (o.kind == HOP_ALLOC && !o.via_interface) {
            fprintf(out, "#%zu create\n", i);
        } else if (o.kind == HOP_FREE && !o.via_interface) {
            fprintf(out, "#%zu destroy block[%u %% live]\n", i, o.block);
        } else {
            harness_describe_op(out, i, &o, describe_other);
        }
    }
}


/* ---- the subject: direct alloc/free are the typed API ---- */

static void *subject_create(size_t len, size_t align) {
    (void)len;
    (void)align;
    return object_pool_create(&pool);
}

static void subject_destroy(void *ptr, size_t len, size_t align) {
    (void)len;
    (void)align;
    object_pool_destroy(&pool, ptr);
}

static allocator subject_iface(void) { return object_pool_allocator(&pool); }

static const harness_subject subject = {
    .alloc = subject_create,
    .resize = NULL,
    .free = subject_destroy,
    .iface = subject_iface,
};

/* ---- the model ---- */

FUZZ_NO_COVERAGE static uint32_t model_index(const void *ptr) {
    return (uint32_t)(((const uint8_t *)ptr - m.base) / (ptrdiff_t)m.stride);
}

FUZZ_NO_COVERAGE static uint8_t *model_alloc(size_t len, size_t align, bool via_interface) {
    if (via_interface && (len > m.item_bytes || align > m.item_align)) return NULL;
    uint32_t i;
    if (m.free_top > 0) {
        i = m.free_stack[--m.free_top];
    } else if (m.fresh < m.count) {
        i = m.fresh++;
    } else {
        m.oom++;
        return NULL;
    }
    m.live[i] = true;
    m.live_count++;
    if (m.live_count > m.peak) m.peak = m.live_count;
    return m.base + (size_t)i * m.stride;
}

FUZZ_NO_COVERAGE static bool model_resize(const shadow_block *b, size_t new_len,
                                          bool via_interface) {
    (void)b;
    (void)via_interface;
    return new_len <= m.item_bytes;
}

FUZZ_NO_COVERAGE static void model_free(const shadow_block *b, bool via_interface) {
    (void)via_interface;
    uint32_t i = model_index(b->ptr);
    FUZZ_CHECK(m.live[i], "model: item %" PRIu32 " freed while not live", i);
    m.live[i] = false;
    m.live_count--;
    m.free_stack[m.free_top++] = i;
}

FUZZ_NO_COVERAGE static void model_reset(void) {
    for (uint32_t i = 0; i < m.count; i++)
        m.live[i] = false;
    m.fresh = 0;
    m.free_top = 0;
    m.live_count = 0;
    m.peak = 0;
}

FUZZ_NO_COVERAGE static void model_check(void) {
    allocator_diagnostics d = object_pool_diagnostics(&pool);
    FUZZ_CHECK(d.capacity_bytes == m.count * m.item_bytes, "capacity %zu", d.capacity_bytes);
    FUZZ_CHECK(d.allocated_bytes == m.live_count * m.item_bytes, "allocated %zu, model %zu",
               d.allocated_bytes, m.live_count * m.item_bytes);
    FUZZ_CHECK(d.peak_allocated_bytes == m.peak * m.item_bytes, "peak %zu, model %zu",
               d.peak_allocated_bytes, m.peak * m.item_bytes);
    FUZZ_CHECK(d.oom_count == m.oom, "oom_count %" PRIu64 ", model %" PRIu64, d.oom_count, m.oom);
    FUZZ_CHECK(object_pool_live_count(&pool) == m.live_count, "live %" PRIu32 ", model %" PRIu32,
               object_pool_live_count(&pool), m.live_count);
    FUZZ_CHECK(object_pool_invariants_hold(&pool), "object_pool_invariants_hold() is false");
}

FUZZ_NO_COVERAGE static void model_check_full(void) {
    FUZZ_CHECK(object_pool_invariants_hold_full(&pool),
               "object_pool_invariants_hold_full() is false");
}

static const harness_model model_ops = {
    .alloc = model_alloc,
    .resize = model_resize,
    .free = model_free,
    .check = model_check,
    .check_full = model_check_full,
};

/* ---- the pool's own operations ---- */

FUZZ_NO_COVERAGE static void run_other(uint8_t arg) {
    shadow_heap *shadow = harness_shadow();
    switch (arg % 4u) {
    case 0:
        object_pool_reset(&pool);
        model_reset();
        harness_forget_all();
        break;
    case 1: {
        if (shadow->count == 0) break;
        uint8_t *p = shadow->blocks[(arg / 4u) % shadow->count].ptr;
        uint32_t i = object_pool_index_of(&pool, p);
        FUZZ_CHECK(i == model_index(p), "index_of %" PRIu32 ", model %" PRIu32, i, model_index(p));
        FUZZ_CHECK(object_pool_at(&pool, i) == p, "at(%" PRIu32 ") is not the item", i);
        break;
    }
    case 2: {
        uint32_t i = (arg / 4u) % m.count;
        bool live = object_pool_is_live(&pool, m.base + (size_t)i * m.stride);
        FUZZ_CHECK(live == m.live[i], "is_live(item %" PRIu32 ") %d, model %d", i, live, m.live[i]);
        break;
    }
    case 3: {
        if (shadow->count == 0 || m.stride < 2) break;
        uint8_t *p = shadow->blocks[(arg / 4u) % shadow->count].ptr;
        FUZZ_CHECK(!object_pool_is_live(&pool, p + 1), "an interior pointer is_live");
        break;
    }
    }
}

static int run_input(const uint8_t *data, size_t size) {
    cursor c = cursor_make(data, size);
    config cfg = decode_config(&c);
    size_t memory_bytes = object_pool_memory_bytes(cfg.params);
    uint8_t *memory = backing + cfg.offset_steps * object_pool_item_align(cfg.params);
    FUZZ_CHECK(memory + memory_bytes <= backing + sizeof backing, "backing too small");
    object_pool_init(&pool, memory, memory_bytes, cfg.params);
    m.base = memory;
    m.stride = object_pool_stride_bytes(cfg.params);
    m.item_bytes = cfg.params.item_bytes;
    m.item_align = object_pool_item_align(cfg.params);
    m.count = cfg.params.item_count;
    m.oom = 0;
    model_reset();
    harness_begin(&subject, &model_ops, &cfg.failing, memory, (size_t)m.count * m.stride);
    harness_check();
    for (size_t i = 0; !cursor_empty(&c); i++) {
        fuzz_set_op(i);
        harness_op o = harness_decode_op(&c, &limits);
        switch (o.kind) {
        case HOP_ALLOC:
            if (!o.via_interface) {
                o.len = (uint32_t)m.item_bytes; /* create: the whole item */
                o.align = m.item_align;
            }
            harness_alloc(&o);
            break;
        case HOP_RESIZE: harness_resize(&o); break;
        case HOP_FREE: harness_free(&o); break;
        case HOP_OTHER: run_other(o.arg); break;
        }
        harness_check();
    }
    harness_end();
    return 0;
}

const fuzz_target_info fuzz_target = {
    .name = "object_pool", .format_version = 1, .run = run_input, .describe = describe};
