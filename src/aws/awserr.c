/*
 * awserr.c - see awserr.h.
 *
 * The parse follows botocore's parsers.py: for XML the first Error element
 * wherever it sits (BaseXMLResponseParser), for JSON "__type" cut at ':'
 * and then after the last '#', "message" or "Message" (BaseJSONParser).  A
 * body that names no error still gives the operator something to act on:
 * the status and the start of the body.
 */
#include "aws/awserr.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "aws/awsxml.h"
#include "util/util.h"

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Length of s[0..n) cut to at most max bytes without splitting a UTF-8
 * sequence: a cut character would show as garbage on the screen. */
static size_t
utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

static char *
bounded_dup(const char *s, size_t max)
{
	return xstrndup(s, utf8_cut(s, strlen(s), max));
}

void
awserr_init(struct aws_error *e)
{
	e->http_status = 0;
	e->code = NULL;
	e->message = NULL;
	e->request_id = NULL;
}

void
awserr_free(struct aws_error *e)
{
	free(e->code);
	free(e->message);
	free(e->request_id);
	awserr_init(e);
}

void
awserr_set(struct aws_error *e, long status, const char *code,
    const char *message, const char *request_id)
{
	/* Copies first: an argument may point into e itself. */
	char *c, *m, *r = NULL;

	if (code == NULL || *code == '\0')
		code = status != 0 ? "HttpError" : "NetworkError";
	c = bounded_dup(code, AWSERR_MAX_CODE);
	m = bounded_dup(message != NULL ? message : "", AWSERR_MAX_MESSAGE);
	if (request_id != NULL && *request_id != '\0')
		r = bounded_dup(request_id, AWSERR_MAX_REQUEST_ID);
	awserr_free(e);
	e->http_status = status;
	e->code = c;
	e->message = m;
	e->request_id = r;
}

void
awserr_copy(struct aws_error *dst, const struct aws_error *src)
{
	if (dst == src)
		return;
	awserr_free(dst);
	dst->http_status = src->http_status;
	dst->code = src->code != NULL ? xstrdup(src->code) : NULL;
	dst->message = src->message != NULL ? xstrdup(src->message) : NULL;
	dst->request_id = src->request_id != NULL ?
	    xstrdup(src->request_id) : NULL;
}

/* --- XML --- */

/* Next node in document order, without recursion: a deep garbage
 * document must not be able to exhaust the stack.  Only elements are
 * entered: an entity reference's children are the entity declaration in
 * the DTD, outside the tree, and following them never comes back. */
static xmlNode *
xml_next(xmlNode *n, xmlNode *root)
{
	if (n->type == XML_ELEMENT_NODE && n->children != NULL)
		return n->children;
	while (n != root) {
		if (n->next != NULL)
			return n->next;
		n = n->parent;
	}
	return NULL;
}

static xmlNode *
xml_find(xmlNode *root, const char *name1, const char *name2)
{
	xmlNode *n;

	for (n = root; n != NULL; n = xml_next(n, root)) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, name1) == 0 ||
		    (name2 != NULL && strcmp((const char *)n->name, name2) == 0))
			return n;
	}
	return NULL;
}

/* The element's own text and CDATA, trimmed.  Entity references are not
 * followed: nothing in an error body needs them, and expanding them is how
 * a hostile body grows. */
static char *
xml_text(const xmlNode *el)
{
	const xmlNode *c;
	struct buf b;
	size_t start = 0;

	if (el == NULL)
		return NULL;
	buf_init(&b);
	for (c = el->children; c != NULL; c = c->next) {
		if ((c->type == XML_TEXT_NODE ||
		    c->type == XML_CDATA_SECTION_NODE) && c->content != NULL)
			buf_puts(&b, (const char *)c->content);
		/* Far past any bound awserr_set() keeps. */
		if (b.len > 4 * AWSERR_MAX_MESSAGE)
			break;
	}
	if (b.data == NULL)
		return NULL;
	while (b.len > 0 && is_space(b.data[b.len - 1]))
		b.data[--b.len] = '\0';
	while (start < b.len && is_space(b.data[start]))
		start++;
	if (start == b.len) {
		buf_free(&b);
		return NULL;
	}
	memmove(b.data, b.data + start, b.len - start + 1);
	return buf_steal(&b);
}

