/*
 * draw.h - colours named by meaning, and the only way text reaches the
 * screen: ui_text() escapes everything unsafe (DESIGN.md section 9) and
 * never writes past the width it is given.
 */
#ifndef PATCHDECK_DRAW_H
#define PATCHDECK_DRAW_H

#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <stddef.h>

/* name, foreground, background, attribute with colour, without colour */
#define UI_COLORS \
	X(C_NORMAL, -1, -1, A_NORMAL, A_NORMAL) \
	X(C_TITLE, COLOR_BLACK, COLOR_CYAN, A_BOLD, A_REVERSE | A_BOLD) \
	X(C_HEADER, COLOR_CYAN, -1, A_BOLD, A_BOLD | A_UNDERLINE) \
	X(C_STATUS, COLOR_BLACK, COLOR_WHITE, A_NORMAL, A_REVERSE) \
	X(C_CURSOR, COLOR_BLACK, COLOR_YELLOW, A_NORMAL, A_REVERSE) \
	X(C_MARKED, COLOR_MAGENTA, -1, A_BOLD, A_BOLD) \
	X(C_OK, COLOR_GREEN, -1, A_NORMAL, A_NORMAL) \
	X(C_FAILED, COLOR_RED, -1, A_BOLD, A_BOLD) \
	X(C_STALE, COLOR_YELLOW, -1, A_NORMAL, A_DIM) \
	X(C_EXCEPTED, COLOR_BLUE, -1, A_BOLD, A_BOLD) \
	X(C_DIM, COLOR_WHITE, -1, A_DIM, A_DIM) \
	X(C_ESCAPE, COLOR_RED, -1, A_REVERSE, A_UNDERLINE) \
	X(C_PROMPT, COLOR_YELLOW, -1, A_BOLD, A_BOLD) \
	X(C_DIALOG, COLOR_WHITE, COLOR_BLUE, A_NORMAL, A_REVERSE)

enum ui_color {
#define X(name, fg, bg, a, mono) name,
	UI_COLORS
#undef X
	C_COUNT
};

/* Sets up colour pairs unless no_color (NO_COLOR, --no-color) or the
 * terminal has none; then the monochrome attributes are used. */
void ui_colors_init(int no_color);
attr_t ui_attr(enum ui_color c);

/* Whether to decode UTF-8 and draw Unicode lines (set from the locale). */
void ui_set_utf8(int utf8);
int ui_utf8(void);

/*
 * Draws len bytes of s (len (size_t)-1: up to the NUL) at y, x in at most
 * width columns, in attribute a; unsafe characters as visible escapes in
 * C_ESCAPE; TAB as a space; LF as an escape.  A text wider than width
 * ends in an ellipsis ("~" without UTF-8) in its last column.  Returns
 * the columns used.  With pad, fills the rest of width with spaces in a.
 */
int ui_text(WINDOW *w, int y, int x, int width, const char *s, size_t len,
    attr_t a, int pad);

/* ui_text() for text being typed: when it is wider than width, its end
 * (where the typing is) after an ellipsis, instead of its start. */
int ui_text_tail(WINDOW *w, int y, int x, int width, const char *s,
    size_t len, attr_t a, int pad);

/* The display width ui_text() would use for s (escapes counted). */
int ui_text_width(const char *s, size_t len);

/* A horizontal line of width columns (ASCII '-' without UTF-8). */
void ui_hline(WINDOW *w, int y, int x, int width, attr_t a);
/* A vertical line (ASCII '|' without UTF-8). */
void ui_vline(WINDOW *w, int y, int x, int height, attr_t a);

#endif
