/*
 * principal.c - see principal.h.  The ARN is outside text (a record's
 * requested_by may hold anything): it is checked byte by byte against the
 * shapes AWS documents, never trimmed or guessed at.
 */
#include "fleet/principal.h"

#include <string.h>

#define SSO_PREFIX "AWSReservedSSO_"

/* IAM's name characters: [A-Za-z0-9+=,.@_-]. */
static int
name_char(unsigned char c)
{
	switch (c) {
	case '+': case '=': case ',': case '.': case '@': case '_': case '-':
		return 1;
	}
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* s[0..len) is a name of min..max IAM name characters. */
static int
name_ok(const char *s, size_t len, size_t min, size_t max)
{
	size_t i;

	if (len < min || len > max)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] == '\0' || !name_char((unsigned char)s[i]))
			return 0;
	return 1;
}

/* An IAM path segment: printable ASCII but '/'. */
static int
path_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e ||
		    s[i] == '/')
			return 0;
	return 1;
}

/* Appends s[0..len) lower-cased at *at; 0, or -1 when out of room. */
static int
put(char *buf, size_t size, size_t *at, const char *s, size_t len, int lower)
{
	size_t i;

	if (len >= size - *at)
		return -1;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (lower && c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		buf[(*at)++] = c;
	}
	buf[*at] = '\0';
	return 0;
}

static int
fail(char *buf, size_t size, const char **why, const char *text)
{
	if (size > 0)
		buf[0] = '\0';
	if (why != NULL)
		*why = text;
	return -1;
}

/* user/PATH/NAME or role/PATH/NAME after "kind/": the name is the last
 * segment; every segment before it must be a path segment. */
static const char *
last_segment(const char *rest, size_t *len)
{
	const char *seg = rest, *slash;

	while ((slash = strchr(seg, '/')) != NULL) {
		if (!path_ok(seg, (size_t)(slash - seg)))
			return NULL;
		seg = slash + 1;
	}
	*len = strlen(seg);
	return seg;
}

int
fleet_principal(const char *arn, char *buf, size_t size, const char **why)
{
	const char *part, *svc, *acct, *res, *name, *role, *sess, *p;
	size_t plen, at = 0, nlen, rlen, slen, i;
	int iam;

	if (size == 0)
		return fail(buf, size, why, "no room");
	if (arn == NULL || *arn == '\0')
		return fail(buf, size, why, "empty");
	if (strnlen(arn, FLEET_PRINCIPAL_MAX + 1) > FLEET_PRINCIPAL_MAX)
		return fail(buf, size, why, "longer than an ARN can be");
	if (strncmp(arn, "arn:", 4) != 0)
		return fail(buf, size, why, "not an ARN");
	part = arn + 4;
	if ((svc = strchr(part, ':')) == NULL)
		return fail(buf, size, why, "not an ARN");
	plen = (size_t)(svc - part);
	if (plen < 3 || plen > 32 || strncmp(part, "aws", 3) != 0)
		return fail(buf, size, why, "not an AWS partition");
	for (i = 0; i < plen; i++)
		if (!((part[i] >= 'a' && part[i] <= 'z') || part[i] == '-'))
			return fail(buf, size, why, "not an AWS partition");
	svc++;
	if (strncmp(svc, "iam::", 5) == 0)
		iam = 1;
	else if (strncmp(svc, "sts::", 5) == 0)
		iam = 0;
	else
		return fail(buf, size, why, "not an IAM or STS ARN");
	acct = svc + 5;
	for (i = 0; i < 12; i++)
		if (acct[i] < '0' || acct[i] > '9')
			return fail(buf, size, why, "the account is not 12 "
			    "digits");
	if (acct[12] != ':')
		return fail(buf, size, why, "the account is not 12 digits");
	res = acct + 13;
	if (strchr(res, ':') != NULL)
		return fail(buf, size, why, "more parts than an ARN has");

	/* "arn:P:" then the service and account as given. */
	if (put(buf, size, &at, arn, (size_t)(acct + 13 - arn), 0) != 0)
		return fail(buf, size, why, "no room");
	if (iam && strcmp(res, "root") == 0) {
		if (put(buf, size, &at, "root", 4, 0) != 0)
			return fail(buf, size, why, "no room");
		return 0;
	}
	if (iam && (strncmp(res, "user/", 5) == 0 ||
	    strncmp(res, "role/", 5) == 0)) {
		if ((name = last_segment(res + 5, &nlen)) == NULL)
			return fail(buf, size, why, "a bad IAM path");
		if (!name_ok(name, nlen, 1, 64))
			return fail(buf, size, why, "not an IAM user or role "
			    "name");
		if (put(buf, size, &at, res, 5, 0) != 0 ||
		    put(buf, size, &at, name, nlen, 1) != 0)
			return fail(buf, size, why, "no room");
		return 0;
	}
	if (!iam && strncmp(res, "assumed-role/", 13) == 0) {
		role = res + 13;
		if ((p = strchr(role, '/')) == NULL)
			return fail(buf, size, why, "an assumed role without "
			    "a session");
		rlen = (size_t)(p - role);
		sess = p + 1;
		slen = strlen(sess);
		if (!name_ok(role, rlen, 1, 64))
			return fail(buf, size, why, "not an IAM role name");
		if (!name_ok(sess, slen, 2, 64))
			return fail(buf, size, why, "not a role session name");
		at = 0;
		if (rlen > strlen(SSO_PREFIX) &&
		    strncmp(role, SSO_PREFIX, strlen(SSO_PREFIX)) == 0) {
			/* Identity Center: the user, any permission set. */
			if (put(buf, size, &at, arn, (size_t)(res - arn), 0) ||
			    put(buf, size, &at, "assumed-role/" SSO_PREFIX "*/",
			    strlen("assumed-role/" SSO_PREFIX "*/"), 0) ||
			    put(buf, size, &at, sess, slen, 1))
				return fail(buf, size, why, "no room");
			return 0;
		}
		/* The role: arn:P:iam::ACCT:role/NAME. */
		if (put(buf, size, &at, arn, (size_t)(svc - arn), 0) ||
		    put(buf, size, &at, "iam::", 5, 0) ||
		    put(buf, size, &at, acct, 13, 0) ||
		    put(buf, size, &at, "role/", 5, 0) ||
		    put(buf, size, &at, role, rlen, 1))
			return fail(buf, size, why, "no room");
		return 0;
	}
	if (!iam && strncmp(res, "federated-user/", 15) == 0) {
		if (!name_ok(res + 15, strlen(res + 15), 2, 32))
			return fail(buf, size, why, "not a federated user "
			    "name");
		if (put(buf, size, &at, "federated-user/*", 16, 0) != 0)
			return fail(buf, size, why, "no room");
		return 0;
	}
	return fail(buf, size, why, "not a user, role, role session, "
	    "federated user or root ARN");
}

int
fleet_principal_same(const char *a, const char *b)
{
	char pa[FLEET_PRINCIPAL_MAX + 1], pb[FLEET_PRINCIPAL_MAX + 1];

	if (fleet_principal(a, pa, sizeof pa, NULL) != 0 ||
	    fleet_principal(b, pb, sizeof pb, NULL) != 0)
		return -1;
	return strcmp(pa, pb) == 0;
}
