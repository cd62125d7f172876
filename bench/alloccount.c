/* Heap allocation counter for the benches (alloccount.h). */
#include <stddef.h>

#include "alloccount.h"

#ifndef BENCH_NO_MALLOC_COUNT
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
void *malloc(size_t n);
void *calloc(size_t n, size_t m);
void *realloc(void *p, size_t n);
void free(void *p);

static volatile int counting;
static volatile unsigned long nalloc;

void *
malloc(size_t n)
{
	if (counting)
		nalloc++;
	return __libc_malloc(n);
}

void *
calloc(size_t n, size_t m)
{
	if (counting)
		nalloc++;
	return __libc_calloc(n, m);
}

void *
realloc(void *p, size_t n)
{
	if (counting)
		nalloc++;
	return __libc_realloc(p, n);
}

void
free(void *p)
{
	__libc_free(p);
}

void
ac_start(void)
{
	nalloc = 0;
	counting = 1;
}

unsigned long
ac_stop(void)
{
	counting = 0;
	return nalloc;
}

bool
ac_enabled(void)
{
	return true;
}
#else
void
ac_start(void)
{
}

unsigned long
ac_stop(void)
{
	return 0;
}

bool
ac_enabled(void)
{
	return false;
}
#endif
