/*
 * tz.c - see tz.h.  TZif layout per RFC 8536; POSIX TZ rules per POSIX.1
 * section 8.3 with the RFC 8536 extensions.
 */
#include "fleet/tz.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/date.h"
#include "util/util.h"

/* Years 1 and 9999: rule arithmetic is done within these, so a hostile or
 * absurd instant cannot overflow the calendar code. */
#define TZ_MIN_UTC (-62135596800LL)
#define TZ_MAX_UTC 253402300799LL
/* RFC 8536 section 3.2: utoff SHOULD be within -89999..93599. */
#define TZ_MIN_OFF (-89999L)
#define TZ_MAX_OFF 93599L
#define TZ_FOOTER_MAX 1024

void
fleet_tz_done(struct fleet_tz *tz)
{
	free(tz->name);
	free(tz->trans);
	free(tz->trans_type);
	free(tz->types);
	memset(tz, 0, sizeof *tz);
}

static void
set_abbr(struct fleet_tz_type *t, const char *s, size_t n)
{
	if (n >= sizeof t->abbr)
		n = sizeof t->abbr - 1;
	memcpy(t->abbr, s, n);
	t->abbr[n] = '\0';
}

void
fleet_tz_utc(struct fleet_tz *tz)
{
	memset(tz, 0, sizeof *tz);
	tz->name = xstrdup("UTC");
	tz->has_rule = 1;
	set_abbr(&tz->rule.std, "UTC", 3);
}

/* ---- POSIX TZ strings ---------------------------------------------- */

/* A zone abbreviation: 3+ letters, or <...> of letters, digits, + and -. */
static int
posix_name(const char **pp, struct fleet_tz_type *t)
{
	const char *p = *pp, *s;

	if (*p == '<') {
		s = ++p;
		while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '+' || *p == '-')
			p++;
		if (*p != '>' || p == s)
			return -1;
		set_abbr(t, s, (size_t)(p - s));
		*pp = p + 1;
		return 0;
	}
	s = p;
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
		p++;
	if (p - s < 3)
		return -1;
	set_abbr(t, s, (size_t)(p - s));
	*pp = p;
	return 0;
}

/* 1..maxdig decimal digits, value <= max. */
static int
posix_num(const char **pp, int maxdig, long max, long *v)
{
	const char *p = *pp;
	long n = 0;
	int k = 0;

	while (*p >= '0' && *p <= '9') {
		if (++k > maxdig)
			return -1;
		n = n * 10 + (*p++ - '0');
	}
	if (k == 0 || n > max)
		return -1;
	*v = n;
	*pp = p;
	return 0;
}

/* [+-]hh[:mm[:ss]] in seconds; hours up to maxh. */
static int
posix_hms(const char **pp, long maxh, long *secs)
{
	const char *p = *pp;
	long sign = 1, h, m = 0, s = 0;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	if (posix_num(&p, 3, maxh, &h) != 0)
		return -1;
	if (*p == ':') {
		p++;
		if (posix_num(&p, 2, 59, &m) != 0)
			return -1;
		if (*p == ':') {
			p++;
			if (posix_num(&p, 2, 59, &s) != 0)
				return -1;
		}
	}
	*secs = sign * (h * 3600 + m * 60 + s);
	*pp = p;
	return 0;
}

