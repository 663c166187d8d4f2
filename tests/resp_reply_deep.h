#ifndef STASIS_TESTS_RESP_REPLY_DEEP_H
#define STASIS_TESTS_RESP_REPLY_DEEP_H

#include <stdbool.h>
#include <stddef.h>

/* Whether bytes[0, len) is exactly one complete RESP2 value at any depth, by the fuzz
 * targets' checker; *why is its reason when not (static text), NULL when it is. O(len). */
bool resp_reply_deep_one_value(const void *bytes, size_t len, const char **why);

#endif
