/*
 * regex.*: OPA's regular-expression built-ins, with Go's syntax and
 * semantics (regex.c translates Go's dialect to PCRE2). The iteration
 * over matches, Split, ReplaceAllString with $1/${name} expansion and
 * the template matcher follow Go's regexp package and OPA step by step
 * (empty matches, anchors, unmatched groups). regex.globs_match is in
 * bi_glob.c.
 */
#include <stdint.h>
#include <string.h>

#include "rego/rego_priv.h"
#include "rego/regex.h"

/* Longest replacement result (the engine's JSON size cap). */
#define RE_MAX_RESULT  CCAKIT_REGO_MAX_JSON

static int
re_open(ccakit_rego_bictx *ctx, const rv *pat, struct rego_re **re)
{
	char err[REGO_RE_ERRLEN];

	if ((*re = rego_re_get(pat->u.s, pat->n, err, sizeof(err))) == NULL)
		return ccakit_rego_bi_error(ctx, "%s", err);
	return CCAKIT_OK;
}

static int
re_fail(ccakit_rego_bictx *ctx, struct rego_re *re, int rc)
{
	rego_re_put(re);
	if (rc == REGO_RE_ENOMEM)
		return rego_bi_nomem(ctx);
	return ccakit_rego_bi_error(ctx, "regular expression too complex "
	    "for this input (backtracking limit reached)");
}

static int
subject(ccakit_rego_bictx *ctx, const rv *s, struct rego_re_subj *sj)
{
	if (rego_re_subj_init(sj, rego_bi_arena(ctx), s->u.s, s->n) < 0)
		return rego_bi_nomem(ctx);
	return CCAKIT_OK;
}

/* A string of the caller's bytes for [b, e) of the subject. */
static const rv *
piece(ccakit_rego_bictx *ctx, const struct rego_re_subj *sj, size_t b,
    size_t e)
{
	size_t ob = rego_re_orig(sj, b), oe = rego_re_orig(sj, e);

	return rv_str(rego_bi_arena(ctx), sj->orig + ob, oe - ob);
}

static int
bi_is_valid(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	char err[REGO_RE_ERRLEN];

	(void)ctx;
	*out = RV_BOOLV(a[0]->t == RV_STR &&
	    rego_re_check(a[0]->u.s, a[0]->n, err, sizeof(err)) == 0);
	return CCAKIT_OK;
}

/* Whether re matches s; releases re. */
static int
test_and_put(ccakit_rego_bictx *ctx, struct rego_re *re, const rv *s,
    const rv **out)
{
	struct rego_re_subj sj;
	int rc;

	if ((rc = subject(ctx, s, &sj)) != CCAKIT_OK) {
		rego_re_put(re);
		return rc;
	}
	if ((rc = rego_re_test(re, &sj)) < 0)
		return re_fail(ctx, re, rc);
	rego_re_put(re);
	*out = RV_BOOLV(rc == REGO_RE_MATCH);
	return CCAKIT_OK;
}

static int
bi_match(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_re *re;
	int rc;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	BI_NEED(ctx, a, 1, RV_STR, "string");
	if ((rc = re_open(ctx, a[0], &re)) != CCAKIT_OK)
		return rc;
	return test_and_put(ctx, re, a[1], out);
}

/* Go's Regexp.allMatches: up to n matches (n < 0: all), no empty match
 * right after a previous match; fn gets each match's offsets. On
 * failure re has been released. */
typedef int (*match_fn)(void *arg, const size_t *ov);

static int
all_matches(ccakit_rego_bictx *ctx, struct rego_re *re,
    const struct rego_re_subj *sj, int64_t n, match_fn fn, void *arg)
{
	size_t pos = 0, prev_end = SIZE_MAX, w, *ov;
	int64_t i = 0;
	int rc;

	if (n < 0)
		n = INT64_MAX;
	ov = ra_alloc(rego_bi_arena(ctx), 2 * ((size_t)rego_re_ncap(re) + 1) *
	    sizeof(*ov));
	if (ov == NULL) {
		rego_re_put(re);
		return rego_bi_nomem(ctx);
	}
	while (i < n && pos <= sj->n) {
		bool accept = true;

		if ((rc = rego_re_exec(re, sj, pos, ov)) < 0)
			return re_fail(ctx, re, rc);
		if (rc == REGO_RE_NOMATCH)
			break;
		if (ov[1] == pos) {
			/* an empty match; none right after a match */
			if (ov[0] == prev_end)
				accept = false;
			w = rego_re_width(sj->s + pos, sj->n - pos);
			pos += w > 0 ? w : 1;
		} else {
			pos = ov[1];
		}
		prev_end = ov[1];
		if (accept) {
			if ((rc = fn(arg, ov)) != CCAKIT_OK) {
				rego_re_put(re);
				return rc;
			}
			i++;
		}
	}
	return CCAKIT_OK;
}

