#ifndef STASIS_TESTS_RESP_FEED_H
#define STASIS_TESTS_RESP_FEED_H

/*
 * Feeds bytes to a RESP parser the way a server does (append, parse, drop what was
 * consumed, move the rest to the front) in pieces of a chosen size, and records what came
 * out as text: each command as `[arg|arg|...]` with arguments escaped, then `<incomplete>`
 * or the protocol error reply. Two feedings of the same bytes must give the same text.
 */

#include <stddef.h>

#include "kv/resp_parser.h"

#define RESP_FEED_OUT_MAX 65536

/* Parses `len` bytes given `piece` bytes at a time (0: all at once) with `limits`
 * (NULL: roomy defaults) and an authenticated flag; returns the recorded text. */
const char *resp_feed(const void *bytes, size_t len, size_t piece, const resp_limits *limits,
                      bool authenticated);

/* The same for a NUL-terminated string, fed whole and then one byte at a time: asserts both
 * record the same text, and returns it. */
const char *resp_feed_both(const char *text);

#endif
