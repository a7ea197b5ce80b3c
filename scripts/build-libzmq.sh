#!/usr/bin/env bash
# Build libzmq 4.3.4 with the DRAFT API (ZMQ_PEER, zmq_connect_peer, routing ids,
# ZMQ_HELLO_MSG / ZMQ_DISCONNECT_MSG, ws:// and wss://) from Debian's own
# `zeromq3` source package, into a cache directory outside the repository, and
# compile the interop helper program test/support/libzmq-helper.c against it.
#
# Idempotent: if the library is already installed with the same build
# configuration, only the helper is (re)compiled when its source changed.
#
# Environment:
#   ZMQ_PEER_CACHE   cache directory (default: $HOME/.cache/zmq-peer-debugger)
#   ZMQ_PEER_JOBS    parallel make jobs (default: number of CPUs)
#
# Layout:
#   $CACHE/libzmq-4.3.4-draft/       install prefix (include/, lib/, bin/)
#   $CACHE/libzmq-4.3.4-draft/.build-stamp   build configuration of that install
#   $CACHE/src/                      downloaded Debian source package + build tree
#   $CACHE/bin/libzmq-helper-HASH    the compiled helper, named by a hash of its source, so
#                                    that checkouts with different helpers sharing one cache
#                                    never overwrite each other's (test/support/libzmq.ts
#                                    computes the same name)
#
# Any failure exits non-zero: a missing libzmq must fail the test run.
set -euo pipefail

ZMQ_VERSION="4.3.4"
SRC_PACKAGE="zeromq3"
CACHE="${ZMQ_PEER_CACHE:-$HOME/.cache/zmq-peer-debugger}"
PREFIX="$CACHE/libzmq-${ZMQ_VERSION}-draft"
STAMP="$PREFIX/.build-stamp"
SRC_ROOT="$CACHE/src"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
HELPER_SRC="$REPO_ROOT/test/support/libzmq-helper.c"
# The first 16 hex digits of the source's SHA-256, as test/support/libzmq.ts computes them.
HELPER_BIN="$CACHE/bin/libzmq-helper-$(sha256sum "$HELPER_SRC" | cut -c1-16)"

CONFIGURE_FLAGS=(
  "--prefix=$PREFIX"
  --enable-drafts
  --enable-ws
  --with-tls
  --with-libsodium
  --enable-curve
  --disable-Werror
  --disable-static
  --without-docs
  --disable-perf
)
BUILD_DEPS=(
  dpkg-dev autoconf automake libtool pkg-config build-essential
  libgnutls28-dev libsodium-dev
)

# Everything that influences the installed library goes into the stamp.
STAMP_CONTENT="libzmq=${ZMQ_VERSION} srcpkg=${SRC_PACKAGE} flags=${CONFIGURE_FLAGS[*]} stamp-format=1"

log() { printf '[build-libzmq] %s\n' "$*" >&2; }
die() { printf '[build-libzmq] ERROR: %s\n' "$*" >&2; exit 1; }

trap 'rc=$?; if [ $rc -ne 0 ]; then printf "[build-libzmq] FAILED (exit %s)\n" "$rc" >&2; fi' EXIT

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else
    command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to run: $*"
    sudo "$@"
  fi
}

library_is_current() {
  [ -f "$PREFIX/lib/libzmq.so" ] && [ -f "$PREFIX/include/zmq.h" ] \
    && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$STAMP_CONTENT" ]
}

APT_UPDATED=0
apt_update() {
  log "apt-get update"
  as_root apt-get update -qq
  APT_UPDATED=1
}

