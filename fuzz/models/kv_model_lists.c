/*
 * The model's list commands: a list is an array of byte strings, index 0 the head. Written
 * from Redis 7.0's documented behaviour (and its t_list.c), the obvious way: every write
 * builds the new array, then kvm_commit checks the limits on the result.
 *
 * The order of answers the engine promises (cmd_lists.c): argument errors and the key's
 * type as Redis orders them; outcomes that store nothing answer without looking at the
 * data limits; then value size, list length, keys_max, chunks.
 */
#include <string.h>

#include "harness/cursor.h" /* FUZZ_NO_COVERAGE: the model is harness code */
#include "models/kv_model.h"
#include "harness/cursor.h"

/* The model is the harness, not the code under test: no coverage feedback from it. */
FUZZ_NO_COVERAGE_BEGIN

#define ERR_WRONG_ARGS_LPOP "ERR wrong number of arguments for 'lpop' command"
#define ERR_WRONG_ARGS_RPOP "ERR wrong number of arguments for 'rpop' command"
#define ERR_POSITIVE        "ERR value is out of range, must be positive"
#define ERR_RANK_ZERO                                                                              \
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use "   \
    "negative to start from the end of the list"

FUZZ_NO_COVERAGE static bool element_is(const kvm_bytes *b, const resp_arg *a) {
    return b->len == a->len && (a->len == 0 || memcmp(b->b, a->ptr, a->len) == 0);
}

FUZZ_NO_COVERAGE static void reply_element(kvm_ctx *c, const kvm_bytes *b) {
    kvm_bulk(c, b->b, b->len);
}

/* Redis deletes a list when its last element goes. */
FUZZ_NO_COVERAGE static void drop_if_empty(kvm_ctx *c, kvm_entry *e) {
    if (e->list_len == 0) kvm_delete(c->m, e);
}

/* Removes element i, shifting the rest down. */
FUZZ_NO_COVERAGE static void remove_at(kvm_entry *e, uint32_t i) {
    for (uint32_t k = i; k + 1 < e->list_len; k++)
        e->list[k] = e->list[k + 1];
    e->list_len--;
}

/* Inserts at position i (0..len), shifting the rest up. The caller checked the length. */
FUZZ_NO_COVERAGE static void insert_at(kvm_entry *e, uint32_t i, const resp_arg *a) {
    for (uint32_t k = e->list_len; k > i; k--)
        e->list[k] = e->list[k - 1];
    kvm_set_bytes(&e->list[i], a->ptr, a->len);
    e->list_len++;
}

/* ---- pushes ---- */

FUZZ_NO_COVERAGE static void push(kvm_ctx *c, bool head, bool only_existing) {
    bool wrong = false;
    kvm_entry *e = kvm_find_typed(c, 1, KVM_LIST, &wrong);
    if (wrong) return;
    if (e == NULL && only_existing) {
        kvm_int(c, 0);
        return;
    }
    if (e == NULL && !kvm_check_key_size(c, 1)) return;
    for (uint32_t i = 2; i < c->argc; i++) {
        if (!kvm_check_value_size(c, c->argv[i].len)) return;
    }
    if (!kvm_check_list_length(c, (e == NULL ? 0 : e->list_len) + (c->argc - 2))) return;
    kvm_begin(c);
    if (e == NULL) e = kvm_add(c, 1, KVM_LIST);
    for (uint32_t i = 2; i < c->argc; i++)
        insert_at(e, head ? 0 : e->list_len, &c->argv[i]);
    if (kvm_commit(c)) kvm_int(c, e->list_len);
}

FUZZ_NO_COVERAGE static void m_lpush(kvm_ctx *c) { push(c, true, false); }
FUZZ_NO_COVERAGE static void m_rpush(kvm_ctx *c) { push(c, false, false); }
FUZZ_NO_COVERAGE static void m_lpushx(kvm_ctx *c) { push(c, true, true); }
FUZZ_NO_COVERAGE static void m_rpushx(kvm_ctx *c) { push(c, false, true); }

/* ---- pops ---- */

/* Pops n elements from one end of e, replying each; an emptied list goes. */
FUZZ_NO_COVERAGE void kvm_pop_elements(kvm_ctx *c, kvm_entry *e, bool head, uint32_t n) {
    kvm_begin(c);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t at = head ? 0 : e->list_len - 1;
        reply_element(c, &e->list[at]);
        remove_at(e, at);
    }
    drop_if_empty(c, e);
    kvm_commit(c); /* nothing grew: it holds */
}

