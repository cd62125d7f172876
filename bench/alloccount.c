/* Heap allocation counter for the benches (alloccount.h). */
#include "alloccount.h"

static volatile int counting;
static volatile unsigned long nalloc;

void
ac_note(void)
{
	if (counting)
		nalloc++;
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
#ifdef BENCH_NO_MALLOC_COUNT
	return false;
#else
	return true;
#endif
}
