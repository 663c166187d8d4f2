/* The reference model's core: dispatch, replies, keys, limits and the write protocol. */
#include "models/kv_model.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "alloc/stasis_assert.h"
#include "harness/cursor.h"
#include "kv/name_index.h"

/* The model is the harness, not the code under test: no coverage feedback from it. */
FUZZ_NO_COVERAGE_BEGIN

static const kvm_family *const families[] = {
    &kvm_string_family, &kvm_bit_family,        &kvm_key_family, &kvm_list_family,
    &kvm_server_family, &kvm_connection_family, &kvm_lcs_family, &kvm_object_family,
    &kvm_meta_family,   &kvm_blocking_family};

static kvm_entry snapshot[KVM_ENTRIES_MAX];
static bool snapshot_taken;

void kvm_init(kv_model *m, const kv_config *config, uint64_t chunk_budget) {
    /* Only `live` says an entry is in use (kvm_add clears the rest when it takes one): a
     * reset that clears 20 entries of 1.7 KiB cost more than most inputs' commands. */
    for (size_t i = 0; i < KVM_ENTRIES_MAX; i++)
        m->entries[i].live = false;
    m->config = *config;
    m->chunk_budget = chunk_budget;
    m->now_ms = 0;
    m->authenticated = config->requirepass[0] == '\0';
    m->session_id = 1; /* the engine's first session */
    m->out_len = 0;
    m->expired_keys = 0;
}

/* ---- replies ---- */

static void out(kvm_ctx *c, const void *bytes, size_t len) {
    kv_model *m = c->m;
    ST_ASSERT(m->out_len + len <= sizeof m->out);
    memcpy(m->out + m->out_len, bytes, len);
    m->out_len += len;
}

/* "<prefix><decimal>\r\n", written backwards here: snprintf (every bulk's and array's header)
 * was a twentieth of kv_ops's execution under ASan. The model's own digits, not the
 * engine's formatter: a reference that shares the engine's code shares its bugs. */
static void out_number(kvm_ctx *c, char prefix, long long v) {
    char text[24]; /* the prefix, '-', 19 digits of 2^63, CR LF */
    size_t at = sizeof text;
    text[--at] = '\n';
    text[--at] = '\r';
    unsigned long long magnitude = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        text[--at] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude != 0);
    if (v < 0) text[--at] = '-';
    text[--at] = prefix;
    out(c, text + at, sizeof text - at);
}

void kvm_simple(kvm_ctx *c, const char *text) {
    out(c, "+", 1);
    out(c, text, strlen(text));
    out(c, "\r\n", 2);
}

void kvm_error(kvm_ctx *c, const char *text) {
    out(c, "-", 1);
    /* Runs without CR or LF go out whole; each CR or LF becomes a space. */
    for (const char *p = text; *p != '\0';) {
        size_t run = strcspn(p, "\r\n");
        out(c, p, run);
        p += run;
        if (*p != '\0') {
            out(c, " ", 1);
            p++;
        }
    }
    out(c, "\r\n", 2);
}

void kvm_int(kvm_ctx *c, int64_t v) { out_number(c, ':', (long long)v); }

void kvm_bulk(kvm_ctx *c, const void *bytes, size_t len) {
    out_number(c, '$', (long long)len);
    out(c, bytes, len);
    out(c, "\r\n", 2);
}

void kvm_null(kvm_ctx *c) { out(c, "$-1\r\n", 5); }
void kvm_null_array(kvm_ctx *c) { out(c, "*-1\r\n", 5); }
void kvm_array(kvm_ctx *c, uint64_t n) { out_number(c, '*', (long long)n); }

/* ---- arguments ---- */

bool kvm_arg_is(const kvm_ctx *c, uint32_t i, const char *word) {
    size_t n = strlen(word);
    if (c->argv[i].len != n) return false;
    for (size_t k = 0; k < n; k++) {
        int a = c->argv[i].ptr[k];
        if (a >= 'A' && a <= 'Z') a += 'a' - 'A';
        if (a != word[k]) return false;
    }
    return true;
}

/* Redis's rules, restated: 1 to 20 bytes; "0", or an optional '-' then a digit 1-9 then
 * digits; the value within int64. */
bool kvm_parse_int(const uint8_t *s, size_t len, int64_t *out) {
    if (len == 0 || len > 20) return false;
    if (len == 1 && s[0] == '0') {
        *out = 0;
        return true;
    }
    bool neg = s[0] == '-';
    size_t i = neg ? 1 : 0;
    if (i >= len || s[i] < '1' || s[i] > '9') return false;
    int64_t v = 0; /* accumulated negatively: INT64_MIN has no positive twin */
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_sub_overflow(v, s[i] - '0', &v)) {
            return false;
        }
    }
    if (!neg && v == INT64_MIN) return false;
    *out = neg ? v : -v;
    return true;
}

