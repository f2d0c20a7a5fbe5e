/*
 * instance.h - one instance as patchdeck knows it: EC2's description and
 * SSM's instance information merged, for one account and region.  Plain
 * values, no I/O: the cache stores them, the console and the subcommands
 * read them, src/fleet reasons about them.
 *
 * Strings are owned, never NULL ("" when unknown), and raw: exactly the
 * bytes AWS sent (escaping happens when drawing).
 */
#ifndef PATCHDECK_INSTANCE_H
#define PATCHDECK_INSTANCE_H

#include <stddef.h>

struct fleet_tag {
	char *key;
	char *value;
};

/*
 * Memory shared by many instances: the cache loads each target's
 * instances into one block (their strings and tags arrays), not 30
 * allocations per instance.  refs counts the instances pointing into it;
 * fleet_instance_done() frees the block with the last of them.  One
 * thread per block (the count is not atomic).
 */
struct fleet_block {
	size_t refs;
	struct fleet_tag *tags;	/* every instance's tags array, or NULL */
	unsigned char data[];	/* the strings */
};

struct fleet_instance {
	char *id;		/* i-0123456789abcdef0 */
	char *account;		/* 12 digits */
	char *region;
	char *name;		/* the Name tag, or "" */
	char *state;		/* pending, running, stopping, stopped, ... */
	char *type;		/* t3.micro */
	char *platform;		/* "windows" or "linux" */
	char *platform_name;	/* SSM PlatformName: "Amazon Linux", ... */
	char *platform_version;	/* SSM PlatformVersion */
	char *private_ip;
	char *public_ip;
	char *az;
	char *launch_time;	/* ISO 8601, as EC2 sent it */
	char *ping;		/* SSM PingStatus, "" if SSM does not know it */
	char *agent_version;
	long long last_ping;	/* Unix seconds; 0 unknown */
	struct fleet_tag *tags;
	size_t ntags;
	long long fetched_at;	/* Unix seconds this row was fetched */
	/* When not NULL, every string above and the tags array live inside
	 * this shared block, and fleet_instance_done() only lets go of it.
	 * Such an instance must not have single fields replaced; copy it
	 * first (fleet_instance_copy gives a plain one).  A shallow struct
	 * copy does not count as a reference: let go of one of the two. */
	struct fleet_block *block;
};

/* Frees what i owns, leaving it zeroed. */
void fleet_instance_done(struct fleet_instance *i);
/* Deep copy. */
void fleet_instance_copy(struct fleet_instance *dst,
    const struct fleet_instance *src);
/*
 * The order of the console's default sort: name, then id, then region,
 * byte-wise (strcmp).  The cache stores each target's instances in it.
 */
int fleet_instance_cmp_name(const struct fleet_instance *a,
    const struct fleet_instance *b);
/* The value of tag key, or NULL. */
const char *fleet_instance_tag(const struct fleet_instance *i,
    const char *key);

#endif
