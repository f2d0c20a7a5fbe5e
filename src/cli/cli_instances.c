/*
 * cli_instances.c - `patchdeck instances`: the console's instances table
 * (ops/inventory.c: the same rows, tag states, conditions, filter and sort)
 * as a table for people, JSON or CSV for scripts.
 */
#include "cli/cli.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/net.h"
#include "cache/cache.h"
#include "fleet/tagstate.h"
#include "ops/config.h"
#include "ops/inventory.h"
#include "ops/sync.h"
#include "util/escape.h"
#include "util/util.h"

/* Also declared in main.c (cli.h is not this file's to change). */

static const char usage[] =
    "usage: patchdeck [global options] instances [--refresh] [--window W]\n"
    "           [--state S] [--ping P] [--owner O] [--account A] [--region R]\n"
    "           [--tag-state LABEL] [--filter TEXT] [--sort COL[,-COL...]]\n"
    "\n"
    "Lists the cached instances as the console's instances view does, with\n"
    "each one's tag state.  Conditions (all must hold): --state, --account,\n"
    "--region exact; --ping and --owner a case-insensitive substring;\n"
    "--window a window of the configuration; --tag-state one of: no window,\n"
    "unknown window, scheduled, excepted, exception upcoming, exception\n"
    "expired, unapproved exception, in run, patched, stale (for both, a\n"
    "unique beginning will do; anything else exits 2).  --filter TEXT keeps rows\n"
    "whose name, id, account, region, state, platform, ping, IP, window,\n"
    "owner or tag state contains TEXT (any case).  --sort by columns (name,\n"
    "id, account, region, state, platform, ping, window, tag_state,\n"
    "exception, last_patched, owner), '-' for descending; default name.\n"
    "--region is the global option: with --refresh it also limits the sync\n"
    "to that region.  --refresh runs `patchdeck sync` first.\n"
    "\n"
    "--format table (default): aligned columns, outside text escaped and\n"
    "long values cut with an ellipsis, and a footer with the count and the\n"
    "age of the data.  json: an array of objects, every field and every tag,\n"
    "raw; times in ISO 8601 UTC.  csv: RFC 4180 with a header row, UTF-8,\n"
    "controls escaped as in the table, and a value starting with = + - @\n"
    "(or their full-width forms) or a blank gets a leading ' so that a\n"
    "spreadsheet does not run it as a formula (CSV injection).\n"
    "\n"
    "Exit status: 0 listed, 1 a --refresh target failed (the rows listed\n"
    "are then partly older), 2 bad arguments, 3 configuration or cache\n"
    "unusable.\n";

#define CELL_MAX_WIDTH 40

/* "3 min ago", "2 h ago", "4 days ago". */
static void
format_age(long long age, char *buf, size_t size)
{
	if (age < 60)
		snprintf(buf, size, "less than a minute ago");
	else if (age < 3600)
		snprintf(buf, size, "%lld min ago", age / 60);
	else if (age < 2 * 86400)
		snprintf(buf, size, "%lld h %lld min ago", age / 3600,
		    age % 3600 / 60);
	else
		snprintf(buf, size, "%lld days ago", age / 86400);
}

static const enum inv_col table_cols[] = {
	COL_NAME, COL_ID, COL_ACCOUNT, COL_REGION, COL_STATE, COL_PLATFORM,
	COL_PING, COL_WINDOW, COL_TAGSTATE, COL_EXCEPTION, COL_LAST_PATCHED,
	COL_OWNER
};
#define NTABLE_COLS (sizeof table_cols / sizeof table_cols[0])

