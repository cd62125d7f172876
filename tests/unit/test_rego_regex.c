/*
 * The two regular-expression engines of lib/rego against each other:
 * Go's syntax translated to PCRE2 (regex.c) and the Pike VM that is Go's
 * own algorithm (regex_vm.c) must find the same match and submatches on
 * generated patterns and texts (Unicode, case folding, classes, anchors,
 * lazy and counted repeats), except where Go's rules for empty loop
 * iterations differ from PCRE2's, where the VM decides (and gives Go's
 * answer, checked on known cases).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "rego/rego_priv.h"
#include "rego/regex.h"

static uint64_t rs = 88172645463325252u;

static unsigned
rnd(unsigned n)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (unsigned)(rs % n);
}

static const char *const atoms[] = {
	"a", "b", "[ab]", "[^a]", ".", "(?s:.)", "\\d", "\\w", "\\W", "\\s",
	"[[:alpha:]]", "[^[:^alpha:]b]", "(?i:k)", "(?i:[^k])", "(?i:\\W)",
	"(?i)\\x{e9}", "\\pL", "\\PL", "\\p{Greek}", "[\\p{Lu}a]",
	"\xc3\xa9", "\xe2\x84\xaa", "\xc5\xbf", "[a-z\xc3\xa9]", "(?i:S)",
	"\\x{3b1}", "[^\\n]", "\\Qa.\\E",
};
static const char *const anchors[] = { "^", "$", "\\b", "\\B", "\\A",
	"\\z", "(?m:^)", "(?m:$)" };
static const char *const quants[] = { "*", "+", "?", "*?", "+?", "??",
	"{2}", "{1,3}", "{0,2}?", "{2,}", "{0}", "{1,}?" };
static const char *const chars[] = { "a", "b", "\n", "k", "K",
	"\xe2\x84\xaa", "s", "\xc5\xbf", "\xc3\xa9", "\xc3\x89", "\xce\xb1",
	"1", " ", "_" };

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
gen(struct rego_buf *b, int depth)
{
	switch (rnd(depth > 3 ? 8 : 16)) {
	case 0: case 1: case 2: case 3:
		rb_puts(b, atoms[rnd(N(atoms))]);
		break;
	case 4:
		rb_puts(b, anchors[rnd(N(anchors))]);
		break;
	case 5:
		rb_puts(b, rnd(2) ? "a" : "b");
		break;
	case 6: case 7:
		rb_putc(b, (char)('a' + rnd(2)));
		rb_putc(b, (char)('a' + rnd(2)));
		break;
	case 8: case 9:
		rb_puts(b, rnd(3) == 0 ? "(?P<n>" : "(");
		gen(b, depth + 1);
		rb_putc(b, ')');
		break;
	case 10:
		rb_puts(b, "(?:");
		gen(b, depth + 1);
		rb_putc(b, '|');
		gen(b, depth + 1);
		rb_putc(b, ')');
		break;
	case 11: case 12:
		gen(b, depth + 1);
		gen(b, depth + 1);
		break;
	default:
		rb_puts(b, rnd(2) ? "(" : "(?:");
		gen(b, depth + 1);
		rb_putc(b, ')');
		rb_puts(b, quants[rnd(N(quants))]);
		break;
	}
}

static void
test_engines_agree(void **state)
{
	struct rego_re_subj sj;
	char text[64], err[REGO_RE_ERRLEN];
	size_t ov1[64], ov2[64];
	int it, k, compared = 0, vmfirst = 0;

	(void)state;
	for (it = 0; it < 4000; it++) {
		struct rego_buf b;
		struct rego_re *re;
		unsigned nc;

		rb_init(&b, 0);
		if (rnd(4) == 0)
			rb_puts(&b, rnd(2) ? "(?m)" : rnd(2) ? "(?i)" :
			    "(?U)");
		gen(&b, 0);
		re = rego_re_get(rb_str(&b), b.len, err, sizeof(err));
		if (re == NULL)
			fail_msg("/%s/: %s", rb_str(&b), err);
		nc = 2 * (rego_re_ncap(re) + 1);
		if (rego_re_vm_first(re) || nc > N(ov1)) {
			vmfirst++;
			rego_re_put(re);
			rb_free(&b);
			continue;
		}
		for (k = 0; k < 8; k++) {
			size_t n = 0, from, i, cnt = rnd(8);

			for (i = 0; i < cnt; i++) {
				const char *c = chars[rnd(N(chars))];

				memcpy(text + n, c, strlen(c));
				n += strlen(c);
			}
			text[n] = '\0';
			sj.orig = sj.s = text;
			sj.olen = sj.n = n;
			sj.map = NULL;
			for (from = 0; from <= n; from++) {
				int r1, r2;

				if (from < n &&
				    ((unsigned char)text[from] & 0xC0) == 0x80)
					continue;
				r1 = rego_re_exec_via(re, &sj, from, ov1, 0);
				r2 = rego_re_exec_via(re, &sj, from, ov2, 1);
				if (r1 != r2 || (r1 == REGO_RE_MATCH &&
				    memcmp(ov1, ov2, nc * sizeof(*ov1)) != 0))
					fail_msg("/%s/ on \"%s\" from %zu: PCRE2 "
					    "%d [%zd %zd], VM %d [%zd %zd]",
					    rb_str(&b), text, from, r1,
					    (ssize_t)ov1[0], (ssize_t)ov1[1], r2,
					    (ssize_t)ov2[0], (ssize_t)ov2[1]);
				compared++;
			}
		}
		rego_re_put(re);
		rb_free(&b);
	}
	/* most patterns were compared, some had nullable loops */
	assert_true(compared > 50000);
	assert_true(vmfirst > 0 && vmfirst < 1000);
}

