#!/bin/sh
# cca-verifier's endorsement provisioning API (Veraison's, for CoRIMs)
# over HTTP: discovery, media types, the 400/401/406/415 replies, the
# "failed" sessions, the three kinds of authentication; then end to end:
# CoRIMs submitted with `corim submit` endorse tokens that `ccatoken
# attest` (or a challenge-response session) then sees affirming. Upstream
# CoRIMs and tokens (Veraison's valid platform and realm CoRIMs with
# cca-good.cbor, the legacy end-to-end inputs) when the vectors are there
# (CCAKIT_VECTORS); `corim submit -a oauth2` and 201 polling against
# mock-veraison (CCAKIT_TESTBIN). Servers on free ports, always killed.
#
# Environment: CCAKIT_BIN (build/bin), CCAKIT_SRC, CCAKIT_TESTBIN.
set -u
BIN=${CCAKIT_BIN:?}
SRC=${CCAKIT_SRC:?}
SERVER=$BIN/cca-verifier
CCATOKEN=$BIN/ccatoken
CORIM=$BIN/corim
RM=$BIN/realm-measurements
TOKEN=corim-provisioning-token-0123456789
SUBMIT=/endorsement-provisioning/v1/submit
PLAT='tag:arm.com,2025:cca_platform#1.0.0'
REALM='tag:arm.com,2025:cca_realm#1.0.0'
SESS='application/vnd.veraison.provisioning-session+json'
. "$SRC/tests/vectors.sh"

W=$(mktemp -d)
SPID=
MPID=
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

for b in cca-verifier ccatoken corim realm-measurements; do
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
	[ -f "$W/b" ] && head -c 400 "$W/b" | sed 's/^/#   body: /' && echo
	[ -f "$W/err" ] && sed 's/^/#   stderr: /' "$W/err" | tail -5
	[ -f "$W/server.log" ] && sed 's/^/#   /' "$W/server.log" | tail -8
}
check() { # check DESC EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then ok "$1"; else nok "$1 (want $2, got $3)"; fi
}
has() { # has DESC PATTERN FILE
	if grep -q -- "$2" "$3"; then ok "$1"; else nok "$1 (no '$2')"; fi
}

