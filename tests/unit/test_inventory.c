/*
 * test_inventory.c - the instances table: tag states per row, sorting by
 * every column both ways (16-byte key prefixes included), the `/` filter
 * typed and erased a character at a time against a brute-force filter
 * and a fresh inventory, `:` commands, marks, per-window counts and
 * hostile values.  Instances are built by hand (heap strings, no block);
 * the windows come from a small config file in a mkdtemp folder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache/cache.h"
#include "fleet/date.h"
#include "fleet/instance.h"
#include "fleet/tagstate.h"
#include "fleetfix.h"
#include "ops/config.h"
#include "ops/inventory.h"
#include "util/util.h"

static struct config cfg;
static long long now;

static long long
utc(int y, int m, int d, int h, int mi)
{
	return fleet_date_days_from_civil(y, m, d) * 86400 + h * 3600 +
	    mi * 60;
}

static int
setup_cfg(void **state)
{
	(void)state;
	now = utc(2026, 1, 15, 12, 0);	/* a Thursday */
	return fleetfix_config("[window sun-0200]\nschedule = sun 02:00\n"
	    "duration = 3h\ntimezone = Europe/Berlin\n"
	    "[window daily]\nschedule = daily 01:00\nduration = 1h\n", &cfg);
}

static int
teardown_cfg(void **state)
{
	(void)state;
	config_free(&cfg);
	return 0;
}

/* ---- building instances ------------------------------------------- */

struct spec {
	const char *id, *name, *account, *region, *state, *platform, *ping;
	const char *window, *patched, *owner, *patch_now;
};

static void
add_tag(struct fleet_instance *in, const char *k, const char *v)
{
	if (v == NULL)
		return;
	in->tags = xreallocarray(in->tags, in->ntags + 1, sizeof *in->tags);
	in->tags[in->ntags].key = xstrdup(k);
	in->tags[in->ntags].value = xstrdup(v);
	in->ntags++;
}

static void
inst_init(struct fleet_instance *in, const struct spec *s)
{
	memset(in, 0, sizeof *in);
	in->id = xstrdup(s->id);
	in->account = xstrdup(s->account ? s->account : "111122223333");
	in->region = xstrdup(s->region ? s->region : "us-east-1");
	in->name = xstrdup(s->name ? s->name : "");
	in->state = xstrdup(s->state ? s->state : "running");
	in->type = xstrdup("t3.micro");
	in->platform = xstrdup(s->platform ? s->platform : "linux");
	in->platform_name = xstrdup("Amazon Linux");
	in->platform_version = xstrdup("2023");
	in->private_ip = xstrdup("10.0.0.1");
	in->public_ip = xstrdup("");
	in->az = xstrdup("us-east-1a");
	in->launch_time = xstrdup("2025-12-20T00:00:00Z");
	in->ping = xstrdup(s->ping ? s->ping : "Online");
	in->agent_version = xstrdup("3.3.0");
	in->fetched_at = now - 60;
	add_tag(in, "Name", s->name);
	add_tag(in, "PatchWindow", s->window);
	add_tag(in, "LastPatched", s->patched);
	add_tag(in, "Owner", s->owner);
	add_tag(in, "ssm-patch-now", s->patch_now);
}

static struct fleet_instance *
build(const struct spec *s, size_t n)
{
	struct fleet_instance *v = xcalloc(n, sizeof *v);
	size_t i;

	for (i = 0; i < n; i++)
		inst_init(&v[i], &s[i]);
	return v;
}

/* A varied fleet, the same for the same n: names that share a 16-byte
 * prefix, equal names (ties), hostile bytes and 10 KB names. */
static char *big_a, *big_b;

static const char *const pool_names[] = {
	"web-server-prod-01-a", "web-server-prod-01-b", "web-server-prod-0",
	"web-server-prod-01", "web-server-prod-", "web-server-prod",
	"web-server-prod-01-a", "web-server-prod-01-aa", "Web-Server-Prod-01",
	"db", "db", "", "api-gateway-backend-eu-1", "api-gateway-backend-eu-10",
	"api-gateway-backend-eu-", "bell\x07" "and\x1b[2Jescape",
	"bad-utf8-\xc3\x28-x", "\xff\xfe\xfd", "caf\xc3\xa9-\xe2\x82\xac",
	"zzz", "WEB", "tab\there", NULL, NULL,
};
static const char *const pool_window[] = {
	NULL, "sun-0200", "daily", "nope", "", "Sun-0200",
};
static const char *const pool_patched[] = {
	NULL, "2026-01-15T02:00:00Z", "2026-01-10T03:00:00Z",
	"2025-09-01T00:00:00Z", "garbage", "2026-01-14T23:00:00+01:00",
};
static const char *const pool_owner[] = {
	NULL, "Team-A", "team-b", "OPS", "ops-team-a",
};
static const char *const pool_ping[] = {
	"Online", "ConnectionLost", "Inactive", "",
};
static const char *const pool_state[] = {
	"running", "stopped", "pending", "Running",
};
static const char *const pool_account[] = {
	"111122223333", "444455556666",
};
static const char *const pool_region[] = {
	"us-east-1", "eu-west-1", "ap-south-1",
};

#define NPOOL(a) (sizeof (a) / sizeof (a)[0])

static unsigned
rnd(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) & 0x7fff;
}