struct collect {
	ccakit_rego_bictx *ctx;
	const struct rego_re_subj *sj;
	struct rv_vec out;
	unsigned groups;         /* 0: the match only; else ncap + 1 */
	/* split */
	size_t beg, end;
};

static int
collect_find(void *arg, const size_t *ov)
{
	struct collect *c = arg;
	const rv *v = piece(c->ctx, c->sj, ov[0], ov[1]);

	if (v == NULL || rvv_push(&c->out, v) != 0)
		return rego_bi_nomem(c->ctx);
	return CCAKIT_OK;
}

static int
collect_sub(void *arg, const size_t *ov)
{
	struct collect *c = arg;
	struct rego_arena *ar = rego_bi_arena(c->ctx);
	const rv **items = ra_alloc(ar, c->groups * sizeof(*items)), *v;
	unsigned g;

	if (items == NULL)
		return rego_bi_nomem(c->ctx);
	for (g = 0; g < c->groups; g++) {
		if (ov[2 * g] == SIZE_MAX)
			items[g] = &rv_empty_str_v;
		else if ((items[g] = piece(c->ctx, c->sj, ov[2 * g],
		    ov[2 * g + 1])) == NULL)
			return rego_bi_nomem(c->ctx);
	}
	if ((v = rv_arr(ar, items, c->groups)) == NULL ||
	    rvv_push(&c->out, v) != 0)
		return rego_bi_nomem(c->ctx);
	return CCAKIT_OK;
}

/* Operands 1 (pattern) and 2 (string) of the find built-ins, n. */
static int
find_common(ccakit_rego_bictx *ctx, args_t a, const rv **out, bool sub)
{
	struct collect c;
	struct rego_re_subj sj;
	struct rego_re *re;
	int64_t n;
	int rc;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	BI_NEED(ctx, a, 1, RV_STR, "string");
	if ((rc = rego_bi_int_arg(ctx, a, 2, &n)) != CCAKIT_OK)
		return rc;
	if ((rc = re_open(ctx, a[0], &re)) != CCAKIT_OK)
		return rc;
	if ((rc = subject(ctx, a[1], &sj)) != CCAKIT_OK) {
		rego_re_put(re);
		return rc;
	}
	memset(&c, 0, sizeof(c));
	c.ctx = ctx;
	c.sj = &sj;
	c.groups = rego_re_ncap(re) + 1;
	rvv_init(&c.out, rego_bi_arena(ctx));
	if ((rc = all_matches(ctx, re, &sj, n, sub ? collect_sub :
	    collect_find, &c)) != CCAKIT_OK)
		return rc;
	rego_re_put(re);
	NOMEM_IF(ctx, *out = rv_arr(rego_bi_arena(ctx), c.out.v, c.out.n));
	return CCAKIT_OK;
}

static int
bi_find_n(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return find_common(ctx, a, out, false);
}

static int
bi_find_all_submatch(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	return find_common(ctx, a, out, true);
}

static int
collect_split(void *arg, const size_t *ov)
{
	struct collect *c = arg;
	const rv *v;

	c->end = ov[0];
	if (ov[1] != 0) {
		if ((v = piece(c->ctx, c->sj, c->beg, c->end)) == NULL ||
		    rvv_push(&c->out, v) != 0)
			return rego_bi_nomem(c->ctx);
	}
	c->beg = ov[1];
	return CCAKIT_OK;
}

/* Go's Regexp.Split(s, -1). */
static int
bi_split(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct collect c;
	struct rego_re_subj sj;
	struct rego_re *re;
	const rv *v;
	int rc;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	BI_NEED(ctx, a, 1, RV_STR, "string");
	if ((rc = re_open(ctx, a[0], &re)) != CCAKIT_OK)
		return rc;
	memset(&c, 0, sizeof(c));
	rvv_init(&c.out, rego_bi_arena(ctx));
	if (rego_re_srclen(re) > 0 && a[1]->n == 0) {
		rego_re_put(re);
		if (rvv_push(&c.out, &rv_empty_str_v) != 0)
			return rego_bi_nomem(ctx);
		NOMEM_IF(ctx, *out = rv_arr(rego_bi_arena(ctx), c.out.v, 1));
		return CCAKIT_OK;
	}
	if ((rc = subject(ctx, a[1], &sj)) != CCAKIT_OK) {
		rego_re_put(re);
		return rc;
	}
	c.ctx = ctx;
	c.sj = &sj;
	if ((rc = all_matches(ctx, re, &sj, -1, collect_split, &c)) !=
	    CCAKIT_OK)
		return rc;
	rego_re_put(re);
	if (c.end != sj.n) {
		if ((v = piece(ctx, &sj, c.beg, sj.n)) == NULL ||
		    rvv_push(&c.out, v) != 0)
			return rego_bi_nomem(ctx);
	}
	NOMEM_IF(ctx, *out = rv_arr(rego_bi_arena(ctx), c.out.v, c.out.n));
	return CCAKIT_OK;
}

