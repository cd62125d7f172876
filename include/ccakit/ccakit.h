/* ccakit: Arm CCA attestation, umbrella header. */
#ifndef CCAKIT_H
#define CCAKIT_H

#include <ccakit/version.h>
#include <ccakit/err.h>
#include <ccakit/bytes.h>
#include <ccakit/hash.h>
#include <ccakit/cbor.h>
#include <ccakit/cose.h>
#include <ccakit/tv.h>
#include <ccakit/token.h>
#include <ccakit/store.h>
#include <ccakit/appraise.h>
#include <ccakit/measure.h>
#include <ccakit/eventlog.h>
#include <ccakit/vmm.h>
#include <ccakit/tsm.h>
#include <ccakit/jose.h>
#include <ccakit/ear.h>
#include <ccakit/toml.h>
#include <ccakit/xml.h>
#include <ccakit/jcs.h>
#include <ccakit/rego.h>

#endif /* CCAKIT_H */
