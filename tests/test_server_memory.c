/* The server's start-up memory: ONE reservation of exactly the layout's total, carved into
 * every region in the layout's order, nothing left over. No sockets. */
#include "test_support.h"

#include <errno.h>
#include <sys/resource.h>

#include "kv/server_internal.h"

static kv_config small_config(void) {
    kv_config c;
    kv_config_defaults(&c);
    c.keys_max = 1000;
    c.value_size_max = 1024;
    c.list_length_max = 100;
    c.data_budget_bytes = 256 * 1024;
    c.connections_max = 8;
    c.large_buffers_max = 3;
    char error[256];
    assert_true(kv_config_finalize(&c, error, sizeof error));
    return c;
}

static kv_server server;

static void test_reservation_is_the_layout_total(void **state) {
    (void)state;
    kv_config c = small_config();
    char error[256];
    int r =
        kv_server_reserve(&server, &c, false, (siphash_key){.k0 = 1, .k1 = 2}, error, sizeof error);
    assert_int_equal(r, 0);
    allocator_diagnostics d = reservation_diagnostics(&server.memory);
    uint64_t sum = 0;
    for (size_t i = 0; i < server.layout.region_count; i++)
        sum += server.layout.regions[i].bytes;
    assert_int_equal(server.layout.region_count, KV_REGION_COUNT);
    assert_int_equal(sum, server.layout.total_bytes);
    assert_int_equal(d.capacity_bytes, server.layout.total_bytes);  /* what was reserved */
    assert_int_equal(d.allocated_bytes, server.layout.total_bytes); /* what was carved */
    assert_int_equal(server.info.reservation_bytes, server.layout.total_bytes);
    /* the store, then every other region, each where the previous one ends */
    uint8_t *at = server.memory.base;
    at += server.layout.regions[KV_REGION_STORE_TABLE].bytes +
          server.layout.regions[KV_REGION_STORE_RECORDS].bytes +
          server.layout.regions[KV_REGION_STORE_CHUNKS].bytes;
    assert_ptr_equal(server.conns, at);
    at += server.layout.regions[KV_REGION_CONNECTIONS].bytes;
    assert_ptr_equal(server.conn_buffers, at);
    at += server.layout.regions[KV_REGION_CONNECTION_BUFFERS].bytes;
    assert_ptr_equal(server.large_buffers, at);
    at += server.layout.regions[KV_REGION_LARGE_BUFFERS].bytes;
    assert_ptr_equal(server.argv, at);
    at += server.layout.regions[KV_REGION_ARGV].bytes;
    assert_ptr_equal(server.client_names, at);
    at += server.layout.regions[KV_REGION_CLIENT_NAMES].bytes;
    assert_ptr_equal(server.inline_scratch, at);
    at += server.layout.regions[KV_REGION_INLINE_SCRATCH].bytes;
    assert_ptr_equal(server.engine.lcs_table, (void *)at);
    at += server.layout.regions[KV_REGION_LCS_SCRATCH].bytes;
    assert_ptr_equal(server.engine.txns.slots, (void *)at);
    at += server.layout.regions[KV_REGION_TXN_STATE].bytes;
    assert_ptr_equal(server.engine.txns.queues, at);
    at += server.layout.regions[KV_REGION_TXN_QUEUES].bytes;
    assert_ptr_equal(server.engine.txns.watches, (void *)at);
    at += server.layout.regions[KV_REGION_TXN_WATCHES].bytes;
    assert_ptr_equal(server.engine.txns.index, (void *)at);
    at += server.layout.regions[KV_REGION_TXN_WATCH_INDEX].bytes;
    assert_ptr_equal(server.engine.txns.argv, (void *)at);
    at += server.layout.regions[KV_REGION_TXN_ARGV].bytes;
    assert_ptr_equal(server.blocks, (void *)at);
    at += server.layout.regions[KV_REGION_BLOCKED_CLIENTS].bytes;
    assert_ptr_equal(at, server.memory.base + server.layout.total_bytes);
    kv_server_release(&server);
}

static void test_regions_are_sized_from_the_configuration(void **state) {
    (void)state;
    kv_config c = small_config();
    char error[256];
    assert_int_equal(kv_server_reserve(&server, &c, false, (siphash_key){0}, error, sizeof error),
                     0);
    const kv_region *r = server.layout.regions;
    assert_int_equal(r[KV_REGION_CONNECTIONS].bytes, 8 * sizeof(kv_connection));
    assert_int_equal(r[KV_REGION_BLOCKED_CLIENTS].bytes, 8 * sizeof(kv_block_entry));
    assert_int_equal(r[KV_REGION_CONNECTION_BUFFERS].bytes, 8 * 2 * c.connection_buffer_size);
    assert_int_equal(r[KV_REGION_LARGE_BUFFERS].bytes, 3 * server.layout.large_buffer_bytes);
    /* transactions: per connection, a queue of transaction_bytes_max and watched_keys_max
     * entries (rounded to 64 bytes per region) */
    assert_int_equal(r[KV_REGION_TXN_QUEUES].bytes, (8 * c.transaction_bytes_max + 63) & ~63ull);
    assert_int_equal(r[KV_REGION_TXN_WATCHES].bytes,
                     (8 * c.watched_keys_max * sizeof(kv_watch) + 63) & ~63ull);
    assert_true(server.layout.large_buffer_bytes >= c.request_size_max);
    assert_true(server.layout.large_buffer_bytes >= c.reply_size_max);
    assert_true(r[KV_REGION_INLINE_SCRATCH].bytes >= c.inline_size_max);
    /* every slot free, every large buffer free */
    assert_int_equal(server.large_free_count, 3);
    assert_int_equal(server.slots_in_use, 0);
    kv_server_release(&server);
}

/* The current address-space size, from /proc/self/status (VmSize, kB). */
static uint64_t vm_size_bytes(void) {
    FILE *f = fopen("/proc/self/status", "r");
    assert_non_null(f);
    char line[256];
    uint64_t kb = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "VmSize:", 7) == 0) kb = strtoull(line + 7, NULL, 10);
    }
    fclose(f);
    return kb * 1024;
}

/* In a child whose address space is capped just above what it uses: mmap must fail with
 * ENOMEM and the reason must say so, however much memory the machine has. */
static void test_a_reservation_the_machine_cannot_give(void **state) {
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        kv_config c = small_config();
        c.data_budget_bytes = (uint64_t)1 << 30;
        uint64_t cap = vm_size_bytes() + ((uint64_t)64 << 20);
        struct rlimit as = {.rlim_cur = cap, .rlim_max = cap};
        if (setrlimit(RLIMIT_AS, &as) != 0) _exit(3);
        char error[256];
        int r = kv_server_reserve(&server, &c, false, (siphash_key){0}, error, sizeof error);
        _exit(r == -ENOMEM && strstr(error, "cannot reserve") != NULL ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reservation_is_the_layout_total),
        cmocka_unit_test(test_regions_are_sized_from_the_configuration),
        cmocka_unit_test(test_a_reservation_the_machine_cannot_give),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
