/*
 * cli_setup.c - `patchdeck setup`: creates what patchdeck needs.
 *
 *   home account and region (the default session): the DynamoDB tables
 *   (ops/setup.h), the Athena database and tables, the results bucket
 *   check (ops/setupresults.h);
 *   every target account and region (ops/fanout.h): the SSM documents
 *   built into the binary (ops/setupdocs.h).
 *
 * Everything is read first (Describe*, Get*, HeadBucket), then the
 * changes are made, or listed under --dry-run.  Only what is missing or
 * different is changed, so a second run changes nothing and says so.
 */
#include "cli/cli.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops/audit.h"
#include "ops/config.h"
#include "ops/embedded.h"
#include "ops/exceptions.h"
#include "ops/fanout.h"
#include "ops/session.h"
#include "ops/setup.h"
#include "ops/setupdocs.h"
#include "ops/setupresults.h"
#include "util/util.h"

/* How long a new table, document version or DDL query may take (AWS:
 * seconds). */
#define SETUP_WAIT_S 120
#define SETUP_POLL_MS 1000

static const char setup_usage[] =
    "usage: patchdeck [global options] setup\n"
    "\n"
    "Creates what patchdeck needs, where it is missing or out of date:\n"
    "\n"
    "In the home account and region (the default session: --profile,\n"
    "--region, else the AWS precedence):\n"
    "  - the DynamoDB tables exceptions_table (default\n"
    "    patchdeck-exceptions) and runs_table (default patchdeck-runs),\n"
    "    on-demand; waits until each new one is ACTIVE;\n"
    "  - with [results] bucket set: the Athena database\n"
    "    (athena_database, default patchdeck) and its tables results and\n"
    "    prechecks over s3://BUCKET/PREFIX/{results,prechecks}/ (the DDL\n"
    "    of data/athena, built in); an existing table with other columns\n"
    "    is reported, never dropped;\n"
    "  - and a check that the bucket exists and is not public.\n"
    "\n"
    "In every target account and region of the configuration: the SSM\n"
    "documents built into this binary (patchdeck-linux-patch,\n"
    "patchdeck-precheck, ...).  A document whose default version has other\n"
    "content (SSM's SHA-256 Hash) is updated and the new version made the\n"
    "default.\n"
    "\n"
    "  --dry-run     print every call that would change something (after\n"
    "                the calls that only read); make none\n"
    "  --read-only   (or read_only = true) refuse, exit 1\n"
    "\n"
    "Each change is written to the audit log before and after; when the\n"
    "log cannot be written, nothing is changed.\n"
    "\n"
    "Exit status: 0 done (or nothing to do), 1 a call failed or refused,\n"
    "or the bucket is missing or public, or a table differs, 2 bad\n"
    "arguments, 3 configuration or credentials unusable.\n";

struct want {
	enum setup_kind kind;
	const char *name;
	int exists;
	char *status;
};

/* One document in one target/region. */
struct docitem {
	struct fanout_slot *slot;
	struct aws_client *ssm;
	const struct embed_file *doc;
	char hash[65];
	struct setupdocs_remote r;
	enum setupdocs_action action;
};

/* One Athena table of data/athena. */
struct tblitem {
	const struct embed_file *sql;
	char *qualified;	/* database.table */
	char *statement;
	char *want;
	enum setupresults_table state;
};

struct setup {
	struct cli *g;
	struct config cfg;
	struct exceptions_ctx x;
	struct fanout *fan;
	struct want w[2];
	struct docitem *docs;
	size_t ndocs;
	/* Athena, when [results] bucket is set */
	struct aws_client *athena;
	int db_exists;
	char *db_statement;
	struct tblitem *tables;
	size_t ntables;
	struct audit *log;
	char *caller;
	size_t nchanges;
	int progress;		/* stdout is not a terminal: progress on stderr */
	int rc;
};

