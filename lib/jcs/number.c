/*
 * ECMAScript Number::toString (ECMA-262 §6.1.6.1.20, RFC 8785 §3.2.2.3)
 * for finite doubles: the shortest digits (util's cki_shortest_digits,
 * which are ECMAScript's k digits), laid out positionally or with an
 * exponent.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/err.h>
#include <ccakit/jcs.h>

#include "util/util.h"

int
ccakit_jcs_number(double v, char *out, size_t outsz)
{
	char dig[CKI_DIGITS_MAX], *o = out;
	int k, e10, n, i;

	if (out == NULL || outsz < CCAKIT_JCS_NUMBER_MAX || !isfinite(v))
		return CCAKIT_ERR_INVALID_ARG;
	if (v == 0) {		/* +0 and -0 */
		(void)strcpy(out, "0");
		return CCAKIT_OK;
	}
	if (v < 0) {
		*o++ = '-';
		v = -v;
	}
	cki_shortest_digits(v, dig, &k, &e10);
	n = e10 + 1;		/* x = 0.ddd x 10^n */
	if (k <= n && n <= 21) {
		memcpy(o, dig, (size_t)k);
		o += k;
		for (i = k; i < n; i++)
			*o++ = '0';
	} else if (0 < n && n <= 21) {
		memcpy(o, dig, (size_t)n);
		o += n;
		*o++ = '.';
		memcpy(o, dig + n, (size_t)(k - n));
		o += k - n;
	} else if (-6 < n && n <= 0) {
		*o++ = '0';
		*o++ = '.';
		for (i = n; i < 0; i++)
			*o++ = '0';
		memcpy(o, dig, (size_t)k);
		o += k;
	} else {
		*o++ = dig[0];
		if (k > 1) {
			*o++ = '.';
			memcpy(o, dig + 1, (size_t)(k - 1));
			o += k - 1;
		}
		o += snprintf(o, (size_t)(out + outsz - o), "e%c%d",
		    n - 1 < 0 ? '-' : '+', abs(n - 1));
	}
	*o = '\0';
	return CCAKIT_OK;
}
