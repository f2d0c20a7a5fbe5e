/*
 * escape.c - see escape.h.
 */
/* wcwidth() is X/Open. */
#define _XOPEN_SOURCE 700

#include "util/escape.h"

#include <sys/types.h>

#include <langinfo.h>
#include <stddef.h>
#include <stdint.h>
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

void
esc_printf(struct buf *b, int utf8, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	esc_vprintf(b, utf8, fmt, ap);
	va_end(ap);
}

/* The one place a format that is not a literal is used: a conversion
 * specification of esc_vprintf()'s own format, rebuilt with its '*'
 * values written out, applied to the one argument it takes. */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#endif
static void
emit_arg(struct buf *b, const char *spec, char conv, const char *len,
    va_list *ap)
{
	int l = len[0], ll = len[0] != '\0' && len[1] != '\0';

	switch (conv) {
	case 'd':
	case 'i':
		if (l == 'l' && ll)
			buf_printf(b, spec, va_arg(*ap, long long));
		else if (l == 'l')
			buf_printf(b, spec, va_arg(*ap, long));
		else if (l == 'z')
			buf_printf(b, spec, va_arg(*ap, ssize_t));
		else if (l == 'j')
			buf_printf(b, spec, va_arg(*ap, intmax_t));
		else if (l == 't')
			buf_printf(b, spec, va_arg(*ap, ptrdiff_t));
		else
			buf_printf(b, spec, va_arg(*ap, int));
		break;
	case 'u':
	case 'o':
	case 'x':
	case 'X':
		if (l == 'l' && ll)
			buf_printf(b, spec, va_arg(*ap, unsigned long long));
		else if (l == 'l')
			buf_printf(b, spec, va_arg(*ap, unsigned long));
		else if (l == 'z')
			buf_printf(b, spec, va_arg(*ap, size_t));
		else if (l == 'j')
			buf_printf(b, spec, va_arg(*ap, uintmax_t));
		else if (l == 't')
			buf_printf(b, spec, va_arg(*ap, ptrdiff_t));
		else
			buf_printf(b, spec, va_arg(*ap, unsigned int));
		break;
	case 'e':
	case 'E':
	case 'f':
	case 'F':
	case 'g':
	case 'G':
	case 'a':
	case 'A':
		if (l == 'L')
			buf_printf(b, spec, va_arg(*ap, long double));
		else
			buf_printf(b, spec, va_arg(*ap, double));
		break;
	case 'p':
		buf_printf(b, spec, va_arg(*ap, void *));
		break;
	case 's':
		/* Here the argument is the escaped text (see below). */
		buf_printf(b, spec, va_arg(*ap, const char *));
		break;
	default:
		util_fatal("esc_printf: conversion '%c' not supported", conv);
	}
}

static void
emit_str(struct buf *b, const char *spec, ...)
{
	va_list ap;

	va_start(ap, spec);
	emit_arg(b, spec, 's', "", &ap);
	va_end(ap);
}
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

