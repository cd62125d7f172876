/*
 * The pkcs11 plugin (Trustee's kbs/src/plugins/implementations/
 * pkcs11.rs at 78962cd; addendum §8.3): resources kept in an HSM as
 * generic-secret objects labelled "<repo>/<type>/<tag>", and RSA-OAEP
 * wrapping with a key pair in the HSM, through any PKCS#11 module
 * (SoftHSM2 in the tests).
 *
 *   [[plugins]]
 *   name = "pkcs11"
 *   module = "/usr/lib/softhsm/libsofthsm2.so"
 *   slot_index = 0                     (among the slots with a token)
 *   pin = "..."                        (the user PIN)
 *   rsa_mechanism = "RsaPkcsOaep"      (SHA-256; "RsaPkcsTest": SHA-1)
 *   lookup_label = "..."               (the wrapping key pair's label)
 *
 *   GET    pkcs11/resource/<r>/<t>/<g>  attested, JWE: the object's value
 *   POST   pkcs11/resource/<r>/<t>/<g>  admin: store the body
 *   DELETE pkcs11/resource/<r>/<t>/<g>  admin
 *   POST   pkcs11/wrap-key              admin: the body encrypted with the
 *                                       public key labelled lookup_label
 *   GET    pkcs11/wrap-key              attested, JWE: the body decrypted
 *                                       with its private key
 *
 * One session, logged in at start, used under a mutex (as Trustee).
 * Unlike Trustee, a resource is a token object (CKA_TOKEN: it outlives
 * the session and the KBS, as the resource plugin's do) and a POST
 * replaces the objects of its label (Trustee adds one more, and a read
 * then finds either).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

#include <ccakit/bytes.h>

#include "kbs.h"
#include "log.h"

#define P11_VALUE_MAX   KBS_RESOURCE_MAX
#define P11_FIND_MAX    16
#define P11_RSA_MAX     4096            /* a 32768-bit modulus */

struct p11 {
	void *dl;
	CK_FUNCTION_LIST_PTR f;
	CK_SESSION_HANDLE s;
	pthread_mutex_t mu;
	bool initialized, open;
	bool sha1;                      /* RsaPkcsTest */
	char *label;
};

static void
p11_free(void *self)
{
	struct p11 *p = self;

	if (p == NULL)
		return;
	if (p->open)
		(void)p->f->C_CloseSession(p->s);
	if (p->initialized)
		(void)p->f->C_Finalize(NULL);
	if (p->dl != NULL)
		dlclose(p->dl);
	pthread_mutex_destroy(&p->mu);
	free(p->label);
	free(p);
}

static int
p11_init(struct kbs *k, ccakit_toml_value *t, void **self,
    struct ccakit_errdetail *d)
{
	CK_C_INITIALIZE_ARGS ia;
	CK_C_GetFunctionList gfl;
	CK_SLOT_ID slots[64];
	CK_ULONG nslots = 64;
	CK_RV rv;
	const char *module, *pin, *mech = "RsaPkcsOaep", *label = "";
	int64_t slot = 0;
	struct p11 *p;
	int r;

