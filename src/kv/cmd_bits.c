/*
 * Bitmap commands: SETBIT GETBIT BITCOUNT BITPOS, with Redis 7.0's semantics and error
 * texts (bitops.c). A bitmap is a string value; bit 0 is the most significant bit of the
 * first byte. Offsets are bounded as in Redis by proto-max-bulk-len (stasis's
 * bulk_size_max), and a SETBIT that grows the string by value_size_max and the chunks,
 * checked before anything changes. Ranges are read piece by piece from the chunk chain
 * (no copy): BITCOUNT and BITPOS are O(bytes in the range).
 */
#include <string.h>

#include "alloc/stasis_assert.h"
#include "kv/command.h"
#include "kv/resp_number.h"

#define ERR_BIT_OFFSET "ERR bit offset is not an integer or out of range"
#define ERR_BIT_VALUE  "ERR bit is not an integer or out of range"

/* A bit offset: an integer >= 0 whose byte is below bulk_size_max (Redis's rule). */
static bool arg_bit_offset(kv_ctx *c, uint32_t i, uint64_t *out) {
    int64_t v = 0;
    if (!resp_parse_int64(c->argv[i].ptr, c->argv[i].len, &v) || v < 0 ||
        ((uint64_t)v >> 3) >= c->engine->config->bulk_size_max) {
        kv_reply_error(c, ERR_BIT_OFFSET);
        return false;
    }
    *out = (uint64_t)v;
    return true;
}

static uint8_t read_byte(const kv_ctx *c, const kv_record *r, uint64_t at) {
    uint8_t b = 0;
    chunk_read(&c->store->chunks, r->value, at, &b, 1);
    return b;
}

/* SETBIT key offset value: the old bit; the string grows with zero bytes to hold it. */
static void cmd_setbit(kv_ctx *c) {
    uint64_t offset = 0;
    int64_t on = 0;
    if (!arg_bit_offset(c, 2, &offset)) return;
    if (!kv_arg_int64(c, 3, &on, ERR_BIT_VALUE)) return;
    if ((on & ~(int64_t)1) != 0) {
        kv_reply_error(c, ERR_BIT_VALUE);
        return;
    }
    uint32_t id = kv_lookup_typed(c, 1, KV_TYPE_STRING);
    if (id == KV_LOOKUP_WRONGTYPE) return;
    uint64_t byte = offset >> 3;
    uint64_t old_len = id == KV_RECORD_NONE ? 0 : kv_store_record(c->store, id)->value_len;
    uint64_t new_len = byte + 1 > old_len ? byte + 1 : old_len;
    if (id == KV_RECORD_NONE && !kv_check_key(c, 1)) return;
    if (!kv_check_value_size(c, new_len)) return;
    uint64_t need = kv_store_chunks_for(c->store, new_len);
    if (id == KV_RECORD_NONE) {
        if (!kv_check_new_key(c, 1, need)) return;
        id = kv_store_add(c->store, c->argv[1].ptr, c->argv[1].len, KV_TYPE_STRING);
    } else {
        uint64_t have = kv_store_record(c->store, id)->value_chunks;
        if (!kv_check_chunks(c, need > have ? need - have : 0)) return;
    }
    if (new_len > old_len) kv_store_resize_string(c->store, id, new_len);
    uint8_t value = read_byte(c, kv_store_record(c->store, id), byte);
    uint8_t mask = (uint8_t)(1u << (7 - (offset & 7)));
    bool was = (value & mask) != 0;
    uint8_t next = on != 0 ? (uint8_t)(value | mask) : (uint8_t)(value & ~mask);
    /* As in Redis, a bit set to what it was is no write (WATCH does not see it); creating
     * or growing the string has already signalled the change. */
    if (next != value) kv_store_write_string(c->store, id, byte, &next, 1);
    kv_reply_integer(c, was ? 1 : 0);
}

