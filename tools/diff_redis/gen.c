/* The seeded generator. Each command Redis 7.0 has in the string, key, list and server
 * families has a template (below); a command stasis offers without a template is generated
 * from its COMMAND INFO arity and key positions, so new commands join automatically.
 *
 * Template language, words separated by spaces:
 *   word        a literal (sent in upper case one time in five: names are case-insensitive)
 *   %k %v ...   a value drawn from a pool (see draw())
 *   [ A ]       A or nothing          { A | B | C }  one of them
 *   ( A )+      A one to four times
 * After drawing, an arity mutation sometimes drops the last argument, adds a junk one, or
 * drops them all, so wrong arities are exercised for every command. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dr.h"

uint64_t dr_rng_next(dr_rng *rng) { /* splitmix64 */
    uint64_t z = (rng->state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t dr_rng_below(dr_rng *rng, uint64_t n) {
    ST_ASSERT(n > 0);
    return dr_rng_next(rng) % n;
}

#define PICK(rng, array) ((array)[dr_rng_below((rng), sizeof(array) / sizeof((array)[0]))])

typedef struct {
    const char *name;
    const char *template;
    unsigned weight; /* relative frequency; 0 means the default, 10 */
} dr_template;

static const dr_template templates[] = {
    /* strings */
    {"get", "%k", 0}, {"set", "%k %v [%E] [{nx|xx}] [get]", 0}, {"setnx", "%k %v", 0},
    {"getset", "%k %v", 0}, {"getdel", "%k", 0}, {"getex", "%k [{%E|persist}]", 0},
    {"setex", "%k %t %v", 0}, {"psetex", "%k %t %v", 0}, {"mget", "(%k)+", 0},
    {"mset", "(%k %v)+", 0}, {"msetnx", "(%k %v)+", 0}, {"append", "%k %v", 0},
    {"strlen", "%k", 0}, {"getrange", "%k %x %x", 0}, {"substr", "%k %x %x", 0},
    {"setrange", "%k %o %v", 0}, {"incr", "%k", 0}, {"decr", "%k", 0},
    {"incrby", "%k %i", 0}, {"decrby", "%k %i", 0}, {"incrbyfloat", "%k %f", 0},
    {"setbit", "%k %o {0|1|2|-1|x}", 0}, {"getbit", "%k %o", 0},
    {"bitcount", "%k [%x %x [{byte|bit|x}]]", 0}, {"bitpos", "%k {0|1|2} [%x [%x [{byte|bit}]]]", 0},
    {"bitop", "{and|or|xor|not|x} %k (%k)+", 0},
    {"lcs", "%k %k [len] [idx] [minmatchlen %i] [withmatchlen]", 0},
    /* keys */
    {"del", "(%k)+", 0}, {"unlink", "(%k)+", 0}, {"exists", "(%k)+", 0}, {"touch", "(%k)+", 0},
    {"type", "%k", 0}, {"rename", "%k %k", 0}, {"renamenx", "%k %k", 0},
    {"copy", "%k %k [db %d] [replace]", 0}, {"keys", "%p", 0}, {"randomkey", "", 0},
    {"scan", "{0|%S} [match %p] [count %n] [type {string|list|none|hash|x}]", 0},
    /* GT and LT only with absolute times: whether a relative deadline is greater than one
     * set a moment earlier with the same amount depends on whether a millisecond passed
     * in between, which differs between two servers. */
    {"expire", "%k %t [{nx|xx|x}]", 0}, {"pexpire", "%k %t [{nx|xx}]", 0},
    {"expireat", "%k %a [{nx|xx|gt|lt}]", 0}, {"pexpireat", "%k %a [{nx|xx|gt|lt}]", 0},
    {"ttl", "%k", 0}, {"pttl", "%k", 0}, {"expiretime", "%k", 0}, {"pexpiretime", "%k", 0},
    {"persist", "%k", 0}, {"move", "%k %d", 0},
    {"object", "{encoding %k|refcount %k|idletime %k|freq %k|help|x %k}", 0},
    {"sort", "%k [by {nosort|x}] [limit %i %i] [{asc|desc}] [alpha]", 0},
    {"sort_ro", "%k [limit %i %i] [{asc|desc}] [alpha]", 0},
    /* lists */
    {"lpush", "%k (%v)+", 0}, {"rpush", "%k (%v)+", 0}, {"lpushx", "%k (%v)+", 0},
    {"rpushx", "%k (%v)+", 0}, {"lpop", "%k [%n]", 0}, {"rpop", "%k [%n]", 0},
    {"llen", "%k", 0}, {"lrange", "%k %x %x", 0}, {"lindex", "%k %x", 0},
    {"lset", "%k %x %v", 0}, {"lrem", "%k %x %v", 0}, {"ltrim", "%k %x %x", 0},
    {"linsert", "%k {before|after|x} %v %v", 0},
    {"lpos", "%k %v [rank %x] [count %n] [maxlen %n]", 0},
    {"lmove", "%k %k {left|right|x} {left|right}", 0}, {"rpoplpush", "%k %k", 0},
    {"lmpop", "%N (%k)+ {left|right|x} [count %n]", 0},
    {"blpop", "(%k)+ %b", 1}, {"brpop", "(%k)+ %b", 1},
    {"blmove", "%k %k {left|right} {left|right} %b", 1}, {"brpoplpush", "%k %k %b", 1},
    {"blmpop", "%b %N (%k)+ {left|right} [count %n]", 1},
    /* transactions (MULTI itself mostly comes in episodes, see group_multi) */
    {"watch", "(%k)+", 2}, {"unwatch", "", 2}, {"multi", "", 1}, {"exec", "", 1}, {"discard", "", 1},
    /* server and connection */
    {"ping", "[%v]", 2}, {"echo", "%v", 2}, {"dbsize", "", 3}, {"flushall", "[{sync|async|x}]", 1},
    {"flushdb", "[{sync|async}]", 1}, {"select", "%d", 2}, {"time", "", 1}, {"quit", "", 1},
    {"info", "[{server|keyspace|memory|clients|stats|default|all|everything|x}]", 1},
    {"config", "{get %c|get %c %c|get %p|set %P|set %P %P|set %c|resetstat|help|x}", 2},
    {"command", "{count|list|info (%C)+|docs (%C)+|help|getkeys %C %k|getkeysandflags %C %k|info|x}",
     2},
    {"hello", "[{2|1|4|x}] [auth default %v] [setname {n|%w}]", 1}, {"auth", "%v [%v]", 1},
};

/* ---- value pools ------------------------------------------------------------------------ */

static const char *const pool_int[] = {
    "0", "1", "-1", "2", "3", "10", "-10", "100", "9223372036854775807", "-9223372036854775808",
    "9223372036854775808", "-9223372036854775809", "x", "1.5", "", " 1", "+1", "0x10", "007", "1e3"};
static const char *const pool_float[] = {
    "0", "1.5", "-1.5", "0.1", "1e308", "-1e308", "1e309", "inf", "-inf", "+inf", "nan",
    "x", "", "1e-320", "3.0000000000000001", "10.50", "0x10", ".5", "5.", " 1", "1", "-0",
    "17179869184", "5.0e3", "9223372036854775807"};
/* Relative expiries: never small and positive (they would expire mid-run at different
 * moments on the two servers); short ones come only in expiry episodes. */
static const char *const pool_ttl[] = {
    "0", "-1", "-100", "10000000", "100000000", "9223372036854775807", "9223372036854775806",
    "4611686018427387904", "x", "1.5", "", "-9223372036854775808", "1e3", "4102444800"};
/* Absolute times: the past (deterministic deletion), the year 2100, overflow, garbage. */
static const char *const pool_abs[] = {
    "1", "100", "0", "-1", "4102444800", "4102444800000", "9223372036854775807", "x", "1.5"};
static const char *const pool_index[] = {
    "0", "1", "2", "-1", "-2", "-3", "3", "5", "100", "-100", "9223372036854775807",
    "-9223372036854775808", "x", "1.5"};
static const char *const pool_count[] = {"0", "1", "2", "3", "5", "-1", "x", "9223372036854775807", "100"};
static const char *const pool_offset[] = {
    "0", "1", "5", "7", "8", "15", "100", "-1", "1048575", "1048576", "8388607", "8388608",
    "4294967295", "x"};
static const char *const pool_pattern[] = {
    "*", "k*", "k[0-2]", "k?", "\\*", "[", "nomatch", "*:*", "k[^0]", "[a-z]*", "", "k\\"};
/* Short: a blocking command outside an episode waits its whole timeout. */
static const char *const pool_block[] = {"0.01", "0.01", "0.02", "-1", "x", "1e-2"};
static const char *const pool_db[] = {"0", "1", "-1", "x", "16"};
static const char *const pool_cursor[] = {"1", "5", "12345", "-1", "x", "18446744073709551615", "18446744073709551616"};
/* Redis parameters stasis may not have, with the value redis-server runs with here (a
 * CONFIG SET must never really change Redis: the two servers would no longer be alike). */
static const char *const redis_only_params[][2] = {
    {"hz", "100"}, {"list-max-listpack-size", "-2"}, {"list-max-ziplist-size", "-2"},
    {"list-compress-depth", "0"}, {"maxmemory-policy", "noeviction"}, {"save", ""},
    {"appendonly", "no"}, {"nosuch", "1"}};

typedef struct {
    dr_rng *rng;
    const dr_offer *offer;
    dr_cmd *cmd;
} gen;

static void draw(gen *g, char kind);

static void add_random_bytes(gen *g, size_t len, bool printable) {
    char buf[32];
    ST_ASSERT(len <= sizeof buf);
    for (size_t i = 0; i < len; i++)
        buf[i] = printable ? (char)('a' + dr_rng_below(g->rng, 26)) : (char)dr_rng_below(g->rng, 256);
    dr_cmd_add(g->cmd, buf, len);
}

static void add_repeated(gen *g, char c, size_t len) {
    char *buf = malloc(len);
    ST_ASSERT(buf != NULL);
    memset(buf, c, len);
    dr_cmd_add(g->cmd, buf, len);
    free(buf);
}

static void draw_key(gen *g) {
    static const char *const hot[] = {"k0", "k1", "k2", "k3", "k4"};
    uint64_t r = dr_rng_below(g->rng, 100);
    if (r < 88) dr_cmd_adds(g->cmd, PICK(g->rng, hot));
    else if (r < 91) dr_cmd_add(g->cmd, "b\x00\xff\r\n", 5);
    else if (r < 94) dr_cmd_adds(g->cmd, "key:with:colons");
    else if (r < 96) dr_cmd_adds(g->cmd, "");
    else if (r < 98) add_repeated(g, 'K', 300);
    else add_random_bytes(g, 1 + dr_rng_below(g->rng, 4), false);
}

static void draw_value(gen *g) {
    static const char *const words[] = {"", "v", "hello world", "0", "1", "-1", "10", "3.14",
                                        "-0", "007", " 1", "1e3", "inf", "nan", "0x1f", "x"};
    uint64_t r = dr_rng_below(g->rng, 100);
    if (r < 50) dr_cmd_adds(g->cmd, PICK(g->rng, words));
    else if (r < 65) dr_cmd_adds(g->cmd, PICK(g->rng, pool_int));
    else if (r < 70) dr_cmd_adds(g->cmd, PICK(g->rng, pool_float));
    else if (r < 88) add_random_bytes(g, 1 + dr_rng_below(g->rng, 12), true);
    else if (r < 94) add_random_bytes(g, dr_rng_below(g->rng, 8), false);
    else if (r < 97) dr_cmd_add(g->cmd, "abc\r\nxyz\x00", 9);
    else if (r < 99) add_repeated(g, 'x', 1000 + dr_rng_below(g->rng, 5000));
    else add_repeated(g, 'y', 65536 + dr_rng_below(g->rng, 8000));
}

/* Where each server listens differs by nature: CONFIG SET port (stasis says 0 for --port 0)
 * or bind would move Redis off the address the tester talks to. */
static bool per_server(const char *param) { return strcmp(param, "port") == 0 || strcmp(param, "bind") == 0; }

/* A parameter name (with_value: and a value for CONFIG SET). Values are the ones in force:
 * stasis's from its CONFIG GET *, Redis's from the table above. A stasis-only name (with
 * underscores, unknown to Redis) may get any value: Redis refuses it whatever it is. */
static void draw_config(gen *g, bool with_value) {
    const dr_offer *o = g->offer;
    uint64_t r = dr_rng_below(g->rng, 100);
    size_t i = o->config_count > 0 ? dr_rng_below(g->rng, o->config_count) : 0;
    if (r < 70 && o->config_count > 0 && !(with_value && per_server(o->config_params[i]))) {
        dr_cmd_adds(g->cmd, o->config_params[i]);
        if (!with_value) return;
        if (strchr(o->config_params[i], '_') != NULL && dr_rng_below(g->rng, 4) == 0) draw(g, 'i');
        else dr_cmd_adds(g->cmd, o->config_values[i]);
    } else {
        i = dr_rng_below(g->rng, sizeof redis_only_params / sizeof redis_only_params[0]);
        dr_cmd_adds(g->cmd, redis_only_params[i][0]);
        if (with_value) dr_cmd_adds(g->cmd, redis_only_params[i][1]);
    }
}

static void draw_command_name(gen *g) {
    uint64_t r = dr_rng_below(g->rng, 10);
    if (r < 7 && g->offer->count > 0) dr_cmd_adds(g->cmd, g->offer->commands[dr_rng_below(g->rng, g->offer->count)].name);
    else if (r == 7) dr_cmd_adds(g->cmd, "nosuch");
    else if (r == 8) dr_cmd_adds(g->cmd, "config|get");
    else dr_cmd_adds(g->cmd, "GET");
}

/* One placeholder. */
static void draw(gen *g, char kind) {
    switch (kind) {
    case 'k': draw_key(g); break;
    case 'v': draw_value(g); break;
    case 'i': dr_cmd_adds(g->cmd, PICK(g->rng, pool_int)); break;
    case 'f': dr_cmd_adds(g->cmd, PICK(g->rng, pool_float)); break;
    case 't': dr_cmd_adds(g->cmd, PICK(g->rng, pool_ttl)); break;
    case 'a': dr_cmd_adds(g->cmd, PICK(g->rng, pool_abs)); break;
    case 'x': dr_cmd_adds(g->cmd, PICK(g->rng, pool_index)); break;
    case 'n': dr_cmd_adds(g->cmd, PICK(g->rng, pool_count)); break;
    case 'o': dr_cmd_adds(g->cmd, PICK(g->rng, pool_offset)); break;
    case 'p': dr_cmd_adds(g->cmd, PICK(g->rng, pool_pattern)); break;
    case 'b': dr_cmd_adds(g->cmd, PICK(g->rng, pool_block)); break;
    case 'd': dr_cmd_adds(g->cmd, PICK(g->rng, pool_db)); break;
    case 'S': dr_cmd_adds(g->cmd, PICK(g->rng, pool_cursor)); break;
    case 'c': draw_config(g, false); break;
    case 'P': draw_config(g, true); break;
    case 'C': draw_command_name(g); break;
    case 'w': add_random_bytes(g, dr_rng_below(g->rng, 6), false); break;
    case 'N': { /* numkeys: usually right, sometimes not */
        static const char *const n[] = {"1", "1", "2", "2", "3", "0", "-1", "x", "100"};
        dr_cmd_adds(g->cmd, PICK(g->rng, n));
        break;
    }
    case 'E': { /* an expiry option of SET / GETEX */
        static const char *const opt[] = {"ex", "px", "exat", "pxat", "keepttl"};
        const char *o = PICK(g->rng, opt);
        dr_cmd_adds(g->cmd, o);
        if (strcmp(o, "keepttl") != 0) draw(g, o[strlen(o) - 1] == 't' ? 'a' : 't');
        break;
    }
    default: ST_ASSERT(0);
    }
}

/* ---- the template interpreter ----------------------------------------------------------- */

static const char *skip_spaces(const char *p) {
    while (*p == ' ') p++;
    return p;
}

static const char *emit_seq(gen *g, const char *p, bool emit);

static const char *emit_choice(gen *g, const char *p, bool emit) {
    size_t alternatives = 1;
    for (const char *q = p;;) { /* count them: walk once without emitting */
        q = emit_seq(g, q, false);
        if (*q == '}') break;
        ST_ASSERT(*q == '|');
        alternatives++;
        q++;
    }
    size_t chosen = dr_rng_below(g->rng, alternatives);
    for (size_t i = 0;; i++) {
        p = emit_seq(g, p, emit && i == chosen);
        if (*p == '}') return p + 1;
        p++;
    }
}

static const char *emit_word(gen *g, const char *p, bool emit) {
    size_t len = strcspn(p, " []{}|()");
    ST_ASSERT(len > 0);
    if (emit) {
        if (p[0] == '%') {
            ST_ASSERT(len == 2);
            draw(g, p[1]);
        } else {
            char word[64];
            ST_ASSERT(len < sizeof word);
            bool upper = dr_rng_below(g->rng, 5) == 0;
            for (size_t i = 0; i < len; i++) word[i] = upper ? (char)toupper((unsigned char)p[i]) : p[i];
            dr_cmd_add(g->cmd, word, len);
        }
    }
    return p + len;
}

/* A sequence up to ']' '}' '|' ')' or the end; returns where it stopped. */
static const char *emit_seq(gen *g, const char *p, bool emit) {
    for (;;) {
        p = skip_spaces(p);
        switch (*p) {
        case '\0': case ']': case '}': case '|': case ')': return p;
        case '[': {
            bool yes = dr_rng_below(g->rng, 2) == 0;
            p = emit_seq(g, p + 1, emit && yes);
            ST_ASSERT(*p == ']');
            p++;
            break;
        }
        case '{': p = emit_choice(g, p + 1, emit); break;
        case '(': {
            uint64_t times = emit ? 1 + dr_rng_below(g->rng, 4) : 1;
            const char *end = p;
            for (uint64_t i = 0; i < times; i++) end = emit_seq(g, p + 1, emit);
            ST_ASSERT(end[0] == ')' && end[1] == '+');
            p = end + 2;
            break;
        }
        default: p = emit_word(g, p, emit); break;
        }
    }
}

static const dr_template *template_of(const char *name) {
    for (size_t i = 0; i < sizeof templates / sizeof templates[0]; i++)
        if (strcmp(templates[i].name, name) == 0) return &templates[i];
    return NULL;
}

/* A command stasis offers that has no template: COMMAND INFO's arity and key positions. */
static void emit_generic(gen *g, const dr_offered *o) {
    long arity = o->arity;
    long args = (arity < 0 ? -arity : arity) - 1;
    if (arity < 0) args += (long)dr_rng_below(g->rng, 3);
    for (long i = 1; i <= args; i++) {
        bool key = o->first_key > 0 && i >= o->first_key &&
                   (o->last_key < 0 ? i <= args + 1 + o->last_key : i <= o->last_key) &&
                   (o->step <= 1 || (i - o->first_key) % o->step == 0);
        draw(g, key ? 'k' : 'v');
    }
}

/* Wrong arities for every command: drop the last argument, add one, or drop them all.
 * Never one more for CONFIG: `CONFIG SET requirepass` plus a word would really change
 * Redis (and only Redis: stasis's configuration is immutable). */
static void mutate_arity(gen *g) {
    uint64_t r = dr_rng_below(g->rng, 100);
    bool config = g->cmd->argv[0].len == 6 && strncasecmp(g->cmd->argv[0].ptr, "config", 6) == 0;
    if (r < 5 && g->cmd->argc > 1) {
        g->cmd->argc--;
        free(g->cmd->argv[g->cmd->argc].ptr);
    } else if (r < 8 && g->cmd->argc < DR_ARGS_MAX && !config) {
        draw(g, dr_rng_below(g->rng, 2) ? 'v' : 'w');
    } else if (r < 10) {
        while (g->cmd->argc > 1) free(g->cmd->argv[--g->cmd->argc].ptr);
    }
}

static void emit_command(gen *g, const dr_offered *o) {
    bool upper = dr_rng_below(g->rng, 5) == 0;
    char name[64];
    size_t len = strlen(o->name);
    for (size_t i = 0; i <= len; i++) name[i] = upper ? (char)toupper((unsigned char)o->name[i]) : o->name[i];
    dr_cmd_adds(g->cmd, name);
    const dr_template *t = template_of(o->name);
    if (t != NULL) {
        const char *end = emit_seq(g, t->template, true);
        ST_ASSERT(*end == '\0');
    } else {
        emit_generic(g, o);
    }
    mutate_arity(g);
}

/* ---- groups ----------------------------------------------------------------------------- */

static bool is_blocking(const char *name) {
    return strcmp(name, "blpop") == 0 || strcmp(name, "brpop") == 0 || strcmp(name, "blmove") == 0 ||
           strcmp(name, "brpoplpush") == 0 || strcmp(name, "blmpop") == 0;
}

static unsigned weight_of(const dr_offered *o) {
    const dr_template *t = template_of(o->name);
    if (t == NULL) return 5;
    return t->weight ? t->weight : 10;
}

static const dr_offered *pick_command(gen *g) {
    uint64_t total = 0;
    for (size_t i = 0; i < g->offer->count; i++) total += weight_of(&g->offer->commands[i]);
    uint64_t r = dr_rng_below(g->rng, total);
    for (size_t i = 0;; i++) {
        unsigned w = weight_of(&g->offer->commands[i]);
        if (r < w) return &g->offer->commands[i];
        r -= w;
    }
}

static dr_cmd *add_cmd(dr_group *group, dr_step_kind kind, int client) {
    return &dr_group_add(group, kind, client)->cmd;
}

static void add_words(gen *g, dr_group *group, const char *name, const char *key) {
    g->cmd = add_cmd(group, DR_STEP_CMD, 0);
    dr_cmd_adds(g->cmd, name);
    dr_cmd_adds(g->cmd, key);
}

static void add_sleep(dr_group *group, int ms) { dr_group_add(group, DR_STEP_SLEEP, 0)->sleep_ms = ms; }

/* SET k v PX d, its PTTL, a wait past d, then PTTL and EXISTS (-2 and 0 on both: lazy
 * expiry on access, whatever each server's active expiry did meanwhile). */
static void group_expiry(gen *g, dr_group *group) {
    char key[8], ms[16];
    snprintf(key, sizeof key, "k%u", (unsigned)dr_rng_below(g->rng, 5));
    int d = 10 + (int)dr_rng_below(g->rng, 50);
    snprintf(ms, sizeof ms, "%d", d);
    g->cmd = add_cmd(group, DR_STEP_CMD, 0);
    bool psetex = dr_offer_has(g->offer, "psetex") && dr_rng_below(g->rng, 2) == 0;
    dr_cmd_adds(g->cmd, psetex ? "psetex" : "set");
    dr_cmd_adds(g->cmd, key);
    if (psetex) dr_cmd_adds(g->cmd, ms);
    draw(g, 'v');
    if (!psetex) {
        dr_cmd_adds(g->cmd, "px");
        dr_cmd_adds(g->cmd, ms);
    }
    add_words(g, group, "pttl", key);
    add_sleep(group, d + 25); /* past d on both: they got the SET within a millisecond */
    add_words(g, group, "pttl", key);
    add_words(g, group, "exists", key);
}

/* COMMAND is left out of MULTI: its INFO and DOCS replies nest six deep, and inside EXEC's
 * array seven, past what hiredis 0.14's reader parses ("nested multi bulk replies with depth
 * > 7"), so EXEC's reply could not be compared element by element. */
static bool fits_in_multi(const char *name) {
    return strcmp(name, "multi") != 0 && strcmp(name, "quit") != 0 && strcmp(name, "exec") != 0 &&
           strcmp(name, "command") != 0 &&
           strcmp(name, "discard") != 0;
}

/* A command on keys that runs at once (not blocking, no MULTI control), or NULL. */
static const dr_offered *pick_key_command(gen *g) {
    for (int tries = 0; tries < 8; tries++) {
        const dr_offered *o = pick_command(g);
        if (o->first_key > 0 && fits_in_multi(o->name) && !is_blocking(o->name) &&
            strcmp(o->name, "watch") != 0)
            return o;
    }
    return NULL;
}

/* WATCH of one or two hot keys, then up to two commands on keys from client 0 itself or
 * from client 1 (another connection) that may write a watched key, sometimes UNWATCH:
 * what makes EXEC answer nil is compared, not only what it runs. */
static void group_watch(gen *g, dr_group *group) {
    g->cmd = add_cmd(group, DR_STEP_CMD, 0);
    dr_cmd_adds(g->cmd, "watch");
    for (uint64_t k = 1 + dr_rng_below(g->rng, 2); k > 0; k--) draw(g, 'k');
    for (uint64_t n = dr_rng_below(g->rng, 3); n > 0; n--) {
        const dr_offered *o = pick_key_command(g);
        if (o == NULL) continue;
        g->cmd = add_cmd(group, DR_STEP_CMD, (int)dr_rng_below(g->rng, 2));
        emit_command(g, o);
    }
    if (dr_offer_has(g->offer, "unwatch") && dr_rng_below(g->rng, 6) == 0) {
        g->cmd = add_cmd(group, DR_STEP_CMD, 0);
        dr_cmd_adds(g->cmd, "unwatch");
    }
}

static void group_multi(gen *g, dr_group *group) {
    if (dr_offer_has(g->offer, "watch") && dr_rng_below(g->rng, 2) == 0) group_watch(g, group);
    g->cmd = add_cmd(group, DR_STEP_CMD, 0);
    dr_cmd_adds(g->cmd, "multi");
    for (uint64_t n = 1 + dr_rng_below(g->rng, 4); n > 0; n--) {
        const dr_offered *o = pick_command(g);
        if (!fits_in_multi(o->name)) continue;
        g->cmd = add_cmd(group, DR_STEP_CMD, 0);
        emit_command(g, o);
    }
    g->cmd = add_cmd(group, DR_STEP_CMD, 0);
    dr_cmd_adds(g->cmd, dr_rng_below(g->rng, 10) == 0 && dr_offer_has(g->offer, "discard") ? "discard" : "exec");
}

/* One or two clients block (timeouts of 0.05 s), then client 0 maybe pushes (within 20 ms
 * of the first blocking: each blocked client is given 10 ms to register). */
static void group_blocking(gen *g, dr_group *group, const char *const *blocking, size_t count) {
    int clients = 1 + (int)dr_rng_below(g->rng, 2);
    for (int c = 1; c <= clients; c++) {
        const char *name = blocking[dr_rng_below(g->rng, count)];
        g->cmd = add_cmd(group, DR_STEP_DEFER, c);
        dr_cmd_adds(g->cmd, name);
        const dr_template *t = template_of(name);
        ST_ASSERT(t != NULL);
        emit_seq(g, t->template, true);
        /* A timeout that ends the wait if nothing comes: the last or first %b. */
        size_t at = strcmp(name, "blmpop") == 0 ? 1 : (size_t)g->cmd->argc - 1;
        free(g->cmd->argv[at].ptr);
        g->cmd->argv[at].ptr = strdup("0.05");
        g->cmd->argv[at].len = 4;
        add_sleep(group, 10);
    }
    for (uint64_t pushes = dr_rng_below(g->rng, 3); pushes > 0; pushes--) {
        g->cmd = add_cmd(group, DR_STEP_CMD, 0);
        dr_cmd_adds(g->cmd, dr_rng_below(g->rng, 2) ? "lpush" : "rpush");
        draw(g, 'k');
        for (uint64_t v = 1 + dr_rng_below(g->rng, 2); v > 0; v--) draw(g, 'v');
    }
    dr_group_add(group, DR_STEP_COLLECT, 0);
}

void dr_generate(dr_rng *rng, const dr_offer *offer, size_t groups, dr_seq *seq) {
    const char *blocking[8];
    size_t blocking_count = 0;
    for (size_t i = 0; i < offer->count; i++)
        if (is_blocking(offer->commands[i].name)) blocking[blocking_count++] = offer->commands[i].name;
    bool expiry = dr_offer_has(offer, "set") && dr_offer_has(offer, "pttl") && dr_offer_has(offer, "exists");
    gen g = {rng, offer, NULL};
    for (size_t n = 0; n < groups; n++) {
        dr_group *group = dr_seq_new_group(seq);
        uint64_t r = dr_rng_below(rng, 1000);
        if (r < 1 && expiry) {
            group_expiry(&g, group);
        } else if (r < 30 && r >= 10 && dr_offer_has(offer, "multi")) {
            group_multi(&g, group);
        } else if (r < 35 && r >= 30 && blocking_count > 0) {
            group_blocking(&g, group, blocking, blocking_count);
        } else if (r < 42) {
            g.cmd = add_cmd(group, DR_STEP_CMD, 0);
            dr_cmd_adds(g.cmd, "nosuchcommand");
            draw(&g, 'v');
        } else {
            g.cmd = add_cmd(group, DR_STEP_CMD, 0);
            emit_command(&g, pick_command(&g));
        }
    }
}
