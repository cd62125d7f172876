# ccakit kbs: built-in appraisal policy default_ppcie (protected PCIe
# switches): configuration approved (2), no claim otherwise. Decisions as
# Trustee's default_ppcie.
package policy

import rego.v1

trust_claims := {
	"configuration": 2,
	"executables": 0,
	"file-system": 0,
	"hardware": 0,
	"instance-identity": 0,
	"runtime-opaque": 0,
	"sourced-data": 0,
	"storage-opaque": 0,
}
