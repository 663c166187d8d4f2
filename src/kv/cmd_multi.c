/*
 * Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH, with Redis 7.0's semantics and texts
 * (multi.c, and processCommand's queueing), over the state carved at start-up
 * (transaction.h).
 *
 *  - Inside MULTI every command but EXEC, DISCARD, MULTI, WATCH and QUIT is queued and
 *    answers +QUEUED. A command refused while queueing (unknown, wrong arity, NOAUTH, or past
 *    transaction_commands_max or transaction_bytes_max) answers its error and flags the
 *    transaction: EXEC then answers EXECABORT and discards it. Once flagged (or once a
 *    watched key changed) commands are answered +QUEUED but no longer stored, as Redis does.
 *  - A watched key modified by anyone (a write, an expiry, FLUSHALL, RENAME, a list move),
 *    or past the expiry it had when watched, makes EXEC answer a nil array.
 *  - A WATCH past watched_keys_max watches none of its keys and makes the next EXEC abort,
 *    so a client that missed the error never runs the transaction unguarded.
 *  - EXEC's reply is one reply, at most reply_size_max: it is written in a room of that size
 *    (KV_EXEC_NEEDS_ROOM before anything runs), and a command whose reply would not fit in
 *    what is left, keeping KV_EXEC_ERROR_BYTES_MAX for each command after it, answers the
 *    reply_size_max error in its place, having changed nothing. So a transaction holds at
 *    most (reply_size_max - KV_EXEC_HEADER_BYTES_MAX) / KV_EXEC_ERROR_BYTES_MAX commands:
 *    past that, queueing answers "ERR transaction exceeds reply_size_max (N bytes)".
 *  - Inside EXEC, commands run with kv_ctx.may_block false (the blocking pops' hook).
 */
#include <string.h>

#include "alloc/stasis_assert.h"
#include "kv/command.h"

#define KV_ERR_EXECABORT       "EXECABORT Transaction discarded because of previous errors."
#define KV_EXECABORT_BECAUSE   "EXECABORT Transaction discarded because of: "
#define KV_ERR_NO_TRANSACTIONS "ERR transactions are not available: no memory was given for them"

static kv_txns *txns(const kv_ctx *c) { return &c->engine->txns; }

/* The session's slot, or NULL having answered why there is none. */
static kv_txn *slot_or_error(kv_ctx *c) {
    if (c->session->txn == KV_TXN_NONE) {
        kv_reply_error(c, KV_ERR_NO_TRANSACTIONS);
        return NULL;
    }
    return kv_txns_slot(txns(c), c->session->txn);
}

static bool in_multi(const kv_ctx *c) {
    return c->session->txn != KV_TXN_NONE &&
           (kv_txns_slot(txns(c), c->session->txn)->flags & KV_TXN_MULTI) != 0;
}

/* Redis's discardTransaction: the queue, the flags and the watches go. */
static void discard(kv_ctx *c) {
    kv_txns_reset(txns(c), c->session->txn);
    kv_txns_unwatch_from(txns(c), c->session->txn, 0);
    kv_txns_slot(txns(c), c->session->txn)->flags &= ~(uint32_t)KV_TXN_WATCH_REFUSED;
}

/* ---- queueing (called by the engine for every command) ---- */

static bool queue_fits(kv_ctx *c, kv_txn *x) {
    const kv_config *cfg = c->engine->config;
    if (x->commands + 1u > cfg->transaction_commands_max) {
        return kv_reply_limit_error(c, "transaction", "transaction_commands_max",
                                    cfg->transaction_commands_max, "commands");
    }
    /* EXEC's reply keeps room for an error per command within reply_size_max. */
    if ((x->commands + 1u) * (uint64_t)KV_EXEC_ERROR_BYTES_MAX + KV_EXEC_HEADER_BYTES_MAX >
        cfg->reply_size_max) {
        return kv_reply_limit_error(c, "transaction", "reply_size_max", cfg->reply_size_max,
                                    "bytes");
    }
    uint64_t bytes = kv_txns_request_bytes(c->argv, c->argc);
    if (bytes > cfg->transaction_bytes_max - x->bytes) {
        return kv_reply_limit_error(c, "transaction", "transaction_bytes_max",
                                    cfg->transaction_bytes_max, "bytes");
    }
    return true;
}

bool kv_multi_queue(kv_ctx *c, const kv_command *cmd) {
    if (!in_multi(c) || (cmd->flags & KV_CMD_TXN_CONTROL) != 0) return false;
    kv_txn *x = kv_txns_slot(txns(c), c->session->txn);
    /* An aborted transaction stores nothing more (Redis's queueMultiCommand). */
    if ((x->flags & (KV_TXN_DIRTY_EXEC | KV_TXN_DIRTY_CAS)) == 0) {
        if (!queue_fits(c, x)) {
            x->flags |= KV_TXN_DIRTY_EXEC;
            return true;
        }
        kv_txns_queue(txns(c), c->session->txn, c->argv, c->argc);
    }
    kv_reply_simple(c, "QUEUED");
    return true;
}

