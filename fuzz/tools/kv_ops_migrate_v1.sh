#!/usr/bin/env bash
# fuzz/tools/kv_ops_migrate_v1.sh: carries kv_ops inputs of format version 1 over to version
# 2 where their meaning is unchanged, in place, so a working corpus or a crash file from
# before version 2 keeps running.
#
#   kv_ops_migrate_v1.sh REPLAY_KV_OPS FILE|DIR...
#
# Version 2 changed only more_operations' ids 14 and 23 (to "more2", which reads one more
# byte from the third table). A version-1 input that never drew them means the same under
# version 2; one that drew them decodes under version 2 either to a GETKEYSANDFLAGS line or
# to a refusal (the third table's other ids are unassigned). So: set the version byte to 2,
# describe; keep the new bytes only if the description has neither. Others stay version 1
# (refused by today's decoder, as they should be) and are counted.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,13p' "$0"; exit 2; }
replay=$1
shift
[ -x "$replay" ] || { echo "not an executable: $replay" >&2; exit 2; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
migrated=0 kept=0 other=0
while IFS= read -r -d '' f; do
  if [ "$(head -c 1 "$f" | od -An -tu1 | tr -d ' ')" != 1 ]; then
    other=$((other + 1))
    continue
  fi
  { printf '\002'; tail -c +2 "$f"; } >"$tmp"
  if "$replay" --describe --quiet "$tmp" 2>/dev/null | grep -q -e '"getkeysandflags"' -e ' refused'; then
    kept=$((kept + 1))
  else
    cat "$tmp" >"$f"
    migrated=$((migrated + 1))
  fi
done < <(find "$@" -type f ! -name '*.txt' -print0)
echo "kv_ops v1 -> v2: $migrated migrated, $kept left at version 1 (they drew ids 14 or 23, or were refused already), $other not version 1"
