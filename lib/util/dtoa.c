/*
 * Shortest round-trip decimal digits of a double.
 *
 * For p = 1, 2, ... 17 the p-digit decimals next to x are the correctly
 * rounded one (printf's %.*e, which rounds exactly, ties to even) and
 * its neighbour on the other side of x. The first p at which one of them
 * reads back as x (strtod rounds exactly too) is the shortest length;
 * when both do, the correctly rounded one is the closer. Trying only the
 * rounded one misses the shortest form of some powers of two, whose
 * rounding interval is narrower below x than above it (2^-1017 is
 * 7.120236347223045e-307, not 7.1202363472230444e-307). Candidates are
 * written without a decimal point ("12345e-7") so that neither printf's
 * nor strtod's locale matters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/* The correctly rounded p-digit decimal of a: dig[0..p), a ~ d.ddd e e10. */
static void
round_digits(double a, int p, char *dig, int *e10)
{
	char b[64];
	const char *s;
	int n = 0;

	(void)snprintf(b, sizeof(b), "%.*e", p - 1, a);
	for (s = b; *s != '\0' && *s != 'e' && n < p; s++)
		if (*s >= '0' && *s <= '9')
			dig[n++] = *s;
	while (*s != '\0' && *s != 'e')
		s++;
	*e10 = *s == 'e' ? atoi(s + 1) : 0;
}

/* The double nearest to d.ddd x 10^e10 (p digits). */
static double
value_of(const char *dig, int p, int e10)
{
	char b[64];

	(void)snprintf(b, sizeof(b), "%.*se%d", p, dig, e10 - (p - 1));
	return strtod(b, NULL);
}

/* The next p-digit decimal above. */
static void
next_up(char *dig, int p, int *e10)
{
	int i;

	for (i = p - 1; i >= 0 && dig[i] == '9'; i--)
		dig[i] = '0';
	if (i >= 0) {
		dig[i]++;
		return;
	}
	dig[0] = '1';		/* 99..9 -> 100..0, one decade up */
	(*e10)++;
}

/* The next p-digit decimal below (dig is never all zeros). */
static void
next_down(char *dig, int p, int *e10)
{
	int i;

	for (i = 1; i < p && dig[i] == '0'; i++)
		;
	if (dig[0] == '1' && i == p) {
		/* 10..0 -> 99..9: the grid is finer in the decade below. */
		memset(dig, '9', (size_t)p);
		(*e10)--;
		return;
	}
	for (i = p - 1; dig[i] == '0'; i--)
		dig[i] = '9';
	dig[i]--;
}

/* See util.h. */
void
cki_shortest_digits(double a, char dig[CKI_DIGITS_MAX], int *k, int *e10)
{
	char c[CKI_DIGITS_MAX], o[CKI_DIGITS_MAX];
	int p, ce, oe;

	for (p = 1; p <= CKI_DIGITS_MAX; p++) {
		round_digits(a, p, c, &ce);
		if (value_of(c, p, ce) == a) {
			memcpy(dig, c, (size_t)p);
			*e10 = ce;
			break;
		}
		memcpy(o, c, (size_t)p);
		oe = ce;
		next_up(o, p, &oe);
		if (value_of(o, p, oe) == a) {
			memcpy(dig, o, (size_t)p);
			*e10 = oe;
			break;
		}
		memcpy(o, c, (size_t)p);
		oe = ce;
		next_down(o, p, &oe);
		if (value_of(o, p, oe) == a) {
			memcpy(dig, o, (size_t)p);
			*e10 = oe;
			break;
		}
	}
	if (p > CKI_DIGITS_MAX) {	/* not reached: 17 digits always read back */
		round_digits(a, CKI_DIGITS_MAX, dig, e10);
		p = CKI_DIGITS_MAX;
	}
	while (p > 1 && dig[p - 1] == '0')
		p--;
	*k = p;
}

