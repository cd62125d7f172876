#!/bin/sh
# The packages' version comes from one place, the project's version in
# CMakeLists.txt: debian/changelog's newest entry must carry it (a Debian
# revision may follow).
set -eu
SRC=${1:?source dir}
VERSION=${2:?project version}
deb=$(sed -n '1s/^ccakit (\([^)]*\)) .*/\1/p' "$SRC/debian/changelog")
if [ "${deb%-*}" != "$VERSION" ]; then
	echo "debian/changelog: $deb, but the project (CMakeLists.txt) is" \
	    "$VERSION: add a changelog entry (dch -v $VERSION-1)"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "debian/changelog $deb: the project's version $VERSION"
echo "1 passed, 0 failed"
