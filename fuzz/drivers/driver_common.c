#include "drivers/fuzz_target.h"

#include <stdarg.h>
#include <stdlib.h>

#include "alloc/poison.h"

#if STASIS_SANITIZED
#include <sanitizer/common_interface_defs.h>
#endif

static const uint8_t *current_data;
static size_t current_size;
static size_t current_op;

bool fuzz_version_matches(const uint8_t *data, size_t size, FILE *why) {
    if (size >= 1 && data[0] == fuzz_target.format_version) return true;
    if (why == NULL) return false;
    if (size == 0) {
        fprintf(why, "empty input: target '%s' reads inputs that start with their format version "
                     "byte (%u); refusing it\n",
                fuzz_target.name, fuzz_target.format_version);
    } else {
        fprintf(why, "input format version %u is not the one target '%s' reads (version %u): "
                     "its bytes would mean something else today, so it is refused; re-encode "
                     "it or replay it with the build that wrote it\n",
                data[0], fuzz_target.name, fuzz_target.format_version);
    }
    return false;
}

bool fuzz_describe_input(const uint8_t *data, size_t size, FILE *out) {
    if (!fuzz_version_matches(data, size, out)) return false;
    fprintf(out, "%s input, format version %u, payload %zu bytes\n", fuzz_target.name,
            fuzz_target.format_version, size - 1);
    fuzz_target.describe(data + 1, size - 1, out);
    return true;
}

void fuzz_begin(const uint8_t *data, size_t size) {
    current_data = data;
    current_size = size;
    current_op = 0;
}

void fuzz_set_op(size_t op_index) { current_op = op_index; }

_Noreturn void fuzz_fail(const char *check, const char *file, int line, const char *fmt, ...) {
    fflush(stdout);
    fprintf(stderr, "\n==== fuzz target '%s' failed at operation #%zu\n", fuzz_target.name,
            current_op);
    fprintf(stderr, "check: %s (%s:%d)\n", check, file, line);
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "why:   ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    fprintf(stderr, "input (format version %u, payload %zu bytes) decoded:\n",
            fuzz_target.format_version, current_size);
    fuzz_target.describe(current_data, current_size, stderr);
    fprintf(stderr, "==== end of report\n");
#if STASIS_SANITIZED
    fprintf(stderr, "stack of the failed check:\n");
    __sanitizer_print_stack_trace();
#endif
    fflush(stderr);
    abort();
}

void fuzz_print_escaped(FILE *out, const uint8_t *bytes, size_t len, size_t max_len) {
    size_t n = len < max_len ? len : max_len;
    fputc('"', out);
    for (size_t i = 0; i < n; i++) {
        uint8_t b = bytes[i];
        switch (b) {
        case '\r': fputs("\\r", out); break;
        case '\n': fputs("\\n", out); break;
        case '\t': fputs("\\t", out); break;
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        default:
            if (b >= 0x20 && b < 0x7f) {
                fputc(b, out);
            } else {
                fprintf(out, "\\x%02x", b);
            }
        }
    }
    fputc('"', out);
    if (n < len) fprintf(out, "... (%zu more bytes)", len - n);
}

void fuzz_print_replies(const uint8_t *engine, size_t engine_len, const uint8_t *model,
                        size_t model_len) {
    fprintf(stderr, "engine: ");
    fuzz_print_escaped(stderr, engine, engine_len, 400);
    fprintf(stderr, "\nmodel:  ");
    fuzz_print_escaped(stderr, model, model_len, 400);
    fprintf(stderr, "\n");
}
