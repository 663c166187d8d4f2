/* The real server's bounded resources over raw sockets: the connection pool, idle clients,
 * large buffers (waiting, second loans, the hold limit), a client vanishing mid-reply, a
 * client that never reads, descriptors running out at accept, and shutdown. */
#include "test_support.h"

#include <errno.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "server_harness.h"

/* Reads /proc/<pid>/status's field (kB). */
static uint64_t proc_status_kb(pid_t pid, const char *field) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[256];
    uint64_t kb = 0;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, field, n) == 0 && line[n] == ':') kb = strtoull(line + n + 1, NULL, 10);
    }
    fclose(f);
    return kb;
}

static void ping(int fd) {
    client_send_text(fd, "PING\r\n");
    client_expect(fd, "+PONG\r\n");
}

/* ---- the connection pool ---- */

static void test_exhaustion_rejects_with_redis_text(void **state) {
    (void)state;
    server_proc s;
    const char *args[] = {"--connections-max=2", NULL};
    server_start(&s, args);
    int a = client_connect(s.port);
    int b = client_connect(s.port);
    ping(a);
    ping(b);
    int c = client_connect(s.port);
    client_expect(c, "-ERR max number of clients reached\r\n");
    assert_true(client_closed(c, SERVER_WAIT_MS));
    close(c);
    ping(a); /* existing clients are unaffected */
    ping(b);
    close(b);
    /* asked over a: a new connection would be refused until b's close completed */
    assert_int_equal(client_wait_info(a, "connected_clients", 1), 1);
    assert_int_equal(client_info_u64(a, "rejected_connections"), 1);
    close(a);
    server_stop(&s);
}

/* ---- idle clients ---- */

/* The real binary closes an idle client, without a reply, and counts it. When (not before
 * idle_timeout_s, within a tick after) and that active clients stay are
 * test_kv_timing_sim's, in simulated time. */
static void test_idle_timeout(void **state) {
    (void)state;
    server_proc s;
    const char *args[] = {"--idle-timeout-s=1", NULL};
    server_start(&s, args);
    int idle = client_connect(s.port);
    client_send_text(idle, "CONFIG GET timeout\r\n"); /* Redis's name for it */
    client_expect(idle, "*2\r\n$7\r\ntimeout\r\n$1\r\n1\r\n");
    assert_true(client_closed(idle, SERVER_WAIT_MS)); /* closed without a reply */
    assert_int_equal(server_info_u64(s.port, "idle_timeouts"), 1);
    close(idle);
    server_stop(&s);
}

/* ---- large buffers ---- */

/* "*3\r\n$3\r\nSET\r\n$<k>\r\n<key>\r\n$<n>\r\n" then n bytes of value and "\r\n". */
static const char *const large_args[] = {"--large-buffers-max=2", "--connection-buffer-size=4096",
                                         "--large-buffer-rate-min-bytes-per-s=1",
                                         "--value-size-max=65536", NULL};

/* All the buffers a first loan may take are lent: the next client waits, is not failed,
 * and is served once one comes back; small clients are unaffected meanwhile. */
static void test_waiting_for_a_large_buffer(void **state) {
    (void)state;
    server_proc s;
    server_start(&s, large_args);
    size_t len_a = 0;
    size_t len_b = 0;
    char *cmd_a = resp_big_set("a", 60000, &len_a);
    char *cmd_b = resp_big_set("b", 60000, &len_b);
    int a = client_connect(s.port);
    client_send(a, cmd_a, 30000); /* a holds a large buffer, its request half there */
    assert_int_equal(server_wait_info(s.port, "large_buffers_in_use", 1), 1);
    int b = client_connect(s.port);
    client_send(b, cmd_b, len_b); /* b needs one too: the last free one is kept for second
                                     loans, so b waits */
    assert_int_equal(server_wait_info(s.port, "large_buffer_waits", 1), 1);
    assert_true(client_silent(b, 200));
    int small = client_connect(s.port);
    ping(small);
    client_send(a, cmd_a + 30000, len_a - 30000);
    client_expect(a, "+OK\r\n");
    client_expect(b, "+OK\r\n"); /* a's buffer came back and went to b */
    client_send_text(small, "STRLEN a\r\nSTRLEN b\r\n");
    client_expect(small, ":60000\r\n:60000\r\n");
    assert_int_equal(server_wait_info(s.port, "large_buffers_in_use", 0), 0);
    close(a);
    close(b);
    close(small);
    free(cmd_a);
    free(cmd_b);
    server_stop(&s);
}

