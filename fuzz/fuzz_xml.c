/*
 * libFuzzer harness for the XML parser (lib/xml). Any input either fails
 * with CCAKIT_ERR_XML and a "name:line:col: reason" message (or a cap:
 * CCAKIT_ERR_TOO_LARGE), or gives a tree that
 *  - is consistent: parent, first child, next sibling and find() agree,
 *    no two attributes of an element share an expanded name, each is
 *    found again by name;
 *  - written back as XML (every namespace declared again, with
 *    prefixes of its own, where it is first used; every special
 *    character escaped) parses again to an equal tree.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/xml.h>

#include "fuzz_buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* s escaped for text (attr 0) or a "..." attribute value (attr 1). */
static void
escaped(struct buf *b, const char *s, int attr)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': puts_(b, "&amp;"); break;
		case '<': puts_(b, "&lt;"); break;
		case '>': puts_(b, "&gt;"); break;
		case '"': puts_(b, attr ? "&quot;" : "\""); break;
		case '\r': puts_(b, "&#13;"); break;
		case '\n': puts_(b, attr ? "&#10;" : "\n"); break;
		case '\t': puts_(b, attr ? "&#9;" : "\t"); break;
		default: put(b, s, 1);
		}
	}
}

/* The namespaces declared by the elements being written: prefix n<i>
 * for scope[i]; every URI is declared once on a path, so no more are in
 * scope than in the input. */
struct scope {
	const char *uri[CCAKIT_XML_MAX_NS_SCOPE];
	size_t n;
};

/* The prefix of uri ("" for none, "xml:"), declared when new. */
static void
prefix(struct buf *decl, struct scope *sc, const char *uri, char *pfx,
    size_t size)
{
	size_t i;

	pfx[0] = '\0';
	if (*uri == '\0')
		return;
	if (strcmp(uri, CCAKIT_XML_NS_XML) == 0) {
		(void)snprintf(pfx, size, "xml:");
		return;
	}
	for (i = 0; i < sc->n && strcmp(sc->uri[i], uri) != 0; i++)
		;
	(void)snprintf(pfx, size, "n%zu:", i);
	if (i < sc->n)
		return;
	check(sc->n < CCAKIT_XML_MAX_NS_SCOPE);
	sc->uri[sc->n++] = uri;
	puts_(decl, " xmlns:");
	put(decl, pfx, strlen(pfx) - 1);
	puts_(decl, "=\"");
	escaped(decl, uri, 1);
	puts_(decl, "\"");
}

static void
emit(struct buf *b, struct scope *sc, const ccakit_xml_elem *e)
{
	struct buf decl = { NULL, 0, 0 }, attrs = { NULL, 0, 0 };
	const ccakit_xml_elem *c;
	const char *ns, *local, *v;
	char epfx[32], pfx[32];
	size_t i, mark = sc->n;

	puts_(&decl, "");
	puts_(&attrs, "");
	prefix(&decl, sc, ccakit_xml_ns(e), epfx, sizeof(epfx));
	for (i = 0; (v = ccakit_xml_attr_at(e, i, &ns, &local)) != NULL;
	    i++) {
		prefix(&decl, sc, ns, pfx, sizeof(pfx));
		puts_(&attrs, " ");
		puts_(&attrs, pfx);
		puts_(&attrs, local);
		puts_(&attrs, "=\"");
		escaped(&attrs, v, 1);
		puts_(&attrs, "\"");
	}
	puts_(b, "<");
	puts_(b, epfx);
	puts_(b, ccakit_xml_local(e));
	puts_(b, decl.p);
	puts_(b, attrs.p);
	puts_(b, ">");
	free(decl.p);
	free(attrs.p);
	escaped(b, ccakit_xml_text(e), 0);
	for (c = ccakit_xml_first_child(e); c != NULL;
	    c = ccakit_xml_next_sibling(c))
		emit(b, sc, c);
	puts_(b, "</");
	puts_(b, epfx);
	puts_(b, ccakit_xml_local(e));
	puts_(b, ">");
	sc->n = mark;
}

