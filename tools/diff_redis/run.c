/* Running a sequence against both servers: plain commands of client 0 go in pipelined
 * batches (the generator never depends on a reply, so pipelining changes nothing the
 * servers see but the speed); episodes (sleeps, deferred blocking commands, full SCAN
 * iterations, QUIT) run on their own. Then shrinking and the divergence report. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dr.h"

/* A batch ends at this many commands or request bytes: a server that stops reading a
 * client which does not read its replies (stasis does) must never wait on us. */
#define DR_BATCH_COMMANDS_MAX 256
#define DR_BATCH_BYTES_MAX (256 * 1024)
/* Most SCAN calls of one full iteration before it is reported as not ending. */
#define DR_SCAN_CALLS_MAX 100000
/* Most deferred (blocking) commands waiting at once. */
#define DR_DEFERRED_MAX 8
/* A blocking pop (DR_STEP_BLOCK) whose timeout is at most a second is waited out, 500 ms
 * past it (its timeout's reply is compared); any other is given DR_BLOCK_WAIT_MS to answer,
 * well under the least positive timeout kv_ops draws (0.1 s). Once one server answered, the
 * other has DR_BLOCK_ANSWER_MS. After closing a blocked client, DR_BLOCK_CLOSE_MS lets both
 * servers see the close before the next command (a push must not serve a closed client). */
#define DR_BLOCK_WAITED_OUT_S 1.0
#define DR_BLOCK_WAIT_MS 100
#define DR_BLOCK_ANSWER_MS 2000
#define DR_BLOCK_CLOSE_MS 20
/* Most trials one shrink may spend. */
#define DR_SHRINK_TRIALS_MAX 3000

typedef struct {
    const dr_cmd *cmd[DR_BATCH_COMMANDS_MAX];
    size_t group[DR_BATCH_COMMANDS_MAX];
    size_t count, bytes;
} batch;

typedef struct {
    const dr_cmd *cmd;
    int client;
    size_t group;
} deferred;

static bool name_is(const dr_cmd *cmd, const char *name) {
    return cmd->argc > 0 && cmd->argv[0].len == strlen(name) &&
           strncasecmp(cmd->argv[0].ptr, name, cmd->argv[0].len) == 0;
}

/* The first line of a reply with its digits dropped: "*8" and "*2" are one kind. */
static void append_shape(char *out, size_t size, const dr_bytes *raw) {
    size_t n = strlen(out);
    for (size_t i = 0; i < raw->len && raw->ptr[i] != '\r' && n + 1 < size && i < 48; i++)
        if (raw->ptr[i] < '0' || raw->ptr[i] > '9') out[n++] = raw->ptr[i];
    out[n] = '\0';
}

/* What makes two divergences "the same" for --keep-going: the command (and subcommand of
 * CONFIG, COMMAND, OBJECT) and the shape of both replies. */
char *dr_signature(const dr_divergence *div) {
    char *sig = calloc(1, 256);
    ST_ASSERT(sig != NULL);
    dr_cmd_name(&div->cmd, sig, 64);
    if (div->cmd.argc > 1 && (strcmp(sig, "config") == 0 || strcmp(sig, "command") == 0 ||
                              strcmp(sig, "object") == 0)) {
        size_t n = strlen(sig);
        sig[n++] = ' ';
        for (size_t i = 0; i < div->cmd.argv[1].len && n < 100; i++)
            sig[n++] = (char)tolower((unsigned char)div->cmd.argv[1].ptr[i]);
    }
    strcat(sig, "|");
    append_shape(sig, 256, &div->reply[DR_REDIS].raw);
    strcat(sig, "|");
    append_shape(sig, 256, &div->reply[DR_STASIS].raw);
    return sig;
}

static bool is_known(const dr_ctx *ctx, const dr_cmd *cmd, dr_reply reply[DR_SERVERS]) {
    if (ctx->known.count == 0) return false;
    dr_divergence d = {.found = true, .cmd = *cmd, .reply = {reply[0], reply[1]}};
    char *sig = dr_signature(&d);
    bool known = false;
    for (size_t i = 0; i < ctx->known.count && !known; i++) known = strcmp(ctx->known.sigs[i], sig) == 0;
    free(sig);
    return known;
}