static void
fail_line(const char *what, const char *name, const char *where,
    const char *msg)
{
	cli_printf("%s %s%s%s: FAILED: %s\n", what, name, where ? " in " : "",
	    where ? where : "", msg);
}

static void
read_tables(struct setup *s)
{
	char *err = NULL;
	size_t i;

	for (i = 0; i < 2; i++) {
		if (setup_describe(&s->x, s->w[i].name, &s->w[i].exists,
		    &s->w[i].status, &err) != 0) {
			fail_line("table", s->w[i].name, NULL, err);
			free(err);
			err = NULL;
			s->w[i].exists = 1;	/* nothing to do with it */
			s->rc = EXIT_FAIL;
			continue;
		}
		if (s->w[i].exists) {
			cli_printf("table %s: exists (%s)\n", s->w[i].name,
			    s->w[i].status ? s->w[i].status : "?");
		} else {
			s->nchanges++;
		}
	}
}

static void
read_docs(struct setup *s)
{
	char *err = NULL;
	size_t i, k, n;

	s->fan = fanout_open(s->x.s.net, &s->cfg, s->g->profile,
	    s->g->region, &err);
	if (s->fan == NULL) {
		cli_err("setup: documents: %s", err);
		free(err);
		s->rc = EXIT_CONFIG;
		return;
	}
	n = fanout_count(s->fan);
	s->docs = xcalloc(n * embedded_ssm_n + 1, sizeof *s->docs);
	for (i = 0; i < n; i++) {
		struct fanout_slot *slot = fanout_slot(s->fan, i);
		struct aws_client *ssm = fanout_client(slot, "SSM", &err);

		if (s->progress)
			cli_fprintf(stderr, "setup: reading the documents in %s "
			    "(%zu/%zu)\n", slot->name, i + 1, n);

		if (ssm == NULL) {
			cli_err("setup: %s", err);
			free(err);
			err = NULL;
			s->rc = EXIT_CONFIG;
			continue;
		}
		for (k = 0; k < embedded_ssm_n; k++) {
			struct docitem *d = &s->docs[s->ndocs];

			d->slot = slot;
			d->ssm = ssm;
			d->doc = &embedded_ssm[k];
			setupdocs_hash(d->doc->data, d->doc->len, d->hash);
			if (setupdocs_describe(s->x.s.net, ssm, d->doc->name,
			    &d->r, &err) != 0) {
				fail_line("document", d->doc->name, slot->name,
				    err);
				free(err);
				err = NULL;
				s->rc = EXIT_FAIL;
				continue;
			}
			d->action = setupdocs_decide(d->hash, &d->r);
			s->ndocs++;
			if (d->action == SETUPDOCS_CURRENT)
				cli_printf("document %s in %s: current "
				    "(version %s)\n", d->doc->name, slot->name,
				    d->r.default_version ?
				    d->r.default_version : "?");
			else
				s->nchanges++;
		}
	}
}

static void
read_bucket(struct setup *s, struct aws_client *s3)
{
	const char *bucket = s->cfg.results.bucket;
	struct setupresults_bucket b;
	char *err = NULL;

	if (setupresults_check_bucket(s->x.s.net, s3, bucket, &b, &err) != 0) {
		fail_line("bucket", bucket, NULL, err);
		free(err);
		s->rc = EXIT_FAIL;
		return;
	}
	if (b.problem != NULL) {
		cli_printf("bucket %s: PROBLEM: %s\n", bucket, b.problem);
		s->rc = EXIT_FAIL;
	} else {
		cli_printf("bucket %s: exists, not public (public access "
		    "block: %s)\n", bucket, b.block_all ? "all four on" :
		    b.has_block ? "partly on; all four recommended" :
		    "not set; recommended");
	}
	setupresults_bucket_done(&b);
}

