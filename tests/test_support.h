#ifndef STASIS_TEST_SUPPORT_H
#define STASIS_TEST_SUPPORT_H

/*
 * Helpers shared by the cmocka tests. Include after <cmocka.h>'s prerequisites.
 *
 * expect_abort(): the death test. Runs fn(arg) in a forked child with stderr captured,
 * and asserts the child died of SIGABRT and printed `expected` (e.g. the failed assertion).
 *
 * ASSERT_CAUGHT / ASSERT_CAUGHT_BY_FULL: the canary of a self-check (*_invariants_hold):
 * corrupts one field of a valid state, asserts the check fails, puts it back.
 *
 * loop_script: a composite operation for the malloc-failure loop (failing_loop_run): it
 * allocates a few blocks, grows one in place, and on any failure frees what it made, so a
 * failed run must leave the allocator's diagnostics as they were.
 */

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc/allocator.h"
#include "alloc/failing.h"

/* Sets `lvalue` to `bad`: `check` must now fail. Puts it back: `check` must hold again. */
#define ASSERT_CAUGHT(check, lvalue, bad)                                                          \
    do {                                                                                           \
        assert_true(check);                                                                        \
        __typeof__(lvalue) saved_ = (lvalue);                                                      \
        (lvalue) = (bad);                                                                          \
        if (check) fail_msg("%s still holds with %s = %s", #check, #lvalue, #bad);                 \
        (lvalue) = saved_;                                                                         \
        assert_true(check);                                                                        \
    } while (0)

/* The same for a corruption only the full walk sees: `quick` still holds meanwhile. */
#define ASSERT_CAUGHT_BY_FULL(quick, full, lvalue, bad)                                            \
    do {                                                                                           \
        assert_true(full);                                                                         \
        __typeof__(lvalue) saved_ = (lvalue);                                                      \
        (lvalue) = (bad);                                                                          \
        if (!(quick))                                                                              \
            fail_msg("%s fails with %s = %s: not a full-walk case", #quick, #lvalue, #bad);        \
        if (full) fail_msg("%s still holds with %s = %s", #full, #lvalue, #bad);                   \
        (lvalue) = saved_;                                                                         \
        assert_true(full);                                                                         \
    } while (0)

#define TEST_CHILD_OUTPUT_MAX_BYTES 8192

#ifdef STASIS_COVERAGE_BUILD
/* clang's profile runtime writes a process's counters at exit, which a child dying of
 * SIGABRT never reaches: a death test's child writes them from its SIGABRT handler, so the
 * code that runs up to an assertion (its message included) counts as covered. The profile
 * file needs a %p or %m in its name ($LLVM_PROFILE_FILE) for the child not to overwrite the
 * parent's. */
int __llvm_profile_write_file(void);

static inline void write_profile_on_abort(int sig) {
    (void)sig;
    (void)__llvm_profile_write_file();
}
#endif

/* In a death test's child: the coverage build's profile is written before it dies. */
static inline void death_test_child_setup(void) {
#ifdef STASIS_COVERAGE_BUILD
    signal(SIGABRT, write_profile_on_abort);
#endif
}

static inline void expect_abort(void (*fn)(void *), void *arg, const char *expected) {
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], STDERR_FILENO);
        death_test_child_setup();
        fn(arg);
        _exit(0); /* fn returned: the parent sees exit status 0, not SIGABRT */
    }
    close(fds[1]);
    char out[TEST_CHILD_OUTPUT_MAX_BYTES + 1];
    size_t have = 0;
    ssize_t n;
    while ((n = read(fds[0], out + have, TEST_CHILD_OUTPUT_MAX_BYTES - have)) > 0) {
        have += (size_t)n;
        if (have == TEST_CHILD_OUTPUT_MAX_BYTES) break;
    }
    out[have] = '\0';
    close(fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT) {
        fail_msg("expected SIGABRT, got status 0x%x; child stderr:\n%s", (unsigned)status, out);
    }
    if (strstr(out, expected) == NULL) {
        fail_msg("child stderr lacks \"%s\":\n%s", expected, out);
    }
}

#define LOOP_SCRIPT_BLOCKS_MAX 8

typedef struct loop_script {
    size_t lens[LOOP_SCRIPT_BLOCKS_MAX]; /* lengths to allocate, in order */
    size_t count;                        /* 1 ..= LOOP_SCRIPT_BLOCKS_MAX */
    size_t align;
    size_t grow_to; /* then resize the last block to this length in place (0: no resize) */
    /* If set, the script allocates through `via` (an allocator built over the failing
     * wrapper) instead of through the wrapper itself. */
    allocator via;
    /* The allocator whose state a failed run must not change, and how to read it. */
    void *subject;
    allocator_diagnostics (*diagnostics)(void *subject);
    allocator_diagnostics before;
    void *held[LOOP_SCRIPT_BLOCKS_MAX]; /* after a successful run: the blocks, to free */
    size_t held_lens[LOOP_SCRIPT_BLOCKS_MAX];
} loop_script;

