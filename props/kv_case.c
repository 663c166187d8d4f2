/* The KV workload of the engine properties (see kv_case.h). */
#include "kv_case.h"

#include <ctype.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>

#include "alloc/stasis_assert.h"
#include "alloc/object_pool.h"
#include "kv/chunks.h"
#include "kv/command.h"
#include "kv/layout.h"
#include "kv/transaction.h"
#include "props.h"

/* ---- the tables (append only) ---- */

static const char *const config_names[] = {
    "tiny/guaranteed", "tiny/shared", "defaults/shared", "seed-design/guaranteed",
    "seed-design/shared",
};
const choice_table kvw_config_table = PROP_TABLE(config_names, 8);

/* Commands with placeholders (k key, v value, i integer); "~clock" and "~expire" are the
 * harness steps. Every command the engine offers is here (check_every_command_sent). */
static const char *const templates[] = {
    "GET k",           "SET k v",          "SET k v PX i",      "SET k v EX i",
    "SETNX k v",       "GETSET k v",       "GETDEL k",          "MGET k k",
    "MSET k v k v",    "MSETNX k v k v",   "APPEND k v",        "STRLEN k",
    "GETRANGE k i i",  "SETRANGE k i v",   "INCR k",            "DECR k",
    "INCRBY k i",      "DECRBY k i",       "DEL k k",           "UNLINK k",
    "EXISTS k k",      "TYPE k",           "RENAME k k",        "KEYS *",
    "SCAN 0",          "EXPIRE k i",       "PEXPIRE k i",       "EXPIREAT k i",
    "PEXPIREAT k i",   "TTL k",            "PTTL k",            "PERSIST k",
    "LPUSH k v v",     "RPUSH k v",        "LPUSHX k v",        "RPUSHX k v",
    "LPOP k",          "RPOP k",           "LLEN k",            "LRANGE k 0 -1",
    "LINDEX k i",      "LSET k i v",       "LREM k i v",        "LTRIM k i i",
    "LINSERT k BEFORE v v", "LPOS k v",    "PING",              "ECHO v",
    "DBSIZE",          "FLUSHALL",         "INFO",              "CONFIG GET *",
    "COMMAND COUNT",   "~clock",           "~expire",           "RPUSH k v v v v",
    "SET k v NX",      "SET k v XX GET",   "LPOP k i",          "FLUSHDB",
    "SELECT 0",        "COMMAND",          "CONFIG SET keys_max 1", "LINSERT k AFTER v v",
    "COMMAND DOCS GET", "COMMAND INFO GET", "COMMAND LIST",     "COMMAND HELP",
    "CONFIG RESETSTAT", "CONFIG HELP",     "QUIT",              "AUTH v",
    "HELLO 2",         "TIME",             "EXPIRE k i NX",     "SET k v KEEPTTL",
    "SET k v EXAT i",  "SET k v PXAT i",   "GETRANGE k 0 -1",   "LPOS k v RANK i COUNT i",
    "SCAN 0 MATCH * COUNT 100 TYPE list",  "INFO server",
    /* 82: the string, key and list commands of issue 14 */
    "INCRBYFLOAT k i", "SETBIT k i i",     "GETBIT k i",        "BITCOUNT k",
    "BITPOS k i",      "LCS k k",          "GETEX k PERSIST",   "SETEX k i v",
    "PSETEX k i v",    "RENAMENX k k",     "COPY k k REPLACE",  "RANDOMKEY",
    "TOUCH k k",       "EXPIRETIME k",     "PEXPIRETIME k",     "OBJECT ENCODING k",
    "LMOVE k k LEFT RIGHT", "RPOPLPUSH k k", "LMPOP 2 k k LEFT COUNT i", "FUNCTION FLUSH",
    "COMMAND GETKEYS SET k v",
    /* 103: transactions; the blocking pops wait 10 ms at most (the real server's property
     * sends these too, and waits for each reply) */
    "MULTI",           "EXEC",             "DISCARD",           "WATCH k k",
    "UNWATCH",         "BLPOP k k 0.01",   "BRPOP k 0.01",      "BLMOVE k k RIGHT LEFT 0.01",
    "BRPOPLPUSH k k 0.01", "BLMPOP 0.01 1 k LEFT",
    "OBJECT REFCOUNT k",
    "OBJECT IDLETIME k",
    "OBJECT HELP",
    "OBJECT FREQ k",
    /* 118 */
    "COMMAND GETKEYSANDFLAGS SET k v",
};
static const choice_table template_table = PROP_TABLE(templates, 128);

