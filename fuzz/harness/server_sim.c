/*
 * The whole-server simulation (server_sim.h): the real server over the simulated network,
 * its clients, and the checks after every event.
 */
#include "harness/server_sim.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "harness/cursor.h"
#include "harness/server_sim_internal.h"
#include "kv/server_internal.h"
#include "models/kv_model.h"

FUZZ_NO_COVERAGE_BEGIN

#define SIM_EXPECT_BYTES  (96 * 1024) /* every reply one client can be owed */
#define SIM_SOCKETS_MAX   (SIM_CLIENTS_MAX + 8)
#define SIM_DRAIN_MS      30000 /* after every client left: time to close every slot */
#define SIM_SCAN_MS       50
#define SIM_NET_BYTES     (SIM_SOCKETS_MAX * (2 * KV_SIM_SOCKET_BUFFER_BYTES + 512) + 4096)
#define SIM_FINAL_CLIENT  SIM_CLIENTS_MAX
/* The server's memory, reused run after run (kv_server_reserve_in): the biggest layout the
 * fuzz target configures (16 connections, 8 large buffers) takes about 216 KiB; a bigger one
 * (stasis-sim's limit flags) is mapped as in production. */
#define SIM_SERVER_BYTES (256 * 1024)

static const char max_clients_text[] = "-ERR max number of clients reached\r\n";

typedef struct sim_client {
    const sim_client_plan *plan;
    int32_t socket;
    bool started;
    bool left;      /* it closed or reset its side */
    bool done;      /* nothing more to do or check */
    bool shut;      /* half-closed */
    int64_t next_ms;
    int64_t last_ms;
    int64_t left_ms;
    int64_t wait_seen_ms; /* when the server was last seen holding it in a large-buffer wait */
    int64_t served_ms;    /* half-closers: when it had read every reply (0: not yet) */
    int64_t burst_ms; /* burst readers: their last burst */
    int64_t last_connect_ms;
    uint64_t send_credit_milli; /* bytes * 1000 it may still send */
    uint64_t read_credit_milli;
    uint64_t bytes_sent;
    uint32_t idle_steps; /* steps in a row that moved no byte: it then acts less often */
    /* sharing: time its current command waited for a large buffer that protected clients
     * held (check_service does not count it), and whether it waits so now */
    int64_t excused_ms;
    bool excused_now;
    /* the price of the FIFO (README): the most clients out of step seen queued ahead of its
     * current command for a large buffer; each may hold one until the rate rule cuts it */
    uint32_t fifo_ahead;
    /* the request being sent: command number `sent` (its bytes in req) */
    uint32_t req_len;
    uint32_t req_off;
    uint32_t sent;     /* commands completely sent */
    uint32_t executed; /* commands the server ran */
    uint32_t answered; /* commands whose reply was completely read */
    int64_t first_ms[SIM_COMMANDS_MAX];
    uint32_t req_bytes[SIM_COMMANDS_MAX];
    uint32_t reply_end[SIM_COMMANDS_MAX];
    uint32_t expect_len;
    uint32_t received;
    /* not cleared between runs: written before read */
    uint8_t req[SIM_REQUEST_BYTES_MAX];
    uint8_t expect[SIM_EXPECT_BYTES];
} sim_client;

typedef struct sim_world {
    const sim_plan *plan;
    sim_result *result;
    kv_server server;
    kv_io_sim net;
    kv_model model;
    kv_server_hooks hooks;
    sim_client_plan final_plan;
    sim_client clients[SIM_CLIENTS_MAX + 1];
    int32_t client_of_socket[SIM_SOCKETS_MAX];
    int64_t next_scan_ms;
    /* the server's state was walked (kv_server_invariants_hold_full) since it last changed */
    bool walked;
    /* some client's excused_now is set (account_sharing has time to count) */
    bool excusing;
    int64_t leave_ms;
    bool leaving;
    resp_arg argv[SIM_ARGS_MAX];
    uint8_t scratch[SIM_VALUE_BYTES_MAX + SIM_REQUEST_BYTES_MAX];
    _Alignas(8) uint8_t net_memory[SIM_NET_BYTES];
    _Alignas(64) uint8_t server_memory[SIM_SERVER_BYTES]; /* KV_REGION_ALIGN_BYTES */
} sim_world;

static sim_world world;

static bool is_liveness(const char *check) {
    static const char *const names[] = {"cut-off-sender", "cut-off-reader", "service-bound",
                                        "reset-bound",    "close-bound",    "lock-out"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i], check) == 0) return true;
    return false;
}

