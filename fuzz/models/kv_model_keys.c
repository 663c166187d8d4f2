/*
 * The model's keyspace commands, written from Redis 7.0's rules (db.c, expire.c, util.c)
 * rather than from the engine: option words and cursors go through the C library exactly
 * as Redis's code does (strcasecmp, strtoul on a NUL-terminated copy), and glob patterns
 * through a plain recursive matcher in the style of Redis's stringmatchlen.
 *
 * KEYS and SCAN have no order to predict: the model answers KEYS with its matching keys in
 * its own order, and SCAN as one call covering the whole table (cursor 0 and every key the
 * filters let through, expired ones included for TYPE none). fuzz_kv_ops compares those
 * replies as sets, and checks whole SCAN iterations itself. The model's SCAN deletes
 * nothing: which expired keys the engine's SCAN deletes depends on its cursor window, so
 * the harness mirrors the engine's deletions (of expired keys only) after each SCAN.
 */
#include <errno.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc/stasis_assert.h"
#include "models/kv_model.h"
#include "harness/cursor.h"

/* The model is the harness, not the code under test: no coverage feedback from it. */
FUZZ_NO_COVERAGE_BEGIN

/* Arguments longer than this never reach the C-string paths in fuzzing (ARG_BYTES_MAX). */
#define CSTR_SIZE_MAX 256

/* The argument as a C string, as Redis's sds is one: cut at its first NUL. */
static const char *cstr(const kvm_ctx *c, uint32_t i, char *buf) {
    size_t n = c->argv[i].len < CSTR_SIZE_MAX - 1 ? c->argv[i].len : CSTR_SIZE_MAX - 1;
    memcpy(buf, c->argv[i].ptr, n);
    buf[n] = '\0';
    return buf;
}

static bool is_expired(const kvm_entry *e, int64_t now_ms) {
    return e->expire_at_ms != KVM_NO_EXPIRE && now_ms > e->expire_at_ms;
}

static const char *type_name(const kvm_entry *e) {
    return e->type == KVM_STRING ? "string" : "list";
}

/* ---- glob, after Redis's stringmatchlen (case-sensitive) ---- */

/* Longer than any argument fuzz_kv_ops sends (its filler is at most 2048 bytes). */
#define GLOB_PATTERN_MAX 4096

/* The bracket class at p (just after '[') against byte ch; *used gets its pattern bytes
 * (which depend on the pattern only). */
static bool class_match(const uint8_t *p, size_t n, uint8_t ch, size_t *used) {
    size_t i = 0;
    bool negate = n > 0 && p[0] == '^';
    if (negate) i++;
    bool match = false;
    while (i < n && p[i] != ']') {
        if (p[i] == '\\' && n - i >= 2) {
            match = match || p[i + 1] == ch;
            i += 2;
        } else if (n - i >= 3 && p[i + 1] == '-') {
            int lo = (signed char)p[i]; /* Redis compares range bounds as chars */
            int hi = (signed char)p[i + 2];
            int v = (signed char)ch;
            match = match || (v >= (lo < hi ? lo : hi) && v <= (lo < hi ? hi : lo));
            i += 3;
        } else {
            match = match || p[i] == ch;
            i++;
        }
    }
    *used = i < n ? i + 1 : i; /* the ']', or an unterminated class ends with the pattern */
    return negate ? !match : match;
}

/* Whether the one-byte token at p[i] matches ch; *width gets its pattern bytes. */
static bool token_match(const uint8_t *p, size_t pn, size_t i, uint8_t ch, size_t *width) {
    if (p[i] == '?') {
        *width = 1;
        return true;
    }
    if (p[i] == '[') {
        bool m = class_match(p + i + 1, pn - i - 1, ch, width);
        *width += 1;
        return m;
    }
    if (p[i] == '\\' && pn - i >= 2) {
        *width = 2;
        return p[i + 1] == ch;
    }
    *width = 1;
    return p[i] == ch;
}