void kv_multi_refused(kv_ctx *c, size_t mark) {
    if (in_multi(c)) kv_txns_slot(txns(c), c->session->txn)->flags |= KV_TXN_DIRTY_EXEC;
    if (!kv_arg_is(c, 0, "exec")) return;
    /* Redis's rejectCommand -> execCommandAbort, inside MULTI or not: the refusal's text
     * after EXECABORT's, and no transaction nor watches left. */
    resp_writer *out = c->out;
    size_t end = resp_writer_mark(out);
    ST_ASSERT(end >= mark + 3 && out->buf[mark] == '-');
    char text[KV_REPLY_ROOM_MIN_BYTES];
    const uint8_t *refusal = out->buf + mark + 1; /* after '-' */
    size_t len = end - mark - 3;                  /* without '-' and CRLF */
    /* Redis passes its own refusals (arity, unknown command) without the "ERR " that
     * addReplyError adds, and shared errors (NOAUTH ...) with their code. */
    if (len >= 4 && memcmp(refusal, "ERR ", 4) == 0) {
        refusal += 4;
        len -= 4;
    }
    ST_ASSERT(len + sizeof KV_EXECABORT_BECAUSE < sizeof text);
    memcpy(text, KV_EXECABORT_BECAUSE, sizeof KV_EXECABORT_BECAUSE - 1);
    memcpy(text + sizeof KV_EXECABORT_BECAUSE - 1, refusal, len);
    resp_writer_rollback(out, mark);
    resp_write_error(out, text, sizeof KV_EXECABORT_BECAUSE - 1 + len);
    if (c->session->txn != KV_TXN_NONE) discard(c);
}

/* ---- MULTI, DISCARD ---- */

static void cmd_multi(kv_ctx *c) {
    kv_txn *x = slot_or_error(c);
    if (x == NULL) return;
    if ((x->flags & KV_TXN_MULTI) != 0) {
        kv_reply_error(c, "ERR MULTI calls can not be nested");
        return;
    }
    x->flags |= KV_TXN_MULTI;
    kv_reply_ok(c);
}

static void cmd_discard(kv_ctx *c) {
    if (!in_multi(c)) {
        kv_reply_error(c, "ERR DISCARD without MULTI");
        return;
    }
    discard(c);
    kv_reply_ok(c);
}

/* ---- EXEC ---- */

/* Runs one queued command in at most `share` bytes of out's room; returns its reply's bytes. */
static uint64_t run_queued(kv_ctx *c, uint32_t argc, uint64_t share) {
    resp_writer inner;
    ST_ASSERT(share >= KV_EXEC_ERROR_BYTES_MAX && share <= resp_writer_room(c->out));
    resp_writer_init(&inner, c->out->buf + c->out->len, (size_t)share);
    kv_ctx q = *c;
    q.argv = txns(c)->argv;
    q.argc = argc;
    q.out = &inner;
    q.result = KV_EXEC_DONE;
    q.may_block = false; /* Redis's CLIENT_DENY_BLOCKING inside EXEC */
    const kv_command *cmd = kv_command_resolve(&q);
    ST_ASSERT(cmd != NULL); /* it resolved when it was queued */
    if (kv_command_run(&q, cmd) == KV_EXEC_NEEDS_ROOM) {
        ST_ASSERT(inner.len == 0); /* it changed nothing */
        q.result = KV_EXEC_DONE;
        kv_reply_too_long(&q);
    }
    ST_ASSERT(!resp_writer_overflowed(&inner));
    c->out->len += inner.len;
    return inner.len;
}

static void exec_queue(kv_ctx *c, kv_txn *x) {
    uint64_t budget = c->engine->config->reply_size_max;
    uint32_t n = x->commands;
    uint64_t used = resp_array_header_size(n);
    ST_ASSERT(used <= KV_EXEC_HEADER_BYTES_MAX);
    ST_ASSERT((uint64_t)n * KV_EXEC_ERROR_BYTES_MAX + KV_EXEC_HEADER_BYTES_MAX <= budget);
    kv_reply_array(c, n);
    uint64_t offset = 0;
    for (uint32_t j = 0; j < n; j++) {
        uint32_t argc = kv_txns_queued(txns(c), c->session->txn, &offset);
        uint64_t keep = (uint64_t)(n - j - 1) * KV_EXEC_ERROR_BYTES_MAX;
        ST_ASSERT(used + keep + KV_EXEC_ERROR_BYTES_MAX <= budget);
        used += run_queued(c, argc, budget - used - keep);
    }
    ST_ASSERT(offset == x->used);
}

