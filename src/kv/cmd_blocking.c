/*
 * The blocking list commands: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP, with Redis 7.0's
 * semantics and texts (t_list.c, timeout.c). With data they answer as their non-blocking
 * forms do; without, they ask the server to wait (KV_EXEC_BLOCKED, engine.h), having
 * changed and written nothing, or, where blocking is denied (kv_ctx.may_block false: inside
 * MULTI/EXEC), answer as a timeout at once.
 *
 * Order of answers, as Redis: BLPOP/BRPOP/BRPOPLPUSH parse the timeout first; BLMOVE its
 * two directions, then the timeout; BLMPOP its numkeys and options, then the timeout; then
 * the keys are walked in order.
 *
 * A re-run for a woken waiter (session->block.serving) takes the first of its keys holding
 * a list and otherwise waits again: a key turned into another type is passed over, never
 * answered WRONGTYPE (Redis serves a waiter only from a list), while BLMOVE's destination
 * of another type still answers WRONGTYPE to the waiter, as Redis's does.
 */
#include "alloc/stasis_assert.h"
#include "kv/command.h"

#define ERR_TIMEOUT_NOT_FLOAT "ERR timeout is not a float or out of range"
#define ERR_TIMEOUT_NEGATIVE  "ERR timeout is negative"

/* INT64_MAX as a long double (exact: 63 bits fit its 64-bit mantissa). */
#define TIMEOUT_MS_MAX 9223372036854775807.0L

/*
 * The timeout in seconds as Redis reads it: a float (string2ld), times 1000, rounded up
 * (ceill). Redis then converts it to a long long with a cast, which on x86-64 turns any
 * value past int64 (inf included) into INT64_MIN: so those answer "negative" too, and a
 * value rounding up to -0 waits for ever. No "out of range" check exists in 7.0. The
 * rounding is done here without libm.
 */
static bool parse_timeout(kv_ctx *c, uint32_t i, int64_t *ms) {
    long double seconds = 0;
    if (!kv_parse_long_double(c->argv[i].ptr, c->argv[i].len, &seconds)) {
        kv_reply_error(c, ERR_TIMEOUT_NOT_FLOAT);
        return false;
    }
    long double exact = seconds * 1000.0L;
    /* ceil(exact) <= -1 iff exact <= -1; ceil(exact) > INT64_MAX iff exact > INT64_MAX */
    if (!(exact <= TIMEOUT_MS_MAX) || exact <= -1.0L) {
        kv_reply_error(c, ERR_TIMEOUT_NEGATIVE);
        return false;
    }
    int64_t whole = exact > 0 ? (int64_t)exact : 0;
    if ((long double)whole < exact) whole++; /* a fraction rounds up; cannot pass INT64_MAX */
    *ms = whole;
    ST_ASSERT(*ms >= 0);
    return true;
}

/*
 * Nothing to pop: wait for keys argv[first, end) (KV_EXEC_BLOCKED), or, where blocking is
 * denied, answer as a timeout: `null_bulk` for BLMOVE's $-1 (Redis's addReplyNull there),
 * *-1 otherwise.
 */
static void wait_for(kv_ctx *c, uint32_t first, uint32_t end, int64_t timeout_ms, bool null_bulk) {
    ST_ASSERT(first < end);
    if (!c->may_block) {
        if (null_bulk) {
            kv_reply_null(c);
        } else {
            kv_reply_null_array(c);
        }
        return;
    }
    uint64_t bits = 0;
    for (uint32_t k = first; k < end; k++)
        bits |= kv_store_key_bit(c->store, c->argv[k].ptr, c->argv[k].len);
    ST_ASSERT(bits != 0);
    c->session->block.timeout_ms = timeout_ms;
    c->session->block.key_bits = bits;
    c->result = KV_EXEC_BLOCKED;
}

/* BLPOP/BRPOP key [key ...] timeout: [key, element] from the first key holding a list. */
static void bpop(kv_ctx *c, bool at_head) {
    int64_t timeout_ms = 0;
    if (!parse_timeout(c, c->argc - 1, &timeout_ms)) return;
    uint32_t key_arg = 0;
    bool serving = c->session->block.serving;
    uint32_t id = kv_list_first_source(c, 1, c->argc - 1, serving, &key_arg);
    if (id == KV_LOOKUP_WRONGTYPE) return;
    if (id == KV_RECORD_NONE) {
        wait_for(c, 1, c->argc - 1, timeout_ms, false);
        return;
    }
    kv_list_pop_reply(c, id, at_head, 1, false, key_arg);
}

static void cmd_blpop(kv_ctx *c) { bpop(c, true); }
static void cmd_brpop(kv_ctx *c) { bpop(c, false); }

/* BLMOVE's and BRPOPLPUSH's common part: LMOVE when the source holds a list. */
static void bmove(kv_ctx *c, bool from_head, bool to_head, int64_t timeout_ms) {
    uint32_t key_arg = 0;
    bool serving = c->session->block.serving;
    uint32_t id = kv_list_first_source(c, 1, 2, serving, &key_arg);
    if (id == KV_LOOKUP_WRONGTYPE) return;
    if (id == KV_RECORD_NONE) {
        wait_for(c, 1, 2, timeout_ms, true);
        return;
    }
    kv_list_move(c, from_head, to_head);
}

/* BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout */
static void cmd_blmove(kv_ctx *c) {
    bool from_head = false;
    bool to_head = false;
    int64_t timeout_ms = 0;
    if (!kv_arg_either(c, 3, "left", "right", &from_head) ||
        !kv_arg_either(c, 4, "left", "right", &to_head) || !parse_timeout(c, 5, &timeout_ms))
        return;
    bmove(c, from_head, to_head, timeout_ms);
}

/* BRPOPLPUSH source destination timeout: BLMOVE ... RIGHT LEFT. */
static void cmd_brpoplpush(kv_ctx *c) {
    int64_t timeout_ms = 0;
    if (!parse_timeout(c, 3, &timeout_ms)) return;
    bmove(c, false, true, timeout_ms);
}

/* BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]: LMPOP's reply. Its
 * options are parsed before its timeout (Redis 7.0 reads the timeout last here). */
static void cmd_blmpop(kv_ctx *c) {
    int64_t timeout_ms = 0;
    kv_mpop_args m;
    if (!kv_mpop_parse(c, 2, &m) || !parse_timeout(c, 1, &timeout_ms)) return;
    uint32_t key_arg = 0;
    bool serving = c->session->block.serving;
    uint32_t id = kv_list_first_source(c, m.first_key, m.end_key, serving, &key_arg);
    if (id == KV_LOOKUP_WRONGTYPE) return;
    if (id == KV_RECORD_NONE) {
        wait_for(c, m.first_key, m.end_key, timeout_ms, false);
        return;
    }
    kv_mpop_reply(c, &m, id, key_arg);
}

#define W (KV_CMD_WRITE)

static const kv_command commands[] = {
    KV_DATA_COMMAND("blpop", -3, W, cmd_blpop, 1, -2, 1),
    KV_DATA_COMMAND("brpop", -3, W, cmd_brpop, 1, -2, 1),
    KV_DATA_COMMAND("blmove", 6, W, cmd_blmove, 1, 2, 1),
    KV_DATA_COMMAND("brpoplpush", 4, W, cmd_brpoplpush, 1, 2, 1),
    {.name = "blmpop", .arity = -5, .flags = W, .handler = cmd_blmpop, .key_count_arg = 2},
};

const kv_command_family kv_blocking_family = {.commands = commands,
                                              .count = sizeof commands / sizeof commands[0]};