__attribute__((format(printf, 3, 4))) static void fail(sim_world *w, const char *check,
                                                       const char *fmt, ...) {
    sim_result *r = w->result;
    if (r->failed) return;
    bool other = w->plan->only_check != NULL && strcmp(w->plan->only_check, check) != 0;
    bool waived = w->plan->ignore_check != NULL && strcmp(w->plan->ignore_check, check) == 0;
    if ((other || waived) && is_liveness(check)) {
        r->ignored++; /* searching for another liveness failure: the run goes on */
        return;
    }
    r->failed = true;
    snprintf(r->check, sizeof r->check, "%s", check);
    va_list ap;
    va_start(ap, fmt);
    int n = snprintf(r->detail, sizeof r->detail, "at %lld ms: ", (long long)w->net.now_ms);
    vsnprintf(r->detail + n, sizeof r->detail - (size_t)n, fmt, ap);
    va_end(ap);
}

static int64_t now(const sim_world *w) { return w->net.now_ms; }

static uint32_t client_index(const sim_world *w, const sim_client *c) {
    return (uint32_t)(c - w->clients);
}

static bool protected_kind(uint8_t kind) { return kind <= SIM_HALF_CLOSER; }

static bool pipelines(uint8_t kind) {
    return kind == SIM_SLOW_READER || kind == SIM_HALF_CLOSER || kind == SIM_NON_READER ||
           kind == SIM_BURST_READER;
}

static const kv_sim_socket *socket_of(const sim_world *w, const sim_client *c) {
    return &w->net.sockets[c->socket];
}

/* Liveness protects honest clients the network did not hurt with an injected error. */
static bool protected_client(const sim_world *w, const sim_client *c) {
    return protected_kind(c->plan->kind) && c->socket >= 0 && !socket_of(w, c)->faulted;
}

/* ---- the server's side: every executed command, replayed through the model ---- */

static bool same_args(const resp_arg *a, const resp_arg *b, uint32_t argc) {
    for (uint32_t i = 0; i < argc; i++)
        if (a[i].len != b[i].len || memcmp(a[i].ptr, b[i].ptr, a[i].len) != 0) return false;
    return true;
}

/* The model's reply to a command the engine ran, or to a blocked pop answered as timed out:
 * null, changing nothing, if the model holds no element under its key (LLEN asked of the
 * model: an element there is a wake the server missed). */
static void model_reply(sim_world *w, const kv_server *s, const resp_arg *argv, uint32_t argc,
                        bool timed_out) {
    if (!timed_out) {
        kvm_execute(&w->model, argv, argc, s->real_ms);
        return;
    }
    static const char null_reply[] = "*-1\r\n";
    resp_arg llen[2] = {{.ptr = (const uint8_t *)"LLEN", .len = 4}, argv[1]};
    kvm_execute(&w->model, llen, 2, s->real_ms);
    bool holds = w->model.out_len > 0 && w->model.out[0] == ':' && w->model.out[1] != '0';
    memcpy(w->model.out, null_reply, sizeof null_reply - 1);
    w->model.out_len = holds ? 0 : sizeof null_reply - 1;
}

static void record_reply(sim_world *w, const kv_server *s, uint32_t index, const resp_arg *argv,
                         uint32_t argc, const uint8_t *reply, size_t reply_len, bool timed_out) {
    w->result->commands++;
    uint32_t sock = kv_io_sim_socket_of(s->conns[index].fd);
    sim_client *c = &w->clients[w->client_of_socket[sock]];
    uint32_t id = client_index(w, c);
    if (c->executed >= c->plan->command_count) {
        fail(w, "reply", "client %u: a command it never sent ran", id);
        return;
    }
    uint32_t want = sim_command_args(&c->plan->commands[c->executed], id, c->executed, w->argv,
                                     w->scratch);
    if (want != argc || !same_args(w->argv, argv, argc)) {
        fail(w, "reply", "client %u: command %u ran with other arguments than it sent", id,
             c->executed);
        return;
    }
    model_reply(w, s, argv, argc, timed_out);
    if (w->model.out_len != reply_len || memcmp(w->model.out, reply, reply_len) != 0) {
        fail(w, "reply", "client %u command %u (%s): the engine replied %zu bytes '%.60s', the "
                         "model %zu bytes '%.60s'",
             id, c->executed, sim_shape_names[c->plan->commands[c->executed].shape], reply_len,
             (const char *)reply, w->model.out_len, (const char *)w->model.out);
        return;
    }
    if (c->expect_len + reply_len > SIM_EXPECT_BYTES) {
        fail(w, "harness", "client %u is owed more than %u bytes", id, SIM_EXPECT_BYTES);
        return;
    }
    memcpy(c->expect + c->expect_len, reply, reply_len);
    c->expect_len += (uint32_t)reply_len;
    c->reply_end[c->executed++] = c->expect_len;
}

static void on_executed(void *context, const kv_server *s, uint32_t index, const resp_arg *argv,
                        uint32_t argc, const uint8_t *reply, size_t reply_len) {
    record_reply(context, s, index, argv, argc, reply, reply_len, false);
}

