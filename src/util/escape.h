/*
 * escape.h - outside text made safe to show (DESIGN.md section 9).
 *
 * Text from outside (tag values, names, command output, error messages) is
 * cut into pieces: runs of printable text, and single things that must not
 * reach a terminal, shown as visible escapes: C0 controls and DEL
 * ("\x1b"), C1 controls U+0080-U+009F ("\u009b"), invalid UTF-8 bytes
 * ("\xff"), and Unicode format and separator characters: bidi embeddings,
 * overrides and isolates, zero-width characters, the BOM, line and
 * paragraph separators, tag characters ("\u202e", "\U000e0001").  Nothing is
 * filtered as "safe": every such character is escaped, always.
 *
 * Without a UTF-8 locale every byte >= 0x80 is escaped as "\xNN".
 */
#ifndef PATCHDECK_ESCAPE_H
#define PATCHDECK_ESCAPE_H

#include <stddef.h>

#include "util/util.h"

struct esc_piece {
	const char *text;	/* the run (plain) or the escape text */
	size_t len;
	size_t consumed;	/* input bytes this piece covers */
	int escaped;		/* non-zero: draw in the escape attribute */
	int tab;		/* the piece is a TAB (plain == 0) */
	int newline;		/* the piece is a LF */
	int width;		/* display columns (plain runs: per wcwidth) */
	char buf[24];		/* storage for escape text */
};

/*
 * The next piece of s[0..n).  utf8 says whether to decode UTF-8.  Returns
 * the bytes consumed (0 at the end).  TAB and LF come back as their own
 * pieces, with tab/newline set and escaped clear, so the caller decides
 * (expand, break the line, or escape them with esc_control()).
 */
size_t esc_next(const char *s, size_t n, int utf8, struct esc_piece *p);

/* Appends the whole of s, escaped, to b; TAB becomes one space and LF is
 * escaped ("\n" shown as \x0a) unless keep_newlines.  For one-line output. */
void esc_append(struct buf *b, const char *s, size_t n, int utf8,
    int keep_newlines);

/*
 * s as valid UTF-8, newly allocated: each byte that starts no valid
 * sequence becomes U+FFFD.  For JSON output, which must be UTF-8 text
 * (RFC 8259): AWS values are UTF-8, so only a value that was already
 * broken changes, and it changes visibly.
 */
char *esc_utf8_repair(const char *s);

/* Non-zero if the locale's character set is UTF-8. */
int esc_locale_utf8(void);

/* Non-zero if code point c must be escaped (control or format char). */
int esc_codepoint_unsafe(unsigned long c);

#endif
