#!/bin/sh
# Configures and builds httpgate into build/ (or $BUILD_DIR). Extra arguments
# go to cmake's configure step.
set -eu
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" "$@"
cmake --build "$BUILD_DIR" -j "$(nproc)"
