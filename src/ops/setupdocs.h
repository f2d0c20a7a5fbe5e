/*
 * setupdocs.h - the SSM documents `patchdeck setup` keeps in every target
 * account and region: the ones built into the binary (ops/embedded.h,
 * data/ssm), each under its own name, format JSON.
 *
 * A document is current when the version SSM runs by default holds our
 * content, judged by SSM's own Hash (SHA-256 of the content, hex).  Else:
 * CreateDocument when it is missing; UpdateDocument and then
 * UpdateDocumentDefaultVersion to the version that made; or, when the
 * newest version already holds our content but is not the default (an
 * earlier setup stopped between the two calls), only the latter.  A
 * second setup therefore sends nothing.
 *
 * The calls below wait on the loop (net_run), as setup.h's do.
 */
#ifndef PATCHDECK_SETUPDOCS_H
#define PATCHDECK_SETUPDOCS_H

#include <stddef.h>

#include "aws/awserr.h"

struct net;
struct aws_client;
struct embed_file;

enum setupdocs_action {
	SETUPDOCS_CURRENT,	/* nothing to do */
	SETUPDOCS_CREATE,	/* CreateDocument */
	SETUPDOCS_UPDATE,	/* UpdateDocument, UpdateDocumentDefaultVersion */
	SETUPDOCS_SET_DEFAULT	/* UpdateDocumentDefaultVersion only */
};

/* What DescribeDocument told of one document; strings owned. */
struct setupdocs_remote {
	int exists;
	char *default_version;
	char *latest_version;
	char *default_hash;	/* Hash of the default version */
	char *latest_hash;	/* of the latest version, asked only when it
				 * is not the default; else NULL */
};

void setupdocs_remote_done(struct setupdocs_remote *r);

/* SHA-256 of content, 64 lower-case hex digits: what SSM reports as Hash. */
void setupdocs_hash(const char *content, size_t len, char out[65]);
/* 1 when a and b are the same 64-hex-digit hash (case ignored); 0 when
 * they differ or either is NULL or not such a hash. */
int setupdocs_hash_equal(const char *a, const char *b);
/* The action for a document whose content hashes to local_hash.  Pure. */
enum setupdocs_action setupdocs_decide(const char *local_hash,
    const struct setupdocs_remote *r);
/* "CreateDocument", ... for messages; "" for CURRENT. */
const char *setupdocs_action_calls(enum setupdocs_action a);

/*
 * DescribeDocument of name (and of its latest version when that is not
 * the default).  0 with *r filled (InvalidDocument: r->exists 0), or -1
 * with *err (caller frees).  Reads only.
 */
int setupdocs_describe(struct net *net, struct aws_client *ssm,
    const char *name, struct setupdocs_remote *r, char **err);

/*
 * Carries out a (not CURRENT) for doc.  0 with *version (caller frees) the
 * version now the default, or -1 with *ae.  A new version is made the
 * default once SSM reports it Active (polled every second, at most
 * wait_s seconds).  SSM refuses new content that an older version holds
 * (DuplicateDocumentContent): that version, found by its Hash, is made
 * the default instead.
 */
int setupdocs_apply(struct net *net, struct aws_client *ssm,
    const struct embed_file *doc, enum setupdocs_action a,
    const struct setupdocs_remote *r, int wait_s, char **version,
    struct aws_error *ae);

#endif
