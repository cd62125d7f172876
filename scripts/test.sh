#!/bin/sh
# The whole test suite: install what is missing of the dependencies (a
# dpkg check; no apt-get when all is there), build, run every ctest test
# (unit, vectors, CLI, corpus replays), run them again without the
# upstream vectors (the path of a fresh clone: those tests skip), then
# build and run it all under AddressSanitizer + UndefinedBehaviorSanitizer.
# The upstream vectors come from $CCAKIT_VECTORS, by default
# ../shared/vectors beside this tree (docs/testing.md).
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
JOBS=$(nproc)

# Which tests skipped, whole or in part (their "skipped: DIR not found").
skips() {
	log=build/Testing/Temporary/LastTest.log
	whole=$(grep -c '^"[^"]*" end time' "$log" 2>/dev/null || true)
	parts=$(grep -c '^skipped: ' "$log" 2>/dev/null || true)
	echo "$1: $whole tests ran, $parts of them skipped what needs" \
	    "the upstream vectors (see ctest's list of skipped tests above)"
}

echo "== build (RelWithDebInfo, gcc) =="
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$JOBS"
VECTORS=${CCAKIT_VECTORS:-$(cd .. && pwd)/shared/vectors}
if [ -d "$VECTORS" ]; then
	echo "== tests (upstream vectors: $VECTORS) =="
else
	echo "== tests ($VECTORS not found: the tests that need it skip) =="
fi
(cd build && ctest --output-on-failure -j"$JOBS" --timeout 600)
skips "tests"

echo "== tests without the upstream vectors (a fresh clone) =="
EMPTY=$(mktemp -d)
trap 'rmdir "$EMPTY" 2>/dev/null || true' EXIT
(cd build && CCAKIT_VECTORS=$EMPTY ctest --output-on-failure -j"$JOBS" \
    --timeout 600)
skips "tests without the vectors"

echo "== build (ASan+UBSan, clang) =="
CC=clang cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug \
	-DCCAKIT_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$JOBS"
echo "== tests under ASan+UBSan =="
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
(cd build-asan && ctest --output-on-failure -j"$JOBS" --timeout 900)
