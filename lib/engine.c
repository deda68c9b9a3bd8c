/*
 * engine - one snapshot of the configuration and all its tables
 *
 * SYNOPSIS
 *	#include "engine.h"
 *	int	engine_open(const char *conf_path, struct engine **ep,
 *		    struct diag *d);
 *	int	engine_changed(const struct engine *e, unsigned long *sig);
 *	void	engine_accelerate(struct engine *e);
 *	const struct conf *engine_conf(const struct engine *e);
 *	const char *engine_header_name(const struct engine *e);
 *	const struct table *engine_table(const struct engine *e,
 *		    enum table_kind k);
 *	struct rx *engine_rx(const struct engine *e);
 *	const struct cindex *engine_cindex(const struct engine *e);
 *	const struct crlset *engine_crl(const struct engine *e);
 *	const char *engine_warning(const struct engine *e, int i);
 *	size_t	engine_ldap_stats(const struct engine *e, char *buf,
 *		    size_t size);
 *	void	engine_close(struct engine *e);
 * DESCRIPTION
 *	engine_open() loads the configuration, opens every compiled table
 *	it names, reads and compiles the regex table and opens the
 *	certificate index and the CRLs of crl_files (certlife(3)). All or
 *	nothing: one missing or bad file fails the
 *	whole snapshot, so a daemon refuses to start, or keeps the snapshot
 *	it has. It also records what an admin should hear once: rules any
 *	CA's certificate could meet (not scoped to an issuer), a source
 *	newer than its compiled table, access-file lines that do not count,
 *	index certificates expired, expiring, revoked, CRLs out of date.
 *	engine_changed() says whether any file the snapshot was built from
 *	was replaced or touched since (stat only; the caller rate-limits),
 *	and gives a signature of the files as they are now, so a caller can
 *	tell "changed again" from "still the change that failed to load".
 *	engine_accelerate() starts building the regex set matcher in the
 *	background (rx_accelerate()): for an engine about to serve many
 *	decisions, before it is shared; a failure adds a warning.
 *	The accessors give what a front-end shows or asks: the
 *	configuration, the trace header's name ("" for none), the table of
 *	a kind, the regex table, the certificate index and the CRLs (NULL
 *	when not configured), and the i-th warning (NULL past the last).
 *	engine_ldap_stats() writes " ldap-cache: fingerprint=H/M ..." (the
 *	hits and misses of each ldap: table's cache so far; "" without
 *	one) for a daemon's reload line, and returns its length.
 * DIAGNOSTICS
 *	engine_open(): 0, or -1 with file:line: what (the configuration line
 *	that names a table that cannot be opened; out of memory).
 * OWNERSHIP
 *	An engine's rules never change once open (the set matcher only
 *	makes them faster); engine_close() frees it (accepts
 *	NULL). Share it between threads through snap(3).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "certlife.h"
#include "engine_priv.h"
#include "ldaptab.h"

static void warn(struct engine *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* warn - remember one thing to tell the admin */
static void
warn(struct engine *e, const char *fmt, ...)
{
	va_list ap;

	if (e->nwarn >= ENGINE_MAX_WARN)
		return;
	va_start(ap, fmt);
	vsnprintf(e->warn[e->nwarn++], sizeof(e->warn[0]), fmt, ap);
	va_end(ap);
}

/* file_id - inode and mtime in ns; -1 if the file is not there */
static int
file_id(const char *path, long *ino, long *ns)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	*ino = (long)st.st_ino;
	*ns = (long)st.st_mtim.tv_sec * 1000000000L + st.st_mtim.tv_nsec;
	return 0;
}

/* watch - note a file's identity to see it change; a file not watched
 * would have its changes never seen, so that fails the snapshot */
static int
watch(struct engine *e, const char *path, const char *suffix,
    struct diag *d)
{
	struct engine_file *f;

	if (e->nfiles >= (int)(sizeof(e->files) / sizeof(e->files[0])))
		return diag_set(d, path, 0, "more files than an engine "
		    "watches");
	f = &e->files[e->nfiles];
	if (asprintf(&f->path, "%s%s", path, suffix) < 0) {
		f->path = NULL;
		return diag_set(d, path, 0, "out of memory");
	}
	(void)file_id(f->path, &f->ino, &f->mtime_ns);
	e->nfiles++;
	return 0;
}

