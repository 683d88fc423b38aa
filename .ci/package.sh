#!/usr/bin/env bash
# The package a user installs: `npm pack` the built tree, install the tarball into a temporary
# prefix from npm's cache (no network: `npm ci` filled the cache), then drive the installed
# `tars-trading-mcp` through a real MCP client from outside the clone.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
tarball="$(npm pack --ignore-scripts --silent --pack-destination "$tmp")"
if tar -tzf "$tmp/$tarball" | grep -E '^package/dist/(test|bench|scripts)/|\.map$'; then
  echo "package check: the tarball ships tests, benches, scripts or source maps" >&2
  exit 1
fi
echo "package check: $tarball ($(du -k "$tmp/$tarball" | cut -f1) KiB, $(tar -tzf "$tmp/$tarball" | wc -l) files)"
(cd "$tmp" && npm install -g --prefix "$tmp/prefix" --prefer-offline --no-audit --no-fund --loglevel=error "$tmp/$tarball")
node dist/scripts/check-package.js "$tmp/prefix/bin/tars-trading-mcp"
