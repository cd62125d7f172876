#!/bin/sh
# Loopback tests of keybroker-server and keybroker-app as separate
# processes: every server is started on a free port (-p 0 --port-file)
# and always killed on exit.
#
# Environment: CCAKIT_BIN (build/bin), CCAKIT_SRC (the source tree). The
# demo's static token (section 10) comes from the upstream vectors, when
# they are present (CCAKIT_VECTORS, tests/vectors.sh).
set -u
BIN=${CCAKIT_BIN:?}
SRC=${CCAKIT_SRC:?}
. "$(dirname "$0")/../vectors.sh"
SERVER=$BIN/keybroker-server
APP=$BIN/keybroker-app
CCATOKEN=$BIN/ccatoken
MT='application/eat-collection; profile="http://arm.com/CCA-SSD/1.0.0"'

W=$(mktemp -d)
SPID=
VPID=
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	[ -n "$VPID" ] && kill "$VPID" 2>/dev/null && wait "$VPID" 2>/dev/null
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
	[ -f "$W/server.log" ] && sed 's/^/#   /' "$W/server.log" | tail -20
}
check() { # check DESC EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then ok "$1"; else nok "$1 (want $2, got $3)"; fi
}

# start_server ARGS...: start on a free port, wait for the port file.
start_server() {
	rm -f "$W/port"
	"$SERVER" -p 0 --port-file "$W/port" "$@" 2>"$W/server.log" &
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
	PORT=$(cat "$W/port")
	URL=http://127.0.0.1:$PORT
}
# Stop it and require a clean exit (a sanitizer report would fail it).
stop_server() {
	kill "$SPID" 2>/dev/null
	wait "$SPID"
	st=$?
	SPID=
	check "server exits cleanly on SIGTERM" 0 "$st"
}