static struct fleet_instance *
build_fleet(size_t n)
{
	struct fleet_instance *v = xcalloc(n, sizeof *v);
	unsigned seed = 42;
	size_t i;

	if (big_a == NULL) {
		big_a = xmalloc(10241);
		memset(big_a, 'x', 10240);
		big_a[10240] = '\0';
		big_b = xstrdup(big_a);
		big_b[10239] = 'w';	/* same 10 KB less one, smaller */
	}
	for (i = 0; i < n; i++) {
		struct spec s;
		char id[32];

		memset(&s, 0, sizeof s);
		/* Ids not in index order, so "by id" is not "as built". */
		snprintf(id, sizeof id, "i-%017zx", (i * 7919) % 100003);
		s.id = id;
		s.name = pool_names[rnd(&seed) % NPOOL(pool_names)];
		if (i == 3)
			s.name = big_a;
		if (i == 5 || i == 6)
			s.name = big_b;
		s.window = pool_window[rnd(&seed) % NPOOL(pool_window)];
		s.patched = pool_patched[rnd(&seed) % NPOOL(pool_patched)];
		s.owner = pool_owner[rnd(&seed) % NPOOL(pool_owner)];
		s.ping = pool_ping[rnd(&seed) % NPOOL(pool_ping)];
		s.state = pool_state[rnd(&seed) % NPOOL(pool_state)];
		s.account = pool_account[rnd(&seed) % NPOOL(pool_account)];
		s.region = pool_region[rnd(&seed) % NPOOL(pool_region)];
		s.platform = rnd(&seed) % 3 == 0 ? "windows" : "linux";
		if (rnd(&seed) % 10 == 0)
			s.patch_now = "run-1";
		inst_init(&v[i], &s);
		/* Names from the Name tag, but hostile ones only here. */
		free(v[i].private_ip);
		v[i].private_ip = xasprintf("10.0.%zu.%zu", i / 200, i % 200);
	}
	return v;
}

/* ---- independent references ----------------------------------------- */

static int
bytecmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	while (*x != '\0' && *x == *y) {
		x++;
		y++;
	}
	return (*x > *y) - (*x < *y);
}

static int
ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Case-insensitive (ASCII) substring, bytes otherwise. */
static int
ci_in(const char *hay, const char *needle)
{
	size_t hn = strlen(hay), nn = strlen(needle), i, k;

	if (nn == 0)
		return 1;
	for (i = 0; i + nn <= hn; i++) {
		for (k = 0; k < nn; k++) {
			if (ascii_lower((unsigned char)hay[i + k]) !=
			    ascii_lower((unsigned char)needle[k]))
				break;
		}
		if (k == nn)
			return 1;
	}
	return 0;
}

/* What a `/` filter searches: the fields of the row as the table shows
 * them, each on its own (no match across two fields). */
static int
brute_text(const struct inv_row *r, const char *filter)
{
	const struct fleet_instance *in = r->in;
	const char *f[12];
	size_t i;

	if (filter == NULL || *filter == '\0')
		return 1;
	f[0] = in->name;
	f[1] = in->id;
	f[2] = in->account;
	f[3] = in->region;
	f[4] = in->state;
	f[5] = in->platform;
	f[6] = in->platform_name;
	f[7] = in->ping;
	f[8] = in->private_ip;
	f[9] = r->st.window_id != NULL ? r->st.window_id : "";
	f[10] = r->st.owner != NULL ? r->st.owner : "";
	f[11] = fleet_tag_state_name(r->st.state);
	for (i = 0; i < 12; i++) {
		if (ci_in(f[i], filter))
			return 1;
	}
	return 0;
}

/* The `:` conditions as the test tracks them on its own. */
struct model {
	const char *window, *state, *ping, *owner, *account, *region, *tag;
	const char *filter;
};

static int
brute_where(const struct inv_row *r, const struct model *m)
{
	const struct fleet_instance *in = r->in;

	if (m->window != NULL && (r->st.window_id == NULL ||
	    strcmp(m->window, r->st.window_id) != 0))
		return 0;
	if (m->state != NULL && strcmp(m->state, in->state) != 0)
		return 0;
	if (m->account != NULL && strcmp(m->account, in->account) != 0)
		return 0;
	if (m->region != NULL && strcmp(m->region, in->region) != 0)
		return 0;
	if (m->ping != NULL && !ci_in(in->ping, m->ping))
		return 0;
	if (m->owner != NULL && !ci_in(r->st.owner ? r->st.owner : "",
	    m->owner))
		return 0;
	if (m->tag != NULL && strcmp(m->tag,
	    fleet_tag_state_name(r->st.state)) != 0)
		return 0;
	return 1;
}

static long long
patched_key(const struct inv_row *r)
{
	return r->st.last_patched_known ? r->st.last_patched : -1;
}

/* Compares two rows by column col as documented: tag state by its enum
 * value, last patched by the time (never: -1), the rest by cell text. */
static int
col_cmp(const struct inventory *inv, const struct inv_row *a,
    const struct inv_row *b, enum inv_col col)
{
	char ba[128], bb[128];
	long long x, y;

	if (col == COL_TAGSTATE) {
		x = a->st.state;
		y = b->st.state;
	} else if (col == COL_LAST_PATCHED) {
		x = patched_key(a);
		y = patched_key(b);
	} else
		return bytecmp(inventory_cell(inv, a, col, ba, sizeof ba),
		    inventory_cell(inv, b, col, bb, sizeof bb));
	return (x > y) - (x < y);
}