FUZZ_NO_COVERAGE static void pop(kvm_ctx *c, bool head) {
    if (c->argc > 3) {
        kvm_error(c, head ? ERR_WRONG_ARGS_LPOP : ERR_WRONG_ARGS_RPOP);
        return;
    }
    bool with_count = c->argc == 3;
    int64_t count = 1;
    if (with_count && (!kvm_parse_int(c->argv[2].ptr, c->argv[2].len, &count) || count < 0)) {
        kvm_error(c, ERR_POSITIVE);
        return;
    }
    bool wrong = false;
    kvm_entry *e = kvm_find_typed(c, 1, KVM_LIST, &wrong);
    if (wrong) return;
    if (e == NULL) {
        if (with_count) {
            kvm_null_array(c);
        } else {
            kvm_null(c);
        }
        return;
    }
    uint32_t n = count < (int64_t)e->list_len ? (uint32_t)count : e->list_len;
    if (with_count) kvm_array(c, n);
    kvm_pop_elements(c, e, head, n);
}

FUZZ_NO_COVERAGE static void m_lpop(kvm_ctx *c) { pop(c, true); }
FUZZ_NO_COVERAGE static void m_rpop(kvm_ctx *c) { pop(c, false); }

/* ---- reads ---- */

FUZZ_NO_COVERAGE static void m_llen(kvm_ctx *c) {
    bool wrong = false;
    kvm_entry *e = kvm_find_typed(c, 1, KVM_LIST, &wrong);
    if (!wrong) kvm_int(c, e == NULL ? 0 : e->list_len);
}

/* LRANGE's and LTRIM's arguments: the indexes, then the list (*e NULL if none). False if
 * an error was replied. */
FUZZ_NO_COVERAGE static bool range_args(kvm_ctx *c, int64_t *start, int64_t *end, kvm_entry **e) {
    if (!kvm_arg_int(c, 2, start) || !kvm_arg_int(c, 3, end)) return false;
    bool wrong = false;
    *e = kvm_find_typed(c, 1, KVM_LIST, &wrong);
    return !wrong;
}

/* Resolves start..end (negative counts from the end) within a list of len, as LRANGE does;
 * false if the range holds no element. */
FUZZ_NO_COVERAGE static bool clamp_range(int64_t *start, int64_t *end, int64_t len) {
    if (*start < 0) *start += len;
    if (*end < 0) *end += len;
    if (*start < 0) *start = 0;
    if (*start > *end || *start >= len) return false;
    if (*end >= len) *end = len - 1;
    return true;
}

FUZZ_NO_COVERAGE static void m_lrange(kvm_ctx *c) {
    int64_t start = 0;
    int64_t end = 0;
    kvm_entry *e = NULL;
    if (!range_args(c, &start, &end, &e)) return;
    if (!clamp_range(&start, &end, e == NULL ? 0 : e->list_len)) {
        kvm_array(c, 0);
        return;
    }
    kvm_array(c, (uint64_t)(end - start + 1));
    for (int64_t i = start; i <= end; i++)
        reply_element(c, &e->list[i]);
}

/* Position of a LINDEX/LSET index in a list of len, or -1 if outside. */
FUZZ_NO_COVERAGE static int64_t position(int64_t index, int64_t len) {
    int64_t i = index < 0 ? index + len : index;
    return i >= 0 && i < len ? i : -1;
}

FUZZ_NO_COVERAGE static void m_lindex(kvm_ctx *c) {
    bool wrong = false;
    kvm_entry *e = kvm_find_typed(c, 1, KVM_LIST, &wrong);
    if (wrong) return;
    if (e == NULL) {
        kvm_null(c);
        return;
    }
    int64_t index = 0;
    if (!kvm_arg_int(c, 2, &index)) return;
    int64_t i = position(index, e->list_len);
    if (i < 0) {
        kvm_null(c);
    } else {
        reply_element(c, &e->list[i]);
    }
}

/* ---- LSET, LREM, LTRIM, LINSERT ---- */