static const char *const key_kinds[] = {
    "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "key_size_max", "key_size_max+1", "empty",
};
static const choice_table key_table = PROP_TABLE(key_kinds, 16);

static const char *const length_kinds[] = {
    "1", "16", "element chunk", "value_size_max/2", "value_size_max", "value_size_max+1",
};
static const choice_table length_table = PROP_TABLE(length_kinds, 8);

static const char *const integers[] = {
    "0", "1", "-1", "2", "3", "10", "100", "-100", "1000", "9223372036854775807", "x",
};
static const choice_table integer_table = PROP_TABLE(integers, 16);

/* ---- configurations ---- */

/* Each entry as command-line settings (name, value), so the real server can be started
 * with the very same configuration (prop_server.c). */
static const char *const tiny_settings[] = {
    "keys_max", "4", "key_size_max", "8", "value_size_max", "32", "list_length_max", "4",
    "chunk_size", "16", "data_budget_bytes", "512", "connections_max", "4",
    "large_buffers_max", "2", NULL};
static const char *const seed_settings[] = {
    "connections_max", "1000", "keys_max", "1000", "key_size_max", "1024",
    "value_size_max", "4096", "list_length_max", "50", NULL};
static const char *const no_settings[] = {NULL};

const char *const *kvw_config_settings(uint32_t id) {
    ST_ASSERT(id < kvw_config_table.count);
    if (id <= 1) return tiny_settings;
    if (id == 3 || id == 4) return seed_settings;
    return no_settings;
}

const char *kvw_config_policy(uint32_t id) {
    return id == 1 || id == 2 || id == 4 ? "shared" : "guaranteed";
}

bool kvw_config_for(uint32_t id, kv_config *config) {
    kv_config_defaults(config);
    char error[256];
    for (const char *const *s = kvw_config_settings(id); *s != NULL; s += 2) {
        ST_ASSERT(kv_config_set(config, s[0], s[1], error, sizeof error));
    }
    ST_ASSERT(kv_config_set(config, "capacity_policy", kvw_config_policy(id), error, sizeof error));
    config->hash_seed = 1;
    if (!kv_config_finalize(config, error, sizeof error)) return false;
    uint64_t chunks = kv_layout_chunk_count(config);
    return chunks > 0 && chunks <= OBJECT_POOL_ITEM_COUNT_MAX;
}

void kvw_print_config(FILE *out, const char *name, const kv_config *c) {
    fprintf(out,
            "configuration %s: policy %s, keys_max %" PRIu64 ", key_size_max %" PRIu64
            ", value_size_max %" PRIu64 ", list_length_max %" PRIu64 ", chunk_size %" PRIu64
            ", data_budget_bytes %" PRIu64 ", chunks %" PRIu64 "\n",
            name, c->capacity_policy == KV_POLICY_SHARED ? "shared" : "guaranteed", c->keys_max,
            c->key_size_max, c->value_size_max, c->list_length_max, c->chunk_size,
            c->data_budget_bytes, kv_layout_chunk_count(c));
}

/* ---- decoding ---- */

/* Scratch for one operation's generated keys and values: at most four values of
 * value_size_max + 1 bytes (64 KiB in the defaults) and two keys. */
#define SCRATCH_BYTES (1024 * 1024)
static uint8_t scratch[SCRATCH_BYTES];
static size_t scratch_used;

static resp_arg text_arg(const char *s) {
    return (resp_arg){.ptr = (const uint8_t *)s, .len = strlen(s)};
}

static resp_arg filled(size_t len, uint8_t fill) {
    ST_ASSERT(scratch_used + len <= SCRATCH_BYTES);
    uint8_t *at = scratch + scratch_used;
    memset(at, fill, len);
    scratch_used += len;
    return (resp_arg){.ptr = at, .len = len};
}

