#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs dependencies, builds, builds the real test
# image, runs unit, integration, fixture-parity and fuzz-corpus tests, then the unit tests again
# under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
step() { echo "== $*"; }

step "dependencies"
scripts/install-deps.sh

step "build"
scripts/build.sh

step "real test image"
export MOAT_TEST_IMAGE_DIR
MOAT_TEST_IMAGE_DIR=$(scripts/test-image.sh)

step "upgraded test image (the same image after apt-get upgrade from the security suite)"
export MOAT_UPGRADED_ROOTFS
MOAT_UPGRADED_ROOTFS=$(scripts/make-upgraded-image.sh "$MOAT_TEST_IMAGE_DIR")

step "tests"
ctest --test-dir build --output-on-failure -j "$(nproc)"

step "sanitizer build (ASan + UBSan)"
BUILD_DIR=$ROOT/build-asan scripts/build.sh -DMOAT_SANITIZE=ON -DMOAT_BUILD_BENCH=OFF
ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan --output-on-failure -j "$(nproc)" -L 'unit|fuzz|integration'

step "all tests passed"