# An RSA public JWK for hand-made key requests.
b64url() { basenc --base64url -w0 | tr -d '='; }
make_jwk() { # make_jwk BITS ALG -> $W/keyreq-BITS-ALG.json
	openssl genrsa -out "$W/rsa$1.pem" "$1" 2>/dev/null
	n=$(openssl rsa -in "$W/rsa$1.pem" -noout -modulus | cut -d= -f2 |
	    perl -ne 'chomp; print pack("H*", $_)' | b64url)
	printf '{"pubkey":{"kty":"RSA","alg":"%s","n":"%s","e":"AQAB"}}' \
	    "$2" "$n" >"$W/keyreq-$1-$2.json"
}
# key_request NAME BODYFILE -> status; headers in $W/h, body in $W/b
key_request() {
	curl -s -o "$W/b" -D "$W/h" -w '%{http_code}' -X POST \
	    -H 'Content-Type: application/json' --data-binary "@$2" \
	    "$URL/keys/v1/key/$1"
}
location() { sed -n 's/^[Ll]ocation: *//p' "$W/h" | tr -d '\r'; }
# evidence LOCATION BODYFILE [CONTENT-TYPE] -> status; body in $W/b
evidence() {
	curl -s -o "$W/b" -w '%{http_code}' -X POST \
	    -H "Content-Type: ${3:-$MT}" --data-binary "@$2" "$1"
}
# The challenge of the last key request, as hex.
challenge_hex() {
	c=$(sed 's/.*"challenge":"\([^"]*\)".*/\1/' "$W/b")
	while [ $(( ${#c} % 4 )) -ne 0 ]; do c="$c="; done
	printf '%s' "$c" | basenc --base64url -d | od -An -tx1 | tr -d ' \n'
}
emulated_token() { # emulated_token CHALLENGE-HEX OUT [CPAK]
	"$CCATOKEN" create --claims "$SRC/demo/claims.json" \
	    --platform-key "${3:-$SRC/demo/cpak.pem}" \
	    --realm-key "$SRC/demo/rak.pem" --challenge "$1" -o "$2"
}

# --- provisioning: trust anchor from a known-good token, approved RIM ---
zero=$(printf '%0128d' 0)
emulated_token "$zero" "$W/known-good.cbor" || exit 1
"$CCATOKEN" golden -e "$W/known-good.cbor" -c "$SRC/demo/cpak.jwk.json" \
    -t "$W/ta.json" -r "$W/rv.json" >/dev/null || exit 1
RIM=$(sed -n 's/.*"cca-realm-initial-measurement": *"\([^"]*\)".*/\1/p' \
    "$SRC/demo/claims.json")
printf '{"reference-values":["%s"]}' "$RIM" >"$W/rims.json"
# Two RIMs, neither the emulated realm's.
printf '{"reference-values":["%s","%s"]}' \
    "$(head -c 32 /dev/zero | base64)" \
    "$(head -c 32 /dev/zero | tr '\0' '\1' | base64)" >"$W/rims-bad.json"
make_jwk 2048 RSA1_5
make_jwk 1024 RSA1_5
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
    -out "$W/other-cpak.pem" 2>/dev/null
EMU="--attester emulated --claims $SRC/demo/claims.json
    --platform-key $SRC/demo/cpak.pem --realm-key $SRC/demo/rak.pem"

# --- 0. the upstream programs' option names (clap): -h, --verbosity ---
"$SERVER" -h >"$W/help" 2>&1; st=$?
grep -q '^Usage: keybroker-server' "$W/help"
check "server -h: usage, exit 0" "0 0" "$st $?"
"$APP" -h >"$W/help" 2>&1; st=$?
grep -q '^Usage: keybroker-app' "$W/help"
check "app -h: usage, exit 0" "0 0" "$st $?"

# --- 1. the whole scenario with the emulated realm ---
start_server --db "$W/kb.db" --trust-anchors "$W/ta.json" \
    --reference-values "$W/rims.json" --verbosity
grep -q 'listening on' "$W/server.log"
check "server --verbosity: info messages" 0 $?
out=$("$APP" -e "$URL" $EMU skywalker 2>"$W/app.err"); st=$?
check "emulated realm: exit status" 0 "$st"
check "emulated realm: secret printed" "May the force be with you." "$out"
"$APP" --verbosity --verbosity -e "$URL" $EMU skywalker >/dev/null \
    2>"$W/app.err"; st=$?
grep -q 'Attestation success' "$W/app.err"
check "app --verbosity: info messages" "0 0" "$st $?"
"$APP" -q -e "$URL" $EMU --alg RSA-OAEP -o "$W/secret" skywalker
check "RSA-OAEP (SHA-256) wrapping, -o file" \
    "May the force be with you." "$(cat "$W/secret")"
out=$("$APP" -q -e "$URL" $EMU --alg RSA-OAEP-256 --key-bits 3072 \
    skywalker); check "RSA-OAEP-256 with a 3072-bit key" \
    "May the force be with you." "$out"

# --- 2. bad signature: a CPAK that is not the trust anchor's ---
"$APP" -q -e "$URL" --attester emulated --claims "$SRC/demo/claims.json" \
    --platform-key "$W/other-cpak.pem" --realm-key "$SRC/demo/rak.pem" \
    skywalker; check "bad platform signature: refused" 1 $?

# --- 3. unknown key ---
"$APP" -q -e "$URL" $EMU vader; check "unknown key: app exit 2" 2 $?
st=$(key_request vader "$W/keyreq-2048-RSA1_5.json")
check "unknown key: 404" 404 "$st"
grep -q '"type":"UnknownKey"' "$W/b" && grep -qi \
    '^content-type: application/problem+json' "$W/h"
check "unknown key: problem+json" 0 $?

# configfs-tsm on a machine that is not a realm: a clean error, exit 2.
"$APP" -e "$URL" --tsm-root "$W/no-such-dir" skywalker 2>"$W/app.err"
check "tsm attester without configfs-tsm: exit 2" 2 $?
mkdir "$W/tsm"
"$APP" -e "$URL" --tsm-root "$W/tsm" skywalker 2>"$W/app.err"
check "tsm attester, no provider: exit 2" 2 $?
grep -q "Evidence generation error" "$W/app.err"
check "tsm attester, no provider: evidence error" 0 $?
[ -z "$(ls -A "$W/tsm")" ]; check "tsm attester removes its report entry" 0 $?

# --- 4. replayed challenge ---
st=$(key_request skywalker "$W/keyreq-2048-RSA1_5.json")
check "key request: 201" 201 "$st"
loc=$(location)
case $loc in "$URL"/keys/v1/evidence/[1-9]*) r=0 ;; *) r=1 ;; esac
check "Location is absolute" 0 $r
grep -q '"accept":\["application/eat-collection; profile=http://arm.com/CCA-SSD/1.0.0"\]' "$W/b"
check "accept as the demo's" 0 $?
emulated_token "$(challenge_hex)" "$W/t.cbor"
basenc --base64url -w0 "$W/t.cbor" | tr -d '=' >"$W/t.b64"
# Malformed requests first: they must leave the challenge usable.
printf 'not*base64' >"$W/junk"
check "bad base64 evidence: 400" 400 "$(evidence "$loc" "$W/junk")"
printf '%s=' "$(cat "$W/t.b64")" >"$W/padded"
check "padded base64 evidence: 400" 400 "$(evidence "$loc" "$W/padded")"
check "wrong media type: 415" 415 \
    "$(evidence "$loc" "$W/t.b64" 'application/json')"
: >"$W/empty"
check "empty evidence: 400" 400 "$(evidence "$loc" "$W/empty")"
# The form the broker advertises in "accept" (unquoted profile).
check "evidence after malformed requests, unquoted profile: 200" 200 \
    "$(evidence "$loc" "$W/t.b64" \
    'application/eat-collection; profile=http://arm.com/CCA-SSD/1.0.0')"
grep -q '"data":"' "$W/b"; check "wrapped key in data" 0 $?
# A used challenge: 403 AttestationFailure, as upstream (its app: exit 1).
check "replayed challenge: 403" 403 "$(evidence "$loc" "$W/t.b64")"
grep -q '"type":"AttestationFailure"' "$W/b" &&
    grep -q '"detail":"[^"]*challenge' "$W/b"
check "replayed challenge: AttestationFailure, reason in detail" 0 $?
check "challenge id 0 (never issued): 403" 403 \
    "$(evidence "$URL/keys/v1/evidence/0" "$W/t.b64")"
check "unknown challenge id: 403" 403 \
    "$(evidence "$URL/keys/v1/evidence/4000000000" "$W/t.b64")"

# --- 5. truncated evidence and a token for another challenge ---
key_request skywalker "$W/keyreq-2048-RSA1_5.json" >/dev/null
loc=$(location)
head -c 2000 "$W/t.b64" >"$W/trunc.b64"
check "truncated token: 403" 403 "$(evidence "$loc" "$W/trunc.b64")"
grep -q '"type":"AttestationFailure"' "$W/b" && grep -q '"detail":' "$W/b"
check "403 body has type and detail" 0 $?
key_request skywalker "$W/keyreq-2048-RSA1_5.json" >/dev/null
loc=$(location)
check "token for another challenge: 403" 403 \
    "$(evidence "$loc" "$W/t.b64")"

# --- 6. malformed and oversized key requests, ids, routes ---
printf '{"pubkey":' >"$W/kr"
check "truncated key request: 400" 400 "$(key_request skywalker "$W/kr")"
printf '{"pubkey":{"kty":"RSA"},"pubkey":{}}' >"$W/kr"
check "duplicate member: 400" 400 "$(key_request skywalker "$W/kr")"
printf '{"pubkey":{"kty":"EC","alg":"RSA1_5","n":"AQAB","e":"AQAB"}}' \
    >"$W/kr"
check "not an RSA key: 400" 400 "$(key_request skywalker "$W/kr")"
check "1024-bit key refused: 400" 400 \
    "$(key_request skywalker "$W/keyreq-1024-RSA1_5.json")"
head -c 20000 /dev/zero | tr '\0' ' ' >"$W/big"
check "oversized key request: 413" 413 "$(key_request skywalker "$W/big")"
head -c 400000 /dev/zero | tr '\0' 'A' >"$W/bigev"
check "oversized evidence: 413" 413 \
    "$(evidence "$URL/keys/v1/evidence/1" "$W/bigev")"
check "non-numeric challenge id: 404" 404 \
    "$(evidence "$URL/keys/v1/evidence/x1" "$W/t.b64")"
check "challenge id over 32 bits: 404" 404 \
    "$(evidence "$URL/keys/v1/evidence/4294967296" "$W/t.b64")"
# Key requests: JSON only (application/json or a +json type), members
# other than "pubkey" ignored (serde), a wrong type for it refused.
kr() { # kr CONTENT-TYPE BODYFILE -> status
	curl -s -o "$W/b" -w '%{http_code}' -X POST ${1:+-H "Content-Type: $1"} \
	    --data-binary "@$2" "$URL/keys/v1/key/skywalker"
}
check "key request as text/plain: 415" 415 \
    "$(kr text/plain "$W/keyreq-2048-RSA1_5.json")"
check "key request without Content-Type: 415" 415 \
    "$(curl -s -o "$W/b" -w '%{http_code}' -X POST -H 'Content-Type:' \
    --data-binary "@$W/keyreq-2048-RSA1_5.json" "$URL/keys/v1/key/skywalker")"
check "key request as application/x-www-form-urlencoded: 415" 415 \
    "$(kr application/x-www-form-urlencoded "$W/keyreq-2048-RSA1_5.json")"
check "key request as application/json; charset=utf-8: 201" 201 \
    "$(kr 'application/json; charset=utf-8' "$W/keyreq-2048-RSA1_5.json")"
check "key request as the spec's +json type: 201" 201 "$(kr \
    application/vnd.veraison.keybroker.background-check-key-request+json \
    "$W/keyreq-2048-RSA1_5.json")"
sed 's/^{/{"extra":{"x":[1]},"n":2,/' "$W/keyreq-2048-RSA1_5.json" \
    >"$W/kr-extra"
check "unknown top-level members: ignored, 201" 201 \
    "$(kr application/json "$W/kr-extra")"
printf '{"pubkey":"RSA"}' >"$W/kr"
check "pubkey not an object: 400" 400 "$(kr application/json "$W/kr")"
check "unknown route: 404" 404 \
    "$(curl -s -o /dev/null -w '%{http_code}' "$URL/keys/v2/x")"
check "GET on a POST route: 405" 405 \
    "$(curl -s -o /dev/null -w '%{http_code}' "$URL/keys/v1/key/skywalker")"

# --- 7. restart between challenge and evidence ---
key_request skywalker "$W/keyreq-2048-RSA1_5.json" >/dev/null
loc=$(location)
emulated_token "$(challenge_hex)" "$W/t2.cbor"
basenc --base64url -w0 "$W/t2.cbor" | tr -d '=' >"$W/t2.b64"
stop_server
start_server --db "$W/kb.db" --trust-anchors "$W/ta.json" \
    --reference-values "$W/rims.json" -p 0
loc=$(printf '%s' "$loc" | sed "s|^http://127.0.0.1:[0-9]*|$URL|")
check "challenge survives a restart: 200" 200 \
    "$(evidence "$loc" "$W/t2.b64")"
stop_server

# --- 8. RIM not approved ---
start_server --db "$W/kb.db" --trust-anchors "$W/ta.json" \
    --reference-values "$W/rims-bad.json"
"$APP" -q -e "$URL" $EMU skywalker; check "RIM not approved: exit 1" 1 $?
stop_server

# --- 9. expired challenge ---
start_server --db "$W/kb.db" --trust-anchors "$W/ta.json" \
    --reference-values "$W/rims.json" --challenge-ttl 1
key_request skywalker "$W/keyreq-2048-RSA1_5.json" >/dev/null
loc=$(location)
emulated_token "$(challenge_hex)" "$W/t3.cbor"
basenc --base64url -w0 "$W/t3.cbor" | tr -d '=' >"$W/t3.b64"
sleep 2.2
check "expired challenge: 403" 403 "$(evidence "$loc" "$W/t3.b64")"
grep -q '"type":"AttestationFailure"' "$W/b" && grep -q 'expired' "$W/b"
check "expired challenge: AttestationFailure, detail says expired" 0 $?
stop_server

# --- 10. mock mode: the demo's static token and challenge ---
if have_vectors keybroker-demo; then
VEC=$VECTORS/keybroker-demo
MOCK="-m --mock-token $VEC/cca-example-token.cbor"
start_server --db "$W/kb.db" -m --reference-values "$VEC/rims-matching.json"
key_request skywalker "$W/keyreq-2048-RSA1_5.json" >/dev/null
grep -q "\"challenge\":\"$(cat "$VEC/cca-example-token-nonce.bin" | b64url)\"" \
    "$W/b"; check "mock challenge is the example token's nonce" 0 $?
check "mock token by hand: 200" 200 "$(evidence "$(location)" \
    "$VEC/cca-example-token.b64url.txt")"
out=$("$APP" -e "$URL" $MOCK skywalker 2>/dev/null); st=$?
check "mock mode: app exit 0" 0 "$st"
check "mock mode: secret" "May the force be with you." "$out"
stop_server
# The mock token against a server without mock challenges: stale nonce.
start_server --db "$W/kb.db" --reference-values "$VEC/rims-matching.json" \
    --trust-anchors "$VEC/example-token-ta.json"
"$APP" -q -e "$URL" $MOCK skywalker; check "mock token, fresh challenge: 1" 1 $?
stop_server
fi

# --- 11. mock mode with the emulated realm's token for the fixed
# challenge; no reference values; 1024-bit compatibility flag ---
"$APP" -q -e "$URL" -m skywalker 2>"$W/app.err"
check "-m without --mock-token: usage error" 2 $?
grep -q -- "--mock-token" "$W/app.err"; check "-m says --mock-token" 0 $?
"$APP" -q -e "$URL" --mock-token "$W/no-such-token" skywalker
check "--mock-token, no such file: 2" 2 $?
start_server --db "$W/kb.db" -m --trust-anchors "$W/ta.json" \
    --reference-values "$W/rims.json"
key_request skywalker "$W/keyreq-2048-RSA1_5.json" >/dev/null
emulated_token "$(challenge_hex)" "$W/mock.cbor"
out=$("$APP" -q -e "$URL" --mock-token "$W/mock.cbor" skywalker); st=$?
check "--mock-token (emulated, fixed challenge): exit 0" 0 "$st"
check "--mock-token: secret" "May the force be with you." "$out"
stop_server
start_server --db "$W/kb.db" -m --trust-anchors "$W/ta.json" \
    --allow-rsa-1024
"$APP" -q -e "$URL" -m --mock-token "$W/mock.cbor" skywalker
check "no reference values: refused" 1 $?
check "--allow-rsa-1024: 1024-bit key accepted" 201 \
    "$(key_request skywalker "$W/keyreq-1024-RSA1_5.json")"
out=$("$APP" -q -e "$URL" -m --mock-token "$W/mock.cbor" --key-bits 1024 \
    skywalker)
check "1024-bit app key, no RVs: refused" 1 $?
stop_server

# --- 11b. the platform-token cache (docs/crypto.md): one platform token
# again is not verified again; another CPAK is; --no-platform-cache ---
start_server --db "$W/kb.db" -m --trust-anchors "$W/ta.json" \
    --reference-values "$W/rims.json" --stats-file "$W/stats.json"
key_request skywalker "$W/keyreq-2048-RSA1_5.json" >/dev/null
MOCKHEX=$(challenge_hex)
emulated_token "$MOCKHEX" "$W/pc1.cbor"
emulated_token "$MOCKHEX" "$W/pc2.cbor"
emulated_token "$MOCKHEX" "$W/pc-other.cbor" "$W/other-cpak.pem"
for t in pc1 pc1 pc1 pc2 pc-other; do
	out=$("$APP" -q -e "$URL" --mock-token "$W/$t.cbor" skywalker \
	    2>/dev/null)
	echo "$t:$out"
done >"$W/pc.out"
check "cache: the same token three times, another one, another CPAK" \
    "pc1:May the force be with you.
pc1:May the force be with you.
pc1:May the force be with you.
pc2:May the force be with you.
pc-other:" "$(cat "$W/pc.out")"
stop_server
grep -q '{"platform_cache":{"enabled":true,"capacity":64,"entries":2,"hits":2,"misses":3,"inserts":2,"evictions":0,"flushes":0}}' \
    "$W/stats.json"
check "--stats-file: 2 hits (pc1), 3 misses (pc1, pc2, other CPAK)" 0 $?
start_server --db "$W/kb.db" -m --trust-anchors "$W/ta.json" \
    --reference-values "$W/rims.json" --stats-file "$W/stats.json" \
    --platform-cache-size 1
for t in pc1 pc2 pc1 pc1; do
	"$APP" -q -e "$URL" --mock-token "$W/$t.cbor" skywalker >/dev/null
done
stop_server
grep -q '"capacity":1,"entries":1,"hits":1,"misses":3,"inserts":3,"evictions":2' \
    "$W/stats.json"
check "--platform-cache-size 1: one entry, two evictions" 0 $?
start_server --db "$W/kb.db" -m --trust-anchors "$W/ta.json" \
    --reference-values "$W/rims.json" --stats-file "$W/stats.json" \
    --no-platform-cache
out=$("$APP" -q -e "$URL" --mock-token "$W/pc1.cbor" skywalker)
out=$out$("$APP" -q -e "$URL" --mock-token "$W/pc1.cbor" skywalker)
check "--no-platform-cache: released twice" \
    "May the force be with you.May the force be with you." "$out"
stop_server
grep -q '"enabled":false,"capacity":0,"entries":0,"hits":0,"misses":0' \
    "$W/stats.json"
check "--no-platform-cache: no cache in the stats" 0 $?
"$SERVER" --platform-cache-size 65537 2>"$W/err"
check "--platform-cache-size 65537: exit 1" 1 $?
grep -q '1\.\.65536' "$W/err"; check "says the range" 0 $?

# --- 12. secrets from files; TLS ---
mkdir "$W/secrets"
printf 'top secret' >"$W/secrets/vault"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$W/tls.key" -out "$W/tls.crt" -days 1 -subj /CN=localhost \
    -addext subjectAltName=IP:127.0.0.1 2>/dev/null
start_server --db "$W/kb.db" --trust-anchors "$W/ta.json" \
    --reference-values "$W/rims.json" --secrets-dir "$W/secrets" \
    --tls-cert "$W/tls.crt" --tls-key "$W/tls.key"
out=$("$APP" -q -e "https://127.0.0.1:$PORT" --cacert "$W/tls.crt" $EMU \
    vault); check "TLS and a secret from a file" "top secret" "$out"
"$APP" -q -e "https://127.0.0.1:$PORT" --cacert "$W/tls.crt" $EMU \
    skywalker; check "demo secret absent when secrets are given" 2 $?
"$APP" -q -e "https://127.0.0.1:$PORT" $EMU vault
check "TLS with an untrusted certificate: 2" 2 $?
stop_server

# --- 13. a remote Veraison-compatible verifier (--verifier) ---
start_verifier() { # start_verifier [FAULT]
	rm -f "$W/vport"
	"$CCAKIT_TESTBIN/mock-veraison" -t "$W/ta.json" -p "$W/vport" \
	    ${1:+-f "$1"} 2>>"$W/server.log" &
	VPID=$!
	i=0
	until [ -s "$W/vport" ]; do
		i=$((i + 1)); [ $i -gt 100 ] && { echo "no verifier"; exit 1; }
		sleep 0.05
	done
	VURL=http://127.0.0.1:$(cat "$W/vport")
}
stop_verifier() { kill "$VPID" 2>/dev/null; wait "$VPID" 2>/dev/null; VPID=; }
if [ -x "${CCAKIT_TESTBIN:-/nonexistent}/mock-veraison" ]; then
	for f in "" key nonce old down 500 forms trustee; do
		start_verifier "$f"
		start_server --db "$W/kb.db" --verifier "$VURL" \
		    --reference-values "$W/rims.json"
		out=$("$APP" -e "$URL" $EMU skywalker 2>"$W/app.err"); st=$?
		case $f in
		"") want=0 why="May the force" ;;
		key) want=2 why="signature" ;;
		nonce) want=2 why="challenge" ;;
		old) want=2 why="expired\|window" ;;
		down) want=2 why="not READY" ;;
		500) want=2 why="HTTP 500" ;;
		# The forms veraison/ear also reads parse; the policy (as
		# arm-cca.rego) wants the Veraison profile.
		forms) want=0 why="May the force" ;;
		trustee) want=1 why="not in policy" ;;
		esac
		check "remote verifier${f:+, fault $f}: exit $want" $want $st
		printf '%s\n' "$out" | cat - "$W/app.err" | grep -qi "$why"
		check "remote verifier${f:+, fault $f}: says '$why'" 0 $?
		stop_server
		stop_verifier
	done
	start_verifier
	start_server --db "$W/kb.db" --verifier "$VURL" \
	    --reference-values "$W/rims-bad.json"
	"$APP" -q -e "$URL" $EMU skywalker >/dev/null
	check "remote verifier, RIM not approved: exit 1" 1 $?
	stop_server
	stop_verifier
	start_server --db "$W/kb.db" --verifier "http://127.0.0.1:1" \
	    --reference-values "$W/rims.json"
	key_request skywalker "$W/keyreq-2048-RSA1_5.json" >/dev/null
	emulated_token "$(challenge_hex)" "$W/t4.cbor"
	basenc --base64url -w0 "$W/t4.cbor" | tr -d '=' >"$W/t4.b64"
	check "verifier unreachable: 502" 502 "$(evidence "$(location)" \
	    "$W/t4.b64")"
	stop_server