static void on_timed_out(void *context, const kv_server *s, uint32_t index, const resp_arg *argv,
                         uint32_t argc, const uint8_t *reply, size_t reply_len) {
    record_reply(context, s, index, argv, argc, reply, reply_len, true);
}

static void after_completion(void *context, const kv_server *s) {
    sim_world *w = context;
    w->result->events++;
#ifdef NDEBUG
    /* Without NDEBUG kv_server_turn asserts this very check right after this hook (and its
     * abort is the report), so only builds without that assertion run it here. */
    if (!kv_server_invariants_hold(s)) {
        fail(w, "invariants", "kv_server_invariants_hold (server_check.c:%d)",
             kv_server_invariants_failed_line());
    }
#else
    (void)s;
#endif
}

/* ---- the clients' side ---- */

static void client_read(sim_world *w, sim_client *c, uint64_t max) {
    uint8_t *buf = w->scratch;
    size_t cap = sizeof w->scratch < max ? sizeof w->scratch : (size_t)max;
    size_t n = kv_io_sim_client_recv(&w->net, (uint32_t)c->socket, buf, cap);
    if (n == 0) return;
    uint32_t id = client_index(w, c);
    if (socket_of(w, c)->rejected) {
        size_t text_len = sizeof max_clients_text - 1;
        if (c->received + n > text_len ||
            memcmp(max_clients_text + c->received, buf, n) != 0) {
            fail(w, "delivery", "client %u: rejected with other bytes than '%s'", id,
                 "-ERR max number of clients reached");
        }
        c->received += (uint32_t)n;
        return;
    }
    if (c->received + n > c->expect_len) {
        fail(w, "delivery", "client %u: received %zu bytes past the %u its replies hold", id,
             c->received + n - c->expect_len, c->expect_len);
        return;
    }
    if (memcmp(c->expect + c->received, buf, n) != 0) {
        fail(w, "delivery", "client %u: bytes %u..%zu differ from its replies", id, c->received,
             c->received + n);
        return;
    }
    c->received += (uint32_t)n;
    while (c->answered < c->executed && c->received >= c->reply_end[c->answered])
        c->answered++;
}

/* Encodes command number `sent` as the request to send next. */
static void next_request(sim_world *w, sim_client *c) {
    uint32_t id = client_index(w, c);
    uint32_t argc = sim_command_args(&c->plan->commands[c->sent], id, c->sent, w->argv, w->scratch);
    c->req_len = (uint32_t)sim_encode(w->argv, argc, c->req, sizeof c->req);
    c->req_off = 0;
    c->first_ms[c->sent] = now(w);
    c->req_bytes[c->sent] = c->req_len;
    c->excused_ms = 0;
    c->fifo_ahead = 0;
}

/* Whether the client sends its next command now (one at a time unless it pipelines). */
static bool may_start_next(const sim_client *c) {
    if (c->sent >= c->plan->command_count) return false;
    return pipelines(c->plan->kind) || c->answered == c->sent;
}

static void client_send(sim_world *w, sim_client *c, uint64_t budget) {
    while (budget > 0) {
        if (c->req_off == c->req_len) {
            if (!may_start_next(c)) return;
            next_request(w, c);
        }
        uint64_t chunk = c->req_len - c->req_off;
        if (chunk > budget) chunk = budget;
        /* cut at arbitrary points */
        if (chunk > 1 && kv_io_sim_random(&w->net, 4) == 0) {
            chunk = 1 + kv_io_sim_random(&w->net, (uint32_t)chunk - 1);
        }
        size_t n = kv_io_sim_client_send(&w->net, (uint32_t)c->socket, c->req + c->req_off, chunk);
        c->req_off += (uint32_t)n;
        c->bytes_sent += n;
        budget -= n;
        if (c->req_off == c->req_len) c->sent++;
        if (n < chunk) return; /* the socket is full */
    }
}

static void client_leave(sim_world *w, sim_client *c, bool reset) {
    if (c->left || c->socket < 0) return;
    if (reset) {
        kv_io_sim_client_reset(&w->net, (uint32_t)c->socket);
    } else {
        kv_io_sim_client_close(&w->net, (uint32_t)c->socket);
    }
    c->left = true;
    c->left_ms = now(w);
}

/* The server closed the client's socket and it read everything: was that right? */
static void client_at_end(sim_world *w, sim_client *c) {
    c->done = true;
    uint32_t id = client_index(w, c);
    const kv_sim_socket *k = socket_of(w, c);
    if (k->rejected) {
        if (c->received != sizeof max_clients_text - 1) {
            fail(w, "delivery", "client %u: rejected with %u bytes of the text", id, c->received);
        }
        return;
    }
    if (!protected_client(w, c) || c->left) return;
    if (c->answered == c->plan->command_count) return;
    /* replies it was still reading: a reader's cut; else it was sending (or waiting) */
    bool reading = c->received < c->expect_len;
    fail(w, reading ? "cut-off-reader" : "cut-off-sender",
         "client %u (%s, %u B/s): closed by the server with %u of %u commands answered (%u sent, "
         "%u of request %u sent, %u of %u reply bytes read)",
         id, sim_kind_names[c->plan->kind], c->plan->rate_bytes_per_s, c->answered,
         c->plan->command_count, c->sent, c->req_off, c->sent, c->received, c->expect_len);
}

