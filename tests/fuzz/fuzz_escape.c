/*
 * fuzz_escape.c - the terminal escaper (escape.h), with and without
 * UTF-8.  Checked on what it writes, not only that it does not crash:
 *   esc_append: no C0 byte (nor LF unless kept) and no DEL; with UTF-8,
 *     valid UTF-8 with no C1 and no code point esc_codepoint_unsafe()
 *     names; without, ASCII only;
 *   esc_next: pieces cover the input exactly, each at least one byte;
 *   esc_utf8_repair: valid UTF-8.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/escape.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decodes one UTF-8 sequence at s[0..n) into *cp; its length, or 0 if it
 * is not valid (overlong, surrogate, past U+10FFFF, cut). */
static size_t
utf8_one(const unsigned char *s, size_t n, unsigned long *cp)
{
	size_t len, i;
	unsigned long c;

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
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return len;
}

static void
check_out(const char *s, size_t n, int utf8, int keep_newlines)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp;
	size_t i = 0, l;

	while (i < n) {
		if (p[i] == 0x7f || (p[i] < 0x20 &&
		    !(keep_newlines && p[i] == '\n')))
			abort();
		if (!utf8 && p[i] >= 0x80)
			abort();
		if (!utf8 || p[i] < 0x80) {
			i++;
			continue;
		}
		if ((l = utf8_one(p + i, n - i, &cp)) == 0)
			abort();	/* invalid UTF-8 written out */
		if ((cp >= 0x80 && cp <= 0x9f) || esc_codepoint_unsafe(cp))
			abort();	/* C1 or format character let through */
		i += l;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct esc_piece pc;
	struct buf b;
	size_t off, used;
	unsigned long cp;
	char *z, *r;
	int utf8, keep;

	for (utf8 = 0; utf8 < 2; utf8++) {
		for (keep = 0; keep < 2; keep++) {
			buf_init(&b);
			esc_append(&b, s, size, utf8, keep);
			check_out(b.data != NULL ? b.data : "", b.len, utf8,
			    keep);
			buf_free(&b);
		}
		for (off = 0; off < size; off += used) {
			used = esc_next(s + off, size - off, utf8, &pc);
			if (used == 0 || used > size - off ||
			    pc.consumed != used)
				abort();
		}
	}
	z = malloc(size + 1);
	memcpy(z, data, size);
	z[size] = '\0';
	r = esc_utf8_repair(z);
	for (off = 0; r[off] != '\0'; off += used) {
		if ((used = utf8_one((const unsigned char *)r + off,
		    strlen(r + off), &cp)) == 0)
			abort();
	}
	free(r);
	free(z);
	return 0;
}