	(void)k;
	if ((r = ccakit_toml_get_string(t, "module", &module, d)) ==
	    CCAKIT_ERR_NOT_FOUND)
		return ccakit_toml_error(t, CCAKIT_ERR_CONFIG, d, "pkcs11: "
		    "missing module (the PKCS#11 library)");
	if (r != CCAKIT_OK)
		return r;
	if ((r = ccakit_toml_get_string(t, "pin", &pin, d)) ==
	    CCAKIT_ERR_NOT_FOUND)
		return ccakit_toml_error(t, CCAKIT_ERR_CONFIG, d, "pkcs11: "
		    "missing pin");
	if (r != CCAKIT_OK)
		return r;
	if ((r = ccakit_toml_get_int_range(t, "slot_index", 0, 255, &slot,
	    d)) != CCAKIT_OK && r != CCAKIT_ERR_NOT_FOUND)
		return r;
	if ((r = ccakit_toml_get_string(t, "rsa_mechanism", &mech, d)) !=
	    CCAKIT_OK && r != CCAKIT_ERR_NOT_FOUND)
		return r;
	if (strcmp(mech, "RsaPkcsOaep") != 0 && strcmp(mech, "RsaPkcsTest") !=
	    0)
		return ccakit_toml_error(ccakit_toml_lookup(t, "rsa_mechanism"),
		    CCAKIT_ERR_CONFIG, d, "pkcs11: rsa_mechanism is RsaPkcsOaep "
		    "or RsaPkcsTest, not '%s'", mech);
	if ((r = ccakit_toml_get_string(t, "lookup_label", &label, d)) !=
	    CCAKIT_OK && r != CCAKIT_ERR_NOT_FOUND)
		return r;
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->label = strdup(label)) == NULL) {
		free(p);
		return CCAKIT_ERR_NOMEM;
	}
	pthread_mutex_init(&p->mu, NULL);
	p->sha1 = strcmp(mech, "RsaPkcsTest") == 0;
	if ((p->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		r = ccakit_toml_error(ccakit_toml_lookup(t, "module"),
		    CCAKIT_ERR_CONFIG, d, "pkcs11: unable to open pkcs11 module: "
		    "%.300s", dlerror());
		goto fail;
	}
	*(void **)&gfl = dlsym(p->dl, "C_GetFunctionList");
	if (gfl == NULL || gfl(&p->f) != CKR_OK || p->f == NULL) {
		r = ccakit_toml_error(ccakit_toml_lookup(t, "module"),
		    CCAKIT_ERR_CONFIG, d, "pkcs11: %s is not a PKCS#11 module",
		    module);
		goto fail;
	}
	memset(&ia, 0, sizeof(ia));
	ia.flags = CKF_OS_LOCKING_OK;
	if ((rv = p->f->C_Initialize(&ia)) != CKR_OK &&
	    rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		r = ccakit_toml_error(t, CCAKIT_ERR_CONFIG, d, "pkcs11: "
		    "C_Initialize: 0x%lx", (unsigned long)rv);
		goto fail;
	}
	p->initialized = rv == CKR_OK;
	if ((rv = p->f->C_GetSlotList(CK_TRUE, slots, &nslots)) != CKR_OK) {
		r = ccakit_toml_error(t, CCAKIT_ERR_CONFIG, d, "pkcs11: "
		    "C_GetSlotList: 0x%lx", (unsigned long)rv);
		goto fail;
	}
	if ((CK_ULONG)slot >= nslots) {
		r = ccakit_toml_error(t, CCAKIT_ERR_CONFIG, d, "pkcs11: Slot "
		    "index out of range (%lu slots with a token)",
		    (unsigned long)nslots);
		goto fail;
	}
	if ((rv = p->f->C_OpenSession(slots[slot], CKF_SERIAL_SESSION |
	    CKF_RW_SESSION, NULL, NULL, &p->s)) != CKR_OK) {
		r = ccakit_toml_error(t, CCAKIT_ERR_CONFIG, d, "pkcs11: "
		    "C_OpenSession: 0x%lx", (unsigned long)rv);
		goto fail;
	}
	p->open = true;
	if ((rv = p->f->C_Login(p->s, CKU_USER, (CK_UTF8CHAR_PTR)(uintptr_t)
	    pin, (CK_ULONG)strlen(pin))) != CKR_OK &&
	    rv != CKR_USER_ALREADY_LOGGED_IN) {
		r = ccakit_toml_error(ccakit_toml_lookup(t, "pin"),
		    CCAKIT_ERR_CONFIG, d, "pkcs11: C_Login: 0x%lx%s",
		    (unsigned long)rv, rv == CKR_PIN_INCORRECT ?
		    " (wrong PIN)" : "");
		goto fail;
	}
	svc_info("pkcs11: %s, slot %lld, session open", module,
	    (long long)slot);
	*self = p;
	return CCAKIT_OK;
fail:
	p11_free(p);
	return r;
}

static bool
p11_admin(void *self, const struct kbs_plugin_req *r)
{
	(void)self;
	return strcmp(r->method, "GET") != 0;
}

static bool
p11_encrypted(void *self, const struct kbs_plugin_req *r)
{
	(void)self;
	(void)r;
	return true;
}

/* Objects of a template (under the mutex); the count in *n. */
static CK_RV
find(struct p11 *p, CK_ATTRIBUTE *tmpl, CK_ULONG nt, CK_OBJECT_HANDLE *objs,
    CK_ULONG *n)
{
	CK_RV rv;

	*n = 0;
	if ((rv = p->f->C_FindObjectsInit(p->s, tmpl, nt)) != CKR_OK)
		return rv;
	rv = p->f->C_FindObjects(p->s, objs, P11_FIND_MAX, n);
	(void)p->f->C_FindObjectsFinal(p->s);
	return rv;
}

