/*
 * fuzz_list_skew: lists under skew. Two hot keys take most of the pushes while a few cold
 * keys hold small lists; the engine runs LPUSH/RPUSH(X), LPOP/RPOP, LSET, LTRIM, LREM,
 * LINSERT and DEL through kv_engine_execute, under the policy the input chooses, against a
 * simple model (an array of (letter, length) pairs per key, and the budget's arithmetic).
 *
 * After every operation: the reply equals the model's byte for byte (so -OOM and every
 * limit's error happen exactly when the model says); the chunks in use equal the model's
 * (no leak, no double free); the key the operation touched matches element by element,
 * and every other key's length, chunk count, head and tail match (a write through a
 * stale link into another key's chunks shows up there); the store's invariants hold.
 *
 * A drain-and-refill operation deletes every key, checks that every chunk came back, then
 * fills the store again to the brim: in the shared policy with the longest elements, then
 * one-chunk ones until no chunk is left (anything less is capacity lost to a leak or
 * fragmentation), in the
 * guaranteed policy every key to list_length_max elements of value_size_max, after which
 * the pool must be exactly full (its size is the limits' product). At the end of the
 * input every key is compared whole and the full self-check runs.
 *
 * Why a list model of its own beside kv_model's: this target's point is scale and skew
 * (lists of up to 200 elements, a store filled to the brim), and kv_model is a byte-exact
 * model of every command on a deliberately tiny world (KVM_LIST_MAX elements of at most
 * KVM_BYTES_MAX bytes, the whole state copied on every write for its all-or-nothing
 * commits). Holding 200-element lists there would copy ~200 KB per write in every KV
 * target. Here an element is a (letter, length) pair of two bytes and the accounting is
 * kept as keys change. The two models are written independently and cover the list
 * commands' replies both ways (kv_ops the exact bytes and errors on short lists, this one
 * the budget and the links on long ones); a difference between them in what they accept is
 * a difference one of the targets reports against the engine.
 *
 * Input: a configuration header, then operations (see decode_op); decoding never depends
 * on the state. Element contents are a function of (letter, length), so equal pairs are
 * equal elements and LREM, LINSERT's pivot and LPOS-like matching have something to find.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "alloc/reservation.h"
#include "harness/choice.h"
#include "harness/cursor.h"
#include "drivers/fuzz_target.h"
#include "kv/command.h"
#include "kv/engine.h"
#include "harness/kv_fuzz_engine.h"
#include "kv/layout.h"

#define NAMES_MAX              7 /* keys_max + 1 names: keys_max's error is reachable */
#define HOT_KEYS               2
#define KEY_BYTES              8 /* every name is exactly key_size_max bytes long */
#define SKEW_LIST_MAX          200
#define GUARANTEED_LIST_MAX    64
#define SKEW_VALUE_MAX         64
#define PUSH_ELEMENTS_MAX      8
#define REFILL_BATCH           32
#define ARGS_MAX               (2 + REFILL_BATCH)
#define CHUNK_BYTES            16
#define HEADER_BYTES           12
#define STORE_MEMORY_MAX_BYTES (512 * 1024)
#define REPLY_MAX_BYTES        (128 * 1024)

static const char *const names[NAMES_MAX] = {"hot:key0", "hot:key1", "cold:k02", "cold:k03",
                                             "cold:k04", "cold:k05", "cold:k06"};

/* ---- the input ---- */

typedef struct element {
    uint8_t letter; /* 0..7 */
    uint8_t len;    /* 0..value_size_max + 1 */
} element;

typedef enum op_kind {
    OP_PUSH,
    OP_POP,
    OP_LSET,
    OP_LTRIM,
    OP_LREM,
    OP_LINSERT,
    OP_DEL,
    OP_DRAIN_REFILL,
} op_kind;

/*
 * The input format (version 1). Every choice is an id from a numbered, append-only table
 * (harness/choice.h; an id past a table's entries refuses the input):
 *  - header: policy (policies, space 4); keys_max 2..6; value_size_max 4..64;
 *    list_length_max 1..200 (shared) or 1..64 (guaranteed); the budget, 1..2048 chunks;
 *  - each operation: its kind (operations, space 64: weighted by repetition, pushes half
 *    of them, drain-and-refill one id in 64), a byte of flags (bit 0 the head, bits 1-2
 *    both set an X push, bit 3 a pop count, bit 4 BEFORE, bit 5 a count of -1), the key
 *    (keys, space 32: the two hot keys fourteen ids of nineteen), then the kind's
 *    numbers and elements; an element is a length (lengths, space 32: around the chunk
 *    boundaries and value_size_max) and a letter 0..7.
 */
static const char *const policies[] = {"guaranteed", "shared"};
static const choice_table policy_table = CHOICE_TABLE_INIT(policies, 4);

