/*
 * setupdocs.c - see setupdocs.h.
 */
#include "ops/setupdocs.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/net.h"
#include "aws/sigv4.h"
#include "aws/ssm.h"
#include "ops/embedded.h"
#include "util/util.h"

void
setupdocs_remote_done(struct setupdocs_remote *r)
{
	free(r->default_version);
	free(r->latest_version);
	free(r->default_hash);
	free(r->latest_hash);
	memset(r, 0, sizeof *r);
}

void
setupdocs_hash(const char *content, size_t len, char out[65])
{
	sigv4_sha256_hex(content, len, out);
}

static int
is_hash(const char *h)
{
	size_t i;

	if (h == NULL || strlen(h) != 64)
		return 0;
	for (i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)h[i]))
			return 0;
	return 1;
}

int
setupdocs_hash_equal(const char *a, const char *b)
{
	size_t i;

	if (!is_hash(a) || !is_hash(b))
		return 0;
	for (i = 0; i < 64; i++)
		if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
			return 0;
	return 1;
}

enum setupdocs_action
setupdocs_decide(const char *local_hash, const struct setupdocs_remote *r)
{
	if (!r->exists)
		return SETUPDOCS_CREATE;
	if (setupdocs_hash_equal(local_hash, r->default_hash))
		return SETUPDOCS_CURRENT;
	if (r->latest_version != NULL && r->latest_hash != NULL &&
	    setupdocs_hash_equal(local_hash, r->latest_hash))
		return SETUPDOCS_SET_DEFAULT;
	return SETUPDOCS_UPDATE;
}

const char *
setupdocs_action_calls(enum setupdocs_action a)
{
	switch (a) {
	case SETUPDOCS_CREATE:
		return "CreateDocument";
	case SETUPDOCS_UPDATE:
		return "UpdateDocument, UpdateDocumentDefaultVersion";
	case SETUPDOCS_SET_DEFAULT:
		return "UpdateDocumentDefaultVersion";
	case SETUPDOCS_CURRENT:
		break;
	}
	return "";
}

/* One document reply, kept past the callback. */
struct docr {
	int done;
	int found;
	char *version, *latest, *def, *hash, *status;
	struct aws_error ae;
};

