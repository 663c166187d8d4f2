/* The configuration table, flag parsing with its exact messages, derived defaults, and the
 * reservation layout: exact region sizes, the seed design's formula, and the comparison. */
#include "test_support.h"

#include "kv/config.h"
#include "kv/layout.h"

static bool parse(kv_config *c, char *error, size_t size, int argc, char **argv) {
    kv_config_defaults(c);
    return kv_config_parse_args(c, argc, argv, error, size) && kv_config_finalize(c, error, size);
}

#define PARSE(c, error, ...)                                                                       \
    parse(c, error, sizeof error, (int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)),         \
          (char *[]){__VA_ARGS__})

static void test_defaults_and_derived_values(void **state) {
    (void)state;
    kv_config c;
    char error[256];
    assert_true(PARSE(&c, error, "--port", "7000"));
    assert_int_equal(c.port, 7000);
    assert_int_equal(c.keys_max, 65536);
    assert_int_equal(c.command_args_max, 1024); /* min(list_length_max + 2, 1024) */
    assert_int_equal(c.bulk_size_max, 65536);   /* max(key_size_max, value_size_max) */
    assert_int_equal(c.request_size_max, 4u << 20);
    assert_int_equal(c.reply_size_max, c.request_size_max);
    assert_string_equal(c.bind, "127.0.0.1");
    assert_int_equal(c.capacity_policy, KV_POLICY_SHARED);
}

static void test_flag_forms(void **state) {
    (void)state;
    kv_config c;
    char error[256];
    assert_true(PARSE(&c, error, "--keys-max=10", "--value_size_max", "2k", "--lock-memory",
                      "--capacity-policy", "GUARANTEED", "--data-budget-bytes", "1mb"));
    assert_int_equal(c.keys_max, 10);
    assert_int_equal(c.value_size_max, 2048);
    assert_int_equal(c.lock_memory, 1);
    assert_int_equal(c.capacity_policy, KV_POLICY_GUARANTEED);
    assert_int_equal(c.data_budget_bytes, 1 << 20);
}

static void test_every_mistake_has_a_message(void **state) {
    (void)state;
    kv_config c;
    char error[256];
    assert_false(PARSE(&c, error, "--keys-max", "x"));
    assert_string_equal(error, "--keys-max: expected an integer from 1 to 4294967294, got 'x'");
    assert_false(PARSE(&c, error, "--keys-max", "0"));
    assert_string_equal(error, "--keys-max: expected an integer from 1 to 4294967294, got '0'");
    assert_false(PARSE(&c, error, "--value-size-max", "-1"));
    assert_string_equal(error, "--value-size-max: expected an integer from 1 to 536870912 (k, m, g "
                               "suffixes allowed), got '-1'");
    assert_false(PARSE(&c, error, "--nope", "1"));
    assert_string_equal(error, "--nope: unknown option");
    assert_false(PARSE(&c, error, "keys-max"));
    assert_string_equal(error, "keys-max: expected an option (--name value)");
    assert_false(PARSE(&c, error, "--port"));
    assert_string_equal(error, "--port: needs a value");
    assert_false(PARSE(&c, error, "--capacity-policy", "big"));
    assert_string_equal(error, "--capacity-policy: expected one of guaranteed, shared, got 'big'");
    assert_false(PARSE(&c, error, "--lock-memory", "maybe"));
    assert_string_equal(error, "--lock-memory: expected yes or no, got 'maybe'");
    assert_false(PARSE(&c, error, "--chunk-size", "48"));
    assert_string_equal(error, "--chunk-size: must be a power of two, got 48");
    assert_false(PARSE(&c, error, "--bulk-size-max", "10", "--value-size-max", "20"));
    assert_string_equal(
        error, "--bulk-size-max: 10 is less than key_size_max (512) or value_size_max (20)");
    char pass[200];
    memset(pass, 'p', sizeof pass - 1);
    pass[sizeof pass - 1] = '\0';
    assert_false(PARSE(&c, error, "--requirepass", pass));
    assert_int_equal(strncmp(error, "--requirepass: expected at most 127 bytes, got 'ppp", 51), 0);
}

