/*
 * bench_exsync.c - the exception sync plan at fleet scale: 20,000 records
 * over 50,000 instances (benchgen.h, three accounts, two regions),
 * generated in memory.  Prints the planning time (median of 5) and the
 * number of tag calls against the number of distinct tag values per
 * (target, region): with EC2's 1000 ids per call, the CreateTags count
 * should equal the distinct (target, region, value) groups unless a group
 * holds more than 1000 instances.
 *
 *   bench_exsync [NRECORDS NINSTANCES]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchgen.h"
#include "fleet/date.h"
#include "fleet/exception.h"
#include "ops/exsync.h"

#define RUNS 5

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t
distinct(char **v, size_t n)
{
	size_t k, d = 0;

	qsort(v, n, sizeof *v, cmp_str);
	for (k = 0; k < n; k++)
		if (k == 0 || strcmp(v[k], v[k - 1]) != 0)
			d++;
	return d;
}

int
main(int argc, char **argv)
{
	size_t nrec = argc > 2 ? strtoul(argv[1], NULL, 10) : 20000;
	size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 50000;
	long long now = (long long)time(NULL), t0, times[RUNS];
	struct fleet_date today = fleet_date_of_utc(now);
	struct fleet_instance *v = benchgen_fleet(n, 7, now);
	const struct fleet_instance **insts = xcalloc(n, sizeof *insts);
	const char **targets = xcalloc(n, sizeof *targets);
	struct fleet_exception *recs = xcalloc(nrec, sizeof *recs);
	static const char *const status[] = { "APPROVED", "APPROVED",
	    "APPROVED", "APPROVED", "APPROVED", "APPROVED", "APPROVED",
	    "PENDING", "REJECTED", "REVOKED" };
	struct exsync_plan p;
	char **groups, **dgroups;
	size_t k, ng = 0, nd = 0, creates = 0, deletes = 0;
	int r;

	for (k = 0; k < n; k++) {
		insts[k] = &v[k];
		targets[k] = strcmp(v[k].account, "123456789012") == 0 ? "prod" :
		    strcmp(v[k].account, "210987654321") == 0 ? "stage" : "dev";
	}
	/* Records on random instances (some get two); ranges from 30 start
	 * offsets and 12 lengths around today, so live, upcoming and expired
	 * ones and a few hundred distinct values. */
	for (k = 0; k < nrec; k++) {
		struct fleet_exception *e = &recs[k];
		struct fleet_date s = fleet_date_add_days(today,
		    (long)(benchgen_rand() % 30) - 20);
		struct fleet_date t = fleet_date_add_days(s,
		    (long)(benchgen_rand() % 12) * 3);
		char buf[16];

		e->instance_id = xstrdup(v[benchgen_rand() % n].id);
		e->exception_id = xasprintf("x%06zu", k);
		fleet_date_format(s, buf, sizeof buf);
		e->starts = xstrdup(buf);
		fleet_date_format(t, buf, sizeof buf);
		e->ends = xstrdup(buf);
		e->status = xstrdup(status[benchgen_rand() % 10]);
		/* Whole records, so the check of each is timed as it runs. */
		e->requested_by = xasprintf("arn:aws:sts::123456789012:"
		    "assumed-role/Owner%zu/patchdeck-%zu", k % 7, k);
		if (strcmp(e->status, "PENDING") != 0)
			e->decided_by = xstrdup("arn:aws:iam::123456789012:"
			    "user/approver");
	}

	for (r = 0; r < RUNS; r++) {
		t0 = bench_now_ns();
		exsync_plan_build(recs, nrec, insts, targets, n, today, 90,
		    "PatchException", 0, &p);
		times[r] = bench_now_ns() - t0;
		if (r < RUNS - 1)
			exsync_plan_free(&p);
	}
	qsort(times, RUNS, sizeof *times, cmp_ll);

	groups = xcalloc(p.nchanges + 1, sizeof *groups);
	dgroups = xcalloc(p.nchanges + 1, sizeof *dgroups);
	for (k = 0; k < p.nchanges; k++) {
		const struct exsync_change *c = &p.changes[k];

		if (c->kind == EXSYNC_REMOVE)
			dgroups[nd++] = xasprintf("%s/%s", c->target,
			    c->inst->region);
		else
			groups[ng++] = xasprintf("%s/%s/%s", c->target,
			    c->inst->region, c->value);
	}
	for (k = 0; k < p.calls.ncalls; k++) {
		if (p.calls.calls[k].op == TAGGING_CREATE)
			creates++;
		else
			deletes++;
	}
	printf("exsync plan: %zu records over %zu instances: %zu live, %zu "
	    "to set, %zu to change, %zu to remove (%zu unapproved)\n", nrec,
	    n, p.nlive, p.nset, p.nchange, p.nremove, p.nunapproved);
	printf("exsync-calls: CreateTags %zu for %zu distinct (target, region, "
	    "value); DeleteTags %zu for %zu (target, region); %zu calls "
	    "in all\n", creates, distinct(groups, ng), deletes,
	    distinct(dgroups, nd), p.calls.ncalls);
	printf("exsync-plan-20k-50k: measured %.1f ms (median of %d; min %.1f, "
	    "max %.1f)\n", (double)times[RUNS / 2] / 1e6, RUNS,
	    (double)times[0] / 1e6, (double)times[RUNS - 1] / 1e6);

	for (k = 0; k < ng; k++)
		free(groups[k]);
	for (k = 0; k < nd; k++)
		free(dgroups[k]);
	free(groups);
	free(dgroups);
	exsync_plan_free(&p);
	for (k = 0; k < nrec; k++)
		fleet_exception_done(&recs[k]);
	free(recs);
	for (k = 0; k < n; k++)
		fleet_instance_done(&v[k]);
	free(v);
	free(insts);
	free(targets);
	return 0;
}
