/*
 * fuzz_rehash: the key index (kv/table.h) under insert/delete churn that piles tombstones
 * and forces rehashes in place, against a model that is a plain set of keys.
 *
 * Input: a header (live_max 1..64, so 8..128 slots; a hash mode: random, few homes, runs
 * of adjacent homes, or groups of keys sharing a whole hash; a seed), then operations on
 * a universe of 256 keys (a key is its record id): insert, remove, find, fill (insert
 * keys until full), drain (remove a run of keys), an explicit rehash, and SCAN steps.
 *
 * After every operation:
 *  - the set: the slots hold exactly the model's keys, each once; an inserted key is then
 *    found and a removed one is not, remove and find answer as the model says, and after
 *    a rehash every key is found again;
 *  - the counters, predicted by the model: a successful remove adds a tombstone, and
 *    rehashes when tombstones pass a quarter of the slots (then none are left); an insert
 *    takes the first free slot of its probe run, and removes a tombstone iff that slot held
 *    one; an explicit rehash leaves none. rehashes counts exactly those rehashes;
 *  - table_invariants_hold() (counts match the slots, every entry reachable from its home,
 *    tombstones at most a quarter of the slots);
 *  - the probe bound, after every rehash: the table must be exactly as good as a table
 *    freshly built from the same keys. Which slots linear probing occupies depends only on
 *    the keys' home slots, not on the order they were inserted in (a slot x is empty iff
 *    for every k >= 0 at most k keys have their home in the k + 1 slots ending at x), and
 *    so does the total displacement (the keys passing over a slot are those homed at or
 *    before it in its run minus the slots up to it). So after a rehash the occupied slots
 *    must equal those of a fresh table, hence every lookup-miss probe (table_probe_length
 *    from every home) equals the fresh table's, and the total of the entries' probe
 *    lengths equals the fresh table's. Between rehashes the cost of tombstones is bounded
 *    by the invariants: at most slots/4 tombstones with at most slots/2 live entries, so a
 *    quarter of the slots stay empty.
 *  - SCAN (table_scan, a few homes per step, other operations in between): a key present
 *    after every operation of an iteration is reported exactly once; a key is never
 *    reported twice in one iteration, and only while present.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "harness/choice.h"
#include "harness/cursor.h"
#include "drivers/fuzz_target.h"
#include "kv/table.h"

#define LIVE_MAX_MAX 64
#define SLOTS_MAX    128
#define KEY_COUNT    256

/* ---- decoding ---- */

typedef enum hash_mode {
    HASH_RANDOM = 0,    /* splitmix64: homes spread as a good hash would */
    HASH_FEW_HOMES = 1, /* homes among `spread` slots: long shared runs */
    HASH_ADJACENT = 2,  /* key k homes at slot k: runs that merge as they fill */
    HASH_SHARED = 3,    /* groups of four keys share the whole 64-bit hash */
} hash_mode;

typedef struct header {
    uint32_t live_max;
    hash_mode mode;
    uint32_t spread;
    uint64_t seed;
} header;

typedef enum op_kind {
    OP_INSERT,
    OP_REMOVE,
    OP_FIND,
    OP_FILL,  /* insert keys from `key` up until full or `count` tried */
    OP_DRAIN, /* remove `count` keys from `key` up */
    OP_REHASH,
    OP_SCAN, /* `count` SCAN steps of `homes` homes; restart if asked */
} op_kind;

typedef struct op {
    op_kind kind;
    uint32_t key;
    uint32_t count;
    uint32_t homes;
    bool restart;
} op;

static const char *const op_names[] = {"insert", "remove", "find", "fill",
                                       "drain",  "rehash", "scan"};

/*
 * The input format (version 1): choices are ids from numbered, append-only tables
 * (harness/choice.h; an id past a table's entries refuses the input). Header: live_max
 * 1..64, the hash mode (modes, space 8), spread 1..16, a 32-bit seed. Operations: an id
 * from `operations` (space 64, weighted by repetition: inserts and removes most, one
 * rehash), then its numbers (a key 0..255; fill and drain a count 1..64; SCAN 1..4 steps
 * of 1..16 homes).
 */
