/*
 * stats - certrelay stats: the daemons' counters, as a person reads them
 *
 * SYNOPSIS
 *	#include "stats_cmd.h"
 *	int  stats_main(int argc, char **argv);
 * DESCRIPTION
 *	certrelay stats [-c CONF] [--json] [--plot FILE.png|FILE.svg]
 *	reads certrelay.conf (default /etc/certrelay/certrelay.conf), and
 *	the stats_file of each daemon that wrote one ("%n" as
 *	certrelay-milter, then certrelay-policyd), with its history
 *	(FILE.history.1, then FILE.history). For each it prints the totals,
 *	the rates between the last two writes (from the history), the rules
 *	that matched most and every rule line of the configuration's tables
 *	that never matched since the rule counters started (a Sendmail
 *	access file: its CERTISSUER: and CERTSUBJECT: lines only). --json
 *	prints the same as one JSON object. --plot draws the decisions per
 *	minute of each kind over the history with gnuplot(1) (PNG or SVG
 *	by the file's name).
 *
 *	A rule is the one counted when the line numbers are equal and the
 *	table paths are, or name the same file (realpath(3): the daemon may
 *	have read the configuration by another path).
 * DIAGNOSTICS
 *	0; 1 when no daemon wrote a file, a file does not parse (file:line:
 *	what) or gnuplot fails; 2 on a usage error or a configuration that
 *	does not load.
 * OWNERSHIP
 *	Everything read is freed before stats_main() returns.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "conf.h"
#include "decide.h"
#include "stats.h"
#include "statsread.h"
#include "stats_cmd.h"
#include "table.h"

#define TOP_RULES	10
#define MAX_POINTS	20000		/* history samples kept for a plot */

static const char *const daemons[] = { "certrelay-milter",
    "certrelay-policyd" };

struct hit {
	char	*table;
	char	*real;			/* realpath(table), or NULL */
	int	line;
	enum dec_kind kind;
	double	n;
};

/* One write of the history: its time and the counters a plot needs. */
struct point {
	long long ts;			/* ms */
	double	sessions, requests;
	double	kind[KIND_NKINDS];
};

/* What one daemon's file said. */
struct dstats {
	const char *daemon;
	char	path[4096];
	char	mode[16];
	double	start, written, sessions, requests, clients, rules_since;
	double	reload_ok, reload_failed, lookups, slots_full;
	double	dec[STATS_NSTAGES][ACT_NACTS][KIND_NKINDS];
	double	warned[ACT_NACTS];
	struct hit *hits;
	size_t	nhits;
	struct point *pts;
	size_t	npts;
};

/* One rule line of a table, as the tool reads the tables. */
struct rule {
	const char *table;
	int	line;
	enum dec_kind kind;
	char	text[72];
};

struct rules {
	struct rule *r;
	size_t	n, size;
	const char *table;		/* the one being read */
	enum dec_kind kind;
};

/* act_of - "RELAY" -> ACT_RELAY; -1 for none */
static int
act_of(const char *s)
{
	int a;

	for (a = 0; s != NULL && a < ACT_NACTS; a++)
		if (strcmp(action_name((enum act)a), s) == 0)
			return a;
	return -1;
}

/* kind_of - "fingerprint" -> KIND_FINGERPRINT; -1 for none */
static int
kind_of(const char *s)
{
	int k;

	if (s != NULL && strcmp(s, "none") == 0)
		return KIND_NONE;
	for (k = 1; s != NULL && k < KIND_NKINDS; k++)
		if (strcmp(decide_kind_name((enum dec_kind)k), s) == 0)
			return k;
	return -1;
}

/* stage_of - "rcpt" -> STATS_RCPT; -1 for none */
static int
stage_of(const char *s)
{
	int i;

	for (i = 0; s != NULL && i < STATS_NSTAGES; i++)
		if (strcmp(stats_stage_name((enum stats_stage)i), s) == 0)
			return i;
	return -1;
}

