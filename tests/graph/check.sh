#!/bin/sh
# The module-graph check (ctest module-graph): the sources keep to the
# graph of cmake/modules.txt, which keeps to the layering.
#
#   check.sh SRCDIR BUILDDIR CC            check (exit 0, or 1 and why)
#   check.sh --write-docs SRCDIR BUILDDIR CC
#                                          rewrite the generated block of
#                                          docs/architecture.md
#
# From the build's manifest (BUILDDIR/modules.manifest: each module's
# sources and object files, the system libraries' files) it collects every
# #include of every module's sources and headers and every symbol its
# objects define and use (nm), the symbols of the system libraries, and
# what libccakit.so needs (readelf -d); graph.awk does the rest. POSIX sh,
# awk, nm and readelf only.
set -eu

write_docs=0
if [ "${1:-}" = "--write-docs" ]; then
	write_docs=1
	shift
fi
SRC=$(cd "${1:?usage: check.sh [--write-docs] SRCDIR BUILDDIR CC}" && pwd)
BUILD=${2:?build directory}
CC=${3:-cc}
GRAPH=$SRC/cmake/modules.txt
MANIFEST=$BUILD/modules.manifest
DOCS=$SRC/docs/architecture.md
HERE=$(cd "$(dirname "$0")" && pwd)

for f in "$GRAPH" "$MANIFEST" "$DOCS"; do
	[ -f "$f" ] || { echo "module-graph: $f not found" >&2; exit 1; }
done

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM

# The shared objects behind a library file: itself, or the members of a
# GNU ld script (libm.so is one).
resolve_so() {
	if od -An -c -N4 "$1" 2>/dev/null | grep -q 'E   L   F'; then
		echo "$1"
	else
		sed -n 's/.*GROUP *( *\(.*\)).*/\1/p; s/.*INPUT *( *\(.*\)).*/\1/p' \
		    "$1" | tr ' ' '\n' | grep '^/' | while read -r m; do
			resolve_so "$m"
		done
	fi
}

# Symbols: "D module sym" (defined, global), "U module sym" (undefined).
symbols() {
	awk '$1 == "obj" { print $2, $3 }' "$MANIFEST" |
	while read -r mod obj; do
		[ -f "$obj" ] || { echo "X missing-object $mod $obj"; continue; }
		nm -P "$obj" | awk -v m="$mod" '
		    $2 == "U" { print "U", m, $1; next }
		    $2 ~ /^[TDBRWVCiu]$/ { print "D", m, $1 }'
	done
}

# System libraries: "Y name sym" for their dynamic symbols, "S name soname"
# for their sonames; "C sym" for the C library's.
syslibs() {
	awk '$1 == "syslib" { print $2, $3 }' "$MANIFEST" |
	while read -r name file; do
		for so in $(resolve_so "$file"); do
			nm -D -P --defined-only "$so" 2>/dev/null |
			    awk -v n="$name" '{ sub(/@.*/, "", $1); print "Y", n, $1 }'
			readelf -d "$so" 2>/dev/null |
			    sed -n "s/.*(SONAME).*\[\(.*\)\]/S $name \1/p"
		done
	done
	libc=$($CC -print-file-name=libc.so.6)
	for so in $(resolve_so "$libc"); do
		nm -D -P --defined-only "$so" | awk '{ sub(/@.*/, "", $1); print "C", $1 }'
	done
}

# Files: "H path" for every header of the module directories and of
# include/ccakit, and every header the build generates (cmake/embed.cmake);
# "F path" for every C source there.
files() {
	{
		echo include/ccakit
		sed 's/#.*//' "$GRAPH" | awk '$1 ~ /^(lib|static|program)$/ { print $3 }'
	} | sort -u | while read -r d; do
		for f in "$SRC/$d"/*.h; do
			[ -f "$f" ] && echo "H $f"
		done
		for f in "$SRC/$d"/*.c; do
			[ -f "$f" ] && echo "F $f"
		done
	done
	awk '$1 == "gen" { print "H", $3 }' "$MANIFEST"
	return 0
}

# Includes: "I path line token" for the sources and headers above.
includes() {
	awk '$1 == "H" || $1 == "F" { print $2 }' "$T/files" >"$T/scan"
	awk '$1 == "src" { print $3 }' "$MANIFEST" >>"$T/scan"
	sort -u "$T/scan" | while read -r f; do
		grep -n '^[[:space:]]*#[[:space:]]*include' "$f" /dev/null |
		    sed -n 's/^\([^:]*\):\([0-9]*\):[^<"]*\([<"][^>"]*[>"]\).*/I \1 \2 \3/p'
	done
}

files >"$T/files"
{
	sed 's/#.*//' "$GRAPH" | awk 'NF { print "G", $0 }'
	awk '{ print "M", $0 }' "$MANIFEST"
	cat "$T/files"
	includes
	symbols
	syslibs
	lib=$(awk '$1 == "libccakit" { print $2 }' "$MANIFEST")
	if [ -f "$lib" ]; then
		readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/N \1/p'
	else
		echo "X missing-libccakit $lib"
	fi
} >"$T/facts"

# The generated block of docs/architecture.md.
awk -f "$HERE/graph.awk" -v mode=docs -v src="$SRC" "$T/facts" >"$T/block"
awk -v block="$T/block" '
	/<!-- BEGIN module graph/ {
		print; while ((getline l < block) > 0) print l; skip = 1; next
	}
	/<!-- END module graph/ { skip = 0 }
	!skip { print }' "$DOCS" >"$T/docs"
if [ "$write_docs" = 1 ]; then
	cat "$T/docs" >"$DOCS"
	echo "module-graph: rewrote the module graph in $DOCS"
	exit 0
fi

status=0
awk -f "$HERE/graph.awk" -v mode=check -v src="$SRC" "$T/facts" || status=1
if ! grep -q '<!-- BEGIN module graph' "$DOCS" ||
    ! cmp -s "$DOCS" "$T/docs"; then
	echo "module-graph: docs/architecture.md does not show the graph of" \
	    "cmake/modules.txt; run: sh tests/graph/check.sh --write-docs" \
	    "$SRC $BUILD $CC"
	diff -u "$DOCS" "$T/docs" | head -40 || true
	status=1
fi
exit $status
