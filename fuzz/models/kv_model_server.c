/* The model's connection and server commands that have exact replies. */
#include "models/kv_model.h"
#include "harness/cursor.h"

/* The model is the harness, not the code under test: no coverage feedback from it. */
FUZZ_NO_COVERAGE_BEGIN

static void m_ping(kvm_ctx *c) {
    if (c->argc > 2) {
        kvm_error(c, "ERR wrong number of arguments for 'ping' command");
    } else if (c->argc == 2) {
        kvm_bulk(c, c->argv[1].ptr, c->argv[1].len);
    } else {
        kvm_simple(c, "PONG");
    }
}

static void m_echo(kvm_ctx *c) { kvm_bulk(c, c->argv[1].ptr, c->argv[1].len); }

static void m_dbsize(kvm_ctx *c) { kvm_int(c, (int64_t)kvm_live_keys(c->m)); }

static void m_flush(kvm_ctx *c) {
    if (c->argc > 2 || (c->argc == 2 && !kvm_arg_is(c, 1, "sync") && !kvm_arg_is(c, 1, "async"))) {
        kvm_error(c, "ERR syntax error");
        return;
    }
    for (int i = 0; i < KVM_ENTRIES_MAX; i++)
        c->m->entries[i].live = false;
    kvm_simple(c, "OK");
}

static void m_select(kvm_ctx *c) {
    int64_t db = 0;
    if (!kvm_arg_int(c, 1, &db)) return;
    if (db < INT32_MIN || db > INT32_MAX) {
        kvm_error(c, "ERR value is out of range, value must between -2147483648 and 2147483647");
    } else if (db != 0) {
        kvm_error(c, "ERR DB index is out of range");
    } else {
        kvm_simple(c, "OK");
    }
}

static const kvm_command commands[] = {
    {"ping", -1, m_ping},      {"echo", 2, m_echo},      {"dbsize", 1, m_dbsize},
    {"flushall", -1, m_flush}, {"flushdb", -1, m_flush}, {"select", 2, m_select},
};

const kvm_family kvm_server_family = {.commands = commands,
                                      .count = sizeof commands / sizeof commands[0]};

FUZZ_NO_COVERAGE_END
