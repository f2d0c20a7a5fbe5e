/*
 * awsconf.c - see awsconf.h.
 */
#include "aws/awsconf.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "aws/ini.h"
#include "util/util.h"

struct service {
	const char *id;		/* AWS_ENDPOINT_URL_<id> */
	const char *key;	/* key in a [services NAME] section */
	const char *host;	/* first label of the default host */
	const char *env;	/* the variable, spelled out for *source */
};

static const struct service services[] = {
	{ "EC2", "ec2", "ec2", "AWS_ENDPOINT_URL_EC2" },
	{ "SSM", "ssm", "ssm", "AWS_ENDPOINT_URL_SSM" },
	{ "DYNAMODB", "dynamodb", "dynamodb", "AWS_ENDPOINT_URL_DYNAMODB" },
	{ "S3", "s3", "s3", "AWS_ENDPOINT_URL_S3" },
	{ "ATHENA", "athena", "athena", "AWS_ENDPOINT_URL_ATHENA" },
	{ "SNS", "sns", "sns", "AWS_ENDPOINT_URL_SNS" },
	{ "STS", "sts", "sts", "AWS_ENDPOINT_URL_STS" },
	{ "IAM", "iam", "iam", "AWS_ENDPOINT_URL_IAM" },
};

#define NSERVICES (sizeof services / sizeof services[0])

static const struct service *
find_service(const char *id)
{
	size_t i;

	for (i = 0; i < NSERVICES; i++) {
		if (strcasecmp(services[i].id, id) == 0)
			return &services[i];
	}
	return NULL;
}

/* An environment variable, with "" read as unset as the SDKs do. */
static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

static const char *
home_dir(void)
{
	const char *h = env("HOME");
	struct passwd *pw;

	if (h != NULL)
		return h;
	pw = getpwuid(getuid());
	return pw != NULL && pw->pw_dir != NULL ? pw->pw_dir : "/";
}

/* "~" and "~/x" become $HOME and $HOME/x; "~user" is left alone. */
static char *
expand_home(const char *path)
{
	if (path[0] == '~' && (path[1] == '\0' || path[1] == '/'))
		return xasprintf("%s%s", home_dir(), path + 1);
	return xstrdup(path);
}

/* The name shown in messages: "~/.aws/config" is what operators know. */
static char *
display_name(const char *path)
{
	const char *h = home_dir();
	size_t n = strlen(h);

	while (n > 1 && h[n - 1] == '/')
		n--;
	if (n > 1 && strncmp(path, h, n) == 0 && path[n] == '/')
		return xasprintf("~%s", path + n);
	return xstrdup(path);
}

/* Appends s to b for a message, control and non-ASCII bytes as '?'. */
static void
put_clean(struct buf *b, const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < 80; i++) {
		unsigned char c = (unsigned char)s[i];

		buf_putc(b, c < 0x20 || c >= 0x7f ? '?' : (char)c);
	}
	if (s[i] != '\0')
		buf_puts(b, "...");
}

/* "WHERE: KEY: 'VALUE' WHAT" with VALUE cleaned for the terminal. */
static char *
bad_value(const char *where, const char *key, const char *value,
    const char *what)
{
	struct buf b;

	buf_init(&b);
	if (key != NULL)
		buf_printf(&b, "%s: %s: '", where, key);
	else
		buf_printf(&b, "%s: '", where);
	put_clean(&b, value);
	buf_printf(&b, "' %s", what);
	return buf_steal(&b);
}

/* The config file's section for a profile.  [profile default] wins over
 * [default] when both exist, as botocore and the CLI v2 read them. */
static const struct ini_section *
config_section(const struct aws_config *c, const char *profile)
{
	const struct ini_section *s;
	char *name;

	name = xasprintf("profile %s", profile);
	s = ini_section(c->config, name);
	free(name);
	if (s == NULL && strcmp(profile, "default") == 0)
		s = ini_section(c->config, "default");
	return s;
}