static void
print_table(const struct inventory *inv, long long now)
{
	int utf8 = esc_locale_utf8();
	int width[NTABLE_COLS];
	struct buf line, cell;
	char tmp[128];
	size_t i, c;

	buf_init(&line);
	buf_init(&cell);
	for (c = 0; c < NTABLE_COLS; c++)
		width[c] = (int)strlen(inv_columns[table_cols[c]].name);
	/* Two passes: widths, then lines.  Cells are escaped and cut the same
	 * way in both. */
	for (i = 0; i < inv->nvis; i++) {
		const struct inv_row *r = &inv->rows[inv->vis[i]];

		for (c = 0; c < NTABLE_COLS; c++) {
			int w;

			buf_reset(&cell);
			w = cli_fit(&cell, inventory_cell(inv, r, table_cols[c], tmp,
			    sizeof tmp), CELL_MAX_WIDTH, utf8);
			if (w > width[c])
				width[c] = w;
		}
	}
	for (c = 0; c < NTABLE_COLS; c++) {
		const char *h = inv_columns[table_cols[c]].name;
		size_t k;

		for (k = 0; h[k] != '\0'; k++)
			buf_putc(&line, (char)(h[k] >= 'a' && h[k] <= 'z' ?
			    h[k] - 'a' + 'A' : h[k]));
		if (c + 1 < NTABLE_COLS)
			buf_printf(&line, "%*s", width[c] - (int)k + 2, "");
	}
	buf_putc(&line, '\n');
	fwrite(line.data, 1, line.len, stdout);
	for (i = 0; i < inv->nvis; i++) {
		const struct inv_row *r = &inv->rows[inv->vis[i]];

		buf_reset(&line);
		for (c = 0; c < NTABLE_COLS; c++) {
			int w = cli_fit(&line, inventory_cell(inv, r, table_cols[c],
			    tmp, sizeof tmp), CELL_MAX_WIDTH, utf8);

			if (c + 1 < NTABLE_COLS)
				buf_printf(&line, "%*s", width[c] - w + 2, "");
		}
		/* No trailing blanks. */
		while (line.len > 0 && line.data[line.len - 1] == ' ')
			line.data[--line.len] = '\0';
		buf_putc(&line, '\n');
		fwrite(line.data, 1, line.len, stdout);
	}
	if (inv->oldest > 0) {
		format_age(now - inv->oldest, tmp, sizeof tmp);
		cli_printf("%zu of %zu instance(s); data from %s\n", inv->nvis,
		    inv->n, tmp);
	} else {
		cli_printf("%zu of %zu instance(s); no data: run `patchdeck "
		    "sync`\n", inv->nvis, inv->n);
	}
	buf_free(&line);
	buf_free(&cell);
}

static void
add_str(cJSON *o, const char *k, const char *v)
{
	/* Raw values, except bytes that are not UTF-8: JSON text must be. */
	char *key = esc_utf8_repair(k), *val = esc_utf8_repair(v != NULL ?
	    v : "");

	if (cJSON_AddStringToObject(o, key, val) == NULL)
		util_fatal("out of memory (JSON)");
	free(key);
	free(val);
}

/* Times in JSON: ISO 8601 UTC, null when unknown; "15d ago" is for the
 * table only. */
static void
add_time(cJSON *o, const char *k, int known, long long t)
{
	char tmp[32];

	if (!known) {
		cJSON_AddNullToObject(o, k);
		return;
	}
	cli_iso_utc(t, tmp, sizeof tmp);
	add_str(o, k, tmp);
}

static void
print_json(const struct inventory *inv)
{
	char tmp[128];
	size_t i, k;

	fputs("[", stdout);
	for (i = 0; i < inv->nvis; i++) {
		const struct inv_row *r = &inv->rows[inv->vis[i]];
		const struct fleet_instance *in = r->in;
		cJSON *o = cJSON_CreateObject(), *tags;

		if (o == NULL)
			util_fatal("out of memory (JSON)");
		add_str(o, "id", in->id);
		add_str(o, "name", in->name);
		add_str(o, "account", in->account);
		add_str(o, "region", in->region);
		add_str(o, "state", in->state);
		add_str(o, "type", in->type);
		add_str(o, "platform", in->platform);
		add_str(o, "platform_name", in->platform_name);
		add_str(o, "platform_version", in->platform_version);
		add_str(o, "private_ip", in->private_ip);
		add_str(o, "public_ip", in->public_ip);
		add_str(o, "az", in->az);
		add_str(o, "launch_time", in->launch_time);
		add_str(o, "ping", in->ping);
		add_str(o, "agent_version", in->agent_version);
		add_time(o, "last_ping", in->last_ping > 0, in->last_ping);
		add_time(o, "fetched_at", in->fetched_at > 0, in->fetched_at);
		add_str(o, "window", r->st.window_id);
		add_str(o, "tag_state", fleet_tag_state_name(r->st.state));
		add_str(o, "exception", inventory_cell(inv, r, COL_EXCEPTION,
		    tmp, sizeof tmp));
		/* Never patched or an unreadable tag: null (the tag itself
		 * is among the tags, raw). */
		add_time(o, "last_patched", r->st.last_patched_known &&
		    !r->st.last_patched_malformed, r->st.last_patched);
		add_str(o, "owner", r->st.owner);
		if (r->st.has_next) {
			cli_iso_utc(r->st.next_start, tmp, sizeof tmp);
			add_str(o, "next_window_start", tmp);
			cli_iso_utc(r->st.next_end, tmp, sizeof tmp);
			add_str(o, "next_window_end", tmp);
		} else {
			cJSON_AddNullToObject(o, "next_window_start");
			cJSON_AddNullToObject(o, "next_window_end");
		}
		tags = cJSON_AddObjectToObject(o, "tags");
		for (k = 0; k < in->ntags; k++)
			add_str(tags, in->tags[k].key, in->tags[k].value);
		fputs(i ? ",\n" : "\n", stdout);
		cli_json_put(stdout, o, 0);
		cJSON_Delete(o);
	}
	fputs(inv->nvis ? "\n]\n" : "]\n", stdout);
}

