/* The model's LCS: Redis 7.0's answer (t_string.c's lcsCommand, restated): the classic
 * table of LCS lengths, walked back from its far corner, preferring to drop a byte of the
 * first string only when that keeps a strictly longer LCS. The table of two of the
 * model's strings has at most (KVM_BYTES_MAX + 1)^2 cells: one static table serves. */
#include <stdio.h>
#include <string.h>

#include "harness/cursor.h"
#include "models/kv_model.h"

/* The model is the harness, not the code under test: no coverage feedback from it. */
FUZZ_NO_COVERAGE_BEGIN

typedef struct lcs_opts {
    bool len;
    bool idx;
    bool with_len;
    int64_t min_len;
} lcs_opts;

/* IDX, LEN, WITHMATCHLEN and MINMATCHLEN n in any order (a negative n is 0); LEN with IDX
 * is refused after all are read. */
static bool lcs_options(kvm_ctx *c, lcs_opts *o) {
    *o = (lcs_opts){0};
    for (uint32_t j = 3; j < c->argc; j++) {
        if (kvm_arg_is(c, j, "idx")) {
            o->idx = true;
        } else if (kvm_arg_is(c, j, "len")) {
            o->len = true;
        } else if (kvm_arg_is(c, j, "withmatchlen")) {
            o->with_len = true;
        } else if (kvm_arg_is(c, j, "minmatchlen") && j + 1 < c->argc) {
            if (!kvm_arg_int(c, ++j, &o->min_len)) return false;
            if (o->min_len < 0) o->min_len = 0;
        } else {
            kvm_error(c, "ERR syntax error");
            return false;
        }
    }
    if (o->len && o->idx) {
        kvm_error(c, "ERR If you want both the length and indexes, please just use IDX.");
        return false;
    }
    return true;
}

static uint32_t table[KVM_BYTES_MAX + 1][KVM_BYTES_MAX + 1];

static void fill(const kvm_bytes *a, const kvm_bytes *b) {
    for (uint32_t i = 0; i <= a->len; i++) {
        for (uint32_t j = 0; j <= b->len; j++) {
            if (i == 0 || j == 0) {
                table[i][j] = 0;
            } else if (a->b[i - 1] == b->b[j - 1]) {
                table[i][j] = table[i - 1][j - 1] + 1;
            } else {
                uint32_t up = table[i - 1][j];
                uint32_t left = table[i][j - 1];
                table[i][j] = up > left ? up : left;
            }
        }
    }
}

typedef struct lcs_match {
    uint32_t a0, a1, b0, b1;
} lcs_match;

/* Walks back; fills the LCS bytes and the matches (ranges of contiguous bytes in both
 * strings, last first) of at least min_len. Returns the number of matches. */
static uint32_t walk(const kvm_bytes *a, const kvm_bytes *b, const lcs_opts *o, uint8_t *lcs,
                     lcs_match *out) {
    uint32_t i = a->len, j = b->len, k = table[a->len][b->len], n = 0;
    bool open = false;
    lcs_match m = {0};
    while (i > 0 && j > 0) {
        bool emit = false;
        if (a->b[i - 1] == b->b[j - 1]) {
            lcs[--k] = a->b[i - 1];
            if (!open) {
                m = (lcs_match){i - 1, i - 1, j - 1, j - 1};
                open = true;
            } else if (m.a0 == i && m.b0 == j) {
                m.a0--;
                m.b0--;
            } else {
                emit = true;
            }
            emit = emit || m.a0 == 0 || m.b0 == 0;
            i--;
            j--;
        } else {
            if (table[i - 1][j] > table[i][j - 1]) {
                i--;
            } else {
                j--;
            }
            emit = open;
        }
        if (emit) {
            if ((int64_t)(m.a1 - m.a0 + 1) >= o->min_len) out[n++] = m;
            open = false;
        }
    }
    return n;
}

static void reply_matches(kvm_ctx *c, const lcs_opts *o, const lcs_match *ms, uint32_t n,
                          uint32_t len) {
    kvm_array(c, 4);
    kvm_bulk(c, "matches", 7);
    kvm_array(c, n);
    for (uint32_t k = 0; k < n; k++) {
        kvm_array(c, o->with_len ? 3 : 2);
        kvm_array(c, 2);
        kvm_int(c, ms[k].a0);
        kvm_int(c, ms[k].a1);
        kvm_array(c, 2);
        kvm_int(c, ms[k].b0);
        kvm_int(c, ms[k].b1);
        if (o->with_len) kvm_int(c, ms[k].a1 - ms[k].a0 + 1);
    }
    kvm_bulk(c, "len", 3);
    kvm_int(c, len);
}

/* LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]: a missing key is "", another
 * type refused; the table is bounded first by proto-max-bulk-len (its bytes, 4 a cell),
 * then by lcs_cells_max. */
static void m_lcs(kvm_ctx *c) {
    kvm_entry *ea = kvm_find(c, 1);
    kvm_entry *eb = kvm_find(c, 2);
    if ((ea != NULL && ea->type != KVM_STRING) || (eb != NULL && eb->type != KVM_STRING)) {
        kvm_error(c, "ERR The specified keys must contain string values");
        return;
    }
    lcs_opts o;
    if (!lcs_options(c, &o)) return;
    static const kvm_bytes empty = {0};
    const kvm_bytes *a = ea != NULL ? &ea->str : &empty;
    const kvm_bytes *b = eb != NULL ? &eb->str : &empty;
    uint64_t cells = (uint64_t)(a->len + 1) * (b->len + 1);
    if (cells * 4 > c->m->config.bulk_size_max) {
        kvm_error(c, "ERR Insufficient memory, transient memory for LCS exceeds "
                     "proto-max-bulk-len");
        return;
    }
    if (cells > c->m->config.lcs_cells_max) {
        char text[96];
        snprintf(text, sizeof text, "ERR LCS table exceeds lcs_cells_max (%llu cells)",
                 (unsigned long long)c->m->config.lcs_cells_max);
        kvm_error(c, text);
        return;
    }
    fill(a, b);
    uint32_t len = table[a->len][b->len];
    uint8_t lcs[KVM_BYTES_MAX];
    lcs_match ms[KVM_BYTES_MAX];
    uint32_t n = walk(a, b, &o, lcs, ms);
    if (o.idx) {
        reply_matches(c, &o, ms, n, len);
    } else if (o.len) {
        kvm_int(c, len);
    } else {
        kvm_bulk(c, lcs, len);
    }
}

static const kvm_command commands[] = {{"lcs", -3, m_lcs}};

const kvm_family kvm_lcs_family = {.commands = commands, .count = 1};

FUZZ_NO_COVERAGE_END