/* Go's extract: a group reference after '$' ("1", "name", "{name}"):
 * true with the name, its number (-1 if not a number) and the rest. */
static bool
extract(const char *s, size_t n, const char **name, size_t *nl, long *num,
    size_t *used)
{
	size_t i = 0, off = 0, k;
	uint32_t cp;

	if (n == 0)
		return false;
	if (s[0] == '{') {
		off = 1;
		s++;
		n--;
	}
	while (i < n) {
		k = rego_utf8_dec(s + i, n - i, &cp);
		if (cp == 0xFFFD && k == 1)
			break;
		if (!rego_re_is_word_rune(cp))
			break;
		i += k;
	}
	if (i == 0)
		return false;
	*name = s;
	*nl = i;
	if (off > 0) {
		if (i >= n || s[i] != '}')
			return false;
		i++;
	}
	*num = 0;
	for (k = 0; k < *nl; k++) {
		if (s[k] < '0' || s[k] > '9' || *num >= 100000000) {
			*num = -1;
			break;
		}
		*num = *num * 10 + (s[k] - '0');
	}
	if (s[0] == '0' && *nl > 1)
		*num = -1;
	*used = off + i;
	return true;
}

/* Go's Regexp.expand of template t for the match ov. */
static void
expand(struct rego_buf *b, const char *t, size_t tn, struct rego_re *re,
    const struct rego_re_subj *sj, const size_t *ov)
{
	unsigned ncap = rego_re_ncap(re), g;
	const char *d, *name;
	size_t nl, used;
	long num;

	while (tn > 0) {
		if ((d = memchr(t, '$', tn)) == NULL)
			break;
		rb_put(b, t, (size_t)(d - t));
		tn -= (size_t)(d - t) + 1;
		t = d + 1;
		if (tn > 0 && *t == '$') {
			rb_putc(b, '$');
			t++;
			tn--;
			continue;
		}
		if (!extract(t, tn, &name, &nl, &num, &used)) {
			rb_putc(b, '$');
			continue;
		}
		t += used;
		tn -= used;
		if (num >= 0) {
			if ((unsigned long)num <= ncap &&
			    ov[2 * num] != SIZE_MAX) {
				size_t ob = rego_re_orig(sj, ov[2 * num]);

				rb_put(b, sj->orig + ob, rego_re_orig(sj,
				    ov[2 * num + 1]) - ob);
			}
			continue;
		}
		for (g = 1; g <= ncap; g++) {
			const char *gn = rego_re_name(re, g);

			if (gn != NULL && strlen(gn) == nl &&
			    memcmp(gn, name, nl) == 0 &&
			    ov[2 * g] != SIZE_MAX) {
				size_t ob = rego_re_orig(sj, ov[2 * g]);

				rb_put(b, sj->orig + ob, rego_re_orig(sj,
				    ov[2 * g + 1]) - ob);
				break;
			}
		}
	}
	rb_put(b, t, tn);
}

/* regex.replace(s, pattern, value): Go's ReplaceAllString. */
static int
bi_replace(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_re_subj sj;
	struct rego_re *re;
	struct rego_buf *b;
	size_t last = 0, pos = 0, w, *ov;
	int rc;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	BI_NEED(ctx, a, 1, RV_STR, "string");
	BI_NEED(ctx, a, 2, RV_STR, "string");
	if ((rc = re_open(ctx, a[1], &re)) != CCAKIT_OK)
		return rc;
	if ((rc = subject(ctx, a[0], &sj)) != CCAKIT_OK ||
	    (ov = ra_alloc(rego_bi_arena(ctx), 2 * ((size_t)rego_re_ncap(re) +
	    1) * sizeof(*ov))) == NULL) {
		rego_re_put(re);
		return rego_bi_nomem(ctx);
	}
	b = rego_bi_buf(ctx);        /* the evaluation's scratch buffer */
	while (pos <= sj.n) {
		if ((rc = rego_re_exec(re, &sj, pos, ov)) < 0)
			return re_fail(ctx, re, rc);
		if (rc == REGO_RE_NOMATCH)
			break;
		rb_put(b, sj.orig + rego_re_orig(&sj, last),
		    rego_re_orig(&sj, ov[0]) - rego_re_orig(&sj, last));
		/* no replacement of an empty match right after a match */
		if (ov[1] > last || ov[0] == 0)
			expand(b, a[2]->u.s, a[2]->n, re, &sj, ov);
		last = ov[1];
		w = rego_re_width(sj.s + pos, sj.n - pos);
		if (pos + w > ov[1])
			pos += w;
		else if (pos + 1 > ov[1])
			pos++;
		else
			pos = ov[1];
		if (b->oom)
			break;
	}
	rego_re_put(re);
	rb_put(b, sj.orig + rego_re_orig(&sj, last), sj.olen -
	    rego_re_orig(&sj, last));
	if (b->oom)
		return rego_bi_nomem(ctx);
	if (b->len == a[0]->n && memcmp(rb_str(b), a[0]->u.s, b->len) == 0)
		*out = a[0];
	else
		*out = rv_str(rego_bi_arena(ctx), rb_str(b), b->len);
	NOMEM_IF(ctx, *out);
	return CCAKIT_OK;
}

