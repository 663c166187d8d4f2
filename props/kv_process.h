#ifndef STASIS_PROPS_KV_PROCESS_H
#define STASIS_PROPS_KV_PROCESS_H

/*
 * The real stasis-kv as a child of a case's process (props.h): started with command-line
 * settings, waited for until its ready line, watched through /proc/PID, stopped. Shared by
 * the properties that check the real process (memory_server, capacity's connections leg,
 * reservation's process check).
 *
 * Every process started here dies with the case's process (PR_SET_PDEATHSIG), whatever ends
 * it; kvp_start registers kvp_kill_all with prop_on_fail, so a failed check kills it too.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define KVP_ARGS_MAX       80
#define KVP_READY_TEXT_MAX 8192

/* The stasis-kv a case starts: $PROPS_KV_BINARY if set (a canary's build), else this
 * build's (the compile-time PROPS_KV_BINARY). */
const char *kvp_binary(void);

/* Forks and execs argv (argv[0] looked up in PATH) with stdout and stderr on the given
 * descriptors (-1: inherited). The child dies with the caller. Fails the case if fork does. */
pid_t kvp_spawn(const char *const *argv, int out_fd, int err_fd);

/* A command line being built: argv[0] is kvp_binary(); NULL-terminated at every step. */
typedef struct kvp_args {
    const char *argv[KVP_ARGS_MAX + 1];
    size_t argc;
    char text[KVP_ARGS_MAX][64]; /* storage for flags and values made here */
    size_t text_used;
} kvp_args;

void kvp_args_init(kvp_args *a);

/* Appends one word (not copied: it must outlive the args). */
void kvp_args_add(kvp_args *a, const char *word);

/* Appends `--name-with-dashes value` for a setting given by its snake_case name. */
void kvp_args_setting(kvp_args *a, const char *name, const char *value);

/* The same, for a number. */
void kvp_args_setting_u64(kvp_args *a, const char *name, uint64_t value);

/* Appends every (name, value) pair of a NULL-terminated list (kv_case.h's settings). */
void kvp_args_settings(kvp_args *a, const char *const *pairs);

typedef struct kvp_server {
    pid_t pid;
    int out_fd; /* its stdout, read up to the ready line (stderr is the case's) */
    int port;
    char ready_text[KVP_READY_TEXT_MAX]; /* what it printed up to its ready line */
} kvp_server;

/* The server the case started (one at a time), for kvp_kill_all. */
extern kvp_server kvp_srv;

/* Starts a server with the args (which should include "--port", "0") into kvp_srv and
 * reads its stdout until "ready on 127.0.0.1:PORT"; fails the case (with what it printed)
 * if it ends without one. */
void kvp_start(const kvp_args *a);

/* Kills the server (and the extra process registered with kvp_also_kill), no waiting. */
void kvp_kill_all(void);

/* A process kvp_kill_all kills as well (e.g. strace); 0 clears it. */
void kvp_also_kill(pid_t pid);

/* Stops the server with SIGTERM and returns its wait status (the loop sees the signal at
 * its next tick: about 100 ms). */
int kvp_stop(void);

/* Kills the server (SIGKILL) and reaps it: when how it ends is not the check. */
void kvp_kill_wait(void);

/* A field of /proc/PID/status in KiB (VmSize, VmHWM, ...); fails the case if the process
 * is gone, returns UINT64_MAX if the field is missing. */
uint64_t kvp_status_kib(pid_t pid, const char *field);

/* Runs argv to its end with its stdout captured into out (at most out_size - 1 bytes, NUL
 * terminated); returns its wait status. */
int kvp_capture(const char *const *argv, char *out, size_t out_size);

/* Connects a blocking TCP socket to 127.0.0.1:port; -1 (errno set) on failure. */
int kvp_connect(int port);

#endif
