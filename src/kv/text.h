#ifndef STASIS_KV_TEXT_H
#define STASIS_KV_TEXT_H

/*
 * A bounded text appender for replies built from many small parts (INFO): appends never
 * pass the capacity, and an append that does not fit sets `overflow` instead of writing a
 * truncated value. No allocation, no stdio, so it is safe after the seal.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kv_text {
    char *buf;
    size_t cap;
    size_t len;
    bool overflow;
} kv_text;

static inline kv_text kv_text_make(char *buf, size_t cap) {
    return (kv_text){.buf = buf, .cap = cap};
}

void kv_text_bytes(kv_text *t, const void *bytes, size_t n);
void kv_text_str(kv_text *t, const char *s);
void kv_text_u64(kv_text *t, uint64_t v);
/* "name:value\r\n" lines, INFO's format. */
void kv_text_field_u64(kv_text *t, const char *name, uint64_t v);
void kv_text_field_str(kv_text *t, const char *name, const char *v);

#endif
