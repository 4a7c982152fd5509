#!/bin/sh
# Checks the built packages without installing them: their file lists are
# exactly packaging/expected/*.files, the configuration is a conffile, the
# maintainer scripts create the user and enable (not start) the service and
# nothing enables the socket, the dependencies the scripts use are declared,
# and lintian says nothing (remaining tags are overridden, with the reason,
# in packaging/debian/*.lintian-overrides).
# The packages' version is the project's (debian/changelog follows
# project(VERSION) in CMakeLists.txt).
# Usage: package_contents.sh SOURCE_DIR DEB_DIR VERSION. Exits 77 without
# packages.
set -eu
source_dir=$1
debs=$2
version=$3
status=0
fail() {
  echo "FAIL: $*"
  status=1
}

deb() {
  ls "$debs/$1"_*.deb 2>/dev/null | head -n 1
}
gate=$(deb httpgate)
dev=$(deb httpgate-dev)
if [ -z "$gate" ] || [ -z "$dev" ]; then
  echo "no packages in $debs (package_build skipped?): not checked"
  exit 77
fi
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)

# Regular files and links, not directories: "./usr/sbin/httpgate" -> usr/sbin/httpgate.
for pair in "httpgate:$gate" "httpgate-dev:$dev"; do
  name=${pair%%:*}
  file=${pair#*:}
  actual=$(dpkg-deb -c "$file" | awk '$1 !~ /^d/ { sub(/^\.\//, "", $6); print $6 }' | sort)
  expected=$(sed "s/@MULTIARCH@/$multiarch/" "$source_dir/packaging/expected/$name.files" | sort)
  if [ "$actual" != "$expected" ]; then
    fail "$name's files differ from packaging/expected/$name.files:"
    printf '%s\n' "$expected" >"$debs/$name.expected"
    printf '%s\n' "$actual" | diff -u "$debs/$name.expected" - || true
  fi
done

control=$(mktemp -d)
trap 'rm -rf "$control"' EXIT
dpkg-deb -e "$gate" "$control"
[ "$(cat "$control/conffiles")" = /etc/httpgate/httpgate.yaml ] ||
  fail "conffiles is not exactly /etc/httpgate/httpgate.yaml: $(cat "$control/conffiles")"
for script in postinst prerm postrm; do
  [ -x "$control/$script" ] || fail "no $script in httpgate"
done
dpkg-deb -I "$gate" | grep -q ' conffiles *$' || fail "dpkg-deb -I shows no conffiles"
grep -q 'adduser --system --group --no-create-home --home /nonexistent' "$control/postinst" ||
  fail "postinst does not create the httpgate system user"
grep -q '/usr/lib/httpgate/make-self-signed-cert /etc/httpgate/tls httpgate' "$control/postinst" ||
  fail "postinst makes no placeholder certificate"
grep -q "deb-systemd-helper enable 'httpgate.service'" "$control/postinst" ||
  fail "postinst does not enable httpgate.service"
# The socket is enabled only if the admin had enabled it before an upgrade.
grep -q "deb-systemd-helper debian-installed 'httpgate.socket'" "$control/postinst" ||
  fail "postinst may enable httpgate.socket on install"
# An upgrade neither stops the socket (it holds the listening sockets) nor
# the service (it is restarted after the upgrade instead).
if [ -e "$control/preinst" ] && grep -q 'deb-systemd-invoke stop' "$control/preinst"; then
  fail "preinst stops a unit before an upgrade"
fi
# Started by the admin, restarted on upgrade only if running.
if grep -q 'deb-systemd-invoke start\|_dh_action=start' "$control/postinst"; then
  fail "postinst starts a unit on install"
fi
grep -q 'deb-systemd-invoke try-restart' "$control/postinst" ||
  fail "postinst does not restart a running gate on upgrade"
grep -q 'deb-systemd-invoke stop httpgate.socket httpgate.service' "$control/prerm" ||
  fail "prerm does not stop the units on remove"
for file in "$gate" "$dev"; do
  [ "$(dpkg-deb -f "$file" Version)" = "$version" ] ||
    fail "$file: version $(dpkg-deb -f "$file" Version), project $version (debian/changelog)"
done
depends=$(dpkg-deb -f "$gate" Depends)
for needed in adduser openssl; do
  printf '%s\n' "$depends" | tr ',' '\n' | grep -qx " *$needed" ||
    fail "httpgate does not depend on $needed (Depends: $depends)"
done

# Informational and pedantic tags too; lintian's warning about running as
# root is not about the package.
lintian_output=$(lintian --display-info --pedantic "$gate" "$dev" 2>&1 |
  grep -v '^running with root privileges is not recommended!$') || true
if [ -n "$lintian_output" ]; then
  fail "lintian:"
  printf '%s\n' "$lintian_output"
fi

[ "$status" = 0 ] && echo "package contents, control files and lintian checked"
exit "$status"