/*
 * The whole-string match as a table: m[i][j] says whether pattern bytes [i..] match string
 * bytes [j..]; '*' matches any run. One quirk of Redis's loop is kept: an empty string
 * matches only the empty pattern (even "**" fails on it; KEYS and SCAN treat "*" apart).
 */
static bool glob(const uint8_t *p, size_t pn, const uint8_t *s, size_t sn) {
    ST_ASSERT(pn <= GLOB_PATTERN_MAX && sn <= KVM_BYTES_MAX);
    if (sn == 0) return pn == 0;
    static bool m[GLOB_PATTERN_MAX + 2][KVM_BYTES_MAX + 1];
    for (size_t i = pn + 1; i-- > 0;) {
        for (size_t j = sn + 1; j-- > 0;) {
            if (i == pn) {
                m[i][j] = j == sn;
            } else if (p[i] == '*') {
                m[i][j] = m[i + 1][j] || (j < sn && m[i][j + 1]);
            } else {
                size_t w = 1;
                m[i][j] = j < sn && token_match(p, pn, i, s[j], &w) && m[i + w][j + 1];
            }
        }
    }
    return m[0][0];
}

/* KEYS and SCAN skip matching for the pattern "*" (Redis's allkeys / use_pattern), which
 * matters for the empty key only. */
static bool key_matches(const kvm_entry *e, const resp_arg *pattern) {
    if (pattern->len == 1 && pattern->ptr[0] == '*') return true;
    return glob(pattern->ptr, pattern->len, e->key.b, e->key.len);
}

/* ---- DEL, UNLINK, EXISTS, TYPE ---- */

static void m_del(kvm_ctx *c) {
    int64_t n = 0;
    for (uint32_t i = 1; i < c->argc; i++) {
        kvm_entry *e = kvm_find(c, i);
        if (e == NULL) continue;
        kvm_delete(c->m, e);
        n++;
    }
    kvm_int(c, n);
}

static void m_exists(kvm_ctx *c) {
    int64_t n = 0;
    for (uint32_t i = 1; i < c->argc; i++)
        n += kvm_find(c, i) != NULL;
    kvm_int(c, n);
}

static void m_type(kvm_ctx *c) {
    kvm_entry *e = kvm_find(c, 1);
    kvm_simple(c, e == NULL ? "none" : type_name(e));
}

/* ---- RENAME ---- */

/* RENAME / RENAMENX (nx: 0 instead of OK when newkey exists or is the same name). */
static void rename_cmd(kvm_ctx *c, bool nx) {
    kvm_entry *src = kvm_find(c, 1);
    if (src == NULL) {
        kvm_error(c, "ERR no such key");
        return;
    }
    const resp_arg *a = &c->argv[1];
    const resp_arg *b = &c->argv[2];
    if (a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0) {
        if (nx) kvm_int(c, 0);
        else kvm_simple(c, "OK");
        return;
    }
    if (!kvm_check_key_size(c, 2)) return;
    kvm_entry *dst = kvm_find(c, 2);
    if (nx && dst != NULL) {
        kvm_int(c, 0);
        return;
    }
    kvm_begin(c);
    if (dst != NULL) kvm_delete(c->m, dst);
    kvm_set_bytes(&src->key, b->ptr, b->len); /* value and expiry stay with the entry */
    if (!kvm_commit(c)) return;
    if (nx) kvm_int(c, 1);
    else kvm_simple(c, "OK");
}

static void m_rename(kvm_ctx *c) { rename_cmd(c, false); }
static void m_renamenx(kvm_ctx *c) { rename_cmd(c, true); }

/* COPY's options: REPLACE and DB n in any order; only database 0 exists. */
static bool copy_options(kvm_ctx *c, bool *replace) {
    *replace = false;
    for (uint32_t j = 3; j < c->argc; j++) {
        if (kvm_arg_is(c, j, "replace")) {
            *replace = true;
        } else if (kvm_arg_is(c, j, "db") && j + 1 < c->argc) {
            int64_t db = 0;
            if (!kvm_arg_int(c, j + 1, &db)) return false;
            if (db < INT32_MIN || db > INT32_MAX) {
                kvm_error(c, "ERR value is out of range, value must between -2147483648 and "
                             "2147483647");
                return false;
            }
            if (db != 0) {
                kvm_error(c, "ERR DB index is out of range");
                return false;
            }
            j++;
        } else {
            kvm_error(c, "ERR syntax error");
            return false;
        }
    }
    return true;
}

