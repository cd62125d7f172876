/*
 * http.send: the library does no network I/O (the project's layering),
 * so the standard http.send validates its request as OPA does and then
 * fails ("network access is not available"); with raise_error false it
 * returns OPA's error response. An embedding program that wants HTTP
 * registers its own http.send as a custom built-in, which takes
 * precedence; `with http.send as ...` mocks work as usual.
 */
#include <string.h>

#include "rego/rego_priv.h"

static const char *const http_keys[] = {
	"body", "cache", "caching_mode", "cache_ignored_headers",
	"enable_redirect", "force_cache", "force_cache_duration_seconds",
	"force_json_decode", "force_yaml_decode", "headers",
	"max_retry_attempts", "method", "raise_error", "raw_body", "timeout",
	"tls_ca_cert", "tls_ca_cert_env_variable", "tls_ca_cert_file",
	"tls_client_cert", "tls_client_cert_env_variable",
	"tls_client_cert_file", "tls_client_key",
	"tls_client_key_env_variable", "tls_client_key_file",
	"tls_insecure_skip_verify", "tls_server_name", "tls_use_system_certs",
	"url",
};

static bool
known_key(const rv *k)
{
	size_t i;

	if (k->t != RV_STR)
		return false;
	for (i = 0; i < sizeof(http_keys) / sizeof(http_keys[0]); i++)
		if (strcmp(http_keys[i], k->u.s) == 0)
			return true;
	return false;
}

static int
bi_http_send(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	struct rego_buf *b = rego_bi_buf(ctx);
	const rv *req = a[0], *raise, *k[2], *v[2], *ek[2], *evs[2], *err;
	struct rv_vec bad;
	size_t i;

	BI_NEED(ctx, a, 0, RV_OBJ, "object");
	rvv_init(&bad, ar);
	for (i = 0; i < req->n; i++)
		if (!known_key(req->u.a[i]) && rvv_push(&bad, req->u.a[i]) != 0)
			return rego_bi_nomem(ctx);
	if (bad.n > 0) {
		const rv *set = rv_set(ar, bad.v, bad.n);

		NOMEM_IF(ctx, set);
		rego_fmt_term(b, set);
		return rego_bi_typeerr(ctx, "invalid request parameters(s): %s",
		    rb_str(b));
	}
	if (rv_obj_gets(req, "method", 6) == NULL &&
	    rv_obj_gets(req, "url", 3) == NULL)
		return rego_bi_typeerr(ctx, "missing required request "
		    "parameters(s): {\"method\", \"url\"}");
	if (rv_obj_gets(req, "url", 3) == NULL)
		return rego_bi_typeerr(ctx, "missing required request "
		    "parameters(s): {\"url\"}");
	if (rv_obj_gets(req, "method", 6) == NULL)
		return rego_bi_typeerr(ctx, "missing required request "
		    "parameters(s): {\"method\"}");
	raise = rv_obj_gets(req, "raise_error", 11);
	if (raise == NULL || raise->t != RV_BOOL || raise->b)
		return ccakit_rego_bi_error(ctx,
		    "network access is not available");
	/* raise_error: false -> {"status_code": 0, "error": {...}} */
	NOMEM_IF(ctx, ek[0] = rv_cstr(ar, "code"));
	NOMEM_IF(ctx, evs[0] = rv_cstr(ar, "eval_http_send_network_error"));
	NOMEM_IF(ctx, ek[1] = rv_cstr(ar, "message"));
	NOMEM_IF(ctx, evs[1] = rv_cstr(ar, "network access is not available"));
	NOMEM_IF(ctx, err = ccakit_rego_new_object(ctx, ek, evs, 2));
	NOMEM_IF(ctx, k[0] = rv_cstr(ar, "error"));
	v[0] = err;
	NOMEM_IF(ctx, k[1] = rv_cstr(ar, "status_code"));
	v[1] = rv_int(ar, 0);
	NOMEM_IF(ctx, *out = ccakit_rego_new_object(ctx, k, v, 2));
	return CCAKIT_OK;
}

const struct rego_bi_def rego_bi_http[] = {
	{ "http.send", 1, CCAKIT_REGO_BI_NONDET, bi_http_send },
	{ NULL, 0, 0, NULL },
};
