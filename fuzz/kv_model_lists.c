/* The model's list commands: a list is an array of byte strings, index 0 the head. */
#include <string.h>

#include "kv_model.h"

static void push(kvm_ctx *c, bool head) {
    bool wrong = false;
    kvm_entry *e = kvm_find_typed(c, 1, KVM_LIST, &wrong);
    if (wrong) return;
    if (e == NULL && !kvm_check_key_size(c, 1)) return;
    for (uint32_t i = 2; i < c->argc; i++) {
        if (!kvm_check_value_size(c, c->argv[i].len)) return;
    }
    if (!kvm_check_list_length(c, (e == NULL ? 0 : e->list_len) + (c->argc - 2))) return;
    kvm_begin(c);
    if (e == NULL) e = kvm_add(c, 1, KVM_LIST);
    for (uint32_t i = 2; i < c->argc; i++) {
        if (head) {
            memmove(&e->list[1], &e->list[0], e->list_len * sizeof e->list[0]);
            kvm_set_bytes(&e->list[0], c->argv[i].ptr, c->argv[i].len);
        } else {
            kvm_set_bytes(&e->list[e->list_len], c->argv[i].ptr, c->argv[i].len);
        }
        e->list_len++;
    }
    if (kvm_commit(c)) kvm_int(c, e->list_len);
}

static void m_lpush(kvm_ctx *c) { push(c, true); }
static void m_rpush(kvm_ctx *c) { push(c, false); }

static void m_llen(kvm_ctx *c) {
    bool wrong = false;
    kvm_entry *e = kvm_find_typed(c, 1, KVM_LIST, &wrong);
    if (!wrong) kvm_int(c, e == NULL ? 0 : e->list_len);
}

static void m_lrange(kvm_ctx *c) {
    int64_t start = 0;
    int64_t end = 0;
    if (!kvm_arg_int(c, 2, &start) || !kvm_arg_int(c, 3, &end)) return;
    bool wrong = false;
    kvm_entry *e = kvm_find_typed(c, 1, KVM_LIST, &wrong);
    if (wrong) return;
    int64_t len = e == NULL ? 0 : e->list_len;
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (start > end || start >= len) {
        kvm_array(c, 0);
        return;
    }
    if (end >= len) end = len - 1;
    kvm_array(c, (uint64_t)(end - start + 1));
    for (int64_t i = start; i <= end; i++)
        kvm_bulk(c, e->list[i].b, e->list[i].len);
}

static const kvm_command commands[] = {
    {"lpush", -3, m_lpush},
    {"rpush", -3, m_rpush},
    {"llen", 2, m_llen},
    {"lrange", 4, m_lrange},
};

const kvm_family kvm_list_family = {.commands = commands,
                                    .count = sizeof commands / sizeof commands[0]};
