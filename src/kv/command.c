#include "kv/command.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "alloc/stasis_assert.h"
#include "kv/resp_number.h"

/* ---- replies ---- */

void kv_reply_ok(kv_ctx *c) { resp_write_simple(c->out, "OK", 2); }

void kv_reply_ok_or_one(kv_ctx *c, bool as_integer) {
    if (as_integer) {
        kv_reply_integer(c, 1);
    } else {
        kv_reply_ok(c);
    }
}

void kv_reply_simple(kv_ctx *c, const char *text) { resp_write_simple(c->out, text, strlen(text)); }

void kv_reply_error(kv_ctx *c, const char *text) { resp_write_error(c->out, text, strlen(text)); }

/* Error texts are short; anything longer is cut (never overflowing). */
#define KV_ERROR_TEXT_SIZE_MAX 512
ST_STATIC_ASSERT(KV_ERROR_TEXT_SIZE_MAX + 3 <= KV_REPLY_ROOM_MIN_BYTES);

void kv_reply_errorf(kv_ctx *c, const char *fmt, ...) {
    char text[KV_ERROR_TEXT_SIZE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    ST_ASSERT(n >= 0);
    size_t len = (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
    resp_write_error(c->out, text, len);
}

void kv_reply_integer(kv_ctx *c, int64_t v) { resp_write_integer(c->out, v); }

void kv_reply_bulk(kv_ctx *c, const void *bytes, size_t len) {
    resp_write_bulk(c->out, bytes, len);
}

void kv_reply_bulk_cstr(kv_ctx *c, const char *text) { kv_reply_bulk(c, text, strlen(text)); }

void kv_reply_null(kv_ctx *c) { resp_write_null_bulk(c->out); }

void kv_reply_null_array(kv_ctx *c) { resp_write_null_array(c->out); }

void kv_reply_array(kv_ctx *c, uint64_t n) { resp_write_array_header(c->out, n); }

static void write_piece(void *ctx, const uint8_t *bytes, size_t len) {
    resp_write_raw(ctx, bytes, len);
}

/* A bulk whose bytes are [offset, offset + len) of a chunk chain. */
static void reply_chain(kv_ctx *c, uint32_t head, uint64_t offset, uint64_t len) {
    resp_write_bulk_header(c->out, len);
    chunk_for_each_piece(&c->store->chunks, head, offset, len, write_piece, c->out);
    resp_write_crlf(c->out);
}

void kv_reply_string_value(kv_ctx *c, const kv_record *r, uint64_t offset, uint64_t len) {
    ST_ASSERT(r->type == KV_TYPE_STRING);
    ST_ASSERT(offset + len <= r->value_len);
    reply_chain(c, r->value, offset, len);
}

void kv_reply_key(kv_ctx *c, const kv_record *r) { reply_chain(c, r->key, 0, r->key_len); }

void kv_reply_element(kv_ctx *c, uint32_t element) {
    uint64_t offset = 0;
    uint32_t head = kv_store_element_data(c->store, element, &offset);
    reply_chain(c, head, offset, kv_store_element_len(c->store, element));
}

uint64_t kv_bulk_reply_bytes(uint64_t len) { return resp_bulk_size(len); }

size_t kv_arg_cstr_len(const kv_ctx *c, uint32_t i) {
    ST_ASSERT(i < c->argc);
    const resp_arg *a = &c->argv[i];
    const uint8_t *nul = a->len == 0 ? NULL : memchr(a->ptr, 0, a->len);
    return nul == NULL ? a->len : (size_t)(nul - a->ptr);
}

static bool is_crlf(uint8_t b) { return b == '\r' || b == '\n'; }

void kv_reply_error_echo(kv_ctx *c, const char *prefix, uint32_t arg, const char *suffix) {
    size_t prefix_len = strlen(prefix);
    size_t suffix_len = strlen(suffix);
    ST_ASSERT(prefix_len > 0 && !is_crlf((uint8_t)prefix[0]));
    const uint8_t *word = c->argv[arg].ptr;
    size_t n = kv_arg_cstr_len(c, arg);
    while (suffix_len > 0 && is_crlf((uint8_t)suffix[suffix_len - 1]))
        suffix_len--;
    if (suffix_len == 0) { /* the word ends the text: its CR and LF at the end go */
        while (n > 0 && is_crlf(word[n - 1]))
            n--;
    }
    if (!kv_reply_room(c, 1 + prefix_len + n + suffix_len + 2)) return;
    resp_write_raw(c->out, "-", 1);
    resp_write_raw(c->out, prefix, prefix_len);
    for (size_t k = 0; k < n; k++) {
        uint8_t b = is_crlf(word[k]) ? (uint8_t)' ' : word[k];
        resp_write_raw(c->out, &b, 1);
    }
    resp_write_raw(c->out, suffix, suffix_len);
    resp_write_crlf(c->out);
}

void kv_reply_too_long(kv_ctx *c) {
    c->engine->stats.limit_rejections++;
    kv_reply_errorf(c, "ERR reply exceeds reply_size_max (%llu bytes)",
                    (unsigned long long)c->engine->config->reply_size_max);
}

bool kv_reply_room(kv_ctx *c, uint64_t bytes) {
    /* The limit first: a writer may have more room than reply_size_max (a large buffer is
     * at least that big), and a reply past the limit must not depend on where it lands. */
    uint64_t limit = c->engine->config->reply_size_max;
    if (bytes <= limit && bytes <= resp_writer_room(c->out)) return true;
    if (bytes > limit) {
        kv_reply_too_long(c);
        return false;
    }
    c->result = KV_EXEC_NEEDS_ROOM;
    return false;
}

size_t kv_format_option(const kv_ctx *c, const kv_option *o, char *buf, size_t cap) {
    const kv_server_info *s = c->engine->server;
    if (o->offset == offsetof(kv_config, port) && s != NULL && s->tcp_port != 0) {
        ST_ASSERT(cap > RESP_INT64_TEXT_SIZE_MAX);
        size_t n = resp_format_u64(s->tcp_port, buf, cap);
        buf[n] = '\0';
        return n;
    }
    return kv_option_format(o, c->engine->config, buf, cap);
}

/* ---- arguments ---- */

bool kv_arg_is(const kv_ctx *c, uint32_t i, const char *word) {
    ST_ASSERT(i < c->argc);
    size_t n = strlen(word);
    if (c->argv[i].len != n) return false;
    for (size_t k = 0; k < n; k++) {
        uint8_t a = c->argv[i].ptr[k];
        if (a >= 'A' && a <= 'Z') a = (uint8_t)(a - 'A' + 'a');
        if (a != (uint8_t)word[k]) return false;
    }
    return true;
}

bool kv_arg_either(kv_ctx *c, uint32_t i, const char *first, const char *second, bool *is_first) {
    *is_first = kv_arg_is(c, i, first);
    if (*is_first || kv_arg_is(c, i, second)) return true;
    kv_reply_error(c, KV_ERR_SYNTAX);
    return false;
}

bool kv_arg_int64(kv_ctx *c, uint32_t i, int64_t *out, const char *error) {
    ST_ASSERT(i < c->argc);
    if (resp_parse_int64(c->argv[i].ptr, c->argv[i].len, out)) return true;
    kv_reply_error(c, error != NULL ? error : KV_ERR_NOT_INTEGER);
    return false;
}

/* ---- limits ---- */

bool kv_reply_limit_error(kv_ctx *c, const char *what, const char *name, uint64_t value,
                          const char *unit) {
    c->engine->stats.limit_rejections++;
    kv_reply_errorf(c, "ERR %s exceeds %s (%llu %s)", what, name, (unsigned long long)value, unit);
    return false;
}

bool kv_check_key(kv_ctx *c, uint32_t i) {
    uint64_t limit = c->engine->config->key_size_max;
    if (c->argv[i].len <= limit) return true;
    return kv_reply_limit_error(c, "key", "key_size_max", limit, "bytes");
}

bool kv_check_value_size(kv_ctx *c, uint64_t bytes) {
    uint64_t limit = c->engine->config->value_size_max;
    if (bytes <= limit) return true;
    return kv_reply_limit_error(c, "value", "value_size_max", limit, "bytes");
}

bool kv_check_list_length(kv_ctx *c, uint64_t length) {
    uint64_t limit = c->engine->config->list_length_max;
    if (length <= limit) return true;
    return kv_reply_limit_error(c, "list", "list_length_max", limit, "elements");
}

bool kv_check_string_length(kv_ctx *c, uint64_t offset, uint64_t len) {
    uint64_t limit = c->engine->config->bulk_size_max;
    if (offset <= limit && len <= limit - offset) return true;
    kv_reply_error(c, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    return false;
}

bool kv_check_chunks(kv_ctx *c, uint64_t chunks) {
    if (kv_store_can_take(c->store, chunks)) return true;
    /* Expired keys not yet collected give their chunks back first: a write is refused
     * only for live data. The ids this command holds were looked up, so are not expired. */
#ifndef STASIS_CANARY_PROPS_EXPIRED_CHUNKS_OOM
    kv_store_expire_due(c->store, c->now_ms);
#endif /* canary (props capacity): expired keys keep their chunks, and the write answers -OOM */
    if (kv_store_can_take(c->store, chunks)) return true;
    /* The guaranteed policy sized the pool for every key at its limits. */
    ST_ASSERT(c->engine->config->capacity_policy == KV_POLICY_SHARED);
    c->engine->stats.oom_rejections++;
    kv_reply_error(c, KV_ERR_OOM);
    return false;
}

bool kv_check_key_count(kv_ctx *c, uint64_t new_keys) {
    uint64_t limit = c->engine->config->keys_max;
    if (c->store->keys + new_keys <= limit) return true;
    kv_store_expire_due(c->store, c->now_ms); /* expired keys do not count */
    if (c->store->keys + new_keys <= limit) return true;
    return kv_reply_limit_error(c, "key count", "keys_max", limit, "keys");
}

bool kv_check_new_key(kv_ctx *c, uint32_t key_arg, uint64_t value_chunks) {
    if (!kv_check_key_count(c, 1)) return false;
    return kv_check_chunks(c, kv_store_chunks_for(c->store, c->argv[key_arg].len) + value_chunks);
}

/* ---- keys ---- */

uint32_t kv_lookup(kv_ctx *c, uint32_t i) {
    ST_ASSERT(i < c->argc);
    return kv_store_find(c->store, c->argv[i].ptr, c->argv[i].len, c->now_ms);
}

uint32_t kv_lookup_notouch(kv_ctx *c, uint32_t i) {
    ST_ASSERT(i < c->argc);
    return kv_store_find_notouch(c->store, c->argv[i].ptr, c->argv[i].len, c->now_ms);
}

uint32_t kv_lookup_typed(kv_ctx *c, uint32_t i, kv_type type) {
    uint32_t id = kv_lookup(c, i);
    if (id == KV_RECORD_NONE) return id;
    if (kv_store_record(c->store, id)->type == type) return id;
    kv_reply_error(c, KV_ERR_WRONGTYPE);
    return KV_LOOKUP_WRONGTYPE;
}

void kv_delete_if_empty_list(kv_ctx *c, uint32_t id) {
    const kv_record *r = kv_store_record(c->store, id);
    ST_ASSERT(r->type == KV_TYPE_LIST);
    if (r->value_len == 0) kv_store_delete(c->store, id);
}
