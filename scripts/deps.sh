#!/usr/bin/env bash
# Installs the Debian 12 packages smsgw needs to build and test, only those that are missing.
#   scripts/deps.sh        build and test
#   scripts/deps.sh fuzz   also clang 14 and libFuzzer (scripts/fuzz.sh)
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libcurl4-openssl-dev libssl-dev
  libsqlite3-dev libsqlitecpp-dev libspdlog-dev libtomlplusplus-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev libhowardhinnant-date-dev
  libphonenumber-dev libprotobuf-dev libargon2-dev
  libsystemd-dev systemd
  curl sqlite3 tzdata
  # The console's browser tests (tests/browser): headless Chromium driven by Selenium, and a
  # CJK font so that the screenshots show the Chinese interface.
  chromium chromium-driver python3-selenium fonts-wqy-zenhei
)
# node and npm run the independent SMSC of the SMPP interop test (tests/interop, the npm `smpp`
# package): Debian's when no node is installed at all.
command -v node >/dev/null 2>&1 || packages+=(nodejs npm)
if [ "${1:-}" = fuzz ]; then
  # libclang-rt-14-dev holds the sanitizer and fuzzer runtimes; clang only recommends it, and
  # recommendations are not installed below.
  packages+=(clang libclang-rt-14-dev libfuzzer-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing missing packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi
