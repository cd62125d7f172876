# ccakit kbs: release only to a token with at least one submodule, every
# submodule of which the attestation service found "affirming" (any
# plugin). A submodule that states no status is not counted against it,
# as in Trustee's affirming policy.
package policy

import rego.v1

default allow := false

allow if {
	count(input.submods) > 0
	not has_unaffirmed_submod
}

has_unaffirmed_submod if {
	some appraisal in input.submods
	appraisal["ear.status"] != "affirming"
}
