/*
 * cli_exceptions.c - `patchdeck exceptions request|approve|reject|revoke|
 * list` (and `sync`, in cli_exsync.c): the exception records of
 * ops/exceptions.h, in the exceptions table of the default session's
 * account and region.
 */
#include "cli/cli.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache/cache.h"
#include "fleet/date.h"
#include "fleet/exception.h"
#include "fleet/instance.h"
#include "ops/audit.h"
#include "ops/config.h"
#include "ops/exaction.h"
#include "ops/exceptions.h"
#include "ops/excache.h"
#include "util/util.h"

static const char exc_usage[] =
    "usage: patchdeck [global options] exceptions request INSTANCE_ID\n"
    "           --from YYYY-MM-DD --to YYYY-MM-DD --reason TEXT [--ticket T]\n"
    "           [--force]\n"
    "       patchdeck [global options] exceptions approve ID [--reason TEXT]\n"
    "       patchdeck [global options] exceptions reject ID --reason TEXT\n"
    "       patchdeck [global options] exceptions revoke ID [--reason TEXT]\n"
    "       patchdeck [global options] exceptions list [--live] [--upcoming]\n"
    "           [--expiring [DAYS]] [--pending] [--expired] [--rejected]\n"
    "           [--revoked] [--invalid] [--all]\n"
    "       patchdeck [global options] exceptions sync ...\n"
    "\n"
    "Patch exceptions: date ranges (UTC dates, both ends included) during\n"
    "which an instance is left out of patching.  Records live in the\n"
    "DynamoDB table exceptions_table (default patchdeck-exceptions) of the\n"
    "default session's account and region (--profile/--region): the\n"
    "operator's home account; `patchdeck setup` creates it.\n"
    "\n"
    "request   anyone; the instance must be in the cache (--force for one not\n"
    "          yet synced); the range may not start in the past nor last\n"
    "          longer than exception_max_days (default 90).  Prints the new\n"
    "          exception's id alone on stdout.\n"
    "approve   a PENDING one, with an optional reason; reject: with a reason.\n"
    "          Never by the requester: the caller ARN from STS, compared as\n"
    "          a person (any session of one role is one person; README,\n"
    "          \"Four-eyes\"); never a record that is invalid.  Of two\n"
    "          people deciding at once exactly one succeeds; the other is\n"
    "          told who decided, and when.\n"
    "revoke    an APPROVED one.\n"
    "list      scans the table (and stores the records in the cache);\n"
    "          by default everything not expired, rejected or revoked.\n"
    "          A record not decided by someone other than its requester,\n"
    "          or with dates that are malformed or longer than\n"
    "          exception_max_days, is \"invalid\" (with why; --invalid):\n"
    "          it keeps no instance out of the run.\n"
    "          --expiring: live ones that end within DAYS (expiring_days,\n"
    "          default 7).  --format table|json|csv.\n"
    "\n"
    "  --dry-run     print the DynamoDB write that would be made; make none\n"
    "                (approve/reject/revoke still read the record and ask\n"
    "                STS who you are; request makes no AWS call at all)\n"
    "  --read-only   (or read_only = true) refuse every change, exit 1\n"
    "\n"
    "Each change is written to the audit log before and after it is made;\n"
    "when the log cannot be written, nothing is changed.\n"
    "\n"
    "Exit status: 0 done, 1 refused or an AWS call failed, 2 bad arguments\n"
    "or a request that does not validate, 3 configuration or credentials\n"
    "unusable.\n";

static struct fleet_date
today_utc(void)
{
	return fleet_date_of_utc((long long)time(NULL));
}

/* body is consumed. */
static void
print_call(const char *op, cJSON *body)
{
	char *text = cJSON_PrintUnformatted(body);

	if (text == NULL)
		util_fatal("out of memory (JSON)");
	cli_printf("would call: %s ", op);
	cli_put(stdout, text);
	putchar('\n');
	free(text);
	cJSON_Delete(body);
}

static int
in_cache(const struct cli *g, const char *id, int *known)
{
	struct cache *cache = NULL;
	struct fleet_instance *v = NULL;
	size_t n = 0, i;
	char *err = NULL;

	*known = 0;
	if (cli_open_cache(g, &cache) != 0)
		return -1;
	if (cache_load_instances(cache, &v, &n, &err) != 0) {
		cli_err("exceptions request: %s", err);
		free(err);
		cache_close(cache);
		return -1;
	}
	for (i = 0; i < n && !*known; i++)
		*known = strcmp(v[i].id, id) == 0;
	cache_instances_free(v, n);
	cache_close(cache);
	return 0;
}

