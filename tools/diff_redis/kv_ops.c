/* `replay_kv_ops --describe --quiet FILE` text as a sequence. The header's
 * `reply_size_max=N` and the operation lines (`#N ...`) are read; other header lines of any
 * wording are skipped, so the decoder's rework on another branch does not break this.
 * Every operation kv_ops draws becomes what it sends (fuzz_kv_ops.c: run_checked):
 *   - a command (`"cmd" "arg"...`; an argument `<N filler bytes>` is N bytes 'f', the
 *     target's filler) is sent on client 0; a blocking pop outside MULTI is a DR_STEP_BLOCK;
 *   - `at reply_size_max D: RPUSH "k" <A elements of L bytes, B of L+1>, LRANGE 0 -1, LPOP C`
 *     is those three commands (the B longer elements first, as run_at_limit builds them);
 *   - `a request of FORM at its limit D (key "k")` is the request run_protocol_limit builds,
 *     at stasis's own limit (CONFIG GET: command_args_max, proto-max-bulk-len,
 *     inline_size_max) rather than the target's: Redis's least proto-max-bulk-len is 1 MiB
 *     and its inline limit a fixed 64 KiB, and ci/diff-redis starts stasis with those;
 *   - the transactions (`[WATCH ...;] [write;] [UNWATCH;] MULTI; the next N operations
 *     queued ...; EXEC|DISCARD`) are that sequence, queueing the next N operations while each
 *     is one run_txn queues (a command the model answers byte for byte), EXEC only when
 *     reply_size_max is at most DR_KV_OPS_EXEC_ROOM_BYTES (run_txn DISCARDs otherwise);
 *   - the transaction errors (`EXEC without MULTI`, ...) are run_txn_error's commands.
 * The fuzz target's clock is simulated; here it is real time, so:
 *   - a clock step is slept for real, but only once some key may have a TTL (before that it
 *     changes nothing either server can show), and DR_CLOCK_MARGIN_MS longer than the step:
 *     fuzz inputs put deadlines exactly on clock steps ("PEXPIRE k 100", "clock +100 ms"),
 *     an instant at which two real servers a few milliseconds apart would race;
 *   - active expiry, and every DBSIZE once a TTL may be pending, become a settle step (a
 *     full SCAN on both, uncompared: lazy expiry removes every expired key on both, so
 *     counts do not depend on when each server's active expiry ran);
 *   - SCAN steps become one full iteration with the same options (cursors differ by design).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dr.h"

#define DR_CLOCK_MARGIN_MS 25
#define DR_KV_OPS_FILLER_BYTE 'f' /* fuzz_kv_ops.c's filler bytes */
/* fuzz_kv_ops.c's REPLY_CAPACITY_BYTES: run_txn EXECs only when reply_size_max fits it. */
#define DR_KV_OPS_EXEC_ROOM_BYTES (128 * 1024)

typedef struct {
    dr_seq *seq;
    const dr_kv_limits *limits;
    bool ttl_pending;
    unsigned long reply_size_max;
    char **ops; /* the operation lines, "#N " cut */
    size_t count;
} loader;

static bool sets_ttl(const dr_cmd *cmd) {
    static const char *const names[] = {"expire", "pexpire", "expireat", "pexpireat", "setex",
                                        "psetex", "getex"};
    static const char *const options[] = {"ex", "px", "exat", "pxat"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(cmd->argv[0].ptr, names[i]) == 0) return true;
    for (int a = 1; a < cmd->argc; a++)
        for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
            if (strcasecmp(cmd->argv[a].ptr, options[i]) == 0) return true;
    return false;
}

static bool named(const dr_cmd *cmd, const char *const *names, size_t count) {
    for (size_t i = 0; i < count; i++)
        if (cmd->argc > 0 && strcasecmp(cmd->argv[0].ptr, names[i]) == 0) return true;
    return false;
}

/* Past a quoted word starting at p ('"'): the character after its closing quote. */
static const char *quoted_end(const char *p) {
    for (p++; *p != '\0' && *p != '"'; p++)
        if (*p == '\\' && p[1] != '\0') p++;
    return *p == '"' ? p + 1 : NULL;
}

