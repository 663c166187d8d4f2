/*
 * LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN], with Redis 7.0's semantics,
 * replies and error texts (t_string.c): the longest common subsequence by the classic
 * dynamic-programming table, walked back from its end with Redis's tie rule, so the string
 * and the ranges are the ones Redis answers.
 *
 * Static bounds: the table has (len(a) + 1) x (len(b) + 1) cells, at most lcs_cells_max,
 * in the LCS scratch carved at start-up (kv_engine_give_lcs_scratch); the two strings and
 * the result are copied into as many bytes as the table has cells (a + b + min(a, b) <=
 * (a + 1)(b + 1) - 1). The work is O(cells). Redis's own bound comes first: a table of
 * more bytes than proto-max-bulk-len (stasis's bulk_size_max) answers its text.
 */
#include <string.h>

#include "alloc/stasis_assert.h"
#include "kv/command.h"
#include "kv/resp_number.h"
#include "kv/resp_writer.h"

typedef struct lcs_options {
    bool len;
    bool idx;
    bool with_match_len;
    int64_t min_match_len;
} lcs_options;

/* Redis's loop: IDX, LEN, WITHMATCHLEN, MINMATCHLEN n (negative is 0); then LEN with IDX
 * is refused. */
static bool parse_lcs(kv_ctx *c, lcs_options *o) {
    *o = (lcs_options){0};
    for (uint32_t j = 3; j < c->argc; j++) {
        bool more = j + 1 < c->argc;
        if (kv_arg_is(c, j, "idx")) {
            o->idx = true;
        } else if (kv_arg_is(c, j, "len")) {
            o->len = true;
        } else if (kv_arg_is(c, j, "withmatchlen")) {
            o->with_match_len = true;
        } else if (kv_arg_is(c, j, "minmatchlen") && more) {
            if (!kv_arg_int64(c, j + 1, &o->min_match_len, NULL)) return false;
            if (o->min_match_len < 0) o->min_match_len = 0;
            j++;
        } else {
            kv_reply_error(c, KV_ERR_SYNTAX);
            return false;
        }
    }
    if (o->len && o->idx) {
        kv_reply_error(c, "ERR If you want both the length and indexes, please just use IDX.");
        return false;
    }
    return true;
}

typedef struct lcs_work {
    const uint8_t *a;
    const uint8_t *b;
    uint32_t alen;
    uint32_t blen;
    uint32_t *table; /* (alen + 1) x (blen + 1), row-major by a */
    uint8_t *result; /* the LCS, written backward */
} lcs_work;

static uint32_t *cell(const lcs_work *w, uint32_t i, uint32_t j) {
    return &w->table[(uint64_t)i * (w->blen + 1) + j];
}

static void fill_table(const lcs_work *w) {
    for (uint32_t i = 0; i <= w->alen; i++) {
        for (uint32_t j = 0; j <= w->blen; j++) {
            uint32_t v = 0;
            if (i > 0 && j > 0 && w->a[i - 1] == w->b[j - 1]) {
                v = *cell(w, i - 1, j - 1) + 1;
            } else if (i > 0 && j > 0) {
                uint32_t up = *cell(w, i - 1, j);
                uint32_t left = *cell(w, i, j - 1);
                v = up > left ? up : left;
            }
            *cell(w, i, j) = v;
        }
    }
}

/* One matching range: [a_start, a_end] of a against [b_start, b_end] of b. */
typedef struct lcs_range {
    uint32_t a_start;
    uint32_t a_end;
    uint32_t b_start;
    uint32_t b_end;
} lcs_range;

typedef void (*range_fn)(kv_ctx *c, const lcs_options *o, const lcs_range *r, void *ctx);

/*
 * Walks the table back from (alen, blen) as Redis does: a match extends the current range
 * backward while it stays contiguous in both strings; a range ends at a mismatch, at a
 * non-contiguous match, or when it reaches the first byte of either string, and is
 * reported (emit) when at least MINMATCHLEN long. Writes the LCS backward into result.
 */
static void walk_back(kv_ctx *c, const lcs_work *w, const lcs_options *o, range_fn emit,
                      void *ctx) {
    uint32_t i = w->alen;
    uint32_t j = w->blen;
    uint32_t idx = *cell(w, w->alen, w->blen);
    bool open = false;
    lcs_range r = {0};
    while (i > 0 && j > 0) {
        bool close = false;
        if (w->a[i - 1] == w->b[j - 1]) {
            w->result[idx - 1] = w->a[i - 1];
            if (!open) {
                r = (lcs_range){.a_start = i - 1, .a_end = i - 1, .b_start = j - 1, .b_end = j - 1};
                open = true;
            } else if (r.a_start == i && r.b_start == j) {
                r.a_start--;
                r.b_start--;
            } else {
                close = true;
            }
            if (r.a_start == 0 || r.b_start == 0) close = true;
            idx--;
            i--;
            j--;
        } else {
            if (*cell(w, i - 1, j) > *cell(w, i, j - 1)) {
                i--;
            } else {
                j--;
            }
            close = open;
        }
        if (close) {
            uint64_t match_len = (uint64_t)r.a_end - r.a_start + 1;
            if (o->min_match_len == 0 || match_len >= (uint64_t)o->min_match_len) {
                emit(c, o, &r, ctx);
            }
            open = false;
        }
    }
}

/* Counts the ranges and the bytes of their reply entries. */
typedef struct range_tally {
    uint64_t count;
    uint64_t bytes;
} range_tally;

