/* capacity's connections leg: the worst case with every connection busy (see the header). */
#include "capacity_connections.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc/stasis_assert.h"
#include "kv/config.h"
#include "kv_process.h"
#include "props.h"

#define PEERS_MAX          16
#define REQUEST_BYTES_MAX  (72 * 1024)
#define REPLY_BYTES_MAX    128
#define HOLD_QUIET_MS      50    /* phase 1 ends when no byte more goes out for this long */
#define SETTLE_MS          10    /* or, every byte but the last out, after this long */
#define COMPLETE_MS_MAX    20000 /* the worst case must complete within this */
#define RECV_TIMEOUT_MS    5000

typedef struct conn_case {
    uint32_t connections; /* connections_max, and keys_max: one key each */
    uint32_t large_buffers;
    uint32_t key_size;
    uint32_t value_size;
    uint32_t list_length;
    uint32_t buffer_kib; /* connection_buffer_size */
} conn_case;

typedef struct peer {
    int fd;
    size_t len;  /* of its request */
    size_t sent;
    char reply[REPLY_BYTES_MAX];
    size_t reply_len;
    bool closed; /* by the server (or reset) */
} peer;

static uint8_t requests[PEERS_MAX + 1][REQUEST_BYTES_MAX]; /* the last: one byte beyond */
static peer peers[PEERS_MAX];

static void decode(cursor *c, conn_case *k) {
    k->connections = cursor_range(c, 1, PEERS_MAX);
    k->large_buffers = cursor_range(c, 2, 4);
    k->key_size = cursor_range(c, 1, 64);
    k->value_size = cursor_range(c, 8, 2048);
    k->list_length = cursor_range(c, 1, 32);
    k->buffer_kib = cursor_range(c, 1, 4);
}

/* The case's settings, as the server gets them on its command line. */
static void settings(const conn_case *k, kvp_args *a) {
    kvp_args_setting(a, "capacity_policy", "guaranteed");
    kvp_args_setting_u64(a, "connections_max", k->connections);
    kvp_args_setting_u64(a, "keys_max", k->connections);
    kvp_args_setting_u64(a, "large_buffers_max", k->large_buffers);
    kvp_args_setting_u64(a, "key_size_max", k->key_size);
    kvp_args_setting_u64(a, "value_size_max", k->value_size);
    kvp_args_setting_u64(a, "list_length_max", k->list_length);
    kvp_args_setting_u64(a, "connection_buffer_size", (uint64_t)k->buffer_kib * 1024);
    kvp_args_setting(a, "inline_size_max", "16");
    /* Holding a request's last byte back makes a slow client by the rate rule
     * (server_large.c), cut off within milliseconds when others wait: that is the liveness
     * properties' business. Here the liveness limits stand aside (1 byte/s, 60 s), so that a
     * loaded machine cannot cut a client off either. */
    kvp_args_setting(a, "large_buffer_rate_min_bytes_per_s", "1");
    kvp_args_setting(a, "large_buffer_hold_ms_max", "60000");
}

/* The same settings through kv_config_set (the command line's own path), finalized. */
static void config_of(const kvp_args *a, size_t first, kv_config *config) {
    kv_config_defaults(config);
    char error[256];
    for (size_t i = first; i + 1 < a->argc; i += 2) {
        const char *flag = a->argv[i] + 2; /* "--name-with-dashes": the dashed name */
        PROP_CHECK(kv_config_set(config, flag, a->argv[i + 1], error, sizeof error), "%s", error);
    }
    PROP_CHECK(kv_config_finalize(config, error, sizeof error), "refused: %s", error);
}

/* ---- requests ---- */

static size_t put_bulk(uint8_t *out, size_t at, const uint8_t *bytes, size_t len) {
    int n = snprintf((char *)out + at, 24, "$%zu\r\n", len);
    ST_ASSERT(n > 0 && at + (size_t)n + len + 2 <= REQUEST_BYTES_MAX);
    at += (size_t)n;
    memcpy(out + at, bytes, len);
    memcpy(out + at + len, "\r\n", 2);
    return at + len + 2;
}

