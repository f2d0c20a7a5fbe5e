/*
 * field.h - a line of text being typed, with a cursor: the ':' and '/'
 * prompts, the confirmation's typed count and the request form all edit
 * through it, so every text field takes the same keys (readline's and
 * less's: Left, Right, Home, End, Backspace, Ctrl-W, Ctrl-U) and shows
 * where the typing goes.  The names start with ui_ as draw.h's do: the
 * console's layer, one file per part.
 */
#ifndef PATCHDECK_FIELD_H
#define PATCHDECK_FIELD_H

#include <stddef.h>

#include "draw.h"
#include "util/util.h"

/* text is UTF-8 (bytes without a UTF-8 locale); pos is a byte offset at
 * the start of a character, 0 <= pos <= text.len.  max bounds text.len
 * (0: no bound).  Zeroed memory is an empty field. */
struct ui_field {
	struct buf text;
	size_t pos;
	size_t max;
};

/* The edits a key can ask for. */
enum ui_field_op {
	UI_FIELD_LEFT, UI_FIELD_RIGHT, UI_FIELD_HOME, UI_FIELD_END,
	UI_FIELD_ERASE,		/* the character before the cursor */
	UI_FIELD_DELETE,	/* the character under it */
	UI_FIELD_ERASE_WORD,	/* Ctrl-W: back to the start of the word */
	UI_FIELD_CLEAR		/* Ctrl-U */
};

/* Replaces the text (NULL: empty), the cursor at its end. */
void ui_field_set(struct ui_field *f, const char *s);
void ui_field_free(struct ui_field *f);
/* The text, never NULL; valid until the next edit. */
const char *ui_field_text(const struct ui_field *f);
/* Inserts a typed character (a code point) at the cursor; a control or
 * unsafe character, or one past max, is refused.  Returns 1 if the text
 * changed. */
int ui_field_insert(struct ui_field *f, int ch);
/* Returns 1 if the text changed (a move changes none). */
int ui_field_edit(struct ui_field *f, enum ui_field_op op);
/*
 * The edit a key means, or -1: curses keys (is_key) Left, Right, Home,
 * End, Backspace, Delete; characters Ctrl-A, Ctrl-E, Ctrl-B, Ctrl-F,
 * Backspace (127, 8), Ctrl-W, Ctrl-U.
 */
int ui_field_key_op(int ch, int is_key);
/* Draws the text in width columns at y, x, in a, scrolled so the cursor
 * shows; with focus, the cursor as a reversed cell.  Pads to width. */
void ui_field_draw(const struct ui_field *f, WINDOW *w, int y, int x,
    int width, attr_t a, int focus);

#endif
