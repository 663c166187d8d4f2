/* The server's timers over the real loop and the simulated network (io_sim), in simulated
 * time, with the exact windows the README documents: the idle timeout, the large-buffer
 * hold limit and rate rule, and clients that are slow but above the rate (never cut, even
 * past the hold limit). These were loopback tests that slept for real (test_server_resources'
 * idle timeout, test_server_liveness' paced reader and sender); over sockets they could only
 * assert loose bounds, and a loaded machine could push a paced client below the rate. The
 * loopback tests keep what proves the real binary works, without timing assertions. The
 * blocking pops' timeouts are test_kv_blocking_sim's. Invariants are checked after every
 * completion. */
#include "test_support.h"

#include "sim_loop.h"

#define SOCKETS  20
#define STEP_MS  10
#define WATCH_MS 10000 /* a test's simulated horizon: far past every timer it waits for */

static kv_server server;
static kv_io_sim net;
static _Alignas(8) uint8_t net_memory[SIM_LOOP_NET_BYTES(SOCKETS)];
static kv_config config;

static void run_for(int64_t ms) { sim_loop_run_for(&server, &net, ms); }

/* Small buffers (1 KiB), two large ones of 8 KiB, R = 1 KiB/s: the simulation's scale. */
static void configure(void) {
    sim_loop_scale_config(&config, 6);
    config.large_buffer_rate_min_bytes_per_s = 1024;
}

static void start(int clients) {
    sim_loop_start(&server, &net, net_memory, sizeof net_memory, SOCKETS, &config,
                   &sim_loop_checked_hooks, clients);
}

static void stop(void) { kv_server_release(&server); }

/* Turns in STEP_MS steps until the server closed client `id` and it read everything;
 * returns the simulated time then (fails the test after WATCH_MS). */
static int64_t closed_at(uint32_t id) {
    int64_t until = net.now_ms + WATCH_MS;
    while (!kv_io_sim_client_at_end(&net, id)) {
        if (net.now_ms > until) fail_msg("client %u still open after %d ms", id, WATCH_MS);
        run_for(STEP_MS);
    }
    return net.now_ms;
}

/* Everything client `id` received since the last call, as text. */
static const char *received(uint32_t id) {
    static char buf[16384];
    size_t n = kv_io_sim_client_recv(&net, id, (uint8_t *)buf, sizeof buf - 1);
    buf[n] = '\0';
    return buf;
}

/* "*3\r\n$3\r\nSET\r\n$1\r\n<key>\r\n$<n>\r\n" then n bytes of 'v' and "\r\n". */
static size_t big_set(char *out, size_t cap, char key, size_t n) {
    int head = snprintf(out, cap, "*3\r\n$3\r\nSET\r\n$1\r\n%c\r\n$%zu\r\n", key, n);
    assert_true(head > 0 && (size_t)head + n + 2 <= cap);
    memset(out + head, 'v', n);
    memcpy(out + head + n, "\r\n", 2);
    return (size_t)head + n + 2;
}

static void send_bytes(uint32_t id, const char *bytes, size_t len) {
    assert_int_equal(kv_io_sim_client_send(&net, id, (const uint8_t *)bytes, len), len);
}

/* An idle client is closed without a reply once idle_timeout_s passed since its last byte,
 * within one tick after; a client active meanwhile is not; idle_timeouts counts it. */
static void test_idle_timeout_on_the_loop_clock(void **state) {
    (void)state;
    configure();
    config.idle_timeout_s = 1;
    start(2);
    sim_loop_send(&net, 0, "CONFIG GET timeout\r\n"); /* Redis's name for it */
    run_for(STEP_MS);
    assert_string_equal(received(0), "*2\r\n$7\r\ntimeout\r\n$1\r\n1\r\n");
    int64_t last_byte = net.now_ms;
    for (int i = 0; i < 8; i++) { /* client 1 pings every 200 ms */
        sim_loop_send(&net, 1, "PING\r\n");
        run_for(200);
        assert_string_equal(received(1), "+PONG\r\n");
        if (net.now_ms - last_byte < 1000) assert_int_equal(server.info.idle_timeouts, 0);
    }
    assert_true(kv_io_sim_client_at_end(&net, 0));
    assert_string_equal(received(0), "");
    assert_int_equal(server.info.idle_timeouts, 1);
    assert_int_equal(server.info.connected_clients, 1);
    stop();
}

/* Exactly when: not before idle_timeout_s, at the first tick after it. */
static void test_idle_timeout_window(void **state) {
    (void)state;
    configure();
    config.idle_timeout_s = 2;
    start(1);
    sim_loop_send(&net, 0, "PING\r\n");
    run_for(STEP_MS);
    assert_string_equal(received(0), "+PONG\r\n");
    int64_t last_byte = net.now_ms;
    int64_t closed = closed_at(0) - last_byte;
    print_message("idle client closed %lld ms after its last byte\n", (long long)closed);
    assert_true(closed >= 2000);
    assert_true(closed <= 2000 + KV_SERVER_TICK_MS + STEP_MS);
    assert_int_equal(server.info.idle_timeouts, 1);
    stop();
}

