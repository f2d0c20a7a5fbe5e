/*
 * loadgate.c - an LD_PRELOAD shim for test_console_loading.sh: holds every
 * sqlite3_open_v2() made by a thread other than the main one (the
 * console's background load of the fleet) until the file named by
 * $LOADGATE_FILE exists.  The test then acts, for certain and not by a
 * race, while only the first rows are in, without any switch in patchdeck
 * itself.  The main thread (the first frame's read, syncs) is never held.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sqlite3.h>

int
sqlite3_open_v2(const char *path, sqlite3 **db, int flags, const char *vfs)
{
	int (*real)(const char *, sqlite3 **, int, const char *);
	const char *gate = getenv("LOADGATE_FILE");

	*(void **)&real = dlsym(RTLD_NEXT, "sqlite3_open_v2");
	if (real == NULL)
		abort();
	if (gate != NULL && *gate != '\0' && syscall(SYS_gettid) != getpid())
		while (access(gate, F_OK) != 0)
			usleep(20000);
	return real(path, db, flags, vfs);
}
