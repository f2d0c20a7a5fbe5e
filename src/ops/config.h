/*
 * config.h - patchdeck's own configuration: which accounts and regions to
 * cover, the maintenance windows, tag names and a few settings.
 *
 * $XDG_CONFIG_HOME/patchdeck/config (~/.config/patchdeck/config), or
 * --config FILE.  INI, as the AWS files:
 *
 *   [general]
 *   read_only = false          refuse every change to AWS state
 *   refresh = 5m               console auto-refresh (0: off)
 *   stale_days = 35            "stale" after this many days unpatched
 *   exception_max_days = 90    longest exception that can be requested
 *   expiring_days = 7          "expiring soon" in the exceptions view
 *   confirm_count_above = 50   a console change to more instances asks
 *                              for the count to be typed, not just y
 *   sns_topic = arn:...        where unapproved-exception alerts go
 *   exceptions_table = patchdeck-exceptions
 *   runs_table = patchdeck-runs
 *
 *   [target prod]              one per account; none: the default
 *   profile = prod             profile and region are the one target
 *   role_arn = arn:aws:iam::111122223333:role/patchdeck   (optional)
 *   external_id = ...          (optional)
 *   regions = us-east-1, eu-west-1
 *
 *   [window sun-0200]          what PatchWindow tags name
 *   schedule = sun 02:00       see fleet/window.h for the grammar
 *   duration = 3h
 *   timezone = Europe/Berlin   IANA name; default UTC
 *   lead = 15m                 start stopped instances this early
 *
 *   [tags]                     rename the tags of DESIGN.md section 4
 *   window = PatchWindow
 *   exception = PatchException
 *   patch_now = ssm-patch-now
 *   last_patched = LastPatched
 *   owner = Owner
 *   started_for = patchdeck:started-for
 *
 *   [results]                  where results and pre-checks go (DESIGN.md 7)
 *   bucket = my-patch-results  none: results stay in the local cache
 *   prefix = patchdeck         key prefix inside the bucket
 *   athena_database = patchdeck
 *   athena_workgroup = primary
 *   athena_output = s3://...   query results; none: the workgroup's own
 *
 *   [precheck]                 what a pre-check judges a failure
 *   min_free_mb = 1024         each checked mount needs this much free...
 *   min_free_pct = 10          ...and this share of its size
 *   mounts = /, /var           the mounts checked (others are shown only)
 *   repo_url_prefixes = https://mirror.example.com/, https://repo.example/
 *                              none: any repository URL is allowed
 *   max_load1 = 0              above this 1-minute load: a failing status
 *                              check (0: not checked)
 *   repo_map = http://old.example/ -> https://mirror.example.com/, ...
 *                              what the repository fix rewrites to
 *
 * [general] also takes prepare_timeout = 10m: how long prepare waits for a
 * started instance's SSM agent to come Online.
 *
 * Unknown sections and keys are errors, so a typo is not silently
 * ignored.  Every error names the file, the line and the key.
 */
#ifndef PATCHDECK_CONFIG_H
#define PATCHDECK_CONFIG_H

#include <stddef.h>

#include "fleet/tagstate.h"
#include "fleet/tz.h"
#include "fleet/window.h"

struct config_target {
	char *name;
	char *profile;		/* NULL: the default chain */
	char *role_arn;		/* NULL: none */
	char *external_id;
	char **regions;		/* none when neither the file nor the
				 * default region names one: the AWS
				 * region precedence decides at sync */
	size_t nregions;
};

struct config_results {
	char *bucket;		/* NULL: no bucket; results stay local */
	char *prefix;		/* "patchdeck" */
	char *athena_database;	/* "patchdeck" */
	char *athena_workgroup;	/* "primary" */
	char *athena_output;	/* NULL: the workgroup's own location */
};

struct config_repo_map {
	char *from;		/* a URL prefix found on the instance */
	char *to;		/* what the repository fix puts instead */
};

struct config_precheck {
	long min_free_mb;	/* 1024 */
	int min_free_pct;	/* 10 */
	char **mounts;		/* "/", "/var" */
	size_t nmounts;
	char **repo_url_prefixes;	/* none: every URL is allowed */
	size_t nrepo_url_prefixes;
	double max_load1;	/* 0: not checked */
	struct config_repo_map *repo_map;
	size_t nrepo_map;
};

struct config {
	char *path;		/* the file read, or NULL when there was none */
	struct config_target *targets;
	size_t ntargets;
	struct fleet_window *windows;
	struct fleet_tz *zones;		/* zones[i] for windows[i] */
	const struct fleet_tz **zone_ptrs;	/* for fleet_tag_ctx */
	size_t nwindows;
	struct fleet_tag_names tags;	/* strings owned by tag_storage */
	char *tag_storage[6];
	int read_only;
	int refresh_s;
	int stale_days;
	int exception_max_days;
	int expiring_days;
	int confirm_count_above;	/* a console change to more: type it */
	char *sns_topic;
	char *exceptions_table;
	char *runs_table;
	int prepare_timeout_s;	/* 600 */
	struct config_results results;
	struct config_precheck precheck;
};

/*
 * Reads path (NULL: the default location; a missing default file is not an
 * error, a missing --config file is).  With no [target], one target named
 * "default" uses the default profile and default_region (may be NULL: the
 * AWS region precedence then applies when it is used).  Zones are loaded
 * from $TZDIR or /usr/share/zoneinfo.  Returns 0, or -1 with *err.
 */
int config_load(const char *path, const char *default_region,
    struct config *c, char **err);
void config_free(struct config *c);

/* The default path ($XDG_CONFIG_HOME or ~/.config); caller frees. */
char *config_default_path(void);

/* Loads zone name from $TZDIR or /usr/share/zoneinfo into tz.  Names
 * are checked first (no "..", no leading '/'), as they come from a file
 * someone else may have written. */
int config_load_zone(const char *name, struct fleet_tz *tz, char **err);

/* NULL when changes to AWS state are allowed, else where read-only mode
 * comes from, for the refusal to name: "--read-only" (flag_read_only, the
 * global option, wins) or "read_only = true in the configuration".  The
 * one test every refusal (cli_refuse_read_only, the console's) makes. */
const char *config_read_only_why(const struct config *cfg, int flag_read_only);

#endif
