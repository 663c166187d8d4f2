/*
 * fuzz_stack_fallback: random alloc / resize / free / reset sequences on a stack fallback
 * allocator (a fixed buffer, then a block allocator, optionally behind a failing wrapper that
 * makes the fallback refuse), through its own API or its allocator interface (optionally
 * behind another failing wrapper). Checked after every operation against a model made of a
 * bump model of the fixed buffer (Zig's FixedBufferAllocator rules) and the first-fit model
 * of the fallback: which of the two serves each allocation and at exactly which address,
 * that resize and free reach the owner, diagnostics of the whole and of both parts,
 * invariants; blocks inside, aligned, disjoint and intact (shadow heap). At the end, the
 * fallback's full invariants.
 *
 * Input: u16 fixed buffer bytes (0..SF_PRIMARY_MAX_BYTES), u8 fallback block count - 1, u8
 * log2(fallback block bytes / 16) (0..1), two bytes for the fallback-side failing wrapper,
 * two for the interface-side one, then operations (harness/alloc_harness.h, with the
 * interface flag): table `ops` below, id space 8.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "alloc/block_allocator.h"
#include "alloc/failing.h"
#include "alloc/stack_fallback.h"
#include "harness/alloc_harness.h"
#include "harness/cursor.h"
#include "drivers/fuzz_target.h"

#define SF_PRIMARY_MAX_BYTES   2048u
#define SF_FALLBACK_BLOCKS_MAX 256u
#define SF_FALLBACK_SHIFT_MAX  1u
#define SF_FALLBACK_AT         ((size_t)4096) /* the fallback heap starts here in the backing */
#define SF_BACKING_BYTES       (SF_FALLBACK_AT + SF_FALLBACK_BLOCKS_MAX * 32u + 512u) /* + metadata */
#define SF_LEN_MAX_BYTES       1024u
#define SF_ALIGN_LOG2_MAX      8u

/* Operation ids: append only (harness/choice.h). */
static const char *const op_names[] = {"alloc", "resize", "free", "reset"};
static const choice_table ops = CHOICE_TABLE_INIT(op_names, 8);

typedef struct config {
    size_t primary_bytes;
    block_allocator_params fallback;
    failing_config fallback_failing;
    failing_config failing;
} config;

static uint8_t backing[SF_BACKING_BYTES] __attribute__((aligned(4096)));
static config cfg;
static harness_block_layer fallback = {.name = "fallback"};
static stack_fallback sf;

/* The model: the fixed buffer's bump state, what lives in the fallback (whose heap is its
 * layer's). */
static struct {
    uint8_t *primary;
    size_t primary_bytes;
    size_t end;
    size_t primary_peak;
    uint64_t primary_oom;
    size_t fallback_live;
    uint64_t fallback_allocations;
    size_t peak;
    uint64_t oom;
} m;

/* False iff a choice in the config is unassigned. */
FUZZ_NO_COVERAGE static bool decode_config(cursor *c) {
    cfg.primary_bytes = cursor_range(c, 0, SF_PRIMARY_MAX_BYTES);
    cfg.fallback.block_count = cursor_range(c, 1, SF_FALLBACK_BLOCKS_MAX);
    cfg.fallback.block_bytes = (uint32_t)16 << cursor_range(c, 0, SF_FALLBACK_SHIFT_MAX);
    return failing_config_decode(c, &cfg.fallback_failing) &&
           failing_config_decode(c, &cfg.failing);
}

FUZZ_NO_COVERAGE static void describe_config(FILE *out) {
    fprintf(out,
            "stack fallback: %zu-byte fixed buffer, then a block allocator of %" PRIu32
            " blocks of %" PRIu32 " bytes\n",
            cfg.primary_bytes, cfg.fallback.block_count, cfg.fallback.block_bytes);
}

/* ---- the subject ---- */

HARNESS_DIRECT_SUBJECT(stack_fallback, sf);

/* ---- the model ---- */

FUZZ_NO_COVERAGE static bool in_primary(const uint8_t *p) {
    return p >= m.primary && p < m.primary + m.primary_bytes;
}

FUZZ_NO_COVERAGE static void model_note_peak(void) {
    size_t now = m.end + m.fallback_live;
    if (now > m.peak) m.peak = now;
    if (m.end > m.primary_peak) m.primary_peak = m.end;
}

FUZZ_NO_COVERAGE static uint8_t *model_alloc(size_t len, size_t align, bool via_interface) {
    (void)via_interface;
    size_t at = (size_t)(uintptr_t)(m.primary + m.end);
    size_t padding = (align - at % align) % align;
    if (padding + len <= m.primary_bytes - m.end) {
        uint8_t *p = m.primary + m.end + padding;
        m.end += padding + len;
        model_note_peak();
        return p;
    }
    m.primary_oom++;
    uint8_t *p = harness_block_layer_model_alloc(&fallback, len, align);
    if (p == NULL) {
        m.oom++;
        return NULL;
    }
    m.fallback_live += len;
    m.fallback_allocations++;
    model_note_peak();
    return p;
}

