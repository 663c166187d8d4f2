/* kv_ops: one command on both sides, its reply compared by its kind; the end-of-input
 * comparison of every key. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "targets/kv_ops/kv_ops.h"

static void check_idletime(size_t len);
static void check_random_key(size_t len);

/* A blocking pop that found nothing: the engine blocked (having written nothing and grown
 * nothing: kv_fuzz_engine_blocked) exactly when the model says the client must wait, and
 * the model changed nothing then either (check_state compares the rest). True when either
 * blocked. */
FUZZ_NO_COVERAGE static bool compare_blocked(size_t len) {
    bool model_blocked = model.reply_kind == KVM_REPLY_BLOCKED;
    if (!fe.blocked && !model_blocked) return false;
    if (fe.blocked != model_blocked) fuzz_print_replies(reply, len, model.out, model.out_len);
    FUZZ_CHECK(fe.blocked, "the model waits (a blocking pop found nothing), the engine answered");
    FUZZ_CHECK(model_blocked, "the engine blocked (KV_EXEC_BLOCKED), the model answered");
    return true;
}
static void check_command_list(const op *o, size_t len);

/* A command: KEYS and SCAN replies compared as sets; OBJECT IDLETIME, RANDOMKEY and
 * COMMAND LIST held to what they may answer; every other reply byte for byte. */
FUZZ_NO_COVERAGE void run_command(const op *o) {
    size_t len = run_engine(o);
    if (o->list_names) check_command_list(o, len);
    if (!o->modelled) return; /* its form was checked; check_state follows */
    kvm_execute(&model, o->argv, o->argc, now_ms);
    if (compare_blocked(len)) return;
    if (model.reply_kind == KVM_REPLY_IDLETIME) {
        check_idletime(len);
        return;
    }
    if (model.reply_kind == KVM_REPLY_RANDOM_KEY) {
        check_random_key(len);
        return;
    }
    bool keys = o->argv[0].len == 4 && memcmp(o->argv[0].ptr, "keys", 4) == 0;
    bool scan = o->argv[0].len == 4 && memcmp(o->argv[0].ptr, "scan", 4) == 0;
    if (keys) {
        compare_keys_reply(len);
    } else if (scan) {
        static scan_reply got;
        uint64_t sent = 0;
        resp_arg cursor_arg = o->argv[1];
        /* Only a plain decimal cursor is checked for progress; others (valid for Redis's
         * strtoul: "", "+1", "-1") may be anything and then the end is 0. */
        char text[32];
        bool plain = cursor_arg.len > 0 && cursor_arg.len < 20;
        for (size_t k = 0; plain && k < cursor_arg.len; k++)
            plain = cursor_arg.ptr[k] >= '0' && cursor_arg.ptr[k] <= '9';
        if (plain) {
            snprintf(text, sizeof text, "%.*s", (int)cursor_arg.len, cursor_arg.ptr);
            sent = strtoull(text, NULL, 10);
        }
        if (compare_scan_reply(len, plain ? sent : 0, &got)) {
            mirror_scan_deletions(scan_pattern(o->argv, o->argc));
        }
    } else {
        compare_reply(len);
    }
}

/* OBJECT IDLETIME of a live key: whole seconds, at most the time since the input began. */
FUZZ_NO_COVERAGE static void check_idletime(size_t len) {
    size_t at = 0;
    uint64_t idle = 0;
    bool integer = parse_line_number(reply, len, &at, ':', &idle) && at == len;
    if (!integer || idle > (uint64_t)(now_ms - START_MS) / 1000) {
        fail_set_compare(len, "OBJECT IDLETIME: not an idle time this input can have");
    }
}

/* RANDOMKEY with live keys: one of them; the expired keys its draws deleted go from the
 * model too (only expired ones: any other difference shows in the key count). */
FUZZ_NO_COVERAGE static void check_random_key(size_t len) {
    size_t at = 0;
    resp_arg key;
    if (!parse_bulk(reply, len, &at, &key) || at != len) fail_set_compare(len, "not a key");
    kvm_entry *e = kvm_find_bytes(&model, key.ptr, key.len);
    if (e == NULL) fail_set_compare(len, "RANDOMKEY answered a key the model does not have");
    mirror_scan_deletions(NULL);
}

