# Upstream test vectors for the shell tests (sourced by tests/*/*.sh).
#
# They live outside the project: $CCAKIT_VECTORS, by default
# ../shared/vectors beside the source tree (not the working directory).
# Sets VECTORS and defines:
#   have_vectors SUB...  true when every $VECTORS/SUB is a directory;
#                        otherwise prints "skipped: DIR not found" (once,
#                        naming the first missing directory on the way)
#                        and is false: the caller skips those checks.
#   need_vectors SUB...  have_vectors, or exit 77 (ctest SKIP_RETURN_CODE)
#                        for a test that needs the vectors for everything.
# See docs/testing.md.
VECTORS=${CCAKIT_VECTORS:-$(cd "$(dirname "$0")/../../.." && pwd)/shared/vectors}
_vsaid=
have_vectors() {
	for _v in "$@"; do
		[ -d "$VECTORS/$_v" ] && continue
		if [ -z "$_vsaid" ]; then
			_vm=$VECTORS _vr=$_v
			while [ -d "$_vm" ] && [ -n "$_vr" ]; do
				_vm=$_vm/${_vr%%/*}
				case $_vr in */*) _vr=${_vr#*/} ;; *) _vr= ;; esac
			done
			echo "skipped: $_vm not found"
			_vsaid=1
		fi
		return 1
	done
	return 0
}
need_vectors() {
	have_vectors "$@" || exit 77
}
