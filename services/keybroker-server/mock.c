/*
 * keybroker-server: data of the demo's mock mode (-m), from the demo's
 * static example token (TF-M tf-m-tools iat-verifier test data, see
 * ../shared/vectors/keybroker-demo/README.md): its realm challenge, which
 * the server hands out as every challenge, and the public key of its
 * platform (the IAK), which the embedded verifier then trusts unless
 * --trust-anchors is given.
 */
#include "kbs.h"

const uint8_t kbs_mock_nonce[KBS_CHALLENGE_LEN] = {
	0x6e, 0x86, 0xd6, 0xd9, 0x7c, 0xc7, 0x13, 0xbc,
	0x6d, 0xd4, 0x3d, 0xbc, 0xe4, 0x91, 0xa6, 0xb4,
	0x03, 0x11, 0xc0, 0x27, 0xa8, 0xbf, 0x85, 0xa3,
	0x9d, 0xa6, 0x3e, 0x9c, 0xe4, 0x4c, 0x13, 0x2a,
	0x8a, 0x11, 0x9d, 0x29, 0x6f, 0xae, 0x6a, 0x69,
	0x99, 0xe9, 0xbf, 0x3e, 0x44, 0x71, 0xb0, 0xce,
	0x01, 0x24, 0x5d, 0x88, 0x94, 0x24, 0xc3, 0x1e,
	0x89, 0x79, 0x3b, 0x3b, 0x1d, 0x6b, 0x15, 0x04,
};

const char kbs_mock_ta_json[] =
	"[{\"implementation-id\":"
	"\"7f454c4602010100000000000000000003003e00010000005058000000000000\","
	"\"instance-id\":"
	"\"0107060504030201000f0e0d0c0b0a090817161514131211101f1e1d1c1b1a1918\","
	"\"pkey\":{\"kty\":\"EC\",\"crv\":\"P-384\","
	"\"x\":\"IShnxS4rlQiwpCCpBWDzlNLfqiG911FP8akBr-fh94uxHU5m-Kijivp2r2oxxN6M\","
	"\"y\":\"hM4tr8mWQli1P61xh3T0ViDREbF26DGOEYfbAjWjGNN7pZf-6A4OTHYqEryz6m7U\""
	"}}]";