/* A holder that moves nothing is closed after large_buffer_hold_ms_max (the rate rule set
 * aside: 1 B/s), within a tick after; the buffer comes back; large_buffer_timeouts counts. */
static void test_hold_limit_window(void **state) {
    (void)state;
    configure();
    config.large_buffer_hold_ms_max = 300;
    config.large_buffer_rate_min_bytes_per_s = 1;
    start(1);
    static char cmd[8192];
    big_set(cmd, sizeof cmd, 'x', 5000);
    send_bytes(0, cmd, 2000); /* and never the rest */
    run_for(STEP_MS);
    assert_int_equal(server.info.large_buffers_in_use, 1);
    int64_t last_byte = net.now_ms;
    int64_t closed = closed_at(0) - last_byte;
    print_message("silent holder closed %lld ms after its last byte\n", (long long)closed);
    assert_true(closed >= 300 - STEP_MS);
    assert_true(closed <= 300 + KV_SERVER_TICK_MS + STEP_MS);
    assert_int_equal(server.info.large_buffer_timeouts, 1);
    run_for(STEP_MS); /* the close completes: the slot and the buffer come back */
    assert_int_equal(server.info.large_buffers_in_use, 0);
    assert_int_equal(server.info.connected_clients, 0);
    assert_string_equal(received(0), "");
    stop();
}

/* The rate rule: a silent holder owes R from its loan with a slack of two ticks at R (here
 * 204 bytes, 200 ms), and what it moved pays back; one that sent only its header (40 bytes:
 * 39 ms of credit) is closed within the slack, its credit and a tick, long before the hold
 * limit (5 s by default). */
static void test_rate_rule_window(void **state) {
    (void)state;
    configure();
    start(1);
    assert_int_equal(kv_large_slack_bytes(&server), 2 * KV_SERVER_TICK_MS * 1024 / 1000);
    static char cmd[8192];
    big_set(cmd, sizeof cmd, 'x', 5000);
    send_bytes(0, cmd, 40);
    run_for(STEP_MS);
    assert_int_equal(server.info.large_buffers_in_use, 1);
    int64_t lent = net.now_ms;
    int64_t closed = closed_at(0) - lent;
    print_message("silent holder closed %lld ms after the loan\n", (long long)closed);
    assert_true(closed >= 200 - STEP_MS);
    assert_true(closed <= 200 + 40 + KV_SERVER_TICK_MS + STEP_MS);
    assert_true(closed < (int64_t)config.large_buffer_hold_ms_max);
    assert_int_equal(server.info.large_buffer_timeouts, 1);
    stop();
}

/* Issue 11, bug 3, in simulated time: a legal request sent at 2R, for eight times the hold
 * limit, is answered; nothing is cut (was: closed at the hold limit, counted from the loan). */
static void test_slow_sender_past_the_hold_limit(void **state) {
    (void)state;
    configure();
    config.large_buffer_hold_ms_max = 300;
    start(1);
    static char cmd[8192];
    size_t len = big_set(cmd, sizeof cmd, 's', 4800);
    int64_t t0 = net.now_ms;
    for (size_t at = 0; at < len; at += 20) { /* 20 bytes each 10 ms: 2 KiB/s */
        send_bytes(0, cmd + at, len - at < 20 ? len - at : 20);
        run_for(STEP_MS);
    }
    assert_true(net.now_ms - t0 > 8 * (int64_t)config.large_buffer_hold_ms_max);
    run_for(STEP_MS);
    assert_string_equal(received(0), "+OK\r\n");
    sim_loop_send(&net, 0, "STRLEN s\r\n");
    run_for(STEP_MS);
    assert_string_equal(received(0), ":4800\r\n");
    assert_int_equal(server.info.large_buffer_timeouts, 0);
    assert_int_equal(server.info.large_buffers_in_use, 0);
    stop();
}

/* Issue 11, bug 2, in simulated time: a reader of three pipelined big replies that reads at
 * 2R gets every byte, for many times the hold limit (was: cut mid-reply). The replies
 * (3 x 4.8 KB) are more than the socket holds, so a large buffer stays lent while it reads. */