FUZZ_NO_COVERAGE static void m_lset(kvm_ctx *c) {
    bool wrong = false;
    kvm_entry *e = kvm_find_typed(c, 1, KVM_LIST, &wrong);
    if (wrong) return;
    if (e == NULL) {
        kvm_error(c, "ERR no such key");
        return;
    }
    int64_t index = 0;
    if (!kvm_arg_int(c, 2, &index)) return;
    int64_t i = position(index, e->list_len);
    if (i < 0) {
        kvm_error(c, "ERR index out of range");
        return;
    }
    if (!kvm_check_value_size(c, c->argv[3].len)) return;
    kvm_begin(c);
    kvm_set_bytes(&e->list[i], c->argv[3].ptr, c->argv[3].len);
    if (kvm_commit(c)) kvm_simple(c, "OK");
}

FUZZ_NO_COVERAGE static void m_lrem(kvm_ctx *c) {
    int64_t count = 0;
    if (!kvm_arg_int(c, 2, &count)) return;
    bool wrong = false;
    kvm_entry *e = kvm_find_typed(c, 1, KVM_LIST, &wrong);
    if (wrong) return;
    if (e == NULL) {
        kvm_int(c, 0);
        return;
    }
    /* Mark the doomed elements walking from the chosen end, then keep the others. */
    bool doomed[KVM_LIST_MAX] = {false};
    int64_t removed = 0;
    for (uint32_t k = 0; k < e->list_len; k++) {
        uint32_t i = count < 0 ? e->list_len - 1 - k : k;
        /* |count| written as -(count + 1) + 1 would overflow for INT64_MIN */
        bool room = count == 0 || (count > 0 ? removed < count : removed <= -(count + 1));
        if (room && element_is(&e->list[i], &c->argv[3])) {
            doomed[i] = true;
            removed++;
        }
    }
    kvm_begin(c);
    for (uint32_t i = e->list_len; i-- > 0;) {
        if (doomed[i]) remove_at(e, i);
    }
    drop_if_empty(c, e);
    kvm_commit(c);
    kvm_int(c, removed);
}

FUZZ_NO_COVERAGE static void m_ltrim(kvm_ctx *c) {
    int64_t start = 0;
    int64_t end = 0;
    kvm_entry *e = NULL;
    if (!range_args(c, &start, &end, &e)) return;
    if (e != NULL) {
        /* Keep exactly what LRANGE start end would return. */
        uint32_t kept = 0;
        kvm_begin(c);
        if (clamp_range(&start, &end, e->list_len)) {
            for (int64_t i = start; i <= end; i++)
                e->list[kept++] = e->list[i];
        }
        e->list_len = kept;
        drop_if_empty(c, e);
        kvm_commit(c);
    }
    kvm_simple(c, "OK");
}

FUZZ_NO_COVERAGE static void m_linsert(kvm_ctx *c) {
    bool after = kvm_arg_is(c, 2, "after");
    if (!after && !kvm_arg_is(c, 2, "before")) {
        kvm_error(c, "ERR syntax error");
        return;
    }
    bool wrong = false;
    kvm_entry *e = kvm_find_typed(c, 1, KVM_LIST, &wrong);
    if (wrong) return;
    if (e == NULL) {
        kvm_int(c, 0);
        return;
    }
    uint32_t pivot = 0;
    while (pivot < e->list_len && !element_is(&e->list[pivot], &c->argv[3]))
        pivot++;
    if (pivot == e->list_len) {
        kvm_int(c, -1);
        return;
    }
    if (!kvm_check_value_size(c, c->argv[4].len)) return;
    if (!kvm_check_list_length(c, e->list_len + 1)) return;
    kvm_begin(c);
    insert_at(e, after ? pivot + 1 : pivot, &c->argv[4]);
    if (kvm_commit(c)) kvm_int(c, e->list_len);
}

/* ---- LPOS ---- */

/* A COUNT or MAXLEN value: an integer >= 0, else the option's own message. */
FUZZ_NO_COVERAGE static bool lpos_amount(kvm_ctx *c, uint32_t i, int64_t *out, const char *error) {
    if (kvm_parse_int(c->argv[i].ptr, c->argv[i].len, out) && *out >= 0) return true;
    kvm_error(c, error);
    return false;
}