/* Key #i: key_size_max bytes, one distinct key per connection. */
static const char *key_text(const conn_case *k, uint32_t i) {
    static char key[65];
    memset(key, 'k', k->key_size);
    key[0] = (char)('A' + i);
    key[k->key_size] = '\0';
    return key;
}

/* `verb` key#i v v ... (list_length values): the largest push there is. */
static size_t push_request(const conn_case *k, const char *verb, uint32_t i, uint8_t *out) {
    static uint8_t value[2048];
    memset(value, 'v', k->value_size);
    size_t at = (size_t)snprintf((char *)out, 24, "*%u\r\n", k->list_length + 2);
    at = put_bulk(out, at, (const uint8_t *)verb, strlen(verb));
    at = put_bulk(out, at, (const uint8_t *)key_text(k, i), k->key_size);
    for (uint32_t v = 0; v < k->list_length; v++) at = put_bulk(out, at, value, k->value_size);
    return at;
}

/* A command of one or two words as a request. */
static size_t command(uint8_t *out, const char *a, const char *b) {
    size_t at = (size_t)snprintf((char *)out, 24, "*%d\r\n", b != NULL ? 2 : 1);
    at = put_bulk(out, at, (const uint8_t *)a, strlen(a));
    if (b != NULL) at = put_bulk(out, at, (const uint8_t *)b, strlen(b));
    return at;
}

/* ---- sockets ---- */

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int connect_blocking(void) {
    int fd = kvp_connect(kvp_srv.port);
    PROP_CHECK(fd >= 0, "cannot connect to the server: %s", strerror(errno));
    struct timeval tv = {.tv_sec = RECV_TIMEOUT_MS / 1000};
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static void send_all(int fd, const uint8_t *bytes, size_t len) {
    for (size_t at = 0; at < len;) {
        ssize_t n = send(fd, bytes + at, len - at, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return; /* the server closed it: what it answered tells */
        at += (size_t)n;
    }
}

/* Reads until `lines` complete lines arrived, or the end (closed, reset, time-out). */
static size_t read_reply(int fd, char *out, size_t size, int lines) {
    size_t len = 0;
    while (len + 1 < size) {
        ssize_t n = recv(fd, out + len, size - 1 - len, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        len += (size_t)n;
        out[len] = '\0';
        int seen = 0;
        for (const char *p = out; (p = strstr(p, "\r\n")) != NULL; p += 2) seen++;
        if (lines > 0 && seen >= lines) break;
    }
    out[len] = '\0';
    return len;
}

static void expect_text(const char *have, size_t have_len, const char *want, const char *check,
                        const char *what) {
    if (have_len == strlen(want) && memcmp(have, want, have_len) == 0) return;
    fprintf(stderr, "reply: ");
    prop_print_bytes(stderr, (const uint8_t *)have, have_len);
    fprintf(stderr, "\nwant:  ");
    prop_print_bytes(stderr, (const uint8_t *)want, strlen(want));
    fprintf(stderr, "\n");
    prop_fail(check, "%s", what);
}

/* One request, one reply line, compared byte for byte. */
static void exchange(int fd, const uint8_t *request, size_t len, const char *want,
                     const char *check, const char *what) {
    char reply[REPLY_BYTES_MAX];
    send_all(fd, request, len);
    size_t n = read_reply(fd, reply, sizeof reply, 1);
    expect_text(reply, n, want, check, what);
}

/* ---- the worst case in flight ---- */

/* Both return whether something moved (a byte, or the close). */
static bool peer_send(peer *p, const uint8_t *request, size_t hold) {
    ssize_t k = send(p->fd, request + p->sent, p->len - hold - p->sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (k > 0) p->sent += (size_t)k;
    return k > 0;
}

static bool peer_recv(peer *p) {
    ssize_t k = recv(p->fd, p->reply + p->reply_len, sizeof p->reply - 1 - p->reply_len,
                     MSG_DONTWAIT);
    if (k > 0) p->reply_len += (size_t)k;
    if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) p->closed = true;
    p->reply[p->reply_len] = '\0';
    return k > 0 || p->closed;
}

/* Sends what each peer may send now (all but `hold` bytes of its request) and reads what
 * arrived, waiting at most wait_ms; returns whether anything moved. */
static bool pump_once(uint32_t n, size_t hold, int wait_ms) {
    struct pollfd fds[PEERS_MAX];
    for (uint32_t i = 0; i < n; i++) {
        bool more = peers[i].sent + hold < peers[i].len;
        fds[i] = (struct pollfd){.fd = peers[i].closed ? -1 : peers[i].fd,
                                 .events = (short)(POLLIN | (more ? POLLOUT : 0))};
    }
    if (poll(fds, n, wait_ms) <= 0) return false;
    bool moved = false;
    for (uint32_t i = 0; i < n; i++) {
        if ((fds[i].revents & POLLOUT) != 0 && peers[i].sent + hold < peers[i].len) {
            moved |= peer_send(&peers[i], requests[i], hold);
        }
        if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) moved |= peer_recv(&peers[i]);
    }
    return moved;
}

static bool answered(const peer *p) {
    return p->closed || (p->reply_len >= 2 && memcmp(p->reply + p->reply_len - 2, "\r\n", 2) == 0);
}

static bool all_answered(uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        if (!answered(&peers[i])) return false;
    }
    return true;
}

/* Every connection opened (and served: a PING each), its request built. */
static void open_peers(const conn_case *k) {
    uint8_t ping[32];
    size_t ping_len = command(ping, "PING", NULL);
    for (uint32_t i = 0; i < k->connections; i++) {
        peer *p = &peers[i];
        *p = (peer){.fd = connect_blocking(), .len = push_request(k, "RPUSH", i, requests[i])};
        exchange(p->fd, ping, ping_len, "+PONG\r\n", "every connection up to connections_max is served",
                 "PING on a connection below the limit");
        PROP_CHECK(fcntl(p->fd, F_SETFL, O_NONBLOCK) == 0, "fcntl: %s", strerror(errno));
    }
}

static bool all_held(uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        if (peers[i].sent + 1 < peers[i].len) return false;
    }
    return true;
}