/* What one client out of step queued ahead costs a waiter: it is lent a buffer, falls
 * behind the rate rule's slack and is cut at the next tick (test_kv_timing_sim measures it:
 * 290 ms at the simulation's scale, within this 300). */
static int64_t fifo_price_ms(const sim_world *w) {
    uint64_t rate = w->server.config->large_buffer_rate_min_bytes_per_s;
    return kv_large_slack_bytes(&w->server) * 1000 / (int64_t)rate + KV_SERVER_TICK_MS;
}

static void check_service(sim_world *w, sim_client *c) {
    uint8_t kind = c->plan->kind;
    if ((kind != SIM_HONEST && kind != SIM_SLOW_SENDER) || !protected_client(w, c)) return;
    uint32_t j = c->answered;
    if (j >= c->plan->command_count) return;
    bool started = j < c->sent || (j == c->sent && c->req_off < c->req_len);
    if (!started) return;
    uint64_t bytes = c->req_bytes[j];
    if (j < c->executed) bytes += c->reply_end[j] - (j > 0 ? c->reply_end[j - 1] : 0);
    int64_t bound = sim_service_bound_ms(w->plan, kind) +
                    (int64_t)(bytes * 1000 / w->plan->honest_rate_bytes_per_s) +
                    sim_blpop_timeout_ms(&c->plan->commands[j]) +
                    (int64_t)c->fifo_ahead * fifo_price_ms(w);
    int64_t waited = now(w) - c->first_ms[j] - c->excused_ms;
    if (waited <= bound) return;
    fail(w, "service-bound",
         "client %u (%s): command %u (%s, %llu bytes with its reply so far) unanswered after "
         "%lld ms, %lld of them not shared with other protected clients (bound %lld ms, %u "
         "clients out of step queued ahead); %u of its request sent, large buffer waits so far "
         "%llu",
         client_index(w, c), sim_kind_names[kind], j,
         sim_shape_names[c->plan->commands[j].shape], (unsigned long long)bytes,
         (long long)(now(w) - c->first_ms[j]), (long long)waited, (long long)bound,
         c->fifo_ahead, c->req_off,
         (unsigned long long)w->server.info.large_buffer_waits);
}

/* Credit for `rate` bytes per second since the client last acted. */
static uint64_t credit(sim_client *c, uint64_t *milli, uint32_t rate, int64_t t) {
    *milli += (uint64_t)rate * (uint64_t)(t - c->last_ms);
    uint64_t bytes = *milli / 1000;
    *milli -= bytes * 1000;
    return bytes;
}

static void client_connect(sim_world *w, sim_client *c) {
    c->started = true;
    int32_t k = kv_io_sim_connect(&w->net);
    if (k < 0) {
        fail(w, "harness", "client %u: no simulated socket left", client_index(w, c));
        return;
    }
    c->socket = k;
    w->client_of_socket[k] = (int32_t)client_index(w, c);
    c->last_ms = now(w);
    c->last_connect_ms = now(w);
    c->burst_ms = now(w);
    c->next_ms = now(w);
}

/* What a client sends this step, by kind. */
static uint64_t send_budget(sim_world *w, sim_client *c, uint64_t earned) {
    const sim_client_plan *p = c->plan;
    switch ((sim_kind)p->kind) {
    case SIM_SILENT:
    case SIM_RESETTER: return c->bytes_sent < p->cut_bytes ? p->cut_bytes - c->bytes_sent : 0;
    case SIM_TRICKLER: return 1;
    case SIM_SLOW_READER: return earned * 8; /* slow to read only */
    default: break;
    }
    (void)w;
    return earned;
}

static void client_read_step(sim_world *w, sim_client *c, int64_t t) {
    const sim_client_plan *p = c->plan;
    switch ((sim_kind)p->kind) {
    case SIM_SLOW_READER:
        client_read(w, c, credit(c, &c->read_credit_milli, p->rate_bytes_per_s, t));
        return;
    case SIM_BURST_READER:
        if (t - c->burst_ms >= (int64_t)p->pause_ms) {
            client_read(w, c, UINT64_MAX);
            c->burst_ms = t;
        }
        return;
    case SIM_SILENT:
    case SIM_TRICKLER:
    case SIM_NON_READER:
    case SIM_RESETTER: return;
    default: client_read(w, c, UINT64_MAX); return;
    }
}

