#!/bin/sh
# CLI tests of ccakit-rego: the `opa eval` output contract (defined,
# undefined, errors), exit statuses, data loading, `check`.
# Needs CCAKIT_BIN (build/bin).
set -u
BIN=${CCAKIT_BIN:?}/ccakit-rego
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
# is FILE DESCRIPTION <<EOF: FILE holds exactly the here-document
is() {
	cat >"$T/want"
	if cmp -s "$1" "$T/want"; then ok; else
		bad "$2: output differs"; diff "$T/want" "$1" | sed 's/^/  | /' >&2
	fi
}

cat >"$T/p.rego" <<'EOF'
package t

import rego.v1

default allow := false

allow if input.user == data.admin

p := 7 if q == "bar"

q := input.baz

conflict := 1
conflict := 2 if true
EOF
printf '{"admin": "alice"}' >"$T/d.json"
printf '{"user": "alice", "baz": "bar"}' >"$T/i.json"

# --- usage ---
expect 1 "no arguments" -- "$BIN"
has "$T/err" "Usage:" "no arguments"
expect 0 "--help" -- "$BIN" --help
has "$T/out" "Usage: ccakit-rego eval" "--help"
has "$T/out" "check FILE.rego" "--help check"
expect 0 "eval --help" -- "$BIN" eval --help
expect 0 "--version" -- "$BIN" --version
has "$T/out" "ccakit-rego " "--version"
expect 1 "unknown command" -- "$BIN" frobnicate
expect 1 "unknown option" -- "$BIN" eval --frob 'x'
expect 1 "missing query" -- "$BIN" eval -d "$T/p.rego"
expect 1 "bad format" -- "$BIN" eval --format xml 'x'

# --- defined: expressions and bindings ---
expect 0 "defined" -- "$BIN" eval --format json -d "$T/p.rego" \
    -d "$T/d.json" -i "$T/i.json" 'data.t.p = x'
is "$T/out" "defined" <<'EOF'
{
  "result": [
    {
      "expressions": [
        {
          "value": true,
          "text": "data.t.p = x",
          "location": {
            "row": 1,
            "col": 1
          }
        }
      ],
      "bindings": {
        "x": 7
      }
    }
  ]
}
EOF
expect 0 "value" -- "$BIN" eval -d "$T/p.rego" -d "$T/d.json" \
    -i "$T/i.json" 'data.t.allow'
has "$T/out" '"value": true' "value"
expect 0 "false is a value" -- "$BIN" eval -d "$T/p.rego" -d "$T/d.json" \
    'data.t.allow'
has "$T/out" '"value": false' "false is a value"

# --- undefined ---
expect 0 "undefined" -- "$BIN" eval -d "$T/p.rego" 'data.t.p = x'
is "$T/out" "undefined" <<'EOF'
{}
EOF
expect 0 "undefined pretty" -- "$BIN" eval --format pretty \
    -d "$T/p.rego" 'data.t.p'
is "$T/out" "undefined pretty" <<'EOF'
undefined
EOF

# --- errors ---
expect 2 "conflict" -- "$BIN" eval -d "$T/p.rego" 'data.t.conflict'
is "$T/out" "conflict" <<EOF
{
  "errors": [
    {"message":"complete rules must not produce multiple outputs","code":"eval_conflict_error","location":{"file":"$T/p.rego","row":14,"col":1}}
  ]
}
EOF
expect 2 "builtin error strict" -- "$BIN" eval --strict-builtin-errors \
    'x := 1 / 0'
has "$T/out" '"code":"eval_builtin_error"' "builtin error strict"
has "$T/out" 'div: divide by zero' "builtin error strict"
expect 0 "builtin error non-strict" -- "$BIN" eval 'x := 1 / 0'
is "$T/out" "builtin error non-strict" <<'EOF'
{}
EOF
printf 'package bad\n\np := [1,\n' >"$T/bad.rego"
expect 2 "parse error" -- "$BIN" eval -d "$T/bad.rego" 'data.bad.p'
has "$T/out" '"code":"rego_parse_error"' "parse error"
has "$T/out" '"row":4' "parse error row"
expect 2 "query error" -- "$BIN" eval 'x > 1'
has "$T/out" '"code":"rego_unsafe_var_error"' "query error"
printf '{"a":' >"$T/broken.json"
expect 2 "bad input" -- "$BIN" eval -i "$T/broken.json" 'input'
expect 2 "missing file" -- "$BIN" eval -d "$T/nope.rego" 'data'
expect 2 "step limit" -- "$BIN" eval --max-steps 1000 \
    'x := count([y | some y in numbers.range(1, 100000)])'
has "$T/out" '"code":"eval_limit_error"' "step limit"

# --- pretty ---
expect 0 "pretty" -- "$BIN" eval --format pretty -d "$T/p.rego" \
    -d "$T/d.json" -i "$T/i.json" 'data.t.p = x'
is "$T/out" "pretty" <<'EOF'
x = 7
EOF

# --- directories: data.json files go where their directory is ---
mkdir -p "$T/bundle/a/b"
cp "$T/p.rego" "$T/bundle/"
printf '{"c": 1}' >"$T/bundle/a/b/data.json"
expect 0 "directory" -- "$BIN" eval --format pretty -d "$T/bundle" \
    'data.a.b.c'
is "$T/out" "directory" <<'EOF'
1
EOF

# --- check ---
expect 0 "check ok" -- "$BIN" check "$T/p.rego"
expect 2 "check parse error" -- "$BIN" check "$T/bad.rego"
has "$T/err" "1 error occurred:" "check parse error"
has "$T/err" "$T/bad.rego:4: rego_parse_error: unexpected eof token" \
    "check parse error"
printf 'package u\n\np if {\n\tx > 1\n}\n' >"$T/unsafe.rego"
expect 2 "check unsafe" -- "$BIN" check "$T/unsafe.rego"
has "$T/err" "$T/unsafe.rego:4: rego_unsafe_var_error: var x is unsafe" \
    "check unsafe"
expect 1 "check nothing" -- "$BIN" check

echo "ccakit-rego CLI: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
