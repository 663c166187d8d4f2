#ifndef STASIS_DIFF_REDIS_H
#define STASIS_DIFF_REDIS_H

/*
 * diff_redis: sends the same command sequences to a real redis-server and to stasis-kv and
 * compares their replies byte for byte (tools/diff_redis/README section in the project
 * README). This header is the contract between its parts:
 *
 *   seq.c      commands, steps, groups and sequences; redis-cli-style text (print, parse)
 *   link.c     the two servers: connections (hiredis), pipelined batches, raw reply bytes
 *   compare.c  normalisation rules and the intended-differences file
 *   run.c      running a sequence against both servers, divergence reports, shrinking
 *   gen.c      the seeded generator (templates per command, arity from COMMAND INFO)
 *   offer.c    what stasis offers (COMMAND LIST/INFO, CONFIG GET); resync.c: resyncs
 *   kv_ops.c   `replay_kv_ops --describe` text as a sequence (every operation it prints)
 *   main.c     command line: --generate, --replay FILE..., --kv-ops FILE...
 *
 * It is a test tool, not part of the server: it uses malloc freely and exits on any
 * failure of its own (a server that cannot be reached, an unreadable file).
 */

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "alloc/stasis_assert.h"

/* ---- bytes and commands ---------------------------------------------------------------- */

typedef struct {
    char *ptr; /* malloc'd, NUL-terminated for convenience; may contain NULs */
    size_t len;
} dr_bytes;

#define DR_ARGS_MAX 64 /* most arguments in one generated or parsed command, name included */

typedef struct {
    int argc;
    dr_bytes argv[DR_ARGS_MAX];
} dr_cmd;

typedef enum {
    DR_STEP_CMD,    /* send on `client`, read and compare the reply */
    DR_STEP_DEFER,  /* send on `client` now, read and compare at the next DR_STEP_COLLECT */
    DR_STEP_COLLECT,/* read and compare every deferred reply, in the order sent */
    DR_STEP_SLEEP,  /* wait sleep_ms (expiry episodes, letting a blocked client register) */
    DR_STEP_SETTLE, /* a full SCAN on both servers, not compared: lazy expiry of every key */
    DR_STEP_BLOCK,  /* a blocking pop on client 1: its reply, or "(blocked)" when neither
                     * server answers in time (run.c), then client 1 closes on both */
    DR_STEP_LIMIT,  /* a request at a protocol limit, sent alone on client 0, which then
                     * closes on both servers (a protocol error ends a connection) */
    DR_STEP_INLINE, /* the same, sent as one inline line (dr_send_inline) */
} dr_step_kind;

typedef struct {
    dr_step_kind kind;
    int client; /* 0, or 1 and 2: the blocked clients of blocking episodes */
    int sleep_ms;
    dr_cmd cmd;
} dr_step;

/* A group is what shrinking keeps or drops whole: one command, or an episode whose steps
 * only mean something together (an expiry and the wait past it, a blocked client and the
 * push that wakes it, MULTI ... EXEC). */
typedef struct {
    dr_step *steps;
    size_t count;
} dr_group;

typedef struct {
    dr_group *groups;
    size_t count, capacity;
} dr_seq;

void dr_cmd_add(dr_cmd *cmd, const void *ptr, size_t len); /* appends a copy; argc < max */
void dr_cmd_adds(dr_cmd *cmd, const char *text);           /* dr_cmd_add of a C string */
void dr_cmd_free(dr_cmd *cmd);
void dr_cmd_copy(dr_cmd *dst, const dr_cmd *src);
/* The lowercased command name into out (size >= 64; truncated). */
void dr_cmd_name(const dr_cmd *cmd, char *out, size_t size);

dr_group *dr_seq_new_group(dr_seq *seq);                /* appends an empty group */
dr_step *dr_group_add(dr_group *group, dr_step_kind kind, int client);
void dr_seq_free(dr_seq *seq);
size_t dr_seq_commands(const dr_seq *seq); /* commands sent (steps of kind CMD or DEFER) */

