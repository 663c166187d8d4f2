/* The model's bitmap commands (SETBIT GETBIT BITCOUNT BITPOS), written from Redis 7.0's rules:
 * a bitmap is a string, bit 0 the most significant bit of its first byte. */
#include <string.h>

#include "harness/cursor.h"
#include "models/kv_model.h"

/* The model is the harness, not the code under test: no coverage feedback from it. */
FUZZ_NO_COVERAGE_BEGIN

/* An offset >= 0 whose byte is below proto-max-bulk-len (bulk_size_max). */
static bool bit_offset(kvm_ctx *c, uint32_t i, uint64_t *out) {
    int64_t v = 0;
    if (!kvm_parse_int(c->argv[i].ptr, c->argv[i].len, &v) || v < 0 ||
        (uint64_t)v / 8 >= c->m->config.bulk_size_max) {
        kvm_error(c, "ERR bit offset is not an integer or out of range");
        return false;
    }
    *out = (uint64_t)v;
    return true;
}

static int bit_at(const kvm_bytes *s, uint64_t offset) {
    if (offset / 8 >= s->len) return 0;
    return (s->b[offset / 8] >> (7 - offset % 8)) & 1;
}

/* SETBIT key offset 0|1: the old bit; the string grows with zero bytes to hold it. */
static void m_setbit(kvm_ctx *c) {
    uint64_t offset = 0;
    int64_t on = 0;
    if (!bit_offset(c, 2, &offset)) return;
    if (!kvm_parse_int(c->argv[3].ptr, c->argv[3].len, &on) || (on != 0 && on != 1)) {
        kvm_error(c, "ERR bit is not an integer or out of range");
        return;
    }
    bool wrong = false;
    kvm_entry *e = kvm_find_typed(c, 1, KVM_STRING, &wrong);
    if (wrong) return;
    uint64_t len = e == NULL ? 0 : e->str.len;
    uint64_t new_len = offset / 8 + 1 > len ? offset / 8 + 1 : len;
    if (e == NULL && !kvm_check_key_size(c, 1)) return;
    if (!kvm_check_value_size(c, new_len)) return;
    kvm_begin(c);
    if (e == NULL) e = kvm_add(c, 1, KVM_STRING);
    ST_ASSERT(e != NULL && new_len <= KVM_BYTES_MAX);
    memset(e->str.b + e->str.len, 0, new_len - e->str.len);
    e->str.len = (uint32_t)new_len;
    int was = bit_at(&e->str, offset);
    uint8_t mask = (uint8_t)(0x80u >> (offset % 8));
    e->str.b[offset / 8] = on ? (uint8_t)(e->str.b[offset / 8] | mask)
                              : (uint8_t)(e->str.b[offset / 8] & ~mask);
    if (kvm_commit(c)) kvm_int(c, was);
}

/* GETBIT key offset: 0 past the end or for a missing key. */
static void m_getbit(kvm_ctx *c) {
    uint64_t offset = 0;
    if (!bit_offset(c, 2, &offset)) return;
    bool wrong = false;
    kvm_entry *e = kvm_find_typed(c, 1, KVM_STRING, &wrong);
    if (!wrong) kvm_int(c, e == NULL ? 0 : bit_at(&e->str, offset));
}

/* BITCOUNT key [start end [BYTE|BIT]]: a missing key answers 0 before the range is read;
 * negative indexes count from the end, both clamped; start > end (both negative) is 0. */
