/* The blocking list commands at the engine: Redis 7.0's timeout parsing and texts, the
 * immediate answers when data is there (as their non-blocking forms), KV_EXEC_BLOCKED with
 * what to wait for otherwise, the re-run of a woken waiter (session.block.serving), the
 * may_block hook EXEC uses (answers as a timeout at once), and the bits of keys that became
 * lists, which wake waiters. Texts and bytes checked against redis-server 7.0.15. */
#include "test_support.h"

#include "kv/command.h"
#include "kv_harness.h"

KV_HARNESS_FIXTURES

#define NOT_FLOAT "-ERR timeout is not a float or out of range\r\n"
#define NEGATIVE  "-ERR timeout is negative\r\n"
#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
#define NO_REPLY  ""

/* Runs BLPOP k <timeout> on an empty key: it must block with that many ms. */
static void assert_blocks_for(const char *timeout, int64_t ms) {
    uint64_t before = kv_harness_blocked(h);
    assert_string_equal(KV_CMD(h, "BLPOP", "k", timeout), NO_REPLY);
    assert_int_equal(kv_harness_blocked(h), before + 1);
    assert_int_equal(kv_harness_session(h)->block.timeout_ms, ms);
}

static void test_timeouts_as_redis_reads_them(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "BLPOP", "k", "x"), NOT_FLOAT);
    assert_string_equal(KV_CMD(h, "BLPOP", "k", ""), NOT_FLOAT);
    assert_string_equal(KV_CMD(h, "BLPOP", "k", " 1"), NOT_FLOAT);
    assert_string_equal(KV_CMD(h, "BLPOP", "k", "nan"), NOT_FLOAT);
    assert_string_equal(KV_CMD(h, "BLPOP", "k", "1e99999"), NOT_FLOAT); /* string2ld: ERANGE */
    assert_string_equal(KV_CMD(h, "BLPOP", "k", "-1"), NEGATIVE);
    assert_string_equal(KV_CMD(h, "BLPOP", "k", "-0.0011"), NEGATIVE);
    /* past int64 milliseconds, inf included: Redis's cast gives INT64_MIN */
    assert_string_equal(KV_CMD(h, "BLPOP", "k", "inf"), NEGATIVE);
    assert_string_equal(KV_CMD(h, "BLPOP", "k", "1e400"), NEGATIVE);
    assert_string_equal(KV_CMD(h, "BLPOP", "k", "9223372036854775.808"), NEGATIVE);
    assert_int_equal(kv_harness_blocked(h), 0);
    assert_blocks_for("9223372036854775.807", INT64_MAX);
    assert_blocks_for("0", 0);
    assert_blocks_for("-0.0001", 0); /* rounds up to -0: for ever */
    assert_blocks_for("-0.001", 0);  /* -0.001 x 1000 is just above -1 in long double */
    assert_blocks_for("1e-4", 1);    /* rounds up to 1 ms */
    assert_blocks_for("0.1", 100);
    assert_blocks_for("0x10", 16000);
    assert_blocks_for("+2.5", 2500);
}

/* Each command's errors in Redis's order (the timeout first, except BLMOVE's directions
 * and BLMPOP's options), then WRONGTYPE from the walk of the keys. */
static void test_errors_in_redis_order(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "SET", "s", "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "BLPOP", "s", "x"), NOT_FLOAT);
    assert_string_equal(KV_CMD(h, "BRPOPLPUSH", "s", "d", "x"), NOT_FLOAT);
    assert_string_equal(KV_CMD(h, "BLMOVE", "s", "d", "UP", "LEFT", "x"), "-ERR syntax error\r\n");
    assert_string_equal(KV_CMD(h, "BLMOVE", "s", "d", "LEFT", "LEFT", "x"), NOT_FLOAT);
    assert_string_equal(KV_CMD(h, "BLMPOP", "x", "0", "s", "LEFT"),
                        "-ERR numkeys should be greater than 0\r\n");
    assert_string_equal(KV_CMD(h, "BLMPOP", "x", "2", "s", "LEFT"), "-ERR syntax error\r\n");
    assert_string_equal(KV_CMD(h, "BLMPOP", "x", "1", "s", "LEFT", "COUNT", "0"),
                        "-ERR count should be greater than 0\r\n");
    assert_string_equal(KV_CMD(h, "BLMPOP", "x", "1", "s", "LEFT"), NOT_FLOAT);
    assert_string_equal(KV_CMD(h, "BLPOP", "s", "0"), WRONGTYPE);
    assert_string_equal(KV_CMD(h, "BLPOP", "none", "s", "0"), WRONGTYPE);
    assert_string_equal(KV_CMD(h, "BLMOVE", "s", "d", "LEFT", "LEFT", "0"), WRONGTYPE);
    assert_string_equal(KV_CMD(h, "BLMPOP", "0", "1", "s", "LEFT"), WRONGTYPE);
    assert_string_equal(KV_CMD(h, "BLPOP", "k"),
                        "-ERR wrong number of arguments for 'blpop' command\r\n");
    assert_string_equal(KV_CMD(h, "BLMPOP", "0", "1", "k"),
                        "-ERR wrong number of arguments for 'blmpop' command\r\n");
    assert_int_equal(kv_harness_blocked(h), 0);
}