bool kvm_arg_int(kvm_ctx *c, uint32_t i, int64_t *out) {
    if (kvm_parse_int(c->argv[i].ptr, c->argv[i].len, out)) return true;
    kvm_error(c, "ERR value is not an integer or out of range");
    return false;
}

/* ---- keys ---- */

static bool same_key(const kvm_entry *e, const uint8_t *key, size_t len) {
    return e->live && e->key.len == len && memcmp(e->key.b, key, len) == 0;
}

kvm_entry *kvm_find_bytes(kv_model *m, const uint8_t *key, size_t len) {
    for (size_t i = 0; i < KVM_ENTRIES_MAX; i++) {
        kvm_entry *e = &m->entries[i];
        if (!same_key(e, key, len)) continue;
        if (e->expire_at_ms != KVM_NO_EXPIRE && m->now_ms > e->expire_at_ms) {
            /* An expired key is gone for good, even if the command is then rejected: the
             * engine deletes it when it looks it up, as Redis does. */
            kvm_delete(m, e);
            if (snapshot_taken) snapshot[i].live = false;
            m->expired_keys++;
            return NULL;
        }
        return e;
    }
    return NULL;
}

kvm_entry *kvm_find(kvm_ctx *c, uint32_t key_arg) {
    return kvm_find_bytes(c->m, c->argv[key_arg].ptr, c->argv[key_arg].len);
}

kvm_entry *kvm_find_typed(kvm_ctx *c, uint32_t key_arg, kvm_type type, bool *wrongtype) {
    kvm_entry *e = kvm_find(c, key_arg);
    *wrongtype = e != NULL && e->type != type;
    if (*wrongtype) {
        kvm_error(c, "WRONGTYPE Operation against a key holding the wrong kind of value");
        return NULL;
    }
    return e;
}

void kvm_set_bytes(kvm_bytes *dst, const uint8_t *src, size_t len) {
    ST_ASSERT(len <= KVM_BYTES_MAX);
    dst->len = (uint32_t)len;
    if (len > 0) memcpy(dst->b, src, len);
}

kvm_entry *kvm_add(kvm_ctx *c, uint32_t key_arg, kvm_type type) {
    for (size_t i = 0; i < KVM_ENTRIES_MAX; i++) {
        kvm_entry *e = &c->m->entries[i];
        if (e->live) continue;
        memset(e, 0, sizeof *e);
        e->live = true;
        e->type = (uint8_t)type;
        e->expire_at_ms = KVM_NO_EXPIRE;
        kvm_set_bytes(&e->key, c->argv[key_arg].ptr, c->argv[key_arg].len);
        return e;
    }
    /* KVM_ENTRIES_MAX holds keys_max and what one command adds: a harness bug if not. */
    ST_ASSERT(false); /* the entries are full: KVM_ENTRIES_MAX is too small */
    return NULL;
}

void kvm_delete(kv_model *m, kvm_entry *e) {
    (void)m;
    e->live = false;
}

void kvm_expire_all(kv_model *m, int64_t now_ms) {
    for (size_t i = 0; i < KVM_ENTRIES_MAX; i++) {
        kvm_entry *e = &m->entries[i];
        if (e->live && e->expire_at_ms != KVM_NO_EXPIRE && now_ms > e->expire_at_ms) {
            kvm_delete(m, e);
            m->expired_keys++;
        }
    }
}

uint64_t kvm_live_keys(const kv_model *m) {
    uint64_t n = 0;
    for (size_t i = 0; i < KVM_ENTRIES_MAX; i++)
        n += m->entries[i].live;
    return n;
}

/* ---- limits ---- */

static void limit_error(kvm_ctx *c, const char *what, const char *name, uint64_t v,
                        const char *unit) {
    char text[160];
    snprintf(text, sizeof text, "ERR %s exceeds %s (%llu %s)", what, name, (unsigned long long)v,
             unit);
    kvm_error(c, text);
}

bool kvm_check_key_size(kvm_ctx *c, uint32_t key_arg) {
    if (c->argv[key_arg].len <= c->m->config.key_size_max) return true;
    limit_error(c, "key", "key_size_max", c->m->config.key_size_max, "bytes");
    return false;
}

bool kvm_check_value_size(kvm_ctx *c, uint64_t len) {
    if (len <= c->m->config.value_size_max) return true;
    limit_error(c, "value", "value_size_max", c->m->config.value_size_max, "bytes");
    return false;
}

