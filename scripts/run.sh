#!/usr/bin/env bash
# Installs what is missing, builds, and starts smsgwd on the embedded default config
# (config/smsgw.toml: SQLite in ./var, a `file` carrier writing ./var/outbox.jsonl).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target smsgwd smsgwctl -- -j"$(nproc)"
mkdir -p var

cat <<'MSG'

smsgwd is starting on http://127.0.0.1:8080 (Ctrl-C stops it).
Send a first message from another terminal:

  curl -s -X POST http://127.0.0.1:8080/v1/messages \
    -H 'Authorization: Bearer dev-token-change-me' \
    -H 'Content-Type: application/json' \
    -d '{"to": "13800138000", "text": "【区纪委】节日将至，请严守廉洁纪律。"}'

Then read what the `file` carrier "sent":    tail -f var/outbox.jsonl
and what happened to the message:             build/ctl/smsgwctl --token dev-token-change-me messages show <id>

MSG
exec build/daemon/app/smsgwd --config config/smsgw.toml
