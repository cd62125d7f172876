#!/bin/sh
# contrib/systemd/ccakit-agent.service: systemd-analyze verify finds no
# error (ExecStart pointed at the built binary) and its offline security
# review rates it "OK" or better. Skipped without systemd-analyze.
# Usage: systemd-unit.sh SRCDIR AGENT
set -eu
src=$1
agent=$2
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "skipped: systemd-analyze not found"
	exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s#/usr/sbin/ccakit-agent#$agent#" \
	"$src/contrib/systemd/ccakit-agent.service" >"$dir/ccakit-agent.service"
systemd-analyze verify --man=no "$dir/ccakit-agent.service"
out=$(systemd-analyze security --offline=true "$dir/ccakit-agent.service")
echo "$out" | tail -1
echo "$out" | tail -1 | grep -Eq 'exposure level .*: [0-3]\.[0-9] (OK|SAFE)' ||
	{ echo "FAIL: exposure level above 3.9"; exit 1; }
echo "systemd-unit: ok"
