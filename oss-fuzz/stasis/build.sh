#!/bin/bash -eu
# OSS-Fuzz build script: the repository's own, shared with ClusterFuzzLite.
exec "$SRC/stasis/.clusterfuzzlite/build.sh"