/* What an action printed on success. */
static void
print_done(const struct exaction_opts *o, const struct exaction *a)
{
	if (o->request) {
		cli_printf("%s\n", a->rec.exception_id);
		return;
	}
	cli_put(stdout, a->rec.exception_id);
	cli_printf(" (");
	cli_put(stdout, a->rec.instance_id);
	cli_printf(" %s..%s): %s\n", a->rec.starts ? a->rec.starts : "",
	    a->rec.ends ? a->rec.ends : "", exceptions_action_to(o->action));
}

/*
 * Runs o (ops/exaction.h) on a loop of its own, audited, and says what
 * happened.  The log is opened first: nothing goes to AWS without it.
 */
static int
run_action(const struct cli *g, const struct config *cfg, const char *cmd,
    struct exaction_opts *o)
{
	struct exceptions_ctx x;
	struct audit *log = NULL;
	struct exaction *a;
	char *err = NULL;
	int rc = EXIT_FAIL;

	if (!o->dry_run && audit_open(&log, &err) != 0) {
		cli_err("%s: refused: %s; no change is made without an audit "
		    "record", cmd, err);
		free(err);
		return EXIT_FAIL;
	}
	if (exceptions_open(&x, g->profile, g->region, cfg->exceptions_table,
	    &err) != 0) {
		cli_err("%s: %s", cmd, err);
		free(err);
		exceptions_close(&x);
		if (log != NULL)
			audit_close(log);
		return EXIT_CONFIG;
	}
	o->log = log;
	a = exaction_run(&x, o);
	if (a->audit_err != NULL)
		cli_err("%s: %s", cmd, a->audit_err);
	switch (a->outcome) {
	case EXA_DRY_RUN:
		cli_printf("would call: %s ", a->dry_op);
		cli_put(stdout, a->dry_body);
		putchar('\n');
		cli_printf("%s: dry run: 1 item would be updated in %s; none "
		    "was\n", cmd, x.table);
		rc = EXIT_OK;
		break;
	case EXA_DONE:
		print_done(o, a);
		rc = a->audit_err != NULL ? EXIT_FAIL : EXIT_OK;
		break;
	case EXA_REFUSED:
	case EXA_FAILED:
	case EXA_ERROR:
		cli_err("%s: %s", cmd, a->message);
		break;
	}
	exaction_free(a);
	if (log != NULL)
		audit_close(log);
	exceptions_close(&x);
	return rc;
}

