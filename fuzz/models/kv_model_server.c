/* The model's connection and server commands that have exact replies (INFO, CONFIG and
 * COMMAND have none: fuzz_kv_ops holds their replies to the protocol and the invariants). */
#include <stdio.h>
#include <string.h>

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

/* ---- the connection's commands (Redis 7.0's texts; HELLO speaks RESP2 only) ---- */

/* Only the user "default" exists; its password is requirepass, or any without one. */
static bool credentials_match(const kvm_ctx *c, const resp_arg *user, const resp_arg *pass) {
    const char *expected = c->m->config.requirepass;
    bool user_ok = user == NULL || (user->len == 7 && memcmp(user->ptr, "default", 7) == 0);
    if (!user_ok) return false;
    if (expected[0] == '\0') return true;
    return pass->len == strlen(expected) && memcmp(pass->ptr, expected, pass->len) == 0;
}

static void m_auth(kvm_ctx *c) {
    if (c->argc > 3) {
        kvm_error(c, "ERR syntax error");
    } else if (c->argc == 2 && c->m->config.requirepass[0] == '\0') {
        kvm_error(c, "ERR AUTH <password> called without any password configured for the "
                     "default user. Are you sure your configuration is correct?");
    } else if (credentials_match(c, c->argc == 3 ? &c->argv[1] : NULL, &c->argv[c->argc - 1])) {
        c->m->authenticated = true;
        kvm_simple(c, "OK");
    } else {
        kvm_error(c, "WRONGPASS invalid username-password pair or user is disabled.");
    }
}

static void m_quit(kvm_ctx *c) { kvm_simple(c, "OK"); }

static void m_time(kvm_ctx *c) {
    char text[2][24];
    int n0 = snprintf(text[0], sizeof text[0], "%lld", (long long)(c->m->now_ms / 1000));
    int n1 = snprintf(text[1], sizeof text[1], "%lld", (long long)(c->m->now_ms % 1000 * 1000));
    kvm_array(c, 2);
    kvm_bulk(c, text[0], (size_t)n0);
    kvm_bulk(c, text[1], (size_t)n1);
}

static void hello_reply(kvm_ctx *c) {
    static const char *const fields[] = {"server", "redis", "version", "7.0.15", "proto"};
    kvm_array(c, 14);
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        kvm_bulk(c, fields[i], strlen(fields[i]));
    kvm_int(c, 2);
    kvm_bulk(c, "id", 2);
    kvm_int(c, (int64_t)c->m->session_id);
    static const char *const more[] = {"mode", "standalone", "role", "master", "modules"};
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
        kvm_bulk(c, more[i], strlen(more[i]));
    kvm_array(c, 0);
}

static bool name_printable(const resp_arg *name) {
    for (size_t i = 0; i < name->len; i++) {
        if (name->ptr[i] < '!' || name->ptr[i] > '~') return false;
    }
    return true;
}

/* SETNAME's name: printable, within client_name_size_max; else the error is replied. */
static bool hello_name_ok(kvm_ctx *c, const resp_arg *name) {
    if (!name_printable(name)) {
        kvm_error(c, "ERR Client names cannot contain spaces, newlines or special characters.");
        return false;
    }
    if (name->len <= c->m->config.client_name_size_max) return true;
    char text[96];
    snprintf(text, sizeof text, "ERR client name exceeds client_name_size_max (%llu bytes)",
             (unsigned long long)c->m->config.client_name_size_max);
    kvm_error(c, text);
    return false;
}

/* HELLO's options: [AUTH user pass] [SETNAME name], in any order, each checked where it
 * stands (Redis 7.0.15 answers WRONGPASS for "HELLO 2 AUTH u p junk"); the last wins. */
static bool hello_options(kvm_ctx *c, uint32_t from, const resp_arg **pass) {
    for (uint32_t j = from; j < c->argc; j++) {
        uint32_t more = c->argc - 1 - j;
        if (kvm_arg_is(c, j, "auth") && more >= 2) {
            if (!credentials_match(c, &c->argv[j + 1], &c->argv[j + 2])) {
                kvm_error(c, "WRONGPASS invalid username-password pair or user is disabled.");
                return false;
            }
            *pass = &c->argv[j + 2];
            j += 2;
        } else if (kvm_arg_is(c, j, "setname") && more >= 1) {
            if (!hello_name_ok(c, &c->argv[++j])) return false;
        } else {
            /* The whole word (to its NUL, as %s), however long: the engine echoes it whole,
             * and a reply past reply_size_max is that limit's error. */
            static char text[KVM_ERROR_WORD_MAX + 64];
            int len = c->argv[j].len < KVM_ERROR_WORD_MAX ? (int)c->argv[j].len : KVM_ERROR_WORD_MAX;
            snprintf(text, sizeof text, "ERR Syntax error in HELLO option '%.*s'", len,
                     (const char *)c->argv[j].ptr);
            kvm_error(c, text);
            return false;
        }
    }
    return true;
}

/* Every option is checked before any takes effect: a refused HELLO changes nothing. */
static void m_hello(kvm_ctx *c) {
    int64_t version = 2;
    if (c->argc >= 2 && !kvm_parse_int(c->argv[1].ptr, c->argv[1].len, &version)) {
        kvm_error(c, "ERR Protocol version is not an integer or out of range");
        return;
    }
    if (version != 2) {
        kvm_error(c, "NOPROTO unsupported protocol version");
        return;
    }
    const resp_arg *pass = NULL;
    if (!hello_options(c, c->argc >= 2 ? 2 : 1, &pass)) return;
    if (pass == NULL && !c->m->authenticated) {
        kvm_error(c, "NOAUTH HELLO must be called with the client already authenticated, "
                     "otherwise the HELLO AUTH <user> <pass> option can be used to authenticate "
                     "the client and select the RESP protocol version at the same time");
        return;
    }
    if (pass != NULL) c->m->authenticated = true;
    hello_reply(c);
}

static const kvm_command connection_commands[] = {
    {"auth", -2, m_auth},
    {"quit", -1, m_quit},
    {"time", 1, m_time},
    {"hello", -1, m_hello},
};

const kvm_family kvm_connection_family = {.commands = connection_commands,
                                          .count = sizeof connection_commands /
                                                   sizeof connection_commands[0]};

static const kvm_command commands[] = {
    {"ping", -1, m_ping},      {"echo", 2, m_echo},      {"dbsize", 1, m_dbsize},
    {"flushall", -1, m_flush}, {"flushdb", -1, m_flush}, {"select", 2, m_select},
};

const kvm_family kvm_server_family = {.commands = commands,
                                      .count = sizeof commands / sizeof commands[0]};

FUZZ_NO_COVERAGE_END
