/*
 * lib/xml: well-formed and ill-formed documents, namespaces, references,
 * positions in messages, caps, the tree API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include <ccakit/xml.h>

static ccakit_xml *
ok(const char *text)
{
	struct ccakit_errdetail d;
	ccakit_xml *x = NULL;
	int r;

	memset(&d, 0, sizeof(d));
	r = ccakit_xml_parse(text, strlen(text), "t.xml", NULL, &x, &d);
	if (r != CCAKIT_OK)
		fail_msg("refused: %s\n%s", d.text, text);
	assert_non_null(x);
	assert_non_null(ccakit_xml_root(x));
	return x;
}

/* Refused with code and a message that holds want (and "t.xml:"). */
static void
bad_lim(const char *text, size_t len, const struct ccakit_xml_limits *lim,
    int code, const char *want)
{
	struct ccakit_errdetail d;
	ccakit_xml *x = (ccakit_xml *)1;
	int r;

	memset(&d, 0, sizeof(d));
	r = ccakit_xml_parse(text, len, "t.xml", lim, &x, &d);
	if (code == CCAKIT_OK) {
		if (r != CCAKIT_OK)
			fail_msg("%.200s: refused: %s", text, d.text);
		ccakit_xml_free(&x);
		return;
	}
	if (r != code || strstr(d.text, want) == NULL ||
	    strncmp(d.text, "t.xml", 5) != 0)
		fail_msg("%.200s: got %d '%s', want %d '%s'", text, r, d.text,
		    code, want);
	assert_null(x);
}

static void
bad(const char *text, const char *want)
{
	bad_lim(text, strlen(text), NULL, CCAKIT_ERR_XML, want);
}

static void
test_basic(void **state)
{
	ccakit_xml *x;
	const ccakit_xml_elem *r, *a, *b, *c;
	const char *ns, *local;

	(void)state;
	x = ok("\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"utf-8\" "
	    "standalone='yes'?>\n<!-- head -->\n<?pi some data?>\n"
	    "<root a=\"1\" b='two'>x<a/>y<b>in &lt;&gt;&amp;&apos;&quot;"
	    "&#65;&#x42;&#x20AC;<![CDATA[<raw>&amp;]]></b>z"
	    "<c><!-- c --><?p?></c></root>\n<!-- tail -->\n");
	r = ccakit_xml_root(x);
	assert_string_equal(ccakit_xml_local(r), "root");
	assert_string_equal(ccakit_xml_ns(r), "");
	assert_null(ccakit_xml_parent(r));
	assert_null(ccakit_xml_next_sibling(r));
	assert_string_equal(ccakit_xml_text(r), "xyz");
	assert_int_equal(ccakit_xml_attr_count(r), 2);
	assert_string_equal(ccakit_xml_attr(r, NULL, "a"), "1");
	assert_string_equal(ccakit_xml_attr(r, "", "b"), "two");
	assert_null(ccakit_xml_attr(r, NULL, "c"));
	assert_string_equal(ccakit_xml_attr_at(r, 1, &ns, &local), "two");
	assert_string_equal(ns, "");
	assert_string_equal(local, "b");
	assert_null(ccakit_xml_attr_at(r, 2, &ns, &local));
	a = ccakit_xml_first_child(r);
	assert_string_equal(ccakit_xml_local(a), "a");
	assert_null(ccakit_xml_first_child(a));
	assert_string_equal(ccakit_xml_text(a), "");
	b = ccakit_xml_next_sibling(a);
	assert_string_equal(ccakit_xml_local(b), "b");
	assert_string_equal(ccakit_xml_text(b),
	    "in <>&'\"AB\xe2\x82\xac<raw>&amp;");
	c = ccakit_xml_next_sibling(b);
	assert_string_equal(ccakit_xml_local(c), "c");
	assert_null(ccakit_xml_next_sibling(c));
	assert_ptr_equal(ccakit_xml_parent(c), r);
	ccakit_xml_free(&x);
	assert_null(x);
	ccakit_xml_free(&x);
	ccakit_xml_free(NULL);

	/* The smallest documents; no declaration; single quotes. */
	x = ok("<a/>");
	assert_string_equal(ccakit_xml_local(ccakit_xml_root(x)), "a");
	ccakit_xml_free(&x);
	x = ok("<?xml version='1.1'?><a></a >");
	ccakit_xml_free(&x);
	/* A PI whose target starts with xml is no declaration. */
	x = ok("<?xml-stylesheet href='s'?><a/>");
	ccakit_xml_free(&x);
	/* Non-ASCII names. */
	x = ok("<\xc3\xa9l\xc3\xa9ment \xce\xb1=\"\xce\xb2\"/>");
	assert_string_equal(ccakit_xml_attr(ccakit_xml_root(x), NULL,
	    "\xce\xb1"), "\xce\xb2");
	ccakit_xml_free(&x);
	/* An empty comment. */
	x = ok("<a><!----></a>");
	ccakit_xml_free(&x);
}