static int
p11_fail(char *why, size_t whysz, const char *what, CK_RV rv)
{
	snprintf(why, whysz, "PKCS11 error: %s: 0x%lx", what,
	    (unsigned long)rv);
	return CCAKIT_ERR_IO;
}

static int
resource(struct p11 *p, const struct kbs_plugin_req *r,
    struct kbs_plugin_out *out, char *why, size_t whysz)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	CK_BBOOL yes = CK_TRUE;
	CK_OBJECT_HANDLE objs[P11_FIND_MAX], o;
	CK_ULONG n = 0, i;
	CK_RV rv;
	char label[STATE_KEY_MAX + 1];
	CK_ATTRIBUTE lt[] = { { CKA_LABEL, label, 0 } };
	CK_ATTRIBUTE va = { CKA_VALUE, NULL, 0 };
	int rc = CCAKIT_OK;

	if (r->npath != 4 || state_kbs_resource_key(r->path[1], r->path[2],
	    r->path[3], label, sizeof(label)) != CCAKIT_OK) {
		snprintf(why, whysz, "invalid path");
		return CCAKIT_ERR_INVALID_ARG;
	}
	lt[0].ulValueLen = strlen(label);
	pthread_mutex_lock(&p->mu);
	if ((rv = find(p, lt, 1, objs, &n)) != CKR_OK) {
		rc = p11_fail(why, whysz, "C_FindObjects", rv);
		goto out;
	}
	if (strcmp(r->method, "GET") == 0) {
		if (n == 0) {
			snprintf(why, whysz, "Could not find object with label "
			    "%s", label);
			rc = CCAKIT_ERR_NOT_FOUND;
			goto out;
		}
		o = objs[0];
		if ((rv = p->f->C_GetAttributeValue(p->s, o, &va, 1)) !=
		    CKR_OK || va.ulValueLen == (CK_ULONG)-1) {
			rc = p11_fail(why, whysz, "Key does not have value "
			    "attribute available", rv);
			goto out;
		}
		if (va.ulValueLen > P11_VALUE_MAX ||
		    (va.pValue = malloc(va.ulValueLen + 1)) == NULL) {
			rc = CCAKIT_ERR_NOMEM;
			goto out;
		}
		if ((rv = p->f->C_GetAttributeValue(p->s, o, &va, 1)) !=
		    CKR_OK) {
			free(va.pValue);
			rc = p11_fail(why, whysz, "C_GetAttributeValue", rv);
			goto out;
		}
		((uint8_t *)va.pValue)[va.ulValueLen] = '\0';
		out->body = va.pValue;
		out->len = va.ulValueLen;
		kbs_count_resource(KBS_RES_READ, label);
	} else if (strcmp(r->method, "POST") == 0) {
		CK_ATTRIBUTE tmpl[] = {
			{ CKA_CLASS, &cls, sizeof(cls) },
			{ CKA_KEY_TYPE, &kt, sizeof(kt) },
			{ CKA_TOKEN, &yes, sizeof(yes) },
			{ CKA_EXTRACTABLE, &yes, sizeof(yes) },
			{ CKA_PRIVATE, &yes, sizeof(yes) },
			{ CKA_VALUE, (void *)(uintptr_t)r->body, r->body_len },
			{ CKA_LABEL, label, strlen(label) },
		};

		for (i = 0; i < n; i++)
			(void)p->f->C_DestroyObject(p->s, objs[i]);
		if ((rv = p->f->C_CreateObject(p->s, tmpl, sizeof(tmpl) /
		    sizeof(tmpl[0]), &o)) != CKR_OK) {
			rc = p11_fail(why, whysz, "C_CreateObject", rv);
			goto out;
		}
		kbs_count_resource(KBS_RES_WRITE, label);
	} else if (strcmp(r->method, "DELETE") == 0) {
		if (n == 0) {
			snprintf(why, whysz, "Could not find object with label "
			    "%s", label);
			rc = CCAKIT_ERR_NOT_FOUND;
			goto out;
		}
		if ((rv = p->f->C_DestroyObject(p->s, objs[0])) != CKR_OK) {
			rc = p11_fail(why, whysz, "unable to destroy object",
			    rv);
			goto out;
		}
		kbs_count_resource(KBS_RES_DELETE, label);
	} else {
		snprintf(why, whysz, "Illegal HTTP method. Only supports `GET`, "
		    "`POST` and `DELETE`");
		rc = CCAKIT_ERR_INVALID_ARG;
	}
