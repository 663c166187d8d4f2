/* The model's string commands: Redis 7.0 semantics over a byte array per key. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/kv_model.h"
#include "harness/cursor.h"

/* The model is the harness, not the code under test: no coverage feedback from it. */
FUZZ_NO_COVERAGE_BEGIN

static void reply_value(kvm_ctx *c, const kvm_entry *e) {
    if (e == NULL) {
        kvm_null(c);
    } else {
        kvm_bulk(c, e->str.b, e->str.len);
    }
}

/* Sets a string value (a new key if absent); the TTL goes unless kept. */
static kvm_entry *put_string(kvm_ctx *c, uint32_t key, kvm_entry *e, const uint8_t *v, size_t len,
                             bool keep_ttl) {
    if (e == NULL) {
        e = kvm_add(c, key, KVM_STRING);
    } else if (!keep_ttl) {
        e->expire_at_ms = KVM_NO_EXPIRE;
    }
    e->type = KVM_STRING;
    e->list_len = 0;
    kvm_set_bytes(&e->str, v, len);
    return e;
}

static void m_get(kvm_ctx *c) {
    bool wrong = false;
    kvm_entry *e = kvm_find_typed(c, 1, KVM_STRING, &wrong);
    if (!wrong) reply_value(c, e);
}

static void m_getdel(kvm_ctx *c) {
    bool wrong = false;
    kvm_entry *e = kvm_find_typed(c, 1, KVM_STRING, &wrong);
    if (wrong) return;
    reply_value(c, e);
    if (e != NULL) kvm_delete(c->m, e);
}

static void m_strlen(kvm_ctx *c) {
    bool wrong = false;
    kvm_entry *e = kvm_find_typed(c, 1, KVM_STRING, &wrong);
    if (!wrong) kvm_int(c, e == NULL ? 0 : e->str.len);
}

static void m_getrange(kvm_ctx *c) {
    int64_t start = 0;
    int64_t end = 0;
    if (!kvm_arg_int(c, 2, &start) || !kvm_arg_int(c, 3, &end)) return;
    bool wrong = false;
    kvm_entry *e = kvm_find_typed(c, 1, KVM_STRING, &wrong);
    if (wrong) return;
    int64_t len = e == NULL ? 0 : e->str.len;
    if (start < 0 && end < 0 && start > end) {
        kvm_bulk(c, "", 0);
        return;
    }
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= len) end = len - 1;
    if (start > end || len == 0) {
        kvm_bulk(c, "", 0);
    } else {
        kvm_bulk(c, e->str.b + start, (size_t)(end - start + 1));
    }
}

static void m_mget(kvm_ctx *c) {
    kvm_array(c, c->argc - 1);
    for (uint32_t i = 1; i < c->argc; i++) {
        kvm_entry *e = kvm_find(c, i);
        reply_value(c, e != NULL && e->type == KVM_STRING ? e : NULL);
    }
}

/* The kind of expiry option at argv[j]: 1 EX, 2 PX, 3 EXAT, 4 PXAT, 0 none. */
static int expiry_kind(const kvm_ctx *c, uint32_t j) {
    static const char *const words[] = {"ex", "px", "exat", "pxat"};
    for (int k = 0; k < 4; k++) {
        if (kvm_arg_is(c, j, words[k])) return k + 1;
    }
    return 0;
}

/* SET's options, in plain words: NX and XX exclude each other; one kind of expiry (the
 * same kind may repeat: the last wins), each followed by its time, not with KEEPTTL. */
static bool parse_set(kvm_ctx *c, bool *nx, bool *xx, bool *get, bool *keepttl, int *unit,
                      uint32_t *time_arg) {
    for (uint32_t j = 3; j < c->argc; j++) {
        bool next = j + 1 < c->argc;
        int kind = expiry_kind(c, j);
        if (kvm_arg_is(c, j, "nx") && !*xx) {
            *nx = true;
        } else if (kvm_arg_is(c, j, "xx") && !*nx) {
            *xx = true;
        } else if (kvm_arg_is(c, j, "get")) {
            *get = true;
        } else if (kvm_arg_is(c, j, "keepttl") && *unit == 0) {
            *keepttl = true;
        } else if (kind != 0 && next && !*keepttl && (*unit == 0 || *unit == kind)) {
            *unit = kind;
            *time_arg = ++j;
        } else {
            kvm_error(c, "ERR syntax error");
            return false;
        }
    }
    return true;
}