static int
posix_when(const char **pp, struct fleet_tz_when *w)
{
	const char *p = *pp;
	long a, b, c;

	memset(w, 0, sizeof *w);
	if (*p == 'J') {
		p++;
		if (posix_num(&p, 3, 365, &a) != 0 || a < 1)
			return -1;
		w->kind = 'J';
		w->day = (int)a;
	} else if (*p == 'M') {
		p++;
		if (posix_num(&p, 2, 12, &a) != 0 || a < 1 || *p++ != '.' ||
		    posix_num(&p, 1, 5, &b) != 0 || b < 1 || *p++ != '.' ||
		    posix_num(&p, 1, 6, &c) != 0)
			return -1;
		w->kind = 'M';
		w->month = (int)a;
		w->week = (int)b;
		w->day = (int)c;
	} else {
		if (posix_num(&p, 3, 365, &a) != 0)
			return -1;
		w->kind = 'D';
		w->day = (int)a;
	}
	w->time = 2 * 3600;
	if (*p == '/') {
		p++;
		/* RFC 8536 allows -167..167 hours here. */
		if (posix_hms(&p, 167, &w->time) != 0)
			return -1;
	}
	*pp = p;
	return 0;
}

/* Parses s into r; returns NULL or a static description of the fault. */
static const char *
posix_parse(const char *s, struct fleet_tz_rule *r)
{
	const char *p = s;
	long off;

	memset(r, 0, sizeof *r);
	if (posix_name(&p, &r->std) != 0)
		return "bad standard time name";
	if (posix_hms(&p, 24, &off) != 0)
		return "bad standard time offset";
	/* POSIX counts hours west of Greenwich; we keep seconds east. */
	r->std.off = -off;
	if (*p == '\0')
		return NULL;
	if (posix_name(&p, &r->dst) != 0)
		return "bad summer time name";
	r->has_dst = 1;
	r->dst.isdst = 1;
	r->dst.off = r->std.off + 3600;
	if (*p != ',' && *p != '\0') {
		if (posix_hms(&p, 24, &off) != 0)
			return "bad summer time offset";
		r->dst.off = -off;
	}
	if (*p == '\0') {
		/* No rules: tzcode and glibc fall back to the US rules. */
		p = ",M3.2.0,M11.1.0";
	}
	if (*p++ != ',' || posix_when(&p, &r->start) != 0)
		return "bad summer time start rule";
	if (*p++ != ',' || posix_when(&p, &r->end) != 0)
		return "bad summer time end rule";
	if (*p != '\0')
		return "trailing characters";
	return NULL;
}

int
fleet_tz_from_posix(const char *posix, struct fleet_tz *tz, char **err)
{
	const char *why;

	memset(tz, 0, sizeof *tz);
	if (posix == NULL)
		posix = "";
	why = posix_parse(posix, &tz->rule);
	if (why != NULL) {
		util_seterr(err, "time zone rule '%.100s': %s", posix, why);
		memset(tz, 0, sizeof *tz);
		return -1;
	}
	tz->has_rule = 1;
	tz->name = xstrdup(posix);
	return 0;
}

/* Day number (days since 1970-01-01) on which rule date w falls in year y. */
static long long
when_day(const struct fleet_tz_when *w, long long y)
{
	long long jan1 = fleet_date_days_from_civil(y, 1, 1), first, day;
	int wd, dim;

	switch (w->kind) {
	case 'J':
		/* Jn never counts Feb 29: J60 is always March 1. */
		return jan1 + w->day - 1 +
		    (fleet_date_is_leap(y) && w->day >= 60);
	case 'D':
		return jan1 + w->day;
	default:
		first = fleet_date_days_from_civil(y, w->month, 1);
		wd = (int)(((first % 7) + 7 + 4) % 7);
		dim = fleet_date_days_in_month(y, w->month);
		day = first + (w->day - wd + 7) % 7 + (long long)(w->week - 1) * 7;
		while (day >= first + dim)
			day -= 7;
		return day;
	}
}

static const struct fleet_tz_type *
rule_type_at(const struct fleet_tz_rule *r, long long utc)
{
	long long y, start, end;
	int dst;

	if (!r->has_dst)
		return &r->std;
	if (utc < TZ_MIN_UTC)
		utc = TZ_MIN_UTC;
	if (utc > TZ_MAX_UTC)
		utc = TZ_MAX_UTC;
	y = fleet_date_of_utc(utc + r->std.off).year;
	/* Start is given in standard time, end in summer time. */
	start = when_day(&r->start, y) * 86400 + r->start.time - r->std.off;
	end = when_day(&r->end, y) * 86400 + r->end.time - r->dst.off;
	if (start < end)
		dst = utc >= start && utc < end;
	else	/* southern hemisphere: summer spans the new year */
		dst = !(utc >= end && utc < start);
	return dst ? &r->dst : &r->std;
}

/* ---- TZif ------------------------------------------------------------ */

struct tzif_hdr {
	char version;
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int64_t
be64(const unsigned char *p)
{
	uint64_t v = (uint64_t)be32(p) << 32 | be32(p + 4);

	/* Two's complement by arithmetic, not by an implementation-defined
	 * conversion. */
	if (v <= INT64_MAX)
		return (int64_t)v;
	return -(int64_t)(UINT64_MAX - v) - 1;
}

static int
read_hdr(const unsigned char *p, size_t len, size_t pos,
    struct tzif_hdr *h, const char **why)
{
	if (len - pos < 44) {
		*why = "truncated (header)";
		return -1;
	}
	p += pos;
	if (memcmp(p, "TZif", 4) != 0) {
		*why = "not TZif data (bad magic)";
		return -1;
	}
	h->version = (char)p[4];
	if (h->version != '\0' && (h->version < '2' || h->version > '4')) {
		*why = "unsupported TZif version";
		return -1;
	}
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	return 0;
}

/* Size of a data block; 64-bit maths, so 2^32 counts cannot overflow. */
static unsigned long long
block_size(const struct tzif_hdr *h, unsigned tsize)
{
	return (unsigned long long)h->timecnt * tsize + h->timecnt +
	    (unsigned long long)h->typecnt * 6 + h->charcnt +
	    (unsigned long long)h->leapcnt * (tsize + 4) + h->isstdcnt +
	    h->isutcnt;
}

static const char *
check_counts(const struct tzif_hdr *h)
{
	if (h->typecnt == 0)
		return "no local time types";
	if (h->typecnt > 256)
		return "too many local time types (more than 256)";
	if (h->charcnt == 0)
		return "no time zone abbreviations";
	if (h->isutcnt != 0 && h->isutcnt != h->typecnt)
		return "UT indicator count does not match the type count";
	if (h->isstdcnt != 0 && h->isstdcnt != h->typecnt)
		return "standard indicator count does not match the type count";
	if (h->leapcnt != 0)
		return "leap-second zone files (right/...) are not supported";
	return NULL;
}

/* Reads the data block at p (size already checked) into tz. */
static const char *
read_block(const unsigned char *p, const struct tzif_hdr *h, unsigned tsize,
    struct fleet_tz *tz)
{
	const unsigned char *tt, *ti, *chars;
	size_t k;

	tz->ntrans = h->timecnt;
	tz->ntypes = h->typecnt;
	tz->trans = xcalloc(h->timecnt ? h->timecnt : 1, sizeof *tz->trans);
	tz->trans_type = xcalloc(h->timecnt ? h->timecnt : 1, 1);
	tz->types = xcalloc(h->typecnt, sizeof *tz->types);
	tt = p + (size_t)h->timecnt * tsize;
	ti = tt + h->timecnt;
	chars = ti + (size_t)h->typecnt * 6;
	for (k = 0; k < h->timecnt; k++) {
		if (tsize == 8) {
			tz->trans[k] = be64(p + k * 8);
		} else {
			uint32_t u = be32(p + k * 4);

			tz->trans[k] = u <= INT32_MAX ? (long long)u :
			    (long long)u - 4294967296LL;
		}
		if (k > 0 && tz->trans[k] <= tz->trans[k - 1])
			return "transition times are not ascending";
		if (tt[k] >= h->typecnt)
			return "transition names a local time type that does not exist";
		tz->trans_type[k] = tt[k];
	}
	for (k = 0; k < h->typecnt; k++) {
		const unsigned char *e = ti + k * 6;
		uint32_t u = be32(e);
		long long off = u <= INT32_MAX ? (long long)u :
		    (long long)u - 4294967296LL;
		const char *a, *nul;

		if (off < TZ_MIN_OFF || off > TZ_MAX_OFF)
			return "UT offset out of range";
		if (e[4] > 1)
			return "bad summer time flag";
		if (e[5] >= h->charcnt)
			return "abbreviation index out of range";
		a = (const char *)chars + e[5];
		nul = memchr(a, '\0', h->charcnt - e[5]);
		if (nul == NULL)
			return "abbreviation is not terminated";
		tz->types[k].off = (long)off;
		tz->types[k].isdst = e[4];
		set_abbr(&tz->types[k], a, (size_t)(nul - a));
	}
	return NULL;
}

int
fleet_tz_parse(const char *name, const void *data, size_t len,
    struct fleet_tz *tz, char **err)
{
	const unsigned char *p = data;
	struct tzif_hdr h;
	const char *why = NULL;
	unsigned long long size;
	size_t pos = 0;
	unsigned tsize = 4;

