#!/bin/sh
# Loopback tests of cca-verifier as a separate process: every endpoint and
# error path of the challenge-response and provisioning APIs, restarts,
# and the Veraison API client flow of `ccatoken attest`. The server runs
# on a free port (-p 0 --port-file) and is always killed on exit.
#
# Environment: CCAKIT_BIN (build/bin), CCAKIT_SRC (the source tree).
set -u
BIN=${CCAKIT_BIN:?}
SRC=${CCAKIT_SRC:?}
SERVER=$BIN/cca-verifier
CCATOKEN=$BIN/ccatoken
MT='application/eat-collection; profile="http://arm.com/CCA-SSD/1.0.0"'
SMT='application/vnd.veraison.challenge-response-session+json'
TOKEN=test-provisioning-token-0123456789
NEW=/challenge-response/v1/newSession

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
ok() { pass=$((pass + 1)); echo "ok $pass - $1"; }
nok() {
	fail=$((fail + 1))
	echo "not ok - $1"
	[ -f "$W/b" ] && head -c 300 "$W/b" | sed 's/^/#   body: /' && echo
	[ -f "$W/server.log" ] && sed 's/^/#   /' "$W/server.log" | tail -10
}
check() { # check DESC EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then ok "$1"; else nok "$1 (want $2, got $3)"; fi
}
has() { # has DESC PATTERN FILE: grep -q
	if grep -q -- "$2" "$3"; then ok "$1"; else nok "$1 (no '$2')"; fi
}

