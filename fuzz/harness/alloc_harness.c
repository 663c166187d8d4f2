#include "harness/alloc_harness.h"

#include <inttypes.h>

#include "drivers/fuzz_target.h"
#include "harness/choice.h"

static struct {
    const harness_subject *subject;
    const harness_model *model;
    failing_config failing_config;
    failing_allocator failing;
    failing_model failing_model;
    shadow_heap shadow;
    uint8_t next_fill;
} h;

FUZZ_NO_COVERAGE bool harness_decode_op(const harness_target *t, cursor *c, harness_op *o) {
    uint8_t tag = 0;
    uint32_t id = choice_read_byte(c, t->ops, &tag);
    *o = (harness_op){.id = id, .align = 1};
    if (id == CHOICE_REFUSED) return false;
    o->kind = id < HARNESS_OP_OWN_FIRST ? (harness_op_kind)id : HOP_OWN;
    o->via_interface = !t->interface_flag || (tag & 0x80u) != 0;
    switch (o->kind) {
    case HOP_ALLOC:
        o->len = cursor_range(c, 0, t->limits.len_max);
        o->align = (size_t)1 << cursor_range(c, 0, t->limits.align_log2_max);
        break;
    case HOP_RESIZE:
        o->block = cursor_u8(c);
        o->len = cursor_range(c, 1, t->limits.len_max);
        break;
    case HOP_FREE: o->block = cursor_u8(c); break;
    case HOP_OWN:
        if (t->decode_own != NULL) t->decode_own(c, o);
        break;
    }
    return true;
}

/* True iff the operation's call goes through the interface (asked, or no direct call). */
FUZZ_NO_COVERAGE static bool uses_interface(const harness_target *t, const harness_op *o) {
    if (o->via_interface) return true;
    switch (o->kind) {
    case HOP_ALLOC: return t->subject->alloc == NULL;
    case HOP_RESIZE: return t->subject->resize == NULL;
    case HOP_FREE: return t->subject->free == NULL;
    case HOP_OWN: return false;
    }
    return false;
}

FUZZ_NO_COVERAGE static void describe_op(const harness_target *t, FILE *out, size_t index,
                                         const harness_op *o) {
    const char *via = uses_interface(t, o) ? " (interface)" : "";
    fprintf(out, "#%zu %s", index, choice_name(t->ops, o->id));
    switch (o->kind) {
    case HOP_ALLOC: fprintf(out, " len=%" PRIu32 " align=%zu%s\n", o->len, o->align, via); break;
    case HOP_RESIZE:
        fprintf(out, " block[%u %% live] to len=%" PRIu32 "%s\n", o->block, o->len, via);
        break;
    case HOP_FREE: fprintf(out, " block[%u %% live]%s\n", o->block, via); break;
    case HOP_OWN:
        if (t->describe_own != NULL) t->describe_own(out, o);
        fputc('\n', out);
        break;
    }
}

/* The operations left in the cursor, one a line, or where an unassigned id refuses them. */
FUZZ_NO_COVERAGE static void describe_ops(const harness_target *t, cursor *c, FILE *out) {
    for (size_t i = 0; !cursor_empty(c); i++) {
        harness_op o;
        if (!harness_decode_op(t, c, &o)) {
            fprintf(out, "#%zu ", i);
            choice_print_refused(out, c, "operation", t->ops);
            return;
        }
        describe_op(t, out, i, &o);
    }
}

FUZZ_NO_COVERAGE void harness_describe_input(const harness_target *t, const uint8_t *data,
                                             size_t size, FILE *out) {
    cursor c = cursor_make(data, size);
    bool assigned = t->decode_config == NULL || t->decode_config(&c);
    t->describe_config(out);
    if (!assigned) {
        failing_config_print_refused(out, &c);
        return;
    }
    for (size_t i = 0; i < t->layer_count; i++)
        failing_config_describe(out, t->layers[i].side, t->layers[i].cfg);
    describe_ops(t, &c, out);
    if (t->describe_note != NULL) fputs(t->describe_note, out);
}

