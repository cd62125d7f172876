#!/bin/sh
# CLI tests of realm-measurements: exact stdout, stderr and exit statuses
# of upstream's tests/cmdline.rs cases, outputs (DTB, rv.json, CoMID,
# JSON). The RIM of every vector is checked in-process by test_vmm_vectors.
# Needs CCAKIT_BIN (build/bin). The checks against upstream files (DTBs,
# kernel images, configs, CoMID template) run when the vectors are present
# (CCAKIT_VECTORS, tests/vectors.sh); `vec &&` marks them.
set -u
BIN=${CCAKIT_BIN:?}/realm-measurements
. "$(dirname "$0")/../vectors.sh"
V=
have_vectors cca-realm-measurements && V=$VECTORS/cca-realm-measurements
vec() { [ -n "$V" ]; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# expect STATUS DESCRIPTION -- command...   (stdout in $T/out, stderr $T/err)
expect() {
	want=$1; desc=$2; shift 3
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -eq "$want" ]; then ok; else
		bad "$desc: exit $got, want $want"; sed 's/^/  | /' "$T/err" >&2
	fi
}
has() {
	if grep -qF -- "$2" "$1"; then ok; else
		bad "$3: '$2' not in $1"; sed 's/^/  | /' "$1" >&2; fi
}
same() {
	if cmp -s "$1" "$2"; then ok; else bad "$3: files differ"; fi
}
# is FILE TEXT DESCRIPTION: FILE holds exactly TEXT plus a newline
is() {
	printf '%s\n' "$2" >"$T/want"
	same "$1" "$T/want" "$3"
}

printf 'FW CONTENT' >"$T/firmware"
printf 'INITRD CONTENT' >"$T/initrd"
Z=00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
B=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==

# --- usage ---
expect 1 "no arguments" -- "$BIN"
has "$T/err" "Usage:" "no arguments"
expect 0 "help" -- "$BIN" help
has "$T/out" "Usage:" "help"
expect 0 "--help" -- "$BIN" --help
has "$T/out" "Usage: realm-measurements" "--help"
expect 0 "--version" -- "$BIN" --version
has "$T/out" "realm-measurements " "--version"
expect 1 "--input-dtb" -- "$BIN" --input-dtb x --num-wps 6 qemu
has "$T/err" "error: unexpected argument" "--input-dtb"
expect 1 "unknown VMM" -- "$BIN" xen
expect 1 "bad --num-bps" -- "$BIN" --num-bps x qemu
expect 1 "bad --pmu" -- "$BIN" --pmu maybe qemu
expect 1 "bad kvmtool flag" -- "$BIN" kvmtool --no-such-flag
has "$T/err" "error: unexpected argument '--no-such-flag' found" "kvmtool flag"
expect 1 "--dtb and --dtb-template" -- "$BIN" --dtb x --dtb-template x qemu
is "$T/err" "ERROR Invalid arguments: either --dtb or --dtb-template can be set but not both" "dtb conflict"

# --- upstream error reports (exact stderr) ---
expect 2 "missing firmware" -- "$BIN" --num-wps 6 --num-bps 6 \
	-f nonexistent-file qemu -bios FW
is "$T/err" "ERROR Failed to compute measurements: VMM: file nonexistent-file error: No such file or directory (os error 2)" "missing firmware"
expect 2 "no cpus" -- "$BIN" kvmtool --realm
is "$T/err" "ERROR Cannot build parameters: number of vCPUs is not known" "no cpus"
expect 2 "no ram" -- "$BIN" kvmtool --realm -c 1
is "$T/err" "ERROR Cannot build parameters: default guest RAM size is not known" "no ram"
expect 2 "no wps" -- "$BIN" kvmtool --realm -c 1 -m 512M
is "$T/err" "ERROR Failed to compute measurements: num_wps is not known" "no wps"
Q="--num-wps 6 --num-bps 6 --ipa-bits 52 --pmu-num-ctrs 6"
expect 2 "GICv2" -- "$BIN" $Q qemu -M virt,gic-version=2
is "$T/err" "ERROR Cannot build parameters: unsupport GIC version 2" "GICv2"
expect 2 "GICv4" -- "$BIN" $Q qemu -M virt,gic-version=4
for g in host max 3; do
	expect 0 "GIC $g" -- "$BIN" $Q qemu -M virt,gic-version=$g
	same "$T/err" /dev/null "GIC $g: stderr"
