/*
 * List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LREM LTRIM
 * LINSERT LPOS LMOVE RPOPLPUSH LMPOP (the blocking forms are in cmd_blocking.c), with
 * Redis 7.0's semantics and error texts (t_list.c).
 *
 * Order of answers: argument errors and the key's type first, in Redis's order for each
 * command; then outcomes that store nothing (LPUSHX on a missing key, LINSERT without its
 * pivot, LSET out of range) answer as Redis does, without looking at the data limits;
 * only a command that would store something checks them, in the documented order (value
 * size, list length, keys_max, chunks), and a rejection changes nothing. Writes free
 * before they allocate, so the guaranteed policy's pool, sized for the final state, is
 * always enough. Redis deletes a list key when its last element goes: so do these.
 */
#include "alloc/stasis_assert.h"
#ifdef STASIS_CANARY_PROPS_STRAY_MALLOC
#include <stdlib.h>
#endif
#include "kv/command.h"
#include "kv/resp_number.h"
#include "kv/resp_writer.h"

/* Checks that `count` elements argv[first..] can join key argv[1]'s list (id: its record
 * or none): element sizes, list_length_max, keys_max and chunks. */
static bool can_push(kv_ctx *c, uint32_t id, uint32_t first, uint32_t count) {
    uint64_t need = 0;
    for (uint32_t i = first; i < first + count; i++) {
        if (!kv_check_value_size(c, c->argv[i].len)) return false;
        need += kv_store_element_chunks(c->store, c->argv[i].len);
    }
    uint64_t length = id == KV_RECORD_NONE ? 0 : kv_store_record(c->store, id)->value_len;
    if (!kv_check_list_length(c, length + count)) return false;
    if (id == KV_RECORD_NONE) return kv_check_new_key(c, 1, need);
    return kv_check_chunks(c, need);
}

static void push(kv_ctx *c, bool at_head, bool only_existing) {
    uint32_t id = kv_lookup_typed(c, 1, KV_TYPE_LIST);
    if (id == KV_LOOKUP_WRONGTYPE) return;
    if (id == KV_RECORD_NONE && only_existing) {
        kv_reply_integer(c, 0);
        return;
    }
    if (id == KV_RECORD_NONE && !kv_check_key(c, 1)) return;
    if (!can_push(c, id, 2, c->argc - 2)) {
#ifdef STASIS_CANARY_PROPS_PUSH_HALF_APPLIED
        /* canary (props rejected_unchanged): the first element joins a list anyway */
        if (id != KV_RECORD_NONE && c->argc > 3 &&
            c->argv[2].len <= c->engine->config->value_size_max &&
            kv_store_can_take(c->store, kv_store_element_chunks(c->store, c->argv[2].len)))
            kv_store_list_push(c->store, id,
                               kv_store_element_alloc(c->store, c->argv[2].ptr, c->argv[2].len),
                               at_head);
#endif
        return;
    }
    if (id == KV_RECORD_NONE)
        id = kv_store_add(c->store, c->argv[1].ptr, c->argv[1].len, KV_TYPE_LIST);
    for (uint32_t i = 2; i < c->argc; i++) {
        uint32_t e = kv_store_element_alloc(c->store, c->argv[i].ptr, c->argv[i].len);
        kv_store_list_push(c->store, id, e, at_head);
    }
    kv_reply_integer(c, kv_store_record(c->store, id)->value_len);
}

static void cmd_lpush(kv_ctx *c) { push(c, true, false); }
static void cmd_rpush(kv_ctx *c) { push(c, false, false); }

static void cmd_llen(kv_ctx *c) {
    uint32_t id = kv_lookup_typed(c, 1, KV_TYPE_LIST);
    if (id == KV_LOOKUP_WRONGTYPE) return;
    kv_reply_integer(c, id == KV_RECORD_NONE ? 0 : kv_store_record(c->store, id)->value_len);
}