static const char *const operations[] = {
    /* 0 */ "push", "push", "push", "push", "push", "push", "push", "push",
    /* 8 */ "push", "push", "push", "push", "push", "push", "push", "push",
    /* 16 */ "pop", "pop", "pop", "pop", "pop", "lset", "lset", "ltrim",
    /* 24 */ "ltrim", "lrem", "linsert", "linsert", "del", "push", "push", "push",
    /* 32 */ "drain-and-refill",
};
static const op_kind kind_of_id[] = {
    OP_PUSH,   OP_PUSH,  OP_PUSH,    OP_PUSH,    OP_PUSH, OP_PUSH, OP_PUSH, OP_PUSH,
    OP_PUSH,   OP_PUSH,  OP_PUSH,    OP_PUSH,    OP_PUSH, OP_PUSH, OP_PUSH, OP_PUSH,
    OP_POP,    OP_POP,   OP_POP,     OP_POP,     OP_POP,  OP_LSET, OP_LSET, OP_LTRIM,
    OP_LTRIM,  OP_LREM,  OP_LINSERT, OP_LINSERT, OP_DEL,  OP_PUSH, OP_PUSH, OP_PUSH,
    OP_DRAIN_REFILL,
};
_Static_assert(sizeof kind_of_id / sizeof kind_of_id[0] == sizeof operations / sizeof operations[0],
               "one kind per operation id");
static const choice_table operation_table = CHOICE_TABLE_INIT(operations, 64);

static const char *const keys[] = {
    "hot:key0", "hot:key1", "hot:key0", "hot:key1", "hot:key0", "hot:key1", "hot:key0",
    "hot:key1", "hot:key0", "hot:key1", "hot:key0", "hot:key1", "hot:key0", "hot:key1",
    "cold:k02", "cold:k03", "cold:k04", "cold:k05", "cold:k06",
};
static const uint8_t key_of_id[] = {0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 2, 3, 4, 5, 6};
_Static_assert(sizeof key_of_id == sizeof keys / sizeof keys[0], "one name index per key id");
static const choice_table key_table = CHOICE_TABLE_INIT(keys, 32);

static const char *const lengths[] = {"0",  "1",  "2",  "3",  "4",  "4",  "4",       "5",
                                      "5",  "8",  "17", "20", "33", "value_size_max - 1",
                                      "value_size_max", "value_size_max + 1"};
#define LENGTH_ID_LIMIT_MINUS_1 13
#define LENGTH_ID_LIMIT         14
#define LENGTH_ID_LIMIT_PLUS_1  15
static const choice_table length_table = CHOICE_TABLE_INIT(lengths, 32);

typedef struct op {
    op_kind kind;
    uint8_t key;
    bool at_head;       /* push, pop */
    bool only_existing; /* push: LPUSHX/RPUSHX */
    bool with_count;    /* pop */
    bool before;        /* linsert */
    int64_t a;          /* pop count, lset index, ltrim start, lrem count */
    int64_t b;          /* ltrim stop */
    uint32_t n;         /* elements pushed */
    element el[PUSH_ELEMENTS_MAX];
    element pivot;
} op;

typedef struct header {
    kv_config config;
    uint64_t chunks;
} header;

FUZZ_NO_COVERAGE static header decode_header(cursor *c) {
    header h;
    kv_config_defaults(&h.config);
    h.config.capacity_policy =
        choice_read(c, &policy_table) == 1 ? KV_POLICY_SHARED : KV_POLICY_GUARANTEED;
    h.config.keys_max = cursor_range(c, HOT_KEYS, NAMES_MAX - 1);
    h.config.key_size_max = KEY_BYTES;
    h.config.value_size_max = cursor_range(c, 4, SKEW_VALUE_MAX);
    /* The guaranteed pool is the limits' product, and a refill fills all of it: shorter
     * lists keep that affordable (the shared budget bounds the other policy's). */
    bool shared = h.config.capacity_policy == KV_POLICY_SHARED;
    h.config.list_length_max = cursor_range(c, 1, shared ? SKEW_LIST_MAX : GUARANTEED_LIST_MAX);
    h.config.chunk_size = CHUNK_BYTES;
    h.config.data_budget_bytes = CHUNK_BYTES * (uint64_t)cursor_range(c, 1, 2048);
    h.config.command_args_max = ARGS_MAX;
    char error[256];
    bool ok = kv_config_finalize(&h.config, error, sizeof error);
    FUZZ_CHECK(ok, "fuzz configuration rejected: %s", error);
    h.chunks = kv_layout_chunk_count(&h.config);
    return h;
}

/* Hot keys get seven pushes, pops and edits in eight (key_table repeats them). */
FUZZ_NO_COVERAGE static uint8_t decode_key(cursor *c) {
    uint32_t id = choice_read(c, &key_table);
    return id == CHOICE_REFUSED ? 0 : key_of_id[id];
}

/* Lengths around the chunk boundaries (4 + 12 = 16 fills one chunk), the limit, and once
 * in sixteen one past it. */
FUZZ_NO_COVERAGE static element decode_element(cursor *c, const header *h) {
    static const uint8_t lens[] = {0, 1, 2, 3, 4, 4, 4, 5, 5, 8, 17, 20, 33};
    uint32_t id = choice_read(c, &length_table);
    uint8_t letter = (uint8_t)cursor_range(c, 0, 7);
    uint32_t v = (uint32_t)h->config.value_size_max;
    uint32_t len = id < sizeof lens ? lens[id] : 0;
    if (id == LENGTH_ID_LIMIT_MINUS_1) len = v - 1;
    if (id == LENGTH_ID_LIMIT) len = v;
    if (id == LENGTH_ID_LIMIT_PLUS_1) len = v + 1;
    if (len > v + 1) len = v;
    return (element){.letter = letter, .len = (uint8_t)len};
}

