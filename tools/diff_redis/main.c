/*
 * diff_redis: differential testing of stasis-kv against redis-server (ci/diff-redis starts
 * both servers and runs this).
 *
 *   diff_redis --redis-port P --stasis-port Q --intended FILE [--save-dir DIR] MODE
 *   modes:
 *     --generate [--seed N] [--commands N] [--seconds S] [--keep-going] [--exclude A,B]
 *                [--only A,B]
 *         seeded sequences over every command stasis offers (but those --exclude names, or
 *         only the --only names: also how the tester is checked against two redis-servers);
 *         the first divergence is shrunk, printed and saved (with --keep-going: every
 *         distinct one, then exit 1); --known DIR: a divergence that an open regression
 *         case of DIR already records (same command and reply shapes) is counted as known
 *         and the sequence goes on
 *     --replay FILE...      regression files (corpus/regressions/diff/NAME.txt): a file whose
 *                           header has "# open:" must still diverge, any other must agree
 *     --kv-ops FILE...      `replay_kv_ops --describe --quiet` texts, each from fresh servers
 *                           (--known DIR as for --generate; --password P: the inputs'
 *                           requirepass, which stasis was started with and Redis is given)
 *
 * Exit 0: no unexplained divergence; 1: divergence (or a replay failure); 2: usage or a
 * failure of the tool itself.
 */
#include <ctype.h>
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dr.h"

/* Groups per generated sequence: each sequence starts from fresh servers (FLUSHALL), so a
 * divergence shrinks within at most this many groups. */
#define DR_SEQUENCE_GROUPS 300
/* Distinct divergences --keep-going collects before it stops. */
#define DR_DIVERGENCES_MAX 50

typedef struct {
    const char *host, *intended, *save_dir, *mode, *exclude, *only, *known_dir, *password;
    int ports[DR_SERVERS];
    uint64_t seed, commands;
    double seconds;
    bool keep_going;
    char **files;
    int file_count;
} options;

static void usage(void) {
    fprintf(stderr, "usage: diff_redis --redis-port P --stasis-port Q --intended FILE [--save-dir DIR]\n"
                    "         (--generate [--seed N] [--commands N] [--seconds S] [--keep-going]\n"
                    "                     [--exclude NAME,NAME...] [--only NAME,NAME...] [--known DIR]\n"
                    "          | --replay FILE... | --kv-ops [--password P] FILE...)\n");
    exit(2);
}

static void parse_args(int argc, char **argv, options *o) {
    *o = (options){.host = "127.0.0.1", .seed = 1, .commands = 10000, .seconds = 0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--generate") == 0 || strcmp(a, "--replay") == 0 || strcmp(a, "--kv-ops") == 0) {
            o->mode = a + 2;
        } else if (strcmp(a, "--keep-going") == 0) {
            o->keep_going = true;
        } else if (has_value && strcmp(a, "--redis-port") == 0) {
            o->ports[DR_REDIS] = atoi(argv[++i]);
        } else if (has_value && strcmp(a, "--stasis-port") == 0) {
            o->ports[DR_STASIS] = atoi(argv[++i]);
        } else if (has_value && strcmp(a, "--host") == 0) {
            o->host = argv[++i];
        } else if (has_value && strcmp(a, "--intended") == 0) {
            o->intended = argv[++i];
        } else if (has_value && strcmp(a, "--known") == 0) {
            o->known_dir = argv[++i];
        } else if (has_value && strcmp(a, "--password") == 0) {
            o->password = argv[++i];
        } else if (has_value && strcmp(a, "--only") == 0) {
            o->only = argv[++i];
        } else if (has_value && strcmp(a, "--exclude") == 0) {
            o->exclude = argv[++i];
        } else if (has_value && strcmp(a, "--save-dir") == 0) {
            o->save_dir = argv[++i];
        } else if (has_value && strcmp(a, "--seed") == 0) {
            o->seed = strtoull(argv[++i], NULL, 10);
        } else if (has_value && strcmp(a, "--commands") == 0) {
            o->commands = strtoull(argv[++i], NULL, 10);
        } else if (has_value && strcmp(a, "--seconds") == 0) {
            o->seconds = atof(argv[++i]);
        } else if (a[0] != '-' && o->mode != NULL && strcmp(o->mode, "generate") != 0) {
            o->files = &argv[i];
            o->file_count = argc - i;
            break;
        } else {
            fprintf(stderr, "diff_redis: unknown or incomplete argument: %s\n", a);
            usage();
        }
    }
    if (o->mode == NULL || o->intended == NULL || o->ports[0] <= 0 || o->ports[1] <= 0) usage();
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_stats(const dr_ctx *ctx, double elapsed) {
    printf("commands compared: %llu in %.1f s (%.0f commands/s); divergences: %llu\n",
           (unsigned long long)ctx->stats.commands, elapsed,
           elapsed > 0 ? (double)ctx->stats.commands / elapsed : 0.0,
           (unsigned long long)ctx->stats.divergences);
    if (ctx->known.count > 0)
        printf("known open divergences (%zu open regression cases): %llu\n", ctx->known.count,
               (unsigned long long)ctx->stats.known_open);
    printf("agreed by rule:");
    for (int r = 0; r < DR_RULES; r++)
        if (ctx->stats.by_rule[r] > 0)
            printf(" %s %llu", dr_rule_names[r], (unsigned long long)ctx->stats.by_rule[r]);
    printf("\n");
    for (size_t i = 0; i < ctx->intended.count; i++)
        if (ctx->intended.entries[i].hits > 0)
            printf("intended difference %-20s %8llu  e.g. %s\n", ctx->intended.entries[i].name,
                   (unsigned long long)ctx->intended.entries[i].hits, ctx->intended.entries[i].example);
}

