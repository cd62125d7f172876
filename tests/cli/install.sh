#!/bin/sh
# Install the build into a temporary prefix and build examples/ against
# the installed headers, library and pkg-config file; run the example on
# a token of the emulated realm (demo/) and its golden trust anchor.
set -eu
BUILD=${1:?build dir}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cmake --install "$BUILD" --prefix "$T/usr" >/dev/null
for f in bin/ccatoken include/ccakit/ccakit.h include/ccakit/version.h \
	share/man/man1/ccatoken.1; do
	[ -e "$T/usr/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
PC=$(find "$T/usr" -name ccakit.pc)
[ -n "$PC" ] || { echo "FAIL: ccakit.pc not installed"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$PC")
FLAGS=$(pkg-config --define-prefix --cflags --libs ccakit)
LIBDIR=$(pkg-config --define-prefix --variable=libdir ccakit)
# shellcheck disable=SC2086
${CC:-cc} -std=c11 -Wall -Wextra -Werror "$SRC/examples/verify-token.c" \
	$FLAGS -o "$T/verify-token"
LD_LIBRARY_PATH=$LIBDIR "$T/usr/bin/ccatoken" create --claims "$SRC/demo/claims.json" \
	--platform-key "$SRC/demo/cpak.pem" --realm-key "$SRC/demo/rak.pem" \
	-o "$T/token.cbor"
LD_LIBRARY_PATH=$LIBDIR "$T/usr/bin/ccatoken" golden -e "$T/token.cbor" \
	-c "$SRC/demo/cpak.jwk.json" \
	-t "$T/ta.json" -r "$T/rv.json" >/dev/null
LD_LIBRARY_PATH=$LIBDIR "$T/verify-token" "$T/token.cbor" "$T/ta.json" \
	>"$T/out"
grep -q "verify: success" "$T/out" || { cat "$T/out"; echo "FAIL: example"; exit 1; }
# demo/claims.json's cca-platform-implementation-id
grep -q "implementation-id: a38dae63db04f783" "$T/out" ||
	{ cat "$T/out"; echo "FAIL: impl-id"; exit 1; }
# the claims as JSON, released with ccakit_free()
grep -q '"cca-platform-lifecycle": *[0-9]' "$T/out" ||
	{ cat "$T/out"; echo "FAIL: claims JSON"; exit 1; }
echo "1 passed, 0 failed"
