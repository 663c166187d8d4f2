#!/usr/bin/env bash
# public_callers.sh ROOT [HEADER...]: every function declared (not static) in ROOT/src/**/*.h,
# and in the extra HEADERs, has a caller somewhere in ROOT's src, tests, fuzz or bench: a
# public function nobody calls is dead code or an untested promise (issue 10). Prints each
# one without a caller and exits 1 if there is any.
#
# Comments are stripped with gcc's preprocessor (no includes expanded). A line declares or
# defines NAME when it starts in column 0 and NAME is its first identifier followed by '(';
# every other appearance of NAME counts as a use (a call, or its address in a table).
set -u
root=$1
shift
cd "$root" || exit 2
strip() { gcc -fpreprocessed -dD -E -P -x c "$@" 2>/dev/null; }

# Identifiers used on each line, minus the one a column-0 line declares or defines.
uses() {
  awk '
    {
      line = $0; skip = ""
      if (line ~ /^[A-Za-z_]/ && match(line, /[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/)) {
        skip = substr(line, RSTART, RLENGTH); sub(/[ \t]*\($/, "", skip)
      }
      n = split(line, words, /[^A-Za-z0-9_]+/)
      for (i = 1; i <= n; i++) if (words[i] != "" && words[i] != skip) print words[i]
    }'
}

# "NAME HEADER" for each name a header declares: column-0 lines that are not static, typedef
# or preprocessor, whose first identifier followed by '(' is a lower-case name. gcc's line
# markers (# 1 "file") say which header a line came from.
declared() {
  awk '
    /^# [0-9]+ "/ { file = $3; gsub(/"/, "", file); next }
    /^(static|typedef|#|extern "C")/ { next }
    /^[A-Za-z_]/ && match($0, /[a-z_][a-z0-9_]*[ \t]*\(/) {
      name = substr($0, RSTART, RLENGTH); sub(/[ \t]*\($/, "", name); print name, file
    }'
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mapfile -t sources < <(find src tests fuzz bench -name '*.[ch]' | sort)
strip "${sources[@]}" | uses | sort -u >"$tmp/used"
mapfile -t headers < <(find src -name '*.h' | sort)
gcc -fpreprocessed -dD -E -x c "${headers[@]}" "$@" 2>/dev/null | declared | sort -u >"$tmp/declared"

awk 'NR == FNR { used[$1] = 1; next } !($1 in used) { print "no caller: " $1 " (declared in " $2 ")" }' \
  "$tmp/used" "$tmp/declared" >"$tmp/missing"
cat "$tmp/missing"
printf '%d public functions checked, %d without a caller\n' "$(wc -l <"$tmp/declared")" \
  "$(wc -l <"$tmp/missing")"
[ ! -s "$tmp/missing" ]
