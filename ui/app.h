/*
 * app.h - the console's data: configuration, cache, inventory, and the
 * background refresh.  The views draw from it; it never draws.
 */
#ifndef PATCHDECK_APP_H
#define PATCHDECK_APP_H

#include <stddef.h>

#include "ops/config.h"
#include "ops/desk.h"
#include "ops/exceptions.h"
#include "ops/inventory.h"

struct cli;
struct cache;
struct net;
struct sync;
struct ui;
struct exaction_scan;
struct exjob;
struct exsyncui_job;
struct selfservice;
struct vprecheck;

struct app {
	const struct cli *g;
	/* The configuration, the cache and the loop, opened and closed by
	 * the desk (ops/desk.h); cfg is the desk's storage, cache and net
	 * are borrowed from it, for the ops functions that take them. */
	struct desk desk;
	struct config cfg;
	struct cache *cache;
	struct net *net;
	struct inventory inv;		/* partial until the loader ends */
	struct inventory_loader *loader;	/* the whole fleet loading */
	int load_failed;		/* ... and it could not, for now */
	int reload_after_load;		/* the cache changed under the loader */
	struct sync *sync;		/* the refresh running, or NULL */
	size_t sync_fetched;		/* instances fetched so far */
	char *last_error;		/* of the last refresh; NULL: none */
	long long loaded_ms;		/* when the inventory was loaded */
	long long next_refresh_ms;	/* automatic refresh; 0 off */
	int read_only;
	char *notice;			/* from the first load, shown once */
	unsigned long generation;	/* counts reloads: views rebuild */
	/* The exception records (inv.exc holds the cached ones): the
	 * table is read again with every refresh, on this loop. */
	struct exceptions_ctx exc;
	int exc_open;			/* exc is usable */
	struct exaction_scan *exscan;	/* the Scan running, or NULL */
	int exc_again;			/* read again when it ends */
	char *exc_error;		/* of the last Scan; NULL: none */

	/* The screen the background work reports to, set when the loop
	 * starts, and the instances table (the base view's state). */
	struct ui *ui;
	void *base_self;
	/* The console's jobs, one of each kind at a time, owned here and
	 * freed after the loop (whose calls go first) by app_run(): each
	 * file frees its own with its *_job_free() (views.h). */
	struct exjob *exjob;		/* exactions.c: decision, request */
	struct exsyncui_job *exsync;	/* exsyncui.c: exceptions sync */
	struct selfservice *selfservice;	/* selfservice.c: tag changes */
	struct vprecheck *precheck;	/* view_precheck.c: a pre-check */
	struct planprep *planprep;	/* planprep.c: prepare / undo */
};

/* Starts a refresh in the background unless one runs. */
void app_refresh(struct app *a, struct ui *ui);
/* Reads the exceptions table again in the background (after the Scan
 * running, if one is); the cache and the views follow when it ends. */
void app_refresh_exceptions(struct app *a, struct ui *ui);
/* The exceptions table on the console's loop, opened on first use.
 * 0, or -1 with *err (caller frees). */
int app_exceptions(struct app *a, struct exceptions_ctx **x, char **err);
/* Loads the inventory again from the cache, keeping sort, filter,
 * conditions, marks and the cursor's instance. */
void app_reload(struct app *a, struct ui *ui);

/* The console: `patchdeck` with no command. */
int app_run(struct cli *g, int max_frames);

#endif