static void m_bitcount(kvm_ctx *c) {
    bool wrong = false;
    kvm_entry *e = kvm_find_typed(c, 1, KVM_STRING, &wrong);
    if (wrong) return;
    if (e == NULL) {
        kvm_int(c, 0);
        return;
    }
    int64_t total = (int64_t)e->str.len * 8;
    int64_t first = 0;
    int64_t last = total - 1;
    if (c->argc == 4 || c->argc == 5) {
        int64_t start = 0;
        int64_t end = 0;
        if (!kvm_arg_int(c, 2, &start) || !kvm_arg_int(c, 3, &end)) return;
        if (start < 0 && end < 0 && start > end) {
            kvm_int(c, 0);
            return;
        }
        bool bits = c->argc == 5 && kvm_arg_is(c, 4, "bit");
        if (c->argc == 5 && !bits && !kvm_arg_is(c, 4, "byte")) {
            kvm_error(c, "ERR syntax error");
            return;
        }
        int64_t n = bits ? total : (int64_t)e->str.len;
        if (start < 0) start = start < -n ? 0 : n + start;
        if (end < 0) end = end < -n ? 0 : n + end;
        if (end >= n) end = n - 1;
        if (start > end) { /* empty; start may be huge, so nothing is scaled */
            kvm_int(c, 0);
            return;
        }
        first = bits ? start : start * 8;
        last = bits ? end : end * 8 + 7;
    } else if (c->argc != 2) {
        kvm_error(c, "ERR syntax error");
        return;
    }
    int64_t count = 0;
    for (int64_t b = first; b <= last; b++)
        count += bit_at(&e->str, (uint64_t)b);
    kvm_int(c, count);
}

/* Redis's clamp of a range [start, end] over n units (bytes or bits): negative indexes
 * count from the end, then both are clamped into [0, n - 1]. Returns false if empty. */
static bool clamp_range(int64_t n, int64_t *start, int64_t *end) {
    if (*start < 0) *start += n;
    if (*end < 0) *end += n;
    if (*start < 0) *start = 0;
    if (*end < 0) *end = 0;
    if (*end >= n) *end = n - 1;
    return *start <= *end;
}

/* BITPOS key bit [start [end [BYTE|BIT]]]: the first bit equal to `bit` in the range. A
 * missing key is zeros forever (0, or -1 for a 1) whatever follows; no 1 found is -1; no
 * 0 found is -1 if the end was given, else the bit after the range (the string is padded
 * with zeros on the right). */
static void m_bitpos(kvm_ctx *c) {
    int64_t bit = 0;
    if (!kvm_arg_int(c, 2, &bit)) return;
    if (bit != 0 && bit != 1) {
        kvm_error(c, "ERR The bit argument must be 1 or 0.");
        return;
    }
    bool wrong = false;
    kvm_entry *e = kvm_find_typed(c, 1, KVM_STRING, &wrong);
    if (wrong) return;
    if (e == NULL) {
        kvm_int(c, bit ? -1 : 0);
        return;
    }
    if (c->argc > 6) {
        kvm_error(c, "ERR syntax error");
        return;
    }
    bool bits = false;
    int64_t len = e->str.len;
    int64_t start = 0;
    int64_t end = len - 1;
    if (c->argc >= 4) {
        if (!kvm_arg_int(c, 3, &start)) return;
        bits = c->argc == 6 && kvm_arg_is(c, 5, "bit");
        if (c->argc == 6 && !bits && !kvm_arg_is(c, 5, "byte")) {
            kvm_error(c, "ERR syntax error");
            return;
        }
        end = bits ? len * 8 + 7 : len - 1;
        if (c->argc >= 5 && !kvm_arg_int(c, 4, &end)) return;
    }
    if (!clamp_range(bits ? len * 8 : len, &start, &end)) {
        kvm_int(c, -1);
        return;
    }
    int64_t first = bits ? start : start * 8;
    int64_t last = bits ? end : end * 8 + 7;
    for (int64_t b = first; b <= last; b++) {
        if (bit_at(&e->str, (uint64_t)b) == bit) {
            kvm_int(c, b);
            return;
        }
    }
    kvm_int(c, bit == 1 || c->argc >= 5 ? -1 : last + 1);
}

static const kvm_command commands[] = {
    {"setbit", 4, m_setbit},
    {"getbit", 3, m_getbit},
    {"bitcount", -2, m_bitcount},
    {"bitpos", -3, m_bitpos},
};

const kvm_family kvm_bit_family = {.commands = commands,
                                   .count = sizeof commands / sizeof commands[0]};

FUZZ_NO_COVERAGE_END
