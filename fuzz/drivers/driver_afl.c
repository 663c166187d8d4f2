/*
 * AFL++ driver: persistent mode with the test case in shared memory (no fork, no file per
 * execution). Built with afl-clang-fast; CMPLOG instrumentation is compiled into the same
 * binary (AFL_LLVM_CMPLOG=1 at build time), so run it with `afl-fuzz -c 0`.
 * Run outside afl-fuzz, it reads one input from stdin.
 */
#include <stddef.h>
#include <stdint.h>
#include <unistd.h> /* read(), used by __AFL_FUZZ_INIT */

#include "drivers/fuzz_target.h"

__AFL_FUZZ_INIT();

/* How many inputs one process runs before AFL++ restarts it (bounds leaks in libraries). */
#define AFL_PERSISTENT_ITERATIONS 100000

int main(void) {
    __AFL_INIT();
    const uint8_t *buf = __AFL_FUZZ_TESTCASE_BUF;
    while (__AFL_LOOP(AFL_PERSISTENT_ITERATIONS)) {
        int len = __AFL_FUZZ_TESTCASE_LEN;
        LLVMFuzzerTestOneInput(buf, (size_t)len);
    }
    return 0;
}
