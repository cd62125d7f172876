/*
 * Heap allocation counter shared by the benches: calls of malloc, calloc
 * and realloc between ac_start() and ac_stop(). Linking alloccount.c
 * replaces glibc's entry points (forwarding to __libc_*); a build with
 * the sanitizers, which own malloc, defines BENCH_NO_MALLOC_COUNT and
 * counts nothing (ac_enabled() is false). Single-threaded use.
 */
#ifndef BENCH_ALLOCCOUNT_H
#define BENCH_ALLOCCOUNT_H

#include <stdbool.h>

void		ac_start(void);
unsigned long	ac_stop(void);
bool		ac_enabled(void);

#endif /* BENCH_ALLOCCOUNT_H */
