#!/bin/sh
# CLI tests of ccatoken: outputs, exit statuses and bad input on tokens and
# EARs the tests make themselves (the emulated realm's demo/ claims and
# keys, keys made here), then the upstream vectors when they are present.
# Needs CCAKIT_BIN (build/bin); vectors from CCAKIT_VECTORS (tests/vectors.sh).
set -u
BIN=${CCAKIT_BIN:?}/ccatoken
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
		bad "$desc: exit $got, want $want"; sed 's/^/  | /' "$T/err" >&2
	fi
}
# has FILE TEXT DESCRIPTION: FILE contains the fixed string TEXT
has() {
	if grep -qF -- "$2" "$1"; then ok; else
		bad "$3: '$2' not in output"; sed 's/^/  | /' "$1" >&2; fi
}
same() {
	if cmp -s "$1" "$2"; then ok; else
		bad "$3: output differs"; diff "$1" "$2" | head -20 >&2; fi
}

ii() { printf 'platform trust vector: {\n  "instance-identity": %s\n}\n' "$1"; }
all() {
	printf '%s: {\n' "$1"
	for c in instance-identity configuration executables file-system \
		hardware runtime-opaque storage-opaque; do
		printf '  "%s": %s,\n' "$c" "$2"
	done
	printf '  "sourced-data": %s\n}\n' "$2"
}

b64url() { basenc --base64url -w0 | tr -d '='; }
# es256_jwt KEY PAYLOAD-FILE: a compact JWS (ES256) of the payload.
es256_jwt() {
	printf '{"alg":"ES256","typ":"JWT"}' | b64url >"$T/jws-h"
	b64url <"$2" >"$T/jws-p"
	printf '%s.%s' "$(cat "$T/jws-h")" "$(cat "$T/jws-p")" >"$T/jws-in"
	# DER (r, s) to the JWS form: r and s as 32 bytes each.
	sig=$(openssl dgst -sha256 -sign "$1" "$T/jws-in" |
	    openssl asn1parse -inform DER | sed -n 's/.*INTEGER *://p' |
	    while read -r h; do printf '%064s' "$h" | tr ' ' 0; done |
	    perl -ne 'print pack("H*", $_)' | b64url)
	printf '%s.%s\n' "$(cat "$T/jws-in")" "$sig"
}

# ear_checks PEM JWK EAR SUBMOD: ear-verify of a good EAR (affirming,
# ii=2 exe=2 hw=2) with its key as PEM and JWK, and its refusals.
ear_checks() {
	expect 0 "ear-verify (PEM key)" -- "$BIN" ear-verify -k "$1" "$3"
	has "$T/out" "EAR verified" "ear-verify"
	has "$T/out" "submod $4: affirming" "ear-verify submod"
	has "$T/out" "instance-identity=2 executables=2 hardware=2" \
		"ear-verify tv"
	expect 0 "ear-verify (JWK key, JSON, stdin)" -- sh -c \
		"'$BIN' ear-verify -k '$2' --json - <'$3'"
	has "$T/out" '"ear.status": "affirming"' "ear-verify --json"
	expect 3 "ear-verify wrong key" -- "$BIN" ear-verify \
		-k "$DEMO/cpak.jwk.json" "$3"
	expect 3 "ear-verify nonce absent" -- "$BIN" ear-verify \
		-k "$2" --nonce 0011 "$3"
	expect 3 "ear-verify too old" -- "$BIN" ear-verify \
		-k "$2" --max-age 60 "$3"
	# The last character of the signature, changed (it holds 2 bits:
	# A, Q, g or w).
	sed -e 's/A$/Q/' -e t -e 's/.$/A/' "$3" >"$T/flip.jwt"
	expect 3 "ear-verify flipped signature" -- "$BIN" ear-verify \
		-k "$2" "$T/flip.jwt"
	printf 'not a jwt' >"$T/bad.jwt"
	expect 2 "ear-verify garbage" -- "$BIN" ear-verify -k "$2" \
		"$T/bad.jwt"
	expect 1 "ear-verify without key" -- "$BIN" ear-verify "$3"
	expect 1 "ear-verify bad alg" -- "$BIN" ear-verify -k "$2" \
		--alg none "$3"
}