static int
do_request(struct cli *g, int argc, char **argv)
{
	const char *cmd = "exceptions request";
	struct exceptions_request r;
	struct exaction_opts o;
	struct fleet_exception e;
	struct config cfg;
	char *err = NULL, *rnd;
	int i, force = 0, known = 0, rc, t;

	memset(&r, 0, sizeof r);
	for (i = 2; i < argc; i++) {
		if ((t = cli_opt_value(argc, argv, &i, "--from", &r.starts)) ||
		    (t = cli_opt_value(argc, argv, &i, "--to", &r.ends)) ||
		    (t = cli_opt_value(argc, argv, &i, "--reason", &r.reason)) ||
		    (t = cli_opt_value(argc, argv, &i, "--ticket", &r.ticket))) {
			if (t < 0) {
				cli_err("%s: %s needs a value", cmd, argv[i]);
				return EXIT_USAGE;
			}
		} else if (strcmp(argv[i], "--force") == 0) {
			force = 1;
		} else if (argv[i][0] != '-' && r.instance_id == NULL) {
			r.instance_id = argv[i];
		} else {
			cli_err("%s: unexpected argument '%s'", cmd, argv[i]);
			fputs(exc_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (r.instance_id == NULL) {
		cli_err("%s: which instance? (exceptions request INSTANCE_ID "
		    "--from ... --to ... --reason ...)", cmd);
		return EXIT_USAGE;
	}
	if (cli_load_config(g, &cfg) != 0)
		return EXIT_CONFIG;
	if (cli_refuse_read_only(g, &cfg, cmd)) {
		config_free(&cfg);
		return EXIT_FAIL;
	}
	if (!force && in_cache(g, r.instance_id, &known) != 0) {
		config_free(&cfg);
		return EXIT_CONFIG;
	}
	if (exceptions_validate(&r, today_utc(), cfg.exception_max_days,
	    known, force, &err) != 0) {
		cli_err("%s: %s", cmd, err);
		free(err);
		config_free(&cfg);
		return EXIT_USAGE;
	}
	rnd = audit_new_id();
	if (g->dry_run) {
		/* No AWS call at all: who the caller is is not asked. */
		exaction_new_request(&r, (long long)time(NULL), rnd, &e);
		e.requested_by = xstrdup("(caller ARN from STS)");
		print_call("PutItem", exceptions_put_request(
		    cfg.exceptions_table, &e));
		cli_printf("%s: dry run: 1 item would be written to %s; none "
		    "was\n", cmd, cfg.exceptions_table);
		fleet_exception_done(&e);
		free(rnd);
		config_free(&cfg);
		return EXIT_OK;
	}
	memset(&o, 0, sizeof o);
	o.request = 1;
	o.req = &r;
	o.now = (long long)time(NULL);
	o.rnd_hex = rnd;
	rc = run_action(g, &cfg, cmd, &o);
	free(rnd);
	config_free(&cfg);
	return rc;
}

static int
do_decide(struct cli *g, enum exceptions_action a, int argc, char **argv)
{
	char cmd[40];
	const char *reason = NULL, *id = NULL;
	struct exaction_opts o;
	struct config cfg;
	char *err = NULL;
	int i, t, rc;

	snprintf(cmd, sizeof cmd, "exceptions %s", exceptions_action_name(a));
	for (i = 2; i < argc; i++) {
		if ((t = cli_opt_value(argc, argv, &i, "--reason", &reason))) {
			if (t < 0) {
				cli_err("%s: --reason needs a value", cmd);
				return EXIT_USAGE;
			}
		} else if (argv[i][0] != '-' && id == NULL) {
			id = argv[i];
		} else {
			cli_err("%s: unexpected argument '%s'", cmd, argv[i]);
			fputs(exc_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (id == NULL) {
		cli_err("%s: which exception? (its id, as `exceptions list` "
		    "shows it)", cmd);
		return EXIT_USAGE;
	}
	if (exceptions_check_reason(a, reason, &err) != 0) {
		/* The CLI's words say which option gives it. */
		cli_err("%s: %s%s", cmd, err, a == EXC_REJECT && (reason ==
		    NULL || strlen(reason) <= EXCEPTIONS_MAX_TEXT) ?
		    " (--reason TEXT)" : "");
		free(err);
		return EXIT_USAGE;
	}
	if (cli_load_config(g, &cfg) != 0)
		return EXIT_CONFIG;
	if (cli_refuse_read_only(g, &cfg, cmd)) {
		config_free(&cfg);
		return EXIT_FAIL;
	}
	memset(&o, 0, sizeof o);
	o.action = a;
	o.id = id;
	o.reason = reason;
	o.dry_run = g->dry_run;
	o.now = (long long)time(NULL);
	o.max_days = cfg.exception_max_days;
	rc = run_action(g, &cfg, cmd, &o);
	config_free(&cfg);
	return rc;
}

/* --- list ------------------------------------------------------------ */

static const char *
s0(const char *s)
{
	return s != NULL ? s : "";
}

static int
cmp_id(const void *a, const void *b)
{
	const struct fleet_exception *p = a, *q = b;

	return strcmp(s0(p->exception_id), s0(q->exception_id));
}

static void
store(const struct cli *g, const char *table,
    const struct fleet_exception *v, size_t n)
{
	struct cache *cache = NULL;
	char *err = NULL;

	if (cli_open_cache(g, &cache) != 0)
		return;
	if (excache_store(cache, table, v, n, (long long)time(NULL),
	    &err) != 0) {
		cli_err("exceptions list: the cache was not updated: %s", err);
		free(err);
	}
	cache_close(cache);
}

enum { F_LIVE = 1, F_UPCOMING = 2, F_PENDING = 4, F_EXPIRED = 8,
	F_REJECTED = 16, F_REVOKED = 32, F_EXPIRING = 64, F_INVALID = 128,
	F_ALL = 255 };

static int
selected(const struct fleet_exception *e, struct fleet_date today, int f,
    int days, int max_days)
{
	enum exceptions_category c = exceptions_category(e, today, max_days);
	static const int bit[] = { F_LIVE, F_UPCOMING, F_PENDING, F_EXPIRED,
	    F_REJECTED, F_REVOKED, F_INVALID };

	if ((f & F_EXPIRING) && exceptions_is_expiring(e, today, days,
	    max_days))
		return 1;
	return (f & bit[c]) != 0;
}

#define EXC_FIELDS(X) \
	X(exception_id) X(instance_id) X(starts) X(ends) X(status) \
	X(reason) X(ticket) X(requested_by) X(requested_at) X(decided_by) \
	X(decided_at) X(decision_reason)

static void
print_json(const struct fleet_exception *const *sel, size_t n,
    struct fleet_date today, int days, int max_days)
{
	char why[FLEET_EXCEPTION_WHY_LEN];
	size_t i;

	fputs("[", stdout);
	for (i = 0; i < n; i++) {
		const struct fleet_exception *e = sel[i];
		cJSON *o = cJSON_CreateObject();

		if (o == NULL)
			util_fatal("out of memory (JSON)");
#define J(f) \
		if (e->f != NULL) cJSON_AddStringToObject(o, #f, e->f); \
		else cJSON_AddNullToObject(o, #f);
		EXC_FIELDS(J)
#undef J
		cJSON_AddStringToObject(o, "category", exceptions_category_name(
		    exceptions_category(e, today, max_days)));
		cJSON_AddBoolToObject(o, "expiring",
		    exceptions_is_expiring(e, today, days, max_days));
		if (fleet_exception_check(e, max_days, why, sizeof why) == 0) {
			cJSON_AddTrueToObject(o, "valid");
			cJSON_AddNullToObject(o, "invalid_reason");
		} else {
			cJSON_AddFalseToObject(o, "valid");
			cJSON_AddStringToObject(o, "invalid_reason", why);
		}
		fputs(i ? ",\n" : "\n", stdout);
		cli_json_put(stdout, o, 0);
		cJSON_Delete(o);
	}
	fputs(n ? "\n]\n" : "]\n", stdout);
}

static void
print_csv(const struct fleet_exception *const *sel, size_t n,
    struct fleet_date today, int max_days)
{
	char why[FLEET_EXCEPTION_WHY_LEN];
	struct buf line;
	size_t i;

	buf_init(&line);
	fputs("exception_id,instance_id,starts,ends,status,category,reason,"
	    "ticket,requested_by,requested_at,decided_by,decided_at,"
	    "decision_reason,invalid_reason\r\n", stdout);
	for (i = 0; i < n; i++) {
		const struct fleet_exception *e = sel[i];
		const char *f[] = { e->exception_id, e->instance_id, e->starts,
		    e->ends, e->status, exceptions_category_name(
		    exceptions_category(e, today, max_days)), e->reason,
		    e->ticket, e->requested_by, e->requested_at, e->decided_by,
		    e->decided_at, e->decision_reason,
		    fleet_exception_check(e, max_days, why, sizeof why) == 0 ?
		    "" : why };
		size_t k;

		buf_reset(&line);
		for (k = 0; k < sizeof f / sizeof f[0]; k++) {
			if (k)
				buf_putc(&line, ',');
			cli_csv_field(&line, s0(f[k]));
		}
		buf_puts(&line, "\r\n");
		fwrite(line.data, 1, line.len, stdout);
	}
	buf_free(&line);
}

/* s escaped, then blanks up to width w and one more. */
static void
put_pad(const char *s, int w)
{
	int len = (int)strlen(s);

	cli_put(stdout, s);
	cli_printf("%*s ", len < w ? w - len : 0, "");
}

static void
print_table(const struct fleet_exception *const *sel, size_t n,
    struct fleet_date today, int days, int max_days)
{
	char why[FLEET_EXCEPTION_WHY_LEN];
	size_t i;

	cli_printf("%-24s %-19s %-10s %-10s %-9s %-9s %s\n", "ID", "INSTANCE",
	    "FROM", "TO", "STATUS", "CATEGORY", "REQUESTED BY / DECIDED BY / "
	    "TICKET / REASON");
	for (i = 0; i < n; i++) {
		const struct fleet_exception *e = sel[i];
		enum exceptions_category c = exceptions_category(e, today,
		    max_days);
		const char *cat = exceptions_category_name(c);

		if (exceptions_is_expiring(e, today, days, max_days))
			cat = "expiring";
		/* Every column is outside text (the table is someone else's
		 * to write), so every one is escaped. */
		put_pad(s0(e->exception_id), 24);
		put_pad(s0(e->instance_id), 19);
		put_pad(s0(e->starts), 10);
		put_pad(s0(e->ends), 10);
		put_pad(s0(e->status), 9);
		cli_printf("%s\n", cat);
		cli_printf("    requested by ");
		cli_put(stdout, s0(e->requested_by));
		cli_printf(" at ");
		cli_put(stdout, s0(e->requested_at));
		if (e->decided_by != NULL) {
			cli_printf("; decided by ");
			cli_put(stdout, e->decided_by);
			cli_printf(" at ");
			cli_put(stdout, s0(e->decided_at));
		}
		if (e->ticket != NULL) {
			cli_printf("; ticket ");
			cli_put(stdout, e->ticket);
		}
		if (fleet_exception_check(e, max_days, why, sizeof why) != 0)
			cli_printf("\n    invalid: %s", why);
		cli_printf("\n    reason: ");
		cli_put(stdout, s0(e->reason));
		if (e->decision_reason != NULL) {
			cli_printf("\n    decision: ");
			cli_put(stdout, e->decision_reason);
		}
		putchar('\n');
	}
	cli_printf("%zu exception(s)\n", n);
}

static int
do_list(struct cli *g, int argc, char **argv)
{
	const char *cmd = "exceptions list";
	struct exceptions_ctx x;
	struct config cfg;
	struct fleet_exception *v = NULL;
	const struct fleet_exception **sel = NULL;
	struct fleet_date today = today_utc();
	size_t n = 0, nsel = 0, i;
	char *err = NULL;
	int f = 0, days, rc = EXIT_FAIL;
	long dflt_days = -1;

	for (i = 2; i < (size_t)argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--live") == 0)
			f |= F_LIVE;
		else if (strcmp(a, "--upcoming") == 0)
			f |= F_UPCOMING;
		else if (strcmp(a, "--pending") == 0)
			f |= F_PENDING;
		else if (strcmp(a, "--expired") == 0)
			f |= F_EXPIRED;
		else if (strcmp(a, "--rejected") == 0)
			f |= F_REJECTED;
		else if (strcmp(a, "--revoked") == 0)
			f |= F_REVOKED;
		else if (strcmp(a, "--invalid") == 0)
			f |= F_INVALID;
		else if (strcmp(a, "--all") == 0)
			f |= F_ALL;
		else if (strcmp(a, "--expiring") == 0) {
			f |= F_EXPIRING;
			if (i + 1 < (size_t)argc && argv[i + 1][0] >= '0' &&
			    argv[i + 1][0] <= '9') {
				char *end;

				dflt_days = strtol(argv[i + 1], &end, 10);
				if (*end != '\0' || dflt_days > 3650) {
					cli_err("%s: --expiring takes a number "
					    "of days, not '%s'", cmd,
					    argv[i + 1]);
					return EXIT_USAGE;
				}
				i++;
			}
		} else {
			cli_err("%s: unexpected argument '%s'", cmd, a);
			fputs(exc_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (f == 0)
		f = F_LIVE | F_UPCOMING | F_PENDING | F_INVALID;
	if (cli_load_config(g, &cfg) != 0)
		return EXIT_CONFIG;
	days = dflt_days >= 0 ? (int)dflt_days : cfg.expiring_days;
	if (exceptions_open(&x, g->profile, g->region, cfg.exceptions_table,
	    &err) != 0) {
		cli_err("%s: %s", cmd, err);
		rc = EXIT_CONFIG;
		goto out;
	}
	if (exceptions_scan(&x, NULL, &v, &n, &err) != 0) {
		cli_err("%s: %s", cmd, err);
		goto out;
	}
	store(g, x.table, v, n);
	qsort(v, n, sizeof *v, cmp_id);
	sel = xcalloc(n ? n : 1, sizeof *sel);
	for (i = 0; i < n; i++)
		if (selected(&v[i], today, f, days, cfg.exception_max_days))
			sel[nsel++] = &v[i];
	if (g->format == FORMAT_JSON)
		print_json(sel, nsel, today, days, cfg.exception_max_days);
	else if (g->format == FORMAT_CSV)
		print_csv(sel, nsel, today, cfg.exception_max_days);
	else
		print_table(sel, nsel, today, days, cfg.exception_max_days);
	rc = EXIT_OK;
out:
	free(err);
	free(sel);
	exceptions_free(v, n);
	exceptions_close(&x);
	config_free(&cfg);
	return rc;
}

int
cli_exceptions(struct cli *g, int argc, char **argv)
{
	const char *sub = argc >= 2 ? argv[1] : "";

	if (strcmp(sub, "sync") == 0)
		return cli_exceptions_sync(g, argc - 1, argv + 1);
	if (cli_wants_help(argc, argv)) {
		fputs(exc_usage, stdout);
		return EXIT_OK;
	}
	if (strcmp(sub, "request") == 0)
		return do_request(g, argc, argv);
	if (strcmp(sub, "approve") == 0)
		return do_decide(g, EXC_APPROVE, argc, argv);
	if (strcmp(sub, "reject") == 0)
		return do_decide(g, EXC_REJECT, argc, argv);
	if (strcmp(sub, "revoke") == 0)
		return do_decide(g, EXC_REVOKE, argc, argv);
	if (strcmp(sub, "list") == 0)
		return do_list(g, argc, argv);
	cli_err("exceptions: expected request, approve, reject, revoke, list "
	    "or sync");
	fputs(exc_usage, stderr);
	return EXIT_USAGE;
}
