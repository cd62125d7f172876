#!/bin/sh
# systemd-analyze verify on the units of dist/systemd (what the packages
# install, docs/operations.md), their programs the build's and their man
# pages man/'s; every unit runs a program of the build. Skipped (77)
# without systemd-analyze.
set -eu
SRC=${1:?source dir}
BIN=${2:?build bin dir}
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "skipped: no systemd-analyze"
	exit 77
fi
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/man/man8" "$W/units"
cp "$SRC"/man/*.8 "$W/man/man8/"
pass=0
fail=0
for u in "$SRC"/dist/systemd/*.service; do
	n=$(basename "$u")
	prog=$(sed -n 's#^ExecStart=/usr/s\{0,1\}bin/\([^ ]*\).*#\1#p' "$u")
	if [ -n "$prog" ] && [ -x "$BIN/$prog" ]; then
		pass=$((pass + 1))
		echo "ok - $n runs $prog, a program of the build"
	else
		fail=$((fail + 1))
		echo "not ok - $n: ExecStart runs no program of the build"
	fi
	sed "s#^ExecStart=/usr/s\{0,1\}bin/#ExecStart=$BIN/#" "$u" >"$W/units/$n"
done
if MANPATH=$W/man systemd-analyze verify "$W"/units/*.service >"$W/out" 2>&1 &&
    [ ! -s "$W/out" ]; then
	pass=$((pass + 1))
	echo "ok - systemd-analyze verify: nothing to say"
else
	fail=$((fail + 1))
	echo "not ok - systemd-analyze verify:"
	cat "$W/out"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