/* Escaped text: printable ASCII as is, \" \\ \r \n \t, other bytes \xHH (the format of
 * `replay_<target> --describe`). dr_escape writes into a growing string it returns. */
char *dr_escape(const void *ptr, size_t len);
void dr_print_escaped(FILE *out, const void *ptr, size_t len);
/* The command as one line of quoted, escaped words (malloc'd): `"set" "k" "v"`. */
char *dr_cmd_line(const dr_cmd *cmd);
/* One step as a line: `"set" "k" "v"`, `@sleep 80`, `@defer 1 "blpop" "k" "0.5"`,
 * `@collect`, `@settle`, `@block "blpop" "k" "0"`, `@limit "set" "k" "vv..."`,
 * `@inline "set" "k" "vv..."`. */
void dr_print_step(FILE *out, const dr_step *step);
/* Parses one line of that format into a new group of seq (directives become their step).
 * Blank lines and lines starting with '#' are ignored (returns 0); returns 1 when a step
 * was added, -1 (and a message in err) when the line is malformed. */
int dr_parse_line(dr_seq *seq, const char *line, char *err, size_t err_size);
/* Parses `"a" "b\x00"...` (C-escaped, double-quoted words) from text into cmd. Returns
 * the number of words, -1 on a malformed word. Words may also be bare (no quotes). */
int dr_parse_words(const char *text, dr_cmd *cmd);

/* ---- the two servers -------------------------------------------------------------------- */

#define DR_CLIENTS 3
enum { DR_REDIS = 0, DR_STASIS = 1, DR_SERVERS = 2 };

typedef struct {
    const char *name; /* "redis" or "stasis" */
    const char *host;
    int port;
    redisContext *client[DR_CLIENTS];
    dr_bytes input[DR_CLIENTS]; /* bytes read from each client's socket, not yet a reply */
} dr_server;

typedef struct {
    dr_bytes raw;      /* the reply's exact bytes; "(closed)" when the server closed */
    redisReply *value; /* parsed by hiredis; NULL when closed or nested deeper than it reads */
    bool closed;
} dr_reply;

void dr_server_connect(dr_server *server, int client); /* exits on failure */
void dr_server_drop(dr_server *server, int client); /* closes one client (reopened on use) */
void dr_server_disconnect(dr_server *server);            /* closes every client */
/* Queues cmd on the client's output buffer (nothing is written yet). */
void dr_send(dr_server *server, int client, const dr_cmd *cmd);
/* Queues cmd as one inline line: its words joined by spaces, then CRLF (the caller makes
 * sure no word holds a space or a line end). */
void dr_send_inline(dr_server *server, int client, const dr_cmd *cmd);
/* Writes everything queued on the client. */
void dr_flush(dr_server *server, int client);
/* Reads one reply. A closed connection gives "(closed)" and reconnects the client. */
void dr_read(dr_server *server, int client, dr_reply *reply);
/* dr_read, if a whole reply (or the close) arrives within ms; false, reading nothing
 * whole, when none did (a blocked client). */
bool dr_read_within(dr_server *server, int client, int ms, dr_reply *reply);
/* One request and its reply on client 0 (uncompared calls: discovery, resyncs, resets). */
dr_reply dr_call(dr_server *server, const dr_cmd *cmd);
dr_reply dr_call_words(dr_server *server, const char *const *words, int count);
void dr_reply_free(dr_reply *reply);

/* ---- comparison ------------------------------------------------------------------------- */

/* Normalisation rules, counted in dr_stats. */
typedef enum {
    DR_RULE_EXACT,
    DR_RULE_TIME,
    DR_RULE_INFO,
    DR_RULE_KEYS_ORDER,
    DR_RULE_SCAN_STEP,
    DR_RULE_TTL_TOLERANCE,
    DR_RULE_HELLO,
    DR_RULE_RANDOMKEY,
    DR_RULE_CONFIG_PAIRS,
    DR_RULE_SUBCOMMAND_ORDER,
    DR_RULE_EXEC,
    DR_RULE_INTENDED,
    DR_RULES
} dr_rule;