/* The absolute expiry (ms) for an expiry option of this kind (1 EX, 2 PX, 3 EXAT, 4 PXAT)
 * at argv[arg], by Redis's rules: the number > 0, no overflow scaling seconds or adding
 * now, the result > 0. False having replied the error. */
static bool expire_at(kvm_ctx *c, uint32_t arg, int unit, const char *name, int64_t *at) {
    int64_t t = 0;
    if (!kvm_arg_int(c, arg, &t)) return false;
    int64_t ms = t;
    bool seconds = unit == 1 || unit == 3;
    bool relative = unit == 1 || unit == 2;
    bool bad = t <= 0 || (seconds && __builtin_mul_overflow(ms, 1000, &ms)) ||
               (relative && __builtin_add_overflow(ms, c->m->now_ms, &ms));
    if (bad || ms <= 0) {
        char text[96];
        snprintf(text, sizeof text, "ERR invalid expire time in '%s' command", name);
        kvm_error(c, text);
        return false;
    }
    *at = ms;
    return true;
}

typedef struct set_flags {
    bool nx, xx, get, keepttl;
} set_flags;

/* SET's body once its options are read: argv[value] under argv[1], expiring at `at`. */
static void set_body(kvm_ctx *c, set_flags f, uint32_t value, int64_t at) {
    if (!kvm_check_key_size(c, 1) || !kvm_check_value_size(c, c->argv[value].len)) return;
    bool wrong = false;
    kvm_entry *e = f.get ? kvm_find_typed(c, 1, KVM_STRING, &wrong) : kvm_find(c, 1);
    if (wrong) return;
    if ((f.nx && e != NULL) || (f.xx && e == NULL)) {
        if (f.get) {
            reply_value(c, e);
        } else {
            kvm_null(c);
        }
        return;
    }
    kvm_bytes old = e != NULL ? e->str : (kvm_bytes){0};
    bool had = e != NULL;
    kvm_begin(c);
    e = put_string(c, 1, e, c->argv[value].ptr, c->argv[value].len, f.keepttl);
    if (at != KVM_NO_EXPIRE) e->expire_at_ms = at;
    if (!kvm_commit(c)) return;
    if (f.get) {
        if (had) {
            kvm_bulk(c, old.b, old.len);
        } else {
            kvm_null(c);
        }
    } else {
        kvm_simple(c, "OK");
    }
}

static void m_set(kvm_ctx *c) {
    set_flags f = {0};
    int unit = 0;
    uint32_t time_arg = 0;
    if (!parse_set(c, &f.nx, &f.xx, &f.get, &f.keepttl, &unit, &time_arg)) return;
    int64_t at = KVM_NO_EXPIRE;
    if (time_arg != 0 && !expire_at(c, time_arg, unit, "set", &at)) return;
    set_body(c, f, 2, at);
}

/* SETEX key seconds value, PSETEX key ms value: SET with EX or PX. */
static void m_setex(kvm_ctx *c) {
    int64_t at = KVM_NO_EXPIRE;
    if (expire_at(c, 2, 1, "setex", &at)) set_body(c, (set_flags){0}, 3, at);
}

static void m_psetex(kvm_ctx *c) {
    int64_t at = KVM_NO_EXPIRE;
    if (expire_at(c, 2, 2, "psetex", &at)) set_body(c, (set_flags){0}, 3, at);
}

/* GETEX's options: one kind of expiry (repeatable, the last wins) or PERSIST (repeatable),
 * not both. */
static bool parse_getex(kvm_ctx *c, bool *persist, int *unit, uint32_t *time_arg) {
    for (uint32_t j = 2; j < c->argc; j++) {
        int kind = expiry_kind(c, j);
        if (kvm_arg_is(c, j, "persist") && *unit == 0) {
            *persist = true;
        } else if (kind != 0 && j + 1 < c->argc && !*persist && (*unit == 0 || *unit == kind)) {
            *unit = kind;
            *time_arg = ++j;
        } else {
            kvm_error(c, "ERR syntax error");
            return false;
        }
    }
    return true;
}

