/*
 * cli_windows.c - `patchdeck windows`: every configured maintenance
 * window with its schedule, its current or next occurrence in the
 * window's own time and in UTC, and how many cached instances carry it,
 * by tag state.
 */
#include "cli/cli.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache/cache.h"
#include "fleet/date.h"
#include "fleet/tagstate.h"
#include "fleet/tz.h"
#include "fleet/window.h"
#include "ops/config.h"
#include "ops/inventory.h"
#include "util/util.h"

/* Also declared in main.c (cli.h is not this file's to change). */

static const char usage[] =
    "usage: patchdeck [global options] windows [--format table|json|csv]\n"
    "\n"
    "Lists the maintenance windows of the configuration: id, schedule,\n"
    "duration, time zone, the window in progress or the next one (start and\n"
    "end in the window's time zone and in UTC), and how many cached\n"
    "instances name it, by tag state.  A last line counts the instances\n"
    "with no window tag or one that names no configured window.\n"
    "\n"
    "Exit status: 0 listed, 1 a window has no occurrence in the next 14\n"
    "months, 2 bad arguments, 3 configuration or cache unusable.\n";

#define NSTATES (TS_STALE + 1)

static void
format_local(const struct fleet_tz *tz, long long t, char *buf, size_t size)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	const struct fleet_tz_type *ty = fleet_tz_type_at(tz, t);
	int y, mon, d;
	long sod;
	long long days;

	fleet_tz_to_local(tz, t, &y, &mon, &d, &sod);
	days = fleet_date_days_from_civil(y, mon, d);
	snprintf(buf, size, "%s %04d-%02d-%02d %02ld:%02ld %s",
	    wd[((days % 7) + 11) % 7], y, mon, d, sod / 3600, sod % 3600 / 60,
	    ty != NULL ? ty->abbr : "");
}

static void
format_duration(int min, char *buf, size_t size)
{
	if (min % 60 == 0)
		snprintf(buf, size, "%dh", min / 60);
	else if (min < 60)
		snprintf(buf, size, "%dm", min);
	else
		snprintf(buf, size, "%dh%02dm", min / 60, min % 60);
}

/* "12 scheduled, 3 stale" for the non-zero states; "none" if none. */
static void
format_counts(const size_t *c, struct buf *b)
{
	size_t s, total = 0;

	for (s = 0; s < NSTATES; s++) {
		if (c[s] == 0)
			continue;
		buf_printf(b, "%s%zu %s", total ? ", " : "", c[s],
		    fleet_tag_state_name((enum fleet_tag_state)s));
		total += c[s];
	}
	if (total == 0)
		buf_puts(b, "none");
}

static size_t
sum(const size_t *c)
{
	size_t s, t = 0;

	for (s = 0; s < NSTATES; s++)
		t += c[s];
	return t;
}

struct occ {
	int ok;
	long long start, end;
	char sched[64], dur[16], ls[64], le[64], us[32], ue[32];
};

static void
csv_put(const char *v)
{
	struct buf b;

	buf_init(&b);
	cli_csv_field(&b, v);
	if (b.len > 0)
		fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
}

