/*
 * cli_setup.c - `patchdeck setup`: creates what patchdeck needs in the
 * operator's home account (ops/setup.h).  For now the two DynamoDB tables;
 * SSM documents and the Athena table come later.
 */
#include "cli/cli.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "ops/audit.h"
#include "ops/config.h"
#include "ops/exceptions.h"
#include "ops/setup.h"
#include "util/util.h"

/* How long a new table may take to become ACTIVE (AWS: seconds). */
#define SETUP_WAIT_S 120
#define SETUP_POLL_MS 1000

static const char setup_usage[] =
    "usage: patchdeck [global options] setup\n"
    "\n"
    "Creates the DynamoDB tables patchdeck needs when they are missing, in\n"
    "the account and region of the default session (--profile/--region,\n"
    "else the AWS precedence): exceptions_table (default\n"
    "patchdeck-exceptions; key instance_id + exception_id) and runs_table\n"
    "(default patchdeck-runs; key run_id), both on-demand.  Waits until\n"
    "each new table is ACTIVE.  Existing tables are left as they are, so a\n"
    "second run changes nothing.\n"
    "\n"
    "  --dry-run     print the CreateTable calls that would be made (after\n"
    "                DescribeTable, which only reads); make none\n"
    "  --read-only   (or read_only = true) refuse, exit 1\n"
    "\n"
    "Each creation is written to the audit log before and after; when the\n"
    "log cannot be written, nothing is created.\n"
    "\n"
    "Exit status: 0 done (or nothing to do), 1 a call failed or refused,\n"
    "2 bad arguments, 3 configuration or credentials unusable.\n";

struct want {
	enum setup_kind kind;
	const char *name;
	int exists;
	char *status;
};

int
cli_setup(struct cli *g, int argc, char **argv)
{
	struct config cfg;
	struct exceptions_ctx x;
	struct want w[2];
	struct audit *log = NULL;
	char *err = NULL, *caller = NULL;
	size_t i, nmissing = 0;
	int rc;

	if ((rc = cli_no_args("setup", setup_usage, argc, argv)) >= 0)
		return rc;
	if (cli_load_config(g, &cfg) != 0)
		return EXIT_CONFIG;
	if (cli_refuse_read_only(g, &cfg, "setup")) {
		config_free(&cfg);
		return EXIT_FAIL;
	}
	memset(w, 0, sizeof w);
	w[0].kind = SETUP_EXCEPTIONS;
	w[0].name = cfg.exceptions_table;
	w[1].kind = SETUP_RUNS;
	w[1].name = cfg.runs_table;
	rc = EXIT_FAIL;
	if (exceptions_open(&x, g->profile, g->region, cfg.exceptions_table,
	    &err) != 0) {
		cli_err("setup: %s", err);
		free(err);
		exceptions_close(&x);
		config_free(&cfg);
		return EXIT_CONFIG;
	}
	for (i = 0; i < 2; i++) {
		if (setup_describe(&x, w[i].name, &w[i].exists, &w[i].status,
		    &err) != 0) {
			cli_err("setup: %s", err);
			goto out;
		}
		if (w[i].exists) {
			cli_printf("table ");
			cli_put(stdout, w[i].name);
			cli_printf(": exists (");
			cli_put(stdout, w[i].status ? w[i].status : "?");
			cli_printf(")\n");
		} else {
			nmissing++;
		}
	}
	if (nmissing == 0) {
		cli_printf("setup: nothing to do\n");
		rc = EXIT_OK;
		goto out;
	}
	if (g->dry_run) {
		for (i = 0; i < 2; i++) {
			cJSON *b;
			char *text;

			if (w[i].exists)
				continue;
			b = setup_table_request(w[i].kind, w[i].name);
			text = cJSON_PrintUnformatted(b);
			cli_printf("would call: CreateTable ");
			cli_put(stdout, text);
			putchar('\n');
			free(text);
			cJSON_Delete(b);
		}
		cli_printf("setup: dry run: %zu table(s) would be created; "
		    "none was\n", nmissing);
		rc = EXIT_OK;
		goto out;
	}
	if (audit_open(&log, &err) != 0) {
		cli_err("setup: refused: %s; no change is made without an "
		    "audit record", err);
		goto out;
	}
	if (exceptions_caller(&x, &caller, &err) != 0) {
		cli_err("setup: %s", err);
		goto out;
	}
	rc = EXIT_OK;
	for (i = 0; i < 2; i++) {
		struct aws_error ae;
		cJSON *d;
		char *id;
		int ok;

		if (w[i].exists)
			continue;
		id = audit_new_id();
		d = cJSON_CreateObject();
		cJSON_AddItemToObject(d, "request",
		    setup_table_request(w[i].kind, w[i].name));
		if (exceptions_audit(log, id, "intent", "setup.create_table",
		    caller, d, &err) != 0) {
			cli_err("setup: refused: audit log: %s; no change is "
			    "made without an audit record", err);
			free(id);
			rc = EXIT_FAIL;
			goto out;
		}
		awserr_init(&ae);
		ok = setup_create(&x, setup_table_request(w[i].kind,
		    w[i].name), &ae) == 0;
		if (ok && setup_wait_active(&x, w[i].name, SETUP_POLL_MS,
		    SETUP_WAIT_S, &err) != 0) {
			awserr_set(&ae, 0, "NotActive", err, NULL);
			free(err);
			err = NULL;
			ok = 0;
		}
		d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "table", w[i].name);
		cJSON_AddStringToObject(d, "outcome", ok ? "ok" : "failed");
		if (!ok) {
			cJSON_AddStringToObject(d, "code", ae.code);
			cJSON_AddStringToObject(d, "message", ae.message);
		}
		if (exceptions_audit(log, id, "result", "setup.create_table",
		    caller, d, &err) != 0) {
			cli_err("setup: the audit result could not be written "
			    "(action id %s): %s", id, err);
			free(err);
			err = NULL;
			rc = EXIT_FAIL;
		}
		free(id);
		cli_printf("table ");
		cli_put(stdout, w[i].name);
		if (ok) {
			cli_printf(": created (ACTIVE)\n");
		} else {
			char *m = awserr_format(&ae);

			cli_printf(": FAILED: ");
			cli_put(stdout, m);
			putchar('\n');
			free(m);
			rc = EXIT_FAIL;
		}
		awserr_free(&ae);
	}
out:
	free(err);
	free(caller);
	for (i = 0; i < 2; i++)
		free(w[i].status);
	if (log != NULL)
		audit_close(log);
	exceptions_close(&x);
	config_free(&cfg);
	return rc;
}
