#ifndef STASIS_TEST_SUPPORT_H
#define STASIS_TEST_SUPPORT_H

/*
 * Helpers shared by the cmocka tests. Include after <cmocka.h>'s prerequisites.
 *
 * expect_abort(): the death test. Runs fn(arg) in a forked child with stderr captured,
 * and asserts the child died of SIGABRT and printed `expected` (e.g. the failed assertion).
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

#define TEST_CHILD_OUTPUT_MAX_BYTES 8192

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

#endif