static bool is_known_element(const void *ctx, const dr_cmd *cmd, dr_reply reply[2]) {
    return is_known(ctx, cmd, reply);
}

/* Client 0's MULTI: which commands Redis queued, for EXEC's comparison. */
static void track_multi(dr_ctx *ctx, const dr_cmd *cmd, const dr_reply *redis) {
    dr_queue *q = &ctx->queue;
    q->known = is_known_element;
    q->known_context = ctx;
    if (name_is(cmd, "multi")) {
        if (!q->open) q->count = 0, q->refused = false;
        q->open = q->open || (redis->raw.len == 5 && memcmp(redis->raw.ptr, "+OK\r\n", 5) == 0);
    } else if (q->open && redis->raw.len == 9 && memcmp(redis->raw.ptr, "+QUEUED\r\n", 9) == 0 &&
               q->count < DR_QUEUE_MAX) {
        q->cmd[q->count++] = cmd;
    }
}

/* Redis took a HELLO stasis refused (HELLO 3: stasis speaks RESP2 only): client 0 of Redis
 * goes back to RESP2, uncompared, so that later replies are in one protocol. */
static void resp2_again(dr_ctx *ctx) {
    dr_reply r = dr_call_words(&ctx->server[DR_REDIS], (const char *const[]){"hello", "2"}, 2);
    dr_reply_free(&r);
}

static bool compare(dr_ctx *ctx, const dr_cmd *cmd, size_t group, dr_reply reply[DR_SERVERS],
                    dr_divergence *div) {
    dr_rule rule;
    dr_intended *which;
    ctx->stats.commands++;
    track_multi(ctx, cmd, &reply[DR_REDIS]);
    bool exec = name_is(cmd, "exec") || name_is(cmd, "discard");
    const dr_queue *queue = exec && ctx->queue.open ? &ctx->queue : NULL;
    bool queued = !exec && ctx->queue.open && !name_is(cmd, "multi");
    if (exec) ctx->queue.open = false;
    bool watch_refused = ctx->queue.watch_refused;
    if (exec || name_is(cmd, "unwatch")) ctx->queue.watch_refused = false;
    if (queue != NULL && (queue->refused || watch_refused) && name_is(cmd, "exec") &&
        dr_intended_transaction_limit(&ctx->intended, cmd, &reply[DR_REDIS], &reply[DR_STASIS]) != NULL) {
        /* Redis ran what stasis discarded: its keys are copied from stasis, as after any
         * intended difference. */
        ctx->stats.by_rule[DR_RULE_INTENDED]++;
        for (size_t i = 0; i < queue->count; i++) dr_resync(ctx, queue->cmd[i]);
        for (int s = 0; s < DR_SERVERS; s++) dr_reply_free(&reply[s]);
        return true;
    }
    if (dr_agree(cmd, &reply[DR_REDIS], &reply[DR_STASIS], &ctx->intended, queue, &rule, &which)) {
        ctx->stats.by_rule[rule]++;
        bool redis_accepted = reply[DR_REDIS].raw.len > 0 && reply[DR_REDIS].raw.ptr[0] != '-';
        /* Inside MULTI a refusal only marks the transaction: resyncing now would be queued
         * on Redis; EXEC's entry resyncs the keys of the whole transaction instead. */
        if (rule == DR_RULE_INTENDED && redis_accepted && queued) ctx->queue.refused = true;
        else if (rule == DR_RULE_INTENDED && redis_accepted && name_is(cmd, "hello")) resp2_again(ctx);
        else if (rule == DR_RULE_INTENDED && redis_accepted && name_is(cmd, "watch")) {
            ctx->queue.watch_refused = true; /* EXEC aborts on stasis (cmd_multi.c) */
            dr_resync(ctx, cmd);
        }
        else if (rule == DR_RULE_INTENDED && redis_accepted) dr_resync(ctx, cmd);
        for (int s = 0; s < DR_SERVERS; s++) dr_reply_free(&reply[s]);
        return true;
    }
    if (is_known(ctx, cmd, reply)) { /* an open regression case records it already */
        ctx->stats.known_open++;
        for (int s = 0; s < DR_SERVERS; s++) dr_reply_free(&reply[s]);
        return true;
    }
    if (div != NULL) {
        div->found = true;
        div->group = group;
        dr_cmd_copy(&div->cmd, cmd);
        for (int s = 0; s < DR_SERVERS; s++) div->reply[s] = reply[s];
    } else {
        for (int s = 0; s < DR_SERVERS; s++) dr_reply_free(&reply[s]);
    }
    return false;
}