# A token of the emulated realm (demo/ claims and keys) in both formats,
# and its golden trust anchor and reference values.
for fmt in 399 907; do
	"$BIN" create --claims "$DEMO/claims.json" --platform-key \
	    "$DEMO/cpak.pem" --realm-key "$DEMO/rak.pem" --format $fmt \
	    --challenge 0102030405 -o "$T/emu-$fmt.cbor" &&
	"$BIN" golden -e "$T/emu-$fmt.cbor" -c "$DEMO/cpak.jwk.json" \
	    -t "$T/emu-ta.json" -r "$T/emu-rv.json" >/dev/null ||
	    { echo "cannot make the emulated realm's token" >&2; exit 1; }
done
TOK=$T/emu-399.cbor
TA=$T/emu-ta.json
RV=$T/emu-rv.json

# --- help, version, usage errors ---
expect 0 "--help" -- "$BIN" --help
has "$T/out" "Usage: ccatoken" "--help"
expect 0 "--version" -- "$BIN" --version
has "$T/out" "ccatoken " "--version"
for c in verify appraise golden show create ear-verify; do
	expect 0 "$c --help" -- "$BIN" $c --help
	has "$T/out" "Usage: ccatoken $c" "$c --help"
	expect 1 "$c bad option" -- "$BIN" $c --no-such-option
done
expect 1 "no command" -- "$BIN"
expect 1 "unknown command" -- "$BIN" frobnicate
expect 1 "bad challenge hex" -- "$BIN" verify -e "$TOK" -t "$TA" \
	--challenge zz
expect 1 "challenge too long" -- "$BIN" verify -e "$TOK" -t "$TA" \
	--challenge "$(printf '%0130d' 0)"
expect 1 "create without keys" -- "$BIN" create --claims x -o y

# --- the emulated realm's token: verify, freshness, appraise, show ---
expect 0 "verify emulated" -- "$BIN" verify -e "$TOK" -t "$TA"
{ printf 'verification completed\n'; ii 2
  printf 'realm trust vector: {\n  "instance-identity": 2\n}\n'; } \
	>"$T/want"
same "$T/out" "$T/want" "verify emulated output"
expect 0 "verify --json from stdin" -- sh -c \
	"'$BIN' verify -e - -t '$TA' --json <'$T/emu-907.cbor'"
has "$T/out" '"verified": true' "verify --json"
expect 0 "challenge ok" -- "$BIN" verify -e "$TOK" -t "$TA" \
	--challenge 0102030405
CH=$("$BIN" show "$TOK" | sed -n 's/.*"cca-realm-challenge": "\(.*\)".*/\1/p')
expect 0 "challenge ok (b64)" -- "$BIN" verify -e "$TOK" -t "$TA" \
	--challenge-b64 "$CH"
expect 3 "challenge mismatch" -- "$BIN" verify -e "$TOK" -t "$TA" \
	--challenge 00112233
has "$T/err" "challenge" "challenge mismatch message"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
	-out "$T/other.pem" 2>/dev/null
"$BIN" create --claims "$DEMO/claims.json" --platform-key "$T/other.pem" \
	--realm-key "$DEMO/rak.pem" -o "$T/other.cbor" || bad "create other"
expect 3 "verify, platform key not the anchor's" -- "$BIN" verify \
	-e "$T/other.cbor" -t "$TA"
expect 0 "appraise emulated" -- "$BIN" appraise -e "$TOK" -r "$RV"
has "$T/out" "appraisal completed" "appraise emulated"
expect 0 "show emulated" -- "$BIN" show "$TOK"
has "$T/out" '"cca-platform-profile": "tag:arm.com,2023:cca_platform#1.0.0"' \
	"show"
