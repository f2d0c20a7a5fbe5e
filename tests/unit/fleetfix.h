/*
 * fleetfix.h - fixtures the unit tests share: a zone from tzdata, a
 * configuration from text, an instance and an exception record built from
 * a few values (every other field "", as the cache gives them).  Linked
 * into every test binary (the Makefile's TEST_HELPER_SRC); each fails the
 * running cmocka test when its input is unusable.
 */
#ifndef PATCHDECK_TEST_FLEETFIX_H
#define PATCHDECK_TEST_FLEETFIX_H

#include "fleet/exception.h"
#include "fleet/instance.h"
#include "fleet/tz.h"

struct config;

/* /usr/share/zoneinfo/NAME into tz (free with fleet_tz_done). */
void fleetfix_zone(const char *name, struct fleet_tz *tz);
/* A configuration read from text (a file in a temporary folder, gone
 * again on return); TZDIR defaults to /usr/share/zoneinfo.  0, or -1
 * after printing why. */
int fleetfix_config(const char *text, struct config *cfg);
/* An instance of account 111111111111 in eu-west-1 named name, with the
 * tags PatchWindow=window and PatchException=exc_tag (a NULL value leaves
 * the tag out).  Free with fleet_instance_done. */
void fleetfix_instance(struct fleet_instance *i, const char *id,
    const char *name, const char *state, const char *ping,
    const char *platform, const char *window, const char *exc_tag);
/* A record requested by alice and, unless PENDING, decided by bob (both
 * people, so it passes the four-eyes checks), reason "audit".  Free with
 * fleet_exception_done. */
void fleetfix_exception(struct fleet_exception *e, const char *iid,
    const char *eid, const char *starts, const char *ends,
    const char *status);

#endif
