#ifndef STASIS_FUZZ_RESP_REPLY_CHECK_H
#define STASIS_FUZZ_RESP_REPLY_CHECK_H

/*
 * Whether bytes are exactly one complete RESP2 reply: the check every reply the KV engine
 * writes must pass in every KV target, whether or not a model predicts its bytes (INFO,
 * COMMAND DOCS, CONFIG GET: a reply no model covers is still held to the protocol).
 *
 * Written here rather than borrowed from hiredis: the project's parser reads requests, not
 * replies, and MSan cannot see into Debian's uninstrumented hiredis. Strict where Redis is
 * strict about what it writes: a type byte from "+-:$*"; simple strings and errors without
 * CR or LF; integers and lengths as decimal without '+' or leading zeros ("-0" is not one);
 * bulk lengths and array counts -1 (null) or at least 0; a bulk's bytes followed by CRLF.
 * Arrays nest by counting the values still owed (no recursion, no depth limit needed).
 * O(len).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/cursor.h"

typedef struct resp_reply_verdict {
    bool ok;
    size_t at;       /* where the check stopped: the offending byte, or len when ok */
    const char *why; /* NULL when ok */
} resp_reply_verdict;

/* Reads "<number>\r\n" at r[*at]: an optional '-' then digits, no leading zeros, within
 * int64. Returns false on anything else. */
FUZZ_NO_COVERAGE static inline bool resp_reply_number(const uint8_t *r, size_t len, size_t *at,
                                                       int64_t *out) {
    size_t i = *at;
    bool negative = i < len && r[i] == '-';
    if (negative) i++;
    size_t first = i;
    uint64_t v = 0;
    for (; i < len && r[i] >= '0' && r[i] <= '9'; i++) {
        if (i - first >= 19) return false; /* past int64's digits (we never need them) */
        v = v * 10 + (uint64_t)(r[i] - '0');
    }
    size_t digits = i - first;
    if (digits == 0 || (digits > 1 && r[first] == '0') || (negative && v == 0)) return false;
    if (i + 2 > len || r[i] != '\r' || r[i + 1] != '\n') return false;
    uint64_t magnitude_max = (uint64_t)INT64_MAX + (negative ? 1u : 0u);
    if (v > magnitude_max) return false;
    /* INT64_MIN's magnitude has no int64 to negate: -(v - 1) - 1 stays in range */
    *out = negative ? -(int64_t)(v - 1) - 1 : (int64_t)v;
    *at = i + 2;
    return true;
}

/* A simple string's or error's text at r[*at] up to CRLF, with no CR or LF inside. */
FUZZ_NO_COVERAGE static inline bool resp_reply_line(const uint8_t *r, size_t len, size_t *at) {
    for (size_t i = *at; i < len; i++) {
        if (r[i] == '\n') return false;
        if (r[i] != '\r') continue;
        if (i + 1 >= len || r[i + 1] != '\n') return false;
        *at = i + 2;
        return true;
    }
    return false;
}

FUZZ_NO_COVERAGE static inline resp_reply_verdict resp_reply_bad(size_t at, const char *why) {
    return (resp_reply_verdict){.ok = false, .at = at, .why = why};
}

/* The verdict on r[0, len): exactly one complete RESP2 value, nothing after it. */
FUZZ_NO_COVERAGE static inline resp_reply_verdict resp_reply_check(const uint8_t *r, size_t len) {
    ST_ASSERT(r != NULL || len == 0);
    uint64_t owed = 1; /* values still to read: one, plus every array's elements */
    size_t at = 0;
    while (owed > 0) {
        if (at >= len) return resp_reply_bad(at, "the reply ends before its value does");
        uint8_t type = r[at];
        size_t start = at++;
        int64_t n = 0;
        owed--;
        switch (type) {
        case '+':
        case '-':
            if (!resp_reply_line(r, len, &at)) return resp_reply_bad(start, "a bad line");
            break;
        case ':':
            if (!resp_reply_number(r, len, &at, &n)) return resp_reply_bad(start, "a bad integer");
            break;
        case '$':
            if (!resp_reply_number(r, len, &at, &n) || n < -1) {
                return resp_reply_bad(start, "a bad bulk length");
            }
            if (n < 0) break;
            if ((uint64_t)n > len - at || len - at - (size_t)n < 2) {
                return resp_reply_bad(start, "a bulk longer than the reply");
            }
            at += (size_t)n;
            if (r[at] != '\r' || r[at + 1] != '\n') return resp_reply_bad(at, "no CRLF after a bulk");
            at += 2;
            break;
        case '*':
            if (!resp_reply_number(r, len, &at, &n) || n < -1) {
                return resp_reply_bad(start, "a bad array count");
            }
            if (n > 0) owed += (uint64_t)n;
            if (owed > len - at) return resp_reply_bad(start, "more elements than bytes left");
            break;
        default: return resp_reply_bad(start, "not a RESP2 type byte");
        }
    }
    if (at != len) return resp_reply_bad(at, "bytes after the reply's one value");
    ST_ASSERT(at == len);
    return (resp_reply_verdict){.ok = true, .at = len, .why = NULL};
}

#endif
