/*
 * cli_doctor.c - `patchdeck doctor`: the report of ops/doctor.c, as a table
 * for people or JSON for scripts.
 */
#include "cli/cli.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "ops/doctor.h"
#include "ops/session.h"
#include "util/util.h"

static const char usage[] =
    "usage: patchdeck [global options] doctor [--format table|json]\n"
    "\n"
    "Checks that patchdeck can reach AWS with the configuration it was given:\n"
    "the caller identity (STS GetCallerIdentity), the region and where it came\n"
    "from, where the credentials came from (never the secret), and one\n"
    "harmless read per service (EC2, SSM, DynamoDB, S3, Athena, SNS), with\n"
    "the endpoint each one used.\n"
    "\n"
    "Exit status: 0 if every check passed, 1 if any failed, 3 if the\n"
    "configuration or credentials cannot be used.\n";

static void
print_table(const struct doctor_report *r)
{
	size_t i;

	cli_printf("%-12s ", "identity");
	if (r->arn != NULL) {
		cli_put(stdout, r->arn);
		cli_printf(" (account ");
		cli_put(stdout, r->account);
		cli_printf(")\n");
	} else {
		cli_printf("unknown (GetCallerIdentity failed)\n");
	}
	cli_printf("%-12s ", "region");
	cli_put(stdout, r->region != NULL ? r->region : "none");
	if (r->region_source != NULL) {
		cli_printf(" (from ");
		cli_put(stdout, r->region_source);
		cli_printf(")");
	}
	cli_printf("\n%-12s ", "credentials");
	if (r->creds_source != NULL)
		cli_put(stdout, r->creds_source);
	else {
		cli_printf("none: ");
		cli_put(stdout, r->creds_error);
	}
	cli_printf("\n\n%-9s %-6s %-28s %8s  %s\n", "SERVICE", "RESULT", "READ",
	    "TIME", "ENDPOINT / ERROR");
	for (i = 0; i < r->nchecks; i++) {
		const struct doctor_check *c = &r->checks[i];

		cli_printf("%-9s %-6s %-28s %6ld ms  ", c->service,
		    c->ok ? "pass" : "FAIL", c->op, c->ms);
		if (c->endpoint != NULL) {
			cli_put(stdout, c->endpoint);
			if (c->endpoint_source != NULL) {
				cli_printf(" (");
				cli_put(stdout, c->endpoint_source);
				cli_printf(")");
			}
		}
		if (!c->ok) {
			cli_printf("\n%-9s %-6s ", "", "");
			cli_put(stdout, c->code);
			cli_printf(": ");
			cli_put(stdout, c->message);
			if (c->attempts > 1)
				cli_printf(" (after %d attempts)", c->attempts);
		}
		cli_printf("\n");
	}
	cli_printf("\n%d of %zu checks passed\n", r->passed, r->nchecks);
}

static void
print_json(const struct doctor_report *r)
{
	cJSON *o = cJSON_CreateObject(), *a, *c;
	size_t i;

	if (r->arn != NULL) {
		cJSON_AddStringToObject(o, "arn", r->arn);
		cJSON_AddStringToObject(o, "account", r->account);
		cJSON_AddStringToObject(o, "user_id", r->user_id);
	} else {
		cJSON_AddNullToObject(o, "arn");
	}
	if (r->region != NULL)
		cJSON_AddStringToObject(o, "region", r->region);
	else
		cJSON_AddNullToObject(o, "region");
	if (r->region_source != NULL)
		cJSON_AddStringToObject(o, "region_source", r->region_source);
	if (r->creds_source != NULL)
		cJSON_AddStringToObject(o, "credentials", r->creds_source);
	if (r->creds_error != NULL)
		cJSON_AddStringToObject(o, "credentials_error",
		    r->creds_error);
	a = cJSON_AddArrayToObject(o, "checks");
	for (i = 0; i < r->nchecks; i++) {
		c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "service", r->checks[i].service);
		cJSON_AddStringToObject(c, "read", r->checks[i].op);
		cJSON_AddBoolToObject(c, "ok", r->checks[i].ok);
		if (r->checks[i].endpoint != NULL)
			cJSON_AddStringToObject(c, "endpoint",
			    r->checks[i].endpoint);
		if (r->checks[i].endpoint_source != NULL)
			cJSON_AddStringToObject(c, "endpoint_source",
			    r->checks[i].endpoint_source);
		if (!r->checks[i].ok) {
			cJSON_AddStringToObject(c, "code", r->checks[i].code);
			cJSON_AddStringToObject(c, "message",
			    r->checks[i].message);
		}
		cJSON_AddNumberToObject(c, "attempts", r->checks[i].attempts);
		cJSON_AddNumberToObject(c, "ms", (double)r->checks[i].ms);
		cJSON_AddItemToArray(a, c);
	}
	cJSON_AddNumberToObject(o, "passed", r->passed);
	cJSON_AddNumberToObject(o, "total", (double)r->nchecks);
	cli_json_put(stdout, o, 1);
	putchar('\n');
	cJSON_Delete(o);
}

int
cli_doctor(struct cli *g, int argc, char **argv)
{
	struct session s;
	struct doctor_report r;
	char *err = NULL;
	int rc;

	if ((rc = cli_no_args("doctor", usage, argc, argv)) >= 0)
		return rc;
	if (g->format == FORMAT_CSV) {
		cli_err("doctor: --format csv is not offered; use table or json");
		return EXIT_USAGE;
	}
	if (session_open(&s, g->profile, g->region, &err) != 0) {
		cli_err("%s", err);
		free(err);
		session_close(&s);
		return EXIT_CONFIG;
	}
	rc = doctor_run(&s, &r);
	if (g->format == FORMAT_JSON)
		print_json(&r);
	else
		print_table(&r);
	doctor_report_free(&r);
	session_close(&s);
	return rc == 0 ? EXIT_OK : EXIT_FAIL;
}
