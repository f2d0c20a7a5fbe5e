/*
 * escape.c - see escape.h.
 */
/* wcwidth() is X/Open. */
#define _XOPEN_SOURCE 700

#include "util/escape.h"

#include <langinfo.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

int
esc_locale_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs != NULL && (strcasecmp(cs, "UTF-8") == 0 ||
	    strcasecmp(cs, "utf8") == 0);
}

int
esc_codepoint_unsafe(unsigned long c)
{
	if (c < 0x20 || c == 0x7f)
		return 1;
	if (c >= 0x80 && c <= 0x9f)
		return 1;
	switch (c) {
	case 0x00ad:		/* soft hyphen: invisible */
	case 0x061c:		/* Arabic letter mark */
	case 0x180e:		/* Mongolian vowel separator */
	case 0x2028:		/* line separator */
	case 0x2029:		/* paragraph separator */
	case 0xfeff:		/* BOM, zero-width no-break space */
		return 1;
	}
	if (c >= 0x200b && c <= 0x200f)	/* zero-width, LRM, RLM */
		return 1;
	if (c >= 0x202a && c <= 0x202e)	/* embeddings, overrides */
		return 1;
	if (c >= 0x2060 && c <= 0x206f)	/* word joiner, isolates, ... */
		return 1;
	if (c >= 0xfff9 && c <= 0xfffb)	/* interlinear annotation */
		return 1;
	if (c >= 0xe0000 && c <= 0xe007f)	/* tag characters */
		return 1;
	if (c >= 0xd800 && c <= 0xdfff)	/* surrogates: never valid */
		return 1;
	return 0;
}

/* Decodes one UTF-8 sequence; returns its length, or 0 if invalid
 * (overlong, surrogate, beyond U+10FFFF, truncated). */
static size_t
utf8_decode(const unsigned char *s, size_t n, unsigned long *cp)
{
	unsigned long c;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 ||
	    c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static void
set_escape(struct esc_piece *p, unsigned long c, int as_byte, size_t consumed)
{
	if (as_byte)
		snprintf(p->buf, sizeof p->buf, "\\x%02lx", c);
	else if (c <= 0xffff)
		snprintf(p->buf, sizeof p->buf, "\\u%04lx", c);
	else
		snprintf(p->buf, sizeof p->buf, "\\U%08lx", c);
	p->text = p->buf;
	p->len = strlen(p->buf);
	p->width = (int)p->len;
	p->escaped = 1;
	p->consumed = consumed;
}

size_t
esc_next(const char *s, size_t n, int utf8, struct esc_piece *p)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long c;
	size_t i = 0, len;
	int w, width = 0;

	memset(p, 0, sizeof *p);
	if (n == 0)
		return 0;
	if (u[0] == '\t' || u[0] == '\n') {
		p->text = s;
		p->len = 1;
		p->consumed = 1;
		p->tab = u[0] == '\t';
		p->newline = u[0] == '\n';
		return 1;
	}
	/* A single unsafe thing at the start is a piece of its own. */
	if (u[0] < 0x20 || u[0] == 0x7f || (!utf8 && u[0] >= 0x80)) {
		set_escape(p, u[0], 1, 1);
		return 1;
	}
	if (utf8 && u[0] >= 0x80) {
		len = utf8_decode(u, n, &c);
		if (len == 0) {
			set_escape(p, u[0], 1, 1);
			return 1;
		}
		if (esc_codepoint_unsafe(c)) {
			set_escape(p, c, 0, len);
			return len;
		}
	}
	/* Otherwise the longest run of printable text. */
	while (i < n) {
		if (u[i] < 0x20 || u[i] == 0x7f)
			break;
		if (u[i] < 0x80) {
			i++;
			width++;
			continue;
		}
		if (!utf8)
			break;
		len = utf8_decode(u + i, n - i, &c);
		if (len == 0 || esc_codepoint_unsafe(c))
			break;
		w = wcwidth((wchar_t)c);
		/* Unassigned or non-printable per the C library: shown as an
		 * escape too, rather than guessed at. */
		if (w < 0) {
			if (i == 0) {
				set_escape(p, c, 0, len);
				return len;
			}
			break;
		}
		width += w;
		i += len;
	}
	p->text = s;
	p->len = i;
	p->consumed = i;
	p->width = width;
	return i;
}

void
esc_append(struct buf *b, const char *s, size_t n, int utf8,
    int keep_newlines)
{
	struct esc_piece p;
	size_t k;

	while ((k = esc_next(s, n, utf8, &p)) > 0) {
		if (p.tab)
			buf_putc(b, ' ');
		else if (p.newline && keep_newlines)
			buf_putc(b, '\n');
		else if (p.newline)
			buf_puts(b, "\\x0a");
		else
			buf_append(b, p.text, p.len);
		s += k;
		n -= k;
	}
}

char *
esc_utf8_repair(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, k;
	unsigned long c;
	struct buf b;

	buf_init(&b);
	while (i < n) {
		k = utf8_decode(u + i, n - i, &c);
		if (k == 0) {
			buf_puts(&b, "\xef\xbf\xbd");
			i++;
		} else {
			buf_append(&b, s + i, k);
			i += k;
		}
	}
	return buf_steal(&b);
}
