# bench-rego's stand-in for an attestation service's EAR appraisal policy,
# written for ccakit (used when Trustee's ear_default_policy_cpu.rego is
# not in $CCAKIT_VECTORS). The same kind of work per attestation: the
# AR4SI trust claims of a CCA realm from its token's claims, checked
# against reference values fetched with query_reference_value(id) (a
# custom built-in: the registered values, or null), and the extensions.
#
# Input: {"cca": {"platform": {...}, "realm": {...}}, "report_data": hex,
# "init_data": hex}, the claims with Veraison's names.
package policy

import rego.v1

platform := input.cca.platform

realm := input.cca.realm

# Values, by the AR4SI claim they decide.
default executables := 33

default hardware := 97

default configuration := 36

default file_system := 0

default instance_identity := 0

default runtime_opaque := 0

default storage_opaque := 0

default sourced_data := 0

trust_claims := {
	"executables": executables,
	"hardware": hardware,
	"configuration": configuration,
	"file-system": file_system,
	"instance-identity": instance_identity,
	"runtime-opaque": runtime_opaque,
	"storage-opaque": storage_opaque,
	"sourced-data": sourced_data,
}

# The registered values of id, as a set (none: empty).
registered(id) := {v | some v in query_reference_value(id)}

# A realm running approved code: its RIM, and each REM that has
# reference values, is approved.
executables := 2 if {
	realm["cca-realm-initial-measurement"] in registered("cca.realm.rim")
	every i, rem in realm["cca-realm-extensible-measurements"] {
		rem_ok(i, rem)
	}
}

rem_ok(i, rem) if count(registered(sprintf("cca.realm.rem%d", [i]))) == 0

rem_ok(i, rem) if rem in registered(sprintf("cca.realm.rem%d", [i]))

# A known platform whose firmware is all approved.
hardware := 2 if {
	platform["cca-platform-implementation-id"] in registered("cca.platform.implementation-id")
	measured := {c["measurement-value"] | some c in platform["cca-platform-sw-components"]}
	count(measured - registered("cca.platform.sw-measurement")) == 0
	lifecycle_secured
}

# PSA lifecycle "secured" (0x3000 to 0x30ff).
lifecycle_secured if {
	platform["cca-platform-lifecycle"] >= 12288
	platform["cca-platform-lifecycle"] <= 12543
}

configuration := 2 if {
	platform["cca-platform-config"] in registered("cca.platform.config")
	realm["cca-realm-personalization-value"] in registered("cca.realm.rpv")
	realm["cca-realm-hash-algo-id"] in {"sha-256", "sha-512"}
}

instance_identity := 2 if {
	platform["cca-platform-instance-id"] in registered("cca.platform.instance-id")
}

runtime_opaque := 2 if {
	count(input.report_data) == 128
	startswith(input.report_data, lower(input.report_data))
}

extensions := [ext | some ext in [
	{"init_data": input.init_data},
	{"report_data": input.report_data},
	{"realm_profile": realm["cca-realm-profile"]},
]]