fi

# --- 14. dynamic RIM: the realm's event log proves an unlisted RIM ---
RM=$BIN/realm-measurements
HOST="--ipa-bits 48 --num-bps 6 --num-wps 4 --sve-vl 0 --pmu-num-ctrs 0
    --pmu false --lpa2 false"
head -c 200000 /dev/urandom >"$W/kernel.img"
rim_of() { sed -n 's/.*"initial-measurement": *"\([0-9a-f]*\)".*/\1/p'; }
rim1=$("$RM" -k "$W/kernel.img" --event-log "$W/log1.bin" \
    --output-dtb "$W/vm1.dtb" --json $HOST kvmtool -c 2 -m 256 | rim_of)
"$RM" -k "$W/kernel.img" --event-log "$W/log2.bin" --output-dtb \
    "$W/vm2.dtb" --json $HOST kvmtool -c 2 -m 512 >/dev/null
rim1b64=$(printf %s "$rim1" | perl -ne 'print pack("H*", $_)' | base64 -w0)
sed "s|\"cca-realm-initial-measurement\": *\"[^\"]*\"|\"cca-realm-initial-measurement\": \"$rim1b64\"|" \
    "$SRC/demo/claims.json" >"$W/claims-dyn.json"
(cd "$W" && sha256sum kernel.img vm1.dtb vm2.dtb >images.txt)
DYN="--attester emulated --claims $W/claims-dyn.json
    --platform-key $SRC/demo/cpak.pem --realm-key $SRC/demo/rak.pem"