static const char *const modes[] = {"random", "few-homes", "adjacent", "shared-hash"};
static const choice_table mode_table = CHOICE_TABLE_INIT(modes, 8);

static const char *const operations[] = {
    /* 0 */ "insert", "insert", "insert", "insert", "insert", "insert", "insert", "insert",
    /* 8 */ "insert", "insert", "insert", "insert", "insert", "insert", "insert", "insert",
    /* 16 */ "insert", "insert", "remove", "remove", "remove", "remove", "remove", "remove",
    /* 24 */ "remove", "remove", "remove", "remove", "remove", "remove", "remove", "remove",
    /* 32 */ "remove", "find", "find", "find", "find", "find", "fill", "fill",
    /* 40 */ "fill", "drain", "drain", "drain", "rehash", "scan", "scan, new iteration",
};
#define OP_ID_SCAN_RESTART 46
static const op_kind kind_of_id[] = {
    OP_INSERT, OP_INSERT, OP_INSERT, OP_INSERT, OP_INSERT, OP_INSERT, OP_INSERT, OP_INSERT,
    OP_INSERT, OP_INSERT, OP_INSERT, OP_INSERT, OP_INSERT, OP_INSERT, OP_INSERT, OP_INSERT,
    OP_INSERT, OP_INSERT, OP_REMOVE, OP_REMOVE, OP_REMOVE, OP_REMOVE, OP_REMOVE, OP_REMOVE,
    OP_REMOVE, OP_REMOVE, OP_REMOVE, OP_REMOVE, OP_REMOVE, OP_REMOVE, OP_REMOVE, OP_REMOVE,
    OP_REMOVE, OP_FIND,   OP_FIND,   OP_FIND,   OP_FIND,   OP_FIND,   OP_FILL,   OP_FILL,
    OP_FILL,   OP_DRAIN,  OP_DRAIN,  OP_DRAIN,  OP_REHASH, OP_SCAN,   OP_SCAN,
};
_Static_assert(sizeof kind_of_id / sizeof kind_of_id[0] == sizeof operations / sizeof operations[0],
               "one kind per operation id");
static const choice_table operation_table = CHOICE_TABLE_INIT(operations, 64);

FUZZ_NO_COVERAGE static header decode_header(cursor *c) {
    header h;
    h.live_max = cursor_range(c, 1, LIVE_MAX_MAX);
    uint32_t mode = choice_read(c, &mode_table);
    h.mode = mode == CHOICE_REFUSED ? HASH_RANDOM : (hash_mode)mode;
    h.spread = cursor_range(c, 1, 16);
    h.seed = cursor_u32(c);
    return h;
}

FUZZ_NO_COVERAGE static op decode_op(cursor *c) {
    op o = {.kind = OP_INSERT};
    uint32_t id = choice_read(c, &operation_table);
    if (id == CHOICE_REFUSED) return o;
    o.kind = kind_of_id[id];
    o.restart = id == OP_ID_SCAN_RESTART;
    if (o.kind != OP_REHASH && o.kind != OP_SCAN) o.key = cursor_range(c, 0, KEY_COUNT - 1);
    if (o.kind == OP_FILL || o.kind == OP_DRAIN) o.count = cursor_range(c, 1, 64);
    if (o.kind == OP_SCAN) {
        o.count = cursor_range(c, 1, 4);
        o.homes = cursor_range(c, 1, 16);
    }
    return o;
}

static const char *const mode_names[] = {"random", "few-homes", "adjacent", "shared-hash"};

FUZZ_NO_COVERAGE static void describe(const uint8_t *data, size_t size, FILE *out) {
    cursor c = cursor_make(data, size);
    header h = decode_header(&c);
    fprintf(out, "live_max=%u slots=%" PRIu64 " hashes=%s spread=%u seed=%" PRIu64 "\n", h.live_max,
            table_slot_count(h.live_max), mode_names[h.mode], h.spread, h.seed);
    for (size_t i = 0; !cursor_empty(&c); i++) {
        op o = decode_op(&c);
        if (c.refused) {
            fprintf(out, "#%zu refused: unassigned id %u (the input is never run)\n", i,
                    c.refused_id);
            return;
        }
        fprintf(out, "#%zu %s", i, op_names[o.kind]);
        if (o.kind == OP_SCAN) {
            fprintf(out, " %u step(s) of %u home(s)%s", o.count, o.homes,
                    o.restart ? ", new iteration" : "");
        } else if (o.kind != OP_REHASH) {
            fprintf(out, " key %u", o.key);
        }
        if (o.kind == OP_FILL || o.kind == OP_DRAIN) fprintf(out, " x%u", o.count);
        fputc('\n', out);
    }
}