	memset(tz, 0, sizeof *tz);
	if (name == NULL)
		name = "";
	if (p == NULL)
		len = 0;
	if (read_hdr(p, len, 0, &h, &why) != 0)
		goto fail;
	pos = 44;
	size = block_size(&h, 4);
	if (size > len - pos) {
		why = "truncated (version 1 data)";
		goto fail;
	}
	if (h.version != '\0') {
		/* The 32-bit block is only skipped: the 64-bit one is
		 * complete and is what we use. */
		pos += (size_t)size;
		if (read_hdr(p, len, pos, &h, &why) != 0)
			goto fail;
		pos += 44;
		tsize = 8;
		size = block_size(&h, 8);
		if (size > len - pos) {
			why = "truncated (version 2+ data)";
			goto fail;
		}
	}
	if ((why = check_counts(&h)) != NULL)
		goto fail;
	if ((why = read_block(p + pos, &h, tsize, tz)) != NULL)
		goto fail;
	pos += (size_t)size;
	if (tsize == 8) {
		const unsigned char *nl;
		size_t flen;
		char *footer;

		if (pos >= len || p[pos] != '\n') {
			why = "truncated (footer)";
			goto fail;
		}
		pos++;
		nl = memchr(p + pos, '\n', len - pos);
		if (nl == NULL) {
			why = "truncated (footer)";
			goto fail;
		}
		flen = (size_t)(nl - (p + pos));
		if (flen > TZ_FOOTER_MAX) {
			why = "footer TZ string too long";
			goto fail;
		}
		if (memchr(p + pos, '\0', flen) != NULL) {
			why = "footer TZ string contains a NUL byte";
			goto fail;
		}
		if (flen > 0) {
			footer = xstrndup((const char *)p + pos, flen);
			why = posix_parse(footer, &tz->rule);
			if (why != NULL) {
				util_seterr(err, "time zone '%.100s': bad footer "
				    "TZ string '%.100s': %s", name, footer,
				    why);
				free(footer);
				fleet_tz_done(tz);
				return -1;
			}
			free(footer);
			tz->has_rule = 1;
		}
	}
	tz->name = xstrdup(name);
	return 0;
fail:
	util_seterr(err, "time zone '%.100s': %s", name, why);
	fleet_tz_done(tz);
	return -1;
}

/* ---- queries --------------------------------------------------------- */

const struct fleet_tz_type *
fleet_tz_type_at(const struct fleet_tz *tz, long long utc)
{
	size_t lo, hi, mid;

	if (tz->ntrans == 0) {
		if (tz->has_rule)
			return rule_type_at(&tz->rule, utc);
		if (tz->ntypes > 0)
			return &tz->types[0];
		return &tz->rule.std;	/* zeroed: UTC */
	}
	/* RFC 8536: type 0 before the first transition. */
	if (utc < tz->trans[0])
		return &tz->types[0];
	if (utc > tz->trans[tz->ntrans - 1] && tz->has_rule)
		return rule_type_at(&tz->rule, utc);
	/* Last transition at or before utc. */
	lo = 0;
	hi = tz->ntrans;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (tz->trans[mid] <= utc)
			lo = mid;
		else
			hi = mid;
	}
	return &tz->types[tz->trans_type[lo]];
}