static xmlNode *
xml_child(const xmlNode *el, const char *name)
{
	xmlNode *c;

	for (c = el->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

/*
 * Parses an XML error body.  Returns 1 and sets *code, *message and
 * *request_id (each may be NULL) if an Error element was found.
 */
static int
parse_xml(const char *body, size_t len, char **code, char **message,
    char **request_id)
{
	xmlDoc *doc;
	xmlNode *root, *err;
	int found = 0;

	/* A body that is not well-formed or has a DOCTYPE is quoted by the
	 * fallback instead. */
	doc = awsxml_parse(body, len, NULL);
	if (doc == NULL)
		return 0;
	root = xmlDocGetRootElement(doc);
	if (root != NULL && (err = xml_find(root, "Error", NULL)) != NULL) {
		xmlNode *rid;

		found = 1;
		*code = xml_text(xml_child(err, "Code"));
		*message = xml_text(xml_child(err, "Message"));
		/* EC2 puts RequestID beside Errors, query beside Error, S3
		 * inside it: take the first anywhere. */
		rid = xml_find(root, "RequestId", "RequestID");
		*request_id = xml_text(rid);
	}
	xmlFreeDoc(doc);
	return found;
}

/* --- JSON --- */

static const char *
json_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) && v->valuestring != NULL &&
	    v->valuestring[0] != '\0' ? v->valuestring : NULL;
}

/* "aws.ns#Code:http://internal..." -> "Code", as botocore: cut at the first
 * ':' (some services append a URL), then keep what follows the last '#'. */
static char *
json_code(const char *type)
{
	const char *colon, *hash, *end;
	size_t n;

	if (type == NULL)
		return NULL;
	colon = strchr(type, ':');
	end = colon != NULL ? colon : type + strlen(type);
	for (hash = end; hash > type && hash[-1] != '#'; hash--)
		;
	n = (size_t)(end - hash);
	if (n == 0)
		return NULL;
	return xstrndup(hash, n);
}

/*
 * Parses a JSON error body.  Returns 1 if it named a code or a message.
 */
static int
parse_json(const char *body, size_t len, char **code, char **message,
    char **request_id)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const char *m;
	int found = 0;

	if (root == NULL)
		return 0;
	if (cJSON_IsObject(root)) {
		*code = json_code(json_str(root, "__type"));
		if (*code == NULL)
			*code = json_code(json_str(root, "code"));
		if (*code == NULL)
			*code = json_code(json_str(root, "Code"));
		m = json_str(root, "message");
		if (m == NULL)
			m = json_str(root, "Message");
		if (m != NULL)
			*message = xstrdup(m);
		/* Not sent by AWS today, but cheap to honour. */
		if (json_str(root, "RequestId") != NULL)
			*request_id = xstrdup(json_str(root, "RequestId"));
		found = *code != NULL || *message != NULL;
	}
	cJSON_Delete(root);
	return found;
}

/* --- fallback --- */

/* The phrases a proxy or load balancer in front of AWS is likely to send;
 * others are shown by number alone. */
static const struct {
	long status;
	const char *phrase;
} reason_phrases[] = {
	{ 400, " Bad Request" },
	{ 401, " Unauthorized" },
	{ 403, " Forbidden" },
	{ 404, " Not Found" },
	{ 405, " Method Not Allowed" },
	{ 408, " Request Timeout" },
	{ 409, " Conflict" },
	{ 413, " Content Too Large" },
	{ 429, " Too Many Requests" },
	{ 500, " Internal Server Error" },
	{ 501, " Not Implemented" },
	{ 502, " Bad Gateway" },
	{ 503, " Service Unavailable" },
	{ 504, " Gateway Timeout" },
};

