#!/usr/bin/env bash
# fuzz/tools/decoded_texts.sh: the decoded text committed beside every regression.
#
# Every input under corpus/regressions/<target>/ (crashes found and canary reproducers) has
# NAME.txt beside it: what `replay_<target> --describe --quiet NAME` prints. Reviewers read
# the text; CTest (describe/<target>) checks the decoder still prints exactly it, so a change
# of meaning fails loudly with the difference shown.
#
#   decoded_texts.sh check REPLAY_BINARY FOLDER   exit 1 on a missing or different text
#   decoded_texts.sh write REPLAY_BINARY FOLDER   (re)writes every NAME.txt in FOLDER
#   decoded_texts.sh write-all [PRESET]           every target's folder, with build/PRESET
#                                                 (default debug) replay binaries
# When a decoder changes on purpose: bump its format version, re-encode the inputs, then
# `write-all` and review the diff of the texts in the same commit (README, "Input formats").
set -euo pipefail

describe() { "$1" --describe --quiet "$2" 2>/dev/null; }

inputs() {
  local f
  for f in "$1"/*; do
    [ -f "$f" ] || continue
    case $f in *.txt) continue ;; esac
    printf '%s\n' "$f"
  done
}

check() {
  local binary=$1 folder=$2 failed=0 f text
  while IFS= read -r f; do
    text="$f.txt"
    if [ ! -f "$text" ]; then
      echo "missing decoded text: $text (run fuzz/tools/decoded_texts.sh write $binary $folder)"
      failed=1
      continue
    fi
    if ! diff -u --label "$text (committed)" --label "$(basename "$binary") --describe today" \
         "$text" <(describe "$binary" "$f"); then
      echo "decoded text differs: $f now means something else than its committed text says"
      failed=1
    fi
  done < <(inputs "$folder")
  for text in "$folder"/*.txt; do
    [ -f "$text" ] || continue
    [ -f "${text%.txt}" ] || { echo "decoded text without its input: $text"; failed=1; }
  done
  return $failed
}

write() {
  local binary=$1 folder=$2 f
  while IFS= read -r f; do
    describe "$binary" "$f" >"$f.txt" || { echo "cannot describe $f" >&2; return 1; }
  done < <(inputs "$folder")
}

case ${1:-} in
  check) check "$2" "$3" ;;
  write) write "$2" "$3" ;;
  write-all)
    root=$(cd "$(dirname "$0")/../.." && pwd)
    preset=${2:-debug}
    for folder in "$root"/corpus/regressions/*/; do
      target=$(basename "$folder")
      # diff/ and props/ hold other tools' cases (their own formats), not a fuzz target's
      [ -f "$root/fuzz/targets/fuzz_$target.c" ] || continue
      binary="$root/build/$preset/fuzz/replay_$target"
      [ -x "$binary" ] || { echo "no $binary: build the $preset preset first" >&2; exit 2; }
      write "$binary" "${folder%/}"
    done ;;
  *) sed -n '2,17p' "$0"; exit 2 ;;
esac