static void cmd_lrange(kv_ctx *c) {
    int64_t start = 0;
    int64_t end = 0;
    if (!kv_arg_int64(c, 2, &start, NULL) || !kv_arg_int64(c, 3, &end, NULL)) return;
    uint32_t id = kv_lookup_typed(c, 1, KV_TYPE_LIST);
    if (id == KV_LOOKUP_WRONGTYPE) return;
    int64_t len = id == KV_RECORD_NONE ? 0 : kv_store_record(c->store, id)->value_len;
    if (start < 0) start = len + start;
    if (end < 0) end = len + end;
    if (start < 0) start = 0;
    if (start > end || start >= len) {
        kv_reply_array(c, 0);
        return;
    }
    if (end >= len) end = len - 1;
    kv_reply_array(c, (uint64_t)(end - start + 1));
    uint32_t e = kv_store_list_at(c->store, id, (uint64_t)start);
    for (int64_t i = start; i <= end; i++) {
        kv_reply_element(c, e);
        e = kv_store_element_next(c->store, e);
    }
}

static void cmd_lpushx(kv_ctx *c) { push(c, true, true); }
static void cmd_rpushx(kv_ctx *c) { push(c, false, true); }

/* ---- shared steps ---- */

static uint64_t list_length(const kv_ctx *c, uint32_t id) {
    return kv_store_record(c->store, id)->value_len;
}

/* The head (at_head) or tail element. */
static uint32_t list_end(const kv_ctx *c, uint32_t id, bool at_head) {
    const kv_record *r = kv_store_record(c->store, id);
    ST_ASSERT(r->type == KV_TYPE_LIST);
    return at_head ? r->value : r->list_tail;
}

/* The element after e walking from the head (toward_tail) or from the tail. */
static uint32_t list_step(const kv_ctx *c, uint32_t e, bool toward_tail) {
    return toward_tail ? kv_store_element_next(c->store, e) : kv_store_element_prev(c->store, e);
}

/* The position `index` names in a list of len elements, as LINDEX and LSET resolve it
 * (negative counts from the tail: -1 is the last). True iff it is inside the list. */
static bool resolve_index(int64_t index, uint64_t len, uint64_t *at) {
    if (index >= 0) {
        *at = (uint64_t)index;
        return *at < len;
    }
    uint64_t back = (uint64_t)(-(index + 1)) + 1u; /* |index|, INT64_MIN's included */
    if (back > len) return false;
    *at = len - back;
    return true;
}

/* An argument that must be an integer >= 0. Redis's getPositiveLongFromObjectOrReply
 * answers one message for both a non-integer and a negative number. */
static bool arg_non_negative(kv_ctx *c, uint32_t i, int64_t *out, const char *error) {
    if (!kv_arg_int64(c, i, out, error)) return false;
    if (*out >= 0) return true;
    kv_reply_error(c, error);
    return false;
}

/* ---- LPOP, RPOP ---- */

/* Bytes of the bulks for the n elements at one end. */
static uint64_t end_bulk_bytes(const kv_ctx *c, uint32_t id, bool at_head, uint64_t n) {
    uint64_t bytes = 0;
    uint32_t e = list_end(c, id, at_head);
    for (uint64_t i = 0; i < n; i++) {
        ST_ASSERT(e != CHUNK_NONE);
        bytes += kv_bulk_reply_bytes(kv_store_element_len(c->store, e));
        e = list_step(c, e, at_head);
    }
    return bytes;
}

/* (command.h) The reply's size depends on the data, so its room is secured before anything
 * is popped. */
void kv_list_pop_reply(kv_ctx *c, uint32_t id, bool at_head, uint64_t n, bool as_array,
                       uint32_t key_arg) {
    ST_ASSERT(n >= 1 && n <= list_length(c, id));
    ST_ASSERT(as_array || n == 1);
    uint64_t bytes = end_bulk_bytes(c, id, at_head, n);
    if (as_array) bytes += resp_array_header_size(n);
    if (key_arg != 0) bytes += 4 + kv_bulk_reply_bytes(c->argv[key_arg].len);
    if (!kv_reply_room(c, bytes)) return;
    if (key_arg != 0) {
        kv_reply_array(c, 2);
        kv_reply_bulk(c, c->argv[key_arg].ptr, c->argv[key_arg].len);
    }
    if (as_array) kv_reply_array(c, n);
    for (uint64_t i = 0; i < n; i++) {
        kv_reply_element(c, list_end(c, id, at_head));
        kv_store_list_pop(c->store, id, at_head);
    }
    ST_ASSERT(!resp_writer_overflowed(c->out));
    kv_delete_if_empty_list(c, id);
}