/* add_hit - a certrelay_rule_hits_total sample */
static int
add_hit(struct dstats *ds, const struct stats_sample *s)
{
	const char *t = stats_label(s, "table"), *l = stats_label(s, "line");
	struct hit *h;
	int k = kind_of(stats_label(s, "kind"));

	if (t == NULL || l == NULL || k < 0)
		return 0;		/* not ours to read */
	if ((h = realloc(ds->hits, (ds->nhits + 1) * sizeof(*h))) == NULL)
		return -1;
	ds->hits = h;
	h += ds->nhits;
	if ((h->table = strdup(t)) == NULL)
		return -1;
	h->real = realpath(t, NULL);
	h->line = atoi(l);
	h->kind = (enum dec_kind)k;
	h->n = s->value;
	ds->nhits++;
	return 0;
}

/* scalar - an unlabelled sample into its slot; 1 if it was one */
static int
scalar(struct dstats *ds, const struct stats_sample *s)
{
	static const char *const names[] = { "certrelay_start_time_seconds",
	    "certrelay_stats_time_seconds", "certrelay_sessions_total",
	    "certrelay_requests_total", "certrelay_clients",
	    "certrelay_rules_since_seconds",
	    "certrelay_lookup_failures_total",
	    "certrelay_rule_slots_full_total" };
	double *const slot[] = { &ds->start, &ds->written, &ds->sessions,
	    &ds->requests, &ds->clients, &ds->rules_since, &ds->lookups,
	    &ds->slots_full };
	size_t i;

	_Static_assert(sizeof(names) / sizeof(names[0]) ==
	    sizeof(slot) / sizeof(slot[0]), "a slot for every name");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s->name, names[i]) == 0) {
			*slot[i] = s->value;
			return 1;
		}
	return 0;
}

/* on_sample - one sample of the current file */
static int
on_sample(void *ctx, const struct stats_sample *s)
{
	struct dstats *ds = ctx;
	const char *v;
	int st, a, k;

	if (scalar(ds, s))
		return 0;
	if (strcmp(s->name, "certrelay_decisions_total") == 0) {
		st = stage_of(stats_label(s, "stage"));
		a = act_of(stats_label(s, "action"));
		k = kind_of(stats_label(s, "kind"));
		if (st >= 0 && a >= 0 && k >= 0)
			ds->dec[st][a][k] = s->value;
	} else if (strcmp(s->name, "certrelay_warn_total") == 0) {
		if ((a = act_of(stats_label(s, "action"))) >= 0)
			ds->warned[a] = s->value;
	} else if (strcmp(s->name, "certrelay_reloads_total") == 0) {
		v = stats_label(s, "result");
		if (v != NULL && strcmp(v, "ok") == 0)
			ds->reload_ok = s->value;
		else if (v != NULL && strcmp(v, "failed") == 0)
			ds->reload_failed = s->value;
	} else if (strcmp(s->name, "certrelay_info") == 0) {
		v = stats_label(s, "mode");
		snprintf(ds->mode, sizeof(ds->mode), "%s", v ? v : "?");
	} else if (strcmp(s->name, "certrelay_rule_hits_total") == 0)
		return add_hit(ds, s);
	return 0;
}

/* on_history - one timed sample of the history */
static int
on_history(void *ctx, const struct stats_sample *s)
{
	struct dstats *ds = ctx;
	struct point *p;
	int k;

	if (s->ts_ms < 0)
		return 0;
	if (ds->npts == 0 || ds->pts[ds->npts - 1].ts != s->ts_ms) {
		if (ds->npts == MAX_POINTS) {	/* the oldest go */
			memmove(ds->pts, ds->pts + 1, (MAX_POINTS - 1) *
			    sizeof(*p));
			ds->npts--;
		}
		if ((p = realloc(ds->pts, (ds->npts + 1) * sizeof(*p))) ==
		    NULL)
			return -1;
		ds->pts = p;
		memset(&p[ds->npts], 0, sizeof(*p));
		p[ds->npts++].ts = s->ts_ms;
	}
	p = &ds->pts[ds->npts - 1];
	if (strcmp(s->name, "certrelay_sessions_total") == 0)
		p->sessions = s->value;
	else if (strcmp(s->name, "certrelay_requests_total") == 0)
		p->requests = s->value;
	else if (strcmp(s->name, "certrelay_decisions_total") == 0 &&
	    (k = kind_of(stats_label(s, "kind"))) >= 0)
		p->kind[k] += s->value;
	return 0;
}

