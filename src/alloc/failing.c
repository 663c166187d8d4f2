#include "alloc/failing.h"

#include <string.h>

void failing_init(failing_allocator *f, allocator child) {
    ST_ASSERT(f != NULL);
    ST_ASSERT(child.vtable != NULL);
    memset(f, 0, sizeof *f);
    f->child = child;
}

static failing_trigger trigger_make(uint64_t nth, failing_mode mode) {
    ST_ASSERT(mode == FAILING_OFF || mode == FAILING_TRANSIENT || mode == FAILING_PERSISTENT);
    ST_ASSERT(mode == FAILING_OFF || nth >= 1);
    return (failing_trigger){.mode = mode, .countdown = mode == FAILING_OFF ? 0 : nth - 1u};
}

void failing_fail_alloc(failing_allocator *f, uint64_t nth, failing_mode mode) {
    f->alloc_trigger = trigger_make(nth, mode);
}

void failing_fail_resize(failing_allocator *f, uint64_t nth, failing_mode mode) {
    f->resize_trigger = trigger_make(nth, mode);
}

void failing_fail_any(failing_allocator *f, uint64_t nth, failing_mode mode) {
    f->any_trigger = trigger_make(nth, mode);
}

void failing_disarm(failing_allocator *f) {
    f->alloc_trigger = trigger_make(0, FAILING_OFF);
    f->resize_trigger = trigger_make(0, FAILING_OFF);
    f->any_trigger = trigger_make(0, FAILING_OFF);
}

/* Counts one call against t; true iff this call is to be refused. */
static bool trigger_tick(failing_trigger *t) {
    if (t->mode == FAILING_OFF) return false;
    if (t->countdown > 0) {
        t->countdown--;
        return false;
    }
#ifdef STASIS_CANARY_FAILING_PERSISTENT_ONCE
    /* Planted bug: a persistent trigger stops after its first failure, as a transient one. */
    t->mode = FAILING_OFF;
#else
    if (t->mode == FAILING_TRANSIENT) t->mode = FAILING_OFF;
#endif
    return true;
}

size_t failing_live_bytes(const failing_allocator *f) {
    ST_ASSERT(f->counters.freed_bytes <= f->counters.allocated_bytes);
    return (size_t)(f->counters.allocated_bytes - f->counters.freed_bytes);
}

static void note_live_bytes(failing_allocator *f) {
    size_t live = failing_live_bytes(f);
    if (live > f->peak_live_bytes) f->peak_live_bytes = live;
}

static void *failing_alloc(void *ctx, size_t len, size_t align) {
    failing_allocator *f = ctx;
    f->counters.alloc_calls++;
    /* Both triggers count this call, whichever fires. */
    bool refuse = trigger_tick(&f->alloc_trigger);
    refuse = trigger_tick(&f->any_trigger) || refuse;
    if (refuse) {
        f->counters.induced_failures++;
        return NULL;
    }
    void *p = allocator_alloc(f->child, len, align);
    if (p == NULL) {
        f->counters.child_failures++;
        return NULL;
    }
    f->counters.allocations++;
    f->counters.allocated_bytes += len;
    note_live_bytes(f);
    return p;
}

static bool failing_resize(void *ctx, void *ptr, size_t old_len, size_t new_len, size_t align) {
    failing_allocator *f = ctx;
    f->counters.resize_calls++;
    bool refuse = trigger_tick(&f->resize_trigger);
    refuse = trigger_tick(&f->any_trigger) || refuse;
    if (refuse) {
        f->counters.induced_failures++;
        return false;
    }
    if (!allocator_resize(f->child, ptr, old_len, new_len, align)) {
        f->counters.child_failures++;
        return false;
    }
    if (new_len > old_len) {
        f->counters.allocated_bytes += new_len - old_len;
        note_live_bytes(f);
    } else {
        f->counters.freed_bytes += old_len - new_len;
    }
    return true;
}

static void failing_free(void *ctx, void *ptr, size_t len, size_t align) {
    failing_allocator *f = ctx;
    ST_ASSERT(f->counters.deallocations < f->counters.allocations);
    ST_ASSERT(len <= failing_live_bytes(f));
    f->counters.deallocations++;
    f->counters.freed_bytes += len;
    allocator_free(f->child, ptr, len, align);
}

