/* kv_ops: KEYS and SCAN replies compared as sets, and whole SCAN iterations. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "targets/kv_ops/kv_ops.h"

/* ---- KEYS and SCAN: replies compared as sets ---- */

/* "<prefix><digits>\r\n" at r[*at]: the number, or false. */
FUZZ_NO_COVERAGE bool parse_line_number(const uint8_t *r, size_t len, size_t *at,
                                               char prefix, uint64_t *v) {
    size_t i = *at;
    if (i >= len || r[i] != prefix) return false;
    *v = 0;
    size_t digits = 0;
    for (i++; i < len && r[i] >= '0' && r[i] <= '9'; i++, digits++)
        *v = *v * 10 + (uint64_t)(r[i] - '0');
    if (digits == 0 || digits > 19 || i + 2 > len || r[i] != '\r' || r[i + 1] != '\n') return false;
    *at = i + 2;
    return true;
}

FUZZ_NO_COVERAGE bool parse_bulk(const uint8_t *r, size_t len, size_t *at, resp_arg *out) {
    uint64_t n = 0;
    if (!parse_line_number(r, len, at, '$', &n) || n > len - *at || len - *at - n < 2) return false;
    *out = (resp_arg){.ptr = r + *at, .len = (size_t)n};
    *at += (size_t)n;
    if (r[*at] != '\r' || r[*at + 1] != '\n') return false;
    *at += 2;
    return true;
}

/* "*<n>\r\n" and n bulks at r[*at]. */
FUZZ_NO_COVERAGE static bool parse_bulks(const uint8_t *r, size_t len, size_t *at, bulk_list *out) {
    uint64_t n = 0;
    if (!parse_line_number(r, len, at, '*', &n) || n > REPLY_ITEMS_MAX) return false;
    out->n = (uint32_t)n;
    for (uint32_t k = 0; k < out->n; k++) {
        if (!parse_bulk(r, len, at, &out->items[k])) return false;
    }
    return true;
}

FUZZ_NO_COVERAGE bool same_bytes(const resp_arg *a, const uint8_t *b, size_t n) {
    return a->len == n && (n == 0 || memcmp(a->ptr, b, n) == 0);
}

FUZZ_NO_COVERAGE static bool list_has(const bulk_list *l, const resp_arg *x) {
    for (uint32_t k = 0; k < l->n; k++) {
        if (same_bytes(&l->items[k], x->ptr, x->len)) return true;
    }
    return false;
}

/* a and b hold the same keys, each as many times (the lists are short: quadratic is fine). */
FUZZ_NO_COVERAGE static bool same_multiset(const bulk_list *a, const bulk_list *b) {
    if (a->n != b->n) return false;
    for (uint32_t k = 0; k < a->n; k++) {
        uint32_t in_a = 0;
        uint32_t in_b = 0;
        for (uint32_t j = 0; j < a->n; j++) {
            in_a += same_bytes(&a->items[j], a->items[k].ptr, a->items[k].len);
            in_b += same_bytes(&b->items[j], a->items[k].ptr, a->items[k].len);
        }
        if (in_a != in_b) return false;
    }
    return true;
}

FUZZ_NO_COVERAGE _Noreturn void fail_set_compare(size_t len, const char *why) {
    fuzz_print_replies(reply, len, model.out, model.out_len);
    fuzz_fail("set comparison", __FILE__, __LINE__, "%s (both replies above)", why);
}

/* KEYS: an array is compared as a multiset; anything else (an error) byte for byte. */
FUZZ_NO_COVERAGE void compare_keys_reply(size_t len) {
    if (len == 0 || reply[0] != '*' || model.out_len == 0 || model.out[0] != '*') {
        compare_reply(len);
        return;
    }
    static bulk_list got, want;
    size_t at_got = 0, at_want = 0;
    if (!parse_bulks(reply, len, &at_got, &got) || at_got != len) {
        fail_set_compare(len, "the engine's KEYS reply is not an array of bulks");
    }
    FUZZ_CHECK(parse_bulks(model.out, model.out_len, &at_want, &want), "model KEYS reply");
    if (!same_multiset(&got, &want)) fail_set_compare(len, "KEYS: different keys");
}

FUZZ_NO_COVERAGE static bool parse_scan_reply(const uint8_t *r, size_t len, scan_reply *out) {
    size_t at = 0;
    uint64_t two = 0;
    resp_arg cursor_text;
    if (!parse_line_number(r, len, &at, '*', &two) || two != 2) return false;
    if (!parse_bulk(r, len, &at, &cursor_text)) return false;
    size_t c_at = 0;
    char line[32];
    if (cursor_text.len == 0 || cursor_text.len > 20) return false;
    int n = snprintf(line, sizeof line, ":%.*s\r\n", (int)cursor_text.len, cursor_text.ptr);
    if (!parse_line_number((const uint8_t *)line, (size_t)n, &c_at, ':', &out->cursor)) {
        return false;
    }
    return parse_bulks(r, len, &at, &out->keys) && at == len;
}