/* slurp - a whole file; NULL with errno (ENOENT: there is none) */
static char *
slurp(const char *path, size_t *len)
{
	FILE *fp;
	char *buf = NULL;
	size_t size = 0, n;
	int e;

	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	*len = 0;
	do {
		if (*len + 65536 > size) {
			char *nb = realloc(buf, size += 1 << 20);

			if (nb == NULL) {
				e = ENOMEM;
				goto fail;
			}
			buf = nb;
		}
		n = fread(buf + *len, 1, size - *len, fp);
		*len += n;
	} while (n > 0);
	if (ferror(fp)) {
		e = EIO;
		goto fail;
	}
	fclose(fp);
	return buf;
fail:
	free(buf);
	fclose(fp);
	errno = e;
	return NULL;
}

/* parse_file - a file through fn; 0, 1 (no such file), -1 (said why) */
static int
parse_file(const char *path, stats_sample_fn fn, void *ctx)
{
	struct diag d;
	char *text, msg[DIAG_FILE_MAX + DIAG_WHAT_MAX + 32];
	size_t len;
	int r;

	if ((text = slurp(path, &len)) == NULL) {
		if (errno == ENOENT)
			return 1;
		fprintf(stderr, "certrelay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	diag_clear(&d);
	r = stats_parse(text, len, path, fn, ctx, &d);
	free(text);
	if (r != 0) {
		fprintf(stderr, "certrelay: %s\n", d.what[0] ?
		    diag_str(&d, msg, sizeof(msg)) : "out of memory");
		return -1;
	}
	return 0;
}

/* load - a daemon's file and history: 0, 1 (it wrote none), -1 */
static int
load(struct dstats *ds, const struct conf *c, const char *daemon)
{
	char hist[4200];
	int r;

	memset(ds, 0, sizeof(*ds));
	ds->daemon = daemon;
	if (stats_path(c->stats_file, daemon, ds->path, sizeof(ds->path)) < 0) {
		fprintf(stderr, "certrelay: %s: bad stats_file\n",
		    c->stats_file);
		return -1;
	}
	if ((r = parse_file(ds->path, on_sample, ds)) != 0)
		return r;
	snprintf(hist, sizeof(hist), "%s.history.1", ds->path);
	if (parse_file(hist, on_history, ds) < 0)
		return -1;
	snprintf(hist, sizeof(hist), "%s.history", ds->path);
	return parse_file(hist, on_history, ds) < 0 ? -1 : 0;
}

/* free_ds - what load() allocated */
static void
free_ds(struct dstats *ds)
{
	size_t i;

	for (i = 0; i < ds->nhits; i++) {
		free(ds->hits[i].table);
		free(ds->hits[i].real);
	}
	free(ds->hits);
	free(ds->pts);
}

/* on_rule - a table line: a rule, unless an access line of another tag */
static int
on_rule(void *ctx, char *line, size_t len, int lineno, struct diag *d)
{
	struct rules *rs = ctx;
	struct rule *r;

	(void)len;
	if (rs->kind == KIND_ACCESS && strncasecmp(line, "CERTISSUER:", 11) &&
	    strncasecmp(line, "CERTSUBJECT:", 12))
		return 0;
	if (rs->n == rs->size) {
		rs->size = rs->size ? 2 * rs->size : 64;
		if ((r = realloc(rs->r, rs->size * sizeof(*r))) == NULL)
			return diag_set(d, NULL, 0, "out of memory");
		rs->r = r;
	}
	r = &rs->r[rs->n++];
	r->table = rs->table;
	r->line = lineno;
	r->kind = rs->kind;
	snprintf(r->text, sizeof(r->text), "%s", line);
	return 0;
}

/* read_rules - every rule line of the configuration's tables */
static int
read_rules(const struct conf *c, struct rules *rs)
{
	static const enum dec_kind kinds[] = { KIND_FINGERPRINT,
	    KIND_SUBJECT, KIND_EMAIL, KIND_ISSUER, KIND_ACCESS, KIND_REGEX,
	    KIND_ATTRIBUTE };
	struct diag d;
	char msg[DIAG_FILE_MAX + DIAG_WHAT_MAX + 32];
	size_t i;

	memset(rs, 0, sizeof(*rs));
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if ((rs->table = stats_rule_table(kinds[i], c)) == NULL)
			continue;
		rs->kind = kinds[i];
		diag_clear(&d);
		if (table_each_line(rs->table, on_rule, rs, &d) < 0) {
			fprintf(stderr, "certrelay: %s\n", diag_str(&d, msg,
			    sizeof(msg)));
			return -1;
		}
	}
	return 0;
}

/* same_file - two paths of one table */
static int
same_file(const struct hit *h, const char *table)
{
	char *real;
	int same;

	if (strcmp(h->table, table) == 0)
		return 1;
	if (h->real == NULL || (real = realpath(table, NULL)) == NULL)
		return 0;
	same = strcmp(real, h->real) == 0;
	free(real);
	return same;
}

/* matched - a hit counted for this rule line */
static int
matched(const struct dstats *ds, const struct rule *r)
{
	size_t i;

	for (i = 0; i < ds->nhits; i++)
		if (ds->hits[i].line == r->line && ds->hits[i].n > 0 &&
		    same_file(&ds->hits[i], r->table))
			return 1;
	return 0;
}

/* by_hits - most hits first */
static int
by_hits(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	return x->n < y->n ? 1 : x->n > y->n ? -1 : 0;
}

/* changed_since - the table's source was edited after the counters
 * started: its line numbers may not be the daemon's */
static int
changed_since(const char *table, double since)
{
	struct stat sb;

	return stat(table, &sb) == 0 && (double)sb.st_mtime > since;
}

/* sum_kind - decisions of a kind, every stage and action */
static double
sum_kind(const struct dstats *ds, int k)
{
	double n = 0;
	int s, a;

	for (s = 0; s < STATS_NSTAGES; s++)
		for (a = 0; a < ACT_NACTS; a++)
			n += ds->dec[s][a][k];
	return n;
}

/* sum_act - decisions of an action, every stage and kind */
static double
sum_act(const struct dstats *ds, int a)
{
	double n = 0;
	int s, k;

	for (s = 0; s < STATS_NSTAGES; s++)
		for (k = 0; k < KIND_NKINDS; k++)
			n += ds->dec[s][a][k];
	return n;
}

/* when - a Unix time as UTC text */
static const char *
when(double t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, size, "%.0f", t);
	return buf;
}

