#ifndef STASIS_TESTS_SIM_LOOP_H
#define STASIS_TESTS_SIM_LOOP_H

/*
 * The real server loop over the simulated network (io_sim), in simulated time, for tests
 * that need whole-server state without sockets (test_sim_invariants, test_kv_blocking_sim).
 * The caller owns the server, the network, its memory and the configuration.
 */

#include <stddef.h>
#include <stdint.h>

#include "kv/io_sim.h"
#include "kv/server_internal.h"

/* Hooks that run kv_server_invariants_hold_full after every completion, as the simulator
 * does, and fail the test with "server invariants broken at server_check.c:<line>". */
extern const kv_server_hooks sim_loop_checked_hooks;

/* Network memory for `sockets` sockets (the caller's static array holds at least this). */
#define SIM_LOOP_NET_BYTES(sockets) ((sockets) * (2 * KV_SIM_SOCKET_BUFFER_BYTES + 512) + 4096)

/* The simulation's scale (what stasis-sim uses): kv_config_defaults, then `connections_max`,
 * two large buffers, 1 KiB connection buffers, values up to 8 KiB (a big request or reply
 * needs a large buffer), hash seed 1. Tests change what they test after it. */
void sim_loop_scale_config(kv_config *config, uint64_t connections_max);

/* Finalizes `config` (set from kv_config_defaults by the caller), reserves the server with
 * hash seed 1, attaches it over a fault-free network (seed 7) with `hooks`, begins the loop
 * and connects `clients` clients (ids 0..clients-1), then turns 10 ms. Fails the test on
 * any error. */
void sim_loop_start(kv_server *server, kv_io_sim *net, void *net_memory, size_t net_bytes,
                    uint32_t sockets, kv_config *config, const kv_server_hooks *hooks, int clients);

/* Client `id` sends text (all of it, or the test fails). */
void sim_loop_send(kv_io_sim *net, uint32_t id, const char *text);

/* Turns until simulated time passed `ms`. */
void sim_loop_run_for(kv_server *server, kv_io_sim *net, int64_t ms);

#endif
