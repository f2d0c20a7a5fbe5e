/*
 * awsxml.c - see awsxml.h.
 */
#include "aws/awsxml.h"

#include <libxml/parser.h>
#include <string.h>

#include "util/util.h"

static void
quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

xmlDoc *
awsxml_parse(const char *body, size_t len)
{
	static int ready;

	if (!ready) {
		/* libxml2 prints parse errors to stderr by default; a reply we
		 * cannot parse is reported through our own error value. */
		xmlSetGenericErrorFunc(NULL, quiet);
		ready = 1;
	}
	if (body == NULL || len == 0 || len > 0x7fffffff)
		return NULL;
	return xmlReadMemory(body, (int)len, "reply.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	    XML_PARSE_NOCDATA | XML_PARSE_HUGE);
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
	xmlNode *e = (path != NULL && *path != '\0') ?
	    awsxml_path(n, path) : (xmlNode *)n;
	xmlChar *t;
	char *s;

	if (e == NULL)
		return NULL;
	t = xmlNodeGetContent(e);
	s = xstrdup(t != NULL ? (const char *)t : "");
	xmlFree(t);
	return s;
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