done

# --- exact stdout (kvmtool_measurements) ---
K="--num-wps 6 --num-bps 6 -f $T/firmware"
expect 0 "kvmtool firmware" -- "$BIN" $K kvmtool --realm --firmware firmware \
	-c 1 -m 512M
printf 'RIM: %s\nREM0: %s\nREM1: %s\nREM2: %s\nREM3: %s\n' \
	cf37146fce0ad50e1be1a04580c1024e5449b430b0dd96b6ef5c9a2b73767bf50000000000000000000000000000000000000000000000000000000000000000 \
	$Z $Z $Z $Z >"$T/want"
same "$T/out" "$T/want" "kvmtool firmware stdout"
same "$T/err" /dev/null "kvmtool firmware stderr"
expect 0 "kvmtool firmware b64" -- "$BIN" $K --print-b64 kvmtool --realm \
	--firmware firmware -c 1 -m 512M
printf 'RIM: %s\nREM0: %s\nREM1: %s\nREM2: %s\nREM3: %s\n' \
	zzcUb84K1Q4b4aBFgMECTlRJtDCw3Za271yaK3N2e/UAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA== \
	$B $B $B $B >"$T/want"
same "$T/out" "$T/want" "kvmtool firmware b64 stdout"

# --- DTB: generated, verbatim, template (qemu_dtb) ---
D="-M confidential-guest-support=rme0 -object rme-guest,id=rme0,measurement-algorithm=sha512 -cpu host -M virt -enable-kvm -m 1G -nographic -dtb output.dtb -bios firmware"
R=3175b3c0c201081ad410defe6c32e145fd77ff03e63518a9f00831b12b6ec2070f743f43f0ff3290902ecebd4e6bea8d5926dca19dc1a06fb8d51d551a4a2b79
expect 0 "generate dtb" -- "$BIN" --output-dtb "$T/o.dtb" $Q -f "$T/firmware" \
	qemu -smp 2 $D
has "$T/out" "RIM: $R" "generate dtb"
vec && same "$T/o.dtb" "$V/derived-dtbs/qemu-2cpu-1G.dtb" "generated dtb bytes"
expect 0 "--dtb verbatim" -- "$BIN" --dtb "$T/o.dtb" --output-dtb "$T/o2.dtb" \
	$Q -f "$T/firmware" qemu -smp 8 $D
has "$T/out" "RIM: $R" "--dtb verbatim"
same "$T/o2.dtb" "$T/o.dtb" "--dtb output"
expect 0 "--dtb-template" -- "$BIN" --dtb-template "$T/o.dtb" \
	--output-dtb "$T/o3.dtb" $Q -f "$T/firmware" qemu -smp 8 $D
has "$T/out" "RIM: 68308d30762b7aa26f749d512864c0e0ad112e9626b8bf1c5486efe32b94b8d8ce8d736089ebf0850a91fda5422852294b679795202ed429fd8512b20b000728" "--dtb-template"
vec && same "$T/o3.dtb" "$V/derived-dtbs/qemu-8cpu-1G-from-template.dtb" \
	"template dtb bytes"
expect 0 "kvmtool dtb" -- "$BIN" --no-measurements --output-dtb "$T/k.dtb" \
	kvmtool -c 1 -m 512M
vec && same "$T/k.dtb" "$V/derived-dtbs/kvmtool-1cpu-512M.dtb" \
	"kvmtool dtb bytes"
