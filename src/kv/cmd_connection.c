/* Connection commands: PING, ECHO, QUIT, AUTH, HELLO, SELECT. */
#include <string.h>

#include "alloc/stasis_assert.h"
#include "kv/command.h"

/* The Redis version whose behaviour stasis follows; HELLO and INFO report it. */
#define KV_REDIS_COMPAT_VERSION "7.0.15"

static void cmd_ping(kv_ctx *c) {
    if (c->argc > 2) {
        kv_reply_error(c, "ERR wrong number of arguments for 'ping' command");
    } else if (c->argc == 1) {
        kv_reply_simple(c, "PONG");
    } else {
        kv_reply_bulk(c, c->argv[1].ptr, c->argv[1].len);
    }
}

static void cmd_echo(kv_ctx *c) { kv_reply_bulk(c, c->argv[1].ptr, c->argv[1].len); }

static void cmd_quit(kv_ctx *c) {
    kv_reply_ok(c);
    c->session->close_after_reply = true;
}

/* Constant-time comparison: how long it takes must not tell how much of a guess is right. */
static bool password_matches(const char *expected, const resp_arg *given) {
    size_t n = strlen(expected);
    uint8_t diff = (uint8_t)(n != given->len);
    for (size_t i = 0; i < given->len; i++) {
        diff |= (uint8_t)((uint8_t)expected[i < n ? i : 0] ^ given->ptr[i]);
    }
    return diff == 0 && n > 0;
}

/*
 * Users: only "default" exists, as in Redis without ACLs; requirepass is its password, and
 * without one it is "nopass" (any password matches). user NULL means "default".
 */
static bool credentials_match(const kv_ctx *c, const resp_arg *user, const resp_arg *pass) {
    const char *expected = c->engine->config->requirepass;
    bool user_ok = user == NULL || (user->len == 7 && memcmp(user->ptr, "default", 7) == 0);
    return user_ok && (expected[0] == '\0' || password_matches(expected, pass));
}

static void cmd_auth(kv_ctx *c) {
    if (c->argc > 3) {
        kv_reply_error(c, KV_ERR_SYNTAX);
        return;
    }
    if (c->argc == 2 && c->engine->config->requirepass[0] == '\0') {
        kv_reply_error(c, "ERR AUTH <password> called without any password configured for "
                          "the default user. Are you sure your configuration is correct?");
        return;
    }
    const resp_arg *user = c->argc == 3 ? &c->argv[1] : NULL;
    if (credentials_match(c, user, &c->argv[c->argc - 1])) {
        c->session->authenticated = true;
        kv_reply_ok(c);
    } else {
        kv_reply_error(c, "WRONGPASS invalid username-password pair or user is disabled.");
    }
}

/* Redis's rule for client names: printable ASCII without spaces. */
static bool client_name_valid(const resp_arg *name) {
    for (size_t i = 0; i < name->len; i++) {
        if (name->ptr[i] < '!' || name->ptr[i] > '~') return false;
    }
    return true;
}

/* A valid name within client_name_size_max, or the error. */
static bool client_name_ok(kv_ctx *c, const resp_arg *name) {
    if (!client_name_valid(name)) {
        kv_reply_error(c,
                       "ERR Client names cannot contain spaces, newlines or special characters.");
        return false;
    }
    if (name->len > c->session->name_capacity) {
        c->engine->stats.limit_rejections++;
        kv_reply_errorf(c, "ERR client name exceeds client_name_size_max (%u bytes)",
                        c->session->name_capacity);
        return false;
    }
    return true;
}

static void reply_hello(kv_ctx *c) {
    kv_reply_array(c, 14);
    /* Clients read these to pick features: answer as the Redis stasis follows (INFO adds
     * stasis_version). */
    kv_reply_bulk_cstr(c, "server");
    kv_reply_bulk_cstr(c, "redis");
    kv_reply_bulk_cstr(c, "version");
    kv_reply_bulk_cstr(c, KV_REDIS_COMPAT_VERSION);
    kv_reply_bulk_cstr(c, "proto");
    kv_reply_integer(c, 2);
    kv_reply_bulk_cstr(c, "id");
    kv_reply_integer(c, (int64_t)c->session->id);
    kv_reply_bulk_cstr(c, "mode");
    kv_reply_bulk_cstr(c, "standalone");
    kv_reply_bulk_cstr(c, "role");
    kv_reply_bulk_cstr(c, "master");
    kv_reply_bulk_cstr(c, "modules");
    kv_reply_array(c, 0);
}

