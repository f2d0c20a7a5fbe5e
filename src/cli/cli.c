/*
 * cli.c - see cli.h.
 */
#include "cli/cli.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cache/cache.h"
#include "aws/net.h"
#include "ops/config.h"
#include "ops/sync.h"
#include "ops/tagging.h"
#include "util/escape.h"
#include "util/util.h"

void
cli_put(FILE *f, const char *s)
{
	struct buf b;

	if (s == NULL)
		return;
	buf_init(&b);
	esc_append(&b, s, strlen(s), esc_locale_utf8(), 0);
	if (b.len > 0)
		fwrite(b.data, 1, b.len, f);
	buf_free(&b);
}

void
cli_printf(const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b);
	va_start(ap, fmt);
	esc_vprintf(&b, esc_locale_utf8(), fmt, ap);
	va_end(ap);
	if (b.len > 0)
		fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
}

void
cli_fprintf(FILE *f, const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b);
	va_start(ap, fmt);
	esc_vprintf(&b, esc_locale_utf8(), fmt, ap);
	va_end(ap);
	if (b.len > 0)
		fwrite(b.data, 1, b.len, f);
	buf_free(&b);
}

void
cli_err(const char *fmt, ...)
{
	va_list ap;
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "patchdeck: ");
	va_start(ap, fmt);
	esc_vprintf(&b, esc_locale_utf8(), fmt, ap);
	va_end(ap);
	buf_putc(&b, '\n');
	fwrite(b.data, 1, b.len, stderr);
	buf_free(&b);
}

void
cli_json_put(FILE *f, const cJSON *o, int pretty)
{
	char *raw, *text;

	raw = pretty ? cJSON_Print(o) : cJSON_PrintUnformatted(o);
	if (raw == NULL)
		util_fatal("out of memory (JSON)");
	text = esc_json_text(raw);
	fputs(text, f);
	free(text);
	free(raw);
}

int
cli_load_config(const struct cli *g, struct config *c)
{
	char *err = NULL;

	if (config_load(g->config, g->region, c, &err) != 0) {
		cli_err("%s", err);
		free(err);
		config_free(c);
		return -1;
	}
	return 0;
}

int
cli_open_cache(const struct cli *g, struct cache **out)
{
	char *path = NULL, *notice = NULL, *err = NULL;
	int rc;

	if (g->cache == NULL && (path = cache_default_path(&err)) == NULL) {
		cli_err("cache: %s", err);
		free(err);
		return -1;
	}
	rc = cache_open(g->cache != NULL ? g->cache : path, out, &notice, &err);
	if (notice != NULL) {
		cli_err("%s", notice);
		free(notice);
	}
	if (rc != 0) {
		cli_err("%s", err);	/* it names the file */
		free(err);
	}
	free(path);
	return rc;
}

/* What a spreadsheet may take for the start of a formula, or skip to
 * find one: = + - @ and their full-width forms (some spreadsheets fold
 * them), and blanks (OWASP, CSV injection). */
static int
csv_risky_start(const char *v)
{
	static const char *const wide[] = {
		"\xef\xbc\x9d",	/* U+FF1D fullwidth equals sign */
		"\xef\xbc\x8b",	/* U+FF0B fullwidth plus sign */
		"\xef\xbc\x8d",	/* U+FF0D fullwidth hyphen-minus */
		"\xef\xbc\xa0",	/* U+FF20 fullwidth commercial at */
		"\xc2\xa0",		/* U+00A0 no-break space */
		"\xe3\x80\x80",	/* U+3000 ideographic space */
	};
	size_t i;

	if (v[0] != '\0' && strchr("=+-@ \t\r\n\v\f", v[0]) != NULL)
		return 1;
	for (i = 0; i < sizeof wide / sizeof wide[0]; i++)
		if (strncmp(v, wide[i], strlen(wide[i])) == 0)
			return 1;
	return 0;
}

