/*
 * XML 1.0 documents with namespaces: a strict, bounded parser into an
 * immutable tree of elements (docs/xml.md).
 *
 *	ccakit_xml *x = NULL;
 *	const ccakit_xml_elem *meta;
 *
 *	if ((r = ccakit_xml_parse(text, len, NULL, NULL, &x, d)) !=
 *	    CCAKIT_OK)
 *		return r;               // "3:14: unbound prefix 'rim'"
 *	meta = ccakit_xml_find(ccakit_xml_root(x), NULL, SWID_NS, "Meta");
 *	if (meta != NULL)
 *		edition = ccakit_xml_attr(meta, NULL, "edition");
 *	...
 *	ccakit_xml_free(&x);
 *
 * Names are expanded names: the namespace URI ("" for none) and the
 * local part. Strings are UTF-8, NUL-terminated and owned by the
 * document; XML has no NUL character, so none is cut short.
 *
 * Accepted: UTF-8 only (one leading BOM skipped; an XML declaration
 * naming another encoding is refused), every well-formedness rule of
 * XML 1.0 (fifth edition) and of Namespaces in XML 1.0 (third edition)
 * as a non-validating processor without a DTD applies them: elements,
 * attributes (values normalised: line ends and white space to spaces),
 * the five predefined entities, character references to XML characters,
 * comments, processing instructions, CDATA sections, the XML declaration.
 * Refused: any document type declaration (<!DOCTYPE ...>), with or
 * without an internal subset, so that no entity is ever declared or
 * expanded; any other entity reference; an undeclared prefix; a
 * duplicate attribute, also one that is a duplicate only once its
 * prefix is resolved; a second root; text outside the root.
 * Comments and processing instructions are checked and dropped.
 *
 * Bounds: input size, element depth, attributes per element (namespace
 * declarations included), elements in the document, namespace
 * declarations in scope at once (CCAKIT_XML_MAX_NS_SCOPE). The parser
 * is not recursive; memory and time are linear in the input.
 */
#ifndef CCAKIT_XML_H
#define CCAKIT_XML_H

#include <stddef.h>

#include <ccakit/err.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CCAKIT_XML_MAX_SIZE      (4 * 1024 * 1024) /* default input cap */
#define CCAKIT_XML_MAX_DEPTH     128      /* default element depth cap */
#define CCAKIT_XML_DEPTH_LIMIT   4096     /* largest depth cap accepted */
#define CCAKIT_XML_MAX_ATTRS     64       /* default per element */
#define CCAKIT_XML_ATTRS_LIMIT   1024     /* largest attribute cap */
#define CCAKIT_XML_MAX_ELEMENTS  100000   /* default per document */
#define CCAKIT_XML_MAX_NS_SCOPE  256      /* declarations in scope */

#define CCAKIT_XML_NS_XML "http://www.w3.org/XML/1998/namespace"

/* A parsed document; owns every element and string in it. */
typedef struct ccakit_xml ccakit_xml;
/* An element of a document (borrowed from it). */
typedef struct ccakit_xml_elem ccakit_xml_elem;

/* Caps; a zero member means its default. */
struct ccakit_xml_limits {
	size_t max_size;        /* input bytes */
	unsigned max_depth;     /* 1..CCAKIT_XML_DEPTH_LIMIT */
	unsigned max_attrs;     /* 1..CCAKIT_XML_ATTRS_LIMIT */
	size_t max_elements;    /* elements in the document */
};

/*
 * Parse text[0..len) into a new document *out. `name` (may be NULL)
 * names the input in errors; lim may be NULL for the defaults. Errors,
 * with "[name:]line:col: reason" in d->text (column in characters,
 * 1-based): CCAKIT_ERR_XML (not UTF-8, not well formed, not
 * namespace-well-formed, a DOCTYPE, an unknown entity),
 * CCAKIT_ERR_TOO_LARGE (a cap), CCAKIT_ERR_NOMEM,
 * CCAKIT_ERR_INVALID_ARG. *out is NULL on failure.
 */
int ccakit_xml_parse(const char *text, size_t len, const char *name,
    const struct ccakit_xml_limits *lim, ccakit_xml **out,
    struct ccakit_errdetail *d);
/* Accepts NULL, sets *xp to NULL. */
void ccakit_xml_free(ccakit_xml **xp);

/* The root element (never NULL for a parsed document). */
const ccakit_xml_elem *ccakit_xml_root(const ccakit_xml *x);

/* The element's local name, and its namespace URI ("" for none). */
const char *ccakit_xml_local(const ccakit_xml_elem *e);
const char *ccakit_xml_ns(const ccakit_xml_elem *e);

/*
 * The value of attribute {ns}local (ns NULL or "": an unprefixed
 * attribute, which has no namespace), or NULL when absent. Namespace
 * declarations (xmlns, xmlns:p) are not attributes here.
 */
const char *ccakit_xml_attr(const ccakit_xml_elem *e, const char *ns,
    const char *local);
/* The number of attributes, and the i-th in document order (its value;
 * NULL past the end), with its namespace ("" for none) and local name. */
size_t ccakit_xml_attr_count(const ccakit_xml_elem *e);
const char *ccakit_xml_attr_at(const ccakit_xml_elem *e, size_t i,
    const char **ns, const char **local);

/* The element's own character data (text and CDATA sections, not its
 * children's), concatenated, line ends normalised to LF; "" if none. */
const char *ccakit_xml_text(const ccakit_xml_elem *e);

/* The tree; NULL when there is none. */
const ccakit_xml_elem *ccakit_xml_parent(const ccakit_xml_elem *e);
const ccakit_xml_elem *ccakit_xml_first_child(const ccakit_xml_elem *e);
const ccakit_xml_elem *ccakit_xml_next_sibling(const ccakit_xml_elem *e);

/*
 * The first element, in document order, of top and its descendants
 * (top itself first), that comes after `after` (NULL: from top on) and
 * is named {ns}local (ns NULL or "": no namespace; local NULL: any
 * element, ns ignored). NULL when there is
 * none, or when `after` is not top or one of its descendants. So
 *
 *	for (e = ccakit_xml_find(top, NULL, NS, "R"); e != NULL;
 *	    e = ccakit_xml_find(top, e, NS, "R"))
 *
 * visits every {NS}R element of the subtree in document order.
 */
const ccakit_xml_elem *ccakit_xml_find(const ccakit_xml_elem *top,
    const ccakit_xml_elem *after, const char *ns, const char *local);

#ifdef __cplusplus
}
#endif

#endif /* CCAKIT_XML_H */
