/*
 * fuzz_xml.c - XML replies from AWS: the one parser (awsxml_parse), the
 * EC2 page parser, STS's two replies, and the text getter.
 * Invariants: a document comes back only without a DOCTYPE; no document
 * comes back without a reason; the parsers never crash or leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "aws/awsxml.h"
#include "aws/ec2.h"
#include "aws/sts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct ec2_instance *v;
	struct sts_identity id;
	struct sts_credentials cr;
	char *err = NULL, *t;
	xmlDoc *doc;
	size_t n;

	doc = awsxml_parse(body, size, &err);
	if (doc == NULL) {
		if (err == NULL)
			abort();	/* refused without a reason */
		free(err);
	} else {
		if (err != NULL || doc->intSubset != NULL ||
		    doc->extSubset != NULL)
			abort();	/* a DTD got through */
		n = ec2_parse_instances(xmlDocGetRootElement(doc), &v);
		ec2_instances_free(v, n);
		t = awsxml_text(xmlDocGetRootElement(doc),
		    "GetCallerIdentityResult/Arn");
		free(t);
		xmlFreeDoc(doc);
	}
	err = NULL;
	if (sts_parse_identity(body, size, &id, &err) == 0)
		sts_identity_free(&id);
	else
		free(err);
	err = NULL;
	if (sts_parse_assume_role(body, size, &cr, &err) == 0)
		sts_credentials_free(&cr);
	else
		free(err);
	return 0;
}