/*
 * HELLO [protover [AUTH user pass] [SETNAME name]]. Only RESP2 is spoken: 3 answers
 * -NOPROTO. Options are checked left to right, in Redis's order, and the first error is
 * the answer; unlike Redis, all are checked before any takes effect, so a rejected HELLO
 * changes nothing (Redis may have authenticated or renamed before failing).
 */
static void cmd_hello(kv_ctx *c) {
    uint32_t next = 1;
    if (c->argc >= 2) {
        int64_t version = 0;
        if (!kv_arg_int64(c, 1, &version,
                          "ERR Protocol version is not an integer or out of range")) {
            return;
        }
        if (version != 2) {
            kv_reply_error(c, "NOPROTO unsupported protocol version");
            return;
        }
        next = 2;
    }
    const resp_arg *pass = NULL;
    const resp_arg *name = NULL;
    /* Redis's order: each option is checked where it stands, left to right. */
    for (uint32_t j = next; j < c->argc; j++) {
        uint32_t more = c->argc - 1 - j;
        if (kv_arg_is(c, j, "auth") && more >= 2) {
            if (!credentials_match(c, &c->argv[j + 1], &c->argv[j + 2])) {
                kv_reply_error(c, "WRONGPASS invalid username-password pair or user is disabled.");
                return;
            }
            pass = &c->argv[j + 2];
            j += 2;
        } else if (kv_arg_is(c, j, "setname") && more >= 1) {
            if (!client_name_ok(c, &c->argv[j + 1])) return;
            name = &c->argv[j + 1];
            j++;
        } else {
            kv_reply_error_echo(c, "ERR Syntax error in HELLO option '", j, "'");
            return;
        }
    }
    if (pass == NULL && !c->session->authenticated) {
        kv_reply_error(c, "NOAUTH HELLO must be called with the client already authenticated, "
                          "otherwise the HELLO AUTH <user> <pass> option can be used to "
                          "authenticate the client and select the RESP protocol version at "
                          "the same time");
        return;
    }
    if (pass != NULL) c->session->authenticated = true;
    if (name != NULL) {
        memcpy(c->session->name, name->ptr, name->len);
        c->session->name_len = (uint32_t)name->len;
    }
    reply_hello(c);
}

static void cmd_select(kv_ctx *c) {
    int64_t db = 0;
    if (!kv_arg_int64(c, 1, &db, NULL)) return;
    if (db < INT32_MIN || db > INT32_MAX) {
        kv_reply_error(c,
                       "ERR value is out of range, value must between -2147483648 and 2147483647");
    } else if (db != 0) {
        kv_reply_error(c, "ERR DB index is out of range");
    } else {
        kv_reply_ok(c);
    }
}

static const kv_command commands[] = {
    {.name = "ping", .arity = -1, .flags = KV_CMD_FAST, .handler = cmd_ping},
    {.name = "echo", .arity = 2, .flags = KV_CMD_FAST, .handler = cmd_echo},
    {.name = "quit",
     .arity = -1,
     .flags = KV_CMD_FAST | KV_CMD_NO_AUTH | KV_CMD_TXN_CONTROL,
     .handler = cmd_quit},
    {.name = "auth", .arity = -2, .flags = KV_CMD_FAST | KV_CMD_NO_AUTH, .handler = cmd_auth},
    {.name = "hello", .arity = -1, .flags = KV_CMD_FAST | KV_CMD_NO_AUTH, .handler = cmd_hello},
    {.name = "select", .arity = 2, .flags = KV_CMD_FAST, .handler = cmd_select},
};

const kv_command_family kv_connection_family = {.commands = commands,
                                                .count = sizeof commands / sizeof commands[0]};
