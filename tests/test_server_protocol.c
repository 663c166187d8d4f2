/* The real server over raw sockets: pipelined, partial and malformed input, Redis's texts,
 * the unauthenticated limits, and the value_size_max boundary (stored / the limit's error
 * as the design classifies it). Every server runs under --seal=strict in plain builds. */
#include "test_support.h"

#include <sys/socket.h>

#include "kv_harness.h"
#include "server_harness.h"

static server_proc server;

static int start_default(void **state) {
    (void)state;
    server_start(&server, NULL);
    return 0;
}

static int stop(void **state) {
    (void)state;
    server_stop(&server);
    return 0;
}

/* ---- pipelining ---- */

/* More commands in one write than commands_per_turn_max: every one is served, in order. */
static void test_pipelined_replies_in_order(void **state) {
    (void)state;
    enum { COUNT = 1000 };
    char *batch = malloc(COUNT * 32);
    char *expected = malloc(COUNT * 16 + 1);
    assert_non_null(batch);
    assert_non_null(expected);
    size_t at = 0;
    size_t want = 0;
    for (int i = 1; i <= COUNT; i++) {
        /* inline and multibulk mixed, as a pipeline may mix them */
        at += (size_t)sprintf(batch + at,
                              i % 2 ? "INCR pipe\r\n" : "*2\r\n$4\r\nINCR\r\n$4\r\npipe\r\n");
        want += (size_t)sprintf(expected + want, ":%d\r\n", i);
    }
    int fd = client_connect(server.port);
    client_send(fd, batch, at);
    client_expect(fd, expected);
    close(fd);
    free(batch);
    free(expected);
}

/* ---- partial input ---- */

static void test_one_byte_at_a_time(void **state) {
    (void)state;
    const char *request = "*3\r\n$3\r\nSET\r\n$4\r\nslow\r\n$5\r\nvalue\r\nGET slow\r\n";
    int fd = client_connect(server.port);
    for (const char *p = request; *p != '\0'; p++) {
        client_send(fd, p, 1);
        sleep_ms(1); /* each byte its own segment and, mostly, its own recv */
    }
    client_expect(fd, "+OK\r\n$5\r\nvalue\r\n");
    close(fd);
}

static void test_every_cut_of_a_request(void **state) {
    (void)state;
    const char *request = "*3\r\n$3\r\nSET\r\n$3\r\ncut\r\n$6\r\nvalue!\r\n";
    size_t len = strlen(request);
    int fd = client_connect(server.port);
    for (size_t cut = 1; cut < len; cut++) {
        client_send(fd, request, cut);
        sleep_ms(2);
        client_send(fd, request + cut, len - cut);
        client_expect(fd, "+OK\r\n");
    }
    client_send_text(fd, "GET cut\r\n");
    client_expect(fd, "$6\r\nvalue!\r\n");
    close(fd);
}

/* ---- protocol errors: Redis's texts, earlier replies first, then close ---- */

static void expect_error_then_close(const char *input, const char *reply) {
    int fd = client_connect(server.port);
    client_send_text(fd, input);
    client_expect(fd, reply);
    assert_true(client_closed(fd, SERVER_WAIT_MS));
    close(fd);
}

static void test_protocol_error_after_earlier_replies(void **state) {
    (void)state;
    expect_error_then_close("PING\r\nPING\r\n*x\r\nPING\r\n",
                            "+PONG\r\n+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n");
}

static void test_protocol_error_texts(void **state) {
    (void)state;
    expect_error_then_close("SET \"a b c\r\n",
                            "-ERR Protocol error: unbalanced quotes in request\r\n");
    expect_error_then_close("*1\r\nx\r\n", "-ERR Protocol error: expected '$', got 'x'\r\n");
    expect_error_then_close("*1\r\n$-3\r\n", "-ERR Protocol error: invalid bulk length\r\n");
    expect_error_then_close("*99999999999\r\n",
                            "-ERR Protocol error: invalid multibulk length\r\n");
}

/* A line longer than the connection's buffer moves to a large buffer; past inline_size_max
 * it is Redis's error. */
static void test_too_big_inline_request(void **state) {
    (void)state;
    size_t len = 64 * 1024 + 1;
    char *line = malloc(len);
    assert_non_null(line);
    memset(line, 'a', len);
    int fd = client_connect(server.port);
    client_send(fd, line, len);
    client_expect(fd, "-ERR Protocol error: too big inline request\r\n");
    assert_true(client_closed(fd, SERVER_WAIT_MS));
    close(fd);
    free(line);
    assert_int_equal(server_wait_info(server.port, "large_buffers_in_use", 0), 0);
}