/*
 * One SCAN call: an error byte for byte; otherwise every key the engine returned is one
 * the model's whole-table answer has, none twice, and the cursor moved forward (or ended).
 * Returns true with the engine's reply in *got when the call succeeded.
 */
FUZZ_NO_COVERAGE bool compare_scan_reply(size_t len, uint64_t cursor_sent, scan_reply *got) {
    if (len > 0 && reply[0] == '-') {
        compare_reply(len);
        return false;
    }
    if (!parse_scan_reply(reply, len, got)) fail_set_compare(len, "not a SCAN reply");
    static scan_reply want;
    FUZZ_CHECK(parse_scan_reply(model.out, model.out_len, &want), "model SCAN reply");
    uint64_t slots = table_slots(&fe.engine.store.index);
    bool forward = got->cursor > cursor_sent && got->cursor < slots;
    if (got->cursor != 0 && !forward) fail_set_compare(len, "SCAN: the cursor did not move on");
    for (uint32_t k = 0; k < got->keys.n; k++) {
        if (!list_has(&want.keys, &got->keys.items[k])) {
            fail_set_compare(len, "SCAN returned a key the model does not let through");
        }
        for (uint32_t j = 0; j < k; j++) {
            if (same_bytes(&got->keys.items[j], got->keys.items[k].ptr, got->keys.items[k].len)) {
                fail_set_compare(len, "SCAN returned a key twice in one reply");
            }
        }
    }
    return true;
}

/* The last MATCH pattern of a valid SCAN (Redis keeps the last), NULL for none or "*". */
FUZZ_NO_COVERAGE const resp_arg *scan_pattern(const resp_arg *argv, uint32_t argc) {
    const resp_arg *pattern = NULL;
    for (uint32_t i = 2; i + 1 < argc; i += 2) {
        const resp_arg *w = &argv[i];
        bool match = w->len >= 5 && strncasecmp((const char *)w->ptr, "match", 5) == 0 &&
                     (w->len == 5 || w->ptr[5] == '\0');
        if (match) pattern = &argv[i + 1];
    }
    if (pattern != NULL && pattern->len == 1 && pattern->ptr[0] == '*') return NULL;
    return pattern;
}

/* After a SCAN: the model drops the expired keys the engine's SCAN deleted, each of which
 * must match the pattern (SCAN leaves keys that do not match alone). */
FUZZ_NO_COVERAGE void mirror_scan_deletions(const resp_arg *pattern) {
    for (size_t i = 0; i < KVM_ENTRIES_MAX; i++) {
        kvm_entry *e = &model.entries[i];
        if (!e->live || e->expire_at_ms == KVM_NO_EXPIRE || now_ms <= e->expire_at_ms) continue;
        if (kv_store_find_quiet(&fe.engine.store, e->key.b, e->key.len, INT64_MIN) != KV_RECORD_NONE) {
            continue;
        }
        FUZZ_CHECK(pattern == NULL || kvm_key_matches(e, pattern->ptr, pattern->len),
                   "SCAN deleted an expired key its pattern does not match");
        kvm_delete(&model, e);
        model.expired_keys++;
    }
}

/* ---- whole SCAN iterations ---- */

#define TRACKED_MAX 64

typedef struct tracked {
    uint8_t key[KVM_BYTES_MAX];
    uint32_t len;
    bool throughout; /* passed the filters after every operation since the start */
    uint32_t returned;
} tracked;

static struct scan_iteration {
    bool active;
    uint64_t cursor;
    uint64_t calls;
    op call; /* argv[1] is rewritten with the cursor before each call */
    char cursor_text[24];
    const resp_arg *pattern; /* NULL: none or "*" */
    const resp_arg *type;    /* NULL: none */
    uint32_t tracked_count;
    tracked keys[TRACKED_MAX];
} iter;

FUZZ_NO_COVERAGE bool type_is(const resp_arg *type, const char *name) {
    return type->len == strlen(name) && strncasecmp((const char *)type->ptr, name, type->len) == 0;
}

/* Whether a model entry passes the iteration's filters now (no lazy expiry). */
FUZZ_NO_COVERAGE static bool passes(const kvm_entry *e) {
    if (!e->live || (e->expire_at_ms != KVM_NO_EXPIRE && now_ms > e->expire_at_ms)) return false;
    if (iter.pattern != NULL && !kvm_key_matches(e, iter.pattern->ptr, iter.pattern->len)) {
        return false;
    }
    return iter.type == NULL || type_is(iter.type, e->type == KVM_STRING ? "string" : "list");
}

