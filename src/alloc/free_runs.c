#include "alloc/free_runs.h"

#include "alloc/bits.h"

size_t free_runs_leaves(size_t words) {
    size_t leaves = 1;
    while (leaves < words)
        leaves *= 2;
    return leaves;
}

size_t free_runs_node_count(size_t words) { return 2u * free_runs_leaves(words); }

/* Word w's free bits: past the last block, and past the last word, nothing is free. */
static inline uint64_t free_bits(const free_runs *t, size_t w) {
    if (w >= t->words) return 0;
    uint64_t free = ~t->used[w];
    size_t tail = t->block_count % BITS_PER_WORD;
    if (w == t->words - 1u && tail != 0u) free &= bits_word_mask(0, tail);
    return free;
}

/* The longest run of set bits, one step per run. */
static inline uint32_t longest_ones(uint64_t x) {
    uint32_t best = 0;
    while (x != 0u) {
        x >>= __builtin_ctzll(x);
        if (x == ~(uint64_t)0) return best > 64u ? best : 64u;
        uint32_t len = (uint32_t)__builtin_ctzll(~x);
        if (len > best) best = len;
        x >>= len;
    }
    return best;
}

static inline free_runs_node leaf_node(const free_runs *t, size_t w) {
    uint64_t free = free_bits(t, w);
    if (free == 0u) return (free_runs_node){0, 0, 0};
    if (free == ~(uint64_t)0) return (free_runs_node){64, 64, 64};
    return (free_runs_node){
        .prefix = (uint32_t)__builtin_ctzll(~free),
        .suffix = (uint32_t)__builtin_clzll(~free),
        .longest = longest_ones(free),
    };
}

/* A node from its children, each covering child_blocks blocks. */
static inline free_runs_node join(free_runs_node l, free_runs_node r, uint32_t child_blocks) {
    uint32_t across = l.suffix + r.prefix;
    uint32_t longest = l.longest > r.longest ? l.longest : r.longest;
    return (free_runs_node){
        .prefix = l.prefix == child_blocks ? child_blocks + r.prefix : l.prefix,
        .suffix = r.suffix == child_blocks ? child_blocks + l.suffix : r.suffix,
        .longest = across > longest ? across : longest,
    };
}

static inline bool same(free_runs_node a, free_runs_node b) {
    return a.prefix == b.prefix && a.suffix == b.suffix && a.longest == b.longest;
}

void free_runs_init(free_runs *t, free_runs_node *nodes, const uint64_t *used, size_t block_count) {
    ST_ASSERT(block_count >= 1);
    ST_ASSERT(block_count <= UINT32_MAX);
    t->nodes = nodes;
    t->used = used;
    t->words = bits_word_count(block_count);
    t->leaves = free_runs_leaves(t->words);
    t->block_count = block_count;
    t->pending_count = 0;
    nodes[0] = (free_runs_node){0, 0, 0};
    for (size_t w = 0; w < t->leaves; w++)
        nodes[t->leaves + w] = leaf_node(t, w);
    uint32_t child_blocks = 64;
    for (size_t level = t->leaves / 2; level >= 1; level /= 2, child_blocks *= 2) {
        for (size_t k = level; k < 2u * level; k++)
            nodes[k] = join(nodes[2u * k], nodes[2u * k + 1u], child_blocks);
    }
}

void free_runs_update(free_runs *t, size_t first_word, size_t last_word) {
    ST_ASSERT(first_word <= last_word);
    ST_ASSERT(last_word < t->words);
    bool changed = false;
    for (size_t w = first_word; w <= last_word; w++) {
        free_runs_node now = leaf_node(t, w);
        changed = changed || !same(now, t->nodes[t->leaves + w]);
        t->nodes[t->leaves + w] = now;
    }
    size_t lo = (t->leaves + first_word) / 2u;
    size_t hi = (t->leaves + last_word) / 2u;
    for (uint32_t child_blocks = 64; changed && lo >= 1; lo /= 2u, hi /= 2u, child_blocks *= 2) {
        changed = false;
        for (size_t k = lo; k <= hi; k++) {
            free_runs_node now = join(t->nodes[2u * k], t->nodes[2u * k + 1u], child_blocks);
            changed = changed || !same(now, t->nodes[k]);
            t->nodes[k] = now;
        }
    }
}

