# ccakit kbs: built-in appraisal policy default_switch (NVIDIA NVSwitch
# evidence). Decisions as Trustee's default_switch; the sample device
# rule reads data.reference, which the attestation service does not
# provide, so it never fires.
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

hardware := 2 if input.sampledevice.svn in data.reference.device_svn

switch := input.nvidia

hardware := 2 if {
	switch
	cert_chain_good(switch["x-nvidia-switch-attestation-report-cert-chain"])
	switch["x-nvidia-switch-attestation-report-cert-chain-fwid-match"]
	switch["x-nvidia-switch-attestation-report-parsed"]
	switch["x-nvidia-switch-attestation-report-signature-verified"]
	switch["x-nvidia-switch-arch-check"]
}

configuration := 2 if {
	secure_boot_no_debug
	switch["x-nvidia-switch-bios-version"] in query_reference_value("allowed_switch_bios_versions")
} else := 3 if {
	secure_boot_no_debug
}

executables := 3 if {
	cert_chain_good(switch["x-nvidia-switch-bios-rim-cert-chain"])
	every step in ["fetched", "measurements-available", "schema-validated",
		"signature-verified", "version-match"] {
		switch[sprintf("x-nvidia-switch-bios-rim-%s", [step])]
	}
	switch.measres == "success"
}

secure_boot_no_debug if {
	switch.secboot
	switch.dbgstat == "disabled"
}

cert_chain_good(chain) if {
	chain["x-nvidia-cert-ocsp-status"] == "good"
	chain["x-nvidia-cert-status"] == "valid"
}