# A log with one byte of the DTB's digest flipped.
cp "$W/log1.bin" "$W/log-bad.bin"
off=$(od -An -tx1 -v "$W/log1.bin" | tr -d ' \n' |
    grep -bo "$(sha256sum "$W/vm1.dtb" | cut -c1-16)" | head -1 |
    cut -d: -f1)
b=$(od -An -tu1 -j $((off / 2)) -N1 "$W/log1.bin" | tr -d ' ')
printf "\\$(printf %o $((255 - b)))" |
    dd of="$W/log-bad.bin" bs=1 seek=$((off / 2)) conv=notrunc 2>/dev/null
start_server --db "$W/kb.db" --trust-anchors "$W/ta.json" \
    --reference-values "$W/rims.json" --images "$W/images.txt"
"$APP" -q -e "$URL" $DYN skywalker
check "unlisted RIM without a log: refused" 1 $?
"$APP" -e "$URL" $DYN --event-log "$W/log-bad.bin" skywalker 2>"$W/app.err"
check "tampered event log: refused" 1 $?
[ -n "$off" ] && grep -q "DTB is not trusted" "$W/app.err"
check "tampered event log: the DTB is not trusted" 0 $?
"$APP" -e "$URL" $DYN --event-log "$W/log2.bin" skywalker 2>"$W/app.err"
check "event log of another realm: refused" 1 $?
grep -q "not the attested RIM" "$W/app.err"
check "event log of another realm: RIM mismatch" 0 $?
out=$("$APP" -q -e "$URL" $DYN --event-log "$W/log1.bin" skywalker)
check "event log proves the RIM: released" "May the force be with you." \
    "$out"