/* at_line - turn a file error into "conf:line: what (file: what)" */
static int
at_line(struct engine *e, int line, struct diag *d)
{
	char inner[DIAG_FILE_MAX + DIAG_WHAT_MAX + 32];

	diag_str(d, inner, sizeof(inner));
	return diag_set(d, e->conf->path, line, "%s", inner);
}

/* open_tables - every compiled table the configuration names */
static int
open_tables(struct engine *e, struct diag *d)
{
	const struct conf *c = e->conf;
	int k;

	for (k = 0; k < TABLE_NKINDS; k++) {
		if (c->table[k] == NULL)
			continue;
		if (table_open(&e->t[k], c->table[k], (enum table_kind)k, d) < 0)
			return at_line(e, c->table_line[k], d);
		/* an ldap table's rules change in the directory (its
		 * cache_ttl); only its .cf is a file */
		if (strncmp(c->table[k], "ldap:", 5) == 0 ?
		    watch(e, c->table[k] + 5, "", d) < 0 :
		    watch(e, c->table[k], ".cdb", d) < 0)
			return -1;
		if (table_stale(e->t[k]))
			warn(e, "%s is newer than its compiled table: run "
			    "certrelay compile", c->table[k]);
		if (table_unscoped(e->t[k]) > 0)
			warn(e, "%s: %d rules are not scoped to an issuer: a "
			    "cert from any CA the MTA trusts can meet them",
			    c->table[k], table_unscoped(e->t[k]));
		if (table_ignored(e->t[k]) > 0)
			warn(e, "%s: %d lines with tags other than CERTISSUER: "
			    "and CERTSUBJECT: ignored", c->table[k],
			    table_ignored(e->t[k]));
	}
	return 0;
}

/* view_warnings - what an MTA's view of the certificate cannot show
 * the rules, said once at start */
static void
view_warnings(struct engine *e)
{
	const struct conf *c = e->conf;
	int k, names = c->regex_table != NULL;

	for (k = TABLE_SUBJECT; k < TABLE_NKINDS; k++)	/* rule tables */
		names |= c->table[k] != NULL && k != TABLE_SENDER;
	if (c->table[TABLE_FINGERPRINT] && names)
		warn(e, "%s: Postfix gives a milter no fingerprint: there, "
		    "pins (REJECT ones too) apply only in certrelay-policyd, "
		    "while the milter's name rules still relay",
		    c->table[TABLE_FINGERPRINT]);
	if (names && c->legacy_quoting)
		warn(e, "sendmail_openssl = legacy: Sendmail's names cannot "
		    "be read one way, so there only fingerprint and index rules "
		    "relay; say 3 if its OpenSSL is 3 or later");
}

/* life_warn - certlife_open()'s report, as warnings */
static void
life_warn(void *ctx, const char *what)
{
	warn(ctx, "%s", what);
}

/* open_life - crl_files, and what the index's certificates' dates and
 * the CRLs say, told once */
static int
open_life(struct engine *e, struct diag *d)
{
	int i;

	if (certlife_open(e->conf, e->ci, time(NULL), &e->crl, life_warn, e,
	    d) < 0)
		return -1;
	for (i = 0; i < e->conf->n_crl; i++)
		if (watch(e, e->conf->crl_files[i], "", d) < 0)
			return -1;
	return 0;
}

/* engine_open - a whole snapshot, or nothing */
int
engine_open(const char *conf_path, struct engine **ep, struct diag *d)
{
	struct engine *e;

	*ep = NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return diag_set(d, conf_path, 0, "out of memory");
	if (conf_load(conf_path, &e->conf, d) < 0)
		goto err;
	if (watch(e, conf_path, "", d) < 0 || open_tables(e, d) < 0)
		goto err;
	if (e->conf->regex_table) {
		if (rx_open(&e->rx, e->conf->regex_table, d) < 0) {
			if (d->line == 0)	/* the file, not a pattern */
				at_line(e, e->conf->regex_line, d);
			goto err;	/* else file:line of the pattern */
		}
		if (watch(e, e->conf->regex_table, "", d) < 0)
			goto err;
		if (rx_unscoped(e->rx) > 0)
			warn(e, "%s: %d rules are not scoped to an issuer: a "
			    "cert from any CA the MTA trusts can meet them",
			    e->conf->regex_table, rx_unscoped(e->rx));
	}
	if (e->conf->cert_index) {
		if (cindex_open(&e->ci, e->conf->cert_index, d) < 0) {
			at_line(e, e->conf->cert_index_line, d);
			goto err;
		}
		if (watch(e, e->conf->cert_index, ".cdb", d) < 0)
			goto err;
	}
	if (open_life(e, d) < 0)
		goto err;
	view_warnings(e);
	*ep = e;
	return 0;
err:
	engine_close(e);
	return -1;
}