/* A divergence: shrink, print, save. */
static void handle_divergence(dr_ctx *ctx, const dr_seq *seq, dr_divergence *div,
                              const char *origin, const char *save_dir) {
    dr_seq shrunk = dr_shrink(ctx, seq, div);
    /* Re-run the shrunk case for the replies it gives on its own. */
    dr_reset(ctx);
    dr_divergence again;
    dr_stats saved = ctx->stats;
    const dr_divergence *shown = dr_run(ctx, &shrunk, &again) ? div : &again;
    ctx->stats = saved;
    char path[1024];
    dr_report(ctx, &shrunk, shown, origin, save_dir, path, sizeof path);
    dr_divergence_free(&again);
    dr_seq_free(&shrunk);
}

/* Signatures of the open regression cases (their "# open:" line says stasis has not been
 * fixed yet): a generated divergence with one of them is reported as known, not failed. */
/* The last command of a regression file and its two recorded replies, as a divergence. */
static bool load_case(const char *path, dr_divergence *div, bool *open) {
    FILE *f = fopen(path, "r");
    if (f == NULL) return false;
    char *line = NULL;
    size_t size = 0;
    memset(div, 0, sizeof *div);
    *open = false;
    while (getline(&line, &size, f) >= 0) {
        dr_cmd words = {0};
        int server = strncmp(line, "# redis:", 8) == 0 ? DR_REDIS : strncmp(line, "# stasis:", 9) == 0 ? DR_STASIS : -1;
        if (strncmp(line, "# open:", 7) == 0) *open = true;
        if (server >= 0 && dr_parse_words(strchr(line, ':') + 1, &words) == 1) {
            div->reply[server].raw = words.argv[0];
            words.argc = 0; /* the bytes now belong to the reply */
        } else if (line[0] == '"' && dr_parse_words(line, &words) > 0) {
            dr_cmd_free(&div->cmd);
            div->cmd = words;
            words.argc = 0;
        }
        dr_cmd_free(&words);
    }
    free(line);
    fclose(f);
    div->found = div->cmd.argc > 0 && div->reply[0].raw.ptr != NULL && div->reply[1].raw.ptr != NULL;
    if (!div->found) { /* a case without both replies (one that must agree): nothing kept */
        dr_cmd_free(&div->cmd);
        for (int s = 0; s < DR_SERVERS; s++) free(div->reply[s].raw.ptr);
        memset(div, 0, sizeof *div);
    }
    return div->found;
}

static void load_known(const char *dir, dr_known *known) {
    DIR *d = dir != NULL ? opendir(dir) : NULL;
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".txt") != 0) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        dr_divergence div;
        bool open;
        if (load_case(path, &div, &open) && open) {
            known->sigs = realloc(known->sigs, (known->count + 1) * sizeof(char *));
            ST_ASSERT(known->sigs != NULL);
            known->sigs[known->count++] = dr_signature(&div);
        }
        dr_divergence_free(&div);
    }
    if (d != NULL) closedir(d);
}

