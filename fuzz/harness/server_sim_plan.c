/*
 * The simulation's plans: its configuration, a plan drawn from a seed (stasis-sim), the
 * printed form, the documented service bound, and a command's arguments and bytes.
 */
#include <string.h>

#include "harness/cursor.h"
#include "harness/server_sim.h"
#include "harness/server_sim_internal.h"
#include "kv/resp_number.h"
#include "kv/server_internal.h"

FUZZ_NO_COVERAGE_BEGIN

const char *const sim_kind_names[SIM_KIND_COUNT] = {
    "honest",  "slow-reader", "slow-sender", "half-closer", "silent",
    "trickler", "non-reader", "resetter",    "burst-reader",
};

const char *const sim_shape_names[SIM_SHAPE_COUNT] = {
    "set",  "get",      "incr",     "rpush", "lrange", "del",
    "mget-big", "echo-big", "ping", "append", "lpop",  "flushall", "blpop",
};

void sim_config_defaults(kv_config *c) {
    kv_config_defaults(c);
    /* inside the reference model: 16 keys, 48-byte values, 12-element lists */
    c->keys_max = 16;
    c->key_size_max = 16;
    c->value_size_max = 48;
    c->list_length_max = 12;
    c->chunk_size = 16;
    c->data_budget_bytes = 4096;
    c->command_args_max = 64;
    /* no LCS is sent: its scratch (5 MB by default) would be most of the reservation,
     * mapped and faulted in again for every run */
    c->lcs_cells_max = 64 * 64;
    /* big requests and replies need the large buffers: 1 KiB own buffers, 8 KiB large */
    c->connection_buffer_size = 1024;
    c->bulk_size_max = 8192;
    c->inline_size_max = 1024;
    c->request_size_max = 8192;
    c->reply_size_max = 8192;
    c->connections_max = 16;
    c->large_buffer_rate_min_bytes_per_s = SIM_HONEST_RATE_DEFAULT;
    c->hash_seed = 1;
}

int64_t sim_service_bound_ms(const sim_plan *plan, uint8_t kind) {
    (void)kind;
    /* one hold period and two ticks; the transfer at R is added per command */
    return (int64_t)plan->config.large_buffer_hold_ms_max + 2 * KV_SERVER_TICK_MS;
}

/* ---- a plan from a seed ---- */