/* kind_name - the kind as the file spells it */
static const char *
kind_name(int k)
{
	return k == KIND_NONE ? "none" : decide_kind_name((enum dec_kind)k);
}

/* print_rates - between the last two writes of the history */
static void
print_rates(const struct dstats *ds)
{
	const struct point *a, *b;
	double dt;
	int k;

	if (ds->npts < 2) {
		printf("  rates: no previous write in the history yet\n");
		return;
	}
	a = &ds->pts[ds->npts - 2];
	b = &ds->pts[ds->npts - 1];
	if ((dt = (double)(b->ts - a->ts) / 1000) <= 0)
		return;
	printf("  rates over the last %.0f s: %.2f sessions/min, %.2f "
	    "requests/min", dt, (b->sessions - a->sessions) * 60 / dt,
	    (b->requests - a->requests) * 60 / dt);
	for (k = 0; k < KIND_NKINDS; k++)
		if (b->kind[k] > a->kind[k])
			printf(", %s %.2f/min", kind_name(k),
			    (b->kind[k] - a->kind[k]) * 60 / dt);
	printf("\n");
}

/* print_totals - the counters since start */
static void
print_totals(const struct dstats *ds)
{
	char t1[64], t2[64];
	int a, k;

	printf("%s: mode %s, started %s, written %s (%s)\n", ds->daemon,
	    ds->mode, when(ds->start, t1, sizeof(t1)), when(ds->written, t2,
	    sizeof(t2)), ds->path);
	printf("  sessions %.0f, requests %.0f, clients now %.0f; reloads "
	    "%.0f ok, %.0f failed; lookup failures %.0f\n", ds->sessions,
	    ds->requests, ds->clients, ds->reload_ok, ds->reload_failed,
	    ds->lookups);
	printf("  decisions by action:");
	for (a = 0; a < ACT_NACTS; a++)
		if (sum_act(ds, a) > 0)
			printf(" %s %.0f", action_name((enum act)a),
			    sum_act(ds, a));
	printf("\n  decisions by kind:");
	for (k = 0; k < KIND_NKINDS; k++)
		if (sum_kind(ds, k) > 0)
			printf(" %s %.0f", kind_name(k), sum_kind(ds, k));
	printf("\n");
	for (a = 0; a < ACT_NACTS; a++)
		if (ds->warned[a] > 0)
			printf("  mode warn: %.0f %s answered as no opinion\n",
			    ds->warned[a], action_name((enum act)a));
}

