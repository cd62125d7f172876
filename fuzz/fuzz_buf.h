/*
 * What the harnesses that write documents back share: an abort() on a
 * broken property, a growable NUL-terminated buffer.
 */
#ifndef FUZZ_BUF_H
#define FUZZ_BUF_H

#include <stdlib.h>
#include <string.h>

static inline void
check(int cond)
{
	if (!cond)
		abort();
}

struct buf {
	char *p;
	size_t len, cap;
};

static inline void
put(struct buf *b, const char *s, size_t n)
{
	if (b->cap - b->len < n + 1) {
		while (b->cap - b->len < n + 1)
			b->cap = b->cap == 0 ? 256 : b->cap * 2;
		check((b->p = realloc(b->p, b->cap)) != NULL);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static inline void
puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

#endif
