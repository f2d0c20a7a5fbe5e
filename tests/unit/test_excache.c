/*
 * test_excache.c - the cached exception records and the instances' tag
 * state: unapproved only when the records were fetched, live and upcoming
 * from the records, per-instance lookups by bisection, and a reload that
 * keeps a filter working.  The cache is ":memory:".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"
#include "fleet/date.h"
#include "fleet/instance.h"
#include "ops/config.h"
#include "ops/excache.h"
#include "ops/inventory.h"
#include "util/util.h"

static struct config cfg;
static long long now;

static int
setup(void **state)
{
	char tmpl[] = "/tmp/test_excache.XXXXXX", *path, *err = NULL;
	FILE *f;
	int rc;

	(void)state;
	if (mkdtemp(tmpl) == NULL)
		return -1;
	path = xasprintf("%s/config", tmpl);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fputs("[window daily]\nschedule = daily 01:00\nduration = 1h\n", f);
	fclose(f);
	rc = config_load(path, "us-east-1", &cfg, &err);
	free(err);
	remove(path);
	remove(tmpl);
	free(path);
	/* 2026-03-10 12:00 UTC */
	now = fleet_date_days_from_civil(2026, 3, 10) * 86400 + 12 * 3600;
	return rc;
}

static int
teardown(void **state)
{
	(void)state;
	config_free(&cfg);
	return 0;
}

static void
inst(struct fleet_instance *in, const char *id, const char *exc_tag)
{
	memset(in, 0, sizeof *in);
	in->id = xstrdup(id);
	in->account = xstrdup("111122223333");
	in->region = xstrdup("us-east-1");
	in->name = xstrdup(id);
	in->state = xstrdup("running");
	in->type = xstrdup("");
	in->platform = xstrdup("linux");
	in->platform_name = xstrdup("");
	in->platform_version = xstrdup("");
	in->private_ip = xstrdup("");
	in->public_ip = xstrdup("");
	in->az = xstrdup("");
	in->launch_time = xstrdup("2026-03-01T00:00:00Z");
	in->ping = xstrdup("Online");
	in->agent_version = xstrdup("");
	in->ntags = exc_tag != NULL ? 2 : 1;
	in->tags = xcalloc(2, sizeof *in->tags);
	in->tags[0].key = xstrdup("PatchWindow");
	in->tags[0].value = xstrdup("daily");
	if (exc_tag != NULL) {
		in->tags[1].key = xstrdup("PatchException");
		in->tags[1].value = xstrdup(exc_tag);
	}
}

static void
rec(struct fleet_exception *e, const char *iid, const char *xid,
    const char *from, const char *to, const char *status)
{
	memset(e, 0, sizeof *e);
	e->instance_id = xstrdup(iid);
	e->exception_id = xstrdup(xid);
	e->starts = xstrdup(from);
	e->ends = xstrdup(to);
	e->status = xstrdup(status);
	e->reason = xstrdup("audit");
	e->requested_by = xstrdup("arn:aws:iam::123456789012:user/a");
	if (strcmp(status, "PENDING") != 0)
		e->decided_by = xstrdup("arn:aws:iam::123456789012:user/b");
}

/* Four instances: a tag backed by a live record, a tag backed by
 * nothing, no tag but an upcoming record, no tag and no record. */
