/*
 * sts.c - see sts.h.
 */
#include "aws/sts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/tree.h>

#include "aws/awserr.h"
#include "aws/awsxml.h"
#include "aws/client.h"
#include "util/util.h"

#define STS_VERSION "2011-06-15"

struct sts_call {
	sts_identity_fn identity_fn;
	sts_assume_fn assume_fn;
	void (*drop)(void *arg);	/* the loop went first; may be NULL */
	void *arg;
};

static void
call_drop(void *arg)
{
	struct sts_call *k = arg;

	if (k->drop != NULL)
		k->drop(k->arg);
	free(k);
}

/* Reads n digits at *p as a number; -1 if they are not all digits. */
static int
digits(const char **p, int n)
{
	int v = 0;

	while (n-- > 0) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	return v;
}

int
sts_parse_time(const char *s, long long *out)
{
	struct tm tm;
	const char *p = s;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	time_t t;

	if ((y = digits(&p, 4)) < 0 || *p++ != '-' ||
	    (mo = digits(&p, 2)) < 0 || *p++ != '-' ||
	    (d = digits(&p, 2)) < 0)
		return -1;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -1;
	p++;
	if ((h = digits(&p, 2)) < 0 || *p++ != ':' ||
	    (mi = digits(&p, 2)) < 0 || *p++ != ':' ||
	    (sec = digits(&p, 2)) < 0)
		return -1;
	if (*p == '.') {
		/* The fraction is dropped: expiry is kept to the second. */
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if ((oh = digits(&p, 2)) < 0)
			return -1;
		if (*p == ':')
			p++;
		if ((om = digits(&p, 2)) < 0)
			return -1;
	} else
		return -1;
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60 || oh > 23 || om > 59)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = (long long)t - sign * (oh * 3600LL + om * 60LL);
	return 0;
}

