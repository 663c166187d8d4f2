/* Keyspace commands through the parser and the engine: exact reply bytes, expiry at exact
 * millisecond boundaries, RENAME's cases and limits, KEYS patterns and reply_size_max, and
 * SCAN iterations across rehashes and reply limits. */
#include "test_support.h"

#include "kv/table.h"
#include "kv_harness.h"

#define T0_MS INT64_C(1700000000000)

KV_HARNESS_FIXTURES

/* The default harness with its clock at T0_MS. */
static int open_at_t0(void **state) {
    open_harness(state);
    kv_harness_set_time(h, T0_MS);
    return 0;
}

/* A harness whose config is the tests' one with these changes, finalized. */
static kv_harness *open_with(uint64_t reply_size_max, uint64_t data_budget_bytes) {
    kv_config c;
    kv_harness_config(&c);
    if (reply_size_max != 0) c.reply_size_max = reply_size_max;
    if (data_budget_bytes != 0) c.data_budget_bytes = data_budget_bytes;
    char error[256];
    assert_true(kv_config_finalize(&c, error, sizeof error));
    kv_harness *x = kv_harness_open(&c);
    kv_harness_set_time(x, T0_MS);
    return x;
}

static kv_store *store_of(kv_harness *x) { return &kv_harness_engine(x)->store; }

/* ---- reading replies ---- */

#define LIST_MAX 128
#define ITEM_MAX 80

typedef struct key_list {
    size_t n;
    char items[LIST_MAX][ITEM_MAX];
} key_list;

/* Parses "*n\r\n" and n bulks (without NULs) from *p, advancing it. */
static void parse_bulks(const char **p, key_list *out) {
    char *end = NULL;
    assert_int_equal(**p, '*');
    out->n = strtoul(*p + 1, &end, 10);
    assert_true(out->n <= LIST_MAX);
    *p = end + 2;
    for (size_t i = 0; i < out->n; i++) {
        assert_int_equal(**p, '$');
        size_t len = strtoul(*p + 1, &end, 10);
        assert_true(len < ITEM_MAX);
        memcpy(out->items[i], end + 2, len);
        out->items[i][len] = '\0';
        *p = end + 2 + len + 2;
    }
}

static int compare_items(const void *a, const void *b) { return strcmp(a, b); }

/* KEYS <pattern> as a sorted, comma-separated list (KEYS has no order). */
static const char *keys_sorted(kv_harness *x, const char *pattern) {
    static key_list l;
    static char joined[LIST_MAX * ITEM_MAX];
    const char *p = KV_CMD(x, "KEYS", pattern);
    parse_bulks(&p, &l);
    qsort(l.items, l.n, sizeof l.items[0], compare_items);
    joined[0] = '\0';
    for (size_t i = 0; i < l.n; i++) {
        if (i > 0) strcat(joined, ",");
        strcat(joined, l.items[i]);
    }
    return joined;
}

/* One SCAN call with up to four option words; returns the next cursor, keys in *out. */
static uint64_t scan_once(kv_harness *x, uint64_t cursor, const char *const *opts, size_t n,
                          key_list *out) {
    char text[32];
    snprintf(text, sizeof text, "%llu", (unsigned long long)cursor);
    const char *argv[8] = {"SCAN", text};
    for (size_t i = 0; i < n; i++)
        argv[2 + i] = opts[i];
    const char *p = kv_harness_command(x, 2 + n, argv);
    assert_memory_equal(p, "*2\r\n$", 5);
    char *end = NULL;
    size_t len = strtoul(p + 5, &end, 10);
    uint64_t next = strtoull(end + 2, NULL, 10);
    p = end + 2 + len + 2;
    parse_bulks(&p, out);
    return next;
}

/* ---- DEL, EXISTS, TYPE (the family's first commands) ---- */

static void test_del_exists_type(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "SET", "a", "1"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "x"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "TYPE", "a"), "+string\r\n");
    assert_string_equal(KV_CMD(h, "TYPE", "l"), "+list\r\n");
    assert_string_equal(KV_CMD(h, "TYPE", "nope"), "+none\r\n");
    assert_string_equal(KV_CMD(h, "EXISTS", "a", "a", "nope"), ":2\r\n");
    assert_string_equal(KV_CMD(h, "DEL", "a", "a", "l", "nope"), ":2\r\n");
}