# start_server ARGS...: on a free port, a fresh log; URL set.
start_server() {
	rm -f "$W/port"
	: >"$W/server.log"
	"$SERVER" -v -p 0 --port-file "$W/port" --db "$W/v.db" "$@" \
	    2>>"$W/server.log" &
	SPID=$!
	i=0
	while [ ! -s "$W/port" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$SPID" 2>/dev/null; then
			echo "server did not start:"; cat "$W/server.log"
			exit 1
		fi
		sleep 0.05
	done
	URL=http://127.0.0.1:$(cat "$W/port")
}
stop_server() {
	kill "$SPID" 2>/dev/null
	wait "$SPID"
	st=$?
	SPID=
	check "server exits cleanly on SIGTERM" 0 "$st"
}
# http METHOD PATH [curl args...] -> status; headers $W/h, body $W/b
http() {
	m=$1 p=$2
	shift 2
	curl -s -o "$W/b" -D "$W/h" -w '%{http_code}' -X "$m" "$@" "$URL$p"
}
hdr() { sed -n "s/^$1: *//Ip" "$W/h" | tr -d '\r'; }
# post FILE CONTENT-TYPE [curl args...] -> status (bearer token sent)
post() {
	p_f=$1 p_ct=$2
	shift 2
	http POST "$SUBMIT" -H "Authorization: Bearer $TOKEN" \
	    -H "Content-Type: $p_ct" --data-binary "@$p_f" "$@"
}
# submit FILE [corim submit args...] -> exit status of corim submit
submit() {
	s_f=$1
	shift
	"$CORIM" submit -f "$s_f" -s "$URL$SUBMIT" "$@" >"$W/out" 2>"$W/err"
}
# The status of each submodule from `ccatoken attest` of the demo realm
# (claims in $1, default the demo's).
attest() {
	"$CCATOKEN" attest --verifier "$URL" --attester emulated \
	    --claims "${1:-$SRC/demo/claims.json}" \
	    --platform-key "$SRC/demo/cpak.pem" \
	    --realm-key "$SRC/demo/rak.pem" >"$W/out" 2>"$W/err"
}
mt() { printf 'application/%s; profile="%s"' "$1" "$2"; }

# --- fixtures: the demo realm's CoRIMs, a signing chain ---
cd "$W" || exit 1
"$CCATOKEN" create --claims "$SRC/demo/claims.json" \
    --platform-key "$SRC/demo/cpak.pem" --realm-key "$SRC/demo/rak.pem" \
    --challenge "$(printf '%0128d' 0)" -o kg.cbor || exit 1
"$CORIM" from-token -e kg.cbor -c "$SRC/demo/cpak.jwk.json" \
    --platform plat.cbor --realm realm.cbor >/dev/null || exit 1
openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null
openssl req -x509 -new -key ca.key -subj /CN=corim-test-ca -days 30 \
    -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign -out ca.pem 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out signer.key 2>/dev/null
openssl req -new -key signer.key -subj /CN=corim-test-signer \
    -out signer.csr 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n' >ext
openssl x509 -req -in signer.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -days 5 -extfile ext -out signer.pem 2>/dev/null
# Another CA, not configured, issuing a signer of its own.
openssl req -x509 -new -key signer.key -subj /CN=other-ca -days 30 \
    -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign -out other-ca.pem 2>/dev/null
openssl req -new -key ca.key -subj /CN=other-signer -out o.csr 2>/dev/null
openssl x509 -req -in o.csr -CA other-ca.pem -CAkey signer.key \
    -CAcreateserial -days 5 -extfile ext -out other-signer.pem 2>/dev/null
printf '{"signer": {"name": "ccakit corim test"}}' >meta.json
"$CORIM" sign -f plat.cbor -k signer.key -c signer.pem -m meta.json \
    -o signed-plat.cbor >/dev/null || exit 1
"$CORIM" sign -f realm.cbor -k signer.key -c signer.pem -m meta.json \
    -o signed-realm.cbor >/dev/null || exit 1
"$CORIM" sign -f realm.cbor -k ca.key -c other-signer.pem -m meta.json \
    -o untrusted-realm.cbor >/dev/null || exit 1
printf 'alice:wonderland\n# a comment\n\nbob:builder\n' >users
chmod 600 users

# === 1. configuration errors ===
"$SERVER" --db "$W/x.db" --provisioning-auth digest 2>"$W/err"
check "--provisioning-auth digest: exit 1" 1 $?
"$SERVER" --db "$W/x.db" --provisioning-auth basic 2>"$W/err"
check "basic without --provisioning-users: exit 1" 1 $?
has "basic without users: said" "needs --provisioning-users" "$W/err"
"$SERVER" --db "$W/x.db" --provisioning-users users 2>"$W/err"
check "--provisioning-users without basic: exit 1" 1 $?
printf 'nocolon\n' >bad-users
"$SERVER" --db "$W/x.db" --provisioning-auth basic \
    --provisioning-users bad-users 2>"$W/err"
check "users file with a bad line: exit 1" 1 $?
"$SERVER" --db "$W/x.db" --corim-roots meta.json 2>"$W/err"
check "--corim-roots not PEM certificates: exit 1" 1 $?
"$SERVER" --help >"$W/out"
has "--help lists --provisioning-auth" "provisioning-auth" "$W/out"

# === 2. the API, bearer (the default) ===
start_server --provisioning-token "$TOKEN" --corim-roots ca.pem
has "log: CoRIM submission bearer" "CoRIM submission bearer" \
    "$W/server.log"
check "discovery: 200" 200 "$(http GET /.well-known/veraison/provisioning)"
check "discovery: content type" \
    "application/vnd.veraison.discovery+json" "$(hdr Content-Type)"
has "discovery: the current platform type" \
    "\"application/rim+cbor; profile=\\\\\"$PLAT\\\\\"\"" "$W/b"
has "discovery: the legacy realm type" \
    '"application/corim-unsigned+cbor; profile=\\"http://arm.com/cca/realm/1\\""' \
    "$W/b"
has "discovery: members in Veraison's order" \
    '^{"media-types":\[[^]]*\],"version":"[^"]*","service-state":"READY","api-endpoints":{"provisioningSubmit":"/endorsement-provisioning/v1/submit"}}$' \
    "$W/b"
check "discovery: Accept text/html: 406" 406 \
    "$(http GET /.well-known/veraison/provisioning -H 'Accept: text/html')"
check "discovery: Accept application/json: 200" 200 \
    "$(http GET /.well-known/veraison/provisioning \
    -H 'Accept: application/json')"

check "no credentials: 401" 401 "$(http POST "$SUBMIT" \
    -H "Content-Type: $(mt rim+cbor "$PLAT")" --data-binary @plat.cbor)"
has "401: WWW-Authenticate Bearer" "WWW-Authenticate: Bearer" "$W/h"
has "401 is problem+json" '"status":401' "$W/b"
check "wrong token: 401" 401 "$(http POST "$SUBMIT" \
    -H "Authorization: Bearer not-$TOKEN" \
    -H "Content-Type: $(mt rim+cbor "$PLAT")" --data-binary @plat.cbor)"
check "Accept application/json: 406" 406 \
    "$(post plat.cbor "$(mt rim+cbor "$PLAT")" -H 'Accept: application/json')"
check "no Content-Type: 400" 400 "$(post plat.cbor '')"
check "Content-Type that does not parse: 400" 400 \
    "$(post plat.cbor 'application/rim+cbor; profile')"
check "application/cbor: 415" 415 "$(post plat.cbor application/cbor)"
has "415 lists the types (Accept)" "^Accept: .*rim+cose; profile=" "$W/h"
check "rim+cbor without a profile: 415" 415 \
    "$(post plat.cbor application/rim+cbor)"
check "an unknown profile: 415" 415 \
    "$(post plat.cbor "$(mt rim+cbor 'tag:arm.com,2023:cca_platform#1.0.0')")"
check "another parameter: 415" 415 \
    "$(post plat.cbor "$(mt rim+cbor "$PLAT"); charset=utf-8")"
: >empty
check "empty body: 400" 400 "$(post empty "$(mt rim+cbor "$PLAT")")"
head -c 1100000 /dev/zero >big
check "body over 1 MiB: 413" 413 "$(post big "$(mt rim+cbor "$PLAT")")"

# Refusals of the CoRIM itself: a 200 "failed" session, as Veraison.
failed() { # failed DESC FILE CONTENT-TYPE REASON-PATTERN
	st=$(post "$2" "$3")
	check "$1: 200" 200 "$st"
	check "$1: session media type" "$SESS" "$(hdr Content-Type)"
	has "$1: failed, with the reason" \
	    "\"status\":\"failed\".*\"failure-reason\":\"submit endorsement returned error: .*$4" \
	    "$W/b"
}
printf 'not a corim' >junk
failed "junk" junk "$(mt rim+cbor "$PLAT")" "decoding the CoRIM"
failed "platform CoRIM as realm" plat.cbor "$(mt rim+cbor "$REALM")" \
    "is not the media type's"
failed "unsigned CoRIM as rim+cose" plat.cbor "$(mt rim+cose "$PLAT")" \
    "unsigned CoRIM under rim+cose"
failed "signed CoRIM as rim+cbor" signed-plat.cbor "$(mt rim+cbor "$PLAT")" \
    "signed CoRIM under rim+cbor"
failed "signed by an untrusted CA" untrusted-realm.cbor \
    "$(mt rim+cose "$REALM")" "verifying the signed CoRIM"
# A bit flipped in the signature (its last byte).
n=$(wc -c <signed-realm.cbor)
last=$(tail -c 1 signed-realm.cbor | od -An -tu1 | tr -d ' \n')
head -c $((n - 1)) signed-realm.cbor >flip.cbor
printf "$(printf '\\%03o' $((last ^ 1)))" >>flip.cbor
check "flipped: same length" "$n" "$(wc -c <flip.cbor | tr -d ' ')"
failed "flipped signature bit" flip.cbor "$(mt rim+cose "$REALM")" \
    "verifying the signed CoRIM"
# A CoRIM that decodes but that the CCA profile refuses: the platform's
# CoMIDs under the realm profile.
mkdir ex
"$CORIM" extract -f plat.cbor -o ex >/dev/null
printf '{"corim-id": "mixed", "profile": {"type": "uri", "value": "%s"}}' \
    "$REALM" >mixed.json
"$CORIM" create -t mixed.json -M ex -o mixed.cbor >/dev/null
failed "platform CoMIDs under the realm profile" mixed.cbor \
    "$(mt rim+cbor "$REALM")" "do not belong to a CCA realm CoRIM"
# A CoRIM whose validity has passed (the stores keep no validity).
printf '{"corim-id": "old", "profile": {"type": "uri", "value": "%s"},
 "validity": {"not-before": "2020-01-01T00:00:00Z",
 "not-after": "2021-01-01T00:00:00Z"}}' "$PLAT" >old.json
