#!/usr/bin/env python3
"""Summarises an lcov file (from `llvm-cov-14 export -format=lcov`) as Markdown for
ci/nightly's and ci/coverage's reports: per-file lines, branches and functions; totals for
src/alloc, src/kv, the engine's files (see ENGINE_FILES) and src/; and every uncovered line
range of src/alloc and src/kv with its function.

    coverage_summary.py COVERAGE.lcov SOURCE_ROOT/
"""
import re
import sys

# Folders whose uncovered lines are listed one by one (the goals of issue 13 name them).
DETAILED_FOLDERS = ("src/alloc/", "src/kv/")
# The engine: the KV server's pure core, the command, store and codec files (no server loop,
# I/O backends, start-up, CLI or configuration parsing), whose goal issue 13 sets apart.
ENGINE_FILES = re.compile(
    r"src/kv/(cmd_[a-z_]+|command|command_meta|engine|store|table|chunks|glob|text|siphash"
    r"|resp_parser|resp_writer|resp_number)\.c$")
# Code that runs only when the process aborts: stasis_assert_fail (its only entry point)
# prints the failed assertion and aborts, so no passing input reaches it (the unit tests'
# death tests do). Issue 13 lets such code leave the measure only when the report says so,
# with the count, and gives the figure both ways: the second src/alloc/ row, and the note.
ABORT_ONLY_FILES = ("src/alloc/stasis_assert.c",)
ALLOC_WITHOUT_ABORT_ONLY = "src/alloc/ without abort-only code"
# Totals: (label, which files).
SCOPES = (
    ("src/alloc/", lambda n: n.startswith("src/alloc/")),
    (ALLOC_WITHOUT_ABORT_ONLY,
     lambda n: n.startswith("src/alloc/") and n not in ABORT_ONLY_FILES),
    ("src/kv/", lambda n: n.startswith("src/kv/")),
    ("engine (src/kv command, store, codec files)", ENGINE_FILES.match),
    ("src/", lambda n: n.startswith("src/")),
)


def parse(path, root):
    files = {}
    cur = None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            key, _, value = line.partition(":")
            if key == "SF":
                name = value[len(root):] if value.startswith(root) else value
                cur = files.setdefault(name, {"LF": 0, "LH": 0, "BRF": 0, "BRH": 0, "FNF": 0,
                                              "FNH": 0, "zero": [], "fn": []})
            elif cur is None:
                continue
            elif key in ("LF", "LH", "BRF", "BRH", "FNF", "FNH"):
                cur[key] = int(value)
            elif key == "DA":
                number, count = value.split(",")[:2]
                if int(count) == 0:
                    cur["zero"].append(int(number))
            elif key == "FN":
                number, name = value.split(",", 1)
                cur["fn"].append((int(number), name))
    return files


def pct(hit, found):
    return "-" if found == 0 else "%.1f %%" % (100.0 * hit / found)


def ranges(numbers):
    out = []
    for n in sorted(numbers):
        if out and n == out[-1][1] + 1:
            out[-1][1] = n
        else:
            out.append([n, n])
    return out


def enclosing(functions, line):
    best = None
    for start, name in sorted(functions):
        if start <= line:
            best = name
    # Static functions of headers are named "<unit>.c:<function>" after the unit that used them.
    return (best or "?").rsplit(":", 1)[-1]


def main():
    files = parse(sys.argv[1], sys.argv[2])
    print("### Per file\n")
    print("| file | lines | lines % | branches | branches % | functions | functions % |")
    print("|---|---|---|---|---|---|---|")
    for name in sorted(files):
        d = files[name]
        if d["LF"] == 0 and d["FNF"] == 0:
            continue  # a header with nothing to run (declarations only)
        print("| %s | %d/%d | %s | %d/%d | %s | %d/%d | %s |" % (
            name, d["LH"], d["LF"], pct(d["LH"], d["LF"]), d["BRH"], d["BRF"],
            pct(d["BRH"], d["BRF"]), d["FNH"], d["FNF"], pct(d["FNH"], d["FNF"])))
    print("\n### src/ total\n")
    print("| scope | lines | branches | functions |")
    print("|---|---|---|---|")
    for scope, within in SCOPES:
        sums = {k: sum(d[k] for n, d in files.items() if within(n))
                for k in ("LF", "LH", "BRF", "BRH", "FNF", "FNH")}
        print("| %s | %s (%d/%d) | %s (%d/%d) | %s (%d/%d) |" % (
            scope, pct(sums["LH"], sums["LF"]), sums["LH"], sums["LF"],
            pct(sums["BRH"], sums["BRF"]), sums["BRH"], sums["BRF"],
            pct(sums["FNH"], sums["FNF"]), sums["FNH"], sums["FNF"]))
    excluded = ["`%s` (%d lines, %d of them covered)" % (n, files[n]["LF"], files[n]["LH"])
                for n in ABORT_ONLY_FILES if n in files]
    if excluded:
        print("\n\"%s\" leaves out code that runs only when the process aborts: %s." % (
            ALLOC_WITHOUT_ABORT_ONLY, ", ".join(excluded)))
    print("\n### Uncovered lines in %s\n" % " and ".join(DETAILED_FOLDERS))
    for name in sorted(files):
        if not name.startswith(DETAILED_FOLDERS) or not files[name]["zero"]:
            continue
        d = files[name]
        parts = ["%s (%s)" % (a if a == b else "%d-%d" % (a, b), enclosing(d["fn"], a))
                 for a, b in ranges(d["zero"])]
        print("- `%s`: %s" % (name, ", ".join(parts)))
    print()


if __name__ == "__main__":
    main()
