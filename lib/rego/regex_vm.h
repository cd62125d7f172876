/*
 * A Pike virtual machine for Go's regular expressions (regex_vm.c): the
 * algorithm of Go's regexp (and RE2), which runs all threads of a
 * pattern in lock step over the text, in time proportional to the text
 * times the program, with Go's leftmost-first submatches. regex.c uses
 * it when PCRE2's backtracking reaches its limits, so that a pattern
 * that backtracks catastrophically still gets Go's answer in linear
 * time. Single-character tests that need Unicode tables (classes, case
 * folding) are tiny PCRE2 patterns. Internal to lib/rego.
 */
#ifndef CCAKIT_REGO_REGEX_VM_H
#define CCAKIT_REGO_REGEX_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rego_revm;

enum {
	RV_CHAR = 0,   /* x: rune */
	RV_PRED,       /* x: predicate (one character) */
	RV_ANY,        /* any character */
	RV_ANYNL,      /* any character but \n */
	RV_BOT, RV_EOT, RV_BOL, RV_EOL, RV_WB, RV_NWB,  /* assertions */
	RV_SPLIT,      /* x first, then y */
	RV_JMP,        /* x */
	RV_SAVE,       /* x: capture slot */
	RV_MATCH,
	RV_FAIL,       /* never matches */
};

/* A program for ncap capturing groups; at most max_insts instructions. */
struct rego_revm *rego_revm_new(unsigned ncap, size_t max_insts);
void rego_revm_free(struct rego_revm *vm);
/* Append an instruction; its index, or -1 (too many, out of memory). */
long rego_revm_emit(struct rego_revm *vm, uint8_t op, uint32_t x,
    uint32_t y);
void rego_revm_patch(struct rego_revm *vm, size_t pc, uint32_t x,
    uint32_t y);
size_t rego_revm_len(const struct rego_revm *vm);
/* A predicate: the PCRE2 text of one single-character item (a class,
 * a case-folded literal), compiled once per distinct text; its index or
 * -1. */
long rego_revm_pred(struct rego_revm *vm, const char *atom, size_t len);

/* Leftmost-first match of the program in s[0..n) (valid UTF-8) at or
 * after `from`: 1 with ov (2 * (ncap + 1) offsets, SIZE_MAX unset;
 * NULL: only whether there is a match), 0 none, -2 out of memory. */
int rego_revm_exec(const struct rego_revm *vm, const char *s, size_t n,
    size_t from, size_t *ov);

#endif /* CCAKIT_REGO_REGEX_VM_H */
