#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz/) with clang under ASan + UBSan, runs each over its
# regression inputs (every crash ever found; must not crash), then fuzzes each for SECONDS
# (default 30) from a scratch copy of its seed corpus, so the repository is not modified.
# Prints executions per harness and exits non-zero if any harness crashed, leaked, ran out of
# memory or timed out. A crashing input is copied to tests/fuzz/regressions/<harness>/ (commit
# it with the fix) and printed in hex, so a CI log is enough to reproduce it.
#   scripts/fuzz.sh [SECONDS]       SECONDS=0: regressions and seeds only, no fuzzing
#   SMSGW_FUZZ_ONLY="fuzz_csv fuzz_cron" scripts/fuzz.sh 60   a subset
# docs/security.md ("Fuzzing") lists the harnesses and what each checks.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-30}"
case "$seconds" in '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2 ;; esac

scripts/deps.sh fuzz

# One harness per tests/fuzz/fuzz_<name>.cpp (tests/fuzz/CMakeLists.txt builds each).
harnesses=()
for f in tests/fuzz/fuzz_*.cpp; do harnesses+=("$(basename "$f" .cpp)"); done
if [ -n "${SMSGW_FUZZ_ONLY:-}" ]; then
  read -r -a harnesses <<<"$SMSGW_FUZZ_ONLY"
fi

# Longest input per harness: whole requests and files get room for many rows or requests;
# one-line grammars stay short so the fuzzer spends its time on their syntax.
max_len() {
  case "$1" in
    fuzz_router) echo 16384 ;;
    fuzz_api_json) echo 8192 ;;
    fuzz_csv) echo 65536 ;;
    fuzz_phone | fuzz_time | fuzz_duration | fuzz_quiet_hours) echo 256 ;;
    fuzz_cron | fuzz_when) echo 512 ;;
    fuzz_route) echo 4096 ;;
    *) echo 16384 ;;
  esac
}

start_build=$SECONDS
launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
echo "== build (clang, libFuzzer, ASan + UBSan) =="
# -O1 without NDEBUG: fast enough to fuzz, and Boost's and our assertions stay on.
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DSMSGW_FUZZ=ON -DSMSGW_SANITIZE=ON \
  -DSMSGW_BUILD_TESTS=OFF -DSMSGW_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
cmake --build build-fuzz --target fuzz_harnesses -- -j"$(nproc)"
build_seconds=$((SECONDS - start_build))

# Scratch space: corpora copies, artifacts, and the router harnesses' databases ($TMPDIR).
# /dev/shm when there is one, so a commit costs no real fsync.
scratch_parent=/tmp
if [ -d /dev/shm ] && [ -w /dev/shm ]; then scratch_parent=/dev/shm; fi
scratch="$(mktemp -d "$scratch_parent/smsgw-fuzz.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
export TMPDIR="$scratch"
# Leaks are bugs too; a report aborts so libFuzzer keeps the input. No suppressions are needed:
# the process-lifetime caches (time zones, calendars, spdlog) stay reachable.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

failed=()
rows=()
# Keeps a failing run's artifacts as regression inputs and prints them.
keep_artifacts() {
  local h="$1" dir="$2" f
  for f in "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* "$dir"/slow-unit-*; do
    [ -e "$f" ] || continue
    mkdir -p "tests/fuzz/regressions/$h"
    cp "$f" "tests/fuzz/regressions/$h/"
    echo "   kept tests/fuzz/regressions/$h/$(basename "$f") ($(stat -c %s "$f") bytes):"
    head -c 4096 "$f" | od -An -tx1 | sed 's/^/     /'
  done
}

# One harness: its regression inputs, then fuzzing; its table row goes to $work/row and a
# failure leaves $work/failed with what failed. Run as a background job (two at a time).
run_harness() {
  local h="$1"
  local bin="build-fuzz/tests/fuzz/$h"
  local work="$scratch/$h"
  mkdir -p "$work/corpus" "$work/artifacts"
  local len
  len="$(max_len "$h")"
  local common=(-timeout=10 -rss_limit_mb=4096 -max_len="$len" -artifact_prefix="$work/artifacts/")

  # Every crash found so far, then the seeds: one plain execution each.
  local inputs=() f
  if [ -d "tests/fuzz/regressions/$h" ]; then
    while IFS= read -r -d '' f; do inputs+=("$f"); done \
      < <(find "tests/fuzz/regressions/$h" -type f -print0 | sort -z)
  fi
  if [ "$seconds" = 0 ] && [ -d "tests/fuzz/corpus/$h" ]; then
    while IFS= read -r -d '' f; do inputs+=("$f"); done \
      < <(find "tests/fuzz/corpus/$h" -type f -print0 | sort -z)
  fi
  if [ ${#inputs[@]} -gt 0 ]; then
    if ! "$bin" "${common[@]}" "${inputs[@]}" >"$work/regressions.log" 2>&1; then
      { echo "!! $h: a regression input fails:"
        grep -E "Running:|ERROR|violated|SUMMARY" "$work/regressions.log" | tail -n 20; } >"$work/report"
      echo "$h (regression)" >"$work/failed"
      printf '%-20s %12s %10s  %s\n' "$h" - - "regression input fails" >"$work/row"
      return
    fi
  fi
  if [ "$seconds" = 0 ]; then
    printf '%-20s %12s %10s  %s\n' "$h" "${#inputs[@]}" - "ok (no fuzzing)" >"$work/row"
    return
  fi

  cp -r "tests/fuzz/corpus/$h/." "$work/corpus/" 2>/dev/null || true
  local dict=()
  if [ -f "tests/fuzz/dict/$h.dict" ]; then dict=(-dict="tests/fuzz/dict/$h.dict"); fi
  local status=ok
  if ! "$bin" "${common[@]}" "${dict[@]}" -max_total_time="$seconds" -print_final_stats=1 \
      "$work/corpus" >"$work/fuzz.log" 2>&1; then
    status=FAILED
    { echo "!! $h failed:"
      grep -E "ERROR|violated|SUMMARY|Test unit written|^    #[0-9]+ " "$work/fuzz.log" | head -n 40
      keep_artifacts "$h" "$work/artifacts"; } >"$work/report"
    echo "$h" >"$work/failed"
  fi
  local execs rate
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log" | tail -n 1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/fuzz.log" | tail -n 1)"
  printf '%-20s %12s %10s  %s\n' "$h" "${execs:-?}" "${rate:-?}" "$status" >"$work/row"
}

# Two harnesses at a time on two cores: each is one process on one core, and 20 harnesses one
# after the other took 10 of the CI run's minutes.
parallel=$(( $(nproc) < 2 ? 1 : 2 ))
start_run=$SECONDS
running=0
for h in "${harnesses[@]}"; do
  if [ "$running" -ge "$parallel" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  run_harness "$h" &
  running=$((running + 1))
done
wait || true
for h in "${harnesses[@]}"; do
  work="$scratch/$h"
  [ -f "$work/report" ] && cat "$work/report"
  [ -f "$work/failed" ] && failed+=("$(cat "$work/failed")")
  if [ -f "$work/row" ]; then rows+=("$(cat "$work/row")"); else rows+=("$(printf '%-20s %12s %10s  %s' "$h" - - "did not finish")"); failed+=("$h (did not finish)"); fi
done
run_seconds=$((SECONDS - start_run))

echo "== fuzzing: ${seconds}s per harness (build ${build_seconds}s, run ${run_seconds}s) =="
printf '%-20s %12s %10s  %s\n' harness executions exec/s result
printf '%s\n' "${rows[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing failed: ${failed[*]}" >&2
  exit 1
fi