/* vis is every visible row once, ordered by the sort column, ties by id
 * (the whole order reversed when descending). */
static void
check_sorted(const struct inventory *inv)
{
	size_t i;

	for (i = 0; i + 1 < inv->nvis; i++) {
		const struct inv_row *a = &inv->rows[inv->vis[i]];
		const struct inv_row *b = &inv->rows[inv->vis[i + 1]];
		int c = col_cmp(inv, a, b, inv->sort), t;

		if (inv->desc)
			c = -c;
		if (c > 0)
			fail_msg("column %s%s: rows %zu and %zu out of order",
			    inv_columns[inv->sort].name, inv->desc ? " desc" :
			    "", i, i + 1);
		if (c == 0) {
			t = strcmp(a->in->id, b->in->id);
			if (inv->desc)
				t = -t;
			if (t >= 0)
				fail_msg("column %s: tie %zu not by id",
				    inv_columns[inv->sort].name, i);
		}
	}
}

/* The visible rows are exactly those the model allows, in inv->order,
 * and (nfleet > 0: the rows are build_fleet(nfleet)) the same, by id, as
 * a fresh inventory given the sort, conditions and filter at once. */
static void
check_visible(struct inventory *inv, const struct model *m, size_t nfleet)
{
	struct inventory fresh;
	size_t i, k = 0;
	char *msg = NULL;
	char cmd[256];

	for (i = 0; i < inv->n; i++) {
		const struct inv_row *r = &inv->rows[inv->order[i]];

		if (!brute_where(r, m) || !brute_text(r, m->filter))
			continue;
		if (k >= inv->nvis || inv->vis[k] != inv->order[i])
			fail_msg("filter '%s': row %zu (%s) expected at %zu",
			    m->filter ? m->filter : "", inv->order[i],
			    r->in->id, k);
		k++;
	}
	if (k != inv->nvis)
		fail_msg("filter '%s': %zu shown, %zu expected",
		    m->filter ? m->filter : "", inv->nvis, k);
	check_sorted(inv);
	if (nfleet == 0)	/* a hand-built set: no fresh copy to make */
		return;

	inventory_take(&fresh, build_fleet(nfleet), nfleet, &cfg, now);
	inventory_sort(&fresh, inv->sort, inv->desc);
#define COND(f, w) if (m->f != NULL) { \
		snprintf(cmd, sizeof cmd, "%s %s", w, m->f); \
		assert_int_equal(inventory_command(&fresh, cmd, &msg), 0); \
		free(msg); msg = NULL; }
	COND(window, "window")
	COND(state, "state")
	COND(ping, "ping")
	COND(owner, "owner")
	COND(account, "account")
	COND(region, "region")
	COND(tag, "tag")
#undef COND
	inventory_set_filter(&fresh, m->filter);
	assert_int_equal(fresh.nvis, inv->nvis);
	for (i = 0; i < inv->nvis; i++)
		assert_string_equal(fresh.rows[fresh.vis[i]].in->id,
		    inv->rows[inv->vis[i]].in->id);
	inventory_free(&fresh);
}

/* ---- tests ---------------------------------------------------------- */

static void
test_tag_states(void **state)
{
	static const struct spec s[] = {
		{ .id = "i-a", .name = "a", .window = "sun-0200",
		    .patched = "2026-01-15T02:00:00Z" },
		{ .id = "i-b", .name = "b", .window = "sun-0200",
		    .patched = "2026-01-10T03:00:00Z" },
		{ .id = "i-c", .name = "c" },
		{ .id = "i-d", .name = "d", .window = "nope" },
		{ .id = "i-e", .name = "e", .window = "" },
		{ .id = "i-f", .name = "f", .window = "daily",
		    .patched = "2025-10-01T00:00:00Z" },
		{ .id = "i-g", .name = "g", .window = "Sun-0200",
		    .patched = "2026-01-15T02:00:00Z" },
		{ .id = "i-h", .name = "h", .window = "daily",
		    .patched = "2026-01-15T02:00:00Z", .patch_now = "r-1" },
		{ .id = "i-i", .name = "i", .window = "daily",
		    .patched = "2026-01-15T02:00:00Z", .owner = "Team-X" },
	};
	static const enum fleet_tag_state want[] = {
		TS_PATCHED_RECENTLY, TS_SCHEDULED, TS_NO_WINDOW,
		TS_UNKNOWN_WINDOW, TS_NO_WINDOW, TS_STALE, TS_UNKNOWN_WINDOW,
		TS_IN_RUN, TS_PATCHED_RECENTLY,
	};
	struct inventory inv;
	size_t i, n = sizeof s / sizeof s[0];
	char buf[128];

	(void)state;
	inventory_take(&inv, build(s, n), n, &cfg, now);
	assert_int_equal(inv.n, n);
	assert_int_equal(inv.nvis, n);
	assert_int_equal(inv.now, now);
	assert_int_equal(inv.oldest, now - 60);
	for (i = 0; i < n; i++) {
		const struct inv_row *r = &inv.rows[i];

		assert_ptr_equal(r->in, &inv.v[i]);
		if (r->st.state != want[i])
			fail_msg("%s: state %s, want %s", r->in->id,
			    fleet_tag_state_name(r->st.state),
			    fleet_tag_state_name(want[i]));
		assert_string_equal(inventory_cell(&inv, r, COL_TAGSTATE, buf,
		    sizeof buf), fleet_tag_state_name(want[i]));
	}
	assert_int_equal(inv.rows[0].st.window, 0);
	assert_true(inv.rows[0].st.has_next);
	/* The next Sunday 02:00 in Berlin is 01:00 UTC on the 18th. */
	assert_int_equal(inv.rows[0].st.next_start, utc(2026, 1, 18, 1, 0));
	assert_int_equal(inv.rows[1].st.window, 0);
	assert_int_equal(inv.rows[5].st.window, 1);
	assert_int_equal(inv.rows[2].st.window, -1);
	assert_int_equal(inv.rows[3].st.window, -1);
	assert_string_equal(inventory_cell(&inv, &inv.rows[3], COL_WINDOW,
	    buf, sizeof buf), "nope");
	assert_string_equal(inventory_cell(&inv, &inv.rows[2], COL_WINDOW,
	    buf, sizeof buf), "");
	assert_string_equal(inventory_cell(&inv, &inv.rows[8], COL_OWNER,
	    buf, sizeof buf), "Team-X");
	assert_string_equal(inventory_cell(&inv, &inv.rows[0],
	    COL_LAST_PATCHED, buf, sizeof buf), "0d ago");
	assert_string_equal(inventory_cell(&inv, &inv.rows[1],
	    COL_LAST_PATCHED, buf, sizeof buf), "5d ago");
	assert_string_equal(inventory_cell(&inv, &inv.rows[2],
	    COL_LAST_PATCHED, buf, sizeof buf), "never");
	/* Default order: by name. */
	assert_int_equal(inv.sort, COL_NAME);
	assert_int_equal(inv.desc, 0);
	for (i = 0; i < n; i++)
		assert_int_equal(inv.vis[i], i);
	inventory_free(&inv);
	assert_null(inv.rows);
}

