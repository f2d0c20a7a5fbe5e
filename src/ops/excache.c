/*
 * excache.c - see excache.h.
 */
#include "ops/excache.h"

#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"
#include "util/util.h"

static const char *
s0(const char *s)
{
	return s != NULL ? s : "";
}

/* "" in the cache means absent in DynamoDB (the cache stores no NULL). */
static char *
dup_nz(const char *s)
{
	return s != NULL && *s != '\0' ? xstrdup(s) : NULL;
}

static int
cmp_record(const void *a, const void *b)
{
	const struct fleet_exception *p = a, *q = b;
	int c = strcmp(s0(p->instance_id), s0(q->instance_id));

	return c != 0 ? c : strcmp(s0(p->exception_id), s0(q->exception_id));
}

int
excache_load(struct cache *c, const char *table, struct excache *x,
    char **err)
{
	struct cache_exception *v = NULL;
	char *meta = NULL, *key = xasprintf("exceptions:%s", table);
	size_t n = 0, i;
	int rc;

	memset(x, 0, sizeof *x);
	rc = cache_meta_get(c, key, &meta, err);
	free(key);
	if (rc != 0)
		return -1;
	if (meta == NULL)
		return 0;
	x->fetched_at = strtoll(meta, NULL, 10);
	free(meta);
	/* A meta value from elsewhere that is not a time still says the
	 * table was read. */
	if (x->fetched_at <= 0)
		x->fetched_at = 1;
	if (cache_load_exceptions(c, table, &v, &n, err) != 0) {
		x->fetched_at = 0;
		return -1;
	}
	x->v = xcalloc(n ? n : 1, sizeof *x->v);
	for (i = 0; i < n; i++) {
		struct fleet_exception *e = &x->v[i];

		e->instance_id = dup_nz(v[i].instance_id);
		e->exception_id = dup_nz(v[i].exception_id);
		e->starts = dup_nz(v[i].starts);
		e->ends = dup_nz(v[i].ends);
		e->reason = dup_nz(v[i].reason);
		e->ticket = dup_nz(v[i].ticket);
		e->requested_by = dup_nz(v[i].requested_by);
		e->requested_at = dup_nz(v[i].requested_at);
		e->status = dup_nz(v[i].status);
		e->decided_by = dup_nz(v[i].decided_by);
		e->decided_at = dup_nz(v[i].decided_at);
	}
	x->n = n;
	cache_exceptions_free(v, n);
	/* The cache's order already, unless its collation differs from
	 * strcmp; bisecting needs strcmp's. */
	qsort(x->v, x->n, sizeof *x->v, cmp_record);
	return 0;
}

void
excache_done(struct excache *x)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		fleet_exception_done(&x->v[i]);
	free(x->v);
	memset(x, 0, sizeof *x);
}

int
excache_store(struct cache *c, const char *table,
    const struct fleet_exception *v, size_t n, long long now, char **err)
{
	struct cache_exception *ce = xcalloc(n ? n : 1, sizeof *ce);
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		/* Borrowed: the cache copies what it stores. */
		ce[i].source = (char *)table;
		ce[i].instance_id = (char *)s0(v[i].instance_id);
		ce[i].exception_id = (char *)s0(v[i].exception_id);
		ce[i].starts = (char *)s0(v[i].starts);
		ce[i].ends = (char *)s0(v[i].ends);
		ce[i].reason = (char *)s0(v[i].reason);
		ce[i].ticket = (char *)s0(v[i].ticket);
		ce[i].requested_by = (char *)s0(v[i].requested_by);
		ce[i].requested_at = (char *)s0(v[i].requested_at);
		ce[i].status = (char *)s0(v[i].status);
		ce[i].decided_by = (char *)s0(v[i].decided_by);
		ce[i].decided_at = (char *)s0(v[i].decided_at);
	}
	rc = cache_replace_exceptions(c, table, ce, n, now, err);
	free(ce);
	return rc;
}

size_t
excache_of(const struct excache *x, const char *instance_id, size_t *first)
{
	return fleet_exceptions_of(x->v, x->n, instance_id, first);
}