/* ---- RENAME ---- */

static void test_rename_moves_value_and_ttl(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "SET", "src", "v", "PX", "5000"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "SET", "dst", "old", "PX", "9000"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "RENAME", "src", "dst"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "GET", "dst"), "$1\r\nv\r\n");
    assert_string_equal(KV_CMD(h, "PTTL", "dst"), ":5000\r\n"); /* the source's, not 9000 */
    assert_string_equal(KV_CMD(h, "EXISTS", "src"), ":0\r\n");
    /* A TTL-less source gives a TTL-less destination. */
    assert_string_equal(KV_CMD(h, "SET", "plain", "p"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "RENAME", "plain", "dst"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "TTL", "dst"), ":-1\r\n");
    assert_int_equal(store_of(h)->expires, 0);
    assert_true(kv_store_invariants_hold_full(store_of(h)));
}

static void test_rename_over_other_types(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "RPUSH", "list", "a", "b"), ":2\r\n");
    assert_string_equal(KV_CMD(h, "SET", "str", "s"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "RENAME", "list", "str"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "TYPE", "str"), "+list\r\n");
    assert_string_equal(KV_CMD(h, "LRANGE", "str", "0", "-1"), "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    assert_string_equal(KV_CMD(h, "SET", "s2", "x"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "RENAME", "s2", "str"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "GET", "str"), "$1\r\nx\r\n");
    assert_int_equal(store_of(h)->keys, 1);
    assert_true(kv_store_invariants_hold_full(store_of(h)));
}

static void test_rename_onto_itself_and_missing(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "RENAME", "nokey", "foobar"), "-ERR no such key\r\n");
    assert_string_equal(KV_CMD(h, "RENAME", "nokey", "nokey"), "-ERR no such key\r\n");
    assert_string_equal(KV_CMD(h, "SET", "mykey", "v", "PX", "100"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "RENAME", "mykey", "mykey"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "PTTL", "mykey"), ":100\r\n"); /* nothing changed */
    /* An expired source is a missing one. */
    kv_harness_set_time(h, T0_MS + 101);
    assert_string_equal(KV_CMD(h, "RENAME", "mykey", "other"), "-ERR no such key\r\n");
    assert_string_equal(KV_CMD(h, "RENAME", "a"),
                        "-ERR wrong number of arguments for 'rename' command\r\n");
    assert_int_equal(store_of(h)->keys, 0);
}

