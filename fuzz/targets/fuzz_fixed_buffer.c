/*
 * fuzz_fixed_buffer: random alloc / resize / free / reset sequences on a fixed buffer
 * allocator, checked after every operation against a model of Zig's FixedBufferAllocator:
 * the exact address of every block (or that it has no room), which resizes succeed, blocks
 * inside the buffer, aligned, disjoint and intact (shadow heap), diagnostics equal to the
 * model's, invariants_hold(). And SQLite's malloc-failure loop (failing_loop_run) over it:
 * a composite operation (alloc, alloc, grow the second in place, free both; on a failure,
 * undo what it did) run with its Nth call failing, N = 1, 2, ..., must leave the buffer as it
 * was after each failed run and succeed at N = 4, with exactly the loop's figures.
 *
 * Input: u16 capacity (0..FB_CAPACITY_MAX_BYTES), u8 base offset (0..15), then operations
 * (harness/alloc_harness.h, with the interface flag): table `ops` below, id space 8. The
 * failure loop reads u8 flags (bit 0: persistent failures, else transient), the first
 * length (1..FB_LOOP_LEN_MAX_BYTES), the second, and u8 how many bytes the second grows by
 * (+1); its blocks are byte-aligned, since a fixed buffer cannot give back alignment padding.
 *
 * The loop itself is checked too, so that it is seen to fail: `failure loop over a flawed
 * composite` runs it over a composite with one flaw (table `flaws`: on a refusal it leaks its
 * first block; it changes the buffer outside the wrapper; it fails with no failure induced;
 * it needs more runs than the loop allows) and expects the verdict that flaw must get, after
 * exactly the runs it must take, named as failing.h names it; then the buffer is put back.
 * It reads u8 (flaw = byte % 4, all assigned) and the first block's length
 * (1..FB_LOOP_LEN_MAX_BYTES).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/failing.h"
#include "alloc/fixed_buffer.h"
#include "drivers/fuzz_target.h"
#include "harness/alloc_harness.h"
#include "harness/cursor.h"

#define FB_CAPACITY_MAX_BYTES  4096u
#define FB_BLOCK_LEN_MAX_BYTES 1024u
#define FB_ALIGN_LOG2_MAX      12u /* 4096 */
#define FB_LOOP_LEN_MAX_BYTES  256u

/* Operation ids: append only (harness/choice.h). */
enum { OP_RESET = HARNESS_OP_OWN_FIRST, OP_FAILURE_LOOP, OP_FLAWED_LOOP };
static const char *const op_names[] = {"alloc",
                                       "resize",
                                       "free",
                                       "reset",
                                       "alloc, alloc, grow under the malloc-failure loop",
                                       "failure loop over a flawed composite"};

/* The flawed composites' flaws: append only. */
enum { FLAW_LEAKS, FLAW_CHANGES_STATE, FLAW_FAILS_UNINDUCED, FLAW_NEEDS_MORE_RUNS };
static const char *const flaw_names[] = {
    "leaks its first block on a refusal", "changes the buffer outside the wrapper",
    "fails with no failure induced", "needs more runs than the loop allows"};
static const choice_table ops = CHOICE_TABLE_INIT(op_names, 8);

typedef struct model {
    uint8_t *base;
    size_t capacity;
    size_t end;
    size_t peak;
    uint64_t oom;
} model;

static uint8_t backing[FB_CAPACITY_MAX_BYTES + 64] __attribute__((aligned(4096)));
static struct {
    size_t capacity;
    size_t offset;
} cfg;
static fixed_buffer fb;
static model m;

FUZZ_NO_COVERAGE static bool decode_config(cursor *c) {
    cfg.capacity = cursor_range(c, 0, FB_CAPACITY_MAX_BYTES);
    cfg.offset = cursor_range(c, 0, 15);
    return true;
}

FUZZ_NO_COVERAGE static void describe_config(FILE *out) {
    fprintf(out, "fixed buffer: capacity=%zu base offset=%zu\n", cfg.capacity, cfg.offset);
}

HARNESS_DIRECT_SUBJECT(fixed_buffer, fb);