static inline void loop_script_snapshot(void *ctx) {
    loop_script *s = ctx;
    s->before = s->diagnostics(s->subject);
}

/* Capacity and bytes in use must be back; the peak and oom count may have moved. */
static inline bool loop_script_unchanged(void *ctx) {
    loop_script *s = ctx;
    allocator_diagnostics now = s->diagnostics(s->subject);
    return now.capacity_bytes == s->before.capacity_bytes &&
           now.allocated_bytes == s->before.allocated_bytes;
}

static inline bool loop_script_run(void *ctx, allocator a) {
    loop_script *s = ctx;
    if (s->via.vtable != NULL) a = s->via;
    size_t made = 0;
    for (; made < s->count; made++) {
        s->held_lens[made] = s->lens[made];
        s->held[made] = allocator_alloc(a, s->lens[made], s->align);
        if (s->held[made] == NULL) break;
    }
    bool ok = made == s->count;
    size_t last = s->count - 1;
    if (ok && s->grow_to != 0) {
        ok = allocator_resize(a, s->held[last], s->lens[last], s->grow_to, s->align);
        if (ok) s->held_lens[last] = s->grow_to;
        made = s->count;
    }
    if (ok) return true;
    for (size_t i = made; i-- > 0;)
        allocator_free(a, s->held[i], s->held_lens[i], s->align);
    return false;
}

/* Frees what a successful run kept. */
static inline void loop_script_release(loop_script *s, allocator a) {
    if (s->via.vtable != NULL) a = s->via;
    for (size_t i = s->count; i-- > 0;)
        allocator_free(a, s->held[i], s->held_lens[i], s->align);
}

/*
 * Runs the script through a failing wrapper around `child` in both modes and asserts the
 * loop's verdict is ok, each of the script's calls was failed once (failed runs = calls),
 * and its blocks come back.
 */
static inline void assert_failure_loop_clean(loop_script *s, allocator child) {
    static const failing_mode modes[2] = {FAILING_TRANSIENT, FAILING_PERSISTENT};
    for (size_t m = 0; m < 2; m++) {
        failing_allocator f;
        failing_init(&f, child);
        failing_loop_case c = {.ctx = s,
                               .run = loop_script_run,
                               .snapshot = loop_script_snapshot,
                               .unchanged = loop_script_unchanged};
        failing_loop_result r = failing_loop_run(&f, &c, modes[m], 64);
        if (r.verdict != FAILING_LOOP_OK) {
            fail_msg("failure loop (%s): %s at run %u", m == 0 ? "transient" : "persistent",
                     failing_loop_verdict_name(r.verdict), r.runs);
        }
        size_t calls = s->count + (s->grow_to != 0);
        assert_int_equal(r.failed_runs, calls);
        assert_int_equal(r.runs, calls + 1);
        assert_int_equal(r.benign_failures, 0);
        assert_int_equal(r.allocation_calls, calls);
        loop_script_release(s, failing_allocator_iface(&f));
        assert_int_equal(failing_live_bytes(&f), 0);
        assert_true(failing_invariants_hold(&f));
    }
}

/*
 * The same loop when the failing wrapper sits beneath the allocator under test (its parent or
 * fallback): s->via is that allocator, f the wrapper it was built over. The number of calls
 * reaching f depends on the allocator, so only the verdict is asserted; returns the number of
 * failed runs (each one judged unchanged and leak-free).
 */
static inline uint32_t assert_failure_loop_clean_under(loop_script *s, failing_allocator *f) {
    static const failing_mode modes[2] = {FAILING_TRANSIENT, FAILING_PERSISTENT};
    uint32_t failed = 0;
    for (size_t m = 0; m < 2; m++) {
        failing_loop_case c = {.ctx = s,
                               .run = loop_script_run,
                               .snapshot = loop_script_snapshot,
                               .unchanged = loop_script_unchanged};
        failing_loop_result r = failing_loop_run(f, &c, modes[m], 64);
        if (r.verdict != FAILING_LOOP_OK) {
            fail_msg("failure loop (%s): %s at run %u", m == 0 ? "transient" : "persistent",
                     failing_loop_verdict_name(r.verdict), r.runs);
        }
        failed += r.failed_runs;
        loop_script_release(s, failing_allocator_iface(f));
    }
    return failed;
}

#endif