/* LPOP/RPOP key [count]: without a count, one bulk or $-1; with one, an array, *-1 for a
 * missing key, and an empty array for a count of 0 (after the key's type is checked). */
static void pop(kv_ctx *c, bool at_head) {
    if (c->argc > 3) {
        kv_reply_errorf(c, "ERR wrong number of arguments for '%s' command",
                        at_head ? "lpop" : "rpop");
        return;
    }
    bool has_count = c->argc == 3;
    int64_t count = 1;
    if (has_count && !arg_non_negative(c, 2, &count, KV_ERR_OUT_OF_RANGE_POSITIVE)) return;
    uint32_t id = kv_lookup_typed(c, 1, KV_TYPE_LIST);
    if (id == KV_LOOKUP_WRONGTYPE) return;
    if (id == KV_RECORD_NONE) {
        if (has_count) {
            kv_reply_null_array(c);
        } else {
            kv_reply_null(c);
        }
        return;
    }
    if (count == 0) {
        kv_reply_array(c, 0);
        return;
    }
    uint64_t len = list_length(c, id);
    uint64_t n = (uint64_t)count < len ? (uint64_t)count : len;
    kv_list_pop_reply(c, id, at_head, n, has_count, 0);
}

static void cmd_lpop(kv_ctx *c) { pop(c, true); }
static void cmd_rpop(kv_ctx *c) { pop(c, false); }

/* ---- LINDEX, LSET ---- */

/* LINDEX key index: the key is looked up before the index is parsed, as in Redis. */
static void cmd_lindex(kv_ctx *c) {
    uint32_t id = kv_lookup_typed(c, 1, KV_TYPE_LIST);
    if (id == KV_LOOKUP_WRONGTYPE) return;
    if (id == KV_RECORD_NONE) {
        kv_reply_null(c);
        return;
    }
    int64_t index = 0;
    if (!kv_arg_int64(c, 2, &index, NULL)) return;
    uint64_t at = 0;
    if (!resolve_index(index, list_length(c, id), &at)) {
        kv_reply_null(c);
        return;
    }
    kv_reply_element(c, kv_store_list_at(c->store, id, at));
}

/* LSET key index element: the element is resized in place, freeing before taking, so only
 * its growth must be free. */
static void cmd_lset(kv_ctx *c) {
    uint32_t id = kv_lookup_typed(c, 1, KV_TYPE_LIST);
    if (id == KV_LOOKUP_WRONGTYPE) return;
    if (id == KV_RECORD_NONE) {
        kv_reply_error(c, KV_ERR_NO_SUCH_KEY);
        return;
    }
    int64_t index = 0;
    if (!kv_arg_int64(c, 2, &index, NULL)) return;
    uint64_t at = 0;
    if (!resolve_index(index, list_length(c, id), &at)) {
        kv_reply_error(c, KV_ERR_INDEX_OUT_OF_RANGE);
        return;
    }
    const resp_arg *value = &c->argv[3];
    if (!kv_check_value_size(c, value->len)) return;
    uint32_t e = kv_store_list_at(c->store, id, at);
    uint64_t have = kv_store_element_chunks(c->store, kv_store_element_len(c->store, e));
    uint64_t want = kv_store_element_chunks(c->store, value->len);
    if (!kv_check_chunks(c, want > have ? want - have : 0)) return;
    kv_store_list_set(c->store, id, e, value->ptr, value->len);
    kv_reply_ok(c);
}

/* ---- LREM, LTRIM ---- */

/* LREM key count element: count > 0 removes that many from the head, < 0 from the tail,
 * 0 every match. */
static void cmd_lrem(kv_ctx *c) {
    int64_t count = 0;
    if (!kv_arg_int64(c, 2, &count, NULL)) return;
    uint32_t id = kv_lookup_typed(c, 1, KV_TYPE_LIST);
    if (id == KV_LOOKUP_WRONGTYPE) return;
    if (id == KV_RECORD_NONE) {
        kv_reply_integer(c, 0);
        return;
    }
    bool from_head = count >= 0;
    /* |count| (0: no limit); INT64_MIN's 2^63 is never reached, which is Redis's outcome. */
    uint64_t limit = from_head ? (uint64_t)count : (uint64_t)(-(count + 1)) + 1u;
    const resp_arg *target = &c->argv[3];
    uint64_t removed = 0;
    uint32_t e = list_end(c, id, from_head);
    while (e != CHUNK_NONE && (limit == 0 || removed < limit)) {
        uint32_t following = list_step(c, e, from_head); /* read before e is freed */
        if (kv_store_element_equals(c->store, e, target->ptr, target->len)) {
            kv_store_list_remove(c->store, id, e);
            removed++;
        }
        e = following;
    }
    kv_delete_if_empty_list(c, id);
    kv_reply_integer(c, (int64_t)removed);
}