"$CORIM" create -t old.json -M ex -o old.cbor >/dev/null
failed "rim-validity has passed" old.cbor "$(mt rim+cbor "$PLAT")" \
    "the CoRIM is not valid now (rim-validity has passed)"
printf '{"corim-id": "future", "profile": {"type": "uri", "value": "%s"},
 "validity": {"not-before": "2099-01-01T00:00:00Z",
 "not-after": "2100-01-01T00:00:00Z"}}' "$PLAT" >future.json
"$CORIM" create -t future.json -M ex -o future.cbor >/dev/null
failed "rim-validity not begun" future.cbor "$(mt rim+cbor "$PLAT")" \
    "has not begun"
# Nothing of these was provisioned.
check "nothing provisioned: list 200" 200 \
    "$(http GET /provisioning/v1/reference-values \
    -H "Authorization: Bearer $TOKEN")"
has "nothing provisioned" '^{"platform":\[\],"realm":\[\]}$' "$W/b"

# Success: the demo realm's platform (unsigned) and realm (signed).
check "platform CoRIM: 200" 200 "$(post plat.cbor "$(mt rim+cbor "$PLAT")")"
check "  ... provisioning session type" "$SESS" "$(hdr Content-Type)"
has "  ... success" '^{"status":"success","expiry":"20[0-9-]*T[0-9:]*Z"}$' \
    "$W/b"
