/*
 * cli.c - see cli.h.
 */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"
#include "ops/config.h"
#include "util/escape.h"
#include "util/util.h"

void
cli_put(FILE *f, const char *s)
{
	struct buf b;

	if (s == NULL)
		return;
	buf_init(&b);
	esc_append(&b, s, strlen(s), esc_locale_utf8(), 0);
	if (b.len > 0)
		fwrite(b.data, 1, b.len, f);
	buf_free(&b);
}

void
cli_err(const char *fmt, ...)
{
	va_list ap;
	char *msg;
	struct buf b;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	buf_init(&b);
	buf_puts(&b, "patchdeck: ");
	esc_append(&b, msg, strlen(msg), esc_locale_utf8(), 1);
	buf_putc(&b, '\n');
	fwrite(b.data, 1, b.len, stderr);
	buf_free(&b);
	free(msg);
}

int
cli_load_config(const struct cli *g, struct config *c)
{
	char *err = NULL;

	if (config_load(g->config, g->region, c, &err) != 0) {
		cli_err("%s", err);
		free(err);
		config_free(c);
		return -1;
	}
	return 0;
}

int
cli_open_cache(const struct cli *g, struct cache **out)
{
	char *path = NULL, *notice = NULL, *err = NULL;
	int rc;

	if (g->cache == NULL && (path = cache_default_path(&err)) == NULL) {
		cli_err("cache: %s", err);
		free(err);
		return -1;
	}
	rc = cache_open(g->cache != NULL ? g->cache : path, out, &notice, &err);
	if (notice != NULL) {
		cli_err("%s", notice);
		free(notice);
	}
	if (rc != 0) {
		cli_err("cache %s: %s", g->cache != NULL ? g->cache : path, err);
		free(err);
	}
	free(path);
	return rc;
}