/* Words of describe's text: quoted words, and `<N filler bytes>`. A word describe cut
 * (`"..."... (N more bytes)`) is not a word: -1, as for anything malformed. */
static int kv_words(const char *p, dr_cmd *cmd) {
    int words = 0;
    for (;;) {
        while (*p == ' ') p++;
        if (*p == '\0' || *p == ';' || *p == ',') return words;
        size_t n = 0;
        int used = 0;
        if (sscanf(p, "<%zu filler bytes>%n", &n, &used) == 1 && used > 0) {
            if (cmd->argc == DR_ARGS_MAX) return -1;
            char *filler = malloc(n + 1);
            ST_ASSERT(filler != NULL);
            memset(filler, DR_KV_OPS_FILLER_BYTE, n);
            dr_cmd_add(cmd, filler, n);
            free(filler);
            p += used;
        } else if (*p == '"') {
            const char *end = quoted_end(p);
            if (end == NULL || (*end != '\0' && *end != ' ' && *end != ';' && *end != ',')) return -1;
            char *word = strndup(p, (size_t)(end - p));
            ST_ASSERT(word != NULL);
            int got = cmd->argc == DR_ARGS_MAX ? -1 : dr_parse_words(word, cmd);
            free(word);
            if (got != 1) return -1;
            p = end;
        } else {
            return -1;
        }
        words++;
    }
}

/* A command line of describe (`"cmd" ...`) into cmd; false when it is not one. */
static bool command_line(const char *op, dr_cmd *cmd) {
    cmd->argc = 0;
    if (op[0] == '"' && kv_words(op, cmd) > 0) return true;
    dr_cmd_free(cmd);
    return false;
}

static void add_cmd(loader *L, dr_group *g, dr_step_kind kind, const dr_cmd *cmd) {
    L->ttl_pending = L->ttl_pending || sets_ttl(cmd);
    dr_cmd_copy(&dr_group_add(g, kind, 0)->cmd, cmd);
}

/* ---- transactions (run_txn, run_txn_error) --------------------------------------------- */

static void add_word(dr_group *g, const char *word) {
    dr_cmd_adds(&dr_group_add(g, DR_STEP_CMD, 0)->cmd, word);
}

/* Whether run_txn queues this operation: a command the model answers byte for byte (not
 * the unmodelled INFO/CONFIG/COMMAND, whose CONFIG SET and COMMAND GETKEYS grammars are
 * modelled, nor the inexact KEYS, SCAN, RANDOMKEY, OBJECT, QUIT). */
static bool queueable(const char *op, dr_cmd *cmd) {
    static const char *const never[] = {"info", "keys", "scan", "randomkey", "object", "quit"};
    if (!command_line(op, cmd)) return false;
    bool grammar = cmd->argc > 1 && ((strcasecmp(cmd->argv[0].ptr, "config") == 0 &&
                                      strcasecmp(cmd->argv[1].ptr, "set") == 0) ||
                                     (strcasecmp(cmd->argv[0].ptr, "command") == 0 &&
                                      strcasecmp(cmd->argv[1].ptr, "getkeys") == 0));
    static const char *const unmodelled[] = {"config", "command"};
    if (named(cmd, never, 6) || (named(cmd, unmodelled, 2) && !grammar)) {
        dr_cmd_free(cmd);
        return false;
    }
    return true;
}

/* The end of the segment at p: its ';' outside quotes, or the end of the line. */
static const char *segment_end(const char *p) {
    for (; *p != '\0' && *p != ';'; p++) {
        if (*p == '"' && (p = quoted_end(p)) == NULL) return NULL;
        if (*p == ';' || *p == '\0') break;
    }
    return p;
}

/* One segment of a transaction line into g; "the next N operations" into *queued, and the
 * word that ends it (EXEC, or DISCARD: run_txn's choice) into *end. */
