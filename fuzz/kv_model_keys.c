/* The model's keyspace commands. */
#include "kv_model.h"
#include "cursor.h"

/* The model is the harness, not the code under test: no coverage feedback from it. */
FUZZ_NO_COVERAGE_BEGIN

static void m_del(kvm_ctx *c) {
    int64_t n = 0;
    for (uint32_t i = 1; i < c->argc; i++) {
        kvm_entry *e = kvm_find(c, i);
        if (e == NULL) continue;
        kvm_delete(c->m, e);
        n++;
    }
    kvm_int(c, n);
}

static void m_exists(kvm_ctx *c) {
    int64_t n = 0;
    for (uint32_t i = 1; i < c->argc; i++)
        n += kvm_find(c, i) != NULL;
    kvm_int(c, n);
}

static void m_type(kvm_ctx *c) {
    kvm_entry *e = kvm_find(c, 1);
    kvm_simple(c, e == NULL ? "none" : e->type == KVM_STRING ? "string" : "list");
}

static const kvm_command commands[] = {
    {"del", -2, m_del},
    {"unlink", -2, m_del},
    {"exists", -2, m_exists},
    {"type", 2, m_type},
};

const kvm_family kvm_key_family = {.commands = commands,
                                   .count = sizeof commands / sizeof commands[0]};

FUZZ_NO_COVERAGE_END