FUZZ_NO_COVERAGE static op decode_op(cursor *c, const header *h) {
    op o = {0};
    uint32_t id = choice_read(c, &operation_table);
    uint8_t bits = cursor_u8(c);
    o.at_head = (bits & 1u) != 0;
    o.only_existing = (bits & 6u) == 6u; /* one push in four is an X push */
    o.with_count = (bits & 8u) != 0;
    o.before = (bits & 16u) != 0;
    o.kind = id == CHOICE_REFUSED ? OP_DEL : kind_of_id[id];
    if (o.kind == OP_DRAIN_REFILL) return o;
    o.key = decode_key(c);
    switch (o.kind) {
    case OP_PUSH:
        o.n = cursor_range(c, 1, PUSH_ELEMENTS_MAX);
        for (uint32_t i = 0; i < o.n; i++)
            o.el[i] = decode_element(c, h);
        break;
    case OP_POP:
        o.a = cursor_range(c, 0, 24) - (int64_t)((bits & 32u) != 0 ? 1 : 0); /* -1: error */
        break;
    case OP_LSET:
        o.a = (int8_t)cursor_u8(c);
        o.el[0] = decode_element(c, h);
        break;
    case OP_LTRIM:
        o.a = (int64_t)cursor_range(c, 0, 8) - 4;
        o.b = (int64_t)cursor_range(c, 0, 11) - 8;
        break;
    case OP_LREM:
        o.a = (int64_t)cursor_range(c, 0, 8) - 4;
        o.el[0] = decode_element(c, h);
        break;
    case OP_LINSERT:
        o.pivot = decode_element(c, h);
        o.el[0] = decode_element(c, h);
        break;
    case OP_DEL:
    case OP_DRAIN_REFILL: break;
    }
    return o;
}

FUZZ_NO_COVERAGE static void print_element(FILE *out, element e) {
    fprintf(out, " %c%u", 'a' + e.letter, e.len);
}

FUZZ_NO_COVERAGE static void describe_op(FILE *out, const op *o) {
    const char *key = names[o->key];
    switch (o->kind) {
    case OP_PUSH:
        fprintf(out, "%s%s %s", o->at_head ? "LPUSH" : "RPUSH", o->only_existing ? "X" : "", key);
        for (uint32_t i = 0; i < o->n; i++)
            print_element(out, o->el[i]);
        break;
    case OP_POP:
        fprintf(out, "%s %s", o->at_head ? "LPOP" : "RPOP", key);
        if (o->with_count) fprintf(out, " %" PRId64, o->a);
        break;
    case OP_LSET:
        fprintf(out, "LSET %s %" PRId64, key, o->a);
        print_element(out, o->el[0]);
        break;
    case OP_LTRIM: fprintf(out, "LTRIM %s %" PRId64 " %" PRId64, key, o->a, o->b); break;
    case OP_LREM:
        fprintf(out, "LREM %s %" PRId64, key, o->a);
        print_element(out, o->el[0]);
        break;
    case OP_LINSERT:
        fprintf(out, "LINSERT %s %s", key, o->before ? "BEFORE" : "AFTER");
        print_element(out, o->pivot);
        print_element(out, o->el[0]);
        break;
    case OP_DEL: fprintf(out, "DEL %s", key); break;
    case OP_DRAIN_REFILL: fprintf(out, "drain every key, then refill to the brim"); break;
    }
}

FUZZ_NO_COVERAGE static void describe(const uint8_t *data, size_t size, FILE *out) {
    cursor c = cursor_make(data, size);
    header h = decode_header(&c);
    fprintf(out,
            "policy=%s keys_max=%" PRIu64 " key_size_max=%d value_size_max=%" PRIu64
            " list_length_max=%" PRIu64 " chunks=%" PRIu64 " (of %d bytes); elements are "
            "<letter><length>\n",
            h.config.capacity_policy == KV_POLICY_SHARED ? "shared" : "guaranteed",
            h.config.keys_max, KEY_BYTES, h.config.value_size_max, h.config.list_length_max,
            h.chunks, CHUNK_BYTES);
    for (size_t i = 0; !cursor_empty(&c); i++) {
        op o = decode_op(&c, &h);
        if (c.refused) {
            fprintf(out, "#%zu refused: unassigned id %u (the input is never run)\n", i,
                    c.refused_id);
            return;
        }
        fprintf(out, "#%zu ", i);
        describe_op(out, &o);
        fputc('\n', out);
    }
}


/* ---- element bytes: a function of (letter, length) ---- */

FUZZ_NO_COVERAGE static uint8_t element_byte(element e, uint32_t i) {
    return (uint8_t)(e.letter * 37u + e.len * 11u + i * 7u);
}

FUZZ_NO_COVERAGE static void element_fill(element e, uint8_t *out) {
    for (uint32_t i = 0; i < e.len; i++)
        out[i] = element_byte(e, i);
}

/* Equal bytes: the letter shows from the first byte on, so empty elements are all equal. */
FUZZ_NO_COVERAGE static bool element_same(element a, element b) {
    return a.len == b.len && (a.len == 0 || a.letter == b.letter);
}

/* ---- the model ---- */

typedef struct model_key {
    bool live;
    uint32_t len;
    uint64_t value_chunks; /* the elements' chunks, recounted after every change */
    element el[SKEW_LIST_MAX]; /* index 0: the head */
} model_key;

typedef struct model {
    const kv_config *config;
    uint64_t budget;
    uint64_t used; /* chunks: every live key's and its elements', kept as keys change */
    model_key keys[NAMES_MAX];
    /* the expected reply */
    uint8_t reply[REPLY_MAX_BYTES];
    size_t reply_len;
} model;

