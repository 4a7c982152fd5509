#!/bin/sh
# Installs what is missing, builds with warnings as errors, and runs the
# whole test suite (unit, integration over real sockets and TLS, fuzz corpus).
set -eu
cd "$(dirname "$0")/../.."
# chromium: the headless-browser test of the example app behind the gate
packaging/quickstart/install-deps.sh chromium
BUILD_DIR=build-test packaging/quickstart/build.sh -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHTTPGATE_WERROR=ON
cd build-test
ctest --output-on-failure --timeout 300 -j "$(nproc)"
