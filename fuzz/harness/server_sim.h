#ifndef STASIS_FUZZ_SERVER_SIM_H
#define STASIS_FUZZ_SERVER_SIM_H

/*
 * The whole-server simulation: the real server (its reservation, loop and engine) over the
 * simulated network (kv/io_sim.h), driven by simulated clients that follow a plan, with
 * checks after every event. Used by stasis-sim (a plan drawn from a seed) and by
 * fuzz_server_sim (a plan decoded from the fuzzer's bytes).
 *
 * Clients (sim_kind): honest ones (which the liveness checks protect) send at a rate of at
 * least the documented rate R (plan.honest_rate_bytes_per_s, 1 KiB/s by default, at the
 * simulation's scale: large buffers of 8 KiB; the server's large_buffer_rate_min_bytes_per_s
 * is set to it) and read at least as fast; hostile ones stay
 * silent after a big header, trickle, pipeline big replies and never read, read in bursts,
 * or reset mid-request. Every client's commands are cut into the network at arbitrary
 * points.
 *
 * Checks (the name is what a failure reports as `check`):
 *  - invariants: kv_server_invariants_hold after every completion (kv_server_turn's own
 *    assertion where NDEBUG is not defined, else the simulation's), _full after every turn
 *    that changed the server (handled a completion or served a ready connection; a turn
 *    that only moved the clock leaves what the last walk saw);
 *  - reply: the commands, in the order the server executed them, replayed through the
 *    reference model (models/kv_model.h) give the engine's reply byte for byte, and each is
 *    the next command its client sent;
 *  - delivery: each client receives exactly the concatenation of its replies, in order (a
 *    prefix of them while it is connected); a rejected client exactly the exhaustion text;
 *  - cut-off-sender / cut-off-reader: the server never closes an honest client (one that
 *    sends and reads at rate R or faster) with a request or replies unfinished;
 *  - service-bound: an honest client's command is answered completely within
 *    sim_service_bound_ms + (its request and reply bytes) / R after its first byte was
 *    sent, not counting the time it waited for a large buffer while sharing: time during
 *    which it could not have been lent one even if every buffer held by a client out of
 *    step were free, because clients in step held the rest. In step: a protected client,
 *    or an unprotected one receiving into its large buffer a request it is sending at R or
 *    faster (a waiter for a second loan counts as in step while only clients in step hold
 *    the others). A hostile client's hold once it is out of step (silent, trickling, not
 *    reading, faulted) is never excused; but the bound adds the price of the FIFO (README):
 *    one slack / R and a tick for each client out of step seen queued ahead of the command;
 *  - reset-bound: a client that resets has its slot closed by the server within
 *    SIM_RESET_BOUND_MS, waiting or not;
 *  - close-bound: a client that closes (FIN) has its slot closed within SIM_RESET_BOUND_MS,
 *    whether it was idle, mid-request, blocked in BLPOP, paused with replies pending or
 *    sending them; but for a waiter for a large buffer, the bound runs from the end of its
 *    wait: until the rest of its request is read, a close cannot be told from a half-close
 *    whose request is whole in the socket, which must be served (the wait itself is bounded
 *    by the service bound's rules). A half-closer's slot is closed within the bound once it
 *    read every reply;
 *  - lock-out: no honest client is refused "max number of clients reached" while a slot is
 *    still held for a client gone (reset or closed) longer than those bounds;
 *  - leak: when every client is gone and a last client ran FLUSHALL, every slot, large
 *    buffer and chunk is back;
 *  - seal: zero allocation calls after the seal (when the build counts them).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kv/config.h"
#include "kv/io_sim.h"

#define SIM_CLIENTS_MAX         64
#define SIM_COMMANDS_MAX        12
#define SIM_RESET_BOUND_MS      250   /* two ticks and a delay */
#define SIM_HONEST_RATE_DEFAULT 1024  /* bytes per second, at the simulation's scale */
#define SIM_TIME_MAX_MS         180000 /* stasis-sim's time_max_ms */
#define SIM_SETTLE_MS           30000  /* stasis-sim's settle_ms */
#define SIM_STEP_MS             20    /* an active client acts this often */

typedef enum sim_kind {
    SIM_HONEST = 0,      /* sends at its rate, one command at a time, reads at once */
    SIM_SLOW_READER = 1, /* pipelines big replies, reads them at R */
    SIM_SLOW_SENDER = 2, /* sends big requests at R, reads at once */
    SIM_HALF_CLOSER = 3, /* pipelines, shuts its side down, reads every reply */
    SIM_SILENT = 4,      /* sends part of a big request, then nothing */
    SIM_TRICKLER = 5,    /* one byte every pause_ms */
    SIM_NON_READER = 6,  /* pipelines big replies, never reads */
    SIM_RESETTER = 7,    /* sends part of a request, resets after pause_ms */
    SIM_BURST_READER = 8, /* pipelines, reads everything every pause_ms */
    SIM_KIND_COUNT = 9,
} sim_kind;