static void
print_csv(const struct inventory *inv)
{
	struct buf line;
	char tmp[128];
	size_t i, c;

	buf_init(&line);
	for (c = 0; c < NTABLE_COLS; c++) {
		if (c)
			buf_putc(&line, ',');
		cli_csv_field(&line, inv_columns[table_cols[c]].name);
	}
	buf_puts(&line, "\r\n");
	fwrite(line.data, 1, line.len, stdout);
	for (i = 0; i < inv->nvis; i++) {
		const struct inv_row *r = &inv->rows[inv->vis[i]];

		buf_reset(&line);
		for (c = 0; c < NTABLE_COLS; c++) {
			if (c)
				buf_putc(&line, ',');
			cli_csv_field(&line, inventory_cell(inv, r, table_cols[c],
			    tmp, sizeof tmp));
		}
		buf_puts(&line, "\r\n");
		fwrite(line.data, 1, line.len, stdout);
	}
	buf_free(&line);
}

/* --sort with several keys: inventory_sort() takes one column. */
#define MAX_SORT_KEYS 8
static const struct inventory *msort_inv;
static enum inv_col msort_col[MAX_SORT_KEYS];
static int msort_desc[MAX_SORT_KEYS];
static size_t msort_n;

static int
msort_cmp(const void *a, const void *b)
{
	const struct inv_row *x = &msort_inv->rows[*(const size_t *)a];
	const struct inv_row *y = &msort_inv->rows[*(const size_t *)b];
	char bx[128], by[128];
	size_t k;
	int c = 0;

	for (k = 0; k < msort_n && c == 0; k++) {
		switch (msort_col[k]) {
		case COL_TAGSTATE:
			c = (int)x->st.state - (int)y->st.state;
			break;
		case COL_LAST_PATCHED: {
			long long px = x->st.last_patched_known ?
			    x->st.last_patched : -1;
			long long py = y->st.last_patched_known ?
			    y->st.last_patched : -1;

			c = px < py ? -1 : px > py;
			break;
		}
		default:
			c = strcmp(inventory_cell(msort_inv, x, msort_col[k], bx,
			    sizeof bx), inventory_cell(msort_inv, y,
			    msort_col[k], by, sizeof by));
		}
		if (msort_desc[k])
			c = -c;
	}
	if (c == 0)
		c = strcmp(x->in->id, y->in->id);
	if (c == 0)
		c = strcmp(x->in->region, y->in->region);
	return c;
}

static int
apply_sort(struct inventory *inv, const char *spec)
{
	char *copy = xstrdup(spec), *tok, *save = NULL;
	int col;

	msort_n = 0;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		int desc = tok[0] == '-';

		col = inventory_column(desc ? tok + 1 : tok);
		if (col < 0 || msort_n == MAX_SORT_KEYS) {
			cli_err("instances: --sort: %s '%s'", col < 0 ?
			    "no such column" : "too many keys at", tok);
			free(copy);
			return -1;
		}
		msort_col[msort_n] = (enum inv_col)col;
		msort_desc[msort_n++] = desc;
	}
	free(copy);
	if (msort_n == 0) {
		cli_err("instances: --sort needs a column");
		return -1;
	}
	inventory_sort(inv, msort_col[0], msort_desc[0]);
	if (msort_n > 1) {
		msort_inv = inv;
		qsort(inv->vis, inv->nvis, sizeof *inv->vis, msort_cmp);
		msort_inv = NULL;
	}
	return 0;
}