static void test_rename_limits(void **state) {
    (void)state;
    char long_name[66];
    memset(long_name, 'n', 65);
    long_name[65] = '\0';
    assert_string_equal(KV_CMD(h, "SET", "k", "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "RENAME", "k", long_name),
                        "-ERR key exceeds key_size_max (64 bytes)\r\n");
    assert_string_equal(KV_CMD(h, "GET", "k"), "$1\r\nv\r\n");
    long_name[64] = '\0';
    assert_string_equal(KV_CMD(h, "RENAME", "k", long_name), "+OK\r\n");
}

/* Six chunks of 16 bytes: a rename needs its new name's chunks after the old names (its
 * own and an overwritten destination's) and the destination's value are given back. */
static void test_rename_counts_chunks_of_the_final_state(void **state) {
    (void)state;
    kv_harness *x = open_with(0, 6 * 16);
    const char *name48 = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuv";
    const char *name33 = "abcdefghijklmnopqrstuvwxyzabcdefg";
    assert_string_equal(KV_CMD(x, "SET", "a", "x"), "+OK\r\n");
    assert_string_equal(KV_CMD(x, "SET", "b", "y"), "+OK\r\n");
    assert_string_equal(KV_CMD(x, "RENAME", "a", name48), "+OK\r\n"); /* 3 chunks for 1 */
    assert_int_equal(chunk_store_used(&store_of(x)->chunks), 6);
    assert_string_equal(KV_CMD(x, "RENAME", "b", name33),
                        "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    assert_string_equal(KV_CMD(x, "GET", "b"), "$1\r\ny\r\n");
    /* Over the long key: its 3 + 1 chunks come back, the new name needs 3 of them. */
    assert_string_equal(KV_CMD(x, "RENAME", "b", name48), "+OK\r\n");
    assert_int_equal(chunk_store_used(&store_of(x)->chunks), 4);
    assert_string_equal(KV_CMD(x, "GET", name48), "$1\r\ny\r\n");
    assert_true(kv_store_invariants_hold_full(store_of(x)));
    kv_harness_close(x);
}

/* ---- KEYS ---- */

static void test_keys_patterns(void **state) {
    (void)state;
    /* keyspace.tcl: "KEYS with pattern", "KEYS to get all keys" */
    const char *names[] = {"key_x", "key_y", "key_z", "foo_a", "foo_b", "foo_c"};
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(KV_CMD(h, "SET", names[i], "hello"), "+OK\r\n");
    assert_string_equal(keys_sorted(h, "foo*"), "foo_a,foo_b,foo_c");
    assert_string_equal(keys_sorted(h, "*"), "foo_a,foo_b,foo_c,key_x,key_y,key_z");
    assert_string_equal(keys_sorted(h, "*_[xz]"), "key_x,key_z");
    assert_string_equal(keys_sorted(h, "*_[^xz]"), "foo_a,foo_b,foo_c,key_y");
    assert_string_equal(keys_sorted(h, "???_?"), "foo_a,foo_b,foo_c,key_x,key_y,key_z");
    assert_string_equal(keys_sorted(h, "f[n-p]o_\\a"), "foo_a");
    assert_string_equal(KV_CMD(h, "KEYS", "nomatch*"), "*0\r\n");
    /* keyspace.tcl: "Regression for pattern matching long nested loops" */
    assert_string_equal(KV_CMD(h, "FLUSHALL"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "SET", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "1"),
                        "+OK\r\n");
    assert_string_equal(KV_CMD(h, "KEYS", "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b"), "*0\r\n");
    /* keyspace.tcl: "KEYS * two times with long key, Github issue #1208" */
    assert_string_equal(KV_CMD(h, "SET", "dlskeriewrioeuwqoirueioqwrueoqwrueqw", "test"),
                        "+OK\r\n");
    assert_string_equal(keys_sorted(h, "d*"), "dlskeriewrioeuwqoirueioqwrueoqwrueqw");
    assert_string_equal(keys_sorted(h, "d*"), "dlskeriewrioeuwqoirueioqwrueoqwrueqw");
}

/* Keys longer than a chunk are matched in place across their chunks. */
static void test_keys_match_across_chunks(void **state) {
    (void)state;
    const char *k = "0123456789abcdef0123456789ABCDEF0123456789abcdef-tail";
    assert_string_equal(KV_CMD(h, "SET", k, "v"), "+OK\r\n");
    assert_string_equal(keys_sorted(h, "*-tail"), k);
    assert_string_equal(keys_sorted(h, "*f0*F0*f-t?il"), k);
    assert_string_equal(keys_sorted(h, "*ABCDEF0*abcdef-tai"), "");
    assert_string_equal(keys_sorted(h, "0123456789abcdef0123456789[A-C]*"), k);
}

/* Redis's matcher never matches the empty key with a pattern, but "*" skips matching. */
static void test_keys_empty_key(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "SET", "", "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "KEYS", "*"), "*1\r\n$0\r\n\r\n");
    assert_string_equal(KV_CMD(h, "KEYS", "**"), "*0\r\n");
    assert_string_equal(KV_CMD(h, "KEYS", ""), "*1\r\n$0\r\n\r\n");
}

static void test_keys_skips_expired_without_deleting(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "SET", "live", "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "SET", "dying", "v", "PX", "10"), "+OK\r\n");
    kv_harness_set_time(h, T0_MS + 10);
    assert_string_equal(keys_sorted(h, "*"), "dying,live"); /* now == expiry: alive */
    kv_harness_set_time(h, T0_MS + 11);
    assert_string_equal(keys_sorted(h, "*"), "live");
    assert_int_equal(store_of(h)->keys, 2); /* not deleted */
    assert_int_equal(store_of(h)->stats.expired_keys, 0);
}

static void test_keys_reply_size_max(void **state) {
    (void)state;
    kv_harness *x = open_with(1024, 0);
    char name[64];
    for (int i = 0; i < 25; i++) { /* 25 bulks of 50 bytes */
        snprintf(name, sizeof name, "a-rather-long-key-name-to-fill-the-reply-%02d", i);
        assert_string_equal(KV_CMD(x, "SET", name, "v"), "+OK\r\n");
    }
    assert_string_equal(KV_CMD(x, "KEYS", "*"),
                        "-ERR reply exceeds reply_size_max (1024 bytes)\r\n");
    assert_int_equal(store_of(x)->keys, 25);
    assert_memory_equal(KV_CMD(x, "KEYS", "*-0?"), "*10\r\n", 5); /* half of them fit */
    kv_harness_close(x);
}

/* A reply larger than the room given goes through NEEDS_ROOM and is served on the retry. */
static void test_keys_needs_room_then_fits(void **state) {
    (void)state;
    char name[64];
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "a-rather-long-key-name-to-fill-the-reply-%02d", i);
        assert_string_equal(KV_CMD(h, "SET", name, "v"), "+OK\r\n");
    }
    kv_harness_set_room(h, 1024);
    uint64_t retries = kv_harness_room_retries(h);
    const char *p = KV_CMD(h, "KEYS", "*");
    assert_memory_equal(p, "*40\r\n", 5);
    assert_int_equal(kv_harness_room_retries(h), retries + 1);
}