/* ---- the table, the model and the predicted counters ---- */

static table_slot memory[SLOTS_MAX] __attribute__((aligned(64)));
static table t;
static header cfg;
static uint64_t hashes[KEY_COUNT];

static struct model {
    bool present[KEY_COUNT];
    uint64_t live;
    uint64_t tombstones; /* predicted */
    uint64_t rehashes;   /* predicted */
} m;

FUZZ_NO_COVERAGE static uint64_t splitmix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

FUZZ_NO_COVERAGE static uint64_t hash_of(uint32_t key, uint64_t mask) {
    uint64_t r = splitmix64(cfg.seed * KEY_COUNT + key);
    switch (cfg.mode) {
    case HASH_FEW_HOMES: return (r & ~mask) | ((key % cfg.spread) * 5u & mask);
    case HASH_ADJACENT: return (r & ~mask) | (key & mask);
    case HASH_SHARED: return splitmix64(cfg.seed * KEY_COUNT + key / 4);
    case HASH_RANDOM:
    default: return r;
    }
}

FUZZ_NO_COVERAGE static bool key_equals(void *ctx, uint32_t id) {
    return *(const uint32_t *)ctx == id;
}

FUZZ_NO_COVERAGE static uint64_t quarter(void) { return table_slots(&t) / 4; }

/* The slot an insert of `hash` takes now: the first free one (empty or tombstone). */
FUZZ_NO_COVERAGE static uint64_t free_slot_for(uint64_t hash) {
    uint64_t mask = table_slots(&t) - 1;
    uint64_t i = hash & mask;
    while (table_slot_id(&t, i) != TABLE_ID_NONE)
        i = (i + 1) & mask;
    return i;
}

/* ---- checks ---- */

FUZZ_NO_COVERAGE static void find(uint32_t k);

/* The probe bound after a rehash: occupancy, every miss probe and the total displacement
 * are those of a table freshly built from the live keys (see the top of the file). */
FUZZ_NO_COVERAGE static void check_fresh_layout(void) {
    uint64_t slots = table_slots(&t);
    uint64_t mask = slots - 1;
    bool fresh[SLOTS_MAX] = {false};
    uint64_t fresh_displacement = 0;
    for (uint32_t k = 0; k < KEY_COUNT; k++) {
        if (!m.present[k]) continue;
        uint64_t i = hashes[k] & mask;
        for (; fresh[i]; i = (i + 1) & mask)
            fresh_displacement++;
        fresh[i] = true;
    }
    uint64_t displacement = 0;
    for (uint64_t i = 0; i < slots; i++) {
        uint32_t id = table_slot_id(&t, i);
        FUZZ_CHECK(!table_slot_is_tombstone(&t, i),
                   "a tombstone at slot %" PRIu64 " after a rehash", i);
        FUZZ_CHECK((id != TABLE_ID_NONE) == fresh[i],
                   "slot %" PRIu64 " is %s after a rehash, %s in a fresh table", i,
                   id != TABLE_ID_NONE ? "used" : "empty", fresh[i] ? "used" : "empty");
        if (id != TABLE_ID_NONE) displacement += (i - (hashes[id] & mask)) & mask;
    }
    FUZZ_CHECK(displacement == fresh_displacement,
               "total displacement %" PRIu64 " after a rehash, %" PRIu64 " in a fresh table",
               displacement, fresh_displacement);
    for (uint64_t home = 0; home < slots; home++) {
        uint64_t fresh_probe = 1;
        for (uint64_t i = home; fresh[i] && fresh_probe <= slots; i = (i + 1) & mask)
            fresh_probe++;
        uint64_t probe = table_probe_length(&t, home);
        FUZZ_CHECK(probe == fresh_probe,
                   "a miss from home %" PRIu64 " probes %" PRIu64 " slots, %" PRIu64 " fresh", home,
                   probe, fresh_probe);
    }
}

