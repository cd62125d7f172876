/*
 * A bump allocator for trees that are freed all at once (TOML documents,
 * CoRIM models): chunks that double up to 64 KiB, large blocks in chunks
 * of their own.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/util.h"

struct cki_arena_chunk {
	struct cki_arena_chunk *next;
	size_t used, cap;
	max_align_t data[];
};

#define ARENA_MAX_CHUNK ((size_t)64 * 1024)

void
cki_arena_init(struct cki_arena *a, size_t first)
{
	a->head = NULL;
	if (first < 256)
		first = 256;
	if (first > ARENA_MAX_CHUNK)
		first = ARENA_MAX_CHUNK;
	a->chunk = first;
}

void *
cki_arena_alloc(struct cki_arena *a, size_t size)
{
	struct cki_arena_chunk *c = a->head, *nc;
	size_t al = sizeof(max_align_t), cap;
	void *p;

	if (size == 0)
		size = 1;
	if (size > SIZE_MAX / 2)
		return NULL;
	size = (size + al - 1) / al * al;
	if (c != NULL && c->cap - c->used >= size) {
		p = (char *)c->data + c->used;
		c->used += size;
		return p;
	}
	cap = a->chunk;
	if (size > cap / 4) {
		/* A large block gets a chunk of its own, kept behind the
		 * current one so that its free space is not lost. */
		if ((nc = malloc(sizeof(*nc) + size)) == NULL)
			return NULL;
		nc->used = nc->cap = size;
		if (c != NULL) {
			nc->next = c->next;
			c->next = nc;
		} else {
			nc->next = NULL;
			a->head = nc;
		}
		return nc->data;
	}
	if ((nc = malloc(sizeof(*nc) + cap)) == NULL)
		return NULL;
	nc->cap = cap;
	nc->used = size;
	nc->next = c;
	a->head = nc;
	if (a->chunk < ARENA_MAX_CHUNK)
		a->chunk *= 2;
	return nc->data;
}

void
cki_arena_free(struct cki_arena *a)
{
	struct cki_arena_chunk *c, *n;

	for (c = a->head; c != NULL; c = n) {
		n = c->next;
		free(c);
	}
	a->head = NULL;
}