same "$T/out" /dev/null "--no-measurements prints nothing"
printf 'not a device tree' >"$T/not.dtb"
expect 2 "bad template" -- "$BIN" --dtb-template "$T/not.dtb" $Q qemu
has "$T/err" "ERROR Cannot build parameters: while generating DTB: DTB:" "bad template"
if vec; then
	expect 2 "bad template (upstream file)" -- "$BIN" --dtb-template \
		"$V/testdata/linux.bin" $Q qemu
	has "$T/err" "ERROR Cannot build parameters: while generating DTB: DTB:" \
		"bad template (upstream file)"
fi

# --- kernel images, configs ---
seq 1000 | gzip -n >"$T/text.gz"	# long enough, and not a kernel
expect 2 "not a kernel" -- "$BIN" $Q -k "$T/text.gz" qemu -kernel Image
is "$T/err" "ERROR Cannot build parameters: invalid Linux header" "not a kernel"
printf 'This is not a configuration.\n' >"$T/not.conf"
expect 2 "bad config" -- "$BIN" -c "$T/not.conf" qemu
has "$T/err" "ERROR Cannot build parameters: invalid VM configuration: cannot parse" "bad config"
if vec; then
expect 0 "gzip kernel" -- "$BIN" $Q -k "$V/testdata/linux.bin.gz" qemu \
	-kernel Image -smp 2 -m 1G -object rme-guest,measurement-algorithm=sha256
has "$T/out" "RIM: e8862e21b8eb6b4bdeeff244dc59d2935c26d92c52d346f06e224fe712267a6" "gzip kernel"
expect 2 "not a kernel (upstream file)" -- "$BIN" $Q \
	-k "$V/testdata/randombytes.bin.gz" qemu -kernel Image
is "$T/err" "ERROR Cannot build parameters: invalid Linux header" "not a kernel"
expect 2 "bad config (upstream file)" -- "$BIN" \
	-c "$V/testdata/some-file.txt" qemu
has "$T/err" "ERROR Cannot build parameters: invalid VM configuration: cannot parse" "bad config"
expect 0 "configs" -- "$BIN" -c "$V/configs/qemu-max-8.2.conf" \
	-c "$V/configs/kvm.conf" -k "$V/testdata/linux.bin" -i "$T/initrd" \
	kvmtool --realm -c 2 -m 1G --pmu --sve-max-vl 512 -k K -i I \
	-p earlycon --measurement-log --measurement-algo sha512
has "$T/out" "RIM: 09391d8a27685f000bf4a1948f43645c519abd040e81fa11d04452965832183c14308e008a4273f58d5ab0e2e0a6f0ec76aa9360cf158a816c483a10ac6ed496" "configs (model-derived)"
fi

# --- RMM 2.0: INIT_RIPAS is not measured, so the RIM changes ---
expect 0 "rmm 2.0" -- "$BIN" --rmm-version 2.0 --num-wps 6 --num-bps 6 \
	kvmtool -c 1 -m 512M
if grep -qF 998dfdf6401d69f73ed88ac53d62d5ea "$T/out"; then
	bad "rmm 2.0: RIPAS still measured"; else ok; fi

# --- JSON, rv.json, CoMID ---
expect 0 "json" -- "$BIN" --json $Q qemu
has "$T/out" '"initial-measurement": "cf409055d866eea6' "json"
has "$T/out" '"hash-algo": "sha-512"' "json algo"
expect 0 "rv.json" -- "$BIN" --rv-output "$T/rv.json" --num-wps 6 --num-bps 6 \
	-f "$T/firmware" kvmtool --realm --firmware firmware -c 1 -m 512M
has "$T/rv.json" '"initial-measurement": "cf37146fce0ad50e1be1a04580c1024e5449b430b0dd96b6ef5c9a2b73767bf5"' "rv.json RIM"
has "$T/rv.json" '"rak-hash-algorithm": "sha-256"' "rv.json rak"
has "$T/rv.json" '"realm": [' "rv.json realm"
CORIM=${CCAKIT_BIN}/corim
if vec; then
expect 0 "comid (legacy layout)" -- "$BIN" --corim-layout legacy \
	--endorsements-template "$V/samples/comid-cca-realm.json" \
	--endorsements-output "$T/comid.json" --num-wps 6 --num-bps 6 \
	-f "$T/firmware" kvmtool --realm --firmware firmware -c 1 -m 512M