has "$T/out" '"cca-realm-delegated-token"' "show realm"
expect 0 "show --diag" -- "$BIN" show --diag "$TOK"
has "$T/out" "399(" "show --diag tag"
expect 1 "show without token" -- "$BIN" show
# The public JWK of a P-384 key (x and y end its SubjectPublicKeyInfo).
jwk384() {
	openssl pkey -in "$1" -pubout -outform DER 2>/dev/null >"$T/spki"
	printf '{"kty":"EC","crv":"P-384","x":"%s","y":"%s"}' \
	    "$(tail -c 96 "$T/spki" | head -c 48 | b64url)" \
	    "$(tail -c 48 "$T/spki" | b64url)"
}
jwk384 "$T/other.pem" >"$T/other.jwk"
expect 3 "golden with the wrong CPAK" -- "$BIN" golden -e "$TOK" \
	-c "$T/other.jwk" -t "$T/ta2.json" -r "$T/rv2.json"
if [ -e "$T/ta2.json" ]; then bad "golden wrote output on failure"; else ok; fi

# --- create: round trips in both formats, with the demo keys ---
for fmt in 399 907; do
	expect 0 "create $fmt" -- "$BIN" create --claims "$DEMO/claims.json" \
		--platform-key "$DEMO/cpak.pem" --realm-key "$DEMO/rak.pem" \
		--format $fmt --challenge 0102030405 -o "$T/new-$fmt.cbor"
	expect 0 "golden of created $fmt" -- "$BIN" golden \
		-e "$T/new-$fmt.cbor" -c "$DEMO/cpak.jwk.json" \
		-t "$T/ta-$fmt.json" -r "$T/rv-$fmt.json"
	expect 0 "verify created $fmt" -- "$BIN" verify -e "$T/new-$fmt.cbor" \
		-t "$T/ta-$fmt.json" --challenge 0102030405
	expect 0 "appraise created $fmt" -- "$BIN" appraise \
		-e "$T/new-$fmt.cbor" -r "$T/rv-$fmt.json"
done
if [ "$(od -An -N3 -tx1 "$T/new-907.cbor" | tr -d ' ')" = d9038b ]; then ok
else bad "907 token does not start with tag 907"; fi
if [ "$(od -An -N3 -tx1 "$T/new-399.cbor" | tr -d ' ')" = d9018f ]; then ok
else bad "399 token does not start with tag 399"; fi
openssl pkey -in "$DEMO/cpak.pem" -pubout -out "$T/cpak-pub.pem" 2>/dev/null
expect 2 "create with a public key" -- "$BIN" create \
	--claims "$DEMO/claims.json" --platform-key "$T/cpak-pub.pem" \
	--realm-key "$DEMO/rak.pem" -o "$T/x.cbor"
printf '{"cca-platform-token": {}}' >"$T/bad-claims.json"
expect 2 "create with bad claims" -- "$BIN" create --claims "$T/bad-claims.json" \
	--platform-key "$DEMO/cpak.pem" --realm-key "$DEMO/rak.pem" -o "$T/x.cbor"

# --- malformed input never crashes: exit 2 with a message ---
expect 2 "missing file" -- "$BIN" verify -e "$T/nonexistent" -t "$TA"
has "$T/err" "No such file" "missing file message"
printf '\241\012\001' >"$T/map.cbor"	# {10: 1}: a map, not a collection
expect 2 "claims map as token" -- "$BIN" verify -e "$T/map.cbor" -t "$TA"
expect 2 "TA store is not JSON" -- "$BIN" verify -e "$TOK" -t "$TOK"
expect 2 "RV store is not JSON" -- "$BIN" appraise -e "$TOK" -r "$TOK"
head -c 600 "$TOK" >"$T/trunc.cbor"
expect 2 "truncated token" -- "$BIN" verify -e "$T/trunc.cbor" -t "$TA"
: >"$T/empty"
expect 2 "empty token" -- "$BIN" show "$T/empty"
head -c 100000 /dev/zero >"$T/big"
expect 2 "oversized token" -- "$BIN" show "$T/big"
cp "$TOK" "$T/trail.cbor"; printf '\0' >>"$T/trail.cbor"
expect 2 "trailing byte" -- "$BIN" show "$T/trail.cbor"
# A flipped bit in the realm signature (the token's last bytes): rejected,
# not malformed.
cp "$TOK" "$T/flip.cbor"
printf '\377' | dd of="$T/flip.cbor" bs=1 seek=$(($(wc -c <"$TOK") - 20)) \
	conv=notrunc 2>/dev/null
