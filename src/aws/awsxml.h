/*
 * awsxml.h - the little of libxml2 the XML services need: parse a reply
 * safely, find children by local name (namespaces vary between AWS and
 * moto), and copy text out.
 */
#ifndef PATCHDECK_AWSXML_H
#define PATCHDECK_AWSXML_H

#include <stddef.h>

#include <libxml/tree.h>

/*
 * The one parser of XML from outside (replies and error bodies): no
 * network access, no DTD, no entity substitution, libxml2's size and
 * depth limits kept (never XML_PARSE_HUGE), nothing printed.  A reply
 * with a DOCTYPE is refused before its declarations are read.  Returns
 * the document (free it with xmlFreeDoc), or NULL with *err saying why
 * when err is not NULL (caller frees): empty, DOCTYPE, not well-formed.
 */
xmlDoc *awsxml_parse(const char *body, size_t len, char **err);

/* The first element child of n named name (local name); NULL if none. */
xmlNode *awsxml_child(const xmlNode *n, const char *name);
/* The next element sibling after n named name. */
xmlNode *awsxml_next(const xmlNode *n, const char *name);
/* Follows a path of child names, "a/b/c". */
xmlNode *awsxml_path(const xmlNode *n, const char *path);

/* Text of the element at path below n, newly allocated; NULL if absent.
 * Only the element's own text and CDATA nodes are read: entity references
 * and child elements are not. */
char *awsxml_text(const xmlNode *n, const char *path);
/* Overwrites the text of the element at path below n (a secret, before
 * the document is freed); nothing if absent. */
void awsxml_wipe(const xmlNode *n, const char *path);
/* Same, into a buffer of size sz; "" if absent.  Returns dst. */
const char *awsxml_text_buf(const xmlNode *n, const char *path, char *dst,
    size_t sz);

#endif
