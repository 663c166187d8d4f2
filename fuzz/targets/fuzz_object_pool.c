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
 * (harness/alloc_harness.h, no interface flag): table `ops` below, id space 12. alloc,
 * resize and free go through the interface; create (the item's whole length) and destroy
 * are the typed API. The pool's own operations read one byte naming a live block or an item
 * slot (modulo how many).
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

/* Operation ids: append only (harness/choice.h). */
enum {
    OP_CREATE = HARNESS_OP_OWN_FIRST,
    OP_DESTROY,
    OP_RESET,
    OP_INDEX_ROUND_TRIP,
    OP_IS_LIVE_SLOT,
    OP_IS_LIVE_INTERIOR
};
static const char *const op_names[] = {"alloc",
                                       "resize",
                                       "free",
                                       "create",
                                       "destroy",
                                       "reset",
                                       "index_of / at round trip of",
                                       "is_live of",
                                       "is_live of an interior pointer of"};
static const choice_table ops = CHOICE_TABLE_INIT(op_names, 12);

typedef struct config {
    object_pool_params params;
    size_t offset_steps;
    failing_config failing;
} config;

static uint8_t backing[OP_BACKING_BYTES] __attribute__((aligned(4096)));
static config cfg;
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

/* False iff a choice in the config is unassigned. */
FUZZ_NO_COVERAGE static bool decode_config(cursor *c) {
    cfg.params.item_bytes = cursor_range(c, 1, OP_ITEM_BYTES_MAX);
    cfg.params.item_align = (size_t)1 << cursor_range(c, 0, OP_ALIGN_LOG2_MAX);
    cfg.params.item_count = cursor_range(c, 1, OP_ITEMS_MAX);
    cfg.offset_steps = cursor_range(c, 0, OP_OFFSET_STEPS_MAX);
    return failing_config_decode(c, &cfg.failing);
}

FUZZ_NO_COVERAGE static void describe_config(FILE *out) {
    fprintf(out, "object pool: %" PRIu32 " items of %zu bytes, align %zu, base offset %zu\n",
            cfg.params.item_count, cfg.params.item_bytes, cfg.params.item_align, cfg.offset_steps);
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

HARNESS_MODEL(model_check_full);

/* ---- the pool's own operations ---- */

FUZZ_NO_COVERAGE static void decode_own(cursor *c, harness_op *o) {
    if (o->id == OP_CREATE || o->id == OP_RESET) return;
    o->which = cursor_u8(c);
}

FUZZ_NO_COVERAGE static void describe_own(FILE *out, const harness_op *o) {
    switch (o->id) {
    case OP_CREATE:
    case OP_RESET: break;
    case OP_IS_LIVE_SLOT: fprintf(out, " item slot %u %% count", o->which); break;
    default: fprintf(out, " block[%u %% live]", o->which); break;
    }
}

FUZZ_NO_COVERAGE static void run_own(const harness_op *o) {
    shadow_heap *shadow = harness_shadow();
    switch (o->id) {
    case OP_CREATE: {
        harness_op create = {
            .kind = HOP_ALLOC, .len = (uint32_t)m.item_bytes, .align = m.item_align};
        harness_alloc(&create);
        break;
    }
    case OP_DESTROY: {
        harness_op destroy = {.kind = HOP_FREE, .block = o->which};
        harness_free(&destroy);
        break;
    }
    case OP_RESET:
        object_pool_reset(&pool);
        model_reset();
        harness_forget_all();
        break;
    case OP_INDEX_ROUND_TRIP: {
        if (shadow->count == 0) break;
        uint8_t *p = shadow->blocks[o->which % shadow->count].ptr;
        uint32_t i = object_pool_index_of(&pool, p);
        FUZZ_CHECK(i == model_index(p), "index_of %" PRIu32 ", model %" PRIu32, i, model_index(p));
        FUZZ_CHECK(object_pool_at(&pool, i) == p, "at(%" PRIu32 ") is not the item", i);
        break;
    }
    case OP_IS_LIVE_SLOT: {
        uint32_t i = o->which % m.count;
        bool live = object_pool_is_live(&pool, m.base + (size_t)i * m.stride);
        FUZZ_CHECK(live == m.live[i], "is_live(item %" PRIu32 ") %d, model %d", i, live, m.live[i]);
        break;
    }
    case OP_IS_LIVE_INTERIOR: {
        if (shadow->count == 0 || m.stride < 2) break;
        uint8_t *p = shadow->blocks[o->which % shadow->count].ptr;
        FUZZ_CHECK(!object_pool_is_live(&pool, p + 1), "an interior pointer is_live");
        break;
    }
    }
}

FUZZ_NO_COVERAGE static harness_span start(void) {
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
    return (harness_span){memory, (size_t)m.count * m.stride};
}

static const harness_target target = {
    HARNESS_TARGET_PARTS(run_own),
    .ops = &ops,
    .interface_flag = false,
    .limits = {.len_max = OP_ITEM_BYTES_MAX + 64u, .align_log2_max = OP_ALIGN_LOG2_ASKED_MAX},
    .layers = {{"interface calls", &cfg.failing}},
    .layer_count = 1,
    .start = start,
};

HARNESS_FUZZ_TARGET("object_pool", 1, target);
