/*
 * reservation: the reservation arithmetic, for random configurations.
 *
 * A configuration is the defaults with settings applied through kv_config_set (the command
 * line's own path): [option id] [magnitude id] [mantissa byte] per setting, values from 0
 * to 2^64 - 1 through KiB, MiB, GiB and 2^32 multiples. Then:
 *  - a setting refused names its flag ("--keys-max: ...") and changes nothing;
 *  - a configuration refused (kv_config_finalize, then kv_layout_compute: a product that
 *    overflows, more chunks than a pool indexes) is refused with a message naming a limit,
 *    before anything is mapped: kv_server_reserve makes no allocation call (the seal's
 *    counting; plain builds count mmap too) and VmSize does not move;
 *  - an accepted one: every region's size is a multiple of KV_REGION_ALIGN_BYTES and at
 *    least count x bytes-each (less than one alignment more for the regions that are
 *    count x item), the regions add up to the total, and (when the total is at most
 *    MAP_BYTES_MAX) kv_server_reserve — the server's own start-up code — maps exactly the
 *    total (VmSize grows by it, page-rounded; /proc/self/maps holds it) and carves it whole,
 *    region by region (reservation diagnostics: capacity == allocated == total).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc/stasis_assert.h"
#include "harness/choice.h"
#include "harness/cursor.h"
#include "kv/layout.h"
#include "kv/seal.h"
#include "kv/server_internal.h"
#include "props.h"
#include "reservation_process.h"

#define MAP_BYTES_MAX ((uint64_t)128 << 20)

static const char *const options[] = {
    "keys_max",          "key_size_max",          "value_size_max",   "list_length_max",
    "capacity_policy",   "data_budget_bytes",     "chunk_size",       "reply_size_max",
    "command_args_max",  "bulk_size_max",         "inline_size_max",  "request_size_max",
    "connections_max",   "connection_buffer_size", "large_buffers_max", "client_name_size_max",
};
static const choice_table option_table = PROP_TABLE(options, 16);

static const char *const magnitudes[] = {"x1", "x KiB", "x MiB", "x GiB", "x 2^32", "2^63 + x",
                                         "2^64 - 1 - x", "zero"};
static const choice_table magnitude_table = PROP_TABLE(magnitudes, 8);

typedef struct setting {
    uint32_t option;
    char value[32];
} setting;

static bool decode_setting(cursor *c, setting *s) {
    s->option = prop_choice(c, &option_table);
    uint32_t m = prop_choice(c, &magnitude_table);
    if (s->option == CHOICE_REFUSED || m == CHOICE_REFUSED) return false;
    uint64_t x = cursor_u8(c);
    if (strcmp(options[s->option], "capacity_policy") == 0) {
        snprintf(s->value, sizeof s->value, "%s", x % 2 == 0 ? "guaranteed" : "shared");
        return true;
    }
    uint64_t values[] = {x, x << 10, x << 20, x << 30, x << 32, (UINT64_C(1) << 63) + x,
                         UINT64_MAX - x, 0};
    snprintf(s->value, sizeof s->value, "%" PRIu64, values[m]);
    return true;
}

/* True iff the text names a limit: one of the options, by name or by flag. */
static bool names_a_limit(const char *text) {
    for (size_t i = 0; i < kv_option_count; i++) {
        char flag[64];
        snprintf(flag, sizeof flag, "--%s", kv_options[i].name);
        for (char *p = flag; *p != '\0'; p++) *p = *p == '_' ? '-' : *p;
        if (strstr(text, flag) != NULL || strstr(text, kv_options[i].name) != NULL) return true;
    }
    return false;
}

static uint64_t vm_size_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    PROP_CHECK(f != NULL, "cannot open /proc/self/status");
    char line[256];
    uint64_t kib = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (sscanf(line, "VmSize: %" SCNu64, &kib) == 1) break;
    }
    fclose(f);
    return kib;
}

/* True iff one line of /proc/self/maps covers [lo, hi). */
static bool mapped(uintptr_t lo, uintptr_t hi) {
    FILE *f = fopen("/proc/self/maps", "r");
    PROP_CHECK(f != NULL, "cannot open /proc/self/maps");
    char line[512];
    bool found = false;
    while (!found && fgets(line, sizeof line, f) != NULL) {
        uintptr_t a = 0, b = 0;
        if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR, &a, &b) == 2) found = a <= lo && hi <= b;
    }
    fclose(f);
    return found;
}

static void check_regions(const kv_layout *l) {
    uint64_t sum = 0;
    for (size_t i = 0; i < l->region_count; i++) {
        const kv_region *r = &l->regions[i];
        PROP_CHECK(r->bytes % KV_REGION_ALIGN_BYTES == 0, "region '%s': %" PRIu64 " bytes is not "
                   "a multiple of %" PRIu64, r->name, r->bytes, KV_REGION_ALIGN_BYTES);
        bool plain = i >= KV_REGION_CONNECTIONS; /* count x item, rounded up */
        uint64_t want = 0;
        PROP_CHECK(!__builtin_mul_overflow(r->count, r->item_bytes, &want),
                   "region '%s': %" PRIu64 " x %" PRIu64 " overflows", r->name, r->count,
                   r->item_bytes);
        PROP_CHECK(r->bytes >= want, "region '%s': %" PRIu64 " bytes < %" PRIu64 " x %" PRIu64,
                   r->name, r->bytes, r->count, r->item_bytes);
        PROP_CHECK(!plain || r->bytes < want + KV_REGION_ALIGN_BYTES,
                   "region '%s': %" PRIu64 " bytes for %" PRIu64 " x %" PRIu64, r->name, r->bytes,
                   r->count, r->item_bytes);
        sum += r->bytes;
    }
    PROP_CHECK(sum == l->total_bytes, "the regions add up to %" PRIu64 " bytes, the total says %"
               PRIu64, sum, l->total_bytes);
}

