/*
 * window.c - see window.h.
 */
#include "fleet/window.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/date.h"
#include "util/util.h"

#define SCHED_MAX_WORDS 8
/* "About 14 months": every valid schedule recurs well within this, so
 * running out means the window can never happen. */
#define SEARCH_DAYS 430

static const char *const day_names[7] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat"
};

/* 0..6 for a day name (any case, 3-letter or full), or -1. */
static int
parse_day(const char *w)
{
	static const char *const full[7] = {
		"sunday", "monday", "tuesday", "wednesday", "thursday",
		"friday", "saturday"
	};
	int k;

	for (k = 0; k < 7; k++) {
		if (strcmp(w, day_names[k]) == 0 || strcmp(w, full[k]) == 0)
			return k;
	}
	if (strcmp(w, "tues") == 0)
		return 2;
	if (strcmp(w, "thur") == 0 || strcmp(w, "thurs") == 0)
		return 4;
	return -1;
}

/* 1..5, FLEET_SCHED_LAST, or 0 when w is not an ordinal. */
static int
parse_ordinal(const char *w)
{
	static const char *const num[5] = { "1st", "2nd", "3rd", "4th", "5th" };
	static const char *const word[5] = {
		"first", "second", "third", "fourth", "fifth"
	};
	int k;

	for (k = 0; k < 5; k++) {
		if (strcmp(w, num[k]) == 0 || strcmp(w, word[k]) == 0)
			return k + 1;
	}
	if (strcmp(w, "last") == 0)
		return FLEET_SCHED_LAST;
	return 0;
}

/* HH:MM or H:MM; NULL or a message. */
static const char *
parse_time(const char *w, int *h, int *m)
{
	size_t n = strlen(w);
	const char *colon = strchr(w, ':');
	size_t k;

	if (colon == NULL || (colon - w != 1 && colon - w != 2) ||
	    n - (size_t)(colon - w) != 3)
		return "time must be HH:MM as the last word";
	for (k = 0; k < n; k++) {
		if (w + k != colon && !isdigit((unsigned char)w[k]))
			return "time must be HH:MM as the last word";
	}
	*h = atoi(w);
	*m = atoi(colon + 1);
	if (*h > 23)
		return "hour must be 00-23";
	if (*m > 59)
		return "minute must be 00-59";
	return NULL;
}

/* "+3d" / "-1d"; NULL or a message. */
static const char *
parse_offset(const char *w, int *days)
{
	size_t n = strlen(w), k;
	int v = 0;

	if (n < 3 || n > 4 || (w[0] != '+' && w[0] != '-') || w[n - 1] != 'd')
		return "day offset must look like +3d or -1d";
	for (k = 1; k < n - 1; k++) {
		if (!isdigit((unsigned char)w[k]))
			return "day offset must look like +3d or -1d";
		v = v * 10 + (w[k] - '0');
	}
	if (v > FLEET_SCHED_MAX_OFFSET)
		return "day offset must be within -28d..+28d";
	*days = w[0] == '-' ? -v : v;
	return NULL;
}

/* Adds one comma-separated item ("mon", "mon-fri", "daily") to *mask. */
static int
parse_day_item(const char *item, unsigned *mask)
{
	char a[16], b[16];
	const char *dash = strchr(item, '-');
	int from, to;

	if (strcmp(item, "daily") == 0) {
		*mask |= 0x7f;
		return 0;
	}
	if (dash == NULL) {
		if ((from = parse_day(item)) < 0)
			return -1;
		*mask |= 1u << from;
		return 0;
	}
	if ((size_t)(dash - item) >= sizeof a || strlen(dash + 1) >= sizeof b)
		return -1;
	memcpy(a, item, (size_t)(dash - item));
	a[dash - item] = '\0';
	strcpy(b, dash + 1);
	if ((from = parse_day(a)) < 0 || (to = parse_day(b)) < 0)
		return -1;
	/* A range wraps through the week end: fri-mon is fri,sat,sun,mon. */
	for (;;) {
		*mask |= 1u << from;
		if (from == to)
			break;
		from = (from + 1) % 7;
	}
	return 0;
}

