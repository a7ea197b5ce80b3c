#!/usr/bin/env bash
# Installs the two Wiresharks the pcapng tests read the tap's captures with, using only Debian's
# packages from the mirror apt already uses:
#   - Debian 12's own tshark (4.0), for the synthesized Ethernet/IPv4/TCP format: its
#     `-z follow,tcp,raw` gives back the exact bytes of a stream;
#   - tshark 4.4 from Debian 13 (trixie), the first Wireshark with a ZMTP dissector, for the
#     default EXPORTED_PDU format. Debian 12 has no newer tshark (bookworm-backports has none) and
#     trixie's binaries need a newer glibc, so it lives in a minimal debootstrap chroot of trixie
#     in ${ZMQ_PEER_CACHE:-$HOME/.cache/zmq-peer-debugger}/tshark-trixie (about 300 MB; on a
#     fresh 2-core machine both installs together took 80 s).
# Idempotent: a second run checks both and returns in well under a second. Any failure exits
# non-zero: a missing tshark must fail the test run, never skip it.
#
# Prints the chroot's path on stdout. test/support/tshark.ts runs tshark 4.4 as
# `chroot ROOTFS /usr/bin/tshark` (root) or `unshare -r chroot …` (a user namespace otherwise).
set -euo pipefail

SUITE=trixie
CACHE="${ZMQ_PEER_CACHE:-$HOME/.cache/zmq-peer-debugger}"
ROOTFS="$CACHE/tshark-$SUITE"
STAMP="$ROOTFS/.installed"
START=$(date +%s)

log() { printf '[install-tshark] %s\n' "$*" >&2; }
die() { printf '[install-tshark] ERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else
    command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to run: $*"
    sudo "$@"
  fi
}

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  # wireshark-common asks whether non-root users may capture; the answer does not matter here.
  echo 'wireshark-common wireshark-common/install-setuid boolean false' | as_root debconf-set-selections
  if ! as_root apt-get install -y -qq --no-install-recommends "$@" >&2; then
    log "apt-get install failed; running apt-get update first"
    as_root apt-get update -qq >&2
    as_root apt-get install -y -qq --no-install-recommends "$@" >&2
  fi
}

# The Debian mirror the machine already uses (deb822 sources or a one-line sources.list).
debian_mirror() {
  local uri
  uri="$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -E '/debian/?$' | head -n1 || true)"
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri="$(awk '/^[[:space:]]*deb[[:space:]]/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\//) { print $i; exit } }' /etc/apt/sources.list | grep -E '/debian/?$' | head -n1 || true)"
  fi
  printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

major_minor() { sed -n 's/^TShark (Wireshark) \([0-9]*\.[0-9]*\).*/\1/p' | head -n1; }

# --- 1. Debian 12's tshark and debootstrap -----------------------------------------------------
missing=()
command -v tshark >/dev/null 2>&1 || missing+=(tshark)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  apt_install "${missing[@]}"
fi
host_version="$(tshark --version 2>/dev/null | major_minor)"
[ -n "$host_version" ] || die "tshark does not run after apt-get install tshark"
log "host tshark $host_version"

# --- 2. tshark 4.4 in a trixie chroot ------------------------------------------------------------
run_chroot_tshark() {
  if [ "$(id -u)" -eq 0 ]; then chroot "$ROOTFS" /usr/bin/tshark "$@"; else unshare -r chroot "$ROOTFS" /usr/bin/tshark "$@"; fi
}

if [ -f "$STAMP" ] && [ -x "$ROOTFS/usr/bin/tshark" ]; then
  log "tshark $(cat "$STAMP") already installed in $ROOTFS"
else
  mirror="$(debian_mirror)"
  log "debootstrap $SUITE from $mirror into $ROOTFS (once per machine)"
  rm -rf "$ROOTFS.partial"
  mkdir -p "$CACHE"
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [ -f "$keyring" ] || die "$keyring missing (package debian-archive-keyring)"
  if ! as_root debootstrap --variant=minbase --include=tshark --keyring="$keyring" "$SUITE" "$ROOTFS.partial" "$mirror" >"$CACHE/tshark-debootstrap.log" 2>&1; then
    tail -n 30 "$CACHE/tshark-debootstrap.log" >&2
    die "debootstrap failed (log: $CACHE/tshark-debootstrap.log)"
  fi
  # Nothing of the chroot runs as a service; its apt caches are not needed again.
  as_root rm -rf "$ROOTFS.partial/var/cache/apt/archives"/*.deb "$ROOTFS.partial/var/lib/apt/lists"/*_Packages
  rm -rf "$ROOTFS"
  mv "$ROOTFS.partial" "$ROOTFS"
  version="$(run_chroot_tshark --version | major_minor)"
  [ -n "$version" ] || die "tshark in $ROOTFS does not run"
  printf '%s\n' "$version" >"$STAMP"
  log "tshark $version installed in $ROOTFS in $(( $(date +%s) - START ))s"
fi

version="$(cat "$STAMP")"
case "$version" in
  4.[4-9] | 4.[1-9][0-9] | [5-9].*) ;;
  *) die "tshark in $ROOTFS is $version; the ZMTP dissector needs 4.4 or later" ;;
esac
run_chroot_tshark -G protocols 2>/dev/null | grep -q '^ZeroMQ Message Transport Protocol' || die "tshark $version in $ROOTFS has no ZMTP dissector"
echo "$ROOTFS"
