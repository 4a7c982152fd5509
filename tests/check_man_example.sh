#!/bin/sh
# The complete example in httpgate-appserver(3) must be the program that the
# build compiles (appserver/examples/counter.cpp, without its first two
# comment lines): extract the man page's first example block, undo the roff
# escapes, and compare.
set -eu
root="$(dirname "$0")/.."
extracted=$(awk '/^\.SH EXAMPLE/{f=1} f&&/^\.EX/{p=1;next} p&&/^\.EE/{exit} p' "$root/man/httpgate-appserver.3" |
  sed -e 's/\\\\/\\/g' -e 's/\\-/-/g' -e 's/^\\&//')
program=$(tail -n +3 "$root/appserver/examples/counter.cpp")
if [ "$extracted" != "$program" ]; then
  echo "man/httpgate-appserver.3's EXAMPLE differs from appserver/examples/counter.cpp:" >&2
  printf '%s\n' "$extracted" > /tmp/man-example.$$
  printf '%s\n' "$program" | diff -u /tmp/man-example.$$ - >&2 || true
  rm -f /tmp/man-example.$$
  exit 1
fi
echo "the man page's example is appserver/examples/counter.cpp"