/* After its commands: honest ones close once answered, half-closers shut their side. */
static void client_finish(sim_world *w, sim_client *c) {
    uint8_t kind = c->plan->kind;
    bool all_sent = c->sent == c->plan->command_count;
    if (kind == SIM_HALF_CLOSER && all_sent && !c->shut) {
        kv_io_sim_client_shutdown(&w->net, (uint32_t)c->socket);
        c->shut = true;
    }
    bool answered = c->answered == c->plan->command_count;
    if (answered && (kind == SIM_HONEST || kind == SIM_SLOW_READER || kind == SIM_SLOW_SENDER ||
                     kind == SIM_BURST_READER)) {
        client_leave(w, c, false);
        c->done = true;
    }
}

static int64_t next_step(const sim_world *w, const sim_client *c, int64_t t) {
    const sim_client_plan *p = c->plan;
    switch ((sim_kind)p->kind) {
    case SIM_TRICKLER: return t + (p->pause_ms > 0 ? p->pause_ms : 1);
    case SIM_SILENT:
        /* once its part is sent it only waits (and reads nothing) */
        return c->bytes_sent >= p->cut_bytes ? KV_SIM_NEVER_MS : t + SIM_STEP_MS;
    case SIM_NON_READER:
        return c->sent == p->command_count ? KV_SIM_NEVER_MS : t + SIM_STEP_MS;
    default: break;
    }
    (void)w;
    /* a client that moved nothing backs off (up to 8 steps): fewer events, same behaviour */
    uint32_t shift = c->idle_steps < 3 ? c->idle_steps : 3;
    return t + ((int64_t)SIM_STEP_MS << shift);
}

static void client_act(sim_world *w, sim_client *c) {
    int64_t t = now(w);
    w->result->events++;
    if (!c->started) {
        client_connect(w, c);
        return;
    }
    const sim_client_plan *p = c->plan;
    uint64_t moved = c->received + c->bytes_sent;
    client_read_step(w, c, t);
    if (kv_io_sim_client_at_end(&w->net, (uint32_t)c->socket)) {
        client_at_end(w, c);
        return;
    }
    check_service(w, c);
    if (p->kind == SIM_RESETTER && t - c->last_connect_ms >= (int64_t)p->pause_ms) {
        client_leave(w, c, true);
        c->done = true;
        return;
    }
    uint64_t earned = credit(c, &c->send_credit_milli, p->rate_bytes_per_s, t);
    if (!c->shut) client_send(w, c, send_budget(w, c, earned));
    client_finish(w, c);
    c->last_ms = t;
    c->idle_steps = c->received + c->bytes_sent == moved ? c->idle_steps + 1 : 0;
    if (!c->done) c->next_ms = next_step(w, c, t);
}
/* ---- sharing: waits for buffers that protected clients hold ---- */

/* The client behind server connection `index`. */
static sim_client *client_of_conn(sim_world *w, uint32_t index) {
    uint32_t k = kv_io_sim_socket_of(w->server.conns[index].fd);
    return &w->clients[w->client_of_socket[k]];
}

/* Whether an unprotected client sends its request at R or faster now: its kind sends at
 * its rate (at least R) and it still has bytes to send. Hostile kinds never read at R. */
static bool sends_at_rate(const sim_client *c) {
    if (c->left) return false;
    switch ((sim_kind)c->plan->kind) {
    case SIM_NON_READER:
    case SIM_BURST_READER: return c->req_off < c->req_len || c->sent < c->plan->command_count;
    case SIM_SILENT:
    case SIM_RESETTER: return c->bytes_sent < c->plan->cut_bytes;
    default: return false; /* a trickler's byte a pause is below R */
    }
}

/* Whether the holder behind connection `index` uses its buffers as an honest client would:
 * protected, or receiving into its large buffer a request its client sends at R or faster.
 * Waiting for it is sharing, whatever its kind does later. */
static bool in_step(sim_world *w, uint32_t index) {
    sim_client *c = client_of_conn(w, index);
    if (protected_client(w, c)) return true;
    const kv_connection *k = &w->server.conns[index];
    bool receiving = k->large_recv != KV_LARGE_NONE && (k->flags & KV_CONN_RECV_PENDING) != 0 &&
                     k->large_send == KV_LARGE_NONE;
    return receiving && !socket_of(w, c)->faulted && sends_at_rate(c);
}

/* Marks the protected waiters in queue q that could not be served now even if every large
 * buffer not held by a protected client were free: they wait for others' legitimate use
 * (sharing), which the service bound does not count. `open` = free + held by the others. */
static void mark_shared_waits(sim_world *w, const kv_conn_queue *q, uint32_t open, uint32_t need) {
    const kv_server *s = &w->server;
    for (uint32_t at = q->head; at != KV_CONN_NONE; at = s->conns[at].next_waiting) {
        sim_client *c = client_of_conn(w, at);
        c->excused_now = open < need && protected_client(w, c);
        w->excusing |= c->excused_now;
    }
}

