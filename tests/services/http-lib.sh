# Sourced by http-hardening.sh and http-tls.sh: a work directory ($W),
# results in TAP style, and keybroker-server or cca-verifier started on a
# free port (-p 0 --port-file) and always killed on exit.
#
# Needs BIN (build/bin); START_ARGS are added to every server's flags.
W=$(mktemp -d)
SPID=
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

pass=0
fail=0
ok() { pass=$((pass + 1)); printf 'ok %s - %s\n' "$pass" "$1"; }
nok() { # with the last reply ($W/out) and the end of the server's log
	fail=$((fail + 1))
	printf 'not ok - %s\n' "$1"
	[ -f "$W/out" ] && head -c 600 "$W/out" | sed 's/^/#   out: /' && echo
	[ -f "$W/server.log" ] && sed 's/^/#   /' "$W/server.log" | tail -8
}
check() { # check DESC EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then ok "$1"; else nok "$1 (want $2, got $3)"; fi
}
finish() {
	echo "# $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}

# start NAME ARGS...: start the server NAME, wait for its port ($PORT).
# A server whose libmicrohttpd has no TLS makes the test a skip.
start() {
	name=$1
	shift
	rm -f "$W/port"
	case $name in
	keybroker-server) set -- --db "$W/kb.db" "$@" ;;
	cca-verifier) set -- --db "$W/v.db" "$@" ;;
	esac
	# shellcheck disable=SC2086
	"$BIN/$name" -p 0 --port-file "$W/port" ${START_ARGS:-} "$@" \
	    2>"$W/server.log" &
	SPID=$!
	i=0
	while [ ! -s "$W/port" ]; do
		i=$((i + 1))
		if ! kill -0 "$SPID" 2>/dev/null; then
			wait "$SPID"
			SPID=
			if grep -q 'has no TLS' "$W/server.log"; then
				echo "skipped: this libmicrohttpd has no TLS"
				exit 77
			fi
			echo "$name did not start:"; cat "$W/server.log"
			exit 1
		fi
		if [ $i -gt 200 ]; then
			echo "$name did not start:"; cat "$W/server.log"
			exit 1
		fi
		sleep 0.05
	done
	PORT=$(cat "$W/port")
}
# Stop it and require a clean exit (a sanitizer report would fail it).
stop() {
	kill "$SPID" 2>/dev/null
	wait "$SPID"
	st=$?
	SPID=
	check "$name exits cleanly on SIGTERM" 0 "$st"
}
