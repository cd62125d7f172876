#!/bin/sh
# The ABI check (ctest abi): what libccakit.so exports is exactly the list
# checked in as lib/ccakit.abi, so that no change to the exported set goes
# unnoticed; every exported symbol starts with ccakit_ and carries the
# version node of lib/ccakit.map; no internal (cki_) symbol leaks; and the
# exported functions are exactly the ccakit_ functions the public headers
# (include/ccakit/*.h) declare.
#
#   check.sh SRCDIR LIBCCAKIT_SO          check (exit 0, or 1 and why)
#   check.sh --write SRCDIR LIBCCAKIT_SO  rewrite lib/ccakit.abi from the
#                                         library (a deliberate ABI change)
# POSIX sh, awk, sed, nm.
set -eu

write=0
if [ "${1:-}" = "--write" ]; then
	write=1
	shift
fi
SRC=${1:?usage: check.sh [--write] SRCDIR LIBCCAKIT_SO}
LIB=${2:?libccakit.so}
ABI=$SRC/lib/ccakit.abi
MAP=$SRC/lib/ccakit.map

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM

# The version node of the version script (the first "NAME {").
node=$(sed -n 's/^[[:space:]]*\([A-Za-z0-9_.]*\)[[:space:]]*{.*/\1/p' "$MAP" |
    head -n 1)
[ -n "$node" ] || { echo "abi: no version node in $MAP"; exit 1; }

# Exported: name, type and version of every defined dynamic symbol but the
# version node itself.
nm -D --defined-only --with-symbol-versions "$LIB" |
    awk '$2 != "A" { print $3, $2 }' | sort >"$T/exported"
sed 's/@.*//' "$T/exported" | awk '{ print $1 }' | sort -u >"$T/names"

if [ "$write" = 1 ]; then
	{
		echo "# The exported symbols of libccakit.so (tests/abi/check.sh)."
		echo "# A change here is a change of the library's ABI: make it"
		echo "# deliberately, with sh tests/abi/check.sh --write SRC LIB."
		cat "$T/names"
	} >"$ABI"
	echo "abi: wrote $(wc -l <"$T/names") symbols to $ABI"
	exit 0
fi

status=0
fail() {
	echo "abi: $*"
	status=1
}

[ -s "$T/names" ] || fail "$LIB exports nothing"
grep -v '^#' "$ABI" | sed '/^$/d' | sort -u >"$T/abi"
if ! cmp -s "$T/abi" "$T/names"; then
	fail "the exported symbols of libccakit.so are not lib/ccakit.abi" \
	    "(+ exported, not listed; - listed, not exported); if the change" \
	    "is deliberate: sh tests/abi/check.sh --write $SRC $LIB"
	diff "$T/abi" "$T/names" | sed -n 's/^> /  + /p; s/^< /  - /p'
fi
bad=$(grep -v '^ccakit_' "$T/names" || true)
[ -z "$bad" ] || fail "exported without the ccakit_ prefix:" $bad
leak=$(grep '^cki_' "$T/names" || true)
[ -z "$leak" ] || fail "internal symbols exported:" $leak
unversioned=$(awk -v n="$node" '$1 !~ ("@@?" n "$") { print $1 }' \
    "$T/exported")
[ -z "$unversioned" ] || fail "exported without version $node:" $unversioned
data=$(awk '$2 !~ /^[TtWi]$/ { sub(/@.*/, "", $1); print $1 }' "$T/exported")
[ -z "$data" ] || fail "exported data (only functions are API):" $data

# The functions the public headers declare, comments removed.
for h in "$SRC"/include/ccakit/*.h; do
	awk '
	{
		line = $0
		out = ""
		while (line != "") {
			if (incomment) {
				i = index(line, "*/")
				if (i == 0) { line = ""; break }
				line = substr(line, i + 2)
				incomment = 0
			} else {
				i = index(line, "/*")
				if (i == 0) { out = out line; line = "" }
				else {
					out = out substr(line, 1, i - 1)
					line = substr(line, i + 2)
					incomment = 1
				}
			}
		}
		print out
	}' "$h"
done | grep -v '^[[:space:]]*#' |
    grep -o 'ccakit_[a-z0-9_]*[[:space:]]*(' | sed 's/[[:space:]]*($//' |
    sort -u >"$T/declared"
undeclared=$(comm -13 "$T/declared" "$T/names")
[ -z "$undeclared" ] || fail "exported but declared in no public header:" \
    $undeclared
missing=$(comm -23 "$T/declared" "$T/names")
[ -z "$missing" ] || fail "declared in a public header but not exported:" \
    $missing

[ "$status" = 0 ] && echo "abi: $(wc -l <"$T/names") symbols, as" \
    "lib/ccakit.abi lists them, all ccakit_ and $node"
exit $status