/* ---- the model ---- */

FUZZ_NO_COVERAGE static uint8_t *model_alloc(size_t len, size_t align, bool via_interface) {
    (void)via_interface;
    uintptr_t at = (uintptr_t)(m.base + m.end);
    size_t padding = (size_t)((0u - at) & (align - 1u));
    if (padding > m.capacity - m.end || len > m.capacity - m.end - padding) {
        m.oom++;
        return NULL;
    }
    uint8_t *p = m.base + m.end + padding;
    m.end += padding + len;
    if (m.end > m.peak) m.peak = m.end;
    return p;
}

FUZZ_NO_COVERAGE static bool model_resize(const shadow_block *b, size_t new_len,
                                          bool via_interface) {
    (void)via_interface;
    if (b->ptr + b->len != m.base + m.end) return new_len <= b->len; /* not the last */
    size_t start = (size_t)(b->ptr - m.base);
    if (new_len > m.capacity - start) {
        m.oom++;
        return false;
    }
    m.end = start + new_len;
    if (m.end > m.peak) m.peak = m.end;
    return true;
}

FUZZ_NO_COVERAGE static void model_free(const shadow_block *b, bool via_interface) {
    (void)via_interface;
    if (b->ptr + b->len == m.base + m.end) m.end -= b->len;
}

FUZZ_NO_COVERAGE static void model_check(void) {
    allocator_diagnostics d = fixed_buffer_diagnostics(&fb);
    FUZZ_CHECK(d.capacity_bytes == m.capacity, "capacity %zu, model %zu", d.capacity_bytes,
               m.capacity);
    FUZZ_CHECK(d.allocated_bytes == m.end, "allocated %zu, model %zu", d.allocated_bytes, m.end);
    FUZZ_CHECK(d.peak_allocated_bytes == m.peak, "peak %zu, model %zu", d.peak_allocated_bytes,
               m.peak);
    FUZZ_CHECK(d.oom_count == m.oom, "oom_count %" PRIu64 ", model %" PRIu64, d.oom_count, m.oom);
    FUZZ_CHECK(fixed_buffer_invariants_hold(&fb), "fixed_buffer_invariants_hold() is false");
}

HARNESS_MODEL(NULL);

/* ---- triage canaries ----
 * Failures of each kind ci/repro must name, planted here in the target (never in the
 * library) behind STASIS_CANARY_REPRO_*: fuzz/CMakeLists.txt builds one canary binary per
 * kind, and tests/ci_repro_verdicts.sh runs them. A reset sets each off. */

#if defined(STASIS_CANARY_REPRO_FLAKY)
/* True every other run: the outcome depends on a file outside the input that each run flips
 * ($STASIS_CANARY_FLAKY_STATE), as a real flaky failure depends on what the input does not
 * hold (time, addresses, the environment). */
FUZZ_NO_COVERAGE static bool canary_fails_this_run(void) {
    const char *path = getenv("STASIS_CANARY_FLAKY_STATE");
    if (path == NULL) path = "/tmp/stasis-canary-flaky-state";
    FILE *f = fopen(path, "r");
    bool fails = f != NULL && fgetc(f) == '1';
    if (f != NULL) fclose(f);
    f = fopen(path, "w");
    FUZZ_CHECK(f != NULL, "canary: cannot write its state file %s", path);
    fputc(fails ? '0' : '1', f);
    fclose(f);
    return fails;
}
#elif defined(STASIS_CANARY_REPRO_CRASH)
FUZZ_NO_COVERAGE static bool canary_fails_this_run(void) { return true; }
#endif

FUZZ_NO_COVERAGE static void triage_canary(void) {
#if defined(STASIS_CANARY_REPRO_CRASH) || defined(STASIS_CANARY_REPRO_FLAKY)
    FUZZ_CHECK(!canary_fails_this_run(), "canary: this run's reset fails");
#elif defined(STASIS_CANARY_REPRO_HANG)
    for (volatile uint64_t spins = 0;; spins = spins + 1u) {
    }
#elif defined(STASIS_CANARY_REPRO_OOM)
    /* 3 GiB in one request: over the target's RSS limit (libFuzzer's -malloc_limit_mb). */
    void *volatile block = malloc((size_t)3 << 30);
    free(block);
#endif
}