static void
docr_done(struct docr *d)
{
	free(d->version);
	free(d->latest);
	free(d->def);
	free(d->hash);
	free(d->status);
	awserr_free(&d->ae);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static void
on_doc(void *arg, const struct ssm_document *d, const struct aws_error *err)
{
	struct docr *r = arg;

	r->done = 1;
	if (d == NULL) {
		awserr_copy(&r->ae, err);
		return;
	}
	r->found = 1;
	r->version = dup_or_null(d->document_version);
	r->latest = dup_or_null(d->latest_version);
	r->def = dup_or_null(d->default_version);
	r->hash = dup_or_null(d->hash);
	r->status = dup_or_null(d->status);
}

/* Runs the loop until r is done; a loop that ran dry is "no reply". */
static void
docr_wait(struct net *net, struct docr *r)
{
	net_run(net, NULL);
	if (!r->done || (!r->found && r->ae.code == NULL))
		awserr_set(&r->ae, 0, "NoReply", "no reply", NULL);
}

static int
not_found(const struct aws_error *e)
{
	return e->code != NULL && strcmp(e->code, "InvalidDocument") == 0;
}

int
setupdocs_describe(struct net *net, struct aws_client *ssm, const char *name,
    struct setupdocs_remote *out, char **err)
{
	struct docr d, l;
	int rc = -1;

	memset(out, 0, sizeof *out);
	memset(&d, 0, sizeof d);
	awserr_init(&d.ae);
	ssm_describe_document(ssm, name, on_doc, &d);
	docr_wait(net, &d);
	if (!d.found) {
		if (not_found(&d.ae)) {
			rc = 0;
		} else {
			char *m = awserr_format(&d.ae);

			util_seterr(err, "DescribeDocument %s: %s", name, m);
			free(m);
		}
		docr_done(&d);
		return rc;
	}
	out->exists = 1;
	out->default_version = dup_or_null(d.def != NULL ? d.def : d.version);
	out->latest_version = dup_or_null(d.latest);
	out->default_hash = dup_or_null(d.hash);
	docr_done(&d);
	if (out->latest_version == NULL || out->default_version == NULL ||
	    strcmp(out->latest_version, out->default_version) == 0)
		return 0;
	memset(&l, 0, sizeof l);
	awserr_init(&l.ae);
	ssm_describe_document_version(ssm, name, out->latest_version, on_doc,
	    &l);
	docr_wait(net, &l);
	if (l.found) {
		out->latest_hash = dup_or_null(l.hash);
		rc = 0;
	} else {
		char *m = awserr_format(&l.ae);

		util_seterr(err, "DescribeDocument %s version %s: %s", name,
		    out->latest_version, m);
		free(m);
		setupdocs_remote_done(out);
	}
	docr_done(&l);
	return rc;
}

struct endr {
	int done;
	struct aws_error ae;
};

static void
on_end(void *arg, const struct aws_error *err)
{
	struct endr *e = arg;

	e->done = 1;
	if (err != NULL)
		awserr_copy(&e->ae, err);
}

static void
tick(void *arg)
{
	(void)arg;
}

/* Until version of name is Active: 0, or -1 with *ae. */
static int
wait_active(struct net *net, struct aws_client *ssm, const char *name,
    const char *version, int wait_s, struct aws_error *ae)
{
	time_t start = time(NULL);

	for (;;) {
		struct docr d;
		int active;

		memset(&d, 0, sizeof d);
		awserr_init(&d.ae);
		ssm_describe_document_version(ssm, name, version, on_doc, &d);
		docr_wait(net, &d);
		if (!d.found) {
			awserr_copy(ae, &d.ae);
			docr_done(&d);
			return -1;
		}
		/* moto and older replies may leave Status out: usable. */
		active = d.status == NULL || strcmp(d.status, "Active") == 0;
		if (active || (d.status != NULL &&
		    strcmp(d.status, "Failed") == 0) ||
		    time(NULL) - start >= wait_s) {
			if (!active) {
				char *m = xasprintf("version %s is %s", version,
				    d.status);

				awserr_set(ae, 0, "DocumentNotActive", m, NULL);
				free(m);
			}
			docr_done(&d);
			return active ? 0 : -1;
		}
		docr_done(&d);
		net_timer_add(net, 1000, tick, NULL);
		net_run(net, NULL);
	}
}

static int
set_default(struct net *net, struct aws_client *ssm, const char *name,
    const char *version, struct aws_error *ae)
{
	struct endr e;

	memset(&e, 0, sizeof e);
	awserr_init(&e.ae);
	ssm_update_document_default_version(ssm, name, version, on_end, &e);
	net_run(net, NULL);
	if (!e.done && e.ae.code == NULL)
		awserr_set(&e.ae, 0, "NoReply", "no reply", NULL);
	if (e.ae.code != NULL) {
		awserr_copy(ae, &e.ae);
		awserr_free(&e.ae);
		return -1;
	}
	return 0;
}

/*
 * The version of name holding the content hashed to want, newest first
 * from latest down to 1: SSM refuses an UpdateDocument whose content an
 * older version holds (DuplicateDocumentContent), so that version is the
 * one to make the default.  A new string, or NULL with *ae.
 */
static char *
find_version(struct net *net, struct aws_client *ssm, const char *name,
    const char *want, const char *latest, struct aws_error *ae)
{
	long v = latest != NULL ? strtol(latest, NULL, 10) : 0;

	/* Bounded: a document has at most 1,000 versions. */
	for (; v >= 1 && v <= 1000; v--) {
		struct docr d;
		char num[24];
		int match;

		snprintf(num, sizeof num, "%ld", v);
		memset(&d, 0, sizeof d);
		awserr_init(&d.ae);
		ssm_describe_document_version(ssm, name, num, on_doc, &d);
		docr_wait(net, &d);
		match = d.found && setupdocs_hash_equal(d.hash, want);
		docr_done(&d);
		if (match)
			return xstrdup(num);
	}
	awserr_set(ae, 0, "DuplicateDocumentContent", "SSM says a version "
	    "holds this content, but none of them has its hash", NULL);
	return NULL;
}

int
setupdocs_apply(struct net *net, struct aws_client *ssm,
    const struct embed_file *doc, enum setupdocs_action a,
    const struct setupdocs_remote *r, int wait_s, char **version,
    struct aws_error *ae)
{
	struct docr d;
	char *v;

	*version = NULL;
	if (a == SETUPDOCS_SET_DEFAULT) {
		if (wait_active(net, ssm, doc->name, r->latest_version, wait_s,
		    ae) != 0 || set_default(net, ssm, doc->name,
		    r->latest_version, ae) != 0)
			return -1;
		*version = xstrdup(r->latest_version);
		return 0;
	}
	if (a == SETUPDOCS_CURRENT) {
		*version = dup_or_null(r->default_version);
		return 0;
	}
	memset(&d, 0, sizeof d);
	awserr_init(&d.ae);
	/* The content as built: the bytes whose hash setup compared. */
	if (a == SETUPDOCS_CREATE)
		ssm_create_document(ssm, doc->name, doc->data, "JSON", on_doc,
		    &d);
	else
		ssm_update_document(ssm, doc->name, doc->data, "JSON", on_doc,
		    &d);
	docr_wait(net, &d);
	if (!d.found && a == SETUPDOCS_UPDATE && d.ae.code != NULL &&
	    strcmp(d.ae.code, "DuplicateDocumentContent") == 0) {
		char h[65];

		/* An older version holds our content: it becomes the
		 * default again. */
		docr_done(&d);
		setupdocs_hash(doc->data, doc->len, h);
		if ((v = find_version(net, ssm, doc->name, h,
		    r->latest_version, ae)) == NULL)
			return -1;
		if (wait_active(net, ssm, doc->name, v, wait_s, ae) != 0 ||
		    set_default(net, ssm, doc->name, v, ae) != 0) {
			free(v);
			return -1;
		}
		*version = v;
		return 0;
	}
	if (!d.found) {
		awserr_copy(ae, &d.ae);
		docr_done(&d);
		return -1;
	}
	v = xstrdup(d.version != NULL ? d.version : d.latest != NULL ?
	    d.latest : "1");
	docr_done(&d);
	/* A new document's first version is its default already. */
	if (a == SETUPDOCS_UPDATE && (wait_active(net, ssm, doc->name, v,
	    wait_s, ae) != 0 || set_default(net, ssm, doc->name, v, ae) != 0)) {
		free(v);
		return -1;
	}
	*version = v;
	return 0;
}