/* A long inline line within the limit is served (through a large receive buffer). */
static void test_long_inline_line_within_the_limit(void **state) {
    (void)state;
    size_t value_len = 30000;
    char *line = malloc(value_len + 16);
    assert_non_null(line);
    memcpy(line, "ECHO ", 5);
    memset(line + 5, 'v', value_len);
    memcpy(line + 5 + value_len, "\r\n", 2);
    int fd = client_connect(server.port);
    client_send(fd, line, value_len + 7);
    client_expect(fd, "$30000\r\n");
    char *got = malloc(value_len + 2);
    assert_non_null(got);
    client_read_exact(fd, got, value_len + 2);
    assert_memory_equal(got, line + 5, value_len);
    close(fd);
    free(line);
    free(got);
}

static void test_http_is_closed_without_reply(void **state) {
    (void)state;
    int fd = client_connect(server.port);
    client_send_text(fd, "POST / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_true(client_closed(fd, SERVER_WAIT_MS));
    close(fd);
}

static void test_quit_replies_then_closes(void **state) {
    (void)state;
    int fd = client_connect(server.port);
    client_send_text(fd, "PING\r\nQUIT\r\nPING\r\n");
    client_expect(fd, "+PONG\r\n+OK\r\n");
    assert_true(client_closed(fd, SERVER_WAIT_MS));
    close(fd);
}

/* A client that half-closes still gets the replies to what it sent. */
static void test_half_close_gets_its_replies(void **state) {
    (void)state;
    int fd = client_connect(server.port);
    client_send_text(fd, "PING\r\nECHO bye\r\n");
    shutdown(fd, SHUT_WR);
    client_expect(fd, "+PONG\r\n$3\r\nbye\r\n");
    assert_true(client_closed(fd, SERVER_WAIT_MS));
    close(fd);
}

/* ---- access ---- */

static void test_unauthenticated_clients_are_limited(void **state) {
    (void)state;
    server_proc secured;
    const char *args[] = {"--requirepass=s3cret", NULL};
    server_start(&secured, args);
    int fd = client_connect(secured.port);
    client_send_text(fd, "PING\r\n");
    client_expect(fd, "-NOAUTH Authentication required.\r\n");
    client_send_text(fd, "*11\r\n");
    client_expect(fd, "-ERR Protocol error: unauthenticated multibulk length\r\n");
    assert_true(client_closed(fd, SERVER_WAIT_MS));
    close(fd);
    fd = client_connect(secured.port);
    client_send_text(fd, "*2\r\n$4\r\nECHO\r\n$16385\r\n");
    client_expect(fd, "-ERR Protocol error: unauthenticated bulk length\r\n");
    assert_true(client_closed(fd, SERVER_WAIT_MS));
    close(fd);
    fd = client_connect(secured.port); /* once authenticated, the limits are the server's */
    client_send_text(fd,
                     "AUTH s3cret\r\n*11\r\n$4\r\nMSET\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n"
                     "2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n");
    client_expect(fd, "+OK\r\n+OK\r\n");
    close(fd);
    server_stop(&secured);
}

/* ---- value_size_max: exactly the limit is stored; one byte more is the limit's error ---- */

static void set_value(int fd, size_t len, char fill) {
    char *value = malloc(len);
    assert_non_null(value);
    memset(value, fill, len);
    const char *argv[] = {"SET", "big", value};
    size_t lens[] = {3, 3, len};
    size_t n = 0;
    char *cmd = resp_command(&n, 3, argv, lens);
    client_send(fd, cmd, n);
    free(cmd);
    free(value);
}

static void test_value_of_exactly_value_size_max(void **state) {
    (void)state;
    server_proc s;
    /* bigger than the connection's buffers: the request and the reply borrow large ones */
    const char *args[] = {"--value-size-max=8192", "--connection-buffer-size=4096", NULL};
    server_start(&s, args);
    int fd = client_connect(s.port);
    set_value(fd, 8192, 'x');
    client_expect(fd, "+OK\r\n");
    client_send_text(fd, "STRLEN big\r\nGET big\r\n");
    client_expect(fd, ":8192\r\n$8192\r\n");
    char got[8194];
    client_read_exact(fd, got, sizeof got);
    for (size_t i = 0; i < 8192; i++)
        assert_int_equal(got[i], 'x');
    /* one byte more: bulk_size_max is value_size_max here, a protocol limit: Redis's text
     * for a bulk too long, then close */
    set_value(fd, 8193, 'y');
    client_expect(fd, "-ERR Protocol error: invalid bulk length\r\n");
    assert_true(client_closed(fd, SERVER_WAIT_MS));
    close(fd);
    server_stop(&s);
}

static void test_value_one_byte_over_as_a_data_limit(void **state) {
    (void)state;
    server_proc s;
    /* with a larger bulk limit the same value passes the protocol and meets the data limit:
     * an error naming it, nothing changed, the connection kept */
    const char *args[] = {"--value-size-max=8192", "--bulk-size-max=16384", NULL};
    server_start(&s, args);
    int fd = client_connect(s.port);
    set_value(fd, 8192, 'x');
    client_expect(fd, "+OK\r\n");
    set_value(fd, 8193, 'y');
    client_expect(fd, "-ERR value exceeds value_size_max (8192 bytes)\r\n");
    client_send_text(fd, "STRLEN big\r\n");
    client_expect(fd, ":8192\r\n");
    close(fd);
    server_stop(&s);
}

/* ---- replies that describe the server ---- */

/* The real server's replies (its large-buffer path included: COMMAND and COMMAND DOCS are
 * bigger than a connection's buffer) are each one well-formed value with nothing after it;
 * the command table's are byte for byte what the engine alone writes. */
static void test_introspection_replies_are_one_value_each(void **state) {
    (void)state;
    static const char *const same_as_engine[][3] = {
        {"COMMAND", NULL, NULL},        {"COMMAND", "DOCS", NULL},     {"COMMAND", "LIST", NULL},
        {"COMMAND", "COUNT", NULL},     {"COMMAND", "INFO", "config"}, {"COMMAND", "HELP", NULL},
        {"COMMAND", "DOCS", "command"},
    };
    kv_config config;
    kv_harness_config(&config);
    kv_harness *engine = kv_harness_open(&config);
    int fd = client_connect(server.port);
    for (size_t i = 0; i < sizeof same_as_engine / sizeof same_as_engine[0]; i++) {
        size_t argc = same_as_engine[i][1] == NULL ? 1 : same_as_engine[i][2] == NULL ? 2 : 3;
        size_t request_len = 0;
        char *request = resp_command(&request_len, (int)argc, same_as_engine[i], NULL);
        client_send(fd, request, request_len);
        free(request);
        size_t len = 0;
        char *reply = client_read_reply(fd, &len);
        const char *want = kv_harness_command(engine, argc, same_as_engine[i]);
        assert_int_equal(len, kv_harness_reply_len(engine));
        assert_memory_equal(reply, want, len);
        free(reply);
    }
    kv_harness_close(engine);
    static const char *const well_formed[] = {"INFO\r\n", "INFO everything\r\n", "CONFIG GET *\r\n",
                                              "HELLO 2\r\n", "CONFIG HELP\r\n"};
    for (size_t i = 0; i < sizeof well_formed / sizeof well_formed[0]; i++) {
        client_send_text(fd, well_formed[i]);
        size_t len = 0;
        free(client_read_reply(fd, &len));
    }
    close(fd);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipelined_replies_in_order),
        cmocka_unit_test(test_one_byte_at_a_time),
        cmocka_unit_test(test_every_cut_of_a_request),
        cmocka_unit_test(test_protocol_error_after_earlier_replies),
        cmocka_unit_test(test_protocol_error_texts),
        cmocka_unit_test(test_too_big_inline_request),
        cmocka_unit_test(test_long_inline_line_within_the_limit),
        cmocka_unit_test(test_http_is_closed_without_reply),
        cmocka_unit_test(test_quit_replies_then_closes),
        cmocka_unit_test(test_half_close_gets_its_replies),
        cmocka_unit_test(test_unauthenticated_clients_are_limited),
        cmocka_unit_test(test_value_of_exactly_value_size_max),
        cmocka_unit_test(test_value_one_byte_over_as_a_data_limit),
        cmocka_unit_test(test_introspection_replies_are_one_value_each),
    };
    return cmocka_run_group_tests(tests, start_default, stop);
}
