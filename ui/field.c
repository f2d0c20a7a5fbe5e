/*
 * field.c - see field.h.
 */
#include "field.h"

#include <limits.h>
#include <string.h>
#include <wchar.h>

#include "util/escape.h"

void
ui_field_set(struct ui_field *f, const char *s)
{
	buf_reset(&f->text);
	if (s != NULL)
		buf_puts(&f->text, s);
	f->pos = f->text.len;
}

void
ui_field_free(struct ui_field *f)
{
	buf_free(&f->text);
	f->pos = 0;
}

const char *
ui_field_text(const struct ui_field *f)
{
	return f->text.data != NULL ? f->text.data : "";
}

/* The start of the character before byte p. */
static size_t
prev_char(const struct ui_field *f, size_t p)
{
	const unsigned char *s = (const unsigned char *)f->text.data;

	if (p == 0)
		return 0;
	p--;
	while (p > 0 && ui_utf8() && (s[p] & 0xc0) == 0x80)
		p--;
	return p;
}

/* The start of the character after the one at byte p. */
static size_t
next_char(const struct ui_field *f, size_t p)
{
	const unsigned char *s = (const unsigned char *)f->text.data;

	if (p >= f->text.len)
		return f->text.len;
	p++;
	while (p < f->text.len && ui_utf8() && (s[p] & 0xc0) == 0x80)
		p++;
	return p;
}

/* Removes bytes [from, to) and leaves the cursor at from. */
static void
cut(struct ui_field *f, size_t from, size_t to)
{
	if (to <= from)
		return;
	memmove(f->text.data + from, f->text.data + to, f->text.len - to);
	f->text.len -= to - from;
	f->text.data[f->text.len] = '\0';
	f->pos = from;
}

int
ui_field_insert(struct ui_field *f, int ch)
{
	char mb[MB_LEN_MAX];
	mbstate_t st;
	size_t k, tail;

	if (ch < 0x20 || ch == 0x7f || esc_codepoint_unsafe((unsigned long)ch))
		return 0;
	if (ui_utf8()) {
		memset(&st, 0, sizeof st);
		k = wcrtomb(mb, (wchar_t)ch, &st);
		if (k == (size_t)-1)
			return 0;
	} else {
		if (ch > 0xff)
			return 0;
		mb[0] = (char)ch;
		k = 1;
	}
	if (f->max > 0 && f->text.len + k > f->max)
		return 0;
	tail = f->text.len - f->pos;
	buf_append(&f->text, mb, k);	/* room; moved into place below */
	memmove(f->text.data + f->pos + k, f->text.data + f->pos, tail);
	memcpy(f->text.data + f->pos, mb, k);
	f->pos += k;
	return 1;
}

int
ui_field_edit(struct ui_field *f, enum ui_field_op op)
{
	size_t p;

	switch (op) {
	case UI_FIELD_LEFT:
		f->pos = prev_char(f, f->pos);
		return 0;
	case UI_FIELD_RIGHT:
		f->pos = next_char(f, f->pos);
		return 0;
	case UI_FIELD_HOME:
		f->pos = 0;
		return 0;
	case UI_FIELD_END:
		f->pos = f->text.len;
		return 0;
	case UI_FIELD_ERASE:
		if (f->pos == 0)
			return 0;
		cut(f, prev_char(f, f->pos), f->pos);
		return 1;
	case UI_FIELD_DELETE:
		if (f->pos >= f->text.len)
			return 0;
		cut(f, f->pos, next_char(f, f->pos));
		return 1;
	case UI_FIELD_ERASE_WORD:
		/* The spaces before the cursor, then the word before them,
		 * as a shell's Ctrl-W. */
		p = f->pos;
		while (p > 0 && f->text.data[p - 1] == ' ')
			p--;
		while (p > 0 && f->text.data[p - 1] != ' ')
			p = prev_char(f, p);
		if (p == f->pos)
			return 0;
		cut(f, p, f->pos);
		return 1;
	case UI_FIELD_CLEAR:
		if (f->text.len == 0)
			return 0;
		cut(f, 0, f->text.len);
		return 1;
	}
	return 0;
}

int
ui_field_key_op(int ch, int is_key)
{
	if (is_key) {
		switch (ch) {
		case KEY_LEFT:
			return UI_FIELD_LEFT;
		case KEY_RIGHT:
			return UI_FIELD_RIGHT;
		case KEY_HOME:
		case KEY_FIND:
			return UI_FIELD_HOME;
		case KEY_END:
		case KEY_SELECT:
			return UI_FIELD_END;
		case KEY_BACKSPACE:
			return UI_FIELD_ERASE;
		case KEY_DC:
			return UI_FIELD_DELETE;
		}
		return -1;
	}
	switch (ch) {
	case 1:		/* Ctrl-A */
		return UI_FIELD_HOME;
	case 5:		/* Ctrl-E */
		return UI_FIELD_END;
	case 2:		/* Ctrl-B */
		return UI_FIELD_LEFT;
	case 6:		/* Ctrl-F */
		return UI_FIELD_RIGHT;
	case 127:
	case 8:
		return UI_FIELD_ERASE;
	case 23:	/* Ctrl-W */
		return UI_FIELD_ERASE_WORD;
	case 21:	/* Ctrl-U */
		return UI_FIELD_CLEAR;
	}
	return -1;
}

void
ui_field_draw(const struct ui_field *f, WINDOW *w, int y, int x, int width,
    attr_t a, int focus)
{
	const char *s = ui_field_text(f);
	size_t st = 0, end;
	int mark = 0, cx;

	if (width <= 0)
		return;
	/* Scrolled so that what is before the cursor, and the cursor's own
	 * cell, fit: an ellipsis says that the start is hidden. */
	while (st < f->pos && mark + ui_text_width(s + st, f->pos - st) >
	    width - (focus ? 1 : 0)) {
		st = next_char(f, st);
		mark = 1;
	}
	ui_text(w, y, x, width, "", 0, a, 1);
	if (mark) {
		wmove(w, y, x);
		wattrset(w, a);
		waddstr(w, ui_utf8() ? "\xe2\x80\xa6" : "~");
	}
	ui_text(w, y, x + mark, width - mark, s + st, f->text.len - st, a, 1);
	if (!focus)
		return;
	cx = x + mark + ui_text_width(s + st, f->pos - st);
	if (cx >= x + width)
		return;
	end = next_char(f, f->pos);
	if (end > f->pos)
		ui_text(w, y, cx, x + width - cx < 2 ? 1 : 2, s + f->pos,
		    end - f->pos, a | A_REVERSE, 0);
	else
		ui_text(w, y, cx, 1, " ", 1, a | A_REVERSE, 0);
}