FUZZ_NO_COVERAGE static tracked *track(const uint8_t *key, size_t len) {
    for (uint32_t k = 0; k < iter.tracked_count; k++) {
        if (iter.keys[k].len == len && memcmp(iter.keys[k].key, key, len) == 0)
            return &iter.keys[k];
    }
    if (iter.tracked_count == TRACKED_MAX || len > KVM_BYTES_MAX) return NULL;
    tracked *t = &iter.keys[iter.tracked_count++];
    *t = (tracked){.len = (uint32_t)len};
    memcpy(t->key, key, len);
    return t;
}

/* After every operation: a key that stops passing the filters is no longer owed. */
FUZZ_NO_COVERAGE void refresh_iteration(void) {
    if (!iter.active) return;
    for (uint32_t k = 0; k < iter.tracked_count; k++) {
        tracked *t = &iter.keys[k];
        if (!t->throughout) continue;
        const kvm_entry *e = NULL;
        for (size_t i = 0; i < KVM_ENTRIES_MAX && e == NULL; i++) {
            const kvm_entry *x = &model.entries[i];
            if (x->live && x->key.len == t->len && memcmp(x->key.b, t->key, t->len) == 0) e = x;
        }
        t->throughout = e != NULL && passes(e);
    }
}

FUZZ_NO_COVERAGE static void start_iteration(const op *o) {
    memset(&iter, 0, sizeof iter);
    iter.active = true;
    iter.call = *o;
    for (uint32_t i = 2; i + 1 < o->argc; i += 2) {
        if (type_is(&iter.call.argv[i], "type")) iter.type = &iter.call.argv[i + 1];
    }
    iter.pattern = scan_pattern(iter.call.argv, iter.call.argc);
    for (size_t i = 0; i < KVM_ENTRIES_MAX; i++) {
        const kvm_entry *e = &model.entries[i];
        if (!passes(e)) continue;
        tracked *t = track(e->key.b, e->key.len);
        FUZZ_CHECK(t != NULL, "tracking table too small");
        t->throughout = true;
    }
}

/* The end of an iteration: every key owed was returned, exactly once. */
FUZZ_NO_COVERAGE static void finish_iteration(void) {
    for (uint32_t k = 0; k < iter.tracked_count; k++) {
        const tracked *t = &iter.keys[k];
        if (!t->throughout || t->returned == 1) continue;
        fprintf(stderr, "key: ");
        fuzz_print_escaped(stderr, t->key, t->len, 80);
        fprintf(stderr, "\n");
        FUZZ_CHECK(!t->throughout || t->returned == 1,
                   "the key above, present for the whole SCAN iteration, was returned %u times",
                   t->returned);
    }
    iter.active = false;
}

/* One call of the running iteration, checked as one SCAN, then against the iteration. */
FUZZ_NO_COVERAGE void scan_step(void) {
    FUZZ_CHECK(iter.calls++ <= table_slots(&fe.engine.store.index), "SCAN never got back to 0");
    snprintf(iter.cursor_text, sizeof iter.cursor_text, "%" PRIu64, iter.cursor);
    iter.call.argv[1] = text_arg(iter.cursor_text);
    size_t len = run_engine(&iter.call);
    kvm_execute(&model, iter.call.argv, iter.call.argc, now_ms);
    static scan_reply got;
    if (!compare_scan_reply(len, iter.cursor, &got)) {
        /* Compared as an error: only NOAUTH may stop an iteration (before AUTH). */
        FUZZ_CHECK(!model.authenticated, "a valid SCAN failed");
        iter.active = false;
        return;
    }
    mirror_scan_deletions(iter.pattern);
    for (uint32_t k = 0; k < got.keys.n; k++) {
        tracked *t = track(got.keys.items[k].ptr, got.keys.items[k].len);
        if (t == NULL) continue; /* more distinct keys than tracked: skip the count */
        t->returned++;
        if (t->returned > 1) fuzz_print_escaped(stderr, t->key, t->len, 80);
        FUZZ_CHECK(t->returned <= 1, "SCAN returned the key above twice in one iteration");
    }
    iter.cursor = got.cursor;
    refresh_iteration();
    if (iter.cursor == 0) finish_iteration();
}

FUZZ_NO_COVERAGE void run_scan_steps(const op *o) {
    if (!iter.active || o->scan_restart) start_iteration(o);
    for (uint32_t k = 0; k < o->scan_steps && iter.active; k++) {
        scan_step();
        check_state();
    }
}

/* A new input: no iteration is running. */
FUZZ_NO_COVERAGE void scan_iteration_forget(void) { iter.active = false; }

/* The end of an input: an iteration still running is finished, so that every input checks
 * its completeness. */
FUZZ_NO_COVERAGE void scan_iteration_complete(void) {
    while (iter.active) {
        scan_step();
        check_state();
    }
}
