#!/usr/bin/env bash
# Installs what is missing, builds, and starts smsgwd on the embedded default config
# (config/smsgw.toml: SQLite in ./var, a `file` carrier writing ./var/outbox.jsonl).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target smsgwd smsgwctl -- -j"$(nproc)"
mkdir -p var

build/daemon/app/smsgwd --config config/smsgw.toml &
daemon=$!
trap 'kill -TERM $daemon 2>/dev/null; wait $daemon' INT TERM
for _ in $(seq 1 100); do
  curl -fs http://127.0.0.1:8080/healthz >/dev/null 2>&1 && break
  kill -0 $daemon 2>/dev/null || { wait $daemon; exit $?; }
  sleep 0.1
done
# Sample recipients and groups (upsert by phone: running this again changes nothing).
build/ctl/smsgwctl --url http://127.0.0.1:8080 --token dev-token-change-me \
  recipients import config/sample-recipients.csv >/dev/null || true

cat <<'MSG'

smsgwd is running on http://127.0.0.1:8080 (Ctrl-C stops it), with sample recipients in the
groups cadres, deputies, cppcc and commission, and the templates of templates/.
Send a first message from another terminal:

  curl -s -X POST http://127.0.0.1:8080/v1/messages \
    -H 'Authorization: Bearer dev-token-change-me' \
    -H 'Content-Type: application/json' \
    -d '{"to": "13800138000", "text": "【区纪委】节日将至，请严守廉洁纪律。"}'

Then read what the `file` carrier "sent":    tail -f var/outbox.jsonl
and what happened to the message:             build/ctl/smsgwctl --token dev-token-change-me messages show <id>

The web console is at http://127.0.0.1:8080/console/ ; create your own account first:
  read -rs PW && printf '%s\n' "$PW" | build/ctl/smsgwctl --token dev-token-change-me \
    users add admin --role admin --password-file -

MSG
wait $daemon
