/*
 * stats - a daemon's counters, written as a Prometheus text file
 *
 * SYNOPSIS
 *	#include "stats.h"
 *	int	stats_new(struct stats **sp, const char *daemon, time_t now,
 *		    struct diag *d);
 *	void	stats_decision(struct stats *st, enum stats_stage stage,
 *		    const struct decision *dec, enum act decided);
 *	void	stats_lookup_failed(struct stats *st);
 *	void	stats_session(struct stats *st, int open);
 *	void	stats_request(struct stats *st);
 *	void	stats_reload(struct stats *st, int ok, time_t now);
 *	int	stats_print(struct stats *st, const struct conf *c,
 *		    time_t now, FILE *fp);
 *	int	stats_write(struct stats *st, const struct conf *c,
 *		    time_t now, struct diag *d);
 *	int	stats_path(const char *pattern, const char *daemon,
 *		    char *buf, size_t size);
 *	const char *stats_rule_table(enum dec_kind k, const struct conf *c);
 *	const char *stats_stage_name(enum stats_stage s);
 *	void	stats_free(struct stats *st);
 * DESCRIPTION
 *	The counting functions are called on the session path from any
 *	thread: each is one relaxed atomic add (no lock, no ordering: a
 *	counter is read whole, and nothing else is read with it). NULL st
 *	counts nothing. stats_decision() counts a decision by stage, action
 *	and kind, and the hit of its rule (table:line): decided is the
 *	action decide() gave, dec what was answered (warn_soften()); when
 *	they differ (warn mode answered no opinion) decided is counted also
 *	in certrelay_warn_total. stats_session() counts a session
 *	(open 1) and the clients connected (1 up, 0 down); stats_request()
 *	a request, stats_lookup_failed() a decision whose table could not be
 *	read. stats_reload() counts a reload, ok or failed; after a
 *	reload in service (ok) the rule counters start again from zero,
 *	since line numbers may now name other rules (a session that began
 *	on the previous tables counts its rule on the new counters).
 *
 *	Rule hits are kept by (kind, line) in STATS_RULE_SLOTS slots, a
 *	slot claimed by compare-and-swap; the table path is the one c names
 *	for that kind when written (stats_rule_table()). A hit that finds no
 *	slot counts in certrelay_rule_slots_full_total.
 *
 *	stats_print() writes every counter in the Prometheus text
 *	exposition format (version 0.0.4). stats_write() writes it to the
 *	file c->stats_file names (stats_path(): "%n" is the daemon's name),
 *	whole or not at all: a temporary file in the same directory, mode
 *	0644 for node_exporter's textfile collector, renamed over it. It
 *	then appends the decision, session and request counters, each with
 *	its time in milliseconds, to FILE.history, which certrelay stats
 *	reads for rates and plots; past STATS_HISTORY_MAX bytes that file
 *	becomes FILE.history.1 (the one before is dropped).
 *	stats_path() expands "%n" and "%%"; stats_rule_table() is the
 *	table file of a kind of rule (NULL for a kind no table holds).
 * DIAGNOSTICS
 *	stats_new(), stats_write(): 0, or -1 with d saying why. stats_print():
 *	0 or -1 (a write error). stats_path(): 0, or -1 when the result
 *	does not fit or a '%' is not followed by 'n' or '%'.
 * OWNERSHIP
 *	stats_free() (accepts NULL) once no thread counts any more.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stats.h"
#include "version.h"

#define PROBES	32		/* slots looked at before giving up */

struct rule_slot {
	_Atomic uint64_t key;		/* 0: free; else KEY(kind, line) */
	atomic_ulong n;
};

#define KEY(k, l)	((1ULL << 48) | (uint64_t)(k) << 32 | (uint32_t)(l))

struct stats {
	char	*daemon;
	time_t	start;
	_Atomic long long rules_since;
	atomic_ulong dec[STATS_NSTAGES][ACT_NACTS][KIND_NKINDS];
	atomic_ulong warned[ACT_NACTS];
	atomic_ulong sessions, requests, lookups_failed, slots_full;
	atomic_ulong reloads_ok, reloads_failed;
	atomic_long clients;
	struct rule_slot *slots;
};

static const char *const stage_names[STATS_NSTAGES] = { "mail", "rcpt",
    "policy" };

/* stats_new - every counter at zero */
int
stats_new(struct stats **sp, const char *daemon, time_t now, struct diag *d)
{
	struct stats *st;

	*sp = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->slots = calloc(STATS_RULE_SLOTS, sizeof(*st->slots))) ==
	    NULL || (st->daemon = strdup(daemon)) == NULL) {
		stats_free(st);
		return diag_set(d, NULL, 0, "stats: out of memory");
	}
	st->start = now;
	atomic_store(&st->rules_since, (long long)now);
	*sp = st;
	return 0;
}