/* Brings the tree up to date with every pending word. */
static void flush(free_runs *t) {
    for (uint32_t i = 0; i < t->pending_count; i++)
        free_runs_update(t, t->pending[i], t->pending[i]);
    t->pending_count = 0;
}

void free_runs_changed(free_runs *t, size_t first_word, size_t last_word) {
    ST_ASSERT(first_word <= last_word);
    ST_ASSERT(last_word < t->words);
    if (last_word - first_word >= FREE_RUNS_PENDING_MAX) {
        free_runs_update(t, first_word, last_word);
        return;
    }
    for (size_t w = first_word; w <= last_word; w++) {
        bool known = false;
        for (uint32_t i = 0; i < t->pending_count && !known; i++)
            known = t->pending[i] == w;
        if (known) continue;
        if (t->pending_count == FREE_RUNS_PENDING_MAX) flush(t);
        t->pending[t->pending_count++] = (uint32_t)w;
    }
}

/* The lowest bit starting n (1 ..= 64) consecutive set bits of x; x must have such a run. */
static inline size_t lowest_run_in_word(uint64_t x, size_t n) {
    /* After the loop, bit p of x is set iff bits p .. p+n-1 were all set. */
    for (size_t have = 1; have < n;) {
        size_t shift = have < n - have ? have : n - have;
        x &= x >> shift;
        have += shift;
    }
    ST_ASSERT(x != 0u);
    return (size_t)__builtin_ctzll(x);
}

size_t free_runs_find(free_runs *t, size_t n, uint32_t *levels) {
    ST_ASSERT(n >= 1);
    flush(t);
    *levels = 1;
    if (t->nodes[1].longest < n) return SIZE_MAX;
    size_t k = 1;
    size_t start = 0;
    size_t blocks = t->leaves * BITS_PER_WORD;
    while (k < t->leaves) {
        size_t half = blocks / 2u;
        free_runs_node l = t->nodes[2u * k];
        free_runs_node r = t->nodes[2u * k + 1u];
        ++*levels;
        if (l.longest >= n) {
            k = 2u * k;
        } else if ((size_t)l.suffix + r.prefix >= n) {
            return start + half - l.suffix;
        } else {
            k = 2u * k + 1u;
            start += half;
        }
        blocks = half;
    }
    return start + lowest_run_in_word(free_bits(t, k - t->leaves), n);
}

/* True iff node k (at a level whose nodes each cover `span` leaves) is above a pending word. */
static bool above_pending(const free_runs *t, size_t k, size_t span) {
    size_t first_leaf = k * span - t->leaves;
    for (uint32_t i = 0; i < t->pending_count; i++) {
        if (t->pending[i] >= first_leaf && t->pending[i] < first_leaf + span) return true;
    }
    return false;
}

bool free_runs_hold(const free_runs *t) {
    if (t->leaves != free_runs_leaves(t->words)) return false;
    if (t->pending_count > FREE_RUNS_PENDING_MAX) return false;
    for (size_t w = 0; w < t->leaves; w++) {
        if (above_pending(t, t->leaves + w, 1)) continue;
        if (!same(t->nodes[t->leaves + w], leaf_node(t, w))) return false;
    }
    uint32_t child_blocks = 64;
    size_t span = 2;
    for (size_t level = t->leaves / 2; level >= 1; level /= 2, child_blocks *= 2, span *= 2) {
        for (size_t k = level; k < 2u * level; k++) {
            if (above_pending(t, k, span)) continue;
            if (!same(t->nodes[k], join(t->nodes[2u * k], t->nodes[2u * k + 1u], child_blocks))) {
                return false;
            }
        }
    }
    return true;
}
