#!/bin/sh
# End-to-end demo: an emulated realm answers a fresh random challenge with
# a CCA token; ccatoken verifies and appraises it against a trust anchor
# and reference values provisioned from a known-good token.
set -eu
cd "$(dirname "$0")/.."
if [ -z "${CCATOKEN:-}" ]; then
	[ -x build/bin/ccatoken ] && [ -x build/bin/keybroker-server ] &&
	    [ -x build/bin/keybroker-app ] || ./scripts/build.sh
	CCATOKEN=build/bin/ccatoken
fi
BIN=$(dirname "$CCATOKEN")
# The installed packages put the servers in sbin (scripts/pkg-test.sh).
KEYBROKER_SERVER=${KEYBROKER_SERVER:-$BIN/keybroker-server}
KEYBROKER_APP=${KEYBROKER_APP:-$BIN/keybroker-app}
WORK=$(mktemp -d)
KBS_PID=
cleanup() {
	[ -n "$KBS_PID" ] && kill "$KBS_PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
create() {
	$CCATOKEN create --claims demo/claims.json --platform-key demo/cpak.pem \
		--realm-key demo/rak.pem --challenge "$1" -o "$2"
}

echo "== 1. provisioning: golden values from a known-good realm boot =="
create "$(random_hex 64)" "$WORK/known-good.cbor"
$CCATOKEN golden -e "$WORK/known-good.cbor" -c demo/cpak.jwk.json \
	-t "$WORK/ta.json" -r "$WORK/rv.json"

echo "== 2. the relying party sends a fresh challenge =="
CHALLENGE=$(random_hex 64)
echo "challenge: $CHALLENGE"

echo "== 3. the (emulated) realm answers with a CCA token =="
create "$CHALLENGE" "$WORK/token.cbor"
$CCATOKEN show "$WORK/token.cbor" | sed -n '1,12p'
echo "  ... ($(wc -c <"$WORK/token.cbor") bytes of CBOR)"

echo "== 4. verify: signatures, binding, freshness =="
$CCATOKEN verify -e "$WORK/token.cbor" -t "$WORK/ta.json" \
	--challenge "$CHALLENGE"

echo "== 5. appraise: platform and realm measurements =="
$CCATOKEN appraise -e "$WORK/token.cbor" -r "$WORK/rv.json"

echo "== 6. a replayed token is refused =="
if $CCATOKEN verify -e "$WORK/token.cbor" -t "$WORK/ta.json" \
	--challenge "$(random_hex 64)" >/dev/null; then
	echo "demo: replay was NOT detected" >&2
	exit 1
else
	echo "rejected with exit status $? (as expected)"
fi
echo "== 7. the key broker releases a secret to the attested realm =="
# Its release policy, in Rego (services/keybroker-server/policies/
# default.rego): a genuine platform (the CPAK is a trust anchor) and a
# realm initial measurement (RIM) that the owner approved. The Veraison
# keybroker demo's own arm-cca.rego runs the same way: --policy FILE.
RIM=$(sed -n 's/.*"cca-realm-initial-measurement": *"\([^"]*\)".*/\1/p' \
    demo/claims.json)
echo "{\"reference-values\": [\"$RIM\"]}" >"$WORK/rims.json"
"$KEYBROKER_SERVER" -p 0 --port-file "$WORK/port" --db "$WORK/kb.db" \
    --trust-anchors "$WORK/ta.json" --reference-values "$WORK/rims.json" \
    --policy builtin:default &
KBS_PID=$!
i=0
until [ -s "$WORK/port" ]; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$KBS_PID" 2>/dev/null; then
		echo "demo: keybroker-server did not start" >&2
		exit 1
	fi
	sleep 0.05
done
URL=http://127.0.0.1:$(cat "$WORK/port")
echo "keybroker-server listening on $URL (a separate process), release"
echo "policy builtin:default (Rego: data.arm_cca.allow)"
echo "keybroker-app (in the emulated realm) asks for the key 'skywalker':"
SECRET=$("$KEYBROKER_APP" -v -e "$URL" --attester emulated \
    --claims demo/claims.json --platform-key demo/cpak.pem \
    --realm-key demo/rak.pem skywalker)
echo "secret: $SECRET"
[ "$SECRET" = "May the force be with you." ] || exit 1

echo "demo: OK, the realm's token was verified and appraised, and the key"
echo "broker released the secret to it"
