#!/bin/sh
# End-to-end demo: an emulated realm answers a fresh random challenge with
# a CCA token; ccatoken verifies and appraises it against a trust anchor
# and reference values provisioned from a known-good token.
set -eu
cd "$(dirname "$0")/.."
if [ -z "${CCATOKEN:-}" ]; then
	[ -x build/bin/ccatoken ] && [ -x build/bin/keybroker-server ] &&
	    [ -x build/bin/keybroker-app ] && [ -x build/bin/kbs ] &&
	    [ -x build/bin/kbs-client ] && [ -x build/bin/ccakit-agent ] ||
	    ./scripts/build.sh
	CCATOKEN=build/bin/ccatoken
fi
BIN=$(dirname "$CCATOKEN")
# The installed packages put the servers in sbin (scripts/pkg-test.sh).
KEYBROKER_SERVER=${KEYBROKER_SERVER:-$BIN/keybroker-server}
KEYBROKER_APP=${KEYBROKER_APP:-$BIN/keybroker-app}
KBS=${KBS:-$BIN/kbs}
KBS_CLIENT=${KBS_CLIENT:-$BIN/kbs-client}
CCAKIT_AGENT=${CCAKIT_AGENT:-$BIN/ccakit-agent}
WORK=$(mktemp -d)
KBS_PID=
TRUSTEE_PID=
AGENT_PID=
cleanup() {
	[ -n "$KBS_PID" ] && kill "$KBS_PID" 2>/dev/null
	[ -n "$TRUSTEE_PID" ] && kill "$TRUSTEE_PID" 2>/dev/null
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null
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

echo "== 8. a Trustee-compatible KBS releases a secret to the realm =="
# kbs reads Trustee's TOML configuration; the CCA verifier's stores are
# the ones of step 1, named as Trustee names them (CCA_CONFIG_FILE).
cat >"$WORK/kbs-config.toml" <<EOF
[http_server]
sockets = ["127.0.0.1:0"]
insecure_http = true

[admin]
authorization_mode = "InsecureAllowAll"

[attestation_token]
insecure_header_jwk = false

[storage_backend]
storage_type = "LocalFs"

[storage_backend.backends.local_fs]
dir_path = "$WORK/kbs-storage"

[[plugins]]
name = "resource"
EOF
cat >"$WORK/cca.json" <<EOF
{"cca-verifier": {"type": "local", "ta-store": "$WORK/ta.json",
                  "rv-store": "$WORK/rv.json"}}
EOF
CCA_CONFIG_FILE="$WORK/cca.json" "$KBS" -c "$WORK/kbs-config.toml" \
    --port-file "$WORK/kbs-port" 2>"$WORK/kbs.log" &
TRUSTEE_PID=$!
i=0
until [ -s "$WORK/kbs-port" ]; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$TRUSTEE_PID" 2>/dev/null; then
		echo "demo: kbs did not start:" >&2
		cat "$WORK/kbs.log" >&2
		exit 1
	fi
	sleep 0.05
done
KBS_URL=http://127.0.0.1:$(cat "$WORK/kbs-port")
echo "kbs listening on $KBS_URL (a separate process)"
kc() { "$KBS_CLIENT" --url "$KBS_URL" "$@"; }
# The owner's side (admin requests): the secret; an attestation policy
# that finds a realm "affirming" when its initial measurement (RIM) and
# personalization value (RPV) are registered reference values; those two
# values; a resource policy that releases only to "affirming" realms.
printf '%s' "The realm owner's disk key" >"$WORK/disk-key"
kc config set-resource --path default/demo/disk-key \
    --resource-file "$WORK/disk-key" 2>/dev/null
kc config set-attestation-policy --id default_cpu \
    --policy-file services/kbs/policies/as/cca.rego >/dev/null 2>&1
for n in cca-realm-initial-measurement cca-realm-personalization-value; do
	V=$(sed -n "s/.*\"$n\": *\"\([^\"]*\)\".*/\1/p" demo/claims.json)
	kc config set-sample-reference-value "cca.realm.$n" "$V" 2>/dev/null
done
kc config set-resource-policy --affirming >/dev/null 2>&1
echo "kbs-client get-resource in the emulated realm (RCAR with a CCA token):"
SECRET=$(kc --attester emulated --claims demo/claims.json \
    --platform-key demo/cpak.pem --realm-key demo/rak.pem \
    get-resource --path default/demo/disk-key | base64 -d)
echo "secret: $SECRET"
[ "$SECRET" = "The realm owner's disk key" ] || exit 1
echo "kbs-client get-resource with Trustee's sample TEE (no realm):"
if kc --attester sample get-resource --path default/demo/disk-key \
    2>"$WORK/denied"; then
	echo "demo: the sample TEE got the secret" >&2
	exit 1
fi
sed 's/^/  refused: /' "$WORK/denied"

echo "== 9. a workload gets the secret from ccakit-agent with curl =="
# In the realm, ccakit-agent answers guest-components' REST API on
# 127.0.0.1:8006 (here a free port); the KBS comes from AA_KBC_PARAMS, as
# guest-components reads it; the emulated realm stands in for configfs-tsm.
AA_KBC_PARAMS="cc_kbc::$KBS_URL" "$CCAKIT_AGENT" --features all \
    --bind 127.0.0.1:0 --port-file "$WORK/agent-port" --cmdline /dev/null \
    --attester emulated --claims demo/claims.json \
    --platform-key demo/cpak.pem --realm-key demo/rak.pem \
    2>"$WORK/agent.log" &
AGENT_PID=$!
i=0
until [ -s "$WORK/agent-port" ]; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$AGENT_PID" 2>/dev/null; then
		echo "demo: ccakit-agent did not start:" >&2
		cat "$WORK/agent.log" >&2
		exit 1
	fi
	sleep 0.05
done
AGENT=http://127.0.0.1:$(cat "$WORK/agent-port")
echo "ccakit-agent on $AGENT (a separate process)"
echo "curl $AGENT/cdh/resource/default/demo/disk-key"
SECRET=$(curl -sSf "$AGENT/cdh/resource/default/demo/disk-key")
echo "secret: $SECRET"
[ "$SECRET" = "The realm owner's disk key" ] || exit 1
echo "curl $AGENT/info"
curl -sSf "$AGENT/info"
echo

echo "demo: OK, the realm's token was verified and appraised, the key"
echo "broker released the secret to it, and so did the Trustee-compatible KBS,"
echo "to kbs-client and through ccakit-agent"
