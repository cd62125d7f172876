ccakit_fuzzer(agent_conf SOURCE fuzz_agent_conf.c LIBS agent_conf)
