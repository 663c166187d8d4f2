/* COMMAND DOCS's lookup over the per-group tables of command_docs_<group>.c. */
#include "kv/command_docs.h"

#include <string.h>

#include "alloc/stasis_assert.h"
#include "kv/name_index.h"

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

/* The entry at a position counted across the tables, in their order. */
static const kv_command_doc *doc_at(size_t position) {
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        if (position < *tables[t].count) return &tables[t].docs[position];
        position -= *tables[t].count;
    }
    ST_ASSERT(false); /* past the last table */
    return NULL;
}

static const char *doc_name(size_t position) { return doc_at(position)->name; }

/* COMMAND DOCS looks up every command: hashed. */
static kv_name_index doc_index;

const kv_command_doc *kv_command_doc_find(const char *name) {
    ST_ASSERT(name != NULL);
    if (!doc_index.built) kv_name_index_build(&doc_index, doc_name, kv_command_doc_count());
    size_t p = kv_name_index_find(&doc_index, doc_name, name);
    return p == SIZE_MAX ? NULL : doc_at(p);
}

size_t kv_command_doc_count(void) {
    size_t n = 0;
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        n += *tables[t].count;
    return n;
}