struct opt {
	const char *name;
	const char *cmd;	/* inventory_command word, or NULL */
	const char *value;
};

int
cli_instances(struct cli *g, int argc, char **argv)
{
	struct opt opts[] = {
		{ "--window", "window", NULL },
		{ "--state", "state", NULL },
		{ "--ping", "ping", NULL },
		{ "--owner", "owner", NULL },
		{ "--account", "account", NULL },
		{ "--tag-state", "tag", NULL },
		{ "--filter", NULL, NULL },
		{ "--sort", NULL, NULL },
	};
	const size_t nopts = sizeof opts / sizeof opts[0];
	struct config cfg;
	struct cache *cache = NULL;
	struct inventory inv;
	long long now;
	char *err = NULL, *msg = NULL;
	int i, do_refresh = 0, rc = EXIT_OK;
	size_t k;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage, stdout);
			return EXIT_OK;
		}
		if (strcmp(a, "--refresh") == 0) {
			do_refresh = 1;
			continue;
		}
		for (k = 0; k < nopts; k++) {
			size_t len = strlen(opts[k].name);

			if (strncmp(a, opts[k].name, len) != 0)
				continue;
			if (a[len] == '=') {
				opts[k].value = a + len + 1;
				break;
			}
			if (a[len] != '\0')
				continue;
			if (i + 1 >= argc) {
				cli_err("instances: %s needs a value", a);
				return EXIT_USAGE;
			}
			opts[k].value = argv[++i];
			break;
		}
		if (k == nopts) {
			cli_err("instances: unknown argument '%s'", a);
			fputs(usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (cli_load_config(g, &cfg) != 0)
		return EXIT_CONFIG;
	if (cli_open_cache(g, &cache) != 0) {
		config_free(&cfg);
		return EXIT_CONFIG;
	}
	if (do_refresh) {
		int r = cli_refresh(g, &cfg, cache, "instances");

		if (r < 0) {
			cache_close(cache);
			config_free(&cfg);
			return EXIT_CONFIG;
		}
		if (r > 0)
			rc = EXIT_FAIL;
	}
	now = (long long)time(NULL);
	if (inventory_load(&inv, cache, &cfg, now, &err) != 0) {
		cli_err("instances: %s", err);
		free(err);
		cache_close(cache);
		config_free(&cfg);
		return EXIT_CONFIG;
	}
	cli_cache_notice(cache);
	for (k = 0; k < nopts; k++) {
		char *cmd;
		int r;

		if (opts[k].cmd == NULL || opts[k].value == NULL)
			continue;
		if (opts[k].value[0] == '\0') {
			cli_err("instances: %s needs a value", opts[k].name);
			rc = EXIT_USAGE;
			goto out;
		}
		cmd = xasprintf("%s %s", opts[k].cmd, opts[k].value);
		r = inventory_command(&inv, cmd, &msg);
		free(cmd);
		if (r != 0) {
			cli_err("instances: %s: %s", opts[k].name,
			    msg != NULL ? msg : "not understood");
			free(msg);
			rc = EXIT_USAGE;
			goto out;
		}
		free(msg);
		msg = NULL;
	}
	/* The global --region: a condition here, as everywhere it names the
	 * region to look at. */
	if (g->region != NULL) {
		char *cmd = xasprintf("region %s", g->region);

		inventory_command(&inv, cmd, &msg);
		free(cmd);
		free(msg);
		msg = NULL;
	}
	if (opts[6].value != NULL)
		inventory_set_filter(&inv, opts[6].value);
	if (opts[7].value != NULL && apply_sort(&inv, opts[7].value) != 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	switch (g->format) {
	case FORMAT_JSON:
		print_json(&inv);
		break;
	case FORMAT_CSV:
		print_csv(&inv);
		break;
	default:
		print_table(&inv, now);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_err("instances: cannot write the output");
		rc = EXIT_FAIL;
	}
out:
	inventory_free(&inv);
	cache_close(cache);
	config_free(&cfg);
	return rc;
}