static bool is_closed(const dr_reply *r) { return r->closed; }

static bool run_batch(dr_ctx *ctx, batch *b, dr_divergence *div) {
    if (b->count == 0) return true;
    dr_reply *replies = calloc(b->count * DR_SERVERS, sizeof *replies);
    ST_ASSERT(replies != NULL);
    for (int s = 0; s < DR_SERVERS; s++) {
        for (size_t i = 0; i < b->count; i++) dr_send(&ctx->server[s], 0, b->cmd[i]);
        dr_flush(&ctx->server[s], 0);
    }
    for (int s = 0; s < DR_SERVERS; s++) {
        for (size_t i = 0; i < b->count; i++) {
            dr_reply *r = &replies[i * DR_SERVERS + (size_t)s];
            dr_read(&ctx->server[s], 0, r);
            if (is_closed(r) && i + 1 < b->count) {
                /* The rest of the batch was never answered: each is "(closed)". */
                for (size_t j = i + 1; j < b->count; j++) {
                    dr_reply *rest = &replies[j * DR_SERVERS + (size_t)s];
                    rest->raw.ptr = strdup("(closed)");
                    rest->raw.len = 8;
                    rest->closed = true;
                }
                break;
            }
        }
    }
    bool ok = true;
    for (size_t i = 0; i < b->count; i++) {
        if (ok) ok = compare(ctx, b->cmd[i], b->group[i], &replies[i * DR_SERVERS], div);
        else for (int s = 0; s < DR_SERVERS; s++) dr_reply_free(&replies[i * DR_SERVERS + (size_t)s]);
    }
    free(replies);
    b->count = 0;
    b->bytes = 0;
    return ok;
}

/* ---- full SCAN iterations --------------------------------------------------------------- */

static int cmp_bytes(const void *x, const void *y) {
    const dr_bytes *a = x, *b = y;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->ptr, b->ptr, n);
    return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
}

/* The reply a whole iteration gives: its sorted, de-duplicated keys as one RESP array (or
 * the first call's reply when that is not a [cursor, keys] pair). */
static void synthesize(dr_bytes *keys, size_t count, dr_reply *out) {
    qsort(keys, count, sizeof keys[0], cmp_bytes);
    size_t size = 32, unique = 0;
    for (size_t i = 0; i < count; i++) size += keys[i].len + 32;
    char *raw = malloc(size);
    ST_ASSERT(raw != NULL);
    size_t n = 0;
    for (size_t i = 0; i < count; i++) unique += i == 0 || cmp_bytes(&keys[i - 1], &keys[i]) != 0;
    n += (size_t)snprintf(raw + n, size - n, "*%zu\r\n", unique);
    for (size_t i = 0; i < count; i++) {
        if (i > 0 && cmp_bytes(&keys[i - 1], &keys[i]) == 0) continue;
        n += (size_t)snprintf(raw + n, size - n, "$%zu\r\n", keys[i].len);
        memcpy(raw + n, keys[i].ptr, keys[i].len);
        n += keys[i].len;
        memcpy(raw + n, "\r\n", 2);
        n += 2;
    }
    redisReader *reader = redisReaderCreate();
    void *value = NULL;
    ST_ASSERT(redisReaderFeed(reader, raw, n) == REDIS_OK);
    ST_ASSERT(redisReaderGetReply(reader, &value) == REDIS_OK && value != NULL);
    redisReaderFree(reader);
    out->raw.ptr = raw;
    out->raw.len = n;
    out->value = value;
}

static bool scan_pair(const redisReply *r) {
    return r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
           r->element[0]->type == REDIS_REPLY_STRING && r->element[1]->type == REDIS_REPLY_ARRAY;
}

