/*
 * Rego term text, as OPA's ast.Value.String() prints values: strings
 * quoted the way Go's strconv.Quote does, objects as {"k": v}, sets as
 * {a, b} or set(). Used by sprintf's %v, template strings and error
 * messages.
 */
#include <stdio.h>
#include <string.h>

#include "rego/rego_priv.h"

static bool
is_print(uint32_t cp)
{
	if (cp < 0x20 || cp == 0x7F)
		return false;
	if (cp >= 0x80 && cp < 0xA0)
		return false;
	if (cp == 0xAD || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF)
		return false;
	if (cp >= 0xE000 && cp <= 0xF8FF)
		return false;  /* private use */
	if (cp == 0xFFFD)
		return true;
	return true;
}

void
rego_fmt_quote(struct rego_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, k;
	uint32_t cp;
	char tmp[16];

	rb_putc(b, '"');
	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7F) {
			if (c == '"' || c == '\\')
				rb_putc(b, '\\');
			rb_putc(b, (char)c);
			i++;
			continue;
		}
		k = rego_utf8_dec(s + i, n - i, &cp);
		if (cp == 0xFFFD && !(k == 3 &&
		    memcmp(s + i, "\xEF\xBF\xBD", 3) == 0)) {
			tmp[0] = '\\';
			tmp[1] = 'x';
			tmp[2] = hex[c >> 4];
			tmp[3] = hex[c & 15];
			rb_put(b, tmp, 4);
			i++;
			continue;
		}
		switch (cp) {
		case '\a': rb_puts(b, "\\a"); break;
		case '\b': rb_puts(b, "\\b"); break;
		case '\f': rb_puts(b, "\\f"); break;
		case '\n': rb_puts(b, "\\n"); break;
		case '\r': rb_puts(b, "\\r"); break;
		case '\t': rb_puts(b, "\\t"); break;
		case '\v': rb_puts(b, "\\v"); break;
		default:
			if (is_print(cp)) {
				rb_put(b, s + i, k);
			} else if (cp < 0x80) {
				tmp[0] = '\\';
				tmp[1] = 'x';
				tmp[2] = hex[cp >> 4];
				tmp[3] = hex[cp & 15];
				rb_put(b, tmp, 4);
			} else if (cp < 0x10000) {
				snprintf(tmp, sizeof(tmp), "\\u%04x",
				    (unsigned)cp);
				rb_puts(b, tmp);
			} else {
				snprintf(tmp, sizeof(tmp), "\\U%08x",
				    (unsigned)cp);
				rb_puts(b, tmp);
			}
			break;
		}
		i += k;
	}
	rb_putc(b, '"');
}

void
rego_fmt_term(struct rego_buf *b, const rv *v)
{
	char num[400];
	size_t i, n;

	switch (v->t) {
	case RV_NULL:
		rb_puts(b, "null");
		break;
	case RV_BOOL:
		rb_puts(b, v->b ? "true" : "false");
		break;
	case RV_NUM:
		n = rv_num_text(v, num, sizeof(num));
		rb_put(b, num, n < sizeof(num) ? n : sizeof(num) - 1);
		break;
	case RV_STR:
		rego_fmt_quote(b, v->u.s, v->n);
		break;
	case RV_ARR:
		rb_putc(b, '[');
		for (i = 0; i < v->n; i++) {
			if (i > 0)
				rb_puts(b, ", ");
			rego_fmt_term(b, v->u.a[i]);
		}
		rb_putc(b, ']');
		break;
	case RV_SET:
		if (v->n == 0) {
			rb_puts(b, "set()");
			break;
		}
		rb_putc(b, '{');
		for (i = 0; i < v->n; i++) {
			if (i > 0)
				rb_puts(b, ", ");
			rego_fmt_term(b, v->u.a[i]);
		}
		rb_putc(b, '}');
		break;
	case RV_OBJ:
		rb_putc(b, '{');
		for (i = 0; i < v->n; i++) {
			if (i > 0)
				rb_puts(b, ", ");
			rego_fmt_term(b, v->u.a[i]);
			rb_puts(b, ": ");
			rego_fmt_term(b, rv_obj_vals(v)[i]);
		}
		rb_putc(b, '}');
		break;
	default:
		break;
	}
}

void
rego_fmt_value(struct rego_buf *b, const rv *v)
{
	if (v->t == RV_STR)
		rb_put(b, v->u.s, v->n);
	else
		rego_fmt_term(b, v);
}