/* Notes, for each protected waiter, how many clients out of step wait ahead of it: second
 * loans are granted first, so those waiters are ahead of every first-loan waiter. */
static void count_fifo_ahead(sim_world *w) {
    const kv_server *s = &w->server;
    const kv_conn_queue *queues[] = {&s->wait_second, &s->wait_first};
    uint32_t ahead = 0;
    for (size_t i = 0; i < 2; i++) {
        for (uint32_t at = queues[i]->head; at != KV_CONN_NONE; at = s->conns[at].next_waiting) {
            sim_client *c = client_of_conn(w, at);
            if (!protected_client(w, c)) {
                ahead++;
            } else if (ahead > c->fifo_ahead) {
                c->fifo_ahead = ahead;
            }
        }
    }
}

/* After a turn: the time since the last one counts as shared for those marked then; marks
 * anew. O(large buffers + waiters). */
static void account_sharing(sim_world *w, uint32_t count, int64_t since_ms) {
    const kv_server *s = &w->server;
    /* no one excused and no one waiting: nothing to count and nothing to mark (most turns) */
    if (!w->excusing && s->wait_first.count == 0 && s->wait_second.count == 0) return;
    w->excusing = false;
    int64_t elapsed = now(w) - since_ms;
    for (uint32_t i = 0; i < count; i++) {
        sim_client *c = &w->clients[i];
        if (c->excused_now) c->excused_ms += elapsed;
        c->excused_now = false;
    }
    /* buffers held by others than those in step: busy ones, and waiters for a second loan */
    uint32_t busy = 0;
    uint32_t waiting = 0;
    for (uint32_t b = 0; b < s->config->large_buffers_max; b++) {
        uint32_t owner = s->large_owner[b];
        if (owner == KV_CONN_NONE || in_step(w, owner)) continue;
        if ((s->conns[owner].flags & KV_CONN_WAITING) != 0) {
            waiting++;
        } else {
            busy++;
        }
    }
    /* A waiter for a second loan waits, like anyone, for buffers: when only clients in step
     * hold the rest (none free, no other busy) its own one is shared too. */
    uint32_t open = s->large_free_count + busy + (s->large_free_count + busy > 0 ? waiting : 0);
    mark_shared_waits(w, &s->wait_second, open, 1);
    mark_shared_waits(w, &s->wait_first, open, 2);
    count_fifo_ahead(w);
}

/* ---- slots: a client gone must not hold one ---- */

/* When the server could first know that the client behind socket k is gone, or
 * KV_SIM_NEVER_MS: its reset (itself or by an injected error); its close (FIN), or the end
 * of its wait for a large buffer if later (until it reads the rest, a waiter's close cannot
 * be told from a half-close); a half-closer's last reply read. `*check` names the bound. */
static int64_t gone_ms(const sim_world *w, uint32_t k, const char **check) {
    const kv_sim_socket *s = &w->net.sockets[k];
    *check = "reset-bound";
    if (s->reset) return s->reset_ms;
    *check = "close-bound";
    const sim_client *c = &w->clients[w->client_of_socket[k]];
    if (s->client_closed && c->left) {
        return c->left_ms > c->wait_seen_ms ? c->left_ms : c->wait_seen_ms;
    }
    if (s->client_shut_write && c->served_ms != 0) return c->served_ms;
    return KV_SIM_NEVER_MS;
}

/* The first socket the server still holds open for a client gone longer than the bound. */
static int32_t stale_slot(const sim_world *w, const char **check) {
    for (uint32_t k = 0; k < w->net.sockets_used; k++) {
        const kv_sim_socket *s = &w->net.sockets[k];
        if (!s->accepted || s->server_shut || s->rejected) continue;
        int64_t gone = gone_ms(w, k, check);
        if (gone != KV_SIM_NEVER_MS && now(w) - gone > SIM_RESET_BOUND_MS) return (int32_t)k;
    }
    return -1;
}

/* Marks the clients the server holds in a large-buffer wait now, and the half-closers that
 * have read every reply. O(connections + clients). */
static void note_waits(sim_world *w, uint32_t count) {
    const kv_server *s = &w->server;
    for (uint32_t i = 0; i < s->config->connections_max; i++) {
        const kv_connection *k = &s->conns[i];
        if (k->state == KV_CONN_OPEN && (k->flags & KV_CONN_WAITING) != 0) {
            client_of_conn(w, i)->wait_seen_ms = now(w);
        }
    }
    for (uint32_t i = 0; i < count; i++) {
        sim_client *c = &w->clients[i];
        if (c->shut && c->served_ms == 0 && c->answered == c->plan->command_count) {
            c->served_ms = now(w);
        }
    }
}