/* The calls after the first of a full iteration: the same options but COUNT, which is
 * 100000 (only the set of keys is compared, and stasis's table of 2 x keys_max slots would
 * take thousands of calls with the generated COUNT). */
static void follow_up(const dr_cmd *cmd, dr_cmd *out) {
    out->argc = 0;
    for (int i = 0; i < cmd->argc; i++) {
        bool count = i >= 2 && cmd->argv[i].len == 5 && strncasecmp(cmd->argv[i].ptr, "count", 5) == 0;
        if (count) {
            i++;
            continue;
        }
        dr_cmd_add(out, cmd->argv[i].ptr, cmd->argv[i].len);
    }
    ST_ASSERT(out->argc + 2 <= DR_ARGS_MAX);
    dr_cmd_adds(out, "count");
    dr_cmd_adds(out, "100000");
}

/* SCAN 0 [options] iterated to cursor 0 on one server: the first call is the command as
 * generated, the rest follow_up(). */
static void scan_all(dr_server *server, const dr_cmd *cmd, dr_reply *out) {
    dr_cmd step;
    dr_cmd_copy(&step, cmd);
    dr_bytes *keys = NULL;
    size_t count = 0;
    for (long calls = 0;; calls++) {
        dr_reply r;
        dr_send(server, 0, &step);
        dr_flush(server, 0);
        dr_read(server, 0, &r);
        if (!scan_pair(r.value) || calls == DR_SCAN_CALLS_MAX) { /* an error, or no end */
            for (size_t i = 0; i < count; i++) free(keys[i].ptr);
            free(keys);
            dr_cmd_free(&step);
            *out = r;
            return;
        }
        const redisReply *list = r.value->element[1];
        keys = realloc(keys, (count + list->elements + 1) * sizeof keys[0]);
        ST_ASSERT(keys != NULL);
        for (size_t i = 0; i < list->elements; i++) {
            const redisReply *k = list->element[i];
            size_t len = k->type == REDIS_REPLY_STRING ? k->len : 0;
            keys[count].ptr = malloc(len + 1);
            ST_ASSERT(keys[count].ptr != NULL);
            if (len > 0) memcpy(keys[count].ptr, k->str, len);
            keys[count++].len = len;
        }
        bool end = strcmp(r.value->element[0]->str, "0") == 0;
        if (calls == 0) {
            dr_cmd_free(&step);
            follow_up(cmd, &step);
        }
        free(step.argv[1].ptr);
        step.argv[1].ptr = strdup(r.value->element[0]->str);
        step.argv[1].len = strlen(step.argv[1].ptr);
        dr_reply_free(&r);
        if (end) break;
    }
    synthesize(keys, count, out);
    for (size_t i = 0; i < count; i++) free(keys[i].ptr);
    free(keys);
    dr_cmd_free(&step);
}

static bool is_full_scan(const dr_cmd *cmd) {
    return name_is(cmd, "scan") && cmd->argc >= 2 && cmd->argv[1].len == 1 && cmd->argv[1].ptr[0] == '0';
}

static void settle(dr_ctx *ctx) {
    dr_cmd scan = {0};
    dr_cmd_adds(&scan, "scan");
    dr_cmd_adds(&scan, "0");
    for (int s = 0; s < DR_SERVERS; s++) {
        dr_reply r;
        scan_all(&ctx->server[s], &scan, &r);
        dr_reply_free(&r);
    }
    dr_cmd_free(&scan);
}

/* ---- steps ------------------------------------------------------------------------------ */

typedef struct {
    batch b;
    deferred waiting[DR_DEFERRED_MAX];
    size_t waiting_count;
} runner;

/* A command of client 0 that cannot share a pipeline: it closes the connection, is really
 * several calls, or is EXEC (after a transaction limit its keys are resynchronised, which
 * must happen before the next command runs). */
static bool runs_alone(const dr_cmd *cmd) {
    return is_full_scan(cmd) || name_is(cmd, "quit") || name_is(cmd, "exec");
}

/* Client 0's connection ended (QUIT, or closed after a request at a protocol limit): its
 * MULTI and WATCH end with it, on both servers, so EXEC's tracking starts again. */
static void connection_ended(dr_ctx *ctx) {
    ctx->queue.open = false;
    ctx->queue.watch_refused = false;
}