expect 3 "flipped signature byte" -- "$BIN" verify -e "$T/flip.cbor" -t "$TA"

# --- ear-verify: an EAR signed here with a key made here ---
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	-out "$T/ear-key.pem" 2>/dev/null
openssl pkey -in "$T/ear-key.pem" -pubout -out "$T/ear-pub.pem" 2>/dev/null
openssl pkey -in "$T/ear-key.pem" -pubout -outform DER 2>/dev/null >"$T/spki"
printf '{"kty":"EC","crv":"P-256","x":"%s","y":"%s"}' \
	"$(tail -c 64 "$T/spki" | head -c 32 | b64url)" \
	"$(tail -c 32 "$T/spki" | b64url)" >"$T/ear-pub.jwk"
printf '{"eat_profile":"tag:github.com,2023:veraison/ear","iat":%s,' \
	"$(($(date +%s) - 3600))" >"$T/ear.json"
printf '"ear.verifier-id":{"build":"ccakit tests","developer":"%s"},' \
	"https://ccakit.example" >>"$T/ear.json"
printf '"submods":{"CCA_REALM":{"ear.status":"affirming",%s}}}' \
	'"ear.trustworthiness-vector":{"instance-identity":2,"executables":2,"hardware":2}' \
	>>"$T/ear.json"
es256_jwt "$T/ear-key.pem" "$T/ear.json" >"$T/ear.jwt"
ear_checks "$T/ear-pub.pem" "$T/ear-pub.jwk" "$T/ear.jwt" CCA_REALM

# === upstream vectors: rust-ccatoken and Go ccatoken ===
if have_vectors rust-ccatoken go-ccatoken; then
R=$VECTORS/rust-ccatoken
G=$VECTORS/go-ccatoken

# --- verify matrix (rust-ccatoken semantics of the trust vectors) ---
# token ta expected-exit platform-ii realm(ii|all-N)
while read -r tok ta st pii rv; do
	expect "$st" "verify $tok $ta" -- "$BIN" verify -e "$R/$tok" -t "$R/$ta"
	has "$T/out" "verification completed" "verify $tok $ta"
	case $pii in
	all-*) all "platform trust vector" "${pii#all-}" >"$T/want" ;;
	*) ii "$pii" >"$T/want" ;;
	esac
	case $rv in
	all-*) all "realm trust vector" "${rv#all-}" >>"$T/want" ;;
	*) printf 'realm trust vector: {\n  "instance-identity": %s\n}\n' "$rv" >>"$T/want" ;;
	esac
	printf 'verification completed\n' | cat - "$T/want" >"$T/want2"
	same "$T/out" "$T/want2" "verify $tok $ta output"
done <<'MATRIX'
cca-token-01.cbor ta-tfa.json 0 2 2
cca-token-01.cbor ta-02-ok.json 3 97 all-0
cca-token-01.cbor ta-02-bad.json 3 97 all-0
cca-token-01.cbor ta.json 3 97 all-0
cca-token-02.cbor ta-tfa.json 3 97 all-0
cca-token-02.cbor ta-02-ok.json 0 2 2
cca-token-02.cbor ta-02-bad.json 3 all-99 all-0
cca-token-02.cbor ta.json 3 97 all-0
cca-token-draft-ffm-00.cbor ta-tfa.json 0 2 2
cca-token-draft-ffm-00.cbor ta-02-ok.json 3 97 all-0
cca-token-draft-ffm-00.cbor ta.json 3 97 all-0
bug-33-repro.cbor ta-tfa.json 3 2 all-99
bug-33-repro.cbor ta-02-ok.json 3 97 all-0
MATRIX