void
cli_csv_field(struct buf *b, const char *v)
{
	struct buf e;
	const char *s;
	int quote;

	/* UTF-8 whatever the locale: CSV is for programs, and a cron job's
	 * C locale must not turn every accent into \xNN. */
	buf_init(&e);
	if (csv_risky_start(v))
		buf_putc(&e, '\'');
	esc_append_strict(&e, v, strlen(v), 1);
	quote = e.len > 0 && strpbrk(e.data, ",\"") != NULL;
	if (quote)
		buf_putc(b, '"');
	for (s = e.data; s != NULL && *s != '\0'; s++) {
		if (*s == '"')
			buf_putc(b, '"');
		buf_putc(b, *s);
	}
	if (quote)
		buf_putc(b, '"');
	buf_free(&e);
}

/* The next piece of raw, one character at a time so that a wide run can
 * be cut anywhere; TAB and LF as one-line output shows them. */
static size_t
next_piece(const char *raw, size_t n, int utf8, struct esc_piece *p)
{
	const unsigned char *u = (const unsigned char *)raw;
	size_t step, k;

	step = !utf8 || u[0] < 0xc2 ? 1 : u[0] < 0xe0 ? 2 : u[0] < 0xf0 ? 3 :
	    u[0] < 0xf5 ? 4 : 1;
	if (step > n)
		step = n;
	k = esc_next(raw, step, utf8, p);
	if (p->tab || p->newline) {
		p->text = p->tab ? " " : "\\x0a";
		p->len = strlen(p->text);
		p->width = (int)p->len;
	}
	return k;
}

int
cli_fit(struct buf *out, const char *raw, int maxw, int utf8)
{
	const char *ell = utf8 ? "\xe2\x80\xa6" : "...";
	int ellw = utf8 ? 1 : 3, total = 0, used = 0;
	size_t n = strlen(raw), k;
	const char *s = raw;
	struct esc_piece p;

	for (; n > 0 && total <= maxw; s += k, n -= k) {
		if ((k = next_piece(s, n, utf8, &p)) == 0)
			break;
		total += p.width;
	}
	n = strlen(raw);
	for (s = raw; n > 0; s += k, n -= k) {
		if ((k = next_piece(s, n, utf8, &p)) == 0)
			break;
		if (total > maxw && used + p.width > maxw - ellw)
			break;
		buf_append(out, p.text, p.len);
		used += p.width;
	}
	if (total > maxw) {
		buf_puts(out, ell);
		used += ellw;
	}
	return used;
}