same "$T/out" /dev/null "comid: no stdout"
has "$T/comid.json" '"sha-256;zzcUb84K1Q4b4aBFgMECTlRJtDCw3Za271yaK3N2e/UAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="' "comid rim"
has "$T/comid.json" '"CD1F0E55-26F9-460D-B9D8-F7FDE171787C"' "comid environment kept"
# The current layout with upstream's template: its tag identity is kept.
expect 0 "corim with template" -- "$BIN" \
	--endorsements-template "$V/samples/comid-cca-realm.json" \
	--endorsements-output "$T/tpl.cbor" --num-wps 6 --num-bps 6 \
	-f "$T/firmware" kvmtool --realm --firmware firmware -c 1 -m 512M
expect 0 "corim with template: display" -- "$CORIM" display -v -f "$T/tpl.cbor"
has "$T/out" '"id": "43bbe37f-2e61-4b33-aed3-53cff1428b16"' "template tag-id"
has "$T/out" '"name": "Workload Client Ltd."' "template entity"
fi

# --- CoRIM (current CCA realm profile) ---
R="--num-wps 6 --num-bps 6 -f $T/firmware"
expect 0 "corim" -- "$BIN" --endorsements-output "$T/realm.cbor" $R \
	kvmtool --realm --firmware firmware -c 1 -m 512M
same "$T/out" /dev/null "corim: no stdout"
expect 0 "corim: validate" -- "$CORIM" validate -f "$T/realm.cbor"
has "$T/out" "(tag:arm.com,2025:cca_realm#1.0.0)" "corim realm profile"
expect 0 "corim: to-json" -- "$CORIM" to-json -f "$T/realm.cbor" \
	-t "$T/c-ta.json" -r "$T/c-rv.json"
has "$T/c-rv.json" '"initial-measurement": "cf37146fce0ad50e1be1a04580c1024e5449b430b0dd96b6ef5c9a2b73767bf5"' \
	"corim RIM = rv.json RIM"
expect 0 "corim: display" -- "$CORIM" display -f "$T/realm.cbor"
has "$T/out" '"type": "uri"' "corim profile #6.32"
expect 0 "corim text profile" -- "$BIN" --corim-profile-encoding text \
	--endorsements-output "$T/realm-text.cbor" $R kvmtool --realm \
	--firmware firmware -c 1 -m 512M
expect 0 "corim text profile: display" -- "$CORIM" display \
	-f "$T/realm-text.cbor"
has "$T/out" '"profile": "tag:arm.com,2025:cca_realm#1.0.0"' \
	"corim text profile"
expect 1 "corim: bad layout" -- "$BIN" --corim-layout new \
	--endorsements-output "$T/x" $R kvmtool -c 1 -m 512M
expect 1 "corim: --sign-key needs the current layout" -- "$BIN" \
	--corim-layout legacy --sign-key "$T/x" --endorsements-output "$T/x" \
	$R kvmtool -c 1 -m 512M
expect 1 "corim: --sign-chain needs --sign-key" -- "$BIN" \
	--sign-chain "$T/x" --endorsements-output "$T/x" $R kvmtool -c 1 \
	-m 512M
# Signed, with a chain the test makes.
openssl ecparam -name prime256v1 -genkey -noout -out "$T/ca.key" 2>/dev/null
openssl req -x509 -new -key "$T/ca.key" -subj /CN=rm-test-ca -days 30 \
	-addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign -out "$T/ca.pem" 2>/dev/null
openssl ecparam -name secp384r1 -genkey -noout -out "$T/signer.key" 2>/dev/null
openssl req -new -key "$T/signer.key" -subj /CN=rm-test-signer \
	-out "$T/signer.csr" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n' >"$T/ext"