# Go vectors: 907 and 399 wrappings of the same tokens.
expect 0 "verify GoodCCAToken (907)" -- "$BIN" verify \
	-e "$G/evidence/GoodCCAToken.cbor" -t "$R/ta-02-ok.json"
expect 0 "verify GoodLegacyCCAToken" -- "$BIN" verify \
	-e "$G/evidence/GoodLegacyCCAToken.cbor" -t "$R/ta-02-ok.json"
expect 0 "verify RMMLegacyEvidence (907)" -- "$BIN" verify \
	-e "$G/evidence/RMMLegacyEvidence.cbor" -t "$R/ta-tfa.json"
expect 2 "BadUnwrappedTokens" -- "$BIN" verify \
	-e "$G/evidence/BadUnwrappedTokens.cbor" -t "$R/ta-02-ok.json"
has "$T/err" "verification failed: " "BadUnwrappedTokens message"
expect 0 "tf-rmm cca_token" -- "$BIN" verify \
	-e "$G/realm/tf-rmm/cca_token.cbor" -t "$R/ta-tfa.json"
expect 3 "bug-33 is a binding failure" -- "$BIN" verify \
	-e "$R/bug-33-repro.cbor" -t "$R/ta-tfa.json"
has "$T/err" "binding" "bug-33 message"

# JSON output and stdin.
expect 0 "verify --json from stdin" -- sh -c \
	"'$BIN' verify -e - -t '$R/ta-tfa.json' --json <'$R/cca-token-01.cbor'"
has "$T/out" '"verified": true' "verify --json"

# Freshness: cca-token-01's realm challenge.
CH01=$("$BIN" show "$R/cca-token-01.cbor" | sed -n 's/.*"cca-realm-challenge": "\(.*\)".*/\1/p')
expect 0 "challenge ok (b64)" -- "$BIN" verify -e "$R/cca-token-01.cbor" \
	-t "$R/ta-tfa.json" --challenge-b64 "$CH01"
expect 3 "challenge mismatch" -- "$BIN" verify -e "$R/cca-token-01.cbor" \
	-t "$R/ta-tfa.json" --challenge 00112233
has "$T/err" "challenge" "challenge mismatch message"

# --- appraise ---
expect 0 "appraise token-01" -- "$BIN" appraise -e "$R/cca-token-01.cbor" \
	-r "$R/rv.json"
cat >"$T/want" <<'OUT'
appraisal completed
platform trust vector: {
  "instance-identity": 2,
  "configuration": 2,
  "executables": 3,
  "hardware": 2,
  "runtime-opaque": 32
}
realm trust vector: {
  "executables": 2
}
OUT
same "$T/out" "$T/want" "appraise token-01 output"
for tok in cca-token-02.cbor bug-33-repro.cbor cca-token-draft-ffm-00.cbor; do
	expect 3 "appraise $tok" -- "$BIN" appraise -e "$R/$tok" -r "$R/rv.json"
	{ printf 'appraisal completed\nplatform trust vector: {\n  "hardware": 97\n}\n'
	  all "realm trust vector" 0; } >"$T/want"
	same "$T/out" "$T/want" "appraise $tok output"
done

# --- golden ---
expect 0 "golden token-01" -- "$BIN" golden -e "$R/cca-token-01.cbor" \
	-c "$R/cpak.json" -t "$T/ta.json" -r "$T/rv.json"
has "$T/out" "golden values extraction successful" "golden message"
expect 0 "verify with golden TA" -- "$BIN" verify \
	-e "$R/cca-token-01.cbor" -t "$T/ta.json"
expect 0 "appraise with golden RV" -- "$BIN" appraise \
	-e "$R/cca-token-01.cbor" -r "$T/rv.json"
expect 3 "golden with the wrong CPAK" -- "$BIN" golden \
	-e "$R/cca-token-01.cbor" -c "$R/pkey.json" -t "$T/ta2.json" \
	-r "$T/rv2.json"
