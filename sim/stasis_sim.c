/*
 * stasis-sim: runs the real server over the simulated network with seeded clients and
 * checks it after every event (fuzz/harness/server_sim.h).
 *
 *   stasis-sim [--seed N] [--seeds COUNT] [--events-max M] [--clients K]
 *              [--honest-rate-bytes-per-s R] [--expect-check NAME] [--ignore-check NAME]
 *              [--plan]
 *              [any stasis-kv limit flag, e.g. --connections-max 16]
 *
 * Without --seed a seed is picked from the clock and printed. --seeds runs COUNT seeds from
 * N on and stops at the first failure. --expect-check NAME searches for a run failing that
 * check (other liveness checks are counted, not fatal) and exits 0 when one is found.
 * --ignore-check NAME counts runs failing that liveness check instead of failing (to survey
 * a known open bug while others are hunted) and prints how many did. Exit: 0 when every
 * run passed (or the expected check was found), 1 on a failed check (the seed and the check
 * printed), 2 on a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/server_sim.h"
#include "kv/seal.h"

typedef struct options {
    uint64_t seed;
    bool seed_given;
    uint64_t seeds;
    uint64_t events_max;
    uint32_t clients;
    uint32_t honest_rate;
    const char *expect_check;
    const char *ignore_check;
    bool plan;
} options;

static double wall_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool parse_u64(const char *text, uint64_t *out) {
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 10);
    if (end == text || *end != '\0') return false;
    *out = v;
    return true;
}

/* Returns false (message printed) on a usage error. */
static bool parse(int argc, char **argv, options *o, kv_config *config) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        uint64_t v = 0;
        if (strcmp(a, "--plan") == 0) {
            o->plan = true;
        } else if (!has_value || strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "stasis-sim: %s: expected --option value\n", a);
            return false;
        } else if (strcmp(a, "--expect-check") == 0) {
            o->expect_check = argv[++i];
        } else if (strcmp(a, "--ignore-check") == 0) {
            o->ignore_check = argv[++i];
        } else if (strcmp(a, "--seed") == 0 || strcmp(a, "--seeds") == 0 ||
                   strcmp(a, "--events-max") == 0 || strcmp(a, "--clients") == 0 ||
                   strcmp(a, "--honest-rate-bytes-per-s") == 0) {
            if (!parse_u64(argv[++i], &v)) {
                fprintf(stderr, "stasis-sim: %s: expected an integer, got '%s'\n", a, argv[i]);
                return false;
            }
            if (strcmp(a, "--seed") == 0) o->seed = v, o->seed_given = true;
            if (strcmp(a, "--seeds") == 0) o->seeds = v;
            if (strcmp(a, "--events-max") == 0) o->events_max = v;
            if (strcmp(a, "--clients") == 0) o->clients = (uint32_t)v;
            if (strcmp(a, "--honest-rate-bytes-per-s") == 0) o->honest_rate = (uint32_t)v;
        } else {
            char error[256];
            if (!kv_config_set(config, a + 2, argv[++i], error, sizeof error)) {
                fprintf(stderr, "stasis-sim: %s\n", error);
                return false;
            }
        }
    }
    char error[256];
    if (!kv_config_finalize(config, error, sizeof error)) {
        fprintf(stderr, "stasis-sim: %s\n", error);
        return false;
    }
    if (o->clients == 0 || o->clients > SIM_CLIENTS_MAX || o->honest_rate == 0) {
        fprintf(stderr, "stasis-sim: --clients must be 1..%d and the rate above 0\n",
                SIM_CLIENTS_MAX);
        return false;
    }
    return true;
}

static void print_summary(uint64_t seed, const sim_result *r, double seconds) {
    printf("seed %llu: %s\n", (unsigned long long)seed, r->failed ? "FAILED" : "passed");
    printf("  events %llu (%.0f per second), simulated time %.1f s\n",
           (unsigned long long)r->events, seconds > 0 ? (double)r->events / seconds : 0.0,
           (double)r->time_ms / 1000.0);
    printf("  commands %llu; bytes to the server %llu, to clients %llu\n",
           (unsigned long long)r->commands, (unsigned long long)r->net.bytes_to_server,
           (unsigned long long)r->net.bytes_to_clients);
    printf("  connections accepted %llu, rejected %llu; large buffer waits %llu, hold timeouts "
           "%llu\n",
           (unsigned long long)r->net.accepted, (unsigned long long)r->rejections,
           (unsigned long long)r->waits, (unsigned long long)r->large_timeouts);
    printf("  faults injected %llu (errors %llu); allocation calls after the seal %llu\n",
           (unsigned long long)r->net.faults, (unsigned long long)r->net.errors,
           (unsigned long long)r->allocation_calls);
    printf("  digest of the event log %016llx\n", (unsigned long long)r->digest);
    if (r->failed) printf("  check failed: %s: %s\n", r->check, r->detail);
}

static sim_plan plan;

int main(int argc, char **argv) {
    static kv_config config;
    sim_config_defaults(&config);
    options o = {.seeds = 1, .events_max = 200000, .clients = 24,
                 .honest_rate = SIM_HONEST_RATE_DEFAULT};
    if (!parse(argc, argv, &o, &config)) return 2;
    if (!o.seed_given) {
        o.seed = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 20);
        printf("stasis-sim: no --seed given, picked --seed %llu\n", (unsigned long long)o.seed);
    }
    seal_arm(); /* the simulation maps nothing but the server's reservation */
    double start = wall_s();
    uint64_t events = 0;
    uint64_t ignored_runs = 0;
    for (uint64_t n = 0; n < o.seeds; n++) {
        uint64_t seed = o.seed + n;
        sim_plan_from_seed(&plan, &config, seed, o.clients, o.events_max);
        sim_plan_add_blocking(&plan, seed);
        plan.honest_rate_bytes_per_s = o.honest_rate;
        plan.only_check = o.expect_check;
        plan.ignore_check = o.ignore_check;
        if (o.plan) sim_plan_print(&plan, stdout);
        sim_result r;
        double t0 = wall_s();
        bool ok = sim_run(&plan, seal_allocation_calls, &r);
        events += r.events;
        ignored_runs += r.ignored > 0;
        if (o.seeds == 1 || !ok) print_summary(seed, &r, wall_s() - t0);
        if (ok) continue;
        if (o.expect_check != NULL && strcmp(o.expect_check, r.check) != 0) continue;
        printf("stasis-sim: seed %llu failed check '%s' after %.2f s (%llu seeds); replay: "
               "stasis-sim --seed %llu --events-max %llu --clients %u\n",
               (unsigned long long)seed, r.check, wall_s() - start,
               (unsigned long long)n + 1, (unsigned long long)seed,
               (unsigned long long)o.events_max, o.clients);
        return o.expect_check != NULL ? 0 : 1;
    }
    double s = wall_s() - start;
    if (o.seeds > 1) {
        printf("stasis-sim: %llu seeds from %llu passed: %llu events in %.2f s (%.0f events/s)\n",
               (unsigned long long)o.seeds, (unsigned long long)o.seed,
               (unsigned long long)events, s, (double)events / s);
    }
    if (o.ignore_check != NULL) {
        printf("stasis-sim: %llu of %llu runs failed the ignored check '%s'\n",
               (unsigned long long)ignored_runs, (unsigned long long)o.seeds, o.ignore_check);
    }
    if (o.expect_check != NULL) {
        printf("stasis-sim: no seed failed check '%s'\n", o.expect_check);
        return 1;
    }
    return 0;
}