/* Attribute values: line ends and white space normalised, references
 * kept as they are; text: line ends to LF. */
static void
test_normalisation(void **state)
{
	ccakit_xml *x;
	const ccakit_xml_elem *r;

	(void)state;
	x = ok("<a v=\"x\ty\r\nz\rw\n.\" c=\"&#9;&#10;&#13;\">l1\r\nl2\rl3"
	    "<![CDATA[c1\r\nc2\r]]></a>");
	r = ccakit_xml_root(x);
	assert_string_equal(ccakit_xml_attr(r, NULL, "v"), "x y z w .");
	assert_string_equal(ccakit_xml_attr(r, NULL, "c"), "\t\n\r");
	assert_string_equal(ccakit_xml_text(r), "l1\nl2\nl3c1\nc2\n");
	ccakit_xml_free(&x);
	/* '>' and "]]" alone are fine in text; "'" in "..." */
	x = ok("<a q=\"it's > 1\">a > b ]] c]</a>");
	assert_string_equal(ccakit_xml_text(ccakit_xml_root(x)),
	    "a > b ]] c]");
	assert_string_equal(ccakit_xml_attr(ccakit_xml_root(x), NULL, "q"),
	    "it's > 1");
	ccakit_xml_free(&x);
}

#define NS_A "urn:a"
#define NS_B "urn:b"

