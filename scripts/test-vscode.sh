#!/usr/bin/env bash
# Run the VS Code extension's test suite (editors/vscode/test/suite) in a real VS Code 1.96:
# code-server 4.96.4 driven by headless Debian chromium + playwright-core, against a copy of
# examples/checkout. No X server, no VS Code download; code-server listens on 127.0.0.1 only.
#
# Usage: scripts/test-vscode.sh
# Env:
#   DEBUGLENS_SERVER_PATH   server binary (default: cargo build, then target/debug/debuglens)
#   DEBUGLENS_VSCODE_GREP   mocha grep over "suite test" titles, e.g. '^(client|stack traces) '
#   DEBUGLENS_VSCODE_INVERT=1  run the tests that do not match the grep
#   DEBUGLENS_VSCODE_WORKSPACE  workspace to copy and open (default examples/checkout)
#   DEBUGLENS_TOOLS         cache dir for code-server (default ~/.cache/debuglens-tools)
#   DEBUGLENS_VSCODE_TIMEOUT    seconds for the whole suite (default 300)
#   KEEP=1                  keep the run folder (code-server log, VS Code logs, workspace copy)
#   DEBUG=1                 echo the browser console
#   DEBUGLENS_VSCODE_SCREENSHOT=/tmp/wb.png  screenshot of the workbench when the suite ends
# Exit code: 0 when every selected test passed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EXT=$ROOT/editors/vscode
TOOLS=${DEBUGLENS_TOOLS:-$HOME/.cache/debuglens-tools}
CS_DIR=$TOOLS/code-server-4.96.4
t_start=$(date +%s%N)
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# 1. code-server (idempotent; ~60-90 s the first time, plus apt for chromium/ripgrep)
"$ROOT/scripts/install-code-server.sh" "$CS_DIR"
CS=$CS_DIR/node_modules/.bin/code-server
t_installed=$(date +%s%N)

# 2. the server
if [ -z "${DEBUGLENS_SERVER_PATH:-}" ]; then
  if [ -f "$ROOT/Cargo.toml" ] && [ -z "${DEBUGLENS_SKIP_CARGO_BUILD:-}" ]; then
    (cd "$ROOT" && cargo build --quiet --bin debuglens)
  fi
  DEBUGLENS_SERVER_PATH=$ROOT/target/debug/debuglens
fi
if [ ! -x "$DEBUGLENS_SERVER_PATH" ]; then
  echo "test-vscode: no server binary at $DEBUGLENS_SERVER_PATH (build it with cargo build, or set DEBUGLENS_SERVER_PATH)" >&2
  exit 1
fi
export DEBUGLENS_SERVER_PATH=$(realpath "$DEBUGLENS_SERVER_PATH")
export DEBUGLENS_VSCODE_GREP=${DEBUGLENS_VSCODE_GREP:-} DEBUGLENS_VSCODE_INVERT=${DEBUGLENS_VSCODE_INVERT:-}

# 3. the extension (npm ci only when the lock file changed)
cd "$EXT"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund >&2
fi
node esbuild.mjs >/dev/null
t_built=$(date +%s%N)

# 4. a throwaway code-server
WS_SRC=${DEBUGLENS_VSCODE_WORKSPACE:-$ROOT/examples/checkout}
PORT=${PORT:-$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')}
RUN=$(mktemp -d "${TMPDIR:-/tmp}/debuglens-vscode.XXXXXX")
mkdir -p "$RUN/data/User" "$RUN/ext" "$RUN/xdg"
cp -r "$WS_SRC" "$RUN/ws"          # tests may edit files: work on a copy
printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\ndisable-telemetry: true\ndisable-update-check: true\ndisable-workspace-trust: true\n' "$PORT" >"$RUN/config.yaml"
cat >"$RUN/data/User/settings.json" <<'JSON'
{ "security.workspace.trust.enabled": false, "workbench.startupEditor": "none",
  "extensions.autoCheckUpdates": false, "extensions.autoUpdate": false,
  "telemetry.telemetryLevel": "off", "update.mode": "none", "git.enabled": false,
  "extensions.ignoreRecommendations": true, "workbench.enableExperiments": false,
  "npm.fetchOnlinePackageInfo": false,
  "debuglens.trace.server": "messages" }
JSON
descendants() { local c; for c in $(pgrep -P "$1" || true); do echo "$c"; descendants "$c"; done; }
CS_PID=
status=1
cleanup() {
  local t_cleanup; t_cleanup=$(date +%s%N)
  if [ -n "$CS_PID" ]; then
    # code-server's extension hosts and the language server outlive the browser: stop the whole tree by PID
    local pids p alive
    pids="$CS_PID $(descendants "$CS_PID")"
    kill $pids 2>/dev/null || true     # all at once: code-server alone waits ~6 s for its extension host
    for _ in $(seq 50); do
      alive=; for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
      [ -z "$alive" ] && break; sleep 0.1
    done
    for p in $pids; do kill -0 "$p" 2>/dev/null && kill -9 "$p" 2>/dev/null; done
    if [ -s "$RUN/sid" ]; then pkill -KILL -s "$(cat "$RUN/sid")" 2>/dev/null || true; fi
    echo "test-vscode: code-server stopped in $(ms_since "$t_cleanup") ms" >&2
  fi
  if [ "$status" != 0 ]; then
    echo "--- code-server log (tail) ---" >&2; tail -n 30 "$RUN/code-server.log" >&2 2>/dev/null || true
    for f in $(find "$RUN/data/logs" -name '*debuglens*.log' 2>/dev/null); do
      echo "--- $f (tail) ---" >&2; tail -n 60 "$f" >&2
    done
  fi
  if [ -n "${KEEP:-}" ]; then echo "test-vscode: kept $RUN" >&2; else rm -rf "$RUN"; fi
}
trap cleanup EXIT
# code-server and chromium's crashpad keep their state in $RUN
export XDG_CONFIG_HOME=$RUN/xdg XDG_DATA_HOME=$RUN/xdg XDG_CACHE_HOME=$RUN/xdg/cache
# in a session of its own: whatever it leaves behind (extension hosts, language servers) is stopped by session id
setsid --wait sh -c 'echo $$ >"$0"; exec "$@"' "$RUN/sid" \
  "$CS" --config "$RUN/config.yaml" --user-data-dir "$RUN/data" --extensions-dir "$RUN/ext" \
  >"$RUN/code-server.log" 2>&1 &
CS_PID=$!
for _ in $(seq 300); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
t_suite=$(date +%s%N)
set +e
node "$EXT/test/run-in-code-server.js" "http://127.0.0.1:$PORT" "$RUN/ws" "$EXT" "$EXT/test/suite"
status=$?
set -e
echo "test-vscode: install/check $(( ($t_installed - $t_start) / 1000000 )) ms, build $(( ($t_built - $t_installed) / 1000000 )) ms, code-server+suite $(ms_since "$t_suite") ms, total $(ms_since "$t_start") ms" >&2
exit $status
