/*
 * Go's regular expressions (RE2 syntax, as OPA's regex built-ins read
 * them) on PCRE2 (regex.c). A pattern is parsed with Go's rules and
 * messages, then written out as an equivalent PCRE2 pattern; compiled
 * patterns are shared through a bounded process-wide cache. Internal to
 * lib/rego.
 */
#ifndef CCAKIT_REGO_REGEX_H
#define CCAKIT_REGO_REGEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rego_arena;
struct rego_re;

/* Room for an error message ("error parsing regexp: CODE: `EXPR`"). */
#define REGO_RE_ERRLEN 320

/* Syntax check only (regex.is_valid, Go's syntax.Parse): 0 or -1 with
 * Go's message in err. */
int rego_re_check(const char *pat, size_t len, char *err, size_t errlen);

/* A compiled pattern from the cache (compiled on a miss), or NULL with
 * the message in err (syntax error, resource limit, out of memory).
 * Release with rego_re_put(). Thread-safe. */
struct rego_re *rego_re_get(const char *pat, size_t len, char *err,
    size_t errlen);
void rego_re_put(struct rego_re *re);

/* Capturing groups (Go's NumSubexp). */
unsigned rego_re_ncap(const struct rego_re *re);
/* Name of group i (1..ncap), or NULL. */
const char *rego_re_name(const struct rego_re *re, unsigned i);
/* Length of the source pattern (Go's len(re.String())). */
size_t rego_re_srclen(const struct rego_re *re);

enum { REGO_RE_NOMATCH = 0, REGO_RE_MATCH = 1, REGO_RE_ELIMIT = -1,
	REGO_RE_ENOMEM = -2 };

/* A subject for matching: valid UTF-8 (Go reads each invalid byte as
 * U+FFFD; such subjects are matched through a copy in which every
 * invalid byte is U+FFFD, offsets mapped back). */
struct rego_re_subj {
	const char *orig;       /* the caller's bytes */
	size_t olen;
	const char *s;          /* what is matched */
	size_t n;
	const uint32_t *map;    /* s offset -> orig offset (NULL: same) */
};
int rego_re_subj_init(struct rego_re_subj *sj, struct rego_arena *a,
    const char *s, size_t n);
/* Offset in the caller's bytes of offset off of sj->s. */
static inline size_t
rego_re_orig(const struct rego_re_subj *sj, size_t off)
{
	return sj->map != NULL ? sj->map[off] : off;
}

/* Leftmost-first match at or after `from` (a character boundary of
 * sj->s): ov receives 2 * (ncap + 1) offsets into sj->s, SIZE_MAX for
 * groups that did not participate. Match and backtracking limits make a
 * pathological pattern fail with REGO_RE_ELIMIT instead of running for
 * ever. */
int rego_re_exec(const struct rego_re *re, const struct rego_re_subj *sj,
    size_t from, size_t *ov);
/* Whether sj->s has a match: as above, but a search that reaches the
 * backtracking limits is decided by PCRE2's automaton matcher instead
 * (no captures needed, no exponential case). */
int rego_re_test(const struct rego_re *re, const struct rego_re_subj *sj);

/* For tests: the match by one engine only (0 PCRE2, within its limits;
 * 1 the Pike VM, REGO_RE_ELIMIT if the pattern has none), and whether
 * rego_re_exec takes positions from the Pike VM (a loop whose body can
 * match the empty string, where Go's rules and PCRE2's differ). */
int rego_re_exec_via(const struct rego_re *re, const struct rego_re_subj *sj,
    size_t from, size_t *ov, int engine);
bool rego_re_vm_first(const struct rego_re *re);

/* Byte length of the UTF-8 character at s (1 for an invalid byte, 0 at
 * the end), as Go's utf8.DecodeRuneInString. */
size_t rego_re_width(const char *s, size_t n);
/* Go's unicode.IsLetter(cp) || unicode.IsDigit(cp) || cp == '_'. */
bool rego_re_is_word_rune(uint32_t cp);

#endif /* CCAKIT_REGO_REGEX_H */
