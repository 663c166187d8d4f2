#!/bin/sh
# PROPS_KV_BINARY for a test that shows a check of the real process failing: runs
# $PROPS_KV_REAL with the flags the case gives, then $PROPS_KV_EXTRA (words), so the server
# is configured otherwise than the case says (e.g. more connections than it promises).
exec "$PROPS_KV_REAL" "$@" $PROPS_KV_EXTRA
