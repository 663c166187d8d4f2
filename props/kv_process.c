/* The real stasis-kv as a child of a case's process (see kv_process.h). */
#include "kv_process.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc/stasis_assert.h"
#include "props.h"

#ifndef PROPS_KV_BINARY
#error "PROPS_KV_BINARY (this build's stasis-kv) must be defined"
#endif

kvp_server kvp_srv;
static pid_t also_kill;

const char *kvp_binary(void) {
    const char *binary = getenv("PROPS_KV_BINARY");
    return binary != NULL ? binary : PROPS_KV_BINARY;
}

pid_t kvp_spawn(const char *const *argv, int out_fd, int err_fd) {
    pid_t pid = fork();
    PROP_CHECK(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        /* Dies with the case's process, whatever ends it (a time-out included). */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (out_fd >= 0) dup2(out_fd, STDOUT_FILENO);
        if (err_fd >= 0) dup2(err_fd, STDERR_FILENO);
        execvp(argv[0], (char *const *)(uintptr_t)argv);
        _exit(127);
    }
    return pid;
}

/* ---- command lines ---- */

void kvp_args_init(kvp_args *a) {
    a->argc = 0;
    a->text_used = 0;
    kvp_args_add(a, kvp_binary());
}

void kvp_args_add(kvp_args *a, const char *word) {
    ST_ASSERT(a->argc < KVP_ARGS_MAX);
    a->argv[a->argc++] = word;
    a->argv[a->argc] = NULL;
}

/* A word kept in the args' own storage. */
static char *args_word(kvp_args *a) {
    ST_ASSERT(a->text_used < KVP_ARGS_MAX);
    return a->text[a->text_used++];
}

void kvp_args_setting(kvp_args *a, const char *name, const char *value) {
    char *flag = args_word(a);
    int n = snprintf(flag, sizeof a->text[0], "--%s", name);
    ST_ASSERT(n > 0 && (size_t)n < sizeof a->text[0]);
    for (char *p = flag; *p != '\0'; p++) *p = *p == '_' ? '-' : *p;
    kvp_args_add(a, flag);
    kvp_args_add(a, value);
}

void kvp_args_setting_u64(kvp_args *a, const char *name, uint64_t value) {
    char *text = args_word(a);
    snprintf(text, sizeof a->text[0], "%" PRIu64, value);
    kvp_args_setting(a, name, text);
}

void kvp_args_settings(kvp_args *a, const char *const *pairs) {
    for (const char *const *s = pairs; *s != NULL; s += 2) kvp_args_setting(a, s[0], s[1]);
}

/* ---- the server ---- */

void kvp_kill_all(void) {
    if (also_kill > 0) kill(also_kill, SIGKILL);
    if (kvp_srv.pid > 0) kill(kvp_srv.pid, SIGKILL);
}

void kvp_also_kill(pid_t pid) { also_kill = pid; }

/* Reads the server's stdout until its ready line; returns the port. */
static int wait_ready(int fd, char *text, size_t size) {
    size_t len = 0;
    text[0] = '\0';
    while (len + 1 < size) {
        ssize_t n = read(fd, text + len, size - 1 - len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        len += (size_t)n;
        text[len] = '\0';
        const char *ready = strstr(text, "ready on 127.0.0.1:");
        if (ready != NULL && strchr(ready, '\n') != NULL) return atoi(ready + 19);
    }
    prop_fail("the server starts", "no ready line; it printed:\n%s", text);
}

void kvp_start(const kvp_args *a) {
    int fds[2];
    PROP_CHECK(pipe(fds) == 0, "pipe: %s", strerror(errno));
    kvp_srv = (kvp_server){.pid = 0};
    prop_on_fail(kvp_kill_all);
    kvp_srv.pid = kvp_spawn(a->argv, fds[1], -1);
    close(fds[1]);
    kvp_srv.out_fd = fds[0];
    kvp_srv.port = wait_ready(kvp_srv.out_fd, kvp_srv.ready_text, sizeof kvp_srv.ready_text);
}

int kvp_stop(void) {
    int status = 0;
    if (kvp_srv.pid <= 0) return 0;
    kill(kvp_srv.pid, SIGTERM);
    while (waitpid(kvp_srv.pid, &status, 0) < 0 && errno == EINTR) {
    }
    kvp_srv.pid = 0;
    close(kvp_srv.out_fd);
    return status;
}

void kvp_kill_wait(void) {
    if (kvp_srv.pid <= 0) return;
    kill(kvp_srv.pid, SIGKILL);
    while (waitpid(kvp_srv.pid, NULL, 0) < 0 && errno == EINTR) {
    }
    kvp_srv.pid = 0;
    close(kvp_srv.out_fd);
}

uint64_t kvp_status_kib(pid_t pid, const char *field) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    PROP_CHECK(f != NULL, "the server (pid %d) is gone", (int)pid);
    uint64_t kib = UINT64_MAX;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            kib = strtoull(line + n + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kib;
}

int kvp_capture(const char *const *argv, char *out, size_t out_size) {
    ST_ASSERT(out_size > 0);
    int fds[2];
    PROP_CHECK(pipe(fds) == 0, "pipe: %s", strerror(errno));
    pid_t pid = kvp_spawn(argv, fds[1], -1);
    close(fds[1]);
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fds[0], out + len, out_size - 1 - len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        len += (size_t)n;
        if (len + 1 == out_size) break; /* cut: the caller sees the text end early */
    }
    out[len] = '\0';
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

int kvp_connect(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (const struct sockaddr *)&addr, sizeof addr) != 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}