/* GETEX key [EX|PX|EXAT|PXAT t | PERSIST]: the value, then its expiry changed; a missing
 * key answers $-1 before the time is checked; an absolute time not after now deletes it. */
static void m_getex(kvm_ctx *c) {
    bool persist = false;
    int unit = 0;
    uint32_t time_arg = 0;
    if (!parse_getex(c, &persist, &unit, &time_arg)) return;
    bool wrong = false;
    kvm_entry *e = kvm_find_typed(c, 1, KVM_STRING, &wrong);
    if (wrong) return;
    if (e == NULL) {
        kvm_null(c);
        return;
    }
    int64_t at = KVM_NO_EXPIRE;
    if (time_arg != 0 && !expire_at(c, time_arg, unit, "getex", &at)) return;
    reply_value(c, e);
    if (unit >= 3 && at <= c->m->now_ms) {
        kvm_delete(c->m, e);
    } else if (at != KVM_NO_EXPIRE || persist) {
        e->expire_at_ms = at;
    }
}

static void m_setnx(kvm_ctx *c) {
    if (!kvm_check_key_size(c, 1) || !kvm_check_value_size(c, c->argv[2].len)) return;
    if (kvm_find(c, 1) != NULL) {
        kvm_int(c, 0);
        return;
    }
    kvm_begin(c);
    put_string(c, 1, NULL, c->argv[2].ptr, c->argv[2].len, false);
    if (kvm_commit(c)) kvm_int(c, 1);
}

static void m_getset(kvm_ctx *c) {
    if (!kvm_check_key_size(c, 1) || !kvm_check_value_size(c, c->argv[2].len)) return;
    bool wrong = false;
    kvm_entry *e = kvm_find_typed(c, 1, KVM_STRING, &wrong);
    if (wrong) return;
    kvm_bytes old = e != NULL ? e->str : (kvm_bytes){0};
    bool had = e != NULL;
    kvm_begin(c);
    put_string(c, 1, e, c->argv[2].ptr, c->argv[2].len, false);
    if (!kvm_commit(c)) return;
    if (had) {
        kvm_bulk(c, old.b, old.len);
    } else {
        kvm_null(c);
    }
}

static void mset(kvm_ctx *c, bool nx) {
    if (c->argc % 2 == 0) {
        kvm_error(c, nx ? "ERR wrong number of arguments for 'msetnx' command"
                        : "ERR wrong number of arguments for 'mset' command");
        return;
    }
    if (nx) {
        for (uint32_t i = 1; i < c->argc; i += 2) {
            if (kvm_find(c, i) != NULL) {
                kvm_int(c, 0);
                return;
            }
        }
    }
    for (uint32_t i = 1; i < c->argc; i += 2) {
        if (!kvm_check_key_size(c, i) || !kvm_check_value_size(c, c->argv[i + 1].len)) return;
    }
    kvm_begin(c);
    for (uint32_t i = 1; i < c->argc; i += 2) {
        put_string(c, i, kvm_find(c, i), c->argv[i + 1].ptr, c->argv[i + 1].len, false);
    }
    if (!kvm_commit(c)) return;
    if (nx) {
        kvm_int(c, 1);
    } else {
        kvm_simple(c, "OK");
    }
}

static void m_mset(kvm_ctx *c) { mset(c, false); }
static void m_msetnx(kvm_ctx *c) { mset(c, true); }