/* ---- own operations: reset, the malloc-failure loop ---- */

FUZZ_NO_COVERAGE static void run_reset(void) {
    triage_canary();
    fixed_buffer_reset(&fb);
    harness_forget_all();
    m.end = 0;
    m.peak = 0;
}

FUZZ_NO_COVERAGE static harness_span start(void) {
    m = (model){.base = backing + cfg.offset, .capacity = cfg.capacity};
    fixed_buffer_init(&fb, m.base, cfg.capacity);
    return (harness_span){m.base, cfg.capacity};
}

/* The composite operation: lengths of the two blocks and what the second grows to. */
typedef struct loop_op {
    size_t first;
    size_t second;
    size_t grown;
    size_t end_before; /* the snapshot a failed run must leave */
} loop_op;

/* One run through `a` (the failing wrapper): alloc, alloc, grow; on a refusal it frees what
 * it made, last first, and fails; else it frees both and succeeds. */
FUZZ_NO_COVERAGE static bool loop_run(void *ctx, allocator a) {
    const loop_op *l = ctx;
    uint8_t *p = allocator_alloc(a, l->first, 1);
    if (p == NULL) return false;
    uint8_t *q = allocator_alloc(a, l->second, 1);
    bool grew = q != NULL && allocator_resize(a, q, l->second, l->grown, 1);
    if (q != NULL) allocator_free(a, q, grew ? l->grown : l->second, 1);
    allocator_free(a, p, l->first, 1);
    return grew;
}

FUZZ_NO_COVERAGE static void loop_snapshot(void *ctx) {
    ((loop_op *)ctx)->end_before = fixed_buffer_diagnostics(&fb).allocated_bytes;
}

FUZZ_NO_COVERAGE static bool loop_unchanged(void *ctx) {
    return fixed_buffer_diagnostics(&fb).allocated_bytes == ((loop_op *)ctx)->end_before;
}

/* The composite on the model: true iff it fits (then the model has run it, its peak
 * included); else the model is left as it was. */
FUZZ_NO_COVERAGE static bool model_loop(const loop_op *l) {
    model saved = m;
    uint8_t *p = model_alloc(l->first, 1, true);
    uint8_t *q = p == NULL ? NULL : model_alloc(l->second, 1, true);
    shadow_block second = {.ptr = q, .len = l->second, .align = 1};
    if (q == NULL || !model_resize(&second, l->grown, true)) {
        m = saved;
        return false;
    }
    model_free(&(shadow_block){.ptr = q, .len = l->grown, .align = 1}, true);
    model_free(&(shadow_block){.ptr = p, .len = l->first, .align = 1}, true);
    return true;
}

/* Runs the composite under failing_loop_run when it fits (else a run would fail with no
 * failure induced): calls 1, 2 and 3 fail in turn, each leaving the buffer as it was; the
 * fourth run succeeds. */
FUZZ_NO_COVERAGE static void run_failure_loop(const harness_op *o) {
    loop_op l = {.first = o->len, .second = o->value, .grown = (size_t)o->value + o->block + 1u};
    if (!model_loop(&l)) return;
    static failing_allocator f;
    failing_init(&f, fixed_buffer_allocator(&fb));
    failing_loop_case c = {
        .ctx = &l, .run = loop_run, .snapshot = loop_snapshot, .unchanged = loop_unchanged};
    failing_mode mode = (o->which & 1u) != 0 ? FAILING_PERSISTENT : FAILING_TRANSIENT;
    failing_loop_result r = failing_loop_run(&f, &c, mode, 8);
    FUZZ_CHECK(r.verdict == FAILING_LOOP_OK &&
                   strcmp(failing_loop_verdict_name(r.verdict), "ok") == 0,
               "failure loop: '%s' after %" PRIu32 " run(s)", failing_loop_verdict_name(r.verdict),
               r.runs);
    FUZZ_CHECK(r.runs == 4 && r.failed_runs == 3 && r.benign_failures == 0 &&
                   r.allocation_calls == 3,
               "failure loop: %" PRIu32 " runs, %" PRIu32 " failed, %" PRIu32 " benign, %" PRIu64
               " calls; expected 4, 3, 0, 3",
               r.runs, r.failed_runs, r.benign_failures, r.allocation_calls);
    allocator_diagnostics d = failing_diagnostics(&f);
    FUZZ_CHECK(d.allocated_bytes == 0 && d.oom_count == 3,
               "failure loop's wrapper: %zu bytes live, %" PRIu64 " refusals; expected 0, 3",
               d.allocated_bytes, d.oom_count);
    FUZZ_CHECK(failing_invariants_hold(&f), "failing_invariants_hold() is false");
}

