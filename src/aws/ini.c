/*
 * ini.c - see ini.h.
 */
#include "aws/ini.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/* Longest key name quoted back: enough to recognise it. */
#define QUOTE_MAX 60

struct parser {
	struct ini *ini;
	struct ini_section *sect;	/* current section, or NULL */
	long last;			/* index of sect's last key, or -1 */
	char *parent;			/* "s3" while reading "s3 =" sub-keys */
	int line;
	char *err;
};

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Trims blanks on both ends of [*s, *e). */
static void
trim(const char **s, const char **e)
{
	while (*s < *e && is_blank(**s))
		(*s)++;
	while (*e > *s && is_blank((*e)[-1]))
		(*e)--;
}

/*
 * End of a value once an inline comment is cut off.  Only a '#' or ';'
 * after whitespace starts one, so "p#ss" and "a;b" stay whole.
 */
static const char *
cut_comment(const char *s, const char *e)
{
	const char *p;

	for (p = s; p < e; p++) {
		if ((*p == '#' || *p == ';') && (p == s || is_blank(p[-1])))
			return p;
	}
	return e;
}

/*
 * Appends a key's name to b for a message: control and non-ASCII bytes
 * become '?', long names are cut.  Only names are quoted, never a line or
 * a value: a line that does not parse may be a pasted secret, or the
 * broken-off tail of one.
 */
static void
quote(struct buf *b, const char *s, size_t n)
{
	size_t i;

	buf_putc(b, '"');
	for (i = 0; i < n && i < QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		buf_putc(b, c < 0x20 || c >= 0x7f ? '?' : (char)c);
	}
	if (n > QUOTE_MAX)
		buf_puts(b, "...");
	buf_putc(b, '"');
}

static void
fail(struct parser *p, const char *what, const char *s, size_t n)
{
	struct buf b;

	if (p->err != NULL)
		return;
	buf_init(&b);
	buf_printf(&b, "%s:%d: %s", p->ini->name, p->line, what);
	if (s != NULL) {
		buf_puts(&b, ": ");
		quote(&b, s, n);
	}
	p->err = buf_steal(&b);
}


static struct ini_section *
find_section(struct ini *ini, const char *name)
{
	size_t i;

	for (i = 0; i < ini->nsections; i++) {
		if (strcmp(ini->sections[i].name, name) == 0)
			return &ini->sections[i];
	}
	return NULL;
}

static void
open_section(struct parser *p, const char *name, size_t n)
{
	char *s = xstrndup(name, n);
	struct ini *ini = p->ini;

	p->sect = find_section(ini, s);
	if (p->sect != NULL) {
		if (p->sect->repeat_line == 0)
			p->sect->repeat_line = p->line;
		free(s);
	} else {
		ini->sections = xreallocarray(ini->sections,
		    ini->nsections + 1, sizeof *ini->sections);
		p->sect = &ini->sections[ini->nsections++];
		p->sect->name = s;
		p->sect->line = p->line;
		p->sect->repeat_line = 0;
		p->sect->keys = NULL;
		p->sect->nkeys = 0;
	}
	p->last = -1;
	free(p->parent);
	p->parent = NULL;
}

/* Sets a key of the current section; takes name.  Returns its index. */
static long
set_key(struct parser *p, char *name, const char *value, size_t vlen)
{
	struct ini_section *s = p->sect;
	struct ini_key *k = NULL;
	size_t i;

	for (i = 0; i < s->nkeys; i++) {
		if (strcmp(s->keys[i].name, name) == 0) {
			k = &s->keys[i];
			free(name);
			free(k->value);
			free(k->where);
			break;
		}
	}
	if (k == NULL) {
		s->keys = xreallocarray(s->keys, s->nkeys + 1, sizeof *s->keys);
		k = &s->keys[s->nkeys++];
		k->name = name;
	}
	k->value = xstrndup(value, vlen);
	k->line = p->line;
	k->where = xasprintf("%s:%d", p->ini->name, p->line);
	return (long)(k - s->keys);
}

/* "name = value" on [s, e), already trimmed.  Returns 0 or -1. */
static int
split_kv(const char *s, const char *e, const char **ks, const char **ke,
    const char **vs, const char **ve)
{
	const char *eq = memchr(s, '=', (size_t)(e - s));

	if (eq == NULL)
		return -1;
	*ks = s;
	*ke = eq;
	trim(ks, ke);
	*vs = eq + 1;
	*ve = cut_comment(*vs, e);
	trim(vs, ve);
	return 0;
}

static void
indented_line(struct parser *p, const char *s, const char *e)
{
	const char *ks, *ke, *vs, *ve;
	char *name;

	if (p->parent == NULL) {
		/* A continuation of a value, as ConfigParser reads it. */
		struct ini_key *k = &p->sect->keys[p->last];
		struct buf b;
		const char *ce = cut_comment(s, e);

		trim(&s, &ce);
		buf_init(&b);
		buf_puts(&b, k->value);
		buf_putc(&b, '\n');
		buf_append(&b, s, (size_t)(ce - s));
		free(k->value);
		k->value = buf_steal(&b);
		return;
	}
	if (split_kv(s, e, &ks, &ke, &vs, &ve) < 0) {
		fail(p, "expected \"name = value\" in a sub-section", NULL, 0);
		return;
	}
	if (ks == ke) {
		fail(p, "empty key name in a sub-section", NULL, 0);
		return;
	}
	name = xasprintf("%s.%.*s", p->parent, (int)(ke - ks), ks);
	(void)set_key(p, name, vs, (size_t)(ve - vs));
}

