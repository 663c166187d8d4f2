#include "server_harness.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "resp_reply.h"

#ifndef STASIS_KV_BINARY
#error "STASIS_KV_BINARY must name this build's stasis-kv"
#endif

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t server_clock_ms(void) { return now_ms(); }

void sleep_ms(int ms) {
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

bool server_strict_available(void) {
#ifdef STASIS_SANITIZED
    return false;
#else
    return true;
#endif
}

/* ---- processes ---- */

/* Runs the binary with stdout into a pipe; stderr stays the test's, so a sanitizer report
 * shows in the test's log. */
static pid_t spawn(const char *const *args, int *out_fd) {
    int out[2];
    assert_int_equal(pipe(out), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* A test that fails between start and stop must not leave its server running. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(out[1], STDOUT_FILENO);
        close(out[0]);
        close(out[1]);
        execv(args[0], (char *const *)(uintptr_t)args);
        _exit(127);
    }
    close(out[1]);
    *out_fd = out[0];
    return pid;
}

/* Appends what fd has within timeout_ms; returns false at EOF. */
static bool read_some(int fd, char *buf, size_t *len, size_t cap, int timeout_ms) {
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    if (poll(&pfd, 1, timeout_ms) <= 0) return true;
    ssize_t n = read(fd, buf + *len, cap - 1 - *len);
    if (n <= 0) return false;
    *len += (size_t)n;
    buf[*len] = '\0';
    return true;
}

void server_start(server_proc *p, const char *const *args) {
    const char *all[SERVER_ARGS_MAX];
    size_t n = 0;
    all[n++] = STASIS_KV_BINARY;
    all[n++] = "--port=0";
    all[n++] = "--hash-seed=7";
    if (server_strict_available()) all[n++] = "--seal=strict";
    for (size_t i = 0; args != NULL && args[i] != NULL; i++) {
        assert_true(n + 1 < SERVER_ARGS_MAX);
        all[n++] = args[i];
    }
    all[n] = NULL;
    memset(p, 0, sizeof *p);
    p->pid = spawn(all, &p->out_fd);
    int64_t deadline = now_ms() + SERVER_WAIT_MS;
    const char *ready = NULL;
    while (ready == NULL && now_ms() < deadline) {
        if (!read_some(p->out_fd, p->output, &p->output_len, sizeof p->output, 100)) break;
        ready = strstr(p->output, "ready on 127.0.0.1:");
    }
    if (ready == NULL) fail_msg("stasis-kv did not start; it said:\n%s", p->output);
    p->port = atoi(ready + strlen("ready on 127.0.0.1:"));
    assert_true(p->port > 0);
}

static int wait_status(pid_t pid) {
    int status = 0;
    int64_t deadline = now_ms() + SERVER_WAIT_MS;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        if (now_ms() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fail_msg("stasis-kv did not exit within %d ms", SERVER_WAIT_MS);
        }
        sleep_ms(10);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void server_stop(server_proc *p) { server_stop_with(p, SIGTERM); }

void server_stop_with(server_proc *p, int sig) {
    assert_int_equal(kill(p->pid, sig), 0);
    int code = wait_status(p->pid);
    while (read_some(p->out_fd, p->output, &p->output_len, sizeof p->output, 100)) {
    }
    close(p->out_fd);
    if (code != 0) fail_msg("stasis-kv exited with %d; it said:\n%s", code, p->output);
    if (strstr(p->output, "allocation calls after the seal: 0\n") == NULL) {
        fail_msg("stasis-kv allocated after the seal; it said:\n%s", p->output);
    }
}

/* ---- clients ---- */

static int socket_to(int port, int rcvbuf_bytes) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (rcvbuf_bytes > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf_bytes, sizeof rcvbuf_bytes);
    struct timeval tv = {.tv_sec = SERVER_WAIT_MS / 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons((uint16_t)port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        fail_msg("connect to port %d: %s", port, strerror(errno));
    }
    return fd;
}

int client_connect(int port) { return socket_to(port, 0); }
int client_connect_small(int port, int rcvbuf_bytes) { return socket_to(port, rcvbuf_bytes); }

void client_send(int fd, const void *data, size_t len) {
    const char *at = data;
    while (len > 0) {
        ssize_t n = send(fd, at, len, MSG_NOSIGNAL);
        if (n <= 0) fail_msg("send: %s", n == 0 ? "nothing sent" : strerror(errno));
        at += n;
        len -= (size_t)n;
    }
}

void client_send_text(int fd, const char *text) { client_send(fd, text, strlen(text)); }

void client_read_exact(int fd, void *buf, size_t len) {
    char *at = buf;
    while (len > 0) {
        ssize_t n = recv(fd, at, len, 0);
        if (n <= 0)
            fail_msg("recv: %s (%zu bytes still expected)", n == 0 ? "EOF" : strerror(errno), len);
        at += n;
        len -= (size_t)n;
    }
}

void client_expect(int fd, const char *expected) {
    size_t len = strlen(expected);
    char *got = calloc(1, len + 1);
    assert_non_null(got);
    client_read_exact(fd, got, len);
    assert_string_equal(got, expected);
    free(got);
}

#define REPLY_READ_PIECE_BYTES 65536
#define REPLY_QUIET_MS         100

char *client_read_reply(int fd, size_t *len) {
    size_t cap = REPLY_READ_PIECE_BYTES, have = 0;
    char *buf = malloc(cap + 1);
    assert_non_null(buf);
    char why[RESP_REPLY_WHY_MAX];
    resp_reply_verdict v = RESP_REPLY_INCOMPLETE;
    while (v == RESP_REPLY_INCOMPLETE) {
        if (cap - have < REPLY_READ_PIECE_BYTES) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
            assert_non_null(buf);
        }
        ssize_t n = recv(fd, buf + have, cap - have, 0);
        if (n <= 0)
            fail_msg("recv: %s after %zu bytes of a reply", n == 0 ? "EOF" : strerror(errno), have);
        have += (size_t)n;
        v = resp_reply_check(buf, have, why);
    }
    if (v == RESP_REPLY_MALFORMED) fail_msg("malformed reply (%zu bytes): %s", have, why);
    if (!client_silent(fd, REPLY_QUIET_MS))
        fail_msg("bytes after a complete reply of %zu bytes", have);
    buf[have] = '\0';
    *len = have;
    return buf;
}

bool client_closed(int fd, int timeout_ms) {
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    if (poll(&pfd, 1, timeout_ms) <= 0) return false;
    char byte;
    ssize_t n = recv(fd, &byte, 1, MSG_DONTWAIT);
    return n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE));
}

