#!/usr/bin/env bash
# Builds every tests/fuzz/fuzz_*.cpp as a libFuzzer binary (clang, -fsanitize=fuzzer,address,undefined)
# against the sources in src/, then runs each for SECONDS (default 60) from its seed corpus
# tests/fuzz/corpus/<name>/ (fuzz_<name>.cpp). New inputs go to $FUZZ_BUILD_DIR/corpus/<name>, never
# into the repository; crashes are saved as $FUZZ_BUILD_DIR/artifacts/<name>-crash-*.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     e.g. scripts/fuzz.sh 300 fuzz_tar_layer
#   SECONDS=0 only builds. Exit status 1 when any target crashed, leaked or timed out.
#
# Needs clang with libFuzzer (Debian: clang libclang-rt-14-dev).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
SECONDS_EACH=${1:-60}
shift || true
CXX=${FUZZ_CXX:-clang++}
JOBS=${JOBS:-$(nproc)}

FLAGS=(-std=c++20 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined
       -fno-sanitize-recover=undefined -I"$ROOT/src")
# The libraries src/ links (see CMakeLists.txt); optional ones only when installed.
LIBS=$(pkg-config --libs libarchive sqlite3 openssl fmt)
for optional in simdjson libcurl zlib libhs yara; do
  if pkg-config --exists "$optional"; then LIBS="$LIBS $(pkg-config --libs "$optional")"; fi
done

if ! echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' |
     "$CXX" -x c++ -fsanitize=fuzzer - -o /dev/null 2>/dev/null; then
  echo "fuzz.sh: $CXX cannot build libFuzzer targets (apt-get install clang libclang-rt-14-dev)" >&2
  exit 2
fi

mkdir -p "$OUT/obj" "$OUT/logs" "$OUT/artifacts" "$OUT/corpus"

# Compiles one source of src/ into $OUT/obj when it or a header it includes changed.
compile_one() {
  local source=$1 object="$OUT/obj/${1#"$ROOT"/}.o"
  local deps="${object%.o}.d"
  mkdir -p "$(dirname "$object")"
  if [[ -f $object && -f $deps ]]; then
    local stale=0 dep
    for dep in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$deps"); do
      if [[ $dep -nt $object ]]; then stale=1; break; fi
    done
    [[ $stale == 0 ]] && return 0
  fi
  if ! "$CXX" "${FLAGS[@]}" -fsanitize=fuzzer-no-link -MMD -MF "$deps" -c "$source" -o "$object" \
       2>"$object.log"; then
    # Another module's work in progress must not block fuzzing this one: leave it out, and let
    # the link say so if a target needs it.
    echo "fuzz.sh: warning: ${source#"$ROOT"/} does not compile with $CXX; left out (see $object.log)" >&2
    rm -f "$object"
  fi
}
export -f compile_one
export ROOT OUT CXX
export FLAGS_STRING="${FLAGS[*]}"

mapfile -t SOURCES < <(find "$ROOT/src" -name '*.cpp' ! -path "$ROOT/src/cli/main.cpp" | sort)
printf '%s\n' "${SOURCES[@]}" |
  xargs -P "$JOBS" -I{} bash -c 'FLAGS=($FLAGS_STRING); compile_one "$1"' _ {}
# Objects of sources that no longer exist (or no longer compile) must not linger in the library.
rm -f "$OUT/libmoat_fuzz.a"
mapfile -t OBJECTS < <(for source in "${SOURCES[@]}"; do
  object="$OUT/obj/${source#"$ROOT"/}.o"; [[ -f $object ]] && echo "$object"; done)
ar rcs "$OUT/libmoat_fuzz.a" "${OBJECTS[@]}"

if [[ $# -gt 0 ]]; then
  TARGETS=("$@")
else
  mapfile -t TARGETS < <(cd "$ROOT/tests/fuzz" && ls fuzz_*.cpp | sed 's/\.cpp$//')
fi

failed=()
for target in "${TARGETS[@]}"; do
  name=${target#fuzz_}
  # shellcheck disable=SC2086  # LIBS is a list of linker flags
  if ! "$CXX" "${FLAGS[@]}" -fsanitize=fuzzer "$ROOT/tests/fuzz/$target.cpp" "$OUT/libmoat_fuzz.a" \
       $LIBS -o "$OUT/$target" 2>"$OUT/logs/$target.build.log"; then
    echo "fuzz.sh: $target does not build; see $OUT/logs/$target.build.log" >&2
    failed+=("$target (build)")
    continue
  fi
  [[ $SECONDS_EACH == 0 ]] && { echo "built $OUT/$target"; continue; }
  mkdir -p "$OUT/corpus/$name"
  seeds=()
  [[ -d $ROOT/tests/fuzz/corpus/$name ]] && seeds=("$ROOT/tests/fuzz/corpus/$name")
  echo "fuzzing $target for ${SECONDS_EACH}s (log: $OUT/logs/$target.log)"
  if "$OUT/$target" -max_total_time="$SECONDS_EACH" -timeout=25 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$name-" \
       "$OUT/corpus/$name" "${seeds[@]}" >"$OUT/logs/$target.log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$OUT/logs/$target.log" | tail -1 || true
  else
    echo "fuzz.sh: $target FAILED; reproducer:" >&2
    grep -E 'Test unit written to|ERROR:|SUMMARY:' "$OUT/logs/$target.log" >&2 || tail -20 "$OUT/logs/$target.log" >&2
    failed+=("$target")
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz.sh: failed: ${failed[*]}" >&2
  exit 1
fi
