#!/bin/sh
# Installs the Debian 12 packages httpgate needs to build and test, if any is
# missing. Runs apt-get only when something is missing; needs root (or sudo).
set -eu

PACKAGES="build-essential cmake pkg-config libssl-dev libevent-dev libyaml-cpp-dev
libspdlog-dev libfmt-dev libsystemd-dev libnghttp2-dev nlohmann-json3-dev libcrypt-dev libcurl4-openssl-dev nghttp2-client pebble libgtest-dev clang-format openssl ca-certificates curl picolisp haproxy mandoc
$*"
# The package tests (tests/package_*.sh) build and check the .deb.
PACKAGES="$PACKAGES dpkg-dev debhelper lintian"

missing=""
for package in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $package"
  fi
done
[ -z "$missing" ] && exit 0

echo "Installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "need root or sudo to install:$missing" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
# shellcheck disable=SC2086
$SUDO apt-get install -y --no-install-recommends $missing