/* Writes bytes at offset, growing with zeros; creates the key; keeps the TTL. */
static bool write_at(kvm_ctx *c, kvm_entry *e, uint64_t offset, const resp_arg *v, uint64_t *len) {
    /* Redis's checkStringLength first: offset + bytes within proto-max-bulk-len. */
    uint64_t bulk_max = c->m->config.bulk_size_max;
    if (offset > bulk_max || v->len > bulk_max - offset) {
        kvm_error(c, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        return false;
    }
    if (e == NULL && !kvm_check_key_size(c, 1)) return false;
    uint64_t old = e == NULL ? 0 : e->str.len;
    uint64_t end = offset + v->len;
    uint64_t new_len = end > old ? end : old;
    if (!kvm_check_value_size(c, new_len)) return false;
    kvm_begin(c);
    if (e == NULL) e = put_string(c, 1, NULL, (const uint8_t *)"", 0, false);
    for (uint64_t i = e->str.len; i < new_len; i++)
        e->str.b[i] = 0;
    memcpy(e->str.b + offset, v->ptr, v->len);
    e->str.len = (uint32_t)new_len;
    if (!kvm_commit(c)) return false;
    *len = new_len;
    return true;
}

static void m_append(kvm_ctx *c) {
    bool wrong = false;
    kvm_entry *e = kvm_find_typed(c, 1, KVM_STRING, &wrong);
    if (wrong) return;
    uint64_t len = 0;
    if (write_at(c, e, e == NULL ? 0 : e->str.len, &c->argv[2], &len)) kvm_int(c, (int64_t)len);
}

static void m_setrange(kvm_ctx *c) {
    int64_t offset = 0;
    if (!kvm_arg_int(c, 2, &offset)) return;
    if (offset < 0) {
        kvm_error(c, "ERR offset is out of range");
        return;
    }
    bool wrong = false;
    kvm_entry *e = kvm_find_typed(c, 1, KVM_STRING, &wrong);
    if (wrong) return;
    if (c->argv[3].len == 0) {
        kvm_int(c, e == NULL ? 0 : e->str.len);
        return;
    }
    uint64_t len = 0;
    if (write_at(c, e, (uint64_t)offset, &c->argv[3], &len)) kvm_int(c, (int64_t)len);
}

static void incr(kvm_ctx *c, int64_t by) {
    bool wrong = false;
    kvm_entry *e = kvm_find_typed(c, 1, KVM_STRING, &wrong);
    if (wrong) return;
    int64_t v = 0;
    if (e != NULL && !kvm_parse_int(e->str.b, e->str.len, &v)) {
        kvm_error(c, "ERR value is not an integer or out of range");
        return;
    }
    int64_t sum = 0;
    if (__builtin_add_overflow(v, by, &sum)) {
        kvm_error(c, "ERR increment or decrement would overflow");
        return;
    }
    char text[32];
    int n = snprintf(text, sizeof text, "%lld", (long long)sum);
    if (e == NULL && !kvm_check_key_size(c, 1)) return;
    if (!kvm_check_value_size(c, (uint64_t)n)) return;
    kvm_begin(c);
    put_string(c, 1, e, (const uint8_t *)text, (size_t)n, true);
    if (kvm_commit(c)) kvm_int(c, (int64_t)sum);
}

static void m_incr(kvm_ctx *c) { incr(c, 1); }
static void m_decr(kvm_ctx *c) { incr(c, -1); }

static void m_incrby(kvm_ctx *c) {
    int64_t by = 0;
    if (kvm_arg_int(c, 2, &by)) incr(c, by);
}

static void m_decrby(kvm_ctx *c) {
    int64_t by = 0;
    if (!kvm_arg_int(c, 2, &by)) return;
    if (by == INT64_MIN) {
        kvm_error(c, "ERR decrement would overflow");
        return;
    }
    incr(c, -by);
}

/* ---- INCRBYFLOAT: long double arithmetic, as Redis ---- */

/* Redis's MAX_LONG_DOUBLE_CHARS: texts this long or longer are not floats. */
#define KVM_FLOAT_TEXT_MAX 5120

/* Redis's rules for a float argument or value, restated: 1 to 5119 bytes that strtold
 * reads whole (so no NUL inside), no leading space, not NaN, neither overflowing to
 * infinity nor underflowing to zero. */
bool kvm_parse_float(const uint8_t *s, size_t len, long double *out) {
    static char text[KVM_FLOAT_TEXT_MAX];
    if (len == 0 || len >= sizeof text || isspace(s[0])) return false;
    memcpy(text, s, len);
    text[len] = '\0';
    char *end = NULL;
    errno = 0;
    long double v = strtold(text, &end);
    if ((size_t)(end - text) != len || isnan(v) || errno == EINVAL) return false;
    if (errno == ERANGE && (isinf(v) || v == 0.0L)) return false;
    *out = v;
    return true;
}

/* Redis's human form: 17 digits after the point, trailing zeros (and a bare point) cut,
 * "-0" written "0". */
static size_t format_float(long double v, char *text, size_t size) {
    size_t n = (size_t)snprintf(text, size, "%.17Lf", v);
    ST_ASSERT(n < size);
    if (strchr(text, '.') != NULL) {
        while (text[n - 1] == '0')
            n--;
        if (text[n - 1] == '.') n--;
    }
    if (n == 2 && memcmp(text, "-0", 2) == 0) {
        text[0] = '0';
        n = 1;
    }
    return n;
}

/* Whether v's human form surely passes value_size_max without writing it: at least
 * value_size_max + 1 integer digits. Writing a large long double with %.17Lf is
 * glibc's multi-precision arithmetic over up to 4933 digits (a fifth of kv_ops's time when
 * its float table drew 1e4000); the answer is the same error either way. The bound is
 * 10^(value_size_max + 1), so a rounded bound cannot call a number of value_size_max
 * digits too long. */
static bool float_text_surely_too_long(long double v, uint64_t value_size_max) {
    if (value_size_max >= KVM_FLOAT_TEXT_MAX) return false; /* no long double is that long */
    long double bound = 1.0L; /* 10^(value_size_max + 1), infinity past LDBL_MAX */
    for (uint64_t k = 0; k <= value_size_max; k++)
        bound *= 10.0L;
    return (v < 0 ? -v : v) >= bound;
}

/* INCRBYFLOAT key increment: the value, then the increment, must be floats; a result of
 * NaN or infinity is refused; the TTL is kept. */
static void m_incrbyfloat(kvm_ctx *c) {
    bool wrong = false;
    kvm_entry *e = kvm_find_typed(c, 1, KVM_STRING, &wrong);
    if (wrong) return;
    long double v = 0;
    long double by = 0;
    if ((e != NULL && !kvm_parse_float(e->str.b, e->str.len, &v)) ||
        !kvm_parse_float(c->argv[2].ptr, c->argv[2].len, &by)) {
        kvm_error(c, "ERR value is not a valid float");
        return;
    }
    v += by;
    if (isnan(v) || isinf(v)) {
        kvm_error(c, "ERR increment would produce NaN or Infinity");
        return;
    }
    if (!kvm_check_key_size(c, 1)) return;
    if (float_text_surely_too_long(v, c->m->config.value_size_max)) {
        bool fits = kvm_check_value_size(c, c->m->config.value_size_max + 1); /* its error */
        ST_ASSERT(!fits);
        return;
    }
    static char text[KVM_FLOAT_TEXT_MAX];
    size_t n = format_float(v, text, sizeof text);
    if (!kvm_check_value_size(c, n)) return;
    kvm_begin(c);
    put_string(c, 1, e, (const uint8_t *)text, n, true);
    if (kvm_commit(c)) kvm_bulk(c, text, n);
}

static const kvm_command commands[] = {
    {"get", 2, m_get},       {"set", -3, m_set},          {"setnx", 3, m_setnx},
    {"getset", 3, m_getset}, {"getdel", 2, m_getdel},     {"mget", -2, m_mget},
    {"mset", -3, m_mset},    {"msetnx", -3, m_msetnx},    {"append", 3, m_append},
    {"strlen", 2, m_strlen}, {"getrange", 4, m_getrange}, {"setrange", 4, m_setrange},
    {"incr", 2, m_incr},     {"decr", 2, m_decr},         {"incrby", 3, m_incrby},
    {"decrby", 3, m_decrby}, {"setex", 4, m_setex},       {"psetex", 4, m_psetex},
    {"getex", -2, m_getex},  {"incrbyfloat", 3, m_incrbyfloat},
};

const kvm_family kvm_string_family = {.commands = commands,
                                      .count = sizeof commands / sizeof commands[0]};

FUZZ_NO_COVERAGE_END
