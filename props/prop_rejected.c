/*
 * rejected_unchanged: any command answered with an error leaves the store as a client could
 * ever observe it byte-identical: every key that is not expired, its type, expiry, the
 * chunks its key and value hold, its value (string bytes or every list element), the key
 * count and the chunks held (kvw_snapshot, a full copy compared with memcmp). Expired keys
 * are left out: a lookup removing one is lazy expiry, not a change a client can see.
 * Configurations and workloads as memory_bound (kv_case.h).
 */
#include <string.h>
#include <sys/mman.h>

#include "alloc/stasis_assert.h"
#include "kv_case.h"
#include "props.h"

#define SNAPSHOT_BYTES_MAX ((size_t)64 << 20)

static uint8_t *map_snapshot(void) {
    void *p = mmap(NULL, SNAPSHOT_BYTES_MAX, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    ST_ASSERT(p != MAP_FAILED);
    return p;
}

/* The first byte where the snapshots differ, for the failure text. */
static size_t first_difference(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len) {
    size_t n = a_len < b_len ? a_len : b_len;
    size_t i = 0;
    while (i < n && a[i] == b[i]) i++;
    return i;
}

static int run(const uint8_t *payload, size_t size) {
    static kvw_decoder d;
    static kvw_engine w;
    if (!kvw_open_case(&d, &w, payload, size)) return PROP_REFUSED;
    uint8_t *before = map_snapshot();
    uint8_t *after = map_snapshot();
    kvw_op op;
    for (size_t i = 0; kvw_decode_op(&d, &op); i++) {
        prop_set_op(i);
        size_t before_len = kvw_snapshot(&w, before, SNAPSHOT_BYTES_MAX);
        kvw_run(&w, &op);
        if (op.kind != KVW_COMMAND || !kvw_reply_is_error(&w)) continue;
        size_t after_len = kvw_snapshot(&w, after, SNAPSHOT_BYTES_MAX);
        if (after_len == before_len && memcmp(before, after, after_len) == 0) continue;
        kvw_print_op(stderr, i, &op);
        fprintf(stderr, "reply: %.*s", (int)w.reply_len, (const char *)w.reply);
        prop_fail("a rejected command changes nothing",
                  "the command above was rejected but the store changed: snapshot of %zu bytes "
                   "before, %zu after, first difference at byte %zu",
                  before_len, after_len, first_difference(before, before_len, after, after_len));
    }
    return d.c.refused ? PROP_REFUSED : PROP_PASS;
}

const prop_property prop_rejected_unchanged = {
    .name = "rejected_unchanged",
    .format_version = 1,
    .payload_max = 240,
    .summary = "a command answered with an error leaves the whole store byte-identical "
               "(full snapshot)",
    .run = run,
    .describe = kvw_describe,
    .generate = kvw_generate,
};
