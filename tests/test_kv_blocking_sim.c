/* Blocked clients over the real server loop and the simulated network (io_sim), in
 * simulated time: waking in Redis's order with exact reply bytes, timeouts on the loop's
 * clock, clients that leave while blocked, and the blocked-list invariants, checked after
 * every completion (sim_loop_checked_hooks) and seen to fail when corrupted on purpose.
 *
 * Built twice: as unit/test_kv_blocking_sim, and over the core with the planted bug
 * STASIS_CANARY_BLOCKED_CLOSE_STAYS (a closed client stays in the blocked list), where the
 * per-completion check must report "server invariants broken" (tests/CMakeLists.txt). */
#include "test_support.h"

#include "sim_loop.h"

#define SOCKETS 8

static kv_server server;
static kv_io_sim net;
static _Alignas(8) uint8_t net_memory[SIM_LOOP_NET_BYTES(SOCKETS)];
static kv_config config;

static void send_text(uint32_t id, const char *text) { sim_loop_send(&net, id, text); }

static void run_for(int64_t ms) { sim_loop_run_for(&server, &net, ms); }

/* Everything client `id` received so far, as text. */
static const char *received(uint32_t id) {
    static char buf[4096];
    size_t n = kv_io_sim_client_recv(&net, id, (uint8_t *)buf, sizeof buf - 1);
    buf[n] = '\0';
    return buf;
}

static void start_with_idle(uint64_t idle_timeout_s) {
    sim_loop_scale_config(&config, 6);
    config.idle_timeout_s = idle_timeout_s;
    sim_loop_start(&server, &net, net_memory, sizeof net_memory, SOCKETS, &config,
                   &sim_loop_checked_hooks, 4);
    assert_int_equal(server.info.connected_clients, 4);
}

static void start(void) { start_with_idle(0); }

static void stop(void) { kv_server_release(&server); }

/* One waiter, one push: the waiter gets [key, element] after the pusher's own reply. */
static void test_a_push_wakes_the_waiter(void **state) {
    (void)state;
    start();
    send_text(0, "BLPOP a k 0\r\n");
    run_for(10);
    assert_string_equal(received(0), "");
    assert_int_equal(server.info.blocked_clients, 1);
    send_text(1, "RPUSH k x y\r\nLRANGE k 0 -1\r\n");
    run_for(10);
    assert_string_equal(received(0), "*2\r\n$1\r\nk\r\n$1\r\nx\r\n");
    assert_string_equal(received(1), ":2\r\n*1\r\n$1\r\ny\r\n"); /* x was gone before LRANGE */
    assert_int_equal(server.info.blocked_clients, 0);
    stop();
}

/* First blocked, first served; one push of two serves two; the third waits on. */
static void test_waiters_are_served_in_order(void **state) {
    (void)state;
    start();
    send_text(2, "BRPOP k 0\r\n");
    run_for(10);
    send_text(0, "BLPOP k 0\r\n");
    run_for(10);
    send_text(1, "BLMPOP 0 1 k LEFT COUNT 5\r\n");
    run_for(10);
    assert_int_equal(server.blocked_count, 3);
    send_text(3, "RPUSH k 1 2\r\n");
    run_for(10);
    assert_string_equal(received(3), ":2\r\n");
    assert_string_equal(received(2), "*2\r\n$1\r\nk\r\n$1\r\n2\r\n");
    assert_string_equal(received(0), "*2\r\n$1\r\nk\r\n$1\r\n1\r\n");
    assert_string_equal(received(1), "");
    assert_int_equal(server.info.blocked_clients, 1);
    send_text(3, "LPUSH k a b c\r\n");
    run_for(10);
    assert_string_equal(received(1), "*2\r\n$1\r\nk\r\n*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n");
    assert_string_equal(received(3), ":3\r\n");
    stop();
}

/* A waiter's BLMOVE makes a list that serves the next waiter in the same pass, even one that
 * blocked before it; its commands pipelined after the blocking one run once it is served. */
