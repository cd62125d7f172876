#!/bin/sh
# Install the Debian bookworm packages ccakit needs to build, test and fuzz
# (libcbor and python3-jwcrypto are test oracles only; tzdata: the time
# zones of Rego's time built-ins and their tests; libyaml-dev: Rego's
# yaml.* built-ins and METADATA annotations; libpcre2-dev: the regular
# expressions of Rego's regex built-ins; libpq-dev: the services'
# PostgreSQL driver; postgresql-15: the server the state tests start in a
# temporary directory of their own (tests/pg/pgctl.sh), never the cluster
# the package may create and start on installation); libp11-kit-dev: the
# PKCS#11 header of kbs's pkcs11 plugin; nebula (nebula-cert) and softhsm2:
# what kbs's nebula-ca and pkcs11 plugins drive, and their tests use).
# Run as root (or with sudo). Idempotent: when every package is installed
# already (one dpkg-query), nothing else runs: no apt-get, no network.
set -eu

PKGS="build-essential cmake pkg-config clang libclang-rt-14-dev
libssl-dev libjansson-dev libcmocka-dev mandoc zlib1g-dev libsqlite3-dev
libmicrohttpd-dev libgnutls28-dev libcurl4-openssl-dev libcbor-dev nettle-dev
libgmp-dev libyaml-dev libpcre2-dev curl openssl python3-jwcrypto tzdata
libpq-dev postgresql-15 libp11-kit-dev nebula softhsm2"

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "install-deps: no dpkg-query: install these Debian packages" \
	    "by hand:" $PKGS >&2
	exit 1
fi
# shellcheck disable=SC2086
installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' $PKGS \
    2>/dev/null | awk '$2 == "ii" { print $1 }') || true
installed=" $(echo $installed) "
missing=""
for p in $PKGS; do
	case $installed in
	*" $p "*) ;;
	*) missing="$missing $p" ;;
	esac
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
