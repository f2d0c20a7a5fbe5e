/*
 * draw.c - see draw.h.
 */
/* wcwidth() is X/Open; the ncursesw flags already ask for it. */
#include "draw.h"

#include <string.h>
#include <wchar.h>

#include "util/escape.h"

static int use_color;
static int utf8;

static const short fgs[] = {
#define X(name, fg, bg, a, mono) fg,
	UI_COLORS
#undef X
};
static const short bgs[] = {
#define X(name, fg, bg, a, mono) bg,
	UI_COLORS
#undef X
};
static const attr_t with_color[] = {
#define X(name, fg, bg, a, mono) a,
	UI_COLORS
#undef X
};
static const attr_t mono[] = {
#define X(name, fg, bg, a, m) m,
	UI_COLORS
#undef X
};

void
ui_colors_init(int no_color)
{
	int i;

	use_color = 0;
	if (no_color || !has_colors() || start_color() == ERR)
		return;
	use_default_colors();
	for (i = 1; i < C_COUNT; i++)
		init_pair((short)i, fgs[i], bgs[i]);
	use_color = 1;
}

attr_t
ui_attr(enum ui_color c)
{
	if (use_color)
		return with_color[c] | (c > 0 ? COLOR_PAIR(c) : 0);
	return mono[c];
}

void
ui_set_utf8(int on)
{
	utf8 = on;
}

int
ui_utf8(void)
{
	return utf8;
}

/* Draws the longest prefix of a printable run that fits in cols columns;
 * returns the columns drawn. */
static int
put_run(WINDOW *w, const char *s, size_t len, int run_width, int cols)
{
	mbstate_t st;
	wchar_t wc;
	size_t i = 0, k;
	int used = 0, cw;

	if (run_width <= cols) {
		waddnstr(w, s, (int)len);
		return run_width;
	}
	if (!utf8) {
		waddnstr(w, s, cols);
		return cols;
	}
	memset(&st, 0, sizeof st);
	while (i < len) {
		k = mbrtowc(&wc, s + i, len - i, &st);
		if (k == 0 || k == (size_t)-1 || k == (size_t)-2)
			break;
		cw = wcwidth(wc);
		if (cw < 0)
			cw = 1;
		if (used + cw > cols)
			break;
		used += cw;
		i += k;
	}
	if (i > 0)
		waddnstr(w, s, (int)i);
	return used;
}

/* Whether s is at most width columns wide; stops counting past it. */
static int
fits(const char *s, size_t len, int width)
{
	struct esc_piece p;
	size_t k;
	int used = 0;

	while ((k = esc_next(s, len, utf8, &p)) > 0) {
		used += p.tab ? 1 : p.newline ? 4 : p.width;
		if (used > width)
			return 0;
		s += k;
		len -= k;
	}
	return 1;
}

int
ui_text(WINDOW *w, int y, int x, int width, const char *s, size_t len,
    attr_t a, int pad)
{
	struct esc_piece p;
	size_t k;
	int used = 0, n, cut;

	if (width <= 0)
		return 0;
	if (s == NULL)
		s = "";
	if (len == (size_t)-1)
		len = strlen(s);
	/* A value cut short ends in an ellipsis, so that a cut id never
	 * reads as another, whole one. */
	cut = !fits(s, len, width);
	if (cut)
		width--;
	wmove(w, y, x);
	while (used < width && (k = esc_next(s, len, utf8, &p)) > 0) {
		if (p.tab) {
			wattrset(w, a);
			waddch(w, ' ');
			used++;
		} else if (p.newline || p.escaped) {
			const char *t = p.newline ? "\\x0a" : p.text;
			int tw = (int)strlen(t);

			if (tw > width - used)
				tw = width - used;
			wattrset(w, ui_attr(C_ESCAPE));
			waddnstr(w, t, tw);
			used += tw;
		} else {
			wattrset(w, a);
			n = put_run(w, p.text, p.len, p.width, width - used);
			used += n;
			if (n < p.width)
				break;
		}
		s += k;
		len -= k;
	}
	wattrset(w, a);
	if (cut) {
		/* A wide character that did not fit leaves a column more. */
		for (; used < width; used++)
			waddch(w, ' ');
		waddstr(w, utf8 ? "\xe2\x80\xa6" : "~");
		used++;
		width++;
	}
	if (pad) {
		for (n = used; n < width; n++)
			waddch(w, ' ');
	}
	return used;
}

int
ui_text_tail(WINDOW *w, int y, int x, int width, const char *s, size_t len,
    attr_t a, int pad)
{
	int mark = 0;

	if (width <= 0)
		return 0;
	if (s == NULL)
		s = "";
	if (len == (size_t)-1)
		len = strlen(s);
	while (len > 0 && !fits(s, len, width - mark)) {
		/* One character off the front: past its continuation bytes. */
		do {
			s++;
			len--;
		} while (len > 0 && utf8 && ((unsigned char)*s & 0xc0) == 0x80);
		mark = 1;
	}
	if (!mark)
		return ui_text(w, y, x, width, s, len, a, pad);
	wmove(w, y, x);
	wattrset(w, a);
	waddstr(w, utf8 ? "\xe2\x80\xa6" : "~");
	return 1 + ui_text(w, y, x + 1, width - 1, s, len, a, pad);
}

int
ui_text_width(const char *s, size_t len)
{
	struct esc_piece p;
	size_t k;
	int width = 0;

	if (s == NULL)
		return 0;
	if (len == (size_t)-1)
		len = strlen(s);
	while ((k = esc_next(s, len, utf8, &p)) > 0) {
		if (p.tab)
			width += 1;
		else if (p.newline)
			width += 4;
		else
			width += p.width;
		s += k;
		len -= k;
	}
	return width;
}

void
ui_hline(WINDOW *w, int y, int x, int width, attr_t a)
{
	int i;

	wattrset(w, a);
	if (utf8) {
		mvwhline_set(w, y, x, WACS_HLINE, width);
		return;
	}
	wmove(w, y, x);
	for (i = 0; i < width; i++)
		waddch(w, '-');
}

void
ui_vline(WINDOW *w, int y, int x, int height, attr_t a)
{
	int i;

	wattrset(w, a);
	if (utf8) {
		mvwvline_set(w, y, x, WACS_VLINE, height);
		return;
	}
	for (i = 0; i < height; i++)
		mvwaddch(w, y + i, x, '|');
}