/* ---- SCAN ---- */

static void test_scan_cursor_and_option_errors(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "SET", "k", "v"), "+OK\r\n");
    const char *bad[] = {"abc", " 0", "0 ", "\t1", "18446744073709551616", "0x1", "+", "-", "1.0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_string_equal(KV_CMD(h, "SCAN", bad[i]), "-ERR invalid cursor\r\n");
    /* strtoul's accepted forms: "" is 0, "+0" is 0, "-1" and 2^64-1 are past the table. */
    assert_string_equal(KV_CMD(h, "SCAN", "", "COUNT", "1000"),
                        "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n");
    assert_string_equal(KV_CMD(h, "SCAN", "+0", "COUNT", "1000"),
                        "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n");
    assert_string_equal(KV_CMD(h, "SCAN", "-1"), "*2\r\n$1\r\n0\r\n*0\r\n");
    assert_string_equal(KV_CMD(h, "SCAN", "18446744073709551615"), "*2\r\n$1\r\n0\r\n*0\r\n");
    assert_string_equal(KV_CMD(h, "SCAN", "0", "COUNT", "0"), "-ERR syntax error\r\n");
    assert_string_equal(KV_CMD(h, "SCAN", "0", "COUNT", "-1"), "-ERR syntax error\r\n");
    assert_string_equal(KV_CMD(h, "SCAN", "0", "COUNT", "abc"),
                        "-ERR value is not an integer or out of range\r\n");
    assert_string_equal(KV_CMD(h, "SCAN", "0", "COUNT"), "-ERR syntax error\r\n");
    assert_string_equal(KV_CMD(h, "SCAN", "0", "FOO", "bar"), "-ERR syntax error\r\n");
    assert_string_equal(KV_CMD(h, "SCAN", "x", "FOO"),
                        "-ERR invalid cursor\r\n"); /* cursor first */
    assert_string_equal(KV_CMD(h, "SCAN", "0", "TYPE", "nosuch", "COUNT", "1000"),
                        "*2\r\n$1\r\n0\r\n*0\r\n");
    assert_string_equal(KV_CMD(h, "SCAN"), "-ERR wrong number of arguments for 'scan' command\r\n");
    /* C-string semantics, as Redis: "5\0x" is cursor 5, "count\0" is COUNT. */
    static const char nul_cursor[] = "*2\r\n$4\r\nSCAN\r\n$3\r\n0\0x\r\n";
    size_t len = 0;
    const char *r = kv_harness_send_bytes(h, nul_cursor, sizeof nul_cursor - 1, &len, NULL);
    assert_memory_equal(r, "*2\r\n$", 5);
    static const char nul_count[] =
        "*4\r\n$4\r\nSCAN\r\n$1\r\n0\r\n$6\r\ncount\0\r\n$4\r\n1000\r\n";
    r = kv_harness_send_bytes(h, nul_count, sizeof nul_count - 1, &len, NULL);
    assert_string_equal(r, "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n");
}

