#!/bin/sh
# Quick start: installs what is missing, builds, makes a self-signed
# certificate on first run, and starts httpgate on https://localhost:8443 in
# front of an example backend on port 8080. Ctrl-C stops both.
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
YAML

build/httpgate-echo-backend 8080 &
backend=$!
trap 'kill $backend 2>/dev/null' EXIT INT TERM
echo "Open https://localhost:8443/ (try also https://localhost:8443/8080/any/path?x=1)"
build/httpgate -c demo/httpgate.yaml
