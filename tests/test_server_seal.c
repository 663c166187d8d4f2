/* The seal's enforcement: the counting of allocation calls after seal_arm, and the strict
 * seccomp filter killing the process on each memory-growing syscall (in children). */
#include "test_support.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "kv/seal.h"

/* Keeps the compiler from pairing and dropping a malloc/free. */
static void *volatile sink;

static void test_calls_after_arm_are_counted(void **state) {
    (void)state;
    uint64_t before = seal_allocation_calls();
    sink = malloc(32);
    free(sink);
    assert_int_equal(seal_allocation_calls(), before); /* not armed yet: start-up is free */
    seal_arm();
    seal_window_begin(); /* sanitized builds count inside the window around engine calls */
    sink = malloc(32);
    free(sink);
    seal_window_end();
    assert_int_equal(seal_allocation_calls(), before + 2);
}

/* One wrapped call: runs it and asserts the count went up by exactly one. */
#define COUNTS_ONE(call)                                                                           \
    do {                                                                                           \
        uint64_t before_call = seal_allocation_calls();                                            \
        call;                                                                                      \
        if (seal_allocation_calls() != before_call + 1) {                                          \
            fail_msg("%s: counted %llu calls, want 1", #call,                                      \
                     (unsigned long long)(seal_allocation_calls() - before_call));                 \
        }                                                                                          \
    } while (0)

/* Plain builds: every call the linker wraps (-Wl,--wrap, src/kv/CMakeLists.txt) is counted
 * once after the seal, and still does its job. */
static void test_every_wrapped_call_is_counted(void **state) {
    (void)state;
    if (!seal_counts_by_wrapping()) skip(); /* sanitized builds count with hooks instead */
    seal_arm();
    void *p = NULL;
    COUNTS_ONE(p = malloc(32));
    COUNTS_ONE(p = realloc(p, 4096));
    assert_non_null(p);
    COUNTS_ONE(free(p));
    COUNTS_ONE(p = calloc(4, 8));
    assert_non_null(p);
    assert_int_equal(((unsigned char *)p)[31], 0);
    COUNTS_ONE(free(p));
    COUNTS_ONE(p = aligned_alloc(64, 128));
    assert_int_equal((uintptr_t)p % 64, 0);
    COUNTS_ONE(free(p));
    int rc = -1;
    COUNTS_ONE(rc = posix_memalign(&p, 128, 256));
    assert_int_equal(rc, 0);
    assert_int_equal((uintptr_t)p % 128, 0);
    COUNTS_ONE(free(p));
    sink = p;
}

static void test_every_wrapped_mapping_call_is_counted(void **state) {
    (void)state;
    if (!seal_counts_by_wrapping()) skip();
    seal_arm();
    const size_t page = 4096;
    void *m = MAP_FAILED;
    COUNTS_ONE(m = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    assert_true(m != MAP_FAILED);
    void *grown = MAP_FAILED;
    COUNTS_ONE(grown = mremap(m, page, 4 * page, MREMAP_MAYMOVE));
    assert_true(grown != MAP_FAILED);
    void *target = MAP_FAILED;
    COUNTS_ONE(target = mmap64(NULL, 8 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    assert_true(target != MAP_FAILED);
    /* MREMAP_FIXED passes a fifth argument: the wrapper must forward it. */
    void *moved = MAP_FAILED;
    COUNTS_ONE(moved = mremap(grown, 4 * page, 4 * page, MREMAP_MAYMOVE | MREMAP_FIXED, target));
    assert_ptr_equal(moved, target);
    int rc = -1;
    COUNTS_ONE(rc = munmap(target, 8 * page));
    assert_int_equal(rc, 0);
    void *brk_now = NULL;
    COUNTS_ONE(brk_now = sbrk(0)); /* asks, moves nothing */
    assert_true(brk_now != (void *)-1);
    COUNTS_ONE(rc = brk(brk_now)); /* the break where it is: changes nothing */
    assert_int_equal(rc, 0);
}

typedef void (*child_action)(void);

/* Runs action in a child under the strict filter; returns its wait status. */
static int under_strict_filter(child_action action) {
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char error[256];
        if (!seal_strict_prepare(error, sizeof error) ||
            !seal_strict_install(error, sizeof error)) {
            _exit(3);
        }
        action();
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void do_mmap(void) {
    sink = mmap(NULL, 1 << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}
static void do_brk(void) { sink = (void *)syscall(SYS_brk, 0); }
static void do_mremap(void) { sink = (void *)syscall(SYS_mremap, 0, 0, 4096, 0); }
static void do_big_malloc(void) { sink = malloc((size_t)64 << 20); } /* libc maps it */
static void do_memfd(void) { sink = (void *)syscall(SYS_memfd_create, "x", 0); }
static void do_io_uring_setup(void) { sink = (void *)syscall(SYS_io_uring_setup, 8, NULL); }

/* What the loop does after the seal stays allowed. */
static void do_allowed(void) {
    int fds[2];
    if (pipe(fds) != 0) _exit(4);
    if (write(fds[1], "x", 1) != 1) _exit(5);
    close(fds[0]);
    close(fds[1]);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    char line[64];
    snprintf(line, sizeof line, "%llu %s", 42ull, "ok");
}

static void assert_killed(int status) {
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS) {
        fail_msg("expected death by SIGSYS, got status 0x%x", (unsigned)status);
    }
}

static void test_strict_kills_on_memory_growing_syscalls(void **state) {
    (void)state;
    if (!seal_strict_supported()) skip(); /* sanitizer builds refuse --seal=strict */
    assert_killed(under_strict_filter(do_mmap));
    assert_killed(under_strict_filter(do_brk));
    assert_killed(under_strict_filter(do_mremap));
    assert_killed(under_strict_filter(do_big_malloc));
    assert_killed(under_strict_filter(do_memfd));
    assert_killed(under_strict_filter(do_io_uring_setup));
    int status = under_strict_filter(do_allowed);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_strict_refused_under_sanitizers(void **state) {
    (void)state;
    if (seal_strict_supported()) skip();
    char error[256];
    assert_false(seal_strict_prepare(error, sizeof error));
    assert_non_null(strstr(error, "--seal=strict needs a build without sanitizers"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calls_after_arm_are_counted),
        cmocka_unit_test(test_every_wrapped_call_is_counted),
        cmocka_unit_test(test_every_wrapped_mapping_call_is_counted),
        cmocka_unit_test(test_strict_kills_on_memory_growing_syscalls),
        cmocka_unit_test(test_strict_refused_under_sanitizers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
