/* kv_server_invariants_hold and _full over a real server state (the loop over the simulated
 * network, with connections open, one waiting for a large buffer): they hold, and each
 * deliberate corruption makes them fail, so the checks the simulation runs after every
 * event can be seen to fail. */
#include "test_support.h"

#include "sim_loop.h"

#define SOCKETS 8

static kv_server server;
static kv_io_sim net;
static _Alignas(8) uint8_t net_memory[SIM_LOOP_NET_BYTES(SOCKETS)];
static kv_config config;
static const kv_server_hooks hooks;

static void send_text(uint32_t id, const char *text) { sim_loop_send(&net, id, text); }

static void run_for(int64_t ms) { sim_loop_run_for(&server, &net, ms); }

/* Three clients: one idle, two that sent big headers (one holds a large buffer, the other,
 * with two buffers configured, waits for one). */
static void start(void) {
    sim_loop_scale_config(&config, 4);
    sim_loop_start(&server, &net, net_memory, sizeof net_memory, SOCKETS, &config, &hooks, 3);
    static char big[1200];
    memset(big, 'x', sizeof big);
    memcpy(big, "*2\r\n$4\r\nECHO\r\n$5000\r\n", 22);
    send_text(0, "PING\r\n");
    assert_int_equal(kv_io_sim_client_send(&net, 1, (const uint8_t *)big, sizeof big), sizeof big);
    run_for(10);
    assert_int_equal(kv_io_sim_client_send(&net, 2, (const uint8_t *)big, sizeof big), sizeof big);
    run_for(10);
    assert_int_equal(server.info.connected_clients, 3);
    assert_int_equal(server.info.large_buffers_in_use, 1);
    assert_int_equal(server.wait_first.count, 1);
    assert_true(kv_server_invariants_hold(&server));
    assert_true(kv_server_invariants_hold_full(&server));
}

static void stop(void) { kv_server_release(&server); }

static void test_hold_on_a_live_server(void **state) {
    (void)state;
    start();
    stop();
}

static void test_a_large_buffer_owned_twice_fails(void **state) {
    (void)state;
    start();
    uint32_t b = server.large_free[server.large_free_count - 1];
    server.large_owner[b] = 0; /* a free buffer marked lent */
    assert_false(kv_server_invariants_hold(&server));
    assert_false(kv_server_invariants_hold_full(&server));
    server.large_owner[b] = KV_CONN_NONE;
    assert_true(kv_server_invariants_hold_full(&server));
    stop();
}

static void test_a_flag_without_its_queue_fails(void **state) {
    (void)state;
    start();
    assert_int_equal(server.ready.count, 0);
    server.conns[0].flags |= KV_CONN_READY; /* READY, but not in the ready queue */
    assert_true(kv_server_invariants_hold(&server)); /* the cheap check sees only counters */
    assert_false(kv_server_invariants_hold_full(&server));
    server.conns[0].flags &= ~(uint32_t)KV_CONN_READY;
    kv_connection *waiter = &server.conns[server.wait_first.head];
    waiter->flags &= ~(uint32_t)KV_CONN_WAITING; /* in a wait queue, not marked */
    assert_false(kv_server_invariants_hold_full(&server));
    waiter->flags |= KV_CONN_WAITING;
    assert_true(kv_server_invariants_hold_full(&server));
    stop();
}

static void test_counters_that_disagree_fail(void **state) {
    (void)state;
    start();
    server.info.connected_clients++;
    assert_false(kv_server_invariants_hold_full(&server));
    server.info.connected_clients--;
    server.info.large_buffers_in_use++;
    assert_false(kv_server_invariants_hold(&server));
    server.info.large_buffers_in_use--;
    server.slots_in_use--; /* a slot in use, uncounted: the free stack is too short */
    assert_false(kv_server_invariants_hold_full(&server));
    server.slots_in_use++;
    assert_true(kv_server_invariants_hold_full(&server));
    stop();
}

static void test_a_buffer_pointing_elsewhere_fails(void **state) {
    (void)state;
    start();
    kv_connection *c = &server.conns[0];
    uint8_t *own = c->send_buf;
    c->send_buf = own + 1;
    assert_false(kv_server_invariants_hold_full(&server));
    c->send_buf = own;
    c->send_done = c->send_len + 1;
    assert_false(kv_server_invariants_hold_full(&server));
    c->send_done = 0;
    assert_true(kv_server_invariants_hold_full(&server));
    stop();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hold_on_a_live_server),
        cmocka_unit_test(test_a_large_buffer_owned_twice_fails),
        cmocka_unit_test(test_a_flag_without_its_queue_fails),
        cmocka_unit_test(test_counters_that_disagree_fail),
        cmocka_unit_test(test_a_buffer_pointing_elsewhere_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