extern const char *const dr_rule_names[DR_RULES];

typedef struct {
    char *name;
    char *command_glob; /* fnmatch over the command line (case-insensitive) */
    char *redis_glob;   /* fnmatch over redis's escaped raw reply */
    char *reply_glob;   /* fnmatch over stasis's escaped raw reply */
    char *reason;
    uint64_t hits;
    char *example; /* the first command it matched, and stasis's reply (for the summary) */
    /* Named DR_INTENDED_TRANSACTION_LIMIT: matched only by an EXEC whose MULTI had a command
     * stasis refused for one of its own limits (run.c), never by the general search. */
    bool conditional;
} dr_intended;

#define DR_INTENDED_TRANSACTION_LIMIT "transaction-limit"

typedef struct {
    dr_intended *entries;
    size_t count;
} dr_intended_set;

/* Loads the intended-differences file; exits with a message on a malformed line. */
void dr_intended_load(dr_intended_set *set, const char *path);
void dr_intended_free(dr_intended_set *set);

/* The commands client 0 queued since MULTI (those Redis answered +QUEUED): EXEC's reply
 * is compared element by element against them. */
#define DR_QUEUE_MAX 64
typedef struct {
    const dr_cmd *cmd[DR_QUEUE_MAX];
    size_t count;
    bool open;
    bool refused; /* stasis refused one for its own limit (an intended difference) */
    /* stasis refused a WATCH at watched_keys_max that Redis did: the next EXEC aborts on
     * stasis alone (the transaction-limit entry), whatever MULTI queued */
    bool watch_refused;
    /* Whether a pair of replies is a known open divergence (an open regression case), so an
     * element of EXEC's reply is judged as the same command would be alone. */
    bool (*known)(const void *context, const dr_cmd *cmd, dr_reply reply[2]);
    const void *known_context;
} dr_queue;

/* The transaction-limit entry for an EXEC after such a refusal: it matches when Redis ran
 * the transaction and stasis discarded it; NULL otherwise. Counts the hit. */
dr_intended *dr_intended_transaction_limit(dr_intended_set *set, const dr_cmd *cmd,
                                           const dr_reply *redis, const dr_reply *stasis);

/* Whether the two replies to cmd agree: exactly, after a normalisation rule, or by an
 * intended difference. *rule says which; *intended the entry when DR_RULE_INTENDED.
 * queue: what EXEC runs (NULL for other commands). */
bool dr_agree(const dr_cmd *cmd, const dr_reply *redis, const dr_reply *stasis,
              dr_intended_set *intended, const dr_queue *queue, dr_rule *rule, dr_intended **which);

/* ---- running ---------------------------------------------------------------------------- */

typedef struct {
    uint64_t commands;
    uint64_t by_rule[DR_RULES];
    uint64_t divergences;
    uint64_t resyncs;
    uint64_t known_open; /* divergences an open regression case records (--known) */
} dr_stats;

typedef struct {
    char **sigs; /* dr_signature of each open regression case */
    size_t count;
} dr_known;

typedef struct dr_offer dr_offer;

typedef struct {
    dr_server server[DR_SERVERS];
    dr_intended_set intended;
    dr_stats stats;
    const dr_offer *offer;   /* key positions, for dr_resync */
    size_t batch_commands_max; /* 1: no pipelining (a resync then precedes the next command) */
    dr_known known;
    dr_queue queue; /* client 0's MULTI */
    /* kv-ops: the input's requirepass (stasis started with it; Redis gets it at each
     * dr_reset and loses it at dr_forget_password), or NULL */
    const char *password;
    bool redis_password_set;
} dr_ctx;

/* AUTH with ctx->password on client 0 of one server, if it requires it (uncompared). */
void dr_authenticate(dr_ctx *ctx, int server);
/* Redis back to no password (kv-ops, at the end). */
void dr_forget_password(dr_ctx *ctx);

/* After an intended difference that Redis carried out (its reply was not an error): the
 * keys cmd names are copied from stasis to Redis (resync.c). */
