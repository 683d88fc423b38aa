#!/usr/bin/env bash
# Runs the official MCP conformance suite (server scenarios) against our Streamable HTTP transport.
set -euo pipefail
cd "$(dirname "$0")/.."
data_dir=$(mktemp -d)
log=$(mktemp)
node dist/src/cli.js --transport http --port 0 --profile analyst --data-dir "$data_dir" 2>"$log" &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true; rm -rf "$data_dir"' EXIT
url=""
for _ in $(seq 1 100); do
  url=$(grep -o '"url":"http://[^"]*"' "$log" | head -1 | sed 's/"url":"\(.*\)"/\1/' || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "server did not start:"; cat "$log"; exit 1; }
echo "conformance: server at $url"
out=$(mktemp -d)
node --import ./.ci/conformance-register.mjs node_modules/@modelcontextprotocol/conformance/dist/index.js \
  server --url "$url" --expected-failures .ci/conformance-expected-failures.yml -o "$out" | tee "$out/summary.txt" | sed -n '/=== SUMMARY ===/,$p'
