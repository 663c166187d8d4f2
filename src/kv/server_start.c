/*
 * Start-up, the seal and shutdown: file descriptor limit, the one reservation and its
 * regions, the listening socket, the ring, signals; then the seal (and under --seal=strict
 * the seccomp filter), the start-up lines, the loop, and a clean exit.
 *
 * After the seal nothing here may give libc a reason to allocate: messages are formatted
 * with snprintf (integers and strings only) into stack buffers and written with write(2).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "alloc/stasis_assert.h"
#include "kv/io_uring.h"
#include "kv/seal.h"
#include "kv/server.h"
#include "kv/server_internal.h"

#define MIB ((uint64_t)1024 * 1024)

/* ---- messages ---- */

__attribute__((format(printf, 2, 3))) static void say(int fd, const char *fmt, ...) {
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    const char *at = line;
    while (len > 0) {
        ssize_t w = write(fd, at, len);
        if (w <= 0) return; /* the terminal went away: nothing useful to do */
        at += w;
        len -= (size_t)w;
    }
}

/* ---- file descriptors ---- */

static bool raise_fd_limit(const kv_config *c, uint64_t *limit) {
    uint64_t need = c->connections_max + KV_SERVER_FDS_RESERVED;
    struct rlimit now;
    ST_ASSERT(getrlimit(RLIMIT_NOFILE, &now) == 0);
    *limit = now.rlim_cur;
    if (now.rlim_cur != RLIM_INFINITY && now.rlim_cur >= need) return true;
    if (now.rlim_cur == RLIM_INFINITY) return true;
    struct rlimit want = {
        .rlim_cur = need,
        .rlim_max = now.rlim_max == RLIM_INFINITY || now.rlim_max >= need ? now.rlim_max : need};
    if (setrlimit(RLIMIT_NOFILE, &want) == 0) {
        *limit = need;
        return true;
    }
    int err = errno;
    say(STDERR_FILENO,
        "stasis-kv: connections_max %llu needs %llu file descriptors (%u for the server itself), "
        "but RLIMIT_NOFILE is %llu (hard limit %llu) and cannot be raised: %s.\n"
        "Raise the hard limit (as root: ulimit -Hn %llu; LimitNOFILE=%llu in a systemd unit; "
        "/etc/security/limits.conf; the kernel's ceiling is /proc/sys/fs/nr_open), or lower "
        "--connections-max.\n",
        (unsigned long long)c->connections_max, (unsigned long long)need, KV_SERVER_FDS_RESERVED,
        (unsigned long long)now.rlim_cur, (unsigned long long)now.rlim_max, strerrordesc_np(err),
        (unsigned long long)need, (unsigned long long)need);
    return false;
}

/* ---- the listening socket ---- */

static int open_listener(const kv_config *c, uint16_t *port) {
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)c->port)};
    if (inet_pton(AF_INET, c->bind, &addr.sin_addr) != 1) {
        say(STDERR_FILENO, "stasis-kv: --bind: expected a numeric IPv4 address, got '%s'\n",
            c->bind);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
        bind(fd, (const struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(fd, KV_SERVER_LISTEN_BACKLOG) != 0) {
        int err = errno;
        say(STDERR_FILENO, "stasis-kv: cannot listen on %s:%llu: %s\n", c->bind,
            (unsigned long long)c->port, strerrordesc_np(err));
        if (fd >= 0) close(fd);
        return -1;
    }
    socklen_t len = sizeof addr;
    ST_ASSERT(getsockname(fd, (struct sockaddr *)&addr, &len) == 0);
    *port = ntohs(addr.sin_port);
    return fd;
}

/* ---- signals ---- */

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig) { stop_signal = sig; }

static void install_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal; /* no SA_RESTART: the wait in io_uring_enter returns */
    sigemptyset(&sa.sa_mask);
    ST_ASSERT(sigaction(SIGINT, &sa, NULL) == 0);
    ST_ASSERT(sigaction(SIGTERM, &sa, NULL) == 0);
    signal(SIGPIPE, SIG_IGN); /* sends use MSG_NOSIGNAL; this covers anything else */
}

/* stdio must not allocate its buffers lazily after the seal. */
static void static_stdio(void) {
    static char out_buffer[BUFSIZ];
    setvbuf(stdout, out_buffer, _IOLBF, sizeof out_buffer);
    setvbuf(stderr, NULL, _IONBF, 0);
}

static siphash_key hash_seed(const kv_config *c) {
    if (c->hash_seed != 0) {
        return (siphash_key){.k0 = c->hash_seed, .k1 = c->hash_seed ^ 0x9e3779b97f4a7c15ull};
    }
    siphash_key k;
    ssize_t n = getrandom(&k, sizeof k, 0);
    ST_ASSERT(n == (ssize_t)sizeof k);
    return k;
}

/* ---- start-up lines ---- */

