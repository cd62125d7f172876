/*
 * A CoMID template with a member of every kind, written for ccakit's
 * tests: test_corim compiles it and checks it both ways, fuzz/mkcorpus
 * makes a seed of it.
 */
#ifndef CORIM_SAMPLE_H
#define CORIM_SAMPLE_H

#define CORIM_SAMPLE_COMID_ALL \
"{\"lang\": \"en-GB\"," \
" \"tag-identity\": {\"id\": \"6b7f5d2c-0a3b-4e10-8d65-2f1b9c7e4a01\"," \
"   \"version\": 3}," \
" \"entities\": [{\"name\": \"ccakit test\", \"regid\": " \
"   \"https://ccakit.example\", \"roles\": [\"tagCreator\", \"creator\"]}]," \
" \"linked-tags\": [{\"target\": \"other-tag\", \"rel\": \"supplements\"}]," \
" \"triples\": {" \
"  \"reference-values\": [{" \
"   \"environment\": {\"class\": {\"id\": {\"type\": \"oid\", \"value\":" \
"     \"1.3.6.1.4.1.99999.1\"}, \"vendor\": \"v\", \"model\": \"m\"," \
"     \"layer\": 1, \"index\": 2}, \"instance\": {\"type\": \"ueid\"," \
"     \"value\": \"AQIDBAUGBwg=\"}, \"group\": {\"type\": \"uuid\"," \
"     \"value\": \"11111111-2222-3333-4444-555555555555\"}}," \
"   \"measurements\": [{" \
"    \"key\": {\"type\": \"uint\", \"value\": 7}," \
"    \"value\": {" \
"     \"version\": {\"value\": \"1.2.3\", \"scheme\": \"semver\"}," \
"     \"svn\": {\"type\": \"min-value\", \"value\": 4}," \
"     \"digests\": [[\"sha-384\", \"" \
"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"]," \
"       \"sha-256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"," \
"       [1, \"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE\"]]," \
"     \"flags\": {\"is-debug\": false, \"is-secure\": true}," \
"     \"raw-value\": {\"type\": \"masked\", \"value\": {\"value\": \"AQI=\"," \
"       \"mask\": \"//8=\"}}," \
"     \"mac-addr\": \"02:00:5e:10:00:01\"," \
"     \"ip-addr\": \"192.0.2.1\"," \
"     \"serial-number\": \"SN1\"," \
"     \"ueid\": \"AQIDBAUGBwg=\"," \
"     \"uuid\": \"11111111-2222-3333-4444-555555555555\"," \
"     \"name\": \"fw\"," \
"     \"cryptokeys\": [{\"type\": \"bytes\", \"value\": \"AQID\"}]," \
"     \"integrity-registers\": {\"0\": {\"key-type\": \"uint\", \"value\":" \
"       [[\"my-alg\", \"AQID\"]]}, \"pcr\": {\"key-type\": \"text\"," \
"       \"value\": [[1, \"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE\"]]}}," \
"     \"int-range\": {\"min\": -3, \"max\": null}," \
"     \"cbor-extensions\": [[\"3863\", \"6378797a\"]]}," \
"    \"authorized-by\": [{\"type\": \"thumbprint\", \"value\":" \
"      [1, \"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE\"]}]}]}]," \
"  \"attester-verification-keys\": [{" \
"   \"environment\": {\"class\": {\"id\": {\"type\": \"bytes\", \"value\":" \
"     \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}}}," \
"   \"verification-keys\": [{\"type\": \"cbor\", \"value\":" \
"     \"d9270f43010203\"}]," \
"   \"conditions\": {\"cbor\": \"a0\"}}]}}"

#endif /* CORIM_SAMPLE_H */
