#ifndef STASIS_KV_SEAL_H
#define STASIS_KV_SEAL_H

/*
 * The seal's enforcement after start-up (DESIGN.md, "The start-up reservation"):
 *
 * 1. Counting. After seal_arm(), calls to malloc, calloc, realloc, free, aligned_alloc,
 *    posix_memalign, mmap (and mmap64), munmap, mremap, brk and sbrk are counted; INFO shows the count
 *    as allocation_calls_after_seal, and the tests assert it stays 0 under traffic.
 *     - Plain builds link the server with `-Wl,--wrap=<each>`: every call from the project's
 *       own code (the loop, the engine, the allocators) goes through a counting wrapper.
 *       Calls made inside shared libraries (libc's own, liburing's) are not wrapped; they
 *       are what level 3 below catches.
 *     - Sanitized builds (ASan allocates for itself, and wrapping its interceptors is not
 *       reliable) count with the sanitizer's allocation hooks instead, and only inside
 *       seal_window_begin/end, which the loop puts around every engine call: so the count
 *       there covers malloc/calloc/realloc/free during command execution, not mmap.
 * 2. (measured by the tests) VmSize constant under load.
 * 3. Strict (`--seal=strict`, plain builds only): a seccomp filter, installed after the
 *    reservation is sealed and the ring is set up, kills the process (SIGSYS) on any of
 *    SEAL_STRICT_SYSCALLS below, whoever calls it: libc's malloc growing its heap (brk) or
 *    mapping a large block (mmap), a remap (mremap), System V or memfd shared memory, or a
 *    second ring or registered buffers (io_uring_setup, io_uring_register: a ring's memory
 *    is kernel memory charged to the process). munmap is allowed: it can only give memory
 *    back. The loop after the seal needs none of them: io_uring_enter, write, shutdown,
 *    close, setsockopt, send (reject), clock_gettime (vDSO), exit_group.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The syscalls --seal=strict kills on, in the filter's order (also printed at start-up). */
#define SEAL_STRICT_SYSCALLS                                                                       \
    "brk", "mmap", "mremap", "shmget", "shmat", "memfd_create", "io_uring_setup",                  \
        "io_uring_register"

/* From now on allocation calls are counted. Idempotent. */
void seal_arm(void);

/* Allocation calls counted since seal_arm (0 before). */
uint64_t seal_allocation_calls(void);

/* True iff this build counts with link-time wrappers (false: sanitizer hooks). */
bool seal_counts_by_wrapping(void);

#ifdef STASIS_SANITIZED
void seal_window_begin(void);
void seal_window_end(void);
#else
/* Plain builds count everywhere after the seal: the window costs nothing. */
static inline void seal_window_begin(void) {}
static inline void seal_window_end(void) {}
#endif

/* True iff --seal=strict can work in this build (not under a sanitizer). */
bool seal_strict_supported(void);

/*
 * Builds the seccomp filter (libseccomp allocates: call before the seal). Returns true, or
 * false with the reason in `error`. Does not install it.
 */
bool seal_strict_prepare(char *error, size_t error_size);

/*
 * Installs the prepared filter (no_new_privs is set first). Returns true, or false with the
 * reason. The filter context is deliberately never released: freeing it after the seal
 * could trim the heap with brk, which the filter kills.
 */
bool seal_strict_install(char *error, size_t error_size);

#endif
