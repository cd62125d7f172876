#!/bin/sh
# CLI tests of corim: on the emulated realm's token (demo/), templates and
# certificates the test makes itself, then on the upstream CoRIM vectors
# when they are present (Veraison's templates compile to its CoRIMs byte
# for byte; its negative vectors fail `corim validate` with exit 3).
# Needs CCAKIT_BIN (build/bin); vectors from CCAKIT_VECTORS.
set -u
BIN=${CCAKIT_BIN:?}/corim
CCATOKEN=${CCAKIT_BIN}/ccatoken
. "$(dirname "$0")/../vectors.sh"
DEMO=$(cd "$(dirname "$0")/../../demo" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# expect STATUS DESCRIPTION -- command...   (stdout in $T/out, stderr $T/err)
expect() {
	want=$1; desc=$2; shift 3
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -eq "$want" ]; then ok; else
		bad "$desc: exit $got, want $want"
		sed 's/^/  | /' "$T/out" "$T/err" >&2
	fi
}
has() {
	if grep -qF -- "$2" "$1"; then ok; else
		bad "$3: '$2' not in output"; sed 's/^/  | /' "$1" >&2; fi
}
same() {
	if cmp -s "$1" "$2"; then ok; else bad "$3: files differ"; fi
}

cd "$T" || exit 1

# --- usage ---
expect 0 "--help" -- "$BIN" --help
has "$T/out" "from-token" "--help lists from-token"
expect 0 "--version" -- "$BIN" --version
expect 1 "no command" -- "$BIN"
expect 1 "unknown command" -- "$BIN" frobnicate
for c in "comid create" create sign verify display extract validate submit \
    from-token from-json to-json; do
	# shellcheck disable=SC2086
	expect 0 "$c --help" -- "$BIN" $c --help
	has "$T/out" "Usage: corim $c" "$c --help"
done
expect 1 "create without template" -- "$BIN" create -m x.cbor
has "$T/err" "no CoRIM template supplied" "create without template"
expect 1 "sign without key" -- "$BIN" sign -f x.cbor -m m.json
has "$T/err" "no key supplied" "sign without key"
expect 1 "verify without key or roots" -- "$BIN" verify -f x.cbor
expect 1 "submit without server" -- "$BIN" submit -f x.cbor
expect 1 "submit bad URL" -- "$BIN" submit -f x.cbor -s ftp://x
expect 1 "submit basic without user" -- "$BIN" submit -f x.cbor \
	-s http://127.0.0.1:1/ -a basic
expect 1 "submit bearer without token" -- env -u CORIM_TOKEN "$BIN" \
	submit -f x.cbor -s http://127.0.0.1:1/ -a bearer
has "$T/err" "--auth bearer needs --token" "submit bearer without token"
expect 1 "submit --token without bearer" -- "$BIN" submit -f x.cbor \
	-s http://127.0.0.1:1/ --token abc
expect 1 "submit unknown auth" -- "$BIN" submit -f x.cbor \
	-s http://127.0.0.1:1/ -a digest
expect 1 "from-json without input" -- "$BIN" from-json
expect 2 "missing file" -- "$BIN" display -f nonexistent.cbor
expect 2 "not a CoRIM" -- "$BIN" display -f "$DEMO/claims.json"

# --- the emulated realm ---
"$CCATOKEN" create --claims "$DEMO/claims.json" \
	--platform-key "$DEMO/cpak.pem" --realm-key "$DEMO/rak.pem" \
	-o tok.cbor >/dev/null || bad "ccatoken create"
expect 0 "from-token" -- "$BIN" from-token -e tok.cbor \
	-c "$DEMO/cpak.jwk.json" --entity ccakit --regid https://ccakit.example
has "$T/out" '>> created platform CoRIM "corim-cca-platform.cbor"' \
	"from-token platform"
has "$T/out" '>> created realm CoRIM "corim-cca-realm.cbor"' "from-token realm"
expect 0 "validate" -- "$BIN" validate -f corim-cca-platform.cbor \
	-f corim-cca-realm.cbor
has "$T/out" '[valid] "corim-cca-platform.cbor" (tag:arm.com,2025:cca_platform#1.0.0)' \
	"validate platform"
expect 2 "from-token with a CPAK that is not a JWK" -- "$BIN" from-token \
	-e tok.cbor -c "$DEMO/claims.json" --platform x --realm y
expect 1 "from-token same outputs" -- "$BIN" from-token -e tok.cbor \
	-c "$DEMO/cpak.jwk.json" --platform x --realm x

# Back to rust-ccatoken's stores: the token verifies and is approved.
expect 0 "to-json" -- "$BIN" to-json -f corim-cca-platform.cbor \
	-f corim-cca-realm.cbor
has ta.json '"implementation-id"' "to-json ta"
has rv.json '"match": "corim"' "to-json rv match"
expect 0 "ccatoken verify with the CoRIM's CPAK" -- "$CCATOKEN" verify \
	-e tok.cbor -t ta.json
