# ccakit kbs: the built-in resource policy (id resource-policy).
#
# Decides as Trustee's default: a verified attestation token may read
# resources (plugin "resource") unless its first CPU submodule carries
# evidence of the sample TEE. Other plugins are refused. The token's
# appraisal status is not looked at: use affirming.rego for that.
package policy

import rego.v1

default allow := false

allow if {
	data.plugin == "resource"
	not from_sample_tee
}

from_sample_tee if input.submods.cpu0["ear.veraison.annotated-evidence"].sample
