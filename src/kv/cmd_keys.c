/* Keyspace commands: DEL UNLINK EXISTS TYPE RENAME RENAMENX TOUCH KEYS SCAN EXPIRE PEXPIRE
 * EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST, with Redis 7.0's semantics and error
 * texts. */
#include <string.h>

#include "alloc/stasis_assert.h"
#include "kv/command.h"
#include "kv/resp_number.h"

/* ---- shared steps ---- */

/* A lookup for a write: expires the key if due, as Redis's lookupKeyWrite, without counting
 * a keyspace hit or miss (Redis counts those for reads only). */
static uint32_t lookup_write(kv_ctx *c, uint32_t i) {
    ST_ASSERT(i < c->argc);
    return kv_store_find_quiet(c->store, c->argv[i].ptr, c->argv[i].len, c->now_ms);
}

/* The bytes of an argument as Redis's C-string functions see them: up to its first NUL. */
static size_t cstr_len(const resp_arg *a) {
    const uint8_t *nul = a->len == 0 ? NULL : memchr(a->ptr, 0, a->len);
    return nul == NULL ? a->len : (size_t)(nul - a->ptr);
}

/*
 * Redis compares option words and type names with strcasecmp on its C strings, so an
 * argument is read up to its first NUL: "nx\0junk" is NX. (SET's options in cmd_strings.c
 * compare whole arguments instead.)
 */
static bool cstr_is(const resp_arg *a, const char *word) {
    size_t n = strlen(word);
    if (cstr_len(a) != n) return false;
    for (size_t k = 0; k < n; k++) {
        uint8_t b = a->ptr[k];
        if (b >= 'A' && b <= 'Z') b = (uint8_t)(b - 'A' + 'a');
        if (b != (uint8_t)word[k]) return false;
    }
    return true;
}

static const char *type_name(const kv_record *r) {
    return r->type == KV_TYPE_STRING ? "string" : "list";
}

/* ---- DEL, UNLINK, EXISTS, TYPE ---- */

/* DEL / UNLINK key [key ...]: both free at once (O(the keys' chunks)). */
static void cmd_del(kv_ctx *c) {
    int64_t deleted = 0;
    for (uint32_t i = 1; i < c->argc; i++) {
        uint32_t id = kv_lookup(c, i);
        if (id == KV_RECORD_NONE) continue;
        kv_store_delete(c->store, id);
        deleted++;
    }
    kv_reply_integer(c, deleted);
}

/* EXISTS key [key ...]: a key named twice counts twice. */
static void cmd_exists(kv_ctx *c) {
    int64_t count = 0;
    for (uint32_t i = 1; i < c->argc; i++)
        count += kv_lookup_notouch(c, i) != KV_RECORD_NONE;
    kv_reply_integer(c, count);
}

static void cmd_type(kv_ctx *c) {
    uint32_t id = kv_lookup_notouch(c, 1);
    if (id == KV_RECORD_NONE) {
        kv_reply_simple(c, "none");
    } else {
        kv_reply_simple(c, type_name(kv_store_record(c->store, id)));
    }
}

/* ---- RENAME ---- */

/*
 * RENAME key newkey / RENAMENX: the value and its TTL move to newkey, whose old value (any
 * type) is deleted (RENAMENX answers 0 instead when newkey exists). Checked in order: the
 * source exists (lazily expired), same name (OK or 0, nothing changes), key_size_max on the
 * new name, then the chunks of the final state: the new name needs chunks_for(newkey) and
 * gets back the old name's chunks and everything the overwritten destination held, so a
 * rename that shrinks nothing may still fit a full pool.
 */
