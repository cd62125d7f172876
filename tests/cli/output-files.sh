#!/bin/sh
# Output files of the command-line tools (ccatoken -o/-t/-r,
# realm-measurements --output-dtb/--rv-output/--endorsements-output/
# --event-log): a regular file is replaced atomically (a new file renamed
# over it), anything else -- a FIFO, a device, a symbolic link to one -- is
# written in place and stays what it was.
#
# As root, a character device is made with mknod in the temporary
# directory first; /dev/null itself is used only once that passed.
# Needs CCAKIT_BIN (build/bin) and CCAKIT_SRC (the source tree); no
# upstream vectors.
set -u
BIN=${CCAKIT_BIN:?}
SRC=${CCAKIT_SRC:?}
CCATOKEN=$BIN/ccatoken
RM=$BIN/realm-measurements
T=$(mktemp -d)
RPID=
cleanup() {
	[ -n "$RPID" ] && kill "$RPID" 2>/dev/null && wait "$RPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 2' INT TERM
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok $pass - $1"; }
nok() { fail=$((fail + 1)); echo "not ok - $1"; }
check() { # check DESC EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then ok "$1"; else nok "$1 (want $2, got $3)"; fi
}
yes_if() { if "$@"; then echo yes; else echo no; fi; }
# kept FILE: "old" when FILE still holds "old" (a hard link to the file
# an output path named before it was written)
kept() { if [ "$(cat "$1")" = old ]; then echo old; else echo changed; fi; }
# a_token FILE: a token as ccatoken create writes it (the signatures
# differ from run to run, the size does not)
a_token() { [ "$(wc -c <"$1")" = "$(wc -c <"$T/token.cbor")" ]; }

CREATE="create --claims $SRC/demo/claims.json
    --platform-key $SRC/demo/cpak.pem --realm-key $SRC/demo/rak.pem
    --challenge $(printf '%0128d' 0)"
"$CCATOKEN" $CREATE -o "$T/token.cbor" || exit 1
RMARGS="--num-wps 6 --num-bps 6"

# fifo_write DESC WANT CMD...: run CMD writing to $T/fifo with a reader on
# the other end; the FIFO must stay one and the reader get exactly the
# file WANT, or a token if WANT is "token", or something if it is empty.
fifo_write() {
	desc=$1 want=$2
	shift 2
	rm -f "$T/fifo" "$T/fifo.out"
	mkfifo "$T/fifo"
	timeout 10 cat "$T/fifo" >"$T/fifo.out" &
	RPID=$!
	timeout 10 "$@" >/dev/null 2>"$T/err"
	check "$desc: exit 0" 0 $?
	wait "$RPID"
	RPID=
	check "$desc: still a FIFO" yes "$(yes_if test -p "$T/fifo")"
	if [ "$want" = token ]; then
		check "$desc: the reader got a token" yes \
		    "$(yes_if a_token "$T/fifo.out")"
	elif [ -n "$want" ]; then
		check "$desc: the reader got it" yes \
		    "$(yes_if cmp -s "$T/fifo.out" "$want")"
	else
		check "$desc: the reader got something" yes \
		    "$(yes_if test -s "$T/fifo.out")"
	fi
}

# --- ccatoken: regular files replaced atomically, mode 0644 ---
printf 'old' >"$T/out.cbor"
ln "$T/out.cbor" "$T/out.link"
(umask 077; "$CCATOKEN" $CREATE -o "$T/out.cbor")
check "ccatoken -o file: written" yes \
    "$(yes_if a_token "$T/out.cbor")"
check "ccatoken -o file: a new file (the old one's other link kept)" old \
    "$(kept "$T/out.link")"
check "ccatoken -o file: mode 0644" 644 "$(stat -c %a "$T/out.cbor")"

# --- ccatoken: a FIFO, a symbolic link to /dev/null, a device ---
fifo_write "ccatoken -o FIFO" token "$CCATOKEN" $CREATE -o "$T/fifo"
ln -s /dev/null "$T/null"
ln -s /dev/null "$T/null2"
"$CCATOKEN" $CREATE -o "$T/null"
check "ccatoken -o symlink to /dev/null: exit 0" 0 $?
check "ccatoken -o symlink to /dev/null: still a symlink" yes \
    "$(yes_if test -L "$T/null")"
"$CCATOKEN" golden -e "$T/token.cbor" -c "$SRC/demo/cpak.jwk.json" \
    -t "$T/null" -r "$T/null2" >/dev/null
check "ccatoken golden -t/-r symlink to /dev/null: exit 0" 0 $?
check "ccatoken golden: still symlinks" yes \
    "$(yes_if test -L "$T/null" -a -L "$T/null2")"
printf 'old' >"$T/target"
ln -s target "$T/link"
"$CCATOKEN" $CREATE -o "$T/link"
check "ccatoken -o symlink to a file: still a symlink" yes \
    "$(yes_if test -L "$T/link")"
check "ccatoken -o symlink to a file: target written" yes \
    "$(yes_if a_token "$T/target")"
"$CCATOKEN" $CREATE -o "$T" 2>"$T/err"
check "ccatoken -o directory: refused" 2 $?
check "ccatoken -o directory: still a directory" yes \
    "$(yes_if test -d "$T")"
if [ "$(id -u)" = 0 ]; then
	mknod "$T/chr" c 1 3
	"$CCATOKEN" $CREATE -o "$T/chr"
	check "root: ccatoken -o char device: exit 0" 0 $?
	if [ -c "$T/chr" ]; then
		ok "root: ccatoken -o char device: still one"
		"$CCATOKEN" $CREATE -o /dev/null
		check "root: ccatoken -o /dev/null: exit 0" 0 $?
		check "root: /dev/null is still a character device" yes \
		    "$(yes_if test -c /dev/null)"
	else
		nok "root: ccatoken -o char device: replaced (/dev/null not tried)"
	fi
else
	"$CCATOKEN" $CREATE -o /dev/null
	check "ccatoken -o /dev/null: exit 0" 0 $?
fi

# --- realm-measurements: the same writer ---
printf 'old' >"$T/o.dtb"
ln "$T/o.dtb" "$T/o.dtb.link"
"$RM" --no-measurements --output-dtb "$T/o.dtb" kvmtool -c 1 -m 512M
check "realm-measurements --output-dtb: exit 0" 0 $?
check "realm-measurements --output-dtb: a new file" old \
    "$(kept "$T/o.dtb.link")"
check "realm-measurements --output-dtb: mode 0644" 644 \
    "$(stat -c %a "$T/o.dtb")"
fifo_write "realm-measurements --output-dtb FIFO" "$T/o.dtb" \
    "$RM" --no-measurements --output-dtb "$T/fifo" kvmtool -c 1 -m 512M
"$RM" $RMARGS --rv-output "$T/rv.json" kvmtool -c 1 -m 512M >/dev/null
fifo_write "realm-measurements --rv-output FIFO" "$T/rv.json" \
    "$RM" $RMARGS --rv-output "$T/fifo" kvmtool -c 1 -m 512M
printf 'old' >"$T/rv2.json"
ln "$T/rv2.json" "$T/rv2.link"
"$RM" $RMARGS --rv-output "$T/rv2.json" kvmtool -c 1 -m 512M >/dev/null
check "realm-measurements --rv-output: a new file" old "$(kept "$T/rv2.link")"
fifo_write "realm-measurements --endorsements-output FIFO" "" \
    "$RM" $RMARGS --endorsements-output "$T/fifo" kvmtool -c 1 -m 512M
printf 'old' >"$T/log.bin"
ln "$T/log.bin" "$T/log.link"
"$RM" $RMARGS --event-log "$T/log.bin" kvmtool -c 1 -m 512M \
    --measurement-log >/dev/null
check "realm-measurements --event-log: a new file" old "$(kept "$T/log.link")"
fifo_write "realm-measurements --event-log FIFO" "$T/log.bin" \
    "$RM" $RMARGS --event-log "$T/fifo" kvmtool -c 1 -m 512M \
    --measurement-log
rm -f "$T/null"
ln -s /dev/null "$T/null"
"$RM" --no-measurements --output-dtb "$T/null" kvmtool -c 1 -m 512M
check "realm-measurements --output-dtb symlink to /dev/null: still one" yes \
    "$(yes_if test -L "$T/null")"

echo "# output files: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