static void test_blmove_chains_and_pipelines(void **state) {
    (void)state;
    start();
    send_text(0, "BLPOP dst 0\r\nPING\r\n");
    run_for(10);
    send_text(1, "BLMOVE src dst LEFT RIGHT 0\r\n");
    run_for(10);
    send_text(2, "RPUSH src v\r\nEXISTS src dst\r\n");
    run_for(10);
    assert_string_equal(received(1), "$1\r\nv\r\n");
    assert_string_equal(received(0), "*2\r\n$3\r\ndst\r\n$1\r\nv\r\n+PONG\r\n");
    assert_string_equal(received(2), ":1\r\n:0\r\n");
    assert_int_equal(server.blocked_count, 0);
    stop();
}

/* A woken waiter whose reply does not fit its own buffer gets it through a large buffer. */
static void test_a_big_wake_reply_borrows_room(void **state) {
    (void)state;
    start();
    send_text(0, "BLMPOP 0 1 k LEFT COUNT 40\r\n");
    run_for(10);
    static char push[2048];
    static char want[4096];
    static char element[41];
    memset(element, 'e', 40);
    int n = snprintf(push, sizeof push, "RPUSH k");
    int w = snprintf(want, sizeof want, "*2\r\n$1\r\nk\r\n*40\r\n");
    for (int i = 0; i < 40; i++) {
        n += snprintf(push + n, sizeof push - (size_t)n, " %s", element);
        w += snprintf(want + w, sizeof want - (size_t)w, "$40\r\n%s\r\n", element);
    }
    snprintf(push + n, sizeof push - (size_t)n, "\r\n");
    send_text(1, push);
    run_for(20);
    assert_string_equal(received(1), ":40\r\n");
    assert_true((size_t)w > config.connection_buffer_size); /* it needed a large buffer */
    assert_string_equal(received(0), want);
    assert_int_equal(server.blocked_count, 0);
    stop();
}

/* A key turned into a string does not wake nor answer its waiter; the list made later does. */
static void test_another_type_is_passed_over(void **state) {
    (void)state;
    start();
    send_text(0, "BLPOP k 0\r\n");
    run_for(10);
    send_text(1, "SET k s\r\nRPUSH k v\r\nDEL k\r\nRPUSH k v\r\n");
    run_for(10);
    assert_string_equal(received(1), "+OK\r\n-WRONGTYPE Operation against a key holding the "
                                     "wrong kind of value\r\n:1\r\n:1\r\n");
    assert_string_equal(received(0), "*2\r\n$1\r\nk\r\n$1\r\nv\r\n");
    stop();
}

/* Timeouts on the loop's clock: nothing before the deadline, *-1 just after it (the blocked
 * clients' own timer, not the 100 ms tick). */
static void test_timeouts_answer_null(void **state) {
    (void)state;
    start();
    send_text(0, "BLPOP k 0.25\r\n");
    send_text(1, "BLMOVE k d LEFT LEFT 1.5\r\n");
    run_for(10);
    assert_int_equal(server.blocked_count, 2);
    run_for(200);
    assert_string_equal(received(0), "");
    run_for(60);
    assert_string_equal(received(0), "*-1\r\n");
    assert_string_equal(received(1), "");
    run_for(1500);
    assert_string_equal(received(1), "*-1\r\n"); /* Redis: *-1 for BLMOVE's timeout too */
    assert_int_equal(server.info.blocked_clients, 0);
    send_text(0, "PING\r\n"); /* served again */
    run_for(10);
    assert_string_equal(received(0), "+PONG\r\n");
    stop();
}

/* Clients that reset or close while blocked leave the list; a later push stays in the list. */
static void test_leaving_clients_leave_the_list(void **state) {
    (void)state;
    start();
    send_text(0, "BLPOP k 0\r\n");
    send_text(1, "BRPOPLPUSH k d 0\r\n");
    run_for(10);
    assert_int_equal(server.blocked_count, 2);
    kv_io_sim_client_reset(&net, 0);
    kv_io_sim_client_close(&net, 1);
    run_for(10);
    assert_int_equal(server.blocked_count, 0);
    assert_int_equal(server.info.connected_clients, 2);
    send_text(2, "RPUSH k v\r\nLLEN k\r\n");
    run_for(10);
    assert_string_equal(received(2), ":1\r\n:1\r\n");
    stop();
}

