/*
 * selfservice.c - the console's window assignment on marked instances.
 */
#include "views.h"

#include "app.h"

void
selfservice_assign(struct ui *ui, struct app *a)
{
	(void)a;
	ui_message(ui, 1, "window assignment is being wired in");
}

void
selfservice_clear(struct ui *ui, struct app *a)
{
	(void)a;
	ui_message(ui, 1, "window assignment is being wired in");
}