static void cmd_exec(kv_ctx *c) {
    if (!in_multi(c)) {
        kv_reply_error(c, "ERR EXEC without MULTI");
        return;
    }
    uint32_t slot = c->session->txn;
    kv_txn *x = kv_txns_slot(txns(c), slot);
    if (kv_txns_watched_expired(txns(c), slot, c->now_ms)) x->flags |= KV_TXN_DIRTY_CAS;
    if ((x->flags & (KV_TXN_DIRTY_EXEC | KV_TXN_WATCH_REFUSED)) != 0) {
        kv_reply_error(c, KV_ERR_EXECABORT);
        discard(c);
        return;
    }
    if ((x->flags & KV_TXN_DIRTY_CAS) != 0) {
        kv_reply_null_array(c);
        discard(c);
        return;
    }
    /* The whole reply's room first: once a command ran, EXEC can no longer step back. */
    if (!kv_reply_room(c, c->engine->config->reply_size_max)) return;
    kv_txns_unwatch_from(txns(c), slot, 0); /* its own writes must not dirty it */
    exec_queue(c, x);
    discard(c);
}

/* ---- WATCH, UNWATCH ---- */

/* Watches argv[i]'s key unless already watched; false iff watched_keys_max is reached. */
static bool watch_key(kv_ctx *c, uint32_t i) {
    uint64_t hash = kv_store_hash(c->store, c->argv[i].ptr, c->argv[i].len);
    if (kv_txns_watches(txns(c), c->session->txn, hash)) return true;
    kv_txn *x = kv_txns_slot(txns(c), c->session->txn);
    if (x->watched >= c->engine->config->watched_keys_max) return false;
    /* An expired key is deleted now (lazy expiry): watching it is watching an absent key,
     * as Redis's "already expired when WATCH was called". */
    uint32_t id = kv_store_find_silent(c->store, c->argv[i].ptr, c->argv[i].len, c->now_ms);
    int64_t at = id == KV_RECORD_NONE ? KV_NO_EXPIRE : kv_store_record(c->store, id)->expire_at_ms;
    kv_txns_watch(txns(c), c->session->txn, hash, at);
    return true;
}

static void cmd_watch(kv_ctx *c) {
    kv_txn *x = slot_or_error(c);
    if (x == NULL) return;
    if ((x->flags & KV_TXN_MULTI) != 0) {
        kv_reply_error(c, "ERR WATCH inside MULTI is not allowed");
        return;
    }
    /* No point in watching once a watched key changed: EXEC will fail anyway. */
    if ((x->flags & KV_TXN_DIRTY_CAS) == 0) {
        uint32_t before = x->watched;
        for (uint32_t i = 1; i < c->argc; i++) {
            if (watch_key(c, i)) continue;
            kv_txns_unwatch_from(txns(c), c->session->txn, before); /* all or nothing */
            x->flags |= KV_TXN_WATCH_REFUSED;
            kv_reply_limit_error(c, "WATCH", "watched_keys_max",
                                 c->engine->config->watched_keys_max, "keys");
            return;
        }
    }
    kv_reply_ok(c);
}

static void cmd_unwatch(kv_ctx *c) {
    if (c->session->txn != KV_TXN_NONE) {
        kv_txns_unwatch_from(txns(c), c->session->txn, 0);
        kv_txns_slot(txns(c), c->session->txn)->flags &=
            ~(uint32_t)(KV_TXN_DIRTY_CAS | KV_TXN_WATCH_REFUSED);
    }
    kv_reply_ok(c);
}

/* ---- the table ---- */

static const kv_command multi_commands[] = {
    {.name = "multi", .arity = 1, .flags = KV_CMD_FAST | KV_CMD_TXN_CONTROL, .handler = cmd_multi},
    {.name = "exec", .arity = 1, .flags = KV_CMD_TXN_CONTROL, .handler = cmd_exec},
    {.name = "discard",
     .arity = 1,
     .flags = KV_CMD_FAST | KV_CMD_TXN_CONTROL,
     .handler = cmd_discard},
    {.name = "watch",
     .arity = -2,
     .flags = KV_CMD_FAST | KV_CMD_TXN_CONTROL,
     .handler = cmd_watch,
     .first_key = 1,
     .last_key = -1,
     .key_step = 1},
    {.name = "unwatch", .arity = 1, .flags = KV_CMD_FAST, .handler = cmd_unwatch},
};

const kv_command_family kv_multi_family = {
    .commands = multi_commands,
    .count = sizeof multi_commands / sizeof multi_commands[0],
};