/* COPY source destination [DB 0] [REPLACE]: value and expiry, 1; 0 if no source or the
 * destination exists without REPLACE. */
static void m_copy(kvm_ctx *c) {
    bool replace = false;
    if (!copy_options(c, &replace)) return;
    const resp_arg *a = &c->argv[1];
    const resp_arg *b = &c->argv[2];
    if (a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0) {
        kvm_error(c, "ERR source and destination objects are the same");
        return;
    }
    kvm_entry *src = kvm_find(c, 1);
    if (src == NULL) {
        kvm_int(c, 0);
        return;
    }
    kvm_entry *dst = kvm_find(c, 2);
    if (dst != NULL && !replace) {
        kvm_int(c, 0);
        return;
    }
    if (!kvm_check_key_size(c, 2)) return;
    kvm_begin(c);
    if (dst != NULL) kvm_delete(c->m, dst);
    kvm_entry *e = kvm_add(c, 2, (kvm_type)src->type);
    ST_ASSERT(e != NULL);
    kvm_bytes key = e->key;
    *e = *src;
    e->key = key;
    if (kvm_commit(c)) kvm_int(c, 1);
}

/* TOUCH key [key ...]: how many exist, a key named twice counted twice. */
static void m_touch(kvm_ctx *c) {
    int64_t n = 0;
    for (uint32_t i = 1; i < c->argc; i++)
        n += kvm_find(c, i) != NULL;
    kvm_int(c, n);
}

/* ---- KEYS ---- */

static void m_keys(kvm_ctx *c) {
    const kv_model *m = c->m;
    uint64_t n = 0;
    uint64_t bytes = 0;
    for (size_t i = 0; i < KVM_ENTRIES_MAX; i++) {
        const kvm_entry *e = &m->entries[i];
        if (!e->live || is_expired(e, m->now_ms) || !key_matches(e, &c->argv[1])) continue;
        char head[32];
        n++;
        bytes += (uint64_t)snprintf(head, sizeof head, "$%u\r\n", e->key.len) + e->key.len + 2;
    }
    char head[32];
    bytes += (uint64_t)snprintf(head, sizeof head, "*%llu\r\n", (unsigned long long)n);
    if (bytes > m->config.reply_size_max) {
        char text[96];
        snprintf(text, sizeof text, "ERR reply exceeds reply_size_max (%llu bytes)",
                 (unsigned long long)m->config.reply_size_max);
        kvm_error(c, text);
        return;
    }
    kvm_array(c, n);
    for (size_t i = 0; i < KVM_ENTRIES_MAX; i++) {
        const kvm_entry *e = &m->entries[i];
        if (!e->live || is_expired(e, m->now_ms) || !key_matches(e, &c->argv[1])) continue;
        kvm_bulk(c, e->key.b, e->key.len);
    }
}

/* ---- SCAN ---- */

/* Redis's parseScanCursorOrReply, verbatim in spirit: strtoul, then three refusals. */
static bool scan_cursor_ok(const kvm_ctx *c) {
    char buf[CSTR_SIZE_MAX];
    const char *text = cstr(c, 1, buf);
    char *end = NULL;
    errno = 0;
    (void)strtoul(text, &end, 10);
    return !isspace((unsigned char)text[0]) && end[0] == '\0' && errno != ERANGE;
}