install_build_deps() {
  local missing=() p
  for p in "${BUILD_DEPS[@]}"; do
    if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "build dependencies already installed"
    return
  fi
  log "installing build dependencies: ${missing[*]}"
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
    [ "$APT_UPDATED" -eq 1 ] && die "apt-get install failed"
    apt_update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

# Create a deb-src twin of every "Types: deb" stanza of the machine's own
# deb822 sources (or of one-line "deb ..." entries in sources.list).
ensure_deb_src() {
  local out="/etc/apt/sources.list.d/zmq-peer-deb-src.sources"
  if [ -f "$out" ]; then
    log "deb-src entries present: $out"
    return 1
  fi
  local tmp
  tmp="$(mktemp)"
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    [ "$f" = "$out" ] && continue
    # Keep only stanzas with Types containing "deb"; rewrite Types to deb-src;
    # drop comment lines. Stanzas are separated by blank lines.
    awk '
      function flush() {
        if (n > 0 && isdeb && uri ~ /debian/) { for (i = 1; i <= n; i++) print lines[i]; print "" }
        n = 0; isdeb = 0; uri = ""
      }
      /^[[:space:]]*#/ { next }
      /^[[:space:]]*$/ { flush(); next }
      /^Types:/ {
        if ($0 ~ /(^Types:|[[:space:]])deb([[:space:]]|$)/) isdeb = 1
        lines[++n] = "Types: deb-src"; next
      }
      /^URIs:/ { uri = $0 }
      /^Enabled:[[:space:]]*no/ { isdeb = 0 }
      { lines[++n] = $0 }
      END { flush() }
    ' "$f" >>"$tmp"
  done
  if [ -f /etc/apt/sources.list ]; then
    # one-line format: "deb [opts] URI suite comps" -> deb822 stanza
    awk '
      /^[[:space:]]*deb[[:space:]]/ {
        i = 2; opts = ""
        if ($2 ~ /^\[/) { while ($i !~ /\]$/) { opts = opts " " $i; i++ } opts = opts " " $i; i++ }
        uri = $i; suite = $(i + 1); comps = ""
        for (j = i + 2; j <= NF; j++) comps = comps (comps == "" ? "" : " ") $j
        print "Types: deb-src"; print "URIs: " uri; print "Suites: " suite; print "Components: " comps
        if (match(opts, /signed-by=[^] ]+/)) print "Signed-By: " substr(opts, RSTART + 10, RLENGTH - 10)
        print ""
      }
    ' /etc/apt/sources.list >>"$tmp"
  fi
  if ! grep -q '^Types: deb-src' "$tmp"; then
    rm -f "$tmp"
    die "could not derive deb-src entries from /etc/apt/sources.list{,.d/*.sources}"
  fi
  log "creating $out:"
  sed 's/^/    /' "$tmp" >&2
  as_root install -m 0644 "$tmp" "$out"
  rm -f "$tmp"
  return 0
}

fetch_source() {
  local dir
  dir="$(find "$SRC_ROOT" -maxdepth 1 -type d -name "${SRC_PACKAGE}-${ZMQ_VERSION}*" 2>/dev/null | head -n1 || true)"
  if [ -n "$dir" ] && [ -f "$dir/configure.ac" ]; then
    log "using already extracted source: $dir"
    SRC_DIR="$dir"
    return
  fi
  local added=0
  if ensure_deb_src; then added=1; fi
  if [ "$added" -eq 1 ] || ! apt-cache showsrc "$SRC_PACKAGE" >/dev/null 2>&1 \
      || [ -z "$(apt-cache showsrc "$SRC_PACKAGE" 2>/dev/null)" ]; then
    apt_update
  fi
  mkdir -p "$SRC_ROOT"
  log "apt-get source $SRC_PACKAGE (into $SRC_ROOT)"
  (
    cd "$SRC_ROOT"
    # Download as root without the _apt sandbox user (the cache dir may not be
    # readable by _apt), then unpack (applies Debian's patches).
    apt-get -o APT::Sandbox::User=root source --download-only "$SRC_PACKAGE"
    dsc="$(ls -1 "${SRC_PACKAGE}"_"${ZMQ_VERSION}"*.dsc 2>/dev/null | head -n1 || true)"
    [ -n "$dsc" ] || { echo "apt did not provide ${SRC_PACKAGE} ${ZMQ_VERSION} (got: $(ls *.dsc 2>/dev/null))" >&2; exit 1; }
    rm -rf "${SRC_PACKAGE}-${ZMQ_VERSION}"
    dpkg-source --no-check -x "$dsc" "${SRC_PACKAGE}-${ZMQ_VERSION}"
  )
  SRC_DIR="$SRC_ROOT/${SRC_PACKAGE}-${ZMQ_VERSION}"
  [ -f "$SRC_DIR/configure.ac" ] || die "source tree missing configure.ac: $SRC_DIR"
}

