/*
 * bench_resp: RESP parser throughput, parse only, in GB/s and requests/s, on pipelined
 * streams of the shapes clients send: redis-benchmark's SET (small values, multibulk), the
 * same inline, and large bulk values (64 KiB, 1 MiB) whose payloads the parser skips by
 * their announced length. Best of several passes over a stream of ~64 MiB.
 *
 *   ci/bench resp
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kv/resp_parser.h"

#define STREAM_TARGET_BYTES ((size_t)64 << 20)
#define PASSES              5

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Repeats one request (built by fill) until the stream is about STREAM_TARGET_BYTES. */
typedef size_t (*fill_fn)(char *out, size_t cap, size_t i, size_t value_bytes);

static size_t fill_set_multibulk(char *out, size_t cap, size_t i, size_t value_bytes) {
    int n = snprintf(out, cap, "*3\r\n$3\r\nSET\r\n$16\r\nkey:%012zu\r\n$%zu\r\n", i % 1000000,
                     value_bytes);
    memset(out + n, 'x', value_bytes);
    memcpy(out + (size_t)n + value_bytes, "\r\n", 2);
    return (size_t)n + value_bytes + 2;
}

static size_t fill_set_inline(char *out, size_t cap, size_t i, size_t value_bytes) {
    int n = snprintf(out, cap, "SET key:%012zu ", i % 1000000);
    memset(out + n, 'x', value_bytes);
    memcpy(out + (size_t)n + value_bytes, "\r\n", 2);
    return (size_t)n + value_bytes + 2;
}

static uint8_t *build(fill_fn fill, size_t value_bytes, size_t *len, size_t *requests) {
    size_t one = value_bytes + 64;
    size_t count = STREAM_TARGET_BYTES / one + 1;
    uint8_t *buf = malloc(count * one);
    if (buf == NULL) abort();
    size_t at = 0;
    for (size_t i = 0; i < count; i++)
        at += fill((char *)buf + at, one, i, value_bytes);
    *len = at;
    *requests = count;
    return buf;
}

/* Parses the whole stream as a server would, one call per request. Returns seconds. */
static double parse_all(resp_parser *p, uint8_t *buf, size_t len, size_t expect) {
    static resp_arg argv[16];
    double t0 = now_seconds();
    size_t at = 0;
    size_t commands = 0;
    while (at < len) {
        uint32_t argc = 0;
        size_t consumed = 0;
        resp_status s = resp_parse(p, buf + at, len - at, argv, 16, &argc, &consumed);
        if (s != RESP_COMMAND || argc != 3) abort();
        at += consumed;
        commands++;
    }
    double t = now_seconds() - t0;
    if (commands != expect) abort();
    return t;
}

static void run(const char *name, fill_fn fill, size_t value_bytes, size_t bulk_max) {
    size_t len = 0;
    size_t requests = 0;
    uint8_t *stream = build(fill, value_bytes, &len, &requests);
    resp_limits limits = {.command_args_max = 16,
                          .bulk_size_max = bulk_max,
                          .inline_size_max = 1 << 20,
                          .request_size_max = (uint64_t)1 << 30};
    double best = 1e30;
    for (int pass = 0; pass < PASSES; pass++) {
        /* Inline requests are decoded in place: parse a fresh copy each pass. */
        uint8_t *copy = malloc(len);
        if (copy == NULL) abort();
        memcpy(copy, stream, len);
        resp_parser p;
        resp_parser_init(&p, &limits);
        double t = parse_all(&p, copy, len, requests);
        if (t < best) best = t;
        free(copy);
    }
    printf("%-34s %10zu %12.1f %10.2f %14.0f\n", name, len / requests, (double)len / 1048576.0,
           (double)len / best / 1e9, (double)requests / best);
    free(stream);
}

int main(void) {
    printf("%-34s %10s %12s %10s %14s\n", "stream", "req bytes", "MiB", "GB/s", "requests/s");
    run("SET key value (3 B), multibulk", fill_set_multibulk, 3, 1 << 20);
    run("SET key value (3 B), inline", fill_set_inline, 3, 1 << 20);
    run("SET key value (1 KiB), multibulk", fill_set_multibulk, 1024, 1 << 20);
    run("SET key value (64 KiB), multibulk", fill_set_multibulk, 64 << 10, 1 << 20);
    run("SET key value (1 MiB), multibulk", fill_set_multibulk, 1 << 20, 1 << 20);
    printf("(a bulk payload is skipped by its announced length, never read: large values cost "
           "the parser their headers only)\n");
    return 0;
}