static bool seen_before(char **seen, size_t count, const char *sig) {
    for (size_t i = 0; i < count; i++)
        if (strcmp(seen[i], sig) == 0) return true;
    return false;
}

static int run_generate(dr_ctx *ctx, const options *o) {
    dr_offer offer = {0};
    dr_offer_discover(ctx, &offer);
    ctx->offer = &offer;
    dr_offer_report_missing(ctx, &offer);
    size_t offered = offer.count;
    if (o->exclude != NULL) dr_offer_filter(&offer, o->exclude, false);
    if (o->only != NULL) dr_offer_filter(&offer, o->only, true);
    printf("stasis offers %zu commands; generating over %zu of them (seed %llu%s%s%s%s)\n", offered,
           offer.count, (unsigned long long)o->seed, o->exclude ? ", excluded: " : "",
           o->exclude ? o->exclude : "", o->only ? ", only: " : "", o->only ? o->only : "");
    char *seen[DR_DIVERGENCES_MAX];
    size_t seen_count = 0;
    load_known(o->known_dir, &ctx->known);
    double start = now_s();
    for (uint64_t sequence = 0; ctx->stats.commands < o->commands; sequence++) {
        if (o->seconds > 0 && now_s() - start >= o->seconds) break;
        dr_rng rng = {o->seed * 1000003u + sequence};
        dr_seq seq = {0};
        dr_generate(&rng, &offer, DR_SEQUENCE_GROUPS, &seq);
        dr_reset(ctx);
        dr_divergence div;
        if (!dr_run(ctx, &seq, &div)) {
            char origin[128];
            snprintf(origin, sizeof origin, "ci/diff-redis --seed %llu, sequence %llu",
                     (unsigned long long)o->seed, (unsigned long long)sequence);
            char *sig = dr_signature(&div);
            ctx->stats.divergences++;
            if (seen_before(seen, seen_count, sig)) {
                free(sig);
            } else {
                seen[seen_count++] = sig;
                handle_divergence(ctx, &seq, &div, origin, o->save_dir);
            }
            dr_divergence_free(&div);
            if (!o->keep_going || seen_count == DR_DIVERGENCES_MAX) {
                dr_seq_free(&seq);
                break;
            }
        }
        dr_seq_free(&seq);
    }
    print_stats(ctx, now_s() - start);
    printf("distinct divergences: %zu\n", seen_count);
    for (size_t i = 0; i < seen_count; i++) free(seen[i]);
    ctx->offer = NULL;
    dr_offer_free(&offer);
    return ctx->stats.divergences > 0 ? 1 : 0;
}

/* Loads a regression file; *open tells whether its header marks it as not yet fixed. */
static bool load_regression(const char *path, dr_seq *seq, bool *open) {
    FILE *f = fopen(path, "r");
    if (f == NULL) return false;
    char *line = NULL, err[160];
    size_t size = 0;
    bool ok = true;
    *open = false;
    for (unsigned number = 1; getline(&line, &size, f) >= 0; number++) {
        if (strncmp(line, "# open:", 7) == 0) *open = true;
        if (dr_parse_line(seq, line, err, sizeof err) < 0) {
            fprintf(stderr, "%s:%u: %s\n", path, number, err);
            ok = false;
        }
    }
    free(line);
    fclose(f);
    return ok;
}

static void print_divergence(const dr_divergence *div) {
    char *line = dr_cmd_line(&div->cmd);
    printf("     at %s\n     redis:  ", line);
    dr_print_escaped(stdout, div->reply[DR_REDIS].raw.ptr, div->reply[DR_REDIS].raw.len);
    printf("\n     stasis: ");
    dr_print_escaped(stdout, div->reply[DR_STASIS].raw.ptr, div->reply[DR_STASIS].raw.len);
    printf("\n");
    free(line);
}

