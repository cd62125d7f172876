/*
 * Command-line parsing of the kvmtool and cloud-hypervisor subcommands
 * with clap's rules and messages (upstream derives them with clap):
 * "--long value", "--long=value", "-s value", "-svalue", "-s=value";
 * single-valued options may not repeat; positional words are refused.
 */
#include <stdio.h>
#include <string.h>

#include "vmm/vmm_priv.h"

void
cki_clap_name(const struct cki_opt *o, char *buf, size_t sz)
{
	char up[64];
	size_t i;

	for (i = 0; o->lng[i] != '\0' && i + 1 < sizeof(up); i++)
		up[i] = (o->lng[i] >= 'a' && o->lng[i] <= 'z') ?
		    (char)(o->lng[i] - 'a' + 'A') :
		    (o->lng[i] == '-' ? '_' : o->lng[i]);
	up[i] = '\0';
	if (o->lng[0] == '\0')
		(void)snprintf(buf, sz, "'-%c'", o->shrt);
	else if (o->has_arg)
		(void)snprintf(buf, sz, "'--%s <%s>'", o->lng, up);
	else
		(void)snprintf(buf, sz, "'--%s'", o->lng);
}

int
cki_clap_uint(const struct cki_opt *o, const char *val, uint64_t max,
    uint64_t *out, struct ccakit_errdetail *m)
{
	char name[96];
	int r;

	if ((r = cki_parse_u64(val, max, out, m)) == CCAKIT_OK)
		return r;
	if (m != NULL)
		m->what = CCAKIT_VMM_USAGE;
	cki_clap_name(o, name, sizeof(name));
	{
		char why[sizeof(m->text)];

		(void)snprintf(why, sizeof(why), "%s", m ? m->text : "");
		return cki_msg(m, r, "invalid value '%s' for %s: %s", val, name,
		    why);
	}
}

static int
find_long(const struct cki_opt *opts, size_t n, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (opts[i].lng[0] != '\0' && strlen(opts[i].lng) == len &&
		    strncmp(opts[i].lng, name, len) == 0)
			return (int)i;
	return -1;
}

static int
find_short(const struct cki_opt *opts, size_t n, char c)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (opts[i].shrt == c)
			return (int)i;
	return -1;
}

int
cki_clap_parse(const struct cki_opt *opts, size_t nopts, int argc,
    const char *const *argv, struct cki_optval *vals, size_t *nvals,
    struct ccakit_errdetail *m)
{
	char name[96];
	const char *a, *eq, *val;
	size_t n = 0, j;
	int i, idx;

	for (i = 0; i < argc; i++) {
		a = argv[i];
		val = NULL;
		if (a[0] == '-' && a[1] == '-' && a[2] != '\0') {
			eq = strchr(a + 2, '=');
			idx = find_long(opts, nopts, a + 2,
			    eq ? (size_t)(eq - a - 2) : strlen(a + 2));
			if (eq != NULL)
				val = eq + 1;
		} else if (a[0] == '-' && a[1] != '\0' && a[1] != '-') {
			idx = find_short(opts, nopts, a[1]);
			if (idx >= 0 && a[2] != '\0') {
				if (!opts[idx].has_arg && a[2] == a[1] &&
				    opts[idx].multi) {
					/* -vv: counted flag cluster */
					for (j = 2; a[j] == a[1]; j++)
						;
					if (a[j] != '\0')
						idx = -1;
				} else if (opts[idx].has_arg)
					val = a[2] == '=' ? a + 3 : a + 2;
				else
					idx = -1;
			}
		} else
			idx = -1;
		if (m != NULL)
			m->what = CCAKIT_VMM_USAGE;
		if (idx < 0)
			return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
			    "unexpected argument '%s' found", a);
		cki_clap_name(&opts[idx], name, sizeof(name));
		if (opts[idx].has_arg && val == NULL) {
			if (i + 1 >= argc)
				return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
				    "a value is required for %s but none was "
				    "supplied", name);
			val = argv[++i];
		} else if (!opts[idx].has_arg && val != NULL)
			return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
			    "unexpected value '%s' for %s found; no more "
			    "were expected", val, name);
		if (!opts[idx].multi)
			for (j = 0; j < n; j++)
				if (vals[j].idx == idx)
					return cki_msg(m,
					    CCAKIT_ERR_INVALID_ARG,
					    "the argument %s cannot be used "
					    "multiple times", name);
		vals[n].idx = idx;
		vals[n].val = val;
		n++;
	}
	if (m != NULL)
		m->what = NULL;
	*nvals = n;
	return CCAKIT_OK;
}
