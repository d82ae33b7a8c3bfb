#!/bin/bash
# Fetches Debian's cloud kernel (the package linux-image-cloud-amd64
# depends on) with apt-get download into /var/cache/xenolith/linux-guest
# and unpacks it there; prints the unpacked tree's directory. Run it on a
# machine with the Debian archive before a test run on one without (the
# SVM test host has no network; the cache is on the shared root, and its
# own /tmp is not).
set -euo pipefail
cache=${XENOLITH_LINUX_CACHE:-/var/cache/xenolith/linux-guest}
die() { echo "fetch_linux_guest: $*" >&2; exit 1; }
command -v apt-cache >/dev/null || die "apt-cache missing: not a Debian system"
pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
    sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -n 1)
[ -n "$pkg" ] || die "apt-cache names no kernel package for linux-image-cloud-amd64 (apt-get update?)"
mkdir -p "$cache"
newest_deb() { find "$cache" -maxdepth 1 -name "${pkg}_*_amd64.deb" | sort | tail -n 1; }
deb=$(newest_deb)
if [ -z "$deb" ]; then
    (cd "$cache" && apt-get download "$pkg" >&2) ||
        die "apt-get download $pkg failed (no network here? run tests/integration/fetch_linux_guest.sh where the Debian archive is reachable)"
    deb=$(newest_deb)
fi
tree="$cache/${pkg}"
if [ ! -f "$tree/.unpacked" ]; then
    rm -rf "$tree"
    dpkg-deb -x "$deb" "$tree" || die "cannot unpack $deb"
    touch "$tree/.unpacked"
fi
echo "$tree"