FUZZ_NO_COVERAGE int harness_run_input(const harness_target *t, const uint8_t *data, size_t size) {
    static const failing_config no_failing = {.enabled = false};
    ST_ASSERT(t->layer_count <= HARNESS_LAYERS_MAX);
    cursor c = cursor_make(data, size);
    if (t->decode_config != NULL && !t->decode_config(&c)) return -1;
    harness_span span = t->start();
    const failing_config *failing =
        t->layer_count > 0 ? t->layers[t->layer_count - 1].cfg : &no_failing;
    harness_begin(t, failing, span.region, span.len);
    if (harness_run(t, &c) != 0) return -1;
    if (t->finish != NULL) t->finish();
    return 0;
}

FUZZ_NO_COVERAGE void harness_begin(const harness_target *t, const failing_config *failing,
                                    const void *region, size_t region_len) {
    /* The generic operations have their ids; own ones have a runner. */
    ST_ASSERT(t->ops->count >= HARNESS_OP_OWN_FIRST);
    ST_ASSERT(t->run_own != NULL || t->ops->count == HARNESS_OP_OWN_FIRST);
    /* A flag in bit 7 must not change the id: a power-of-two id space of at most 128. */
    ST_ASSERT(!t->interface_flag ||
              (t->ops->id_space <= 128u && (t->ops->id_space & (t->ops->id_space - 1u)) == 0));
    ST_ASSERT(t->subject->iface != NULL && t->model->alloc != NULL && t->model->check != NULL);
    ST_ASSERT(t->describe_config != NULL && t->start != NULL);
    h.subject = t->subject;
    h.model = t->model;
    h.failing_config = *failing;
    h.failing_model = failing_model_make(failing);
    (void)failing_wrap(&h.failing, t->subject->iface(), failing);
    shadow_heap_init(&h.shadow, region, region_len);
}

FUZZ_NO_COVERAGE int harness_run(const harness_target *t, cursor *c) {
    harness_check();
    for (size_t i = 0; !cursor_empty(c); i++) {
        fuzz_set_op(i);
        harness_op o;
        if (!harness_decode_op(t, c, &o)) return -1;
        if (t->runs == NULL || t->runs(&o)) {
            switch (o.kind) {
            case HOP_ALLOC: harness_alloc(&o); break;
            case HOP_RESIZE: harness_resize(&o); break;
            case HOP_FREE: harness_free(&o); break;
            case HOP_OWN: t->run_own(&o); break;
            }
        }
        harness_check();
    }
    harness_end();
    return 0;
}

/* ---- the failing layer's config ---- */

static const char *const failing_kind_names[] = {"alloc", "resize", "alloc+resize"};
static const choice_table failing_kinds = CHOICE_TABLE_INIT(failing_kind_names, 4);
_Static_assert(sizeof failing_kind_names / sizeof failing_kind_names[0] == FAILING_KIND_ANY + 1,
               "a name for every failing_kind, in its order");

FUZZ_NO_COVERAGE bool failing_config_decode(cursor *c, failing_config *cfg) {
    uint8_t flags = 0;
    uint32_t kind = choice_read_byte(c, &failing_kinds, &flags);
    uint8_t nth = cursor_u8(c);
    *cfg = (failing_config){.enabled = (flags & 4u) != 0, .nth = nth};
    if (kind == CHOICE_REFUSED) return false;
    cfg->kind = (failing_kind)kind;
    cfg->mode = nth == 0 ? FAILING_OFF : (flags & 8u) != 0 ? FAILING_PERSISTENT : FAILING_TRANSIENT;
    return true;
}

FUZZ_NO_COVERAGE void failing_config_print_refused(FILE *out, const cursor *c) {
    choice_print_refused(out, c, "failing kind", &failing_kinds);
}

