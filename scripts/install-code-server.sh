#!/usr/bin/env bash
# Install code-server 4.96.4 (= VS Code 1.96.4, the last line that runs on Node 20) from the npm registry,
# without GitHub or any other download host, plus the Debian packages the VS Code test run needs.
# Idempotent: a finished install is detected by a stamp file and skipped (~90 s the first time).
#
# Usage: scripts/install-code-server.sh [TARGET_DIR]
#   TARGET_DIR defaults to ${DEBUGLENS_TOOLS:-$HOME/.cache/debuglens-tools}/code-server-4.96.4
# Prints nothing but progress on stderr; the code-server binary is TARGET_DIR/node_modules/.bin/code-server.
#
# Offline problems this works around:
#  1. @vscode/ripgrep's postinstall downloads rg from GitHub: pre-seed its cache with Debian's rg.
#  2. npm as root skips lifecycle scripts unless unsafe-perm is set.
#  3. lib/vscode's shrinkwrap pins @vscode/proxy-agent to a git+ssh GitHub URL: point it at the
#     registry tarball of the same version (same integrity hash).
#  4. node-gyp downloads Node headers: use the local ones (/usr/include/node).
set -euo pipefail
VERSION=4.96.4
TOOLS=${DEBUGLENS_TOOLS:-$HOME/.cache/debuglens-tools}
DIR=${1:-$TOOLS/code-server-$VERSION}
STAMP="$DIR/.debuglens-installed"
log() { echo "install-code-server: $*" >&2; }

if [ -f "$STAMP" ] && [ -x "$DIR/node_modules/.bin/code-server" ]; then
  log "already installed in $DIR"
  exit 0
fi

# System packages: chromium drives the workbench, rg is seeded into @vscode/ripgrep, krb5 headers for the kerberos addon.
need_apt=
command -v rg >/dev/null 2>&1 || need_apt=1
[ -x /usr/lib/chromium/chromium ] || need_apt=1
[ -f /usr/include/gssapi/gssapi.h ] || [ -f /usr/include/krb5.h ] || need_apt=1
if [ -n "$need_apt" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "apt-get install chromium ripgrep libkrb5-dev"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium ripgrep libkrb5-dev >&2
  else
    log "need chromium (/usr/lib/chromium/chromium), ripgrep and libkrb5-dev; install them and re-run"
    exit 1
  fi
fi

major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then log "code-server $VERSION needs Node 20 (found $(node --version))"; exit 1; fi

mkdir -p "$DIR"
cd "$DIR"
[ -f package.json ] || echo '{"name":"debuglens-code-server","private":true}' > package.json
export npm_config_nodedir=/usr
export npm_config_update_notifier=false

# 1. ripgrep cache (the path and file name @vscode/ripgrep 1.15.9 looks for)
RGCACHE=${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.9
RGTAR=$RGCACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
mkdir -p "$RGCACHE"
if [ ! -f "$RGTAR" ]; then
  t=$(mktemp -d); cp "$(command -v rg)" "$t/rg"
  tar czf "$RGTAR" -C "$t" rg; rm -rf "$t"
fi

# 2. outer package without scripts, then its native dependency
log "npm install code-server@$VERSION"
npm install --ignore-scripts --no-audit --no-fund "code-server@$VERSION" >&2
npm rebuild argon2 --foreground-scripts >&2

# 3. git+ssh pin -> registry tarball
cd node_modules/code-server
sed -i 's#"resolved": "git+ssh://git@github.com/microsoft/vscode-proxy-agent.git\#0803e0a7d1249bcb64ae9d256d0ee732b7246ea5"#"resolved": "https://registry.npmjs.org/@vscode/proxy-agent/-/proxy-agent-0.27.0.tgz"#' lib/vscode/npm-shrinkwrap.json
grep -q 'proxy-agent-0.27.0.tgz' lib/vscode/npm-shrinkwrap.json

# 4. code-server's postinstall (npm install in lib/vscode and lib/vscode/extensions)
log "code-server postinstall"
npm_config_unsafe_perm=true npm run postinstall --foreground-scripts >&2

touch "$STAMP"
log "installed in $DIR"