FUZZ_NO_COVERAGE static bool lpos_options(kvm_ctx *c, int64_t *rank, int64_t *count,
                                          int64_t *maxlen) {
    for (uint32_t j = 3; j < c->argc; j++) {
        bool last = j + 1 == c->argc;
        if (kvm_arg_is(c, j, "rank") && !last) {
            if (!kvm_arg_int(c, ++j, rank)) return false;
            if (*rank == 0) {
                kvm_error(c, ERR_RANK_ZERO);
                return false;
            }
        } else if (kvm_arg_is(c, j, "count") && !last) {
            if (!lpos_amount(c, ++j, count, "ERR COUNT can't be negative")) return false;
        } else if (kvm_arg_is(c, j, "maxlen") && !last) {
            if (!lpos_amount(c, ++j, maxlen, "ERR MAXLEN can't be negative")) return false;
        } else {
            kvm_error(c, "ERR syntax error");
            return false;
        }
    }
    return true;
}

/* Every match's index, in the order of the search (from the tail for a negative rank),
 * among the first maxlen elements searched; then the rank-th onwards, count of them. */
FUZZ_NO_COVERAGE static void m_lpos(kvm_ctx *c) {
    int64_t rank = 1, count = -1, maxlen = 0; /* count -1: no COUNT option */
    if (!lpos_options(c, &rank, &count, &maxlen)) return;
    bool wrong = false;
    kvm_entry *e = kvm_find_typed(c, 1, KVM_LIST, &wrong);
    if (wrong) return;
    int64_t hits[KVM_LIST_MAX];
    int64_t n = 0;
    int64_t len = e == NULL ? 0 : e->list_len;
    for (int64_t k = 0; k < len && (maxlen == 0 || k < maxlen); k++) {
        int64_t i = rank < 0 ? len - 1 - k : k;
        if (element_is(&e->list[i], &c->argv[2])) hits[n++] = i;
    }
    /* Redis 7.0 turns RANK -2^63 into itself when it negates it: still negative, so every
     * match is past the rank and COUNT never stops the walk. */
    int64_t skip = rank == INT64_MIN ? 0 : (rank < 0 ? -rank : rank) - 1;
    int64_t take = count == -1 ? 1 : (count == 0 || rank == INT64_MIN) ? n : count;
    int64_t first = skip < n ? skip : n;
    int64_t got = n - first < take ? n - first : take;
    if (count == -1) {
        if (got == 0) {
            kvm_null(c);
        } else {
            kvm_int(c, hits[first]);
        }
        return;
    }
    kvm_array(c, (uint64_t)got);
    for (int64_t k = 0; k < got; k++)
        kvm_int(c, hits[first + k]);
}

/* ---- LMOVE, RPOPLPUSH ---- */

/* The element at one end moves to an end of the destination (maybe the same list); $-1
 * when the source is missing; an emptied source goes before the destination is made. */
FUZZ_NO_COVERAGE void kvm_move(kvm_ctx *c, bool from_head, bool to_head) {
    bool wrong = false;
    kvm_entry *src = kvm_find_typed(c, 1, KVM_LIST, &wrong);
    if (wrong) return;
    if (src == NULL) {
        kvm_null(c);
        return;
    }
    kvm_entry *dst = kvm_find_typed(c, 2, KVM_LIST, &wrong);
    if (wrong) return;
    if (dst != src && dst != NULL && !kvm_check_list_length(c, (uint64_t)dst->list_len + 1)) return;
    if (dst == NULL && !kvm_check_key_size(c, 2)) return;
    kvm_begin(c);
    kvm_bytes element = src->list[from_head ? 0 : src->list_len - 1];
    remove_at(src, from_head ? 0 : src->list_len - 1);
    if (src != dst) drop_if_empty(c, src);
    if (dst == NULL) dst = kvm_add(c, 2, KVM_LIST);
    ST_ASSERT(dst != NULL && dst->list_len < KVM_LIST_MAX);
    resp_arg a = {.ptr = element.b, .len = element.len};
    insert_at(dst, to_head ? 0 : dst->list_len, &a);
    if (kvm_commit(c)) reply_element(c, &element);
}

FUZZ_NO_COVERAGE bool kvm_move_directions(kvm_ctx *c, bool *from_head, bool *to_head) {
    *from_head = kvm_arg_is(c, 3, "left");
    *to_head = kvm_arg_is(c, 4, "left");
    if ((!*from_head && !kvm_arg_is(c, 3, "right")) || (!*to_head && !kvm_arg_is(c, 4, "right"))) {
        kvm_error(c, "ERR syntax error");
        return false;
    }
    return true;
}

