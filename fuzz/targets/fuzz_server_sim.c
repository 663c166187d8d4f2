/*
 * fuzz_server_sim: the whole server (reservation, loop, engine) over the simulated network
 * (kv/io_sim.h), with clients, commands, pacing and faults chosen by the fuzzer's bytes, and
 * every check of fuzz/harness/server_sim.h after every event: replies against the KV model,
 * delivery, cut-offs, the service bound, the reset bound, lock-out, leaks, invariants.
 *
 * Input (after the version byte):
 *   header: connections_max (table), large_buffers_max (table), large_buffer_hold_ms_max
 *           (table), idle_timeout_s (table), fault profile (choice table), noise seed (u32),
 *           client count (1..FUZZ_CLIENTS_MAX);
 *   per client: kind (choice table), start (x 20 ms), rate (R x 1..8), pause (x 20 ms),
 *           cut (bytes, u16), command count (1..12), then per command: shape (choice table),
 *           key (0..7), size (u16; each shape clamps it to its range; BLPOP's is its timeout
 *           in tenths of a second, and what a kind allows is sim_client_plan_fit's).
 * The simulation is short (clients start within 5 s, leave 2.5 s after the last start) so
 * that an input runs in about a millisecond.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/fuzz_target.h"
#include "harness/choice.h"
#include "harness/cursor.h"
#include "harness/server_sim.h"

#define FUZZ_CLIENTS_MAX  16
#define FUZZ_EVENTS_MAX   60000
#define FUZZ_TIME_MAX_MS  60000
#define FUZZ_SETTLE_MS    2500

/* Numbered, append-only (harness/choice.h): client kinds and command shapes are the
 * simulation's tables (server_sim.h), whose entries are only ever appended. */
static const char *const fault_names[] = {"none", "partial", "delays", "errors", "all"};
#define KINDS          CHOICE_TABLE(sim_kind_names, 16)
#define SHAPES         CHOICE_TABLE(sim_shape_names, 16)
#define FAULT_PROFILES CHOICE_TABLE(fault_names, 8)

static const uint64_t connections_choices[] = {4, 8, 16, 3};
static const uint64_t large_choices[] = {2, 3, 4, 8};
static const uint64_t hold_choices[] = {1000, 2000, 5000, 500};
static const uint64_t idle_choices[] = {0, 0, 2, 10};

FUZZ_NO_COVERAGE static kv_sim_faults faults_of(uint32_t profile) {
    kv_sim_faults f = {.delay_ms_max = 3};
    bool all = profile == 4;
    if (profile == 1 || all) f.partial_recv = f.partial_send = 12000;
    if (profile == 2 || all) f.delay = 8000, f.sq_full = 2000;
    if (profile == 3 || all) f.recv_error = f.send_error = 600, f.accept_error = 4000;
    return f;
}

FUZZ_NO_COVERAGE static uint16_t clamp_size(uint8_t shape, uint16_t raw) {
    switch (shape) {
    case SIM_SET:
    case SIM_APPEND: return (uint16_t)(1 + raw % 48);
    case SIM_RPUSH: return (uint16_t)(1 + raw % 4);
    case SIM_MGET_BIG: return (uint16_t)(1 + raw % 62);
    case SIM_ECHO_BIG: return (uint16_t)(raw % 7100);
    case SIM_BLPOP: return (uint16_t)(raw % (SIM_BLPOP_TENTHS_MAX + 1));
    default: return 0;
    }
}

/* Decodes a plan; false when the input names an unassigned choice. */
FUZZ_NO_COVERAGE static bool decode(const uint8_t *data, size_t size, sim_plan *plan,
                                    uint32_t *profile) {
    cursor c = cursor_make(data, size);
    const choice_table kinds = KINDS, shapes = SHAPES, fault_profiles = FAULT_PROFILES;
    memset(plan, 0, sizeof *plan);
    kv_config *config = &plan->config;
    sim_config_defaults(config);
    config->connections_max = connections_choices[cursor_u8(&c) % 4];
    config->large_buffers_max = large_choices[cursor_u8(&c) % 4];
    config->large_buffer_hold_ms_max = hold_choices[cursor_u8(&c) % 4];
    config->idle_timeout_s = idle_choices[cursor_u8(&c) % 4];
    char error[128];
    ST_ASSERT(kv_config_finalize(config, error, sizeof error));
    *profile = choice_read(&c, &fault_profiles);
    if (*profile == CHOICE_REFUSED) return false;
    plan->faults = faults_of(*profile);
    plan->noise_seed = cursor_u32(&c);
    plan->events_max = FUZZ_EVENTS_MAX;
    plan->time_max_ms = FUZZ_TIME_MAX_MS;
    plan->settle_ms = FUZZ_SETTLE_MS;
    plan->honest_rate_bytes_per_s = SIM_HONEST_RATE_DEFAULT;
    plan->client_count = cursor_range(&c, 1, FUZZ_CLIENTS_MAX);
    for (uint32_t i = 0; i < plan->client_count; i++) {
        sim_client_plan *p = &plan->clients[i];
        uint32_t kind = choice_read(&c, &kinds);
        if (kind == CHOICE_REFUSED) return false;
        p->kind = (uint8_t)kind;
        p->start_ms = cursor_range(&c, 0, 250) * 20u;
        p->rate_bytes_per_s = plan->honest_rate_bytes_per_s * cursor_range(&c, 1, 8);
        p->pause_ms = 20u * cursor_range(&c, 1, 250);
        p->cut_bytes = cursor_u16(&c) % 8000u;
        p->command_count = (uint8_t)cursor_range(&c, 1, SIM_COMMANDS_MAX);
        for (uint32_t k = 0; k < p->command_count; k++) {
            uint32_t shape = choice_read(&c, &shapes);
            if (shape == CHOICE_REFUSED) return false;
            p->commands[k].shape = (uint8_t)shape;
            p->commands[k].key = (uint8_t)(cursor_u8(&c) % SIM_KEYS);
            p->commands[k].size = clamp_size((uint8_t)shape, cursor_u16(&c));
        }
        sim_client_plan_fit(p);
    }
    return true;
}

static sim_plan plan;

/* STASIS_SIM_ONLY_CHECK=NAME: only that liveness check fails an input (the others are
 * counted), to measure how long the fuzzer takes to find one bug while others are there. */
static const char *only_check(void) {
    static bool read;
    static const char *value;
    if (!read) {
        read = true;
        value = getenv("STASIS_SIM_ONLY_CHECK");
    }
    return value;
}

static int run(const uint8_t *data, size_t size) {
    uint32_t profile = 0;
    if (!decode(data, size, &plan, &profile)) return -1;
    plan.only_check = only_check();
    sim_result r;
    bool ok = sim_run(&plan, NULL, &r);
    FUZZ_CHECK(ok, "check %s: %s", r.check, r.detail);
    return 0;
}

FUZZ_NO_COVERAGE static void describe(const uint8_t *data, size_t size, FILE *out) {
    uint32_t profile = 0;
    if (!decode(data, size, &plan, &profile)) {
        fprintf(out, "refused: the input names an unassigned choice id\n");
        return;
    }
    const choice_table fault_profiles = FAULT_PROFILES;
    fprintf(out, "fault profile: %s\n", choice_name(&fault_profiles, profile));
    sim_plan_print(&plan, out);
}

const fuzz_target_info fuzz_target = {
    .name = "server_sim", .format_version = 1, .run = run, .describe = describe};
