#!/usr/bin/env bash
# moat's main job on a real image, from a fresh machine: installs dependencies, builds moat,
# builds the shared test image (Debian 12, 4 layers, deliberately vulnerable) and scans it.
# The scan refreshes the vulnerability database from the public OSV export when it can; with
# no route there it says so and uses the sample of real advisories built into the binary.
# Extra arguments go to `moat scan` (e.g. --format json, --db PATH).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
scripts/install-deps.sh >/dev/null
scripts/build.sh >/dev/null
IMAGE_DIR=$(scripts/test-image.sh)
build/moat sbom "oci:$IMAGE_DIR/oci:1.0" --quiet | head -4
status=0
build/moat scan "oci:$IMAGE_DIR/oci:1.0" "$@" || status=$?
exit $status