typedef struct seen_keys {
    size_t n;
    char names[LIST_MAX][ITEM_MAX];
    unsigned count[LIST_MAX];
} seen_keys;

static void note_keys(seen_keys *s, const key_list *l) {
    for (size_t i = 0; i < l->n; i++) {
        size_t k = 0;
        while (k < s->n && strcmp(s->names[k], l->items[i]) != 0)
            k++;
        if (k == s->n) {
            assert_true(s->n < LIST_MAX);
            strcpy(s->names[s->n++], l->items[i]);
        }
        s->count[k]++;
    }
}

static unsigned times_seen(const seen_keys *s, const char *name) {
    for (size_t k = 0; k < s->n; k++) {
        if (strcmp(s->names[k], name) == 0) return s->count[k];
    }
    return 0;
}

/* A whole iteration with options; every key returned is counted. */
static void scan_all(kv_harness *x, const char *const *opts, size_t n, seen_keys *s) {
    static key_list l;
    memset(s, 0, sizeof *s);
    uint64_t cursor = 0;
    int calls = 0;
    do {
        cursor = scan_once(x, cursor, opts, n, &l);
        note_keys(s, &l);
        assert_true(++calls < 1000);
    } while (cursor != 0);
}

static void test_scan_iterations_with_options(void **state) {
    (void)state;
    char name[32];
    for (int i = 0; i < 50; i++) {
        snprintf(name, sizeof name, "key:%d", i);
        assert_string_equal(KV_CMD(h, "SET", name, "v"), "+OK\r\n");
    }
    assert_string_equal(KV_CMD(h, "RPUSH", "list:1", "a"), ":1\r\n");
    static seen_keys s;
    scan_all(h, NULL, 0, &s); /* scan.tcl "SCAN basic" */
    assert_int_equal(s.n, 51);
    for (size_t k = 0; k < s.n; k++)
        assert_int_equal(s.count[k], 1);
    const char *count1[] = {"COUNT", "1"}; /* "SCAN COUNT" */
    scan_all(h, count1, 2, &s);
    assert_int_equal(s.n, 51);
    const char *match[] = {"MATCH", "key:1?"}; /* "SCAN MATCH" */
    scan_all(h, match, 2, &s);
    assert_int_equal(s.n, 10);
    const char *lists[] = {"TYPE", "list"}; /* "SCAN TYPE" */
    scan_all(h, lists, 2, &s);
    assert_int_equal(s.n, 1);
    assert_int_equal(times_seen(&s, "list:1"), 1);
    const char *all3[] = {"TYPE", "STRING", "MATCH", "key:*", "COUNT", "10"};
    scan_all(h, all3, 6, &s);
    assert_int_equal(s.n, 50);
}

/* SCAN deletes the expired keys it visits that match (they are not returned); TYPE none
 * sees an expired key as gone and so returns it, as Redis 7.0 does. */
static void test_scan_expired_keys(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "SET", "a", "v", "PX", "5"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "SET", "b", "v", "PX", "5"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "SET", "c", "v"), "+OK\r\n");
    kv_harness_set_time(h, T0_MS + 6);
    static seen_keys s;
    const char *match_a[] = {"MATCH", "a", "COUNT", "1000"};
    scan_all(h, match_a, 4, &s);
    assert_int_equal(s.n, 0);
    assert_int_equal(store_of(h)->keys, 2); /* a deleted; b does not match: left */
    const char *none[] = {"TYPE", "none", "COUNT", "1000"};
    scan_all(h, none, 4, &s);
    assert_int_equal(s.n, 1);
    assert_int_equal(times_seen(&s, "b"), 1);
    assert_int_equal(store_of(h)->keys, 1);
    assert_int_equal(store_of(h)->stats.expired_keys, 2);
    assert_int_equal(store_of(h)->expires, 0);
}

/* The cursor is a home slot: keys present for the whole iteration are returned exactly
 * once even when the table is rehashed in place between calls. */
