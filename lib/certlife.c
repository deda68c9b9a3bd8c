/*
 * certlife - expiry and revocation of the certificates the index knows
 *
 * SYNOPSIS
 *	#include "certlife.h"
 *	void	certlife_judge(const struct crlset *crls, X509 *cert,
 *		    time_t now, struct certlife *l);
 *	void	certlife_keys(const struct crlset *crls,
 *		    const struct fp *fps, int nfp, struct certlife *l);
 *	void	certlife_apply(const struct certlife *l,
 *		    const struct conf *c, struct decision *dec, char *note,
 *		    size_t size);
 *	int	certlife_withdrawn(const struct decision *dec);
 *	int	certlife_open(const struct conf *c, const struct cindex *ci,
 *		    time_t now, struct crlset **out, certlife_warn_fn warn,
 *		    void *ctx, struct diag *d);
 *	void	certlife_describe(const struct certlife *l, char *buf,
 *		    size_t size);
 * DESCRIPTION
 *	A pin authenticates one certificate whatever its dates (Postfix's
 *	own fingerprint match ignores them), and neither MTA checks a CRL
 *	for a client. When the index knows the presented certificate by its
 *	own fingerprint, its copy has the dates, the issuer and the serial
 *	number, so the engine can do both checks itself.
 *
 *	certlife_judge() reads them at now: expired (after notAfter), not
 *	yet valid (before notBefore), and what crl_check() says. A time
 *	that cannot be read counts as past (a refusal is never weaker).
 *	certlife_keys() looks the presented certificate's public-key
 *	digests up among the keys of revoked index certificates: whoever
 *	holds a revoked certificate's key can make another certificate
 *	around it, which no CRL lists and which a public-key pin still
 *	matches (Postfix sends ccert_pubkey_fingerprint for any
 *	certificate). A key that a certificate of the index still valid
 *	holds too (a renewal that kept its key) is not one of them.
 *	certlife_apply() then overrides the certificate's decision, after
 *	every rule has had its say, so no rule of any kind outweighs it:
 *	- revoked, or the key of a revoked index certificate: REJECT 550
 *	  5.7.1 with the revocation date and reason (kind revoked), whatever
 *	  the rules said;
 *	- expired or not yet valid, where a rule relays: with pin_expiry =
 *	  enforce REJECT 550 5.7.1 naming the date (kind expired); with
 *	  warn it relays, and the note says so;
 *	- its issuer's CRLs all past nextUpdate, where a rule relays: with
 *	  crl_stale = tempfail 451 4.7.1 (kind crl-stale), the CRL cannot
 *	  vouch for it; with ignore it relays, and the note says so.
 *	The rule's table and line stay in the decision (what would have
 *	relayed). note gets what the log line should say ("" when nothing).
 *	certlife_withdrawn() tells decide() that such an expired or stale
 *	refusal only takes away the certificate's relay: a local recipient,
 *	AUTH over TLS and trusted_networks still count.
 *
 *	certlife_open() loads crl_files (each file, PEM or DER, verified
 *	against index_ca_file: crl(3)), gives the set the public keys of the
 *	revoked index certificates (crl_poison_key()), and reports through
 *	warn (NULL: nothing reported): CRLs past
 *	their nextUpdate, index certificates expired, expiring within
 *	expiry_warn_days, revoked, and how many index certificates no CRL
 *	covers. At most CERTLIFE_LIST_MAX lines of each sort, then a count.
 *	certlife_describe() writes one line on a certificate's life, for
 *	certrelay cert --index.
 * DIAGNOSTICS
 *	certlife_open(): 0, or -1 with conf:line: file: what for a CRL that
 *	does not load or verify, crl_files without cert_index or
 *	index_ca_file, or an index that cannot be read. *out is NULL when
 *	no crl_files are set.
 * OWNERSHIP
 *	*out is the caller's (crl_close()). l->crl.file points into the
 *	crlset given to certlife_judge().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certlife.h"

/* certlife_judge - the dates and the CRLs, at now */
void
certlife_judge(const struct crlset *crls, X509 *cert, time_t now,
    struct certlife *l)
{
	memset(l, 0, sizeof(*l));
	l->known = 1;
	l->expired = crl_time(X509_get0_notAfter(cert), &l->not_after) < 0 ||
	    now > l->not_after;
	l->not_yet = crl_time(X509_get0_notBefore(cert), &l->not_before) < 0 ||
	    now < l->not_before;
	if (crls != NULL)
		(void)crl_check(crls, cert, now, &l->crl);
}

