/*
 * benchgen.h - realistic instances for the benches, without the simulator:
 * names like "web-prod-0123", ids, accounts, regions, mixed states and
 * platforms, and exactly ten tags each (Name, PatchWindow over the three
 * windows of BENCH_CONFIG plus some missing or unknown, Owner,
 * LastPatched, and the cost/ownership tags real fleets carry).  A few
 * carry PatchException or ssm-patch-now so every tag state shows up.
 *
 * Deterministic for a seed.  Header-only (static functions) because the
 * bench pattern rule builds each bench from one .c file.
 */
#ifndef PATCHDECK_BENCHGEN_H
#define PATCHDECK_BENCHGEN_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleet/instance.h"
#include "util/util.h"

/* The windows the generated PatchWindow tags name; run.sh writes the
 * same text into the config the console reads. */
#define BENCH_CONFIG \
	"[window sun-0200]\n" \
	"schedule = sun 02:00\n" \
	"duration = 3h\n" \
	"timezone = Europe/Berlin\n" \
	"\n" \
	"[window patch-tue-3d]\n" \
	"schedule = 2nd tue +3d 01:00\n" \
	"duration = 4h\n" \
	"timezone = America/New_York\n" \
	"\n" \
	"[window daily-2300]\n" \
	"schedule = daily 23:00\n" \
	"duration = 2h\n"

#define BENCH_NTAGS 10

static uint64_t benchgen_state = 88172645463325252ULL;

static uint32_t
benchgen_rand(void)
{
	/* xorshift64*: no libc rand() state shared with the library. */
	benchgen_state ^= benchgen_state >> 12;
	benchgen_state ^= benchgen_state << 25;
	benchgen_state ^= benchgen_state >> 27;
	return (uint32_t)((benchgen_state * 2685821657736338717ULL) >> 32);
}

static const char *
benchgen_pick(const char *const *v, size_t n)
{
	return v[benchgen_rand() % n];
}

static char *
benchgen_iso(long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[32];

	gmtime_r(&tt, &tm);
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(s);
}

static void
benchgen_tag(struct fleet_instance *in, const char *k, char *v)
{
	in->tags[in->ntags].key = xstrdup(k);
	in->tags[in->ntags].value = v;
	in->ntags++;
}

/* Fills in (plain allocations, free with fleet_instance_done) as the
 * i-th instance of a fleet, now being the current time. */
static void
benchgen_instance(struct fleet_instance *in, size_t i, long long now)
{
	static const char *const roles[] = { "web", "api", "db", "cache",
	    "worker", "batch", "etl", "proxy", "search", "queue" };
	static const char *const envs[] = { "prod", "prod", "prod", "stage",
	    "dev", "qa" };
	static const char *const accounts[] = { "123456789012",
	    "210987654321", "333344445555" };
	static const char *const regions[] = { "us-east-1", "eu-west-1" };
	static const char *const windows[] = { "sun-0200", "sun-0200",
	    "patch-tue-3d", "patch-tue-3d", "daily-2300", "daily-2300",
	    "daily-2300", "sat-0400" /* unknown */, "" /* none */ };
	static const char *const owners[] = { "alice@example.com",
	    "bob@example.com", "team-payments", "team-search",
	    "carol@example.com", "sre-oncall", "team-data", "dave@example.com" };
	static const char *const types[] = { "t3.micro", "t3.large",
	    "m5.xlarge", "c6i.2xlarge", "r6g.large" };
	static const char *const teams[] = { "payments", "search", "data",
	    "platform", "identity", "growth" };
	uint32_t r = benchgen_rand() % 100;
	int win = benchgen_rand() % 10 == 0;
	const char *role = benchgen_pick(roles, 10);
	const char *env = benchgen_pick(envs, 6);
	const char *w;
	long long launched = now - 86400LL * (5 + benchgen_rand() % 900);

	memset(in, 0, sizeof *in);
	in->id = xasprintf("i-%08x%09zx", benchgen_rand(), i);
	in->account = xstrdup(accounts[i % 3]);
	in->region = xstrdup(regions[(i / 3) % 2]);
	in->name = xasprintf("%s-%s-%04zu", role, env, i % 10000);
	in->state = xstrdup(r < 82 ? "running" : r < 96 ? "stopped" :
	    r < 98 ? "pending" : r < 99 ? "stopping" : "terminated");
	in->type = xstrdup(benchgen_pick(types, 5));
	in->platform = xstrdup(win ? "windows" : "linux");
	in->platform_name = xstrdup(win ? "Microsoft Windows Server 2022" :
	    benchgen_rand() % 2 ? "Amazon Linux" : "Ubuntu");
	in->platform_version = xstrdup(win ? "10.0.20348" : "2023");
	in->private_ip = xasprintf("10.%u.%u.%u", (unsigned)(i >> 16) & 255,
	    (unsigned)(i >> 8) & 255, (unsigned)i & 255);
	in->public_ip = xstrdup(benchgen_rand() % 4 ? "" : "52.1.2.3");
	in->az = xasprintf("%sa", in->region);
	in->launch_time = benchgen_iso(launched);
	in->ping = xstrdup(strcmp(in->state, "running") != 0 ? "" :
	    benchgen_rand() % 20 ? "Online" : "ConnectionLost");
	in->agent_version = xstrdup("3.3.1142.0");
	in->last_ping = now - benchgen_rand() % 3600;
	in->fetched_at = now;

	in->tags = xcalloc(BENCH_NTAGS, sizeof *in->tags);
	benchgen_tag(in, "Name", xstrdup(in->name));
	w = benchgen_pick(windows, 9);
	benchgen_tag(in, "PatchWindow", xstrdup(w));
	benchgen_tag(in, "Owner", xstrdup(benchgen_pick(owners, 8)));
	benchgen_tag(in, "LastPatched", benchgen_iso(now -
	    3600LL * (1 + benchgen_rand() % (60 * 24))));
	benchgen_tag(in, "Environment", xstrdup(env));
	benchgen_tag(in, "Application", xasprintf("%s-svc", role));
	benchgen_tag(in, "CostCenter", xasprintf("cc-%04u",
	    benchgen_rand() % 300));
	benchgen_tag(in, "Team", xstrdup(benchgen_pick(teams, 6)));
	r = benchgen_rand() % 100;
	if (r < 3) {
		/* An exception tag: today-10d .. today+20d, or already over. */
		char *a = benchgen_iso(now - 86400LL * 10);
		char *b = benchgen_iso(now + 86400LL * (r == 0 ? -2 : 20));

		benchgen_tag(in, "PatchException", xasprintf("%.10s..%.10s",
		    a, b));
		free(a);
		free(b);
	} else
		benchgen_tag(in, "ManagedBy", xstrdup("terraform"));
	if (r == 5)
		benchgen_tag(in, "ssm-patch-now", xstrdup("run-bench-1"));
	else
		benchgen_tag(in, "Backup", xstrdup(benchgen_rand() % 2 ?
		    "daily" : "none"));
}

/* n instances in one array (free each with fleet_instance_done). */
static struct fleet_instance *
benchgen_fleet(size_t n, unsigned seed, long long now)
{
	struct fleet_instance *v = xcalloc(n ? n : 1, sizeof *v);
	size_t i;

	benchgen_state = 88172645463325252ULL ^ ((uint64_t)seed << 17);
	for (i = 0; i < n; i++)
		benchgen_instance(&v[i], i, now);
	return v;
}

/* Monotonic clock in nanoseconds. */
static long long
bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

#endif
