#!/usr/bin/env bash
# Build editors/vscode/debuglens.vsix: npm ci, tsc --noEmit, esbuild (minified), vsce package.
# Usage: scripts/package-vscode.sh [--bundle-server PATH --target TARGET]
#   --bundle-server PATH  copy a built server into the extension's bin/ (a platform-specific .vsix);
#                         pass the matching vsce --target, e.g. linux-x64, darwin-arm64, win32-x64.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT/editors/vscode"
server= target=
while [ $# -gt 0 ]; do
  case $1 in
    --bundle-server) server=$2; shift 2 ;;
    --target) target=$2; shift 2 ;;
    *) echo "usage: $0 [--bundle-server PATH --target TARGET]" >&2; exit 2 ;;
  esac
done
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
rm -f bin/debuglens bin/debuglens.exe
if [ -n "$server" ]; then
  case $server in *.exe) cp "$server" bin/debuglens.exe ;; *) cp "$server" bin/debuglens && chmod +x bin/debuglens ;; esac
fi
npx tsc --noEmit
node esbuild.mjs --production
out=debuglens${target:+-$target}.vsix
npx vsce package --no-dependencies --skip-license --allow-missing-repository ${target:+--target "$target"} -o "$out"
rm -f bin/debuglens bin/debuglens.exe
echo "$ROOT/editors/vscode/$out"
