# keybroker-server's release policy: the default (--policy builtin:default).
#
# keybroker-server evaluates data.arm_cca.allow once per evidence
# submission and releases the secret only when it is true. The input is
# the attestation result: the EAR's claims set, as JSON. The data document
# holds the approved realm initial measurements (RIMs), as given with
# --reference-values (plus those an event-log replay proved, --images):
#
#     {"reference-values": ["<standard base64 of a RIM>", ...]}
#
# The release needs a Veraison EAR whose platform is affirming, whose realm
# is affirming or warning (see below), recognized (instance-identity 2) and
# runs an approved RIM. When it is refused, keybroker-server reports the
# messages of `deny`.
#
# The one difference from the Veraison keybroker demo's policy: the demo
# requires the realm to be exactly "warning", which is what Veraison
# reports when it holds no realm reference values; a realm it found
# "affirming" (better evidence) would be refused. This policy accepts both;
# "none" and "contraindicated" are still refused, and the RIM check is the
# same. builtin:strict (strict.rego) keeps the demo's rule.
package arm_cca

import rego.v1

default allow := false

allow if count(deny) == 0

platform := input.submods.CCA_SSD_PLATFORM

realm := input.submods.CCA_REALM

realm_statuses := {"affirming", "warning"}

deny contains "eat_profile: not a Veraison EAR" if {
	not input.eat_profile == "tag:github.com,2023:veraison/ear"
}

deny contains "CCA_SSD_PLATFORM: the platform is not affirming" if {
	not platform["ear.status"] == "affirming"
}

deny contains "CCA_REALM: the realm is neither affirming nor warning" if {
	not realm["ear.status"] in realm_statuses
}

deny contains "CCA_REALM: instance-identity is not 2 (recognized)" if {
	not realm["ear.trustworthiness-vector"]["instance-identity"] == 2
}

deny contains "cca-realm-initial-measurement: not among the reference values" if {
	not rim_approved
}

rim_approved if {
	rim := realm["ear.veraison.annotated-evidence"]["cca-realm-initial-measurement"]
	rim in data["reference-values"]
}