static void
read_athena(struct setup *s)
{
	const struct config_results *res = &s->cfg.results;
	struct aws_client *s3;
	char *err = NULL;
	size_t i;

	if (res->bucket == NULL) {
		cli_printf("results: no [results] bucket configured; the "
		    "Athena tables and the bucket check are skipped\n");
		return;
	}
	if ((s3 = session_client(&s->x.s, "S3", &err)) == NULL ||
	    (s->athena = session_client(&s->x.s, "ATHENA", &err)) == NULL) {
		cli_err("setup: %s", err);
		free(err);
		s->rc = EXIT_CONFIG;
		return;
	}
	read_bucket(s, s3);
	if (setupresults_database(s->x.s.net, s->athena, res->athena_database,
	    &s->db_exists, &err) != 0) {
		fail_line("database", res->athena_database, NULL, err);
		free(err);
		s->rc = EXIT_FAIL;
		s->athena = NULL;
		return;
	}
	/* athena_database is a checked name (config.c): no quoting needed. */
	s->db_statement = xasprintf("CREATE DATABASE IF NOT EXISTS %s",
	    res->athena_database);
	if (s->db_exists)
		cli_printf("database %s: exists\n", res->athena_database);
	else
		s->nchanges++;
	s->tables = xcalloc(embedded_athena_n + 1, sizeof *s->tables);
	for (i = 0; i < embedded_athena_n; i++) {
		const struct embed_file *f = &embedded_athena[i];
		struct tblitem *t = &s->tables[s->ntables];
		char *why = NULL;

		/* q_*.sql are the queries the console runs. */
		if (strncmp(f->name, "q_", 2) == 0)
			continue;
		t->sql = f;
		t->qualified = xasprintf("%s.%s", res->athena_database,
		    f->name);
		s->ntables++;
		t->statement = setupresults_statement(f->data, t->qualified,
		    res->bucket, res->prefix, &err);
		t->want = t->statement != NULL ?
		    setupresults_ddl_columns(t->statement) : NULL;
		if (t->want == NULL) {
			fail_line("table", t->qualified, NULL, err != NULL ?
			    err : "the built-in statement declares no columns");
			free(err);
			err = NULL;
			t->state = SETUPRESULTS_SAME;
			s->rc = EXIT_INTERNAL;
			continue;
		}
		if (!s->db_exists) {
			t->state = SETUPRESULTS_MISSING;
		} else if (setupresults_table(s->x.s.net, s->athena,
		    res->athena_database, f->name, t->want, &t->state, &why,
		    &err) != 0) {
			fail_line("table", t->qualified, NULL, err);
			free(err);
			err = NULL;
			t->state = SETUPRESULTS_SAME;
			s->rc = EXIT_FAIL;
			continue;
		}
		if (t->state == SETUPRESULTS_MISSING) {
			s->nchanges++;
		} else if (t->state == SETUPRESULTS_SAME) {
			cli_printf("table %s: exists\n", t->qualified);
		} else {
			cli_printf("table %s: DIFFERS from patchdeck's: %s; "
			    "patchdeck does not drop tables: DROP TABLE %s "
			    "(the objects in S3 stay), then run setup again\n",
			    t->qualified, why, t->qualified);
			s->rc = EXIT_FAIL;
		}
		free(why);
	}
}

/* The first line of a statement, for "would call" lines. */
static char *
first_line(const char *stmt)
{
	const char *nl = strchr(stmt, '\n');

	return nl != NULL ? xasprintf("%.*s ...", (int)(nl - stmt), stmt) :
	    xstrdup(stmt);
}