has "log: what was provisioned" "1 trust anchor(s), 1 reference value(s)" \
    "$W/server.log"
submit signed-realm.cbor -a bearer --token "$TOKEN"
check "corim submit -a bearer, signed realm CoRIM: exit 0" 0 $?
has "corim submit: submit ok" "submit ok" "$W/out"
http GET /provisioning/v1/reference-values \
    -H "Authorization: Bearer $TOKEN" >/dev/null
has "the entries carry the CoRIM matching rules" '"match":"corim"' "$W/b"
http GET /provisioning/v1/trust-anchors \
    -H "Authorization: Bearer $TOKEN" >/dev/null
has "the CPAK provisioned" '"implementation-id"' "$W/b"
attest
check "ccatoken attest: exit 0 (every submodule affirming)" 0 $?
has "  ... platform affirming" "CCA_SSD_PLATFORM: affirming" "$W/out"
has "  ... realm affirming" "CCA_REALM: affirming" "$W/out"
# Submitting the same again: success, nothing new.
: >"$W/server.log"
check "same CoRIM again: 200" 200 "$(post plat.cbor "$(mt rim+cbor "$PLAT")")"
has "  ... success" '"status":"success"' "$W/b"
# (Logged before the reply: "..., 0 new".)
has "  ... nothing new" "reference value(s), 0 new" "$W/server.log"
# Media types spelled otherwise (case, blanks) are the same types.
check "upper-case type, blanks: 200" 200 "$(post plat.cbor \
    "Application/RIM+CBOR ;  profile=\"$PLAT\"")"
