#!/bin/sh
# Builds the Debian packages httpgate and httpgate-dev into OUT_DIR (default
# build-deb/ in the checkout) with dpkg-buildpackage, from a copy of the
# working tree (uncommitted changes included) with packaging/debian as its
# debian/. The checkout itself is never written to, apart from OUT_DIR.
# Needs dpkg-dev, debhelper and the build dependencies of
# packaging/debian/control (packaging/quickstart/install-deps.sh).
# Usage: build-deb.sh [OUT_DIR]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build-deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# What the package build reads; build trees, demo/ and bench results stay out.
src="$work/httpgate"
mkdir -p "$src"
(cd "$root" && cp -a CMakeLists.txt README.md common gate appserver conf man packaging "$src/")
cp -a "$root/packaging/debian" "$src/debian"

# -b: binary packages only (the source is this repository); -us -uc: no
# signing. The parallel level follows the machine.
(cd "$src" && DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
  dpkg-buildpackage -b -us -uc >"$work/build.log" 2>&1) || {
  tail -n 60 "$work/build.log" >&2
  echo "build-deb.sh: dpkg-buildpackage failed (last lines above)" >&2
  exit 1
}
# dpkg-buildpackage writes next to the source directory.
rm -f "$out"/httpgate*.deb "$out"/httpgate*.changes "$out"/httpgate*.buildinfo
cp "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out/"
cp "$work/build.log" "$out/build.log"
ls "$out"/*.deb