static bool decode_key(kvw_decoder *d, resp_arg *out) {
    uint32_t id = prop_choice(&d->c, &key_table);
    if (id == CHOICE_REFUSED) return false;
    if (id < 8) *out = text_arg(key_kinds[id]);
    if (id == 8) *out = filled(d->config->key_size_max, 'K');
    if (id == 9) *out = filled(d->config->key_size_max + 1, 'L');
    if (id == 10) *out = text_arg("");
    return true;
}

static bool decode_value(kvw_decoder *d, resp_arg *out) {
    uint32_t id = prop_choice(&d->c, &length_table);
    if (id == CHOICE_REFUSED) return false;
    uint8_t fill = (uint8_t)('a' + cursor_u8(&d->c) % 26);
    uint64_t max = d->config->value_size_max;
    uint64_t element = d->config->chunk_size - 12;
    uint64_t lens[] = {1, 16, element < max ? element : max, max / 2, max, max + 1};
    *out = filled((size_t)lens[id], fill);
    return true;
}

static bool decode_placeholder(kvw_decoder *d, const char *word, size_t n, resp_arg *out) {
    if (n == 1 && word[0] == 'k') return decode_key(d, out);
    if (n == 1 && word[0] == 'v') return decode_value(d, out);
    if (n == 1 && word[0] == 'i') {
        uint32_t id = prop_choice(&d->c, &integer_table);
        if (id == CHOICE_REFUSED) return false;
        *out = text_arg(integers[id]);
        return true;
    }
    *out = (resp_arg){.ptr = (const uint8_t *)word, .len = n};
    return true;
}

bool kvw_decode_op(kvw_decoder *d, kvw_op *op) {
    if (cursor_empty(&d->c)) return false;
    scratch_used = 0;
    *op = (kvw_op){.kind = KVW_COMMAND};
    op->template_id = prop_choice(&d->c, &template_table);
    if (op->template_id == CHOICE_REFUSED) return false;
    const char *t = templates[op->template_id];
    if (strcmp(t, "~clock") == 0) {
        op->kind = KVW_CLOCK;
        op->clock_ms = (int64_t)cursor_u8(&d->c) * KVW_CLOCK_STEP_MS;
        return true;
    }
    if (strcmp(t, "~expire") == 0) {
        op->kind = KVW_EXPIRE_CYCLE;
        return true;
    }
    while (*t != '\0') {
        size_t n = strcspn(t, " ");
        ST_ASSERT(op->argc < KVW_ARGS_MAX);
        if (!decode_placeholder(d, t, n, &op->argv[op->argc++])) return false;
        t += n + (t[n] == ' ');
    }
    return true;
}

void kvw_print_op(FILE *out, size_t index, const kvw_op *op) {
    if (op->kind == KVW_CLOCK) {
        fprintf(out, "#%zu clock +%" PRId64 " ms\n", index, op->clock_ms);
        return;
    }
    if (op->kind == KVW_EXPIRE_CYCLE) {
        fprintf(out, "#%zu active expiry over every slot\n", index);
        return;
    }
    fprintf(out, "#%zu", index);
    for (uint32_t a = 0; a < op->argc; a++) {
        fputc(' ', out);
        prop_print_bytes(out, op->argv[a].ptr, op->argv[a].len);
    }
    fputc('\n', out);
}

void kvw_describe(const uint8_t *payload, size_t size, FILE *out) {
    cursor c = cursor_make(payload, size);
    uint32_t id = prop_choice(&c, &kvw_config_table);
    if (id == CHOICE_REFUSED) {
        fprintf(out, "configuration id %u is unassigned: the case is refused\n", c.refused_id);
        return;
    }
    static kv_config config;
    if (!kvw_config_for(id, &config)) {
        fprintf(out, "configuration %s: refused by the server (not run)\n", config_names[id]);
        return;
    }
    kvw_print_config(out, config_names[id], &config);
    kvw_decoder d = {.c = c, .config = &config};
    kvw_op op;
    size_t i = 0;
    while (kvw_decode_op(&d, &op)) kvw_print_op(out, i++, &op);
    if (d.c.refused) fprintf(out, "#%zu names unassigned id %u: the case is refused\n", i, d.c.refused_id);
}

/* ---- a workload biased toward refusals ---- */

/* Writes a limit, a type or the budget can refuse, pushes first: where a refusal that
 * half-applies would show. */