/* Steps between two walks of the whole table (the set, table_invariants_hold): a stray
 * slot is caught within this many steps, and at the end of the input. */
#define WALK_PERIOD_STEPS 8

static uint32_t steps_since_walk;

/*
 * After every step: the predicted counters; the touched key is found or not as the model
 * says (by the step itself). Every WALK_PERIOD_STEPS steps, after every rehash and at the
 * end: the set and the invariants (O(slots)); after a rehash also the probe bound.
 */
FUZZ_NO_COVERAGE static void check_all(uint64_t rehashes_before, bool walk) {
    table_stats s = table_get_stats(&t);
    FUZZ_CHECK(s.live == m.live, "live: table %" PRIu64 ", model %" PRIu64, s.live, m.live);
    FUZZ_CHECK(s.tombstones == m.tombstones, "tombstones: table %" PRIu64 ", model %" PRIu64,
               s.tombstones, m.tombstones);
    FUZZ_CHECK(s.rehashes == m.rehashes, "rehashes: table %" PRIu64 ", model %" PRIu64, s.rehashes,
               m.rehashes);
    bool rehashed = s.rehashes != rehashes_before;
    if (!walk && !rehashed && ++steps_since_walk < WALK_PERIOD_STEPS) return;
    steps_since_walk = 0;
    FUZZ_CHECK(table_invariants_hold(&t), "table_invariants_hold() is false");
    /* The slots hold exactly the model's keys, each once (a walk: finding every key after
     * every step cost most of the run; the operations find the keys they touch). */
    bool seen[KEY_COUNT] = {false};
    for (uint64_t i = 0; i < table_slots(&t); i++) {
        uint32_t id = table_slot_id(&t, i);
        if (id == TABLE_ID_NONE) continue;
        FUZZ_CHECK(id < KEY_COUNT && m.present[id] && !seen[id], "slot %" PRIu64 " holds key %u", i,
                   id);
        seen[id] = true;
    }
    if (!rehashed) return;
    /* A rehash moved everything: every key must be found again, and the layout be fresh. */
    for (uint32_t k = 0; k < KEY_COUNT; k++) {
        if (m.present[k]) find(k);
    }
    check_fresh_layout();
}

/* ---- SCAN iterations ---- */

static struct iteration {
    bool active;
    uint64_t cursor;
    uint64_t steps;
    bool throughout[KEY_COUNT]; /* present after every step since the start */
    uint32_t reported[KEY_COUNT];
} it;

FUZZ_NO_COVERAGE static void scan_visit(void *ctx, uint32_t id) {
    (void)ctx;
    FUZZ_CHECK(id < KEY_COUNT && m.present[id], "SCAN reported key %u, which is not there", id);
    FUZZ_CHECK(++it.reported[id] == 1, "SCAN reported key %u twice in one iteration", id);
}

FUZZ_NO_COVERAGE static void scan_step(uint32_t homes) {
    uint64_t before = it.cursor;
    FUZZ_CHECK(it.steps++ <= table_slots(&t), "SCAN never got back to 0");
    it.cursor = table_scan(&t, it.cursor, homes, scan_visit, NULL);
    FUZZ_CHECK(it.cursor == 0 || (it.cursor > before && it.cursor < table_slots(&t)),
               "SCAN cursor %" PRIu64 " after %" PRIu64, it.cursor, before);
    if (it.cursor != 0) return;
    for (uint32_t k = 0; k < KEY_COUNT; k++) {
        FUZZ_CHECK(!it.throughout[k] || it.reported[k] == 1,
                   "key %u, present for the whole iteration, was reported %u times", k,
                   it.reported[k]);
    }
    it.active = false;
}

FUZZ_NO_COVERAGE static void note_presence(void) {
    if (!it.active) return;
    for (uint32_t k = 0; k < KEY_COUNT; k++)
        it.throughout[k] = it.throughout[k] && m.present[k];
}

FUZZ_NO_COVERAGE static void start_iteration(void) {
    memset(&it, 0, sizeof it);
    it.active = true;
    memcpy(it.throughout, m.present, sizeof it.throughout);
}

