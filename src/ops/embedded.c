/*
 * embedded.c - see embedded.h.  The arrays themselves are generated
 * (build/gen/embed_ssm.c, build/gen/embed_athena.c).
 */
#include "ops/embedded.h"

#include <string.h>

const struct embed_file *
embedded_find(const struct embed_file *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].name != NULL && strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}
