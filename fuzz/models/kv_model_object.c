/* The model's RANDOMKEY, OBJECT and FUNCTION FLUSH (Redis 7.0's texts; what stasis
 * answers where it differs from Redis by design: ENCODING names stasis's representations,
 * REFCOUNT is 1, FREQ is refused as under Redis's default noeviction policy). */
#include <stdio.h>
#include <string.h>

#include "harness/cursor.h"
#include "models/kv_model.h"

/* The model is the harness, not the code under test: no coverage feedback from it. */
FUZZ_NO_COVERAGE_BEGIN

static bool expired(const kv_model *m, const kvm_entry *e) {
    return e->live && e->expire_at_ms != KVM_NO_EXPIRE && m->now_ms > e->expire_at_ms;
}

/* RANDOMKEY: with a key not expired, one of them (which one is the engine's draw: the
 * harness checks it and mirrors the expired keys the draws deleted); with none, $-1, and
 * every expired key was drawn and deleted on the way. */
static void m_randomkey(kvm_ctx *c) {
    kv_model *m = c->m;
    for (size_t i = 0; i < KVM_ENTRIES_MAX; i++) {
        if (m->entries[i].live && !expired(m, &m->entries[i])) {
            m->reply_kind = KVM_REPLY_RANDOM_KEY;
            return;
        }
    }
    kvm_expire_all(m, m->now_ms);
    kvm_null(c);
}

/* The key argv[2] (lazily expired), or NULL having replied $-1. */
static kvm_entry *object_key(kvm_ctx *c) {
    kvm_entry *e = kvm_find(c, 2);
    if (e == NULL) kvm_null(c);
    return e;
}

static void m_object_encoding(kvm_ctx *c) {
    const kvm_entry *e = object_key(c);
    if (e == NULL) return;
    const char *name = e->type == KVM_STRING ? "raw" : "linkedlist";
    kvm_bulk(c, name, strlen(name));
}

static void m_object_refcount(kvm_ctx *c) {
    if (object_key(c) != NULL) kvm_int(c, 1);
}

static void m_object_idletime(kvm_ctx *c) {
    if (object_key(c) != NULL) c->m->reply_kind = KVM_REPLY_IDLETIME;
}

static void m_object_freq(kvm_ctx *c) {
    if (object_key(c) == NULL) return;
    kvm_error(c, "ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
                 "Please note that when switching between policies at runtime LRU and LFU data "
                 "will take some time to adjust.");
}

static void m_object_help(kvm_ctx *c) {
    static const char *const lines[] = {
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    };
    kvm_array(c, sizeof lines / sizeof lines[0]);
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        kvm_simple(c, lines[i]);
}

/* FUNCTION FLUSH [ASYNC|SYNC]: there are no functions; OK. */
static void m_function_flush(kvm_ctx *c) {
    if (c->argc > 3) {
        char text[160];
        snprintf(text, sizeof text,
                 "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try FUNCTION "
                 "HELP.",
                 (int)c->argv[1].len, (const char *)c->argv[1].ptr);
        kvm_error(c, text);
    } else if (c->argc == 3 && !kvm_arg_is(c, 2, "sync") && !kvm_arg_is(c, 2, "async")) {
        kvm_error(c, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    } else {
        kvm_simple(c, "OK");
    }
}

static const kvm_command object_subcommands[] = {
    {"object|encoding", 3, m_object_encoding},
    {"object|freq", 3, m_object_freq},
    {"object|help", 2, m_object_help},
    {"object|idletime", 3, m_object_idletime},
    {"object|refcount", 3, m_object_refcount},
};

static const kvm_command function_subcommands[] = {
    {"function|flush", -2, m_function_flush},
};

const kvm_container kvm_object_container = {
    "object", object_subcommands, sizeof object_subcommands / sizeof object_subcommands[0]};
const kvm_container kvm_function_container = {"function", function_subcommands, 1};

static const kvm_command commands[] = {
    {"randomkey", 1, m_randomkey},
    {"object", -2, NULL},
    {"function", -2, NULL},
};

const kvm_family kvm_object_family = {.commands = commands,
                                      .count = sizeof commands / sizeof commands[0]};

FUZZ_NO_COVERAGE_END
