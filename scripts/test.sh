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

step "compilers the rewrite tests check their output with: javac (Debian), tsc (npm, into target/test-tools)"
if ! command -v javac >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jdk-headless
  else
    echo "javac is missing and this is not a root Debian machine: install a JDK (the Java rewrite tests compile their output)" >&2
    exit 1
  fi
fi
if [ ! -x target/test-tools/node_modules/.bin/tsc ]; then
  npm install --prefix target/test-tools --no-save --no-audit --no-fund --loglevel=error typescript@5.7.3
fi

step "cargo test"
cargo test --locked --all-targets

step "demo workspace: pytest"
(cd examples/checkout && python3 -m pytest -q)

if [ -z "${DEBUGLENS_SKIP_EDITORS:-}" ]; then
  step "real editors"
  "$ROOT/scripts/test-editors.sh"
fi