/* GETBIT key offset: 0 past the end or for a missing key. */
static void cmd_getbit(kv_ctx *c) {
    uint64_t offset = 0;
    if (!arg_bit_offset(c, 2, &offset)) return;
    uint32_t id = kv_lookup_typed(c, 1, KV_TYPE_STRING);
    if (id == KV_LOOKUP_WRONGTYPE) return;
    const kv_record *r = id == KV_RECORD_NONE ? NULL : kv_store_record(c->store, id);
    uint64_t byte = offset >> 3;
    if (r == NULL || byte >= r->value_len) {
        kv_reply_integer(c, 0);
        return;
    }
    kv_reply_integer(c, (read_byte(c, r, byte) >> (7 - (offset & 7))) & 1);
}

/* ---- ranges ---- */

/* An inclusive bit range [first, last] of a string, empty iff first > last. */
typedef struct bit_range {
    int64_t first;
    int64_t last;
} bit_range;

/*
 * Redis's range arithmetic for BITCOUNT and BITPOS on a string of len bytes: negative
 * indexes count from the end, then both are clamped into the string; in BYTE units a
 * range covers whole bytes. start > end (both negative) is the empty range.
 */
static bit_range resolve_range(int64_t len, int64_t start, int64_t end, bool bits) {
    int64_t total = bits ? len * 8 : len;
    if (start < 0) start = total + start;
    if (end < 0) end = total + end;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= total) end = total - 1;
    if (start > end) return (bit_range){.first = 1, .last = 0};
    if (bits) return (bit_range){.first = start, .last = end};
    return (bit_range){.first = start * 8, .last = end * 8 + 7};
}

/* Visits the bytes of a bit range with the bits outside it replaced by `outside` (0 or
 * 1), stopping once visit returns true. */
typedef bool (*byte_visit_fn)(void *ctx, uint64_t byte_index, uint8_t value);

typedef struct range_walk {
    bit_range range;
    uint8_t outside;
    uint64_t at; /* index of the next byte */
    byte_visit_fn visit;
    void *ctx;
    bool stopped;
} range_walk;

static void walk_piece(void *ctx, const uint8_t *bytes, size_t len) {
    range_walk *w = ctx;
    uint64_t first_byte = (uint64_t)w->range.first >> 3;
    uint64_t last_byte = (uint64_t)w->range.last >> 3;
    for (size_t i = 0; i < len && !w->stopped; i++, w->at++) {
        uint8_t keep = 0xFF;
        if (w->at == first_byte) keep &= (uint8_t)(0xFFu >> (w->range.first & 7));
        if (w->at == last_byte) keep &= (uint8_t)(0xFFu << (7 - (w->range.last & 7)));
        uint8_t fill = w->outside != 0 ? (uint8_t)~keep : 0;
        w->stopped = w->visit(w->ctx, w->at, (uint8_t)((bytes[i] & keep) | fill));
    }
}

static void walk_range(const kv_ctx *c, const kv_record *r, bit_range range, uint8_t outside,
                       byte_visit_fn visit, void *ctx) {
    ST_ASSERT(range.first <= range.last);
    uint64_t first_byte = (uint64_t)range.first >> 3;
    uint64_t bytes = ((uint64_t)range.last >> 3) - first_byte + 1;
    ST_ASSERT(first_byte + bytes <= r->value_len);
    range_walk w = {
        .range = range, .outside = outside, .at = first_byte, .visit = visit, .ctx = ctx};
    chunk_for_each_piece(&c->store->chunks, r->value, first_byte, bytes, walk_piece, &w);
}

/* ---- BITCOUNT ---- */

static bool count_byte(void *ctx, uint64_t byte_index, uint8_t value) {
    (void)byte_index;
    *(int64_t *)ctx += __builtin_popcount(value);
    return false;
}

/* BITCOUNT key [start end [BYTE|BIT]]: the key first (a missing key answers 0 whatever
 * follows), then the range, as Redis. */