static void
test_namespaces(void **state)
{
	ccakit_xml *x;
	const ccakit_xml_elem *r, *e, *f, *g;

	(void)state;
	x = ok("<r xmlns=\"urn:a\" xmlns:b=\"urn:b\" b:at=\"1\" at=\"2\" "
	    "xml:lang=\"en\">"
	    "<e><b:f b:x=\"3\"/></e>"
	    "<g xmlns=\"\"><h xmlns:b=\"urn:a\" b:at=\"4\"/></g>"
	    "<b:e xmlns:xml=\"http://www.w3.org/XML/1998/namespace\"/></r>");
	r = ccakit_xml_root(x);
	assert_string_equal(ccakit_xml_ns(r), NS_A);
	/* Declarations are not attributes; unprefixed: no namespace. */
	assert_int_equal(ccakit_xml_attr_count(r), 3);
	assert_string_equal(ccakit_xml_attr(r, NS_B, "at"), "1");
	assert_string_equal(ccakit_xml_attr(r, NULL, "at"), "2");
	assert_null(ccakit_xml_attr(r, NS_A, "at"));
	assert_null(ccakit_xml_attr(r, NULL, "xmlns"));
	assert_string_equal(ccakit_xml_attr(r, CCAKIT_XML_NS_XML, "lang"),
	    "en");
	e = ccakit_xml_first_child(r);
	assert_string_equal(ccakit_xml_ns(e), NS_A);
	f = ccakit_xml_first_child(e);
	assert_string_equal(ccakit_xml_ns(f), NS_B);
	assert_string_equal(ccakit_xml_local(f), "f");
	assert_string_equal(ccakit_xml_attr(f, NS_B, "x"), "3");
	g = ccakit_xml_next_sibling(e);
	assert_string_equal(ccakit_xml_ns(g), "");         /* undeclared */
	/* b rebound to urn:a inside h only. */
	assert_string_equal(ccakit_xml_attr(ccakit_xml_first_child(g), NS_A,
	    "at"), "4");
	e = ccakit_xml_next_sibling(g);
	assert_string_equal(ccakit_xml_ns(e), NS_B);
	assert_string_equal(ccakit_xml_local(e), "e");
	/* find: by expanded name, document order, self first. */
	assert_ptr_equal(ccakit_xml_find(r, NULL, NS_A, "r"), r);
	assert_ptr_equal(ccakit_xml_find(r, NULL, NS_B, "e"), e);
	assert_string_equal(ccakit_xml_local(ccakit_xml_find(r, NULL, NS_A,
	    "e")), "e");
	assert_null(ccakit_xml_find(r, NULL, NULL, "e"));
	assert_ptr_equal(ccakit_xml_find(r, NULL, "", "g"), g);
	assert_null(ccakit_xml_find(g, NULL, NS_B, "e"));
	/* An `after` outside top's subtree finds nothing. */
	assert_null(ccakit_xml_find(g, e, NULL, NULL));
	ccakit_xml_free(&x);

	/* Two prefixes, one namespace: a duplicate attribute. */
	bad("<r xmlns:p=\"urn:a\" xmlns:q=\"urn:a\" p:x=\"1\" q:x=\"2\"/>",
	    "1:44: duplicate attribute {urn:a}x");
	/* The default namespace does not apply to attributes. */
	x = ok("<r xmlns=\"urn:a\" xmlns:p=\"urn:a\" x=\"1\" p:x=\"2\"/>");
	ccakit_xml_free(&x);
	bad("<p:r/>", "1:2: unbound prefix 'p'");
	bad("<r p:a=\"1\"/>", "1:4: unbound prefix 'p'");
	bad("<r><a xmlns:p=\"urn:p\"/><p:b/></r>", "unbound prefix 'p'");
	bad("<r xmlns:p=\"\"/>", "cannot be undeclared");
	bad("<r xmlns:xml=\"urn:x\"/>", "prefix xml is bound to");
	bad("<r xmlns:x=\"http://www.w3.org/XML/1998/namespace\"/>",
	    "bound to the prefix xml only");
	bad("<r xmlns=\"http://www.w3.org/XML/1998/namespace\"/>",
	    "bound to the prefix xml only");
	bad("<r xmlns:xmlns=\"urn:x\"/>", "prefix xmlns cannot be declared");
	bad("<r xmlns:x=\"http://www.w3.org/2000/xmlns/\"/>",
	    "cannot be declared");
	bad("<xmlns:r/>", "prefix xmlns");
	bad("<a:b:c/>", "not a qualified name");
	bad("<:a/>", "not a qualified name");
	bad("<a: x='1'/>", "not a qualified name");
	bad("<r :x='1'/>", "not a qualified name");
	bad("<r xmlns='urn:a' xmlns='urn:b'/>", "duplicate attribute");
}

