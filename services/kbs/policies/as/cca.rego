# ccakit kbs: an appraisal policy for Arm CCA realms. Install it as the
# CPU policy:
#
#   kbs-client config set-attestation-policy --id default_cpu \
#       --policy-file cca.rego
#
# The KBS hands a realm's claims to this policy only after the CCA
# verifier accepted the evidence: the platform key (CPAK) is a trust
# anchor, both signatures verify, the realm key is bound to the platform
# token, the platform's reference values match and the realm challenge is
# this session's. So the platform is genuine (hardware 2), the realm is
# the one that answered (instance identity 2) and runs in isolated memory
# (runtime opaque 2).
#
# The realm's own measurements are judged against reference values
# registered with the KBS (POST /kbs/v0/reference-value, standard base64
# in arrays):
#   cca.realm.cca-realm-initial-measurement      the RIM
#   cca.realm.cca-realm-personalization-value    the RPV
# A known RIM gives executables 3 (approved boot), a known RPV gives
# configuration 2: with both the realm is "affirming", with either
# missing "warning". Other TEEs keep the defaults (contraindicated).
package policy

import rego.v1

default executables := 33

default hardware := 97

default configuration := 36

default file_system := 0

default instance_identity := 0

default runtime_opaque := 0

default storage_opaque := 0

default sourced_data := 0

trust_claims := {
	"configuration": configuration,
	"executables": executables,
	"file-system": file_system,
	"hardware": hardware,
	"instance-identity": instance_identity,
	"runtime-opaque": runtime_opaque,
	"sourced-data": sourced_data,
	"storage-opaque": storage_opaque,
}

realm := input.cca.realm

hardware := 2 if input.cca

instance_identity := 2 if input.cca

runtime_opaque := 2 if input.cca

executables := 3 if {
	realm["cca-realm-initial-measurement"] in query_reference_value("cca.realm.cca-realm-initial-measurement")
}

configuration := 2 if {
	realm["cca-realm-personalization-value"] in query_reference_value("cca.realm.cca-realm-personalization-value")
}

extensions := [{
	"name": "ear.trustee.identifiers",
	"key": -18,
	"value": {"validated": {}},
}]
