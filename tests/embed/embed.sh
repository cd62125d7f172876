#!/bin/sh
# cmake/embed.cmake: a policy file added to an embedded directory is in
# the table, the names list and the lookup at the next build, with no C
# change, and one removed is gone. A small program (probe/) embeds a copy
# of keybroker-server's policies through the generated header only.
# Usage: embed.sh SRCDIR CC
set -eu
SRC=${1:?source dir}
CC=${2:-cc}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0
fail() { echo "FAIL: $*"; exit 1; }
ok() { pass=$((pass + 1)); }

mkdir -p "$T/dir"
cp "$SRC"/services/keybroker-server/policies/*.rego "$T/dir/"
cmake -S "$SRC/tests/embed/probe" -B "$T/build" -DCCAKIT_SRC="$SRC" \
    -DEMBED_DIR="$T/dir" -DCMAKE_C_COMPILER="$CC" \
    >"$T/log" 2>&1 || { cat "$T/log"; fail "configure"; }
build() {
	cmake --build "$T/build" >"$T/log" 2>&1 || { cat "$T/log"; fail "build"; }
}
probe() { "$T/build/probe" "$@"; }

build
[ "$(probe names)" = "default, strict" ] || fail "names: $(probe names)"; ok
probe check || fail "check"; ok
probe show default >"$T/out" && cmp -s "$T/out" "$T/dir/default.rego" ||
    fail "show default"; ok
st=0; probe show extra >/dev/null || st=$?
[ "$st" = 3 ] || fail "extra found before it was added ($st)"; ok

# Added files (one in a subdirectory), no C change: just build again.
printf 'package arm_cca\n\ndefault allow := true\n' >"$T/dir/extra.rego"
mkdir "$T/dir/sub"
printf 'package arm_cca\n\ndefault allow := false\n' >"$T/dir/sub/nested.rego"
build
[ "$(probe names)" = "default, extra, strict, sub/nested" ] ||
    fail "names after adding: $(probe names)"; ok
probe check || fail "check after adding"; ok
probe show extra >"$T/out" && cmp -s "$T/out" "$T/dir/extra.rego" ||
    fail "show extra"; ok
probe show sub/nested >"$T/out" && cmp -s "$T/out" "$T/dir/sub/nested.rego" ||
    fail "show sub/nested"; ok

# A removed file is gone.
rm "$T/dir/strict.rego"
build
[ "$(probe names)" = "default, extra, sub/nested" ] ||
    fail "names after removing: $(probe names)"; ok
st=0; probe show strict >/dev/null || st=$?
[ "$st" = 3 ] || fail "strict found after it was removed ($st)"; ok

echo "$pass passed, 0 failed"
