/* Blocking pops over real loopback sockets against this build's stasis-kv (--seal=strict in
 * plain builds): one client blocks, another pushes, and the bytes each reads are exactly
 * Redis 7.0's; a short timeout answers *-1, not before it passed; INFO counts the
 * blocked client; a client that vanishes while blocked takes nothing. The simulation tests
 * (test_kv_blocking_sim) cover the order and the timing in simulated time. */
#include "test_support.h"

#include "server_harness.h"

static void test_a_push_wakes_a_blocked_client(void **state) {
    (void)state;
    server_proc s;
    server_start(&s, NULL);
    int waiter = client_connect(s.port);
    int pusher = client_connect(s.port);
    client_send_text(waiter, "*3\r\n$5\r\nBLPOP\r\n$4\r\njobs\r\n$1\r\n0\r\n");
    assert_int_equal(server_wait_info(s.port, "blocked_clients", 1), 1);
    assert_true(client_silent(waiter, 50));
    client_send_text(pusher, "*4\r\n$5\r\nRPUSH\r\n$4\r\njobs\r\n$2\r\nj1\r\n$2\r\nj2\r\n");
    client_expect(pusher, ":2\r\n");
    client_expect(waiter, "*2\r\n$4\r\njobs\r\n$2\r\nj1\r\n");
    assert_true(client_silent(waiter, 50));
    assert_int_equal(server_info_u64(s.port, "blocked_clients"), 0);
    client_send_text(pusher, "*2\r\n$4\r\nLLEN\r\n$4\r\njobs\r\n");
    client_expect(pusher, ":1\r\n");
    close(waiter);
    close(pusher);
    server_stop(&s);
}

static void test_a_timeout_answers_null(void **state) {
    (void)state;
    server_proc s;
    server_start(&s, NULL);
    int waiter = client_connect(s.port);
    int64_t start = server_clock_ms();
    client_send_text(waiter, "*3\r\n$5\r\nBRPOP\r\n$4\r\nnone\r\n$3\r\n0.1\r\n");
    client_expect(waiter, "*-1\r\n");
    /* never early; how soon after (its own timer, not the tick) is test_kv_blocking_sim's,
     * in simulated time: a bound here would fail on a loaded machine */
    assert_true(server_clock_ms() - start >= 100);
    client_send_text(waiter, "*1\r\n$4\r\nPING\r\n");
    client_expect(waiter, "+PONG\r\n");
    close(waiter);
    server_stop(&s);
}

static void test_a_vanished_waiter_takes_nothing(void **state) {
    (void)state;
    server_proc s;
    server_start(&s, NULL);
    int waiter = client_connect(s.port);
    int pusher = client_connect(s.port);
    client_send_text(waiter, "*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n");
    assert_int_equal(server_wait_info(s.port, "blocked_clients", 1), 1);
    close(waiter);
    assert_int_equal(server_wait_info(s.port, "blocked_clients", 0), 0);
    client_send_text(pusher, "*3\r\n$5\r\nRPUSH\r\n$1\r\nq\r\n$1\r\nv\r\n");
    client_expect(pusher, ":1\r\n");
    client_send_text(pusher, "*2\r\n$4\r\nLLEN\r\n$1\r\nq\r\n");
    client_expect(pusher, ":1\r\n");
    close(pusher);
    server_stop(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_push_wakes_a_blocked_client),
        cmocka_unit_test(test_a_timeout_answers_null),
        cmocka_unit_test(test_a_vanished_waiter_takes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