void
esc_vprintf(struct buf *b, int utf8, const char *fmt, va_list ap)
{
	const char *p = fmt, *q;
	struct buf spec, val;
	char len[3], conv, c;
	va_list aq;
	int n;

	va_copy(aq, ap);
	buf_init(&spec);
	buf_init(&val);
	while (*p != '\0') {
		if (*p != '%') {
			q = strchr(p, '%');
			if (q == NULL)
				q = p + strlen(p);
			buf_append(b, p, (size_t)(q - p));
			p = q;
			continue;
		}
		if (p[1] == '%') {
			buf_putc(b, '%');
			p += 2;
			continue;
		}
		/* %[flags][width][.precision][length]conversion, '*' values
		 * written into the specification. */
		buf_reset(&spec);
		buf_putc(&spec, '%');
		p++;
		while (*p != '\0' && strchr("-+ #0", *p) != NULL)
			buf_putc(&spec, *p++);
		if (*p == '*') {
			n = va_arg(aq, int);
			buf_printf(&spec, "%s%d", n < 0 ? "-" : "",
			    n < 0 ? -n : n);
			p++;
		} else {
			while (*p >= '0' && *p <= '9')
				buf_putc(&spec, *p++);
		}
		if (*p == '.') {
			p++;
			if (*p == '*') {
				n = va_arg(aq, int);
				if (n >= 0)
					buf_printf(&spec, ".%d", n);
				p++;
			} else {
				buf_putc(&spec, '.');
				while (*p >= '0' && *p <= '9')
					buf_putc(&spec, *p++);
			}
		}
		memset(len, 0, sizeof len);
		if ((p[0] == 'h' && p[1] == 'h') || (p[0] == 'l' &&
		    p[1] == 'l')) {
			len[0] = p[0];
			len[1] = p[1];
			p += 2;
		} else if (*p != '\0' && strchr("hlzjtL", *p) != NULL) {
			len[0] = *p++;
		}
		conv = *p;
		if (conv == '\0')
			util_fatal("esc_printf: format ends inside a "
			    "conversion");
		p++;
		if (conv == 's' || conv == 'c') {
			const char *v;

			buf_reset(&val);
			if (conv == 'c') {
				c = (char)va_arg(aq, int);
				esc_append(&val, &c, 1, utf8, 0);
			} else {
				v = va_arg(aq, const char *);
				if (v == NULL)
					v = "(null)";
				esc_append(&val, v, strlen(v), utf8, 0);
			}
			buf_putc(&spec, 's');
			emit_str(b, spec.data, val.data != NULL ? val.data :
			    "");
			continue;
		}
		buf_puts(&spec, len);
		buf_putc(&spec, conv);
		emit_arg(b, spec.data, conv, len, &aq);
	}
	va_end(aq);
	buf_free(&spec);
	buf_free(&val);
}

void
esc_append_strict(struct buf *b, const char *s, size_t n, int utf8)
{
	const unsigned char *u = (const unsigned char *)s;
	struct esc_piece p;
	size_t i = 0, k;
	unsigned long c;

	/* Not esc_next(): what is escaped here must not depend on the
	 * locale's wcwidth(), or a cron job's C locale would escape every
	 * accent of machine output. */
	while (i < n) {
		if (u[i] >= 0x20 && u[i] < 0x7f) {
			for (k = i; k < n && u[k] >= 0x20 && u[k] < 0x7f; k++)
				;
			buf_append(b, s + i, k - i);
			i = k;
			continue;
		}
		k = u[i] < 0x80 || !utf8 ? 0 : utf8_decode(u + i, n - i, &c);
		if (k == 0) {
			set_escape(&p, u[i], 1, 1);
			k = 1;
		} else if (esc_codepoint_unsafe(c)) {
			set_escape(&p, c, 0, k);
		} else {
			buf_append(b, s + i, k);
			i += k;
			continue;
		}
		buf_append(b, p.text, p.len);
		i += k;
	}
}

char *
esc_json_text(const char *json)
{
	const unsigned char *u = (const unsigned char *)json;
	size_t n = strlen(json), i = 0, k;
	unsigned long c, v;
	struct buf b;

	buf_init(&b);
	while (i < n) {
		if (u[i] < 0x7f) {
			k = i;
			while (k < n && u[k] < 0x7f)
				k++;
			buf_append(&b, json + i, k - i);
			i = k;
			continue;
		}
		k = utf8_decode(u + i, n - i, &c);
		if (k == 0) {
			buf_puts(&b, "\xef\xbf\xbd");
			i++;
			continue;
		}
		if (!esc_codepoint_unsafe(c)) {
			buf_append(&b, json + i, k);
		} else if (c <= 0xffff) {
			buf_printf(&b, "\\u%04lx", c);
		} else {
			v = c - 0x10000;
			buf_printf(&b, "\\u%04lx\\u%04lx", 0xd800 + (v >> 10),
			    0xdc00 + (v & 0x3ff));
		}
		i += k;
	}
	return buf_steal(&b);
}
