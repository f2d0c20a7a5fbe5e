/*
 * awsxml.c - see awsxml.h.
 */
#include "aws/awsxml.h"

#include <libxml/dict.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <limits.h>
#include <string.h>

#include "util/util.h"

static void
quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static void
quiet_structured(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
}

/*
 * SAX hook for "<!DOCTYPE name ...": called before the internal subset's
 * declarations are read, so an entity bomb is never even parsed.  AWS
 * never sends a DOCTYPE; stopping here is the refusal.
 */
static void
on_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
    const xmlChar *system_id)
{
	(void)name;
	(void)external_id;
	(void)system_id;
	xmlStopParser(ctx);
}

xmlDoc *
awsxml_parse(const char *body, size_t len, char **err)
{
	xmlGenericErrorFunc old_generic = xmlGenericError;
	void *old_generic_ctx = xmlGenericErrorContext;
	xmlStructuredErrorFunc old_structured = xmlStructuredError;
	void *old_structured_ctx = xmlStructuredErrorContext;
	xmlParserCtxt *ctxt;
	xmlDoc *doc;
	int doctype;

	if (err != NULL)
		*err = NULL;
	if (body == NULL || len == 0) {
		if (err != NULL)
			*err = xstrdup("the reply is empty, not XML");
		return NULL;
	}
	/* The transport has refused anything near this already (net.h,
	 * max_body); libxml2 takes an int. */
	if (len > INT_MAX) {
		if (err != NULL)
			*err = xasprintf("the reply is %zu bytes, too large "
			    "to parse", len);
		return NULL;
	}
	if ((ctxt = xmlNewParserCtxt()) == NULL)
		util_fatal("out of memory (libxml2 parser)");
	ctxt->sax->internalSubset = on_doctype;
	/* NOERROR keeps the parser quiet, but libxml2 falls back to the
	 * generic handler for some reports, and the screen may belong to
	 * curses; the caller's handlers are put back after. */
	xmlSetGenericErrorFunc(NULL, quiet);
	xmlSetStructuredErrorFunc(NULL, quiet_structured);
	/* No NOENT (entities are not substituted), no DTDLOAD or DTDATTR
	 * (nothing fetched or defaulted), NONET in case a default changes,
	 * and never HUGE: libxml2's own limits on depth, text size and
	 * entity amplification stay on. */
	doc = xmlCtxtReadMemory(ctxt, body, (int)len, "reply.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	    XML_PARSE_NOCDATA);
	xmlSetGenericErrorFunc(old_generic_ctx, old_generic);
	xmlSetStructuredErrorFunc(old_structured_ctx, old_structured);
	doctype = ctxt->errNo == XML_ERR_USER_STOP ||
	    (doc != NULL && (doc->intSubset != NULL || doc->extSubset != NULL));
	xmlFreeParserCtxt(ctxt);
	if (doctype) {
		xmlFreeDoc(doc);
		if (err != NULL)
			*err = xstrdup("the reply has a DOCTYPE (a document "
			    "type declaration), which AWS never sends; "
			    "refused unread");
		return NULL;
	}
	if (doc == NULL || xmlDocGetRootElement(doc) == NULL) {
		xmlFreeDoc(doc);
		if (err != NULL)
			*err = xstrdup("the reply is not well-formed XML");
		return NULL;
	}
	return doc;
}

xmlNode *
awsxml_next(const xmlNode *n, const char *name)
{
	for (n = n != NULL ? n->next : NULL; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)n->name, name) == 0)
			return (xmlNode *)n;
	}
	return NULL;
}

xmlNode *
awsxml_child(const xmlNode *n, const char *name)
{
	const xmlNode *c;

	if (n == NULL)
		return NULL;
	for (c = n->children; c != NULL; c = c->next) {
		if (c->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)c->name, name) == 0)
			return (xmlNode *)c;
	}
	return NULL;
}

xmlNode *
awsxml_path(const xmlNode *n, const char *path)
{
	char part[128];
	const char *p = path, *slash;
	size_t len;

	while (n != NULL && *p != '\0') {
		slash = strchr(p, '/');
		len = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (len >= sizeof part)
			return NULL;
		memcpy(part, p, len);
		part[len] = '\0';
		n = awsxml_child(n, part);
		p += len;
		if (*p == '/')
			p++;
	}
	return (xmlNode *)n;
}

char *
awsxml_text(const xmlNode *n, const char *path)
{
	const xmlNode *e = (path != NULL && *path != '\0') ?
	    awsxml_path(n, path) : n;
	const xmlNode *c;
	struct buf b;

	if (e == NULL)
		return NULL;
	/* The element's own text nodes only: an entity reference is not
	 * followed (expanding those is how a hostile reply grows), and a
	 * child element's text is not this element's. */
	buf_init(&b);
	buf_append(&b, "", 0);
	for (c = e->children; c != NULL; c = c->next) {
		if ((c->type == XML_TEXT_NODE ||
		    c->type == XML_CDATA_SECTION_NODE) && c->content != NULL)
			buf_puts(&b, (const char *)c->content);
	}
	return buf_steal(&b);
}

void
awsxml_wipe(const xmlNode *n, const char *path)
{
	const xmlNode *e = awsxml_path(n, path), *c;

	for (c = e != NULL ? e->children : NULL; c != NULL; c = c->next) {
		/* A text of a few bytes may be shared in the document's
		 * dictionary: not ours to write, and no secret. */
		if ((c->type == XML_TEXT_NODE ||
		    c->type == XML_CDATA_SECTION_NODE) && c->content != NULL &&
		    (c->doc == NULL || c->doc->dict == NULL ||
		    !xmlDictOwns(c->doc->dict, c->content)))
			explicit_bzero(c->content,
			    strlen((const char *)c->content));
	}
}

const char *
awsxml_text_buf(const xmlNode *n, const char *path, char *dst, size_t sz)
{
	char *t = awsxml_text(n, path);
	size_t len;

	if (sz == 0)
		return dst;
	dst[0] = '\0';
	if (t != NULL) {
		len = strlen(t);
		if (len >= sz)
			len = sz - 1;
		memcpy(dst, t, len);
		dst[len] = '\0';
		free(t);
	}
	return dst;
}
