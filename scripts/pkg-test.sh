#!/bin/sh
# The Debian packages (docs/operations.md), end to end, in a few minutes:
#  1. build them from a copy of the tree (dpkg-buildpackage -b -us -uc,
#     the tests left to scripts/test.sh), the version the project's
#     (CMakeLists.txt) and debian/changelog's;
#  2. lintian: no error;
#  3. install them into an empty root with dpkg --root (their maintainer
#     scripts run against DPKG_ROOT: the system user, the secrets
#     directory, the provisioning token), every file of the packages'
#     .install lists there;
#  4. systemd-analyze verify on the units as installed;
#  5. the demo against the installed tools and servers, and an example
#     built with the installed headers, pkg-config file and libraries
#     (shared: LD_LIBRARY_PATH into the root; static);
#  6. each service started with its unit's command line and its
#     /etc/ccakit options (the root's paths, this test's state and
#     credentials directories): the provisioning token works, the key
#     broker holds no secret until one is put in its directory, kbs
#     answers RCAR with its shipped configuration and keeps its admin
#     API closed, /metrics;
#  7. purge: the token, the state and the packages' files are gone.
# Ends with "N passed, M failed"; exit status 1 if any failed. Run as root
# (dpkg --root); KEEP=1 keeps the work directory.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
"$SRC/scripts/install-deps.sh" packaging >/dev/null
JOBS=$(nproc)
W=$(mktemp -d)
R=$W/root
PIDS=
cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -n "${KEEP:-}" ] && echo "kept $W" || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok $pass - $1"; }
nok() { fail=$((fail + 1)); echo "not ok - $1"; }
check() { # check DESC EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then ok "$1"; else nok "$1 (want '$2', got '$3')"; fi
}
run() { # run DESC CMD...: the command exits 0
	d=$1
	shift
	if "$@" >"$W/out" 2>&1; then
		ok "$d"
	else
		nok "$d"
		sed 's/^/#   /' "$W/out" | tail -20
	fi
}

# --- 1. build ---
VERSION=$(sed -n 's/^project(ccakit VERSION \([0-9.]*\).*/\1/p' \
    "$SRC/CMakeLists.txt")
DEBVER=$(sed -n '1s/^ccakit (\([^)]*\)).*/\1/p' "$SRC/debian/changelog")
check "debian/changelog has the project's version" "$VERSION" \
    "${DEBVER%-*}"
