/* The check of resp_reply.c for replies nested deeper than hiredis 0.14 reads (its reader
 * stops at 9 levels of arrays: "No support for nested multi bulk replies with depth > 7").
 * Redis 7.0's COMMAND DOCS nests 9 (a container's subcommand's block argument's flags), so
 * such a reply is held to the fuzz targets' own checker instead (fuzz/harness/
 * resp_reply_check.h: the same RESP2 rules, canonical numbers, no depth limit). A separate
 * file because both checkers are named resp_reply_check. */
#include "resp_reply_deep.h"

#include "harness/resp_reply_check.h"

bool resp_reply_deep_one_value(const void *bytes, size_t len, const char **why) {
    resp_reply_verdict v = resp_reply_check(bytes, len);
    *why = v.why;
    return v.ok;
}
