#!/usr/bin/env bash
# Run the README's test command as a new user would: a fresh clone of the current commit in a temp
# folder, with empty caches (CARGO_HOME, npm_config_cache, PIP_CACHE_DIR), a fresh HOME (so the
# code-server and other tool caches under ~/.cache start empty) and a fresh Python virtualenv first
# on PATH (so no package installed by hand earlier can hide a missing install step). Reports the
# wall time. Only the machine's toolchains (rustup's, Debian's) are shared with this machine.
#
# Usage: scripts/fresh-check.sh [REV]     (default HEAD; uncommitted changes are not included)
#   KEEP=1  keep the temp folder (its path is printed)
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REV=${1:-HEAD}
COMMIT=$(git -C "$ROOT" rev-parse --verify "$REV^{commit}") || { echo "fresh-check: no commit $REV" >&2; exit 2; }
if [ "$REV" = HEAD ] && [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no)" ]; then
  echo "fresh-check: the work tree has uncommitted changes; checking the commit $COMMIT without them" >&2
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/debuglens-fresh.XXXXXX")
[ -n "${KEEP:-}" ] || trap 'rm -rf "$TMP"' EXIT
echo "fresh-check: $COMMIT in $TMP" >&2

git clone --quiet --no-local --no-checkout "$ROOT" "$TMP/repo" && git -C "$TMP/repo" checkout --quiet "$COMMIT" \
  || { echo "fresh-check: clone failed" >&2; exit 2; }
mkdir -p "$TMP/home" "$TMP/cargo" "$TMP/npm-cache" "$TMP/pip-cache"
python3 -m venv "$TMP/venv" || { echo "fresh-check: python3 -m venv failed" >&2; exit 2; }

mkdir -p "$ROOT/target"; LOG=$ROOT/target/fresh-check.log
start=$(date +%s)
(
  cd "$TMP/repo"
  export RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}
  export PATH="$TMP/venv/bin:$PATH"
  export HOME="$TMP/home" CARGO_HOME="$TMP/cargo" npm_config_cache="$TMP/npm-cache" PIP_CACHE_DIR="$TMP/pip-cache"
  unset CARGO_TARGET_DIR DEBUGLENS_SKIP_EDITORS DEBUGLENS_SERVER_PATH NVIM
  export CI=true
  ./scripts/test.sh
) 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
secs=$(( $(date +%s) - start ))
printf 'fresh-check: %s in %dm%02ds (exit %d); log %s\n' "$([ "$rc" = 0 ] && echo PASSED || echo FAILED)" \
  $((secs / 60)) $((secs % 60)) "$rc" "$LOG" >&2
exit "$rc"
