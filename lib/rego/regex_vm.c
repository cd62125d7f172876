/*
 * The Pike VM of Go's regexp package (regexp/exec.go), in C: a thread
 * per program counter in two queues (this character, the next), added
 * in priority order; the first thread to match cuts off the threads of
 * lower priority, so the result is Go's leftmost-first match with its
 * submatches. Empty loops end because a program counter is added once
 * per position. The work is O(text x program).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "rego/rego_priv.h"
#include "rego/regex_vm.h"

#define VM_MAX_PREDS 256

struct vinst {
	uint8_t op;
	uint32_t x, y;
};

struct vpred {
	char *text;
	size_t len;
	pcre2_code *code;
	uint8_t ascii[128];      /* answers for ASCII, computed once */
};

struct rego_revm {
	struct vinst *prog;
	size_t n, cap, max;
	unsigned ncap;
	struct vpred *preds;
	size_t npreds;
};

struct rego_revm *
rego_revm_new(unsigned ncap, size_t max_insts)
{
	struct rego_revm *vm = calloc(1, sizeof(*vm));

	if (vm != NULL) {
		vm->ncap = ncap;
		vm->max = max_insts;
	}
	return vm;
}

void
rego_revm_free(struct rego_revm *vm)
{
	size_t i;

	if (vm == NULL)
		return;
	for (i = 0; i < vm->npreds; i++) {
		pcre2_code_free(vm->preds[i].code);
		free(vm->preds[i].text);
	}
	free(vm->preds);
	free(vm->prog);
	free(vm);
}

long
rego_revm_emit(struct rego_revm *vm, uint8_t op, uint32_t x, uint32_t y)
{
	if (vm->n == vm->max)
		return -1;
	if (vm->n == vm->cap) {
		size_t nc = vm->cap == 0 ? 64 : vm->cap * 2;
		struct vinst *np = realloc(vm->prog, nc * sizeof(*np));

		if (np == NULL)
			return -1;
		vm->prog = np;
		vm->cap = nc;
	}
	vm->prog[vm->n].op = op;
	vm->prog[vm->n].x = x;
	vm->prog[vm->n].y = y;
	return (long)vm->n++;
}

void
rego_revm_patch(struct rego_revm *vm, size_t pc, uint32_t x, uint32_t y)
{
	vm->prog[pc].x = x;
	vm->prog[pc].y = y;
}

size_t
rego_revm_len(const struct rego_revm *vm)
{
	return vm->n;
}

static bool
pred_run(pcre2_code *code, pcre2_match_data *md, uint32_t cp)
{
	char enc[4];
	size_t k = rego_utf8_enc(cp, enc);

	return pcre2_match(code, (PCRE2_SPTR)enc, k, 0, PCRE2_ANCHORED |
	    PCRE2_NO_UTF_CHECK, md, NULL) >= 0;
}

long
rego_revm_pred(struct rego_revm *vm, const char *atom, size_t len)
{
	struct vpred *p;
	pcre2_match_data *md;
	PCRE2_SIZE eo;
	uint32_t c;
	int ec;
	size_t i;

	for (i = 0; i < vm->npreds; i++)
		if (vm->preds[i].len == len &&
		    memcmp(vm->preds[i].text, atom, len) == 0)
			return (long)i;
	if (vm->npreds == VM_MAX_PREDS)
		return -1;
	if (vm->npreds == 0 && (vm->preds = calloc(VM_MAX_PREDS,
	    sizeof(*vm->preds))) == NULL)
		return -1;
	p = &vm->preds[vm->npreds];
	memset(p, 0, sizeof(*p));
	if ((p->text = malloc(len + 1)) == NULL)
		return -1;
	memcpy(p->text, atom, len);
	p->text[len] = '\0';
	p->len = len;
	p->code = pcre2_compile((PCRE2_SPTR)atom, len, PCRE2_UTF |
	    PCRE2_NO_UTF_CHECK | PCRE2_NEVER_UCP | PCRE2_ANCHORED, &ec, &eo,
	    NULL);
	if (p->code == NULL ||
	    (md = pcre2_match_data_create(1, NULL)) == NULL) {
		pcre2_code_free(p->code);
		free(p->text);
		return -1;
	}
	for (c = 0; c < 128; c++)
		p->ascii[c] = pred_run(p->code, md, c);
	pcre2_match_data_free(md);
	return (long)vm->npreds++;
}