T=$W/ccakit-$VERSION
mkdir -p "$T"
if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
	# The tree as it is (tracked and new files), without build output.
	(cd "$SRC" && git ls-files -z --cached --others --exclude-standard) |
	    (cd "$SRC" && xargs -0 sh -c 'for f; do [ -e "$f" ] &&
	    cp -P --parents "$f" "$0"; done; exit 0' "$T")
else
	(cd "$SRC" && tar cf - --exclude='./build*' .) | (cd "$T" && tar xf -)
fi
echo "== dpkg-buildpackage -b -us -uc (log: $W/build.log) =="
t0=$(date +%s)
if (cd "$T" && DEB_BUILD_OPTIONS="nocheck parallel=$JOBS" \
    dpkg-buildpackage -b -us -uc) >"$W/build.log" 2>&1; then
	ok "dpkg-buildpackage built the packages ($(($(date +%s) - t0)) s)"
else
	nok "dpkg-buildpackage"
	tail -30 "$W/build.log"
	echo "$pass passed, $((fail + 1)) failed"
	exit 1
fi
CHANGES=$W/ccakit_${DEBVER}_$(dpkg --print-architecture).changes
PKGS="libccakit0 libccakit-dev ccakit-tools ccakit-services ccakit-agent"
DEBS=
for p in $PKGS; do
	f=$(ls "$W/${p}_${DEBVER}"_*.deb 2>/dev/null || true)
	if [ -n "$f" ]; then
		ok "package $p $(dpkg-deb -f "$f" Version) ($(($(stat \
		    -c %s "$f") / 1024)) KiB, installed $(dpkg-deb -f "$f" \
		    Installed-Size) KiB)"
		DEBS="$DEBS $f"
	else
		nok "package $p was built"
	fi
done

# --- 2. lintian ---
lintian --fail-on error "$CHANGES" >"$W/lintian" 2>&1 && st=0 || st=$?
check "lintian: no error ($(grep -c '^W:' "$W/lintian") warnings)" 0 "$st"
grep '^[EW]:' "$W/lintian" | sed 's/^/#   /'
# Can this system install them (every dependency satisfiable)?
# shellcheck disable=SC2086
run "apt-get can install them here" apt-get -s -q install $DEBS

# --- 3. install into an empty root ---
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates"
: >"$R/var/lib/dpkg/status"
: >"$R/var/lib/dpkg/available"
# The root has no libc of its own (the binaries run with this system's
# libraries): dependencies are not checked there, scripts run outside it.
# shellcheck disable=SC2086
run "dpkg --root installs them" dpkg --root="$R" --force-script-chrootless \
    --force-depends --log=/dev/null -i $DEBS
for p in $PKGS; do
	st=$(dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${Status}' "$p" \
	    2>/dev/null || true)
	check "$p installed" "install ok installed" "$st"
done
# Every program of the .install lists is there and says its version.
for p in ccakit-tools ccakit-services ccakit-agent; do
	for f in $(grep -E '^usr/s?bin/' "$SRC/debian/$p.install"); do
		out=$("$R/$f" --version 2>&1 | head -n 1 || true)
		# "NAME VERSION", or Trustee's "NAME (ccakit) VERSION, ..."
		case $out in
		"$(basename "$f") $VERSION"*|"$(basename "$f") (ccakit) $VERSION"*)
			out="$(basename "$f") $VERSION" ;;
		esac
		check "$p: /$f --version" "$(basename "$f") $VERSION" "$out"
		if ! ldd "$R/$f" >"$W/ldd" 2>&1 || grep -q 'not found' "$W/ldd"; then
			nok "/$f: every library found"
		else
			ok "/$f: every library found"
		fi
		m=$(basename "$f")
		if [ -e "$R/usr/share/man/man1/$m.1.gz" ] ||
		    [ -e "$R/usr/share/man/man8/$m.8.gz" ]; then
			ok "/$f: man page"
		else
			nok "/$f: man page"
		fi
	done
done
uid=$(awk -F: '$1 == "ccakit" { print $3 }' "$R/etc/passwd" 2>/dev/null ||
    true)
if [ -n "$uid" ]; then ok "system user ccakit ($uid)"; else
	nok "system user ccakit"; fi
check "the key broker's secrets directory: 700, ccakit's" "700 $uid" \
    "$(stat -c '%a %u' "$R/etc/ccakit/keybroker-server/secrets" 2>&1)"
TOKF=$R/etc/ccakit/cca-verifier/provisioning-token
check "the provisioning token: 600, 64 hex digits" "600 64" \
    "$(stat -c %a "$TOKF" 2>&1) $(tr -cd '0-9a-f' <"$TOKF" | wc -c)"
conf=$(dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${Conffiles}' \
    ccakit-services | awk '{ print $1 }' | LC_ALL=C sort | tr '\n' ' ')
check "conffiles" "/etc/ccakit/cca-verifier.env /etc/ccakit/kbs-config.toml /etc/ccakit/kbs.env /etc/ccakit/keybroker-server.env " \
    "$conf"
check "ccakit-agent's conffile" "/etc/default/ccakit-agent" \
    "$(dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${Conffiles}' \
    ccakit-agent | awk '{ print $1 }' | tr -d '\n')"
if [ -f "$R/lib/systemd/system/ccakit-agent.service" ]; then
	ok "ccakit-agent.service is installed"
else
	nok "ccakit-agent.service is installed"
fi
for f in $(grep -E '^usr/sbin/' "$SRC/debian/ccakit-services.install"); do
	u=$(basename "$f").service
	if [ -f "$R/lib/systemd/system/$u" ]; then ok "$u is installed"; else
		nok "$u is installed"; fi
done
enabled=$(find "$R/etc/systemd" -name '*.service' 2>/dev/null | wc -l)
check "the units are not enabled on installation" 0 "$enabled"

# --- 4. the units ---
mkdir -p "$W/units"
for u in "$R"/lib/systemd/system/*.service; do
	# The root's programs; systemd-analyze finds their man pages there.
	sed "s#^ExecStart=/#ExecStart=$R/#" "$u" >"$W/units/$(basename "$u")"
done
if MANPATH=$R/usr/share/man systemd-analyze verify "$W"/units/*.service \
    >"$W/verify" 2>&1 && [ ! -s "$W/verify" ]; then
	ok "systemd-analyze verify: $(cd "$W/units" && echo *.service)"
else
	nok "systemd-analyze verify"
	sed 's/^/#   /' "$W/verify"
fi
for u in "$W"/units/*.service; do
	doc=$(sed -n 's#^Documentation=.*file:\([^ ]*\).*#\1#p' "$u")
	if [ -z "$doc" ] || [ -e "$R$doc" ]; then
		ok "$(basename "$u"): its documentation is installed"
	else
		nok "$(basename "$u"): $doc is not installed"
	fi
	# systemd's own exposure score (0 safest .. 10), for the record.
	sc=$(systemd-analyze security --offline=yes "$u" 2>/dev/null |
	    sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
	[ -n "$sc" ] && echo "# $(basename "$u"): exposure $sc (systemd-analyze security)"
done

# --- 5. the demo and the library ---
cd "$SRC"
run "the demo against the installed programs" env \
    CCATOKEN="$R/usr/bin/ccatoken" \
    KEYBROKER_SERVER="$R/usr/sbin/keybroker-server" \
    KEYBROKER_APP="$R/usr/bin/keybroker-app" KBS="$R/usr/sbin/kbs" \
    KBS_CLIENT="$R/usr/bin/kbs-client" \
    CCAKIT_AGENT="$R/usr/sbin/ccakit-agent" sh scripts/demo.sh
grep -q 'demo: OK' "$W/out" || nok "the demo says OK"
TRIPLET=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
LIB=$R/usr/lib/$TRIPLET
PC="pkg-config --define-variable=prefix=$R/usr"
export PKG_CONFIG_PATH="$LIB/pkgconfig"
# shellcheck disable=SC2046
run "the example builds with the installed headers and pkg-config file" \
    cc -std=c11 -Wall -Wextra -Werror \
    "$R/usr/share/doc/libccakit-dev/examples/verify-token.c" \
    $($PC --cflags --libs ccakit) -o "$W/verify-token"
# shellcheck disable=SC2046
run "and statically with libccakit.a" cc -std=c11 \
    "$R/usr/share/doc/libccakit-dev/examples/verify-token.c" \
    $($PC --cflags ccakit) "$LIB/libccakit.a" \
    $($PC --static --libs-only-l ccakit | sed 's/-lccakit//') \
    -o "$W/verify-token-static"
check "the example loads the installed libccakit.so.0" "$LIB/libccakit.so.0" \
    "$(LD_LIBRARY_PATH=$LIB ldd "$W/verify-token" |
    sed -n 's/.*libccakit.so.0 => \([^ ]*\).*/\1/p')"
"$R/usr/bin/ccatoken" create --claims demo/claims.json \
    --platform-key demo/cpak.pem --realm-key demo/rak.pem -o "$W/tok.cbor"
"$R/usr/bin/ccatoken" golden -e "$W/tok.cbor" -c demo/cpak.jwk.json \
    -t "$W/ta.json" -r "$W/rv.json" >/dev/null
run "the example verifies a token (shared library)" \
    env LD_LIBRARY_PATH="$LIB" "$W/verify-token" "$W/tok.cbor" "$W/ta.json"
grep -q 'verify: success' "$W/out" || nok "verify: success"
run "the example verifies a token (static library)" \
    "$W/verify-token-static" "$W/tok.cbor" "$W/ta.json"

# --- 6. the services as their units start them ---
mkdir -p "$W/state" "$W/creds"
chmod 700 "$W/state"
cp "$TOKF" "$W/creds/provisioning-token"
# start UNIT VAR EXTRA...: the unit's ExecStart with the root's paths and
# its options file, and EXTRA (a free port); URL, PID.
start() {
	cmd=$(sed -n 's/^ExecStart=//p' "$R/lib/systemd/system/$1" | sed \
	    -e "s#^/#$R/#" -e "s#\${STATE_DIRECTORY}#$W/state#g" \
	    -e "s#\${CREDENTIALS_DIRECTORY}#$W/creds#g" \
	    -e "s# /etc/ccakit/# $R/etc/ccakit/#g")
	# shellcheck disable=SC1090
	. "$R/etc/ccakit/${1%.service}.env"
	u=$1 v=$2
	shift 2
	rm -f "$W/port"
	eval "exec $cmd --port-file $W/port $*" 2>"$W/${u%.service}.log" &
	PID=$!
	PIDS="$PIDS $PID"
	i=0
	while [ ! -s "$W/port" ]; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$PID" 2>/dev/null; then
			nok "$u starts ($v: $(eval echo "\$$v"))"
			sed 's/^/#   /' "$W/${u%.service}.log"
			return 1
		fi
		sleep 0.05
	done
	URL=http://127.0.0.1:$(cat "$W/port")
	ok "$u starts with its unit's command line"
}
stop() {
	kill "$PID" 2>/dev/null
	wait "$PID" && st=0 || st=$?
	check "$1 stops cleanly on SIGTERM" 0 "$st"
}
http() { # http METHOD URL [curl args...] -> status, body in $W/b
	m=$1 u=$2
	shift 2
	curl -s -o "$W/b" -w '%{http_code}' -X "$m" "$@" "$u"
}

if start cca-verifier.service CCA_VERIFIER_OPTS -p 0 --metrics; then
	check "cca-verifier: discovery" 200 \
	    "$(http GET "$URL/.well-known/veraison/verification")"
	check "cca-verifier: provisioning with the installed token" 201 \
	    "$(http POST "$URL/provisioning/v1/trust-anchors" \
	    -H "Authorization: Bearer $(cat "$TOKF")" \
	    -H 'Content-Type: application/json' --data-binary "@$W/ta.json")"
	check "cca-verifier: provisioning with another token" 401 \
	    "$(http GET "$URL/provisioning/v1/trust-anchors" \
	    -H 'Authorization: Bearer not-the-token')"
	check "cca-verifier: /metrics (--metrics)" 200 \
	    "$(http GET "$URL/metrics")"
	if grep -q "^ccakit_build_info{service=\"cca-verifier\",version=\"$VERSION\"} 1\$" \
	    "$W/b"; then ok "cca-verifier: build_info"; else
		nok "cca-verifier: build_info"; fi
	check "cca-verifier: its database in the state directory, 600" 600 \
	    "$(stat -c %a "$W/state/cca-verifier.db" 2>&1)"
	stop cca-verifier
fi
JWK='{"pubkey":{"kty":"RSA","alg":"RSA1_5","n":"'$(openssl genrsa 2048 \
    2>/dev/null | openssl rsa -noout -modulus | cut -d= -f2 |
    perl -ne 'chomp; print pack("H*", $_)' | basenc --base64url -w0 |
    tr -d '=')'","e":"AQAB"}}'
if start keybroker-server.service KEYBROKER_SERVER_OPTS -p 0; then
	check "keybroker-server: no secret until one is configured" 404 \
	    "$(http POST "$URL/keys/v1/key/skywalker" \
	    -H 'Content-Type: application/json' --data "$JWK")"
	stop keybroker-server
fi
(umask 077 && printf 'a secret' \
    >"$R/etc/ccakit/keybroker-server/secrets/skywalker")
if start keybroker-server.service KEYBROKER_SERVER_OPTS -p 0; then
	check "keybroker-server: a secret of its directory" 201 \
	    "$(http POST "$URL/keys/v1/key/skywalker" \
	    -H 'Content-Type: application/json' --data "$JWK")"
	check "keybroker-server: its database in the state directory" 600 \
	    "$(stat -c %a "$W/state/keybroker.db" 2>&1)"
	stop keybroker-server
fi

# kbs listens where its configuration says: the installed one's port, 0.
KBSCONF=$R/etc/ccakit/kbs-config.toml
check "kbs: its configuration listens on 127.0.0.1:8090" 1 \
    "$(grep -c '^sockets = \["127.0.0.1:8090"\]$' "$KBSCONF")"
sed -i 's/"127.0.0.1:8090"/"127.0.0.1:0"/' "$KBSCONF"
if start kbs.service KBS_OPTS; then
	check "kbs: RCAR /auth" 200 "$(http POST "$URL/kbs/v0/auth" \
	    -H 'Content-Type: application/json' \
	    --data '{"version":"0.4.0","tee":"sample","extra-params":{}}')"
	check "kbs: the admin API is closed (DenyAll)" 401 \
	    "$(http POST "$URL/kbs/v0/resource-policy" \
	    -H 'Content-Type: application/json' --data '{"policy":"YQ"}')"
	check "kbs: /metrics" 200 "$(http GET "$URL/metrics")"
	if grep -q "^kbs_build_info{.*version=\"ccakit $VERSION\"} 1\$" "$W/b"
	then ok "kbs: build_info"; else nok "kbs: build_info"; fi
	check "kbs: its database in the state directory, 600" 600 \
	    "$(stat -c %a "$W/state/kbs.db" 2>&1)"
	stop kbs
fi

# --- 7. purge ---
rm -f "$R/etc/ccakit/keybroker-server/secrets/skywalker"
mkdir -p "$R/var/lib/ccakit"
: >"$R/var/lib/ccakit/cca-verifier.db"
# shellcheck disable=SC2086
run "dpkg --root purges them" dpkg --root="$R" --force-script-chrootless \
    --force-depends --log=/dev/null --purge $PKGS
left=$(cd "$R" && find . -type f | grep -v -E '^\./(var/lib/dpkg/|var/lib/systemd/|etc/(passwd|group|shadow|gshadow|\.pwd\.lock)$)' |
    sort | tr '\n' ' ')
check "nothing of them is left (token, state, files)" "" "$left"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
