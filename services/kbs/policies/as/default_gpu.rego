# ccakit kbs: built-in appraisal policy default_gpu (TEE class gpu:
# NVIDIA GPUs and the sample device). Decisions as Trustee's
# default_gpu. The sample device rule reads data.reference, which the
# attestation service does not provide: it never fires, there either.
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

gpu := input.nvidia

# The attestation report: its certificate chain valid and not revoked,
# parsed, signed, and for this architecture.
hardware := 2 if {
	gpu
	cert_chain_good(gpu["x-nvidia-gpu-attestation-report-cert-chain"])
	gpu["x-nvidia-gpu-attestation-report-cert-chain-fwid-match"]
	gpu["x-nvidia-gpu-attestation-report-parsed"]
	gpu["x-nvidia-gpu-attestation-report-signature-verified"]
	gpu["x-nvidia-gpu-arch-check"]
}

configuration := 2 if {
	secure_boot_no_debug
	gpu["x-nvidia-gpu-vbios-version"] in query_reference_value("allowed_vbios_versions")
	gpu["x-nvidia-gpu-driver-version"] in query_reference_value("allowed_driver_versions")
} else := 3 if {
	secure_boot_no_debug
}

# The VBIOS and driver measured against their RIMs, which were fetched,
# valid, signed and of the right versions.
executables := 3 if {
	cert_chain_good(gpu["x-nvidia-gpu-vbios-rim-cert-chain"])
	every part in ["driver", "vbios"] {
		rim_checked(part)
	}
	gpu.measres == "success"
}

rim_checked(part) if {
	every step in ["fetched", "measurements-available", "schema-validated",
		"signature-verified", "version-match"] {
		gpu[sprintf("x-nvidia-gpu-%s-rim-%s", [part, step])]
	}
}

secure_boot_no_debug if {
	gpu.secboot
	gpu.dbgstat == "disabled"
}

cert_chain_good(chain) if {
	chain["x-nvidia-cert-ocsp-status"] == "good"
	chain["x-nvidia-cert-status"] == "valid"
}
