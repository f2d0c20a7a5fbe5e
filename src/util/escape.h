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

#include <stdarg.h>
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

/*
 * printf() into b for a line meant for people: the format is patchdeck's
 * own and is written as is; every %s and %c argument is outside text and is
 * appended escaped as esc_append() does for one line (TAB as one space, LF
 * as \x0a), so no value can draw, move the cursor or start a line of its
 * own.  Width and precision count bytes of the escaped text.  %n is refused.
 */
void esc_printf(struct buf *b, int utf8, const char *fmt, ...)
    UTIL_PRINTF(3, 4);
void esc_vprintf(struct buf *b, int utf8, const char *fmt, va_list ap)
    UTIL_PRINTF(3, 0);

/*
 * Appends s to b with C0 controls (TAB and LF included: "\x09", "\x0a"),
 * DEL, invalid UTF-8 bytes and the code points esc_codepoint_unsafe() names
 * shown as visible escapes, whatever the locale deems printable: for a CSV
 * cell, which must stay on its line and hold no control (cli_csv_field()).
 */
void esc_append_strict(struct buf *b, const char *s, size_t n, int utf8);

/*
 * A JSON text (as cJSON prints it) made safe to write anywhere, newly
 * allocated: invalid UTF-8 becomes U+FFFD, and DEL, C1 controls and the
 * format and separator characters esc_codepoint_unsafe() names (bidi,
 * zero-width, U+2028/2029, BOM, tag characters) become \uXXXX escapes
 * (surrogate pairs above U+FFFF).  Such characters only stand inside
 * strings, so the text parses to the same values: machine output keeps the
 * raw value, and a terminal or a log viewer shows the escape.
 */
char *esc_json_text(const char *json);

/* Non-zero if the locale's character set is UTF-8. */
int esc_locale_utf8(void);

/* Non-zero if code point c must be escaped (control or format char). */
int esc_codepoint_unsafe(unsigned long c);

#endif