static const allocator_vtable failing_vtable = {
    .alloc = failing_alloc,
    .resize = failing_resize,
    .free = failing_free,
};

allocator failing_allocator_iface(failing_allocator *f) {
    return (allocator){.ctx = f, .vtable = &failing_vtable};
}

failing_counters failing_get_counters(const failing_allocator *f) { return f->counters; }

allocator_diagnostics failing_diagnostics(const failing_allocator *f) {
    return (allocator_diagnostics){
        .capacity_bytes = SIZE_MAX,
        .allocated_bytes = failing_live_bytes(f),
        .peak_allocated_bytes = f->peak_live_bytes,
        .oom_count = f->counters.induced_failures + f->counters.child_failures,
    };
}

bool failing_invariants_hold(const failing_allocator *f) {
    const failing_counters *c = &f->counters;
    if (f->child.vtable == NULL) return false;
    if (c->freed_bytes > c->allocated_bytes) return false;
    if (c->deallocations > c->allocations) return false;
    if (c->allocated_bytes - c->freed_bytes > f->peak_live_bytes) return false;
    if (c->allocations + c->induced_failures + c->child_failures >
        c->alloc_calls + c->resize_calls) {
        return false;
    }
    return true;
}

/* ---- the malloc-failure loop ---- */

static uint64_t live_blocks(const failing_counters *c) { return c->allocations - c->deallocations; }

static uint64_t live_bytes(const failing_counters *c) {
    return c->allocated_bytes - c->freed_bytes;
}

/* Judges one failed run: what it must not have done. */
static failing_loop_verdict judge_failed_run(const failing_loop_case *c,
                                             const failing_counters *before,
                                             const failing_counters *after) {
    if (after->induced_failures == before->induced_failures) return FAILING_LOOP_UNINDUCED;
    if (live_bytes(after) != live_bytes(before)) return FAILING_LOOP_LEAKED;
    if (live_blocks(after) != live_blocks(before)) return FAILING_LOOP_LEAKED;
    if (!c->unchanged(c->ctx)) return FAILING_LOOP_CHANGED_STATE;
    return FAILING_LOOP_OK;
}

failing_loop_result failing_loop_run(failing_allocator *f, const failing_loop_case *c,
                                     failing_mode mode, uint32_t runs_max) {
    ST_ASSERT(mode == FAILING_TRANSIENT || mode == FAILING_PERSISTENT);
    ST_ASSERT(runs_max >= 1);
    ST_ASSERT(c->run != NULL && c->snapshot != NULL && c->unchanged != NULL);
    failing_loop_result result = {.verdict = FAILING_LOOP_NO_SUCCESS};
#ifdef STASIS_CANARY_FAILING_LOOP_SKIPS_FIRST
    /* Planted bug: the loop never fails the first call, so its undo path goes untested. */
    for (uint32_t n = 2; n <= runs_max; n++) {
#else
    for (uint32_t n = 1; n <= runs_max; n++) {
#endif
        result.runs = n;
        c->snapshot(c->ctx);
        failing_counters before = f->counters;
        failing_fail_any(f, n, mode);
        bool ok = c->run(c->ctx, failing_allocator_iface(f));
        failing_disarm(f);
        failing_counters after = f->counters;
        if (ok) {
            result.verdict = FAILING_LOOP_OK;
            result.benign_failures = after.induced_failures != before.induced_failures;
            result.allocation_calls = (after.alloc_calls - before.alloc_calls) +
                                      (after.resize_calls - before.resize_calls);
            return result;
        }
        result.verdict = judge_failed_run(c, &before, &after);
        if (result.verdict != FAILING_LOOP_OK) return result;
        result.failed_runs++;
        result.verdict = FAILING_LOOP_NO_SUCCESS;
    }
    return result;
}

const char *failing_loop_verdict_name(failing_loop_verdict verdict) {
    switch (verdict) {
    case FAILING_LOOP_OK: return "ok";
    case FAILING_LOOP_CHANGED_STATE: return "a failed run changed the state";
    case FAILING_LOOP_LEAKED: return "a failed run leaked";
    case FAILING_LOOP_UNINDUCED: return "a run failed with no failure induced";
    case FAILING_LOOP_NO_SUCCESS: return "no run succeeded";
    }
    return "?";
}