/* LTRIM key start stop: Redis's range arithmetic, then pops from both ends. */
static void cmd_ltrim(kv_ctx *c) {
    int64_t start = 0;
    int64_t end = 0;
    if (!kv_arg_int64(c, 2, &start, NULL) || !kv_arg_int64(c, 3, &end, NULL)) return;
    uint32_t id = kv_lookup_typed(c, 1, KV_TYPE_LIST);
    if (id == KV_LOOKUP_WRONGTYPE) return;
    if (id == KV_RECORD_NONE) {
        kv_reply_ok(c);
        return;
    }
    int64_t len = (int64_t)list_length(c, id);
    if (start < 0) start = len + start;
    if (end < 0) end = len + end;
    if (start < 0) start = 0;
    int64_t drop_head = len; /* an empty range empties the list */
    int64_t drop_tail = 0;
    if (start <= end && start < len) {
        if (end >= len) end = len - 1;
        drop_head = start;
        drop_tail = len - end - 1;
    }
    ST_ASSERT(drop_head >= 0 && drop_tail >= 0 && drop_head + drop_tail <= len);
    for (int64_t i = 0; i < drop_head; i++)
        kv_store_list_pop(c->store, id, true);
    for (int64_t i = 0; i < drop_tail; i++)
        kv_store_list_pop(c->store, id, false);
    kv_store_signal_modified(c->store, id); /* Redis's LTRIM does, even keeping all (WATCH) */
    kv_delete_if_empty_list(c, id);
    kv_reply_ok(c);
}

/* ---- LINSERT ---- */

/* The first element (from the head) equal to argv[arg], or CHUNK_NONE. */
static uint32_t find_first(const kv_ctx *c, uint32_t id, uint32_t arg) {
    const resp_arg *target = &c->argv[arg];
    uint32_t e = list_end(c, id, true);
    while (e != CHUNK_NONE && !kv_store_element_equals(c->store, e, target->ptr, target->len))
        e = kv_store_element_next(c->store, e);
    return e;
}

/* LINSERT key BEFORE|AFTER pivot element: 0 for a missing key, -1 without the pivot
 * (neither checks the limits: nothing is stored), else the new length. */
static void cmd_linsert(kv_ctx *c) {
    bool before = kv_arg_is(c, 2, "before");
    if (!before && !kv_arg_is(c, 2, "after")) {
        kv_reply_error(c, KV_ERR_SYNTAX);
        return;
    }
    uint32_t id = kv_lookup_typed(c, 1, KV_TYPE_LIST);
    if (id == KV_LOOKUP_WRONGTYPE) return;
    if (id == KV_RECORD_NONE) {
        kv_reply_integer(c, 0);
        return;
    }
    uint32_t pivot = find_first(c, id, 3);
    if (pivot == CHUNK_NONE) {
#ifdef STASIS_CANARY_PROPS_STRAY_MALLOC
        /* canary (props memory_bound): an allocation after the seal, 1 MiB so libc maps */
        void *volatile stray = malloc(1u << 20);
        free(stray);
#endif
        kv_reply_integer(c, -1);
        return;
    }
    const resp_arg *value = &c->argv[4];
    if (!kv_check_value_size(c, value->len)) return;
    if (!kv_check_list_length(c, list_length(c, id) + 1)) return;
    if (!kv_check_chunks(c, kv_store_element_chunks(c->store, value->len))) return;
    uint32_t e = kv_store_element_alloc(c->store, value->ptr, value->len);
    kv_store_list_insert(c->store, id, pivot, e, before);
    kv_reply_integer(c, (int64_t)list_length(c, id));
}

/* ---- LPOS ---- */

#define LPOS_ERR_RANK_ZERO                                                                         \
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use "   \
    "negative to start from the end of the list"