static void check_slots(sim_world *w) {
    const char *check = NULL;
    int32_t k = stale_slot(w, &check);
    if (k < 0) return;
    const sim_client *c = &w->clients[w->client_of_socket[k]];
    fail(w, check,
         "client %d (%s) %s %lld ms ago and the server still holds its slot (bound %d ms)",
         w->client_of_socket[k], sim_kind_names[c->plan->kind],
         strcmp(check, "reset-bound") == 0 ? "reset" : "closed (or, half-closed, was served)",
         (long long)(now(w) - gone_ms(w, (uint32_t)k, &check)), SIM_RESET_BOUND_MS);
}

/* An honest client refused while a gone one holds a slot: a lock-out. */
static void check_lock_out(sim_world *w) {
    for (uint32_t i = 0; i < w->plan->client_count; i++) {
        sim_client *c = &w->clients[i];
        if (!c->started || c->done || c->socket < 0 || !protected_kind(c->plan->kind)) continue;
        if (!socket_of(w, c)->rejected || c->received != 0) continue;
        const char *check = NULL;
        int32_t k = stale_slot(w, &check);
        if (k >= 0) {
            fail(w, "lock-out",
                 "client %u (%s) refused 'max number of clients reached' while client %d, gone "
                 "%lld ms ago, holds a slot",
                 i, sim_kind_names[c->plan->kind], w->client_of_socket[k],
                 (long long)(now(w) - gone_ms(w, (uint32_t)k, &check)));
        }
    }
}

/* ---- the run ---- */

static int64_t next_client_ms(const sim_world *w, uint32_t count) {
    int64_t next = KV_SIM_NEVER_MS;
    for (uint32_t i = 0; i < count; i++) {
        const sim_client *c = &w->clients[i];
        if (!c->done && c->next_ms < next) next = c->next_ms;
    }
    return next;
}

static void clients_act(sim_world *w, uint32_t count) {
    for (uint32_t i = 0; i < count && !w->result->failed; i++) {
        sim_client *c = &w->clients[i];
        if (!c->done && c->next_ms <= now(w)) client_act(w, c);
    }
}

/* One turn of the server after the clients due now acted; checks after it. */
static void step(sim_world *w, uint32_t count) {
    clients_act(w, count);
    if (w->result->failed) return;
    w->net.next_client_ms = next_client_ms(w, count);
    int64_t before = now(w);
    bool was_ready = w->server.ready.count != 0;
    size_t handled = kv_server_turn(&w->server);
    account_sharing(w, count, before);
    /* A turn that handled no completion with no connection ready changed nothing the walk
     * reads (only the clocks): the walk after the last change still stands. */
    if (handled > 0 || was_ready) w->walked = false;
    if (!w->walked && !kv_server_invariants_hold_full(&w->server)) {
        fail(w, "invariants", "kv_server_invariants_hold_full (server_check.c:%d)",
             kv_server_invariants_failed_line());
    }
    w->walked = true;
    if (now(w) >= w->next_scan_ms) {
        w->next_scan_ms = now(w) + SIM_SCAN_MS;
        note_waits(w, count);
        check_lock_out(w);
        check_slots(w);
    }
}

static bool protected_pending(const sim_world *w) {
    for (uint32_t i = 0; i < w->plan->client_count; i++) {
        const sim_client *c = &w->clients[i];
        if (!c->done && protected_kind(c->plan->kind)) return true;
    }
    return false;
}

/* Whether the clients should leave now: the protected ones are done and the hostile ones
 * had SIM_SETTLE_MS after the last start, or the time or the events ran out. */
static bool time_to_leave(const sim_world *w) {
    if (w->result->events >= w->plan->events_max || now(w) >= w->plan->time_max_ms) return true;
    return !protected_pending(w) && now(w) >= w->leave_ms;
}

static void everyone_leaves(sim_world *w) {
    for (uint32_t i = 0; i < w->plan->client_count; i++) {
        sim_client *c = &w->clients[i];
        if (c->started && !c->left && c->socket >= 0) {
            client_leave(w, c, kv_io_sim_random(&w->net, 2) == 0);
        }
        c->done = true;
    }
}

/* Turns until the server holds no slot (or the drain time ran out). */
static void drain(sim_world *w, uint32_t count) {
    int64_t until = now(w) + SIM_DRAIN_MS;
    while (!w->result->failed && now(w) < until) {
        if (w->server.slots_in_use == 0 && next_client_ms(w, count) == KV_SIM_NEVER_MS) return;
        step(w, count);
    }
    if (!w->result->failed && w->server.slots_in_use != 0) {
        check_slots(w);
        fail(w, "leak", "%u slots still in use %d ms after every client left",
             w->server.slots_in_use, SIM_DRAIN_MS);
    }
}