static void cmd_bitcount(kv_ctx *c) {
    uint32_t id = kv_lookup_typed(c, 1, KV_TYPE_STRING);
    if (id == KV_LOOKUP_WRONGTYPE) return;
    if (id == KV_RECORD_NONE) {
        kv_reply_integer(c, 0);
        return;
    }
    const kv_record *r = kv_store_record(c->store, id);
    int64_t len = r->value_len;
    bit_range range = {.first = 0, .last = len * 8 - 1};
    if (c->argc == 4 || c->argc == 5) {
        int64_t start = 0;
        int64_t end = 0;
        bool bits = false;
        if (!kv_arg_int64(c, 2, &start, NULL) || !kv_arg_int64(c, 3, &end, NULL)) return;
        if (start < 0 && end < 0 && start > end) {
            kv_reply_integer(c, 0);
            return;
        }
        if (c->argc == 5 && !kv_arg_either(c, 4, "bit", "byte", &bits)) return;
        range = resolve_range(len, start, end, bits);
    } else if (c->argc != 2) {
        kv_reply_error(c, KV_ERR_SYNTAX);
        return;
    }
    int64_t count = 0;
    if (range.first <= range.last) walk_range(c, r, range, 0, count_byte, &count);
    kv_reply_integer(c, count);
}

/* ---- BITPOS ---- */

typedef struct bitpos_search {
    uint8_t bit;
    int64_t found; /* -1: not yet */
} bitpos_search;

static bool find_bit(void *ctx, uint64_t byte_index, uint8_t value) {
    bitpos_search *s = ctx;
    uint8_t hits = s->bit != 0 ? value : (uint8_t)~value;
    if (hits == 0) return false;
    s->found = (int64_t)(byte_index * 8) + (__builtin_clz((unsigned)hits) - 24);
    return true;
}

/*
 * BITPOS key bit [start [end [BYTE|BIT]]]: the first bit equal to `bit` in the range. A
 * missing key is all zeros; a range without a 1 answers -1; a range without a 0 answers
 * -1 when the end was given, else the first bit after the string (Redis pads it with
 * zeros on the right).
 */
static void cmd_bitpos(kv_ctx *c) {
    int64_t bit = 0;
    if (!kv_arg_int64(c, 2, &bit, NULL)) return;
    if (bit != 0 && bit != 1) {
        kv_reply_error(c, "ERR The bit argument must be 1 or 0.");
        return;
    }
    uint32_t id = kv_lookup_typed(c, 1, KV_TYPE_STRING);
    if (id == KV_LOOKUP_WRONGTYPE) return;
    if (id == KV_RECORD_NONE) {
        kv_reply_integer(c, bit != 0 ? -1 : 0);
        return;
    }
    const kv_record *r = kv_store_record(c->store, id);
    int64_t len = r->value_len;
    bit_range range = {.first = 0, .last = len * 8 - 1};
    bool end_given = c->argc >= 5;
    if (c->argc >= 4 && c->argc <= 6) {
        int64_t start = 0;
        int64_t end = 0;
        bool bits = false;
        if (!kv_arg_int64(c, 3, &start, NULL)) return;
        if (c->argc == 6 && !kv_arg_either(c, 5, "bit", "byte", &bits)) return;
        if (end_given && !kv_arg_int64(c, 4, &end, NULL)) return;
        if (!end_given) end = bits ? len * 8 + 7 : len - 1;
        range = resolve_range(len, start, end, bits);
    } else if (c->argc != 3) {
        kv_reply_error(c, KV_ERR_SYNTAX);
        return;
    }
    if (range.first > range.last) {
        kv_reply_integer(c, -1);
        return;
    }
    bitpos_search s = {.bit = (uint8_t)bit, .found = -1};
    walk_range(c, r, range, bit != 0 ? 0 : 1, find_bit, &s);
    if (s.found < 0 && bit == 0 && !end_given) s.found = range.last + 1;
    kv_reply_integer(c, s.found);
}

#define W (KV_CMD_WRITE)
#define R (KV_CMD_READONLY)
#define F (KV_CMD_FAST)

static const kv_command commands[] = {
    KV_DATA_COMMAND("setbit", 4, W, cmd_setbit, 1, 1, 1),
    KV_DATA_COMMAND("getbit", 3, R | F, cmd_getbit, 1, 1, 1),
    KV_DATA_COMMAND("bitcount", -2, R, cmd_bitcount, 1, 1, 1),
    KV_DATA_COMMAND("bitpos", -3, R, cmd_bitpos, 1, 1, 1),
};

const kv_command_family kv_bitmap_family = {.commands = commands,
                                            .count = sizeof commands / sizeof commands[0]};