typedef struct lpos_query {
    int64_t rank;   /* never 0; negative: from the tail */
    int64_t count;  /* -1: no COUNT (one index or $-1); 0: every match */
    int64_t maxlen; /* elements to compare at most; 0: all */
} lpos_query;

/* RANK, COUNT and MAXLEN, each any number of times (the last wins), each with its value. */
static bool parse_lpos(kv_ctx *c, lpos_query *q) {
    *q = (lpos_query){.rank = 1, .count = -1, .maxlen = 0};
    for (uint32_t j = 3; j < c->argc; j++) {
        bool has_value = j + 1 < c->argc;
        if (kv_arg_is(c, j, "rank") && has_value) {
            if (!kv_arg_int64(c, ++j, &q->rank, NULL)) return false;
            if (q->rank == 0) {
                kv_reply_error(c, LPOS_ERR_RANK_ZERO);
                return false;
            }
        } else if (kv_arg_is(c, j, "count") && has_value) {
            if (!arg_non_negative(c, ++j, &q->count, "ERR COUNT can't be negative")) return false;
        } else if (kv_arg_is(c, j, "maxlen") && has_value) {
            if (!arg_non_negative(c, ++j, &q->maxlen, "ERR MAXLEN can't be negative")) return false;
        } else {
            kv_reply_error(c, KV_ERR_SYNTAX);
            return false;
        }
    }
    return true;
}

/*
 * Walks the list for LPOS and returns how many indexes it reports (writing each as an
 * integer iff `write`). Redis 7.0 negates a negative RANK with wrap-around, so RANK
 * -9223372036854775808 stays negative: the search runs from the tail, every match
 * qualifies, and COUNT never ends it (MAXLEN and the list's end still do). Measured on
 * redis-server 7.0.15; Redis 7.2 rejects that rank instead.
 */
static uint64_t lpos_scan(kv_ctx *c, uint32_t id, const lpos_query *q, bool write) {
    const resp_arg *target = &c->argv[2];
    bool from_tail = q->rank < 0;
    bool wraps = q->rank == INT64_MIN;
    uint64_t rank = wraps ? 1 : (uint64_t)(from_tail ? -q->rank : q->rank);
    uint64_t wanted = q->count < 0 ? 1 : wraps ? 0 : (uint64_t)q->count; /* 0: no end */
    uint64_t len = list_length(c, id);
    uint64_t maxlen = (uint64_t)q->maxlen;
    uint64_t matches = 0;
    uint64_t found = 0;
    uint32_t e = list_end(c, id, !from_tail);
    for (uint64_t i = 0; e != CHUNK_NONE && (maxlen == 0 || i < maxlen); i++) {
        if (kv_store_element_equals(c->store, e, target->ptr, target->len) && ++matches >= rank) {
            if (write) kv_reply_integer(c, (int64_t)(from_tail ? len - 1 - i : i));
            if (++found == wanted) break;
        }
        e = list_step(c, e, !from_tail);
    }
    return found;
}

/* LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]. Without COUNT: the index
 * or $-1; with it, an array (empty for a missing key). The array's length is counted by a
 * first walk, since RESP2 writes it first. */
static void cmd_lpos(kv_ctx *c) {
    lpos_query q;
    if (!parse_lpos(c, &q)) return;
    uint32_t id = kv_lookup_typed(c, 1, KV_TYPE_LIST);
    if (id == KV_LOOKUP_WRONGTYPE) return;
    if (id == KV_RECORD_NONE) {
        if (q.count >= 0) {
            kv_reply_array(c, 0);
        } else {
            kv_reply_null(c);
        }
        return;
    }
    if (q.count < 0) {
        if (lpos_scan(c, id, &q, true) == 0) kv_reply_null(c);
        return;
    }
    kv_reply_array(c, lpos_scan(c, id, &q, false));
    lpos_scan(c, id, &q, true);
}

/* ---- LMOVE, RPOPLPUSH ---- */

/*
 * Whether the element can move from src to argv[2] (dst: its record or
 * none): no limit applies to a rotation (src == dst); otherwise list_length_max on the
 * destination, and a new destination key needs key_size_max, keys_max and its key's
 * chunks, less what deleting an emptied source gives back. The element itself moves
 * without a copy, so it needs no chunk.
 */
