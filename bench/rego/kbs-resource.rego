# bench-rego's stand-in for a KBS resource policy, written for ccakit (used
# when Trustee's kbs/default.rego is not in $CCAKIT_VECTORS): releases a
# resource to a requester whose EAR (input) says its TEE was appraised
# well enough, for the "resource" plugin and a three-part resource path
# (data: {"plugin": ..., "resource-path": [...], "query": {...}}).
package policy

import rego.v1

default allow := false

allow if {
	data.plugin == "resource"
	count(data["resource-path"]) == 3
	some name, tee in input.submods
	startswith(name, "cpu")
	tee["ear.status"] in {"affirming", "warning"}
	tv := tee["ear.trustworthiness-vector"]
	tv.executables <= 3
	tv.hardware <= 3
	not tee["ear.veraison.annotated-evidence"].sample
}