/* With data they answer at once, as their non-blocking forms. */
static void test_data_present_answers_at_once(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "RPUSH", "k", "a", "b", "c", "d"), ":4\r\n");
    assert_string_equal(KV_CMD(h, "BLPOP", "none", "k", "0"), "*2\r\n$1\r\nk\r\n$1\r\na\r\n");
    assert_string_equal(KV_CMD(h, "BRPOP", "k", "1"), "*2\r\n$1\r\nk\r\n$1\r\nd\r\n");
    assert_string_equal(KV_CMD(h, "BLMOVE", "k", "k", "LEFT", "RIGHT", "0"), "$1\r\nb\r\n");
    assert_string_equal(KV_CMD(h, "BRPOPLPUSH", "k", "d", "0"), "$1\r\nb\r\n");
    assert_string_equal(KV_CMD(h, "BLMPOP", "0", "2", "none", "k", "RIGHT", "COUNT", "9"),
                        "*2\r\n$1\r\nk\r\n*1\r\n$1\r\nc\r\n");
    assert_string_equal(KV_CMD(h, "EXISTS", "k"), ":0\r\n"); /* emptied: deleted */
    assert_string_equal(KV_CMD(h, "LRANGE", "d", "0", "-1"), "*1\r\n$1\r\nb\r\n");
    assert_int_equal(kv_harness_blocked(h), 0);
}

/* Nothing to pop: KV_EXEC_BLOCKED with the bits of every key, nothing changed. */
static void test_blocking_reports_its_keys(void **state) {
    (void)state;
    kv_store *st = &kv_harness_engine(h)->store;
    uint64_t a = kv_store_key_bit(st, (const uint8_t *)"a", 1);
    uint64_t b = kv_store_key_bit(st, (const uint8_t *)"b", 1);
    assert_string_equal(KV_CMD(h, "BLMPOP", "1.5", "2", "a", "b", "LEFT"), NO_REPLY);
    assert_int_equal(kv_harness_session(h)->block.key_bits, a | b);
    assert_int_equal(kv_harness_session(h)->block.timeout_ms, 1500);
    assert_string_equal(KV_CMD(h, "BRPOPLPUSH", "a", "b", "0"), NO_REPLY);
    assert_int_equal(kv_harness_session(h)->block.key_bits, a); /* the source only */
    assert_int_equal(kv_harness_blocked(h), 2);
    assert_string_equal(KV_CMD(h, "DBSIZE"), ":0\r\n");
}

/* The bits of keys that became lists: pushes that create, LMOVE's destination, RENAME and
 * COPY of a list; not a push to an existing list nor LPUSHX on a missing key nor a string. */
static void test_keys_that_became_lists(void **state) {
    (void)state;
    kv_engine *e = kv_harness_engine(h);
    uint64_t k = kv_store_key_bit(&e->store, (const uint8_t *)"k", 1);
    uint64_t d = kv_store_key_bit(&e->store, (const uint8_t *)"d", 1);
    uint64_t r = kv_store_key_bit(&e->store, (const uint8_t *)"r", 1);
    uint64_t c = kv_store_key_bit(&e->store, (const uint8_t *)"c", 1);
    (void)kv_engine_take_lists_added(e);
    assert_string_equal(KV_CMD(h, "LPUSHX", "k", "v"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "SET", "s", "v"), "+OK\r\n");
    assert_int_equal(kv_engine_take_lists_added(e), 0);
    assert_string_equal(KV_CMD(h, "RPUSH", "k", "1", "2"), ":2\r\n");
    assert_int_equal(kv_engine_take_lists_added(e), k);
    assert_int_equal(kv_engine_take_lists_added(e), 0); /* taken */
    assert_string_equal(KV_CMD(h, "RPUSH", "k", "3"), ":3\r\n");
    assert_int_equal(kv_engine_take_lists_added(e), 0);
    assert_string_equal(KV_CMD(h, "LMOVE", "k", "d", "LEFT", "LEFT"), "$1\r\n1\r\n");
    assert_int_equal(kv_engine_take_lists_added(e), d);
    assert_string_equal(KV_CMD(h, "RENAME", "d", "r"), "+OK\r\n");
    assert_int_equal(kv_engine_take_lists_added(e), r);
    assert_string_equal(KV_CMD(h, "COPY", "r", "c"), ":1\r\n");
    assert_int_equal(kv_engine_take_lists_added(e), c);
}

/* A woken waiter's re-run: pops from the first key holding a list, passes over another
 * type, and otherwise blocks again; BLMOVE's destination of another type still answers
 * WRONGTYPE, as Redis's. */