bool kvm_check_list_length(kvm_ctx *c, uint64_t len) {
    if (len <= c->m->config.list_length_max) return true;
    limit_error(c, "list", "list_length_max", c->m->config.list_length_max, "elements");
    return false;
}

static uint64_t ceil_chunks(const kv_model *m, uint64_t bytes) {
    return (bytes + m->config.chunk_size - 1) / m->config.chunk_size;
}

uint64_t kvm_chunks_used(const kv_model *m) {
    uint64_t used = 0;
    for (size_t i = 0; i < KVM_ENTRIES_MAX; i++) {
        const kvm_entry *e = &m->entries[i];
        if (!e->live) continue;
        used += ceil_chunks(m, e->key.len);
        if (e->type == KVM_STRING) used += ceil_chunks(m, e->str.len);
        for (uint32_t k = 0; e->type == KVM_LIST && k < e->list_len; k++) {
            used += ceil_chunks(m, e->list[k].len + 12);
        }
    }
    return used;
}

/* What an entry's state is: all of it but the list elements past its length (a write's
 * snapshot costs the data that is there, not the model's capacity). */
static void copy_entry(kvm_entry *dst, const kvm_entry *src) {
    if (!src->live) {
        dst->live = false;
        return;
    }
    memcpy(dst, src, offsetof(kvm_entry, list));
    uint32_t n = src->type == KVM_LIST ? src->list_len : 0;
    ST_ASSERT(n <= KVM_LIST_MAX);
    if (n > 0) memcpy(dst->list, src->list, n * sizeof src->list[0]);
}

void kvm_begin(kvm_ctx *c) {
    for (size_t i = 0; i < KVM_ENTRIES_MAX; i++)
        copy_entry(&snapshot[i], &c->m->entries[i]);
    snapshot_taken = true;
}

static void restore(kvm_ctx *c) {
    for (size_t i = 0; i < KVM_ENTRIES_MAX; i++)
        copy_entry(&c->m->entries[i], &snapshot[i]);
}

/* True iff the state passes keys_max or the chunk budget. */
static bool over_capacity(const kv_model *m) {
    return kvm_live_keys(m) > m->config.keys_max || kvm_chunks_used(m) > m->chunk_budget;
}

bool kvm_commit(kvm_ctx *c) {
    kv_model *m = c->m;
    snapshot_taken = false;
    /* The engine collects the keys that were already expired before it refuses a write for
     * keys_max or chunks (not the command's own keys: it looked those up, so they were
     * live), and they stay collected even if it then refuses. Such keys are the same entry
     * in the snapshot and in the new state. */
    if (over_capacity(m)) {
        for (size_t i = 0; i < KVM_ENTRIES_MAX; i++) {
            kvm_entry *e = &snapshot[i];
            if (!e->live || e->expire_at_ms == KVM_NO_EXPIRE || m->now_ms <= e->expire_at_ms)
                continue;
            e->live = false;
            m->entries[i].live = false;
            m->expired_keys++;
        }
    }
    for (size_t i = 0; i < KVM_ENTRIES_MAX; i++) {
        const kvm_entry *e = &m->entries[i];
        if (e->live && e->type == KVM_LIST && e->list_len > m->config.list_length_max) {
            restore(c);
            limit_error(c, "list", "list_length_max", m->config.list_length_max, "elements");
            return false;
        }
    }
    if (kvm_live_keys(m) > m->config.keys_max) {
        restore(c);
        limit_error(c, "key count", "keys_max", m->config.keys_max, "keys");
        return false;
    }
    if (kvm_chunks_used(m) > m->chunk_budget) {
        ST_ASSERT(m->config.capacity_policy == KV_POLICY_SHARED);
        restore(c);
        kvm_error(c, "OOM command not allowed when used memory > 'maxmemory'.");
        return false;
    }
    return true;
}

/* ---- dispatch ---- */

/*
 * The commands whose reply carries data they also change: when that reply passes
 * reply_size_max the engine refuses it and changes nothing but the lazy expiry of the keys
 * it looked up, so the model restores every entry as it was before the command, except
 * expired entries the command deleted (or whose slot it reused). A command added to the
 * model that replies data it changes belongs here.
 */
static const char *const data_writes[] = {"lpop", "rpop",  "getdel", "getset",
                                          "set",  "getex", "lmpop",  "incrbyfloat"};
/* Their commands, found when the index is built: a command is then matched by its address,
 * not by comparing its name with every entry on every command. */