FUZZ_NO_COVERAGE static void m_lmove(kvm_ctx *c) {
    bool from_head = false;
    bool to_head = false;
    if (kvm_move_directions(c, &from_head, &to_head)) kvm_move(c, from_head, to_head);
}

FUZZ_NO_COVERAGE static void m_rpoplpush(kvm_ctx *c) { kvm_move(c, false, true); }

/* ---- LMPOP ---- */

/* LMPOP's arguments: numkeys >= 1 keys, LEFT|RIGHT, then COUNT n (n >= 1) at most once.
 * Returns the index of LEFT|RIGHT, or 0 having replied the error. */
FUZZ_NO_COVERAGE uint32_t kvm_lmpop_args(kvm_ctx *c, bool *head, int64_t *count) {
    int64_t numkeys = 0;
    if (!kvm_parse_int(c->argv[1].ptr, c->argv[1].len, &numkeys) || numkeys < 1) {
        kvm_error(c, "ERR numkeys should be greater than 0");
        return 0;
    }
    if ((uint64_t)numkeys >= c->argc - 2) {
        kvm_error(c, "ERR syntax error");
        return 0;
    }
    uint32_t side = (uint32_t)numkeys + 2;
    *head = kvm_arg_is(c, side, "left");
    if (!*head && !kvm_arg_is(c, side, "right")) {
        kvm_error(c, "ERR syntax error");
        return 0;
    }
    /* Redis reads the options left to right: COUNT n at most once, each n checked as it is
     * met, so "COUNT -1 x" answers the count's error before the stray word's. */
    bool counted = false;
    for (uint32_t j = side + 1; j < c->argc; j += 2) {
        if (counted || !kvm_arg_is(c, j, "count") || j + 1 >= c->argc) {
            kvm_error(c, "ERR syntax error");
            return 0;
        }
        if (!kvm_parse_int(c->argv[j + 1].ptr, c->argv[j + 1].len, count) || *count < 1) {
            kvm_error(c, "ERR count should be greater than 0");
            return 0;
        }
        counted = true;
    }
    return side;
}

FUZZ_NO_COVERAGE void kvm_mpop_reply(kvm_ctx *c, kvm_entry *e, bool head, int64_t count) {
    uint32_t n = count < (int64_t)e->list_len ? (uint32_t)count : e->list_len;
    kvm_array(c, 2);
    kvm_bulk(c, e->key.b, e->key.len);
    kvm_array(c, n);
    kvm_pop_elements(c, e, head, n);
}

/* LMPOP numkeys key... LEFT|RIGHT [COUNT n]: [key, [elements]] from the first key holding
 * a list, *-1 when none does; a key of another type met first answers WRONGTYPE. */
FUZZ_NO_COVERAGE static void m_lmpop(kvm_ctx *c) {
    bool head = false;
    int64_t count = 1;
    uint32_t side = kvm_lmpop_args(c, &head, &count);
    for (uint32_t k = 2; k < side; k++) {
        bool wrong = false;
        kvm_entry *e = kvm_find_typed(c, k, KVM_LIST, &wrong);
        if (wrong) return;
        if (e == NULL) continue;
        kvm_mpop_reply(c, e, head, count);
        return;
    }
    if (side != 0) kvm_null_array(c);
}

static const kvm_command commands[] = {
    {"lpush", -3, m_lpush},    {"rpush", -3, m_rpush},  {"lpushx", -3, m_lpushx},
    {"rpushx", -3, m_rpushx},  {"lpop", -2, m_lpop},    {"rpop", -2, m_rpop},
    {"llen", 2, m_llen},       {"lrange", 4, m_lrange}, {"lindex", 3, m_lindex},
    {"lset", 4, m_lset},       {"lrem", 4, m_lrem},     {"ltrim", 4, m_ltrim},
    {"linsert", 5, m_linsert}, {"lpos", -3, m_lpos},   {"lmove", 5, m_lmove},
    {"rpoplpush", 3, m_rpoplpush}, {"lmpop", -4, m_lmpop},
};

const kvm_family kvm_list_family = {.commands = commands,
                                    .count = sizeof commands / sizeof commands[0]};

FUZZ_NO_COVERAGE_END