/* engine_changed - a watched file was replaced or touched */
int
engine_changed(const struct engine *e, unsigned long *sig)
{
	const struct engine_file *f;
	long ino, ns;
	int i, changed = 0;

	*sig = 5381;
	for (i = 0; i < e->nfiles; i++) {
		f = &e->files[i];
		if (file_id(f->path, &ino, &ns) < 0) {
			changed = 1;
			*sig = *sig * 33 + 1;
			continue;
		}
		if (ino != f->ino || ns != f->mtime_ns)
			changed = 1;
		*sig = (*sig * 33) ^ (unsigned long)ino ^ (unsigned long)ns;
	}
	return changed;
}

/* engine_accelerate - start building the regex set matcher; a failure
 * leaves the rules one by one, and a warning */
void
engine_accelerate(struct engine *e)
{
	struct diag why;
	char buf[DIAG_FILE_MAX + DIAG_WHAT_MAX + 32];

	diag_clear(&why);
	if (e->rx != NULL && rx_accelerate(e->rx, 1, &why) < 0)
		warn(e, "regexes matched one by one: %s", diag_str(&why, buf,
		    sizeof(buf)));
}

/* engine_conf - the configuration the snapshot was built from */
const struct conf *
engine_conf(const struct engine *e)
{
	return e->conf;
}

/* engine_header_name - the trace header's name; "" for none */
const char *
engine_header_name(const struct engine *e)
{
	return e->conf->header_name;
}

/* engine_table - the compiled table of a kind; NULL if none */
const struct table *
engine_table(const struct engine *e, enum table_kind k)
{
	return (unsigned)k < TABLE_NKINDS ? e->t[k] : NULL;
}

/* engine_ldap_stats - each ldap table's cache hits/misses, for a log */
size_t
engine_ldap_stats(const struct engine *e, char *buf, size_t size)
{
	unsigned long hits, misses;
	size_t n = 0;
	int k, any = 0;

	if (size > 0)
		buf[0] = 0;
	for (k = 0; k < TABLE_NKINDS && n < size; k++) {
		if (e->t[k] == NULL || table_ldap(e->t[k]) == NULL)
			continue;
		ldaptab_stats(table_ldap(e->t[k]), &hits, &misses);
		n += (size_t)snprintf(buf + n, size - n, "%s %s=%lu/%lu",
		    any++ ? "" : " ldap-cache-hits/misses:",
		    table_kind_name((enum table_kind)k), hits, misses);
	}
	return n < size ? n : size - 1;
}

/* engine_rx - the regex table (its set matcher is built in place) */
struct rx *
engine_rx(const struct engine *e)
{
	return e->rx;
}

/* engine_cindex - the certificate index; NULL if none */
const struct cindex *
engine_cindex(const struct engine *e)
{
	return e->ci;
}

/* engine_crl - the CRLs of crl_files; NULL if none */
const struct crlset *
engine_crl(const struct engine *e)
{
	return e->crl;
}

/* engine_warning - the i-th thing to tell the admin; NULL past the last */
const char *
engine_warning(const struct engine *e, int i)
{
	return i >= 0 && i < e->nwarn ? e->warn[i] : NULL;
}

/* engine_close - free a snapshot; accepts NULL */
void
engine_close(struct engine *e)
{
	int k;

	if (e == NULL)
		return;
	for (k = 0; k < TABLE_NKINDS; k++)
		table_close(e->t[k]);
	rx_close(e->rx);
	cindex_close(e->ci);
	crl_close(e->crl);
	for (k = 0; k < e->nfiles; k++)
		free(e->files[k].path);
	conf_free(e->conf);
	free(e);
}