static uint64_t integer_bytes(int64_t v) {
    char digits[24];
    return 3 + (uint64_t)resp_format_int64(v, digits, sizeof digits);
}

static void tally_range(kv_ctx *c, const lcs_options *o, const lcs_range *r, void *ctx) {
    (void)c;
    range_tally *t = ctx;
    t->count++;
    t->bytes += 4 + 4 + integer_bytes(r->a_start) + integer_bytes(r->a_end) + 4 +
                integer_bytes(r->b_start) + integer_bytes(r->b_end);
    if (o->with_match_len) t->bytes += integer_bytes((int64_t)r->a_end - r->a_start + 1);
}

static void reply_range(kv_ctx *c, const lcs_options *o, const lcs_range *r, void *ctx) {
    (void)ctx;
    kv_reply_array(c, o->with_match_len ? 3 : 2);
    kv_reply_array(c, 2);
    kv_reply_integer(c, r->a_start);
    kv_reply_integer(c, r->a_end);
    kv_reply_array(c, 2);
    kv_reply_integer(c, r->b_start);
    kv_reply_integer(c, r->b_end);
    if (o->with_match_len) kv_reply_integer(c, (int64_t)r->a_end - r->a_start + 1);
}

/* IDX: ["matches", [ranges...], "len", n], its size known before anything is written. */
static void reply_idx(kv_ctx *c, const lcs_work *w, const lcs_options *o) {
    range_tally t = {0};
    walk_back(c, w, o, tally_range, &t);
    uint32_t len = *cell(w, w->alen, w->blen);
    uint64_t bytes = 4 + kv_bulk_reply_bytes(7) + resp_array_header_size(t.count) + t.bytes +
                     kv_bulk_reply_bytes(3) + integer_bytes(len);
    if (!kv_reply_room(c, bytes)) return;
    kv_reply_array(c, 4);
    kv_reply_bulk_cstr(c, "matches");
    kv_reply_array(c, t.count);
    walk_back(c, w, o, reply_range, NULL);
    kv_reply_bulk_cstr(c, "len");
    kv_reply_integer(c, len);
}

static void ignore_range(kv_ctx *c, const lcs_options *o, const lcs_range *r, void *ctx) {
    (void)c;
    (void)o;
    (void)r;
    (void)ctx;
}

/* The string of record id (none: empty) copied to `to`; returns its length. */
static uint32_t copy_string(const kv_ctx *c, uint32_t id, uint8_t *to) {
    if (id == KV_RECORD_NONE) return 0;
    const kv_record *r = kv_store_record(c->store, id);
    chunk_read(&c->store->chunks, r->value, 0, to, r->value_len);
    return r->value_len;
}

/* Redis's bound (table bytes within proto-max-bulk-len), then stasis's lcs_cells_max. */
static bool lcs_fits(kv_ctx *c, uint64_t cells) {
    if (cells * sizeof(uint32_t) > c->engine->config->bulk_size_max) {
        kv_reply_error(c, "ERR Insufficient memory, transient memory for LCS exceeds "
                          "proto-max-bulk-len");
        return false;
    }
    uint64_t limit = c->engine->lcs_cells;
    if (cells <= limit) return true;
    c->engine->stats.limit_rejections++;
    kv_reply_errorf(c, "ERR LCS table exceeds lcs_cells_max (%llu cells)",
                    (unsigned long long)c->engine->config->lcs_cells_max);
    return false;
}

static void cmd_lcs(kv_ctx *c) {
    uint32_t ida = kv_lookup(c, 1);
    uint32_t idb = kv_lookup(c, 2);
    if ((ida != KV_RECORD_NONE && kv_store_record(c->store, ida)->type != KV_TYPE_STRING) ||
        (idb != KV_RECORD_NONE && kv_store_record(c->store, idb)->type != KV_TYPE_STRING)) {
        kv_reply_error(c, "ERR The specified keys must contain string values");
        return;
    }
    lcs_options o;
    if (!parse_lcs(c, &o)) return;
    uint64_t alen = ida == KV_RECORD_NONE ? 0 : kv_store_record(c->store, ida)->value_len;
    uint64_t blen = idb == KV_RECORD_NONE ? 0 : kv_store_record(c->store, idb)->value_len;
    if (!lcs_fits(c, (alen + 1) * (blen + 1))) return;
    lcs_work w = {.table = c->engine->lcs_table};
    uint8_t *bytes = c->engine->lcs_bytes;
    w.alen = copy_string(c, ida, bytes);
    w.blen = copy_string(c, idb, bytes + w.alen);
    w.a = bytes;
    w.b = bytes + w.alen;
    w.result = bytes + w.alen + w.blen;
    fill_table(&w);
    uint32_t len = *cell(&w, w.alen, w.blen);
    ST_ASSERT((uint64_t)w.alen + w.blen + len <= c->engine->lcs_cells);
    if (o.idx) {
        reply_idx(c, &w, &o);
    } else if (o.len) {
        kv_reply_integer(c, len);
    } else {
        walk_back(c, &w, &o, ignore_range, NULL);
        if (!kv_reply_room(c, kv_bulk_reply_bytes(len))) return;
        kv_reply_bulk(c, w.result, len);
    }
}

static const kv_command commands[] = {
    KV_DATA_COMMAND("lcs", -3, KV_CMD_READONLY, cmd_lcs, 1, 2, 1),
};

const kv_command_family kv_lcs_family = {.commands = commands, .count = 1};
