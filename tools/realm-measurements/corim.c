/*
 * realm-measurements --endorsements-output in the current layout: the
 * realm's reference values (RIM, REMs, personalization value) as a CoRIM
 * of the CCA realm profile (tag:arm.com,2025:cca_realm#1.0.0), what
 * Veraison v0.0.2605 and later accept; signed with --sign-key, the
 * certificate chain of --sign-chain in its x5chain.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <ccakit/bytes.h>
#include <ccakit/corim.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/store.h>
#include <ccakit/vmm.h>

#include "rm.h"
#include "util/util.h"

#define SMALL_MAX (256 * 1024)

static int
read_small(const char *path, uint8_t **buf, size_t *len)
{
	int r;

	if ((r = cki_read_file(path, SMALL_MAX, buf, len)) != CCAKIT_OK) {
		fprintf(stderr, "ERROR cannot read %s: %s\n", path,
		    r == CCAKIT_ERR_IO ? strerror(errno) : ccakit_strerror(r));
		return -1;
	}
	return 0;
}

static int
load_key(const char *path, ccakit_key **out)
{
	ccakit_key *k;
	uint8_t *buf;
	size_t len, i;
	int r;

	if (read_small(path, &buf, &len) != 0)
		return -1;
	if ((k = ccakit_key_new()) == NULL) {
		free(buf);
		return -1;
	}
	for (i = 0; i < len && strchr(" \t\r\n", buf[i]) != NULL; i++)
		;
	r = i < len && buf[i] == '{' ? ccakit_key_from_jwk(k,
	    (const char *)buf, len) : ccakit_key_from_pem(k,
	    (const char *)buf, len);
	ccakit_wipe(buf, len);
	free(buf);
	if (r != CCAKIT_OK || !ccakit_key_has_private(k)) {
		fprintf(stderr, "ERROR %s: not an EC private key (PEM or JWK) "
		    "on P-256, P-384 or P-521\n", path);
		ccakit_key_free(&k);
		return -1;
	}
	*out = k;
	return 0;
}

/* DER certificates (PEM or DER, several) of a file. */
static int
load_chain(const char *path, struct ccakit_bytes **certs, size_t *n)
{
	const unsigned char *p;
	unsigned char *der;
	uint8_t *buf;
	size_t len;
	X509 *x;
	BIO *bio = NULL;
	struct ccakit_bytes *nc;
	int dl, rc = 0;

	if (read_small(path, &buf, &len) != 0)
		return -1;
	ERR_set_mark();
	p = buf;
	if (len == 0 || buf[0] != 0x30)
		bio = BIO_new_mem_buf(buf, (int)len);
	for (;;) {
		if (bio != NULL)
			x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		else if (p < buf + len)
			x = d2i_X509(NULL, &p, (long)(buf + len - p));
		else
			x = NULL;
		if (x == NULL)
			break;
		der = NULL;
		if ((dl = i2d_X509(x, &der)) <= 0 ||
		    (nc = realloc(*certs, (*n + 1) * sizeof(*nc))) == NULL) {
			OPENSSL_free(der);
			X509_free(x);
			rc = -1;
			break;
		}
		*certs = nc;
		if ((nc[*n].ptr = malloc((size_t)dl)) == NULL) {
			OPENSSL_free(der);
			X509_free(x);
			rc = -1;
			break;
		}
		memcpy((uint8_t *)(uintptr_t)nc[*n].ptr, der, (size_t)dl);
		nc[*n].len = (size_t)dl;
		(*n)++;
		OPENSSL_free(der);
		X509_free(x);
	}
	BIO_free(bio);
	ERR_pop_to_mark();
	free(buf);
	if (rc != 0 || *n == 0) {
		fprintf(stderr, "ERROR %s: no PEM or DER certificate\n", path);
		return -1;
	}
	return 0;
}

static void
free_chain(struct ccakit_bytes *certs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free((void *)(uintptr_t)certs[i].ptr);
	free(certs);
}

