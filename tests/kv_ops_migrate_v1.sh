#!/usr/bin/env bash
# fuzz/tools/kv_ops_migrate_v1.sh carries a version-1 kv_ops input over to version 2 byte
# for byte when its meaning is unchanged, and leaves one that drew a changed id (14, "lcs"
# in version 1) at version 1, where today's decoder refuses it.
#   kv_ops_migrate_v1.sh SOURCE_DIR REPLAY_KV_OPS
set -euo pipefail
root=$1 replay=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
seed=$root/corpus/kv_ops/grammar-config-command
{ printf '\001'; tail -c +2 "$seed"; } >"$dir/unchanged"
# A header, then "more" (127) and id 14, then a key: version 1 read LCS here.
{ printf '\001'; head -c 13 "$seed" | tail -c +2; printf '\177\016\001\002'; } >"$dir/drew-14"
out=$("$root/fuzz/tools/kv_ops_migrate_v1.sh" "$replay" "$dir")
[ "$out" = "kv_ops v1 -> v2: 1 migrated, 1 left at version 1 (they drew ids 14 or 23, or were refused already), 0 not version 1" ] \
  || { echo "unexpected summary: $out"; exit 1; }
cmp "$dir/unchanged" "$seed" || { echo "the migrated input differs from the version-2 seed"; exit 1; }
[ "$(head -c 1 "$dir/drew-14" | od -An -tu1 | tr -d ' ')" = 1 ] \
  || { echo "an input that drew id 14 was migrated"; exit 1; }
echo "ok: one input migrated byte for byte, one that drew id 14 left at version 1"