static void
print_dry_run(struct setup *s)
{
	const struct config_results *res = &s->cfg.results;
	size_t i;

	for (i = 0; i < 2; i++) {
		cJSON *b;
		char *text;

		if (s->w[i].exists)
			continue;
		b = setup_table_request(s->w[i].kind, s->w[i].name);
		text = cJSON_PrintUnformatted(b);
		cli_printf("would call: CreateTable %s\n", text);
		free(text);
		cJSON_Delete(b);
	}
	if (s->athena != NULL && !s->db_exists)
		cli_printf("would call: StartQueryExecution (Athena, workgroup "
		    "%s): %s\n", res->athena_workgroup, s->db_statement);
	for (i = 0; s->athena != NULL && i < s->ntables; i++) {
		char *l;

		if (s->tables[i].state != SETUPRESULTS_MISSING)
			continue;
		l = first_line(s->tables[i].statement);
		cli_printf("would call: StartQueryExecution (Athena, workgroup "
		    "%s): %s\n", res->athena_workgroup, l);
		free(l);
	}
	for (i = 0; i < s->ndocs; i++) {
		const struct docitem *d = &s->docs[i];

		switch (d->action) {
		case SETUPDOCS_CURRENT:
			break;
		case SETUPDOCS_CREATE:
			cli_printf("would call: CreateDocument %s in %s "
			    "(content sha256 %s)\n", d->doc->name,
			    d->slot->name, d->hash);
			break;
		case SETUPDOCS_UPDATE:
			cli_printf("would call: UpdateDocument %s in %s "
			    "(content sha256 %s; default version %s has %s)\n",
			    d->doc->name, d->slot->name, d->hash,
			    d->r.default_version ? d->r.default_version : "?",
			    d->r.default_hash ? d->r.default_hash : "?");
			cli_printf("would call: UpdateDocumentDefaultVersion "
			    "%s in %s (to the new version)\n", d->doc->name,
			    d->slot->name);
			break;
		case SETUPDOCS_SET_DEFAULT:
			cli_printf("would call: UpdateDocumentDefaultVersion "
			    "%s in %s (to version %s, which holds this "
			    "content)\n", d->doc->name, d->slot->name,
			    d->r.latest_version);
			break;
		}
	}
	cli_printf("setup: dry run: %zu change(s) would be made; none was\n",
	    s->nchanges);
}

/* Audit intent; -1 (and rc set) when it cannot be written. */
static int
audit_intent(struct setup *s, const char *id, const char *action, cJSON *d)
{
	char *err = NULL;

	if (exceptions_audit(s->log, id, "intent", action, s->caller, d,
	    &err) != 0) {
		cli_err("setup: refused: audit log: %s; no change is made "
		    "without an audit record", err);
		free(err);
		s->rc = EXIT_FAIL;
		return -1;
	}
	return 0;
}

static void
audit_result(struct setup *s, const char *id, const char *action, cJSON *d,
    const char *failure)
{
	char *err = NULL;

	cJSON_AddStringToObject(d, "outcome", failure == NULL ? "ok" :
	    "failed");
	if (failure != NULL)
		cJSON_AddStringToObject(d, "error", failure);
	if (exceptions_audit(s->log, id, "result", action, s->caller, d,
	    &err) != 0) {
		cli_err("setup: the audit result could not be written "
		    "(action id %s): %s", id, err);
		free(err);
		s->rc = EXIT_FAIL;
	}
}

/* 0 to go on, -1 when the audit log failed (stop). */
static int
apply_table(struct setup *s, size_t i)
{
	struct aws_error ae;
	cJSON *d;
	char *id, *m = NULL;
	int ok;

	id = audit_new_id();
	d = cJSON_CreateObject();
	cJSON_AddItemToObject(d, "request",
	    setup_table_request(s->w[i].kind, s->w[i].name));
	if (audit_intent(s, id, "setup.create_table", d) != 0) {
		free(id);
		return -1;
	}
	awserr_init(&ae);
	ok = setup_create(&s->x, setup_table_request(s->w[i].kind,
	    s->w[i].name), &ae) == 0;
	if (ok && setup_wait_active(&s->x, s->w[i].name, SETUP_POLL_MS,
	    SETUP_WAIT_S, &m) != 0) {
		awserr_set(&ae, 0, "NotActive", m, NULL);
		free(m);
		ok = 0;
	}
	m = ok ? NULL : awserr_format(&ae);
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "table", s->w[i].name);
	audit_result(s, id, "setup.create_table", d, m);
	free(id);
	if (ok) {
		cli_printf("table %s: created (ACTIVE)\n", s->w[i].name);
	} else {
		cli_printf("table %s: FAILED: %s\n", s->w[i].name, m);
		s->rc = EXIT_FAIL;
	}
	free(m);
	awserr_free(&ae);
	return 0;
}

