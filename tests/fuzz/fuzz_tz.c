/*
 * fuzz_tz.c - time zone files (TZif, any version) and POSIX TZ strings,
 * as read from /usr/share/zoneinfo or a window's zone.
 * Invariants: a parsed zone answers for any time without a crash, with
 * local dates that are dates.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
ask(const struct fleet_tz *tz)
{
	static const long long when[] = {
		-4000000000LL, -1, 0, 1700000000LL, 2147483647LL,
		4000000000LL, 253402300799LL
	};
	long long utc;
	long sec;
	int y, mon, d, dst;
	size_t i;

	for (i = 0; i < sizeof when / sizeof when[0]; i++) {
		(void)fleet_tz_offset(tz, when[i], &dst);
		(void)fleet_tz_type_at(tz, when[i]);
		fleet_tz_to_local(tz, when[i], &y, &mon, &d, &sec);
		if (mon < 1 || mon > 12 || d < 1 || d > 31 || sec < 0 ||
		    sec >= 86400)
			abort();
	}
	(void)fleet_tz_local_to_utc(tz, 2024, 3, 31, 2, 30, &utc);
	(void)fleet_tz_local_to_utc(tz, 2024, 10, 27, 2, 30, &utc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fleet_tz tz;
	char *err = NULL, *text;

	memset(&tz, 0, sizeof tz);
	if (fleet_tz_parse("fuzz", data, size, &tz, &err) == 0) {
		ask(&tz);
		fleet_tz_done(&tz);
	} else {
		free(err);
	}
	if (size > 256)
		return 0;
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	err = NULL;
	memset(&tz, 0, sizeof tz);
	if (fleet_tz_from_posix(text, &tz, &err) == 0) {
		ask(&tz);
		fleet_tz_done(&tz);
	} else {
		free(err);
	}
	free(text);
	return 0;
}