static bool can_move(kv_ctx *c, uint32_t src, uint32_t dst) {
    if (src == dst) return true;
    uint64_t dst_len = dst == KV_RECORD_NONE ? 0 : list_length(c, dst);
    if (!kv_check_list_length(c, dst_len + 1)) return false;
    if (dst != KV_RECORD_NONE) return true;
    if (!kv_check_key(c, 2)) return false;
    bool src_goes = list_length(c, src) == 1;
    if (!src_goes && !kv_check_key_count(c, 1)) return false;
    uint64_t need = kv_store_chunks_for(c->store, c->argv[2].len);
    uint64_t freed = src_goes ? kv_store_key_chunks(c->store, src) : 0;
    return kv_check_chunks(c, need > freed ? need - freed : 0);
}

/*
 * LMOVE source destination LEFT|RIGHT LEFT|RIGHT (and RPOPLPUSH, RIGHT LEFT): the element
 * moved, $-1 when the source is missing. The element is unlinked and linked again, the
 * source deleted first if emptied, then the destination created if missing, so the pool
 * never holds more than the final state.
 */
void kv_list_move(kv_ctx *c, bool from_head, bool to_head) {
    uint32_t src = kv_store_find_quiet(c->store, c->argv[1].ptr, c->argv[1].len, c->now_ms);
    if (src != KV_RECORD_NONE && kv_store_record(c->store, src)->type != KV_TYPE_LIST) {
        kv_reply_error(c, KV_ERR_WRONGTYPE);
        return;
    }
    if (src == KV_RECORD_NONE) {
        kv_reply_null(c);
        return;
    }
    uint32_t dst = kv_store_find_quiet(c->store, c->argv[2].ptr, c->argv[2].len, c->now_ms);
    if (dst != KV_RECORD_NONE && kv_store_record(c->store, dst)->type != KV_TYPE_LIST) {
        kv_reply_error(c, KV_ERR_WRONGTYPE);
        return;
    }
    uint32_t element = list_end(c, src, from_head);
    if (!kv_reply_room(c, kv_bulk_reply_bytes(kv_store_element_len(c->store, element)))) return;
    if (!can_move(c, src, dst)) return;
    kv_reply_element(c, element);
    kv_store_list_unlink(c->store, src, element);
    if (src != dst && list_length(c, src) == 0) kv_store_delete(c->store, src);
    if (dst == KV_RECORD_NONE)
        dst = kv_store_add(c->store, c->argv[2].ptr, c->argv[2].len, KV_TYPE_LIST);
    kv_store_list_push(c->store, dst, element, to_head);
}

static void cmd_lmove(kv_ctx *c) {
    bool from_head = false;
    bool to_head = false;
    if (!kv_arg_either(c, 3, "left", "right", &from_head) ||
        !kv_arg_either(c, 4, "left", "right", &to_head))
        return;
    kv_list_move(c, from_head, to_head);
}

static void cmd_rpoplpush(kv_ctx *c) { kv_list_move(c, false, true); }

/* ---- LMPOP ---- */

/* A positive count (getRangeLongFromObjectOrReply from 1): one message for any failure. */
static bool arg_positive(kv_ctx *c, uint32_t i, int64_t *out, const char *error) {
    if (resp_parse_int64(c->argv[i].ptr, c->argv[i].len, out) && *out >= 1) return true;
    kv_reply_error(c, error);
    return false;
}

bool kv_mpop_parse(kv_ctx *c, uint32_t numkeys_arg, kv_mpop_args *m) {
    int64_t numkeys = 0;
    int64_t count = 1;
    if (!arg_positive(c, numkeys_arg, &numkeys, "ERR numkeys should be greater than 0"))
        return false;
    if ((uint64_t)numkeys >= c->argc - numkeys_arg - 1) {
        kv_reply_error(c, KV_ERR_SYNTAX);
        return false;
    }
    m->first_key = numkeys_arg + 1;
    m->end_key = numkeys_arg + 1 + (uint32_t)numkeys;
    if (!kv_arg_either(c, m->end_key, "left", "right", &m->at_head)) return false;
    /* The options in order, as Redis: a bad COUNT value is refused before a word after it
     * (LMPOP 1 k LEFT COUNT -1 x: the count's error); COUNT once only. */
    bool counted = false;
    for (uint32_t j = m->end_key + 1; j < c->argc; j++) {
        if (counted || !kv_arg_is(c, j, "count") || j + 1 >= c->argc) {
            kv_reply_error(c, KV_ERR_SYNTAX);
            return false;
        }
        j++;
        if (!arg_positive(c, j, &count, "ERR count should be greater than 0")) return false;
        counted = true;
    }
    m->count = (uint64_t)count;
    return true;
}

