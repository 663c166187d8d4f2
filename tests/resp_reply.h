#ifndef STASIS_TESTS_RESP_REPLY_H
#define STASIS_TESTS_RESP_REPLY_H

/*
 * Is this reply well-formed? The project's RESP parser reads requests only, so replies are
 * checked with hiredis's redisReader, a real RESP2 implementation, and then more strictly:
 * the value hiredis read is written back in RESP2's one canonical form and must equal the
 * bytes exactly. That catches what hiredis 0.14 lets through (a bulk's two bytes after the
 * payload are skipped unchecked, a simple string may hold a lone CR) as well as every
 * structural fault: a missing or wrong array header leaves trailing bytes or an incomplete
 * value, a wrong bulk length misaligns everything after it.
 *
 * The test harnesses call it on every reply the engine writes (kv_harness.h), so a malformed
 * reply fails whichever test ran the command, whether or not the test looks at the bytes.
 */

#include <stdbool.h>
#include <stddef.h>

#define RESP_REPLY_WHY_MAX 256

typedef enum resp_reply_verdict {
    RESP_REPLY_ONE_VALUE = 0, /* exactly one complete value, canonical, nothing after it */
    RESP_REPLY_INCOMPLETE,    /* a value's beginning, well-formed so far (or nothing) */
    RESP_REPLY_MALFORMED,     /* anything else */
} resp_reply_verdict;

/*
 * Whether bytes[0, len) is exactly one complete RESP2 value (nested arrays included) in
 * canonical form, with no byte after it. Unless it is, the reason is in why[0,
 * RESP_REPLY_WHY_MAX): empty or incomplete, a protocol error (hiredis's text), trailing
 * bytes, or the offset where the bytes stop matching the value read. O(len).
 */
resp_reply_verdict resp_reply_check(const void *bytes, size_t len, char why[RESP_REPLY_WHY_MAX]);

/*
 * Aborts (printing why and the start of the reply, escaped) unless bytes[0, len) is exactly
 * one value. `what` names the reply's source in the message (e.g. the command).
 */
void resp_reply_assert_one_value(const void *bytes, size_t len, const char *what);

#endif
