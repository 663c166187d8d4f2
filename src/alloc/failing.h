#ifndef STASIS_FAILING_H
#define STASIS_FAILING_H

/*
 * Failing wrapper: passes every call to a child allocator, except that it can be armed to
 * refuse the Nth allocation (or resize) from now: once (transient) or from then on
 * (persistent). Zig's FailingAllocator and SQLite's faultsim (test_malloc.c). It counts what
 * went through it, so a test sees leaks without help from the child.
 *
 * Counting: every alloc call that reaches the wrapper is one "allocation call" (a refused one
 * included), every resize call one "resize call". Arming sets a countdown from the next call.
 * An induced failure returns NULL (alloc) or false (resize) without calling the child.
 * Zero-length requests never reach the wrapper (see allocator.h), so they are not counted.
 * Frees are always passed on.
 *
 * failing_loop_run() below is SQLite's malloc-failure loop: it runs an operation with
 * N = 1, 2, ... until it succeeds, and checks after each failed run that the operation left
 * everything as it was.
 *
 * Every operation is O(1) plus the child's cost. Fields are private.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc/allocator.h"

typedef enum failing_mode {
    FAILING_OFF = 0,        /* pass everything through */
    FAILING_TRANSIENT = 1,  /* refuse the Nth call only */
    FAILING_PERSISTENT = 2, /* refuse the Nth call and every later one until disarmed */
} failing_mode;

/* What went through the wrapper since init. Bytes are the lengths callers asked for. */
typedef struct failing_counters {
    uint64_t alloc_calls;      /* alloc calls seen, refused ones included */
    uint64_t resize_calls;     /* resize calls seen, refused ones included */
    uint64_t allocations;      /* allocs that returned a block */
    uint64_t deallocations;    /* frees */
    uint64_t allocated_bytes;  /* sum of lengths of blocks handed out, plus bytes grown */
    uint64_t freed_bytes;      /* sum of lengths freed, plus bytes shrunk */
    uint64_t induced_failures; /* calls refused because the wrapper was armed */
    uint64_t child_failures;   /* calls the child refused */
} failing_counters;

/* One countdown: which call (1-based, counted from arming) fails, and how. */
typedef struct failing_trigger {
    failing_mode mode;
    uint64_t countdown; /* calls to let through before the failing one */
} failing_trigger;

typedef struct failing_allocator {
    allocator child;
    failing_trigger alloc_trigger;  /* counts alloc calls */
    failing_trigger resize_trigger; /* counts resize calls */
    failing_trigger any_trigger;    /* counts both */
    failing_counters counters;
    size_t peak_live_bytes;
} failing_allocator;

/* Wraps `child`, disarmed, counters zero. O(1). */
void failing_init(failing_allocator *f, allocator child);

/*
 * Arms (or with FAILING_OFF disarms) allocation failures: the nth alloc call from now
 * (nth >= 1) is refused; with FAILING_PERSISTENT so is every later one. Replaces any earlier
 * arming. Counters are kept.
 */
void failing_fail_alloc(failing_allocator *f, uint64_t nth, failing_mode mode);

/* The same for resize calls (grows and shrinks alike: the contract lets any resize fail). */
void failing_fail_resize(failing_allocator *f, uint64_t nth, failing_mode mode);

/* The same counting alloc and resize calls together (SQLite counts realloc as a malloc). */
void failing_fail_any(failing_allocator *f, uint64_t nth, failing_mode mode);

/* Disarms every trigger. */
void failing_disarm(failing_allocator *f);

failing_counters failing_get_counters(const failing_allocator *f);

/* Bytes live through the wrapper: allocated_bytes - freed_bytes. */
size_t failing_live_bytes(const failing_allocator *f);

/*
 * capacity: SIZE_MAX (the wrapper itself bounds nothing; ask the child); allocated: live
 * bytes through the wrapper; peak: the most ever live; oom_count: induced plus child
 * refusals.
 */
allocator_diagnostics failing_diagnostics(const failing_allocator *f);

allocator failing_allocator_iface(failing_allocator *f);

/* freed <= allocated, deallocations <= allocations, peak >= live, refused calls <= calls. */
bool failing_invariants_hold(const failing_allocator *f);

/* ---- the malloc-failure loop ---- */

/*
 * An operation under test. `run` performs it once through `a` (the failing wrapper) and
 * returns true iff it succeeded; when it fails it must have undone everything it did.
 * `snapshot` records the state a failed run must leave unchanged (called before each run);
 * `unchanged` says whether the state still equals that snapshot.
 */
typedef struct failing_loop_case {
    void *ctx;
    bool (*run)(void *ctx, allocator a);
    void (*snapshot)(void *ctx);
    bool (*unchanged)(void *ctx);
} failing_loop_case;

typedef enum failing_loop_verdict {
    FAILING_LOOP_OK = 0,            /* every failed run changed nothing; then one succeeded */
    FAILING_LOOP_CHANGED_STATE = 1, /* a failed run left the state different */
    FAILING_LOOP_LEAKED = 2,        /* a failed run left bytes or blocks live in the wrapper */
    FAILING_LOOP_UNINDUCED = 3,     /* a run failed although no failure was induced */
    FAILING_LOOP_NO_SUCCESS = 4,    /* runs_max runs and none succeeded */
} failing_loop_verdict;

typedef struct failing_loop_result {
    failing_loop_verdict verdict;
    uint32_t runs;             /* runs made, the last one included */
    uint32_t failed_runs;      /* runs that failed as they should, changing nothing */
    uint32_t benign_failures;  /* 0 or 1: the succeeding run survived an induced failure */
    uint64_t allocation_calls; /* alloc and resize calls the succeeding run made */
} failing_loop_result;

/*
 * Runs c with the Nth allocation failing (mode: transient or persistent), for N = 1, 2, ...,
 * runs_max, and stops at the first run that succeeds. After each failed run it checks, in
 * this order, that a failure was induced, that the wrapper's live bytes and live block count
 * are what they were, and that c->unchanged() holds. N counts alloc and resize calls together
 * (failing_fail_any), so an operation that grows in place is failed there too. Leaves f
 * disarmed.
 * Cost: runs * (cost of one run).
 */
failing_loop_result failing_loop_run(failing_allocator *f, const failing_loop_case *c,
                                     failing_mode mode, uint32_t runs_max);

/* The verdict as a word, for messages ("ok", "changed state", ...). */
const char *failing_loop_verdict_name(failing_loop_verdict verdict);

#endif
