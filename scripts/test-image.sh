#!/usr/bin/env bash
# Builds the shared real test image once (needs root) and prints its directory.
# Reused while ../shared/tools/make-test-image.sh is unchanged.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${MOAT_SHARED_DIR:-$ROOT/../shared}
OUT=${MOAT_TEST_IMAGE_DIR:-$ROOT/build/test-image}
if [ ! -f "$OUT/build-info.txt" ] || [ ! -f "$OUT/expected/dpkg-packages.tsv" ]; then
  rm -rf "$OUT"
  mkdir -p "$(dirname "$OUT")"
  "$SHARED/tools/make-test-image.sh" "$OUT" >&2
fi
echo "$OUT"