static bool txn_segment(loader *L, dr_group *g, const char *seg, unsigned *queued, const char **end) {
    dr_cmd cmd = {0};
    int used = 0;
    if (strncmp(seg, "WATCH ", 6) == 0 || seg[0] == '"') {
        if (seg[0] == 'W') dr_cmd_adds(&cmd, "watch");
        bool ok = kv_words(seg[0] == 'W' ? seg + 6 : seg, &cmd) > 0;
        if (ok) add_cmd(L, g, DR_STEP_CMD, &cmd);
        dr_cmd_free(&cmd);
        return ok;
    }
    if (strcmp(seg, "UNWATCH") == 0 || strcmp(seg, "MULTI") == 0) {
        add_word(g, seg[0] == 'U' ? "unwatch" : "multi");
        return true;
    }
    if (sscanf(seg, "the next %u operations queued%n", queued, &used) == 1 && used > 0) return true;
    if (strncmp(seg, "EXEC", 4) == 0 || strcmp(seg, "DISCARD") == 0) {
        bool exec = seg[0] == 'E' && L->reply_size_max <= DR_KV_OPS_EXEC_ROOM_BYTES;
        *end = exec ? "exec" : "discard";
        return true;
    }
    return false;
}

/* Operation i, a transaction: its commands, then the next operations it queues, then EXEC
 * or DISCARD, as one group. Returns how many operations it queued, -1 when not readable. */
static int load_txn(loader *L, size_t i) {
    dr_seq part = {0};
    dr_group *g = dr_seq_new_group(&part);
    unsigned queued = 0;
    const char *end = NULL;
    bool ok = true;
    for (const char *p = L->ops[i]; ok && *p != '\0';) {
        while (*p == ' ') p++;
        const char *e = segment_end(p);
        if (e == NULL) break;
        char *seg = strndup(p, (size_t)(e - p));
        ST_ASSERT(seg != NULL);
        ok = txn_segment(L, g, seg, &queued, &end);
        free(seg);
        p = *e == ';' ? e + 1 : e;
    }
    int n = 0;
    dr_cmd cmd = {0};
    for (; ok && end != NULL && n < (int)queued && i + 1 + (size_t)n < L->count &&
           queueable(L->ops[i + 1 + (size_t)n], &cmd); n++) {
        add_cmd(L, g, DR_STEP_CMD, &cmd);
        dr_cmd_free(&cmd);
    }
    if (ok && end != NULL) {
        add_word(g, end);
        dr_group *out = dr_seq_new_group(L->seq);
        *out = *g; /* the steps move to the sequence */
        g->steps = NULL, g->count = 0;
    }
    dr_seq_free(&part);
    return ok && end != NULL ? n : -1;
}

/* run_txn_error's commands for a form of txn_error_forms. */
static bool load_txn_error(loader *L, const char *op) {
    dr_group *g = NULL;
    if (strcmp(op, "EXEC without MULTI") == 0 || strcmp(op, "DISCARD without MULTI") == 0) {
        add_word(g = dr_seq_new_group(L->seq), op[0] == 'E' ? "exec" : "discard");
    } else if (strcmp(op, "MULTI nested") == 0) {
        g = dr_seq_new_group(L->seq);
        add_word(g, "multi");
        add_word(g, "multi");
        add_word(g, "discard");
    } else if (strncmp(op, "WATCH inside MULTI ", 19) == 0) {
        dr_cmd watch = {0};
        dr_cmd_adds(&watch, "watch");
        if (kv_words(op + 19, &watch) != 1) return dr_cmd_free(&watch), false;
        g = dr_seq_new_group(L->seq);
        add_word(g, "multi");
        add_cmd(L, g, DR_STEP_CMD, &watch);
        add_word(g, "exec");
        dr_cmd_free(&watch);
    }
    return g != NULL;
}

/* ---- the lists at reply_size_max (run_at_limit) and the protocol limits ---------------- */

static void add_filler(dr_cmd *cmd, size_t len, char byte) {
    char *bytes = malloc(len + 1);
    ST_ASSERT(bytes != NULL);
    memset(bytes, byte, len);
    dr_cmd_add(cmd, bytes, len);
    free(bytes);
}

/* The key of `... "key" ...` at the first quote of op, into cmd; the text after it. */
static const char *key_word(const char *op, dr_cmd *cmd) {
    const char *q = strchr(op, '"');
    const char *end = q == NULL ? NULL : quoted_end(q);
    if (end == NULL) return NULL;
    char *word = strndup(q, (size_t)(end - q));
    ST_ASSERT(word != NULL);
    int got = dr_parse_words(word, cmd);
    free(word);
    return got == 1 ? end : NULL;
}