static model m;

FUZZ_NO_COVERAGE static void expect_raw(const void *bytes, size_t len) {
    FUZZ_CHECK(m.reply_len + len <= sizeof m.reply, "the model's reply overflowed");
    memcpy(m.reply + m.reply_len, bytes, len);
    m.reply_len += len;
}

FUZZ_NO_COVERAGE static void expect_str(const char *text) { expect_raw(text, strlen(text)); }

/* "<prefix><v>\r\n": an integer reply or an array or bulk header. */
FUZZ_NO_COVERAGE static void expect_num(char prefix, int64_t v) {
    char text[32];
    int n = snprintf(text, sizeof text, "%c%" PRId64 "\r\n", prefix, v);
    expect_raw(text, (size_t)n);
}

/* A data limit's error, as the engine words it. */
FUZZ_NO_COVERAGE static void expect_limit(const char *what, const char *name, uint64_t v,
                                          const char *unit) {
    char text[160];
    int n =
        snprintf(text, sizeof text, "-ERR %s exceeds %s (%" PRIu64 " %s)\r\n", what, name, v, unit);
    expect_raw(text, (size_t)n);
}

FUZZ_NO_COVERAGE static void expect_element(element e) {
    uint8_t bytes[SKEW_VALUE_MAX + 1];
    element_fill(e, bytes);
    expect_num('$', e.len);
    expect_raw(bytes, e.len);
    expect_raw("\r\n", 2);
}

FUZZ_NO_COVERAGE static uint64_t element_chunks(uint32_t len) {
    return (len + HEADER_BYTES + CHUNK_BYTES - 1) / CHUNK_BYTES;
}

FUZZ_NO_COVERAGE static uint64_t key_chunks(void) {
    return (KEY_BYTES + CHUNK_BYTES - 1) / CHUNK_BYTES;
}

FUZZ_NO_COVERAGE static uint64_t model_value_chunks(const model_key *k) {
    uint64_t n = 0;
    for (uint32_t i = 0; i < k->len; i++)
        n += element_chunks(k->el[i].len);
    return n;
}

/* The documented accounting, from scratch: O(every element). */
FUZZ_NO_COVERAGE static uint64_t model_used_from_scratch(void) {
    uint64_t used = 0;
    for (uint32_t i = 0; i < NAMES_MAX; i++) {
        if (m.keys[i].live) used += key_chunks() + model_value_chunks(&m.keys[i]);
    }
    return used;
}

/* The same, as kept up to date by model_recount after every change: O(1). */
FUZZ_NO_COVERAGE static uint64_t model_used(void) { return m.used; }

/* After a key changed: its chunks counted again, O(its length), and the total adjusted. */
FUZZ_NO_COVERAGE static void model_recount(uint32_t key) {
    model_key *k = &m.keys[key];
    uint64_t before = k->value_chunks;
    uint64_t was_live = before != UINT64_MAX;
    m.used -= was_live ? key_chunks() + before : 0;
    k->value_chunks = k->live ? model_value_chunks(k) : UINT64_MAX;
    m.used += k->live ? key_chunks() + k->value_chunks : 0;
}

FUZZ_NO_COVERAGE static uint64_t model_live_keys(void) {
    uint64_t n = 0;
    for (uint32_t i = 0; i < NAMES_MAX; i++)
        n += m.keys[i].live;
    return n;
}

/* True iff `more` chunks fit; otherwise expects -OOM. The guaranteed policy never runs out:
 * the limits (checked first) bound every key. */
