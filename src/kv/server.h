#ifndef STASIS_KV_SERVER_H
#define STASIS_KV_SERVER_H

/*
 * stasis-kv's server: start-up (file descriptor limit, the one reservation carved into every
 * region of the layout, the listening socket, the io_uring ring), the seal, the event loop,
 * and a clean shutdown on SIGINT or SIGTERM (every client closed).
 *
 * Output: start-up lines on stdout, the last one "stasis-kv: ready on <addr>:<port>, pid
 * <pid>" (port 0 in the configuration picks a free port, shown here); errors on stderr.
 */

#include "kv/config.h"

/*
 * Runs the server with a finalized configuration. Returns the process's exit code: 0 after
 * a signal asked it to stop and the clients were closed; 2 when it cannot start (the reason
 * and how to fix it on stderr: file descriptors, a reservation the machine cannot give,
 * mlock, the address, io_uring, the seal).
 */
int kv_server_run(const kv_config *config);

#endif