static void test_a_woken_waiter_runs_again(void **state) {
    (void)state;
    kv_session *session = kv_harness_session(h);
    assert_string_equal(KV_CMD(h, "SET", "s", "v"), "+OK\r\n");
    session->block.serving = true;
    assert_string_equal(KV_CMD(h, "BLPOP", "s", "k", "0"), NO_REPLY);
    assert_int_equal(kv_harness_blocked(h), 1);
    assert_string_equal(KV_CMD(h, "RPUSH", "k", "x", "y"), ":2\r\n");
    assert_string_equal(KV_CMD(h, "BLPOP", "s", "k", "0"), "*2\r\n$1\r\nk\r\n$1\r\nx\r\n");
    assert_string_equal(KV_CMD(h, "BLMOVE", "s", "k", "LEFT", "LEFT", "0"), NO_REPLY);
    assert_string_equal(KV_CMD(h, "BLMOVE", "k", "s", "LEFT", "LEFT", "0"), WRONGTYPE);
    assert_string_equal(KV_CMD(h, "LLEN", "k"), ":1\r\n"); /* nothing moved */
    session->block.serving = false;
    assert_int_equal(kv_harness_blocked(h), 2);
}

/* Runs a command through its handler with blocking denied, as EXEC will (kv_ctx.may_block). */
static const char *run_denied(const char *const *args, uint32_t argc) {
    static char out[256];
    resp_arg argv[8];
    ST_ASSERT(argc <= 8);
    for (uint32_t i = 0; i < argc; i++)
        argv[i] = (resp_arg){.ptr = (const uint8_t *)args[i], .len = strlen(args[i])};
    kv_engine *e = kv_harness_engine(h);
    const kv_command *cmd = kv_engine_command(e, argv[0].ptr, argv[0].len);
    assert_non_null(cmd);
    resp_writer w;
    resp_writer_init(&w, (uint8_t *)out, sizeof out - 1);
    kv_ctx c = {.engine = e,
                .store = &e->store,
                .session = kv_harness_session(h),
                .argv = argv,
                .argc = argc,
                .out = &w,
                .result = KV_EXEC_DONE,
                .may_block = false};
    cmd->handler(&c);
    assert_int_equal(c.result, KV_EXEC_DONE);
    out[resp_writer_len(&w)] = '\0';
    return out;
}

#define DENIED(...)                                                                                \
    run_denied((const char *const[]){__VA_ARGS__},                                                 \
               sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

/* Where blocking is denied (inside MULTI/EXEC in Redis), an empty key answers as a timeout
 * at once: *-1, and BLMOVE/BRPOPLPUSH $-1 (Redis's addReplyNull there). */
static void test_denied_blocking_answers_at_once(void **state) {
    (void)state;
    assert_string_equal(DENIED("BLPOP", "k", "0"), "*-1\r\n");
    assert_string_equal(DENIED("BRPOP", "k", "j", "5"), "*-1\r\n");
    assert_string_equal(DENIED("BLMPOP", "0", "1", "k", "LEFT"), "*-1\r\n");
    assert_string_equal(DENIED("BLMOVE", "k", "d", "LEFT", "LEFT", "0"), "$-1\r\n");
    assert_string_equal(DENIED("BRPOPLPUSH", "k", "d", "0"), "$-1\r\n");
    assert_string_equal(DENIED("BLPOP", "k", "-1"), NEGATIVE); /* errors as ever */
    assert_string_equal(KV_CMD(h, "RPUSH", "k", "a"), ":1\r\n");
    assert_string_equal(DENIED("BLPOP", "k", "0"), "*2\r\n$1\r\nk\r\n$1\r\na\r\n");
    assert_int_equal(kv_harness_blocked(h), 0);
}

/* The timeout's answer, whatever the command: a null array. */
static void test_the_timeout_reply(void **state) {
    (void)state;
    uint8_t buf[8];
    resp_writer w;
    resp_writer_init(&w, buf, sizeof buf);
    kv_engine_reply_timed_out(&w);
    assert_int_equal(resp_writer_len(&w), 5);
    assert_memory_equal(buf, "*-1\r\n", 5);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_timeouts_as_redis_reads_them, open_harness,
                                        close_harness),
        cmocka_unit_test_setup_teardown(test_errors_in_redis_order, open_harness, close_harness),
        cmocka_unit_test_setup_teardown(test_data_present_answers_at_once, open_harness,
                                        close_harness),
        cmocka_unit_test_setup_teardown(test_blocking_reports_its_keys, open_harness,
                                        close_harness),
        cmocka_unit_test_setup_teardown(test_keys_that_became_lists, open_harness, close_harness),
        cmocka_unit_test_setup_teardown(test_a_woken_waiter_runs_again, open_harness,
                                        close_harness),
        cmocka_unit_test_setup_teardown(test_denied_blocking_answers_at_once, open_harness,
                                        close_harness),
        cmocka_unit_test_setup_teardown(test_the_timeout_reply, open_harness, close_harness),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