"$APP" -q -e "$URL" $DYN skywalker >/dev/null
check "proved RIM is remembered" 0 $?
printf 'garbage' | basenc --base64url -w0 | tr -d '=' >"$W/cmw.b64"
key_request skywalker "$W/keyreq-2048-RSA1_5.json" >/dev/null
check "malformed CMW: 400" 400 "$(evidence "$(location)" "$W/cmw.b64" \
    'application/cmw+cbor; cmwc_t="tag:linaro.org,2024:eat+log"')"
stop_server
start_server --db "$W/kb.db" --trust-anchors "$W/ta.json" \
    --reference-values "$W/rims.json"
key_request skywalker "$W/keyreq-2048-RSA1_5.json" >/dev/null
check "CMW without --images: 415" 415 "$(evidence "$(location)" \
    "$W/cmw.b64" 'application/cmw+cbor; cmwc_t="tag:linaro.org,2024:eat+log"')"
stop_server


# --- 15. the release policy is Rego (--policy) ---
# Refused at start, before listening: invalid Rego (where and why), no
# rule data.arm_cca.allow, an unknown built-in policy, a missing file.
bad_start() { # bad_start DESC PATTERN ARGS...
	d=$1 pat=$2
	shift 2
	rm -f "$W/port-bad"
	"$SERVER" -p 0 --port-file "$W/port-bad" --db "$W/kb.db" "$@" \
	    2>"$W/err" >/dev/null; st=$?
	grep -q -- "$pat" "$W/err"
	check "$d: exit 1, says why" "1 0" "$st $?"
	[ ! -e "$W/port-bad" ]; check "$d: never listened" 0 $?
}
printf 'package arm_cca\n\nallow if {\n' >"$W/bad.rego"
bad_start "--policy with invalid Rego" "bad.rego:4: rego_parse_error" \
    --policy "$W/bad.rego"
