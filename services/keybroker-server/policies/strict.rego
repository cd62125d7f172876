# keybroker-server's release policy with the Veraison keybroker demo's
# exact realm rule (--policy builtin:strict).
#
# As builtin:default (default.rego: the input is the EAR's claims set, the
# data {"reference-values": [...]}), except that the realm must be exactly
# "warning": the status Veraison gives a realm when it holds no realm
# reference values. A realm found "affirming" is refused. Choose it to
# decide bit for bit as the demo's server does.
package arm_cca

import rego.v1

default allow := false

allow if count(deny) == 0

platform := input.submods.CCA_SSD_PLATFORM

realm := input.submods.CCA_REALM

deny contains "eat_profile: not a Veraison EAR" if {
	not input.eat_profile == "tag:github.com,2023:veraison/ear"
}

deny contains "CCA_SSD_PLATFORM: the platform is not affirming" if {
	not platform["ear.status"] == "affirming"
}

deny contains "CCA_REALM: the realm is not warning (strict policy)" if {
	not realm["ear.status"] == "warning"
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