static struct cache *
fleet(int with_records)
{
	struct cache *c;
	struct fleet_instance v[4];
	struct fleet_exception r[3];
	char *err = NULL;
	size_t i;

	assert_int_equal(cache_open_memory(&c, &err), 0);
	inst(&v[0], "i-0000000a", "2026-03-09..2026-03-12");
	inst(&v[1], "i-0000000b", "2026-03-09..2026-03-12");
	inst(&v[2], "i-0000000c", NULL);
	inst(&v[3], "i-0000000d", NULL);
	assert_int_equal(cache_replace_target(c, "default/us-east-1",
	    "111122223333", "us-east-1", v, 4, now, &err), 0);
	for (i = 0; i < 4; i++)
		fleet_instance_done(&v[i]);
	if (!with_records)
		return c;
	/* Out of order on purpose: the lookup must not depend on it. */
	rec(&r[0], "i-0000000c", "ex-2", "2026-03-20", "2026-03-25",
	    "APPROVED");
	rec(&r[1], "i-0000000a", "ex-1", "2026-03-01", "2026-03-31",
	    "APPROVED");
	rec(&r[2], "i-0000000b", "ex-3", "2026-03-01", "2026-03-31",
	    "PENDING");
	assert_int_equal(excache_store(c, cfg.exceptions_table, r, 3, now,
	    &err), 0);
	for (i = 0; i < 3; i++)
		fleet_exception_done(&r[i]);
	return c;
}

static const struct inv_row *
row_of(const struct inventory *inv, const char *id)
{
	size_t i;

	for (i = 0; i < inv->n; i++)
		if (strcmp(inv->rows[i].in->id, id) == 0)
			return &inv->rows[i];
	fail_msg("no row %s", id);
	return NULL;
}

static void
test_unknown_records_keep_todays_states(void **state)
{
	struct cache *c = fleet(0);
	struct inventory inv;
	char *err = NULL;

	(void)state;
	assert_int_equal(inventory_load(&inv, c, &cfg, now, &err), 0);
	assert_int_equal(inv.exc.fetched_at, 0);
	/* Without records, a well-formed tag is taken at its word. */
	assert_int_equal(row_of(&inv, "i-0000000a")->st.state,
	    TS_EXCEPTED_LIVE);
	assert_int_equal(row_of(&inv, "i-0000000b")->st.state,
	    TS_EXCEPTED_LIVE);
	assert_int_not_equal(row_of(&inv, "i-0000000c")->st.exception,
	    TS_EXCEPTED_UPCOMING);
	inventory_free(&inv);
	cache_close(c);
}

static void
test_records_decide_states(void **state)
{
	struct cache *c = fleet(1);
	struct inventory inv;
	char buf[64], *err = NULL;
	const struct inv_row *r;

	(void)state;
	assert_int_equal(inventory_load(&inv, c, &cfg, now, &err), 0);
	assert_int_equal(inv.exc.fetched_at, now);
	assert_int_equal(inv.exc.n, 3);
	r = row_of(&inv, "i-0000000a");
	assert_int_equal(r->st.state, TS_EXCEPTED_LIVE);
	assert_non_null(r->st.exception_record);
	assert_string_equal(r->st.exception_record->exception_id, "ex-1");
	/* Only a PENDING record: the tag is backed by no approval. */
	r = row_of(&inv, "i-0000000b");
	assert_int_equal(r->st.state, TS_EXCEPTED_UNAPPROVED);
	assert_string_equal(inventory_cell(&inv, r, COL_TAGSTATE, buf,
	    sizeof buf), "unapproved exception");
	r = row_of(&inv, "i-0000000c");
	assert_int_equal(r->st.exception, TS_EXCEPTED_UPCOMING);
	assert_string_equal(r->st.exception_record->exception_id, "ex-2");
	r = row_of(&inv, "i-0000000d");
	assert_int_equal(r->st.exception, 0);
	/* The tag state is searchable text too. */
	inventory_set_filter(&inv, "unapproved");
	assert_int_equal(inv.nvis, 1);
	assert_string_equal(inv.rows[inv.vis[0]].in->id, "i-0000000b");
	inventory_free(&inv);
	cache_close(c);
}

static void
test_empty_table_read_makes_tags_unapproved(void **state)
{
	struct cache *c = fleet(0);
	struct inventory inv;
	char *err = NULL;

	(void)state;
	/* Read and found empty: every tag is unapproved. */
	assert_int_equal(excache_store(c, cfg.exceptions_table, NULL, 0, now,
	    &err), 0);
	assert_int_equal(inventory_load(&inv, c, &cfg, now, &err), 0);
	assert_int_equal(inv.exc.fetched_at, now);
	assert_int_equal(row_of(&inv, "i-0000000a")->st.state,
	    TS_EXCEPTED_UNAPPROVED);
	inventory_free(&inv);
	cache_close(c);
}

