/* Counting wrappers (plain builds) or sanitizer hooks, and the strict seccomp filter. */
#include "kv/seal.h"

#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "alloc/stasis_assert.h"

#ifndef STASIS_SANITIZED
#include <seccomp.h>
#endif

static volatile bool armed;
static volatile uint64_t calls;

void seal_arm(void) { armed = true; }
uint64_t seal_allocation_calls(void) { return calls; }

#ifdef STASIS_SANITIZED

#include <sanitizer/allocator_interface.h>

static volatile bool in_window;

static void count_call(void) {
    if (armed && in_window) calls++;
}

static void hook_malloc(const volatile void *ptr, size_t size) {
    (void)ptr;
    (void)size;
    count_call();
}

static void hook_free(const volatile void *ptr) {
    (void)ptr;
    count_call();
}

void seal_window_begin(void) {
    static bool installed;
    if (!installed) {
        installed = true;
        __sanitizer_install_malloc_and_free_hooks(hook_malloc, hook_free);
    }
    in_window = true;
}

void seal_window_end(void) { in_window = false; }

bool seal_counts_by_wrapping(void) { return false; }
bool seal_strict_supported(void) { return false; }

bool seal_strict_prepare(char *error, size_t error_size) {
    snprintf(error, error_size,
             "--seal=strict needs a build without sanitizers (ASan maps and allocates for "
             "itself); use the debug or release build");
    return false;
}

bool seal_strict_install(char *error, size_t error_size) {
    return seal_strict_prepare(error, error_size);
}

#else /* plain build: link-time wrappers */

static inline void count_call(void) {
    if (armed) calls++;
}

bool seal_counts_by_wrapping(void) { return true; }

/* The wrappers `-Wl,--wrap=NAME` routes the project's calls to; __real_NAME is libc's. */
void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *ptr, size_t size);
void __real_free(void *ptr);
void *__real_aligned_alloc(size_t align, size_t size);
int __real_posix_memalign(void **out, size_t align, size_t size);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *__real_mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int __real_munmap(void *addr, size_t len);
void *__real_mremap(void *old, size_t old_len, size_t new_len, int flags, ...);
int __real_brk(void *addr);
void *__real_sbrk(intptr_t delta);

void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *ptr, size_t size);
void __wrap_free(void *ptr);
void *__wrap_aligned_alloc(size_t align, size_t size);
int __wrap_posix_memalign(void **out, size_t align, size_t size);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *__wrap_mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int __wrap_munmap(void *addr, size_t len);
void *__wrap_mremap(void *old, size_t old_len, size_t new_len, int flags, ...);
int __wrap_brk(void *addr);
void *__wrap_sbrk(intptr_t delta);

void *__wrap_malloc(size_t size) {
    count_call();
    return __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size) {
    count_call();
    return __real_calloc(n, size);
}

void *__wrap_realloc(void *ptr, size_t size) {
    count_call();
    return __real_realloc(ptr, size);
}

void __wrap_free(void *ptr) {
    count_call();
    __real_free(ptr);
}

void *__wrap_aligned_alloc(size_t align, size_t size) {
    count_call();
    return __real_aligned_alloc(align, size);
}

int __wrap_posix_memalign(void **out, size_t align, size_t size) {
    count_call();
    return __real_posix_memalign(out, align, size);
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
    count_call();
    return __real_mmap(addr, len, prot, flags, fd, off);
}

/* What a translation unit built with _FILE_OFFSET_BITS=64 calls (hiredis's flags add it). */
void *__wrap_mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
    count_call();
    return __real_mmap64(addr, len, prot, flags, fd, off);
}

int __wrap_munmap(void *addr, size_t len) {
    count_call();
    return __real_munmap(addr, len);
}

void *__wrap_mremap(void *old, size_t old_len, size_t new_len, int flags, ...) {
    count_call();
    void *new_address = NULL;
    if ((flags & MREMAP_FIXED) != 0) {
        va_list ap;
        va_start(ap, flags);
        new_address = va_arg(ap, void *);
        va_end(ap);
        return __real_mremap(old, old_len, new_len, flags, new_address);
    }
    return __real_mremap(old, old_len, new_len, flags);
}

int __wrap_brk(void *addr) {
    count_call();
    return __real_brk(addr);
}

void *__wrap_sbrk(intptr_t delta) {
    count_call();
    return __real_sbrk(delta);
}

/* ---- strict: the seccomp filter ---- */

static scmp_filter_ctx filter;

bool seal_strict_supported(void) { return true; }

bool seal_strict_prepare(char *error, size_t error_size) {
    static const char *const names[] = {SEAL_STRICT_SYSCALLS};
    ST_ASSERT(filter == NULL);
    filter = seccomp_init(SCMP_ACT_ALLOW);
    if (filter == NULL) {
        snprintf(error, error_size, "--seal=strict: seccomp_init failed");
        return false;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int nr = seccomp_syscall_resolve_name(names[i]);
        if (nr == __NR_SCMP_ERROR) continue; /* not a syscall on this architecture */
        int r = seccomp_rule_add(filter, SCMP_ACT_KILL_PROCESS, nr, 0);
        if (r != 0) {
            snprintf(error, error_size, "--seal=strict: cannot add a rule for %s: %s", names[i],
                     strerrordesc_np(-r));
            return false;
        }
    }
    return true;
}

bool seal_strict_install(char *error, size_t error_size) {
    ST_ASSERT(filter != NULL);
    /* libseccomp frees its generated program after loading it; a free that trims the heap
     * calls brk, which the filter kills. -1 turns trimming off for good. */
    (void)mallopt(M_TRIM_THRESHOLD, -1);
    int r = seccomp_load(filter); /* sets no_new_privs first (SCMP_FLTATR_CTL_NNP) */
    if (r != 0) {
        snprintf(error, error_size, "--seal=strict: cannot install the seccomp filter: %s",
                 strerrordesc_np(-r));
        return false;
    }
    return true;
}

#endif
