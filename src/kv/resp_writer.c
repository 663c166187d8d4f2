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

/* "<prefix><number>\r\n" */
static bool write_prefixed_int(resp_writer *w, char prefix, int64_t v) {
    char text[1 + RESP_INT64_TEXT_SIZE_MAX + 2];
    text[0] = prefix;
    size_t n = 1 + resp_format_int64(v, text + 1, RESP_INT64_TEXT_SIZE_MAX);
    text[n++] = '\r';
    text[n++] = '\n';
    return resp_write_raw(w, text, n);
}

static bool write_prefixed_u64(resp_writer *w, char prefix, uint64_t v) {
    char text[1 + RESP_INT64_TEXT_SIZE_MAX + 2];
    text[0] = prefix;
    size_t n = 1 + resp_format_u64(v, text + 1, RESP_INT64_TEXT_SIZE_MAX);
    text[n++] = '\r';
    text[n++] = '\n';
    return resp_write_raw(w, text, n);
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

bool resp_write_bulk(resp_writer *w, const void *bytes, size_t len) {
    if (resp_bulk_size(len) > resp_writer_room(w)) {
        w->overflow = true;
        return false;
    }
    resp_write_bulk_header(w, len);
    resp_write_raw(w, bytes, len);
    return resp_write_crlf(w);
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