/* ---- operations ---- */

FUZZ_NO_COVERAGE static void insert(uint32_t k) {
    if (m.present[k] || m.live == cfg.live_max) return; /* the table's preconditions */
    if (m.tombstones > quarter()) { /* rehashed first: every slot free is empty then */
        m.tombstones = 0;
        m.rehashes++;
    } else if (table_slot_is_tombstone(&t, free_slot_for(hashes[k]))) {
        m.tombstones--;
    }
    table_insert(&t, hashes[k], k);
    m.present[k] = true;
    m.live++;
    find(k);
}

FUZZ_NO_COVERAGE static void remove_key(uint32_t k) {
    bool removed = table_remove(&t, hashes[k], k);
    FUZZ_CHECK(removed == m.present[k], "remove of key %u answered %d", k, removed);
    if (!removed) return;
    m.present[k] = false;
    m.live--;
    find(k);
    if (++m.tombstones > quarter()) {
        m.tombstones = 0;
        m.rehashes++;
    }
}

FUZZ_NO_COVERAGE static void find(uint32_t k) {
    uint32_t want = k;
    uint32_t got = table_find(&t, hashes[k], key_equals, &want);
    FUZZ_CHECK(got == (m.present[k] ? k : TABLE_ID_NONE), "find of key %u answered %u", k, got);
}

/* One step of an operation, then every check. */
FUZZ_NO_COVERAGE static void step(op_kind kind, uint32_t k) {
    uint64_t rehashes_before = table_get_stats(&t).rehashes;
    switch (kind) {
    case OP_INSERT: insert(k); break;
    case OP_REMOVE: remove_key(k); break;
    case OP_FIND: find(k); break;
    case OP_REHASH:
        table_rehash(&t);
        m.tombstones = 0;
        m.rehashes++;
        break;
    default: FUZZ_CHECK(false, "not a step: %d", (int)kind);
    }
    check_all(rehashes_before, false);
    note_presence();
}

FUZZ_NO_COVERAGE static void run_op(const op *o) {
    switch (o->kind) {
    case OP_FILL:
        for (uint32_t j = 0; j < o->count && m.live < cfg.live_max; j++)
            step(OP_INSERT, (o->key + j) % KEY_COUNT);
        break;
    case OP_DRAIN:
        for (uint32_t j = 0; j < o->count; j++)
            step(OP_REMOVE, (o->key + j) % KEY_COUNT);
        break;
    case OP_SCAN:
        if (!it.active || o->restart) start_iteration();
        for (uint32_t j = 0; j < o->count && it.active; j++)
            scan_step(o->homes);
        break;
    default: step(o->kind, o->key); break;
    }
}

#define OPS_MAX 1024 /* more than any input the options allow can hold */
static op ops[OPS_MAX];

static int run_input(const uint8_t *data, size_t size) {
    cursor c = cursor_make(data, size);
    cfg = decode_header(&c);
    /* Decoded whole first: an input naming an unassigned id runs nothing (-1). */
    size_t count = 0;
    for (; !cursor_empty(&c) && !c.refused && count < OPS_MAX; count++)
        ops[count] = decode_op(&c);
    if (c.refused || !cursor_empty(&c)) return -1;
    size_t bytes = table_memory_bytes(cfg.live_max);
    FUZZ_CHECK(bytes <= sizeof memory, "table of %zu bytes", bytes);
    table_init(&t, memory, bytes, cfg.live_max);
    uint64_t mask = table_slots(&t) - 1;
    for (uint32_t k = 0; k < KEY_COUNT; k++)
        hashes[k] = hash_of(k, mask);
    memset(&m, 0, sizeof m);
    memset(&it, 0, sizeof it);
    steps_since_walk = 0;
    for (size_t i = 0; i < count; i++) {
        fuzz_set_op(i);
        run_op(&ops[i]);
    }
    /* An iteration still running is finished, so every input checks its completeness. */
    fuzz_set_op(count);
    while (it.active)
        scan_step(16);
    check_all(table_get_stats(&t).rehashes, true);
    return 0;
}

const fuzz_target_info fuzz_target = {
    .name = "rehash", .format_version = 1, .run = run_input, .describe = describe};
