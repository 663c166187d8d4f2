#include "kv/resp_writer.h"

#include <string.h>

#include "alloc/stasis_assert.h"
#include "kv/resp_number.h"

void resp_writer_init(resp_writer *w, void *buf, size_t cap) {
    ST_ASSERT(buf != NULL || cap == 0);
    *w = (resp_writer){.buf = buf, .cap = cap};
}

size_t resp_writer_room(const resp_writer *w) { return w->cap - w->len; }
size_t resp_writer_len(const resp_writer *w) { return w->len; }
bool resp_writer_overflowed(const resp_writer *w) { return w->overflow; }
size_t resp_writer_mark(const resp_writer *w) { return w->len; }

void resp_writer_rollback(resp_writer *w, size_t mark) {
    ST_ASSERT(mark <= w->len);
    w->len = mark;
    w->overflow = false;
}

/* Reserves n bytes, or marks the overflow; returns where to write or NULL. */
static uint8_t *claim(resp_writer *w, size_t n) {
    if (w->overflow || n > w->cap - w->len) {
        w->overflow = true;
        return NULL;
    }
    uint8_t *at = w->buf + w->len;
    w->len += n;
    return at;
}

/*
 * "<prefix>[-]<magnitude>\r\n" at `at`, which has room for it; returns its length. Headers
 * are formatted in place in the writer's own claim, not in a local copied after: a reply
 * is mostly headers (every bulk and array has one), and each copy is a call.
 */
static size_t put_prefixed(uint8_t *at, char prefix, bool negative, uint64_t magnitude,
                           size_t digits) {
    size_t n = 0;
    at[n++] = (uint8_t)prefix;
    if (negative) at[n++] = '-';
    n += resp_format_u64(magnitude, (char *)at + n, digits);
    at[n++] = '\r';
    at[n++] = '\n';
    return n;
}

static bool write_prefixed(resp_writer *w, char prefix, bool negative, uint64_t magnitude) {
    size_t digits = resp_u64_digits(magnitude);
    uint8_t *at = claim(w, 1 + (negative ? 1u : 0u) + digits + 2);
    if (at == NULL) return false;
    put_prefixed(at, prefix, negative, magnitude, digits);
    return true;
}

static bool write_prefixed_int(resp_writer *w, char prefix, int64_t v) {
    /* -(v + 1) + 1 is |v| without overflowing at INT64_MIN. */
    uint64_t magnitude = v < 0 ? (uint64_t)(-(v + 1)) + 1u : (uint64_t)v;
    return write_prefixed(w, prefix, v < 0, magnitude);
}

static bool write_prefixed_u64(resp_writer *w, char prefix, uint64_t v) {
    return write_prefixed(w, prefix, false, v);
}

bool resp_write_raw(resp_writer *w, const void *bytes, size_t len) {
    uint8_t *at = claim(w, len);
    if (at == NULL) return false;
    if (len > 0) memcpy(at, bytes, len);
    return true;
}

bool resp_write_crlf(resp_writer *w) { return resp_write_raw(w, "\r\n", 2); }

bool resp_write_simple(resp_writer *w, const char *text, size_t len) {
    ST_ASSERT(memchr(text, '\r', len) == NULL && memchr(text, '\n', len) == NULL);
    uint8_t *at = claim(w, len + 3);
    if (at == NULL) return false;
    at[0] = '+';
    memcpy(at + 1, text, len);
    memcpy(at + 1 + len, "\r\n", 2);
    return true;
}

/* CR and LF become spaces (found with memchr: error texts are long, newlines rare). */
static void blank_newlines(uint8_t *text, size_t len) {
    for (uint8_t *p = memchr(text, '\r', len); p != NULL;
         p = memchr(p, '\r', len - (size_t)(p - text)))
        *p = ' ';
    for (uint8_t *p = memchr(text, '\n', len); p != NULL;
         p = memchr(p, '\n', len - (size_t)(p - text)))
        *p = ' ';
}

bool resp_write_error(resp_writer *w, const char *text, size_t len) {
    uint8_t *at = claim(w, len + 3);
    if (at == NULL) return false;
    at[0] = '-';
    memcpy(at + 1, text, len);
    blank_newlines(at + 1, len);
    memcpy(at + 1 + len, "\r\n", 2);
    return true;
}

bool resp_write_integer(resp_writer *w, int64_t v) { return write_prefixed_int(w, ':', v); }

bool resp_write_bulk_header(resp_writer *w, uint64_t len) {
    return write_prefixed_u64(w, '$', len);
}

/* One claim for the header, the bytes and the CRLF (all or nothing, as before). */
bool resp_write_bulk(resp_writer *w, const void *bytes, size_t len) {
    size_t digits = resp_u64_digits(len);
    uint8_t *at = claim(w, 1 + digits + 2 + len + 2);
    if (at == NULL) return false;
    size_t n = put_prefixed(at, '$', false, len, digits);
    if (len > 0) memcpy(at + n, bytes, len);
    at[n + len] = '\r';
    at[n + len + 1] = '\n';
    return true;
}

bool resp_write_null_bulk(resp_writer *w) { return resp_write_raw(w, "$-1\r\n", 5); }

bool resp_write_array_header(resp_writer *w, uint64_t n) { return write_prefixed_u64(w, '*', n); }

bool resp_write_null_array(resp_writer *w) { return resp_write_raw(w, "*-1\r\n", 5); }

uint64_t resp_bulk_size(uint64_t len) { return 1 + resp_u64_digits(len) + 2 + len + 2; }

uint64_t resp_integer_size(int64_t v) {
    uint64_t magnitude = v < 0 ? (uint64_t)(-(v + 1)) + 1u : (uint64_t)v;
    return 1 + (v < 0 ? 1u : 0u) + resp_u64_digits(magnitude) + 2;
}

uint64_t resp_array_header_size(uint64_t n) { return 1 + resp_u64_digits(n) + 2; }
