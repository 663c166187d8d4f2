/*
 * memory_server: the real stasis-kv, over loopback, never grows past its reservation.
 *
 * Payload: [configuration id] (the matrix of kv_case.h, passed to the server as flags)
 * [seal id] (count or strict) [benchmark id] then a workload (kv_case.h operations, sent
 * with hiredis; clock and expiry steps are the server's own business and are skipped).
 * The case starts this build's stasis-kv on a free port and, after its ready line:
 *  - attaches `strace -f -e trace=memory` to it, and counts the memory syscalls it sees
 *    (mmap, munmap, mremap, brk, mprotect, madvise, ...) while the workload and
 *    redis-benchmark run: the count must be zero;
 *  - VmSize (/proc/PID/status) must be what it was at the ready line;
 *  - VmHWM must be at most the reservation plus BASELINE_KIB, the fixed baseline of binary,
 *    libc, stack and ring (measured: README, "Property tests");
 *  - in count mode, INFO's allocation_calls_after_seal must be 0; in strict mode the
 *    seccomp filter kills the process on a breach, and the case sees the server die (the
 *    connection drops, the status is SIGSYS) and fails with that.
 * Built in plain builds only: the strict seal and the wrappers are not available under the
 * sanitizers, and ASan's runtime maps for itself.
 */
#include <errno.h>
#include <hiredis.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kv/layout.h"
#include "kv_case.h"
#include "kv_process.h"
#include "props.h"

/* Binary, libc, stack, io_uring ring and page tables on top of the reservation. Measured
 * (debug build, VmHWM - reservation after the workload and redis-benchmark): about 2.0 MiB
 * with the tiny configuration (README, "Property tests"); the bound leaves room for other
 * builds and kernels. */
#define BASELINE_KIB (8 * 1024)

static const char *const seals[] = {"count", "strict"};
static const choice_table seal_table = PROP_TABLE(seals, 2);

static const char *const benchmarks[] = {"none", "set,get", "lpush,lpop,rpush,rpop",
                                         "set,get,incr,lpush,lrange_100"};
static const choice_table benchmark_table = PROP_TABLE(benchmarks, 4);

/* The server is kvp_srv (kv_process.h); strace is this property's own. */
static pid_t strace_pid;
static char strace_log[64];

static void start_server(uint32_t config_id, const char *seal) {
    static kvp_args a;
    kvp_args_init(&a);
    kvp_args_setting(&a, "port", "0");
    kvp_args_setting(&a, "seal", seal);
    kvp_args_setting(&a, "capacity_policy", kvw_config_policy(config_id));
    kvp_args_settings(&a, kvw_config_settings(config_id));
    kvp_start(&a);
}

static void attach_strace(void) {
    char pid[24];
    snprintf(pid, sizeof pid, "%d", (int)kvp_srv.pid);
    snprintf(strace_log, sizeof strace_log, "/tmp/props-strace-%d", (int)getpid());
    const char *argv[] = {"strace", "-f", "-qq", "-e", "trace=memory", "-o", strace_log,
                          "-p", pid, NULL};
    strace_pid = kvp_spawn(argv, -1, -1);
    kvp_also_kill(strace_pid);
    /* strace is attached once the tracee's status shows a tracer. */
    for (int tries = 0; tries < 500; tries++) {
        char path[64], line[128];
        snprintf(path, sizeof path, "/proc/%d/status", (int)kvp_srv.pid);
        FILE *st = fopen(path, "r");
        int tracer = 0;
        while (st != NULL && fgets(line, sizeof line, st) != NULL) {
            if (sscanf(line, "TracerPid: %d", &tracer) == 1) break;
        }
        if (st != NULL) fclose(st);
        if (tracer != 0) return;
        usleep(10000);
    }
    prop_fail("strace attaches", "strace did not attach to pid %d within 5 s", (int)kvp_srv.pid);
}

/* Memory syscalls strace logged. */
static uint64_t strace_count(void) {
    kill(strace_pid, SIGINT);
    int status = 0;
    waitpid(strace_pid, &status, 0);
    strace_pid = 0;
    kvp_also_kill(0);
    FILE *f = fopen(strace_log, "r");
    PROP_CHECK(f != NULL, "cannot read %s", strace_log);
    char line[512];
    uint64_t calls = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strstr(line, "+++") != NULL || strstr(line, "---") != NULL) continue;
        fprintf(stderr, "strace: %s", line);
        calls++;
    }
    fclose(f);
    unlink(strace_log);
    return calls;
}

