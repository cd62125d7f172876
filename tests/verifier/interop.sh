#!/bin/sh
# Interop: three processes, as deployed. cca-verifier (the Veraison-
# compatible verifier), keybroker-server --verifier URL (the relying
# party, using the verifier over HTTP), keybroker-app (the realm, with
# the emulated attester). Every server runs on a free port and is always
# killed on exit.
#
# Environment: CCAKIT_BIN (build/bin), CCAKIT_SRC (the source tree).
set -u
BIN=${CCAKIT_BIN:?}
SRC=${CCAKIT_SRC:?}
CCATOKEN=$BIN/ccatoken
TOKEN=interop-provisioning-token-0123456789

W=$(mktemp -d)
VPID=
KPID=
cleanup() {
	[ -n "$KPID" ] && kill "$KPID" 2>/dev/null && wait "$KPID" 2>/dev/null
	[ -n "$VPID" ] && kill "$VPID" 2>/dev/null && wait "$VPID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

for b in cca-verifier keybroker-server keybroker-app ccatoken; do
	if [ ! -x "$BIN/$b" ]; then
		echo "SKIP: $BIN/$b is not built"
		exit 77
	fi
done

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok $pass - $1"; }
nok() {
	fail=$((fail + 1))
	echo "not ok - $1"
	sed 's/^/#   /' "$W/app.err" "$W/kb.log" "$W/v.log" 2>/dev/null |
	    tail -15
}
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else nok "$1 (want $2, got $3)"; fi
}

# start NAME-OF-PID-VAR PORTFILE LOG COMMAND...: start, wait for the port
start() {
	pv=$1 pf=$2 log=$3
	shift 3
	rm -f "$pf"
	"$@" -p 0 --port-file "$pf" 2>>"$log" &
	eval "$pv=$!"
	i=0
	while [ ! -s "$pf" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "$1 did not start:"; cat "$log"; exit 1
		fi
		sleep 0.05
	done
}
# in_log PATTERN FILE: the server logs a request once its reply is sent,
# possibly after the client has gone on: wait up to 2 s for the line.
in_log() {
	i=0
	until grep -q -- "$1" "$2"; do
		i=$((i + 1))
		[ $i -gt 40 ] && return 1
		sleep 0.05
	done
}
stop() { # stop PID-VAR
	eval "p=\$$1"
	kill "$p" 2>/dev/null
	wait "$p"
	check "$2 exits cleanly" 0 $?
	eval "$1="
}

# Trust anchor and reference values of the demo realm; its approved RIM.
"$CCATOKEN" create --claims "$SRC/demo/claims.json" \
    --platform-key "$SRC/demo/cpak.pem" --realm-key "$SRC/demo/rak.pem" \
    --challenge "$(printf '%0128d' 0)" -o "$W/kg.cbor" || exit 1
"$CCATOKEN" golden -e "$W/kg.cbor" -c "$SRC/demo/cpak.jwk.json" \
    -t "$W/ta.json" -r "$W/rv.json" >/dev/null || exit 1
RIM=$(sed -n 's/.*"cca-realm-initial-measurement": *"\([^"]*\)".*/\1/p' \
    "$SRC/demo/claims.json")
printf '{"reference-values":["%s"]}' "$RIM" >"$W/rims.json"
printf '{"reference-values":["%s"]}' \
    "$(head -c 32 /dev/urandom | base64 -w0)" >"$W/rims-bad.json"
EMU="--attester emulated --claims $SRC/demo/claims.json
    --platform-key $SRC/demo/cpak.pem --realm-key $SRC/demo/rak.pem"

start VPID "$W/vport" "$W/v.log" "$BIN/cca-verifier" -v --db "$W/v.db" \
    --trust-anchors "$W/ta.json" --provisioning-token "$TOKEN"
VURL=http://127.0.0.1:$(cat "$W/vport")

# 1. The whole chain: realm -> key broker -> verifier -> EAR -> policy.
start KPID "$W/kport" "$W/kb.log" "$BIN/keybroker-server" --db "$W/kb.db" \
    --verifier "$VURL" --reference-values "$W/rims.json"
KURL=http://127.0.0.1:$(cat "$W/kport")
out=$("$BIN/keybroker-app" -e "$KURL" $EMU skywalker 2>"$W/app.err")
check "three processes: exit 0" 0 $?
check "three processes: the secret" "May the force be with you." "$out"
# The verifier appraised it (a session completed).
in_log 'CCA_REALM=warning,CCA_SSD_PLATFORM=affirming' "$W/v.log"
check "the verifier produced the EAR (realm warning, no realm RVs)" 0 $?

# 2. Realm reference values provisioned in the verifier: affirming, and
# the key broker still releases (its policy takes affirming or warning).
curl -s -o /dev/null -X POST -H "Authorization: Bearer $TOKEN" \
    --data-binary "@$W/rv.json" "$VURL/provisioning/v1/reference-values"
out=$("$BIN/keybroker-app" -q -e "$KURL" $EMU skywalker 2>"$W/app.err")
check "realm affirming at the verifier: released" \
    "May the force be with you." "$out"
in_log 'CCA_REALM=affirming,CCA_SSD_PLATFORM=affirming' "$W/v.log"
check "the verifier saw the provisioning at once" 0 $?
stop KPID keybroker-server

# 3. RIM not approved by the key broker: refused.
start KPID "$W/kport" "$W/kb.log" "$BIN/keybroker-server" --db "$W/kb.db" \
    --verifier "$VURL" --reference-values "$W/rims-bad.json"
KURL=http://127.0.0.1:$(cat "$W/kport")
"$BIN/keybroker-app" -q -e "$KURL" $EMU skywalker >/dev/null 2>"$W/app.err"
check "RIM not approved: exit 1" 1 $?

# 4. The platform is no longer trusted by the verifier: refused.
curl -s -o /dev/null -X DELETE -H "Authorization: Bearer $TOKEN" \
    "$VURL/provisioning/v1/trust-anchors"
stop KPID keybroker-server
start KPID "$W/kport" "$W/kb.log" "$BIN/keybroker-server" --db "$W/kb.db" \
    --verifier "$VURL" --reference-values "$W/rims.json"
KURL=http://127.0.0.1:$(cat "$W/kport")
"$BIN/keybroker-app" -q -e "$KURL" $EMU skywalker >/dev/null 2>"$W/app.err"
check "trust anchor removed at the verifier: exit 1" 1 $?
stop KPID keybroker-server
stop VPID cca-verifier

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
