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
    if (seal_counts_by_wrapping()) {
        void *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        assert_true(m != MAP_FAILED);
        assert_int_equal(munmap(m, 4096), 0);
        assert_int_equal(seal_allocation_calls(), before + 4);
    }
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
        cmocka_unit_test(test_strict_kills_on_memory_growing_syscalls),
        cmocka_unit_test(test_strict_refused_under_sanitizers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