/* The server must still run; in strict mode a breach is a SIGSYS. `grace_ms`: how long to
 * wait for it to end (after a dropped connection: a traced process's death reaches its
 * parent only once strace has seen it). */
static _Noreturn void report_end(const char *when, int status) {
    if (strace_pid > 0) (void)strace_count();
    kvp_srv.pid = 0;
    prop_fail("the server survives the workload", "%s it %s %d%s", when,
              WIFSIGNALED(status) ? "was killed by signal" : "exited with status",
              WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
              WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS
                  ? " (SIGSYS: the strict seal killed it for a memory syscall)"
                  : "");
}

static void check_alive(const char *when, int grace_ms) {
    int status = 0;
    pid_t r = waitpid(kvp_srv.pid, &status, WNOHANG);
    for (int waited = 0; r == 0 && waited < grace_ms; waited += 10) {
        usleep(10000);
        r = waitpid(kvp_srv.pid, &status, WNOHANG);
    }
    if (r != 0) report_end(when, status);
}

/* ---- load ---- */

static redisContext *connect_to_server(void) {
    redisContext *r = redisConnect("127.0.0.1", kvp_srv.port);
    PROP_CHECK(r != NULL && r->err == 0, "cannot connect to the server: %s",
               r != NULL ? r->errstr : "no memory");
    return r;
}

/* Sends every command; a connection the server closed (a protocol limit: Redis closes
 * too) is opened again. */
static void run_workload(kvw_decoder *d) {
    redisContext *r = connect_to_server();
    kvw_op op;
    for (size_t i = 0; kvw_decode_op(d, &op); i++) {
        prop_set_op(i);
        if (op.kind != KVW_COMMAND) continue;
        const char *argv[KVW_ARGS_MAX];
        size_t lens[KVW_ARGS_MAX];
        for (uint32_t a = 0; a < op.argc; a++) {
            argv[a] = (const char *)op.argv[a].ptr;
            lens[a] = op.argv[a].len;
        }
        redisReply *reply = redisCommandArgv(r, (int)op.argc, argv, lens);
        if (reply == NULL) {
            redisFree(r);
            /* The kernel completes a connection even for a dying process: a PING tells. */
            r = redisConnect("127.0.0.1", kvp_srv.port);
            redisReply *pong = r != NULL && r->err == 0 ? redisCommand(r, "PING") : NULL;
            freeReplyObject(pong);
            if (pong != NULL) continue; /* it closed that connection, and lives */
            kvw_print_op(stderr, i, &op);
            check_alive("after the operation above,", 2000);
            prop_fail("the server answers", "it refuses connections after the operation above");
        }
        freeReplyObject(reply);
    }
    redisFree(r);
}

static void run_benchmark(uint32_t id) {
    if (id == 0) return;
    char port[16];
    snprintf(port, sizeof port, "%d", kvp_srv.port);
    const char *argv[] = {"redis-benchmark", "-h", "127.0.0.1", "-p", port, "-n", "3000", "-c",
                          "3", "-d", "16", "-r", "3", "-q", "-t", benchmarks[id], NULL};
    FILE *null = fopen("/dev/null", "w");
    pid_t pid = kvp_spawn(argv, fileno(null), fileno(null));
    int status = 0;
    waitpid(pid, &status, 0);
    fclose(null);
    PROP_CHECK(WIFEXITED(status) && WEXITSTATUS(status) != 127, "redis-benchmark did not run");
}

/* INFO on a new connection. redis-benchmark's connections may still be closing and fill
 * connections_max (4 in the tiny configuration): then the server refuses this one, and it
 * is tried again for up to 2 s. */
static uint64_t info_field(const char *field) {
    for (int attempt = 0; attempt < 100; attempt++) {
        redisContext *r = connect_to_server();
        redisReply *reply = redisCommand(r, "INFO");
        bool ok = reply != NULL && reply->type == REDIS_REPLY_STRING;
        const char *at = ok ? strstr(reply->str, field) : NULL;
        uint64_t v = at != NULL ? strtoull(at + strlen(field) + 1, NULL, 10) : UINT64_MAX;
        freeReplyObject(reply);
        redisFree(r);
        if (ok) {
            PROP_CHECK(v != UINT64_MAX, "INFO has no %s", field);
            return v;
        }
        usleep(20000);
    }
    prop_fail("INFO answers", "no INFO reply on a new connection within 2 s");
}

