#!/bin/sh
# Builds the Debian packages (packaging/build-deb.sh) into OUT_DIR for the
# package tests that follow (package_contents.sh, package_serves.sh).
# Exits 77 (skipped) when the Debian tools or the build dependencies are
# missing: packaging/quickstart/install-deps.sh installs them.
# Usage: package_build.sh SOURCE_DIR OUT_DIR
set -eu
source_dir=$1
out=$2
for tool in dpkg-buildpackage dh lintian; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$tool not found (Debian: dpkg-dev debhelper lintian): package not built"
    exit 77
  fi
done
if ! missing=$(cd "$source_dir/packaging" && dpkg-checkbuilddeps debian/control 2>&1); then
  echo "build dependencies missing, package not built: $missing"
  exit 77
fi
rm -rf "$out"
"$source_dir/packaging/build-deb.sh" "$out"