static void
test_sort_every_column(void **state)
{
	struct inventory inv;
	size_t n = 300, i, col, *seen;
	int desc;

	(void)state;
	inventory_take(&inv, build_fleet(n), n, &cfg, now);
	assert_int_equal(inv.sort, COL_NAME);
	check_sorted(&inv);
	seen = xcalloc(n, sizeof *seen);
	for (col = 0; col < COL_COUNT; col++) {
		for (desc = 0; desc <= 1; desc++) {
			inventory_sort(&inv, (enum inv_col)col, desc);
			assert_int_equal(inv.sort, col);
			assert_int_equal(inv.desc, desc);
			assert_int_equal(inv.nvis, n);
			check_sorted(&inv);
			memset(seen, 0, n * sizeof *seen);
			for (i = 0; i < n; i++) {
				assert_true(inv.vis[i] < n);
				assert_int_equal(seen[inv.vis[i]]++, 0);
			}
		}
	}
	free(seen);
	inventory_free(&inv);
}

/* Names around the 16-byte prefix the sort compares first. */
static void
test_sort_prefix(void **state)
{
	static const struct spec s[] = {
		{ .id = "i-1", .name = "abcdefghijklmnopZ" },
		{ .id = "i-2", .name = "abcdefghijklmnop" },
		{ .id = "i-3", .name = "abcdefghijklmnopA" },
		{ .id = "i-4", .name = "abcdefghijklmno" },
		{ .id = "i-5", .name = "abcdefghijklmnopAA" },
		{ .id = "i-6", .name = "abcdefghijklmnop\xff" },
		{ .id = "i-7", .name = "abcdefghijklmnopA" },
		{ .id = "i-0", .name = "abcdefghijklmnopA" },
		{ .id = "i-8", .name = "abcdefghijklmnoq" },
		{ .id = "i-9", .name = "" },
	};
	static const char *const want[] = {
		"i-9", "i-4", "i-2", "i-0", "i-3", "i-7", "i-5", "i-1", "i-6",
		"i-8",
	};
	struct inventory inv;
	size_t i, n = sizeof s / sizeof s[0];

	(void)state;
	inventory_take(&inv, build(s, n), n, &cfg, now);
	for (i = 0; i < n; i++)
		assert_string_equal(inv.rows[inv.vis[i]].in->id, want[i]);
	inventory_sort(&inv, COL_NAME, 1);
	for (i = 0; i < n; i++)
		assert_string_equal(inv.rows[inv.vis[i]].in->id,
		    want[n - 1 - i]);
	inventory_free(&inv);
}

/* Sets the filter to the first len bytes of text; the model keeps it, so
 * checks after a `:` command or a sort see the filter still in force. */
static char cur_filter[256];

static void
type_and_check(struct inventory *inv, struct model *m, const char *text,
    size_t len, size_t nfleet)
{
	assert_true(len < sizeof cur_filter);
	memcpy(cur_filter, text, len);
	cur_filter[len] = '\0';
	inventory_set_filter(inv, cur_filter);
	m->filter = len > 0 ? cur_filter : NULL;
	check_visible(inv, m, nfleet);
	if (len == 0)
		assert_null(inv->filter);
}

static void
run_cmd(struct inventory *inv, const char *cmd, int want)
{
	char *msg = NULL;

	assert_int_equal(inventory_command(inv, cmd, &msg), want);
	if (want != 1)
		assert_non_null(msg);
	free(msg);
}