static void test_scan_across_rehashes(void **state) {
    (void)state;
    char name[32];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof name, "stay:%d", i);
        assert_string_equal(KV_CMD(h, "SET", name, "v"), "+OK\r\n");
    }
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "churn:%d", i);
        assert_string_equal(KV_CMD(h, "SET", name, "v"), "+OK\r\n");
    }
    table *index = &store_of(h)->index;
    uint64_t rehashes = table_get_stats(index).rehashes;
    static seen_keys s;
    static key_list l;
    memset(&s, 0, sizeof s);
    const char *count2[] = {"COUNT", "2"};
    uint64_t cursor = 0;
    for (int step = 0; cursor != 0 || step == 0; step++) {
        cursor = scan_once(h, cursor, count2, 2, &l);
        note_keys(&s, &l);
        if (step == 2) { /* 40 deletes: tombstones pass a quarter of 128 slots */
            for (int i = 0; i < 40; i++) {
                snprintf(name, sizeof name, "churn:%d", i);
                assert_string_equal(KV_CMD(h, "DEL", name), ":1\r\n");
            }
            assert_true(table_get_stats(index).rehashes > rehashes);
        }
        if (step % 3 == 1) table_rehash(index); /* and forced ones */
        if (step == 5) {
            for (int i = 0; i < 30; i++) {
                snprintf(name, sizeof name, "new:%d", i);
                assert_string_equal(KV_CMD(h, "SET", name, "v"), "+OK\r\n");
            }
        }
        assert_true(step < 1000);
    }
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof name, "stay:%d", i);
        assert_int_equal(times_seen(&s, name), 1);
    }
    for (size_t k = 0; k < s.n; k++)
        assert_true(s.count[k] <= 1);
    assert_true(table_invariants_hold(index));
}

/* A reply never passes reply_size_max: SCAN stops early and its cursor resumes there. */
static void test_scan_stops_early_within_reply_size_max(void **state) {
    (void)state;
    kv_harness *x = open_with(1024, 0);
    char name[64];
    for (int i = 0; i < 60; i++) {
        snprintf(name, sizeof name, "a-key-name-of-fifty-bytes-to-fill-replies-fast-%03d", i);
        assert_string_equal(KV_CMD(x, "SET", name, "v"), "+OK\r\n");
    }
    static seen_keys s;
    static key_list l;
    memset(&s, 0, sizeof s);
    const char *big[] = {"COUNT", "1000"};
    uint64_t cursor = 0;
    int calls = 0;
    do {
        cursor = scan_once(x, cursor, big, 2, &l);
        assert_true(kv_harness_reply_len(x) <= 1024);
        note_keys(&s, &l);
        calls++;
    } while (cursor != 0);
    assert_true(calls >= 4); /* 60 x 57 bytes need at least four replies */
    assert_int_equal(s.n, 60);
    for (size_t k = 0; k < s.n; k++)
        assert_int_equal(s.count[k], 1);
    kv_harness_close(x);
}

/* ---- EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT ---- */

