#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: once as a normal build, once under
# AddressSanitizer + UndefinedBehaviorSanitizer, then every libFuzzer harness for 30 s
# (scripts/fuzz.sh, with clang). Fails if any test fails or any harness finds a crash.
# SMSGW_SKIP_SANITIZE=1 skips the sanitizer pass and SMSGW_SKIP_FUZZ=1 the fuzzing (for a
# quick local loop only).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
jobs=$(nproc)

echo "== build (RelWithDebInfo) =="
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -- -j"$jobs"
echo "== tests =="
ctest --test-dir build --output-on-failure -j"$jobs"

if [ "${SMSGW_SKIP_SANITIZE:-0}" != "1" ]; then
  echo "== build (ASan + UBSan) =="
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSMSGW_SANITIZE=ON \
    -DSMSGW_BUILD_BENCH=OFF >/dev/null
  cmake --build build-asan -- -j"$jobs"
  echo "== tests under ASan + UBSan =="
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j"$jobs"
fi

if [ "${SMSGW_SKIP_FUZZ:-0}" != "1" ]; then
  scripts/fuzz.sh 30
fi
