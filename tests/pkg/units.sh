#!/bin/sh
# systemd-analyze verify on the units of dist/systemd (what the packages
# install, docs/operations.md), their programs the build's and their man
# pages man/'s; every unit runs a program of the build, every service of
# ccakit-services (debian/ccakit-services.install, usr/sbin) has a unit,
# and the files of /etc/ccakit a unit names are shipped (dist/ccakit). The
# kbs unit's configuration file is one the build's kbs starts with (on a
# free port): RCAR answers, the admin API is closed. Skipped (77) without
# systemd-analyze.
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
for prog in $(sed -n 's#^usr/sbin/##p' "$SRC/debian/ccakit-services.install"); do
	if [ -f "$SRC/dist/systemd/$prog.service" ]; then
		pass=$((pass + 1))
		echo "ok - the service $prog has a unit"
	else
		fail=$((fail + 1))
		echo "not ok - the service $prog has no unit in dist/systemd"
	fi
done
for u in "$SRC"/dist/systemd/*.service; do
	# The files directly in /etc/ccakit (not the directories under it).
	for f in $(grep -E '^(EnvironmentFile|ExecStart)=' "$u" |
	    grep -oE '/etc/ccakit/[^ ]+' | grep -v '^/etc/ccakit/.*/' |
	    sort -u); do
		if [ -f "$SRC/dist/ccakit/${f#/etc/ccakit/}" ]; then
			pass=$((pass + 1))
			echo "ok - $(basename "$u"): $f is shipped"
		else
			fail=$((fail + 1))
			echo "not ok - $(basename "$u"): $f is not in dist/ccakit"
		fi
	done
done
if [ -f "$SRC/dist/ccakit/kbs-config.toml" ]; then
	sed 's/"127\.0\.0\.1:[0-9]*"/"127.0.0.1:0"/' \
	    "$SRC/dist/ccakit/kbs-config.toml" >"$W/kbs-config.toml"
	"$BIN/kbs" -c "$W/kbs-config.toml" --db "$W/kbs.db" \
	    --port-file "$W/port" 2>"$W/kbs.log" &
	kpid=$!
	i=0
	while [ ! -s "$W/port" ] && [ $i -lt 100 ] && kill -0 $kpid 2>/dev/null; do
		sleep 0.05
		i=$((i + 1))
	done
	url=http://127.0.0.1:$(cat "$W/port" 2>/dev/null)
	auth=$(curl -s -o /dev/null -w '%{http_code}' -X POST \
	    -H 'Content-Type: application/json' \
	    -d '{"version":"0.4.0","tee":"sample","extra-params":{}}' \
	    "$url/kbs/v0/auth" || true)
	admin=$(curl -s -o /dev/null -w '%{http_code}' -X POST \
	    -H 'Content-Type: application/json' -d '{"policy":"YQ"}' \
	    "$url/kbs/v0/resource-policy" || true)
	kill $kpid 2>/dev/null || true
	wait $kpid 2>/dev/null || true
	if [ "$auth $admin" = "200 401" ]; then
		pass=$((pass + 1))
		echo "ok - kbs starts with dist/ccakit/kbs-config.toml: RCAR" \
		    "answers, the admin API is closed"
	else
		fail=$((fail + 1))
		echo "not ok - kbs with dist/ccakit/kbs-config.toml: /auth" \
		    "$auth, admin $admin (want 200 401)"
		sed 's/^/#   /' "$W/kbs.log"
	fi
fi
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