static void test_expire_options_and_errors(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "SET", "k", "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "EXPIRE", "k", "10", "nx", "xx"),
                        "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
    assert_string_equal(KV_CMD(h, "EXPIRE", "k", "10", "NX", "GT"),
                        "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
    assert_string_equal(KV_CMD(h, "EXPIRE", "k", "10", "gt", "LT"),
                        "-ERR GT and LT options at the same time are not compatible\r\n");
    assert_string_equal(KV_CMD(h, "EXPIRE", "k", "10", "foo"), "-ERR Unsupported option foo\r\n");
    /* options are parsed before the time */
    assert_string_equal(KV_CMD(h, "EXPIRE", "k", "abc", "Foo"), "-ERR Unsupported option Foo\r\n");
    assert_string_equal(KV_CMD(h, "EXPIRE", "k", "abc"),
                        "-ERR value is not an integer or out of range\r\n");
    assert_string_equal(KV_CMD(h, "EXPIRE", "k"),
                        "-ERR wrong number of arguments for 'expire' command\r\n");
    /* %s stops at a NUL; CR and LF are trimmed at the end and spaces inside */
    static const char odd[] = "*4\r\n$6\r\nEXPIRE\r\n$1\r\nk\r\n$2\r\n10\r\n$5\r\na\rb\r\n\r\n";
    assert_string_equal(kv_harness_send_bytes(h, odd, sizeof odd - 1, NULL, NULL),
                        "-ERR Unsupported option a b\r\n");
    static const char cut[] = "*4\r\n$6\r\nEXPIRE\r\n$1\r\nk\r\n$2\r\n10\r\n$5\r\nab\0cd\r\n";
    assert_string_equal(kv_harness_send_bytes(h, cut, sizeof cut - 1, NULL, NULL),
                        "-ERR Unsupported option ab\r\n");
    static const char nx[] = "*4\r\n$6\r\nEXPIRE\r\n$1\r\nk\r\n$2\r\n10\r\n$3\r\nnx\0\r\n";
    assert_string_equal(kv_harness_send_bytes(h, nx, sizeof nx - 1, NULL, NULL), ":1\r\n");
    assert_string_equal(KV_CMD(h, "TTL", "k"), ":10\r\n");
}

static void test_expire_flags_against_current_ttl(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "SET", "k", "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "EXPIRE", "k", "100", "XX"), ":0\r\n"); /* no TTL */
    assert_string_equal(KV_CMD(h, "EXPIRE", "k", "100", "GT"), ":0\r\n"); /* none is infinite */
    assert_string_equal(KV_CMD(h, "EXPIRE", "k", "100", "LT"), ":1\r\n"); /* none: LT passes */
    assert_string_equal(KV_CMD(h, "EXPIRE", "k", "50", "NX"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "EXPIRE", "k", "100", "GT"), ":0\r\n"); /* equal: not greater */
    assert_string_equal(KV_CMD(h, "EXPIRE", "k", "200", "GT", "XX"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "EXPIRE", "k", "200", "LT"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "PEXPIRE", "k", "150000", "LT"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "PTTL", "k"), ":150000\r\n");
    assert_string_equal(KV_CMD(h, "EXPIRE", "missing", "10"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "EXPIRE", "k", "-1", "GT"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "EXPIRE", "k", "-1", "LT"), ":1\r\n"); /* deleted */
    assert_string_equal(KV_CMD(h, "EXISTS", "k"), ":0\r\n");
    assert_int_equal(store_of(h)->expires, 0);
}

static void test_expire_overflow_texts(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "SET", "k", "v"), "+OK\r\n");
    const char *cases[][3] = {
        {"EXPIRE", "9223372036854775", "expire"}, /* x1000 fits, + now does not */
        {"EXPIRE", "9223372036854776", "expire"},      {"EXPIRE", "-9223372036854776", "expire"},
        {"PEXPIRE", "9223372036854775807", "pexpire"}, {"EXPIREAT", "9223372036854776", "expireat"},
        {"EXPIREAT", "-9223372036854776", "expireat"},
    };
    char want[96];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(want, sizeof want, "-ERR invalid expire time in '%s' command\r\n", cases[i][2]);
        assert_string_equal(KV_CMD(h, cases[i][0], "k", cases[i][1]), want);
        /* validated even when the key is missing */
        assert_string_equal(KV_CMD(h, cases[i][0], "missing", cases[i][1]), want);
    }
    assert_string_equal(KV_CMD(h, "PEXPIREAT", "k", "9223372036854775807"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "EXPIREAT", "k", "9223372036854775"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "EXPIRE", "k", "-9223372036854775"), ":1\r\n"); /* deleted */
    assert_string_equal(KV_CMD(h, "EXISTS", "k"), ":0\r\n");
}

/* A time at or before now deletes the key (and answers 1); a time after now sets it, and
 * the key lives while now <= its expiry. */
