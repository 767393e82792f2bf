#!/usr/bin/env bash
# Run both real-editor suites: Neovim (headless, seconds) then VS Code (code-server, ~15 s + install).
# Builds the server once (cargo build) unless DEBUGLENS_SERVER_PATH is set. Env of each suite applies
# (DEBUGLENS_VSCODE_GREP, DEBUGLENS_NVIM_TESTS, ...). Set DEBUGLENS_SKIP_VSCODE=1 or
# DEBUGLENS_SKIP_NEOVIM=1 to leave one out. Exit code: non-zero if either suite failed.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${DEBUGLENS_SERVER_PATH:-}" ]; then
  (cd "$ROOT" && cargo build --quiet --bin debuglens) || exit 1
  export DEBUGLENS_SERVER_PATH=$ROOT/target/debug/debuglens
fi
if [ -n "${CI:-}" ] && [ -n "${DEBUGLENS_SKIP_NEOVIM:-}${DEBUGLENS_SKIP_VSCODE:-}" ]; then
  echo "test-editors: DEBUGLENS_SKIP_NEOVIM/DEBUGLENS_SKIP_VSCODE are ignored under CI: both editors always run there" >&2
  unset DEBUGLENS_SKIP_NEOVIM DEBUGLENS_SKIP_VSCODE
fi
rc=0
if [ -z "${DEBUGLENS_SKIP_NEOVIM:-}" ]; then "$ROOT/scripts/test-neovim.sh" || rc=1; fi
if [ -z "${DEBUGLENS_SKIP_VSCODE:-}" ]; then "$ROOT/scripts/test-vscode.sh" || rc=1; fi
exit $rc
