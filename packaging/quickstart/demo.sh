#!/bin/sh
# Quick start: installs what is missing, builds, makes a self-signed
# certificate on first run, and starts httpgate on https://localhost:8443 in
# front of the example application httpgate-notes-app on port 8080: every
# browser gets a session of its own (its own process and port, notes kept in
# its memory). Ctrl-C stops both. Arguments go to the notes app, e.g.
#   packaging/quickstart/demo.sh --model pool        sessions forked in advance
#   packaging/quickstart/demo.sh --model sequential  every session in one process
set -eu
cd "$(dirname "$0")/../.."
packaging/quickstart/install-deps.sh
BUILD_DIR=build packaging/quickstart/build.sh -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHTTPGATE_TESTS=OFF

mkdir -p demo/tls
if [ ! -f demo/tls/cert.pem ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 \
    -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
    -keyout demo/tls/key.pem -out demo/tls/cert.pem 2>/dev/null
  echo "Made a self-signed certificate in demo/tls/"
fi
cat > demo/httpgate.yaml <<YAML
# Written by packaging/quickstart/demo.sh
listen:
  - address: "[::]:8443"
    tls:
      certificates:
        - cert: $PWD/demo/tls/cert.pem
          key: $PWD/demo/tls/key.pem
routes:
  default: 8080
# Shown (410) for a session URL whose process has ended.
void_page: $PWD/conf/void.html
# The status page: http://127.0.0.1:9180/ (and /status.json, /metrics).
admin:
  listen: 127.0.0.1:9180
YAML

# Sessions end after 5 minutes without a request; TERM ends the app and
# its sessions.
build/httpgate-notes-app --port 8080 --address 127.0.0.1 --timeout 300 "$@" &
app=$!
trap 'kill $app 2>/dev/null' EXIT INT TERM
echo "Open https://localhost:8443/ : you are redirected to https://localhost:8443/<port>/<session>~/,"
echo "the notes of one session, served by its own process (pid and port are on the page)."
echo "A private window gets another session. The gate's status page: http://127.0.0.1:9180/"
build/httpgate -c demo/httpgate.yaml
