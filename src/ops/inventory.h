/*
 * inventory.h - the instances table as the console and `patchdeck
 * instances` see it: the cached fleet with each instance's tag state,
 * filtered (`/` text, `:` conditions), sorted by any column, with marks.
 *
 * Built for 100,000 rows: every row's tag state and search text are
 * computed once at load; the current sort order of ALL rows is kept, so a
 * filter change is one pass over that order (no sort), and a filter that
 * only grows (typing) scans only the rows still visible.
 */
#ifndef PATCHDECK_INVENTORY_H
#define PATCHDECK_INVENTORY_H

#include <stddef.h>

#include "fleet/instance.h"
#include "fleet/tagstate.h"
#include "ops/excache.h"

struct cache;
struct config;

enum inv_col {
	COL_NAME,
	COL_ID,
	COL_ACCOUNT,
	COL_REGION,
	COL_STATE,
	COL_PLATFORM,
	COL_PING,
	COL_WINDOW,
	COL_TAGSTATE,
	COL_EXCEPTION,
	COL_LAST_PATCHED,
	COL_OWNER,
	COL_COUNT
};

struct inv_column {
	const char *name;	/* header, and the name in --sort / csv */
	int width;		/* preferred width in the console */
};
extern const struct inv_column inv_columns[COL_COUNT];

struct inv_row {
	struct fleet_instance *in;
	struct fleet_tag_status st;	/* borrows from in and the config */
	unsigned marked : 1;
};

/* `:` conditions; NULL: no condition.  Exact match, except owner and
 * ping, which are case-insensitive substrings (":ping lost"). */
struct inv_where {
	char *window;
	char *state;
	char *ping;
	char *owner;
	char *account;
	char *region;
	char *tagstate;		/* a fleet_tag_state_name() label */
};

struct inventory {
	const struct config *cfg;
	struct fleet_instance *v;
	size_t n;
	/* Set by inventory_load_head(): only the first rows are here, and
	 * total (else n) says how many the fleet has; wtotals[w] are the
	 * instances per window (w as in counts), counts being those of the
	 * rows here only. */
	int partial;
	size_t total;
	size_t *wtotals;
	struct inv_row *rows;
	size_t *order;		/* all rows in the current sort order */
	size_t *vis;		/* the visible rows, in sort order */
	size_t nvis;
	char *filter;		/* lower-cased `/` text, or NULL */
	struct inv_where where;
	enum inv_col sort;
	int desc;
	size_t nmarked;
	/* Every row's lower-cased search text for `/`, one allocation,
	 * row i's at hay_off[i] (n + 1 offsets); NULL until a filter is
	 * first set. */
	char *hay_arena;
	size_t *hay_off;
	size_t hay_freq[256];	/* how often each byte is in hay_arena */
	/* What was visible before each narrowing keystroke, so Backspace
	 * restores instead of scanning the fleet again. */
	struct inv_trail {
		char *filter;
		size_t *vis;
		size_t nvis;
	} *trail;
	size_t ntrail;
	long long now;		/* the time tag states were computed for */
	/* counts[w][state]: inventory_window_counts(), taken at load (tag
	 * states change only with a new load). */
	size_t (*counts)[TS_STALE + 1];
	long long oldest;	/* oldest fetched_at among the rows; 0 none */
	/* The cached exception records the tag states were computed with
	 * (rows' st.exception_record point into them); none fetched yet:
	 * exc.fetched_at 0, and only malformed tags are "unapproved". */
	struct excache exc;
};

/*
 * Loads every cached instance and computes its tag state at now, with the
 * cached records of cfg->exceptions_table (excache.h) when that table was
 * ever read.  The config must outlive the inventory.  Returns 0, or -1
 * with *err.  The inventory starts sorted by name with no filter.
 */
int inventory_load(struct inventory *inv, struct cache *c,
    const struct config *cfg, long long now, char **err);
/*
 * What a first screen shows, without loading the fleet: the first max
 * instances in name order (cache_load_head), their tag states, the
 * fleet's total and its instances per window.  The inventory is partial
 * (see struct inventory) until replaced by a whole one; everything works
 * on the rows it has.  Returns 0, or -1 with *err.
 */
int inventory_load_head(struct inventory *inv, struct cache *c,
    const struct config *cfg, long long now, size_t max, char **err);

/*
 * inventory_load() on a thread of its own, so the caller's loop goes on:
 * the cache is read on connections of the thread's own (c and cfg must
 * outlive the loader and stay open; c's thread may keep using c), the
 * exception records are read here, first.  When the load is over, the
 * descriptor inventory_loader_fd() becomes readable; then
 * inventory_loader_finish() hands the inventory over (0) or says why not
 * (-1 with *err: the caller then loads with inventory_load(), which
 * handles a damaged cache).  finish and free end the loader (free stops
 * it early and throws the result away, waiting for the step under way);
 * inventory_loader_stop() asks it to stop without waiting: its descriptor
 * becomes readable soon after, and finish then says "stopped".  Returns
 * NULL with *err when no thread could start.
 */
struct inventory_loader;
struct inventory_loader *inventory_loader_start(struct cache *c,
    const struct config *cfg, long long now, char **err);
int inventory_loader_fd(const struct inventory_loader *l);
/* Instances read so far (for "loading N of M"). */
size_t inventory_loader_progress(const struct inventory_loader *l);
int inventory_loader_finish(struct inventory_loader *l, struct cache *c,
    struct inventory *inv, char **err);
void inventory_loader_stop(struct inventory_loader *l);
void inventory_loader_free(struct inventory_loader *l);

/* The same from instances handed over (taken; for tests and benches). */
void inventory_take(struct inventory *inv, struct fleet_instance *v,
    size_t n, const struct config *cfg, long long now);
/* Hands the exception records over (taken; *x is emptied) and computes
 * every row's tag state again with them. */
void inventory_set_exceptions(struct inventory *inv, struct excache *x);
void inventory_free(struct inventory *inv);

/* Sets the `/` filter (NULL or "": none) and recomputes what is visible;
 * a filter that extends the previous one scans only the visible rows. */
void inventory_set_filter(struct inventory *inv, const char *text);

/*
 * A `:` command: "window ID", "state S", "ping P", "owner TEXT",
 * "account N", "region R", "tag STATE" set a condition ("window" alone
 * clears it); "clear" clears every condition and the filter; "sort COL"
 * and "sort -COL".  Returns 0 (and *msg describing what now applies), 1
 * for "q"/"quit", or -1 with *msg saying what was wrong.  Caller frees
 * *msg.
 */
int inventory_command(struct inventory *inv, const char *cmd, char **msg);

void inventory_sort(struct inventory *inv, enum inv_col col, int desc);
/* The column named name (case-insensitive), or -1. */
int inventory_column(const char *name);

/* Marks: toggle one visible row, mark all visible, clear all. */
void inventory_toggle_mark(struct inventory *inv, size_t vis_index);
void inventory_mark_visible(struct inventory *inv);
void inventory_clear_marks(struct inventory *inv);

/*
 * The text of a cell, raw (escaping is the drawer's job).  Either a
 * pointer into the row, or buf filled (size >= 64) and returned.
 */
const char *inventory_cell(const struct inventory *inv,
    const struct inv_row *r, enum inv_col col, char *buf, size_t size);

/* Per window: how many instances in each tag state.  counts[w][state],
 * w in 0..nwindows (the last slot: instances with no or an unknown
 * window).  Counted once at load: a copy, which the caller frees. */
size_t (*inventory_window_counts(const struct inventory *inv))[TS_STALE + 1];

#endif
