/*
 * realm-measurements outputs: the RIM/REM lines, --json, rust-ccatoken
 * rv.json reference values and the CoMID JSON of upstream's samples/.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ccakit/bytes.h>
#include <ccakit/err.h>
#include <ccakit/vmm.h>

#include "rm.h"
#include "util/util.h"

/* A measurement slot printed as upstream does: all 64 bytes. */
static void
print_slot(const char *name, const uint8_t *slot, int b64)
{
	char buf[130];

	if (b64)
		(void)ccakit_b64_encode(slot, 64, CCAKIT_B64_STD, buf,
		    sizeof(buf));
	else
		(void)ccakit_hex_encode(slot, 64, buf, sizeof(buf));
	printf("%s: %s\n", name, buf);
}

void
rm_print_lines(const struct ccakit_vmm_measurements *mm, int b64)
{
	char name[8];
	int i;

	print_slot("RIM", mm->rim, b64);
	for (i = 0; i < 4; i++) {
		(void)snprintf(name, sizeof(name), "REM%d", i);
		print_slot(name, mm->rem[i], b64);
	}
}

static json_t *
hex(const uint8_t *p, size_t len)
{
	char buf[129];

	if (len > 64 || ccakit_hex_encode(p, len, buf, sizeof(buf)) !=
	    CCAKIT_OK)
		return NULL;
	return json_string(buf);
}

static const char *
hash_name(const struct ccakit_vmm *vmm)
{
	return ccakit_hash_algo_name(ccakit_vmm_hash_algo(vmm));
}

/* The realm entry of rv.json (rust-ccatoken RealmRefValue). */
static json_t *
realm_entry(const struct ccakit_vmm *vmm,
    const struct ccakit_vmm_measurements *mm, const char *rak)
{
	json_t *e, *rems;
	int i;

	if ((e = json_object()) == NULL || (rems = json_array()) == NULL) {
		json_decref(e);
		return NULL;
	}
	for (i = 0; i < 4; i++)
		json_array_append_new(rems, hex(mm->rem[i], mm->len));
	if (json_object_set_new(e, "initial-measurement",
	    hex(mm->rim, mm->len)) != 0 ||
	    json_object_set_new(e, "extensible-measurements", rems) != 0 ||
	    json_object_set_new(e, "personalization-value",
	    hex(ccakit_vmm_rpv(vmm), 64)) != 0 ||
	    json_object_set_new(e, "rak-hash-algorithm",
	    json_string(rak)) != 0 || json_array_size(rems) != 4) {
		json_decref(e);
		return NULL;
	}
	return e;
}

/* An output file: replaced atomically if a regular file, written in
 * place if a FIFO or a device (cki_write_file). */
int
rm_write_file(const char *path, const void *buf, size_t len)
{
	return cki_write_file(path, buf, len, 0644);
}

static int
dump(json_t *j, const char *path)
{
	char *text;
	int r;

	if (j == NULL) {
		fprintf(stderr, "ERROR out of memory\n");
		return -1;
	}
	if (path == NULL) {
		r = json_dumpf(j, stdout, JSON_INDENT(2));
		if (r == 0)
			putchar('\n');
	} else if ((text = json_dumps(j, JSON_INDENT(2))) == NULL) {
		errno = ENOMEM;
		r = -1;
	} else {
		r = rm_write_file(path, text, strlen(text));
		if (r != CCAKIT_OK && r != CCAKIT_ERR_IO)
			errno = r == CCAKIT_ERR_NOMEM ? ENOMEM : EINVAL;
		free(text);
	}
	if (r != 0) {
		fprintf(stderr, "ERROR cannot write %s: %s\n",
		    path ? path : "output", strerror(errno));
		return -1;
	}
	return 0;
}

int
rm_print_json(const struct ccakit_vmm *vmm,
    const struct ccakit_vmm_measurements *mm)
{
	json_t *j = realm_entry(vmm, mm, hash_name(vmm)), *o = NULL;
	int r;

	if (j != NULL && (o = json_object()) != NULL) {
		json_object_set_new(o, "hash-algo", json_string(hash_name(vmm)));
		json_object_update(o, j);
		json_object_del(o, "rak-hash-algorithm");
	}
	r = dump(o, NULL);
	json_decref(j);
	json_decref(o);
	return r;
}

