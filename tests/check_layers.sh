#!/bin/sh
# Fails when a source file includes a folder its layer may not use: the
# folders of gate/ are layered (each README.md says what lives there), a
# folder may include those below it, never those above; common/ and the
# app-server library know nothing of the gate or of libevent (the
# benchmark backend among its examples is a libevent program of its own).
set -eu
cd "$(dirname "$0")/.."

# folder: the gate/ folders it may include besides itself (and common/).
rules='
config:
net: config
tls: config
telemetry: config
limits: config
apps: config telemetry
proxy: config net tls telemetry limits apps
admin: config net tls telemetry limits apps proxy
process: config net tls telemetry limits apps proxy admin
'

status=0
for folder in $(echo "$rules" | sed -n 's/^\([a-z]*\):.*/\1/p'); do
  allowed="$folder $(echo "$rules" | sed -n "s/^$folder:\(.*\)/\1/p")"
  for file in gate/"$folder"/*.h gate/"$folder"/*.cpp; do
    [ -e "$file" ] || continue
    for used in $(sed -n 's|^#include "gate/\([a-z_]*\)/.*|\1|p' "$file" | sort -u); do
      case " $allowed " in
        *" $used "*) ;;
        *) echo "$file: includes gate/$used/, above gate/$folder/"; status=1 ;;
      esac
    done
  done
done
for dir in gate; do
  for file in "$dir"/*.h "$dir"/*.cpp; do
    [ -e "$file" ] || continue
    [ "$file" = gate/main.cpp ] && continue
    echo "$file: every file of gate/ but main.cpp lives in a folder"
    status=1
  done
done
if grep -rn '#include "gate/\|#include <event2/' common appserver/src appserver/include; then
  echo "common/ and appserver/ include the gate or libevent (above)"
  status=1
fi
exit $status
