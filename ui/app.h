/*
 * app.h - the console's data: configuration, cache, inventory, and the
 * background refresh.  The views draw from it; it never draws.
 */
#ifndef PATCHDECK_APP_H
#define PATCHDECK_APP_H

#include <stddef.h>

#include "ops/config.h"
#include "ops/inventory.h"

struct cli;
struct cache;
struct net;
struct sync;
struct ui;

struct app {
	const struct cli *g;
	struct config cfg;
	struct cache *cache;
	struct net *net;
	struct inventory inv;
	struct sync *sync;		/* the refresh running, or NULL */
	size_t sync_fetched;		/* instances fetched so far */
	char *last_error;		/* of the last refresh; NULL: none */
	long long loaded_ms;		/* when the inventory was loaded */
	long long next_refresh_ms;	/* automatic refresh; 0 off */
	int read_only;
	char *targets;			/* "prod/us-east-1, ..." for the status */
	char *notice;			/* from the first load, shown once */
};

/* Starts a refresh in the background unless one runs. */
void app_refresh(struct app *a, struct ui *ui);
/* Loads the inventory again from the cache, keeping sort, filter,
 * conditions, marks and the cursor's instance. */
void app_reload(struct app *a, struct ui *ui);

/* The console: `patchdeck` with no command. */
int app_run(struct cli *g, int max_frames);

#endif