typedef enum sim_shape {
    SIM_SET = 0,      /* SET k v (v of `size` bytes) */
    SIM_GET = 1,      /* GET k */
    SIM_INCR = 2,     /* INCR k */
    SIM_RPUSH = 3,    /* RPUSH k v... (`size` values) */
    SIM_LRANGE = 4,   /* LRANGE k 0 -1 */
    SIM_DEL = 5,      /* DEL k */
    SIM_MGET_BIG = 6, /* MGET k k k... (`size` times): a big reply */
    SIM_ECHO_BIG = 7, /* ECHO of `size` bytes: a big request and a big reply */
    SIM_PING = 8,
    SIM_APPEND = 9, /* APPEND k v */
    SIM_LPOP = 10,  /* LPOP k */
    SIM_FLUSHALL = 11,
    SIM_BLPOP = 12, /* BLPOP k t: t = size x 100 ms (0: for ever), see sim_client_plan_fit */
    SIM_SHAPE_COUNT = 13,
} sim_shape;

#define SIM_BLPOP_TENTHS_MAX 20 /* a BLPOP's timeout: at most 2 s */

typedef struct sim_command {
    uint8_t shape;
    uint8_t key; /* 0 .. SIM_KEYS - 1 */
    uint16_t size;
} sim_command;

#define SIM_KEYS 8

typedef struct sim_client_plan {
    uint8_t kind;
    uint8_t command_count;
    uint32_t start_ms;
    uint32_t rate_bytes_per_s; /* what it sends (and reads, for slow readers) per second */
    uint32_t pause_ms;         /* trickle, burst or reset period */
    uint32_t cut_bytes;        /* silent and resetter: bytes of the first request sent */
    sim_command commands[SIM_COMMANDS_MAX];
} sim_client_plan;

typedef struct sim_plan {
    kv_config config;
    kv_sim_faults faults;
    uint64_t noise_seed; /* cut points, partial transfers, interleaving */
    uint64_t events_max;
    int64_t time_max_ms; /* simulated time after which every client leaves */
    int64_t settle_ms;   /* after the last start (and the protected clients' end) */
    uint32_t honest_rate_bytes_per_s;
    uint32_t client_count;
    sim_client_plan clients[SIM_CLIENTS_MAX];
    /* NULL, or the one liveness check that fails the run (the others are counted in
     * result.ignored): to search for one bug while others are still there */
    const char *only_check;
    /* NULL, or one liveness check that is counted in result.ignored instead of failing */
    const char *ignore_check;
} sim_plan;

typedef struct sim_result {
    bool failed;
    char check[32];
    char detail[512];
    uint64_t events;
    uint64_t commands;
    uint64_t rejections;
    uint64_t waits;
    uint64_t large_timeouts;
    uint64_t allocation_calls;
    uint64_t ignored; /* liveness failures of other checks than plan.only_check */
    int64_t time_ms;
    uint64_t digest;
    kv_sim_stats net;
} sim_result;

/* The simulation's configuration: small limits inside the reference model's capacity. */
void sim_config_defaults(kv_config *config);

/* What a client's kind allows of its commands: a protected client's BLPOP times out (at
 * least 100 ms: the service bound adds its timeout), and a half-closer's BLPOP is a PING
 * (its end of stream closes a blocked client, as Redis frees a client whose read ends). */
void sim_client_plan_fit(sim_client_plan *p);

/* A BLPOP's timeout in ms (0: for ever). */
int64_t sim_blpop_timeout_ms(const sim_command *c);

/* A plan drawn from `seed` over `config` (finalized), with `clients` clients. Its commands
 * are never blocking pops: a seed's plan means what it meant before BLPOP joined. */
void sim_plan_from_seed(sim_plan *plan, const kv_config *config, uint64_t seed, uint32_t clients,
                        uint64_t events_max);

/* Replaces about one command in SIM_SHAPE_COUNT (never a client's first) by a BLPOP, drawn
 * from `seed` by a stream of its own (stasis-sim's plans). */
void sim_plan_add_blocking(sim_plan *plan, uint64_t seed);

/* The bound the service-bound check uses for a client of `kind` beyond its own transfer at
 * R and the time it shared the large buffers with other protected clients (README,
 * "The simulation"): one large_buffer_hold_ms_max and two ticks. */
int64_t sim_service_bound_ms(const sim_plan *plan, uint8_t kind);

/* Prints the plan, one client a line. */
void sim_plan_print(const sim_plan *plan, FILE *out);

extern const char *const sim_kind_names[SIM_KIND_COUNT];
extern const char *const sim_shape_names[SIM_SHAPE_COUNT];

/*
 * Runs one simulation. `allocation_calls` (NULL: not counted) is read at the end: calls
 * counted after the seal. Returns false with result->check and ->detail on a failed check.
 */
bool sim_run(const sim_plan *plan, uint64_t (*allocation_calls)(void), sim_result *result);

#endif
