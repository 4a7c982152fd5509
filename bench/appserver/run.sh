#!/bin/sh
# bench/appserver/run.sh — the app-server benchmark: PicoLisp's app server
# against httpgate-notes-app in each execution model (fork, pool,
# sequential), directly and through httpgate, in one command (Debian 12,
# as root or with sudo): installs what is missing, builds in Release mode
# into build-bench/ (BENCH_BUILD_DIR), then runs bench/appserver/appbench.py,
# which writes bench/results/appserver/. Settings come from BENCH_*
# variables (the app-server section of bench/README.md), e.g.
#   BENCH_QUICK=1 bench/appserver/run.sh       a smoke run, about 1 minute after the build
#   BENCH_ROUNDS=5 bench/appserver/run.sh
set -eu
cd "$(dirname "$0")/../.."

missing=""
need() {
  if ! eval "$1" >/dev/null 2>&1; then
    missing="$missing $2"
  fi
}
need "command -v pil" picolisp
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
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends $missing
fi

packaging/quickstart/install-deps.sh

build="${BENCH_BUILD_DIR:-build-bench}"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DHTTPGATE_TESTS=OFF -DHTTPGATE_BENCH=ON
cmake --build "$build" -j "$(nproc)" --target httpgate httpgate-notes-app \
  httpgate-appserver-visitor httpgate-forkrate

# Debian's python3 (it has python3-matplotlib), whatever else is on PATH.
# appbench.py stops everything it started on exit, on TERM, HUP and INT.
BENCH_BUILD_DIR="$build" exec /usr/bin/python3 bench/appserver/appbench.py
