#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: once as a normal build, once under
# AddressSanitizer + UndefinedBehaviorSanitizer, then every libFuzzer harness for 30 s
# (scripts/fuzz.sh, with clang); it also builds the Release daemon with Debian's dpkg-buildflags.
# Warnings are errors in all of these (SMSGW_WERROR). Fails if any test fails, any build warns,
# or any harness finds a crash. SMSGW_SKIP_SANITIZE=1, SMSGW_SKIP_RELEASE=1 and
# SMSGW_SKIP_FUZZ=1 skip those passes (for a quick local loop only).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
jobs=$(nproc)
# The npm `smpp` package for the SMPP interop test, exactly as package-lock.json pins it.
if command -v npm >/dev/null 2>&1; then
  echo "== npm ci (tests/interop) =="
  npm ci --prefix tests/interop --no-audit --no-fund
fi

echo "== build (RelWithDebInfo) =="
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSMSGW_WERROR=ON >/dev/null
cmake --build build -- -j"$jobs"
echo "== tests =="
ctest --test-dir build --output-on-failure -j"$jobs"

if [ "${SMSGW_SKIP_SANITIZE:-0}" != "1" ]; then
  echo "== build (ASan + UBSan) =="
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSMSGW_SANITIZE=ON \
    -DSMSGW_WERROR=ON -DSMSGW_BUILD_BENCH=OFF >/dev/null
  cmake --build build-asan -- -j"$jobs"
  echo "== tests under ASan + UBSan =="
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j"$jobs"
fi

if [ "${SMSGW_SKIP_RELEASE:-0}" != "1" ]; then
  # What a packager builds: -O3 with Debian's hardening flags (dpkg-buildflags), warnings as
  # errors so a flag-dependent warning is seen here first. The binaries only; the tests ran above.
  echo "== build (Release with dpkg-buildflags: smsgwd, smsgwctl) =="
  CXXFLAGS="$(dpkg-buildflags --get CXXFLAGS) $(dpkg-buildflags --get CPPFLAGS)" \
    LDFLAGS="$(dpkg-buildflags --get LDFLAGS)" \
    cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSMSGW_WERROR=ON \
    -DSMSGW_BUILD_TESTS=OFF -DSMSGW_BUILD_BENCH=OFF >/dev/null
  cmake --build build-release --target smsgwd smsgwctl -- -j"$jobs"
  build-release/daemon/app/smsgwd --version
fi

if [ "${SMSGW_SKIP_FUZZ:-0}" != "1" ]; then
  scripts/fuzz.sh 30
fi
