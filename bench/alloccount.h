/*
 * Heap allocation counter shared by the benches: the calls of malloc,
 * calloc and realloc between ac_start() and ac_stop(), by the program
 * and by every library it uses. Single-threaded use.
 *
 * The counter is the static module alloccount; the replacement entry
 * points (forwarding to glibc's __libc_*) must be defined in the
 * program itself, so exactly one source file of a bench defines
 * ALLOCCOUNT_REPLACE_MALLOC before including this header. A build with
 * the sanitizers, which own malloc, defines BENCH_NO_MALLOC_COUNT: nothing
 * is replaced and ac_enabled() is false.
 */
#ifndef BENCH_ALLOCCOUNT_H
#define BENCH_ALLOCCOUNT_H

#include <stdbool.h>
#include <stddef.h>

void		ac_start(void);
unsigned long	ac_stop(void);
bool		ac_enabled(void);
/* One allocation (called by the replacement entry points). */
void		ac_note(void);

#if defined(ALLOCCOUNT_REPLACE_MALLOC) && !defined(BENCH_NO_MALLOC_COUNT)
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
void *malloc(size_t n);
void *calloc(size_t n, size_t m);
void *realloc(void *p, size_t n);
void free(void *p);

void *
malloc(size_t n)
{
	ac_note();
	return __libc_malloc(n);
}

void *
calloc(size_t n, size_t m)
{
	ac_note();
	return __libc_calloc(n, m);
}

void *
realloc(void *p, size_t n)
{
	ac_note();
	return __libc_realloc(p, n);
}

void
free(void *p)
{
	__libc_free(p);
}
#endif

#endif /* BENCH_ALLOCCOUNT_H */
