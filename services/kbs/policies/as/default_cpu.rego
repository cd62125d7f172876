# ccakit kbs: built-in appraisal policy default_cpu, the one the KBS
# evaluates for CPU evidence (policy ids ["default"] and TEE class cpu).
#
# Its decisions are those of Trustee's default_cpu (attestation-service at
# 78962cd), organised here by trust claim: each TEE's claims are checked
# against reference values from query_reference_value(id), which returns
# what was registered under id (an array, usually) or null. Arm CCA has no
# rule, so a realm gets the defaults (contraindicated): upload cca.rego
# as default_cpu for realms (docs/kbs.md).
#
# AR4SI values used: executables 3 approved boot, 4 approved boot by an
# alternative path (TDX with GRUB), 33 unrecognised; hardware 2 genuine,
# 97 unrecognised; configuration 2 approved, 3 no known vulnerability,
# 36 unavailable, 0 no claim.
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

qrv(id) := query_reference_value(id)

# ---- executables ----------------------------------------------------

executables := 3 if {
	input.sample
	input.sample.launch_digest in qrv("launch_digest")
}

executables := 3 if {
	input.snp
	input.snp.measurement in qrv("snp_launch_measurement")
}

executables := 3 if {
	tdx_rtmrs_known
	tdx_kernel_event_known
	tdx_cmdline_event_known
} else := 4 if {
	tdx_rtmrs_known
}

executables := 3 if {
	vm := input["az-snp-vtpm"]
	vm
	vm.measurement in qrv("measurement")
	vm.tpm.pcr11 in qrv("snp_pcr11")
}

executables := 3 if {
	vm := input["az-tdx-vtpm"]
	vm
	vm.tpm.pcr11 in qrv("tdx_pcr11")
}

executables := 3 if {
	input.tpm
	input.tpm.pcr11 in qrv("tpm_pcr11")
	input.tpm.ak_public in qrv("trusted_aks")
}

# IBM Secure Execution: its verifier checks everything; present means
# verified.
executables := 3 if input.se

tdx_rtmrs_known if {
	input.tdx
	input.tdx.quote.body.rtmr_1 in qrv("rtmr_1")
	input.tdx.quote.body.rtmr_2 in qrv("rtmr_2")
}

tdx_kernel_event_known if {
	some ev in input.tdx.uefi_event_logs
	ev.type_name == "EV_EFI_BOOT_SERVICES_APPLICATION"
	"File(kernel)" in ev.details.device_paths
	some dg in ev.digests
	dg.digest == qrv("tdvfkernel")
}

tdx_cmdline_event_known if {
	some ev in input.tdx.uefi_event_logs
	ev.type_name == "EV_EVENT_TAG"
	ev.details.string == "LOADED_IMAGE::LoadOptions"
	some dg in ev.digests
	dg.digest == qrv("tdvfkernelparams")
}

# ---- hardware -------------------------------------------------------

hardware := 2 if {
	input.sample
	input.sample.svn in qrv("svn")
	input.sample.platform_version.major == qrv("major_version")
	input.sample.platform_version.minor >= qrv("minimum_minor_version")
}

hardware := 2 if {
	input.snp
	snp_tcb_known(input.snp, "snp_bootloader", "snp_microcode",
		"snp_snp_svn", "snp_tee_svn")
}

hardware := 2 if {
	input.tdx
	intel_td_quote(input.tdx.quote)
	input.tdx.quote.body.mr_td in qrv("mr_td")
	input.tdx.tcb_status == "UpToDate"
	input.tdx.collateral_expiration_status == "0"
}

hardware := 2 if {
	vm := input["az-snp-vtpm"]
	vm
	snp_tcb_known(vm, "tcb_bootloader", "tcb_microcode", "tcb_snp",
		"tcb_tee")
}

hardware := 2 if {
	vm := input["az-tdx-vtpm"]
	vm
	intel_td_quote(vm.quote)
	vm.quote.body.mr_td in qrv("mr_td")
	vm.tcb_status == "UpToDate"
}

hardware := 2 if input.tpm

hardware := 2 if input.se

snp_tcb_known(r, bl, uc, snp, tee) if {
	r.reported_tcb_bootloader in qrv(bl)
	r.reported_tcb_microcode in qrv(uc)
	r.reported_tcb_snp in qrv(snp)
	r.reported_tcb_tee in qrv(tee)
}

# A TDX quote from Intel's quoting enclave.
intel_td_quote(q) if {
	q.header.tee_type == "81000000"
	q.header.vendor_id == "939a7233f79c4ca9940a0db3957f0607"
}

# ---- configuration --------------------------------------------------

configuration := 2 if {
	input.sample
	input.sample.debug == false
}

configuration := 2 if {
	snp_guest_policy_safe
	input.snp.platform_smt_enabled == qrv("snp_smt_enabled")
	input.snp.platform_tsme_enabled == qrv("snp_tsme_enabled")
	input.snp.policy_abi_major == qrv("snp_guest_abi_major")
	input.snp.policy_abi_minor == qrv("snp_guest_abi_minor")
	input.snp.policy_single_socket == qrv("snp_single_socket")
	input.snp.policy_smt_allowed == qrv("snp_smt_allowed")
} else := 3 if {
	snp_guest_policy_safe
}

configuration := 2 if {
	input.tdx
	input.tdx.td_attributes.debug == false
	input.tdx.quote.body.xfam in qrv("xfam")
}

configuration := 2 if {
	vm := input["az-snp-vtpm"]
	vm
	vm.platform_smt_enabled in qrv("smt_enabled")
	vm.platform_tsme_enabled in qrv("tsme_enabled")
	vm.policy_abi_major in qrv("abi_major")
	vm.policy_abi_minor in qrv("abi_minor")
	vm.policy_single_socket in qrv("single_socket")
	vm.policy_smt_allowed in qrv("smt_allowed")
}

configuration := 2 if {
	vm := input["az-tdx-vtpm"]
	vm
	vm.quote.body.xfam in qrv("xfam")
}

configuration := 0 if input.tpm

configuration := 2 if input.se

snp_guest_policy_safe if {
	input.snp
	input.snp.policy_debug_allowed == false
	input.snp.policy_migrate_ma == false
}

# ---- extensions: workload identifiers from the init-data ------------
#
# ear.trustee.identifiers (key -18): the container images and user ids
# of the Kata agent policy that the init-data carried, when there are
# any.
extensions := [{
	"name": "ear.trustee.identifiers",
	"key": -18,
	"value": {"validated": object.union(images_claim, uids_claim)},
}]

agent_containers := input.init_data_claims.agent_policy_claims.containers

container_images := [image |
	some c in agent_containers
	image := c.OCI.Annotations["io.kubernetes.cri.image-name"]
]

container_uids := [uid |
	some c in agent_containers
	uid := c.OCI.Process.User.UID
]

images_claim := {"container_images": container_images} if {
	count(container_images) > 0
} else := {}

uids_claim := {"container_uids": container_uids} if {
	count(container_uids) > 0
} else := {}
