package example

import rego.v1

default allow := false

allow if {
	input.method == "GET"
	some role in input.roles
	role in {"admin", "reader"}
}
