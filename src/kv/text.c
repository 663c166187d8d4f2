#include "kv/text.h"

#include <string.h>

void kv_text_bytes(kv_text *t, const void *bytes, size_t n) {
    if (t->overflow || n > t->cap - t->len) {
        t->overflow = true;
        return;
    }
    memcpy(t->buf + t->len, bytes, n);
    t->len += n;
}

void kv_text_str(kv_text *t, const char *s) { kv_text_bytes(t, s, strlen(s)); }

void kv_text_u64(kv_text *t, uint64_t v) {
    char digits[20];
    size_t n = 0;
    do {
        digits[sizeof digits - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    kv_text_bytes(t, digits + sizeof digits - n, n);
}

void kv_text_field_u64(kv_text *t, const char *name, uint64_t v) {
    kv_text_str(t, name);
    kv_text_bytes(t, ":", 1);
    kv_text_u64(t, v);
    kv_text_bytes(t, "\r\n", 2);
}

void kv_text_field_str(kv_text *t, const char *name, const char *v) {
    kv_text_str(t, name);
    kv_text_bytes(t, ":", 1);
    kv_text_str(t, v);
    kv_text_bytes(t, "\r\n", 2);
}
