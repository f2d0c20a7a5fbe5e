/*
 * timefmt.c - see timefmt.h.
 */
#include "ops/timefmt.h"

#include <stdio.h>

#include "fleet/tz.h"

void
timefmt_local(const struct fleet_tz *tz, long long utc, char *buf,
    size_t size)
{
	const struct fleet_tz_type *t;
	int y, mon, d;
	long sec;

	if (tz == NULL) {
		timefmt_utc(utc, buf, size);
		return;
	}
	fleet_tz_to_local(tz, utc, &y, &mon, &d, &sec);
	t = fleet_tz_type_at(tz, utc);
	snprintf(buf, size, "%04d-%02d-%02d %02ld:%02ld %s", y, mon, d,
	    sec / 3600, (sec / 60) % 60, t != NULL ? t->abbr : "");
}

void
timefmt_utc(long long utc, char *buf, size_t size)
{
	struct fleet_tz z;
	int y, mon, d;
	long sec;

	fleet_tz_utc(&z);
	fleet_tz_to_local(&z, utc, &y, &mon, &d, &sec);
	fleet_tz_done(&z);
	snprintf(buf, size, "%04d-%02d-%02d %02ld:%02ldZ", y, mon, d,
	    sec / 3600, (sec / 60) % 60);
}

void
timefmt_age(long long now, long long earlier, char *buf, size_t size)
{
	long long d = now - earlier;

	if (earlier <= 0)
		snprintf(buf, size, "never");
	else if (d < 5)
		snprintf(buf, size, "just now");
	else if (d < 60)
		snprintf(buf, size, "%lld s ago", d);
	else if (d < 3600)
		snprintf(buf, size, "%lld min ago", d / 60);
	else if (d < 2 * 86400)
		snprintf(buf, size, "%lld h ago", d / 3600);
	else
		snprintf(buf, size, "%lld d ago", d / 86400);
}

void
timefmt_until(long long now, long long later, char *buf, size_t size)
{
	long long d = later - now;

	if (d <= 0)
		snprintf(buf, size, "now");
	else if (d < 3600)
		snprintf(buf, size, "in %lld min", (d + 59) / 60);
	else if (d < 2 * 86400)
		snprintf(buf, size, "in %lld h %lld min", d / 3600,
		    (d / 60) % 60);
	else
		snprintf(buf, size, "in %lld d %lld h", d / 86400,
		    (d / 3600) % 24);
}