static void test_expire_at_exact_milliseconds(void **state) {
    (void)state;
    char at[32];
    assert_string_equal(KV_CMD(h, "SET", "k", "v"), "+OK\r\n");
    snprintf(at, sizeof at, "%lld", (long long)T0_MS);
    assert_string_equal(KV_CMD(h, "PEXPIREAT", "k", at), ":1\r\n"); /* == now: deleted */
    assert_string_equal(KV_CMD(h, "EXISTS", "k"), ":0\r\n");
    assert_int_equal(store_of(h)->keys, 0);
    assert_string_equal(KV_CMD(h, "SET", "k", "v"), "+OK\r\n");
    snprintf(at, sizeof at, "%lld", (long long)T0_MS + 1);
    assert_string_equal(KV_CMD(h, "PEXPIREAT", "k", at), ":1\r\n");
    assert_string_equal(KV_CMD(h, "PTTL", "k"), ":1\r\n");
    kv_harness_set_time(h, T0_MS + 1);
    assert_string_equal(KV_CMD(h, "PTTL", "k"), ":0\r\n"); /* now == expiry: alive */
    assert_string_equal(KV_CMD(h, "TTL", "k"), ":0\r\n");
    kv_harness_set_time(h, T0_MS + 2);
    assert_string_equal(KV_CMD(h, "PTTL", "k"), ":-2\r\n");
    assert_int_equal(store_of(h)->stats.expired_keys, 1);
    assert_string_equal(KV_CMD(h, "SET", "s", "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "EXPIREAT", "s", "1"), ":1\r\n"); /* the past */
    assert_string_equal(KV_CMD(h, "SET", "z", "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "EXPIRE", "z", "0"), ":1\r\n");
    assert_int_equal(store_of(h)->keys, 0);
}

/* ---- TTL, PTTL, PERSIST ---- */

static void test_ttl_rounding_and_persist(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "TTL", "missing"), ":-2\r\n");
    assert_string_equal(KV_CMD(h, "PTTL", "missing"), ":-2\r\n");
    assert_string_equal(KV_CMD(h, "SET", "k", "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "TTL", "k"), ":-1\r\n");
    assert_string_equal(KV_CMD(h, "PTTL", "k"), ":-1\r\n");
    assert_string_equal(KV_CMD(h, "PERSIST", "k"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "PEXPIRE", "k", "1499"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "TTL", "k"), ":1\r\n"); /* (1499 + 500) / 1000 */
    assert_string_equal(KV_CMD(h, "PEXPIRE", "k", "1500"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "TTL", "k"), ":2\r\n");
    assert_string_equal(KV_CMD(h, "PEXPIRE", "k", "499"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "TTL", "k"), ":0\r\n");
    assert_int_equal(store_of(h)->expires, 1);
    assert_string_equal(KV_CMD(h, "PERSIST", "k"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "TTL", "k"), ":-1\r\n");
    assert_int_equal(store_of(h)->expires, 0);
    assert_string_equal(KV_CMD(h, "PERSIST", "missing"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "TTL"), "-ERR wrong number of arguments for 'ttl' command\r\n");
    assert_string_equal(KV_CMD(h, "PERSIST", "a", "b"),
                        "-ERR wrong number of arguments for 'persist' command\r\n");
}

/* Reads (TTL) count keyspace hits and misses; writes (EXPIRE, PERSIST, RENAME) do not. */
static void test_keyspace_hits_and_misses(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "SET", "k", "v"), "+OK\r\n");
    kv_store_stats before = store_of(h)->stats;
    assert_string_equal(KV_CMD(h, "TTL", "k"), ":-1\r\n");
    assert_string_equal(KV_CMD(h, "TTL", "nope"), ":-2\r\n");
    assert_string_equal(KV_CMD(h, "EXPIRE", "k", "100"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "PERSIST", "nope"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "RENAME", "k", "k2"), "+OK\r\n");
    kv_store_stats after = store_of(h)->stats;
    assert_int_equal(after.keyspace_hits, before.keyspace_hits + 1);
    assert_int_equal(after.keyspace_misses, before.keyspace_misses + 1);
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, open_at_t0, close_harness)
    const struct CMUnitTest tests[] = {
        T(test_del_exists_type),
        T(test_rename_moves_value_and_ttl),
        T(test_rename_over_other_types),
        T(test_rename_onto_itself_and_missing),
        T(test_rename_limits),
        T(test_rename_counts_chunks_of_the_final_state),
        T(test_keys_patterns),
        T(test_keys_match_across_chunks),
        T(test_keys_empty_key),
        T(test_keys_skips_expired_without_deleting),
        T(test_keys_reply_size_max),
        T(test_keys_needs_room_then_fits),
        T(test_scan_cursor_and_option_errors),
        T(test_scan_iterations_with_options),
        T(test_scan_expired_keys),
        T(test_scan_across_rehashes),
        T(test_scan_stops_early_within_reply_size_max),
        T(test_expire_options_and_errors),
        T(test_expire_flags_against_current_ttl),
        T(test_expire_overflow_texts),
        T(test_expire_at_exact_milliseconds),
        T(test_ttl_rounding_and_persist),
        T(test_keyspace_hits_and_misses),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
