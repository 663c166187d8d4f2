#include "harness/alloc_harness.h"

#include <inttypes.h>

#include "drivers/fuzz_target.h"

static struct {
    const harness_subject *subject;
    const harness_model *model;
    failing_config failing_config;
    failing_allocator failing;
    failing_model failing_model;
    shadow_heap shadow;
    uint8_t next_fill;
} h;

FUZZ_NO_COVERAGE harness_op harness_decode_op(cursor *c, const harness_limits *limits) {
    static const harness_op_kind kinds[8] = {HOP_ALLOC,  HOP_ALLOC, HOP_ALLOC, HOP_RESIZE,
                                             HOP_RESIZE, HOP_FREE,  HOP_FREE,  HOP_OTHER};
    uint8_t tag = cursor_u8(c);
    harness_op o = {.kind = kinds[tag % 8u], .via_interface = (tag & 0x80u) != 0, .align = 1};
    switch (o.kind) {
    case HOP_ALLOC:
        o.len = cursor_range(c, 0, limits->len_max);
        o.align = (size_t)1 << cursor_range(c, 0, limits->align_log2_max);
        break;
    case HOP_RESIZE:
        o.block = cursor_u8(c);
        o.len = cursor_range(c, 1, limits->len_max);
        break;
    case HOP_FREE: o.block = cursor_u8(c); break;
    case HOP_OTHER: o.arg = cursor_u8(c); break;
    }
    return o;
}

FUZZ_NO_COVERAGE void harness_describe_op(FILE *out, size_t index, const harness_op *o,
                                          void (*other)(FILE *out, uint8_t arg)) {
    const char *via = o->via_interface ? " (interface)" : "";
    switch (o->kind) {
    case HOP_ALLOC:
        fprintf(out, "#%zu alloc len=%" PRIu32 " align=%zu%s\n", index, o->len, o->align, via);
        break;
    case HOP_RESIZE:
        fprintf(out, "#%zu resize block[%u %% live] to len=%" PRIu32 "%s\n", index, o->block,
                o->len, via);
        break;
    case HOP_FREE: fprintf(out, "#%zu free block[%u %% live]%s\n", index, o->block, via); break;
    case HOP_OTHER:
        fprintf(out, "#%zu ", index);
        other(out, o->arg);
        break;
    }
}

FUZZ_NO_COVERAGE void harness_begin(const harness_subject *subject, const harness_model *model,
                                    const failing_config *failing, const void *region,
                                    size_t region_len) {
    h.subject = subject;
    h.model = model;
    h.failing_config = *failing;
    h.failing_model = failing_model_make(failing);
    failing_init(&h.failing, subject->iface());
    failing_config_arm(&h.failing, failing);
    shadow_heap_init(&h.shadow, region, region_len);
}

FUZZ_NO_COVERAGE shadow_heap *harness_shadow(void) { return &h.shadow; }

FUZZ_NO_COVERAGE uint8_t harness_next_fill(void) { return h.next_fill++; }

/* How a call reaches the allocator. The failing wrapper counts the bytes of what it hands
 * out, so a block made through it (shadow tag) is always resized and freed through it, and
 * no other block is. */
typedef enum route { ROUTE_DIRECT, ROUTE_INTERFACE, ROUTE_FAILING } route;

FUZZ_NO_COVERAGE static route route_of(bool via_interface, const shadow_block *b) {
    if (b != NULL && b->tag == ROUTE_FAILING) return ROUTE_FAILING;
    if (!via_interface) return ROUTE_DIRECT;
    if (!h.failing_config.enabled) return ROUTE_INTERFACE;
    return b == NULL ? ROUTE_FAILING : ROUTE_INTERFACE;
}

FUZZ_NO_COVERAGE static allocator interface_for(route r) {
    return r == ROUTE_FAILING ? failing_allocator_iface(&h.failing) : h.subject->iface();
}

/* True iff this call must be refused by the failing wrapper (the model's word). Checked
 * against what the wrapper did right away, before the call's result is judged, so a bug in
 * the wrapper is reported as one. */