static const char *const refusable[] = {
    "LPUSH k v v",    "RPUSH k v",      "RPUSH k v v v v", "LPUSHX k v",   "RPUSHX k v",
    "LINSERT k BEFORE v v", "LINSERT k AFTER v v", "LSET k i v", "SET k v", "APPEND k v",
    "SETRANGE k i v", "MSET k v k v",   "GETSET k v",      "SETNX k v",
};

#define GENERATE_OP_BYTES_MAX 32

static uint8_t template_byte(const char *name) {
    for (uint32_t id = 0; id < template_table.count; id++) {
        if (strcmp(templates[id], name) == 0) return (uint8_t)id;
    }
    ST_ASSERT(false); /* every refusable entry is a template */
    return 0;
}

static bool one_in(uint64_t *state, uint64_t n) { return prop_random(state) % n == 0; }

/* The bytes kvw_decode_op reads for one placeholder (k, v or i). */
static size_t placeholder_bytes(uint64_t *state, char kind, uint8_t *out) {
    uint8_t r = (uint8_t)prop_random(state);
    if (kind == 'k') { /* k0 and k1 mostly */
        out[0] = one_in(state, 4) ? r : (uint8_t)(r % 2);
        return 1;
    }
    if (kind == 'v') { /* value_size_max + 1 or value_size_max, two times in three */
        out[0] = one_in(state, 3) ? r : (uint8_t)(4 + r % 2);
        out[1] = (uint8_t)prop_random(state); /* the fill */
        return 2;
    }
    out[0] = r; /* an integer */
    return kind == 'i' ? 1 : 0;
}

/* One operation's bytes: its template (a refusable one three times in four, or any, when
 * `refusable_first`; else any template, each as likely), then what each placeholder reads. */
static size_t generate_op(uint64_t *state, bool refusable_first, uint8_t *out) {
    size_t refusable_count = sizeof refusable / sizeof refusable[0];
    if (!refusable_first) {
        out[0] = (uint8_t)(prop_random(state) % template_table.count);
    } else {
        out[0] = one_in(state, 4) ? (uint8_t)prop_random(state)
                                  : template_byte(refusable[prop_random(state) % refusable_count]);
    }
    size_t n = 1;
    uint32_t id = out[0] % template_table.id_space;
    if (id >= template_table.count) return n; /* unassigned: the runner repairs it */
    const char *t = templates[id];
    if (strcmp(t, "~clock") == 0) out[n++] = (uint8_t)prop_random(state);
    for (const char *w = t; *w != '\0' && *w != '~';) {
        size_t len = strcspn(w, " ");
        if (len == 1) n += placeholder_bytes(state, w[0], out + n);
        ST_ASSERT(n + 2 <= GENERATE_OP_BYTES_MAX);
        w += len + (w[len] == ' ');
    }
    return n;
}

static size_t generate(uint64_t *state, size_t bound, bool refusable_first, uint8_t *out) {
    if (bound == 0) return 0;
    size_t at = 0;
    out[at++] = (uint8_t)prop_random(state); /* the configuration */
    uint8_t op[GENERATE_OP_BYTES_MAX];
    for (;;) {
        size_t n = generate_op(state, refusable_first, op);
        if (at + n > bound) return at;
        memcpy(out + at, op, n);
        at += n;
    }
}

size_t kvw_generate(uint64_t *state, size_t bound, uint8_t *out) {
    return generate(state, bound, true, out);
}

size_t kvw_generate_any(uint64_t *state, size_t bound, uint8_t *out) {
    return generate(state, bound, false, out);
}

/* ---- the engine ---- */

static void *map_lazily(size_t bytes) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    ST_ASSERT(p != MAP_FAILED);
    return p;
}

/* Whether some template sends `name` ("get", or "config|get" as "CONFIG GET"). */
static bool template_sends(const char *name) {
    char words[64];
    size_t n = strlen(name);
    ST_ASSERT(n < sizeof words);
    for (size_t i = 0; i <= n; i++)
        words[i] = name[i] == '|' ? ' ' : (char)toupper((unsigned char)name[i]);
    for (size_t t = 0; t < sizeof templates / sizeof templates[0]; t++) {
        if (strncmp(templates[t], words, n) != 0) continue; /* its first n bytes exist */
        if (templates[t][n] == ' ' || templates[t][n] == 0) return true;
    }
    return false;
}