/* Frees a string that held a secret, wiping it first. */
static void
free_secret(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void
sts_identity_free(struct sts_identity *id)
{
	free(id->arn);
	free(id->account);
	free(id->user_id);
	memset(id, 0, sizeof *id);
}

void
sts_credentials_free(struct sts_credentials *cr)
{
	free(cr->access_key);
	free_secret(cr->secret_key);
	free_secret(cr->session_token);
	free(cr->assumed_arn);
	memset(cr, 0, sizeof *cr);
}

/* The text at path below root, which must be there and not empty. */
static char *
need(const xmlNode *root, const char *path, char **missing)
{
	char *t = awsxml_text(root, path);

	if (t != NULL && *t == '\0') {
		free(t);
		t = NULL;
	}
	if (t == NULL && *missing == NULL)
		*missing = xstrdup(path);
	return t;
}

int
sts_parse_identity(const char *body, size_t len, struct sts_identity *id,
    char **err)
{
	xmlDoc *doc;
	xmlNode *root;
	char *missing = NULL, *why;

	memset(id, 0, sizeof *id);
	if ((doc = awsxml_parse(body, len, &why)) == NULL) {
		*err = xasprintf("GetCallerIdentity: %s", why);
		free(why);
		return -1;
	}
	root = xmlDocGetRootElement(doc);
	id->arn = need(root, "GetCallerIdentityResult/Arn", &missing);
	id->account = need(root, "GetCallerIdentityResult/Account", &missing);
	id->user_id = need(root, "GetCallerIdentityResult/UserId", &missing);
	xmlFreeDoc(doc);
	if (missing != NULL) {
		*err = xasprintf("GetCallerIdentity: the reply has no %s",
		    missing);
		free(missing);
		sts_identity_free(id);
		return -1;
	}
	return 0;
}

int
sts_parse_assume_role(const char *body, size_t len,
    struct sts_credentials *cr, char **err)
{
	static const char base[] = "AssumeRoleResult/Credentials/";
	xmlDoc *doc;
	xmlNode *root;
	char *missing = NULL, *exp, *why;

	memset(cr, 0, sizeof *cr);
	if ((doc = awsxml_parse(body, len, &why)) == NULL) {
		*err = xasprintf("AssumeRole: %s", why);
		free(why);
		return -1;
	}
	root = xmlDocGetRootElement(doc);
	cr->access_key = need(root,
	    "AssumeRoleResult/Credentials/AccessKeyId", &missing);
	cr->secret_key = need(root,
	    "AssumeRoleResult/Credentials/SecretAccessKey", &missing);
	cr->session_token = need(root,
	    "AssumeRoleResult/Credentials/SessionToken", &missing);
	exp = need(root, "AssumeRoleResult/Credentials/Expiration", &missing);
	cr->assumed_arn = awsxml_text(root,
	    "AssumeRoleResult/AssumedRoleUser/Arn");
	awsxml_wipe(root, "AssumeRoleResult/Credentials/SecretAccessKey");
	awsxml_wipe(root, "AssumeRoleResult/Credentials/SessionToken");
	xmlFreeDoc(doc);
	if (missing != NULL) {
		*err = xasprintf("AssumeRole: the reply has no %s", missing);
		free(missing);
		free(exp);
		sts_credentials_free(cr);
		return -1;
	}
	if (sts_parse_time(exp, &cr->expires) < 0) {
		*err = xasprintf("AssumeRole: %sExpiration '%.40s' is not an "
		    "ISO 8601 time", base, exp);
		free(exp);
		sts_credentials_free(cr);
		return -1;
	}
	free(exp);
	return 0;
}

static void
on_identity(void *arg, const struct aws_result *res)
{
	struct sts_call *k = arg;
	struct sts_identity id;
	struct aws_error e;
	char *msg = NULL;

	if (!res->ok) {
		k->identity_fn(k->arg, NULL, &res->err);
	} else if (sts_parse_identity(res->body, res->len, &id, &msg) < 0) {
		awserr_init(&e);
		awserr_set(&e, res->status, "MalformedReply", msg,
		    res->request_id);
		k->identity_fn(k->arg, NULL, &e);
		awserr_free(&e);
		free(msg);
	} else {
		k->identity_fn(k->arg, &id, NULL);
		sts_identity_free(&id);
	}
	free(k);
}

void
sts_get_caller_identity(struct aws_client *c, sts_identity_fn fn, void *arg)
{
	struct sts_call *k = xcalloc(1, sizeof *k);
	struct aws_request r;

	k->identity_fn = fn;
	k->arg = arg;
	aws_form_init(&r, "GetCallerIdentity", STS_VERSION);
	aws_send_owned(c, &r, on_identity, free, k);
}

static void
on_assume(void *arg, const struct aws_result *res)
{
	struct sts_call *k = arg;
	struct sts_credentials cr;
	struct aws_error e;
	char *msg = NULL;

	if (!res->ok) {
		k->assume_fn(k->arg, NULL, &res->err);
	} else if (sts_parse_assume_role(res->body, res->len, &cr, &msg) < 0) {
		awserr_init(&e);
		awserr_set(&e, res->status, "MalformedReply", msg,
		    res->request_id);
		k->assume_fn(k->arg, NULL, &e);
		awserr_free(&e);
		free(msg);
	} else {
		k->assume_fn(k->arg, &cr, NULL);
		sts_credentials_free(&cr);
	}
	free(k);
}

void
sts_assume_role(struct aws_client *c, const struct sts_assume_params *p,
    sts_assume_fn fn, void (*drop)(void *), void *arg)
{
	struct sts_call *k = xcalloc(1, sizeof *k);
	struct aws_request r;
	char num[16];

	k->assume_fn = fn;
	k->drop = drop;
	k->arg = arg;
	aws_form_init(&r, "AssumeRole", STS_VERSION);
	aws_form_add(&r, "RoleArn", p->role_arn);
	aws_form_add(&r, "RoleSessionName", p->session_name);
	if (p->duration_s > 0) {
		snprintf(num, sizeof num, "%d", p->duration_s);
		aws_form_add(&r, "DurationSeconds", num);
	}
	if (p->external_id != NULL)
		aws_form_add(&r, "ExternalId", p->external_id);
	aws_send_owned(c, &r, on_assume, call_drop, k);
}