static bool load_at_limit(loader *L, const char *op) {
    unsigned shorter = 0, len = 0, longer = 0, len1 = 0, count = 0;
    int used = 0;
    dr_cmd push = {0};
    dr_cmd_adds(&push, "rpush");
    const char *rest = key_word(op, &push);
    if (rest == NULL || sscanf(rest, " <%u elements of %u bytes, %u of %u>, LRANGE 0 -1, LPOP %u%n",
                               &shorter, &len, &longer, &len1, &count, &used) != 5 ||
        rest[used] != '\0' || len1 != len + 1 || 2 + shorter + longer > DR_ARGS_MAX) {
        dr_cmd_free(&push);
        return false;
    }
    for (unsigned k = 0; k < shorter + longer; k++) add_filler(&push, k < longer ? len1 : len, DR_KV_OPS_FILLER_BYTE);
    dr_group *g = dr_seq_new_group(L->seq);
    add_cmd(L, g, DR_STEP_CMD, &push);
    dr_cmd *lrange = &dr_group_add(g, DR_STEP_CMD, 0)->cmd;
    dr_cmd_adds(lrange, "lrange");
    dr_cmd_add(lrange, push.argv[1].ptr, push.argv[1].len);
    dr_cmd_adds(lrange, "0");
    dr_cmd_adds(lrange, "-1");
    dr_cmd *lpop = &dr_group_add(g, DR_STEP_CMD, 0)->cmd;
    char text[16];
    snprintf(text, sizeof text, "%u", count);
    dr_cmd_adds(lpop, "lpop");
    dr_cmd_add(lpop, push.argv[1].ptr, push.argv[1].len);
    dr_cmd_adds(lpop, text);
    dr_cmd_free(&push);
    return true;
}

/* Whether run_protocol_limit sends nothing for an inline line with this key (not one word). */
static bool not_one_word(const dr_bytes *key) {
    for (size_t k = 0; k < key->len; k++)
        if ((unsigned char)key->ptr[k] <= ' ' || key->ptr[k] == '"' || key->ptr[k] == '\'') return true;
    return key->len == 0;
}

/* `a request of FORM at its limit D (key "k")`: build_request's request at stasis's limit. */
static bool load_protocol(loader *L, const char *op) {
    char form[16];
    int delta = 0;
    dr_cmd cmd = {0};
    if (sscanf(op, "a request of %15s at its limit %d (key ", form, &delta) != 2) return false;
    dr_cmd key = {0};
    const char *rest = key_word(op, &key);
    bool ok = rest != NULL && strcmp(rest, ")") == 0;
    dr_step_kind kind = strcmp(form, "inline") == 0 ? DR_STEP_INLINE : DR_STEP_LIMIT;
    if (ok && strcmp(form, "arguments") == 0) { /* RPUSH key x x ...: args_max + delta */
        long long measure = (long long)L->limits->command_args_max + delta;
        ok = measure >= 3 && measure <= DR_ARGS_MAX;
        dr_cmd_adds(&cmd, "rpush");
        dr_cmd_add(&cmd, key.argv[0].ptr, key.argv[0].len);
        for (long long k = 2; ok && k < measure; k++) dr_cmd_adds(&cmd, "x");
    } else if (ok && strcmp(form, "bulk") == 0) { /* SET key <bulk_max + delta bytes> */
        dr_cmd_adds(&cmd, "set");
        dr_cmd_add(&cmd, key.argv[0].ptr, key.argv[0].len);
        add_filler(&cmd, (size_t)((long long)L->limits->bulk_size_max + delta), 'v');
    } else if (ok && kind == DR_STEP_INLINE) { /* "set key vvv\r\n": inline_max + delta before \n */
        size_t line = (size_t)((long long)L->limits->inline_size_max + delta);
        size_t head = 4 + key.argv[0].len + 1; /* "set key " */
        ok = line > head + 1;
        if (ok && not_one_word(&key.argv[0])) { /* run_protocol_limit sends nothing */
            dr_cmd_free(&key);
            return true;
        }
        dr_cmd_adds(&cmd, "set");
        dr_cmd_add(&cmd, key.argv[0].ptr, key.argv[0].len);
        if (ok) add_filler(&cmd, line - 1 - head, 'v'); /* the '\r' counts */
    } else {
        ok = false;
    }
    if (ok) add_cmd(L, dr_seq_new_group(L->seq), kind, &cmd);
    dr_cmd_free(&cmd);
    dr_cmd_free(&key);
    return ok;
}

