/*
 * embedded.h - files built into the binary (tools/embed.c writes them at
 * build time, see the Makefile): the SSM documents of data/ssm/NAME.json and
 * the Athena statements of data/athena/NAME.sql.  What setup sends is what
 * was built, never a file found at run time.  Adding a document is adding
 * its .json to data/ssm (data/ssm/build.py writes it): the Makefile embeds
 * every one.
 */
#ifndef PATCHDECK_EMBEDDED_H
#define PATCHDECK_EMBEDDED_H

#include <stddef.h>

struct embed_file {
	const char *name;	/* base name without extension: the SSM
				 * document's name, "results" for results.sql */
	const char *data;	/* len bytes, then a NUL */
	size_t len;
};

/* data/ssm/NAME.json, by name; static, never freed. */
extern const struct embed_file embedded_ssm[];
extern const size_t embedded_ssm_n;
/* data/athena/NAME.sql. */
extern const struct embed_file embedded_athena[];
extern const size_t embedded_athena_n;

/* The entry of v[0..n) named name, or NULL. */
const struct embed_file *embedded_find(const struct embed_file *v, size_t n,
    const char *name);

#endif