/* Where Go's empty-iteration rules differ from PCRE2's, Go's answer. */
static void
match_is(const char *pat, const char *text, size_t from, const size_t *want,
    unsigned nwant, bool pcre2_same)
{
	struct rego_re_subj sj = { text, strlen(text), text, strlen(text),
		NULL };
	char err[REGO_RE_ERRLEN];
	struct rego_re *re = rego_re_get(pat, strlen(pat), err, sizeof(err));
	size_t ov[16];
	unsigned i;

	assert_non_null(re);
	assert_true(rego_re_vm_first(re));
	assert_int_equal(rego_re_exec(re, &sj, from, ov), REGO_RE_MATCH);
	for (i = 0; i < nwant; i++)
		if (ov[i] != want[i])
			fail_msg("/%s/ on \"%s\": slot %u is %zd, want %zd",
			    pat, text, i, (ssize_t)ov[i], (ssize_t)want[i]);
	/* what PCRE2 alone gives: the same or not, as the caller says */
	assert_int_equal(rego_re_exec_via(re, &sj, from, ov, 0),
	    REGO_RE_MATCH);
	assert_int_equal(memcmp(ov, want, nwant * sizeof(*ov)) == 0,
	    pcre2_same);
	rego_re_put(re);
}

static void
test_go_empty_loops(void **state)
{
	const size_t a[] = { 0, 0, 0, 0 };          /* (|a)* on "aa" */
	const size_t b[] = { 0, 1, 0, 1 };          /* (a|)+ on "a" */
	const size_t c[] = { 0, 4, 3, 4 };          /* ((a*)|\p{Greek})* */

	(void)state;
	/* same in both: the empty alternative first ends the loop */
	match_is("(|a)*", "aa", 0, a, 4, true);
	/* PCRE2 keeps the empty second iteration (group 1 at 1..1) */
	match_is("(a|)+", "a", 0, b, 4, false);
	/* PCRE2 stops after the empty iteration at the Greek letter */
	match_is("(?:((a)*)|\\p{Greek})*", "a\xce\xb1" "a", 0, c, 2, false);
	match_is("((a)*|\\p{Greek})*", "a\xce\xb1" "a", 0, c, 4, false);
}

/*
 * The arena after a reset keeps the capacity an evaluation grew to (its
 * largest chunk), so that the next evaluation of the same policy makes
 * no allocation: a service evaluating on a pool thread would otherwise
 * malloc and free (mmap and munmap past 128 KiB) every time.
 */
static void
test_arena_reuse(void **state)
{
	struct rego_arena a;
	void *first;
	size_t i, total, kept;

	(void)state;
	ra_init(&a, 0);
	for (i = 0; i < 400; i++)
		assert_non_null(ra_alloc(&a, 1000));
	total = a.total;
	assert_true(total >= 400 * 1000);
	ra_reset(&a);
	kept = a.total;
	assert_true(kept >= 400 * 1000 / 2);
	first = a.head;
	/* Half of that evaluation again fits in what was kept. */
	for (i = 0; i < 200; i++)
		assert_non_null(ra_alloc(&a, 1000));
	assert_ptr_equal(first, a.head);
	assert_int_equal(a.total, kept);
	ra_reset(&a);
	/* A chunk past the keep limit is not kept. */
	assert_non_null(ra_alloc(&a, 64u * 1024 * 1024));
	ra_reset(&a);
	assert_true(a.total <= 8u * 1024 * 1024);
	ra_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_reuse),
		cmocka_unit_test(test_engines_agree),
		cmocka_unit_test(test_go_empty_loops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
