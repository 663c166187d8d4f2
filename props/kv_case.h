#ifndef STASIS_PROPS_KV_CASE_H
#define STASIS_PROPS_KV_CASE_H

/*
 * The KV workload the engine properties share: a configuration from the matrix, then
 * operations, decoded from a byte stream with fuzz/harness/cursor.h, every choice from a
 * numbered, append-only table (fuzz/harness/choice.h). Appending an entry to any table
 * below keeps every committed case's meaning; anything else needs a new format version.
 *
 * Payload: [configuration id] then operations until the end; an operation is
 * [template id] and, per placeholder of the template, its bytes:
 *   k  key:     [key id]                   (k0..k7, a key of key_size_max bytes, one byte
 *                                            longer, the empty key)
 *   v  value:   [length id] [fill byte]    (1, 16 bytes, one element chunk, half of
 *                                            value_size_max, value_size_max, one more)
 *   i  integer: [integer id]
 * A template is a command written with those placeholders ("LINSERT k BEFORE v v"), or one
 * of two harness steps: the clock moves on ([steps], 100 ms each), or an active-expiry cycle
 * over every slot.
 *
 * The engine runs in the case's own process (props.h), over memory mapped before the
 * workload starts, with the least reply room a command may assume first and room for the
 * largest reply when it asks (as the server does).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/choice.h"
#include "harness/cursor.h"
#include "kv/config.h"
#include "kv/engine.h"

#define KVW_ARGS_MAX    8
#define KVW_START_MS    INT64_C(1700000000000)
#define KVW_CLOCK_STEP_MS 100

typedef enum kvw_kind {
    KVW_COMMAND = 0,
    KVW_CLOCK = 1,
    KVW_EXPIRE_CYCLE = 2,
} kvw_kind;

typedef struct kvw_op {
    kvw_kind kind;
    uint32_t template_id;
    uint32_t argc;
    resp_arg argv[KVW_ARGS_MAX];
    int64_t clock_ms;
} kvw_op;

/* ---- configurations ---- */

/* The matrix: tiny, the defaults, the seed design's (1000 connections, 1000 keys of 1 KiB,
 * lists of 50 values of 4 KiB), each under both capacity policies where it is valid. */
extern const choice_table kvw_config_table;

/* Fills *config for matrix entry id (finalized). False iff the configuration is refused
 * (the defaults under the guaranteed policy ask for more chunks than a pool can index). */
bool kvw_config_for(uint32_t id, kv_config *config);

/* The entry's settings as (name, value) pairs, NULL-terminated, and its policy's name. */
const char *const *kvw_config_settings(uint32_t id);
const char *kvw_config_policy(uint32_t id);

/* One line: the entry's name and the limits the workload meets. */
void kvw_print_config(FILE *out, const char *name, const kv_config *config);

/* ---- decoding ---- */

typedef struct kvw_decoder {
    cursor c;
    const kv_config *config;
} kvw_decoder;

/* The next operation; false at the end of the payload or when it names an unassigned id
 * (then d->c.refused is set). Values point into a scratch that the next call reuses. */
bool kvw_decode_op(kvw_decoder *d, kvw_op *op);

/* Prints one operation ("#3 RPUSH k0 'a'*16"). */
void kvw_print_op(FILE *out, size_t index, const kvw_op *op);

/* Decodes the configuration id and prints the whole workload, one operation a line. */
void kvw_describe(const uint8_t *payload, size_t size, FILE *out);

/*
 * A payload biased toward refusals (a property's generate hook, props.h): the same format,
 * with three operations in four from writes a limit or a type can refuse (pushes, LSET,
 * LINSERT, SET, APPEND, SETRANGE, MSET, ...), keys k0 and k1 mostly, and values of
 * value_size_max + 1 or value_size_max bytes two times in three; the rest uniform bytes.
 */
size_t kvw_generate(uint64_t *state, size_t bound, uint8_t *out);

/* The same shape over every template, each as likely: a well-formed workload on a few keys
 * (k0 and k1 mostly), where a command's rarely taken paths (a pivot not found, a type or a
 * limit refused) come up far sooner than from uniform bytes (memory_bound's generator). */
size_t kvw_generate_any(uint64_t *state, size_t bound, uint8_t *out);

/* ---- the engine ---- */

typedef struct kvw_engine {
    kv_config config;
    kv_engine engine;
    kv_session session;
    int64_t now_ms;
    uint8_t *reply;
    size_t reply_len;
    size_t reply_room_max;
} kvw_engine;

/* Maps the store and the reply buffer (not pre-faulted: a case touches what it uses) and
 * opens the engine with a fixed hash key. Everything that maps happens here, before the
 * caller arms the seal. */
void kvw_engine_open(kvw_engine *w, const kv_config *config);

/* Decodes the payload's configuration id and opens the engine over it, the decoder then at
 * the first operation. False iff the id is unassigned (the case is refused). */
bool kvw_open_case(kvw_decoder *d, kvw_engine *w, const uint8_t *payload, size_t size);

/* Runs one operation (a command, a clock step, an expiry cycle); a command's reply is
 * w->reply[0, reply_len). */
void kvw_run(kvw_engine *w, const kvw_op *op);

/* Runs a command given as argv. */
void kvw_command(kvw_engine *w, const resp_arg *argv, uint32_t argc);

bool kvw_reply_is_error(const kvw_engine *w);

/* ---- the store, as a client could ever observe it ---- */

/*
 * Writes the logical state into out (at most out_size bytes; returns the length): every key
 * that is not expired at now, in record order, with its type, expiry, the chunks its key and
 * value hold and its value's bytes (a string, or every list element), then the key count and
 * the chunks held by those keys. Expired keys still holding chunks are left out: removing
 * them is lazy expiry, which any lookup may do.
 */
size_t kvw_snapshot(const kvw_engine *w, uint8_t *out, size_t out_size);

/* Chunks held by the keys that are not expired at now. */
uint64_t kvw_live_chunks(const kvw_engine *w);

#endif