/* Every command and subcommand the engine offers is sent by some template: checked once,
 * so that the properties fail the day a command is added without one. */
static void check_every_command_sent(void) {
    static bool checked;
    if (checked) return;
    for (size_t f = 0; kv_families[f] != NULL; f++) {
        for (size_t i = 0; i < kv_families[f]->count; i++) {
            const kv_command *cmd = &kv_families[f]->commands[i];
            PROP_CHECK(cmd->subcommand_count > 0 || template_sends(cmd->name),
                       "the engine offers '%s', which no template sends", cmd->name);
            for (size_t k = 0; k < cmd->subcommand_count; k++) {
                PROP_CHECK(template_sends(cmd->subcommands[k].name),
                           "the engine offers '%s', which no template sends",
                           cmd->subcommands[k].name);
            }
        }
    }
    checked = true;
}

/* The mappings of the last case's engine: unmapped when the next case opens one. */
static struct {
    void *at;
    size_t bytes;
} mapped[8];
static size_t mapped_count;

static void *map_case(size_t bytes) {
    ST_ASSERT(mapped_count < sizeof mapped / sizeof mapped[0]);
    void *p = map_lazily(bytes);
    mapped[mapped_count].at = p;
    mapped[mapped_count++].bytes = bytes;
    return p;
}

void kvw_engine_open(kvw_engine *w, const kv_config *config) {
    check_every_command_sent();
    while (mapped_count > 0) {
        mapped_count--;
        ST_ASSERT(munmap(mapped[mapped_count].at, mapped[mapped_count].bytes) == 0);
    }
    w->config = *config;
    uint64_t chunks = kv_layout_chunk_count(config);
    ST_ASSERT(chunks > 0 && chunks <= UINT32_MAX);
    kv_store_params p = {.keys_max = config->keys_max,
                         .chunk_count = (uint32_t)chunks,
                         .chunk_size = (uint32_t)config->chunk_size};
    size_t store_bytes = kv_store_memory_bytes(p);
    void *store = map_lazily(store_bytes);
    w->reply_room_max = config->reply_size_max + KV_REPLY_ROOM_MIN_BYTES;
    w->reply = map_lazily(w->reply_room_max);
    kv_engine_init(&w->engine, &w->config, store, store_bytes, (uint32_t)chunks,
                   (siphash_key){.k0 = 0x0123456789abcdefu, .k1 = 0xfedcba9876543210u});
    /* LCS's scratch and the transactions' regions, as the server carves them */
    size_t lcs_bytes = kv_engine_lcs_scratch_bytes(config);
    kv_engine_give_lcs_scratch(&w->engine, map_case(lcs_bytes), lcs_bytes);
    kv_txn_layout t = kv_txn_layout_for(config);
    ST_ASSERT(!t.overflow);
    kv_engine_give_transactions(&w->engine, (kv_txn_memory){.state = map_case(t.state_bytes),
                                                            .queues = map_case(t.queue_bytes),
                                                            .watches = map_case(t.watch_bytes),
                                                            .index = map_case(t.index_bytes),
                                                            .argv = map_case(t.argv_bytes)});
    static char name[256];
    ST_ASSERT(config->client_name_size_max <= sizeof name);
    kv_engine_open_session(&w->engine, &w->session, name);
    w->now_ms = KVW_START_MS;
}

bool kvw_open_case(kvw_decoder *d, kvw_engine *w, const uint8_t *payload, size_t size) {
    d->c = cursor_make(payload, size);
    uint32_t id = prop_choice(&d->c, &kvw_config_table);
    if (id == CHOICE_REFUSED) return false;
    static kv_config config;
    PROP_CHECK(kvw_config_for(id, &config), "the matrix configuration %s is refused",
               choice_name(&kvw_config_table, id));
    kvw_engine_open(w, &config);
    d->config = &w->config;
    return true;
}

