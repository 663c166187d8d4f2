#include "alloc/stasis_assert.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc/poison.h"

#if STASIS_SANITIZED
#include <sanitizer/common_interface_defs.h>
#endif

/* Appends `s` to buf at *at, never past cap. */
static void append(char *buf, size_t cap, size_t *at, const char *s) {
    size_t n = strlen(s);
    if (n > cap - *at) n = cap - *at;
    memcpy(buf + *at, s, n);
    *at += n;
}

/* Appends the decimal form of a non-negative int. */
static void append_int(char *buf, size_t cap, size_t *at, int value) {
    char digits[16];
    size_t n = 0;
    unsigned v = value < 0 ? 0u : (unsigned)value;
    do {
        digits[sizeof digits - 1 - n] = (char)('0' + v % 10u);
        n++;
        v /= 10u;
    } while (v != 0u && n < sizeof digits);
    char out[17];
    memcpy(out, digits + sizeof digits - n, n);
    out[n] = '\0';
    append(buf, cap, at, out);
}

_Noreturn void stasis_assert_fail(const char *expr, const char *file, int line,
                                  const char *function) {
    char buf[1024];
    size_t at = 0;
    append(buf, sizeof buf - 1, &at, "stasis: assertion failed: ");
    append(buf, sizeof buf - 1, &at, expr);
    append(buf, sizeof buf - 1, &at, " (");
    append(buf, sizeof buf - 1, &at, file);
    append(buf, sizeof buf - 1, &at, ":");
    append_int(buf, sizeof buf - 1, &at, line);
    append(buf, sizeof buf - 1, &at, " ");
    append(buf, sizeof buf - 1, &at, function);
    append(buf, sizeof buf - 1, &at, ")\n");
    /* Best effort: a failed write to stderr cannot be reported anywhere else. */
    ssize_t ignored = write(STDERR_FILENO, buf, at);
    (void)ignored;
#if STASIS_SANITIZED
    __sanitizer_print_stack_trace();
#endif
    abort();
}
