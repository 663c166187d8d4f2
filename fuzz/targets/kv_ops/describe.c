/* kv_ops: an input decoded into readable operations (describe), run nothing. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "targets/kv_ops/kv_ops.h"

FUZZ_NO_COVERAGE at_limit_plan plan_at_limit(const kv_config *config, int32_t delta) {
    uint32_t n = (uint32_t)(config->list_length_max < KVM_LIST_MAX ? config->list_length_max
                                                                    : KVM_LIST_MAX);
    uint32_t v = (uint32_t)(config->value_size_max < KVM_BYTES_MAX ? config->value_size_max
                                                                    : KVM_BYTES_MAX);
    uint64_t limit = config->reply_size_max < FILLER_BYTES_MAX ? config->reply_size_max : 1024;
    int64_t target = (int64_t)limit + delta;
    int64_t array_header = n < 10 ? 4 : 5;
    int64_t data = target - array_header - 7 * (int64_t)n; /* every element at least 10 bytes */
    at_limit_plan p = {.count = n, .len = v, .longer = 0};
    if (v >= 10 && data >= 10 * (int64_t)n && data <= (int64_t)v * n) {
        p.len = (uint32_t)(data / n);
        p.longer = (uint32_t)(data % n);
    }
    return p;
}

FUZZ_NO_COVERAGE static void describe_header(const header *h, FILE *out) {
    fprintf(out,
            "policy=%s keys_max=%" PRIu64 " key_size_max=%" PRIu64 " value_size_max=%" PRIu64
            " list_length_max=%" PRIu64 " chunks=%" PRIu64 " (of %" PRIu64 " bytes)\n",
            h->config.capacity_policy == KV_POLICY_SHARED ? "shared" : "guaranteed",
            h->config.keys_max, h->config.key_size_max, h->config.value_size_max,
            h->config.list_length_max, h->chunks, h->config.chunk_size);
    fprintf(out, "reply_size_max=%" PRIu64 "%s client_name_size_max=%" PRIu64 "%s requirepass=%s%s\n",
            h->config.reply_size_max, h->small_reply_limit ? "" : " (default)",
            h->config.client_name_size_max, h->small_name_limit ? "" : " (default)",
            h->config.requirepass[0] != '\0' ? h->config.requirepass : "none",
            h->long_lists ? " list_length_max: the model's longest" : "");
}

FUZZ_NO_COVERAGE static void describe_arg(const resp_arg *a, FILE *out) {
    fputc(' ', out);
    if (a->ptr == filler && a->len > 0) {
        fprintf(out, "<%zu filler bytes>", a->len);
    } else {
        fuzz_print_escaped(out, a->ptr, a->len, 80);
    }
}

FUZZ_NO_COVERAGE static void describe_txn(size_t i, const op *o, FILE *out) {
    if (o->kind == OP_TXN_ERROR) {
        fprintf(out, "#%zu %s", i, txn_error_forms[o->protocol_form]);
        if (o->argc > 1) describe_arg(&o->argv[1], out);
        fputc('\n', out);
        return;
    }
    fprintf(out, "#%zu", i);
    if (o->watch_keys > 0) {
        fprintf(out, " WATCH");
        for (uint32_t k = 1; k <= o->watch_keys; k++)
            describe_arg(&o->argv[k], out);
        fputc(';', out);
    }
    if (o->write_argc > 0) {
        for (uint32_t k = 0; k < o->write_argc; k++)
            describe_arg(&o->write[k], out);
        fputc(';', out);
    }
    fprintf(out, "%s MULTI; the next %u operations queued (up to the first that cannot be); ",
            o->unwatch ? " UNWATCH;" : "", o->txn_queued);
    if (o->txn_discard)
        fprintf(out, "DISCARD\n");
    else
        fprintf(out, "EXEC (DISCARD when reply_size_max is over the %u bytes of reply room)\n",
                (unsigned)REPLY_CAPACITY_BYTES);
}

FUZZ_NO_COVERAGE static void describe_op(size_t i, const op *o, const kv_config *config,
                                         FILE *out) {
    if (o->kind == OP_AT_LIMIT) {
        at_limit_plan p = plan_at_limit(config, o->limit_delta);
        fprintf(out, "#%zu at reply_size_max %+d: RPUSH ", i, (int)o->limit_delta);
        fuzz_print_escaped(out, o->argv[1].ptr, o->argv[1].len, 80);
        fprintf(out, " <%u elements of %u bytes, %u of %u>, LRANGE 0 -1, LPOP %u\n",
                p.count - p.longer, p.len, p.longer, p.len + 1, p.count);
    } else if (o->kind == OP_PROTOCOL) {
        fprintf(out, "#%zu a request of %s at its limit %+d (key ", i,
                protocol_forms[o->protocol_form], (int)o->limit_delta);
        fuzz_print_escaped(out, o->argv[1].ptr, o->argv[1].len, 80);
        fprintf(out, ")\n");
    } else if (o->kind == OP_TXN || o->kind == OP_TXN_ERROR) {
        describe_txn(i, o, out);
    } else if (o->kind == OP_CLOCK) {
        fprintf(out, "#%zu clock +%" PRId64 " ms\n", i, o->clock_step_ms);
    } else if (o->kind == OP_EXPIRE_CYCLE) {
        fprintf(out, "#%zu active expiry over every slot\n", i);
    } else if (o->kind == OP_SCAN_STEPS) {
        fprintf(out, "#%zu %u SCAN step(s)%s, options:", i, o->scan_steps,
                o->scan_restart ? " of a new iteration" : "");
        for (uint32_t a = 2; a < o->argc; a++)
            describe_arg(&o->argv[a], out);
        fputc('\n', out);
    } else {
        fprintf(out, "#%zu", i);
        for (uint32_t a = 0; a < o->argc; a++)
            describe_arg(&o->argv[a], out);
        fputc('\n', out);
    }
}

FUZZ_NO_COVERAGE void describe(const uint8_t *data, size_t size, FILE *out) {
    cursor c = cursor_make(data, size);
    header h = decode_header(&c);
    describe_header(&h, out);
    cursor ops_start = c;
    bool lcs = false;
    for (int pass = 0; pass < 2; pass++) { /* the first only looks for LCS (lcs_limits) */
        c = ops_start;
        for (size_t i = 0; !cursor_empty(&c) && !c.refused; i++) {
            static op o;
            decode_op(&c, &h.config, &o);
            lcs = lcs || (o.argv[0].len == 3 && memcmp(o.argv[0].ptr, "lcs", 3) == 0);
            if (pass == 0) continue;
            if (c.refused) {
                fprintf(out, "#%zu refused: unassigned id %u (the input is never run)\n", i,
                        c.refused_id);
                break;
            }
            describe_op(i, &o, &h.config, out);
        }
        if (pass == 0 && lcs && !c.refused) lcs_limits(&h.config);
    }
    if (!lcs || c.refused) return;
    fprintf(out, "LCS drawn, so bulk_size_max=%" PRIu64 " lcs_cells_max=%" PRIu64 "\n",
            h.config.bulk_size_max, h.config.lcs_cells_max);
}