bool client_silent(int fd, int timeout_ms) {
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    return poll(&pfd, 1, timeout_ms) == 0;
}

/* ---- INFO ---- */

uint64_t client_info_u64(int fd, const char *field) {
    client_send_text(fd, "INFO\r\n");
    char header[32];
    size_t n = 0;
    while (n < sizeof header - 1) { /* "$<len>\r\n" */
        client_read_exact(fd, header + n, 1);
        if (header[n++] == '\n') break;
    }
    header[n] = '\0';
    assert_int_equal(header[0], '$');
    size_t len = (size_t)atol(header + 1);
    char *body = calloc(1, len + 3);
    assert_non_null(body);
    client_read_exact(fd, body, len + 2);
    char key[128];
    snprintf(key, sizeof key, "\r\n%s:", field);
    const char *at = strstr(body, key);
    if (at == NULL) fail_msg("INFO has no field %s", field);
    uint64_t value = strtoull(at + strlen(key), NULL, 10);
    free(body);
    return value;
}

uint64_t server_info_u64(int port, const char *field) {
    int fd = client_connect(port);
    uint64_t value = client_info_u64(fd, field);
    close(fd);
    return value;
}

/* Polls read(at, field) until it is `want` (SERVER_WAIT_MS at most); returns the last value. */
static uint64_t wait_info(uint64_t (*read)(int, const char *), int at, const char *field,
                          uint64_t want) {
    int64_t deadline = now_ms() + SERVER_WAIT_MS;
    uint64_t v = read(at, field);
    while (v != want && now_ms() < deadline) {
        sleep_ms(20);
        v = read(at, field);
    }
    return v;
}

uint64_t client_wait_info(int fd, const char *field, uint64_t want) {
    return wait_info(client_info_u64, fd, field, want);
}

uint64_t server_wait_info(int port, const char *field, uint64_t want) {
    return wait_info(server_info_u64, port, field, want);
}

char *resp_command(size_t *len, int argc, const char *const *argv, const size_t *lens) {
    size_t cap = 32;
    for (int i = 0; i < argc; i++)
        cap += 32 + (lens != NULL ? lens[i] : strlen(argv[i]));
    char *out = malloc(cap);
    assert_non_null(out);
    size_t at = (size_t)snprintf(out, cap, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) {
        size_t n = lens != NULL ? lens[i] : strlen(argv[i]);
        at += (size_t)snprintf(out + at, cap - at, "$%zu\r\n", n);
        memcpy(out + at, argv[i], n);
        at += n;
        out[at++] = '\r';
        out[at++] = '\n';
    }
    *len = at;
    return out;
}

char *resp_big_set(const char *key, size_t value_len, size_t *len) {
    char *value = malloc(value_len);
    assert_non_null(value);
    memset(value, 'v', value_len);
    const char *argv[] = {"SET", key, value};
    size_t lens[] = {3, strlen(key), value_len};
    char *cmd = resp_command(len, 3, argv, lens);
    free(value);
    return cmd;
}