static bool run_alone(dr_ctx *ctx, const dr_step *step, size_t group, dr_divergence *div) {
    dr_reply reply[DR_SERVERS];
    if (step->client == 0 && is_full_scan(&step->cmd)) {
        for (int s = 0; s < DR_SERVERS; s++) scan_all(&ctx->server[s], &step->cmd, &reply[s]);
        return compare(ctx, &step->cmd, group, reply, div);
    }
    for (int s = 0; s < DR_SERVERS; s++) {
        dr_send(&ctx->server[s], step->client, &step->cmd);
        dr_flush(&ctx->server[s], step->client);
        dr_read(&ctx->server[s], step->client, &reply[s]);
        /* QUIT answers, then closes: the next command opens a new connection. */
        if (!reply[s].closed && name_is(&step->cmd, "quit")) dr_server_drop(&ctx->server[s], step->client);
    }
    if (step->client == 0 && name_is(&step->cmd, "quit")) connection_ended(ctx);
    return compare(ctx, &step->cmd, group, reply, div);
}

/* ---- blocking pops and requests at a protocol limit ------------------------------------ */

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* How long a blocking pop may take to answer: its timeout (BLMPOP's first argument, the
 * others' last) waited out when it is a number of at most DR_BLOCK_WAITED_OUT_S seconds. */
static int block_wait_ms(const dr_cmd *cmd) {
    int at = name_is(cmd, "blmpop") ? 1 : cmd->argc - 1;
    if (at < 1 || at >= cmd->argc || cmd->argv[at].len == 0) return DR_BLOCK_WAIT_MS;
    char *end = NULL;
    double s = strtod(cmd->argv[at].ptr, &end);
    bool whole = end == cmd->argv[at].ptr + cmd->argv[at].len;
    if (!whole || !isfinite(s) || s <= 0 || s > DR_BLOCK_WAITED_OUT_S) return DR_BLOCK_WAIT_MS;
    return (int)(s * 1000) + 500;
}

static void set_blocked(dr_reply *reply) {
    *reply = (dr_reply){.raw = {strdup("(blocked)"), 9}};
    ST_ASSERT(reply->raw.ptr != NULL);
}

/* A blocking pop on client 1: its reply, or "(blocked)" on a server that did not answer in
 * time; then client 1 closes on both (a blocked wait ends with its connection, as kv_ops's
 * harness drops the request of a pop that blocked). */
static bool run_block(dr_ctx *ctx, const dr_step *step, size_t group, dr_divergence *div) {
    dr_reply reply[DR_SERVERS];
    bool answered[DR_SERVERS];
    for (int s = 0; s < DR_SERVERS; s++) {
        dr_send(&ctx->server[s], 1, &step->cmd);
        dr_flush(&ctx->server[s], 1);
    }
    int wait = block_wait_ms(&step->cmd);
    for (int s = 0; s < DR_SERVERS; s++) answered[s] = dr_read_within(&ctx->server[s], 1, wait, &reply[s]);
    for (int s = 0; s < DR_SERVERS; s++)
        if (!answered[s] && answered[1 - s])
            answered[s] = dr_read_within(&ctx->server[s], 1, DR_BLOCK_ANSWER_MS, &reply[s]);
    bool blocked = false;
    for (int s = 0; s < DR_SERVERS; s++) {
        if (!answered[s]) set_blocked(&reply[s]);
        blocked = blocked || !answered[s];
        dr_server_drop(&ctx->server[s], 1);
    }
    if (blocked) sleep_ms(DR_BLOCK_CLOSE_MS);
    return compare(ctx, &step->cmd, group, reply, div);
}

/* A request at a protocol limit, alone on client 0 (as multibulk or as an inline line);
 * client 0 then closes on both: past the limit the server closes it (Redis only where it
 * has the limit), so both go on from a new connection. */
static bool run_limit(dr_ctx *ctx, const dr_step *step, size_t group, dr_divergence *div) {
    dr_reply reply[DR_SERVERS];
    for (int s = 0; s < DR_SERVERS; s++) {
        if (step->kind == DR_STEP_INLINE) dr_send_inline(&ctx->server[s], 0, &step->cmd);
        else dr_send(&ctx->server[s], 0, &step->cmd);
        dr_flush(&ctx->server[s], 0);
        dr_read(&ctx->server[s], 0, &reply[s]);
        dr_server_drop(&ctx->server[s], 0);
    }
    bool ok = compare(ctx, &step->cmd, group, reply, div);
    connection_ended(ctx);
    return ok;
}

static bool collect(dr_ctx *ctx, runner *r, dr_divergence *div) {
    bool ok = true;
    for (size_t i = 0; i < r->waiting_count; i++) {
        dr_reply reply[DR_SERVERS];
        for (int s = 0; s < DR_SERVERS; s++) dr_read(&ctx->server[s], r->waiting[i].client, &reply[s]);
        if (ok) ok = compare(ctx, r->waiting[i].cmd, r->waiting[i].group, reply, div);
        else for (int s = 0; s < DR_SERVERS; s++) dr_reply_free(&reply[s]);
    }
    r->waiting_count = 0;
    return ok;
}

/* DBSIZE and INFO count keys whose time has passed until something deletes them, and when
 * that happens differs between two servers (Redis's active expiry runs ten times a second;
 * Redis 7.0 even stores a SET whose PXAT is past, and deletes it at its next cycle). So each
 * runs after a settle: a full SCAN on both, uncompared, which deletes every expired key on
 * both (lazy expiry). How promptly stasis expires keys is not measured here. */
static bool counts_keys(const dr_cmd *cmd) { return name_is(cmd, "dbsize") || name_is(cmd, "info"); }

static bool run_step(dr_ctx *ctx, runner *r, const dr_step *step, size_t group, dr_divergence *div) {
    if (step->kind == DR_STEP_CMD && step->client == 0 && counts_keys(&step->cmd)) {
        if (!run_batch(ctx, &r->b, div)) return false;
        if (!ctx->queue.open) settle(ctx); /* inside MULTI the SCANs would be queued */
    }
    if (step->kind == DR_STEP_CMD && step->client == 0 && !runs_alone(&step->cmd)) {
        size_t bytes = 16;
        for (int i = 0; i < step->cmd.argc; i++) bytes += step->cmd.argv[i].len + 16;
        size_t most = ctx->batch_commands_max ? ctx->batch_commands_max : DR_BATCH_COMMANDS_MAX;
        ST_ASSERT(most <= DR_BATCH_COMMANDS_MAX);
        if (r->b.count == most || r->b.bytes + bytes > DR_BATCH_BYTES_MAX)
            if (!run_batch(ctx, &r->b, div)) return false;
        r->b.cmd[r->b.count] = &step->cmd;
        r->b.group[r->b.count++] = group;
        r->b.bytes += bytes;
        return true;
    }
    if (!run_batch(ctx, &r->b, div)) return false;
    switch (step->kind) {
    case DR_STEP_CMD: return run_alone(ctx, step, group, div);
    case DR_STEP_DEFER:
        ST_ASSERT(r->waiting_count < DR_DEFERRED_MAX);
        for (int s = 0; s < DR_SERVERS; s++) {
            dr_send(&ctx->server[s], step->client, &step->cmd);
            dr_flush(&ctx->server[s], step->client);
        }
        r->waiting[r->waiting_count++] = (deferred){&step->cmd, step->client, group};
        return true;
    case DR_STEP_COLLECT: return collect(ctx, r, div);
    case DR_STEP_SLEEP: sleep_ms(step->sleep_ms); return true;
    case DR_STEP_SETTLE: settle(ctx); return true;
    case DR_STEP_BLOCK: return run_block(ctx, step, group, div);
    case DR_STEP_LIMIT:
    case DR_STEP_INLINE: return run_limit(ctx, step, group, div);
    }
    return true;
}

bool dr_run(dr_ctx *ctx, const dr_seq *seq, dr_divergence *div) {
    runner *r = calloc(1, sizeof *r);
    ST_ASSERT(r != NULL);
    if (div != NULL) memset(div, 0, sizeof *div);
    bool ok = true;
    for (size_t g = 0; g < seq->count && ok; g++)
        for (size_t s = 0; s < seq->groups[g].count && ok; s++)
            ok = run_step(ctx, r, &seq->groups[g].steps[s], g, div);
    if (ok) ok = run_batch(ctx, &r->b, div);
    if (ok) ok = collect(ctx, r, div);
    free(r);
    return ok;
}

/* Sends words on client 0 and returns the reply's bytes' first char ('+', '-', ...). */
static char call_words(dr_server *server, const char *const *words, int count) {
    dr_reply r = dr_call_words(server, words, count);
    char kind = r.raw.len > 0 ? r.raw.ptr[0] : '?';
    if (kind == '-') fprintf(stderr, "diff_redis: %s: %s answered %s", server->name, words[0], r.raw.ptr);
    dr_reply_free(&r);
    return kind;
}

void dr_authenticate(dr_ctx *ctx, int server) {
    if (ctx->password != NULL && (server == DR_STASIS || ctx->redis_password_set))
        call_words(&ctx->server[server], (const char *const[]){"auth", ctx->password}, 2);
}

void dr_reset(dr_ctx *ctx) {
    ctx->queue.open = false;
    ctx->queue.watch_refused = false;
    for (int s = 0; s < DR_SERVERS; s++) {
        dr_server_disconnect(&ctx->server[s]);
        dr_authenticate(ctx, s);
        if (call_words(&ctx->server[s], (const char *const[]){"flushall"}, 1) != '+') exit(2);
    }
    if (ctx->password == NULL) return;
    /* Redis requires the password stasis was started with; the sequence starts on new,
     * unauthenticated connections, as kv_ops's session does. */
    if (call_words(&ctx->server[DR_REDIS], (const char *const[]){"config", "set", "requirepass", ctx->password}, 4) != '+')
        exit(2);
    ctx->redis_password_set = true;
    for (int s = 0; s < DR_SERVERS; s++) dr_server_disconnect(&ctx->server[s]);
}

void dr_forget_password(dr_ctx *ctx) {
    if (!ctx->redis_password_set) return;
    dr_server_disconnect(&ctx->server[DR_REDIS]);
    dr_authenticate(ctx, DR_REDIS);
    call_words(&ctx->server[DR_REDIS], (const char *const[]){"config", "set", "requirepass", ""}, 4);
    ctx->redis_password_set = false;
}

void dr_divergence_free(dr_divergence *div) {
    if (!div->found) return;
    dr_cmd_free(&div->cmd);
    for (int s = 0; s < DR_SERVERS; s++) dr_reply_free(&div->reply[s]);
    div->found = false;
}

/* ---- shrinking -------------------------------------------------------------------------- */

typedef struct {
    dr_ctx *ctx;
    const dr_seq *seq;
    char *target; /* the diverging command's line */
    long trials;
} shrinker;

/* Whether the groups listed in keep (indices into seq), run on fresh servers, diverge at a
 * command with the same text. */
static bool still_diverges(shrinker *sh, const size_t *keep, size_t count) {
    dr_seq sub = {0};
    sub.groups = malloc((count + 1) * sizeof sub.groups[0]);
    ST_ASSERT(sub.groups != NULL);
    for (size_t i = 0; i < count; i++) sub.groups[i] = sh->seq->groups[keep[i]];
    sub.count = sub.capacity = count;
    dr_stats saved = sh->ctx->stats;
    dr_reset(sh->ctx);
    dr_divergence div;
    bool diverged = !dr_run(sh->ctx, &sub, &div);
    bool same = false;
    if (diverged) {
        char *line = dr_cmd_line(&div.cmd);
        same = strcmp(line, sh->target) == 0;
        free(line);
        dr_divergence_free(&div);
    }
    sh->ctx->stats = saved;
    sh->trials++;
    free(sub.groups);
    return same;
}

/* Delta debugging (Zeller's ddmin) over groups: drop chunks while the divergence stays. */
static size_t ddmin(shrinker *sh, size_t *keep, size_t count) {
    size_t parts = 2;
    size_t *trial = malloc(count * sizeof *trial);
    ST_ASSERT(trial != NULL);
    while (count >= 2 && sh->trials < DR_SHRINK_TRIALS_MAX) {
        size_t chunk = (count + parts - 1) / parts;
        bool reduced = false;
        for (size_t start = 0; start < count && !reduced; start += chunk) {
            size_t n = 0;
            for (size_t i = 0; i < count; i++)
                if (i < start || i >= start + chunk) trial[n++] = keep[i];
            if (n > 0 && still_diverges(sh, trial, n)) {
                memcpy(keep, trial, n * sizeof *trial);
                count = n;
                parts = parts > 2 ? parts - 1 : 2;
                reduced = true;
            }
        }
        if (!reduced) {
            if (parts >= count) break;
            parts = parts * 2 < count ? parts * 2 : count;
        }
    }
    free(trial);
    return count;
}

static void copy_group(dr_seq *dst, const dr_group *g) {
    dr_group *out = dr_seq_new_group(dst);
    for (size_t s = 0; s < g->count; s++) {
        const dr_step *in = &g->steps[s];
        dr_step *step = dr_group_add(out, in->kind, in->client);
        step->sleep_ms = in->sleep_ms;
        dr_cmd_copy(&step->cmd, &in->cmd);
    }
}

dr_seq dr_shrink(dr_ctx *ctx, const dr_seq *seq, const dr_divergence *div) {
    ST_ASSERT(div->found);
    ST_ASSERT(div->group < seq->count);
    shrinker sh = {ctx, seq, dr_cmd_line(&div->cmd), 0};
    size_t count = div->group + 1;
    size_t *keep = malloc(count * sizeof *keep);
    ST_ASSERT(keep != NULL);
    for (size_t i = 0; i < count; i++) keep[i] = i;
    dr_seq out = {0};
    if (!still_diverges(&sh, keep, count)) {
        /* Not reproducible from a fresh start (timing): the whole prefix is the case. */
        fprintf(stderr, "diff_redis: the divergence did not recur on fresh servers; not shrunk\n");
    } else {
        count = ddmin(&sh, keep, count);
    }
    for (size_t i = 0; i < count; i++) copy_group(&out, &seq->groups[keep[i]]);
    free(keep);
    free(sh.target);
    return out;
}

/* ---- the report ------------------------------------------------------------------------- */

static uint32_t fnv1a(const char *text, size_t len) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)text[i]) * 16777619u;
    return h;
}

