#!/bin/sh
# TLS of keybroker-server and cca-verifier (docs/http.md), each a separate
# process on a free port, always killed on exit: with an RSA and with an
# ECDSA certificate, `openssl s_client` must see TLS 1.0 and 1.1, static
# RSA key exchange and CBC suites refused, and ECDHE with AEAD suites and
# TLS 1.3 accepted; --tls-priorities replaces the default, and a bad
# priority string stops the server at start with a clear error.
#
# Environment: CCAKIT_BIN (build/bin), CCAKIT_SRC (the source tree).
set -u
BIN=${CCAKIT_BIN:?}

. "${CCAKIT_SRC:?}/tests/services/http-lib.sh"

# hs ARGS...: a TLS handshake with s_client; 0 if one was negotiated.
hs() {
	openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
	    -brief "$@" </dev/null >"$W/out" 2>&1 &&
	    grep -q '^Protocol version: ' "$W/out"
}
refused() { # refused DESC ARGS...
	d=$1
	shift
	if hs "$@"; then nok "$d: refused"; else ok "$d: refused"; fi
}
accepted() { # accepted DESC PROTOCOL CIPHER ARGS...
	d=$1 proto=$2 ciph=$3
	shift 3
	if hs "$@" && grep -q "^Protocol version: $proto\$" "$W/out" &&
	    grep -q "^Ciphersuite: $ciph\$" "$W/out"; then
		ok "$d: accepted ($proto, $ciph)"
	else
		nok "$d: accepted ($proto, $ciph)"
	fi
}
# Let the client offer what the server must refuse.
OLD='DEFAULT:@SECLEVEL=0'

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/rsa.key" \
    -out "$W/rsa.crt" -days 1 -subj /CN=localhost 2>/dev/null || exit 1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$W/ec.key" -out "$W/ec.crt" -days 1 -subj /CN=localhost \
    2>/dev/null || exit 1

for name in keybroker-server cca-verifier; do
	for kt in rsa ec; do
		if [ $kt = rsa ]; then A=RSA; else A=ECDSA; fi
		start "$name" --tls-cert "$W/$kt.crt" --tls-key "$W/$kt.key"
		t="$name ($A certificate)"
		refused "$t: TLS 1.0" -tls1 -cipher "$OLD"
		refused "$t: TLS 1.1" -tls1_1 -cipher "$OLD"
		refused "$t: static RSA, AES128-SHA" -tls1_2 \
		    -cipher "AES128-SHA:$OLD"
		refused "$t: static RSA, AES256-GCM-SHA384" -tls1_2 \
		    -cipher "AES256-GCM-SHA384:@SECLEVEL=0"
		refused "$t: CBC, ECDHE-$A-AES128-SHA" -tls1_2 \
		    -cipher "ECDHE-$A-AES128-SHA:@SECLEVEL=0"
		refused "$t: CBC, ECDHE-$A-AES256-SHA384" -tls1_2 \
		    -cipher "ECDHE-$A-AES256-SHA384:@SECLEVEL=0"
		refused "$t: DHE-RSA-AES128-GCM-SHA256" -tls1_2 \
		    -cipher "DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0"
		accepted "$t: TLS 1.2 AES-GCM" TLSv1.2 \
		    "ECDHE-$A-AES128-GCM-SHA256" -tls1_2 \
		    -cipher "ECDHE-$A-AES128-GCM-SHA256"
		accepted "$t: TLS 1.2 ChaCha20-Poly1305" TLSv1.2 \
		    "ECDHE-$A-CHACHA20-POLY1305" -tls1_2 \
		    -cipher "ECDHE-$A-CHACHA20-POLY1305"
		accepted "$t: TLS 1.3" TLSv1.3 TLS_AES_256_GCM_SHA384 -tls1_3 \
		    -ciphersuites TLS_AES_256_GCM_SHA384
		accepted "$t: TLS 1.3" TLSv1.3 TLS_CHACHA20_POLY1305_SHA256 \
		    -tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256
		accepted "$t: the client's default" TLSv1.3 '.*'
		stop
	done

	# --tls-priorities replaces the default.
	start "$name" --tls-cert "$W/rsa.crt" --tls-key "$W/rsa.key" \
	    --tls-priorities 'NORMAL:-VERS-ALL:+VERS-TLS1.2'
	refused "$name --tls-priorities without TLS 1.3: TLS 1.3" -tls1_3
	accepted "$name --tls-priorities: TLS 1.2 CBC" TLSv1.2 \
	    ECDHE-RSA-AES128-SHA -tls1_2 \
	    -cipher "ECDHE-RSA-AES128-SHA:@SECLEVEL=0"
	stop
	"$BIN/$name" -p 0 --db "$W/x.db" --tls-cert "$W/rsa.crt" \
	    --tls-key "$W/rsa.key" --tls-priorities 'NORMAL:+NO-SUCH-THING' \
	    2>"$W/err" &
	SPID=$!
	wait "$SPID"
	st=$?
	SPID=
	check "$name: a bad --tls-priorities: exit 1" 1 "$st"
	if grep -q 'tls-priorities.*NO-SUCH-THING' "$W/err"; then
		ok "$name: ... says which part is bad"
	else
		nok "$name: ... says which part is bad ($(cat "$W/err"))"
	fi
	"$BIN/$name" -p 0 --db "$W/x.db" --tls-priorities NORMAL 2>"$W/err"
	check "$name: --tls-priorities without --tls-cert: exit 1" 1 $?
done

finish
