#ifndef STASIS_ASSERT_H
#define STASIS_ASSERT_H

/*
 * The project's one assertion macro. It is on in every build, release included: a broken
 * invariant in an allocator or the store must stop the process before it corrupts more
 * state or answers a client with garbage (TigerStyle). Assert one fact per ST_ASSERT so a
 * failure names exactly which fact broke.
 *
 * A failure writes "stasis: assertion failed: <expr> (<file>:<line> <function>)" to stderr
 * with write(2) (no stdio, no allocation), prints a stack under the sanitizers, then
 * aborts. Never use it for anything a client can cause: those are errors, not bugs.
 */

/* Cold: the compiler keeps every failure path out of the hot code around an assertion. */
_Noreturn void stasis_assert_fail(const char *expr, const char *file, int line,
                                  const char *function) __attribute__((cold));

#define ST_ASSERT(cond)                                                                            \
    (__builtin_expect(!!(cond), 1) ? (void)0                                                       \
                                   : stasis_assert_fail(#cond, __FILE__, __LINE__, __func__))

#define ST_STATIC_ASSERT(cond) _Static_assert(cond, #cond)

#endif