static void write_case(FILE *out, const dr_seq *seq, const dr_divergence *div, const char *origin) {
    fprintf(out, "# diff-redis: redis-server 7.0 and stasis-kv answered the last command differently.\n");
    fprintf(out, "# found by: %s; %zu command(s) after shrinking\n", origin, dr_seq_commands(seq));
    fprintf(out, "# open: not yet fixed in stasis (delete this line once it is)\n");
    for (size_t g = 0; g < seq->count; g++)
        for (size_t s = 0; s < seq->groups[g].count; s++) dr_print_step(out, &seq->groups[g].steps[s]);
    for (int s = 0; s < DR_SERVERS; s++) {
        fprintf(out, "# %-6s ", s == DR_REDIS ? "redis:" : "stasis:");
        dr_print_escaped(out, div->reply[s].raw.ptr, div->reply[s].raw.len);
        fputc('\n', out);
    }
}

void dr_report(dr_ctx *ctx, const dr_seq *seq, const dr_divergence *div, const char *origin,
               const char *dir, char *path_out, size_t path_size) {
    (void)ctx;
    char *text = NULL;
    size_t text_len = 0;
    FILE *mem = open_memstream(&text, &text_len);
    ST_ASSERT(mem != NULL);
    write_case(mem, seq, div, origin);
    fclose(mem);
    printf("DIVERGENCE\n%s", text);
    path_out[0] = '\0';
    if (dir != NULL) {
        char name[64];
        dr_cmd_name(&div->cmd, name, sizeof name);
        /* The name hides the origin line: the same case found twice is saved once. */
        const char *body = strchr(strchr(text, '\n') + 1, '\n') + 1;
        snprintf(path_out, path_size, "%s/%s-%08x.txt", dir, name,
                 fnv1a(body, text_len - (size_t)(body - text)));
        FILE *f = fopen(path_out, "w");
        if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
            fprintf(stderr, "diff_redis: cannot write %s\n", path_out);
            exit(2);
        }
        printf("saved: %s\n", path_out);
    }
    free(text);
}
