/*
 * awsxml.h - the little of libxml2 the XML services need: parse a reply
 * safely, find children by local name (namespaces vary between AWS and
 * moto), and copy text out.
 */
#ifndef PATCHDECK_AWSXML_H
#define PATCHDECK_AWSXML_H

#include <stddef.h>

#include <libxml/tree.h>

/* Parses body with no network access, no entity expansion and no output on
 * errors.  NULL if it is not well-formed XML. */
xmlDoc *awsxml_parse(const char *body, size_t len);

/* The first element child of n named name (local name); NULL if none. */
xmlNode *awsxml_child(const xmlNode *n, const char *name);
/* The next element sibling after n named name. */
xmlNode *awsxml_next(const xmlNode *n, const char *name);
/* Follows a path of child names, "a/b/c". */
xmlNode *awsxml_path(const xmlNode *n, const char *path);

/* Text of the element at path below n, newly allocated; NULL if absent. */
char *awsxml_text(const xmlNode *n, const char *path);
/* Same, into a buffer of size sz; "" if absent.  Returns dst. */
const char *awsxml_text_buf(const xmlNode *n, const char *path, char *dst,
    size_t sz);

#endif
