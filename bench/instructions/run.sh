#!/bin/sh
# Instructions per routed keep-alive request of httpgate binaries, counted by
# valgrind's callgrind: a figure that, unlike time on a shared 2-core
# machine, does not move with the noise, for a before/after of a hot-path
# change beside bench/run.sh's timings. Each binary runs twice under
# callgrind (one worker, plain HTTP, in front of nginx returning a few
# bytes) while h2load sends N1 and then N2 requests on 4 keep-alive
# connections to /<nginx port>/; (Ir(N2) - Ir(N1)) / (N2 - N1) leaves out
# start and stop.
#
# Usage: bench/instructions/run.sh BINARY... (as root or not; loopback only)
# Needs valgrind, h2load (nghttp2-client) and nginx.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 HTTPGATE_BINARY..." >&2; exit 2; }
n1=${N1:-2000}
n2=${N2:-8000}
work=$(mktemp -d)
trap 'kill $(cat "$work/nginx.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM
backend=18081
gate=18080
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
daemon on;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $work;
  server { listen 127.0.0.1:$backend; location / { return 200 "hello\n"; } }
}
CONF
cat >"$work/gate.yaml" <<CONF
listen:
  - address: "127.0.0.1:$gate"
workers: 1
routes:
  default: $backend
log:
  access: "off"
CONF
nginx -c "$work/nginx.conf"

# Ir of one run of $1 with $2 requests.
count() {
  rm -f "$work/cg.out"
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$1" -c "$work/gate.yaml" \
    >"$work/gate.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do grep -q "ready" "$work/gate.log" 2>/dev/null && break; sleep 0.2; done
  h2load --h1 -n "$2" -c 4 -m 1 "http://127.0.0.1:$gate/$backend/" >"$work/h2load.log" 2>&1
  grep -q "succeeded, 0 failed" "$work/h2load.log" || { cat "$work/h2load.log" >&2; exit 1; }
  kill -TERM $pid
  wait $pid || true
  grep -E "^totals:" "$work/cg.out" | awk '{print $2}'
}

for binary in "$@"; do
  a=$(count "$binary" "$n1")
  b=$(count "$binary" "$n2")
  echo "$binary: $(( (b - a) / (n2 - n1) )) instructions per request"
done
