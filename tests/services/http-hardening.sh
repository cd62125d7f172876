#!/bin/sh
# HTTP hardening of keybroker-server and cca-verifier (docs/http.md), each
# a separate process on a free port, always killed on exit: slow clients
# (the request deadline, the per-address and global connection caps),
# request hygiene (too many query arguments, request smuggling, chunked
# bodies over the cap, paths that are not UTF-8) and the request log.
#
# Environment: CCAKIT_BIN (build/bin), CCAKIT_TESTBIN (build/tests),
# CCAKIT_SRC (the source tree).
set -u
BIN=${CCAKIT_BIN:?}
PROBE=${CCAKIT_TESTBIN:?}/httpprobe

START_ARGS=-v
. "${CCAKIT_SRC:?}/tests/services/http-lib.sh"

# raw: stdin to the server as it is; reply in $W/out; $? as httpprobe raw.
raw() { "$PROBE" raw "$PORT" -w 3000 >"$W/out"; }
status() { sed -n '1s/^HTTP\/1\.1 \([0-9]*\).*/\1/p' "$W/out" | tr -d '\r'; }
replies() { grep -ao 'HTTP/1\.1 [0-9][0-9][0-9] ' "$W/out" | wc -l; }
problem() { # problem DESC: the reply is one problem+json document
	if grep -qi '^content-type: application/problem+json' "$W/out" &&
	    sed '1,/^\r*$/d' "$W/out" | grep -q '^{"type":'; then
		ok "$1: problem+json"
	else
		nok "$1: problem+json"
	fi
}
# loris DESC CONNS SECONDS: httpprobe slowloris with the good request of
# this server; every good request answered within 100 ms.
loris() {
	"$PROBE" slowloris "$PORT" -n "$2" -d "$3" -q "$good" \
	    -s "$good_status" -m 100 >"$W/out" 2>&1
	st=$?
	sed 's/^/# /' "$W/out"
	check "$1, good client < 100 ms" 0 "$st"
}
in_set() { # in_set VALUE A B...: whether VALUE is one of A B...
	v=$1
	shift
	for x in "$@"; do [ "$v" = "$x" ] && return 0; done
	return 1
}

# An RSA public JWK and the key request of each server's "good" client.
b64url() { basenc --base64url -w0 | tr -d '='; }
openssl genrsa -out "$W/rsa.pem" 2048 2>/dev/null || exit 1
n=$(openssl rsa -in "$W/rsa.pem" -noout -modulus | cut -d= -f2 |
    perl -ne 'chomp; print pack("H*", $_)' | b64url)
printf '{"pubkey":{"kty":"RSA","alg":"RSA1_5","n":"%s","e":"AQAB"}}' "$n" \
    >"$W/jwk.json"
printf 'POST /keys/v1/key/skywalker HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: %s\r\n\r\n' \
    "$(wc -c <"$W/jwk.json")" >"$W/good-keybroker-server"
cat "$W/jwk.json" >>"$W/good-keybroker-server"
printf 'GET /.well-known/veraison/verification HTTP/1.1\r\nHost: t\r\n\r\n' \
    >"$W/good-cca-verifier"
GOOD_keybroker_server=201
GOOD_cca_verifier=200
# A POST route with a body cap, and a route with a {} path segment.
POST_keybroker_server=/keys/v1/key/skywalker
POST_cca_verifier=/challenge-response/v1/newSession
SEG_keybroker_server=/keys/v1/key/
SEG_cca_verifier=/challenge-response/v1/session/
SEGM_keybroker_server=POST
SEGM_cca_verifier=GET

