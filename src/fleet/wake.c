/*
 * wake.c - see wake.h.
 */
#include "fleet/wake.h"

#include <stdlib.h>
#include <string.h>

#include "fleet/exception.h"
#include "fleet/tz.h"
#include "fleet/window.h"
#include "util/util.h"

char *
fleet_wake_tag_format(const char *window, struct fleet_date date)
{
	char d[16];

	if (window == NULL || window[0] == '\0' ||
	    strlen(window) + 11 > FLEET_WAKE_TAG_MAX)
		return NULL;
	fleet_date_format(date, d, sizeof d);
	return xasprintf("%s@%s", window, d);
}

int
fleet_wake_tag_parse(const char *value, char **window,
    struct fleet_date *date)
{
	const char *at;
	struct fleet_date d;

	if (value == NULL || (at = strrchr(value, '@')) == NULL ||
	    at == value || fleet_date_parse(at + 1, &d) != 0)
		return -1;
	*window = xstrndup(value, (size_t)(at - value));
	*date = d;
	return 0;
}

static const char *const action_names[] = {
	[FLEET_WAKE_NONE] = "none",
	[FLEET_WAKE_START] = "start",
	[FLEET_WAKE_WAIT] = "wait",
	[FLEET_WAKE_RUNNING] = "running",
	[FLEET_WAKE_BUSY] = "busy",
	[FLEET_WAKE_EXCEPTED] = "excepted",
	[FLEET_WAKE_STOP] = "stop",
	[FLEET_WAKE_UNTAG] = "untag",
};

const char *
fleet_wake_action_name(enum fleet_wake_action a)
{
	if ((size_t)a >= sizeof action_names / sizeof action_names[0])
		return "?";
	return action_names[a];
}

int
fleet_wake_action_changes(enum fleet_wake_action a)
{
	return a == FLEET_WAKE_START || a == FLEET_WAKE_STOP ||
	    a == FLEET_WAKE_UNTAG;
}

static int
is(const char *v, const char *want)
{
	return v != NULL && strcmp(v, want) == 0;
}

static int
gone(const char *state)
{
	return is(state, "terminated") || is(state, "shutting-down");
}

int
fleet_wake_excepted(const struct fleet_wake_when *w, const char *id)
{
	struct fleet_date us, ue, s, e;
	size_t first, n, i;

	if (w->exc == NULL || id == NULL)
		return 0;
	us = ue = w->date;
	if (w->end > w->start) {
		us = fleet_date_of_utc(w->start);
		ue = fleet_date_of_utc(w->end - 1);
	}
	n = fleet_exceptions_of(w->exc, w->nexc, id, &first);
	for (i = first; i < first + n; i++) {
		const struct fleet_exception *x = &w->exc[i];

		if (!fleet_exception_is_approved(x, w->max_days) ||
		    fleet_exception_dates(x, &s, &e) != 0)
			continue;
		if (fleet_date_cmp(s, w->date) <= 0 &&
		    fleet_date_cmp(w->date, e) <= 0)
			return 1;
		/* the UTC dates [us, ue] overlap [s, e] */
		if (fleet_date_cmp(s, ue) <= 0 && fleet_date_cmp(us, e) <= 0)
			return 1;
	}
	return 0;
}

enum fleet_wake_action
fleet_wake_decide(const struct fleet_wake_in *in,
    const struct fleet_wake_when *w, const char **why)
{
	*why = "";
	if (in->window_tag == NULL || strcmp(in->window_tag, w->window) != 0 ||
	    gone(in->state))
		return FLEET_WAKE_NONE;
	if (is(in->state, "running") || is(in->state, "pending")) {
		if (is(in->started_for, w->tag)) {
			*why = "started for this window by an earlier prepare";
			return FLEET_WAKE_WAIT;
		}
		if (is(in->state, "pending")) {
			*why = "starting, not by patchdeck";
			return FLEET_WAKE_BUSY;
		}
		*why = "running before prepare; never stopped by undo";
		return FLEET_WAKE_RUNNING;
	}
	if (!is(in->state, "stopped")) {
		*why = "stopping: cannot be started until it has stopped";
		return FLEET_WAKE_BUSY;
	}
	if (fleet_wake_excepted(w, in->id)) {
		*why = "an approved exception covers the night";
		return FLEET_WAKE_EXCEPTED;
	}
	*why = "stopped";
	return FLEET_WAKE_START;
}

enum fleet_wake_action
fleet_wake_decide_undo(const struct fleet_wake_in *in, const char *tag)
{
	if (!is(in->started_for, tag) || gone(in->state))
		return FLEET_WAKE_NONE;
	if (is(in->state, "running") || is(in->state, "pending"))
		return FLEET_WAKE_STOP;
	return FLEET_WAKE_UNTAG;
}