FUZZ_NO_COVERAGE void failing_config_describe(FILE *out, const char *side,
                                              const failing_config *cfg) {
    if (!cfg->enabled) {
        fprintf(out, "%s: no failing wrapper\n", side);
    } else if (cfg->mode == FAILING_OFF) {
        fprintf(out, "%s: through a failing wrapper, disarmed\n", side);
    } else {
        fprintf(out, "%s: through a failing wrapper: %s %s call #%u%s fails\n", side,
                cfg->mode == FAILING_PERSISTENT ? "every" : "the",
                choice_name(&failing_kinds, cfg->kind), cfg->nth,
                cfg->mode == FAILING_PERSISTENT ? " on" : "");
    }
}

FUZZ_NO_COVERAGE allocator failing_wrap(failing_allocator *f, allocator inner,
                                        const failing_config *cfg) {
    failing_init(f, inner);
    if (!cfg->enabled) return inner;
    failing_config_arm(f, cfg);
    return failing_allocator_iface(f);
}

FUZZ_NO_COVERAGE shadow_heap *harness_shadow(void) { return &h.shadow; }

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
    if (h.model->check_full != NULL) h.model->check_full();
}

/* ---- a block allocator beneath the allocator under test ---- */

FUZZ_NO_COVERAGE allocator harness_block_layer_init(harness_block_layer *l, uint8_t *memory,
                                                    size_t memory_cap,
                                                    block_allocator_params params,
                                                    const failing_config *cfg) {
    ST_ASSERT(l->name != NULL);
    size_t memory_bytes = block_allocator_memory_bytes(params);
    FUZZ_CHECK(memory_bytes <= memory_cap, "%s memory too small", l->name);
    block_allocator_init(&l->ba, memory, memory_bytes, params);
    block_model_init(&l->model, memory, params.block_count, params.block_bytes);
    l->failing_model = failing_model_make(cfg);
    return failing_wrap(&l->failing, block_allocator_allocator(&l->ba), cfg);
}

FUZZ_NO_COVERAGE uint8_t *harness_block_layer_model_alloc(harness_block_layer *l, size_t len,
                                                          size_t align) {
    if (failing_model_call(&l->failing_model, false)) return NULL;
    size_t i = block_model_alloc(&l->model, len, align);
    return i == BLOCK_MODEL_NONE ? NULL : block_model_address(&l->model, i);
}

FUZZ_NO_COVERAGE bool harness_block_layer_model_resize(harness_block_layer *l, const uint8_t *addr,
                                                       size_t old_len, size_t new_len) {
    if (failing_model_call(&l->failing_model, true)) return false;
    return block_model_resize(&l->model, block_model_index_of(&l->model, addr), old_len, new_len);
}

FUZZ_NO_COVERAGE void harness_block_layer_model_free(harness_block_layer *l, const uint8_t *addr,
                                                     size_t len) {
    block_model_free(&l->model, block_model_index_of(&l->model, addr), len);
}

FUZZ_NO_COVERAGE void harness_block_layer_check(const harness_block_layer *l) {
    allocator_diagnostics d = block_allocator_diagnostics(&l->ba);
    size_t allocated = l->model.used_blocks * l->model.block_bytes;
    FUZZ_CHECK(d.allocated_bytes == allocated, "%s allocated %zu, model %zu", l->name,
               d.allocated_bytes, allocated);
    FUZZ_CHECK(d.oom_count == l->model.oom, "%s oom_count %" PRIu64 ", model %" PRIu64, l->name,
               d.oom_count, l->model.oom);
    FUZZ_CHECK(block_allocator_invariants_hold(&l->ba), "%s invariants_hold() is false", l->name);
}

FUZZ_NO_COVERAGE void harness_block_layer_check_full(const harness_block_layer *l) {
    FUZZ_CHECK(block_allocator_invariants_hold_full(&l->ba), "%s invariants_hold_full() is false",
               l->name);
    uint64_t induced = l->failing.counters.induced_failures;
    FUZZ_CHECK(induced == l->failing_model.induced,
               "%s-side failing wrapper induced %" PRIu64 ", model %" PRIu64, l->name, induced,
               l->failing_model.induced);
}