/* ------------------------------------------------------------------ */
/* Execution.                                                           */

struct queue {
	uint32_t *dense, *sparse;    /* program counters */
	size_t *caps;                /* per dense entry: ncap2 slots */
	size_t n;
};

struct run {
	const struct rego_revm *vm;
	const char *s;
	size_t n, ncap2;
	pcre2_match_data *md;
	/* add(): explicit stack of (pc) and (restore slot, value) */
	uint64_t *stack;
	size_t sp;
	size_t *cap;                 /* working captures */
};

static bool
q_has(const struct queue *q, uint32_t pc)
{
	uint32_t i = q->sparse[pc];

	return i < q->n && q->dense[i] == pc;
}

static bool
is_word(int32_t r)
{
	return r >= 0 && r < 0x80 && ((r >= '0' && r <= '9') ||
	    (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') || r == '_');
}

/* The runes around pos (-1 at the ends). */
static int32_t
rune_before(const struct run *r, size_t pos)
{
	uint32_t cp;
	size_t b = pos;

	if (pos == 0)
		return -1;
	do
		b--;
	while (b > 0 && pos - b < 4 &&
	    ((unsigned char)r->s[b] & 0xC0) == 0x80);
	(void)rego_utf8_dec(r->s + b, pos - b, &cp);
	return (int32_t)cp;
}

static int32_t
rune_at(const struct run *r, size_t pos, size_t *w)
{
	uint32_t cp;

	if (pos >= r->n) {
		*w = 0;
		return -1;
	}
	*w = rego_utf8_dec(r->s + pos, r->n - pos, &cp);
	return (int32_t)cp;
}

static bool
assert_ok(uint8_t op, size_t pos, size_t n, int32_t before, int32_t after)
{
	switch (op) {
	case RV_BOT:
		return pos == 0;
	case RV_EOT:
		return pos == n;
	case RV_BOL:
		return before < 0 || before == '\n';
	case RV_EOL:
		return after < 0 || after == '\n';
	case RV_WB:
		return is_word(before) != is_word(after);
	default:
		return is_word(before) == is_word(after);
	}
}

#define RESTORE ((uint64_t)1 << 63)

/* Add pc and what it reaches without consuming input, in priority
 * order (Go's m.add), at position pos with captures caps. */
static void
add(struct run *r, struct queue *q, uint32_t pc0, size_t pos,
    const size_t *caps, int32_t before, int32_t after)
{
	const struct vinst *prog = r->vm->prog;

	if (r->ncap2 > 0)
		memcpy(r->cap, caps, r->ncap2 * sizeof(*r->cap));
	r->sp = 0;
	r->stack[r->sp++] = pc0;
	while (r->sp > 0) {
		uint64_t e = r->stack[--r->sp];
		uint32_t pc;
		size_t i;

		if (e & RESTORE) {
			r->cap[(e & ~RESTORE) >> 32] =
			    (size_t)r->stack[--r->sp];
			continue;
		}
		pc = (uint32_t)e;
		if (q_has(q, pc))
			continue;
		i = q->n++;
		q->sparse[pc] = (uint32_t)i;
		q->dense[i] = pc;
		switch (prog[pc].op) {
		case RV_JMP:
			r->stack[r->sp++] = prog[pc].x;
			break;
		case RV_SPLIT:
			r->stack[r->sp++] = prog[pc].y;
			r->stack[r->sp++] = prog[pc].x;
			break;
		case RV_SAVE:
			if (prog[pc].x < r->ncap2) {
				r->stack[r->sp++] = r->cap[prog[pc].x];
				r->stack[r->sp++] = RESTORE |
				    (uint64_t)prog[pc].x << 32;
				r->cap[prog[pc].x] = pos;
			}
			r->stack[r->sp++] = pc + 1;
			break;
		case RV_BOT:
		case RV_EOT:
		case RV_BOL:
		case RV_EOL:
		case RV_WB:
		case RV_NWB:
			if (assert_ok(prog[pc].op, pos, r->n, before, after))
				r->stack[r->sp++] = pc + 1;
			break;
		default:
			/* a thread waiting for a character, or a match */
			if (r->ncap2 > 0)
				memcpy(q->caps + i * r->ncap2, r->cap,
				    r->ncap2 * sizeof(*r->cap));
			break;
		}
	}
}

static bool
char_ok(struct run *r, const struct vinst *in, int32_t c)
{
	const struct vpred *p;

	if (c < 0)
		return false;
	switch (in->op) {
	case RV_CHAR:
		return (uint32_t)c == in->x;
	case RV_ANY:
		return true;
	case RV_ANYNL:
		return c != '\n';
	case RV_PRED:
		p = &r->vm->preds[in->x];
		if (c < 0x80)
			return p->ascii[c];
		return pred_run(p->code, r->md, (uint32_t)c);
	default:
		return false;
	}
}

int
rego_revm_exec(const struct rego_revm *vm, const char *s, size_t n,
    size_t from, size_t *ov)
{
	struct queue qa, qb, *run, *next, *tmp;
	struct run r;
	size_t m = vm->n, pos = from, w, w1, i, *start, *mem = NULL;
	size_t *match = NULL;
	int32_t c, c1, before;
	bool matched = false;
	uint32_t *pcs = NULL;
	int rc = -2;

	memset(&r, 0, sizeof(r));
	r.vm = vm;
	r.s = s;
	r.n = n;
	r.ncap2 = ov != NULL ? 2 * ((size_t)vm->ncap + 1) : 0;
	/* pcs: dense and sparse of both queues; mem: captures of both
	 * queues, the working and start captures, the match; stack: each
	 * pc at most twice, plus a restore pair per SAVE */
	pcs = calloc(4 * m + 1, sizeof(*pcs));
	mem = calloc(2 * m * r.ncap2 + 3 * r.ncap2 + 1, sizeof(*mem));
	r.stack = calloc(6 * m + 4, sizeof(*r.stack));
	r.md = pcre2_match_data_create(1, NULL);
	if (pcs == NULL || mem == NULL || r.stack == NULL || r.md == NULL)
		goto out;
	qa.dense = pcs;
	qa.sparse = pcs + m;
	qb.dense = pcs + 2 * m;
	qb.sparse = pcs + 3 * m;
	qa.caps = mem;
	qb.caps = mem + m * r.ncap2;
	r.cap = mem + 2 * m * r.ncap2;
	start = r.cap + r.ncap2;
	match = start + r.ncap2;
	qa.n = qb.n = 0;
	run = &qa;
	next = &qb;
	before = rune_before(&r, pos);
	c = rune_at(&r, pos, &w);
	c1 = rune_at(&r, pos + w, &w1);
	for (;;) {
		if (run->n == 0 && matched)
			break;
		if (!matched) {
			for (i = 0; i < r.ncap2; i++)
				start[i] = SIZE_MAX;
			if (r.ncap2 > 0)
				start[0] = pos;
			add(&r, run, 0, pos, start, before, c);
		}
		/* step: threads in priority order */
		next->n = 0;
		for (i = 0; i < run->n; i++) {
			const struct vinst *in = &vm->prog[run->dense[i]];

			if (in->op == RV_MATCH) {
				if (r.ncap2 > 0) {
					memcpy(match, run->caps + i * r.ncap2,
					    r.ncap2 * sizeof(*match));
					match[1] = pos;
				}
				matched = true;
				break;     /* lower priority threads go */
			}
			if (char_ok(&r, in, c))
				add(&r, next, run->dense[i] + 1, pos + w,
				    run->caps + i * r.ncap2, c, c1);
		}
		if (w == 0)
			break;
		if (r.ncap2 == 0 && matched)
			break;
		pos += w;
		before = c;
		c = c1;
		w = w1;
		c1 = rune_at(&r, pos + w, &w1);
		tmp = run;
		run = next;
		next = tmp;
	}
	rc = matched ? 1 : 0;
	if (matched && ov != NULL)
		memcpy(ov, match, r.ncap2 * sizeof(*ov));
out:
	pcre2_match_data_free(r.md);
	free(r.stack);
	free(mem);
	free(pcs);
	return rc;
}