uint32_t kv_list_first_source(kv_ctx *c, uint32_t first, uint32_t end, bool skip_other_types,
                              uint32_t *arg) {
    ST_ASSERT(first <= end && end <= c->argc);
    for (uint32_t k = first; k < end; k++) {
        uint32_t id = kv_store_find_quiet(c->store, c->argv[k].ptr, c->argv[k].len, c->now_ms);
        if (id == KV_RECORD_NONE) continue;
        if (kv_store_record(c->store, id)->type != KV_TYPE_LIST) {
            if (skip_other_types) continue;
            kv_reply_error(c, KV_ERR_WRONGTYPE);
            return KV_LOOKUP_WRONGTYPE;
        }
        ST_ASSERT(list_length(c, id) > 0); /* an emptied list is deleted */
        *arg = k;
        return id;
    }
    return KV_RECORD_NONE;
}

void kv_mpop_reply(kv_ctx *c, const kv_mpop_args *m, uint32_t id, uint32_t key_arg) {
    uint64_t len = list_length(c, id);
    kv_list_pop_reply(c, id, m->at_head, m->count < len ? m->count : len, true, key_arg);
}

/*
 * LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]: pops from the first key holding a
 * non-empty list: [key, [elements]]; *-1 when none does. A key of another type met before
 * that answers WRONGTYPE, as Redis walks them in order.
 */
static void cmd_lmpop(kv_ctx *c) {
    kv_mpop_args m;
    if (!kv_mpop_parse(c, 1, &m)) return;
    uint32_t key_arg = 0;
    uint32_t id = kv_list_first_source(c, m.first_key, m.end_key, false, &key_arg);
    if (id == KV_LOOKUP_WRONGTYPE) return;
    if (id == KV_RECORD_NONE) {
        kv_reply_null_array(c);
        return;
    }
    kv_mpop_reply(c, &m, id, key_arg);
}

#define W (KV_CMD_WRITE)
#define R (KV_CMD_READONLY)
#define F (KV_CMD_FAST)

static const kv_command commands[] = {
    KV_DATA_COMMAND("lpush", -3, W | F, cmd_lpush, 1, 1, 1),
    KV_DATA_COMMAND("rpush", -3, W | F, cmd_rpush, 1, 1, 1),
    KV_DATA_COMMAND("llen", 2, R | F, cmd_llen, 1, 1, 1),
    KV_DATA_COMMAND("lpushx", -3, W | F, cmd_lpushx, 1, 1, 1),
    KV_DATA_COMMAND("rpushx", -3, W | F, cmd_rpushx, 1, 1, 1),
    KV_DATA_COMMAND("lpop", -2, W | F, cmd_lpop, 1, 1, 1),
    KV_DATA_COMMAND("rpop", -2, W | F, cmd_rpop, 1, 1, 1),
    KV_DATA_COMMAND("lrange", 4, R, cmd_lrange, 1, 1, 1),
    KV_DATA_COMMAND("lindex", 3, R, cmd_lindex, 1, 1, 1),
    KV_DATA_COMMAND("lset", 4, W, cmd_lset, 1, 1, 1),
    KV_DATA_COMMAND("lrem", 4, W, cmd_lrem, 1, 1, 1),
    KV_DATA_COMMAND("ltrim", 4, W, cmd_ltrim, 1, 1, 1),
    KV_DATA_COMMAND("linsert", 5, W, cmd_linsert, 1, 1, 1),
    KV_DATA_COMMAND("lmove", 5, W, cmd_lmove, 1, 2, 1),
    KV_DATA_COMMAND("rpoplpush", 3, W, cmd_rpoplpush, 1, 2, 1),
    {.name = "lmpop", .arity = -4, .flags = W, .handler = cmd_lmpop, .key_count_arg = 1},
    KV_DATA_COMMAND("lpos", -3, R, cmd_lpos, 1, 1, 1),
};

const kv_command_family kv_list_family = {.commands = commands,
                                          .count = sizeof commands / sizeof commands[0]};