FUZZ_NO_COVERAGE static bool model_resize_primary(const shadow_block *b, size_t new_len) {
    bool last = b->ptr + b->len == m.primary + m.end;
    if (!last) return new_len <= b->len;
    size_t start = (size_t)(b->ptr - m.primary);
    if (new_len > m.primary_bytes - start) {
        m.primary_oom++;
        return false;
    }
    m.end = start + new_len;
    model_note_peak();
    return true;
}

FUZZ_NO_COVERAGE static bool model_resize(const shadow_block *b, size_t new_len,
                                          bool via_interface) {
    (void)via_interface;
    if (in_primary(b->ptr)) return model_resize_primary(b, new_len);
    if (!harness_block_layer_model_resize(&fallback, b->ptr, b->len, new_len)) return false;
    m.fallback_live = m.fallback_live - b->len + new_len;
    model_note_peak();
    return true;
}

FUZZ_NO_COVERAGE static void model_free(const shadow_block *b, bool via_interface) {
    (void)via_interface;
    if (in_primary(b->ptr)) {
        if (b->ptr + b->len == m.primary + m.end) m.end -= b->len;
        return;
    }
    harness_block_layer_model_free(&fallback, b->ptr, b->len);
    m.fallback_live -= b->len;
}

FUZZ_NO_COVERAGE static void model_check(void) {
    allocator_diagnostics d = stack_fallback_diagnostics(&sf);
    FUZZ_CHECK(d.capacity_bytes == m.primary_bytes, "capacity %zu, model %zu", d.capacity_bytes,
               m.primary_bytes);
    FUZZ_CHECK(d.allocated_bytes == m.end + m.fallback_live, "allocated %zu, model %zu",
               d.allocated_bytes, m.end + m.fallback_live);
    FUZZ_CHECK(d.peak_allocated_bytes == m.peak, "peak %zu, model %zu", d.peak_allocated_bytes,
               m.peak);
    FUZZ_CHECK(d.oom_count == m.oom, "oom_count %" PRIu64 ", model %" PRIu64, d.oom_count, m.oom);
    allocator_diagnostics pd = fixed_buffer_diagnostics(stack_fallback_primary(&sf));
    FUZZ_CHECK(pd.allocated_bytes == m.end, "fixed buffer end %zu, model %zu", pd.allocated_bytes,
               m.end);
    FUZZ_CHECK(pd.peak_allocated_bytes == m.primary_peak, "fixed buffer peak %zu, model %zu",
               pd.peak_allocated_bytes, m.primary_peak);
    FUZZ_CHECK(pd.oom_count == m.primary_oom, "fixed buffer oom_count %" PRIu64 ", model %" PRIu64,
               pd.oom_count, m.primary_oom);
    FUZZ_CHECK(stack_fallback_fallback_live_bytes(&sf) == m.fallback_live,
               "fallback live %zu, model %zu", stack_fallback_fallback_live_bytes(&sf),
               m.fallback_live);
    FUZZ_CHECK(stack_fallback_fallback_allocations(&sf) == m.fallback_allocations,
               "fallback allocations %" PRIu64 ", model %" PRIu64,
               stack_fallback_fallback_allocations(&sf), m.fallback_allocations);
    harness_block_layer_check(&fallback);
    FUZZ_CHECK(stack_fallback_invariants_hold(&sf), "stack_fallback_invariants_hold() is false");
}

FUZZ_NO_COVERAGE static void model_check_full(void) { harness_block_layer_check_full(&fallback); }

HARNESS_MODEL(model_check_full);

FUZZ_NO_COVERAGE static void run_reset(const harness_op *o) {
    (void)o;
    stack_fallback_reset(&sf);
    shadow_heap_forget_range(harness_shadow(), m.primary, m.primary + m.primary_bytes);
    m.end = 0;
    m.primary_peak = 0;
    m.peak = m.fallback_live;
}

FUZZ_NO_COVERAGE static harness_span start(void) {
    uint8_t *heap = backing + SF_FALLBACK_AT;
    allocator fallback_iface = harness_block_layer_init(
        &fallback, heap, sizeof backing - SF_FALLBACK_AT, cfg.fallback, &cfg.fallback_failing);
    /* The fixed buffer ends right where the fallback heap could begin, so a misrouted pointer
     * one past the buffer's end is a real fallback block. */
    uint8_t *primary = heap - cfg.primary_bytes;
    stack_fallback_init(&sf, primary, cfg.primary_bytes, fallback_iface);
    memset(&m, 0, sizeof m); /* a few words: no arrays */
    m.primary = primary;
    m.primary_bytes = cfg.primary_bytes;
    size_t heap_blocks_bytes = (size_t)cfg.fallback.block_count * cfg.fallback.block_bytes;
    return (harness_span){primary, cfg.primary_bytes + heap_blocks_bytes};
}

static const harness_target target = {
    .ops = &ops,
    .interface_flag = true,
    .limits = {.len_max = SF_LEN_MAX_BYTES, .align_log2_max = SF_ALIGN_LOG2_MAX},
    .subject = &subject,
    .model = &model_ops,
    .run_own = run_reset,
    .decode_config = decode_config,
    .describe_config = describe_config,
    .layers = {{"fallback calls", &cfg.fallback_failing}, {"interface calls", &cfg.failing}},
    .layer_count = 2,
    .start = start,
};

HARNESS_FUZZ_TARGET("stack_fallback", 1, target);