start_server() {
	rm -f "$W/port"
	"$SERVER" -p 0 --port-file "$W/port" --db "$W/v.db" "$@" \
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
prov() { # prov METHOD PATH [curl args...]
	m=$1 p=$2
	shift 2
	http "$m" "$p" -H "Authorization: Bearer $TOKEN" "$@"
}
hdr() { sed -n "s/^$1: *//Ip" "$W/h" | tr -d '\r'; }
member() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$W/b"; }
# new_session [QUERY] -> sets SID and NONCE_HEX (64 bytes, zero-padded)
new_session() {
	st=$(http POST "$NEW${1:+?$1}")
	SID=$(hdr Location | sed 's|^session/||')
	n=$(member nonce)
	NONCE_HEX=$(printf '%s' "$n" | base64 -d | od -An -tx1 -v |
	    tr -d ' \n')
	while [ ${#NONCE_HEX} -lt 128 ]; do NONCE_HEX=${NONCE_HEX}00; done
	return 0
}
token() { # token CHALLENGE-HEX OUT [CPAK]
	"$CCATOKEN" create --claims "$SRC/demo/claims.json" \
	    --platform-key "${3:-$SRC/demo/cpak.pem}" \
	    --realm-key "$SRC/demo/rak.pem" --challenge "$1" -o "$2"
}
evidence() { # evidence SID FILE [CONTENT-TYPE [curl args...]] -> status
	e_sid=$1 e_file=$2 e_ct=${3-$MT}
	shift 2
	[ $# -gt 0 ] && shift
	http POST "/challenge-response/v1/session/$e_sid" \
	    -H "Content-Type: $e_ct" --data-binary "@$e_file" "$@"
}
# The status of a submod in the EAR of the last session reply.
ear_verify() { # ear_verify [ear-verify args] -> output in $W/ev
	member result >"$W/ear.jwt"
	"$CCATOKEN" ear-verify -k "$W/ear.jwk" "$@" "$W/ear.jwt" >"$W/ev" 2>&1
}
discovery_jwk() {
	http GET /.well-known/veraison/verification >/dev/null
	sed 's/.*"ear-verification-key":\({[^}]*}\).*/\1/' "$W/b" >"$W/ear.jwk"
}
EMU="--attester emulated --claims $SRC/demo/claims.json
    --platform-key $SRC/demo/cpak.pem --realm-key $SRC/demo/rak.pem"

# --- fixtures: trust anchor and reference values of the demo realm ---
token "$(printf '%0128d' 0)" "$W/known-good.cbor" || exit 1
"$CCATOKEN" golden -e "$W/known-good.cbor" -c "$SRC/demo/cpak.jwk.json" \
    -t "$W/ta.json" -r "$W/rv.json" >/dev/null || exit 1
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
    -out "$W/other-cpak.pem" 2>/dev/null
# The realm entry of rv.json alone, and the platform one alone.
sed -n '/"realm"/,$p' "$W/rv.json" | sed '1s/.*"realm": *\[/[/' |
    tr -d '\n' | sed 's/^\[ *//; s/ *\] *} *$//' >"$W/realm-entry.json"

# === 1. discovery, sessions, evidence (no provisioning API) ===
start_server --trust-anchors "$W/ta.json"
st=$(http GET /.well-known/veraison/verification)
check "discovery: 200" 200 "$st"
check "discovery: content type" \
    "application/vnd.veraison.discovery+json" "$(hdr Content-Type)"
has "discovery: READY" '"service-state":"READY"' "$W/b"
has "discovery: ES256 key" '"ear-verification-key":{"alg":"ES256","crv":"P-256","kty":"EC"' "$W/b"
has "discovery: CCA media type" 'eat-collection; profile=\\"http://arm.com/CCA-SSD/1.0.0\\"' "$W/b"
has "discovery: endpoint" "\"newChallengeResponseSession\":\"$NEW\"" "$W/b"
# Members in the order of Veraison's Go struct (capability.WellKnownInfo).
has "discovery: members in Veraison's order" \
    '^{"ear-verification-key":{[^}]*},"media-types":\[[^]]*\],"version":"[^"]*","service-state":"READY","api-endpoints":{"newChallengeResponseSession":"[^"]*"}}$' \
    "$W/b"
# Content negotiation as Veraison's (gin's NegotiateFormat): a wildcard
# or a prefix of the one type offered passes, parameters are ignored.
for a in 'text/html' 'application/json' 'application/problem+json' \
    'text/*'; do
	check "discovery: Accept $a: 406" 406 \
	    "$(http GET /.well-known/veraison/verification -H "Accept: $a")"
done
has "406 is problem+json" '"status":406' "$W/b"
for a in '*/*' 'application/*' \
    'application/vnd.veraison.discovery+json; q=0.5' \
    'text/html, application/vnd.veraison.discovery+json'; do
	check "discovery: Accept $a: 200" 200 \
	    "$(http GET /.well-known/veraison/verification -H "Accept: $a")"
done
discovery_jwk

# newSession: the nonce encodings Veraison used, sizes, errors.
n32=$(head -c 32 /dev/urandom | base64 -w0)
check "newSession nonceSize=48: 201" 201 "$(http POST "$NEW?nonceSize=48")"
check "newSession: relative Location" 0 \
    "$(hdr Location | grep -cvE '^session/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$')"
check "newSession: session media type" "$SMT" "$(hdr Content-Type)"
has "newSession: waiting" '^{"status":"waiting","nonce":"' "$W/b"
check "newSession: 48-byte nonce" 48 \
    "$(member nonce | base64 -d | wc -c | tr -d ' ')"
has "newSession: expiry RFC 3339" '"expiry":"20[0-9-]*T[0-9:.]*Z"' "$W/b"
http POST "$NEW" >/dev/null
check "newSession without a nonce: 32 bytes" 32 \
    "$(member nonce | base64 -d | wc -c | tr -d ' ')"
std=$n32
stdnopad=$(printf %s "$n32" | tr -d '=')
url=$(printf %s "$n32" | tr '+/' '-_')
urlnopad=$(printf %s "$url" | tr -d '=')
for e in std stdnopad url urlnopad; do
	eval v=\$$e
	enc=$(printf %s "$v" | sed 's/+/%2B/g; s/=/%3D/g; s|/|%2F|g')
	st=$(http POST "$NEW?nonce=$enc")
	check "newSession nonce ($e): 201 and echoed" "201 $std" \
	    "$st $(member nonce)"
done
check "nonce with a raw '+' (query space): 201" 201 \
    "$(http POST "$NEW?nonce=$(printf %s "$url" | tr -- '-_' '+/' |
    tr -d '=')")"
check "nonce and nonceSize: 400" 400 \
    "$(http POST "$NEW?nonce=$urlnopad&nonceSize=32")"
has "400 is problem+json" '"status":400' "$W/b"
check "problem content type" "application/problem+json" \
    "$(hdr Content-Type)"
check "nonce of 7 bytes: 400" 400 "$(http POST "$NEW?nonce=AAAAAAAAAA")"
check "nonce of 65 bytes: 400" 400 "$(http POST \
    "$NEW?nonce=$(head -c 65 /dev/zero | base64 -w0 | tr -d '=')")"
check "nonce not base64: 400" 400 "$(http POST "$NEW?nonce=*****")"
check "nonceSize=7: 400" 400 "$(http POST "$NEW?nonceSize=7")"
check "nonceSize=65: 400" 400 "$(http POST "$NEW?nonceSize=65")"
check "nonceSize=x: 400" 400 "$(http POST "$NEW?nonceSize=x")"
check "newSession Accept text/plain: 406" 406 \
    "$(http POST "$NEW" -H 'Accept: text/plain')"
check "newSession Accept application/json: 406" 406 \
    "$(http POST "$NEW" -H 'Accept: application/json')"
check "newSession Accept application/*;q=0.1: 201" 201 \
    "$(http POST "$NEW" -H 'Accept: application/*;q=0.1')"
check "GET on newSession: 405" 405 "$(http GET "$NEW")"
check "unknown route: 404" 404 "$(http GET /challenge-response/v2/x)"

# Evidence: malformed requests first, none of them uses the session.
new_session "nonceSize=32"
token "$NONCE_HEX" "$W/t.cbor"
check "wrong media type: 415" 415 \
    "$(evidence "$SID" "$W/t.cbor" application/json)"
hdr Accept | grep -q 'eat-collection'
check "415 lists the accepted types" 0 $?
check "unquoted profile: 400" 400 "$(evidence "$SID" "$W/t.cbor" \
    'application/eat-collection; profile=http://arm.com/CCA-SSD/1.0.0')"
check "other profile: 415" 415 "$(evidence "$SID" "$W/t.cbor" \
    'application/eat-collection; profile="tag:arm.com,2023:cca#1"')"
check "no Content-Type: 400" 400 "$(evidence "$SID" "$W/t.cbor" '')"
: >"$W/empty"
check "empty evidence: 400" 400 "$(evidence "$SID" "$W/empty")"
head -c 200000 /dev/zero >"$W/big"
check "oversized evidence: 413" 413 "$(evidence "$SID" "$W/big")"
check "evidence, Accept application/json: 406" 406 \
    "$(evidence "$SID" "$W/t.cbor" "$MT" -H 'Accept: application/json')"
check "session still waiting" 200 \
    "$(http GET "/challenge-response/v1/session/$SID")"
has "GET: status waiting" '"status":"waiting"' "$W/b"
check "GET session, Accept text/html: 406" 406 \
    "$(http GET "/challenge-response/v1/session/$SID" -H 'Accept: text/html')"
check "GET session, Accept */*: 200" 200 \
    "$(http GET "/challenge-response/v1/session/$SID" -H 'Accept: */*')"
# A UUID in another of the forms Go's uuid.Parse reads names the same
# session (upper case, urn:uuid:, braces, no dashes).
UP=$(printf %s "$SID" | tr a-f A-F)
check "GET session by upper-case id: 200" 200 \
    "$(http GET "/challenge-response/v1/session/$UP")"
check "GET session by urn:uuid: id: 200" 200 \
    "$(http GET "/challenge-response/v1/session/urn:uuid:$SID")"
check "GET session by {id}: 200" 200 \
    "$(http GET "/challenge-response/v1/session/%7B$SID%7D")"
check "GET session by 32 hex digits: 200" 200 \
    "$(http GET "/challenge-response/v1/session/$(printf %s "$SID" |
    tr -d -)")"
# Case-insensitive type and parameter names; the type is recorded as
# sent, as Veraison records it.
check "evidence: 200" 200 "$(evidence "$SID" "$W/t.cbor" \
    'Application/EAT-Collection; Profile="http://arm.com/CCA-SSD/1.0.0"' \
    -H "Accept: $SMT")"
check "evidence: session media type" "$SMT" "$(hdr Content-Type)"
has "evidence: complete" '^{"status":"complete"' "$W/b"
has "evidence: evidence echoed (std base64)" \
    "\"evidence\":{\"type\":\"Application/EAT-Collection; Profile=\\\\\"http://arm.com/CCA-SSD/1.0.0\\\\\"\",\"value\":\"$(base64 -w0 "$W/t.cbor")\"}" \
    "$W/b"
ear_verify --nonce "$(printf %s "$NONCE_HEX" | cut -c1-64)"
check "EAR verifies with the discovery key and nonce" 0 $?
has "EAR: platform affirming" "submod CCA_SSD_PLATFORM: affirming" "$W/ev"
has "EAR: realm warning (no realm RVs)" "submod CCA_REALM: warning" \
    "$W/ev"
ear_verify --nonce "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
check "EAR with another nonce: refused" 3 $?
check "second evidence on the session: 409" 409 \
    "$(evidence "$SID" "$W/t.cbor")"
check "GET complete session: 200" 200 \
    "$(http GET "/challenge-response/v1/session/$SID")"
has "GET: result kept" '"result":"eyJ' "$W/b"
check "DELETE session: 204" 204 \
    "$(http DELETE "/challenge-response/v1/session/$SID")"
check "GET deleted session: 404" 404 \
    "$(http GET "/challenge-response/v1/session/$SID")"
# Veraison deletes from a cache: deleting what is not there is a success.
check "DELETE again: 204" 204 \
    "$(http DELETE "/challenge-response/v1/session/$SID")"
check "DELETE unknown session: 204" 204 \
    "$(http DELETE /challenge-response/v1/session/00000000-0000-4000-8000-000000000000)"
check "evidence to a deleted session: 404" 404 \
    "$(evidence "$SID" "$W/t.cbor")"
check "unknown session (uuid): 404" 404 "$(evidence \
    00000000-0000-4000-8000-000000000000 "$W/t.cbor")"
# An id that is not a UUID: 400, as Veraison (uuid.Parse fails).
check "GET junk session id: 400" 400 \
    "$(http GET "/challenge-response/v1/session/..%2E")"
has "junk id: problem+json" '"status":400' "$W/b"
check "DELETE junk session id: 400" 400 \
    "$(http DELETE /challenge-response/v1/session/not-a-uuid)"
check "evidence to a junk session id: 400" 400 \
    "$(evidence 00000000-0000-4000-8000-00000000000g "$W/t.cbor")"
check "GET id with a wrong dash: 400" 400 \
    "$(http GET /challenge-response/v1/session/00000000-0000-4000-80000-00000000000)"

# Bad evidence is not an HTTP error: a contraindicated EAR.
bad_ear() { # bad_ear DESC FILE
	new_session
	st=$(evidence "$SID" "$2")
	ear_verify
	r=$?
	grep -q "submod ARM_CCA: contraindicated" "$W/ev"
	check "$1: 200, contraindicated ARM_CCA" "200 0 0" "$st $r $?"
}
printf 'garbage' >"$W/junk"
bad_ear "junk evidence" "$W/junk"
head -c 1000 "$W/t.cbor" >"$W/trunc.cbor"
bad_ear "truncated token" "$W/trunc.cbor"
bad_ear "token for another nonce (freshness)" "$W/t.cbor"
new_session
token "$NONCE_HEX" "$W/t2.cbor" "$W/other-cpak.pem"
bad_ear "platform key not the trust anchor" "$W/t2.cbor"
grep -q 'problem' "$W/ev" || "$CCATOKEN" ear-verify -k "$W/ear.jwk" --json \
    "$W/ear.jwt" | grep -q '"problem"'
check "contraindicated EAR has a policy-claims problem" 0 $?

# A nonce shorter than 64 bytes is zero-padded by the realm.
new_session "nonceSize=8"
token "$NONCE_HEX" "$W/t8.cbor"
evidence "$SID" "$W/t8.cbor" >/dev/null
ear_verify
check "8-byte nonce, zero-padded challenge: verified" 0 $?
grep -q "CCA_SSD_PLATFORM: affirming" "$W/ev"
check "8-byte nonce: platform affirming" 0 $?

# CMW records (JSON and CBOR) around the token.
cmw_json() { # cmw_json TOKEN [IND] -> ["type", "base64url"(, ind)]
	printf '["%s","%s"%s]' "$(printf %s "$MT" | sed 's/"/\\"/g')" \
	    "$(basenc --base64url -w0 "$1" | tr -d '=')" "${2:+,$2}"
}
new_session
token "$NONCE_HEX" "$W/t.cbor"
cmw_json "$W/t.cbor" >"$W/cmw.json"
check "CMW JSON record: 200" 200 \
    "$(evidence "$SID" "$W/cmw.json" application/cmw+json)"
has "CMW JSON: complete" '"status":"complete"' "$W/b"
new_session
token "$NONCE_HEX" "$W/t.cbor"
perl -e 'my ($t, $f) = @ARGV; open(F, "<", $f) or die; binmode F;
    local $/; my $v = <F>; binmode STDOUT;
    print pack("C", 0x82), pack("CC", 0x78, length($t)), $t,
    pack("Cn", 0x59, length($v)), $v' "$MT" "$W/t.cbor" >"$W/cmw.cbor"
check "CMW CBOR record: 200" 200 \
    "$(evidence "$SID" "$W/cmw.cbor" application/cmw+cbor)"
ear_verify
check "CMW CBOR: EAR verified" 0 $?
new_session
printf '["application/json","AAAA"]' >"$W/cmw-other.json"
check "CMW of another type: 415" 415 \
    "$(evidence "$SID" "$W/cmw-other.json" application/cmw+json)"
printf '["%s"' "$(printf %s "$MT" | sed 's/"/\\"/g')" >"$W/cmw-bad.json"
check "malformed CMW: 400" 400 \
    "$(evidence "$SID" "$W/cmw-bad.json" application/cmw+json)"
printf '{"a":["%s","AAAA"]}' "$(printf %s "$MT" | sed 's/"/\\"/g')" \
    >"$W/cmw-coll.json"
check "CMW collection: 415" 415 "$(evidence "$SID" "$W/cmw-coll.json" \
    application/vnd.veraison.cmw+json)"
# A CBOR-tag CMW: a CoAP Content-Format (263) around bytes.
printf '\332\143\164\002\011\103\001\002\003' >"$W/cmw-tag.cbor"
check "CMW CBOR tag: 415" 415 \
    "$(evidence "$SID" "$W/cmw-tag.cbor" application/vnd.veraison.cmw)"
check "a bare token as a CMW: 400" 400 \
    "$(evidence "$SID" "$W/t.cbor" application/vnd.veraison.cmw+cbor)"
check "CMW type with a parameter: 415" 415 "$(evidence "$SID" \
    "$W/cmw.cbor" 'application/vnd.veraison.cmw+cbor; x=y')"

# The forms Veraison's Go apiclient sends (cmw.CBORArray, cmw.JSONArray,
# indicator 4 = evidence) under its media types; Veraison records the
# inner media type and the unwrapped token in the session.
cmw_cbor_ind() { # cmw_cbor_ind TYPE TOKEN -> [type, bstr, 4]
	perl -e 'my ($t, $f) = @ARGV; open(F, "<", $f) or die; binmode F;
	    local $/; my $v = <F>; binmode STDOUT;
	    print pack("C", 0x83), pack("CC", 0x78, length($t)), $t,
	    pack("Cn", 0x59, length($v)), $v, pack("C", 4)' "$1" "$2"
}
tokval="\"evidence\":{\"type\":\"application/eat-collection; profile=\\\\\"http://arm.com/CCA-SSD/1.0.0\\\\\"\",\"value\":\""
for mt in application/vnd.veraison.cmw+cbor application/vnd.veraison.cmw \
    application/cmw; do
	new_session
	token "$NONCE_HEX" "$W/t.cbor"
	cmw_cbor_ind "$MT" "$W/t.cbor" >"$W/cmw4.cbor"
	check "Go apiclient CBOR record as $mt: 200" 200 \
	    "$(evidence "$SID" "$W/cmw4.cbor" "$mt" -H "Accept: $SMT")"
	has "$mt: inner type and unwrapped token recorded" \
	    "$tokval$(base64 -w0 "$W/t.cbor")\"}" "$W/b"
	ear_verify
	check "$mt: EAR verified" 0 $?
done
new_session
token "$NONCE_HEX" "$W/t.cbor"
cmw_json "$W/t.cbor" 4 >"$W/cmw4.json"
check "Go apiclient JSON record (vnd.veraison.cmw+json): 200" 200 \
    "$(evidence "$SID" "$W/cmw4.json" application/vnd.veraison.cmw+json)"
has "JSON record: inner type and unwrapped token recorded" \
    "$tokval$(base64 -w0 "$W/t.cbor")\"}" "$W/b"
check "GET shows the same evidence" 200 \
    "$(http GET "/challenge-response/v1/session/$SID")"
has "GET: inner type and unwrapped token" \
    "$tokval$(base64 -w0 "$W/t.cbor")\"}" "$W/b"

# Two submissions at once: exactly one wins.
new_session
token "$NONCE_HEX" "$W/t.cbor"
for i in 1 2 3 4; do
	curl -s -o /dev/null -w '%{http_code}\n' -X POST -H "Content-Type: $MT" \
	    --data-binary "@$W/t.cbor" \
	    "$URL/challenge-response/v1/session/$SID" >"$W/race$i" &
done
wait_race() { for i in 1 2 3 4; do while [ ! -s "$W/race$i" ]; do
	sleep 0.05; done; done; }
wait_race
check "concurrent evidence: one 200, three 409" "200 409 409 409" \
    "$(cat "$W"/race? | sort | tr '\n' ' ' | sed 's/ $//')"

# Provisioning is disabled without a token.
check "provisioning disabled: 403" 403 \
    "$(prov GET /provisioning/v1/trust-anchors)"
# Sessions survive a restart, and so does the EAR key.
new_session
SID_KEPT=$SID
NONCE_KEPT=$NONCE_HEX
cp "$W/ear.jwk" "$W/ear-before.jwk"
stop_server

# === 2. expiry ===
start_server --session-ttl 1
new_session
token "$NONCE_HEX" "$W/t.cbor"
sleep 1.3
check "expired session: 404" 404 "$(evidence "$SID" "$W/t.cbor")"
has "expired session: says so" 'expired' "$W/b"
check "GET expired session: 404" 404 \
    "$(http GET "/challenge-response/v1/session/$SID")"
stop_server

# === 3. restart; provisioning ===
printf '%s\n' "$TOKEN" >"$W/token"
chmod 600 "$W/token"
start_server --provisioning-token-file "$W/token"
discovery_jwk
check "EAR key kept across restarts" "$(cat "$W/ear-before.jwk")" \
    "$(cat "$W/ear.jwk")"
token "$NONCE_KEPT" "$W/t.cbor"
check "session survives a restart: 200" 200 \
    "$(evidence "$SID_KEPT" "$W/t.cbor")"
has "restarted session: complete" '"status":"complete"' "$W/b"

check "no token: 401" 401 \
    "$(http GET /provisioning/v1/trust-anchors)"
check "401 asks for a bearer token" 0 \
    "$(hdr WWW-Authenticate | grep -c -v '^Bearer')"
check "wrong token: 401" 401 "$(http GET /provisioning/v1/trust-anchors \
    -H 'Authorization: Bearer wrong')"
check "token as Basic: 401" 401 "$(http GET /provisioning/v1/trust-anchors \
    -H "Authorization: Basic $TOKEN")"
check "token prefix: 401" 401 "$(http GET /provisioning/v1/trust-anchors \
    -H "Authorization: Bearer ${TOKEN%?}")"
check "wrong token on POST: 401" 401 "$(http POST \
    /provisioning/v1/trust-anchors -H 'Authorization: Bearer x' \
    --data-binary "@$W/ta.json")"
check "trust anchors still provisioned from the first run" 200 \
    "$(prov GET /provisioning/v1/trust-anchors)"
has "TA listed with an id" '"id":"[0-9a-f]\{32\}"' "$W/b"
TAID=$(member id)
check "remove the trust anchor: 204" 204 \
    "$(prov DELETE "/provisioning/v1/trust-anchors/$TAID")"
check "remove it again: 404" 404 \
    "$(prov DELETE "/provisioning/v1/trust-anchors/$TAID")"
prov GET /provisioning/v1/trust-anchors >/dev/null
check "TA list empty" "[]" "$(cat "$W/b")"
"$CCATOKEN" attest --verifier "$URL" $EMU >"$W/att" 2>&1
check "attest without a trust anchor: 3" 3 $?
has "without TA: contraindicated" "ARM_CCA: contraindicated" "$W/att"

check "add TA store (array): 201" 201 "$(prov POST \
    /provisioning/v1/trust-anchors --data-binary "@$W/ta.json")"
has "add: one new" '"added":1' "$W/b"
check "the same id as before" "$TAID" \
    "$(sed -n 's/.*"ids":\["\([0-9a-f]*\)".*/\1/p' "$W/b")"
check "add it again: 200, nothing new" "200" "$(prov POST \
    /provisioning/v1/trust-anchors --data-binary "@$W/ta.json")"
has "again: added 0" '"added":0' "$W/b"
"$CCATOKEN" attest --verifier "$URL" $EMU >"$W/att" 2>&1
check "TA visible at once: realm warning, exit 3" 3 $?
has "platform affirming after provisioning" \
    "CCA_SSD_PLATFORM: affirming" "$W/att"
check "GET one TA: 200" 200 \
    "$(prov GET "/provisioning/v1/trust-anchors/$TAID")"
has "GET one TA: pkey" '"pkey":{' "$W/b"
prov GET /provisioning/v1/trust-anchors >/dev/null
cp "$W/b" "$W/ta-listed.json"
"$CCATOKEN" verify -e "$W/known-good.cbor" -t "$W/ta-listed.json" \
    >/dev/null 2>&1
check "the listing is a ta.json ccatoken reads" 0 $?

check "add RV store: 201" 201 "$(prov POST \
    /provisioning/v1/reference-values --data-binary "@$W/rv.json")"
has "RV store: two new" '"added":2' "$W/b"
"$CCATOKEN" attest --verifier "$URL" $EMU >"$W/att" 2>&1
check "RVs visible at once: all affirming, exit 0" 0 $?
has "realm affirming" "CCA_REALM: affirming" "$W/att"
prov GET /provisioning/v1/reference-values >/dev/null
RID=$(sed -n 's/.*"realm":\[{"id":"\([0-9a-f]*\)".*/\1/p' "$W/b")
check "remove the realm RV: 204" 204 \
    "$(prov DELETE "/provisioning/v1/reference-values/$RID")"
"$CCATOKEN" attest --verifier "$URL" $EMU >"$W/att" 2>&1
check "removal visible at once: realm warning" 3 $?
check "add one realm entry: 201" 201 "$(prov POST \
    /provisioning/v1/reference-values --data-binary "@$W/realm-entry.json")"
check "the entry gets the store entry's id" "$RID" \
    "$(sed -n 's/.*"ids":\["\([0-9a-f]*\)".*/\1/p' "$W/b")"
"$CCATOKEN" attest --verifier "$URL" $EMU --json >"$W/att.json" 2>&1
check "entry visible at once: exit 0" 0 $?
has "attest --json: eat_nonce" '"eat_nonce": "' "$W/att.json"
printf '{"platform":[{"implementation-id":"00"}]}' >"$W/rv-bad.json"
check "malformed RV: 400" 400 "$(prov POST \
    /provisioning/v1/reference-values --data-binary "@$W/rv-bad.json")"
printf '[{"instance-id":"01","implementation-id":"00","pkey":{}}]' \
    >"$W/ta-bad.json"
check "malformed TA: 400" 400 "$(prov POST \
    /provisioning/v1/trust-anchors --data-binary "@$W/ta-bad.json")"
printf '{"platform":' >"$W/trunc.json"
check "truncated JSON: 400" 400 "$(prov POST \
    /provisioning/v1/reference-values --data-binary "@$W/trunc.json")"
head -c 5000000 /dev/zero | tr '\0' ' ' >"$W/huge.json"
check "oversized provisioning body: 413" 413 "$(prov POST \
    /provisioning/v1/reference-values --data-binary "@$W/huge.json")"
check "unknown RV id: 404" 404 \
    "$(prov GET /provisioning/v1/reference-values/0123456789abcdef0123456789abcdef)"
stop_server

# Provisioned values survive a restart.
start_server --provisioning-token "$TOKEN"
"$CCATOKEN" attest --verifier "$URL" $EMU >"$W/att" 2>&1
check "restart keeps TAs and RVs: exit 0" 0 $?
check "clear all RVs: 200" 200 \
    "$(prov DELETE /provisioning/v1/reference-values)"
has "cleared: two" '"removed":2' "$W/b"
"$CCATOKEN" attest --verifier "$URL" $EMU >/dev/null 2>&1
check "after clearing RVs: realm warning" 3 $?
stop_server

# === 4. a given EAR key, TLS ===
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$W/ear.pem" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$W/tls.key" -out "$W/tls.crt" -days 1 -subj /CN=localhost \
    -addext subjectAltName=IP:127.0.0.1 2>/dev/null
start_server --ear-key "$W/ear.pem" --tls-cert "$W/tls.crt" \
    --tls-key "$W/tls.key"
URL=https://127.0.0.1:$(cat "$W/port")
"$CCATOKEN" attest --verifier "$URL" --cacert "$W/tls.crt" $EMU \
    -o "$W/tls.jwt" >/dev/null 2>&1
check "TLS and --ear-key: EAR verified" 3 $?
"$CCATOKEN" ear-verify -k "$W/ear.pem" "$W/tls.jwt" >/dev/null 2>&1
check "the EAR is signed by --ear-key" 0 $?
"$CCATOKEN" ear-verify -k "$W/ear-before.jwk" "$W/tls.jwt" >/dev/null 2>&1
check "and not by the key kept in the database" 3 $?
"$CCATOKEN" attest --verifier "$URL" $EMU >/dev/null 2>&1
check "TLS with an untrusted certificate: 2" 2 $?
stop_server
"$CCATOKEN" attest --verifier "$URL" $EMU >/dev/null 2>&1
check "attest, verifier down: 2" 2 $?
"$CCATOKEN" attest $EMU >/dev/null 2>&1
check "attest without --verifier: 1" 1 $?

# === 5. the platform-token cache (docs/crypto.md) ===
# One platform token (made once) in sessions of one nonce: verified the
# first time, then taken from the cache; removing and provisioning the
# trust anchor again empties it; --no-platform-cache verifies each time.
PCN=$(printf '07%.0s' $(seq 64))
PCQ=$(printf '%s' "$PCN" | perl -ne 'print pack("H*", $_)' | base64 -w0 |
    tr -d '=')
pc_session() { # pc_session FILE -> evidence status; EAR checked in $W/ev
	http POST "$NEW?nonce=$PCQ" >/dev/null
	SID=$(hdr Location | sed 's|^session/||')
	pst=$(evidence "$SID" "$1")
	ear_verify --nonce "$PCN"
	echo "$pst"
}
token "$PCN" "$W/pc.cbor"
start_server --db "$W/pc.db" --trust-anchors "$W/ta.json" \
    --provisioning-token-file "$W/token" --stats-file "$W/stats.json"
discovery_jwk
for i in 1 2 3; do
	check "cache: same platform token, session $i: 200" 200 \
	    "$(pc_session "$W/pc.cbor")"
	has "cache: session $i: platform affirming" \
	    "submod CCA_SSD_PLATFORM: affirming" "$W/ev"
done
prov GET /provisioning/v1/trust-anchors >/dev/null
check "cache: trust anchor removed: 204" 204 \
    "$(prov DELETE "/provisioning/v1/trust-anchors/$(member id)")"
check "cache: without the trust anchor: 200" 200 "$(pc_session "$W/pc.cbor")"
has "cache: not served without the anchor" "ARM_CCA: contraindicated" \
    "$W/ev"
check "cache: trust anchor provisioned again: 201" 201 "$(prov POST \
    /provisioning/v1/trust-anchors --data-binary "@$W/ta.json")"
check "cache: with it again: 200" 200 "$(pc_session "$W/pc.cbor")"
has "cache: platform affirming again" "submod CCA_SSD_PLATFORM: affirming" \
    "$W/ev"
stop_server
has "--stats-file: two hits, the anchor's change emptied the cache" \
    '{"platform_cache":{"enabled":true,"capacity":64,"entries":1,"hits":2,"misses":2,"inserts":2,"evictions":0,"flushes":1}}' \
    "$W/stats.json"
start_server --db "$W/pc.db" --no-platform-cache --stats-file "$W/stats.json"
discovery_jwk
check "--no-platform-cache: 200" 200 "$(pc_session "$W/pc.cbor")"
check "--no-platform-cache: 200 again" 200 "$(pc_session "$W/pc.cbor")"
has "--no-platform-cache: platform affirming" \
    "submod CCA_SSD_PLATFORM: affirming" "$W/ev"
stop_server
has "--no-platform-cache: no cache in the stats" \
    '"enabled":false,"capacity":0,"entries":0,"hits":0,"misses":0' \
    "$W/stats.json"
"$SERVER" --platform-cache-size 0 2>"$W/err"
check "--platform-cache-size 0: exit 1" 1 $?
has "--platform-cache-size 0: says the range" "1..65536" "$W/err"
"$SERVER" --platform-cache-size x 2>"$W/err"
check "--platform-cache-size x: exit 1" 1 $?

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