static void stop_server(void) {
    if (kvp_srv.pid <= 0) return;
    int status = kvp_stop();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) report_end("stopped with SIGTERM,", status);
}

static int run(const uint8_t *payload, size_t size) {
    kvw_decoder d = {.c = cursor_make(payload, size)};
    uint32_t id = prop_choice(&d.c, &kvw_config_table);
    uint32_t seal = prop_choice(&d.c, &seal_table);
    uint32_t bench = prop_choice(&d.c, &benchmark_table);
    if (id == CHOICE_REFUSED || seal == CHOICE_REFUSED || bench == CHOICE_REFUSED) {
        return PROP_REFUSED;
    }
    static kv_config config;
    PROP_CHECK(kvw_config_for(id, &config), "the matrix configuration is refused");
    d.config = &config;
    static kv_layout layout;
    char error[256];
    PROP_CHECK(kv_layout_compute(&config, &layout, error, sizeof error), "%s", error);
    start_server(id, seals[seal]);
    uint64_t vm_size = kvp_status_kib(kvp_srv.pid, "VmSize");
    attach_strace();
    run_workload(&d);
    check_alive("after the workload", 0);
    run_benchmark(bench);
    check_alive("after redis-benchmark", 0);
    uint64_t after_seal = seal == 0 ? info_field("allocation_calls_after_seal") : 0;
    uint64_t vm_now = kvp_status_kib(kvp_srv.pid, "VmSize");
    uint64_t hwm = kvp_status_kib(kvp_srv.pid, "VmHWM");
    uint64_t syscalls = strace_count();
    stop_server();
    PROP_CHECK(syscalls == 0, "strace saw %" PRIu64 " memory syscalls after the ready line (above)",
               syscalls);
    PROP_CHECK(vm_now == vm_size, "VmSize moved after the ready line: %" PRIu64 " -> %" PRIu64
               " KiB", vm_size, vm_now);
    uint64_t bound = layout.total_bytes / 1024 + BASELINE_KIB;
    PROP_CHECK(hwm <= bound, "VmHWM %" PRIu64 " KiB > reservation %" PRIu64 " KiB + baseline %d KiB",
               hwm, layout.total_bytes / 1024, BASELINE_KIB);
    PROP_CHECK(after_seal == 0, "INFO allocation_calls_after_seal is %" PRIu64, after_seal);
    printf("props: memory_server: VmSize %" PRIu64 " KiB, VmHWM %" PRIu64 " KiB, reservation %"
           PRIu64 " KiB: baseline used %" PRId64 " KiB\n",
           vm_size, hwm, layout.total_bytes / 1024, (int64_t)hwm - (int64_t)(layout.total_bytes / 1024));
    return d.c.refused ? PROP_REFUSED : PROP_PASS;
}

static void describe(const uint8_t *payload, size_t size, FILE *out) {
    cursor c = cursor_make(payload, size);
    uint32_t seal_and_bench[2];
    uint32_t id = prop_choice(&c, &kvw_config_table);
    seal_and_bench[0] = prop_choice(&c, &seal_table);
    seal_and_bench[1] = prop_choice(&c, &benchmark_table);
    fprintf(out, "the real stasis-kv, configuration %s, --seal %s, redis-benchmark -t %s\n",
            choice_name(&kvw_config_table, id), choice_name(&seal_table, seal_and_bench[0]),
            choice_name(&benchmark_table, seal_and_bench[1]));
    if (c.refused) return;
    static kv_config config;
    if (!kvw_config_for(id, &config)) return;
    kvw_print_config(out, choice_name(&kvw_config_table, id), &config);
    kvw_decoder d = {.c = c, .config = &config};
    kvw_op op;
    for (size_t i = 0; kvw_decode_op(&d, &op); i++) kvw_print_op(out, i, &op);
}

const prop_property prop_memory_server = {
    .name = "memory_server",
    .format_version = 1,
    .payload_max = 200,
    .summary = "the real stasis-kv under hiredis and redis-benchmark: VmSize constant, VmHWM <= "
               "reservation + baseline, zero memory syscalls (strace), strict seal kills",
    .run = run,
    .describe = describe,
};