static void print_started(const kv_server *s, const kv_io_uring *ring, uint64_t fd_limit,
                          uint16_t port) {
    const kv_config *c = s->config;
    char ring_text[160];
    kv_io_uring_describe(ring, ring_text, sizeof ring_text);
    say(STDOUT_FILENO,
        "stasis-kv: reservation %llu bytes (%llu MiB) in %zu regions, %s; "
        "stasis-kv --print-reservation lists them\n",
        (unsigned long long)s->layout.total_bytes,
        (unsigned long long)(s->layout.total_bytes / MIB), s->layout.region_count,
        reservation_is_locked(&s->memory) ? "locked in memory (mlock)" : "not locked");
    say(STDOUT_FILENO,
        "stasis-kv: limits: connections_max %llu, connection_buffer_size %llu, large buffers %llu "
        "x "
        "%llu bytes, keys_max %llu, value_size_max %llu, request_size_max %llu, reply_size_max "
        "%llu, "
        "idle_timeout_s %llu, large_buffer_hold_ms_max %llu, commands_per_turn_max %llu\n",
        (unsigned long long)c->connections_max, (unsigned long long)c->connection_buffer_size,
        (unsigned long long)c->large_buffers_max, (unsigned long long)s->layout.large_buffer_bytes,
        (unsigned long long)c->keys_max, (unsigned long long)c->value_size_max,
        (unsigned long long)c->request_size_max, (unsigned long long)c->reply_size_max,
        (unsigned long long)c->idle_timeout_s, (unsigned long long)c->large_buffer_hold_ms_max,
        (unsigned long long)c->commands_per_turn_max);
    say(STDOUT_FILENO, "stasis-kv: %s; file descriptors: %llu (RLIMIT_NOFILE)\n", ring_text,
        (unsigned long long)fd_limit);
    if (c->seal == KV_SEAL_STRICT) {
        static const char *const names[] = {SEAL_STRICT_SYSCALLS};
        char list[256] = "";
        size_t at = 0;
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            at += (size_t)snprintf(list + at, sizeof list - at, "%s%s", i ? ", " : "", names[i]);
        say(STDOUT_FILENO, "stasis-kv: sealed (strict): seccomp kills the process on %s\n", list);
    } else {
        say(STDOUT_FILENO,
            "stasis-kv: sealed (count): allocation calls after the seal are counted (%s; INFO "
            "allocation_calls_after_seal)\n",
            seal_counts_by_wrapping() ? "link-time wrappers" : "sanitizer hooks around commands");
    }
    say(STDOUT_FILENO, "stasis-kv: ready on %s:%u, pid %ld\n", c->bind, (unsigned)port,
        (long)getpid());
}

/* ---- run ---- */

/* The loop is I/O-free; the seal's counting is this build's (seal.h). */
static void window_begin(void) { seal_window_begin(); }
static void window_end(void) { seal_window_end(); }

static const kv_server_hooks seal_hooks = {
    .window_begin = window_begin,
    .window_end = window_end,
    .allocation_calls = seal_allocation_calls,
};

static kv_server server;
static kv_io_uring ring;

/* Everything that maps, allocates or opens before the seal. Returns false (message
 * printed) when the server cannot start. */
static bool start(const kv_config *c, uint64_t *fd_limit, uint16_t *port) {
    char error[512];
    if (!raise_fd_limit(c, fd_limit)) return false;
    if (c->seal == KV_SEAL_STRICT && !seal_strict_supported()) {
        (void)seal_strict_prepare(error, sizeof error);
        say(STDERR_FILENO, "stasis-kv: %s\n", error);
        return false;
    }
    int r = kv_server_reserve(&server, c, c->lock_memory != 0, hash_seed(c), error, sizeof error);
    if (r != 0) {
        bool lock_failed = c->lock_memory != 0 && (r == -EPERM || r == -ENOMEM || r == -EAGAIN);
        say(STDERR_FILENO, "stasis-kv: %s\n%s", error,
            lock_failed
                ? "--lock-memory: mlock needs RLIMIT_MEMLOCK above the reservation (ulimit -l; "
                  "LimitMEMLOCK= in systemd) or CAP_IPC_LOCK; or run without --lock-memory.\n"
                : "Lower the limits (stasis-kv --print-reservation shows what each region "
                  "costs) or free memory.\n");
        return false;
    }
    server.listen_fd = open_listener(c, port);
    if (server.listen_fd < 0) return false;
    r = kv_io_uring_init(&ring, c->connections_max, error, sizeof error);
    if (r != 0) {
        say(STDERR_FILENO, "stasis-kv: %s\n", error);
        return false;
    }
    kv_server_attach(&server, kv_io_uring_interface(&ring), server.listen_fd, &seal_hooks);
    if (c->seal == KV_SEAL_STRICT && !seal_strict_prepare(error, sizeof error)) {
        say(STDERR_FILENO, "stasis-kv: %s\n", error);
        return false;
    }
    return true;
}

/* Seals the reservation, arms the counting, and under strict installs the filter. */
static bool seal(const kv_config *c) {
    reservation_seal(&server.memory);
    seal_arm();
    if (c->seal != KV_SEAL_STRICT) return true;
    char error[256];
    if (seal_strict_install(error, sizeof error)) return true;
    say(STDERR_FILENO, "stasis-kv: %s\n", error);
    return false;
}

int kv_server_run(const kv_config *config) {
    static_stdio();
    uint64_t fd_limit = 0;
    uint16_t port = 0;
    if (!start(config, &fd_limit, &port)) return 2;
    install_signals();
    server.info.tcp_port = port;
    server.info.process_id = (uint64_t)getpid();
    if (!seal(config)) return 2;
    print_started(&server, &ring, fd_limit, port);
    kv_server_loop(&server, &stop_signal);
    say(STDOUT_FILENO,
        "stasis-kv: stopped by signal %d: %llu connections served, %llu rejected, %llu commands; "
        "allocation calls after the seal: %llu\n",
        (int)stop_signal, (unsigned long long)server.info.total_connections_received,
        (unsigned long long)server.info.rejected_connections,
        (unsigned long long)server.engine.stats.commands_processed,
        (unsigned long long)seal_allocation_calls());
    return 0;
}