static uint64_t mix(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint32_t pick(uint64_t *state, uint32_t n) { return (uint32_t)((mix(state) >> 33) % n); }

/* The shapes sim_plan_from_seed draws: those before BLPOP. A seed's plan keeps its meaning
 * (props memory_sim saves seeds); the blocking pops come from sim_plan_add_blocking. */
#define SIM_SEEDED_SHAPES SIM_BLPOP

static sim_command random_command(uint64_t *r, bool big) {
    sim_command c = {.shape = (uint8_t)pick(r, SIM_SEEDED_SHAPES),
                     .key = (uint8_t)pick(r, SIM_KEYS)};
    if (big) c.shape = pick(r, 2) ? SIM_MGET_BIG : SIM_ECHO_BIG;
    switch (c.shape) {
    case SIM_SET:
    case SIM_APPEND: c.size = (uint16_t)(1 + pick(r, 48)); break;
    case SIM_RPUSH: c.size = (uint16_t)(1 + pick(r, 4)); break;
    case SIM_MGET_BIG: c.size = (uint16_t)(20 + pick(r, 42)); break;
    case SIM_ECHO_BIG: c.size = (uint16_t)(1100 + pick(r, 6000)); break;
    default: break;
    }
    return c;
}

void sim_client_plan_fit(sim_client_plan *p) {
    for (uint32_t i = 0; i < p->command_count; i++) {
        sim_command *c = &p->commands[i];
        if (c->shape != SIM_BLPOP) continue;
        if (p->kind == SIM_HALF_CLOSER) {
            *c = (sim_command){.shape = SIM_PING};
        } else if (p->kind <= SIM_HALF_CLOSER && c->size == 0) {
            c->size = 1;
        }
    }
}

int64_t sim_blpop_timeout_ms(const sim_command *c) {
    return c->shape == SIM_BLPOP ? 100 * (int64_t)(c->size % (SIM_BLPOP_TENTHS_MAX + 1)) : 0;
}

/* Kinds by weight: hostile ones often enough that a short sweep meets each attack. */
static uint8_t random_kind(uint64_t *r) {
    static const uint8_t weights[SIM_KIND_COUNT] = {24, 8, 8, 6, 14, 10, 10, 12, 8};
    uint32_t total = 0;
    for (uint32_t k = 0; k < SIM_KIND_COUNT; k++)
        total += weights[k];
    uint32_t x = pick(r, total);
    for (uint8_t k = 0; k < SIM_KIND_COUNT; k++) {
        if (x < weights[k]) return k;
        x -= weights[k];
    }
    return SIM_HONEST;
}

static void random_client(sim_client_plan *p, uint64_t *r, uint32_t honest_rate) {
    p->kind = random_kind(r);
    p->start_ms = pick(r, 20000);
    p->rate_bytes_per_s = honest_rate + pick(r, 8) * honest_rate;
    if (p->kind == SIM_SLOW_READER || p->kind == SIM_SLOW_SENDER) p->rate_bytes_per_s = honest_rate;
    p->pause_ms = 50 + pick(r, 3000);
    p->cut_bytes = 20 + pick(r, 1400);
    bool big_all = p->kind == SIM_SLOW_READER || p->kind == SIM_NON_READER ||
                   p->kind == SIM_SILENT || p->kind == SIM_RESETTER || p->kind == SIM_TRICKLER ||
                   p->kind == SIM_SLOW_SENDER;
    p->command_count = (uint8_t)(1 + pick(r, SIM_COMMANDS_MAX));
    for (uint32_t i = 0; i < p->command_count; i++) {
        p->commands[i] = random_command(r, big_all || pick(r, 3) == 0);
        if (p->kind == SIM_SLOW_SENDER) p->commands[i].shape = SIM_ECHO_BIG;
        if (p->kind == SIM_SLOW_SENDER) p->commands[i].size = (uint16_t)(4000 + pick(r, 3000));
    }
    /* big replies need a big value under the key MGET repeats */
    p->commands[0] = (sim_command){.shape = SIM_SET, .key = 0, .size = 48};
    if (p->kind == SIM_SILENT || p->kind == SIM_RESETTER || p->kind == SIM_TRICKLER) {
        p->commands[0] = (sim_command){.shape = SIM_ECHO_BIG, .key = 0, .size = 7000};
    }
}

void sim_plan_add_blocking(sim_plan *plan, uint64_t seed) {
    uint64_t r = seed ^ 0x626c706f70ull; /* its own stream: the plan's draws are unchanged */
    for (uint32_t i = 0; i < plan->client_count; i++) {
        sim_client_plan *p = &plan->clients[i];
        for (uint32_t k = 1; k < p->command_count; k++) { /* the first sets up big replies */
            if (pick(&r, SIM_SHAPE_COUNT) != 0) continue;
            p->commands[k] = (sim_command){.shape = SIM_BLPOP,
                                           .key = (uint8_t)pick(&r, SIM_KEYS),
                                           .size = (uint16_t)pick(&r, SIM_BLPOP_TENTHS_MAX + 1)};
        }
        sim_client_plan_fit(p);
    }
}

void sim_plan_from_seed(sim_plan *plan, const kv_config *config, uint64_t seed, uint32_t clients,
                        uint64_t events_max) {
    memset(plan, 0, sizeof *plan);
    uint64_t r = seed;
    plan->config = *config;
    plan->noise_seed = mix(&r);
    plan->events_max = events_max;
    plan->time_max_ms = SIM_TIME_MAX_MS;
    plan->settle_ms = SIM_SETTLE_MS;
    plan->honest_rate_bytes_per_s = SIM_HONEST_RATE_DEFAULT;
    uint32_t f = pick(&r, 4); /* a quarter of the runs without faults */
    plan->faults = (kv_sim_faults){.partial_recv = f ? 8000 : 0,
                                   .partial_send = f ? 8000 : 0,
                                   .delay = f ? 4000 : 0,
                                   .delay_ms_max = 3,
                                   .recv_error = f == 3 ? 300 : 0,
                                   .send_error = f == 3 ? 300 : 0,
                                   .accept_error = f >= 2 ? 2000 : 0,
                                   .sq_full = f ? 500 : 0};
    plan->client_count = clients < SIM_CLIENTS_MAX ? clients : SIM_CLIENTS_MAX;
    for (uint32_t i = 0; i < plan->client_count; i++)
        random_client(&plan->clients[i], &r, plan->honest_rate_bytes_per_s);
}

void sim_plan_print(const sim_plan *plan, FILE *out) {
    const kv_config *c = &plan->config;
    fprintf(out,
            "config: connections_max %llu, large_buffers_max %llu, large_buffer_hold_ms_max %llu, "
            "idle_timeout_s %llu; honest rate %u B/s; events_max %llu; noise seed %llu\n",
            (unsigned long long)c->connections_max, (unsigned long long)c->large_buffers_max,
            (unsigned long long)c->large_buffer_hold_ms_max,
            (unsigned long long)c->idle_timeout_s, plan->honest_rate_bytes_per_s,
            (unsigned long long)plan->events_max, (unsigned long long)plan->noise_seed);
    const kv_sim_faults *f = &plan->faults;
    fprintf(out,
            "faults per 65536: partial recv %u, partial send %u, delay %u (<= %u ms), recv error "
            "%u, send error %u, accept error %u, full SQ %u\n",
            f->partial_recv, f->partial_send, f->delay, f->delay_ms_max, f->recv_error,
            f->send_error, f->accept_error, f->sq_full);
    for (uint32_t i = 0; i < plan->client_count; i++) {
        const sim_client_plan *p = &plan->clients[i];
        fprintf(out, "client %u: %s at %u ms, %u B/s, pause %u ms, cut %u:", i,
                p->kind < SIM_KIND_COUNT ? sim_kind_names[p->kind] : "?", p->start_ms,
                p->rate_bytes_per_s, p->pause_ms, p->cut_bytes);
        for (uint32_t k = 0; k < p->command_count; k++) {
            const sim_command *m = &p->commands[k];
            fprintf(out, " %s(k%u,%u)", m->shape < SIM_SHAPE_COUNT ? sim_shape_names[m->shape] : "?",
                    m->key, m->size);
        }
        fprintf(out, "\n");
    }
}

/* ---- a command's arguments and bytes ---- */

static const char *const key_texts[SIM_KEYS] = {"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"};

static resp_arg text(const char *s) { return (resp_arg){.ptr = (const uint8_t *)s, .len = strlen(s)}; }

/* Value bytes depend on who sent them, so a mix-up shows in the replies. */
static resp_arg value(uint8_t *scratch, size_t len, uint32_t client, uint32_t index) {
    for (size_t i = 0; i < len; i++)
        scratch[i] = (uint8_t)('a' + (client * 7 + index * 3 + i) % 26);
    return (resp_arg){.ptr = scratch, .len = len};
}

uint32_t sim_command_args(const sim_command *c, uint32_t client, uint32_t index, resp_arg *argv,
                          uint8_t *scratch) {
    static const char *const names[SIM_SHAPE_COUNT] = {
        "SET", "GET", "INCR", "RPUSH", "LRANGE", "DEL", "MGET", "ECHO", "PING", "APPEND", "LPOP",
        "FLUSHALL", "BLPOP"};
    resp_arg key = text(key_texts[c->key % SIM_KEYS]);
    argv[0] = text(names[c->shape]);
    switch ((sim_shape)c->shape) {
    case SIM_SET:
    case SIM_APPEND:
        argv[1] = key;
        argv[2] = value(scratch, c->size, client, index);
        return 3;
    case SIM_RPUSH:
        argv[1] = key;
        for (uint32_t i = 0; i < c->size && i < SIM_ARGS_MAX - 2; i++)
            argv[2 + i] = value(scratch + 16 * i, 1 + (i * 5) % 16, client, index + i);
        return 2 + (c->size < SIM_ARGS_MAX - 2 ? c->size : SIM_ARGS_MAX - 2);
    case SIM_LRANGE:
        argv[1] = key;
        argv[2] = text("0");
        argv[3] = text("-1");
        return 4;
    case SIM_MGET_BIG: {
        uint32_t n = c->size < SIM_ARGS_MAX - 1 ? c->size : SIM_ARGS_MAX - 1;
        for (uint32_t i = 0; i < n; i++)
            argv[1 + i] = text(key_texts[0]);
        return 1 + n;
    }
    case SIM_ECHO_BIG:
        argv[1] = value(scratch, c->size < SIM_VALUE_BYTES_MAX ? c->size : SIM_VALUE_BYTES_MAX,
                        client, index);
        return 2;
    case SIM_PING:
    case SIM_FLUSHALL: return 1;
    case SIM_GET:
    case SIM_INCR:
    case SIM_DEL:
    case SIM_LPOP: argv[1] = key; return 2;
    case SIM_BLPOP: { /* "<tenths / 10>.<tenths % 10>" seconds, or "0" */
        uint32_t tenths = c->size % (SIM_BLPOP_TENTHS_MAX + 1);
        size_t n = resp_format_u64(tenths / 10, (char *)scratch, 24);
        if (tenths % 10 != 0) {
            scratch[n++] = '.';
            scratch[n++] = (uint8_t)('0' + tenths % 10);
        }
        argv[1] = key;
        argv[2] = (resp_arg){.ptr = scratch, .len = n};
        return 3;
    }
    case SIM_SHAPE_COUNT: break;
    }
    return 1;
}

static size_t put_number(uint8_t *out, char lead, size_t n) {
    out[0] = (uint8_t)lead;
    size_t at = 1 + resp_format_u64(n, (char *)out + 1, 24);
    out[at++] = '\r';
    out[at++] = '\n';
    return at;
}

size_t sim_encode(const resp_arg *argv, uint32_t argc, uint8_t *out, size_t capacity) {
    size_t at = put_number(out, '*', argc);
    for (uint32_t i = 0; i < argc; i++) {
        ST_ASSERT(at + 32 + argv[i].len <= capacity);
        at += put_number(out + at, '$', argv[i].len);
        memcpy(out + at, argv[i].ptr, argv[i].len);
        at += argv[i].len;
        out[at++] = '\r';
        out[at++] = '\n';
    }
    return at;
}

FUZZ_NO_COVERAGE_END
