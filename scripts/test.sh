#!/usr/bin/env bash
# The whole test suite: Rust unit, engine, LSP and CLI tests, the demo's own pytest, and the
# real-editor suites (headless Neovim; VS Code through code-server). Installs what those need on a
# fresh machine (PyPI, npm and Debian packages), so `.ci/run` is just this script.
#
# Every step runs even when an earlier one failed (`cargo test --no-fail-fast` likewise runs every
# test binary), so one failure never hides another; the summary at the end lists what failed.
#
#   DEBUGLENS_SKIP_EDITORS=1   leave out the real-editor suites (fast local loop; ignored under CI)
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

step() { printf '\n==> %s\n' "$*"; }
failed=()
run() { # run NAME CMD...: a step whose failure is recorded, not fatal
  local name=$1; shift
  "$@" || failed+=("$name")
}
die() { echo "test.sh: $*" >&2; exit 1; }

# Debian packages a step needs; installed only when missing, and only as root with apt-get.
apt_updated=
need_deb() { # need_deb COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    [ -n "$apt_updated" ] || { apt-get update -qq && apt_updated=1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null || die "apt-get install $2 failed"
  else
    die "$1 is missing and this is not a root Debian machine: install $2 (the tests run it)"
  fi
}

step "toolchains the tests run: python3, node/npm, javac (Debian), git, rustfmt"
command -v python3 >/dev/null 2>&1 || need_deb python3 python3
need_deb node nodejs
need_deb npm npm
need_deb javac default-jdk-headless
need_deb git git
{ command -v rustfmt >/dev/null 2>&1 && cargo fmt --version >/dev/null 2>&1; } || rustup component add rustfmt \
  || die "rustfmt is missing (rustup component add rustfmt)"

step "python packages: the demo (aiohttp, pytest) and jsonschema for the SARIF test"
python3 -m pip install --quiet --disable-pip-version-check -r examples/checkout/requirements.txt jsonschema \
  || die "pip install failed"

step "tsc (npm, into target/test-tools) for the TypeScript rewrite checks"
if [ ! -x target/test-tools/node_modules/.bin/tsc ]; then
  npm install --prefix target/test-tools --no-save --no-audit --no-fund --loglevel=error typescript@5.7.3 \
    || die "npm install typescript failed"
fi

step "cargo fmt --check"
run "cargo fmt" cargo fmt --check

step "cargo test"
run "cargo test" cargo test --locked --all-targets --no-fail-fast

step "demo workspace: pytest"
run "demo pytest" bash -c 'cd examples/checkout && python3 -m pytest -q'

if [ -n "${DEBUGLENS_SKIP_EDITORS:-}" ] && [ -n "${CI:-}" ]; then
  echo "test.sh: DEBUGLENS_SKIP_EDITORS is ignored under CI: the real-editor suites always run there" >&2
fi
if [ -z "${DEBUGLENS_SKIP_EDITORS:-}" ] || [ -n "${CI:-}" ]; then
  step "real editors"
  run "real editors" "$ROOT/scripts/test-editors.sh"
fi

if [ ${#failed[@]} -gt 0 ]; then
  printf '\ntest.sh: FAILED: %s\n' "${failed[*]}" >&2
  exit 1
fi
printf '\ntest.sh: every suite passed\n'