int
fleet_schedule_parse(const char *text, struct fleet_schedule *out,
    char **err)
{
	char *copy, *words[SCHED_MAX_WORDS], *p, *item, *save;
	struct fleet_schedule s;
	const char *why = NULL, *bad = NULL;
	size_t nw = 0, k;
	int ord;

	if (text == NULL)
		text = "";
	memset(&s, 0, sizeof s);
	copy = xstrdup(text);
	for (p = copy; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	for (p = strtok_r(copy, " \t", &save); p != NULL;
	    p = strtok_r(NULL, " \t", &save)) {
		if (nw == SCHED_MAX_WORDS) {
			why = "too many words";
			goto fail;
		}
		words[nw++] = p;
	}
	if (nw == 0) {
		why = "empty schedule (e.g. 'sun 02:00', '2nd tue 01:00')";
		goto fail;
	}
	if ((why = parse_time(words[nw - 1], &s.hour, &s.minute)) != NULL)
		goto fail;
	if (nw == 1) {
		why = "missing day (e.g. 'sun 02:00', 'daily 01:00', "
		    "'2nd tue 01:00')";
		goto fail;
	}
	ord = parse_ordinal(words[0]);
	if (ord != 0) {
		s.kind = FLEET_SCHED_MONTHLY;
		s.nth = ord;
		if (nw < 3 || (s.weekday = parse_day(words[1])) < 0) {
			bad = nw < 3 ? "" : words[1];
			why = "expected a day name after the ordinal";
			goto fail;
		}
		if (nw == 4 &&
		    (why = parse_offset(words[2], &s.offset_days)) != NULL) {
			bad = words[2];
			goto fail;
		}
		if (nw > 4) {
			why = "too many words (expected e.g. '2nd tue +3d "
			    "01:00')";
			goto fail;
		}
	} else {
		s.kind = FLEET_SCHED_WEEKLY;
		/* Blanks separate days like commas: "mon, thu 22:30" and
		 * "mon thu 22:30" mean "mon,thu 22:30". */
		for (k = 0; k + 1 < nw; k++) {
			for (item = strtok_r(words[k], ",", &save);
			    item != NULL; item = strtok_r(NULL, ",", &save)) {
				if (parse_day_item(item, &s.weekdays) != 0) {
					bad = item;
					why = "unknown day";
					goto fail;
				}
			}
		}
		if (s.weekdays == 0) {
			why = "missing day (e.g. 'sun 02:00', 'daily 01:00', "
			    "'2nd tue 01:00')";
			goto fail;
		}
	}
	free(copy);
	*out = s;
	return 0;
fail:
	if (bad != NULL && *bad != '\0' && strcmp(why, "unknown day") == 0)
		util_seterr(err, "schedule '%.100s': unknown day '%.40s' "
		    "(expected sun..sat, mon-fri, daily, or e.g. '2nd tue')",
		    text, bad);
	else if (bad != NULL && *bad != '\0')
		util_seterr(err, "schedule '%.100s': %s, not '%.40s'", text, why,
		    bad);
	else
		util_seterr(err, "schedule '%.100s': %s", text, why);
	free(copy);
	return -1;
}

char *
fleet_schedule_format(const struct fleet_schedule *s, char *buf,
    size_t size)
{
	static const char *const ord[6] = {
		"last", "1st", "2nd", "3rd", "4th", "5th"
	};
	struct buf b;
	int k;

	buf_init(&b);
	if (s->kind == FLEET_SCHED_MONTHLY) {
		buf_printf(&b, "%s %s ",
		    ord[s->nth >= 1 && s->nth <= 5 ? s->nth : 0],
		    day_names[s->weekday >= 0 && s->weekday < 7 ?
		    s->weekday : 0]);
		if (s->offset_days != 0)
			buf_printf(&b, "%+dd ", s->offset_days);
	} else if ((s->weekdays & 0x7f) == 0x7f) {
		buf_puts(&b, "daily ");
	} else {
		for (k = 0; k < 7; k++) {
			if (s->weekdays & (1u << k))
				buf_printf(&b, "%s%s", b.len ? "," : "",
				    day_names[k]);
		}
		buf_putc(&b, ' ');
	}
	buf_printf(&b, "%02d:%02d", s->hour, s->minute);
	if (size > 0)
		snprintf(buf, size, "%s", b.data);
	buf_free(&b);
	return buf;
}

int
fleet_duration_parse(const char *text, int *minutes, char **err)
{
	static const char units[] = "dhm";
	static const long mult[] = { 1440, 60, 1 };
	const char *p;
	long total = 0, v;
	int next = 0, k, digits, any = 0;

	if (text == NULL)
		text = "";
	for (p = text;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (!isdigit((unsigned char)*p)) {
			util_seterr(err, "duration '%.100s': expected a number "
			    "then h or m, as in 3h, 90m or 1h30m", text);
			return -1;
		}
		for (v = 0, digits = 0; isdigit((unsigned char)*p); p++) {
			/* Bounded so that hostile digit strings cannot
			 * overflow. */
			if (++digits > 6) {
				util_seterr(err, "duration '%.100s': longer than "
				    "7 days", text);
				return -1;
			}
			v = v * 10 + (*p - '0');
		}
		for (k = next; k < 3; k++) {
			if (tolower((unsigned char)*p) == units[k])
				break;
		}
		if (k == 3) {
			if (*p == '\0' || *p == ' ' || *p == '\t')
				util_seterr(err, "duration '%.100s': missing unit "
				    "after %ld (h or m)", text, v);
			else
				util_seterr(err, "duration '%.100s': unit must be "
				    "d, h or m, each once, in that order",
				    text);
			return -1;
		}
		total += v * mult[k];
		next = k + 1;
		any = 1;
		p++;
		if (total > FLEET_DURATION_MAX) {
			util_seterr(err, "duration '%.100s': longer than 7 days",
			    text);
			return -1;
		}
	}
	if (!any) {
		util_seterr(err, "duration '%.100s': empty (e.g. 3h, 90m, 1h30m)",
		    text);
		return -1;
	}
	if (total < 1) {
		util_seterr(err, "duration '%.100s': must be at least 1 minute",
		    text);
		return -1;
	}
	*minutes = (int)total;
	return 0;
}

void
fleet_window_init(struct fleet_window *w)
{
	memset(w, 0, sizeof *w);
	w->lead_min = FLEET_WINDOW_LEAD_DEFAULT;
}

void
fleet_window_done(struct fleet_window *w)
{
	free(w->id);
	free(w->tz_name);
	memset(w, 0, sizeof *w);
}

long
fleet_window_find(const struct fleet_window *w, size_t n, const char *id)
{
	size_t k;

	if (id == NULL)
		return -1;
	for (k = 0; k < n; k++) {
		if (w[k].id != NULL && strcmp(w[k].id, id) == 0)
			return (long)k;
	}
	return -1;
}

/* Does the schedule have an occurrence on local date d? */
static int
sched_on(const struct fleet_schedule *s, struct fleet_date d)
{
	struct fleet_date base;
	int dim;

	if (s->kind == FLEET_SCHED_WEEKLY)
		return (s->weekdays >> fleet_date_weekday(d)) & 1;
	/* Monthly: d is an occurrence when d - offset is the n-th weekday of
	 * its month, so an offset may carry it into the next month. */
	base = fleet_date_add_days(d, -s->offset_days);
	if (fleet_date_weekday(base) != s->weekday)
		return 0;
	if (s->nth == FLEET_SCHED_LAST) {
		dim = fleet_date_days_in_month(base.year, base.month);
		return base.day + 7 > dim;
	}
	return (base.day - 1) / 7 + 1 == s->nth;
}

static int
sched_valid(const struct fleet_schedule *s)
{
	if (s->hour < 0 || s->hour > 23 || s->minute < 0 || s->minute > 59)
		return 0;
	if (s->kind == FLEET_SCHED_WEEKLY)
		return (s->weekdays & 0x7f) != 0;
	if (s->kind == FLEET_SCHED_MONTHLY)
		return s->weekday >= 0 && s->weekday < 7 &&
		    ((s->nth >= 1 && s->nth <= 5) ||
		    s->nth == FLEET_SCHED_LAST) &&
		    s->offset_days >= -FLEET_SCHED_MAX_OFFSET &&
		    s->offset_days <= FLEET_SCHED_MAX_OFFSET;
	return 0;
}

/*
 * Walks local dates from a little before `after` and returns the first
 * occurrence whose start (or, with by_end, whose end) is after it.  Start
 * instants never decrease as dates increase (gaps move forward, repeats
 * take the first instant), so the first hit is the earliest.
 */
static int
window_search(const struct fleet_window *w, const struct fleet_tz *tz,
    long long after, int by_end, long long *start, long long *end,
    char **err)
{
	struct fleet_date d;
	long long day, first, last, s, e;
	long sod;
	int y, m, dd;
	char sched[64];

	if (!sched_valid(&w->sched) || w->duration_min < 1 ||
	    w->duration_min > FLEET_DURATION_MAX) {
		util_seterr(err, "window '%.100s': invalid schedule or duration",
		    w->id != NULL ? w->id : "");
		return -1;
	}
	fleet_tz_to_local(tz, after, &y, &m, &dd, &sod);
	day = fleet_date_days_from_civil(y, m, dd);
	/* One day back covers offsets; an in-progress window may have
	 * started up to its duration earlier. */
	first = day - 1 - (by_end ? w->duration_min / 1440 + 1 : 0);
	last = day + SEARCH_DAYS;
	for (; first <= last; first++) {
		d = fleet_date_from_days(first);
		if (!sched_on(&w->sched, d))
			continue;
		if (fleet_tz_local_to_utc(tz, d.year, d.month, d.day,
		    w->sched.hour, w->sched.minute, &s) != 0)
			continue;
		e = s + (long long)w->duration_min * 60;
		if (by_end ? e > after : s > after) {
			*start = s;
			*end = e;
			return 0;
		}
	}
	util_seterr(err, "window '%.100s' (%s): no occurrence within 14 months",
	    w->id != NULL ? w->id : "",
	    fleet_schedule_format(&w->sched, sched, sizeof sched));
	return -1;
}

int
fleet_window_next_start(const struct fleet_window *w,
    const struct fleet_tz *tz, long long after_utc, long long *start_utc,
    long long *end_utc, char **err)
{
	return window_search(w, tz, after_utc, 0, start_utc, end_utc, err);
}

int
fleet_window_current_or_next(const struct fleet_window *w,
    const struct fleet_tz *tz, long long now_utc, long long *start_utc,
    long long *end_utc, char **err)
{
	return window_search(w, tz, now_utc, 1, start_utc, end_utc, err);
}

size_t
fleet_window_occurrences(const struct fleet_window *w,
    const struct fleet_tz *tz, long long from_utc, size_t n,
    struct fleet_occurrence *out)
{
	size_t k;

	if (n == 0)
		return 0;
	if (fleet_window_current_or_next(w, tz, from_utc, &out[0].start,
	    &out[0].end, NULL) != 0)
		return 0;
	for (k = 1; k < n; k++) {
		if (fleet_window_next_start(w, tz, out[k - 1].start,
		    &out[k].start, &out[k].end, NULL) != 0)
			break;
	}
	return k;
}

struct fleet_date
fleet_window_local_date(const struct fleet_tz *tz, long long utc)
{
	struct fleet_date d;
	long sod;

	if (tz == NULL)
		return fleet_date_of_utc(utc);
	fleet_tz_to_local(tz, utc, &d.year, &d.month, &d.day, &sod);
	return d;
}

int
fleet_window_occurrence_on(const struct fleet_window *w,
    const struct fleet_tz *tz, struct fleet_date d, long long *start_utc,
    long long *end_utc, char **err)
{
	static const char *const wd[] = { "Sunday", "Monday", "Tuesday",
	    "Wednesday", "Thursday", "Friday", "Saturday" };
	struct fleet_tz utc;
	long long from, start, end;
	struct fleet_date ld;
	char day[16], next[16];
	int i, found = 0, have_next = 0;

	fleet_tz_utc(&utc);
	if (tz == NULL)
		tz = &utc;
	/* From two days before local midnight (UTC offsets are under 26 h),
	 * the occurrences are walked until one starts on d or after. */
	from = fleet_date_to_days(d) * 86400 - 2 * 86400;
	for (i = 0; i < 8; i++) {
		if (fleet_window_next_start(w, tz, from, &start, &end,
		    NULL) != 0)
			break;
		ld = fleet_window_local_date(tz, start);
		if (fleet_date_cmp(ld, d) == 0) {
			*start_utc = start;
			*end_utc = end;
			found = 1;
			break;
		}
		if (fleet_date_cmp(ld, d) > 0) {
			fleet_date_format(ld, next, sizeof next);
			have_next = 1;
			break;
		}
		from = start;
	}
	fleet_tz_done(&utc);
	if (found)
		return 0;
	if (err != NULL) {
		fleet_date_format(d, day, sizeof day);
		if (have_next)
			*err = xasprintf("window %s has no occurrence on %s "
			    "(a %s; next: %s)", w->id, day,
			    wd[fleet_date_weekday(d)], next);
		else
			*err = xasprintf("window %s has no occurrence on %s "
			    "(a %s)", w->id, day, wd[fleet_date_weekday(d)]);
	}
	return -1;
}