/* ---- single operations ------------------------------------------------------------------ */

static bool load_command(loader *L, const char *op) {
    static const char *const blocking[] = {"blpop", "brpop", "blmove", "brpoplpush", "blmpop"};
    dr_cmd cmd = {0};
    if (!command_line(op, &cmd)) return false;
    dr_group *g = dr_seq_new_group(L->seq);
    L->ttl_pending = L->ttl_pending || sets_ttl(&cmd);
    if (L->ttl_pending && strcasecmp(cmd.argv[0].ptr, "dbsize") == 0) dr_group_add(g, DR_STEP_SETTLE, 0);
    add_cmd(L, g, named(&cmd, blocking, 5) ? DR_STEP_BLOCK : DR_STEP_CMD, &cmd);
    dr_cmd_free(&cmd);
    return true;
}

/* Operation i; returns how many operations after it it also used (a transaction's queue),
 * -1 when it is not replayable. */
static int load_op(loader *L, size_t i) {
    const char *op = L->ops[i];
    long ms = 0;
    unsigned steps = 0;
    int used = 0;
    if (sscanf(op, "clock +%ld ms%n", &ms, &used) == 1 && op[used] == '\0') {
        if (L->ttl_pending)
            dr_group_add(dr_seq_new_group(L->seq), DR_STEP_SLEEP, 0)->sleep_ms = (int)ms + DR_CLOCK_MARGIN_MS;
        return 0;
    }
    if (strcmp(op, "active expiry over every slot") == 0) {
        dr_group_add(dr_seq_new_group(L->seq), DR_STEP_SETTLE, 0);
        return 0;
    }
    const char *options = strstr(op, "options:");
    if (sscanf(op, "%u SCAN step%n", &steps, &used) == 1 && options != NULL) {
        dr_cmd *cmd = &dr_group_add(dr_seq_new_group(L->seq), DR_STEP_CMD, 0)->cmd;
        dr_cmd_adds(cmd, "scan");
        dr_cmd_adds(cmd, "0");
        return kv_words(options + strlen("options:"), cmd) >= 0 ? 0 : -1;
    }
    if (op[0] == '"') return load_command(L, op) ? 0 : -1;
    if (strncmp(op, "at reply_size_max ", 18) == 0) return load_at_limit(L, op) ? 0 : -1;
    if (strncmp(op, "a request of ", 13) == 0) return load_protocol(L, op) ? 0 : -1;
    if (strstr(op, "MULTI; the next ") != NULL) return load_txn(L, i);
    return load_txn_error(L, op) ? 0 : -1;
}

long dr_kv_ops_load(const char *path, const dr_kv_limits *limits, dr_seq *seq) {
    FILE *f = fopen(path, "r");
    if (f == NULL) return -1;
    loader L = {.seq = seq, .limits = limits, .reply_size_max = 65536};
    char *line = NULL;
    size_t size = 0;
    while (getline(&line, &size, f) >= 0) {
        line[strcspn(line, "\r\n")] = '\0';
        unsigned index = 0;
        int used = 0;
        sscanf(line, "reply_size_max=%lu", &L.reply_size_max);
        if (line[0] != '#' || sscanf(line, "#%u %n", &index, &used) != 1 || used == 0) continue;
        L.ops = realloc(L.ops, (L.count + 1) * sizeof L.ops[0]);
        ST_ASSERT(L.ops != NULL);
        L.ops[L.count] = strdup(line + used);
        ST_ASSERT(L.ops[L.count++] != NULL);
    }
    free(line);
    fclose(f);
    long skipped = 0;
    for (size_t i = 0; i < L.count; i++) {
        int more = load_op(&L, i);
        if (more < 0) fprintf(stderr, "diff_redis: %s: not replayable: #%zu %s\n", path, i, L.ops[i]);
        skipped += more < 0;
        i += more > 0 ? (size_t)more : 0;
    }
    for (size_t i = 0; i < L.count; i++) free(L.ops[i]);
    free(L.ops);
    return skipped;
}