static void
test_other_table_is_not_ours(void **state)
{
	struct cache *c = fleet(0);
	struct fleet_exception r;
	struct excache x;
	char *err = NULL;

	(void)state;
	rec(&r, "i-0000000a", "ex-9", "2026-03-01", "2026-03-31",
	    "APPROVED");
	assert_int_equal(excache_store(c, "another-table", &r, 1, now, &err),
	    0);
	fleet_exception_done(&r);
	assert_int_equal(excache_load(c, cfg.exceptions_table, &x, &err), 0);
	assert_int_equal(x.fetched_at, 0);
	assert_int_equal(x.n, 0);
	excache_done(&x);
	assert_int_equal(excache_load(c, "another-table", &x, &err), 0);
	assert_int_equal(x.n, 1);
	assert_string_equal(x.v[0].status, "APPROVED");
	/* What the cache holds as "" is absent again. */
	assert_null(x.v[0].ticket);
	excache_done(&x);
	cache_close(c);
}

/* The console's refresh: new records under a filter being typed. */
static void
test_set_exceptions_keeps_filter(void **state)
{
	struct cache *c = fleet(0);
	struct inventory inv;
	struct excache x;
	struct fleet_exception r;
	char *err = NULL;

	(void)state;
	assert_int_equal(inventory_load(&inv, c, &cfg, now, &err), 0);
	inventory_sort(&inv, COL_TAGSTATE, 0);
	inventory_set_filter(&inv, "unapproved");
	assert_int_equal(inv.nvis, 0);
	rec(&r, "i-0000000a", "ex-1", "2026-03-01", "2026-03-31", "APPROVED");
	assert_int_equal(excache_store(c, cfg.exceptions_table, &r, 1, now,
	    &err), 0);
	fleet_exception_done(&r);
	assert_int_equal(excache_load(c, cfg.exceptions_table, &x, &err), 0);
	inventory_set_exceptions(&inv, &x);
	assert_null(x.v);
	/* i-b's tag is now backed by nothing; i-a's by ex-1. */
	assert_int_equal(inv.nvis, 1);
	assert_string_equal(inv.rows[inv.vis[0]].in->id, "i-0000000b");
	assert_int_equal(inv.sort, COL_TAGSTATE);
	inventory_set_filter(&inv, NULL);
	assert_int_equal(inv.nvis, 4);
	inventory_free(&inv);
	cache_close(c);
}

static void
test_of_bisects(void **state)
{
	struct excache x;
	size_t first = 99, i;
	const char *ids[] = { "i-1", "i-2", "i-2", "i-2", "i-4" };

	(void)state;
	memset(&x, 0, sizeof x);
	x.n = 5;
	x.v = xcalloc(5, sizeof *x.v);
	for (i = 0; i < 5; i++)
		x.v[i].instance_id = xstrdup(ids[i]);
	assert_int_equal(excache_of(&x, "i-2", &first), 3);
	assert_int_equal(first, 1);
	assert_int_equal(excache_of(&x, "i-1", &first), 1);
	assert_int_equal(first, 0);
	assert_int_equal(excache_of(&x, "i-3", &first), 0);
	assert_int_equal(excache_of(&x, "i-5", &first), 0);
	assert_int_equal(first, 5);
	excache_done(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_records_keep_todays_states),
		cmocka_unit_test(test_records_decide_states),
		cmocka_unit_test(test_empty_table_read_makes_tags_unapproved),
		cmocka_unit_test(test_other_table_is_not_ours),
		cmocka_unit_test(test_set_exceptions_keeps_filter),
		cmocka_unit_test(test_of_bisects),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