expect 0 "ccatoken appraise with the CoRIM's values" -- "$CCATOKEN" \
	appraise -e tok.cbor -r rv.json
has "$T/out" '"executables": 3' "appraise platform approved"
has "$T/out" '"executables": 2' "appraise realm approved runtime"
# ... and the stores back to CoRIMs.
expect 0 "from-json" -- "$BIN" from-json -t ta.json -r rv.json \
	--platform p2.cbor --realm r2.cbor --corim-id same --profile-encoding \
	text --digest-alg text --config-form masked
expect 0 "validate from-json" -- "$BIN" validate -f p2.cbor -f r2.cbor

# display, extract, comid display/validate/create round trip
expect 0 "display" -- "$BIN" display -f corim-cca-platform.cbor
has "$T/out" "Corim:" "display heading"
has "$T/out" '"value": "tag:arm.com,2025:cca_platform#1.0.0"' "display profile"
expect 0 "display -v" -- "$BIN" display -v -f corim-cca-platform.cbor
has "$T/out" ">> [CoMID]" "display -v tags"
has "$T/out" '"attester-verification-keys"' "display -v keys"
expect 0 "display --json" -- "$BIN" display --json -v -f corim-cca-realm.cbor
has "$T/out" '"cca.rpv"' "display --json"
mkdir ex
expect 0 "extract" -- "$BIN" extract -f corim-cca-platform.cbor -o ex
has "$T/out" 'ex/000000-comid.cbor' "extract"
expect 0 "comid validate" -- "$BIN" comid validate -d ex
has "$T/out" '[valid] "ex/000000-comid.cbor"' "comid validate"
expect 0 "comid display" -- "$BIN" comid display -f ex/000000-comid.cbor
sed 1d "$T/out" >platform-comid.json
mkdir tpl
expect 0 "comid create from the display" -- "$BIN" comid create \
	-t platform-comid.json -o tpl
has "$T/out" '>> created "tpl/platform-comid.cbor"' "comid create"
same tpl/platform-comid.cbor ex/000000-comid.cbor "comid JSON round trip"
printf '{"corim-id": "ccakit-cli-test", "profile": {"type": "uri", "value":
 "tag:arm.com,2025:cca_platform#1.0.0"}, "entities": [{"name": "ccakit",
 "roles": ["manifestCreator"]}]}\n' >corim-tpl.json
expect 0 "create" -- "$BIN" create -t corim-tpl.json -M tpl
has "$T/out" '>> created "corim-tpl.cbor" from "corim-tpl.json"' "create"
expect 0 "validate created" -- "$BIN" validate -f corim-tpl.cbor
expect 0 "create text profile" -- "$BIN" create -t corim-tpl.json \
	-m tpl/platform-comid.cbor --profile-encoding text -o text.cbor
expect 0 "display text profile" -- "$BIN" display -f text.cbor
has "$T/out" '"profile": "tag:arm.com,2025:cca_platform#1.0.0"' \
	"text profile"
printf '{"tag-identity": {"id": "x"}, "triples": {}}' >bad.json
expect 2 "comid create bad template" -- "$BIN" comid create -t bad.json -o .
has "$T/out" '>> creation failed for "bad.json"' "bad template"
has "$T/err" "1/1 creation(s) failed" "bad template count"
printf '{"corim-id": "x", "frob": 1}' >bad-corim.json
expect 2 "create bad template" -- "$BIN" create -t bad-corim.json \
	-m tpl/platform-comid.cbor
has "$T/err" 'unknown member "frob"' "create bad template"

# --- signing ---
openssl ecparam -name prime256v1 -genkey -noout -out root.key 2>/dev/null
openssl req -x509 -new -key root.key -subj /CN=ccakit-test-root -days 30 \
	-addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign -out root.pem 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out other.key 2>/dev/null
openssl req -x509 -new -key other.key -subj /CN=other-root -days 30 \
	-out other.pem 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out leaf.key 2>/dev/null
openssl req -new -key leaf.key -subj /CN=ccakit-test-signer -out leaf.csr \
	2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n' \
	>leaf.ext
openssl x509 -req -in leaf.csr -CA root.pem -CAkey root.key \
	-CAcreateserial -days 10 -extfile leaf.ext -out leaf.pem 2>/dev/null
openssl x509 -in leaf.pem -outform DER -out leaf.der
openssl pkey -in leaf.key -pubout -out leaf.pub 2>/dev/null
printf '{"signer": {"name": "ccakit test", "uri": "https://ccakit.example"},
 "validity": {"not-before": "2020-01-01T00:00:00Z",
 "not-after": "2099-12-31T23:59:59Z"}}\n' >meta.json
expect 0 "sign" -- "$BIN" sign -f corim-cca-realm.cbor -k leaf.key \
	-m meta.json -c leaf.der
has "$T/out" '>> "corim-cca-realm.cbor" signed and saved to "signed-corim-cca-realm.cbor"' \
	"sign message"
expect 0 "verify with roots" -- "$BIN" verify -f signed-corim-cca-realm.cbor \
	-r root.pem
