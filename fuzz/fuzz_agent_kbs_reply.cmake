ccakit_fuzzer(agent_kbs_reply SOURCE fuzz_agent_kbs_reply.c
	LIBS agent_core svc_rcar
	VECTORS "trustee/upstream/example.token.json")