static void rename_generic(kv_ctx *c, bool nx) {
    bool same =
        c->argv[1].len == c->argv[2].len &&
        (c->argv[1].len == 0 || memcmp(c->argv[1].ptr, c->argv[2].ptr, c->argv[1].len) == 0);
    uint32_t id = lookup_write(c, 1);
    if (id == KV_RECORD_NONE) {
        kv_reply_error(c, KV_ERR_NO_SUCH_KEY);
        return;
    }
    if (same) { /* nothing changes */
        if (nx) {
            kv_reply_integer(c, 0);
        } else {
            kv_reply_ok(c);
        }
        return;
    }
    if (!kv_check_key(c, 2)) return;
    uint32_t dst = lookup_write(c, 2);
    if (nx && dst != KV_RECORD_NONE) {
        kv_reply_integer(c, 0);
        return;
    }
    uint64_t freed = kv_store_key_chunks(c->store, id);
    if (dst != KV_RECORD_NONE) {
        freed += kv_store_key_chunks(c->store, dst) + kv_store_record(c->store, dst)->value_chunks;
    }
    uint64_t need = kv_store_chunks_for(c->store, c->argv[2].len);
    if (!kv_check_chunks(c, need > freed ? need - freed : 0)) return;
    /* Free before allocating: the destination goes first, then the old name (inside
     * kv_store_rename) before the new name is stored. */
    if (dst != KV_RECORD_NONE) kv_store_delete(c->store, dst);
    kv_store_rename(c->store, id, c->argv[2].ptr, c->argv[2].len);
    kv_reply_ok_or_one(c, nx);
}

static void cmd_rename(kv_ctx *c) { rename_generic(c, false); }
static void cmd_renamenx(kv_ctx *c) { rename_generic(c, true); }

/* ---- KEYS ---- */

typedef struct keys_walk {
    kv_ctx *c;
    const resp_arg *pattern; /* NULL: "*", every key */
    uint64_t keys;
    uint64_t key_bytes; /* their bulks' bytes */
    bool write;
} keys_walk;

/* KEYS skips expired keys without deleting them (Redis 7.0's keyIsExpired): the walk must
 * not change the table anyway. */
static void keys_visit(void *ctx, uint32_t id) {
    keys_walk *w = ctx;
    kv_store *s = w->c->store;
    if (kv_store_is_expired(s, id, w->c->now_ms)) return;
    if (w->pattern != NULL && !kv_store_key_matches(s, id, w->pattern->ptr, w->pattern->len)) {
        return;
    }
    const kv_record *r = kv_store_record(s, id);
    w->keys++;
    w->key_bytes += kv_bulk_reply_bytes(r->key_len);
    if (w->write) kv_reply_key(w->c, r);
}

/* KEYS pattern: two walks over the table, one to size the reply (its array header comes
 * first), one to write it. O(slots + keys x match). */
static void cmd_keys(kv_ctx *c) {
    const resp_arg *p = &c->argv[1];
    bool every = p->len == 1 && p->ptr[0] == '*';
    keys_walk w = {.c = c, .pattern = every ? NULL : p};
    table_for_each(&c->store->index, keys_visit, &w);
    if (!kv_reply_room(c, resp_array_header_size(w.keys) + w.key_bytes)) return;
    uint64_t keys = w.keys;
    w = (keys_walk){.c = c, .pattern = every ? NULL : p, .write = true};
    kv_reply_array(c, keys);
    table_for_each(&c->store->index, keys_visit, &w);
    ST_ASSERT(w.keys == keys);
}

/* ---- SCAN ---- */

/*
 * The cursor as Redis reads it: strtoul(s, &end, 10) on the argument's C string, refused
 * iff its first byte is a space, bytes are left over, or the value overflows. So "" is 0,
 * "+5" is 5, "-1" is 2^64 - 1, "5\0x" is 5, and " 5", "5 ", "0x5" are refused.
 */
static bool parse_cursor(const resp_arg *a, uint64_t *out) {
    size_t n = cstr_len(a);
    const uint8_t *p = a->ptr;
    if (n == 0) {
        *out = 0; /* no conversion, but nothing is left over either */
        return true;
    }
    if (p[0] == ' ' || (p[0] >= '\t' && p[0] <= '\r')) return false;
    size_t i = p[0] == '+' || p[0] == '-' ? 1 : 0;
    if (i == n || p[i] < '0' || p[i] > '9') return false; /* no digits: all left over */
    uint64_t v = 0;
    bool overflow = false;
    for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
        uint64_t d = (uint64_t)(p[i] - '0');
        if (v > (UINT64_MAX - d) / 10) overflow = true;
        v = v * 10 + d;
    }
    if (i != n || overflow) return false;
    *out = p[0] == '-' ? (uint64_t)0 - v : v; /* strtoul negates in unsigned arithmetic */
    return true;
}

typedef struct scan_options {
    uint64_t cursor;
    int64_t count;
    const resp_arg *pattern; /* NULL: none, or "*" */
    const resp_arg *type;    /* NULL: none */
} scan_options;

