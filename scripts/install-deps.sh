#!/bin/sh
# Install the Debian bookworm packages ccakit needs to build, test and fuzz.
# Run as root (or with sudo). Idempotent.
set -eu

PKGS="build-essential cmake pkg-config clang libclang-rt-14-dev
libssl-dev libjansson-dev libcmocka-dev mandoc zlib1g-dev libsqlite3-dev
libmicrohttpd-dev libcurl4-openssl-dev libcbor-dev nettle-dev libgmp-dev curl
openssl"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	echo "install-deps: installing$missing"
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
		--no-install-recommends $missing >/dev/null
fi
echo "install-deps: all packages present"