static void
test_ill_formed(void **state)
{
	(void)state;
	bad("", "1:1: no root element");
	bad("  \n<!-- c -->\n", "3:1: no root element");
	bad("<a>", "element <a> not closed");
	bad("<a></b>", "1:4: end tag </b> does not match <a>");
	bad("<a><b></a></b>", "end tag </a> does not match <b>");
	bad("</a>", "without a start tag");
	bad("<a/></a>", "without a start tag");
	bad("<a x='1' x='2'/>", "1:10: duplicate attribute 'x'");
	bad("<a x='<'/>", "1:7: '<' in an attribute value");
	bad("<a x='1/>", "attribute value not closed");
	bad("<a x=1/>", "expected a quoted attribute value");
	bad("<a x/>", "expected '='");
	bad("<a x='1'y='2'/>", "expected white space");
	bad("<a>&</a>", "1:4: '&' not followed by a reference");
	bad("<a>& b;</a>", "'&' not followed by a reference");
	bad("<a>&amp</a>", "'&' not followed by a reference");
	bad("<a x='&'/>", "'&' not followed by a reference");
	bad("<a>&nbsp;</a>", "unknown entity '&nbsp;'");
	bad("<a>&#0;</a>", "not an XML character");
	bad("<a>&#xD800;</a>", "not an XML character");
	bad("<a>&#x110000;</a>", "not an XML character");
	bad("<a>&#99999999999999999999;</a>", "not an XML character");
	bad("<a>&#xFFFE;</a>", "not an XML character");
	bad("<a>&#;</a>", "malformed character reference");
	bad("<a>&#x;</a>", "malformed character reference");
	bad("<a>&#X41;</a>", "malformed character reference");
	bad("<a>&#12a;</a>", "malformed character reference");
	bad("<a/><b/>", "1:5: a second root element");
	bad("<a/>\n<a/>", "2:1: a second root element");
	bad("x<a/>", "1:1: text outside the root element");
	bad("<a/>x", "1:5: text outside the root element");
	bad("<a/>&amp;", "text outside the root element");
	bad("<a/><![CDATA[x]]>", "CDATA section outside the root");
	bad("<a>]]></a>", "1:4: ']]>' in text");
	bad("<a><!-- a -- b --></a>", "'--' inside a comment");
	bad("<a><!-- a ---></a>", "'--' inside a comment");
	bad("<a><!-- a </a>", "comment not closed");
	bad("<a><![CDATA[x</a>", "CDATA section not closed");
	bad("<a><?p x</a>", "processing instruction not closed");
	bad("<a><?xml version='1.0'?></a>", "reserved");
	bad(" <?xml version='1.0'?><a/>", "1:2: '<?xml' is reserved");
	bad("<a/><?XmL x?>", "reserved");
	bad("<a><?p:q x?></a>", "target with ':'");
	bad("<a><?p\x01?></a>", "U+0001 is not allowed");
	bad("<a><!ELEMENT a ANY></a>", "unexpected '<!'");
	bad("<a><1/></a>", "expected an element name");
	bad("< a/>", "expected an element name");
	bad("<a></ a>", "expected an element name");
	bad("<a></a x>", "expected '>'");
	bad("<a", "start tag not closed");
	/* The XML declaration. */
	bad("<?xml?><a/>", "starts with version");
	bad("<?xml encoding='UTF-8'?><a/>", "starts with version");
	bad("<?xml version='2.0'?><a/>", "XML 1.x only");
	bad("<?xml version='1.'?><a/>", "XML 1.x only");
	bad("<?xml version='1.0' encoding='ISO-8859-1'?><a/>",
	    "encoding 'ISO-8859-1' refused: UTF-8 only");
	bad("<?xml version='1.0' encoding='UTF-16'?><a/>", "UTF-8 only");
	bad("<?xml version='1.0'encoding='UTF-8'?><a/>", "expected '?>'");
	bad("<?xml version='1.0' standalone='maybe'?><a/>", "'yes' or 'no'");
	bad("<?xml version='1.0' standalone='yes' encoding='UTF-8'?><a/>",
	    "expected '?>'");
	bad("<?xml version='1.0'", "expected '?>'");
	/* Characters. */
	bad_lim("<a>\xff</a>", 8, NULL, CCAKIT_ERR_XML,
	    "1:4: invalid UTF-8 (byte 0xFF)");
	bad_lim("<a>\xc0\xaf</a>", 9, NULL, CCAKIT_ERR_XML, "invalid UTF-8");
	bad_lim("<a>\xed\xa0\x80</a>", 10, NULL, CCAKIT_ERR_XML,
	    "invalid UTF-8");
	bad_lim("<a>\0</a>", 8, NULL, CCAKIT_ERR_XML, "1:4: character U+0000");
	bad("<a>\x1b</a>", "character U+001B is not allowed");
	bad("<a>\xef\xbf\xbe</a>", "character U+FFFE is not allowed");
	bad("\xff\xfe<\0a\0/\0>\0", "invalid UTF-8");
	/* Positions count characters, not bytes. */
	bad("<a>\n\xc3\xa9\xc3\xa9&bad;</a>", "2:3: unknown entity");
	bad("<a>\r\n\r<b></a>", "3:4: end tag </a> does not match <b>");
}

