#include "resp_reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <hiredis.h>

#include "alloc/stasis_assert.h"
#include "resp_reply_deep.h"

/* Deeper than any reply the engine writes (COMMAND INFO nests five arrays). */
#define REPLY_DEPTH_MAX       8u
#define REPLY_SHOWN_MAX_BYTES 512u

__attribute__((format(printf, 2, 3))) static bool say(char *why, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, RESP_REPLY_WHY_MAX, fmt, ap);
    va_end(ap);
    return false;
}

/* bytes[*at, ...) must begin with `text`; consumes it. */
static bool expect_text(const char *b, size_t len, size_t *at, const char *text, size_t n,
                        char *why) {
    if (len - *at < n || memcmp(b + *at, text, n) != 0) {
        return say(why, "bytes differ from the canonical form of the value read, at offset %zu",
                   *at);
    }
    *at += n;
    return true;
}

__attribute__((format(printf, 5, 6))) static bool expect_line(const char *b, size_t len, size_t *at,
                                                              char type, const char *fmt, ...) {
    char line[64];
    line[0] = type;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line + 1, sizeof line - 1, fmt, ap);
    va_end(ap);
    ST_ASSERT(n > 0 && (size_t)n + 1 < sizeof line);
    char why[RESP_REPLY_WHY_MAX];
    return expect_text(b, len, at, line, (size_t)n + 1, why);
}

static bool simple_string_ok(const redisReply *r) {
    return memchr(r->str, '\r', r->len) == NULL && memchr(r->str, '\n', r->len) == NULL;
}

/* Walks the value hiredis read alongside the bytes, in RESP2's canonical form. */
static bool match(const redisReply *r, const char *b, size_t len, size_t *at, unsigned depth,
                  char *why) {
    if (depth > REPLY_DEPTH_MAX) return say(why, "arrays nested deeper than %u", REPLY_DEPTH_MAX);
    size_t start = *at;
    bool ok = true;
    switch (r->type) {
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
        if (!simple_string_ok(r)) return say(why, "CR or LF inside a simple string at %zu", start);
        ok = expect_text(b, len, at, r->type == REDIS_REPLY_STATUS ? "+" : "-", 1, why) &&
             expect_text(b, len, at, r->str, r->len, why) &&
             expect_text(b, len, at, "\r\n", 2, why);
        break;
    case REDIS_REPLY_INTEGER: ok = expect_line(b, len, at, ':', "%lld\r\n", r->integer); break;
    case REDIS_REPLY_NIL: /* hiredis reads both null forms as NIL */
        ok = expect_line(b, len, at, '$', "-1\r\n") || expect_line(b, len, at, '*', "-1\r\n");
        break;
    case REDIS_REPLY_STRING:
        ok = expect_line(b, len, at, '$', "%zu\r\n", r->len) &&
             expect_text(b, len, at, r->str, r->len, why) &&
             expect_text(b, len, at, "\r\n", 2, why);
        break;
    case REDIS_REPLY_ARRAY:
        ok = expect_line(b, len, at, '*', "%zu\r\n", r->elements);
        for (size_t i = 0; ok && i < r->elements; i++)
            ok = match(r->element[i], b, len, at, depth + 1, why);
        return ok;
    default: return say(why, "reply type %d is not RESP2", r->type);
    }
    if (!ok && why[0] == '\0') say(why, "value at offset %zu is not in canonical form", start);
    return ok;
}

resp_reply_verdict resp_reply_check(const void *bytes, size_t len, char why[RESP_REPLY_WHY_MAX]) {
    why[0] = '\0';
    if (len == 0) {
        say(why, "empty reply");
        return RESP_REPLY_INCOMPLETE;
    }
    redisReader *reader = redisReaderCreate();
    ST_ASSERT(reader != NULL);
    ST_ASSERT(redisReaderFeed(reader, bytes, len) == REDIS_OK);
    void *reply = NULL;
    resp_reply_verdict verdict = RESP_REPLY_MALFORMED;
    if (redisReaderGetReply(reader, &reply) != REDIS_OK) {
        const char *deep_why = NULL;
        if (strstr(reader->errstr, "nested multi bulk replies with depth") == NULL) {
            say(why, "hiredis: %s", reader->errstr);
        } else if (resp_reply_deep_one_value(bytes, len, &deep_why)) {
            verdict = RESP_REPLY_ONE_VALUE; /* deeper than hiredis reads, and well-formed */
        } else {
            say(why, "nested deeper than hiredis reads, and %s", deep_why);
        }
    } else if (reply == NULL) {
        say(why, "incomplete: %zu bytes are not one whole value", len);
        verdict = RESP_REPLY_INCOMPLETE;
    } else {
        size_t at = 0;
        bool canonical = match(reply, bytes, len, &at, 0, why);
        if (canonical && at != len) say(why, "%zu trailing bytes after one value", len - at);
        if (canonical && at == len) verdict = RESP_REPLY_ONE_VALUE;
    }
    if (reply != NULL) freeReplyObject(reply);
    redisReaderFree(reader);
    return verdict;
}

void resp_reply_assert_one_value(const void *bytes, size_t len, const char *what) {
    char why[RESP_REPLY_WHY_MAX];
    if (resp_reply_check(bytes, len, why) == RESP_REPLY_ONE_VALUE) return;
    fprintf(stderr, "malformed reply to %s: %s\nreply (%zu bytes): \"", what, why, len);
    const unsigned char *b = bytes;
    for (size_t i = 0; i < len && i < REPLY_SHOWN_MAX_BYTES; i++) {
        if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '\\') {
            fputc(b[i], stderr);
        } else {
            fprintf(stderr, "\\x%02x", b[i]);
        }
    }
    fprintf(stderr, "%s\"\n", len > REPLY_SHOWN_MAX_BYTES ? "..." : "");
    ST_ASSERT(false); /* the reply above is not exactly one RESP2 value */
}