static int run_replay(dr_ctx *ctx, const options *o) {
    int failures = 0;
    for (int i = 0; i < o->file_count; i++) {
        dr_seq seq = {0};
        bool open;
        if (!load_regression(o->files[i], &seq, &open)) {
            printf("FAIL %s: unreadable or malformed\n", o->files[i]);
            failures++;
            dr_seq_free(&seq);
            continue;
        }
        dr_reset(ctx);
        dr_divergence div;
        bool agreed = dr_run(ctx, &seq, &div);
        if (agreed && !open) printf("ok   %s\n", o->files[i]);
        else if (!agreed && open) printf("ok   %s (open: still diverges)\n", o->files[i]);
        else if (agreed) printf("FAIL %s: now agrees; delete its \"# open:\" line\n", o->files[i]);
        else printf("FAIL %s: diverges\n", o->files[i]);
        if (!agreed) print_divergence(&div);
        failures += agreed == open;
        dr_divergence_free(&div);
        dr_seq_free(&seq);
    }
    printf("replayed %d file(s), %d failure(s); %llu commands compared\n", o->file_count, failures,
           (unsigned long long)ctx->stats.commands);
    return failures > 0 ? 1 : 0;
}

static int run_kv_ops(dr_ctx *ctx, const options *o) {
    int diverged = 0;
    long skipped = 0;
    double start = now_s();
    /* Small limits: stasis refuses what Redis accepts, and each refusal is resynchronised
     * before the next command runs, so nothing is pipelined. */
    dr_offer offer = {0};
    dr_offer_discover_at(ctx, DR_REDIS, &offer); /* stasis's replies pass a small reply_size_max */
    ctx->offer = &offer;
    ctx->batch_commands_max = 1;
    load_known(o->known_dir, &ctx->known);
    ctx->password = o->password;
    dr_authenticate(ctx, DR_STASIS); /* for its CONFIG GET */
    dr_kv_limits limits = {.command_args_max = dr_config_number(ctx, DR_STASIS, "command_args_max"),
                           .bulk_size_max = dr_config_number(ctx, DR_STASIS, "proto-max-bulk-len"),
                           .inline_size_max = dr_config_number(ctx, DR_STASIS, "inline_size_max")};
    for (int i = 0; i < o->file_count; i++) {
        dr_seq seq = {0};
        long n = dr_kv_ops_load(o->files[i], &limits, &seq);
        if (n < 0) {
            fprintf(stderr, "diff_redis: cannot read %s\n", o->files[i]);
            dr_offer_free(&offer);
            return 2;
        }
        skipped += n;
        dr_reset(ctx);
        dr_divergence div;
        if (!dr_run(ctx, &seq, &div)) {
            char origin[512];
            snprintf(origin, sizeof origin, "kv_ops input %s", o->files[i]);
            ctx->stats.divergences++;
            handle_divergence(ctx, &seq, &div, origin, o->save_dir);
            dr_divergence_free(&div);
            diverged++;
        }
        dr_seq_free(&seq);
    }
    dr_forget_password(ctx);
    print_stats(ctx, now_s() - start);
    printf("kv_ops inputs: %d, diverged: %d, operations not replayable: %ld, resyncs: %llu\n",
           o->file_count, diverged, skipped, (unsigned long long)ctx->stats.resyncs);
    ctx->offer = NULL;
    dr_offer_free(&offer);
    /* A line not replayable is a failure: an operation kv_ops learns to draw must be taught
     * here (kv_ops.c), not skipped. */
    return diverged > 0 || skipped > 0 ? 1 : 0;
}

int main(int argc, char **argv) {
    options o;
    parse_args(argc, argv, &o);
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* A server closes a connection in the middle of a request past a protocol limit: the
     * write fails (EPIPE) and the reply it sent before is still read. */
    signal(SIGPIPE, SIG_IGN);
    dr_ctx *ctx = calloc(1, sizeof *ctx);
    ST_ASSERT(ctx != NULL);
    ctx->server[DR_REDIS] = (dr_server){.name = "redis", .host = o.host, .port = o.ports[DR_REDIS]};
    ctx->server[DR_STASIS] = (dr_server){.name = "stasis", .host = o.host, .port = o.ports[DR_STASIS]};
    dr_intended_load(&ctx->intended, o.intended);
    int status;
    if (strcmp(o.mode, "generate") == 0) status = run_generate(ctx, &o);
    else if (strcmp(o.mode, "replay") == 0) status = run_replay(ctx, &o);
    else status = run_kv_ops(ctx, &o);
    for (int s = 0; s < DR_SERVERS; s++) dr_server_disconnect(&ctx->server[s]);
    dr_intended_free(&ctx->intended);
    for (size_t i = 0; i < ctx->known.count; i++) free(ctx->known.sigs[i]);
    free(ctx->known.sigs);
    free(ctx);
    return status;
}