for name in keybroker-server cca-verifier; do
	v=$(echo "$name" | tr - _)
	eval good_status=\$GOOD_$v post=\$POST_$v seg=\$SEG_$v \
	    seg_method=\$SEGM_$v
	good="$W/good-$name"
	echo "# === $name ==="

	start "$name"

	# --- 1. 1,000 query arguments: 414 and close ---
	awk 'BEGIN { printf "GET /x?"; for (i = 0; i < 1000; i++)
	    printf "%sa%d=b", i ? "&" : "", i;
	    printf " HTTP/1.1\r\nHost: t\r\n\r\n" }' | raw
	check "$name: 1,000 query arguments: closed" 0 $?
	st=$(status)
	if in_set "$st" 414 431; then ok "$name: ... 414 ($st)"
	else nok "$name: 1,000 query arguments: 414 (got '$st')"; fi
	problem "$name: 1,000 query arguments"

	# --- 2. request smuggling: two Content-Length headers ---
	# (the first length is the key request, the second also covers a
	# request that would be served next)
	smuggled='GET /.well-known/veraison/verification HTTP/1.1\r\nHost: t\r\n\r\n'
	jl=$(wc -c <"$W/jwk.json")
	sl=$(printf "$smuggled" | wc -c)
	{
		printf 'POST %s HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: %s\r\nContent-Length: %s\r\n\r\n' \
		    "$post" "$jl" $((jl + sl))
		cat "$W/jwk.json"
		printf "$smuggled"
	} | raw
	check "$name: two Content-Length headers: closed" 0 $?
	check "$name: ... 400" 400 "$(status)"
	check "$name: ... and nothing else is served" 1 "$(replies)"
	problem "$name: two Content-Length headers"
	printf 'POST %s HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /.well-known/veraison/verification HTTP/1.1\r\nHost: t\r\n\r\n' \
	    "$post" | raw
	check "$name: Content-Length with Transfer-Encoding: closed" 0 $?
	check "$name: ... 400" 400 "$(status)"
	check "$name: ... one reply" 1 "$(replies)"
	printf 'POST %s HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n' \
	    "$post" | raw
	check "$name: an unknown transfer coding: closed" 0 $?
	check "$name: ... 501" 501 "$(status)"
	printf 'POST %s HTTP/1.1\r\nHost: t\r\nContent-Length : 2\r\n\r\n{}GET / HTTP/1.1\r\nHost: t\r\n\r\n' \
	    "$post" | raw
	check "$name: white space before the colon: closed" 0 $?
	check "$name: ... 400" 400 "$(status)"
	check "$name: ... one reply" 1 "$(replies)"

	# --- 3. a chunked body over the cap: 413 ---
	{
		printf 'POST %s HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' \
		    "$post"
		i=0
		while [ $i -lt 64 ]; do
			printf '400\r\n%01024d\r\n' 0
			i=$((i + 1))
		done
		printf '0\r\n\r\n'
	} | raw
	check "$name: chunked body over the cap: closed" 0 $?
	check "$name: ... 413" 413 "$(status)"
	problem "$name: chunked body over the cap"

	# --- 4. path segments that are not UTF-8 (raw, and percent-encoded
	# truncated multibyte sequences) ---
	for tag in '\377\376' %C3 %E2%82; do
		case $tag in
		%*) p=$seg$tag ;;
		*) p=$seg$(printf "$tag") ;;
		esac
		if [ "$seg_method" = POST ]; then
			printf '%s %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: %s\r\n\r\n' \
			    "$seg_method" "$p" "$(wc -c <"$W/jwk.json")"
			cat "$W/jwk.json"
		else
			printf '%s %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' \
			    "$seg_method" "$p"
		fi >"$W/req"
		raw <"$W/req"
		st=$(status)
		case $st in
		4[0-9][0-9]) ok "$name: $seg_method $seg$tag: $st" ;;
		*) nok "$name: $seg_method $seg$tag: a 4xx (got '$st')" ;;
		esac
		problem "$name: $seg_method $seg$tag"
		if sed '1,/^\r*$/d' "$W/out" | iconv -f UTF-8 -t UTF-8 \
		    >/dev/null 2>&1; then
			ok "$name: $seg_method $seg$tag: valid UTF-8"
		else
			nok "$name: $seg_method $seg$tag: valid UTF-8"
		fi
	done
	sleep 0.2
	if [ "$(LC_ALL=C tr -d '\n\040-\176' <"$W/server.log" | wc -c)" \
	    -eq 0 ]; then
		ok "$name: the log is printable ASCII"
	else
		nok "$name: the log is printable ASCII"
	fi
	if grep -q '[A-Z]* /[^ ]*\\xff\\xfe ' "$W/server.log" &&
	    grep -q '[A-Z]* /[^ ]*\\xc3 ' "$W/server.log"; then
		ok "$name: bytes >= 0x80 of the path are escaped in the log"
	else
		nok "$name: bytes >= 0x80 of the path are escaped in the log"
	fi

	# --- 5. slowloris: 1,300 trickling connections from 127.0.0.1
	# (at most 64 per address are kept) while a client on 127.0.0.2
	# gets every answer within 100 ms ---
	loris "$name: 1,300 trickling connections" 1300 2
	stop

	# --- 6. the global cap: with no per-address cap, the oldest idle
	# or incomplete connections make room for a newcomer ---
	start "$name" --max-connections 200 --max-connections-per-ip 0
	loris "$name: 400 trickling connections over a cap of 200" 400 1
	dropped=$(sed -n 's/.*, \([0-9]*\) dropped by the server.*/\1/p' \
	    "$W/out")
	if [ "${dropped:-0}" -ge 200 ]; then
		ok "$name: the oldest incomplete connections were dropped"
	else
		nok "$name: oldest incomplete dropped (dropped: $dropped)"
	fi
	stop

	# --- 7. the request deadline ---
	start "$name" --request-timeout 2
	ms=$("$PROBE" trickle "$PORT" -i 250 -m 8000)
	st=$?
	check "$name: a trickling request is dropped" 0 "$st"
	if [ "$st" -eq 0 ] && [ "$ms" -ge 1750 ] && [ "$ms" -le 4000 ]; then
		ok "$name: ... about 2 s after its first byte ($ms ms)"
	else
		nok "$name: dropped about 2 s after its first byte ($ms ms)"
	fi
	out=$("$PROBE" keepalive "$PORT" -q "$good" -i 2500)
	check "$name: an idle keep-alive connection outlives the deadline" \
	    "$good_status $good_status" "$out"

	stop
done

finish