/* ---- the loop checked: a composite with one flaw must get its verdict ---- */

typedef struct flawed_op {
    uint8_t flaw;
    size_t first;
    uint8_t *kept;     /* what the flawed run left in the buffer, to put back */
    size_t end_before; /* the snapshot a failed run must leave */
} flawed_op;

/* The verdict, runs, failed runs and the verdict's name (failing.h) each flaw must get. */
typedef struct flaw_expect {
    failing_loop_verdict verdict;
    uint32_t runs;
    uint32_t failed_runs;
    const char *name;
} flaw_expect;

static const flaw_expect flaw_expects[] = {
    [FLAW_LEAKS] = {FAILING_LOOP_LEAKED, 2, 1, "a failed run leaked"},
    [FLAW_CHANGES_STATE] = {FAILING_LOOP_CHANGED_STATE, 1, 0, "a failed run changed the state"},
    [FLAW_FAILS_UNINDUCED] = {FAILING_LOOP_UNINDUCED, 1, 0, "a run failed with no failure induced"},
    [FLAW_NEEDS_MORE_RUNS] = {FAILING_LOOP_NO_SUCCESS, 2, 2, "no run succeeded"},
};
/* The loop's run limit here: the composite needing more runs takes three calls. */
#define FB_FLAWED_LOOP_RUNS_MAX 2u

FUZZ_NO_COVERAGE static bool flawed_run(void *ctx, allocator a) {
    flawed_op *l = ctx;
    if (l->flaw == FLAW_FAILS_UNINDUCED) return false;
    uint8_t *p = allocator_alloc(a, l->first, 1);
    if (p == NULL) {
        /* Behind the wrapper's back: the wrapper sees nothing, the buffer changed. */
        if (l->flaw == FLAW_CHANGES_STATE) l->kept = fixed_buffer_alloc(&fb, 1, 1);
        return false;
    }
    uint8_t *q = allocator_alloc(a, 1, 1);
    if (q == NULL) {
        if (l->flaw == FLAW_LEAKS) {
            l->kept = p;
        } else {
            allocator_free(a, p, l->first, 1);
        }
        return false;
    }
    allocator_free(a, q, 1, 1);
    allocator_free(a, p, l->first, 1);
    return true;
}

FUZZ_NO_COVERAGE static void flawed_snapshot(void *ctx) {
    flawed_op *l = ctx;
    l->kept = NULL;
    l->end_before = fixed_buffer_diagnostics(&fb).allocated_bytes;
}

FUZZ_NO_COVERAGE static bool flawed_unchanged(void *ctx) {
    return fixed_buffer_diagnostics(&fb).allocated_bytes == ((flawed_op *)ctx)->end_before;
}

/* The model of the one block the flawed runs take from the buffer before the loop judges
 * them (the wrapper refuses every second block): false, the model unchanged, when it does
 * not fit, since a real refusal would be a run failing with no failure induced. */
FUZZ_NO_COVERAGE static bool model_flawed(const flawed_op *l) {
    if (l->flaw == FLAW_FAILS_UNINDUCED) return true;
    model saved = m;
    size_t len = l->flaw == FLAW_CHANGES_STATE ? 1u : l->first;
    uint8_t *p = model_alloc(len, 1, true);
    if (p == NULL) {
        m = saved;
        return false;
    }
    model_free(&(shadow_block){.ptr = p, .len = len, .align = 1}, true);
    return true;
}

