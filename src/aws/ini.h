/*
 * ini.h - the AWS shared config / credentials file format, as botocore and
 * the other SDKs read it.
 *
 *   [section]              name trimmed; "[profile dev]" kept as written
 *   key = value            both trimmed; key non-empty, case kept
 *   # comment / ; comment  at line start; inline only after whitespace
 *   s3 =                   an empty value followed by indented lines
 *     addressing_style = path    is a sub-section: key "s3.addressing_style"
 *   key = value            an indented line after a non-empty value
 *     more                 continues it (joined with '\n')
 *
 * CRLF line ends and a UTF-8 BOM are accepted.  A section given twice is
 * merged and a key given twice keeps the later value, as the SDKs other than
 * botocore do (botocore refuses both); the file stays usable with aws CLI v2.
 * Every key remembers its line.  Errors read "FILE:LINE: what is wrong",
 * naming at most a key (control bytes replaced), never a line or a value:
 * any line of these files may hold a secret.
 */
#ifndef PATCHDECK_INI_H
#define PATCHDECK_INI_H

#include <stddef.h>

#define INI_MAX_SIZE (1024 * 1024)

struct ini_key {
	char *name;
	char *value;
	int line;
	char *where;		/* "FILE:LINE" */
};

struct ini_section {
	char *name;
	int line;
	/* The line where the same header stands again (merged, as the SDKs
	 * do), or 0: for formats of our own where a repeat is a mistake. */
	int repeat_line;
	struct ini_key *keys;
	size_t nkeys;
};

struct ini {
	char *name;		/* the file name used in messages */
	struct ini_section *sections;
	size_t nsections;
};

/*
 * Parses len bytes of text; name is used in messages.  Returns the parsed
 * file (free with ini_free), or NULL with *err (caller frees).
 */
struct ini *ini_parse(const char *name, const char *text, size_t len,
    char **err);

/*
 * Reads and parses path; name (NULL: path) is used in messages.  Returns 0
 * with *out set, 0 with *out NULL when the file does not exist, or -1 with
 * *err (caller frees) for an unreadable, oversized or malformed file.
 */
int ini_load(const char *path, const char *name, struct ini **out,
    char **err);

void ini_free(struct ini *ini);

/* The section called name, or NULL. */
const struct ini_section *ini_section(const struct ini *ini,
    const char *name);

/* A key of a section, or NULL; pointers owned by ini. */
const struct ini_key *ini_key(const struct ini_section *s, const char *name);

/* The value of section/key, or NULL; *line (if not NULL) gets its line. */
const char *ini_get(const struct ini *ini, const char *section,
    const char *key, int *line);

#endif