openssl x509 -req -in "$T/signer.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" \
	-CAcreateserial -days 5 -extfile "$T/ext" -out "$T/signer.pem" \
	2>/dev/null
printf '{"signer": {"name": "rm test"}}' >"$T/meta.json"
expect 0 "corim signed" -- "$BIN" --endorsements-output "$T/signed.cbor" \
	--sign-key "$T/signer.key" --sign-chain "$T/signer.pem" \
	--sign-meta "$T/meta.json" $R kvmtool --realm --firmware firmware \
	-c 1 -m 512M
expect 0 "corim signed: verify" -- "$CORIM" verify -f "$T/signed.cbor" \
	-r "$T/ca.pem"
expect 0 "corim signed: display" -- "$CORIM" display -f "$T/signed.cbor"
has "$T/out" '"alg": "ES384"' "corim signed ES384"
has "$T/out" '"name": "rm test"' "corim signed meta"
expect 2 "corim signed: not a key" -- "$BIN" --endorsements-output \
	"$T/x.cbor" --sign-key "$T/ca.pem" $R kvmtool --realm --firmware \
	firmware -c 1 -m 512M
has "$T/err" "not an EC private key" "corim signed: not a key"

# --- event log: written, and the Spec ID event comes first ---
expect 0 "event log" -- "$BIN" --event-log "$T/log.bin" --num-wps 6 \
	--num-bps 6 kvmtool -c 1 -m 512M --measurement-log
if [ -s "$T/log.bin" ] && grep -qa "Spec ID Event03" "$T/log.bin"; then ok
else bad "event log not written"; fi
expect 2 "event log unwritable" -- "$BIN" --event-log "$T/no/such/dir/log" \
	--num-wps 6 --num-bps 6 kvmtool -c 1 -m 512M

# --- image bounds: an image must fit guest RAM at its load address ---
# Refused from the file size before anything is read; a stream (/dev/zero)
# is read only up to the room there is. Sparse files cost no disk.
W="--num-wps 6 --num-bps 6"
: >"$T/empty"
expect 0 "empty firmware" -- "$BIN" $W -f "$T/empty" kvmtool --realm \
	--firmware fw -c 1 -m 512M
same "$T/err" /dev/null "empty firmware: stderr"
truncate -s 2G "$T/sparse2g"
expect 2 "2 GiB firmware, 1 GiB guest" -- "$BIN" $W -f "$T/sparse2g" \
	kvmtool --realm --firmware fw -c 1 -m 1G
is "$T/err" "ERROR Failed to compute measurements: VMM: firmware does not fit in RAM (2147483648 bytes, 1073741824 available at 0x80000000)" "2 GiB firmware"
expect 2 "/dev/zero firmware" -- "$BIN" $W -f /dev/zero kvmtool --realm \
	--firmware fw -c 1 -m 64M
is "$T/err" "ERROR Failed to compute measurements: VMM: firmware does not fit in RAM (more than 67108864 bytes available at 0x80000000)" "/dev/zero firmware"
# At --firmware-address 0x80200000 of a 64 MiB guest: 62 MiB fit, not one
# byte more; outside RAM nothing fits.
truncate -s 65011712 "$T/fw62m"
expect 0 "firmware fits exactly" -- "$BIN" $W -f "$T/fw62m" kvmtool \
	--realm --firmware fw --firmware-address 2149580800 -c 1 -m 64M
truncate -s 65011713 "$T/fw62m"
expect 2 "firmware one byte too large" -- "$BIN" $W -f "$T/fw62m" kvmtool \
	--realm --firmware fw --firmware-address 2149580800 -c 1 -m 64M
is "$T/err" "ERROR Failed to compute measurements: VMM: firmware does not fit in RAM (65011713 bytes, 65011712 available at 0x80200000)" "firmware one byte too large"
expect 2 "firmware outside RAM" -- "$BIN" $W -f "$T/firmware" kvmtool \
	--realm --firmware fw --firmware-address 4096 -c 1 -m 64M
