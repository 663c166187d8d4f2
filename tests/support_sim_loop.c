/* The real server loop over the simulated network for tests (sim_loop.h). */
#include "sim_loop.h"

#include "test_support.h"

static void check_after_completion(void *context, const kv_server *s) {
    (void)context;
    if (!kv_server_invariants_hold_full(s))
        fail_msg("server invariants broken at server_check.c:%d",
                 kv_server_invariants_failed_line());
}

const kv_server_hooks sim_loop_checked_hooks = {.after_completion = check_after_completion};

void sim_loop_start(kv_server *server, kv_io_sim *net, void *net_memory, size_t net_bytes,
                    uint32_t sockets, kv_config *config, const kv_server_hooks *hooks,
                    int clients) {
    char error[256];
    assert_true(kv_config_finalize(config, error, sizeof error));
    assert_int_equal(
        kv_server_reserve(server, config, false, (siphash_key){.k0 = 1}, error, sizeof error), 0);
    kv_sim_faults none = {0};
    kv_io_sim_init(net, net_memory, net_bytes, sockets, 7, &none);
    kv_server_attach(server, kv_io_sim_interface(net), KV_SIM_LISTEN_FD, hooks);
    kv_server_loop_begin(server);
    for (int i = 0; i < clients; i++)
        assert_int_equal(kv_io_sim_connect(net), i);
    sim_loop_run_for(server, net, 10);
}

void sim_loop_scale_config(kv_config *config, uint64_t connections_max) {
    kv_config_defaults(config);
    config->connections_max = connections_max;
    config->large_buffers_max = 2;
    config->connection_buffer_size = 1024;
    config->value_size_max = 8192;
    config->hash_seed = 1;
}

void sim_loop_send(kv_io_sim *net, uint32_t id, const char *text) {
    size_t len = strlen(text);
    assert_int_equal(kv_io_sim_client_send(net, id, (const uint8_t *)text, len), len);
}

void sim_loop_run_for(kv_server *server, kv_io_sim *net, int64_t ms) {
    int64_t until = net->now_ms + ms;
    net->next_client_ms = until;
    while (net->now_ms < until)
        kv_server_turn(server);
}