/* No DTD at all: no entity is ever declared, so none is expanded. */
static void
test_doctype(void **state)
{
	(void)state;
	bad("<!DOCTYPE a><a/>", "1:1: DOCTYPE refused");
	bad("<?xml version='1.0'?>\n<!DOCTYPE a SYSTEM \"a.dtd\"><a/>",
	    "2:1: DOCTYPE refused");
	bad("<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n"
	    "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
	    "]>\n<lolz>&lol2;</lolz>", "DOCTYPE refused");
	bad("<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
	    "<a>&x;</a>", "DOCTYPE refused");
	bad("<a><!DOCTYPE a></a>", "DOCTYPE refused");
	/* An entity reference without a declaration is an unknown one. */
	bad("<a>&lol;</a>", "unknown entity '&lol;'");
}

static char *
repeat(const char *head, const char *unit, size_t n, const char *tail)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail), i;
	char *s = malloc(hl + ul * n + tl + 1), *p;

	assert_non_null(s);
	memcpy(s, head, hl);
	p = s + hl;
	for (i = 0; i < n; i++, p += ul)
		memcpy(p, unit, ul);
	memcpy(p, tail, tl + 1);
	return s;
}

static void
test_limits(void **state)
{
	struct ccakit_xml_limits lim;
	struct ccakit_errdetail d;
	ccakit_xml *x = NULL;
	char *s, *t;
	size_t i;

	(void)state;
	/* Size. */
	memset(&lim, 0, sizeof(lim));
	lim.max_size = 8;
	bad_lim("<a></a> ", 8, &lim, CCAKIT_OK, "");
	ccakit_xml_free(&x);
	memset(&d, 0, sizeof(d));
	assert_int_equal(ccakit_xml_parse("<a></a>  ", 9, "t.xml", &lim, &x,
	    &d), CCAKIT_ERR_TOO_LARGE);
	assert_non_null(strstr(d.text, "9 bytes (at most 8)"));
	assert_null(x);

	/* Depth: the default cap, then a deep document refused without
	 * recursion. */
	s = repeat("", "<a>", CCAKIT_XML_MAX_DEPTH, "");
	t = repeat(s, "</a>", CCAKIT_XML_MAX_DEPTH, "");
	x = ok(t);
	ccakit_xml_free(&x);
	free(s);
	free(t);
	s = repeat("", "<a>", CCAKIT_XML_MAX_DEPTH + 1, "");
	bad_lim(s, strlen(s), NULL, CCAKIT_ERR_TOO_LARGE,
	    "1:385: elements nested deeper than 128");
	free(s);
	s = repeat("", "<a>", 1000000, "");
	bad_lim(s, strlen(s), NULL, CCAKIT_ERR_TOO_LARGE, "deeper than 128");
	lim.max_size = 0;
	lim.max_depth = 3;
	bad_lim("<a><b><c><d/></c></b></a>", 25, &lim, CCAKIT_ERR_TOO_LARGE,
	    "deeper than 3");
	lim.max_depth = CCAKIT_XML_DEPTH_LIMIT;
	bad_lim(s, strlen(s), &lim, CCAKIT_ERR_TOO_LARGE, "deeper than 4096");
	free(s);
	lim.max_depth = CCAKIT_XML_DEPTH_LIMIT + 1;
	assert_int_equal(ccakit_xml_parse("<a/>", 4, NULL, &lim, &x, &d),
	    CCAKIT_ERR_INVALID_ARG);
	lim.max_depth = 0;

	/* Attributes per element, declarations included. */
	s = malloc(16 * 70 + 16);
	assert_non_null(s);
	strcpy(s, "<a");
	for (i = 0; i < CCAKIT_XML_MAX_ATTRS; i++)
		(void)sprintf(s + strlen(s), " a%zu='1'", i);
	strcat(s, "/>");
	x = ok(s);
	assert_int_equal(ccakit_xml_attr_count(ccakit_xml_root(x)),
	    CCAKIT_XML_MAX_ATTRS);
	ccakit_xml_free(&x);
	s[strlen(s) - 2] = '\0';
	strcat(s, " xmlns:p='urn:p'/>");
	bad_lim(s, strlen(s), NULL, CCAKIT_ERR_TOO_LARGE,
	    "more than 64 attributes");
	free(s);
	lim.max_attrs = CCAKIT_XML_ATTRS_LIMIT + 1;
	assert_int_equal(ccakit_xml_parse("<a/>", 4, NULL, &lim, &x, &d),
	    CCAKIT_ERR_INVALID_ARG);
	lim.max_attrs = 1;
	bad_lim("<a x='1' y='2'/>", 16, &lim, CCAKIT_ERR_TOO_LARGE,
	    "1:10: more than 1 attributes");
	lim.max_attrs = 0;

	/* Elements. */
	lim.max_elements = 3;
	bad_lim("<a><b/><c/></a>", 15, &lim, CCAKIT_OK, "");
	bad_lim("<a><b/><c/><d/></a>", 19, &lim, CCAKIT_ERR_TOO_LARGE,
	    "1:12: more than 3 elements");
	lim.max_elements = 0;

	/* Namespace declarations in scope. */
	s = repeat("", "<a xmlns:p='urn:p'>", CCAKIT_XML_MAX_NS_SCOPE + 1,
	    "");
	lim.max_depth = 1000;
	bad_lim(s, strlen(s), &lim, CCAKIT_ERR_TOO_LARGE,
	    "more than 256 namespace declarations in scope");
	free(s);
	/* ... but siblings reuse the scope. */
	s = repeat("<r>", "<a xmlns:p='urn:p' xmlns:q='urn:q'/>", 1000,
	    "</r>");
	x = ok(s);
	ccakit_xml_free(&x);
	free(s);

	/* Bad arguments. */
	assert_int_equal(ccakit_xml_parse("<a/>", 4, NULL, NULL, NULL, &d),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_xml_parse(NULL, 4, NULL, NULL, &x, &d),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_xml_parse(NULL, 0, NULL, NULL, &x, NULL),
	    CCAKIT_ERR_XML);
}