static const kvm_command *data_write_commands[sizeof data_writes / sizeof data_writes[0]];

/* The commands by name, through the engine's name index (kv/name_index.h): a walk of
 * every family per command was a third of the model's time. Built on the first lookup. */
static const kvm_command *command_list[KV_NAME_INDEX_ENTRIES_MAX]; /* families' order */
static size_t command_total;
static kv_name_index command_index;

static const char *command_name(size_t position) { return command_list[position]->name; }

static void index_commands(void) {
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
        for (size_t i = 0; i < families[f]->count; i++) {
            ST_ASSERT(command_total < KV_NAME_INDEX_ENTRIES_MAX);
            command_list[command_total++] = &families[f]->commands[i];
        }
    }
    kv_name_index_build(&command_index, command_name, command_total);
    for (size_t i = 0; i < sizeof data_writes / sizeof data_writes[0]; i++) {
        size_t p = kv_name_index_find(&command_index, command_name, data_writes[i]);
        ST_ASSERT(p != SIZE_MAX); /* every data write is a command the model has */
        data_write_commands[i] = command_list[p];
    }
}

static const kvm_command *lookup(const resp_arg *name) {
    if (!command_index.built) index_commands();
    size_t p = kv_name_index_find_folded(&command_index, command_name, name->ptr, name->len);
    return p == SIZE_MAX ? NULL : command_list[p];
}

/* The longest reply the model's data can make: a whole list of the longest elements. */
#define KVM_DATA_REPLY_MAX (5 + KVM_LIST_MAX * (KVM_BYTES_MAX + 7) + 64)

static kvm_entry entries_before[KVM_ENTRIES_MAX];

/* Whether the command is a data write whose reply may pass `room` bytes. */
static bool data_write_may_pass_limit(const kvm_command *cmd, uint64_t room) {
    if (room >= KVM_DATA_REPLY_MAX) return false;
    bool listed = false;
    for (size_t i = 0; i < sizeof data_write_commands / sizeof data_write_commands[0]; i++)
        listed = listed || cmd == data_write_commands[i];
    return listed;
}

/* Undoes a refused data write: entries_before back, but for lazily expired keys. */
static void restore_data_write(kv_model *m) {
    for (size_t i = 0; i < KVM_ENTRIES_MAX; i++) {
        const kvm_entry *was = &entries_before[i];
        kvm_entry *now = &m->entries[i];
        bool expired = was->live && was->expire_at_ms != KVM_NO_EXPIRE &&
                       m->now_ms > was->expire_at_ms;
        bool gone = !now->live || now->key.len != was->key.len ||
                    memcmp(now->key.b, was->key.b, was->key.len) != 0;
        if (expired && gone) {
            now->live = false;
        } else {
            copy_entry(now, was);
        }
    }
}

/* Redis's text, rebuilt: the name and each argument quoted, cut at 128 bytes and at NULs. */
static void unknown_command(kvm_ctx *c) {
    char text[1024];
    size_t n = 0;
    n += (size_t)snprintf(
        text + n, sizeof text - n, "ERR unknown command '%.*s', with args beginning with: ",
        (int)(c->argv[0].len > 128 ? 128 : c->argv[0].len), (const char *)c->argv[0].ptr);
    /* %.*s stops at a NUL, as Redis's does */
    char args[600];
    size_t a = 0;
    for (uint32_t i = 1; i < c->argc && a < 128; i++) {
        int room = (int)(128 - a);
        int take = (int)c->argv[i].len < room ? (int)c->argv[i].len : room;
        a += (size_t)snprintf(args + a, sizeof args - a, "'%.*s' ", take,
                              (const char *)c->argv[i].ptr);
    }
    args[a] = '\0';
    snprintf(text + n, sizeof text - n, "%s", args);
    kvm_error(c, text);
}

/* "ERR unknown subcommand '<word>'. Try <CONTAINER> HELP." (the word cut at 128 bytes and
 * at a NUL, as Redis's %.128s). */
static void unknown_subcommand(kvm_ctx *c, const kvm_command *container) {
    char upper[32];
    size_t n = strlen(container->name);
    ST_ASSERT(n < sizeof upper);
    for (size_t i = 0; i <= n; i++) {
        char ch = container->name[i];
        upper[i] = ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
    }
    char text[256];
    int len = c->argv[1].len < 128 ? (int)c->argv[1].len : 128;
    snprintf(text, sizeof text, "ERR unknown subcommand '%.*s'. Try %s HELP.", len,
             (const char *)c->argv[1].ptr, upper);
    kvm_error(c, text);
}