long
fleet_tz_offset(const struct fleet_tz *tz, long long utc, int *isdst)
{
	const struct fleet_tz_type *t = fleet_tz_type_at(tz, utc);

	if (isdst != NULL)
		*isdst = t->isdst;
	return t->off;
}

void
fleet_tz_to_local(const struct fleet_tz *tz, long long utc, int *y,
    int *mon, int *d, long *sec_of_day)
{
	long long lt, sod;
	struct fleet_date date;

	/* Clamped so that the sum below cannot overflow. */
	if (utc < TZ_MIN_UTC)
		utc = TZ_MIN_UTC;
	if (utc > TZ_MAX_UTC)
		utc = TZ_MAX_UTC;
	lt = utc + fleet_tz_offset(tz, utc, NULL);
	sod = lt % 86400;
	if (sod < 0)
		sod += 86400;
	date = fleet_date_of_utc(lt);
	*y = date.year;
	*mon = date.month;
	*d = date.day;
	*sec_of_day = (long)sod;
}

/* The i-th offset this zone can have (types, then the rule's two). */
static int
nth_offset(const struct fleet_tz *tz, size_t i, long *off)
{
	if (i < tz->ntypes) {
		*off = tz->types[i].off;
		return 0;
	}
	i -= tz->ntypes;
	if (!tz->has_rule && tz->ntypes == 0 && i == 0) {
		*off = 0;
		return 0;
	}
	if (tz->has_rule && i == 0) {
		*off = tz->rule.std.off;
		return 0;
	}
	if (tz->has_rule && tz->rule.has_dst && i == 1) {
		*off = tz->rule.dst.off;
		return 0;
	}
	return -1;
}

int
fleet_tz_local_to_utc(const struct fleet_tz *tz, int y, int mon, int d,
    int h, int min, long long *utc)
{
	long long local, t, c, best = 0;
	long off, o2;
	size_t i;
	int found = 0;

	if (y < 1 || y > 9999 || !fleet_date_valid(y, mon, d) || h < 0 ||
	    h > 23 || min < 0 || min > 59)
		return -1;
	local = fleet_date_days_from_civil(y, mon, d) * 86400 +
	    h * 3600 + min * 60;
	/*
	 * Every instant at which the wall clock reads `local` is local - o
	 * for one of the zone's offsets o, with offset(local - o) == o.
	 * Trying each offset the zone knows finds all of them, however
	 * close together transitions are; the earliest one wins.
	 */
	for (i = 0; nth_offset(tz, i, &off) == 0; i++) {
		t = local - off;
		if (fleet_tz_offset(tz, t, NULL) == off && (!found || t < best)) {
			best = t;
			found = 1;
		}
	}
	if (found) {
		*utc = best;
		return 0;
	}
	/*
	 * No instant shows that time: it is in a spring-forward gap.  Read it
	 * with the offset in force before the gap, o2; that instant lies just
	 * after the transition (its own offset is larger), and there the
	 * clock shows the time moved forward by the gap.
	 */
	for (i = 0; nth_offset(tz, i, &off) == 0; i++) {
		o2 = fleet_tz_offset(tz, local - off, NULL);
		c = local - o2;
		if (fleet_tz_offset(tz, c, NULL) > o2 && (!found || c < best)) {
			best = c;
			found = 1;
		}
	}
	if (!found)
		return -1;
	*utc = best;
	return 0;
}