static void
section_line(struct parser *p, const char *s, const char *e)
{
	const char *close = memchr(s, ']', (size_t)(e - s));
	const char *ns, *ne, *rest;

	if (close == NULL) {
		fail(p, "section header without ']'", NULL, 0);
		return;
	}
	rest = close + 1;
	while (rest < e && is_blank(*rest))
		rest++;
	if (rest < e && !((*rest == '#' || *rest == ';') &&
	    is_blank(rest[-1]))) {
		fail(p, "text after a section header", NULL, 0);
		return;
	}
	ns = s + 1;
	ne = close;
	trim(&ns, &ne);
	if (ns == ne) {
		fail(p, "empty section name", NULL, 0);
		return;
	}
	open_section(p, ns, (size_t)(ne - ns));
}

static void
key_line(struct parser *p, const char *s, const char *e)
{
	const char *ks, *ke, *vs, *ve;
	char *name;

	if (split_kv(s, e, &ks, &ke, &vs, &ve) < 0) {
		fail(p, "expected [section] or \"name = value\"", NULL, 0);
		return;
	}
	if (ks == ke) {
		/* The value may be a pasted secret: never quote it. */
		fail(p, "empty key name before '='", NULL, 0);
		return;
	}
	if (p->sect == NULL) {
		/* The key's name, never its value. */
		fail(p, "key outside any [section]", ks, (size_t)(ke - ks));
		return;
	}
	name = xstrndup(ks, (size_t)(ke - ks));
	free(p->parent);
	p->parent = vs == ve ? xstrdup(name) : NULL;
	p->last = set_key(p, name, vs, (size_t)(ve - vs));
}

static void
parse_line(struct parser *p, const char *s, const char *e)
{
	int indented;

	if (e > s && e[-1] == '\r')
		e--;
	indented = s < e && is_blank(*s);
	trim(&s, &e);
	if (s == e || *s == '#' || *s == ';')
		return;
	/* An indented line before any key of its section is read as a key,
	 * as ConfigParser does. */
	if (indented && p->sect != NULL && p->last >= 0)
		indented_line(p, s, e);
	else if (*s == '[')
		section_line(p, s, e);
	else
		key_line(p, s, e);
}

struct ini *
ini_parse(const char *name, const char *text, size_t len, char **err)
{
	struct parser p;
	const char *s = text, *end = text + len, *nl, *nul;

	memset(&p, 0, sizeof p);
	p.last = -1;
	p.ini = xcalloc(1, sizeof *p.ini);
	p.ini->name = xstrdup(name);
	if (len > INI_MAX_SIZE) {
		*err = xasprintf("%s: larger than %d bytes", name,
		    INI_MAX_SIZE);
		ini_free(p.ini);
		return NULL;
	}
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	nul = memchr(s, '\0', (size_t)(end - s));
	p.line = 0;
	while (s < end && p.err == NULL) {
		p.line++;
		nl = memchr(s, '\n', (size_t)(end - s));
		if (nl == NULL)
			nl = end;
		if (nul != NULL && nul < nl) {
			fail(&p, "NUL byte: not a text file", NULL, 0);
			break;
		}
		parse_line(&p, s, nl);
		s = nl + 1;
	}
	free(p.parent);
	if (p.err != NULL) {
		*err = p.err;
		ini_free(p.ini);
		return NULL;
	}
	return p.ini;
}

int
ini_load(const char *path, const char *name, struct ini **out, char **err)
{
	struct buf b;

	*out = NULL;
	if (name == NULL)
		name = path;
	buf_init(&b);
	if (util_read_file(path, INI_MAX_SIZE, &b) < 0) {
		int e = errno;

		buf_free(&b);
		if (e == ENOENT || e == ENOTDIR)
			return 0;
		if (e == EFBIG)
			*err = xasprintf("%s: larger than %d bytes", name,
			    INI_MAX_SIZE);
		else
			*err = xasprintf("%s: %s", name, strerror(e));
		return -1;
	}
	*out = ini_parse(name, b.data, b.len, err);
	buf_free(&b);
	return *out == NULL ? -1 : 0;
}

void
ini_free(struct ini *ini)
{
	size_t i, j;

	if (ini == NULL)
		return;
	for (i = 0; i < ini->nsections; i++) {
		struct ini_section *s = &ini->sections[i];

		for (j = 0; j < s->nkeys; j++) {
			free(s->keys[j].name);
			free(s->keys[j].value);
			free(s->keys[j].where);
		}
		free(s->keys);
		free(s->name);
	}
	free(ini->sections);
	free(ini->name);
	free(ini);
}

const struct ini_section *
ini_section(const struct ini *ini, const char *name)
{
	size_t i;

	if (ini == NULL)
		return NULL;
	for (i = 0; i < ini->nsections; i++) {
		if (strcmp(ini->sections[i].name, name) == 0)
			return &ini->sections[i];
	}
	return NULL;
}

const struct ini_key *
ini_key(const struct ini_section *s, const char *name)
{
	size_t i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < s->nkeys; i++) {
		if (strcmp(s->keys[i].name, name) == 0)
			return &s->keys[i];
	}
	return NULL;
}

const char *
ini_get(const struct ini *ini, const char *section, const char *key,
    int *line)
{
	const struct ini_key *k = ini_key(ini_section(ini, section), key);

	if (k == NULL)
		return NULL;
	if (line != NULL)
		*line = k->line;
	return k->value;
}