int
cli_windows(struct cli *g, int argc, char **argv)
{
	struct config cfg;
	struct cache *cache = NULL;
	struct inventory inv;
	size_t (*counts)[NSTATES] = NULL;
	struct occ *occ;
	long long now = (long long)time(NULL);
	char *err = NULL;
	size_t i, s;
	int rc = EXIT_OK;

	if ((rc = cli_no_args("windows", usage, argc, argv)) >= 0)
		return rc;
	rc = EXIT_OK;
	if (cli_load_config(g, &cfg) != 0)
		return EXIT_CONFIG;
	if (cli_open_cache(g, &cache) != 0) {
		config_free(&cfg);
		return EXIT_CONFIG;
	}
	if (inventory_load(&inv, cache, &cfg, now, &err) != 0) {
		cli_err("windows: %s", err);
		free(err);
		cache_close(cache);
		config_free(&cfg);
		return EXIT_CONFIG;
	}
	cli_cache_notice(cache);
	counts = inventory_window_counts(&inv);
	occ = xcalloc(cfg.nwindows + 1, sizeof *occ);
	for (i = 0; i < cfg.nwindows; i++) {
		const struct fleet_window *w = &cfg.windows[i];
		struct occ *o = &occ[i];

		fleet_schedule_format(&w->sched, o->sched, sizeof o->sched);
		format_duration(w->duration_min, o->dur, sizeof o->dur);
		if (fleet_window_current_or_next(w, &cfg.zones[i], now,
		    &o->start, &o->end, &err) != 0) {
			cli_err("windows: %s: %s", w->id, err);
			free(err);
			err = NULL;
			rc = EXIT_FAIL;
			continue;
		}
		o->ok = 1;
		format_local(&cfg.zones[i], o->start, o->ls, sizeof o->ls);
		format_local(&cfg.zones[i], o->end, o->le, sizeof o->le);
		cli_iso_utc(o->start, o->us, sizeof o->us);
		cli_iso_utc(o->end, o->ue, sizeof o->ue);
	}

	if (g->format == FORMAT_JSON) {
		cJSON *arr = cJSON_CreateArray(), *o, *m;

		for (i = 0; i < cfg.nwindows; i++) {
			const struct fleet_window *w = &cfg.windows[i];

			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "id", w->id);
			cJSON_AddStringToObject(o, "schedule", occ[i].sched);
			cJSON_AddNumberToObject(o, "duration_min",
			    w->duration_min);
			cJSON_AddStringToObject(o, "timezone",
			    w->tz_name != NULL ? w->tz_name : "UTC");
			cJSON_AddNumberToObject(o, "lead_min", w->lead_min);
			if (occ[i].ok) {
				cJSON_AddBoolToObject(o, "in_progress",
				    occ[i].start <= now);
				cJSON_AddStringToObject(o, "start_local",
				    occ[i].ls);
				cJSON_AddStringToObject(o, "end_local",
				    occ[i].le);
				cJSON_AddStringToObject(o, "start_utc",
				    occ[i].us);
				cJSON_AddStringToObject(o, "end_utc",
				    occ[i].ue);
			} else {
				cJSON_AddNullToObject(o, "start_utc");
			}
			cJSON_AddNumberToObject(o, "members",
			    (double)sum(counts[i]));
			m = cJSON_AddObjectToObject(o, "by_tag_state");
			for (s = 0; s < NSTATES; s++)
				cJSON_AddNumberToObject(m,
				    fleet_tag_state_name((enum fleet_tag_state)s),
				    (double)counts[i][s]);
			cJSON_AddItemToArray(arr, o);
		}
		o = cJSON_CreateObject();
		cJSON_AddNullToObject(o, "id");
		cJSON_AddNumberToObject(o, "members",
		    (double)sum(counts[cfg.nwindows]));
		m = cJSON_AddObjectToObject(o, "by_tag_state");
		for (s = 0; s < NSTATES; s++)
			cJSON_AddNumberToObject(m,
			    fleet_tag_state_name((enum fleet_tag_state)s),
			    (double)counts[cfg.nwindows][s]);
		cJSON_AddItemToArray(arr, o);
		cli_json_put(stdout, arr, 1);
		putchar('\n');
		cJSON_Delete(arr);
	} else if (g->format == FORMAT_CSV) {
		fputs("id,schedule,duration_min,timezone,start_local,end_local,"
		    "start_utc,end_utc,members", stdout);
		for (s = 0; s < NSTATES; s++) {
			fputc(',', stdout);
			csv_put(fleet_tag_state_name((enum fleet_tag_state)s));
		}
		fputs("\r\n", stdout);
		for (i = 0; i <= cfg.nwindows; i++) {
			const struct fleet_window *w = i < cfg.nwindows ?
			    &cfg.windows[i] : NULL;

			if (w != NULL) {
				csv_put(w->id);
				fputc(',', stdout);
				csv_put(occ[i].sched);
				cli_printf(",%d,", w->duration_min);
				csv_put(w->tz_name != NULL ?
				    w->tz_name : "UTC");
				cli_printf(",%s,%s,%s,%s", occ[i].ls, occ[i].le,
				    occ[i].us, occ[i].ue);
			} else {
				fputs(",,,,,,,", stdout);
			}
			cli_printf(",%zu", sum(counts[i]));
			for (s = 0; s < NSTATES; s++)
				cli_printf(",%zu", counts[i][s]);
			fputs("\r\n", stdout);
		}
	} else {
		for (i = 0; i < cfg.nwindows; i++) {
			const struct fleet_window *w = &cfg.windows[i];
			struct buf b;

			cli_put(stdout, w->id);
			cli_printf("  %s, %s, ", occ[i].sched, occ[i].dur);
			cli_put(stdout, w->tz_name != NULL ? w->tz_name : "UTC");
			putchar('\n');
			if (occ[i].ok)
				cli_printf("    %s %s .. %s  (UTC %s .. %s)\n",
				    occ[i].start <= now ? "now: " : "next:",
				    occ[i].ls, occ[i].le, occ[i].us, occ[i].ue);
			else
				cli_printf("    next: none in the next 14 "
				    "months\n");
			buf_init(&b);
			format_counts(counts[i], &b);
			cli_printf("    members: %zu (%s)\n", sum(counts[i]),
			    b.data);
			buf_free(&b);
		}
		{
			struct buf b;

			buf_init(&b);
			format_counts(counts[cfg.nwindows], &b);
			if (cfg.nwindows)
				putchar('\n');
			cli_printf("%zu instance(s) with no or an unknown "
			    "window (%s)\n", sum(counts[cfg.nwindows]), b.data);
			buf_free(&b);
		}
		if (cfg.nwindows == 0)
			cli_printf("no windows are configured: add [window ID] "
			    "sections to %s\n", cfg.path != NULL ? cfg.path :
			    "the configuration");
	}
	free(occ);
	free(counts);
	inventory_free(&inv);
	cache_close(cache);
	config_free(&cfg);
	return rc;
}