/* print_rules - the top rules and the ones that never matched */
static void
print_rules(struct dstats *ds, const struct rules *rs)
{
	char t[64];
	const char *last = NULL;
	size_t i, never = 0;

	qsort(ds->hits, ds->nhits, sizeof(*ds->hits), by_hits);
	printf("  top rules since %s:\n", when(ds->rules_since, t,
	    sizeof(t)));
	for (i = 0; i < ds->nhits && i < TOP_RULES; i++)
		printf("    %8.0f  %s:%d (%s)\n", ds->hits[i].n,
		    ds->hits[i].table, ds->hits[i].line,
		    kind_name(ds->hits[i].kind));
	if (ds->nhits == 0)
		printf("    (none matched)\n");
	printf("  rules that never matched since then:\n");
	for (i = 0; i < rs->n; i++) {
		if (matched(ds, &rs->r[i]))
			continue;
		if (rs->r[i].table != last && changed_since(rs->r[i].table,
		    ds->rules_since))
			printf("    (%s changed since: its line numbers may "
			    "not be the daemon's until it reloads)\n",
			    rs->r[i].table);
		last = rs->r[i].table;
		printf("    %s:%d: %s\n", rs->r[i].table, rs->r[i].line,
		    rs->r[i].text);
		never++;
	}
	if (never == 0)
		printf("    (none: every rule matched)\n");
	if (ds->slots_full > 0)
		printf("  %.0f hits could not be counted by rule (slots "
		    "full): the list above may name rules that matched\n",
		    ds->slots_full);
}

/* json_str - a JSON string */
static void
json_str(const char *s)
{
	putchar('"');
	for (; *s; s++)
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	putchar('"');
}

/* json_decisions - "decisions": [...] */
static void
json_decisions(const struct dstats *ds)
{
	const char *sep = "";
	int s, a, k;

	printf(",\"decisions\":[");
	for (s = 0; s < STATS_NSTAGES; s++)
		for (a = 0; a < ACT_NACTS; a++)
			for (k = 0; k < KIND_NKINDS; k++) {
				if (ds->dec[s][a][k] == 0)
					continue;
				printf("%s{\"stage\":\"%s\",\"action\":\"%s\","
				    "\"kind\":\"%s\",\"count\":%.0f}", sep,
				    stats_stage_name((enum stats_stage)s),
				    action_name((enum act)a), kind_name(k),
				    ds->dec[s][a][k]);
				sep = ",";
			}
	printf("]");
}

/* json_rules - "top_rules" and "never_matched" */
static void
json_rules(struct dstats *ds, const struct rules *rs)
{
	const char *sep = "";
	size_t i;

	qsort(ds->hits, ds->nhits, sizeof(*ds->hits), by_hits);
	printf(",\"top_rules\":[");
	for (i = 0; i < ds->nhits && i < TOP_RULES; i++) {
		printf("%s{\"table\":", i ? "," : "");
		json_str(ds->hits[i].table);
		printf(",\"line\":%d,\"kind\":\"%s\",\"hits\":%.0f}",
		    ds->hits[i].line, kind_name(ds->hits[i].kind),
		    ds->hits[i].n);
	}
	printf("],\"never_matched\":[");
	for (i = 0; i < rs->n; i++) {
		if (matched(ds, &rs->r[i]))
			continue;
		printf("%s{\"table\":", sep);
		json_str(rs->r[i].table);
		printf(",\"line\":%d,\"kind\":\"%s\",\"rule\":", rs->r[i].line,
		    kind_name(rs->r[i].kind));
		json_str(rs->r[i].text);
		printf("}");
		sep = ",";
	}
	printf("]");
}