has "  ... success" '"status":"success"' "$W/b"
submit untrusted-realm.cbor -a bearer --token "$TOKEN"
check "corim submit of a refused CoRIM: exit 3" 3 $?
has "  ... the reason" "submit CoRIM payload failed reason: submit endorsement returned error: verifying the signed CoRIM" \
    "$W/err"
submit plat.cbor
check "corim submit without the token: exit 3 (401)" 3 $?
has "  ... HTTP 401" "HTTP 401" "$W/err"
stop_server
# Persistent: after a restart the realm is still endorsed.
start_server --provisioning-token "$TOKEN"
attest
check "after a restart: ccatoken attest exit 0" 0 $?
# Without --corim-roots a signed CoRIM cannot be taken.
failed "signed CoRIM, no --corim-roots" signed-realm.cbor \
    "$(mt rim+cose "$REALM")" "no trust anchor for signed CoRIMs"
stop_server
# Without a provisioning token, bearer means disabled: 403.
rm -f "$W/v.db"*
start_server
has "log: CoRIM submission disabled" "CoRIM submission disabled" \
    "$W/server.log"
check "no token: 403" 403 "$(post plat.cbor "$(mt rim+cbor "$PLAT")")"
stop_server

# === 3. basic and none ===
rm -f "$W/v.db"*
start_server --provisioning-auth basic --provisioning-users users \
    --corim-roots ca.pem
check "basic: no credentials: 401" 401 "$(http POST "$SUBMIT" \
    -H "Content-Type: $(mt rim+cbor "$PLAT")" --data-binary @plat.cbor)"
has "401: WWW-Authenticate Basic" "WWW-Authenticate: Basic realm=veraison" \
    "$W/h"
check "basic: wrong password: 401" 401 "$(http POST "$SUBMIT" \
    -u alice:looking-glass -H "Content-Type: $(mt rim+cbor "$PLAT")" \
    --data-binary @plat.cbor)"
check "basic: the bearer token is not a password: 401" 401 \
    "$(post plat.cbor "$(mt rim+cbor "$PLAT")")"
submit plat.cbor -a basic -U alice -P wonderland
check "corim submit -a basic (alice): exit 0" 0 $?
COCLI_PASSWORD=builder submit signed-realm.cbor -a basic -U bob
check "corim submit -a basic (bob, COCLI_PASSWORD): exit 0" 0 $?
submit plat.cbor -a basic -U bob -P wonderland
check "corim submit -a basic, someone else's password: exit 3" 3 $?
attest
check "basic: ccatoken attest exit 0" 0 $?
stop_server

rm -f "$W/v.db"*
start_server --provisioning-auth none
has "log: CoRIM submission none" "CoRIM submission none" "$W/server.log"
submit plat.cbor
check "none: corim submit without credentials: exit 0" 0 $?
check "none: the JSON API still needs the token (disabled): 403" 403 \
    "$(http GET /provisioning/v1/trust-anchors)"

# === 4. realm-measurements -> corim sign -> corim submit -> attest ===
printf 'FIRMWARE' >fw
"$RM" --endorsements-output rm.cbor --num-wps 6 --num-bps 6 -f fw \
    kvmtool --realm --firmware fw -c 2 -m 256M 2>"$W/err"
check "realm-measurements --endorsements-output: exit 0" 0 $?
"$CORIM" sign -f rm.cbor -k signer.key -c signer.pem -m meta.json \
    -o signed-rm.cbor >"$W/out" 2>"$W/err"
check "corim sign: exit 0" 0 $?
"$CORIM" to-json -f rm.cbor -t rm-ta.json -r rm-rv.json >/dev/null
RIM=$(sed -n 's/.*"initial-measurement": *"\([0-9a-f]*\)".*/\1/p' rm-rv.json)
RIMB64=$(printf '%s' "$RIM" | sed 's/../\\x&/g' | xargs -0 printf '%b' |
    base64 -w0)
