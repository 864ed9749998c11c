#!/usr/bin/env bash
# Builds moat in Release (build-release/, or $BENCH_BUILD_DIR) and runs the benchmarks.
#
#   scripts/bench.sh                       every bench/bench_*.cpp, with its default settings
#   scripts/bench.sh NAME [ARGS...]        one benchmark (the bench_ prefix may be left out),
#                                          with its own arguments, e.g.
#                                          scripts/bench.sh layer_walk --large --runs 3
#
# The real test image (oci/ and image.tar) is $MOAT_BENCH_IMAGE_DIR if set; otherwise it is the
# one the tests use, built when missing by scripts/test-image.sh with
# ../shared/tools/make-test-image.sh (needs root and network, ~1.5 min; reused afterwards).
# Benchmarks read it from $MOAT_BENCH_IMAGE_DIR.
#
# GCC 12 at -O3 reports a false -Wrestrict inside std::string concatenation (GCC bug 105329,
# hit in src/inventory/purl.cpp), so Release keeps that one warning but not as an error.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BENCH_BUILD_DIR:-$ROOT/build-release}

names=()
args=()
if [ $# -gt 0 ]; then
  name=${1#bench_}
  shift
  [ -f "$ROOT/bench/bench_$name.cpp" ] || { echo "bench.sh: no benchmark bench/bench_$name.cpp" >&2; exit 2; }
  names=("bench_$name")
  args=("$@")
else
  for source in "$ROOT"/bench/bench_*.cpp; do names+=("$(basename "$source" .cpp)"); done
fi

echo "== build (Release) in $BUILD" >&2
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMOAT_BUILD_BENCH=ON \
  -DCMAKE_CXX_FLAGS="-Wno-error=restrict" >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target "${names[@]}"

if [ -z "${MOAT_BENCH_IMAGE_DIR:-}" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "== real test image" >&2
    MOAT_BENCH_IMAGE_DIR=$("$ROOT/scripts/test-image.sh")
  else
    echo "bench.sh: not root, so the test image cannot be built; set MOAT_BENCH_IMAGE_DIR" >&2
  fi
fi
export MOAT_BENCH_IMAGE_DIR

status=0
for name in "${names[@]}"; do
  echo "== $name ${args[*]}" >&2
  "$BUILD/$name" "${args[@]}" || { echo "bench.sh: $name failed" >&2; status=1; }
done
exit $status