static void
test_filter_typing(void **state)
{
	static const char *const words[] = {
		"Web-Server-Prod-01-a", "team-a", "CONNECTIONLOST", "10.0.0.1",
		"i-0000", "scheduled", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxw",
		"\xc3\x28", "\x1b[2J", "eu-west", "no window", "db",
	};
	struct inventory inv;
	struct model m;
	size_t n = 150, w, len, full;

	(void)state;
	for (w = 0; w < sizeof words / sizeof words[0]; w++) {
		const char *word = words[w];

		memset(&m, 0, sizeof m);
		inventory_take(&inv, build_fleet(n), n, &cfg, now);
		full = strlen(word);
		for (len = 1; len <= full; len++) {
			type_and_check(&inv, &m, word, len, n);
			if (len == full / 3) {
				inventory_sort(&inv, COL_OWNER, 1);
				type_and_check(&inv, &m, word, len, n);
			}
			if (len == full / 2) {
				run_cmd(&inv, "state running", 0);
				m.state = "running";
				check_visible(&inv, &m, n);
			}
		}
		for (len = full; len-- > 0;) {
			type_and_check(&inv, &m, word, len, n);
			if (len == full / 2 + 1) {
				run_cmd(&inv, "sort -name", 0);
				check_visible(&inv, &m, n);
			}
			if (len == full / 3 + 1) {
				run_cmd(&inv, "ping lost", 0);
				m.ping = "lost";
				check_visible(&inv, &m, n);
			}
		}
		/* Retype after the erase, then jump to an unrelated text
		 * and to a shorter text that is not a prefix. */
		for (len = 1; len <= full; len++)
			type_and_check(&inv, &m, word, len, n);
		type_and_check(&inv, &m, "prod", 4, n);
		type_and_check(&inv, &m, "rod", 3, n);
		type_and_check(&inv, &m, "rod", 3, n);
		run_cmd(&inv, "clear", 0);
		memset(&m, 0, sizeof m);
		assert_null(inv.filter);
		assert_int_equal(inv.nvis, n);
		check_visible(&inv, &m, n);
		inventory_free(&inv);
	}
	/* Longer than the trail remembers: still right on the way back. */
	{
		char longf[100];

		memset(longf, 'x', sizeof longf - 1);
		longf[sizeof longf - 1] = '\0';
		memset(&m, 0, sizeof m);
		inventory_take(&inv, build_fleet(n), n, &cfg, now);
		for (len = 1; len < sizeof longf; len++)
			type_and_check(&inv, &m, longf, len, n);
		for (len = sizeof longf - 1; len-- > 0;)
			type_and_check(&inv, &m, longf, len, n);
		inventory_free(&inv);
	}
}