is "$T/err" "ERROR Failed to compute measurements: VMM: firmware does not fit in RAM (10 bytes, 0 available at 0x1000)" "firmware outside RAM"
# QEMU loads -bios into the 128 MiB of RAM at 0 that replace the flash.
expect 2 "2 GiB -bios" -- "$BIN" $Q -f "$T/sparse2g" qemu -m 1G -bios fw
is "$T/err" "ERROR Failed to compute measurements: VMM: firmware does not fit in RAM (2147483648 bytes, 134217728 available at 0x0)" "2 GiB -bios"
# A Linux arm64 Image header made here (256 bytes; image_size 0x2d10000,
# text_offset 0, flags 0xa), as test_vmm makes it.
perl -e 'my $h = join "", map { chr(0x5a ^ $_) } 0 .. 255;
	substr($h, 8, 0x30) = "\0" x 0x30; substr($h, 0x12, 2) = "\xd1\x02";
	substr($h, 0x18, 1) = "\x0a"; substr($h, 0x38, 4) = "ARM\x64";
	binmode STDOUT; print $h' >"$T/kernel"
# Kernels: the file, then the image at its text_offset.
cp "$T/kernel" "$T/bigk" && chmod u+w "$T/bigk"
truncate -s 2G "$T/bigk"
expect 2 "2 GiB kernel" -- "$BIN" $Q -k "$T/bigk" qemu -m 1G -kernel K
is "$T/err" "ERROR Cannot build parameters: kernel does not fit in RAM (2147483648 bytes, 1073741824 available at 0x40000000)" "2 GiB kernel"
expect 2 "/dev/zero kernel" -- "$BIN" $Q -k /dev/zero qemu -m 64M -kernel K
is "$T/err" "ERROR Cannot build parameters: kernel does not fit in RAM (more than 67108864 bytes available at 0x40000000)" "/dev/zero kernel"
# kvmtool, text_offset 0x3ff00000 (little-endian at 8), 1 GiB: 1 MiB left.
cp "$T/kernel" "$T/hik" && chmod u+w "$T/hik"
printf '\000\000\360\077' | dd of="$T/hik" bs=1 seek=8 conv=notrunc 2>/dev/null
truncate -s 1048576 "$T/hik"
expect 0 "kernel fits at text_offset" -- "$BIN" $W -k "$T/hik" kvmtool \
	-c 1 -m 1G -k K
truncate -s 1048577 "$T/hik"
expect 2 "kernel too large at text_offset" -- "$BIN" $W -k "$T/hik" \
	kvmtool -c 1 -m 1G -k K
is "$T/err" "ERROR Cannot build parameters: kernel does not fit in RAM (1048577 bytes, 1048576 available at 0xbff00000)" "kernel at text_offset"
# QEMU puts the DTB after the initrd: an initrd filling RAM leaves no room.
truncate -s 939524096 "$T/initrd896m"
expect 2 "no room for the DTB" -- "$BIN" $Q -k "$T/kernel" \
	-i "$T/initrd896m" qemu -m 1G -kernel K -initrd I
is "$T/err" "ERROR Cannot build parameters: while generating DTB: DTB does not fit in RAM (6816 bytes, 0 available at 0x80000000)" "no room for the DTB"
# Initrds: QEMU above the kernel, kvmtool below the DTB, cloud-hv at the top.
expect 2 "2 GiB initrd, qemu" -- "$BIN" $Q -k "$T/kernel" \
	-i "$T/sparse2g" qemu -m 1G -kernel K -initrd I
is "$T/err" "ERROR Cannot build parameters: initrd does not fit in RAM (2147483648 bytes, 939524096 available at 0x48000000)" "2 GiB initrd, qemu"
expect 2 "2 GiB initrd, kvmtool" -- "$BIN" $W -i "$T/sparse2g" kvmtool \
	--realm -c 1 -m 1G -i I