/* One Athena statement, audited.  1 done, 0 failed, -1 audit failed. */
static int
apply_athena(struct setup *s, const char *what, const char *statement,
    const char *database)
{
	const struct config_results *res = &s->cfg.results;
	char *id = audit_new_id(), *err = NULL;
	cJSON *d = cJSON_CreateObject();
	int ok;

	cJSON_AddStringToObject(d, "what", what);
	cJSON_AddStringToObject(d, "statement", statement);
	cJSON_AddStringToObject(d, "workgroup", res->athena_workgroup);
	if (audit_intent(s, id, "setup.athena_ddl", d) != 0) {
		free(id);
		return -1;
	}
	ok = setupresults_run(s->x.s.net, s->athena, statement, database,
	    res->athena_workgroup, res->athena_output, SETUP_WAIT_S, &err)
	    == 0;
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "what", what);
	audit_result(s, id, "setup.athena_ddl", d, err);
	free(id);
	if (ok) {
		cli_printf("%s: created\n", what);
	} else {
		cli_printf("%s: FAILED: %s\n", what, err);
		s->rc = EXIT_FAIL;
	}
	free(err);
	return ok;
}

static int
apply_doc(struct setup *s, struct docitem *di)
{
	struct aws_error ae;
	const char *action = di->action == SETUPDOCS_CREATE ?
	    "setup.create_document" : di->action == SETUPDOCS_UPDATE ?
	    "setup.update_document" : "setup.set_default_version";
	char *id = audit_new_id(), *version = NULL, *m = NULL;
	cJSON *d = cJSON_CreateObject();
	int ok;

	cJSON_AddStringToObject(d, "document", di->doc->name);
	cJSON_AddStringToObject(d, "target", di->slot->name);
	cJSON_AddStringToObject(d, "sha256", di->hash);
	cJSON_AddStringToObject(d, "calls", setupdocs_action_calls(
	    di->action));
	if (di->r.default_version != NULL)
		cJSON_AddStringToObject(d, "default_version_before",
		    di->r.default_version);
	if (audit_intent(s, id, action, d) != 0) {
		free(id);
		return -1;
	}
	awserr_init(&ae);
	ok = setupdocs_apply(s->x.s.net, di->ssm, di->doc, di->action, &di->r,
	    SETUP_WAIT_S, &version, &ae) == 0;
	m = ok ? NULL : awserr_format(&ae);
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "document", di->doc->name);
	cJSON_AddStringToObject(d, "target", di->slot->name);
	if (version != NULL)
		cJSON_AddStringToObject(d, "default_version", version);
	audit_result(s, id, action, d, m);
	free(id);
	if (!ok) {
		cli_printf("document %s in %s: FAILED: %s\n", di->doc->name,
		    di->slot->name, m);
		s->rc = EXIT_FAIL;
	} else if (di->action == SETUPDOCS_CREATE) {
		cli_printf("document %s in %s: created (version %s)\n",
		    di->doc->name, di->slot->name, version);
	} else {
		cli_printf("document %s in %s: updated (default version %s, "
		    "was %s)\n", di->doc->name, di->slot->name, version,
		    di->r.default_version ? di->r.default_version : "?");
	}
	free(version);
	free(m);
	awserr_free(&ae);
	return 0;
}