has "$T/out" '>> "signed-corim-cca-realm.cbor" verified' "verify message"
expect 0 "verify with the key" -- "$BIN" verify \
	-f signed-corim-cca-realm.cbor -k leaf.pub
expect 3 "verify with another root" -- "$BIN" verify \
	-f signed-corim-cca-realm.cbor -r other.pem
has "$T/err" "does not lead to a trusted root" "untrusted root"
expect 3 "verify with another key" -- "$BIN" verify \
	-f signed-corim-cca-realm.cbor -k "$DEMO/cpak.pem"
expect 3 "verify after the certificate expired" -- "$BIN" verify \
	-f signed-corim-cca-realm.cbor -r root.pem --time 4102444800
expect 2 "verify an unsigned CoRIM" -- "$BIN" verify \
	-f corim-cca-realm.cbor -r root.pem
# A flipped bit in the signature (the last byte).
cp signed-corim-cca-realm.cbor flipped.cbor
printf '\001' | dd of=flipped.cbor bs=1 \
	seek=$(($(wc -c <flipped.cbor) - 1)) conv=notrunc 2>/dev/null
expect 3 "verify a flipped bit" -- "$BIN" verify -f flipped.cbor -r root.pem
expect 0 "display signed" -- "$BIN" display -f signed-corim-cca-realm.cbor
has "$T/out" "Meta:" "display signed meta"
has "$T/out" '"name": "ccakit test"' "display signer"
expect 0 "validate signed" -- "$BIN" validate -f signed-corim-cca-realm.cbor
expect 2 "sign with a key that is not the certificate's" -- "$BIN" sign \
	-f corim-cca-realm.cbor -k other.key -m meta.json -c leaf.der -o x.cbor
expect 2 "sign a signed CoRIM" -- "$BIN" sign \
	-f signed-corim-cca-realm.cbor -k leaf.key -m meta.json
expect 1 "intermediates without cert" -- "$BIN" sign \
	-f corim-cca-realm.cbor -k leaf.key -m meta.json --intermediates x

# --- submit: a transport failure (the service itself: services tests) ---
expect 2 "submit to nothing" -- "$BIN" submit -f corim-cca-realm.cbor \
	-s http://127.0.0.1:9/endorsement-provisioning/v1/submit

# --- upstream vectors ---
if have_vectors corim; then
	S=$VECTORS/corim/veraison-services/scheme/arm-cca/test/corim
	mkdir up
	# Its src/ holds two CoRIM templates too: they fail, the others not.
	expect 2 "comid create (Veraison's templates)" -- "$BIN" comid create \
		-T "$S/src" -o up
	has "$T/out" 'up/comid-cca-platform-refval.cbor' "comid create -T"
	has "$T/err" '2/21 creation(s) failed' "comid create -T count"
	sed 's/"00000000-0000-0000-cca6-000000000000"/"00000000-0000-0000-cca6-0000000000001"/' \
		"$S/src/corim-cca-platform.json" >up/corim-cca-platform.json
	expect 0 "create (Veraison's platform CoRIM)" -- "$BIN" create \
		-t up/corim-cca-platform.json -m up/comid-cca-platform-refval.cbor \
		-m up/comid-cca-platform-ta.cbor -o up/platform.cbor
	same up/platform.cbor "$S/corim-cca-platform-valid.cbor" \
		"Veraison's platform CoRIM, byte for byte"
	expect 0 "validate Veraison's valid CoRIMs" -- "$BIN" validate \
		-f "$S/corim-cca-platform-valid.cbor" \
		-f "$S/corim-cca-realm-valid.cbor"
	for f in "$S"/corim-cca-*-bad-*.cbor; do
		expect 3 "validate $(basename "$f")" -- "$BIN" validate -f "$f"
		has "$T/out" "[invalid]" "validate $(basename "$f")"
	done
	D=$VECTORS/corim/derived
	C=$VECTORS/corim/veraison-services/deployments/docker/src/certs/corimCA.crt
	expect 0 "verify Veraison's chain" -- "$BIN" verify \
		-f "$D/signed-corim-cca-platform-valid.cbor" -r "$C"
	expect 3 "verify Veraison's chain with our root" -- "$BIN" verify \
		-f "$D/signed-corim-cca-platform-valid.cbor" -r root.pem
	K=$VECTORS/corim/veraison-corim-store/sample/corim
	expect 0 "verify corim-store's with its key (JWK)" -- "$BIN" verify \
		-f "$K/signed-cca-ta.cose" -k "$K/key.pub.jwk"
	expect 0 "to-json of Veraison's CoRIMs" -- "$BIN" to-json \
		-f "$S/corim-cca-platform-valid.cbor" \
		-f "$S/corim-cca-realm-valid.cbor" -t up-ta.json -r up-rv.json
	E=$VECTORS/corim/veraison-services/scheme/arm-cca/test/evidence
	expect 0 "cca-good.cbor verifies with the CoRIM's CPAK" -- \
		"$CCATOKEN" verify -e "$E/cca-good.cbor" -t up-ta.json
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
