#!/bin/sh
# Checks packaging/httpgate.service and httpgate.socket with
# `systemd-analyze verify`. The units name /usr/sbin/httpgate, which the
# build does not install: copies of them name the built binary instead.
# Usage: check_units.sh SOURCE_DIR BINARY. Exits 77 (skipped) without
# systemd-analyze.
set -eu
source_dir=$1
binary=$2
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "systemd-analyze not found (Debian: systemd): unit files not checked"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for unit in httpgate.service httpgate.socket; do
  sed "s#/usr/sbin/httpgate#$binary#g" "$source_dir/packaging/$unit" >"$work/$unit"
done
# verify warns on stderr and exits 0 for some problems: any output fails.
output=$(systemd-analyze verify --man=no "$work/httpgate.service" "$work/httpgate.socket" 2>&1) || {
  echo "$output"
  exit 1
}
if [ -n "$output" ]; then
  echo "$output"
  exit 1
fi
echo "unit files verified"