/* json_one - one daemon's object */
static void
json_one(struct dstats *ds, const struct rules *rs)
{
	const struct point *a, *b;
	double dt;

	printf("{\"daemon\":\"%s\",\"file\":", ds->daemon);
	json_str(ds->path);
	printf(",\"mode\":");
	json_str(ds->mode);
	printf(",\"start\":%.0f,\"written\":%.0f,\"sessions\":%.0f,"
	    "\"requests\":%.0f,\"clients\":%.0f,\"reloads\":{\"ok\":%.0f,"
	    "\"failed\":%.0f},\"lookup_failures\":%.0f,\"rules_since\":%.0f",
	    ds->start, ds->written, ds->sessions, ds->requests, ds->clients,
	    ds->reload_ok, ds->reload_failed, ds->lookups, ds->rules_since);
	json_decisions(ds);
	if (ds->npts >= 2) {
		a = &ds->pts[ds->npts - 2];
		b = &ds->pts[ds->npts - 1];
		dt = (double)(b->ts - a->ts) / 1000;
		printf(",\"rates\":{\"seconds\":%.0f,\"sessions_per_min\":%.3f,"
		    "\"requests_per_min\":%.3f}", dt, dt > 0 ? (b->sessions -
		    a->sessions) * 60 / dt : 0, dt > 0 ? (b->requests -
		    a->requests) * 60 / dt : 0);
	}
	json_rules(ds, rs);
	printf("}");
}

/* plot_data - a gnuplot data block: time, then per kind per minute */
static void
plot_data(FILE *gp, const struct dstats *ds, const int *used)
{
	const struct point *a, *b;
	double dt;
	size_t i;
	int k;

	fprintf(gp, "$%s << EOD\n", ds->daemon[10] == 'm' ? "milter" :
	    "policyd");
	for (i = 1; i < ds->npts; i++) {
		a = &ds->pts[i - 1];
		b = &ds->pts[i];
		if ((dt = (double)(b->ts - a->ts) / 1000) <= 0)
			continue;
		fprintf(gp, "%lld", b->ts / 1000);
		for (k = 0; k < KIND_NKINDS; k++)
			if (used[k])	/* a restart: the counters fell */
				fprintf(gp, " %.3f", b->kind[k] < a->kind[k] ?
				    0 : (b->kind[k] - a->kind[k]) * 60 / dt);
		fprintf(gp, "\n");
	}
	fprintf(gp, "EOD\n");
}

/* plot_cmd - the plot command: a line per daemon and kind */
static void
plot_cmd(FILE *gp, struct dstats *ds, size_t nds, int used[][KIND_NKINDS])
{
	const char *sep = "plot";
	size_t i;
	int k, col;

	for (i = 0; i < nds; i++) {
		col = 2;
		for (k = 0; k < KIND_NKINDS; k++) {
			if (!used[i][k])
				continue;
			fprintf(gp, "%s $%s using 1:%d with linespoints title "
			    "\"%s %s\"", sep, ds[i].daemon[10] == 'm' ?
			    "milter" : "policyd", col++, ds[i].daemon + 10,
			    kind_name(k));
			sep = ", \\\n    ";
		}
	}
	fprintf(gp, "\n");
}

