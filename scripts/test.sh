#!/bin/sh
# The whole test suite: install dependencies, build, run every ctest test
# (unit, vectors, CLI, corpus replays), then build and run it all again
# under AddressSanitizer + UndefinedBehaviorSanitizer. Ends with ctest's
# summary of the sanitizer run.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
JOBS=$(nproc)

echo "== build (RelWithDebInfo, gcc) =="
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$JOBS"
echo "== tests =="
(cd build && ctest --output-on-failure -j"$JOBS" --timeout 600)

echo "== build (ASan+UBSan, clang) =="
CC=clang cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug \
	-DCCAKIT_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$JOBS"
echo "== tests under ASan+UBSan =="
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
(cd build-asan && ctest --output-on-failure -j"$JOBS" --timeout 900)