static const char *
reason_phrase(long status)
{
	size_t i;

	for (i = 0; i < sizeof reason_phrases / sizeof reason_phrases[0]; i++)
		if (reason_phrases[i].status == status)
			return reason_phrases[i].phrase;
	return "";
}

/* "HTTP 502 Bad Gateway: <html> <head>..." with the body's first bytes:
 * line breaks and tabs folded to one space so the quote reads as a line,
 * other control bytes shown as '?': this text may come from a proxy, not
 * from AWS, and is quoted rather than trusted. */
static char *
fallback_message(long status, const char *body, size_t len)
{
	struct buf b;
	size_t i, n;

	buf_init(&b);
	buf_printf(&b, "HTTP %ld%s", status, reason_phrase(status));
	while (len > 0 && is_space(*body)) {
		body++;
		len--;
	}
	if (len == 0) {
		buf_puts(&b, " with an empty body");
		return buf_steal(&b);
	}
	buf_puts(&b, ": ");
	n = utf8_cut(body, len, AWSERR_MAX_SNIPPET);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)body[i];

		if (c == '\n' || c == '\r' || c == '\t') {
			if (b.len > 0 && b.data[b.len - 1] != ' ')
				buf_putc(&b, ' ');
			continue;
		}
		buf_putc(&b, c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
	while (b.len > 0 && b.data[b.len - 1] == ' ')
		b.data[--b.len] = '\0';
	if (n < len)
		buf_puts(&b, "...");
	return buf_steal(&b);
}

void
awserr_from_reply_typed(struct aws_error *e, long http_status,
    const char *body, size_t len, const char *header_request_id,
    const char *header_error_type)
{
	char *code = NULL, *message = NULL, *rid = NULL, *htype;
	size_t i = 0;
	int found = 0;

	if (body == NULL)
		len = 0;
	while (i < len && is_space(body[i]))
		i++;
	if (i < len && body[i] == '<')
		found = parse_xml(body, len, &code, &message, &rid);
	else if (i < len && body[i] == '{')
		found = parse_json(body, len, &code, &message, &rid);

	htype = code == NULL ? json_code(header_error_type != NULL &&
	    *header_error_type != '\0' ? header_error_type : NULL) : NULL;
	if (htype != NULL) {
		code = htype;
		found = 1;
	}
	if (!found) {
		free(code);
		free(message);
		code = NULL;
		message = fallback_message(http_status, body, len);
	} else if (message == NULL) {
		/* A code alone is enough to act on; say where it came from. */
		message = xasprintf("HTTP %ld%s", http_status,
		    reason_phrase(http_status));
	}
	if (rid == NULL && header_request_id != NULL &&
	    *header_request_id != '\0')
		rid = xstrdup(header_request_id);
	awserr_set(e, http_status, code != NULL ? code : "HttpError", message,
	    rid);
	free(code);
	free(message);
	free(rid);
}

void
awserr_from_reply(struct aws_error *e, long http_status, const char *body,
    size_t len, const char *header_request_id)
{
	awserr_from_reply_typed(e, http_status, body, len, header_request_id,
	    NULL);
}

char *
awserr_format(const struct aws_error *e)
{
	struct buf b;
	const char *code = e->code != NULL ? e->code : "Error";

	buf_init(&b);
	buf_puts(&b, code);
	if (e->message != NULL && *e->message != '\0') {
		buf_puts(&b, ": ");
		buf_puts(&b, e->message);
	}
	if (e->http_status != 0 && e->request_id != NULL)
		buf_printf(&b, " (HTTP %ld, request id %s)", e->http_status,
		    e->request_id);
	else if (e->http_status != 0)
		buf_printf(&b, " (HTTP %ld)", e->http_status);
	else if (e->request_id != NULL)
		buf_printf(&b, " (request id %s)", e->request_id);
	return buf_steal(&b);
}