/* Walk e's subtree; the number of its elements. */
static size_t
walk(const ccakit_xml_elem *e)
{
	const ccakit_xml_elem *c;
	const char *ns, *local, *ns2, *local2, *v;
	size_t i, j, n = 1;

	check(ccakit_xml_local(e) != NULL && *ccakit_xml_local(e) != '\0');
	check(ccakit_xml_ns(e) != NULL && ccakit_xml_text(e) != NULL);
	for (i = 0; (v = ccakit_xml_attr_at(e, i, &ns, &local)) != NULL;
	    i++) {
		check(ccakit_xml_attr(e, ns, local) == v);
		for (j = 0; j < i; j++) {
			(void)ccakit_xml_attr_at(e, j, &ns2, &local2);
			check(strcmp(ns, ns2) != 0 || strcmp(local, local2) !=
			    0);
		}
	}
	check(i == ccakit_xml_attr_count(e));
	for (c = ccakit_xml_first_child(e); c != NULL;
	    c = ccakit_xml_next_sibling(c)) {
		check(ccakit_xml_parent(c) == e);
		n += walk(c);
	}
	return n;
}

static int
same(const ccakit_xml_elem *a, const ccakit_xml_elem *b)
{
	const char *na, *la, *nb, *lb, *va, *vb;
	size_t i;

	if (strcmp(ccakit_xml_local(a), ccakit_xml_local(b)) != 0 ||
	    strcmp(ccakit_xml_ns(a), ccakit_xml_ns(b)) != 0 ||
	    strcmp(ccakit_xml_text(a), ccakit_xml_text(b)) != 0 ||
	    ccakit_xml_attr_count(a) != ccakit_xml_attr_count(b))
		return 0;
	for (i = 0; (va = ccakit_xml_attr_at(a, i, &na, &la)) != NULL; i++) {
		vb = ccakit_xml_attr_at(b, i, &nb, &lb);
		if (strcmp(na, nb) != 0 || strcmp(la, lb) != 0 ||
		    strcmp(va, vb) != 0)
			return 0;
	}
	for (a = ccakit_xml_first_child(a), b = ccakit_xml_first_child(b);
	    a != NULL && b != NULL; a = ccakit_xml_next_sibling(a),
	    b = ccakit_xml_next_sibling(b))
		if (!same(a, b))
			return 0;
	return a == NULL && b == NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ccakit_xml_limits big = { 256 * 1024 * 1024,
	    CCAKIT_XML_DEPTH_LIMIT, CCAKIT_XML_ATTRS_LIMIT, 0 };
	struct ccakit_errdetail d;
	struct buf out = { NULL, 0, 0 };
	static struct scope sc;
	const ccakit_xml_elem *root, *e;
	ccakit_xml *x = NULL, *y = NULL;
	unsigned line, col;
	size_t n;
	char ch;
	int r;

	memset(&d, 0, sizeof(d));
	r = ccakit_xml_parse((const char *)data, size, "f", NULL, &x, &d);
	if (r != CCAKIT_OK) {
		check(x == NULL);
		check(r == CCAKIT_ERR_XML || r == CCAKIT_ERR_TOO_LARGE);
		if (strstr(d.text, "bytes (at most") != NULL)
			return 0;
		check(sscanf(d.text, "f:%u:%u: %c", &line, &col, &ch) == 3 &&
		    line > 0 && col > 0);
		return 0;
	}
	root = ccakit_xml_root(x);
	check(root != NULL && ccakit_xml_parent(root) == NULL &&
	    ccakit_xml_next_sibling(root) == NULL);
	n = walk(root);
	/* find() visits the same elements in document order. */
	for (e = ccakit_xml_find(root, NULL, NULL, NULL); e != NULL;
	    e = ccakit_xml_find(root, e, NULL, NULL))
		n--;
	check(n == 0);
	check(ccakit_xml_find(root, NULL, ccakit_xml_ns(root),
	    ccakit_xml_local(root)) == root);

	/* Written back, read again: the same tree. */
	sc.n = 0;
	emit(&out, &sc, root);
	r = ccakit_xml_parse(out.p, out.len, "g", &big, &y, &d);
	if (r != CCAKIT_OK) {
		fprintf(stderr, "%s\n%s\n", d.text, out.p);
		abort();
	}
	check(same(root, ccakit_xml_root(y)));
	ccakit_xml_free(&y);
	ccakit_xml_free(&x);
	free(out.p);
	return 0;
}