/* SCAN answered as one call over the whole table: cursor 0 and every key that passes. */
static void m_scan(kvm_ctx *c) {
    if (!scan_cursor_ok(c)) {
        kvm_error(c, "ERR invalid cursor");
        return;
    }
    const resp_arg *pattern = NULL;
    const char *type = NULL;
    char type_buf[CSTR_SIZE_MAX];
    for (uint32_t i = 2; i < c->argc; i += 2) {
        char word[CSTR_SIZE_MAX];
        bool value = i + 1 < c->argc;
        cstr(c, i, word);
        if (value && strcasecmp(word, "count") == 0) {
            int64_t count = 0;
            if (!kvm_arg_int(c, i + 1, &count)) return;
            if (count < 1) {
                kvm_error(c, "ERR syntax error");
                return;
            }
        } else if (value && strcasecmp(word, "match") == 0) {
            pattern = &c->argv[i + 1];
        } else if (value && strcasecmp(word, "type") == 0) {
            type = cstr(c, i + 1, type_buf);
        } else {
            kvm_error(c, "ERR syntax error");
            return;
        }
    }
    const kv_model *m = c->m;
    const kvm_entry *hits[KVM_ENTRIES_MAX];
    size_t n = 0;
    for (size_t i = 0; i < KVM_ENTRIES_MAX; i++) {
        const kvm_entry *e = &m->entries[i];
        if (!e->live || (pattern != NULL && !key_matches(e, pattern))) continue;
        bool expired = is_expired(e, m->now_ms);
        /* The TYPE filter sees an expired key as gone: type "none". */
        bool pass =
            type != NULL ? strcasecmp(type, expired ? "none" : type_name(e)) == 0 : !expired;
        if (pass) hits[n++] = e;
    }
    kvm_array(c, 2);
    kvm_bulk(c, "0", 1);
    kvm_array(c, n);
    for (size_t i = 0; i < n; i++)
        kvm_bulk(c, hits[i]->key.b, hits[i]->key.len);
}

/* ---- EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT ---- */

/* NX XX GT LT as Redis parses them; an unknown word is echoed as %s does (to its NUL), with
 * the CR and LF at the end of the text trimmed (kvm_error turns the others into spaces). */
static bool expire_flags(kvm_ctx *c, bool *nx, bool *xx, bool *gt, bool *lt) {
    for (uint32_t j = 3; j < c->argc; j++) {
        char word[CSTR_SIZE_MAX];
        cstr(c, j, word);
        if (strcasecmp(word, "nx") == 0) {
            *nx = true;
        } else if (strcasecmp(word, "xx") == 0) {
            *xx = true;
        } else if (strcasecmp(word, "gt") == 0) {
            *gt = true;
        } else if (strcasecmp(word, "lt") == 0) {
            *lt = true;
        } else {
            /* The whole word (to its NUL), however long: Redis formats it whole. */
            char text[KVM_ERROR_WORD_MAX + 64];
            const resp_arg *a = &c->argv[j];
            int len = a->len < KVM_ERROR_WORD_MAX ? (int)a->len : KVM_ERROR_WORD_MAX;
            int n = snprintf(text, sizeof text, "ERR Unsupported option %.*s", len,
                             (const char *)a->ptr);
            while (n > 0 && (text[n - 1] == '\r' || text[n - 1] == '\n'))
                text[--n] = '\0';
            kvm_error(c, text);
            return false;
        }
    }
    if (*nx && (*xx || *gt || *lt)) {
        kvm_error(c, "ERR NX and XX, GT or LT options at the same time are not compatible");
        return false;
    }
    if (*gt && *lt) {
        kvm_error(c, "ERR GT and LT options at the same time are not compatible");
        return false;
    }
    return true;
}

static void expire_cmd(kvm_ctx *c, const char *name, bool relative, bool seconds) {
    bool nx = false, xx = false, gt = false, lt = false;
    if (!expire_flags(c, &nx, &xx, &gt, &lt)) return;
    int64_t when = 0;
    if (!kvm_arg_int(c, 2, &when)) return;
    bool overflow = (seconds && __builtin_mul_overflow(when, 1000, &when)) ||
                    (relative && __builtin_add_overflow(when, c->m->now_ms, &when));
    if (overflow) {
        char text[96];
        snprintf(text, sizeof text, "ERR invalid expire time in '%s' command", name);
        kvm_error(c, text);
        return;
    }
    kvm_entry *e = kvm_find(c, 1);
    if (e == NULL) {
        kvm_int(c, 0);
        return;
    }
    int64_t cur = e->expire_at_ms;
    bool has = cur != KVM_NO_EXPIRE;
    if ((nx && has) || (xx && !has) || (gt && (!has || when <= cur)) ||
        (lt && has && when >= cur)) {
        kvm_int(c, 0);
        return;
    }
    kvm_begin(c);
    if (when <= c->m->now_ms) {
        kvm_delete(c->m, e);
    } else {
        e->expire_at_ms = when;
    }
    if (kvm_commit(c)) kvm_int(c, 1);
}

