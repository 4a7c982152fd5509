#!/bin/sh
# Fails when a C++ source of the project differs from its clang-format form
# (the style is .clang-format at the top of the repository).
set -eu
cd "$(dirname "$0")/.."
files=$(find common gate appserver tests bench -name '*.cpp' -o -name '*.h' | grep -v '/corpus/' | sort)
# shellcheck disable=SC2086
clang-format --dry-run --Werror $files
