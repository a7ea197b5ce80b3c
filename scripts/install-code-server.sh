#!/usr/bin/env bash
# Installs what the real-VS-Code end-to-end tests and `npm start` need, without the internet beyond
# the npm registry and Debian's packages:
#   - Debian's ripgrep and chromium (apt), only when missing;
#   - code-server 4.100.3 (VS Code 1.100.3, runs on Node 20) into the project's cache folder
#     ${ZMQ_PEER_CACHE:-$HOME/.cache/zmq-peer-debugger}/code-server-4.100.3 — NOT a package.json
#     dependency: its postinstall needs the settings below;
#   - playwright-core (a pinned devDependency of the project) when node_modules lacks it.
# Idempotent: a second run checks and returns in well under a second. Fails loudly.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
# @vscode/ripgrep version that code-server 4.100.3 depends on, and the asset its postinstall wants.
RIPGREP_PKG_VERSION=1.15.11
RIPGREP_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${ZMQ_PEER_CACHE:-$HOME/.cache/zmq-peer-debugger}"
DEST="$CACHE/code-server-$CODE_SERVER_VERSION"
ENTRY="$DEST/node_modules/code-server/out/node/entry.js"
STAMP="$DEST/.installed"
START=$(date +%s)

log() { echo "[install-code-server] $*"; }
die() { echo "[install-code-server] ERROR: $*" >&2; exit 1; }

# --- 1. Debian packages -------------------------------------------------------------------
missing=()
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
[ -x /usr/bin/chromium ] || missing+=(chromium)
# kerberos (a native module of VS Code's) compiles against the GSSAPI headers.
[ -f /usr/include/gssapi/gssapi.h ] || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install ${missing[*]} by hand"
  [ "$(id -u)" = 0 ] || die "installing ${missing[*]} needs root (apt-get)"
  log "apt-get install ${missing[*]} (chromium takes about 2 minutes, once per machine)"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends "${missing[@]}"; then
    log "apt-get install failed; running apt-get update first"
    apt-get update
    apt-get install -y --no-install-recommends "${missing[@]}"
  fi
fi
command -v rg >/dev/null 2>&1 || die "rg still missing after apt-get install ripgrep"
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium still missing after apt-get install chromium"
[ -f /usr/include/gssapi/gssapi.h ] || die "gssapi/gssapi.h still missing after apt-get install libkrb5-dev"

# --- 2. code-server -----------------------------------------------------------------------
if [ -f "$STAMP" ] && [ -f "$ENTRY" ]; then
  log "code-server $CODE_SERVER_VERSION already installed in $DEST"
else
  log "installing code-server@$CODE_SERVER_VERSION into $DEST (about 1.5 minutes, 300 MB)"
  rm -rf "$DEST"
  mkdir -p "$DEST"
  # Seed @vscode/ripgrep's download cache with Debian's rg so its postinstall never calls GitHub.
  NPM_TMP="$DEST/.tmp"
  mkdir -p "$NPM_TMP/vscode-ripgrep-cache-$RIPGREP_PKG_VERSION"
  tar czf "$NPM_TMP/vscode-ripgrep-cache-$RIPGREP_PKG_VERSION/$RIPGREP_ASSET" -C "$(dirname "$(command -v rg)")" rg
  echo '{"name":"zmq-peer-debugger-code-server","private":true}' > "$DEST/package.json"
  [ -f /usr/include/node/node.h ] || die "Node headers not found in /usr/include/node (node-gyp needs them; Debian: apt-get install libnode-dev)"
  (
    cd "$DEST"
    # Run from `npm test`/`npm start`, the parent npm's settings are in the environment (npm_config_local_prefix
    # would point this install at the project): drop them all.
    for var in $(compgen -e); do
      case "$var" in npm_*|NPM_*) unset "$var" ;; esac
    done
    # unsafe_perm: code-server's postinstall refuses to run as root otherwise (npm warns the
    # setting is unknown, harmlessly); yes: node-pty's install runs `npx node-gyp`;
    # nodedir: node-gyp uses the local headers instead of downloading them.
    TMPDIR="$NPM_TMP" \
    npm_config_unsafe_perm=true \
    npm_config_yes=true \
    npm_config_nodedir=/usr \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false \
      npm install --no-save --loglevel=warn "code-server@$CODE_SERVER_VERSION"
  ) || die "npm install code-server@$CODE_SERVER_VERSION failed (see above)"
  [ -f "$ENTRY" ] || die "code-server entry point missing after install: $ENTRY"
  rm -rf "$NPM_TMP"
  date -u +%FT%TZ > "$STAMP"
fi

# --- 3. playwright-core (project devDependency) ------------------------------------------
if [ ! -f "$ROOT/node_modules/playwright-core/package.json" ]; then
  log "node_modules lacks playwright-core; running npm install in $ROOT"
  (cd "$ROOT" && npm install --no-audit --no-fund) || die "npm install failed"
  [ -f "$ROOT/node_modules/playwright-core/package.json" ] || die "playwright-core still missing (is it in devDependencies?)"
fi

log "ready: code-server $CODE_SERVER_VERSION ($ENTRY), /usr/bin/chromium, playwright-core — $(( $(date +%s) - START )) s"
