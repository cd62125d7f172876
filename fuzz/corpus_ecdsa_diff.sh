#!/bin/sh
# Write the seed corpus of fuzz_ecdsa_diff (input layout in
# fuzz_ecdsa_diff.c): the six header bytes chosen here, then 256
# deterministic pseudo-random bytes (SHA-512 of the seed's name) for the
# digest, the private key, the nonce or r||s. Every curve under every
# digest length signed here (how 1), with s negated, as the doubling and
# the infinity corner cases and as raw r||s; every edit on P-384/ES384.
# Usage: fuzz/corpus_ecdsa_diff.sh [directory]
set -eu
out=${1:-$(dirname "$0")/corpus/ecdsa_diff}
mkdir -p "$out"

byte() {
	# shellcheck disable=SC2059
	printf "\\$(printf '%03o' "$1")"
}

seed() {	# curve digest how edit p
	name="c$1-d$2-h$3-e$4"
	{
		byte "$1"; byte "$2"; byte "$3"; byte "$4"
		byte $(($5 / 256)); byte $(($5 % 256))
		for i in 1 2 3 4; do
			printf 'ccakit fuzz_ecdsa_diff %s %s' "$name" "$i" |
				openssl dgst -sha512 -binary
		done
	} >"$out/$name"
}

for c in 0 1 2; do
	for d in 0 1 2; do
		seed $c $d 1 0 0
		seed $c $d 1 1 0
		seed $c $d 2 0 0
		seed $c $d 3 0 0
		seed $c $d 0 0 0
	done
done
e=2
while [ $e -le 15 ]; do
	seed 1 1 1 $e 301
	e=$((e + 1))
done