static void
apply(struct setup *s)
{
	const struct config_results *res = &s->cfg.results;
	char *err = NULL;
	size_t i;
	int db_ok = 1;

	if (audit_open(&s->log, &err) != 0) {
		cli_err("setup: refused: %s; no change is made without an "
		    "audit record", err);
		free(err);
		s->rc = EXIT_FAIL;
		return;
	}
	if (s->progress)
		cli_fprintf(stderr, "setup: making %zu change(s)\n",
		    s->nchanges);
	if (exceptions_caller(&s->x, &s->caller, &err) != 0) {
		cli_err("setup: %s", err);
		free(err);
		s->rc = EXIT_FAIL;
		return;
	}
	for (i = 0; i < 2; i++)
		if (!s->w[i].exists && apply_table(s, i) != 0)
			return;
	if (s->athena != NULL && !s->db_exists) {
		char *what = xasprintf("database %s", res->athena_database);
		int r = apply_athena(s, what, s->db_statement, NULL);

		free(what);
		if (r < 0)
			return;
		db_ok = r;
	}
	for (i = 0; s->athena != NULL && i < s->ntables; i++) {
		struct tblitem *t = &s->tables[i];
		char *what;
		int r;

		if (t->state != SETUPRESULTS_MISSING)
			continue;
		if (!db_ok) {
			cli_printf("table %s: not created: its database could "
			    "not be\n", t->qualified);
			continue;
		}
		what = xasprintf("table %s", t->qualified);
		r = apply_athena(s, what, t->statement, res->athena_database);
		free(what);
		if (r < 0)
			return;
	}
	for (i = 0; i < s->ndocs; i++)
		if (s->docs[i].action != SETUPDOCS_CURRENT &&
		    apply_doc(s, &s->docs[i]) != 0)
			return;
}

static void
setup_done(struct setup *s)
{
	size_t i;

	for (i = 0; i < 2; i++)
		free(s->w[i].status);
	for (i = 0; i < s->ndocs; i++)
		setupdocs_remote_done(&s->docs[i].r);
	free(s->docs);
	for (i = 0; i < s->ntables; i++) {
		free(s->tables[i].qualified);
		free(s->tables[i].statement);
		free(s->tables[i].want);
	}
	free(s->tables);
	free(s->db_statement);
	free(s->caller);
	if (s->log != NULL)
		audit_close(s->log);
	/* The fanout's clients hold transfers of the session's loop: it
	 * goes first, the loop with the session after. */
	fanout_free(s->fan);
	exceptions_close(&s->x);
	config_free(&s->cfg);
}

int
cli_setup(struct cli *g, int argc, char **argv)
{
	struct setup s;
	char *err = NULL;
	int rc;

	if ((rc = cli_no_args("setup", setup_usage, argc, argv)) >= 0)
		return rc;
	memset(&s, 0, sizeof s);
	s.g = g;
	if (cli_load_config(g, &s.cfg) != 0)
		return EXIT_CONFIG;
	if (cli_refuse_read_only(g, &s.cfg, "setup")) {
		config_free(&s.cfg);
		return EXIT_FAIL;
	}
	s.w[0].kind = SETUP_EXCEPTIONS;
	s.w[0].name = s.cfg.exceptions_table;
	s.w[1].kind = SETUP_RUNS;
	s.w[1].name = s.cfg.runs_table;
	if (exceptions_open(&s.x, g->profile, g->region,
	    s.cfg.exceptions_table, &err) != 0) {
		cli_err("setup: %s", err);
		free(err);
		setup_done(&s);
		return EXIT_CONFIG;
	}
	s.rc = EXIT_OK;
	s.progress = !isatty(STDOUT_FILENO);
	read_tables(&s);
	read_athena(&s);
	read_docs(&s);
	if (s.nchanges == 0 && s.rc == EXIT_OK)
		cli_printf("setup: nothing to do\n");
	else if (s.nchanges == 0)
		cli_printf("setup: nothing to create or update; see the "
		    "problems above\n");
	else if (g->dry_run)
		print_dry_run(&s);
	else
		apply(&s);
	rc = s.rc;
	setup_done(&s);
	return rc;
}