static void
test_commands(void **state)
{
	static const struct {
		const char *cmd;
		struct model m;
	} conds[] = {
		{ "window sun-0200", { .window = "sun-0200" } },
		{ "window daily", { .window = "daily" } },
		{ "state stopped", { .state = "stopped" } },
		{ "state Running", { .state = "Running" } },
		{ "ping lost", { .ping = "lost" } },
		{ "ping ONLINE", { .ping = "ONLINE" } },
		{ "owner TEAM-a", { .owner = "TEAM-a" } },
		{ "owner ops", { .owner = "ops" } },
		{ "account 444455556666", { .account = "444455556666" } },
		{ "region eu-west-1", { .region = "eu-west-1" } },
		{ "tag patched", { .tag = "patched" } },
		{ "tag no window", { .tag = "no window" } },
		{ "tag unknown window", { .tag = "unknown window" } },
		{ "  tag   in run", { .tag = "in run" } },
	};
	struct inventory inv;
	struct model m;
	size_t n = 200, i, k;
	char *msg = NULL;

	(void)state;
	inventory_take(&inv, build_fleet(n), n, &cfg, now);
	for (i = 0; i < sizeof conds / sizeof conds[0]; i++) {
		run_cmd(&inv, conds[i].cmd, 0);
		if (inv.nvis == 0 || inv.nvis == n)
			fail_msg("'%s' shows %zu of %zu: the fleet does not "
			    "test it", conds[i].cmd, inv.nvis, n);
		check_visible(&inv, &conds[i].m, n);
		run_cmd(&inv, "clear", 0);
		assert_int_equal(inv.nvis, n);
	}
	/* ping lost finds ConnectionLost, and only it; a trailing blank
	 * is ignored, as typed in a hurry. */
	run_cmd(&inv, "ping lost  ", 0);
	assert_non_null(inv.where.ping);
	assert_string_equal(inv.where.ping, "lost");
	for (i = 0; i < inv.nvis; i++)
		assert_string_equal(inv.rows[inv.vis[i]].in->ping,
		    "ConnectionLost");
	/* Conditions combine; "window" alone clears just that one. */
	memset(&m, 0, sizeof m);
	m.ping = "lost";
	run_cmd(&inv, "window sun-0200", 0);
	m.window = "sun-0200";
	run_cmd(&inv, "region us-east-1", 0);
	m.region = "us-east-1";
	check_visible(&inv, &m, n);
	k = inv.nvis;
	assert_int_equal(inventory_command(&inv, "window", &msg), 0);
	assert_non_null(strstr(msg, "any"));
	free(msg);
	m.window = NULL;
	check_visible(&inv, &m, n);
	assert_true(inv.nvis >= k);
	assert_null(inv.where.window);
	/* clear drops the filter too. */
	inventory_set_filter(&inv, "WEB");
	assert_string_equal(inv.filter, "web");
	run_cmd(&inv, "clear", 0);
	assert_null(inv.filter);
	assert_null(inv.where.ping);
	assert_null(inv.where.region);
	assert_int_equal(inv.nvis, n);

	assert_int_equal(inventory_command(&inv, "sort -name", &msg), 0);
	assert_non_null(strstr(msg, "descending"));
	free(msg);
	assert_int_equal(inv.sort, COL_NAME);
	assert_int_equal(inv.desc, 1);
	check_sorted(&inv);
	run_cmd(&inv, "sort tag state", 0);
	assert_int_equal(inv.sort, COL_TAGSTATE);
	assert_int_equal(inv.desc, 0);
	run_cmd(&inv, "sort -last_patched", 0);
	assert_int_equal(inv.sort, COL_LAST_PATCHED);
	assert_int_equal(inv.desc, 1);
	check_sorted(&inv);
	run_cmd(&inv, "sort bogus", -1);
	assert_int_equal(inv.sort, COL_LAST_PATCHED);

	assert_int_equal(inventory_command(&inv, "q", &msg), 1);
	assert_int_equal(inventory_command(&inv, "quit", &msg), 1);
	msg = NULL;
	assert_int_equal(inventory_command(&inv, "frobnicate now", &msg), -1);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "frobnicate"));
	free(msg);
	run_cmd(&inv, "", -1);

	/* tag and window values are checked: a unique beginning is taken
	 * (and shown whole), an unknown or ambiguous one is an error that
	 * leaves the conditions as they were, never silently zero rows. */
	msg = NULL;
	assert_int_equal(inventory_command(&inv, "tag sched", &msg), 0);
	assert_string_equal(inv.where.tagstate, "scheduled");
	assert_non_null(strstr(msg, "tag: scheduled ("));
	free(msg);
	run_cmd(&inv, "tag bogus", -1);
	assert_string_equal(inv.where.tagstate, "scheduled");
	msg = NULL;
	assert_int_equal(inventory_command(&inv, "tag exc", &msg), -1);
	assert_non_null(strstr(msg, "ambiguous: excepted, exception "
	    "upcoming, exception expired"));
	free(msg);
	run_cmd(&inv, "tag", 0);
	assert_null(inv.where.tagstate);
	run_cmd(&inv, "window sun", 0);
	assert_string_equal(inv.where.window, "sun-0200");
	msg = NULL;
	assert_int_equal(inventory_command(&inv, "window fri-0300", &msg), -1);
	assert_non_null(strstr(msg, "unknown window 'fri-0300'; defined: "
	    "sun-0200"));
	free(msg);
	assert_string_equal(inv.where.window, "sun-0200");
	run_cmd(&inv, "clear", 0);
	run_cmd(&inv, "averyveryveryverylongcommandwordthatgoeson x", -1);
	run_cmd(&inv, "\x1b[2J\xff", -1);
	assert_int_equal(inv.nvis, n);

	assert_int_equal(inventory_column("NAME"), COL_NAME);
	assert_int_equal(inventory_column("tag state"), COL_TAGSTATE);
	assert_int_equal(inventory_column("tagstate"), COL_TAGSTATE);
	assert_int_equal(inventory_column("last patched"), COL_LAST_PATCHED);
	assert_int_equal(inventory_column("nope"), -1);
	for (i = 0; i < COL_COUNT; i++)
		assert_int_equal(inventory_column(inv_columns[i].name), i);
	inventory_free(&inv);
}

static size_t
count_marked(const struct inventory *inv)
{
	size_t i, k = 0;

	for (i = 0; i < inv->n; i++)
		k += inv->rows[i].marked;
	return k;
}

static void
test_marks(void **state)
{
	struct inventory inv;
	size_t n = 100, k, i;

	(void)state;
	inventory_take(&inv, build_fleet(n), n, &cfg, now);
	assert_int_equal(inv.nmarked, 0);
	inventory_toggle_mark(&inv, 0);
	assert_int_equal(inv.nmarked, 1);
	assert_true(inv.rows[inv.vis[0]].marked);
	inventory_toggle_mark(&inv, 3);
	assert_int_equal(inv.nmarked, 2);
	inventory_toggle_mark(&inv, 0);
	assert_int_equal(inv.nmarked, 1);
	assert_false(inv.rows[inv.vis[0]].marked);
	inventory_toggle_mark(&inv, n);		/* out of range: nothing */
	inventory_toggle_mark(&inv, (size_t)-1);
	assert_int_equal(inv.nmarked, 1);
	assert_int_equal(count_marked(&inv), 1);

	run_cmd(&inv, "state stopped", 0);
	k = inv.nvis;
	assert_true(k > 0 && k < n);
	inventory_mark_visible(&inv);
	assert_int_equal(inv.nmarked, count_marked(&inv));
	for (i = 0; i < inv.nvis; i++)
		assert_true(inv.rows[inv.vis[i]].marked);
	/* Marking again counts nothing twice. */
	inventory_mark_visible(&inv);
	assert_int_equal(inv.nmarked, count_marked(&inv));
	/* Marks survive a filter and a sort. */
	run_cmd(&inv, "clear", 0);
	inventory_sort(&inv, COL_ID, 1);
	assert_int_equal(inv.nmarked, count_marked(&inv));
	inventory_mark_visible(&inv);
	assert_int_equal(inv.nmarked, n);
	assert_int_equal(count_marked(&inv), n);
	inventory_toggle_mark(&inv, 5);
	assert_int_equal(inv.nmarked, n - 1);
	inventory_clear_marks(&inv);
	assert_int_equal(inv.nmarked, 0);
	assert_int_equal(count_marked(&inv), 0);
	inventory_free(&inv);
}

