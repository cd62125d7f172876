#!/bin/sh
# The status page (GET /, docs/operations.md) in a real browser: headless
# Chromium loads keybroker-server's page after two attestations (one key
# released, one refused), its DOM must show the service, version,
# configuration, the outcomes with their trust vectors and the counters,
# and nothing of the secrets; a screenshot is kept for a person to look
# at ($CCAKIT_ARTIFACTS, default the working directory:
# status-page.png). Skipped (77) without chromium.
#
# Environment: CCAKIT_BIN (build/bin), CCAKIT_SRC (the source tree).
set -u
BIN=${CCAKIT_BIN:?}
SRC=${CCAKIT_SRC:?}
OUT=${CCAKIT_ARTIFACTS:-$(pwd)}
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
	echo "skipped: no chromium (Debian package chromium)"
	exit 77
fi
# $W, TAP lines, start/stop of a server on a free port, always killed.
. "$SRC/tests/services/http-lib.sh"
has() { # has DESC PATTERN: in the DOM (grep -E)
	if grep -q -E -- "$2" "$W/dom.html"; then ok "$1"; else
		nok "$1 (no /$2/)"; fi
}

# The demo's platform and realm, a secret of the test's own.
"$BIN/ccatoken" create --claims "$SRC/demo/claims.json" \
    --platform-key "$SRC/demo/cpak.pem" --realm-key "$SRC/demo/rak.pem" \
    -o "$W/good.cbor"
"$BIN/ccatoken" golden -e "$W/good.cbor" -c "$SRC/demo/cpak.jwk.json" \
    -t "$W/ta.json" -r "$W/rv.json" >/dev/null
RIM=$(sed -n 's/.*"cca-realm-initial-measurement": *"\([^"]*\)".*/\1/p' \
    "$SRC/demo/claims.json")
echo "{\"reference-values\": [\"$RIM\"]}" >"$W/rims.json"
sed "s#$RIM#$(head -c 32 /dev/urandom | base64)#" \
    "$SRC/demo/claims.json" >"$W/other.json"
SECRET=status-page-secret-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
(umask 077 && printf '%s' "$SECRET" >"$W/skywalker")

start keybroker-server --trust-anchors "$W/ta.json" \
    --reference-values "$W/rims.json" --secret "skywalker=$W/skywalker" \
    --metrics
URL=http://127.0.0.1:$PORT
app() {
	"$BIN/keybroker-app" -e "$URL" --attester emulated --claims "$1" \
	    --platform-key "$SRC/demo/cpak.pem" \
	    --realm-key "$SRC/demo/rak.pem" skywalker
}
[ "$(app "$SRC/demo/claims.json")" = "$SECRET" ] &&
    ok "the realm gets the key" || nok "the realm gets the key"
app "$W/other.json" >/dev/null 2>&1 && nok "another RIM is refused" ||
    ok "another RIM is refused"

chrome() {
	timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --disable-dev-shm-usage --no-first-run --no-default-browser-check \
	    --user-data-dir="$W/chrome" --hide-scrollbars "$@" 2>>"$W/chrome.log"
}
if chrome --dump-dom "$URL/" >"$W/dom.html" && [ -s "$W/dom.html" ]; then
	ok "chromium loads the page"
else
	nok "chromium loads the page"
	tail -5 "$W/chrome.log"
fi
has "the service" '<h1 id="service">keybroker-server</h1>'
has "the version" "<p id=\"version\">ccakit $("$BIN/keybroker-server" \
    --version | cut -d' ' -f2)</p>"
has "the uptime" '<p id="uptime">up 0d 00h 0[0-9]m [0-9]{2}s, since '
has "the configuration" '<th>trust anchors</th><td>1</td>'
has "the configuration: the secrets counted" '<th>secrets</th><td>1</td>'
has "the configuration: the listener" "<th>listen</th><td>$URL</td>"
has "two attestations" 'Last attestations \(2 of 2\)'
has "one key released" '<span class="t released">released</span>'
has "one refused" '<span class="t denied">denied</span>'
has "their subject" '<td>key skywalker, challenge [0-9]+</td>'
has "the trust vectors" '<b>CCA_REALM</b>.*instance-identity'
has "the counters" 'ccakit_attestation_decisions_total'
has "the request counters" 'route=/keys/v1/evidence/\{\}, method=POST, status=200'
if grep -q -i -e '<script' -e "$SECRET" "$W/dom.html"; then
	nok "no script and no secret on the page"
else
	ok "no script and no secret on the page"
fi
rm -f "$OUT/status-page.png"
if chrome --window-size=1280,1500 --screenshot="$OUT/status-page.png" \
    "$URL/" && [ "$(od -An -N4 -tx1 "$OUT/status-page.png" |
    tr -d ' ')" = "89504e47" ]; then
	ok "screenshot: $OUT/status-page.png"
else
	nok "screenshot"
	tail -5 "$W/chrome.log"
fi
stop
finish