static void
rb_trunc0(struct rego_buf *b)
{
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

/* Go's regexp.QuoteMeta. */
static void
quote_meta(struct rego_buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strchr("\\.+*?()|[]{}^$", s[i]) != NULL && s[i] != '\0')
			rb_putc(b, '\\');
		rb_putc(b, s[i]);
	}
}

/* regex.template_match(template, s, start, end): the template's
 * delimited parts are regular expressions, the rest literal text
 * (OPA's port of gorilla/mux's template compiler). */
static int
bi_template_match(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_buf b, q;
	struct rego_re *re;
	const char *t;
	char ds, de, err[REGO_RE_ERRLEN];
	size_t i, n, idx = 0, end = 0;
	int level = 0, rc;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	BI_NEED(ctx, a, 1, RV_STR, "string");
	BI_NEED(ctx, a, 2, RV_STR, "string");
	BI_NEED(ctx, a, 3, RV_STR, "string");
	if (a[2]->n != 1)
		return ccakit_rego_bi_error(ctx, "start delimiter has to be "
		    "exactly one character long but is %u long", a[2]->n);
	if (a[3]->n != 1)       /* OPA reports the start's length here */
		return ccakit_rego_bi_error(ctx, "end delimiter has to be "
		    "exactly one character long but is %u long", a[2]->n);
	t = a[0]->u.s;
	n = a[0]->n;
	ds = a[2]->u.s[0];
	de = a[3]->u.s[0];
	/* balanced delimiters first (Go's delimiterIndices) */
	for (i = 0; i < n && level >= 0; i++)
		level += t[i] == ds ? 1 : t[i] == de ? -1 : 0;
	if (level != 0) {
		rb_init(&b, 4096);
		rego_fmt_quote(&b, t, n);
		rc = ccakit_rego_bi_error(ctx, "unbalanced braces in %s",
		    rb_str(&b));
		rb_free(&b);
		return rc;
	}
	rb_init(&b, RE_MAX_RESULT);
	rb_init(&q, 0);
	rb_putc(&b, '^');
	for (i = 0; i < n; i++) {
		if (t[i] == ds) {
			if (++level == 1)
				idx = i;
		} else if (t[i] == de && --level == 0) {
			/* literal text, then the expression */
			quote_meta(&b, t + end, idx - end);
			rb_putc(&b, '(');
			rb_put(&b, t + idx + 1, i - idx - 1);
			rb_putc(&b, ')');
			/* each part must compile alone, anchored */
			rb_trunc0(&q);
			rb_putc(&q, '^');
			rb_put(&q, t + idx + 1, i - idx - 1);
			rb_putc(&q, '$');
			if (q.oom || rego_re_check(rb_str(&q), q.len, err,
			    sizeof(err)) < 0) {
				rc = q.oom ? rego_bi_nomem(ctx) :
				    ccakit_rego_bi_error(ctx, "%s", err);
				rb_free(&b);
				rb_free(&q);
				return rc;
			}
			end = i + 1;
		}
	}
	rb_free(&q);
	quote_meta(&b, t + end, n - end);
	rb_putc(&b, '$');
	if (b.oom) {
		rb_free(&b);
		return rego_bi_nomem(ctx);
	}
	re = rego_re_get(rb_str(&b), b.len, err, sizeof(err));
	rb_free(&b);
	if (re == NULL)
		return ccakit_rego_bi_error(ctx, "%s", err);
	return test_and_put(ctx, re, a[1], out);
}

const struct rego_bi_def rego_bi_regex[] = {
	{ "regex.is_valid", 1, 0, bi_is_valid },
	{ "regex.match", 2, 0, bi_match },
	{ "regex.split", 2, 0, bi_split },
	{ "regex.find_n", 3, 0, bi_find_n },
	{ "regex.find_all_string_submatch_n", 3, 0, bi_find_all_submatch },
	{ "regex.replace", 3, 0, bi_replace },
	{ "regex.template_match", 4, 0, bi_template_match },
	{ NULL, 0, 0, NULL },
};