static void
test_window_counts(void **state)
{
	static const struct spec s[] = {
		{ .id = "i-a", .window = "sun-0200",
		    .patched = "2026-01-15T02:00:00Z" },
		{ .id = "i-b", .window = "sun-0200",
		    .patched = "2026-01-10T03:00:00Z" },
		{ .id = "i-c" },
		{ .id = "i-d", .window = "nope" },
		{ .id = "i-f", .window = "daily",
		    .patched = "2025-10-01T00:00:00Z" },
		{ .id = "i-g", .window = "daily",
		    .patched = "2025-10-01T00:00:00Z" },
	};
	struct inventory inv;
	size_t (*c)[TS_STALE + 1];
	size_t n = sizeof s / sizeof s[0], w, t, sum;

	(void)state;
	inventory_take(&inv, build(s, n), n, &cfg, now);
	c = inventory_window_counts(&inv);
	assert_int_equal(c[0][TS_PATCHED_RECENTLY], 1);
	assert_int_equal(c[0][TS_SCHEDULED], 1);
	assert_int_equal(c[1][TS_STALE], 2);
	assert_int_equal(c[2][TS_NO_WINDOW], 1);
	assert_int_equal(c[2][TS_UNKNOWN_WINDOW], 1);
	for (sum = 0, w = 0; w <= cfg.nwindows; w++)
		for (t = 0; t <= TS_STALE; t++)
			sum += c[w][t];
	assert_int_equal(sum, n);
	free(c);
	inventory_free(&inv);

	n = 500;
	inventory_take(&inv, build_fleet(n), n, &cfg, now);
	c = inventory_window_counts(&inv);
	for (sum = 0, w = 0; w <= cfg.nwindows; w++)
		for (t = 0; t <= TS_STALE; t++)
			sum += c[w][t];
	assert_int_equal(sum, n);
	free(c);
	inventory_free(&inv);
}

/* The rows of a and b in their orders are the same instances, with the
 * same tag states. */
static void
assert_same_rows(const struct inventory *a, const struct inventory *b,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct inv_row *x = &a->rows[a->order[i]];
		const struct inv_row *y = &b->rows[b->order[i]];

		assert_string_equal(x->in->id, y->in->id);
		assert_string_equal(x->in->region, y->in->region);
		assert_int_equal(x->st.state, y->st.state);
		assert_int_equal(x->st.window, y->st.window);
	}
}

/*
 * The console's start: the head is the whole load's first rows, with
 * their states, the fleet's total and per-window totals; the loader on
 * its own thread gives what inventory_load gives, and can be stopped.
 */
static void
test_head_and_loader(void **state)
{
	char tmpl[] = "/tmp/test_inventory.XXXXXX", *path, *err = NULL;
	struct inventory whole, head, bg;
	struct inventory_loader *l;
	struct fleet_instance *v;
	struct cache *c = NULL;
	size_t n = 1500, half = 700, w, t, sum;
	size_t (*counts)[TS_STALE + 1];
	char byte;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	path = xasprintf("%s/cache.db", tmpl);
	assert_int_equal(cache_open(path, &c, NULL, &err), 0);
	v = build_fleet(n);
	assert_int_equal(cache_replace_target(c, "a", "111111111111",
	    "eu-west-1", v, half, now, &err), 0);
	assert_int_equal(cache_replace_target(c, "b", "222222222222",
	    "us-east-1", v + half, n - half, now, &err), 0);
	cache_instances_free(v, n);

	assert_int_equal(inventory_load(&whole, c, &cfg, now, &err), 0);
	assert_int_equal(whole.n, n);
	assert_int_equal(whole.partial, 0);
	assert_int_equal(whole.total, n);

	assert_int_equal(inventory_load_head(&head, c, &cfg, now, 100, &err),
	    0);
	assert_true(head.partial);
	assert_int_equal(head.n, 100);
	assert_int_equal(head.total, n);
	assert_same_rows(&head, &whole, 100);
	counts = inventory_window_counts(&whole);
	for (w = 0; w <= cfg.nwindows; w++) {
		for (sum = 0, t = 0; t <= TS_STALE; t++)
			sum += counts[w][t];
		assert_int_equal(head.wtotals[w], sum);
	}
	free(counts);
	inventory_free(&head);

	/* A head that fills up may hide more than the stored counts say:
	 * partial, so the whole load decides. */
	assert_int_equal(inventory_load_head(&head, c, &cfg, now, n, &err),
	    0);
	assert_true(head.partial);
	assert_int_equal(head.n, n);
	assert_int_equal(head.total, n);
	inventory_free(&head);

	/* A head larger than the fleet is the whole of it. */
	assert_int_equal(inventory_load_head(&head, c, &cfg, now, 5000, &err),
	    0);
	assert_int_equal(head.partial, 0);
	assert_int_equal(head.n, n);
	assert_same_rows(&head, &whole, n);
	inventory_free(&head);

	l = inventory_loader_start(c, &cfg, now, &err);
	assert_non_null(l);
	assert_int_equal(read(inventory_loader_fd(l), &byte, 1), 1);
	assert_int_equal(inventory_loader_progress(l), n);
	assert_int_equal(inventory_loader_finish(l, c, &bg, &err), 0);
	assert_int_equal(bg.n, n);
	assert_int_equal(bg.partial, 0);
	assert_same_rows(&bg, &whole, n);
	inventory_free(&bg);

	/* Stopped at once, or after it is over: freed either way. */
	l = inventory_loader_start(c, &cfg, now, &err);
	assert_non_null(l);
	inventory_loader_free(l);
	inventory_loader_free(NULL);

	inventory_free(&whole);
	cache_close(c);
	unlink(path);
	free(path);
	path = xasprintf("%s/cache.db-wal", tmpl);
	unlink(path);
	free(path);
	path = xasprintf("%s/cache.db-shm", tmpl);
	unlink(path);
	free(path);
	rmdir(tmpl);
}

