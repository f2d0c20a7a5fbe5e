/*
 * sns.c - see sns.h.
 */
#include "aws/sns.h"

#include <stdlib.h>

#include "aws/awserr.h"
#include "aws/awsxml.h"
#include "aws/pager.h"
#include "util/util.h"

struct pub {
	sns_published_fn fn;
	void *arg;
	char *id;
};

static int
pub_page(void *arg, const xmlNode *root)
{
	struct pub *p = arg;

	p->id = awsxml_text(root, "PublishResult/MessageId");
	return 0;
}

static void
pub_end(void *arg, const struct aws_error *err)
{
	struct pub *p = arg;
	struct aws_error e;

	if (err != NULL) {
		p->fn(p->arg, NULL, err);
	} else if (p->id == NULL || *p->id == '\0') {
		awserr_init(&e);
		awserr_set(&e, 200, "MalformedReply",
		    "Publish returned no MessageId", NULL);
		p->fn(p->arg, NULL, &e);
		awserr_free(&e);
	} else {
		p->fn(p->arg, p->id, NULL);
	}
	free(p->id);
	free(p);
}

void
sns_publish(struct aws_client *c, const char *topic_arn, const char *subject,
    const char *message, sns_published_fn fn, void *arg)
{
	struct pub *p = xcalloc(1, sizeof *p);
	struct aws_params params;

	p->fn = fn;
	p->arg = arg;
	aws_params_init(&params);
	aws_params_add(&params, "TopicArn", topic_arn);
	aws_params_add(&params, "Message", message);
	if (subject != NULL)
		aws_params_add(&params, "Subject", subject);
	aws_query_pages_owned(c, "Publish", SNS_API_VERSION, &params, NULL, NULL,
	    pub_page, pub_end, free, p);
}
