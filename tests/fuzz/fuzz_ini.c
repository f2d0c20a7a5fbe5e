/*
 * fuzz_ini.c - the INI reader of ~/.aws/config, credentials and
 * patchdeck's own files.
 * Invariants: a parse gives a file or a reason, and the reason holds no
 * control byte (it names file, line and key, never the line's text,
 * which may be a secret); every section and key it gives has its
 * strings, and ini_get finds each key it lists.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/ini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ini *ini;
	char *err = NULL;
	size_t i, k;

	ini = ini_parse("fuzz", (const char *)data, size, &err);
	if (ini == NULL) {
		if (err == NULL)
			abort();
		for (i = 0; err[i] != '\0'; i++)
			if ((unsigned char)err[i] < 0x20 || err[i] == 0x7f)
				abort();
		free(err);
		return 0;
	}
	for (i = 0; i < ini->nsections; i++) {
		const struct ini_section *s = &ini->sections[i];

		if (s->name == NULL)
			abort();
		for (k = 0; k < s->nkeys; k++) {
			if (s->keys[k].name == NULL ||
			    s->keys[k].value == NULL ||
			    ini_get(ini, s->name, s->keys[k].name, NULL) ==
			    NULL)
				abort();
		}
	}
	ini_free(ini);
	return 0;
}