int
rm_write_corim(const struct rm_args *a, const struct ccakit_vmm *vmm,
    const struct ccakit_vmm_measurements *mm)
{
	struct ccakit_corim_build o;
	struct ccakit_corim_meta meta;
	struct ccakit_errdetail d;
	struct ccakit_realm_rv rv;
	struct ccakit_bytes *certs = NULL;
	ccakit_rv_store *rvs = NULL;
	ccakit_comid *tpl = NULL;
	ccakit_corim *c = NULL;
	ccakit_key *k = NULL;
	uint8_t *buf = NULL, *enc = NULL;
	char *name = NULL, *uri = NULL;
	size_t len, ncerts = 0, i;
	int r, rc = -1;

	memset(&o, 0, sizeof(o));
	o.profile_form = a->corim_profile_text ? CCAKIT_CORIM_PROFILE_TEXT :
	    CCAKIT_CORIM_PROFILE_URI;
	memset(&d, 0, sizeof(d));
	if (a->endorsements_template != NULL) {
		if (cki_read_file(a->endorsements_template,
		    CCAKIT_CORIM_MAX_JSON, &buf, &len) != CCAKIT_OK ||
		    (r = ccakit_comid_from_json((const char *)buf, len, &tpl,
		    &d)) != CCAKIT_OK) {
			fprintf(stderr, "ERROR Failed to compute measurements: "
			    "invalid VM configuration: cannot parse %s: %s\n",
			    a->endorsements_template, d.text[0] ? d.text :
			    "cannot read it");
			goto out;
		}
		free(buf);
		buf = NULL;
		o.comid_template = tpl;
	}
	/* The realm's reference value, as rv.json has it. */
	memset(&rv, 0, sizeof(rv));
	rv.rim.len = mm->len;
	memcpy(rv.rim.b, mm->rim, mm->len);
	rv.n_rem = 4;
	for (i = 0; i < 4; i++) {
		rv.rem[i].len = mm->len;
		memcpy(rv.rem[i].b, mm->rem[i], mm->len);
	}
	memcpy(rv.rpv, ccakit_vmm_rpv(vmm), sizeof(rv.rpv));
	rv.has_rpv = true;
	if ((rvs = ccakit_rv_store_new()) == NULL ||
	    ccakit_rv_store_add_realm(rvs, &rv) != CCAKIT_OK ||
	    (r = ccakit_corim_from_stores(NULL, rvs, &o, NULL, &c, &d)) !=
	    CCAKIT_OK) {
		fprintf(stderr, "ERROR cannot make the CoRIM: %s\n",
		    d.text[0] ? d.text : "out of memory");
		goto out;
	}
	if (a->sign_key == NULL) {
		if ((r = ccakit_corim_encode(c, &enc, &len)) != CCAKIT_OK) {
			fprintf(stderr, "ERROR cannot encode the CoRIM: %s\n",
			    ccakit_strerror(r));
			goto out;
		}
	} else {
		memset(&meta, 0, sizeof(meta));
		meta.signer_name = "realm-measurements";
		if (a->sign_meta != NULL) {
			if (read_small(a->sign_meta, &buf, &len) != 0)
				goto out;
			if ((r = ccakit_corim_meta_from_json((const char *)buf,
			    len, &meta, &name, &uri, &d)) != CCAKIT_OK) {
				fprintf(stderr, "ERROR %s: %s\n", a->sign_meta,
				    d.text);
				goto out;
			}
		}
		if (load_key(a->sign_key, &k) != 0 || (a->sign_chain != NULL &&
		    load_chain(a->sign_chain, &certs, &ncerts) != 0))
			goto out;
		if ((r = ccakit_corim_sign(c, k, 0, &meta, certs, ncerts, NULL,
		    0, &enc, &len, &d)) != CCAKIT_OK) {
			fprintf(stderr, "ERROR cannot sign the CoRIM: %s\n",
			    d.text[0] ? d.text : ccakit_strerror(r));
			goto out;
		}
	}
	if (rm_write_file(a->endorsements_output, enc, len) != CCAKIT_OK) {
		fprintf(stderr, "ERROR cannot write %s: %s\n",
		    a->endorsements_output, strerror(errno));
		goto out;
	}
	rc = 0;
 out:
	ccakit_free(enc);
	free(buf);
	free(name);
	free(uri);
	free_chain(certs, ncerts);
	ccakit_key_free(&k);
	ccakit_comid_free(&tpl);
	ccakit_corim_free(&c);
	ccakit_rv_store_free(&rvs);
	return rc;
}