void dr_resync(dr_ctx *ctx, const dr_cmd *cmd);

typedef struct {
    bool found;
    size_t group;   /* index of the group where it happened */
    dr_cmd cmd;     /* the command (copied) */
    dr_reply reply[DR_SERVERS];
} dr_divergence;

/* What makes two divergences "the same": the command name (and subcommand of CONFIG,
 * COMMAND, OBJECT) and the first line of both replies, digits dropped (malloc'd). */
char *dr_signature(const dr_divergence *div);

/* Runs seq on both servers from their current state; stops at the first divergence
 * (filled into *div when div is not NULL). Returns true iff none. */
bool dr_run(dr_ctx *ctx, const dr_seq *seq, dr_divergence *div);
/* FLUSHALL on both, every client reconnected (connection state reset); with a password,
 * Redis then requires it too and the clients start unauthenticated. */
void dr_reset(dr_ctx *ctx);
void dr_divergence_free(dr_divergence *div);
/* Shrinks seq (delta debugging over groups) to a smaller sequence that still diverges on
 * the same command text; returns it (fresh servers per trial: dr_reset). */
dr_seq dr_shrink(dr_ctx *ctx, const dr_seq *seq, const dr_divergence *div);
/* Prints the case as redis-cli lines and both replies; writes it to dir (when not NULL)
 * as a regression file, whose path goes to path_out. */
void dr_report(dr_ctx *ctx, const dr_seq *seq, const dr_divergence *div, const char *origin,
               const char *dir, char *path_out, size_t path_size);

/* ---- generating ------------------------------------------------------------------------- */

typedef struct {
    char name[64];
    long arity;
    long first_key, last_key, step;
} dr_offered;

struct dr_offer {
    dr_offered *commands;
    size_t count;
    char **config_params; /* stasis's CONFIG GET * names */
    char **config_values; /* and the value of each */
    size_t config_count;
};

/* Reads stasis's COMMAND LIST and COMMAND INFO, and its CONFIG GET *. */
void dr_offer_discover(dr_ctx *ctx, dr_offer *offer);
/* The same asked of one server: Redis's, where stasis's replies would pass a small
 * reply_size_max (kv_ops's inputs; the key positions of the commands both have agree). */
void dr_offer_discover_at(dr_ctx *ctx, int server, dr_offer *offer);
/* A number of one server's CONFIG GET name (0 when it has none). */
uint64_t dr_config_number(dr_ctx *ctx, int server, const char *name);
bool dr_offer_has(const dr_offer *offer, const char *name);
/* Keeps (keep) or drops (!keep) the comma-separated names of the offer. */
void dr_offer_filter(dr_offer *offer, const char *names, bool keep);
void dr_offer_free(dr_offer *offer);
/* Prints how many of Redis's @string, @keyspace and @list commands stasis lacks (and
 * which), from redis-server's COMMAND INFO. */
void dr_offer_report_missing(dr_ctx *ctx, const dr_offer *offer);

typedef struct {
    uint64_t state;
} dr_rng;

uint64_t dr_rng_next(dr_rng *rng);
uint64_t dr_rng_below(dr_rng *rng, uint64_t n); /* n > 0 */

/* Appends `groups` generated groups over the offered commands to seq. */
void dr_generate(dr_rng *rng, const dr_offer *offer, size_t groups, dr_seq *seq);

/* ---- kv_ops describe text --------------------------------------------------------------- */

/* stasis's protocol limits (its CONFIG GET), at which kv_ops's protocol-limit operations
 * are replayed: the same limits Redis has where it has them (ci/diff-redis starts both so). */
typedef struct {
    uint64_t command_args_max, bulk_size_max, inline_size_max;
} dr_kv_limits;

/* Turns `replay_kv_ops --describe --quiet` output into a sequence (kv_ops.c). Returns
 * the number of operations not replayable (reported), -1 on an unreadable file. */
long dr_kv_ops_load(const char *path, const dr_kv_limits *limits, dr_seq *seq);

#endif