FUZZ_NO_COVERAGE static void run_flawed_loop(const harness_op *o) {
    flawed_op l = {.flaw = (uint8_t)(o->which % 4u), .first = o->len};
    if (!model_flawed(&l)) return;
    static failing_allocator f;
    failing_init(&f, fixed_buffer_allocator(&fb));
    failing_loop_case c = {
        .ctx = &l, .run = flawed_run, .snapshot = flawed_snapshot, .unchanged = flawed_unchanged};
    failing_loop_result r = failing_loop_run(&f, &c, FAILING_TRANSIENT, FB_FLAWED_LOOP_RUNS_MAX);
    const flaw_expect *want = &flaw_expects[l.flaw];
    const char *name = failing_loop_verdict_name(r.verdict);
    FUZZ_CHECK(r.verdict == want->verdict && r.runs == want->runs &&
                   r.failed_runs == want->failed_runs && strcmp(name, want->name) == 0,
               "failure loop over a composite that %s: '%s' after %" PRIu32 " run(s), %" PRIu32
               " failed; expected '%s' after %" PRIu32 ", %" PRIu32 " failed",
               flaw_names[l.flaw], name, r.runs, r.failed_runs, want->name, want->runs,
               want->failed_runs);
    /* Put the buffer back: what a flawed run kept is its last block. */
    if (l.kept != NULL) fixed_buffer_free(&fb, l.kept, l.flaw == FLAW_LEAKS ? l.first : 1u, 1);
    FUZZ_CHECK(failing_invariants_hold(&f), "failing_invariants_hold() is false");
    /* The wrapper's self-check, seen to fail: a copy counting more successes than calls. */
    failing_allocator broken = f;
    broken.counters.allocations = broken.counters.alloc_calls + broken.counters.resize_calls + 1u;
    FUZZ_CHECK(!failing_invariants_hold(&broken),
               "failing_invariants_hold() holds with %" PRIu64 " allocations of %" PRIu64 " calls",
               broken.counters.allocations,
               broken.counters.alloc_calls + broken.counters.resize_calls);
}

FUZZ_NO_COVERAGE static void decode_own(cursor *c, harness_op *o) {
    if (o->id == OP_FLAWED_LOOP) {
        o->which = cursor_u8(c);
        o->len = cursor_range(c, 1, FB_LOOP_LEN_MAX_BYTES);
        return;
    }
    if (o->id != OP_FAILURE_LOOP) return;
    o->which = cursor_u8(c);
    o->len = cursor_range(c, 1, FB_LOOP_LEN_MAX_BYTES);
    o->value = (uint16_t)cursor_range(c, 1, FB_LOOP_LEN_MAX_BYTES);
    o->block = cursor_u8(c);
}

FUZZ_NO_COVERAGE static void describe_own(FILE *out, const harness_op *o) {
    if (o->id == OP_FLAWED_LOOP) {
        fprintf(out, ": one that %s, first block len=%" PRIu32, flaw_names[o->which % 4u], o->len);
        return;
    }
    if (o->id != OP_FAILURE_LOOP) return;
    fprintf(out, ": len=%" PRIu32 ", len=%u grown to %u, %s failures", o->len, o->value,
            o->value + o->block + 1u, (o->which & 1u) != 0 ? "persistent" : "transient");
}

FUZZ_NO_COVERAGE static void run_own(const harness_op *o) {
    switch (o->id) {
    case OP_RESET: run_reset(); break;
    case OP_FAILURE_LOOP: run_failure_loop(o); break;
    case OP_FLAWED_LOOP: run_flawed_loop(o); break;
    }
}

static const harness_target target = {
    HARNESS_TARGET_PARTS(run_own),
    .ops = &ops,
    .interface_flag = true,
    .limits = {.len_max = FB_BLOCK_LEN_MAX_BYTES, .align_log2_max = FB_ALIGN_LOG2_MAX},
    .start = start,
};

HARNESS_FUZZ_TARGET("fixed_buffer", 1, target);