build_libzmq() {
  local started
  started="$(date +%s)"
  install_build_deps
  fetch_source
  local jobs="${ZMQ_PEER_JOBS:-$(nproc 2>/dev/null || echo 2)}"
  # Fresh out-of-source build directory every time (configure flags may differ).
  local bdir="$SRC_ROOT/build"
  rm -rf "$bdir"
  mkdir -p "$bdir"
  log "autoreconf in $SRC_DIR"
  (cd "$SRC_DIR" && if [ -x ./autogen.sh ]; then ./autogen.sh; else autoreconf -fi; fi) >"$SRC_ROOT/autogen.log" 2>&1 \
    || { tail -n 40 "$SRC_ROOT/autogen.log" >&2; die "autogen failed (log: $SRC_ROOT/autogen.log)"; }
  log "configure ${CONFIGURE_FLAGS[*]}"
  (cd "$bdir" && "$SRC_DIR/configure" "${CONFIGURE_FLAGS[@]}") >"$SRC_ROOT/configure.log" 2>&1 \
    || { tail -n 40 "$SRC_ROOT/configure.log" >&2; die "configure failed (log: $SRC_ROOT/configure.log)"; }
  # Sanity: draft API, websocket and TLS must be enabled.
  local cfg="$bdir/src/platform.hpp"
  grep -q '^#define ZMQ_BUILD_DRAFT_API 1' "$cfg" || die "configure did not enable the draft API ($cfg)"
  grep -q '^#define ZMQ_HAVE_WS 1' "$cfg" || die "configure did not enable ws:// ($cfg)"
  grep -q '^#define ZMQ_HAVE_WSS 1' "$cfg" || die "configure did not enable wss:// (GnuTLS) ($cfg)"
  grep -q '^#define ZMQ_USE_LIBSODIUM 1' "$cfg" || die "configure did not enable libsodium ($cfg)"
  log "make -j$jobs (log: $SRC_ROOT/make.log)"
  (cd "$bdir" && make -j"$jobs") >"$SRC_ROOT/make.log" 2>&1 \
    || { tail -n 60 "$SRC_ROOT/make.log" >&2; die "make failed (log: $SRC_ROOT/make.log)"; }
  rm -rf "$PREFIX"
  (cd "$bdir" && make install) >"$SRC_ROOT/install.log" 2>&1 \
    || { tail -n 40 "$SRC_ROOT/install.log" >&2; die "make install failed"; }
  grep -q 'ZMQ_PEER 19' "$PREFIX/include/zmq.h" || die "installed zmq.h lacks ZMQ_PEER"
  # The draft API symbols must be exported by the library (not only declared).
  if command -v nm >/dev/null 2>&1; then
    local syms
    syms="$(nm -D --defined-only "$PREFIX/lib/libzmq.so")"
    grep -q ' zmq_connect_peer$' <<<"$syms" || die "libzmq.so does not export zmq_connect_peer"
  fi
  printf '%s\n' "$STAMP_CONTENT" >"$STAMP"
  log "libzmq built and installed in $(( $(date +%s) - started ))s"
}

build_helper() {
  [ -f "$HELPER_SRC" ] || die "helper source missing: $HELPER_SRC"
  mkdir -p "$(dirname "$HELPER_BIN")"
  if [ -x "$HELPER_BIN" ] && [ "$HELPER_BIN" -nt "$STAMP" ]; then
    log "helper up to date"
    return
  fi
  command -v cc >/dev/null 2>&1 || install_build_deps
  log "compiling $HELPER_SRC"
  cc -O2 -g -Wall -Wextra -std=gnu11 -DZMQ_BUILD_DRAFT_API \
    -I"$PREFIX/include" -o "$HELPER_BIN.tmp" "$HELPER_SRC" \
    -L"$PREFIX/lib" -Wl,-rpath,"$PREFIX/lib" -lzmq
  mv -f "$HELPER_BIN.tmp" "$HELPER_BIN"
}

check_runtime() {
  # The helper must run and support the draft features we rely on.
  local out
  out="$("$HELPER_BIN" --check)" || die "helper self-check failed: $out"
  case "$out" in
    *"draft=1"*"ws=1"*"wss=1"*"peer=1"*) ;;
    *) die "libzmq capabilities insufficient: $out" ;;
  esac
  log "runtime: $out"
}

main() {
  if library_is_current; then
    log "libzmq $ZMQ_VERSION (draft) already built: $PREFIX"
  else
    build_libzmq
  fi
  build_helper
  check_runtime
  log "prefix:  $PREFIX"
  log "library: $PREFIX/lib/libzmq.so"
  log "header:  $PREFIX/include/zmq.h"
  log "helper:  $HELPER_BIN"
  echo "$HELPER_BIN"
}

main "$@"
