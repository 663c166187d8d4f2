/*
 * memory_sim: memory is bounded by the reservation through the simulator — the real server
 * (reservation, loop, engine, connection slots, large buffers) over the simulated network
 * (kv/io_sim.h), driven by fuzz/harness/server_sim.h's clients (honest and hostile kinds,
 * big requests and replies that need the large buffers, injected faults).
 *
 * Payload: [configuration id (kv_case.h's matrix)] [plan seed, u32] [clients, 1..16]. The
 * plan is server_sim's own generator (sim_plan_from_seed: kinds, starts, rates, commands,
 * fault profile), not a second decoder; shrinking lowers the client count and the seed.
 *
 * Checks, for the whole run (sim_run's, each named as it reports):
 *  - seal: zero calls to malloc, calloc, realloc, free, aligned_alloc, posix_memalign, mmap,
 *    munmap, mremap, brk, sbrk after the seal (src/kv/seal.c: link-time wrappers in plain
 *    builds, the sanitizer's hooks around the whole simulation run in sanitized ones);
 *  - leak: after every client left (and a last client's FLUSHALL), every connection slot is
 *    free, connected_clients is 0, all large_buffers_max large buffers are free, no chunk
 *    or key is held;
 *  - invariants: kv_server_invariants_hold after every completion, _full after every turn;
 *  - reply / delivery: the engine's replies equal the KV model's, and reach their clients.
 * The liveness checks (cut-offs, service and reset bounds, lock-out) are the simulation's
 * own business (stasis-sim, fuzz_server_sim) and are only counted here.
 *
 * Scaled down (the KV model holds 16 keys of 48 bytes, the simulated clients send requests
 * of at most 8 KiB): every entry starts from the simulation's configuration (1 KiB
 * connection buffers, 8 KiB large buffers and requests) and takes the matrix entry's
 * settings, except that value_size_max and list_length_max stay at most the simulation's
 * (48 bytes, 12 values): the seed design's 1000 connections, 1000 keys of up to 1 KiB keys
 * are reserved as such, its 4 KiB values and 50-value lists are not.
 */
#include <inttypes.h>
#include <string.h>

#include "alloc/stasis_assert.h"
#include "harness/choice.h"
#include "harness/cursor.h"
#include "harness/server_sim.h"
#include "kv/layout.h"
#include "kv/seal.h"
#include "kv_case.h"
#include "props.h"

#define MEMORY_SIM_CLIENTS_MAX 16
#define MEMORY_SIM_EVENTS_MAX  20000
#define MEMORY_SIM_TIME_MAX_MS 60000
#define MEMORY_SIM_SETTLE_MS   2500

/* Matrix entry `id` over the simulation's configuration (scaled as the header says). */
static bool config_for(uint32_t id, kv_config *config) {
    kv_config sim;
    sim_config_defaults(&sim);
    *config = sim;
    char error[256];
    for (const char *const *s = kvw_config_settings(id); *s != NULL; s += 2) {
        ST_ASSERT(kv_config_set(config, s[0], s[1], error, sizeof error));
    }
    ST_ASSERT(kv_config_set(config, "capacity_policy", kvw_config_policy(id), error, sizeof error));
    if (config->value_size_max > sim.value_size_max) config->value_size_max = sim.value_size_max;
    if (config->list_length_max > sim.list_length_max) config->list_length_max = sim.list_length_max;
    return kv_config_finalize(config, error, sizeof error);
}

/* Decodes the payload into *plan; false when it is refused. */
static bool decode(const uint8_t *payload, size_t size, sim_plan *plan, uint32_t *config_id) {
    cursor c = cursor_make(payload, size);
    *config_id = prop_choice(&c, &kvw_config_table);
    if (*config_id == CHOICE_REFUSED) return false;
    uint32_t seed = cursor_u32(&c);
    uint32_t clients = cursor_range(&c, 1, MEMORY_SIM_CLIENTS_MAX);
    static kv_config config;
    if (!config_for(*config_id, &config)) return false;
    sim_plan_from_seed(plan, &config, seed, clients, MEMORY_SIM_EVENTS_MAX);
    plan->time_max_ms = MEMORY_SIM_TIME_MAX_MS;
    plan->settle_ms = MEMORY_SIM_SETTLE_MS;
    /* only_check names a check that is not a liveness one: every liveness failure is then
     * counted (result.ignored), every other check still fails the run */
    plan->only_check = "leak";
    return true;
}

static sim_plan plan;

static int run(const uint8_t *payload, size_t size) {
    uint32_t id = 0;
    if (!decode(payload, size, &plan, &id)) return PROP_REFUSED;
    seal_arm();
    /* Sanitized builds count through the sanitizer's hooks inside a window only, and the
     * simulation's server hooks open none: the window spans the whole run instead (the
     * simulation, its network and the model allocate nothing either, so this counts more,
     * never less). Plain builds count every call after the seal, window or not. */
    seal_window_begin();
    sim_result r;
    bool passed = sim_run(&plan, seal_allocation_calls, &r);
    seal_window_end();
    if (passed) return PROP_PASS;
    prop_fail(r.check,
              "the simulation's check '%s' failed: %s (%" PRIu64 " events, %" PRIu64
              " commands, %" PRIu64 " allocation call(s) after the seal counted by %s)",
              r.check, r.detail, r.events, r.commands, r.allocation_calls,
              seal_counts_by_wrapping() ? "link-time wrappers" : "sanitizer hooks");
}

static void describe(const uint8_t *payload, size_t size, FILE *out) {
    uint32_t id = 0;
    if (!decode(payload, size, &plan, &id)) {
        fprintf(out, "refused: the payload names an unassigned id or an impossible configuration\n");
        return;
    }
    kvw_print_config(out, choice_name(&kvw_config_table, id), &plan.config);
    fprintf(out, "connections_max %" PRIu64 ", large_buffers_max %" PRIu64
                 ", connection_buffer_size %" PRIu64 ", request_size_max %" PRIu64 "\n",
            plan.config.connections_max, plan.config.large_buffers_max,
            plan.config.connection_buffer_size, plan.config.request_size_max);
    sim_plan_print(&plan, out);
}

const prop_property prop_memory_sim = {
    .name = "memory_sim",
    .format_version = 1,
    .payload_max = 8,
    .summary = "no allocation call after the seal, every slot and large buffer back, the "
               "server's invariants, through the simulator (server_sim's clients and faults)",
    .run = run,
    .describe = describe,
};