/* Phase 1: every request but its last byte, until all is out or nothing more goes out (a
 * connection waiting for a large buffer is not read from), and a moment longer to see that
 * no incomplete request is answered. */
static void hold_last_bytes(uint32_t n) {
    int64_t quiet_since = now_ms();
    while (now_ms() - quiet_since < (all_held(n) ? SETTLE_MS : HOLD_QUIET_MS)) {
        if (pump_once(n, 1, 5)) quiet_since = now_ms();
    }
    for (uint32_t i = 0; i < n; i++) {
        PROP_CHECK(peers[i].reply_len == 0 && !peers[i].closed,
                   "the server answered (or closed) connection #%u before its request was "
                   "complete: %s",
                   i, peers[i].reply);
    }
}

/* One connection beyond connections_max: its exact error, then the close. */
static void probe_connections_max(void) {
    int fd = connect_blocking();
    char reply[REPLY_BYTES_MAX];
    size_t n = read_reply(fd, reply, sizeof reply, 0);
    close(fd);
    expect_text(reply, n, "-ERR max number of clients reached\r\n",
                "one connection beyond connections_max gets its exact error",
                "a connection opened while connections_max connections hold a maximal request");
}

/* Phase 3: the last bytes; every request must complete with zero errors. */
static void complete_all(const conn_case *k) {
    int64_t deadline = now_ms() + COMPLETE_MS_MAX;
    while (!all_answered(k->connections) && now_ms() < deadline) (void)pump_once(k->connections, 0, 50);
    char want[32];
    snprintf(want, sizeof want, ":%u\r\n", k->list_length);
    for (uint32_t i = 0; i < k->connections; i++) {
        const peer *p = &peers[i];
        PROP_CHECK(answered(p), "connection #%u: no reply within %d ms (%zu of %zu bytes sent)", i,
                   COMPLETE_MS_MAX, p->sent, p->len);
        char what[96];
        snprintf(what, sizeof what, "the maximal request of connection #%u of %u", i, k->connections);
        expect_text(p->reply, p->reply_len, want, "the worst case completes with zero errors", what);
    }
}

/* ---- one byte beyond request_size_max ---- */