/* A big request whose reply is big too takes two buffers (the second loan). */
static void test_echo_of_a_large_value(void **state) {
    (void)state;
    server_proc s;
    server_start(&s, large_args);
    size_t n = 50000;
    char *value = malloc(n);
    assert_non_null(value);
    for (size_t i = 0; i < n; i++)
        value[i] = (char)('a' + i % 26);
    const char *argv[] = {"ECHO", value};
    size_t lens[] = {4, n};
    size_t len = 0;
    char *cmd = resp_command(&len, 2, argv, lens);
    int fd = client_connect(s.port);
    for (int round = 0; round < 3; round++) {
        client_send(fd, cmd, len);
        client_expect(fd, "$50000\r\n");
        char *got = malloc(n + 2);
        assert_non_null(got);
        client_read_exact(fd, got, n + 2);
        assert_memory_equal(got, value, n);
        free(got);
    }
    ping(fd);
    assert_int_equal(server_wait_info(s.port, "large_buffers_in_use", 0), 0);
    close(fd);
    free(cmd);
    free(value);
    server_stop(&s);
}

/* A slow-loris client holding a large buffer is disconnected after the hold limit. */
static void test_large_buffer_hold_limit(void **state) {
    (void)state;
    server_proc s;
    const char *args[] = {"--large-buffer-hold-ms-max=300", "--value-size-max=65536", NULL};
    server_start(&s, args);
    size_t len = 0;
    char *cmd = resp_big_set("loris", 60000, &len);
    int fd = client_connect(s.port);
    client_send(fd, cmd, 20000); /* and never the rest */
    assert_true(client_closed(fd, SERVER_WAIT_MS));
    assert_int_equal(server_info_u64(s.port, "large_buffer_timeouts"), 1);
    assert_int_equal(server_wait_info(s.port, "large_buffers_in_use", 0), 0);
    close(fd);
    free(cmd);
    server_stop(&s);
}

/* ---- clients that leave or do not read ---- */

static const char *const big_value_args[] = {"--value-size-max=1m", NULL};

static void store_big_value(int port, size_t n) {
    size_t len = 0;
    char *cmd = resp_big_set("big", n, &len);
    int fd = client_connect(port);
    client_send(fd, cmd, len);
    client_expect(fd, "+OK\r\n");
    close(fd);
    free(cmd);
}

static void test_client_vanishing_mid_reply(void **state) {
    (void)state;
    server_proc s;
    server_start(&s, big_value_args);
    store_big_value(s.port, 1000000);
    for (int i = 0; i < 3; i++) {
        int fd = client_connect_small(s.port, 4096);
        client_send_text(fd, "GET big\r\n");
        char head[1000];
        client_read_exact(fd, head, sizeof head); /* the reply has begun */
        close(fd); /* unread data: the kernel resets the connection */
    }
    /* INFO counts the connection that asks it, as Redis does: 1 is that one alone. */
    assert_int_equal(server_wait_info(s.port, "connected_clients", 1), 1);
    assert_int_equal(server_wait_info(s.port, "large_buffers_in_use", 0), 0);
    int fd = client_connect(s.port);
    client_send_text(fd, "STRLEN big\r\n");
    client_expect(fd, ":1000000\r\n");
    close(fd);
    server_stop(&s);
}

/* Output is bounded: the server stops reading from a client that does not read its
 * replies, serves everyone else, and its memory does not move. */
static void test_client_that_never_reads(void **state) {
    (void)state;
    server_proc s;
    server_start(&s, NULL);
    int setter = client_connect(s.port);
    client_send_text(setter, "SET k 0123456789012345678901234567890123456789\r\n");
    client_expect(setter, "+OK\r\n");
    uint64_t vm_before = proc_status_kb(s.pid, "VmSize");
    int slow = client_connect_small(s.port, 4096);
    static const char get[] = "GET k\r\n";
    char batch[7 * 1000];
    for (size_t i = 0; i < sizeof batch / 7; i++)
        memcpy(batch + i * 7, get, 7);
    for (int i = 0; i < 200; i++) { /* until the server stops reading: sends then block */
        ssize_t n = send(slow, batch, sizeof batch, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 && errno == EAGAIN) break; /* EWOULDBLOCK is EAGAIN */
        assert_true(n > 0);
    }
    assert_true(server_wait_info(s.port, "slow_readers_paused", 1) >= 1);
    ping(setter); /* everyone else is served */
    assert_int_equal(proc_status_kb(s.pid, "VmSize"), vm_before);
    close(slow);
    /* setter and the connection INFO is asked on */
    assert_int_equal(server_wait_info(s.port, "connected_clients", 2), 2);
    close(setter);
    server_stop(&s);
}