/* Control bytes, invalid UTF-8 and 10 KB names: no crash, filtered and
 * sorted as bytes. */
static void
test_hostile(void **state)
{
	char *huge = xmalloc(10 * 1024 + 1), *huge2, *needle;
	struct spec s[6];
	struct inventory inv;
	struct model m;
	char buf[128];
	size_t i, n = 6;

	(void)state;
	memset(huge, 'A', 10 * 1024);
	huge[10 * 1024] = '\0';
	huge2 = xstrdup(huge);
	huge2[10 * 1024 - 1] = '\x01';
	memset(s, 0, sizeof s);
	s[0] = (struct spec){ .id = "i-0", .name = huge, .owner = huge };
	s[1] = (struct spec){ .id = "i-1", .name = huge2, .window = huge };
	s[2] = (struct spec){ .id = "i-2", .name = "\x1b]0;pwn\x07\r\n",
	    .ping = "\x7f\x01" };
	s[3] = (struct spec){ .id = "i-3", .name = "\xc3\x28\xa0\xa1",
	    .state = "\xff\xfe" };
	s[4] = (struct spec){ .id = "i-4", .name = "\xc3\xa9t\xc3\xa9",
	    .patched = "2026-02-30T00:00:00Z", .window = "daily" };
	s[5] = (struct spec){ .id = "i-5", .name = "\xc3\x89T\xc3\x89" };
	inventory_take(&inv, build(s, n), n, &cfg, now);
	assert_int_equal(inv.nvis, n);
	assert_int_equal(inv.rows[1].st.state, TS_UNKNOWN_WINDOW);
	assert_string_equal(inventory_cell(&inv, &inv.rows[4],
	    COL_LAST_PATCHED, buf, sizeof buf), "unreadable");
	for (i = 0; i < COL_COUNT; i++) {
		inventory_sort(&inv, (enum inv_col)i, 0);
		check_sorted(&inv);
		inventory_sort(&inv, (enum inv_col)i, 1);
		check_sorted(&inv);
	}
	inventory_sort(&inv, COL_NAME, 0);
	/* Bytes: "\x1b]0;" < huge2 ("A...A\x01") < huge ("A...AA"). */
	assert_string_equal(inv.rows[inv.vis[0]].in->id, "i-2");
	assert_string_equal(inv.rows[inv.vis[1]].in->id, "i-1");
	assert_string_equal(inv.rows[inv.vis[2]].in->id, "i-0");

	memset(&m, 0, sizeof m);
	m.filter = "\x1b]0;";
	inventory_set_filter(&inv, m.filter);
	assert_int_equal(inv.nvis, 1);
	check_visible(&inv, &m, 0);
	m.filter = "\xc3\x28";
	inventory_set_filter(&inv, m.filter);
	assert_int_equal(inv.nvis, 1);
	/* Bytes: ASCII folds, the UTF-8 É and é do not. */
	m.filter = "\xc3\xa9T";
	inventory_set_filter(&inv, m.filter);
	assert_int_equal(inv.nvis, 1);
	assert_string_equal(inv.rows[inv.vis[0]].in->id, "i-4");
	m.filter = "\x7f\x01";
	inventory_set_filter(&inv, m.filter);
	assert_int_equal(inv.nvis, 1);
	check_visible(&inv, &m, 0);
	/* 10 KB filters: i-0's name and i-1's window tag hold huge. */
	needle = xstrdup(huge);
	needle[100] = 'b';
	m.filter = needle + 50;
	inventory_set_filter(&inv, m.filter);
	assert_int_equal(inv.nvis, 0);
	check_visible(&inv, &m, 0);
	m.filter = huge + 1;
	inventory_set_filter(&inv, m.filter);
	assert_int_equal(inv.nvis, 2);
	check_visible(&inv, &m, 0);
	m.filter = huge;
	inventory_set_filter(&inv, m.filter);
	assert_int_equal(inv.nvis, 2);
	check_visible(&inv, &m, 0);
	needle[100] = 'A';
	needle[10 * 1024 - 1] = 'a';	/* lower case matches too */
	m.filter = needle;
	inventory_set_filter(&inv, m.filter);
	assert_int_equal(inv.nvis, 2);
	check_visible(&inv, &m, 0);
	inventory_set_filter(&inv, "");
	assert_int_equal(inv.nvis, n);
	inventory_free(&inv);
	free(needle);
	free(huge);
	free(huge2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tag_states),
		cmocka_unit_test(test_sort_every_column),
		cmocka_unit_test(test_sort_prefix),
		cmocka_unit_test(test_filter_typing),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_marks),
		cmocka_unit_test(test_window_counts),
		cmocka_unit_test(test_head_and_loader),
		cmocka_unit_test(test_hostile),
	};
	int rc;

	rc = cmocka_run_group_tests(tests, setup_cfg, teardown_cfg);
	free(big_a);
	free(big_b);
	return rc;
}