FUZZ_NO_COVERAGE static bool refused_by_failing(route r, bool is_resize) {
    if (r != ROUTE_FAILING) return false;
    bool refuse = failing_model_call(&h.failing_model, is_resize);
    uint64_t induced = failing_get_counters(&h.failing).induced_failures;
    FUZZ_CHECK(induced == h.failing_model.induced,
               "failing wrapper induced %" PRIu64 " failures, model %" PRIu64, induced,
               h.failing_model.induced);
    return refuse;
}

FUZZ_NO_COVERAGE void harness_alloc(const harness_op *o) {
    if (shadow_heap_full(&h.shadow)) return;
    route r = route_of(o->via_interface || h.subject->alloc == NULL, NULL);
    void *p;
    if (r != ROUTE_DIRECT) {
        p = allocator_alloc(interface_for(r), o->len, o->align);
    } else {
        p = h.subject->alloc(o->len, o->align);
    }
    if (o->len == 0) {
        FUZZ_CHECK(p == ALLOCATOR_ZERO_LENGTH(o->align), "zero-length alloc returned %p", p);
        return;
    }
    /* The model is asked after the call only so that a refused call never reaches it; it
     * decides from its own state, which the call cannot touch. */
    uint8_t *expected = NULL;
    if (!refused_by_failing(r, false))
        expected = h.model->alloc(o->len, o->align, r != ROUTE_DIRECT);
    FUZZ_CHECK(p == expected, "alloc len=%" PRIu32 " align=%zu returned %p, model %p", o->len,
               o->align, p, (void *)expected);
    if (p == NULL) return;
    size_t at = shadow_heap_add(&h.shadow, p, o->len, o->align, h.next_fill++);
    h.shadow.blocks[at].tag = (uint8_t)r;
}

FUZZ_NO_COVERAGE void harness_resize(const harness_op *o) {
    if (h.shadow.count == 0) return;
    size_t i = o->block % h.shadow.count;
    shadow_block b = h.shadow.blocks[i];
    route r = route_of(o->via_interface || h.subject->resize == NULL, &b);
    bool got;
    if (r != ROUTE_DIRECT) {
        got = allocator_resize(interface_for(r), b.ptr, b.len, o->len, b.align);
    } else {
        got = h.subject->resize(b.ptr, b.len, o->len, b.align);
    }
    bool ok = false;
    if (!refused_by_failing(r, true)) ok = h.model->resize(&b, o->len, r != ROUTE_DIRECT);
    FUZZ_CHECK(got == ok, "resize of block %p from %zu to %" PRIu32 " returned %d, model %d",
               (void *)b.ptr, b.len, o->len, got, ok);
    if (got) shadow_heap_resized(&h.shadow, i, o->len);
}

FUZZ_NO_COVERAGE void harness_free(const harness_op *o) {
    if (h.shadow.count == 0) return;
    size_t i = o->block % h.shadow.count;
    shadow_block b = h.shadow.blocks[i];
    /* Verify before freeing: free poisons (and the checking wrapper overwrites) the block. */
    shadow_heap_remove(&h.shadow, i);
    route r = route_of(o->via_interface || h.subject->free == NULL, &b);
    h.model->free(&b, r != ROUTE_DIRECT);
    if (r != ROUTE_DIRECT) {
        allocator_free(interface_for(r), b.ptr, b.len, b.align);
    } else {
        h.subject->free(b.ptr, b.len, b.align);
    }
}

FUZZ_NO_COVERAGE void harness_forget_all(void) { shadow_heap_clear(&h.shadow); }

FUZZ_NO_COVERAGE void harness_check(void) {
    h.model->check();
    if (!h.failing_config.enabled) return;
    failing_counters fc = failing_get_counters(&h.failing);
    FUZZ_CHECK(fc.induced_failures == h.failing_model.induced,
               "failing wrapper induced %" PRIu64 " failures, model %" PRIu64, fc.induced_failures,
               h.failing_model.induced);
    FUZZ_CHECK(failing_invariants_hold(&h.failing), "failing_invariants_hold() is false");
}

FUZZ_NO_COVERAGE void harness_end(void) {
    shadow_heap_verify_all(&h.shadow);
    h.model->check_full();
}