/* certlife_keys - is one of the public-key digests a revoked key? */
void
certlife_keys(const struct crlset *crls, const struct fp *fps, int nfp,
    struct certlife *l)
{
	int k;

	for (k = 0; k < nfp; k++)
		if (fps[k].pubkey && crl_key_poisoned(crls, &fps[k]))
			l->key_revoked = 1;
}

/* refuse - a decision of our own; the rule's table and line stay */
static void
refuse(struct decision *dec, enum act a, enum dec_kind kind,
    const char *code, const char *dsn, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void
refuse(struct decision *dec, enum act a, enum dec_kind kind,
    const char *code, const char *dsn, const char *fmt, ...)
{
	va_list ap;

	dec->action = a;
	dec->kind = kind;
	snprintf(dec->code, sizeof(dec->code), "%s", code);
	snprintf(dec->dsn, sizeof(dec->dsn), "%s", dsn);
	va_start(ap, fmt);
	vsnprintf(dec->text, sizeof(dec->text), fmt, ap);
	va_end(ap);
}

/* add_note - "; "-separated */
static void
add_note(char *note, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
add_note(char *note, size_t size, const char *fmt, ...)
{
	size_t n = strlen(note);
	va_list ap;

	if (n > 0 && n + 2 < size) {
		memcpy(note + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(note + n, size - n, fmt, ap);
	va_end(ap);
}

/* apply_dates - an expired or not yet valid certificate's relay */
static void
apply_dates(const struct certlife *l, const struct conf *c,
    struct decision *dec, char *note, size_t size)
{
	char when[CRL_TIME_MAX];
	const char *what = l->expired ? "expired on" : "not valid before";

	crl_format_time(l->expired ? l->not_after : l->not_before, when,
	    sizeof(when));
	if (dec->action != ACT_RELAY)
		add_note(note, size, "certificate %s %s", what, when);
	else if (c->pin_expiry_warn)
		add_note(note, size, "certificate %s %s: relayed all the same "
		    "(pin_expiry = warn)", what, when);
	else {
		refuse(dec, ACT_REJECT, KIND_EXPIRED, "550", "5.7.1",
		    "Client certificate %s %s: not relayed", what, when);
		add_note(note, size, "certificate %s %s: its relay withdrawn "
		    "(pin_expiry = enforce)", what, when);
	}
}

/* certlife_apply - what expiry and the CRLs make of a decision */
void
certlife_apply(const struct certlife *l, const struct conf *c,
    struct decision *dec, char *note, size_t size)
{
	char when[CRL_TIME_MAX];
	const char *why;

	note[0] = 0;
	if (l->key_revoked && l->crl.verdict != CRL_REVOKED) {
		refuse(dec, ACT_REJECT, KIND_REVOKED, "550", "5.7.1",
		    "Client certificate's key is a revoked certificate's");
		add_note(note, size, "the public key of a revoked index "
		    "certificate, in a certificate no CRL lists");
		return;
	}
	if (!l->known)
		return;
	if (l->crl.verdict == CRL_REVOKED) {
		crl_format_time(l->crl.when, when, sizeof(when));
		why = crl_reason_name(l->crl.reason);
		refuse(dec, ACT_REJECT, KIND_REVOKED, "550", "5.7.1",
		    "Client certificate revoked on %s, reason %s", when, why);
		add_note(note, size, "certificate revoked on %s, reason %s, "
		    "by %s", when, why, l->crl.file);
		return;
	}
	if (l->expired || l->not_yet)
		apply_dates(l, c, dec, note, size);
	if (l->crl.verdict != CRL_STALE || dec->action != ACT_RELAY)
		return;
	crl_format_time(l->crl.when, when, sizeof(when));
	if (c->crl_stale_ignore) {
		add_note(note, size, "%s past its nextUpdate %s: relayed "
		    "unchecked (crl_stale = ignore)", l->crl.file, when);
		return;
	}
	refuse(dec, ACT_TEMPFAIL, KIND_CRL_STALE, "451", "4.7.1",
	    "Revocation list of the client certificate's CA out of date, "
	    "try again later");
	add_note(note, size, "%s past its nextUpdate %s: no relay until a "
	    "fresh CRL is loaded (crl_stale = tempfail)", l->crl.file, when);
}

/* certlife_withdrawn - a refusal that only takes the relay away */
int
certlife_withdrawn(const struct decision *dec)
{
	return dec->kind == KIND_EXPIRED || dec->kind == KIND_CRL_STALE;
}

/* certlife_describe - one line for certrelay cert --index */
void
certlife_describe(const struct certlife *l, char *buf, size_t size)
{
	char when[CRL_TIME_MAX], crl[CRL_TIME_MAX + 300];

	crl_format_time(l->crl.when, when, sizeof(when));
	switch (l->crl.verdict) {
	case CRL_REVOKED:
		snprintf(buf, size, "REVOKED on %s, reason %s (%s): refused",
		    when, crl_reason_name(l->crl.reason), l->crl.file);
		return;
	case CRL_STALE:
		snprintf(crl, sizeof(crl), "not revoked, but %s is past its "
		    "nextUpdate %s", l->crl.file, when);
		break;
	case CRL_GOOD:
		snprintf(crl, sizeof(crl), "not revoked (%s)", l->crl.file);
		break;
	default:
		snprintf(crl, sizeof(crl), "no CRL of its issuer");
		break;
	}
	crl_format_time(l->expired ? l->not_after : l->not_before, when,
	    sizeof(when));
	if (l->expired || l->not_yet)
		snprintf(buf, size, "%s %s; %s", l->expired ? "EXPIRED on" :
		    "NOT VALID before", when, crl);
	else
		snprintf(buf, size, "valid; %s", crl);
}

/* What the report has seen so far. */
struct report {
	const struct conf *c;
	const struct crlset *crls;
	time_t	now;
	certlife_warn_fn warn;
	void	*ctx;
	int	n[3];			/* expired, expiring, revoked */
	long	uncovered;		/* index certificates no CRL covers */
	X509_NAME *iss;			/* the last issuer decoded, */
	const unsigned char *iss_der;	/* its DER (in the index's map) */
	size_t	iss_len;
	struct rkey {			/* a key, and whether it is revoked */
		struct fp fp[FP_SHA512 + 1];	/* its digests, by alg */
		int	revoked;
	} *keys;
	size_t	nkeys, akeys;
	int	oom;
};

enum { R_EXPIRED, R_SOON, R_REVOKED };

/* say - one line of a sort, or none past CERTLIFE_LIST_MAX */
static void
say(struct report *r, int sort, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
say(struct report *r, int sort, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if ((sort >= 0 && r->n[sort]++ >= CERTLIFE_LIST_MAX) ||
	    r->warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	r->warn(r->ctx, line);
}

/* keep_key - an index certificate's key, revoked or not */
static void
keep_key(struct report *r, const struct cindex_life *l, int revoked)
{
	static const size_t len[] = { 16, 20, 32, 64 };
	struct rkey *k;
	int a;

	if (r->crls == NULL)
		return;			/* nothing is revoked */
	if (r->nkeys == r->akeys) {
		r->akeys = r->akeys ? r->akeys * 2 : 64;
		if ((k = realloc(r->keys, r->akeys * sizeof(*k))) == NULL) {
			r->oom = 1;
			r->akeys = r->nkeys;
			return;
		}
		r->keys = k;
	}
	k = &r->keys[r->nkeys++];
	k->revoked = revoked;
	for (a = FP_MD5; a <= FP_SHA512; a++) {
		k->fp[a].alg = (enum fp_alg)a;
		k->fp[a].pubkey = 1;
		k->fp[a].len = len[a];
		memcpy(k->fp[a].md, l->pk[a], len[a]);
	}
}

/* rkey_cmp - by the key's sha256, revoked last (qsort) */
static int
rkey_cmp(const void *x, const void *y)
{
	const struct rkey *a = x, *b = y;
	int c = memcmp(a->fp[FP_SHA256].md, b->fp[FP_SHA256].md, 32);

	return c ? c : a->revoked - b->revoked;
}

/* poison - the keys only revoked certificates of the index hold: a
 * renewal that kept its key is still valid, and so is its key */
static int
poison(struct report *r, struct crlset *crls, struct diag *d)
{
	size_t i, j;
	int a;

	if (r->oom)
		return diag_set(d, r->c->cert_index, 0, "out of memory");
	qsort(r->keys, r->nkeys, sizeof(*r->keys), rkey_cmp);
	for (i = 0; i < r->nkeys; i = j) {
		for (j = i + 1; j < r->nkeys && memcmp(r->keys[j].fp[
		    FP_SHA256].md, r->keys[i].fp[FP_SHA256].md, 32) == 0; j++)
			;
		if (!r->keys[i].revoked)	/* sorted: one valid holder */
			continue;
		for (a = FP_MD5; a <= FP_SHA512; a++)
			if (crl_poison_key(crls, &r->keys[i].fp[a]) < 0)
				return diag_set(d, r->c->cert_index, 0,
				    "out of memory");
	}
	return 0;
}

/* life_crl - what the CRLs say of an index entry (its issuer and
 * serial as the index keeps them); most entries share an issuer, so the
 * last one decoded is kept */
static void
life_crl(struct report *r, const struct cindex_life *l,
    struct crl_status *st)
{
	const unsigned char *p;
	ASN1_INTEGER *ser;

	memset(st, 0, sizeof(*st));
	st->verdict = CRL_NONE;
	if (r->iss == NULL || l->issuer_len != r->iss_len ||
	    memcmp(l->issuer, r->iss_der, r->iss_len) != 0) {
		X509_NAME_free(r->iss);
		p = l->issuer;
		r->iss = d2i_X509_NAME(NULL, &p, (long)l->issuer_len);
		r->iss_der = l->issuer;
		r->iss_len = l->issuer_len;
	}
	p = l->serial;
	ser = d2i_ASN1_INTEGER(NULL, &p, (long)l->serial_len);
	if (r->iss != NULL && ser != NULL)
		(void)crl_check_serial(r->crls, r->iss, ser, r->now, st);
	ASN1_INTEGER_free(ser);
}

/* report_cert - cindex_each_life() callback */
static int
report_cert(void *ctx, const struct cindex_life *l)
{
	struct report *r = ctx;
	struct crl_status st;
	char when[CRL_TIME_MAX];
	long days;

	memset(&st, 0, sizeof(st));
	if (r->crls != NULL)
		life_crl(r, l, &st);
	keep_key(r, l, st.verdict == CRL_REVOKED);
	if (st.verdict == CRL_REVOKED) {
		crl_format_time(st.when, when, sizeof(when));
		say(r, R_REVOKED, "%s: %s: revoked on %s, reason %s (%s): "
		    "refused", l->file, l->subject, when,
		    crl_reason_name(st.reason), st.file);
	} else if (st.verdict == CRL_NONE && r->crls != NULL)
		r->uncovered++;
	crl_format_time(l->not_after, when, sizeof(when));
	days = (long)((l->not_after - r->now) / 86400);
	if (l->not_after == 0 || r->now > l->not_after)
		say(r, R_EXPIRED, "%s: %s: expired on %s: pins of it %s",
		    l->file, l->subject, when, r->c->pin_expiry_warn ?
		    "still relay (pin_expiry = warn)" : "no longer relay");
	else if (r->c->expiry_warn_days > 0 &&
	    days < r->c->expiry_warn_days)
		say(r, R_SOON, "%s: %s: expires on %s, in %ld days", l->file,
		    l->subject, when, days);
	return 0;
}

/* report_crl - crl_each() callback: a CRL past its nextUpdate */
static int
report_crl(void *ctx, const struct crl_info *ci)
{
	struct report *r = ctx;
	char when[CRL_TIME_MAX];

	if (ci->next == 0 || r->now < ci->next)
		return 0;
	crl_format_time(ci->next, when, sizeof(when));
	say(r, -1, "%s: CRL past its nextUpdate %s: %s", ci->file, when,
	    r->c->crl_stale_ignore ? "its CA's certificates relay unchecked "
	    "(crl_stale = ignore)" : "its CA's certificates get 4xx rather "
	    "than relay until a fresh CRL is loaded (crl_stale = tempfail)");
	return 0;
}

/* report - every line, then the counts past the lists */
static int
report(struct report *r, const struct cindex *ci, struct diag *d)
{
	static const char *const sorts[] = { "expired", "expiring",
	    "revoked" };
	int k;

	(void)crl_each(r->crls, report_crl, r);
	if (ci != NULL && cindex_each_life(ci, report_cert, r, d) < 0)
		return -1;
	for (k = 0; k < 3; k++)
		if (r->n[k] > CERTLIFE_LIST_MAX)
			say(r, -1, "%s: %d more %s certificates: certrelay cert "
			    "-c %s --index lists them", r->c->cert_index,
			    r->n[k] - CERTLIFE_LIST_MAX, sorts[k], r->c->path);
	if (r->uncovered > 0)
		say(r, -1, "%s: %ld certificates have no CRL of their issuer "
		    "in crl_files: their revocation is not checked",
		    r->c->cert_index, r->uncovered);
	return 0;
}

/* load - crl_files, each verified against index_ca_file */
static int
load(const struct conf *c, struct crlset **out, struct diag *d)
{
	char inner[DIAG_FILE_MAX + DIAG_WHAT_MAX + 32];
	int i;

	if (c->cert_index == NULL)
		return diag_set(d, c->path, c->crl_line, "crl_files needs "
		    "cert_index: a CRL names certificates by serial number, "
		    "which only the index's copy of a certificate has");
	if (c->index_ca_file == NULL)
		return diag_set(d, c->path, c->crl_line, "crl_files needs "
		    "index_ca_file, the CA file CRLs are verified against");
	if (crl_open(out, c->index_ca_file, d) < 0)
		goto err;
	for (i = 0; i < c->n_crl; i++)
		if (crl_add_file(*out, c->crl_files[i], d) < 0)
			goto err;
	return 0;
err:
	crl_close(*out);
	*out = NULL;
	diag_str(d, inner, sizeof(inner));
	return diag_set(d, c->path, c->crl_line, "%s", inner);
}

/* certlife_open - the CRLs, revoked keys, what the admin should hear */
int
certlife_open(const struct conf *c, const struct cindex *ci, time_t now,
    struct crlset **out, certlife_warn_fn warn, void *ctx, struct diag *d)
{
	struct report r;
	int ret = 0;

	*out = NULL;
	if (c->n_crl > 0 && load(c, out, d) < 0)
		return -1;
	if (warn == NULL && *out == NULL)
		return 0;
	memset(&r, 0, sizeof(r));
	r.c = c;
	r.crls = *out;
	r.now = now;
	r.warn = warn;
	r.ctx = ctx;
	if (report(&r, ci, d) < 0 || (*out != NULL && poison(&r, *out,
	    d) < 0)) {
		crl_close(*out);
		*out = NULL;
		ret = -1;
	}
	free(r.keys);
	X509_NAME_free(r.iss);
	return ret;
}
