#!/usr/bin/env bash
# expect_failure.sh TEXT COMMAND...
# Passes iff COMMAND exits non-zero (or dies by a signal) and its output contains TEXT.
# Used by the canary tests: a planted bug must be caught, and caught by the right check.
set -u
expected=$1
shift
output=$("$@" 2>&1)
status=$?
if [ "$status" -eq 0 ]; then
  printf 'expected a failure, but the command succeeded: %s\n%s\n' "$*" "$output"
  exit 1
fi
if ! grep -qF -- "$expected" <<<"$output"; then
  printf 'the command failed (status %d) but its output lacks: %s\n%s\n' "$status" "$expected" "$output"
  exit 1
fi
printf 'failed as expected (status %d), output contains: %s\n' "$status" "$expected"