/* ---- file descriptors at start-up ----
 *
 * EMFILE at accept itself is not provoked here: the server raises its limit to cover
 * connections_max plus its own needs, and io_uring fixes the limit an accept obeys when the
 * multishot accept is armed, so lowering it from outside afterwards changes nothing. The
 * pause-and-retry path on EMFILE/ENFILE is for the simulated I/O backend to drive. */

/* The soft limit in /proc/<pid>/limits ("Max open files  SOFT  HARD  files"). */
static uint64_t soft_fd_limit(pid_t pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/limits", (int)pid);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[256];
    uint64_t soft = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "Max open files", 14) == 0) soft = strtoull(line + 14, NULL, 10);
    }
    fclose(f);
    return soft;
}

/* A soft limit below connections_max + the server's own 32 is raised to exactly that. */
static void test_fd_limit_raised_to_cover_connections(void **state) {
    (void)state;
    struct rlimit saved;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
    if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < 1000) skip();
    struct rlimit low = {.rlim_cur = 64, .rlim_max = saved.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0); /* the server inherits it */
    server_proc s;
    const char *args[] = {"--connections-max=500", NULL};
    server_start(&s, args);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
    assert_int_equal(soft_fd_limit(s.pid), 532);
    assert_non_null(strstr(s.output, "file descriptors: 532 (RLIMIT_NOFILE)"));
    server_stop(&s);
}

/* A hard limit that cannot cover them: the server refuses to start, says how to fix it,
 * and exits 2. */
static void test_fd_limit_too_low_refuses_to_start(void **state) {
    (void)state;
    int err[2];
    assert_int_equal(pipe(err), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit hard = {.rlim_cur = 100, .rlim_max = 100};
        if (setrlimit(RLIMIT_NOFILE, &hard) != 0) _exit(99);
        dup2(err[1], STDERR_FILENO);
        dup2(err[1], STDOUT_FILENO);
        close(err[0]);
        close(err[1]);
        execl(STASIS_KV_BINARY, STASIS_KV_BINARY, "--port=0", "--connections-max=500", (char *)NULL);
        _exit(127);
    }
    close(err[1]);
    char out[2048];
    size_t len = 0;
    for (ssize_t n; len < sizeof out - 1 && (n = read(err[0], out + len, sizeof out - 1 - len)) > 0;)
        len += (size_t)n;
    out[len] = '\0';
    close(err[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 2);
    assert_non_null(strstr(out, "stasis-kv: connections_max 500 needs 532 file descriptors (32 "
                                "for the server itself), but RLIMIT_NOFILE is 100 (hard limit "
                                "100) and cannot be raised"));
    assert_non_null(strstr(out, "or lower --connections-max."));
}

/* ---- shutdown ---- */

static void test_sigint_closes_clients_and_exits_0(void **state) {
    (void)state;
    server_proc s;
    server_start(&s, NULL);
    int fds[3];
    for (int i = 0; i < 3; i++) {
        fds[i] = client_connect(s.port);
        ping(fds[i]);
    }
    server_stop_with(&s, SIGINT); /* asserts exit 0 */
    for (int i = 0; i < 3; i++) {
        assert_true(client_closed(fds[i], SERVER_WAIT_MS));
        close(fds[i]);
    }
    assert_non_null(strstr(s.output, "stopped by signal 2"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exhaustion_rejects_with_redis_text),
        cmocka_unit_test(test_idle_timeout),
        cmocka_unit_test(test_waiting_for_a_large_buffer),
        cmocka_unit_test(test_echo_of_a_large_value),
        cmocka_unit_test(test_large_buffer_hold_limit),
        cmocka_unit_test(test_client_vanishing_mid_reply),
        cmocka_unit_test(test_client_that_never_reads),
        cmocka_unit_test(test_fd_limit_raised_to_cover_connections),
        cmocka_unit_test(test_fd_limit_too_low_refuses_to_start),
        cmocka_unit_test(test_sigint_closes_clients_and_exits_0),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
