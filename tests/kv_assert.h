#ifndef STASIS_TESTS_KV_ASSERT_H
#define STASIS_TESTS_KV_ASSERT_H

/*
 * Exact-bytes assertions on one command's whole reply through a test's kv_harness, and the
 * Redis 7.0 reply texts many KV tests expect, written once. Include after test_support.h.
 *
 *   assert_reply(h, "+OK\r\n", "SET", "a", "b");
 *   assert_reply(h, KV_REPLY_SYNTAX, "GETEX", "k", "bogus");
 *
 * A failure is cmocka's assert_string_equal at the caller's line, both texts shown.
 */

#include "kv_harness.h"

/* The reply to the command given as arguments (KV_CMD) is exactly `want`. */
#define assert_reply(h, want, ...) assert_string_equal(KV_CMD(h, __VA_ARGS__), want)

#define KV_REPLY_SYNTAX      "-ERR syntax error\r\n"
#define KV_REPLY_NOT_INTEGER "-ERR value is not an integer or out of range\r\n"
#define KV_REPLY_WRONGTYPE   "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"

/* Redis's refusal of a CONFIG SET: ARG, the name it echoes, and WHY, string literals. */
#define KV_REPLY_CONFIG_SET_FAILED(ARG, WHY)                                                       \
    "-ERR CONFIG SET failed (possibly related to argument '" ARG "') - " WHY "\r\n"

#endif