static void test_slow_reader_past_the_hold_limit(void **state) {
    (void)state;
    configure();
    config.large_buffer_hold_ms_max = 300;
    start(2);
    static char cmd[8192];
    size_t len = big_set(cmd, sizeof cmd, 'r', 4800);
    send_bytes(1, cmd, len);
    run_for(STEP_MS);
    assert_string_equal(received(1), "+OK\r\n");
    sim_loop_send(&net, 0, "GET r\r\nGET r\r\nGET r\r\n");
    static char want[3 * 4820];
    size_t want_len = 0;
    for (int i = 0; i < 3; i++) {
        want_len += (size_t)snprintf(want + want_len, sizeof want - want_len, "$4800\r\n");
        memset(want + want_len, 'v', 4800);
        want_len += 4800;
        memcpy(want + want_len, "\r\n", 2);
        want_len += 2;
    }
    static char got[sizeof want];
    size_t got_len = 0;
    int64_t t0 = net.now_ms;
    while (got_len < want_len && net.now_ms - t0 < WATCH_MS) { /* 20 bytes each 10 ms */
        got_len += kv_io_sim_client_recv(&net, 0, (uint8_t *)got + got_len,
                                         want_len - got_len < 20 ? want_len - got_len : 20);
        assert_false(kv_io_sim_client_at_end(&net, 0));
        run_for(STEP_MS);
    }
    assert_int_equal(got_len, want_len);
    assert_memory_equal(got, want, want_len);
    assert_true(net.now_ms - t0 > 8 * (int64_t)config.large_buffer_hold_ms_max);
    assert_int_equal(server.info.large_buffer_timeouts, 0);
    run_for(STEP_MS);
    assert_int_equal(server.info.large_buffers_in_use, 0);
    stop();
}

/* The price of the FIFO (README, "Liveness bounds"): an honest client whose big request
 * queues behind `silent` clients that sent a big header and a part of their request and
 * stopped (each, in turn, lent the one buffer first loans may take) is answered after the
 * same time per silent client ahead of it: each is lent the buffer, falls behind the rate
 * rule's slack and is cut at the next tick. `buffer` is connection_buffer_size, `rate`
 * large_buffer_rate_min_bytes_per_s. Returns the honest client's wait in ms from its last
 * byte sent to its whole reply read. */
static int64_t honest_wait_behind(int silent, uint64_t buffer, uint64_t rate) {
    configure();
    config.connections_max = (uint64_t)silent + 2;
    config.connection_buffer_size = buffer;
    config.large_buffer_rate_min_bytes_per_s = rate;
    config.value_size_max = 8 * buffer;
    start(silent + 1);
    static char cmd[65536];
    big_set(cmd, sizeof cmd, 'x', 5 * buffer);
    for (int i = 0; i < silent; i++) {
        send_bytes((uint32_t)i, cmd, buffer + buffer / 2); /* its own buffer full, then nothing */
        run_for(STEP_MS);
    }
    assert_int_equal(server.info.large_buffer_waits, (uint64_t)silent - 1);
    static char echo[16384];
    size_t n = 2 * buffer;
    int head = snprintf(echo, sizeof echo, "*2\r\n$4\r\nECHO\r\n$%zu\r\n", n);
    memset(echo + head, 'e', n);
    memcpy(echo + head + n, "\r\n", 2);
    uint32_t honest = (uint32_t)silent;
    send_bytes(honest, echo, (size_t)head + n + 2);
    int64_t sent = net.now_ms;
    size_t want = (size_t)head - strlen("*2\r\n$4\r\nECHO\r\n") + n + 2, got = 0;
    static char reply[16384];
    while (got < want) {
        if (net.now_ms - sent > WATCH_MS) fail_msg("no reply after %d ms", WATCH_MS);
        run_for(STEP_MS);
        got += kv_io_sim_client_recv(&net, honest, (uint8_t *)reply + got, sizeof reply - got);
    }
    assert_int_equal(got, want);
    assert_memory_equal(reply + want - 6, "eeee\r\n", 6);
    assert_int_equal(server.info.large_buffer_timeouts, (uint64_t)silent);
    int64_t waited = net.now_ms - sent;
    stop();
    return waited;
}

/* Linear in the silent clients ahead, at a fixed price each: 290 ms at the simulation's
 * scale (1 KiB buffers, R = 1 KiB/s: a slack of 200 ms, cut at the tick after), 90 ms at
 * the defaults' (4 KiB buffers, R = 64 KiB/s: a slack of 62 ms, cut at the tick after). */
static void test_the_price_of_each_silent_waiter(void **state) {
    (void)state;
    static const int counts[] = {1, 2, 4, 8, 16};
    static const struct {
        uint64_t buffer, rate;
        int64_t price_ms;
    } scales[] = {{1024, 1024, 290}, {4096, 65536, 90}};
    for (size_t k = 0; k < sizeof scales / sizeof scales[0]; k++) {
        for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
            int64_t waited = honest_wait_behind(counts[i], scales[k].buffer, scales[k].rate);
            print_message("buffers %llu B, R %llu B/s: behind %d silent clients answered after "
                          "%lld ms\n",
                          (unsigned long long)scales[k].buffer, (unsigned long long)scales[k].rate,
                          counts[i], (long long)waited);
            assert_true(waited <= counts[i] * scales[k].price_ms);
            assert_true(waited > counts[i] * (scales[k].price_ms - KV_SERVER_TICK_MS));
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle_timeout_on_the_loop_clock),
        cmocka_unit_test(test_idle_timeout_window),
        cmocka_unit_test(test_hold_limit_window),
        cmocka_unit_test(test_rate_rule_window),
        cmocka_unit_test(test_slow_sender_past_the_hold_limit),
        cmocka_unit_test(test_slow_reader_past_the_hold_limit),
        cmocka_unit_test(test_the_price_of_each_silent_waiter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