const char *
awsconf_get(const struct aws_config *c, const char *profile,
    const char *key, const char **where)
{
	const struct ini_key *k;

	k = ini_key(ini_section(c->credentials, profile), key);
	if (k == NULL)
		k = ini_key(config_section(c, profile), key);
	if (k == NULL)
		return NULL;
	if (where != NULL)
		*where = k->where;
	return k->value;
}

int
awsconf_has_profile(const struct aws_config *c, const char *profile)
{
	return ini_section(c->credentials, profile) != NULL ||
	    config_section(c, profile) != NULL;
}

/* A key of a [services NAME] section, which only the config file has. */
static const char *
services_get(const struct aws_config *c, const char *section,
    const char *key, const char **where)
{
	const struct ini_key *k;
	char *name = xasprintf("services %s", section);

	k = ini_key(ini_section(c->config, name), key);
	free(name);
	if (k == NULL)
		return NULL;
	if (where != NULL)
		*where = k->where;
	return k->value;
}

/*
 * A region name: letters, digits and '-', as botocore checks it, so that a
 * stray character cannot turn into another host name.
 */
static int
valid_region(const char *r)
{
	size_t i, n = strlen(r);

	if (n == 0 || n > 63 || r[0] == '-' || r[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		char ch = r[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-'))
			return 0;
	}
	return 1;
}

/* A whole number >= 1, nothing else: "3 " or "0x3" is a typo to report. */
static int
parse_attempts(const char *s)
{
	long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > INT_MAX)
			return -1;
	}
	return v >= 1 ? (int)v : -1;
}

/*
 * http:// or https://, a host, and no blanks or control bytes.  Returns the
 * URL without trailing '/' or NULL.
 */
static char *
check_url(const char *u)
{
	const char *host;
	size_t n, i;

	if (strncasecmp(u, "https://", 8) == 0)
		host = u + 8;
	else if (strncasecmp(u, "http://", 7) == 0)
		host = u + 7;
	else
		return NULL;
	if (*host == '\0' || *host == '/' || *host == '?' || *host == '#')
		return NULL;
	for (i = 0; u[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)u[i];

		if (ch <= 0x20 || ch >= 0x7f)
			return NULL;
	}
	n = strlen(u);
	while (n > 0 && u[n - 1] == '/')
		n--;
	return xstrndup(u, n);
}

static int
check_url_at(const char *value, const char *where, const char *key,
    char **err)
{
	char *u = check_url(value);

	if (u == NULL) {
		*err = bad_value(where, key, value,
		    "is not an http:// or https:// URL");
		return -1;
	}
	free(u);
	return 0;
}

/*
 * Every endpoint the configuration names is checked now, so that a typo
 * stops the command before it sends anything, not at the first call of one
 * service.
 */
static int
check_endpoints(const struct aws_config *c, char **err)
{
	const char *v, *where, *sect;
	size_t i;

	for (i = 0; i < NSERVICES; i++) {
		v = env(services[i].env);
		if (v != NULL && check_url_at(v, services[i].env, NULL,
		    err) < 0)
			return -1;
	}
	v = env("AWS_ENDPOINT_URL");
	if (v != NULL && check_url_at(v, "AWS_ENDPOINT_URL", NULL, err) < 0)
		return -1;
	v = awsconf_get(c, c->profile, "endpoint_url", &where);
	if (v != NULL && check_url_at(v, where, "endpoint_url", err) < 0)
		return -1;
	sect = awsconf_get(c, c->profile, "services", &where);
	if (sect == NULL)
		return 0;
	{
		char *name = xasprintf("services %s", sect);
		int found = ini_section(c->config, name) != NULL;

		free(name);
		if (!found) {
			*err = bad_value(where, "services", sect,
			    "names no [services ...] section in the config "
			    "file");
			return -1;
		}
	}
	for (i = 0; i < NSERVICES; i++) {
		char *key = xasprintf("%s.endpoint_url", services[i].key);

		v = services_get(c, sect, key, &where);
		if (v != NULL && check_url_at(v, where, key, err) < 0) {
			free(key);
			return -1;
		}
		free(key);
	}
	return 0;
}