/* Redis's order: the cursor, then the options left to right; each needs its argument. */
static bool parse_scan(kv_ctx *c, scan_options *o) {
    *o = (scan_options){.count = 10};
    if (!parse_cursor(&c->argv[1], &o->cursor)) {
        kv_reply_error(c, "ERR invalid cursor");
        return false;
    }
    for (uint32_t i = 2; i < c->argc; i += 2) {
        bool has_value = c->argc - i >= 2;
        if (has_value && cstr_is(&c->argv[i], "count")) {
            if (!kv_arg_int64(c, i + 1, &o->count, NULL)) return false;
            if (o->count < 1) {
                kv_reply_error(c, KV_ERR_SYNTAX);
                return false;
            }
        } else if (has_value && cstr_is(&c->argv[i], "match")) {
            const resp_arg *p = &c->argv[i + 1];
            o->pattern = p->len == 1 && p->ptr[0] == '*' ? NULL : p; /* "*": no filter */
        } else if (has_value && cstr_is(&c->argv[i], "type")) {
            o->type = &c->argv[i + 1];
        } else {
            kv_reply_error(c, KV_ERR_SYNTAX);
            return false;
        }
    }
    return true;
}

enum {
    SCAN_REPLY = 1u << 0,  /* the key goes in the reply */
    SCAN_DELETE = 1u << 1, /* the key is expired and SCAN deletes it */
    SCAN_TYPED = 1u << 2,  /* the TYPE filter looked it up (a keyspace hit or miss) */
};

/*
 * What SCAN does with a record it visits, in Redis's filter order: a key that does not
 * match the pattern is left alone (even if expired); the TYPE filter looks the key up,
 * which deletes it if expired and then sees type "none"; a key still expired after that is
 * deleted and left out. So `TYPE none` replies with expired keys (and deletes them), as
 * Redis 7.0 does.
 */
static unsigned scan_verdict(const kv_ctx *c, const scan_options *o, uint32_t id) {
    const kv_store *s = c->store;
    if (o->pattern != NULL && !kv_store_key_matches(s, id, o->pattern->ptr, o->pattern->len)) {
        return 0;
    }
    bool expired = kv_store_is_expired(s, id, c->now_ms);
    unsigned delete = expired ? SCAN_DELETE : 0u;
    if (o->type == NULL) return expired ? SCAN_DELETE : SCAN_REPLY;
    const char *type = expired ? "none" : type_name(kv_store_record(s, id));
    return SCAN_TYPED | delete | (cstr_is(o->type, type) ? SCAN_REPLY : 0u);
}

typedef struct scan_walk {
    kv_ctx *c;
    const scan_options *o;
    uint64_t visited; /* records, before filtering: what COUNT counts, as in Redis */
    uint64_t keys;    /* records replied with */
    uint64_t key_bytes;
    bool write;
    uint32_t doomed[16]; /* expired records to delete once the walk is over */
    uint32_t doomed_count;
} scan_walk;

static void scan_visit(void *ctx, uint32_t id) {
    scan_walk *w = ctx;
    kv_store *s = w->c->store;
    unsigned v = scan_verdict(w->c, w->o, id);
    w->visited++;
    if ((v & SCAN_REPLY) != 0) {
        const kv_record *r = kv_store_record(s, id);
        w->keys++;
        w->key_bytes += kv_bulk_reply_bytes(r->key_len);
        if (w->write) kv_reply_key(w->c, r);
    }
    if (w->write && (v & SCAN_TYPED) != 0) {
        if ((v & SCAN_DELETE) != 0) {
            s->stats.keyspace_misses++;
        } else {
            s->stats.keyspace_hits++;
        }
    }
}

/* Collects expired records to delete (the table must not change during a walk). */
static void scan_collect_doomed(void *ctx, uint32_t id) {
    scan_walk *w = ctx;
    if (w->doomed_count == sizeof w->doomed / sizeof w->doomed[0]) return;
    if ((scan_verdict(w->c, w->o, id) & SCAN_DELETE) != 0) w->doomed[w->doomed_count++] = id;
}

/* The most a SCAN reply's framing takes: *2, the cursor's bulk, the keys' array header. */
#define SCAN_FRAMING_BYTES_MAX (4 + (1 + 20 + 2 + 20 + 2) + (1 + 20 + 2))