is "$T/err" "ERROR Cannot build parameters: initrd does not fit below the DTB (2147483648 bytes, 266338300 available at 0x80000000)" "2 GiB initrd, kvmtool"
expect 2 "/dev/zero initrd, kvmtool" -- "$BIN" $W -i /dev/zero kvmtool \
	--realm -c 1 -m 64M -i I
is "$T/err" "ERROR Cannot build parameters: initrd does not fit below the DTB (more than 65011708 bytes available at 0x80000000)" "/dev/zero initrd, kvmtool"
expect 2 "2 GiB initrd, cloud-hv" -- "$BIN" $W -k "$T/kernel" \
	-i "$T/sparse2g" cloud-hv --kernel K --initramfs I --memory size=1G
is "$T/err" "ERROR Cannot build parameters: initrd does not fit in RAM (2147483648 bytes, 1073741824 available at 0x40000000)" "2 GiB initrd, cloud-hv"

# --- image options the VMM arguments do not use are named, not dropped ---
expect 0 "-f without -bios" -- "$BIN" $Q -f "$T/firmware" qemu
is "$T/err" "WARN ignored -f $T/firmware: the VMM arguments have no -bios" "-f without -bios"
expect 0 "-k and -i without -kernel" -- "$BIN" $Q -k "$T/kernel" \
	-i "$T/initrd" qemu -initrd I
printf 'WARN %s\nWARN %s\n' \
	"ignored -k $T/kernel: the VMM arguments have no -kernel" \
	"ignored -i $T/initrd: the VMM arguments have no -initrd with -kernel" \
	>"$T/want"
same "$T/err" "$T/want" "-k and -i without -kernel"
expect 0 "kvmtool -f without --firmware" -- "$BIN" $W -f "$T/firmware" \
	kvmtool -c 1 -m 512M
is "$T/err" "WARN ignored -f $T/firmware: the VMM arguments have no --firmware" "kvmtool -f"
expect 0 "cloud-hv -f" -- "$BIN" $W -f "$T/firmware" cloud-hv
is "$T/err" "WARN ignored -f $T/firmware: cloud-hv loads no firmware" "cloud-hv -f"
expect 0 "cloud-hv --dtb" -- "$BIN" $W --dtb "$T/o.dtb" cloud-hv
is "$T/err" "WARN ignored --dtb $T/o.dtb: cloud-hv generates its DTB" "cloud-hv --dtb"
expect 0 "-f with --no-measurements" -- "$BIN" --no-measurements \
	-f "$T/firmware" qemu
is "$T/err" "WARN ignored -f $T/firmware: the VMM arguments have no -bios" "-f --no-measurements"

# --- --io: every way of reading the images gives the same values ---
expect 1 "bad --io" -- "$BIN" --io fast $K kvmtool --realm --firmware fw \
	-c 1 -m 512M
has "$T/err" "error: invalid value 'fast' for '--io <IO>'" "bad --io"
for io in auto mmap pread; do
	expect 0 "--io $io" -- "$BIN" --io $io $K kvmtool --realm \
		--firmware fw -c 1 -m 512M
	has "$T/out" "RIM: cf37146fce0ad50e1be1a04580c1024e5449b430b0dd96b6ef5c9a2b73767bf5" "--io $io"
done
# 72 MiB of firmware (auto tries both ways on it), the same RIM all three ways.
truncate -s 75497472 "$T/fw72m"
printf 'START' | dd of="$T/fw72m" bs=1 conv=notrunc 2>/dev/null
printf 'END' | dd of="$T/fw72m" bs=1 seek=75497469 conv=notrunc 2>/dev/null
for io in auto mmap pread; do
	expect 0 "72 MiB firmware, --io $io" -- "$BIN" --io $io $Q \
		-f "$T/fw72m" qemu -m 1G -bios fw
	grep '^RIM' "$T/out" >"$T/rim-$io"
done
same "$T/rim-auto" "$T/rim-mmap" "72 MiB firmware: auto == mmap"
same "$T/rim-pread" "$T/rim-mmap" "72 MiB firmware: pread == mmap"

echo "realm-measurements CLI: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