static int
load_files(struct aws_config *c, char **err)
{
	const char *v;
	char *name;
	int rc;

	v = env("AWS_CONFIG_FILE");
	c->config_path = expand_home(v != NULL ? v : "~/.aws/config");
	v = env("AWS_SHARED_CREDENTIALS_FILE");
	c->credentials_path = expand_home(v != NULL ? v :
	    "~/.aws/credentials");

	name = display_name(c->config_path);
	rc = ini_load(c->config_path, name, &c->config, err);
	free(name);
	if (rc < 0)
		return -1;
	name = display_name(c->credentials_path);
	rc = ini_load(c->credentials_path, name, &c->credentials, err);
	free(name);
	return rc;
}

static int
load_profile(struct aws_config *c, const char *profile_opt, char **err)
{
	const char *v;

	if (profile_opt != NULL && *profile_opt != '\0') {
		c->profile = xstrdup(profile_opt);
		c->profile_source = "--profile";
	} else if ((v = env("AWS_PROFILE")) != NULL) {
		c->profile = xstrdup(v);
		c->profile_source = "AWS_PROFILE";
	} else {
		c->profile = xstrdup("default");
		c->profile_source = "default";
	}
	if (strcmp(c->profile, "default") == 0 ||
	    awsconf_has_profile(c, c->profile))
		return 0;
	{
		struct buf b;
		char *cn = display_name(c->config_path);
		char *kn = display_name(c->credentials_path);

		buf_init(&b);
		buf_puts(&b, "profile '");
		put_clean(&b, c->profile);
		buf_printf(&b, "' (from %s) not found: no [profile ",
		    c->profile_source);
		put_clean(&b, c->profile);
		buf_printf(&b, "] in %s and no [", cn);
		put_clean(&b, c->profile);
		buf_printf(&b, "] in %s", kn);
		free(cn);
		free(kn);
		*err = buf_steal(&b);
	}
	return -1;
}

static int
load_region(struct aws_config *c, const char *region_opt, char **err)
{
	const char *v, *where = NULL, *src;

	if (region_opt != NULL && *region_opt != '\0') {
		v = region_opt;
		src = "--region";
	} else if ((v = env("AWS_REGION")) != NULL) {
		src = "AWS_REGION";
	} else if ((v = env("AWS_DEFAULT_REGION")) != NULL) {
		src = "AWS_DEFAULT_REGION";
	} else if ((v = awsconf_get(c, c->profile, "region", &where)) !=
	    NULL && *v != '\0') {
		src = NULL;
	} else
		return 0;
	if (!valid_region(v)) {
		*err = bad_value(where != NULL ? where : src,
		    where != NULL ? "region" : NULL, v,
		    "is not a region name");
		return -1;
	}
	c->region = xstrdup(v);
	c->region_source = src != NULL ? xstrdup(src) :
	    xasprintf("profile %s", c->profile);
	return 0;
}

static int
load_ca_bundle(struct aws_config *c, char **err)
{
	const char *v, *where = NULL;
	char *path;

	if ((v = env("AWS_CA_BUNDLE")) == NULL &&
	    (v = awsconf_get(c, c->profile, "ca_bundle", &where)) == NULL)
		return 0;
	if (*v == '\0')
		return 0;
	path = expand_home(v);
	/* Checked now: curl's own message for a missing bundle names
	 * neither the file nor where it was configured. */
	if (access(path, R_OK) != 0) {
		struct buf b;

		buf_init(&b);
		if (where != NULL)
			buf_printf(&b, "%s: ca_bundle: ", where);
		else
			buf_puts(&b, "AWS_CA_BUNDLE: ");
		put_clean(&b, path);
		buf_printf(&b, ": %s", strerror(errno));
		*err = buf_steal(&b);
		free(path);
		return -1;
	}
	c->ca_bundle = path;
	return 0;
}

static int
load_attempts(struct aws_config *c, char **err)
{
	const char *v, *where = NULL;

	c->max_attempts = 3;
	if ((v = env("AWS_MAX_ATTEMPTS")) == NULL &&
	    (v = awsconf_get(c, c->profile, "max_attempts", &where)) == NULL)
		return 0;
	c->max_attempts = parse_attempts(v);
	if (c->max_attempts < 0) {
		*err = bad_value(where != NULL ? where : "AWS_MAX_ATTEMPTS",
		    where != NULL ? "max_attempts" : NULL, v,
		    "is not a whole number >= 1");
		return -1;
	}
	return 0;
}