typedef struct scan_window {
    uint64_t homes; /* home slots [cursor, cursor + homes) */
    uint64_t next;  /* the cursor to reply: cursor + homes, or 0 at the end */
    uint64_t keys;
    uint64_t key_bytes;
} scan_window;

/*
 * Chooses the home slots this call covers, from the cursor: one at a time, as Redis calls
 * dictScan once per bucket, until the table ends, COUNT records were visited, or COUNT x 10
 * + 1 homes were (Redis's bound on work over a sparse table); and it stops early, before a
 * home whose keys would take the reply past reply_size_max, so the next call resumes there.
 * The first home is always taken: if its keys alone pass the limit, the reply is that
 * limit's error (kv_reply_room).
 */
static scan_window scan_choose(kv_ctx *c, const scan_options *o) {
    const table *t = &c->store->index;
    uint64_t slots = table_slots(t);
    scan_window win = {0};
    if (o->cursor >= slots) return win; /* not a cursor this table gave: the end */
    uint64_t count = (uint64_t)o->count;
    uint64_t homes_max = count >= slots / 10 ? slots : count * 10 + 1;
    uint64_t budget = c->engine->config->reply_size_max - SCAN_FRAMING_BYTES_MAX;
    uint64_t visited = 0;
    uint64_t home = o->cursor;
    do {
        scan_walk w = {.c = c, .o = o};
        uint64_t next = table_scan(t, home, 1, scan_visit, &w);
        if (win.homes > 0 && win.key_bytes + w.key_bytes > budget) break;
        win.homes++;
        win.keys += w.keys;
        win.key_bytes += w.key_bytes;
        win.next = next;
        visited += w.visited;
        home = next;
    } while (home != 0 && win.homes < homes_max && visited < count);
    return win;
}

/* Deletes the expired records of the window that SCAN's filters looked up. */
static void scan_expire(kv_ctx *c, const scan_options *o, const scan_window *win) {
    for (;;) {
        scan_walk w = {.c = c, .o = o};
        table_scan(&c->store->index, o->cursor, win->homes, scan_collect_doomed, &w);
        for (uint32_t i = 0; i < w.doomed_count; i++)
            kv_store_delete_expired(c->store, w.doomed[i], c->now_ms);
        if (w.doomed_count < sizeof w.doomed / sizeof w.doomed[0]) return;
    }
}

/*
 * SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]. The cursor is a home slot of the
 * table (table_scan): a key present for a whole iteration is returned exactly once, across
 * rehashes, because a key's home slot never changes. The window is sized first, so the
 * reply's size is known before anything is written or deleted.
 */
static void cmd_scan(kv_ctx *c) {
    scan_options o;
    if (!parse_scan(c, &o)) return;
    scan_window win = scan_choose(c, &o);
    uint64_t reply_cursor = win.next;
#ifdef STASIS_CANARY_SCAN_SKIPS_A_HOME
    /* Planted bug: after a window that found nothing the cursor skips one home, whose keys
     * an iteration then never returns. */
    if (reply_cursor != 0 && win.keys == 0 && reply_cursor + 1 < table_slots(&c->store->index)) {
        reply_cursor++;
    }
#endif
    char digits[RESP_INT64_TEXT_SIZE_MAX];
    size_t n = resp_format_u64(reply_cursor, digits, sizeof digits);
    uint64_t bytes = 4 + kv_bulk_reply_bytes(n) + resp_array_header_size(win.keys) + win.key_bytes;
    if (!kv_reply_room(c, bytes)) return;
    kv_reply_array(c, 2);
    kv_reply_bulk(c, digits, n);
    kv_reply_array(c, win.keys);
    if (win.homes == 0) return;
    scan_walk w = {.c = c, .o = &o, .write = true};
    uint64_t next = table_scan(&c->store->index, o.cursor, win.homes, scan_visit, &w);
    ST_ASSERT(next == win.next);
    ST_ASSERT(w.keys == win.keys);
    scan_expire(c, &o, &win);
}

/* ---- EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT ---- */

enum {
    EXPIRE_NX = 1u << 0,
    EXPIRE_XX = 1u << 1,
    EXPIRE_GT = 1u << 2,
    EXPIRE_LT = 1u << 3,
};

