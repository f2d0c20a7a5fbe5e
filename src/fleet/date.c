/*
 * date.c - see date.h.
 */
#include "fleet/date.h"

#include <stdio.h>
#include <string.h>

/*
 * Howard Hinnant's days_from_civil: exact for the whole proleptic Gregorian
 * calendar without loops or tables, so hostile years cannot make it slow.
 */
long long
fleet_date_days_from_civil(long long y, int m, int d)
{
	long long era, yoe, doy, doe;
	long long mm = m;

	/* Fold months outside 1..12 into the year so callers may overflow. */
	if (mm < 1 || mm > 12) {
		y += (mm - 1 >= 0) ? (mm - 1) / 12 : -((12 - mm) / 12);
		mm = ((mm - 1) % 12 + 12) % 12 + 1;
	}
	y -= mm <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (mm + (mm > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

struct fleet_date
fleet_date_from_days(long long z)
{
	struct fleet_date r;
	long long era, doe, yoe, y, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	r.day = (int)(doy - (153 * mp + 2) / 5 + 1);
	r.month = (int)(mp < 10 ? mp + 3 : mp - 9);
	r.year = (int)(y + (r.month <= 2));
	return r;
}

long long
fleet_date_to_days(struct fleet_date d)
{
	return fleet_date_days_from_civil(d.year, d.month, d.day);
}

struct fleet_date
fleet_date_of_utc(long long utc)
{
	long long days = utc / 86400;

	if (utc % 86400 < 0)
		days--;
	return fleet_date_from_days(days);
}

int
fleet_date_is_leap(long long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
fleet_date_days_in_month(long long y, int m)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m < 1 || m > 12)
		return 0;
	if (m == 2 && fleet_date_is_leap(y))
		return 29;
	return mdays[m - 1];
}

int
fleet_date_valid(int y, int m, int d)
{
	return m >= 1 && m <= 12 && d >= 1 &&
	    d <= fleet_date_days_in_month(y, m);
}

int
fleet_date_weekday(struct fleet_date d)
{
	long long days = fleet_date_to_days(d);

	/* 1970-01-01 was a Thursday. */
	return (int)(((days % 7) + 7 + 4) % 7);
}

int
fleet_date_cmp(struct fleet_date a, struct fleet_date b)
{
	if (a.year != b.year)
		return a.year < b.year ? -1 : 1;
	if (a.month != b.month)
		return a.month < b.month ? -1 : 1;
	if (a.day != b.day)
		return a.day < b.day ? -1 : 1;
	return 0;
}

struct fleet_date
fleet_date_add_days(struct fleet_date d, long n)
{
	return fleet_date_from_days(fleet_date_to_days(d) + n);
}

long
fleet_days_between(struct fleet_date from, struct fleet_date to)
{
	return (long)(fleet_date_to_days(to) - fleet_date_to_days(from));
}

/* n decimal digits at s, or -1. */
static int
digits(const char *s, int n)
{
	int v = 0, k;

	for (k = 0; k < n; k++) {
		if (s[k] < '0' || s[k] > '9')
			return -1;
		v = v * 10 + (s[k] - '0');
	}
	return v;
}

/* YYYY-MM-DD at s (10 bytes, checked by the caller to exist). */
static int
parse_ymd(const char *s, struct fleet_date *out)
{
	int y, m, d;

	if (s[4] != '-' || s[7] != '-')
		return -1;
	y = digits(s, 4);
	m = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (y < 1 || m < 0 || d < 0 || !fleet_date_valid(y, m, d))
		return -1;
	out->year = y;
	out->month = m;
	out->day = d;
	return 0;
}

int
fleet_date_parse(const char *s, struct fleet_date *out)
{
	struct fleet_date d;

	if (s == NULL || strnlen(s, 11) != 10 || parse_ymd(s, &d) != 0)
		return -1;
	*out = d;
	return 0;
}

void
fleet_date_format(struct fleet_date d, char *buf, size_t size)
{
	snprintf(buf, size, "%04d-%02d-%02d", d.year, d.month, d.day);
}

int
fleet_date_parse_iso8601(const char *s, long long *utc)
{
	struct fleet_date d;
	int h, mi, sec = 0, oh, om, sign;
	const char *p;

	if (s == NULL || strnlen(s, 11) < 10 || parse_ymd(s, &d) != 0)
		return -1;
	p = s + 10;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -1;
	p++;
	/* strnlen guards every fixed-width read below against a short tail. */
	if (strnlen(p, 5) < 5 || p[2] != ':')
		return -1;
	h = digits(p, 2);
	mi = digits(p + 3, 2);
	if (h < 0 || h > 23 || mi < 0 || mi > 59)
		return -1;
	p += 5;
	if (*p == ':') {
		if (strnlen(p, 3) < 3 || (sec = digits(p + 1, 2)) < 0 ||
		    sec > 60)
			return -1;
		if (sec == 60)
			sec = 59;
		p += 3;
		if (*p == '.' || *p == ',') {
			p++;
			if (*p < '0' || *p > '9')
				return -1;
			while (*p >= '0' && *p <= '9')
				p++;
		}
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		oh = om = 0;
		sign = 1;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		p++;
		if (strnlen(p, 2) < 2 || (oh = digits(p, 2)) < 0 || oh > 23)
			return -1;
		p += 2;
		if (*p == ':')
			p++;
		if (strnlen(p, 2) < 2 || (om = digits(p, 2)) < 0 || om > 59 ||
		    p[2] != '\0')
			return -1;
	} else {
		return -1;
	}
	*utc = fleet_date_to_days(d) * 86400 + h * 3600 + mi * 60 + sec -
	    sign * (oh * 3600 + om * 60);
	return 0;
}
