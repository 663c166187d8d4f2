#ifndef STASIS_TESTS_KV_HARNESS_H
#define STASIS_TESTS_KV_HARNESS_H

/*
 * Drives the parser and the engine the way the server does, without sockets: bytes in,
 * reply bytes out, at a clock the test sets. For exact-bytes assertions on every command.
 *
 *   kv_harness *h = kv_harness_open(&config);      // config: defaults overridden by a test
 *   const char *r = kv_harness_send(h, "SET a b\r\nGET a\r\n");
 *   assert_string_equal(r, "+OK\r\n$1\r\nb\r\n");
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kv/config.h"
#include "kv/engine.h"

typedef struct kv_harness kv_harness;

/* A config with small limits suitable for tests (finalized). */
void kv_harness_config(kv_config *config);

/* An engine over freshly mapped memory for this config (finalized). Aborts on failure. */
kv_harness *kv_harness_open(const kv_config *config);
void kv_harness_close(kv_harness *h);

/* An engine for kv_harness_config's config changed by `tweak`, then finalized (aborts if
 * the result is not a valid configuration). For setups that need other limits. */
kv_harness *kv_harness_open_tweaked(void (*tweak)(kv_config *config));

/*
 * A test file's harness `h` and its cmocka per-test fixtures: open_harness (the default
 * config of kv_harness_config) and close_harness. A file that needs another config writes
 * its own setup that assigns `h` and shares close_harness.
 */
#define KV_HARNESS_FIXTURES                                                                        \
    static kv_harness *h;                                                                          \
    static int open_harness(void **state) {                                                        \
        (void)state;                                                                               \
        kv_config c;                                                                               \
        kv_harness_config(&c);                                                                     \
        h = kv_harness_open(&c);                                                                   \
        return 0;                                                                                  \
    }                                                                                              \
    static int close_harness(void **state) {                                                       \
        (void)state;                                                                               \
        kv_harness_close(h);                                                                       \
        return 0;                                                                                  \
    }

/* Defines the cmocka setup NAME: `h` becomes an engine for kv_harness_config's config
 * changed by the function TWEAK (kv_harness_open_tweaked); close_harness closes it. */
#define KV_HARNESS_SETUP_TWEAKED(NAME, TWEAK)                                                      \
    static int NAME(void **state) {                                                                \
        (void)state;                                                                               \
        h = kv_harness_open_tweaked(TWEAK);                                                        \
        return 0;                                                                                  \
    }

/* Sends raw bytes (one or more requests), returns every reply (NUL-terminated; valid until
 * the next call) and sets *closed iff the connection would be closed. */
const char *kv_harness_send_bytes(kv_harness *h, const void *bytes, size_t len, size_t *reply_len,
                                  bool *closed);
const char *kv_harness_send(kv_harness *h, const char *text);

/* Runs one command given as arguments (no RESP encoding involved). */
const char *kv_harness_command(kv_harness *h, size_t argc, const char *const *argv);
#define KV_CMD(h, ...)                                                                             \
    kv_harness_command(h, sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *),       \
                       (const char *const[]){__VA_ARGS__})

/* Length of the last replies (they may hold NUL bytes). */
size_t kv_harness_reply_len(const kv_harness *h);

void kv_harness_set_time(kv_harness *h, int64_t now_ms);

/* Two connections share the engine: commands run in session 0 until this switches (to 0
 * or 1); each keeps its own MULTI, watches and name. */
void kv_harness_use_session(kv_harness *h, uint32_t which);
/* The current connection closes (kv_engine_close_session) and a fresh one takes its place. */
void kv_harness_close_session(kv_harness *h);
kv_engine *kv_harness_engine(kv_harness *h);

/* Room the harness gives the engine per command (default: reply_size_max + the minimum),
 * to exercise KV_EXEC_NEEDS_ROOM with less. */
void kv_harness_set_room(kv_harness *h, size_t room);
uint64_t kv_harness_room_retries(const kv_harness *h);

/* Commands that answered KV_EXEC_BLOCKED (a blocking command with nothing to pop): they
 * write no reply; the session's `block` says what they wait for. */
uint64_t kv_harness_blocked(const kv_harness *h);
kv_session *kv_harness_session(kv_harness *h);

#endif
