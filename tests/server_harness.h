#ifndef STASIS_TESTS_SERVER_HARNESS_H
#define STASIS_TESTS_SERVER_HARNESS_H

/*
 * Starts the real stasis-kv binary (STASIS_KV_BINARY, this build's) on a free loopback port
 * and talks to it over raw sockets; the tests add hiredis on top. Every server is started
 * with --port 0 (the port is read from its "ready on" line) and a fixed hash seed, and in
 * plain builds with --seal=strict, so every integration test is real traffic under the
 * seccomp filter. server_stop() sends SIGTERM and asserts a clean exit: status 0 and zero
 * allocation calls after the seal.
 *
 * Every wait is bounded (SERVER_WAIT_MS); a test that cannot run here exits 77.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SERVER_WAIT_MS    5000
#define SERVER_OUTPUT_MAX 16384
#define SERVER_ARGS_MAX   48

typedef struct server_proc {
    pid_t pid;
    int port;
    int out_fd; /* the server's stdout */
    char output[SERVER_OUTPUT_MAX];
    size_t output_len;
} server_proc;

/* Starts stasis-kv with the harness's arguments then `args` (NULL-terminated, may be NULL).
 * Fails the test if it does not say "ready on" within SERVER_WAIT_MS. */
void server_start(server_proc *p, const char *const *args);

/* SIGTERM, then asserts exit 0 and "allocation calls after the seal: 0". */
void server_stop(server_proc *p);

/* Same with another signal (SIGINT). */
void server_stop_with(server_proc *p, int sig);

/* Whether the build can run --seal=strict (no sanitizer). */
bool server_strict_available(void);

/* A connected loopback socket with TCP_NODELAY, or fails the test. */
int client_connect(int port);
/* Same, with a small receive buffer (set before connect), for clients that do not read. */
int client_connect_small(int port, int rcvbuf_bytes);

void client_send(int fd, const void *data, size_t len);
void client_send_text(int fd, const char *text);

/* Reads exactly `len` bytes (fails the test on EOF or timeout). */
void client_read_exact(int fd, void *buf, size_t len);

/* Reads and compares exactly strlen(expected) bytes. */
void client_expect(int fd, const char *expected);

/*
 * Reads one reply: exactly one complete canonical RESP2 value (resp_reply.h), then asserts
 * that nothing follows it within 100 ms. Returns it in a malloc'd buffer (NUL-terminated;
 * its length in *len); fails the test on a malformed reply, EOF or timeout.
 */
char *client_read_reply(int fd, size_t *len);

/* True iff the server closed the connection (EOF or reset) within timeout_ms, with no
 * more bytes before it. */
bool client_closed(int fd, int timeout_ms);

/* True iff nothing arrives within timeout_ms and the connection stays open. */
bool client_silent(int fd, int timeout_ms);

/* One INFO field as a number (over a fresh connection), or fails the test. */
uint64_t server_info_u64(int port, const char *field);

/* Polls INFO until field == want (SERVER_WAIT_MS at most); returns the last value. */
uint64_t server_wait_info(int port, const char *field, uint64_t want);

/* The same two over an open connection (when a new one could be refused). */
uint64_t client_info_u64(int fd, const char *field);
uint64_t client_wait_info(int fd, const char *field, uint64_t want);

/* The monotonic clock in milliseconds, for tests that time a reply. */
int64_t server_clock_ms(void);

/* Builds a RESP multibulk command in a malloc'd buffer (test side: allowed). */
char *resp_command(size_t *len, int argc, const char *const *argv, const size_t *lens);

/* SET key v...v (value_len bytes of 'v') as RESP, malloc'd. */
char *resp_big_set(const char *key, size_t value_len, size_t *len);

void sleep_ms(int ms);

#endif
