/*
 * bench_filter.c - the `/` filter at fleet scale: per keystroke, the
 * filter recomputation (inventory_set_filter) plus formatting the rows the
 * console would draw (inventory_cell for 40 rows x 12 columns into a line
 * buffer).  Drawing through curses is not included.
 *
 *   bench_filter N CONFIG
 *
 * Loads N generated instances (benchgen.h) with inventory_take, then types
 * several filter strings one character at a time and erases each with
 * backspaces, three times over.  Prints the load time, then per keystroke
 * the median and p95 for typing and erasing apart (the headline figures:
 * typing narrows, erasing widens, and mixing them hid slow typing behind
 * fast erasing), and for all keystrokes.  Asserts nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchgen.h"
#include "ops/config.h"
#include "ops/inventory.h"

#define ROWS 40
#define ROUNDS 3

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* The q-th quantile (0..1) of v[0..n), sorted in place; nearest rank. */
static double
quantile_ms(long long *v, size_t n, double q)
{
	size_t k;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, cmp_ll);
	k = (size_t)(q * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return (double)v[k - 1] / 1e6;
}

static size_t sink;

/* What the console does after a filter change: the first screenful of
 * visible rows, every column formatted. */
static void
format_visible(const struct inventory *inv)
{
	char cell[128], line[512];
	size_t i, len;
	int c;

	for (i = 0; i < inv->nvis && i < ROWS; i++) {
		const struct inv_row *r = &inv->rows[inv->vis[i]];

		len = 0;
		for (c = 0; c < COL_COUNT; c++) {
			const char *s = inventory_cell(inv, r, (enum inv_col)c,
			    cell, sizeof cell);
			int w = snprintf(line + len, sizeof line - len,
			    "%-*.*s ", inv_columns[c].width,
			    inv_columns[c].width, s);

			if (w > 0 && (size_t)w < sizeof line - len)
				len += (size_t)w;
		}
		sink += len;
	}
}

int
main(int argc, char **argv)
{
	static const char *const typed[] = { "web-prod-01", "alice",
	    "eu-west", "stale" };
	struct config cfg;
	struct inventory inv;
	struct fleet_instance *v;
	char *err = NULL, text[64];
	long long now = (long long)time(NULL), t0, t;
	long long *all, *typing, *erasing;
	size_t n, nall = 0, ntyping = 0, nerasing = 0, cap = 0, s, k, len;
	int round;

	if (argc != 3) {
		fprintf(stderr, "usage: bench_filter N CONFIG\n");
		return 2;
	}
	n = strtoul(argv[1], NULL, 10);
	if (config_load(argv[2], "us-east-1", &cfg, &err) != 0) {
		fprintf(stderr, "bench_filter: %s\n", err);
		return 1;
	}
	for (s = 0; s < sizeof typed / sizeof typed[0]; s++)
		cap += 2 * strlen(typed[s]);
	cap *= ROUNDS;
	all = xcalloc(cap, sizeof *all);
	typing = xcalloc(cap, sizeof *typing);
	erasing = xcalloc(cap, sizeof *erasing);

	v = benchgen_fleet(n, 1, now);
	t0 = bench_now_ns();
	inventory_take(&inv, v, n, &cfg, now);
	format_visible(&inv);
	printf("bench_filter: %zu instances loaded (inventory_take: tag "
	    "states, search text, sort by name) in %.1f ms\n", n,
	    (double)(bench_now_ns() - t0) / 1e6);

	for (round = 0; round < ROUNDS; round++) {
		for (s = 0; s < sizeof typed / sizeof typed[0]; s++) {
			len = strlen(typed[s]);
			/* k characters typed: 1..len, then len-1..0. */
			for (k = 1; k <= 2 * len; k++) {
				size_t m = k <= len ? k : 2 * len - k;

				memcpy(text, typed[s], m);
				text[m] = '\0';
				t0 = bench_now_ns();
				inventory_set_filter(&inv, text);
				format_visible(&inv);
				t = bench_now_ns() - t0;
				all[nall++] = t;
				if (k <= len)
					typing[ntyping++] = t;
				else
					erasing[nerasing++] = t;
				if (round == 0 && k == len)
					printf("bench_filter: \"%s\" shows "
					    "%zu of %zu\n", text, inv.nvis,
					    inv.n);
			}
		}
	}
	printf("filter-typing-100k: measured median %.2f ms, p95 %.2f ms "
	    "per keystroke (target median <= 5 ms, p95 <= 10 ms; curses "
	    "drawing excluded)\n", quantile_ms(typing, ntyping, 0.5),
	    quantile_ms(typing, ntyping, 0.95));
	printf("filter-erasing-100k: measured median %.2f ms, p95 %.2f ms "
	    "per keystroke (no target of its own; shown apart so it does "
	    "not flatter typing)\n", quantile_ms(erasing, nerasing, 0.5),
	    quantile_ms(erasing, nerasing, 0.95));
	printf("bench_filter: all %zu keystrokes: median %.2f ms, p95 %.2f "
	    "ms\n", nall, quantile_ms(all, nall, 0.5),
	    quantile_ms(all, nall, 0.95));
	if (sink == 0)
		printf("bench_filter: nothing formatted?\n");
	inventory_free(&inv);
	config_free(&cfg);
	free(all);
	free(typing);
	free(erasing);
	return 0;
}
