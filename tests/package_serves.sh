#!/bin/sh
# The packages as a fresh install would run them, short of dpkg -i and
# systemd: extracts both into a scratch root (nothing of this machine's /etc
# or users is touched), makes the placeholder certificate with the packaged
# helper as postinst does, checks the packaged configuration with the
# packaged binary (`httpgate -t`, the unit's ExecStartPre=), then runs it
# with the example application from httpgate-dev behind it and fetches a
# page over TLS.
# The configuration copy changes only what must differ here: paths into the
# scratch root, free loopback ports instead of 443/80/8080, and the user
# "nobody" instead of httpgate (which postinst would create).
# Usage: package_serves.sh DEB_DIR. Exits 77 without packages or curl.
set -eu
debs=$1
gate=$(ls "$debs"/httpgate_*.deb 2>/dev/null | head -n 1)
dev=$(ls "$debs"/httpgate-dev_*.deb 2>/dev/null | head -n 1)
if [ -z "$gate" ] || [ -z "$dev" ]; then
  echo "no packages in $debs (package_build skipped?): not checked"
  exit 77
fi
command -v curl >/dev/null 2>&1 || { echo "curl not found: not checked"; exit 77; }

root=$(mktemp -d)
pids=""
cleanup() {
  for pid in $pids; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$root"
}
trap cleanup EXIT
chmod 0755 "$root"
dpkg -x "$gate" "$root"
dpkg -x "$dev" "$root"

"$root/usr/lib/httpgate/make-self-signed-cert" "$root/etc/httpgate/tls" "$(id -gn)"
[ -s "$root/etc/httpgate/tls/fullchain.pem" ] || { echo "FAIL: no certificate made"; exit 1; }
# A second run must keep the existing certificate.
before=$(cat "$root/etc/httpgate/tls/fullchain.pem")
"$root/usr/lib/httpgate/make-self-signed-cert" "$root/etc/httpgate/tls" "$(id -gn)"
[ "$before" = "$(cat "$root/etc/httpgate/tls/fullchain.pem")" ] ||
  { echo "FAIL: make-self-signed-cert replaced an existing certificate"; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
tls_port=$(free_port)
plain_port=$(free_port)
app_port=$(free_port)
config="$root/httpgate.yaml"
sed -e "s#/etc/httpgate/tls/#$root/etc/httpgate/tls/#" \
  -e "s#/usr/share/httpgate/#$root/usr/share/httpgate/#" \
  -e "s#\"\[::\]:443\"#\"127.0.0.1:$tls_port\"#" \
  -e "s#\"\[::\]:80\"#\"127.0.0.1:$plain_port\"#" \
  -e "s#^  default: 8080#  default: $app_port#" \
  -e 's#^user: httpgate$#user: nobody#' \
  "$root/etc/httpgate/httpgate.yaml" >"$config"
# Every substitution must have hit: the packaged file has each line once.
for line in "127.0.0.1:$tls_port" "127.0.0.1:$plain_port" "default: $app_port" "user: nobody" \
  "$root/usr/share/httpgate/void.html"; do
  grep -qF "$line" "$config" || { echo "FAIL: packaged configuration changed shape: no $line"; exit 1; }
done

"$root/usr/sbin/httpgate" -t -c "$config" || { echo "FAIL: httpgate -t on the packaged configuration"; exit 1; }

"$root/usr/bin/httpgate-notes-app" --port "$app_port" >"$root/app.log" 2>&1 &
pids="$pids $!"
"$root/usr/sbin/httpgate" -c "$config" >"$root/gate.log" 2>&1 &
pids="$pids $!"

# The application answers a new browser with a redirect to its session's
# URL; through the gate that URL carries the session's port.
attempt=0
while :; do
  headers=$(curl -ks -o /dev/null -D - "https://127.0.0.1:$tls_port/" || true)
  location=$(printf '%s\n' "$headers" | tr -d '\r' | awk 'tolower($1) == "location:" { print $2 }')
  [ -n "$location" ] && break
  attempt=$((attempt + 1))
  if [ "$attempt" -ge 50 ]; then
    echo "FAIL: no redirect from the notes app through the gate; headers: $headers"
    cat "$root/gate.log" "$root/app.log"
    exit 1
  fi
  sleep 0.2
done
case "$location" in
  "https://127.0.0.1:$tls_port/"[0-9]*"~/") ;;
  *) echo "FAIL: unexpected session URL $location"; exit 1 ;;
esac
page=$(curl -ks "$location")
printf '%s\n' "$page" | grep -qi '<h1>' || { echo "FAIL: no page at $location: $page"; exit 1; }
# The plain listener redirects to TLS.
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$plain_port/x")
[ "$code" = 308 ] || { echo "FAIL: plain listener answered $code, not 308"; exit 1; }
echo "the packaged gate serves the packaged configuration: $location"
