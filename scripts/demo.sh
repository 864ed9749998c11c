#!/usr/bin/env bash
# moat's main job on a real image, from a fresh machine: installs dependencies, builds moat,
# builds the shared test image (Debian 12, 4 layers), and prints its inventory.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
scripts/install-deps.sh >/dev/null
scripts/build.sh >/dev/null
IMAGE_DIR=$(scripts/test-image.sh)
build/moat sbom "oci:$IMAGE_DIR/oci:1.0" "$@"