/* Redis does not close a blocked client for idleness. */
static void test_blocked_clients_are_not_idle(void **state) {
    (void)state;
    start_with_idle(1);
    send_text(0, "BLPOP k 0\r\n");
    run_for(3000);
    assert_int_equal(server.blocked_count, 1);
    assert_int_equal(server.info.connected_clients, 1); /* the 3 others were idle */
    stop();
}

/* Nor is its wait idle time afterwards: its idle clock starts when the wait ends, so the
 * reply that ends it is delivered even when that reply's send completes a tick or more
 * later (every completion is delayed here) and the idle limit passed during the wait, both
 * for a timeout and for a push. (Redis counts writing a reply as an interaction.) */
static void test_a_wait_that_ends_gets_its_reply(void **state) {
    (void)state;
    static const struct {
        const char *command;
        int64_t timeout_ms;
    } timed_out[] = {{"BLPOP k 2\r\n", 2000}, {"BLPOP k 3\r\n", 3000}, {"BRPOP k 2.5\r\n", 2500}};
    for (size_t i = 0; i < sizeof timed_out / sizeof timed_out[0]; i++) {
        start_with_idle(1);
        net.faults.delay = 65535;
        net.faults.delay_ms_max = 250;
        send_text(0, timed_out[i].command);
        run_for(timed_out[i].timeout_ms + 600); /* less than the idle limit after its end */
        assert_string_equal(received(0), "*-1\r\n");
        assert_int_equal(server.info.connected_clients, 1);
        run_for(2000);
        assert_int_equal(server.info.connected_clients, 0); /* then idle, and closed */
        stop();
    }
    start_with_idle(1);
    net.faults.delay = 65535;
    net.faults.delay_ms_max = 250;
    send_text(0, "BLPOP k 0\r\n");
    for (int i = 0; i < 5; i++) {
        send_text(1, "PING\r\n"); /* not idle: it pushes later */
        run_for(400);
    }
    send_text(1, "RPUSH k x\r\n");
    run_for(1000);
    assert_string_equal(received(0), "*2\r\n$1\r\nk\r\n$1\r\nx\r\n");
    assert_string_equal(received(1), "+PONG\r\n+PONG\r\n+PONG\r\n+PONG\r\n+PONG\r\n:1\r\n");
    stop();
}

/* Each corruption of the blocked list or its counts is seen by the checks. */
static void test_corruptions_are_caught(void **state) {
    (void)state;
    start();
    send_text(0, "BLPOP a b 0\r\n");
    send_text(1, "BLPOP c 0\r\n");
    run_for(10);
    assert_int_equal(server.blocked_count, 2);
    ASSERT_CAUGHT(kv_server_invariants_hold(&server), server.info.blocked_clients, 3);
    ASSERT_CAUGHT(kv_server_invariants_hold(&server), server.blocked_head, KV_CONN_NONE);
    uint32_t first = server.blocked_head;
    uint32_t bit = (uint32_t)__builtin_ctzll(server.blocks[first].key_bits);
    ASSERT_CAUGHT(kv_server_invariants_hold_full(&server), server.blocked_bit_count[bit], 0);
    ASSERT_CAUGHT(kv_server_invariants_hold_full(&server), server.conns[first].flags, 0);
    ASSERT_CAUGHT(kv_server_invariants_hold_full(&server), server.blocks[first].command_bytes, 0);
    ASSERT_CAUGHT(kv_server_invariants_hold_full(&server), server.blocks[2].key_bits, 1);
    ASSERT_CAUGHT(kv_server_invariants_hold_full(&server), server.blocks[first].next, first);
    stop();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_push_wakes_the_waiter),
        cmocka_unit_test(test_waiters_are_served_in_order),
        cmocka_unit_test(test_blmove_chains_and_pipelines),
        cmocka_unit_test(test_a_big_wake_reply_borrows_room),
        cmocka_unit_test(test_another_type_is_passed_over),
        cmocka_unit_test(test_timeouts_answer_null),
        cmocka_unit_test(test_leaving_clients_leave_the_list),
        cmocka_unit_test(test_blocked_clients_are_not_idle),
        cmocka_unit_test(test_a_wait_that_ends_gets_its_reply),
        cmocka_unit_test(test_corruptions_are_caught),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