static kv_server server;

static void check_reserve(const kv_config *config, const kv_layout *l) {
    char error[512];
    long page = sysconf(_SC_PAGESIZE);
    uint64_t before = vm_size_kib();
    int r = kv_server_reserve(&server, config, false, (siphash_key){.k0 = 1, .k1 = 2}, error,
                              sizeof error);
    PROP_CHECK(r == 0, "kv_server_reserve refused a configuration the layout accepts: %s", error);
    uint64_t rounded = (l->total_bytes + (uint64_t)page - 1) / (uint64_t)page * (uint64_t)page;
    uint64_t grown = (vm_size_kib() - before) * 1024;
    PROP_CHECK(grown == rounded, "VmSize grew by %" PRIu64 " bytes; the reservation is %" PRIu64
               " (%" PRIu64 " page-rounded)", grown, l->total_bytes, rounded);
    uintptr_t base = (uintptr_t)server.memory.base;
    PROP_CHECK(mapped(base, base + l->total_bytes), "/proc/self/maps does not hold the reservation");
    allocator_diagnostics d = reservation_diagnostics(&server.memory);
    PROP_CHECK(d.capacity_bytes == l->total_bytes && d.allocated_bytes == l->total_bytes,
               "reserved %zu, carved %zu, the layout's total %" PRIu64, d.capacity_bytes,
               d.allocated_bytes, l->total_bytes);
    kv_server_release(&server);
}

/* A configuration refused: by a message naming a limit, before anything is mapped. */
static void check_refused(const kv_config *config, const char *why) {
    PROP_CHECK(names_a_limit(why), "the refusal names no limit: %s", why);
    char error[512];
    uint64_t vm = vm_size_kib();
    uint64_t calls = seal_allocation_calls();
    seal_window_begin();
    int r = kv_server_reserve(&server, config, false, (siphash_key){.k0 = 1, .k1 = 2}, error,
                              sizeof error);
    seal_window_end();
    PROP_CHECK(r != 0, "kv_server_reserve accepted a configuration the layout refuses");
    PROP_CHECK(seal_allocation_calls() == calls && vm_size_kib() == vm,
               "a refused configuration allocated or mapped before refusing: %s", error);
}

#define SETTINGS_MAX 64

/* The settings accepted, in order, as (name, value) pairs: the command line of the same
 * configuration. */
static setting accepted[SETTINGS_MAX];
static const char *accepted_pairs[2 * SETTINGS_MAX + 1];

static void accept(size_t n, const setting *s) {
    ST_ASSERT(n < SETTINGS_MAX);
    accepted[n] = *s;
    accepted_pairs[2 * n] = options[s->option];
    accepted_pairs[2 * n + 1] = accepted[n].value;
    accepted_pairs[2 * n + 2] = NULL;
}

static int run(const uint8_t *payload, size_t size) {
    cursor c = cursor_make(payload, size);
    static kv_config config;
    kv_config_defaults(&config);
    accepted_pairs[0] = NULL;
    size_t accepted_count = 0;
    seal_arm(); /* from here on allocation calls are counted */
    for (size_t i = 0; !cursor_empty(&c); i++) {
        prop_set_op(i);
        setting s;
        if (!decode_setting(&c, &s)) return PROP_REFUSED;
        kv_config before = config;
        char error[256];
        if (kv_config_set(&config, options[s.option], s.value, error, sizeof error)) {
            accept(accepted_count++, &s);
            continue;
        }
        PROP_CHECK(memcmp(&before, &config, sizeof config) == 0,
                   "a refused setting changed the configuration: %s", error);
        PROP_CHECK(names_a_limit(error), "the refusal names no limit: %s", error);
    }
    char error[512];
    if (!kv_config_finalize(&config, error, sizeof error)) {
        /* The server stops here, before computing or mapping anything. */
        PROP_CHECK(names_a_limit(error), "the refusal names no limit: %s", error);
        return PROP_PASS;
    }
    static kv_layout l;
    if (!kv_layout_compute(&config, &l, error, sizeof error)) {
        check_refused(&config, error);
        return PROP_PASS;
    }
    check_regions(&l);
    if (l.total_bytes <= MAP_BYTES_MAX) {
        check_reserve(&config, &l);
        reservation_process_check(accepted_pairs, &config, &l);
    }
    return PROP_PASS;
}

static void describe(const uint8_t *payload, size_t size, FILE *out) {
    cursor c = cursor_make(payload, size);
    fprintf(out, "configuration: the defaults, then\n");
    for (size_t i = 0; !cursor_empty(&c); i++) {
        setting s;
        if (!decode_setting(&c, &s)) {
            fprintf(out, "#%zu names unassigned id %u: the case is refused\n", i, c.refused_id);
            return;
        }
        fprintf(out, "#%zu --%s %s\n", i, options[s.option], s.value);
    }
}

const prop_property prop_reservation = {
    .name = "reservation",
    .format_version = 1,
    .payload_max = 30,
    .summary = "computed size == regions carved == the real mapping; absurd configurations "
               "refused naming the limit before anything is mapped",
    .run = run,
    .describe = describe,
    .setup = reservation_process_setup,
};