/* bump - one more, no ordering */
static inline void
bump(atomic_ulong *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* rule_hit - the (kind, line) slot's count, claiming a free slot */
static void
rule_hit(struct stats *st, enum dec_kind k, int line)
{
	uint64_t key = KEY(k, line), cur;
	unsigned i, h;

	h = (unsigned)((key * 0x9E3779B97F4A7C15ULL) >> 48);
	for (i = 0; i < PROBES; i++) {
		struct rule_slot *s = &st->slots[(h + i) % STATS_RULE_SLOTS];

		cur = atomic_load_explicit(&s->key, memory_order_relaxed);
		if (cur == 0) {
			/* claim it; another thread may claim it first,
			 * for this key or another */
			atomic_compare_exchange_strong_explicit(&s->key, &cur,
			    key, memory_order_relaxed, memory_order_relaxed);
			if (cur == 0)
				cur = key;
		}
		if (cur == key) {
			bump(&s->n);
			return;
		}
	}
	bump(&st->slots_full);
}

/* stats_decision - by stage, action and kind; the rule's hit */
void
stats_decision(struct stats *st, enum stats_stage stage,
    const struct decision *dec, enum act decided)
{
	if (st == NULL || (unsigned)stage >= STATS_NSTAGES ||
	    (unsigned)decided >= ACT_NACTS ||
	    (unsigned)dec->kind >= KIND_NKINDS)
		return;
	bump(&st->dec[stage][decided][dec->kind]);
	if (decided != dec->action)
		bump(&st->warned[decided]);
	if (dec->table != NULL && dec->line > 0)
		rule_hit(st, dec->kind, dec->line);
}

/* stats_lookup_failed - a table that could not be read */
void
stats_lookup_failed(struct stats *st)
{
	if (st != NULL)
		bump(&st->lookups_failed);
}

/* stats_session - a session starts (open) and is a client; or ends */
void
stats_session(struct stats *st, int open)
{
	if (st == NULL)
		return;
	if (open)
		bump(&st->sessions);
	atomic_fetch_add_explicit(&st->clients, open ? 1 : -1,
	    memory_order_relaxed);
}

/* stats_request - one more request */
void
stats_request(struct stats *st)
{
	if (st != NULL)
		bump(&st->requests);
}

/* stats_reload - counted; the rule counters restart after a good one */
void
stats_reload(struct stats *st, int ok, time_t now)
{
	size_t i;

	if (st == NULL)
		return;
	bump(ok ? &st->reloads_ok : &st->reloads_failed);
	if (!ok)
		return;
	for (i = 0; i < STATS_RULE_SLOTS; i++)
		atomic_store_explicit(&st->slots[i].n, 0,
		    memory_order_relaxed);
	atomic_store(&st->rules_since, (long long)now);
}

/* stats_rule_table - the table file that holds rules of kind k */
const char *
stats_rule_table(enum dec_kind k, const struct conf *c)
{
	switch (k) {
	case KIND_FINGERPRINT: return c->table[TABLE_FINGERPRINT];
	case KIND_SUBJECT: return c->table[TABLE_SUBJECT];
	case KIND_ISSUER: return c->table[TABLE_ISSUER];
	case KIND_EMAIL: return c->table[TABLE_EMAIL];
	case KIND_ATTRIBUTE: return c->table[TABLE_ATTRIBUTE];
	case KIND_ACCESS: return c->table[TABLE_ACCESS];
	case KIND_REGEX: return c->regex_table;
	default: return NULL;
	}
}

/* stats_stage_name - "rcpt" */
const char *
stats_stage_name(enum stats_stage s)
{
	return (unsigned)s < STATS_NSTAGES ? stage_names[s] : "";
}

/* head - a metric's HELP and TYPE lines */
static void
head(FILE *fp, const char *name, const char *type, const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* load - a counter's value */
static unsigned long
load(atomic_ulong *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* print_decisions - certrelay_decisions_total, the non-zero ones; with
 * ts (ms) the history's form, without HELP and TYPE */
static void
print_decisions(struct stats *st, FILE *fp, const char *ts)
{
	unsigned long n;
	int s, a, k;

	for (s = 0; s < STATS_NSTAGES; s++)
		for (a = 0; a < ACT_NACTS; a++)
			for (k = 0; k < KIND_NKINDS; k++) {
				if ((n = load(&st->dec[s][a][k])) == 0)
					continue;
				fprintf(fp, "certrelay_decisions_total{stage=\"%s"
				    "\",action=\"%s\",kind=\"%s\"} %lu%s\n",
				    stage_names[s], action_name((enum act)a),
				    k == KIND_NONE ? "none" :
				    decide_kind_name((enum dec_kind)k), n, ts);
			}
}

/* by_key - rule slots in (kind, line) order */
static int
by_key(const void *a, const void *b)
{
	uint64_t x = ((const uint64_t *)a)[0], y = ((const uint64_t *)b)[0];

	return x < y ? -1 : x > y;
}

/* escaped - a label value escaped as the text format wants, into buf */
static const char *
escaped(const char *s, char *buf, size_t size)
{
	size_t n = 0;

	for (; s != NULL && *s && n + 3 < size; s++) {
		if (*s == '\\' || *s == '"' || *s == '\n')
			buf[n++] = '\\';
		buf[n++] = *s == '\n' ? 'n' : *s;
	}
	buf[n] = 0;
	return buf;
}

/* print_rules - certrelay_rule_hits_total, one series a rule hit; each
 * table's label escaped once (a write may hold 65536 of them) */
static int
print_rules(struct stats *st, const struct conf *c, FILE *fp)
{
	uint64_t (*hit)[2], key;
	char (*esc)[2 * 4096 + 8];	/* a path, every byte escaped */
	size_t i, n = 0;
	enum dec_kind k;

	hit = malloc(STATS_RULE_SLOTS * sizeof(*hit));
	esc = calloc(KIND_NKINDS, sizeof(*esc));
	if (hit == NULL || esc == NULL) {
		free(hit);
		free(esc);
		return -1;
	}
	for (i = 0; i < KIND_NKINDS; i++)
		escaped(stats_rule_table((enum dec_kind)i, c), esc[i],
		    sizeof(esc[i]));
	for (i = 0; i < STATS_RULE_SLOTS; i++) {
		key = atomic_load_explicit(&st->slots[i].key,
		    memory_order_relaxed);
		if (key != 0 && (hit[n][1] = load(&st->slots[i].n)) != 0)
			hit[n++][0] = key;
	}
	qsort(hit, n, sizeof(*hit), by_key);
	for (i = 0; i < n; i++) {
		k = (enum dec_kind)((hit[i][0] >> 32) & 0xffff);
		fprintf(fp, "certrelay_rule_hits_total{kind=\"%s\",table=\"%s\","
		    "line=\"%u\"} %llu\n", decide_kind_name(k), esc[k],
		    (unsigned)(hit[i][0] & 0xffffffffu),
		    (unsigned long long)hit[i][1]);
	}
	free(hit);
	free(esc);
	return 0;
}

/* print_one - a metric with one unlabelled sample */
static void
print_one(FILE *fp, const char *name, const char *type, const char *help,
    long long v)
{
	head(fp, name, type, help);
	fprintf(fp, "%s %lld\n", name, v);
}

/* stats_print - every counter, in the Prometheus text format */
int
stats_print(struct stats *st, const struct conf *c, time_t now, FILE *fp)
{
	char name[256];
	int a;

	head(fp, "certrelay_info", "gauge", "The daemon, its version and mode.");
	fprintf(fp, "certrelay_info{daemon=\"%s\",version=\"%s\",mode=\"%s\"} "
	    "1\n", escaped(st->daemon, name, sizeof(name)), CERTRELAY_VERSION,
	    c->warn ? "warn" : "enforce");
	print_one(fp, "certrelay_start_time_seconds", "gauge",
	    "When the daemon started (Unix time).", (long long)st->start);
	print_one(fp, "certrelay_stats_time_seconds", "gauge",
	    "When this file was written (Unix time).", (long long)now);
	print_one(fp, "certrelay_sessions_total", "counter",
	    "SMTP sessions (milter) or client connections (policyd).",
	    (long long)load(&st->sessions));
	print_one(fp, "certrelay_requests_total", "counter",
	    "Decisions asked: MAIL and RCPT (milter), policy requests.",
	    (long long)load(&st->requests));
	print_one(fp, "certrelay_clients", "gauge",
	    "Sessions or connections open now.",
	    atomic_load_explicit(&st->clients, memory_order_relaxed));
	head(fp, "certrelay_decisions_total", "counter",
	    "Decisions by stage, action and what decided (kind).");
	print_decisions(st, fp, "");
	head(fp, "certrelay_warn_total", "counter",
	    "Decisions answered as no opinion in mode = warn, by action.");
	for (a = 0; a < ACT_NACTS; a++)
		if (load(&st->warned[a]) != 0)
			fprintf(fp, "certrelay_warn_total{action=\"%s\"} %lu\n",
			    action_name((enum act)a), load(&st->warned[a]));
	head(fp, "certrelay_reloads_total", "counter",
	    "Reloads of the configuration and tables, by result.");
	fprintf(fp, "certrelay_reloads_total{result=\"ok\"} %lu\n"
	    "certrelay_reloads_total{result=\"failed\"} %lu\n",
	    load(&st->reloads_ok), load(&st->reloads_failed));
	print_one(fp, "certrelay_lookup_failures_total", "counter",
	    "Decisions deferred because a table could not be read.",
	    (long long)load(&st->lookups_failed));
	print_one(fp, "certrelay_rules_since_seconds", "gauge",
	    "When the rule counters started (start or last reload).",
	    atomic_load(&st->rules_since));
	print_one(fp, "certrelay_rule_slots_full_total", "counter",
	    "Rule hits not counted by rule: no free slot.",
	    (long long)load(&st->slots_full));
	head(fp, "certrelay_rule_hits_total", "counter",
	    "Decisions made by each rule (table:line) since rules_since.");
	if (print_rules(st, c, fp) < 0)
		return -1;
	return ferror(fp) ? -1 : 0;
}

/* stats_path - the pattern with %n as the daemon's name */
int
stats_path(const char *pattern, const char *daemon, char *buf, size_t size)
{
	size_t n = 0, len;
	const char *p, *add;

	for (p = pattern; *p; p++) {
		add = p;
		len = 1;
		if (*p == '%') {
			if (p[1] == 'n')
				add = daemon, len = strlen(daemon);
			else if (p[1] != '%')
				return -1;
			p++;
		}
		if (n + len >= size)
			return -1;
		memcpy(buf + n, add, len);
		n += len;
	}
	if (size == 0)
		return -1;
	buf[n] = 0;
	return 0;
}

/* history - the counters a plot needs, timed, appended to FILE.history */
static int
history(struct stats *st, const char *path, time_t now, struct diag *d)
{
	char hist[4200], old[4300], ts[32];
	struct stat sb;
	FILE *fp;

	snprintf(hist, sizeof(hist), "%s.history", path);
	snprintf(old, sizeof(old), "%s.1", hist);
	if (stat(hist, &sb) == 0 && sb.st_size > STATS_HISTORY_MAX &&
	    rename(hist, old) < 0)
		return diag_set(d, hist, 0, "cannot rename: %s",
		    strerror(errno));
	if ((fp = fopen(hist, "a")) == NULL)
		return diag_set(d, hist, 0, "%s", strerror(errno));
	snprintf(ts, sizeof(ts), " %lld000", (long long)now);
	/* one buffer, one write(): a reader sees whole samples */
	setvbuf(fp, NULL, _IOFBF, 1 << 16);
	fprintf(fp, "certrelay_sessions_total %lu%s\n"
	    "certrelay_requests_total %lu%s\n", load(&st->sessions), ts,
	    load(&st->requests), ts);
	print_decisions(st, fp, ts);
	if (fclose(fp) != 0)
		return diag_set(d, hist, 0, "%s", strerror(errno));
	return 0;
}

/* stats_write - the file whole (temporary, renamed), then the history */
int
stats_write(struct stats *st, const struct conf *c, time_t now,
    struct diag *d)
{
	char path[4096], tmp[4200];
	FILE *fp;
	int fd;

	if (c->stats_file == NULL)
		return 0;
	if (stats_path(c->stats_file, st->daemon, path, sizeof(path)) < 0)
		return diag_set(d, c->stats_file, 0, "bad stats_file: %%n "
		    "for the daemon's name, %%%% for %%");
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0)
		return diag_set(d, path, 0, "cannot write: %s",
		    strerror(errno));
	if (fchmod(fd, 0644) < 0 || (fp = fdopen(fd, "w")) == NULL) {
		diag_set(d, tmp, 0, "%s", strerror(errno));
		close(fd);
		goto fail;
	}
	if (stats_print(st, c, now, fp) < 0) {
		diag_set(d, tmp, 0, "write error");
		fclose(fp);
		goto fail;
	}
	if (fclose(fp) != 0) {
		diag_set(d, tmp, 0, "%s", strerror(errno));
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		diag_set(d, path, 0, "cannot rename into place: %s",
		    strerror(errno));
		goto fail;
	}
	return history(st, path, now, d);
fail:
	unlink(tmp);
	return -1;
}

/* stats_free - accepts NULL */
void
stats_free(struct stats *st)
{
	if (st == NULL)
		return;
	free(st->slots);
	free(st->daemon);
	free(st);
}