printf 'package keybroker\nallow := true\n' >"$W/other.rego"
bad_start "--policy without arm_cca.allow" \
    "no rule allow in package arm_cca" --policy "$W/other.rego"
bad_start "--policy builtin:nope" \
    "no such built-in policy (default, strict)" --policy builtin:nope
bad_start "--policy, no such file" "no-such.rego" --policy "$W/no-such.rego"
# A custom policy changes the decision: the platform alone decides, so
# an unapproved RIM (section 8: refused by the default) is released.
printf '%s\n' 'package arm_cca' '' 'import rego.v1' '' \
    'default allow := false' '' \
    'allow if input.submods.CCA_SSD_PLATFORM["ear.status"] == "affirming"' \
    >"$W/platform.rego"
start_server --db "$W/kb.db" --trust-anchors "$W/ta.json" \
    --reference-values "$W/rims-bad.json" --policy "$W/platform.rego"
out=$("$APP" -q -e "$URL" $EMU skywalker)
check "custom --policy FILE: released despite the RIM" \
    "May the force be with you." "$out"
stop_server
# The default's refusals say why (the policy's deny messages).
start_server --db "$W/kb.db" --trust-anchors "$W/ta.json" \
    --reference-values "$W/rims-bad.json" --policy builtin:default
"$APP" -e "$URL" $EMU skywalker >/dev/null 2>"$W/app.err"; st=$?
grep -q "not among the reference values" "$W/app.err"
check "builtin:default refuses an unapproved RIM, says why" "1 0" "$st $?"
stop_server
# A realm appraised affirming (realm reference values, --rv): released by
# the default, refused by builtin:strict and --realm-warning-only (the
# demo's rule: warning only).
for p in "" "--policy builtin:strict" --realm-warning-only; do
	start_server --db "$W/kb.db" --trust-anchors "$W/ta.json" \
	    --rv "$W/rv.json" --reference-values "$W/rims.json" $p
	out=$("$APP" -e "$URL" $EMU skywalker 2>"$W/app.err"); st=$?
	if [ -z "$p" ]; then
		check "affirming realm, default policy: released" \
		    "0 May the force be with you." "$st $out"
	else
		grep -q "the realm is not warning" "$W/app.err"
		check "affirming realm, $p: refused, says why" "1 0" "$st $?"
	fi
	stop_server
done
# The Veraison keybroker demo's own arm-cca.rego, unchanged, from a file.
if have_vectors rego/policies/keybroker-demo; then
	DEMO_POLICY=$VECTORS/rego/policies/keybroker-demo/arm-cca.rego
	start_server --db "$W/kb.db" --trust-anchors "$W/ta.json" \
	    --reference-values "$W/rims.json" --policy "$DEMO_POLICY"
	out=$("$APP" -q -e "$URL" $EMU skywalker)
	check "the demo's arm-cca.rego: released" \
	    "May the force be with you." "$out"
	stop_server
	for r in "--reference-values $W/rims-bad.json" \
	    "--reference-values $W/rims.json --rv $W/rv.json"; do
		start_server --db "$W/kb.db" --trust-anchors "$W/ta.json" \
		    $r --policy "$DEMO_POLICY"
		"$APP" -q -e "$URL" $EMU skywalker >/dev/null
		check "the demo's arm-cca.rego, ${r##*/}: refused" 1 $?
		stop_server
	done
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
