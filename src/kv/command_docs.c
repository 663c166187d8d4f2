/* COMMAND DOCS's lookup over the per-group tables of command_docs_<group>.c. */
#include "kv/command_docs.h"

#include <string.h>

#include "alloc/stasis_assert.h"

typedef struct docs_table {
    const kv_command_doc *docs;
    const size_t *count;
} docs_table;

static const docs_table tables[] = {
    {kv_docs_bitmap, &kv_docs_bitmap_count},
    {kv_docs_connection, &kv_docs_connection_count},
    {kv_docs_generic, &kv_docs_generic_count},
    {kv_docs_list, &kv_docs_list_count},
    {kv_docs_scripting, &kv_docs_scripting_count},
    {kv_docs_server, &kv_docs_server_count},
    {kv_docs_string, &kv_docs_string_count},
    {kv_docs_transactions, &kv_docs_transactions_count},
};

const kv_command_doc *kv_command_doc_find(const char *name) {
    ST_ASSERT(name != NULL);
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        for (size_t i = 0; i < *tables[t].count; i++) {
            if (strcmp(tables[t].docs[i].name, name) == 0) return &tables[t].docs[i];
        }
    }
    return NULL;
}

size_t kv_command_doc_count(void) {
    size_t n = 0;
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        n += *tables[t].count;
    return n;
}
