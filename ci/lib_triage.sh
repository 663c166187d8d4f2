# Crash triage, shared by ci/nightly and ci/repro (sourced after ci/lib.sh): reproducing an
# input under the target's limits, reading the failure report, and the signature that
# deduplicates failures (the kind of failure and the top frames of its symbolised stack).

# Frames at most this many project frames deep make a failure's signature.
TRIAGE_SIGNATURE_FRAMES=3
# RSS limit for reproducing an input when the target's .options names none (libFuzzer's).
TRIAGE_RSS_LIMIT_MB_DEFAULT=2048

# One [libfuzzer] option of a target's .options file, or $3 when it has none.
target_option() {
  local want="-$2=" line
  line=$(libfuzzer_flags "$1" | grep -m1 -- "^$want" || true)
  if [ -n "$line" ]; then printf '%s\n' "${line#"$want"}"; else printf '%s\n' "$3"; fi
}

# Runs FILE once through a libFuzzer binary with the target's limits (timeout, RSS, max_len):
# crashes, timeouts and OOMs all end in a report. Output to LOG; returns the binary's status.
reproduce_once() {
  local binary=$1 target=$2 file=$3 log=$4
  local timeout rss
  timeout=$(target_option "$target" timeout 25)
  rss=$(target_option "$target" rss_limit_mb "$TRIAGE_RSS_LIMIT_MB_DEFAULT")
  ASAN_OPTIONS=${ASAN_OPTIONS:-symbolize=1:handle_abort=1:detect_leaks=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:symbolize=1} \
    "$binary" -timeout="$timeout" -rss_limit_mb="$rss" -malloc_limit_mb="$rss" "$file" \
    >"$log" 2>&1
}

# The kind of failure a report shows, numbers and addresses replaced by N so that two
# inputs of one bug agree: "check: <cond>", "assertion failed: <expr>", "AddressSanitizer:
# heap-buffer-overflow", "runtime error: <what>", "libFuzzer: timeout", ... ("none" if the
# report shows no failure). libFuzzer's own reports read "==PID== ERROR: libFuzzer: ...",
# with a space the sanitizers' "==PID==ERROR:" lacks.
failure_kind() {
  awk '
    function norm(s) { gsub(/0x[0-9a-fA-F]+/, "N", s); gsub(/[0-9]+/, "N", s); return s }
    /^check: / { s = $0; sub(/ \([^()]*:[0-9]+\)$/, "", s); print norm(s); exit }
    /assertion failed: / { s = $0; sub(/.*assertion failed: /, "assertion failed: ", s)
                           sub(/ \([^()]*\)$/, "", s); print norm(s); exit }
    /runtime error: / { s = $0; sub(/.*runtime error: /, "runtime error: ", s)
                        sub(/:.*/, "", s); print norm(s); exit }
    /^==[0-9]+== ?ERROR: (AddressSanitizer|LeakSanitizer|MemorySanitizer|libFuzzer): / {
      s = $0; sub(/^==[0-9]+== ?ERROR: /, "", s); sub(/ on (unknown )?address.*/, "", s)
      sub(/ \(.*/, "", s); sub(/ after .*/, "", s); print norm(s); exit }
    END { if (NR == 0) print "none" }' "$1" | head -n 1 | grep . || echo none
}

# The top project frames of the first stack in a report, "function file:line" one a line;
# sanitizer, libFuzzer, libc frames and fuzz_fail (the reporter) are skipped, and so is every
# frame without a source file ("in malloc (binary+0x...)": the sanitizers' interceptors),
# since project code is always built with debug information.
top_frames() {
  awk -v want="$TRIAGE_SIGNATURE_FRAMES" '
    /^ *#[0-9]+ 0x[0-9a-f]+ in / {
      fn = $4; loc = $5
      seen_stack = 1
      if (fn ~ /^(__sanitizer|__asan|__ubsan|__msan|__lsan|__interceptor|__GI_|__libc|fuzzer::|_start$|main$|abort$|raise$|gsignal$|pthread_kill|fuzz_fail$)/) next
      if (loc ~ /^\(|compiler-rt|libFuzzer|\/libc|\.so/) next
      sub(/.*\//, "", loc); sub(/:[0-9]+$/, "", loc)   # file:line, no column
      print fn, loc
      if (++n == want) exit
      next
    }
    seen_stack && n > 0 && !/^ *#/ { exit }' "$1"
}

# The signature of a report: its kind and its top frames' function names (not lines, so
# that a signature survives edits elsewhere in the file).
failure_signature() {
  local kind frames
  kind=$(failure_kind "$1")
  frames=$(top_frames "$1" | awk '{print $1}' | paste -sd '<' -)
  printf '%s @ %s\n' "$kind" "${frames:-?}"
}

# A short stable id for a signature (file names, links).
signature_id() { printf '%s' "$1" | sha1sum | cut -c1-10; }

# One line: the kind and where (the first project frame with its file and line).
failure_description() {
  local first
  first=$(top_frames "$1" | head -n 1)
  printf '%s in %s\n' "$(failure_kind "$1")" "${first:-an unknown frame}"
}

# The first sanitizer or check report with its stack, for printing (at most 60 lines).
failure_report_excerpt() {
  grep -a -v -E '^(INFO:|MS: |#[0-9]+[[:space:]]+(INITED|NEW|REDUCE|pulse|DONE|RELOAD|READ)|Running: |Executed |base unit|[A-Za-z0-9+/]{40,}=*$)' "$1" \
    | awk '/^(check: |==[0-9]+== ?ERROR|ALARM: |.*runtime error: |.*assertion failed: |==== fuzz target)/ { on = 1 }
           on' | head -n 60
}

# The known failures: "<file>\t<signature>\t<description>" lines of corpus/regressions/*.known
# (override the folder with $STASIS_REGRESSIONS_DIR). Prints the file of a known signature.
STASIS_REGRESSIONS_DIR=${STASIS_REGRESSIONS_DIR:-$STASIS_ROOT/corpus/regressions}
known_regression() {
  local target=$1 signature=$2 known="$STASIS_REGRESSIONS_DIR/$1.known"
  [ -f "$known" ] || return 1
  awk -F '\t' -v s="$signature" '/^[^ #]/ && $2 == s { print $1; found = 1; exit }
                                 END { exit !found }' "$known"
}