void kvw_command(kvw_engine *w, const resp_arg *argv, uint32_t argc) {
    /* The server's parser refuses such a request before the engine sees it (a protocol
     * error, then the connection closes): the engine is never given one (EXEC's queue
     * relies on it). */
    if (argc > w->config.command_args_max) {
        w->reply_len = 0;
        return;
    }
    size_t room = KV_REPLY_ROOM_MIN_BYTES;
    for (int attempt = 0; attempt < 2; attempt++) {
        resp_writer out;
        resp_writer_init(&out, w->reply, room);
        kv_exec r = kv_engine_execute(&w->engine, &w->session, argv, argc, w->now_ms, &out);
        if (r == KV_EXEC_DONE) {
            w->reply_len = out.len;
            return;
        }
        if (r == KV_EXEC_BLOCKED) {
            /* A blocking pop with nothing to pop, and no other client to push: it would
             * wait out its timeout and answer nil; it wrote and changed nothing. */
            PROP_CHECK(out.len == 0, "a blocked command wrote %zu bytes", out.len);
            w->session.block = (kv_block_request){0};
            w->reply_len = 0;
            return;
        }
        room = w->reply_room_max;
    }
    PROP_CHECK(false, "the engine asked for room twice, the second time with %zu bytes", room);
}

void kvw_run(kvw_engine *w, const kvw_op *op) {
    w->reply_len = 0;
    if (op->kind == KVW_CLOCK) {
        w->now_ms += op->clock_ms;
    } else if (op->kind == KVW_EXPIRE_CYCLE) {
        kv_engine_expire_cycle(&w->engine, w->now_ms, table_slots(&w->engine.store.index));
    } else {
        kvw_command(w, op->argv, op->argc);
    }
}

bool kvw_reply_is_error(const kvw_engine *w) { return w->reply_len > 0 && w->reply[0] == '-'; }

/* ---- snapshots ---- */

typedef struct sink {
    uint8_t *out;
    size_t size;
    size_t len;
} sink;

static void put(void *ctx, const uint8_t *bytes, size_t len) {
    sink *s = ctx;
    PROP_CHECK(s->len + len <= s->size, "the snapshot needs more than %zu bytes", s->size);
    memcpy(s->out + s->len, bytes, len);
    s->len += len;
}

static void put_u64(sink *s, uint64_t v) { put(s, (const uint8_t *)&v, sizeof v); }

static void put_chain(sink *s, const kv_store *st, uint32_t head, uint64_t offset, uint64_t n) {
    chunk_for_each_piece(&st->chunks, head, offset, n, put, s);
}

static void put_record(sink *s, const kv_store *st, uint32_t id) {
    const kv_record *r = kv_store_record(st, id);
    put_u64(s, id);
    put_u64(s, r->type);
    put_u64(s, (uint64_t)r->expire_at_ms);
    put_u64(s, kv_store_key_chunks(st, id));
    put_u64(s, r->value_chunks);
    put_u64(s, r->key_len);
    put_chain(s, st, r->key, 0, r->key_len);
    put_u64(s, r->value_len);
    if (r->type == KV_TYPE_STRING) {
        put_chain(s, st, r->value, 0, r->value_len);
        return;
    }
    uint32_t el = r->value;
    for (uint32_t k = 0; k < r->value_len; k++) {
        uint64_t offset = 0;
        uint32_t head = kv_store_element_data(st, el, &offset);
        uint32_t len = kv_store_element_len(st, el);
        put_u64(s, len);
        put_chain(s, st, head, offset, len);
        el = kv_store_element_next(st, el);
    }
}

/* The chunks held by records live and not expired at now; each written to s if given. */
static uint64_t live_records(const kvw_engine *w, sink *s) {
    const kv_store *st = &w->engine.store;
    uint64_t keys = 0;
    uint64_t chunks = 0;
    /* Record ids are stable (a pool index), so record order is an order no command that
     * changes nothing can change. */
    for (uint32_t id = 0; id < st->records.fresh; id++) {
        if (st->records.live[id] == 0) continue;
        if (kv_store_is_expired(st, id, w->now_ms)) continue;
        keys++;
        chunks += kv_store_key_chunks(st, id) + kv_store_record(st, id)->value_chunks;
        if (s != NULL) put_record(s, st, id);
    }
    if (s != NULL) {
        put_u64(s, keys);
        put_u64(s, chunks);
    }
    return chunks;
}

size_t kvw_snapshot(const kvw_engine *w, uint8_t *out, size_t out_size) {
    sink s = {.out = out, .size = out_size};
    (void)live_records(w, &s);
    return s.len;
}

uint64_t kvw_live_chunks(const kvw_engine *w) { return live_records(w, NULL); }
