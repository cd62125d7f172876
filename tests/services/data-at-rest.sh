#!/bin/sh
# Data at rest, with keybroker-server, cca-verifier and keybroker-app as
# separate processes over loopback (servers on free ports, always killed):
#  - the database file deleted or replaced (rename) under a running
#    server: state-changing requests get 503 problem+json and the log says
#    why, once;
#  - cca-verifier keeps its database (which holds the EAR private key) and
#    its -wal and -shm owner-only, whatever the umask or the mode it found;
#  - secret, key and token files that group or others can read are
#    accepted with a warning;
#  - keybroker-app -o writes the released secret owner-only, and writes
#    through to a FIFO or a device instead of replacing it.
#
# Environment: CCAKIT_BIN (build/bin), CCAKIT_SRC (the source tree).
set -u
BIN=${CCAKIT_BIN:?}
SRC=${CCAKIT_SRC:?}
KBS=$BIN/keybroker-server
CVS=$BIN/cca-verifier
APP=$BIN/keybroker-app
CCATOKEN=$BIN/ccatoken
NEW=/challenge-response/v1/newSession
MT='application/eat-collection; profile="http://arm.com/CCA-SSD/1.0.0"'
TOKEN=data-at-rest-provisioning-token-0123

W=$(mktemp -d)
SPID=
RPID=
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	[ -n "$RPID" ] && kill "$RPID" 2>/dev/null && wait "$RPID" 2>/dev/null
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
has() { # has DESC ERE FILE
	if grep -Eq -- "$2" "$3"; then ok "$1"; else nok "$1 (no '$2')"; fi
}
hasnt() { # hasnt DESC ERE FILE
	if grep -Eq -- "$2" "$3"; then nok "$1 ('$2' found)"; else ok "$1"; fi
}
mode() { stat -c %a "$1"; }

