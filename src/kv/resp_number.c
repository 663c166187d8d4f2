#include "kv/resp_number.h"

#include "alloc/stasis_assert.h"

/* Redis rejects 21 bytes and more before looking at them (LONG_STR_SIZE). */
#define INT64_TEXT_LEN_LIMIT 21u

bool resp_parse_int64(const uint8_t *bytes, size_t len, int64_t *out) {
    if (len == 0 || len >= INT64_TEXT_LEN_LIMIT) return false;
    if (len == 1 && bytes[0] == '0') {
        *out = 0;
        return true;
    }
    size_t i = 0;
    bool negative = bytes[0] == '-';
    if (negative && ++i == len) return false;
    if (bytes[i] < '1' || bytes[i] > '9') return false;
    uint64_t v = 0;
    for (; i < len; i++) {
        if (bytes[i] < '0' || bytes[i] > '9') return false;
        uint64_t digit = (uint64_t)(bytes[i] - '0');
        if (v > (UINT64_MAX - digit) / 10) return false;
        v = v * 10 + digit;
    }
    if (negative) {
        if (v > (uint64_t)INT64_MAX + 1u) return false;
        *out = v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX) return false;
        *out = (int64_t)v;
    }
    return true;
}

size_t resp_u64_digits(uint64_t v) {
    size_t n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

size_t resp_format_u64(uint64_t v, char *out, size_t cap) {
    size_t n = resp_u64_digits(v);
    ST_ASSERT(n <= cap);
    for (size_t i = n; i > 0; i--) {
        out[i - 1] = (char)('0' + v % 10);
        v /= 10;
    }
    return n;
}

size_t resp_format_int64(int64_t v, char *out, size_t cap) {
    ST_ASSERT(cap >= RESP_INT64_TEXT_SIZE_MAX);
    if (v >= 0) return resp_format_u64((uint64_t)v, out, cap);
    out[0] = '-';
    /* -(v + 1) + 1 is |v| without overflowing at INT64_MIN. */
    uint64_t magnitude = (uint64_t)(-(v + 1)) + 1u;
    return 1 + resp_format_u64(magnitude, out + 1, cap - 1);
}
