/*
 * views.h - the console's views and the actions they share.
 */
#ifndef PATCHDECK_VIEWS_H
#define PATCHDECK_VIEWS_H

#include "ui.h"

struct app;

/* The instances table; *self is owned by the caller (the base view). */
const struct view *view_instances_new(struct app *a, void **self);
/* The id under the cursor (borrowed), or NULL; and the reverse. */
const char *view_instances_current(void *self);
void view_instances_select(void *self, const char *id);

/* Pushes the drill-down of one instance. */
void view_detail_push(struct ui *ui, struct app *a, const char *id,
    const char *region);

/* Self-service on the marked instances: asks, confirms, acts. */
void selfservice_assign(struct ui *ui, struct app *a);
void selfservice_clear(struct ui *ui, struct app *a);

#endif