sed "s|\"cca-realm-initial-measurement\": \"[^\"]*\"|\"cca-realm-initial-measurement\": \"$RIMB64\"|" \
    "$SRC/demo/claims.json" >rm-claims.json
attest rm-claims.json
check "a realm of that RIM before its CoRIM: exit 3" 3 $?
has "  ... realm not affirming" "CCA_REALM: warning" "$W/out"
stop_server
rm -f "$W/v.db"*
start_server --provisioning-auth none --corim-roots ca.pem
submit plat.cbor
check "the platform CoRIM (from-token): exit 0" 0 $?
submit signed-rm.cbor
check "corim submit of realm-measurements' signed CoRIM: exit 0" 0 $?
attest rm-claims.json
check "ccatoken attest of a realm of that RIM: exit 0" 0 $?
has "  ... realm affirming" "CCA_REALM: affirming" "$W/out"
attest
check "the demo realm (another RIM): exit 3" 3 $?
stop_server

# === 5. upstream CoRIMs and tokens ===
# session_token TOKEN-FILE: a challenge-response session with the token's
# realm challenge as the nonce; the EAR's submodule statuses in $W/ev.
session_token() {
	n=$("$CCATOKEN" show "$1" |
	    sed -n 's/.*"cca-realm-challenge": *"\([^"]*\)".*/\1/p')
	enc=$(printf %s "$n" | sed 's/+/%2B/g; s/=/%3D/g; s|/|%2F|g')
	http POST "/challenge-response/v1/newSession?nonce=$enc" >/dev/null
	loc=$(hdr Location)
	http POST "/challenge-response/v1/$loc" --data-binary "@$1" \
	    -H 'Content-Type: application/eat-collection; profile="http://arm.com/CCA-SSD/1.0.0"' \
	    >/dev/null
	sed -n 's/.*"result":"\([^"]*\)".*/\1/p' "$W/b" >ear.jwt
	http GET /.well-known/veraison/verification >/dev/null
	sed 's/.*"ear-verification-key":\({[^}]*}\).*/\1/' "$W/b" >ear.jwk
	"$CCATOKEN" ear-verify -k ear.jwk ear.jwt >"$W/ev" 2>&1
}
if have_vectors corim; then
	S=$VECTORS/corim/veraison-services/scheme/arm-cca/test
	E=$VECTORS/corim/veraison-services/end-to-end/input
	D=$VECTORS/corim/derived
	C=$VECTORS/corim/veraison-services/deployments/docker/src/certs/corimCA.crt
	rm -f "$W/v.db"*
	start_server --provisioning-token "$TOKEN" --corim-roots "$C"
	check "Veraison's valid platform CoRIM: 200" 200 \
	    "$(post "$S/corim/corim-cca-platform-valid.cbor" \
	    "$(mt rim+cbor "$PLAT")")"
	has "  ... success" '"status":"success"' "$W/b"
	check "Veraison's valid realm CoRIM: 200" 200 \
	    "$(post "$S/corim/corim-cca-realm-valid.cbor" \
	    "$(mt rim+cbor "$REALM")")"
	has "  ... success" '"status":"success"' "$W/b"
	session_token "$S/evidence/cca-good.cbor"
	has "cca-good.cbor: the EAR verifies" "EAR verified" "$W/ev"
	has "cca-good.cbor: platform affirming" \
	    "submod CCA_SSD_PLATFORM: affirming" "$W/ev"
	has "cca-good.cbor: realm affirming" "submod CCA_REALM: affirming" \
	    "$W/ev"
	has "cca-good.cbor: realm executables approved (2)" \
	    "executables=2" "$W/ev"
	# Veraison's negative CoRIMs: each a failed session.
	for f in "$S"/corim/corim-cca-*-bad-*.cbor; do
		case $f in *platform*) p=$PLAT ;; *) p=$REALM ;; esac
		st=$(post "$f" "$(mt rim+cbor "$p")")
		grep -q '"status":"failed"' "$W/b"
		check "$(basename "$f"): failed" "200 0" "$st $?"
	done
	# The derived signed CoRIMs, chained to Veraison's docker corimCA.
	for k in platform realm; do
		eval p=\$$(echo "$k" | tr a-z A-Z | sed 's/PLATFORM/PLAT/')
		st=$(post "$D/signed-corim-cca-$k-valid.cbor" \
		    "$(mt rim+cose "$p")")
		check "derived signed $k CoRIM (rim+cose): 200" 200 "$st"
		has "  ... success" '"status":"success"' "$W/b"
	done
	stop_server
	# The legacy model (services v0.0.2408 .. v0.0.2604): the end-to-end
	# inputs as its scripts submit them.
	rm -f "$W/v.db"*
	start_server --provisioning-token "$TOKEN"
	check "legacy platform CoRIM (corim-unsigned+cbor): 200" 200 \
	    "$(post "$E/cca-endorsements.cbor" \
	    "$(mt corim-unsigned+cbor http://arm.com/cca/ssd/1)")"
	has "  ... success" '"status":"success"' "$W/b"
	check "legacy realm CoRIM (corim-unsigned+cbor): 200" 200 \
	    "$(post "$E/cca-realm-endorsements.cbor" \
	    "$(mt corim-unsigned+cbor http://arm.com/cca/realm/1)")"
	has "  ... success" '"status":"success"' "$W/b"
	check "legacy platform CoRIM as the current profile: failed" 200 \
	    "$(post "$E/cca-endorsements.cbor" "$(mt rim+cbor "$PLAT")")"
	has "  ... failed" '"status":"failed"' "$W/b"
	# (Their validity ended on 2025-12-31: the legacy model never
	# looked at it.)
	session_token "$E/cca-evidence.cbor"
	has "cca-evidence.cbor: platform affirming" \
	    "submod CCA_SSD_PLATFORM: affirming" "$W/ev"
	has "cca-evidence.cbor: realm affirming" \
	    "submod CCA_REALM: affirming" "$W/ev"
	http GET /provisioning/v1/reference-values \
	    -H "Authorization: Bearer $TOKEN" >/dev/null
	has "legacy entries: Veraison's legacy matching rules" \
	    '"match":"corim-legacy"' "$W/b"
	stop_server
fi

# === 6. corim submit: OAuth2 and 201 polling (mock-veraison) ===
MOCK=${CCAKIT_TESTBIN:-/nonexistent}/mock-veraison
if [ -x "$MOCK" ]; then
	"$CCATOKEN" golden -e kg.cbor -c "$SRC/demo/cpak.jwk.json" \
	    -t ta.json -r rv.json >/dev/null
	for fault in none prov-fail; do
		rm -f mport
		"$MOCK" -t ta.json -p mport -f "$fault" &
		MPID=$!
		i=0
		while [ ! -s mport ] && [ $i -lt 100 ]; do
			i=$((i + 1))
			sleep 0.05
		done
		MURL=http://127.0.0.1:$(cat mport)
		"$CORIM" submit -f plat.cbor -s "$MURL$SUBMIT" -a oauth2 \
		    -U alice -P s3cret -C cocli -T "$MURL/token" \
		    >"$W/out" 2>"$W/err"
		st=$?
		if [ "$fault" = none ]; then
			check "oauth2, 201 then polled to success: exit 0" 0 $st
		else
			check "oauth2, polled to failed: exit 3" 3 $st
			has "  ... the reason" "failed reason: submit endorsement returned error: injected" \
			    "$W/err"
		fi
		"$CORIM" submit -f plat.cbor -s "$MURL$SUBMIT" -a oauth2 \
		    -U alice -P wrong -C cocli -T "$MURL/token" \
		    >"$W/out" 2>"$W/err"
		check "oauth2, wrong password ($fault): exit 3" 3 $?
		kill "$MPID" 2>/dev/null
		wait "$MPID" 2>/dev/null
		MPID=
	done
else
	echo "skipped: mock-veraison not built (CCAKIT_TESTBIN)"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