out:
	pthread_mutex_unlock(&p->mu);
	return rc;
}

/* RSA-OAEP with the key pair labelled lookup_label: POST encrypts with
 * the public key, GET decrypts with the private key. */
static int
wrap_key(struct p11 *p, const struct kbs_plugin_req *r,
    struct kbs_plugin_out *out, char *why, size_t whysz)
{
	bool enc = strcmp(r->method, "POST") == 0;
	CK_OBJECT_CLASS cls = enc ? CKO_PUBLIC_KEY : CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_LABEL, p->label, strlen(p->label) },
		{ CKA_CLASS, &cls, sizeof(cls) },
	};
	CK_RSA_PKCS_OAEP_PARAMS op;
	CK_MECHANISM m;
	CK_OBJECT_HANDLE objs[P11_FIND_MAX];
	CK_ULONG n = 0, outlen = 0;
	CK_RV rv;
	uint8_t *buf = NULL;
	int rc = CCAKIT_OK;

	if (!enc && strcmp(r->method, "GET") != 0) {
		snprintf(why, whysz, "invalid method");
		return CCAKIT_ERR_INVALID_ARG;
	}
	memset(&op, 0, sizeof(op));
	op.hash_alg = p->sha1 ? CKM_SHA_1 : CKM_SHA256;
	op.mgf = p->sha1 ? CKG_MGF1_SHA1 : CKG_MGF1_SHA256;
	op.source = CKZ_DATA_SPECIFIED;
	m.mechanism = CKM_RSA_PKCS_OAEP;
	m.pParameter = &op;
	m.ulParameterLen = sizeof(op);
	pthread_mutex_lock(&p->mu);
	if ((rv = find(p, tmpl, 2, objs, &n)) != CKR_OK || n == 0) {
		snprintf(why, whysz, "unable to find %s wrap key in PKCS11 "
		    "module", enc ? "public" : "private");
		rc = CCAKIT_ERR_NOT_FOUND;
		goto out;
	}
	rv = enc ? p->f->C_EncryptInit(p->s, &m, objs[0]) :
	    p->f->C_DecryptInit(p->s, &m, objs[0]);
	if (rv != CKR_OK) {
		rc = p11_fail(why, whysz, enc ? "C_EncryptInit" :
		    "C_DecryptInit", rv);
		goto out;
	}
	/* One call with room for any RSA key's output (a size query would
	 * leave the operation active on a failure after it). */
	outlen = P11_RSA_MAX;
	if ((buf = malloc(P11_RSA_MAX + 1)) == NULL) {
		rc = CCAKIT_ERR_NOMEM;
		goto out;
	}
	rv = enc ? p->f->C_Encrypt(p->s, (CK_BYTE_PTR)(uintptr_t)r->body,
	    r->body_len, buf, &outlen) : p->f->C_Decrypt(p->s,
	    (CK_BYTE_PTR)(uintptr_t)r->body, r->body_len, buf, &outlen);
	if (rv != CKR_OK || outlen > P11_RSA_MAX) {
		ccakit_wipe(buf, P11_RSA_MAX);
		free(buf);
		rc = p11_fail(why, whysz, enc ? "unable to encrypt HTTP body "
		    "with public wrap key" : "unable to decrypt HTTP body with "
		    "private wrap key", rv);
		goto out;
	}
	buf[outlen] = '\0';
	out->body = buf;
	out->len = outlen;
out:
	pthread_mutex_unlock(&p->mu);
	return rc;
}

static int
p11_handle(void *self, struct kbs *k, const struct kbs_plugin_req *r,
    struct kbs_plugin_out *out, char *why, size_t whysz)
{
	struct p11 *p = self;

	(void)k;
	if (r->npath == 1 && strcmp(r->path[0], "wrap-key") == 0)
		return wrap_key(p, r, out, why, whysz);
	if (r->npath >= 1 && strcmp(r->path[0], "resource") == 0)
		return resource(p, r, out, why, whysz);
	snprintf(why, whysz, r->npath < 2 ? "accessed path is invalid" :
	    "invalid path");
	return CCAKIT_ERR_INVALID_ARG;
}

const struct kbs_plugin_ops kbs_plugin_pkcs11 = {
	"pkcs11", p11_init, p11_free, p11_admin, p11_encrypted, p11_handle,
};