/* "-ERR Unsupported option <opt>", the option echoed as Redis's error formatting does. */
static void reply_unsupported_option(kv_ctx *c, uint32_t i) {
    kv_reply_error_echo(c, "ERR Unsupported option ", i, "");
}

/* NX XX GT LT, any order, repeats allowed; then the conflicts, as Redis checks them. */
static bool parse_expire_flags(kv_ctx *c, unsigned *flags) {
    static const struct {
        const char *word;
        unsigned flag;
    } words[] = {{"nx", EXPIRE_NX}, {"xx", EXPIRE_XX}, {"gt", EXPIRE_GT}, {"lt", EXPIRE_LT}};
    *flags = 0;
    for (uint32_t j = 3; j < c->argc; j++) {
        unsigned flag = 0;
        for (size_t k = 0; k < sizeof words / sizeof words[0] && flag == 0; k++) {
            if (cstr_is(&c->argv[j], words[k].word)) flag = words[k].flag;
        }
        if (flag == 0) {
            reply_unsupported_option(c, j);
            return false;
        }
        *flags |= flag;
    }
    if ((*flags & EXPIRE_NX) != 0 && (*flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) != 0) {
        kv_reply_error(c, "ERR NX and XX, GT or LT options at the same time are not compatible");
        return false;
    }
    if ((*flags & EXPIRE_GT) != 0 && (*flags & EXPIRE_LT) != 0) {
        kv_reply_error(c, "ERR GT and LT options at the same time are not compatible");
        return false;
    }
    return true;
}

/* The absolute expiry in ms, with Redis's overflow checks: seconds must scale without
 * overflow, and adding the base time must not pass INT64_MAX. */
static bool expire_time(kv_ctx *c, int64_t basetime_ms, bool seconds, const char *name,
                        int64_t *when) {
    if (!kv_arg_int64(c, 2, when, NULL)) return false;
    bool bad = seconds && (*when > INT64_MAX / 1000 || *when < INT64_MIN / 1000);
    if (!bad && seconds) *when *= 1000;
    bad = bad || *when > INT64_MAX - basetime_ms;
    if (bad) {
        kv_reply_errorf(c, "ERR invalid expire time in '%s' command", name);
        return false;
    }
    *when += basetime_ms;
    return true;
}

/* True iff NX/XX/GT/LT let the new expiry replace `current` (KV_NO_EXPIRE: none, which GT
 * treats as infinite and LT as always greater). */
static bool expire_allowed(unsigned flags, int64_t current, int64_t when) {
    bool none = current == KV_NO_EXPIRE;
    if ((flags & EXPIRE_NX) != 0 && !none) return false;
    if ((flags & EXPIRE_XX) != 0 && none) return false;
    if ((flags & EXPIRE_GT) != 0 && (none || when <= current)) return false;
    if ((flags & EXPIRE_LT) != 0 && !none && when >= current) return false;
    return true;
}

/* A time at or before now deletes the key at once and still answers 1, as Redis does. */
static void expire_generic(kv_ctx *c, bool relative, bool seconds, const char *name) {
    ST_ASSERT(c->now_ms >= 0); /* a Unix time: the overflow checks rely on it */
    unsigned flags = 0;
    int64_t when = 0;
    if (!parse_expire_flags(c, &flags)) return;
    if (!expire_time(c, relative ? c->now_ms : 0, seconds, name, &when)) return;
    uint32_t id = lookup_write(c, 1);
    if (id == KV_RECORD_NONE ||
        !expire_allowed(flags, kv_store_record(c->store, id)->expire_at_ms, when)) {
        kv_reply_integer(c, 0);
        return;
    }
    if (when <= c->now_ms) {
        kv_store_delete(c->store, id);
    } else {
        kv_store_set_expire(c->store, id, when);
    }
    kv_reply_integer(c, 1);
}

static void cmd_expire(kv_ctx *c) { expire_generic(c, true, true, "expire"); }
static void cmd_pexpire(kv_ctx *c) { expire_generic(c, true, false, "pexpire"); }
static void cmd_expireat(kv_ctx *c) { expire_generic(c, false, true, "expireat"); }
static void cmd_pexpireat(kv_ctx *c) { expire_generic(c, false, false, "pexpireat"); }

/* ---- TTL, PTTL, PERSIST ---- */

/* -2: no key; -1: no expiry; else the time left (or, absolute, the expiry time), in ms or
 * in seconds rounded to the nearest, as Redis's ttlGenericCommand. The lookup counts a hit
 * or miss and does not touch the key. */
