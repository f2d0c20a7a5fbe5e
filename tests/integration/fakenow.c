/*
 * fakenow.c - an LD_PRELOAD shim for test_console_overview.sh: time()
 * answers as if the process had started at $FAKENOW (Unix seconds) and
 * the clock runs on from there, so the console draws its windows'
 * states at a chosen instant (the night of a DST change) without any
 * switch in patchdeck itself.  Only time() moves: the monotonic clock
 * (timers, the loop) and everything libraries read are left alone.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

static long long offset;
static int have_offset;

time_t
time(time_t *out)
{
	int (*real)(clockid_t, struct timespec *);
	struct timespec ts;
	const char *fake = getenv("FAKENOW");
	time_t t;

	*(void **)&real = dlsym(RTLD_NEXT, "clock_gettime");
	if (real == NULL || real(CLOCK_REALTIME, &ts) != 0)
		abort();
	if (!have_offset) {
		offset = fake != NULL && *fake != '\0' ?
		    strtoll(fake, NULL, 10) - (long long)ts.tv_sec : 0;
		have_offset = 1;
	}
	t = (time_t)((long long)ts.tv_sec + offset);
	if (out != NULL)
		*out = t;
	return t;
}