static void m_expire(kvm_ctx *c) { expire_cmd(c, "expire", true, true); }
static void m_pexpire(kvm_ctx *c) { expire_cmd(c, "pexpire", true, false); }
static void m_expireat(kvm_ctx *c) { expire_cmd(c, "expireat", false, true); }
static void m_pexpireat(kvm_ctx *c) { expire_cmd(c, "pexpireat", false, false); }

/* ---- TTL, PTTL, PERSIST ---- */

/* TTL, PTTL (time left) and EXPIRETIME, PEXPIRETIME (absolute: the expiry time). */
static void ttl_cmd(kvm_ctx *c, bool ms, bool absolute) {
    kvm_entry *e = kvm_find(c, 1);
    if (e == NULL) {
        kvm_int(c, -2);
    } else if (e->expire_at_ms == KVM_NO_EXPIRE) {
        kvm_int(c, -1);
    } else {
        int64_t left = absolute ? e->expire_at_ms : e->expire_at_ms - c->m->now_ms;
        if (left < 0) left = 0;
        /* Rounded to the nearest second in unsigned arithmetic: an expiry at INT64_MAX ms
         * (GETEX PXAT 9223372036854775807) is 9223372036854776 s, as Redis answers. */
        kvm_int(c, ms ? left : (int64_t)(((uint64_t)left + 500u) / 1000u));
    }
}

static void m_ttl(kvm_ctx *c) { ttl_cmd(c, false, false); }
static void m_pttl(kvm_ctx *c) { ttl_cmd(c, true, false); }
static void m_expiretime(kvm_ctx *c) { ttl_cmd(c, false, true); }
static void m_pexpiretime(kvm_ctx *c) { ttl_cmd(c, true, true); }

static void m_persist(kvm_ctx *c) {
    kvm_entry *e = kvm_find(c, 1);
    if (e == NULL || e->expire_at_ms == KVM_NO_EXPIRE) {
        kvm_int(c, 0);
        return;
    }
    kvm_begin(c);
    e->expire_at_ms = KVM_NO_EXPIRE;
    if (kvm_commit(c)) kvm_int(c, 1);
}

static const kvm_command commands[] = {
    {"del", -2, m_del},           {"unlink", -2, m_del},          {"exists", -2, m_exists},
    {"type", 2, m_type},          {"rename", 3, m_rename},        {"keys", 2, m_keys},
    {"scan", -2, m_scan},         {"expire", -3, m_expire},       {"pexpire", -3, m_pexpire},
    {"expireat", -3, m_expireat}, {"pexpireat", -3, m_pexpireat}, {"ttl", 2, m_ttl},
    {"pttl", 2, m_pttl},          {"persist", 2, m_persist},      {"renamenx", 3, m_renamenx},
    {"copy", -3, m_copy},         {"touch", -2, m_touch},         {"expiretime", 2, m_expiretime},
    {"pexpiretime", 2, m_pexpiretime},
};

const kvm_family kvm_key_family = {.commands = commands,
                                   .count = sizeof commands / sizeof commands[0]};

/* ---- for the harness: the model's view, without lazy expiry ---- */

bool kvm_key_matches(const kvm_entry *e, const uint8_t *pattern, size_t pattern_len) {
    return glob(pattern, pattern_len, e->key.b, e->key.len);
}

bool kvm_glob(const uint8_t *pattern, size_t pattern_len, const uint8_t *s, size_t len) {
    return glob(pattern, pattern_len, s, len);
}

FUZZ_NO_COVERAGE_END