/* A last client flushes the store; then everything must be back. */
static void flush_and_check_leaks(sim_world *w) {
    sim_client *c = &w->clients[SIM_FINAL_CLIENT];
    w->final_plan = (sim_client_plan){.kind = SIM_HONEST,
                                      .command_count = 1,
                                      .rate_bytes_per_s = 1u << 20,
                                      .commands = {{.shape = SIM_FLUSHALL}}};
    memset(c, 0, offsetof(sim_client, req));
    c->plan = &w->final_plan;
    c->socket = -1;
    c->next_ms = now(w);
    /* its FLUSHALL must get through: no injected errors from now on */
    w->net.faults.recv_error = w->net.faults.send_error = w->net.faults.accept_error = 0;
    drain(w, SIM_FINAL_CLIENT + 1);
    if (w->result->failed) return;
    if (c->answered != 1) {
        fail(w, "leak", "the last client's FLUSHALL was not answered");
        return;
    }
    const kv_server *s = &w->server;
    uint32_t used = chunk_store_used(&s->engine.store.chunks);
    if (s->large_free_count != s->config->large_buffers_max || s->info.connected_clients != 0 ||
        s->engine.store.keys != 0 || used != 0) {
        fail(w, "leak",
             "after every client left and FLUSHALL: %u of %llu large buffers free, %llu clients, "
             "%llu keys, %u chunks in use",
             s->large_free_count, (unsigned long long)s->config->large_buffers_max,
             (unsigned long long)s->info.connected_clients,
             (unsigned long long)s->engine.store.keys, used);
    }
}

static void start_world(sim_world *w, const sim_plan *plan, sim_result *result) {
    w->plan = plan;
    w->result = result;
    w->leaving = false;
    w->next_scan_ms = 0;
    w->walked = false;
    w->excusing = false;
    int64_t last_start = 0;
    for (uint32_t i = 0; i < plan->client_count; i++) {
        sim_client *c = &w->clients[i];
        memset(c, 0, offsetof(sim_client, req));
        c->plan = &plan->clients[i];
        c->socket = -1;
        c->next_ms = plan->clients[i].start_ms;
        if (c->next_ms > last_start) last_start = c->next_ms;
    }
    for (uint32_t i = plan->client_count; i <= SIM_FINAL_CLIENT; i++) {
        memset(&w->clients[i], 0, offsetof(sim_client, req));
        w->clients[i].done = true; /* unused (the final client is set up at the end) */
        w->clients[i].socket = -1;
    }
    w->leave_ms = last_start + w->plan->settle_ms;
    kv_io_sim_init(&w->net, w->net_memory, sizeof w->net_memory, SIM_SOCKETS_MAX,
                   plan->noise_seed, &plan->faults);
    w->hooks = (kv_server_hooks){
        .executed = on_executed,
        .timed_out = on_timed_out,
        .after_completion = after_completion,
        .context = w};
}

static void summarize(sim_world *w) {
    sim_result *r = w->result;
    r->rejections = w->server.info.rejected_connections;
    r->waits = w->server.info.large_buffer_waits;
    r->large_timeouts = w->server.info.large_buffer_timeouts;
    r->time_ms = now(w);
    r->digest = w->net.digest;
    r->net = w->net.stats;
}

bool sim_run(const sim_plan *plan, uint64_t (*allocation_calls)(void), sim_result *result) {
    sim_world *w = &world;
    memset(result, 0, sizeof *result);
    ST_ASSERT(plan->client_count <= SIM_CLIENTS_MAX);
    ST_ASSERT(plan->honest_rate_bytes_per_s > 0);
    start_world(w, plan, result);
    char error[256];
    siphash_key key = {.k0 = 1, .k1 = 2};
    int r = kv_server_reserve_in(&w->server, &plan->config, w->server_memory,
                                 sizeof w->server_memory, key, error, sizeof error);
    if (r == -ENOSPC) {
        r = kv_server_reserve(&w->server, &plan->config, false, key, error, sizeof error);
    }
    if (r != 0) {
        fail(w, "harness", "cannot reserve the server: %s", error);
        return false;
    }
    reservation_seal(&w->server.memory);
    kvm_init(&w->model, &plan->config, w->server.layout.chunk_count);
    uint64_t calls_before = allocation_calls != NULL ? allocation_calls() : 0;
    kv_server_attach(&w->server, kv_io_sim_interface(&w->net), KV_SIM_LISTEN_FD, &w->hooks);
    kv_server_loop_begin(&w->server);
    while (!result->failed && !time_to_leave(w))
        step(w, plan->client_count);
    if (!result->failed) everyone_leaves(w);
    if (!result->failed) drain(w, plan->client_count);
    if (!result->failed) flush_and_check_leaks(w);
    uint64_t calls = allocation_calls != NULL ? allocation_calls() - calls_before : 0;
    result->allocation_calls = calls;
    if (calls != 0) {
        fail(w, "seal", "%llu allocation calls after the seal", (unsigned long long)calls);
    }
    summarize(w);
    kv_server_release(&w->server);
    return !result->failed;
}

FUZZ_NO_COVERAGE_END