/* Iteration over a subtree in document order, as the swid extractor
 * does it. */
static void
test_find(void **state)
{
	ccakit_xml *x;
	const ccakit_xml_elem *top, *e;
	char got[64] = "";

	(void)state;
	x = ok("<r xmlns='urn:s'><R n='0'/><P><R n='1'><R n='2'/></R>"
	    "<d><R n='3'/></d><R xmlns='' n='x'/></P><R n='4'/></r>");
	top = ccakit_xml_find(ccakit_xml_root(x), NULL, "urn:s", "P");
	assert_non_null(top);
	for (e = ccakit_xml_find(top, NULL, "urn:s", "R"); e != NULL;
	    e = ccakit_xml_find(top, e, "urn:s", "R"))
		strcat(got, ccakit_xml_attr(e, NULL, "n"));
	assert_string_equal(got, "123");
	got[0] = '\0';
	for (e = ccakit_xml_find(ccakit_xml_root(x), NULL, NULL, NULL);
	    e != NULL; e = ccakit_xml_find(ccakit_xml_root(x), e, NULL, NULL))
		strcat(got, ccakit_xml_local(e));
	assert_string_equal(got, "rRPRRdRRR");
	assert_null(ccakit_xml_find(NULL, NULL, NULL, NULL));
	assert_null(ccakit_xml_root(NULL));
	assert_null(ccakit_xml_attr(NULL, NULL, "x"));
	assert_int_equal(ccakit_xml_attr_count(NULL), 0);
	ccakit_xml_free(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_normalisation),
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_ill_formed),
		cmocka_unit_test(test_doctype),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