/* kv's defaults: C=1000, N=1000, K=1024, V=4096, L=50. */
static kv_config seed_defaults(kv_policy policy) {
    kv_config c;
    char error[256];
    kv_config_defaults(&c);
    c.connections_max = 1000;
    c.keys_max = 1000;
    c.key_size_max = 1024;
    c.value_size_max = 4096;
    c.list_length_max = 50;
    c.capacity_policy = policy;
    assert_true(kv_config_finalize(&c, error, sizeof error));
    return c;
}

static void test_seed_formula_matches_its_published_figures(void **state) {
    (void)state;
    kv_config c = seed_defaults(KV_POLICY_GUARANTEED);
    kv_layout seed;
    kv_layout_seed(&c, &seed);
    assert_int_equal(seed.regions[0].item_bytes, 206299); /* receive buffer per connection */
    assert_int_equal(seed.regions[1].item_bytes, 205255); /* send buffer per connection */
    assert_int_equal(seed.regions[0].bytes + seed.regions[1].bytes, 411554000);
    assert_int_equal(seed.total_bytes, 617378000);
}

static void test_guaranteed_reservation_is_under_forty_percent_of_the_seed(void **state) {
    (void)state;
    kv_config c = seed_defaults(KV_POLICY_GUARANTEED);
    kv_layout mine;
    kv_layout seed;
    char error[256];
    assert_true(kv_layout_compute(&c, &mine, error, sizeof error));
    kv_layout_seed(&c, &seed);
    assert_true(mine.total_bytes * 100 <= seed.total_bytes * 40);
    /* Every key can hold a full list of maximal values: the chunks for exactly that. */
    uint64_t per_key = (1024 + 63) / 64 + 50 * ((4096 + 12 + 63) / 64);
    assert_int_equal(mine.chunk_count, 1000 * per_key);
    /* A maximal push (50 values) fits the large buffers. */
    assert_true(mine.large_buffer_bytes >= c.request_size_max);
    assert_true(c.command_args_max >= 52);
}

static void test_layout_regions_sum_to_the_total_and_are_aligned(void **state) {
    (void)state;
    kv_config c;
    char error[256];
    kv_config_defaults(&c);
    assert_true(kv_config_finalize(&c, error, sizeof error));
    kv_layout l;
    assert_true(kv_layout_compute(&c, &l, error, sizeof error));
    uint64_t sum = 0;
    for (size_t i = 0; i < l.region_count; i++) {
        assert_int_equal(l.regions[i].bytes % KV_REGION_ALIGN_BYTES, 0);
        sum += l.regions[i].bytes;
    }
    assert_int_equal(sum, l.total_bytes);
    assert_int_equal(l.chunk_count, c.data_budget_bytes / c.chunk_size);
}

static void test_impossible_guaranteed_policy_is_refused_with_a_reason(void **state) {
    (void)state;
    kv_config c;
    char error[512];
    kv_config_defaults(&c);
    c.capacity_policy = KV_POLICY_GUARANTEED;
    assert_true(kv_config_finalize(&c, error, sizeof error));
    kv_layout l;
    assert_false(kv_layout_compute(&c, &l, error, sizeof error));
    assert_non_null(strstr(error, "the guaranteed policy asks for"));
    assert_non_null(strstr(error, "or use --capacity-policy shared"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_derived_values),
        cmocka_unit_test(test_flag_forms),
        cmocka_unit_test(test_every_mistake_has_a_message),
        cmocka_unit_test(test_seed_formula_matches_its_published_figures),
        cmocka_unit_test(test_guaranteed_reservation_is_under_forty_percent_of_the_seed),
        cmocka_unit_test(test_layout_regions_sum_to_the_total_and_are_aligned),
        cmocka_unit_test(test_impossible_guaranteed_policy_is_refused_with_a_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