static const kvm_container *const containers[] = {&kvm_object_container, &kvm_function_container,
                                                  &kvm_config_container, &kvm_command_container};

/* The subcommand argv[1] names (case-insensitive), or NULL having replied the error. */
static const kvm_command *subcommand(kvm_ctx *c, const kvm_command *container) {
    const kvm_container *box = NULL;
    for (size_t i = 0; i < sizeof containers / sizeof containers[0]; i++) {
        if (strcmp(containers[i]->name, container->name) == 0) box = containers[i];
    }
    ST_ASSERT(box != NULL);
    for (size_t i = 0; i < box->count; i++) {
        const kvm_command *sub = &box->subcommands[i];
        const char *word = strchr(sub->name, '|') + 1;
        if (kvm_arg_is(c, 1, word)) return sub;
    }
    unknown_subcommand(c, container);
    return NULL;
}

/* QUIT, AUTH and HELLO are the commands a client may send before it authenticates. */
static bool runs_unauthenticated(const char *name) {
    return strcmp(name, "quit") == 0 || strcmp(name, "auth") == 0 || strcmp(name, "hello") == 0;
}

/* A reply longer than `room` (at most reply_size_max) is reply_size_max's error instead.
 * Returns true iff it replaced the reply (the caller restores what the command changed). */
static bool apply_reply_limit(kvm_ctx *c, uint64_t room) {
    kv_model *m = c->m;
    if (m->out_len <= room) return false;
    m->out_len = 0;
    limit_error(c, "reply", "reply_size_max", m->config.reply_size_max, "bytes");
    return true;
}

/* The command argv names, or NULL having replied why it is refused before it runs (unknown
 * command or subcommand, arity, NOAUTH): inside MULTI these are refused while queueing. */
static const kvm_command *resolve(kvm_ctx *c) {
    const kvm_command *cmd = lookup(&c->argv[0]);
    if (cmd == NULL) {
        unknown_command(c);
        return NULL;
    }
    if (cmd->handler == NULL && c->argc >= 2 && (cmd = subcommand(c, cmd)) == NULL) return NULL;
    bool arity_ok = cmd->arity > 0 ? c->argc == (uint32_t)cmd->arity
                                   : c->argc >= (uint32_t)(-cmd->arity);
    if (!arity_ok) {
        char text[128];
        snprintf(text, sizeof text, "ERR wrong number of arguments for '%s' command", cmd->name);
        kvm_error(c, text);
        return NULL;
    }
    if (!c->m->authenticated && !runs_unauthenticated(cmd->name)) {
        kvm_error(c, "NOAUTH Authentication required.");
        return NULL;
    }
    return cmd;
}

static kvm_ctx start(kv_model *m, const resp_arg *argv, uint32_t argc, int64_t now_ms) {
    ST_ASSERT(argc >= 1);
    m->now_ms = now_ms;
    m->out_len = 0;
    snapshot_taken = false;
    m->reply_kind = KVM_REPLY_EXACT;
    return (kvm_ctx){.m = m, .argv = argv, .argc = argc};
}

bool kvm_refuses(kv_model *m, const resp_arg *argv, uint32_t argc, int64_t now_ms) {
    kvm_ctx c = start(m, argv, argc, now_ms);
    return resolve(&c) == NULL;
}

static void execute(kv_model *m, const resp_arg *argv, uint32_t argc, int64_t now_ms,
                    uint64_t room, bool may_block) {
    kvm_ctx c = start(m, argv, argc, now_ms);
    m->may_block = may_block;
    if (room > m->config.reply_size_max) room = m->config.reply_size_max;
    const kvm_command *cmd = resolve(&c);
    if (cmd == NULL) return;
    ST_ASSERT(cmd->handler != NULL); /* a container's arity asks for its subcommand */
    bool data_write = data_write_may_pass_limit(cmd, room);
    if (data_write) { /* the entries' state, not their capacity (copy_entry) */
        for (size_t i = 0; i < KVM_ENTRIES_MAX; i++)
            copy_entry(&entries_before[i], &m->entries[i]);
    }
    cmd->handler(&c);
    if (apply_reply_limit(&c, room) && data_write) restore_data_write(m);
}

void kvm_execute_in(kv_model *m, const resp_arg *argv, uint32_t argc, int64_t now_ms,
                    uint64_t room) {
    execute(m, argv, argc, now_ms, room, false);
}

void kvm_execute(kv_model *m, const resp_arg *argv, uint32_t argc, int64_t now_ms) {
    execute(m, argv, argc, now_ms, m->config.reply_size_max, true);
}

FUZZ_NO_COVERAGE_END
