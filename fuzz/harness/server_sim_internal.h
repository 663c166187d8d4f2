#ifndef STASIS_FUZZ_SERVER_SIM_INTERNAL_H
#define STASIS_FUZZ_SERVER_SIM_INTERNAL_H

/* What the simulation's files share (server_sim*.c). */

#include <stddef.h>
#include <stdint.h>

#include "harness/server_sim.h"
#include "kv/resp_parser.h"

#define SIM_ARGS_MAX          64   /* command_args_max of the simulation's configuration */
#define SIM_VALUE_BYTES_MAX   7200 /* the biggest ECHO argument */
#define SIM_REQUEST_BYTES_MAX 8192 /* request_size_max of the configuration */

/* The arguments of client `client`'s command number `index` (values written to `scratch`,
 * SIM_VALUE_BYTES_MAX bytes). Returns argc. */
uint32_t sim_command_args(const sim_command *c, uint32_t client, uint32_t index, resp_arg *argv,
                          uint8_t *scratch);

/* The RESP2 request for argv; returns its length. */
size_t sim_encode(const resp_arg *argv, uint32_t argc, uint8_t *out, size_t capacity);

#endif