/* plot - decisions per minute by kind over the history, by gnuplot */
static int
plot(struct dstats *ds, size_t nds, const char *out)
{
	int used[2][KIND_NKINDS] = { { 0 } }, any = 0, k;
	const char *ext = strrchr(out, '.');
	size_t i, p;
	FILE *gp;

	for (i = 0; i < nds; i++)
		for (p = 0; p < ds[i].npts; p++)
			for (k = 0; k < KIND_NKINDS; k++)
				if (ds[i].pts[p].kind[k] > 0)
					any = used[i][k] = 1;
	if (!any) {
		fprintf(stderr, "certrelay: no decision in the history yet: "
		    "nothing to plot\n");
		return 1;
	}
	if ((gp = popen("gnuplot", "w")) == NULL) {
		fprintf(stderr, "certrelay: gnuplot: %s\n", strerror(errno));
		return 1;
	}
	fprintf(gp, "set terminal %s size 1000,600\nset output \"%s\"\n",
	    ext && strcasecmp(ext, ".svg") == 0 ? "svg" : "pngcairo", out);
	fprintf(gp, "set title \"certrelay decisions per minute, by kind\"\n"
	    "set xdata time\nset timefmt \"%%s\"\nset format x \"%%m-%%d\\n"
	    "%%H:%%M\"\nset xlabel \"UTC\"\nset ylabel \"decisions/min\"\n"
	    "set key outside right\nset grid\n");
	for (i = 0; i < nds; i++)
		plot_data(gp, &ds[i], used[i]);
	plot_cmd(gp, ds, nds, used);
	if (pclose(gp) != 0) {
		fprintf(stderr, "certrelay: gnuplot failed (is gnuplot-nox "
		    "installed?)\n");
		return 1;
	}
	return 0;
}

/* stats_opts - the command line; -1 on a usage error */
static int
stats_opts(int argc, char **argv, const char **conf, int *json,
    const char **out)
{
	static const struct option opts[] = { { "json", 0, 0, 'J' },
	    { "plot", 1, 0, 'p' }, { "config", 1, 0, 'c' }, { 0, 0, 0, 0 } };
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:", opts, NULL)) != -1)
		switch (ch) {
		case 'c': *conf = optarg; break;
		case 'J': *json = 1; break;
		case 'p': *out = optarg; break;
		default: return -1;
		}
	return optind == argc ? 0 : -1;
}

/* report - text or JSON for every daemon read */
static void
report(struct dstats *ds, size_t nds, const struct rules *rs, int json)
{
	size_t i;

	if (json)
		printf("{\"daemons\":[");
	for (i = 0; i < nds; i++) {
		if (json) {
			printf("%s", i ? "," : "");
			json_one(&ds[i], rs);
			continue;
		}
		print_totals(&ds[i]);
		print_rates(&ds[i]);
		print_rules(&ds[i], rs);
	}
	if (json)
		printf("]}\n");
}

/* stats_main - certrelay stats */
int
stats_main(int argc, char **argv)
{
	const char *conf = "/etc/certrelay/certrelay.conf", *out = NULL;
	struct dstats ds[2];
	struct rules rs;
	struct conf *c;
	struct diag d;
	char msg[DIAG_FILE_MAX + DIAG_WHAT_MAX + 32];
	size_t i, nds = 0;
	int json = 0, r = 1;

	if (stats_opts(argc, argv, &conf, &json, &out) < 0) {
		fprintf(stderr, "usage: certrelay stats [-c CONF] [--json] "
		    "[--plot FILE.png|FILE.svg]\n");
		return 2;
	}
	diag_clear(&d);
	if (conf_load(conf, &c, &d) < 0) {
		fprintf(stderr, "certrelay: %s\n", diag_str(&d, msg,
		    sizeof(msg)));
		return 2;
	}
	if (c->stats_file == NULL) {
		fprintf(stderr, "certrelay: %s: stats_file is not set: the "
		    "daemons keep no counters\n", conf);
		conf_free(c);
		return 1;
	}
	memset(&rs, 0, sizeof(rs));
	for (i = 0; i < 2; i++) {
		if ((r = load(&ds[nds], c, daemons[i])) < 0) {
			free_ds(&ds[nds]);
			r = 1;
			goto out;
		}
		if (r == 0)
			nds++;
	}
	r = 1;
	if (nds == 0) {
		fprintf(stderr, "certrelay: no daemon has written its "
		    "stats_file (%s) yet\n", c->stats_file);
		goto out;
	}
	if (read_rules(c, &rs) < 0)
		goto out;
	report(ds, nds, &rs, json);
	r = out ? plot(ds, nds, out) : 0;
out:
	for (i = 0; i < nds; i++)
		free_ds(&ds[i]);
	free(rs.r);
	conf_free(c);
	return r;
}