# start SERVER ARGS...: start on a free port, wait for the port file; the
# log goes to $W/server.log (replaced).
start() {
	prog=$1
	shift
	rm -f "$W/port"
	"$prog" -p 0 --port-file "$W/port" "$@" 2>"$W/server.log" &
	SPID=$!
	i=0
	while [ ! -s "$W/port" ]; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$SPID" 2>/dev/null; then
			echo "server did not start: $prog $*"
			cat "$W/server.log"
			exit 1
		fi
		sleep 0.05
	done
	URL=http://127.0.0.1:$(cat "$W/port")
}
stop() {
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
is_problem() { # is_problem DESC: the last reply is problem+json
	if grep -qi '^content-type: application/problem+json' "$W/h"; then
		ok "$1"; else nok "$1 (not problem+json)"; fi
}
# lines of the log about a lost database
lost_lines() { grep -Ec 'database .*(deleted|replaced)' "$W/server.log"; }

# --- fixtures ---
b64url() { basenc --base64url -w0 | tr -d '='; }
openssl genrsa -out "$W/rsa.pem" 2048 2>/dev/null
n=$(openssl rsa -in "$W/rsa.pem" -noout -modulus | cut -d= -f2 |
    perl -ne 'chomp; print pack("H*", $_)' | b64url)
printf '{"pubkey":{"kty":"RSA","alg":"RSA1_5","n":"%s","e":"AQAB"}}' \
    "$n" >"$W/keyreq.json"
key_request() {
	http POST /keys/v1/key/skywalker -H 'Content-Type: application/json' \
	    --data-binary "@$W/keyreq.json"
}
"$CCATOKEN" create --claims "$SRC/demo/claims.json" \
    --platform-key "$SRC/demo/cpak.pem" --realm-key "$SRC/demo/rak.pem" \
    --challenge "$(printf '%0128d' 0)" -o "$W/known-good.cbor" || exit 1
"$CCATOKEN" golden -e "$W/known-good.cbor" -c "$SRC/demo/cpak.jwk.json" \
    -t "$W/ta.json" -r "$W/rv.json" >/dev/null || exit 1
RIM=$(sed -n 's/.*"cca-realm-initial-measurement": *"\([^"]*\)".*/\1/p' \
    "$SRC/demo/claims.json")
printf '{"reference-values":["%s"]}' "$RIM" >"$W/rims.json"
EMU="--attester emulated --claims $SRC/demo/claims.json
    --platform-key $SRC/demo/cpak.pem --realm-key $SRC/demo/rak.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$W/tls.key" -out "$W/tls.crt" -days 1 -subj /CN=localhost \
    2>/dev/null || exit 1
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$W/ear.pem" 2>/dev/null || exit 1
printf '%s\n' "$TOKEN" >"$W/token"
printf 'a secret' >"$W/secret"

# --- 1. keybroker-server: the database deleted under it ---
start "$KBS" --db "$W/kb1.db"
check "keybroker: key request before" 201 "$(key_request)"
loc=$(sed -n 's/^[Ll]ocation: *//p' "$W/h" | tr -d '\r')
rm "$W/kb1.db"
check "keybroker, db deleted: key request 503" 503 "$(key_request)"
is_problem "keybroker, db deleted: problem+json"
# Evidence for the challenge issued before: redeeming it writes too.
printf 'AAAA' >"$W/ev.b64"
st=$(curl -s -o "$W/b" -D "$W/h" -w '%{http_code}' -X POST \
    -H "Content-Type: $MT" --data-binary "@$W/ev.b64" "$loc")
check "keybroker, db deleted: evidence 503" 503 "$st"
check "keybroker, db deleted: second key request 503" 503 "$(key_request)"
has "keybroker, db deleted: the log says so" \
    "keybroker-server\[error\]: database .*kb1\.db: the file was deleted" \
    "$W/server.log"
check "keybroker, db deleted: logged once" 1 "$(lost_lines)"
stop

# --- 2. keybroker-server: the database replaced by a rename ---
start "$KBS" --db "$W/kb2.db"
check "keybroker: key request before replacement" 201 "$(key_request)"
: >"$W/kb2.new"
mv "$W/kb2.new" "$W/kb2.db"
check "keybroker, db replaced: key request 503" 503 "$(key_request)"
has "keybroker, db replaced: the log says so" \
    "database .*kb2\.db: the file was replaced" "$W/server.log"
stop

# --- 3. keybroker-server: the write-ahead log deleted ---
start "$KBS" --db "$W/kb3.db"
check "keybroker: key request before -wal deletion" 201 "$(key_request)"
rm "$W/kb3.db-wal"
# -wal and -shm are looked at once a second (the database every time).
i=0
while [ "$(key_request)" != 503 ] && [ $i -lt 30 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "keybroker, -wal deleted: key request 503 within 3 s" 503 \
    "$(key_request)"
has "keybroker, -wal deleted: the log says so" \
    "database .*kb3\.db: its -wal file was deleted" "$W/server.log"
stop

# --- 4. cca-verifier: the database deleted, then replaced ---
start "$CVS" --db "$W/v1.db" --provisioning-token "$TOKEN"
check "verifier: newSession before" 201 "$(http POST "$NEW")"
sid=$(sed -n 's/^[Ll]ocation: *session\///p' "$W/h" | tr -d '\r')
rm "$W/v1.db"
check "verifier, db deleted: newSession 503" 503 "$(http POST "$NEW")"
is_problem "verifier, db deleted: problem+json"
check "verifier, db deleted: provisioning 503" 503 \
    "$(http POST /provisioning/v1/trust-anchors \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    --data-binary "@$W/ta.json")"
check "verifier, db deleted: evidence 503" 503 \
    "$(http POST "/challenge-response/v1/session/$sid" \
    -H "Content-Type: $MT" --data-binary "@$W/known-good.cbor")"
check "verifier, db deleted: reading a session still works" 200 \
    "$(http GET "/challenge-response/v1/session/$sid")"
check "verifier, db deleted: DELETE session 503" 503 \
    "$(http DELETE "/challenge-response/v1/session/$sid")"
has "verifier, db deleted: the log says so" \
    "cca-verifier\[error\]: database .*v1\.db: the file was deleted" \
    "$W/server.log"
check "verifier, db deleted: logged once" 1 "$(lost_lines)"
stop
start "$CVS" --db "$W/v2.db" --provisioning-token "$TOKEN"
check "verifier: newSession before replacement" 201 "$(http POST "$NEW")"
cp "$W/v2.db" "$W/v2.copy"
mv "$W/v2.copy" "$W/v2.db"
check "verifier, db replaced: newSession 503" 503 "$(http POST "$NEW")"
check "verifier, db replaced: provisioning 503" 503 \
    "$(http POST /provisioning/v1/reference-values \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    --data-binary "@$W/rv.json")"
has "verifier, db replaced: the log says so" \
    "database .*v2\.db: the file was replaced" "$W/server.log"
stop

# --- 5. cca-verifier: the database holds the EAR key, so it is 0600 ---
(umask 0; start "$CVS" --db "$W/v3.db"; http POST "$NEW" >/dev/null; stop) \
    >/dev/null
check "verifier, umask 0: new database 0600" 600 "$(mode "$W/v3.db")"
(umask 0277; start "$CVS" --db "$W/v4.db"; stop) >/dev/null
check "verifier, umask 0277: new database 0600" 600 "$(mode "$W/v4.db")"
# A database left world-readable (as an earlier run, or cp, may leave it)
# with its -wal and -shm: the EAR key in it must not stay readable.
start "$CVS" --db "$W/v5.db"
check "verifier: newSession" 201 "$(http POST "$NEW")"
mkdir "$W/keep" && cp -p "$W/v5.db" "$W/v5.db-wal" "$W/v5.db-shm" "$W/keep/"
stop
cp -p "$W/keep/v5.db" "$W/keep/v5.db-wal" "$W/keep/v5.db-shm" "$W/"
chmod 644 "$W/v5.db" "$W/v5.db-wal" "$W/v5.db-shm"
start "$CVS" --db "$W/v5.db"
check "verifier, 0644 database: now 0600" 600 "$(mode "$W/v5.db")"
check "verifier, 0644 -wal: now 0600" 600 "$(mode "$W/v5.db-wal")"
check "verifier, 0644 -shm: now 0600" 600 "$(mode "$W/v5.db-shm")"
has "verifier, 0644 database: warned" \
    "cca-verifier\[warn\]: .*v5\.db: mode 0644 .*changed to 0600" \
    "$W/server.log"
stop

# One whose mode cannot be changed (as root: a file root owns, writable
# by the user the server runs as): the server refuses to start.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 711 "$W"
	mkdir -m 0777 "$W/shared"
	cp "$W/keep/v5.db" "$W/shared/v7.db"
	chmod 666 "$W/shared/v7.db"
	timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$CVS" -p 0 --db "$W/shared/v7.db" 2>"$W/server.log" &
	SPID=$!
	wait "$SPID"
	st=$?
	SPID=
	check "verifier, 0666 database of another owner: refuses to start" \
	    1 "$st"
	has "verifier, 0666 database of another owner: says why" \
	    "v7\.db: mode 0666 lets group or others in and cannot be changed" \
	    "$W/server.log"
	chmod 700 "$W"
fi

# --- 6. secret, key and token files that others can read: a warning ---
chmod 644 "$W/secret" "$W/tls.key" "$W/ear.pem" "$W/token"
start "$KBS" --db "$W/kb4.db" --secret "skywalker=$W/secret" \
    --tls-cert "$W/tls.crt" --tls-key "$W/tls.key"
has "keybroker, 0644 --secret: warning" \
    "warn\]: --secret .*/secret: mode 0644 .*chmod 600" "$W/server.log"
has "keybroker, 0644 --tls-key: warning" \
    "warn\]: --tls-key .*/tls.key: mode 0644 .*chmod 600" "$W/server.log"
stop
start "$CVS" --db "$W/v6.db" --ear-key "$W/ear.pem" \
    --provisioning-token-file "$W/token" \
    --tls-cert "$W/tls.crt" --tls-key "$W/tls.key"
has "verifier, 0644 --ear-key: warning" \
    "warn\]: --ear-key .*/ear.pem: mode 0644 .*chmod 600" "$W/server.log"
has "verifier, 0644 --provisioning-token-file: warning" \
    "warn\]: --provisioning-token-file .*/token: mode 0644 .*chmod 600" \
    "$W/server.log"
has "verifier, 0644 --tls-key: warning" \
    "warn\]: --tls-key .*/tls.key: mode 0644 .*chmod 600" "$W/server.log"
stop
chmod 600 "$W/secret" "$W/tls.key" "$W/ear.pem" "$W/token"
start "$KBS" --db "$W/kb4.db" --secret "skywalker=$W/secret" \
    --tls-cert "$W/tls.crt" --tls-key "$W/tls.key"
hasnt "keybroker, 0600 files: no warning" "chmod 600" "$W/server.log"
stop
start "$CVS" --db "$W/v6.db" --ear-key "$W/ear.pem" \
    --provisioning-token-file "$W/token" \
    --tls-cert "$W/tls.crt" --tls-key "$W/tls.key"
hasnt "verifier, 0600 files: no warning" "chmod 600" "$W/server.log"
stop

# --- 7. keybroker-app -o: the secret owner-only, devices kept ---
start "$KBS" --db "$W/kb5.db" --trust-anchors "$W/ta.json" \
    --reference-values "$W/rims.json"
SECRET="May the force be with you."
(umask 0; "$APP" -q -e "$URL" $EMU -o "$W/s1" skywalker)
check "app -o, umask 0: exit 0" 0 $?
check "app -o, umask 0: the secret" "$SECRET" "$(cat "$W/s1")"
check "app -o, umask 0: mode 0600" 600 "$(mode "$W/s1")"
printf 'old' >"$W/s2"
chmod 644 "$W/s2"
"$APP" -q -e "$URL" $EMU -o "$W/s2" skywalker
check "app -o, existing 0644 file: the secret" "$SECRET" "$(cat "$W/s2")"
check "app -o, existing 0644 file: now 0600" 600 "$(mode "$W/s2")"
printf 'old' >"$W/s3.target"
chmod 644 "$W/s3.target"
ln -s s3.target "$W/s3"
"$APP" -q -e "$URL" $EMU -o "$W/s3" skywalker
check "app -o symlink: still a symlink" yes \
    "$([ -L "$W/s3" ] && echo yes)"
check "app -o symlink: the secret in its target" "$SECRET" \
    "$(cat "$W/s3.target")"
check "app -o symlink: target now 0600" 600 "$(mode "$W/s3.target")"
mkfifo "$W/fifo"
timeout 20 cat "$W/fifo" >"$W/fifo.out" &
RPID=$!
timeout 20 "$APP" -q -e "$URL" $EMU -o "$W/fifo" skywalker
check "app -o FIFO: exit 0" 0 $?
wait "$RPID"
RPID=
check "app -o FIFO: still a FIFO" yes "$([ -p "$W/fifo" ] && echo yes)"
check "app -o FIFO: the reader got the secret" "$SECRET" \
    "$(cat "$W/fifo.out")"
"$APP" -q -e "$URL" $EMU -o /dev/null skywalker
check "app -o /dev/null: exit 0" 0 $?
check "app -o /dev/null: still a character device" yes \
    "$([ -c /dev/null ] && echo yes)"
stop

echo "# data at rest: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
