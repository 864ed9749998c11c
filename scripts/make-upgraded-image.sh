#!/usr/bin/env bash
# make-upgraded-image.sh - the real test image (../shared/tools/make-test-image.sh), fully
# upgraded from Debian's bookworm, bookworm-updates and bookworm-security suites, as an
# unpacked root filesystem. A scan of it must find no vulnerability with status "fixed":
# every one would be a false positive (tests/integration/scan_upgraded_test.cpp).
#
#   sudo scripts/make-upgraded-image.sh IMAGE_DIR [OUTDIR]
#
# IMAGE_DIR is make-test-image.sh's output (IMAGE_DIR/oci, tag 1.0); OUTDIR defaults to
# IMAGE_DIR/upgraded. Prints OUTDIR/rootfs (everything else goes to stderr). Reuses a finished
# OUTDIR/rootfs made from the same image (idempotent); delete OUTDIR to rebuild against newer
# security uploads.
#
# Needs root (umoci raw unpack keeps ownership, chroot, mount) and the Debian mirror that
# this machine's apt configuration names (read at run time with `apt-get indextargets`, as
# make-test-image.sh does); override with DEBIAN_MIRROR= / DEBIAN_SECURITY_MIRROR=.
set -euo pipefail

SUITE=bookworm
OCI_TAG=1.0

die() { echo "make-upgraded-image: error: $*" >&2; exit 1; }
log() { echo "[make-upgraded-image $(date +%H:%M:%S)] $*" >&2; }

[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: $0 IMAGE_DIR [OUTDIR]"
IMAGE_DIR=$(cd "$1" && pwd) || die "$1: no such directory"
[ -f "$IMAGE_DIR/oci/index.json" ] || die "$IMAGE_DIR/oci is not an OCI image layout (run scripts/test-image.sh)"
OUT=${2:-$IMAGE_DIR/upgraded}
ROOTFS_FINAL="$OUT/rootfs"
INFO="$OUT/upgrade-info.txt"

# Finished before, from this same image: the info file is written only after the rootfs was
# renamed into place, and names the image's index.json by its digest.
IMAGE_INDEX=$(sha256sum "$IMAGE_DIR/oci/index.json" | cut -c1-64)
if [ -f "$INFO" ] && [ -d "$ROOTFS_FINAL/var/lib/dpkg" ] &&
   grep -qx "image_index     sha256:$IMAGE_INDEX" "$INFO"; then
  echo "$ROOTFS_FINAL"
  exit 0
fi

[ "$(id -u)" = 0 ] || die "must run as root"
for tool in umoci chroot mount apt-get; do command -v "$tool" >/dev/null || die "$tool is missing"; done
umask 022
export LC_ALL=C.UTF-8 TZ=UTC

# Mirror URL for a suite, as configured in this machine's apt sources.
find_mirror() {
  apt-get indextargets --format '$(RELEASE) $(REPO_URI)' 2>/dev/null |
    awk -v r="$1" '$1==r {print $2; exit}'
}
MIRROR=${DEBIAN_MIRROR:-$(find_mirror "$SUITE")}
if [ -z "$MIRROR" ]; then apt-get update >/dev/null; MIRROR=$(find_mirror "$SUITE"); fi
[ -n "$MIRROR" ] || die "no '$SUITE' suite in apt sources; set DEBIAN_MIRROR"
SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-$(find_mirror "$SUITE-security")}
[ -n "$SECURITY_MIRROR" ] || die "no '$SUITE-security' suite in apt sources; set DEBIAN_SECURITY_MIRROR"
UPDATES_MIRROR=${DEBIAN_MIRROR:-$(find_mirror "$SUITE-updates")}
UPDATES_MIRROR=${UPDATES_MIRROR:-$MIRROR}

mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
ROOTFS_FINAL="$OUT/rootfs"; INFO="$OUT/upgrade-info.txt"
WORK=$(mktemp -d "$OUT/work.XXXXXX")
ROOTFS="$WORK/rootfs"
MOUNTS=()
cleanup() {
  local m
  for m in "${MOUNTS[@]}"; do umount -l "$m" 2>/dev/null || true; done
  # Never delete through a mount that is still there (a bind of the host's /dev).
  if awk -v w="$WORK/" 'index($2, w) == 1 {found = 1} END {exit !found}' /proc/mounts; then
    log "mounts remain under $WORK; not removing it"
  else
    rm -rf --one-file-system "$WORK"
  fi
}
trap cleanup EXIT

T0=$(date +%s)
log "unpacking $IMAGE_DIR/oci:$OCI_TAG"
umoci raw unpack --image "$IMAGE_DIR/oci:$OCI_TAG" "$ROOTFS" >&2
BEFORE=$(dpkg-query --admindir="$ROOTFS/var/lib/dpkg" -W -f='${db:Status-Abbrev}\n' | grep -c '^ii')

# Enter as make-test-image.sh does: resolver, no service starts, /proc and /dev.
cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' > "$ROOTFS/usr/sbin/policy-rc.d"; chmod 755 "$ROOTFS/usr/sbin/policy-rc.d"
mount -t proc proc "$ROOTFS/proc"; MOUNTS+=("$ROOTFS/proc")
mount --bind /dev "$ROOTFS/dev"; MOUNTS+=("$ROOTFS/dev")

rm -f "$ROOTFS"/etc/apt/sources.list.d/*
printf 'deb %s %s main\ndeb %s %s-updates main\ndeb %s %s-security main\n' \
  "$MIRROR" "$SUITE" "$UPDATES_MIRROR" "$SUITE" "$SECURITY_MIRROR" "$SUITE" > "$ROOTFS/etc/apt/sources.list"

APT=(apt-get -q -o Acquire::Check-Valid-Until=false -o Dpkg::Use-Pty=0)
log "apt-get update && upgrade && dist-upgrade (bookworm, -updates, -security)"
chroot "$ROOTFS" "${APT[@]}" update >/dev/null
chroot "$ROOTFS" env DEBIAN_FRONTEND=noninteractive "${APT[@]}" -y upgrade >/dev/null
# dist-upgrade: a security upload that needs a new dependency is held back by upgrade.
chroot "$ROOTFS" env DEBIAN_FRONTEND=noninteractive "${APT[@]}" -y dist-upgrade >/dev/null
# Nothing may be left behind: a held-back package would look like a false negative later.
LEFT=$(chroot "$ROOTFS" "${APT[@]}" -s dist-upgrade | grep -c '^Inst ' || true)
[ "$LEFT" = 0 ] || die "$LEFT packages still upgradable after dist-upgrade"
chroot "$ROOTFS" apt-get clean

umount "$ROOTFS/dev" "$ROOTFS/proc"; MOUNTS=()
rm -f "$ROOTFS/usr/sbin/policy-rc.d" "$ROOTFS/etc/resolv.conf"
rm -rf "$ROOTFS"/var/lib/apt/lists/*

AFTER=$(dpkg-query --admindir="$ROOTFS/var/lib/dpkg" -W -f='${db:Status-Abbrev}\n' | grep -c '^ii')
rm -f "$INFO"
rm -rf --one-file-system "$ROOTFS_FINAL"
mv "$ROOTFS" "$ROOTFS_FINAL"
{
  echo "image           $IMAGE_DIR/oci:$OCI_TAG"
  echo "image_index     sha256:$IMAGE_INDEX"
  echo "suites          $SUITE $SUITE-updates $SUITE-security"
  echo "built_at        $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "dpkg_ii_before  $BEFORE"
  echo "dpkg_ii_after   $AFTER"
  echo "time            $(( $(date +%s) - T0 )) s"
} > "$INFO"
log "done: $ROOTFS_FINAL ($BEFORE -> $AFTER installed packages)"
echo "$ROOTFS_FINAL"
