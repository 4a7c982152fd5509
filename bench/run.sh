#!/bin/sh
# bench/run.sh — the side-by-side benchmark of httpgate against nginx,
# HAProxy and PicoLisp's httpGate, in one command (Debian 12, as root):
# installs what is missing, builds httpgate in Release mode into
# build-bench/, then runs bench/bench.py, which writes bench/results/.
# Settings come from BENCH_* variables (see bench/README.md), e.g.
#   BENCH_QUICK=1 bench/run.sh                 a short smoke run
#   BENCH_ROUNDS=5 BENCH_SECONDS=15 bench/run.sh
set -eu
cd "$(dirname "$0")/.."

# Each program the bench runs, and the Debian package that brings it.
missing=""
need() {
  if ! eval "$1" >/dev/null 2>&1; then
    missing="$missing $2"
  fi
}
need "command -v nginx || test -x /usr/sbin/nginx" nginx
need "command -v haproxy || test -x /usr/sbin/haproxy" haproxy
need "test -x /usr/lib/picolisp/bin/httpGate" picolisp
need "command -v wrk" wrk
need "command -v h2load" nghttp2-client
need "test -x /usr/bin/python3" python3
need "/usr/bin/python3 -c 'import matplotlib'" python3-matplotlib
need "command -v openssl" openssl

if [ -n "$missing" ]; then
  echo "Installing:$missing"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "need root or sudo to install:$missing" >&2; exit 1; }
    SUDO=sudo
  fi
  # The bench starts its own nginx and HAProxy: keep the packages from
  # starting their system services (policy-rc.d 101 = "not now").
  policy=/usr/sbin/policy-rc.d
  made_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
    made_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  status=0
  $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends $missing || status=$?
  [ -n "$made_policy" ] && $SUDO rm -f "$policy"
  [ "$status" -eq 0 ] || exit "$status"
fi

packaging/quickstart/install-deps.sh

cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DHTTPGATE_TESTS=OFF -DHTTPGATE_BENCH=ON
cmake --build build-bench -j "$(nproc)" --target httpgate httpgate-bench-client

# Debian's python3 (it has python3-matplotlib), whatever else is on PATH.
# bench.py stops everything it started on exit, on TERM, HUP and INT.
exec /usr/bin/python3 bench/bench.py
