/*
 * ssmrun.c - drives ops/ssmrun against tests/sim for test_ssmrun.sh:
 *
 *   ssmrun ids DOCUMENT ID...          InstanceIds, 50 per SendCommand
 *   ssmrun tag DOCUMENT KEY VALUE [ID...]  Targets tag:KEY=VALUE (ids
 *                                      expected, optional)
 *
 * Prints one line per instance, "ID STATUS DETAILS FINAL OUTPUT-LENGTH
 * FIRST-OUTPUT-LINE", then "calls send=N pages=N get=N status=N", and exits
 * 0, or 1 when the run ended with an error (said on stderr).  AWS-RunShellScript
 * runs `echo hello`.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/net.h"
#include "ops/session.h"
#include "ops/ssmrun.h"

static int over, rc;

static void
done(void *arg, int r, const char *err)
{
	(void)arg;
	rc = r;
	if (r != 0)
		fprintf(stderr, "ssmrun: %s\n", err);
	over = 1;
}

int
main(int argc, char **argv)
{
	struct session s;
	struct ssmrun_opts o;
	struct ssmrun *r;
	const struct ssmrun_result *v;
	const struct ssmrun_progress *p;
	struct aws_client *ssm;
	cJSON *params = NULL;
	char *err = NULL, key[300];
	size_t n, i;
	int first;

	if (argc < 4 || (strcmp(argv[1], "ids") && strcmp(argv[1], "tag"))) {
		fprintf(stderr, "usage: ssmrun ids|tag DOCUMENT ...\n");
		return 2;
	}
	memset(&o, 0, sizeof o);
	o.document = argv[2];
	o.first_poll_ms = 200;
	o.poll_ms = 300;
	o.deadline_ms = 120000;
	if (strcmp(argv[1], "tag") == 0) {
		if (argc < 5)
			return 2;
		snprintf(key, sizeof key, "tag:%s", argv[3]);
		o.target_key = key;
		o.target_value = argv[4];
		first = 5;
	} else
		first = 3;
	o.ids = (const char *const *)argv + first;
	o.nids = (size_t)(argc - first);
	if (strcmp(o.document, "AWS-RunShellScript") == 0) {
		params = cJSON_Parse("{\"commands\":[\"echo hello\"]}");
		o.parameters = params;
	}
	if (session_open(&s, NULL, NULL, &err) != 0 ||
	    (ssm = session_client(&s, "SSM", &err)) == NULL) {
		fprintf(stderr, "ssmrun: %s\n", err);
		return 1;
	}
	r = ssmrun_start(s.net, ssm, &o, NULL, done, NULL, &err);
	if (r == NULL) {
		fprintf(stderr, "ssmrun: %s\n", err);
		return 1;
	}
	net_run(s.net, &over);
	v = ssmrun_results(r, &n);
	for (i = 0; i < n; i++) {
		const char *nl = strchr(v[i].output, '\n');

		printf("%s %s %s %d %zu %.*s\n", v[i].instance_id,
		    *v[i].status ? v[i].status : "-",
		    *v[i].status_details ? v[i].status_details : "-",
		    v[i].final, strlen(v[i].output),
		    (int)(nl != NULL ? (size_t)(nl - v[i].output) :
		    strlen(v[i].output)), v[i].output);
	}
	p = ssmrun_progress(r);
	printf("calls send=%zu pages=%zu get=%zu status=%zu\n", p->send_calls,
	    p->list_pages, p->get_calls, p->status_calls);
	ssmrun_free(r);
	cJSON_Delete(params);
	session_close(&s);
	return rc != 0;
}