FUZZ_NO_COVERAGE static bool model_fits(uint64_t more) {
    if (model_used() + more <= m.budget) return true;
    FUZZ_CHECK(m.config->capacity_policy == KV_POLICY_SHARED,
               "the model ran out of chunks in the guaranteed policy: %" PRIu64 " used + %" PRIu64
               " > %" PRIu64,
               model_used(), more, m.budget);
    expect_str("-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    return false;
}

FUZZ_NO_COVERAGE static bool model_value_ok(uint32_t len) {
    if (len <= m.config->value_size_max) return true;
    expect_limit("value", "value_size_max", m.config->value_size_max, "bytes");
    return false;
}

FUZZ_NO_COVERAGE static bool model_length_ok(uint64_t len) {
    if (len <= m.config->list_length_max) return true;
    expect_limit("list", "list_length_max", m.config->list_length_max, "elements");
    return false;
}

FUZZ_NO_COVERAGE static void model_insert(model_key *k, uint32_t at, element e) {
    for (uint32_t i = k->len; i > at; i--)
        k->el[i] = k->el[i - 1];
    k->el[at] = e;
    k->len++;
}

FUZZ_NO_COVERAGE static void model_remove(model_key *k, uint32_t at) {
    for (uint32_t i = at; i + 1 < k->len; i++)
        k->el[i] = k->el[i + 1];
    k->len--;
    if (k->len == 0) k->live = false;
}

FUZZ_NO_COVERAGE static void model_push(const op *o) {
    model_key *k = &m.keys[o->key];
    if (!k->live && o->only_existing) {
        expect_num(':', 0);
        return;
    }
    uint64_t need = k->live ? 0 : key_chunks();
    for (uint32_t i = 0; i < o->n; i++) {
        if (!model_value_ok(o->el[i].len)) return;
        need += element_chunks(o->el[i].len);
    }
    if (!model_length_ok(k->len + o->n)) return;
    if (!k->live && model_live_keys() >= m.config->keys_max) {
        expect_limit("key count", "keys_max", m.config->keys_max, "keys");
        return;
    }
    if (!model_fits(need)) return;
    k->live = true;
    for (uint32_t i = 0; i < o->n; i++)
        model_insert(k, o->at_head ? 0 : k->len, o->el[i]);
    expect_num(':', k->len);
}

FUZZ_NO_COVERAGE static void model_pop(const op *o) {
    model_key *k = &m.keys[o->key];
    if (o->with_count && o->a < 0) {
        expect_str("-ERR value is out of range, must be positive\r\n");
        return;
    }
    if (!k->live) {
        expect_str(o->with_count ? "*-1\r\n" : "$-1\r\n");
        return;
    }
    int64_t want = o->with_count ? o->a : 1;
    uint32_t n = want < (int64_t)k->len ? (uint32_t)want : k->len;
    if (o->with_count) expect_num('*', n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t at = o->at_head ? 0 : k->len - 1;
        expect_element(k->el[at]);
        model_remove(k, at);
    }
}

FUZZ_NO_COVERAGE static void model_lset(const op *o) {
    model_key *k = &m.keys[o->key];
    if (!k->live) {
        expect_str("-ERR no such key\r\n");
        return;
    }
    int64_t at = o->a < 0 ? o->a + k->len : o->a;
    if (at < 0 || at >= (int64_t)k->len) {
        expect_str("-ERR index out of range\r\n");
        return;
    }
    if (!model_value_ok(o->el[0].len)) return;
    uint64_t old = element_chunks(k->el[at].len);
    uint64_t new = element_chunks(o->el[0].len);
    if (!model_fits(new > old ? new - old : 0)) return;
    k->el[at] = o->el[0];
    expect_str("+OK\r\n");
}

FUZZ_NO_COVERAGE static void model_ltrim(const op *o) {
    model_key *k = &m.keys[o->key];
    expect_str("+OK\r\n");
    if (!k->live) return;
    int64_t len = k->len;
    int64_t start = o->a < 0 ? o->a + len : o->a;
    int64_t stop = o->b < 0 ? o->b + len : o->b;
    if (start < 0) start = 0;
    if (stop >= len) stop = len - 1;
    uint32_t kept = 0;
    for (int64_t i = start; i <= stop; i++)
        k->el[kept++] = k->el[i];
    k->len = kept;
    if (kept == 0) k->live = false;
}

FUZZ_NO_COVERAGE static void model_lrem(const op *o) {
    model_key *k = &m.keys[o->key];
    if (!k->live) {
        expect_num(':', 0);
        return;
    }
    int64_t limit = o->a < 0 ? -o->a : o->a; /* 0: all */
    int64_t removed = 0;
    if (o->a >= 0) {
        for (uint32_t i = 0; i < k->len && (limit == 0 || removed < limit);) {
            if (element_same(k->el[i], o->el[0])) {
                model_remove(k, i);
                removed++;
            } else {
                i++;
            }
        }
    } else {
        for (uint32_t i = k->len; i-- > 0 && removed < limit;) {
            if (element_same(k->el[i], o->el[0])) {
                model_remove(k, i);
                removed++;
            }
        }
    }
    expect_num(':', removed);
}

FUZZ_NO_COVERAGE static void model_linsert(const op *o) {
    model_key *k = &m.keys[o->key];
    if (!k->live) {
        expect_num(':', 0);
        return;
    }
    uint32_t at = 0;
    while (at < k->len && !element_same(k->el[at], o->pivot))
        at++;
    if (at == k->len) {
        expect_num(':', -1);
        return;
    }
    if (!model_value_ok(o->el[0].len) || !model_length_ok(k->len + 1)) return;
    if (!model_fits(element_chunks(o->el[0].len))) return;
    model_insert(k, o->before ? at : at + 1, o->el[0]);
    expect_num(':', k->len);
}

FUZZ_NO_COVERAGE static void model_del(const op *o) {
    model_key *k = &m.keys[o->key];
    expect_num(':', k->live ? 1 : 0);
    k->live = false;
    k->len = 0;
}

FUZZ_NO_COVERAGE static void model_run(const op *o) {
    m.reply_len = 0;
    switch (o->kind) {
    case OP_PUSH: model_push(o); break;
    case OP_POP: model_pop(o); break;
    case OP_LSET: model_lset(o); break;
    case OP_LTRIM: model_ltrim(o); break;
    case OP_LREM: model_lrem(o); break;
    case OP_LINSERT: model_linsert(o); break;
    case OP_DEL: model_del(o); break;
    case OP_DRAIN_REFILL: FUZZ_CHECK(false, "drain-and-refill is not one command"); break;
    }
    model_recount(o->key);
}

/* ---- the engine side ---- */

static kv_fuzz_engine fe = {.map_bytes = STORE_MEMORY_MAX_BYTES};
static kv_config config;
static uint8_t reply[REPLY_MAX_BYTES];
static size_t reply_len;

/* Argument storage for one command. */
static resp_arg argv[ARGS_MAX];
static uint32_t argc;
static uint8_t arg_bytes[ARGS_MAX][SKEW_VALUE_MAX + 24];

FUZZ_NO_COVERAGE static void arg_text(const char *text) {
    FUZZ_CHECK(argc < ARGS_MAX, "too many arguments");
    size_t n = strlen(text);
    memcpy(arg_bytes[argc], text, n);
    argv[argc] = (resp_arg){.ptr = arg_bytes[argc], .len = n};
    argc++;
}

FUZZ_NO_COVERAGE static void arg_int(int64_t v) {
    char text[24];
    snprintf(text, sizeof text, "%" PRId64, v);
    arg_text(text);
}

FUZZ_NO_COVERAGE static void arg_element(element e) {
    FUZZ_CHECK(argc < ARGS_MAX, "too many arguments");
    element_fill(e, arg_bytes[argc]);
    argv[argc] = (resp_arg){.ptr = arg_bytes[argc], .len = e.len};
    argc++;
}

/* The command an operation sends. */
FUZZ_NO_COVERAGE static void build_command(const op *o) {
    static const char *const pushes[4] = {"RPUSH", "LPUSH", "RPUSHX", "LPUSHX"};
    argc = 0;
    const char *key = names[o->key];
    switch (o->kind) {
    case OP_PUSH:
        arg_text(pushes[(o->only_existing ? 2 : 0) + (o->at_head ? 1 : 0)]);
        arg_text(key);
        for (uint32_t i = 0; i < o->n; i++)
            arg_element(o->el[i]);
        break;
    case OP_POP:
        arg_text(o->at_head ? "LPOP" : "RPOP");
        arg_text(key);
        if (o->with_count) arg_int(o->a);
        break;
    case OP_LSET:
        arg_text("LSET");
        arg_text(key);
        arg_int(o->a);
        arg_element(o->el[0]);
        break;
    case OP_LTRIM:
        arg_text("LTRIM");
        arg_text(key);
        arg_int(o->a);
        arg_int(o->b);
        break;
    case OP_LREM:
        arg_text("LREM");
        arg_text(key);
        arg_int(o->a);
        arg_element(o->el[0]);
        break;
    case OP_LINSERT:
        arg_text("LINSERT");
        arg_text(key);
        arg_text(o->before ? "BEFORE" : "AFTER");
        arg_element(o->pivot);
        arg_element(o->el[0]);
        break;
    case OP_DEL:
        arg_text("DEL");
        arg_text(key);
        break;
    case OP_DRAIN_REFILL: FUZZ_CHECK(false, "drain-and-refill is not one command"); break;
    }
}

/* Runs argv on the engine as the server would (harness/kv_fuzz_engine.h). */
FUZZ_NO_COVERAGE static void run_engine(void) {
    reply_len = kv_fuzz_engine_run(&fe, argv, argc, 0, reply, sizeof reply);
}

FUZZ_NO_COVERAGE static bool is_oom(const uint8_t *r, size_t len) {
    return len >= 4 && memcmp(r, "-OOM", 4) == 0;
}

FUZZ_NO_COVERAGE static void compare_reply(void) {
    bool engine_oom = is_oom(reply, reply_len);
    bool model_oom = is_oom(m.reply, m.reply_len);
    if (engine_oom != model_oom) {
        FUZZ_CHECK(engine_oom == model_oom,
                   "-OOM: the engine %s, the model %s; engine chunks free %u, model %" PRIu64,
                   engine_oom ? "answered it" : "did not", model_oom ? "did" : "did not",
                   chunk_store_free(&fe.engine.store.chunks), m.budget - model_used());
    }
    kv_fuzz_compare_reply(reply, reply_len, m.reply, m.reply_len);
}

/* ---- comparing the keys ---- */

FUZZ_NO_COVERAGE static bool engine_element_is(uint32_t e, element want) {
    uint8_t bytes[SKEW_VALUE_MAX + 1];
    element_fill(want, bytes);
    return kv_store_element_equals(&fe.engine.store, e, bytes, want.len);
}

/* The key's record, or KV_RECORD_NONE (nothing here expires: no TTLs are set). */
FUZZ_NO_COVERAGE static uint32_t engine_record(uint32_t key) {
    return kv_store_find_quiet(&fe.engine.store, (const uint8_t *)names[key], KEY_BYTES, 0);
}

/* Length, chunk count, head and tail: O(1) per key, so every key is checked every time. */
FUZZ_NO_COVERAGE static void check_key_cheaply(uint32_t key) {
    const model_key *k = &m.keys[key];
    uint32_t id = engine_record(key);
    FUZZ_CHECK((id != KV_RECORD_NONE) == k->live, "key %s: engine %s, model %s", names[key],
               id != KV_RECORD_NONE ? "has it" : "does not", k->live ? "does" : "does not");
    if (!k->live) return;
    const kv_record *r = kv_store_record(&fe.engine.store, id);
    FUZZ_CHECK(r->type == KV_TYPE_LIST, "key %s is not a list", names[key]);
    FUZZ_CHECK(r->value_len == k->len, "key %s: length %u, model %u", names[key], r->value_len,
               k->len);
    FUZZ_CHECK(r->value_chunks == model_value_chunks(k), "key %s: %u value chunks, model %" PRIu64,
               names[key], r->value_chunks, model_value_chunks(k));
    FUZZ_CHECK(engine_element_is(r->value, k->el[0]), "key %s: head element differs", names[key]);
    FUZZ_CHECK(engine_element_is(r->list_tail, k->el[k->len - 1]), "key %s: tail element differs",
               names[key]);
}

/* Every element, both ways: O(length). */
FUZZ_NO_COVERAGE static void check_key_fully(uint32_t key) {
    check_key_cheaply(key);
    const model_key *k = &m.keys[key];
    if (!k->live) return;
    const kv_record *r = kv_store_record(&fe.engine.store, engine_record(key));
    uint32_t e = r->value;
    uint32_t prev = CHUNK_NONE;
    for (uint32_t i = 0; i < k->len; i++) {
        FUZZ_CHECK(e != CHUNK_NONE, "key %s ends after %u of %u elements", names[key], i, k->len);
        FUZZ_CHECK(kv_store_element_prev(&fe.engine.store, e) == prev,
                   "key %s: element %u's back link is wrong", names[key], i);
        FUZZ_CHECK(engine_element_is(e, k->el[i]), "key %s: element %u differs", names[key], i);
        prev = e;
        e = kv_store_element_next(&fe.engine.store, e);
    }
    FUZZ_CHECK(e == CHUNK_NONE, "key %s has more than %u elements", names[key], k->len);
    FUZZ_CHECK(r->list_tail == prev, "key %s: the tail is not the last element", names[key]);
}

/* The n elements at one end, walking inward: content and links. O(n). */
FUZZ_NO_COVERAGE static void check_end(uint32_t key, bool at_head, uint32_t n) {
    const model_key *k = &m.keys[key];
    if (!k->live) return;
    const kv_record *r = kv_store_record(&fe.engine.store, engine_record(key));
    uint32_t e = at_head ? r->value : r->list_tail;
    uint32_t outer = CHUNK_NONE;
    for (uint32_t i = 0; i < n && i < k->len; i++) {
        uint32_t at = at_head ? i : k->len - 1 - i;
        FUZZ_CHECK(e != CHUNK_NONE, "key %s ends after %u of %u elements", names[key], i, k->len);
        uint32_t back = at_head ? kv_store_element_prev(&fe.engine.store, e)
                                : kv_store_element_next(&fe.engine.store, e);
        FUZZ_CHECK(back == outer, "key %s: element %u's outward link is wrong", names[key], at);
        FUZZ_CHECK(engine_element_is(e, k->el[at]), "key %s: element %u differs", names[key], at);
        outer = e;
        e = at_head ? kv_store_element_next(&fe.engine.store, e)
                    : kv_store_element_prev(&fe.engine.store, e);
    }
}

/* Counters and the model's accounting (kept incrementally; recounted from scratch in
 * check_every_key), the store's invariants. */
FUZZ_NO_COVERAGE static void check_counters(void) {
    FUZZ_CHECK(kv_engine_invariants_hold(&fe.engine), "kv_engine_invariants_hold() is false");
    uint64_t used = chunk_store_used(&fe.engine.store.chunks);
    FUZZ_CHECK(used == model_used(),
               "chunks used: engine %" PRIu64 ", model %" PRIu64 " (a leak or a double free)", used,
               model_used());
    FUZZ_CHECK(fe.engine.store.keys == model_live_keys(), "keys: engine %" PRIu64 ", model %" PRIu64,
               fe.engine.store.keys, model_live_keys());
}

/* Every key cheaply (a stray write into another key's chunks shows there), and the
 * model's running total against its accounting from scratch. O(keys + elements). */
FUZZ_NO_COVERAGE static void check_every_key(void) {
    FUZZ_CHECK(model_used() == model_used_from_scratch(),
               "the model's running total %" PRIu64 " is not its accounting %" PRIu64,
               model_used(), model_used_from_scratch());
    for (uint32_t key = 0; key < NAMES_MAX; key++)
        check_key_cheaply(key);
}

/* Operations between two checks of every key: a stray write into a key the operation did
 * not touch is caught within this many operations (and at the end of the input). */
#define EVERY_KEY_PERIOD_OPS 8

static uint32_t ops_since_every_key;

/*
 * After each operation, what it could have changed: the counters and the accounting; the
 * touched key cheaply (length, chunks, head, tail) and as far as the operation reached (a
 * push: the elements it added; an edit inside: all of it); every EVERY_KEY_PERIOD_OPS
 * operations every key. Whole lists are compared at the end of the input.
 */
FUZZ_NO_COVERAGE static void check_after(const op *o) {
    check_counters();
    check_key_cheaply(o->key);
    if (++ops_since_every_key == EVERY_KEY_PERIOD_OPS) {
        check_every_key();
        ops_since_every_key = 0;
    }
    if (o->kind == OP_PUSH) check_end(o->key, o->at_head, o->n);
    if (o->kind == OP_LSET || o->kind == OP_LREM || o->kind == OP_LINSERT) check_key_fully(o->key);
}

FUZZ_NO_COVERAGE static void run_op(const op *o) {
    build_command(o);
    run_engine();
    model_run(o);
    compare_reply();
    check_after(o);
}

/* ---- drain and refill ---- */

/* Pushes n copies of e onto key's tail through the engine and the model; both must
 * accept. */
FUZZ_NO_COVERAGE static void refill_push(uint8_t key, element e, uint32_t n) {
    op o = {.kind = OP_PUSH, .key = key, .n = 0}; /* RPUSH key, then the n elements */
    build_command(&o);
    for (uint32_t i = 0; i < n; i++)
        arg_element(e);
    run_engine();
    m.reply_len = 0;
    model_key *k = &m.keys[key];
    FUZZ_CHECK(model_fits((k->live ? 0 : key_chunks()) + n * element_chunks(e.len)),
               "refill: the model has no room for what it planned");
    k->live = true;
    for (uint32_t i = 0; i < n; i++)
        model_insert(k, k->len, e);
    model_recount(key);
    expect_num(':', k->len);
    compare_reply();
}

/* How many elements of `cost` chunks key can still take (key_cost for a new key). */
FUZZ_NO_COVERAGE static uint32_t refill_room(uint8_t key, uint64_t cost) {
    const model_key *k = &m.keys[key];
    uint64_t free = m.budget - model_used();
    uint64_t key_cost = k->live ? 0 : key_chunks();
    if (free <= key_cost) return 0;
    uint64_t by_chunks = (free - key_cost) / cost;
    uint64_t by_length = m.config->list_length_max - k->len;
    uint64_t n = by_chunks < by_length ? by_chunks : by_length;
    return (uint32_t)(n < REFILL_BATCH ? n : REFILL_BATCH);
}

/*
 * Deletes every key (all chunks must come back), then fills the store to the brim. Shared:
 * into the keys in turn, elements of value_size_max while they fit, then one-chunk
 * elements until no key can take one more, which must
 * leave no chunk free unless every key is full. Guaranteed: every key to list_length_max
 * elements of value_size_max, which must leave the pool exactly full.
 */
FUZZ_NO_COVERAGE static void drain_and_refill(void) {
    for (uint8_t key = 0; key < NAMES_MAX; key++) {
        op del = {.kind = OP_DEL, .key = key};
        build_command(&del);
        run_engine();
        model_run(&del);
        compare_reply();
    }
    check_counters();
    FUZZ_CHECK(chunk_store_used(&fe.engine.store.chunks) == 0,
               "after deleting every key %u chunks are still in use (leaked)",
               chunk_store_used(&fe.engine.store.chunks));
    bool shared = config.capacity_policy == KV_POLICY_SHARED;
    element e = {.letter = 0, .len = shared ? 4 : (uint8_t)config.value_size_max};
    uint64_t cost = element_chunks(e.len);
    bool every_key_full = true;
    uint64_t cheapest = UINT64_MAX; /* chunks the cheapest push that the limits allow needs */
    /* The longest elements first (fewer commands for the same chunks), then one-chunk ones
     * to the brim. */
    element big = {.letter = 1, .len = (uint8_t)config.value_size_max};
    uint64_t big_cost = element_chunks(big.len);
    for (uint8_t key = 0; key < config.keys_max; key++) {
        for (uint32_t n = refill_room(key, big_cost); big_cost > cost && n > 0;
             n = refill_room(key, big_cost))
            refill_push(key, big, n);
        for (uint32_t n = refill_room(key, cost); n > 0; n = refill_room(key, cost))
            refill_push(key, e, n);
        const model_key *k = &m.keys[key];
        if (k->len == config.list_length_max) continue;
        every_key_full = false;
        uint64_t need = (k->live ? 0 : key_chunks()) + cost;
        if (need < cheapest) cheapest = need;
    }
    /* The refill's pushes were checked by their replies; the keys all at once here. */
    check_counters();
    check_every_key();
    uint32_t free = chunk_store_free(&fe.engine.store.chunks);
    if (shared) {
        FUZZ_CHECK(free < cheapest,
                   "refill: %u chunks free, and a push of %" PRIu64 " was never tried", free,
                   cheapest);
        /* At the brim one more element must be refused (-OOM, or the length limit). */
        op one = {.kind = OP_PUSH, .key = 0, .n = 1, .el = {e}};
        run_op(&one);
    } else {
        FUZZ_CHECK(every_key_full, "refill: a key could not reach list_length_max");
        FUZZ_CHECK(free == 0, "refill: the guaranteed pool has %u chunks free when full", free);
    }
}

/* ---- the run ---- */

FUZZ_NO_COVERAGE static void setup(const header *h) {
    config = h->config;
    kv_fuzz_engine_open(&fe, &config, (uint32_t)h->chunks);
    memset(m.keys, 0, sizeof m.keys);
    for (uint32_t key = 0; key < NAMES_MAX; key++)
        m.keys[key].value_chunks = UINT64_MAX; /* not live */
    m.used = 0;
    m.config = &config;
    m.budget = h->chunks;
    ops_since_every_key = 0;
}

#define OPS_MAX 1024 /* more than any input the options allow can hold */
static op ops[OPS_MAX];

static int run_input(const uint8_t *data, size_t size) {
    cursor c = cursor_make(data, size);
    header h = decode_header(&c);
    /* Decoded whole first: an input naming an unassigned id runs nothing (-1). */
    size_t count = 0;
    for (; !cursor_empty(&c) && !c.refused && count < OPS_MAX; count++)
        ops[count] = decode_op(&c, &h);
    if (c.refused || !cursor_empty(&c)) return -1;
    setup(&h);
    for (size_t i = 0; i < count; i++) {
        fuzz_set_op(i);
        if (ops[i].kind == OP_DRAIN_REFILL) {
            drain_and_refill();
        } else {
            run_op(&ops[i]);
        }
    }
    FUZZ_CHECK(kv_store_invariants_hold_full(&fe.engine.store),
               "kv_store_invariants_hold_full() is false");
    check_every_key();
    for (uint32_t key = 0; key < NAMES_MAX; key++)
        check_key_fully(key);
    return 0;
}

const fuzz_target_info fuzz_target = {
    .name = "list_skew", .format_version = 1, .run = run_input, .describe = describe};