void
cli_iso_utc(long long t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	/* A time out of gmtime's range (from a damaged record) is shown as
	 * the epoch rather than as whatever the stack held. */
	if (gmtime_r(&tt, &tm) == NULL) {
		tt = 0;
		gmtime_r(&tt, &tm);
	}
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
cli_refuse_read_only(const struct cli *g, const struct config *cfg,
    const char *cmd)
{
	const char *why = config_read_only_why(cfg, g->read_only);

	if (why == NULL)
		return 0;
	cli_err("%s: refused: patchdeck is in read-only mode (%s); no change "
	    "was made", cmd, why);
	return 1;
}

int
cli_no_args(const char *cmd, const char *usage, int argc, char **argv)
{
	if (argc < 2)
		return -1;
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	cli_err("%s: unknown argument '%s'", cmd, argv[1]);
	fputs(usage, stderr);
	return EXIT_USAGE;
}

void
cli_cache_notice(struct cache *c)
{
	char *notice = cache_take_notice(c);

	if (notice != NULL) {
		cli_err("%s", notice);
		free(notice);
	}
}

static void
on_refresh_progress(void *arg, enum sync_event ev, const char *target,
    size_t count, const char *code, const char *message)
{
	const char *cmd = arg;

	(void)count;
	if (ev == SYNC_FAILED)
		cli_err("%s: refresh %s: FAILED: %s: %s (previous data kept)",
		    cmd, target, code, message);
}

int
cli_refresh(const struct cli *g, const struct config *cfg,
    struct cache *cache, const char *cmd)
{
	struct sync_opts o;
	struct sync *s;
	struct net *net;
	char *err = NULL;
	int rc;

	memset(&o, 0, sizeof o);
	o.cfg = cfg;
	o.profile = g->profile;
	o.region = g->region;
	o.cache = cache;
	o.progress = on_refresh_progress;
	o.arg = (void *)(uintptr_t)cmd;
	net = net_new();
	s = sync_start(net, &o, &err);
	if (s == NULL) {
		cli_err("%s: refresh: %s", cmd, err);
		free(err);
		net_free(net);
		return -1;
	}
	net_run(net, NULL);
	net_free(net);
	rc = sync_failed_count(s) > 0 ? -1 : 0;
	sync_free(s);
	return rc;
}

int
cli_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

int
cli_opt_value(int argc, char **argv, int *i, const char *opt,
    const char **out)
{
	size_t len = strlen(opt);

	if (strncmp(argv[*i], opt, len) != 0)
		return 0;
	if (argv[*i][len] == '=') {
		*out = argv[*i] + len + 1;
		return 1;
	}
	if (argv[*i][len] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*out = argv[++*i];
	return 1;
}

void
cli_print_tagging_call(const struct tagging_call *c, const char *prefix)
{
	size_t k;

	cli_printf("%s%s ", prefix, tagging_op_name(c->op));
	cli_put(stdout, c->target);
	putchar('/');
	cli_put(stdout, c->region);
	putchar(' ');
	cli_put(stdout, c->key);
	if (c->op == TAGGING_CREATE) {
		putchar('=');
		cli_put(stdout, c->value);
	}
	cli_printf(" on %zu instance(s):", c->nids);
	for (k = 0; k < c->nids; k++) {
		putchar(' ');
		cli_put(stdout, c->ids[k]);
	}
	putchar('\n');
}

void
cli_print_tagging_outcome(const struct tagging_call *c)
{
	if (c->ok) {
		cli_printf("  ok\n");
		return;
	}
	cli_printf("  FAILED: ");
	cli_put(stdout, c->err.code);
	cli_printf(": ");
	cli_put(stdout, c->err.message);
	putchar('\n');
}

char *
cli_confirm_question(const char *cmd, const char *action,
    const char *const *ids, size_t n)
{
	struct buf b;
	size_t k, shown = n < CLI_CONFIRM_IDS ? n : CLI_CONFIRM_IDS;

	buf_init(&b);
	buf_printf(&b, "%s: %s %zu instance(s)", cmd, action, n);
	for (k = 0; k < shown; k++)
		buf_printf(&b, "%s%s", k == 0 ? ": " : ", ", ids[k]);
	if (shown < n)
		buf_printf(&b, ", ... (+%zu more)", n - shown);
	buf_putc(&b, '?');
	return buf_steal(&b);
}

int
cli_confirm_yes(const char *line)
{
	size_t len;

	if (line == NULL)
		return 0;
	while (isspace((unsigned char)*line))
		line++;
	len = strlen(line);
	while (len > 0 && isspace((unsigned char)line[len - 1]))
		len--;
	return (len == 1 && strncasecmp(line, "y", 1) == 0) ||
	    (len == 3 && strncasecmp(line, "yes", 3) == 0);
}

int
cli_confirm(const struct cli *g, const char *cmd, const char *action,
    const char *const *ids, size_t n)
{
	char *q, *line = NULL;
	size_t cap = 0;
	int yes;

	if (g->yes || n == 0)
		return 0;
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) {
		cli_err("%s: refused: %s %zu instance(s) needs --yes without "
		    "a terminal", cmd, action, n);
		return EXIT_USAGE;
	}
	q = cli_confirm_question(cmd, action, ids, n);
	cli_fprintf(stderr, "%s [y/N] ", q);
	fflush(stderr);
	free(q);
	yes = getline(&line, &cap, stdin) >= 0 && cli_confirm_yes(line);
	free(line);
	if (!yes) {
		cli_err("%s: nothing was changed", cmd);
		return EXIT_FAIL;
	}
	return 0;
}