/* COMMAND LIST: bulks, each name once; FILTERBY MODULE lists nothing (no modules), PATTERN
 * only names it matches (case-insensitively: the names are lower case). */
FUZZ_NO_COVERAGE static void check_command_list(const op *o, size_t len) {
    if (len > 0 && reply[0] == '-') return; /* the syntax error: its form was checked */
    size_t at = 0;
    uint64_t n = 0;
    FUZZ_CHECK(parse_line_number(reply, len, &at, '*', &n), "COMMAND LIST: not an array");
    static resp_arg names[256];
    FUZZ_CHECK(n <= 256, "COMMAND LIST: %" PRIu64 " names", n);
    const resp_arg *pattern = NULL;
    bool module = o->argc == 5 && type_is(&o->argv[3], "module");
    if (o->argc == 5 && type_is(&o->argv[3], "pattern")) pattern = &o->argv[4];
    FUZZ_CHECK(!module || n == 0, "COMMAND LIST FILTERBY MODULE listed names");
    uint8_t lower[64];
    for (uint64_t k = 0; k < n; k++) {
        FUZZ_CHECK(parse_bulk(reply, len, &at, &names[k]), "COMMAND LIST: not a bulk");
        for (uint64_t j = 0; j < k; j++)
            FUZZ_CHECK(!same_bytes(&names[j], names[k].ptr, names[k].len), "a name listed twice");
        if (pattern == NULL) continue;
        size_t pn = pattern->len < sizeof lower ? pattern->len : sizeof lower;
        for (size_t i = 0; i < pn; i++)
            lower[i] = (uint8_t)(pattern->ptr[i] >= 'A' && pattern->ptr[i] <= 'Z'
                                     ? pattern->ptr[i] - 'A' + 'a' : pattern->ptr[i]);
        FUZZ_CHECK(kvm_glob(lower, pn, names[k].ptr, names[k].len),
                   "COMMAND LIST FILTERBY PATTERN listed a name it does not match");
    }
    FUZZ_CHECK(at == len, "COMMAND LIST: bytes after the names");
}

/* One command of a list-at-reply-limit operation, on both sides, compared byte for byte. */

/* End of input: every model key exists in the engine with the same type, value, expiry. */
FUZZ_NO_COVERAGE void compare_everything(void) {
    FUZZ_CHECK(kv_store_invariants_hold_full(&fe.engine.store),
               "kv_store_invariants_hold_full() is false");
    for (size_t i = 0; i < KVM_ENTRIES_MAX; i++) {
        const kvm_entry *e = &model.entries[i];
        if (!e->live) continue;
        /* No expiry may happen here: look at the records as they are. */
        uint32_t id = kv_store_find_quiet(&fe.engine.store, e->key.b, e->key.len, INT64_MIN);
        FUZZ_CHECK(id != KV_RECORD_NONE, "a model key is missing from the engine");
        const kv_record *r = kv_store_record(&fe.engine.store, id);
        FUZZ_CHECK(r->expire_at_ms == e->expire_at_ms, "expiry: engine %" PRId64 ", model %" PRId64,
                   r->expire_at_ms, e->expire_at_ms);
        FUZZ_CHECK(r->type == (e->type == KVM_STRING ? KV_TYPE_STRING : KV_TYPE_LIST),
                   "type differs");
        if (e->type == KVM_STRING) {
            FUZZ_CHECK(r->value_len == e->str.len &&
                           chunk_equals(&fe.engine.store.chunks, r->value, 0, e->str.b, e->str.len),
                       "string value differs");
            continue;
        }
        FUZZ_CHECK(r->value_len == e->list_len, "list length differs");
        uint32_t el = r->value;
        for (uint32_t k = 0; k < e->list_len; k++) {
            FUZZ_CHECK(kv_store_element_equals(&fe.engine.store, el, e->list[k].b, e->list[k].len),
                       "list element %u differs", k);
            el = kv_store_element_next(&fe.engine.store, el);
        }
    }
}