/* A connection, retried while the server still counts connections it is closing. */
static int connect_served(void) {
    uint8_t ping[32];
    size_t ping_len = command(ping, "PING", NULL);
    for (int attempt = 0; attempt < 100; attempt++) {
        int fd = connect_blocking();
        char reply[REPLY_BYTES_MAX];
        send_all(fd, ping, ping_len);
        size_t n = read_reply(fd, reply, sizeof reply, 1);
        if (n == 7 && memcmp(reply, "+PONG\r\n", 7) == 0) return fd;
        close(fd);
        usleep(20000);
    }
    prop_fail("a connection is served once others closed", "no PONG within 2 s");
}

/* On connection #0 (the others closed): the push one byte longer, its exact error, the
 * close; then the store as it was. */
static void probe_request_size_max(const conn_case *k, const kv_config *config) {
    for (uint32_t i = 1; i < k->connections; i++) close(peers[i].fd);
    int fd = peers[0].fd;
    PROP_CHECK(fcntl(fd, F_SETFL, 0) == 0, "fcntl: %s", strerror(errno));
    uint8_t *beyond = requests[PEERS_MAX];
    size_t len = push_request(k, "RPUSHX", 0, beyond);
    PROP_CHECK(len == config->request_size_max + 1, "RPUSHX's push is %zu bytes, not request_size_max + 1 (%" PRIu64 ")", len, config->request_size_max + 1);
    send_all(fd, beyond, len);
    char reply[REPLY_BYTES_MAX], want[REPLY_BYTES_MAX];
    size_t n = read_reply(fd, reply, sizeof reply, 0); /* to the close */
    close(fd);
    snprintf(want, sizeof want, "-ERR Protocol error: request exceeds request_size_max (%" PRIu64 " bytes)\r\n", config->request_size_max);
    expect_text(reply, n, want, "one byte beyond request_size_max gets its exact error",
                "a push of request_size_max + 1 bytes");
    fd = connect_served();
    uint8_t request[128];
    snprintf(want, sizeof want, ":%u\r\n", k->connections);
    exchange(fd, request, command(request, "DBSIZE", NULL), want, "the refused request changed nothing", "DBSIZE");
    snprintf(want, sizeof want, ":%u\r\n", k->list_length);
    for (uint32_t i = 0; i < k->connections; i++) {
        exchange(fd, request, command(request, "LLEN", key_text(k, i)), want,
                 "the refused request changed nothing", "LLEN of a full list");
    }
    close(fd);
}

/* ---- the leg ---- */

int capacity_connections_run(cursor *c) {
    conn_case k;
    decode(c, &k);
    static kvp_args a;
    kvp_args_init(&a);
    size_t first = a.argc;
    settings(&k, &a);
    static kv_config config;
    config_of(&a, first, &config);
    size_t push = push_request(&k, "RPUSH", 0, requests[0]);
    PROP_CHECK(push == config.request_size_max,
               "the largest push is %zu bytes; request_size_max derives %" PRIu64, push,
               config.request_size_max);
    kvp_args_setting(&a, "port", "0");
    kvp_start(&a);
    open_peers(&k);
    hold_last_bytes(k.connections);
    probe_connections_max();
    complete_all(&k);
    probe_request_size_max(&k, &config);
    int status = kvp_stop();
    PROP_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
               "the server did not end with status 0 on SIGTERM (wait status %d)", status);
    printf("props: capacity: %u connections each with a request of %zu bytes in flight, %u "
           "large buffers: every reply :%u; connection %u and request byte %zu refused exactly\n",
           k.connections, push, k.large_buffers, k.list_length, k.connections + 1, push + 1);
    return PROP_PASS;
}

void capacity_connections_describe(cursor *c, FILE *out) {
    conn_case k;
    decode(c, &k);
    fprintf(out,
            "the real stasis-kv, guaranteed: connections_max %u (= keys_max), large_buffers_max "
            "%u, key_size_max %u, value_size_max %u, list_length_max %u, "
            "connection_buffer_size %u KiB, inline_size_max 16\n",
            k.connections, k.large_buffers, k.key_size, k.value_size, k.list_length,
            k.buffer_kib);
    fprintf(out,
            "%u connections each send RPUSH of a key of %u bytes and %u values of %u bytes but "
            "its last byte; one more connection; the last bytes; RPUSHX one byte longer\n",
            k.connections, k.key_size, k.list_length, k.value_size);
}
