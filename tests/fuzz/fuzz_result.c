/*
 * fuzz_result.c - command output with PATCHDECK_RESULT, PATCHDECK_PRECHECK
 * and PATCHDECK_FIX lines (and Windows' update count), as SSM and S3
 * return it.
 * Invariants: a parsed result has its strings and counts that are not
 * negative; a pre-check has "/" first and percentages 0-100; a fix has a
 * kind of the document's own, its strings and freed_mb not negative.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *out = (const char *)data;
	struct fleet_result r;
	struct fleet_precheck p;
	struct fleet_fix_result f;
	char *err = NULL;
	long long n;
	size_t i;

	memset(&r, 0, sizeof r);
	if (fleet_result_parse(out, size, &r, &err) == 0) {
		if (r.os == NULL || r.kernel_before == NULL ||
		    r.kernel_after == NULL || r.error == NULL ||
		    r.pkgs_before < 0 || r.pkgs_updated < 0 ||
		    r.pkgs_available_after < 0 || r.passes < 1)
			abort();
		(void)fleet_reboot_name(r.reboot);
		fleet_result_done(&r);
	} else {
		free(err);
	}
	err = NULL;
	memset(&p, 0, sizeof p);
	if (fleet_precheck_parse(out, size, &p, &err) == 0) {
		if (p.ndisk == 0 || strcmp(p.disk[0].mount, "/") != 0)
			abort();
		for (i = 0; i < p.ndisk; i++)
			if (p.disk[i].free_pct < 0 || p.disk[i].free_pct > 100)
				abort();
		fleet_precheck_done(&p);
	} else {
		free(err);
	}
	err = NULL;
	memset(&f, 0, sizeof f);
	if (fleet_fix_parse(out, size, &f, &err) == 0) {
		if (f.error == NULL || f.freed_mb < 0 ||
		    strcmp(fleet_fix_kind_name(f.kind), "?") == 0 ||
		    (f.nchanged > 0 && f.changed == NULL))
			abort();
		for (i = 0; i < f.nchanged; i++)
			if (f.changed[i] == NULL)
				abort();
		(void)fleet_fix_status_name(f.status);
		fleet_fix_result_done(&f);
	} else {
		free(err);
	}
	err = NULL;
	if (fleet_windows_updates(out, size, &n, &err) != 0)
		free(err);
	return 0;
}