int
awsconf_load(struct aws_config *c, const char *profile_opt,
    const char *region_opt, char **err)
{
	memset(c, 0, sizeof *c);
	*err = NULL;
	if (load_files(c, err) < 0 || load_profile(c, profile_opt, err) < 0 ||
	    load_region(c, region_opt, err) < 0 ||
	    load_ca_bundle(c, err) < 0 || load_attempts(c, err) < 0 ||
	    check_endpoints(c, err) < 0) {
		awsconf_free(c);
		return -1;
	}
	return 0;
}

void
awsconf_free(struct aws_config *c)
{
	free(c->profile);
	free(c->config_path);
	free(c->credentials_path);
	ini_free(c->config);
	ini_free(c->credentials);
	free(c->region);
	free(c->region_source);
	free(c->ca_bundle);
	memset(c, 0, sizeof *c);
}

/* The AWS host for a service in a region, for the partitions patchdeck
 * may meet. */
static char *
default_endpoint(const struct service *s, const char *id, const char *region)
{
	const char *suffix = strncmp(region, "cn-", 3) == 0 ?
	    "amazonaws.com.cn" : "amazonaws.com";
	char *lower, *url;
	size_t i;

	if (s != NULL && strcmp(s->id, "IAM") == 0 &&
	    strcmp(suffix, "amazonaws.com") == 0) {
		/* IAM is global: one endpoint per partition. */
		if (strncmp(region, "us-gov-", 7) == 0)
			return xstrdup("https://iam.us-gov.amazonaws.com");
		return xstrdup("https://iam.amazonaws.com");
	}
	if (s != NULL)
		return xasprintf("https://%s.%s.%s", s->host, region, suffix);
	lower = xstrdup(id);
	for (i = 0; lower[i] != '\0'; i++) {
		if (lower[i] >= 'A' && lower[i] <= 'Z')
			lower[i] = (char)(lower[i] - 'A' + 'a');
	}
	url = xasprintf("https://%s.%s.%s", lower, region, suffix);
	free(lower);
	return url;
}

char *
awsconf_endpoint_region(const struct aws_config *c, const char *service_id,
    const char *region, int *custom, const char **source)
{
	const struct service *s = find_service(service_id);
	const char *v, *sect, *src;
	char *u;

	*custom = 1;
	if (s != NULL) {
		v = env(s->env);
		src = s->env;
	} else {
		char *name = xasprintf("AWS_ENDPOINT_URL_%s", service_id);

		v = env(name);
		free(name);
		src = "AWS_ENDPOINT_URL_<SERVICE>";
	}
	if (v == NULL) {
		v = env("AWS_ENDPOINT_URL");
		src = "AWS_ENDPOINT_URL";
	}
	if (v == NULL && s != NULL &&
	    (sect = awsconf_get(c, c->profile, "services", NULL)) != NULL) {
		char *key = xasprintf("%s.endpoint_url", s->key);

		v = services_get(c, sect, key, NULL);
		free(key);
		src = "profile services section";
	}
	if (v == NULL) {
		v = awsconf_get(c, c->profile, "endpoint_url", NULL);
		src = "profile endpoint_url";
	}
	/* Checked at load time; an unknown service's variable is not, and
	 * is passed on as written rather than dropped in silence. */
	if (v != NULL) {
		u = check_url(v);
		if (source != NULL)
			*source = src;
		return u != NULL ? u : xstrdup(v);
	}
	*custom = 0;
	if (source != NULL)
		*source = "default";
	if (region == NULL)
		return NULL;
	return default_endpoint(s, service_id, region);
}

char *
awsconf_endpoint(const struct aws_config *c, const char *service_id,
    int *custom, const char **source)
{
	return awsconf_endpoint_region(c, service_id, c->region, custom,
	    source);
}