if [ -e "$T/ta2.json" ]; then bad "golden wrote output on failure"; else ok; fi

# --- show ---
expect 0 "show token-01" -- "$BIN" show "$R/cca-token-01.cbor"
has "$T/out" '"cca-platform-profile": "http://arm.com/CCA-SSD/1.0.0"' "show"
has "$T/out" '"cca-realm-delegated-token"' "show realm"
expect 0 "show --diag" -- "$BIN" show --diag "$R/cca-token-01.cbor"
has "$T/out" "399(" "show --diag tag"

# --- malformed upstream input ---
expect 2 "claims map as token" -- "$BIN" verify -e "$R/platform-claims.cbor" \
	-t "$R/ta-tfa.json"
expect 2 "TA store is not JSON" -- "$BIN" verify -e "$R/cca-token-01.cbor" \
	-t "$R/cca-token-01.cbor"
head -c 600 "$R/cca-token-01.cbor" >"$T/trunc.cbor"
expect 2 "truncated token" -- "$BIN" verify -e "$T/trunc.cbor" -t "$R/ta-tfa.json"
cp "$R/cca-token-01.cbor" "$T/flip.cbor"
printf '\377' | dd of="$T/flip.cbor" bs=1 seek=1200 conv=notrunc 2>/dev/null
expect 3 "flipped signature byte" -- "$BIN" verify -e "$T/flip.cbor" -t "$R/ta-tfa.json"
fi

# === upstream vectors: c-ear's EAR signed by Veraison's test key ===
if have_vectors c-ear; then
E=$VECTORS/c-ear
ear_checks "$E/cear-pkey.pem" "$E/veraison-pub.jwk" "$E/cear-ear.jwt" \
	PARSEC_TPM
fi

# --- ear-verify: the other forms veraison/ear reads ---
# The other forms veraison/ear reads: a tier number, claim names and
# numbers in text, Trustee's profile. Signed here (ES256, raw r||s).
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	-out "$T/ear.key" 2>/dev/null
openssl pkey -in "$T/ear.key" -pubout -out "$T/ear.pub" 2>/dev/null
b64u() { basenc --base64url -w0 | tr -d '='; }
printf '%s.%s' "$(printf '{"alg":"ES256","typ":"JWT"}' | b64u)" \
	"$(printf '%s' '{"eat_profile":"tag:github.com,2024:confidential-'\
'containers/Trustee","iat":1700000000,"ear.verifier-id":{"build":"b",'\
'"developer":"d"},"submods":{"cpu0":{"ear.status":32,'\
'"ear.trustworthiness-vector":{"instance-identity":"recognized_instance",'\
'"executables":"unrecognized_rt","hardware":"2"}}}}' | b64u)" >"$T/forms"
openssl dgst -sha256 -sign "$T/ear.key" "$T/forms" | perl -e '
	binmode STDIN; binmode STDOUT; local $/; my $d = <STDIN>;
	my ($i, @v) = (2);
	for (1, 2) {
		my $l = ord(substr($d, $i + 1, 1));
		(my $x = substr($d, $i + 2, $l)) =~ s/^\x00+//;
		push @v, ("\x00" x (32 - length $x)) . $x;
		$i += 2 + $l;
	}
	print @v' | b64u >"$T/forms.sig"
printf '%s.%s' "$(cat "$T/forms")" "$(cat "$T/forms.sig")" >"$T/forms.jwt"
expect 0 "ear-verify: names, numbers, Trustee profile" -- "$BIN" ear-verify \
	-k "$T/ear.pub" "$T/forms.jwt"
has "$T/out" "eat_profile: tag:github.com,2024:confidential-containers/Trustee" \
	"ear-verify Trustee profile"
has "$T/out" "submod cpu0: warning" "ear-verify numeric status"
has "$T/out" "instance-identity=2 executables=33 hardware=2" \
	"ear-verify claim names"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
