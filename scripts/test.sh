#!/usr/bin/env bash
# The whole test suite: Rust unit, LSP and CLI tests, the demo's own pytest, and the real-editor
# suites (headless Neovim; VS Code through code-server). Installs what those need on a fresh
# machine (PyPI, npm and Debian packages), so `.ci/run` is just this script.
#
#   DEBUGLENS_SKIP_EDITORS=1   leave out the real-editor suites (fast local loop)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

step() { printf '\n==> %s\n' "$*"; }

step "python packages: the demo (aiohttp, pytest) and jsonschema for the SARIF test"
python3 -m pip install --quiet --disable-pip-version-check -r examples/checkout/requirements.txt jsonschema

step "cargo test"
cargo test --locked --all-targets

step "demo workspace: pytest"
(cd examples/checkout && python3 -m pytest -q)

if [ -z "${DEBUGLENS_SKIP_EDITORS:-}" ]; then
  step "real editors"
  "$ROOT/scripts/test-editors.sh"
fi
