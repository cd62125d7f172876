#!/bin/sh
# Configure and build ccakit into build/ (executables in build/bin).
# Extra arguments go to the cmake configure step.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} "$@" >/dev/null
cmake --build "$BUILD" -j"$(nproc)"
