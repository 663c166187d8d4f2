/*
 * The model's blocking pops: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP, restated from Redis 7.0
 * (t_list.c, timeout.c). The model has one client and no server loop, so a blocking pop
 * has two outcomes: with a list to pop it answers as its non-blocking form (LPOP/RPOP as
 * [key, element], LMOVE, LMPOP) with the same effect; with none it must wait, which the
 * model says by KVM_REPLY_BLOCKED, replying and changing nothing (the harness then expects
 * KV_EXEC_BLOCKED from the engine).
 *
 * Order of answers, as Redis: BLPOP/BRPOP/BRPOPLPUSH read the timeout first; BLMOVE its two
 * directions, then the timeout; BLMPOP numkeys and its options, then the timeout (7.0 reads
 * it last there); then the keys in order, a key of another type met before a list
 * answering WRONGTYPE.
 */
#include "harness/cursor.h" /* FUZZ_NO_COVERAGE: the model is harness code */
#include "models/kv_model.h"

FUZZ_NO_COVERAGE_BEGIN

/*
 * Redis reads the timeout as a float, takes ceil(seconds * 1000) and casts it to a long
 * long: below zero answers "negative", and so does anything past INT64_MAX, which the cast
 * on x86-64 turns into INT64_MIN (inf and 1e400 among them). ceil(x) < 0 exactly when
 * x <= -1, and ceil(x) > INT64_MAX exactly when x > INT64_MAX (an integer).
 */
FUZZ_NO_COVERAGE static bool timeout_ok(kvm_ctx *c, uint32_t i) {
    long double seconds = 0;
    if (!kvm_parse_float(c->argv[i].ptr, c->argv[i].len, &seconds)) {
        kvm_error(c, "ERR timeout is not a float or out of range");
        return false;
    }
    long double ms = seconds * 1000.0L;
    if (ms <= -1.0L || ms > 9223372036854775807.0L) {
        kvm_error(c, "ERR timeout is negative");
        return false;
    }
    return true;
}

/* Nothing to pop: the client would wait (no reply, nothing changed); inside EXEC it may
 * not, and the pop answers as timed out: BLMOVE's and BRPOPLPUSH's $-1 (`null_bulk`), *-1
 * for the others. */
FUZZ_NO_COVERAGE static void wait_here(kvm_ctx *c, bool null_bulk) {
    ST_ASSERT(c->m->out_len == 0);
    if (c->m->may_block) {
        c->m->reply_kind = KVM_REPLY_BLOCKED;
    } else if (null_bulk) {
        kvm_null(c);
    } else {
        kvm_null_array(c);
    }
}

/* The first of argv[first, end) holding a list, NULL when none does; *wrong when a key of
 * another type came first (WRONGTYPE replied). */
FUZZ_NO_COVERAGE static kvm_entry *first_list(kvm_ctx *c, uint32_t first, uint32_t end,
                                              bool *wrong) {
    for (uint32_t k = first; k < end; k++) {
        kvm_entry *e = kvm_find_typed(c, k, KVM_LIST, wrong);
        if (*wrong || e != NULL) return e;
    }
    return NULL;
}

/* BLPOP/BRPOP key [key ...] timeout: [key, element] from the first key holding a list. */
FUZZ_NO_COVERAGE static void bpop(kvm_ctx *c, bool head) {
    if (!timeout_ok(c, c->argc - 1)) return;
    bool wrong = false;
    kvm_entry *e = first_list(c, 1, c->argc - 1, &wrong);
    if (wrong) return;
    if (e == NULL) {
        wait_here(c, false);
        return;
    }
    kvm_array(c, 2);
    kvm_bulk(c, e->key.b, e->key.len);
    kvm_pop_elements(c, e, head, 1);
}

FUZZ_NO_COVERAGE static void m_blpop(kvm_ctx *c) { bpop(c, true); }
FUZZ_NO_COVERAGE static void m_brpop(kvm_ctx *c) { bpop(c, false); }

/* BLMOVE's and BRPOPLPUSH's common part: LMOVE when the source holds a list. */
FUZZ_NO_COVERAGE static void bmove(kvm_ctx *c, bool from_head, bool to_head) {
    bool wrong = false;
    kvm_entry *src = first_list(c, 1, 2, &wrong);
    if (wrong) return;
    if (src == NULL) {
        wait_here(c, true);
        return;
    }
    kvm_move(c, from_head, to_head);
}

/* BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout */
FUZZ_NO_COVERAGE static void m_blmove(kvm_ctx *c) {
    bool from_head = false;
    bool to_head = false;
    if (kvm_move_directions(c, &from_head, &to_head) && timeout_ok(c, 5))
        bmove(c, from_head, to_head);
}

/* BRPOPLPUSH source destination timeout: BLMOVE ... RIGHT LEFT. */
FUZZ_NO_COVERAGE static void m_brpoplpush(kvm_ctx *c) {
    if (timeout_ok(c, 3)) bmove(c, false, true);
}

/* BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]: LMPOP's arguments read
 * from numkeys on (argv shifted by one, so LMPOP's reader reads them where it expects). */
FUZZ_NO_COVERAGE static void m_blmpop(kvm_ctx *c) {
    kvm_ctx lmpop = {.m = c->m, .argv = c->argv + 1, .argc = c->argc - 1};
    bool head = false;
    int64_t count = 1;
    uint32_t side = kvm_lmpop_args(&lmpop, &head, &count);
    if (side == 0 || !timeout_ok(c, 1)) return;
    bool wrong = false;
    kvm_entry *e = first_list(&lmpop, 2, side, &wrong);
    if (wrong) return;
    if (e == NULL) {
        wait_here(c, false);
        return;
    }
    kvm_mpop_reply(c, e, head, count);
}

static const kvm_command commands[] = {
    {"blpop", -3, m_blpop},   {"brpop", -3, m_brpop},           {"blmove", 6, m_blmove},
    {"brpoplpush", 4, m_brpoplpush}, {"blmpop", -5, m_blmpop},
};

const kvm_family kvm_blocking_family = {.commands = commands,
                                        .count = sizeof commands / sizeof commands[0]};

FUZZ_NO_COVERAGE_END
