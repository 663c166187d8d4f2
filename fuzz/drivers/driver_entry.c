/*
 * The entry point every engine calls: checks the input's format version byte, then runs
 * the target on the payload after it. Compiled into every fuzz, AFL++ and replay binary
 * (not into the shared library, so that the linker never has to guess where it comes from).
 */
#include "drivers/fuzz_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* An input of another format version would run as something it never meant: libFuzzer
     * drops it from the corpus (-1), AFL++ treats it as an uninteresting run. */
    if (!fuzz_version_matches(data, size, NULL)) return -1;
    fuzz_begin(data + 1, size - 1);
    return fuzz_target.run(data + 1, size - 1);
}