int
rm_write_rv(const char *path, const struct ccakit_vmm *vmm,
    const struct ccakit_vmm_measurements *mm, const char *rak)
{
	json_t *root = json_object(), *arr = json_array();
	int r;

	if (root == NULL || arr == NULL ||
	    json_array_append_new(arr, realm_entry(vmm, mm, rak)) != 0 ||
	    json_object_set(root, "realm", arr) != 0) {
		json_decref(root);
		json_decref(arr);
		return dump(NULL, path);
	}
	r = dump(root, path);
	json_decref(arr);
	json_decref(root);
	return r;
}

/* "sha-256;<base64 of the 64-byte slot>" (upstream writes all 64 bytes). */
static json_t *
register_value(const char *alg, const uint8_t *slot)
{
	char b64[89], buf[100];
	json_t *o = json_object(), *v = json_array();

	(void)ccakit_b64_encode(slot, 64, CCAKIT_B64_STD, b64, sizeof(b64));
	(void)snprintf(buf, sizeof(buf), "%s;%s", alg, b64);
	if (o == NULL || v == NULL ||
	    json_object_set_new(o, "key-type", json_string("text")) != 0 ||
	    json_array_append_new(v, json_string(buf)) != 0 ||
	    json_object_set_new(o, "value", v) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
default_comid(void)
{
	return json_pack("{s:{s:s,s:i},s:{s:[{s:{s:{s:s,s:s},s:s},s:{s:s,s:s}}]}}",
	    "tag-identity", "id", "", "version", 0,
	    "triples", "reference-values", "environment", "class", "id",
	    "type", "", "value", "", "vendor", "", "instance", "type", "",
	    "value", "");
}

int
rm_write_comid(const char *path, const char *tpl,
    const struct ccakit_vmm *vmm, const struct ccakit_vmm_measurements *mm)
{
	json_error_t err;
	json_t *root, *triples, *rvs, *rv, *meas, *val, *regs, *raw;
	const char *alg = hash_name(vmm);
	char rpv[89], name[8];
	int i, r = -1;

	if (tpl != NULL) {
		if ((root = json_load_file(tpl, 0, &err)) == NULL) {
			fprintf(stderr, "ERROR Failed to compute measurements: "
			    "invalid VM configuration: cannot parse %s: %s\n",
			    tpl, err.text);
			return -1;
		}
	} else if ((root = default_comid()) == NULL)
		return dump(NULL, path);
	/* One reference value; its measurements are replaced (init_refval). */
	if (!json_is_object(root) ||
	    ((triples = json_object_get(root, "triples")) == NULL &&
	    json_object_set_new(root, "triples", triples = json_object()) !=
	    0) || !json_is_object(triples) ||
	    ((rvs = json_object_get(triples, "reference-values")) == NULL &&
	    json_object_set_new(triples, "reference-values",
	    rvs = json_array()) != 0) || !json_is_array(rvs)) {
		fprintf(stderr, "ERROR Failed to compute measurements: invalid "
		    "VM configuration: cannot parse %s: not a CoMID\n",
		    tpl ? tpl : "template");
		goto out;
	}
	if (json_array_size(rvs) == 0)
		json_array_append_new(rvs, json_pack("{s:{s:{s:{s:s,s:s},s:s},"
		    "s:{s:s,s:s}}}", "environment", "class", "id", "type", "",
		    "value", "", "vendor", "", "instance", "type", "", "value",
		    ""));
	rv = json_array_get(rvs, 0);
	(void)ccakit_b64_encode(ccakit_vmm_rpv(vmm), 64, CCAKIT_B64_STD, rpv,
	    sizeof(rpv));
	regs = json_object();
	json_object_set_new(regs, "rim", register_value(alg, mm->rim));
	for (i = 0; i < 4; i++) {
		(void)snprintf(name, sizeof(name), "rem%d", i);
		json_object_set_new(regs, name, register_value(alg, mm->rem[i]));
	}
	raw = json_pack("{s:s,s:s}", "type", "bytes", "value", rpv);
	val = json_object();
	json_object_set_new(val, "raw-value", raw);
	json_object_set_new(val, "integrity-registers", regs);
	meas = json_pack("[{s:o}]", "value", val);
	if (!json_is_object(rv) || meas == NULL ||
	    json_object_set_new(rv, "measurements", meas) != 0) {
		fprintf(stderr, "ERROR out of memory or bad template\n");
		goto out;
	}
	r = dump(root, path);
out:
	json_decref(root);
	return r;
}