static void ttl_generic(kv_ctx *c, bool ms, bool absolute) {
    uint32_t id = kv_lookup_notouch(c, 1);
    if (id == KV_RECORD_NONE) {
        kv_reply_integer(c, -2);
        return;
    }
    int64_t at = kv_store_record(c->store, id)->expire_at_ms;
    if (at == KV_NO_EXPIRE) {
        kv_reply_integer(c, -1);
        return;
    }
    ST_ASSERT(at >= c->now_ms); /* not expired, or the lookup would have deleted it */
    int64_t t = absolute ? at : at - c->now_ms;
    /* Rounded without overflow: an expiry at INT64_MAX ms (PEXPIREAT accepts it) is
     * 9223372036854776 s, as Redis answers, not t + 500 wrapped. t >= 0 here. */
    kv_reply_integer(c, ms ? t : t / 1000 + (t % 1000 + 500) / 1000);
}

static void cmd_ttl(kv_ctx *c) { ttl_generic(c, false, false); }
static void cmd_pttl(kv_ctx *c) { ttl_generic(c, true, false); }
static void cmd_expiretime(kv_ctx *c) { ttl_generic(c, false, true); }
static void cmd_pexpiretime(kv_ctx *c) { ttl_generic(c, true, true); }

/* TOUCH key [key ...]: how many exist (a key named twice counts twice); each is touched. */
static void cmd_touch(kv_ctx *c) {
    int64_t count = 0;
    for (uint32_t i = 1; i < c->argc; i++)
        count += kv_lookup(c, i) != KV_RECORD_NONE;
    kv_reply_integer(c, count);
}

static void cmd_persist(kv_ctx *c) {
    uint32_t id = lookup_write(c, 1);
    if (id == KV_RECORD_NONE || kv_store_record(c->store, id)->expire_at_ms == KV_NO_EXPIRE) {
        kv_reply_integer(c, 0);
        return;
    }
    kv_store_set_expire(c->store, id, KV_NO_EXPIRE);
    kv_reply_integer(c, 1);
}

#define W (KV_CMD_WRITE)
#define R (KV_CMD_READONLY)
#define F (KV_CMD_FAST)

static const kv_command commands[] = {
    KV_DATA_COMMAND("del", -2, W, cmd_del, 1, -1, 1),
    KV_DATA_COMMAND("unlink", -2, W | F, cmd_del, 1, -1, 1),
    KV_DATA_COMMAND("exists", -2, R | F, cmd_exists, 1, -1, 1),
    KV_DATA_COMMAND("type", 2, R | F, cmd_type, 1, 1, 1),
    KV_DATA_COMMAND("rename", 3, W, cmd_rename, 1, 2, 1),
    KV_DATA_COMMAND("renamenx", 3, W | F, cmd_renamenx, 1, 2, 1),
    KV_DATA_COMMAND("touch", -2, R | F, cmd_touch, 1, -1, 1),
    KV_DATA_COMMAND("expiretime", 2, R | F, cmd_expiretime, 1, 1, 1),
    KV_DATA_COMMAND("pexpiretime", 2, R | F, cmd_pexpiretime, 1, 1, 1),
    KV_DATA_COMMAND("keys", 2, R, cmd_keys, 0, 0, 0),
    KV_DATA_COMMAND("scan", -2, R, cmd_scan, 0, 0, 0),
    KV_DATA_COMMAND("expire", -3, W | F, cmd_expire, 1, 1, 1),
    KV_DATA_COMMAND("pexpire", -3, W | F, cmd_pexpire, 1, 1, 1),
    KV_DATA_COMMAND("expireat", -3, W | F, cmd_expireat, 1, 1, 1),
    KV_DATA_COMMAND("pexpireat", -3, W | F, cmd_pexpireat, 1, 1, 1),
    KV_DATA_COMMAND("ttl", 2, R | F, cmd_ttl, 1, 1, 1),
    KV_DATA_COMMAND("pttl", 2, R | F, cmd_pttl, 1, 1, 1),
    KV_DATA_COMMAND("persist", 2, W | F, cmd_persist, 1, 1, 1),
};

const kv_command_family kv_key_family = {.commands = commands,
                                         .count = sizeof commands / sizeof commands[0]};
