#!/usr/bin/env python3
# Generates src/kv/command_docs_<group>.c, COMMAND DOCS's tables, from Redis 7.0.15's command
# metadata (src/commands/<name>.json of a Redis source tree kept outside this repository),
# for the commands stasis offers (every entry of command_meta.c). Then clang-format them.
#
#   names=$(grep -o '^    {"[a-z|_-]*",' src/kv/command_meta.c | tr -d '{", ')
#   tools/command_docs_gen.py /tmp/redis-7.0.15 src/kv $names
#   clang-format-14 -i src/kv/command_docs_*.c
#
# A new command group needs its KV_DOCS_GROUP line in command_docs.h and its table in
# command_docs.c. The replies are checked against a real redis-server by ci/diff-redis.
import json, sys, os
src, outdir, names = sys.argv[1], sys.argv[2], sys.argv[3:]
ARG_TYPES = ["string","integer","double","key","pattern","unix-time","pure-token","oneof","block"]
def c(s):
    if s is None: return "NULL"
    return json.dumps(s)  # JSON string escapes are valid C for these ASCII texts
def load(name):
    f = os.path.join(src, "src/commands", name.replace("|", "-") + ".json")
    d = json.load(open(f))
    (k, v), = d.items()
    return v
groups = {}
for n in names:
    groups.setdefault(load(n)["group"], []).append(n)
def argflags(a):
    fl = []
    if a.get("optional"): fl.append("KV_DOC_ARG_OPTIONAL")
    if a.get("multiple"): fl.append("KV_DOC_ARG_MULTIPLE")
    if a.get("multiple_token"): fl.append("KV_DOC_ARG_MULTIPLE_TOKEN")
    return " | ".join(fl) if fl else "0"
for g, cmds in groups.items():
    out = []
    ident = lambda n: n.replace("|", "_").replace("-", "_")
    seen = {}
    def emit_args(prefix, args):
        """Emits the array (children first: C needs them declared before use) and returns its
        name; an array equal to one already emitted in this file is shared."""
        key = json.dumps(args, sort_keys=True)
        if key in seen: return seen[key]
        seen[key] = prefix
        subs = {}
        for i, a in enumerate(args):
            if a.get("arguments"):
                subs[i] = emit_args(f"{prefix}_{i}", a["arguments"])
        out.append(f"static const kv_doc_arg {prefix}[] = {{")
        for i, a in enumerate(args):
            sub = a.get("arguments")
            fields = [f".name = {c(a['name'])}", f".type = KV_DOC_ARG_{a['type'].upper().replace('-', '_')}",
                      f".key_spec_index = {a.get('key_spec_index', -1)}"]
            if "token" in a: fields.append(f".token = {c(a['token'])}")
            if "since" in a: fields.append(f".since = {c(a['since'])}")
            if "deprecated_since" in a: fields.append(f".deprecated_since = {c(a['deprecated_since'])}")
            fl = argflags(a)
            if fl != "0": fields.append(f".flags = {fl}")
            if sub: fields.append(f".args = {subs[i]}, .arg_count = {len(sub)}")
            out.append("    {" + ", ".join(fields) + "},")
        out.append("};")
        return prefix
    entries = []
    for n in cmds:
        v = load(n)
        e = [f".name = {c(n)}", f".summary = {c(v.get('summary'))}", f".since = {c(v.get('since'))}",
             f".group = {c(v['group'])}", f".complexity = {c(v.get('complexity'))}"]
        df = v.get("doc_flags", [])
        if df: e.append(".doc_flags = " + " | ".join("KV_DOC_" + f.upper() for f in df))
        if v.get("deprecated_since"): e.append(f".deprecated_since = {c(v['deprecated_since'])}")
        if v.get("replaced_by"): e.append(f".replaced_by = {c(v['replaced_by'])}")
        h = v.get("history") or []
        if h:
            key = "history" + json.dumps(h)
            if key not in seen:  # equal histories are shared, as argument lists are
                seen[key] = f"history_{ident(n)}"
                out.append(f"static const kv_doc_history history_{ident(n)}[] = {{")
                for since, text in h:
                    out.append(f"    {{{c(since)}, {c(text)}}},")
                out.append("};")
            e.append(f".history = {seen[key]}, .history_count = {len(h)}")
        a = v.get("arguments") or []
        if a:
            name = emit_args(f"args_{ident(n)}", a)
            e.append(f".args = {name}, .arg_count = {len(a)}")
        entries.append(e)
    body = "\n".join(out)
    table = "\n".join("    {" + ", ".join(e) + "}," for e in entries)
    open(os.path.join(outdir, f"command_docs_{g}.c"), "w").write(
f"""/*
 * COMMAND DOCS's documentation of the {g} commands stasis offers, as Redis 7.0.15 gives it
 * (summary, since, group, complexity, doc flags, history, arguments), so that clients and
 * tools reading it see the same facts. Data only, generated from Redis's published command
 * metadata by tools/command_docs_gen.py; test_kv_command_info checks that every command of
 * the table has exactly one entry. The texts are Redis's reply data, reproduced for wire
 * compatibility like its error texts: Redis 7.0.15 src/commands/ (its JSON files), Copyright (c)
 * 2009-2022 Redis Ltd. and contributors, BSD 3-Clause licence.
 */
#include "kv/command_docs.h"

{body}

const kv_command_doc kv_docs_{g}[] = {{
{table}
}};
const size_t kv_docs_{g}_count = sizeof kv_docs_{g} / sizeof kv_docs_{g}[0];
""")
print(" ".join(sorted(groups)))
