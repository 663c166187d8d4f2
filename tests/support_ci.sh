# Sourced by tests/ci_*.sh, the tests of the ci/ scripts (called with the source root):
# a scratch folder removed at exit, the working corpus inside it, failing with a message,
# and the check that a command left the tracked tree as it found it.
set -euo pipefail
root=$1
cd "$root"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export STASIS_CORPUS_DIR=$scratch/working-corpus

fail() { printf 'FAIL: %s\n' "$*"; exit 1; }
pass() { printf 'ok: %s\n' "$*"; }

# The tree's state: tracked changes and untracked files (build/ is ignored).
tree_state() { git status --porcelain --untracked-files=all; }

# Runs a command (output to $scratch/<name>.log), expects exit status $2, and that
# `git status --porcelain` is unchanged afterwards.
run_clean() {
  local name=$1 want=$2; shift 2
  local before status=0
  before=$(tree_state)
  "$@" >"$scratch/$name.log" 2>&1 || status=$?
  if [ "$status" -ne "$want" ]; then
    tail -n 40 "$scratch/$name.log"
    fail "$name: '$*' exited $status, expected $want"
  fi
  [ "$(tree_state)" = "$before" ] || {
    diff <(echo "$before") <(tree_state) || true
    fail "$name: '$*' changed the tracked tree (git status above)"
  }
  pass "$name: exit $status, git status unchanged"
}

files_in() { find "$1" -maxdepth 1 -type f | wc -l; }
