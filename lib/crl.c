/*
 * crl - certificate revocation lists, verified against the site's CAs
 *
 * SYNOPSIS
 *	#include "crl.h"
 *	int	crl_open(struct crlset **sp, const char *ca_file,
 *		    struct diag *d);
 *	int	crl_parse(const char *name, const unsigned char *buf,
 *		    size_t len, STACK_OF(X509_CRL) **out, struct diag *d);
 *	int	crl_add(struct crlset *s, const char *file, X509_CRL *crl,
 *		    struct diag *d);
 *	int	crl_add_file(struct crlset *s, const char *path,
 *		    struct diag *d);
 *	int	crl_check(const struct crlset *s, X509 *cert, time_t now,
 *		    struct crl_status *st);
 *	int	crl_check_serial(const struct crlset *s,
 *		    const X509_NAME *issuer, const ASN1_INTEGER *serial,
 *		    time_t now, struct crl_status *st);
 *	int	crl_each(const struct crlset *s, crl_fn fn, void *ctx);
 *	int	crl_poison_key(struct crlset *s, const struct fp *key);
 *	int	crl_key_poisoned(const struct crlset *s,
 *		    const struct fp *key);
 *	int	crl_poisoned(const struct crlset *s);
 *	int	crl_count(const struct crlset *s);
 *	const char *crl_reason_name(int reason);
 *	int	crl_time(const ASN1_TIME *t, time_t *out);
 *	void	crl_format_time(time_t t, char *buf, size_t size);
 *	void	crl_close(struct crlset *s);
 * DESCRIPTION
 *	Postfix checks no CRL at all and Sendmail sends no serial number, so
 *	a revoked certificate that a fingerprint or a name rule relays goes
 *	on relaying. A crlset holds the CRLs the admin names (crl_files)
 *	and answers, for a certificate the index knows, whether its issuer
 *	revoked it.
 *
 *	crl_open() reads the CA file (index_ca_file, the MTA's client CA
 *	file): a CRL counts only if one of those CAs signed it, so nobody
 *	who can write a file the daemon reads can revoke or un-revoke at
 *	will. crl_parse() reads one file's bytes, PEM (one or more
 *	"X509 CRL" blocks) or DER (exactly one CRL, nothing after it).
 *	crl_add() keeps a CRL whose signature verifies (X509_CRL_verify())
 *	with the key of a CA of the file whose subject is the CRL's issuer
 *	and that may sign CRLs (keyUsage cRLSign, when it has a keyUsage);
 *	a delta CRL or a partial one (issuingDistributionPoint with
 *	indirectCRL or onlySomeReasons) is refused: what it leaves out is
 *	not "not revoked". crl_add_file() is crl_parse() then crl_add() of
 *	each CRL of a file.
 *
 *	crl_check() looks a certificate up in the CRLs of its issuer (same
 *	issuer name, as RFC 5280 scopes serial numbers):
 *	X509_CRL_get0_by_serial(), the revocation date and reasonCode of the
 *	entry. Listed in any of them is CRL_REVOKED (even by a CRL past its
 *	nextUpdate: a revocation is not undone by age); not listed is
 *	CRL_GOOD if one of them is still current at now, else CRL_STALE
 *	(the last nextUpdate in st->when). crl_check_serial() is the same
 *	for an issuer name and a serial number (what the index keeps of a
 *	certificate). The revoked lists are sorted at
 *	crl_add(), so a lookup takes no lock and threads may share a set.
 *	crl_each() calls fn for every CRL (a report); fn returning -1
 *	stops it.
 *
 *	A revoked certificate's public key stays in its holder's hands: a
 *	certificate made around it (self-signed) is not in any CRL, yet a
 *	public-key pin matches it. crl_poison_key() remembers such a key's
 *	digest (certlife(3) gives those of revoked index certificates);
 *	crl_key_poisoned() says whether a public-key digest is one of them
 *	(binary search: kept sorted as they come), crl_poisoned() how many.
 *
 *	crl_reason_name() is RFC 5280's name of a reasonCode
 *	("keyCompromise"; "unspecified" for CRL_NO_REASON). crl_time()
 *	converts an ASN1_TIME; crl_format_time() writes
 *	"2026-12-07 09:05:47 UTC" (CRL_TIME_MAX holds it).
 * DIAGNOSTICS
 *	crl_open(), crl_parse(), crl_add(), crl_add_file(): 0, or -1 with
 *	file: what (a CA file without certificates, a file without a CRL, a
 *	CRL no CA of the file signed). crl_check() returns st->verdict.
 *	crl_time(): 0, or -1 for a time it cannot read. crl_each(): 0, or
 *	-1 when fn stopped it.
 * OWNERSHIP
 *	*out of crl_parse() is the caller's (sk_X509_CRL_pop_free(...,
 *	X509_CRL_free)); crl_add() takes its own reference to crl. st->file
 *	and a crl_info's pointers live as long as the set. crl_close()
 *	accepts NULL.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "crl.h"

#define FILE_MAX	(64L * 1024 * 1024)	/* no CRL is larger */
#define PEM_TAG		"-----BEGIN X509 CRL-----"

struct ent {
	X509_CRL *crl;
	char	*file;
	time_t	last, next;		/* next 0: none */
	int	revoked;
};

struct crlset {
	STACK_OF(X509) *cas;
	char	*ca_file;
	struct ent *ents;
	int	n, size;
	struct fp *keys;		/* poisoned public keys, sorted */
	int	nkeys, akeys;
};

/* ssl_why - OpenSSL's last reason, for a diag */
static const char *
ssl_why(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	return r ? r : "unknown error";
}

/* crl_open - the CAs that may sign CRLs */
int
crl_open(struct crlset **sp, const char *ca_file, struct diag *d)
{
	struct crlset *s;
	X509_STORE *store = NULL;
	STACK_OF(X509_OBJECT) *objs;
	X509 *x;
	int i, r = -1;

	*sp = NULL;
	if (ca_file == NULL)
		return diag_set(d, NULL, 0, "no CA file to verify CRLs "
		    "against: set index_ca_file");
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->ca_file = strdup(ca_file)) == NULL ||
	    (s->cas = sk_X509_new_null()) == NULL ||
	    (store = X509_STORE_new()) == NULL) {
		diag_set(d, ca_file, 0, "out of memory");
		goto out;
	}
	ERR_clear_error();
	if (X509_STORE_load_file(store, ca_file) != 1) {
		diag_set(d, ca_file, 0, "cannot load the CA file: %s",
		    ssl_why());
		goto out;
	}
	objs = X509_STORE_get0_objects(store);
	for (i = 0; i < sk_X509_OBJECT_num(objs); i++)
		if ((x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs,
		    i))) != NULL && (!X509_up_ref(x) || !sk_X509_push(s->cas,
		    x))) {
			diag_set(d, ca_file, 0, "out of memory");
			goto out;
		}
	if (sk_X509_num(s->cas) == 0) {
		diag_set(d, ca_file, 0, "no certificate in the CA file");
		goto out;
	}
	*sp = s;
	s = NULL;
	r = 0;
out:
	X509_STORE_free(store);
	crl_close(s);
	return r;
}

/* parse_pem - every "X509 CRL" block; anything else in between is
 * skipped, as openssl does */
static int
parse_pem(const char *name, BIO *bio, STACK_OF(X509_CRL) *sk,
    struct diag *d)
{
	X509_CRL *crl;
	unsigned long e;

	for (;;) {
		ERR_clear_error();
		if ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) ==
		    NULL)
			break;
		if (!sk_X509_CRL_push(sk, crl)) {
			X509_CRL_free(crl);
			return diag_set(d, name, 0, "out of memory");
		}
	}
	e = ERR_peek_last_error();
	if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
	    ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
		e = 0;			/* the end of the file */
	if (e != 0)
		return diag_set(d, name, 0, "malformed PEM CRL (CRL %d): %s",
		    sk_X509_CRL_num(sk) + 1, ssl_why());
	if (sk_X509_CRL_num(sk) == 0)
		return diag_set(d, name, 0, "no CRL in this file");
	return 0;
}

/* crl_parse - PEM or DER bytes to CRLs */
int
crl_parse(const char *name, const unsigned char *buf, size_t len,
    STACK_OF(X509_CRL) **out, struct diag *d)
{
	STACK_OF(X509_CRL) *sk;
	const unsigned char *p = buf;
	X509_CRL *crl;
	BIO *bio;
	int r = -1;

	*out = NULL;
	if (len == 0)
		return diag_set(d, name, 0, "empty file: no CRL");
	if (len > (size_t)FILE_MAX)
		return diag_set(d, name, 0, "over %ld bytes: not a CRL",
		    FILE_MAX);
	if ((sk = sk_X509_CRL_new_null()) == NULL)
		return diag_set(d, name, 0, "out of memory");
	ERR_clear_error();
	if (memmem(buf, len, PEM_TAG, sizeof(PEM_TAG) - 1) != NULL) {
		if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
			diag_set(d, name, 0, "out of memory");
		else
			r = parse_pem(name, bio, sk, d);
		BIO_free(bio);
	} else if ((crl = d2i_X509_CRL(NULL, &p, (long)len)) == NULL)
		diag_set(d, name, 0, "neither a PEM nor a DER CRL: %s",
		    ssl_why());
	else if (p != buf + len || !sk_X509_CRL_push(sk, crl)) {
		diag_set(d, name, 0, p != buf + len ? "%zu bytes after the "
		    "DER CRL" : "out of memory", len - (size_t)(p - buf));
		X509_CRL_free(crl);
	} else
		r = 0;
	ERR_clear_error();
	if (r < 0)
		sk_X509_CRL_pop_free(sk, X509_CRL_free);
	else
		*out = sk;
	return r;
}

/* crl_time - an ASN1_TIME as time_t */
int
crl_time(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;

	*out = 0;
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*out = timegm(&tm);
	return 0;
}

/* crl_format_time - "2026-12-07 09:05:47 UTC" */
void
crl_format_time(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (size == 0)
		return;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, size, "(unreadable date)");
}

/* name_text - a DN for a message */
static void
name_text(const X509_NAME *n, char *buf, size_t size)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int k = 0;

	if (bio && X509_NAME_print_ex(bio, n, 0, XN_FLAG_RFC2253 &
	    ~ASN1_STRFLGS_ESC_MSB) >= 0)
		k = BIO_read(bio, buf, (int)size - 1);
	buf[k > 0 ? k : 0] = 0;
	BIO_free(bio);
}

/* signed_by_ca - a CA of the file, named as the CRL's issuer and allowed
 * to sign CRLs, signed it; else why not */
static int
signed_by_ca(const struct crlset *s, X509_CRL *crl, const char **why)
{
	const X509_NAME *iss = X509_CRL_get_issuer(crl);
	X509 *ca;
	int i;

	*why = "no CA of that name in the CA file";
	for (i = 0; i < sk_X509_num(s->cas); i++) {
		ca = sk_X509_value(s->cas, i);
		if (X509_NAME_cmp(X509_get_subject_name(ca), iss) != 0)
			continue;
		if ((X509_get_extension_flags(ca) & EXFLAG_KUSAGE) &&
		    !(X509_get_key_usage(ca) & KU_CRL_SIGN)) {
			*why = "that CA's keyUsage lacks cRLSign";
			continue;
		}
		if (X509_CRL_verify(crl, X509_get0_pubkey(ca)) == 1)
			return 1;
		*why = "bad signature: not signed by that CA of the CA file";
	}
	ERR_clear_error();
	return 0;
}

/* partial - a CRL that does not list every revoked certificate of its
 * issuer, or lists other issuers' */
static const char *
partial(X509_CRL *crl)
{
	ISSUING_DIST_POINT *idp;
	ASN1_INTEGER *delta;
	const char *why = NULL;
	int crit;

	if ((delta = X509_CRL_get_ext_d2i(crl, NID_delta_crl, &crit,
	    NULL)) != NULL || crit == -2) {
		ASN1_INTEGER_free(delta);
		return "a delta CRL: give the full CRL";
	}
	idp = X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point,
	    &crit, NULL);
	if (crit == -2)
		why = "more than one issuingDistributionPoint";
	else if (idp != NULL && idp->indirectCRL)
		why = "an indirect CRL: give each issuer's own CRL";
	else if (idp != NULL && idp->onlysomereasons != NULL)
		why = "a CRL for some reasons only: give the full CRL";
	ISSUING_DIST_POINT_free(idp);
	return why;
}

/* grow - room for one more entry */
static int
grow(struct crlset *s)
{
	struct ent *e;
	int size;

	if (s->n < s->size)
		return 0;
	size = s->size ? s->size * 2 : 8;
	if ((e = realloc(s->ents, (size_t)size * sizeof(*e))) == NULL)
		return -1;
	s->ents = e;
	s->size = size;
	return 0;
}

/* crl_add - keep a CRL one of the CAs signed */
int
crl_add(struct crlset *s, const char *file, X509_CRL *crl, struct diag *d)
{
	char iss[512];
	const char *why;
	ASN1_INTEGER *probe;
	X509_REVOKED *rev;
	struct ent *e;

	name_text(X509_CRL_get_issuer(crl), iss, sizeof(iss));
	if (!signed_by_ca(s, crl, &why))
		return diag_set(d, file, 0, "CRL of \"%s\" does not verify "
		    "against %s: %s", iss, s->ca_file, why);
	if ((why = partial(crl)) != NULL)
		return diag_set(d, file, 0, "CRL of \"%s\": %s", iss, why);
	if (grow(s) < 0)
		return diag_set(d, file, 0, "out of memory");
	e = &s->ents[s->n];
	memset(e, 0, sizeof(*e));
	if (crl_time(X509_CRL_get0_lastUpdate(crl), &e->last) < 0 ||
	    (X509_CRL_get0_nextUpdate(crl) != NULL &&
	    crl_time(X509_CRL_get0_nextUpdate(crl), &e->next) < 0))
		return diag_set(d, file, 0, "CRL of \"%s\": unreadable "
		    "lastUpdate or nextUpdate", iss);
	/* sorts the entries now, under OpenSSL's lock, rather than at the
	 * first lookup of some session thread */
	if ((probe = ASN1_INTEGER_new()) == NULL)
		return diag_set(d, file, 0, "out of memory");
	(void)X509_CRL_get0_by_serial(crl, &rev, probe);
	ASN1_INTEGER_free(probe);
	if ((e->file = strdup(file)) == NULL || !X509_CRL_up_ref(crl)) {
		free(e->file);
		return diag_set(d, file, 0, "out of memory");
	}
	e->crl = crl;
	e->revoked = sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl));
	if (e->revoked < 0)
		e->revoked = 0;
	s->n++;
	return 0;
}

/* read_all - a whole file, bounded */
static unsigned char *
read_all(const char *path, size_t *len, struct diag *d)
{
	unsigned char *buf = NULL;
	struct stat st;
	FILE *fp;

	if ((fp = fopen(path, "rb")) == NULL) {
		diag_set(d, path, 0, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fileno(fp), &st) < 0 || !S_ISREG(st.st_mode))
		diag_set(d, path, 0, "not a regular file");
	else if (st.st_size > FILE_MAX)
		diag_set(d, path, 0, "over %ld bytes: not a CRL", FILE_MAX);
	else if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		diag_set(d, path, 0, "out of memory");
	else if ((*len = fread(buf, 1, (size_t)st.st_size, fp)) !=
	    (size_t)st.st_size) {
		diag_set(d, path, 0, "cannot read: %s", strerror(errno));
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	return buf;
}

/* crl_add_file - every CRL of one file */
int
crl_add_file(struct crlset *s, const char *path, struct diag *d)
{
	STACK_OF(X509_CRL) *sk;
	unsigned char *buf;
	size_t len = 0;
	int i, r;

	if ((buf = read_all(path, &len, d)) == NULL)
		return -1;
	r = crl_parse(path, buf, len, &sk, d);
	free(buf);
	for (i = 0; r == 0 && i < sk_X509_CRL_num(sk); i++)
		r = crl_add(s, path, sk_X509_CRL_value(sk, i), d);
	sk_X509_CRL_pop_free(sk, X509_CRL_free);
	return r;
}

/* revoked - fill st from the CRL entry */
static void
revoked(const struct ent *e, X509_REVOKED *rev, struct crl_status *st)
{
	ASN1_ENUMERATED *reason;

	st->verdict = CRL_REVOKED;
	st->file = e->file;
	st->reason = CRL_NO_REASON;
	if ((reason = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL,
	    NULL)) != NULL) {
		st->reason = (int)ASN1_ENUMERATED_get(reason);
		ASN1_ENUMERATED_free(reason);
	}
	(void)crl_time(X509_REVOKED_get0_revocationDate(rev), &st->when);
}

/* crl_check - is cert revoked by its issuer's CRL? */
int
crl_check(const struct crlset *s, X509 *cert, time_t now,
    struct crl_status *st)
{
	return crl_check_serial(s, X509_get_issuer_name(cert),
	    X509_get0_serialNumber(cert), now, st);
}

/* crl_check_serial - is issuer's serial revoked by issuer's CRL? */
int
crl_check_serial(const struct crlset *s, const X509_NAME *iss,
    const ASN1_INTEGER *serial, time_t now, struct crl_status *st)
{
	const struct ent *e, *stale = NULL, *fresh = NULL;
	X509_REVOKED *rev;
	int i, any = 0;

	memset(st, 0, sizeof(*st));
	st->reason = CRL_NO_REASON;
	for (i = 0; s != NULL && i < s->n; i++) {
		e = &s->ents[i];
		if (X509_NAME_cmp(X509_CRL_get_issuer(e->crl), iss) != 0)
			continue;
		any = 1;
		/* 2 is removeFromCRL (delta CRLs only): not revoked. The
		 * issuer matched: no indirect CRL is kept */
		if (X509_CRL_get0_by_serial(e->crl, &rev,
		    (ASN1_INTEGER *)serial) == 1) {
			revoked(e, rev, st);
			return st->verdict;
		}
		if (e->next == 0 || now < e->next)
			fresh = fresh ? fresh : e;
		else if (stale == NULL || e->next > stale->next)
			stale = e;
	}
	if (!any)
		st->verdict = CRL_NONE;
	else if (fresh != NULL) {
		st->verdict = CRL_GOOD;
		st->file = fresh->file;
	} else {
		st->verdict = CRL_STALE;
		st->file = stale->file;
		st->when = stale->next;
	}
	return st->verdict;
}

/* crl_each - every CRL, for a report */
int
crl_each(const struct crlset *s, crl_fn fn, void *ctx)
{
	struct crl_info ci;
	int i;

	for (i = 0; s != NULL && i < s->n; i++) {
		ci.file = s->ents[i].file;
		ci.issuer = X509_CRL_get_issuer(s->ents[i].crl);
		ci.last = s->ents[i].last;
		ci.next = s->ents[i].next;
		ci.revoked = s->ents[i].revoked;
		if (fn(ctx, &ci) < 0)
			return -1;
	}
	return 0;
}

/* key_cmp - by algorithm, then digest */
static int
key_cmp(const struct fp *a, const struct fp *b)
{
	if (a->alg != b->alg)
		return a->alg < b->alg ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->md, b->md, a->len);
}

/* key_find - where key is, or would go; *found says which */
static int
key_find(const struct crlset *s, const struct fp *key, int *found)
{
	int lo = 0, hi = s->nkeys, mid, c;

	*found = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = key_cmp(&s->keys[mid], key)) == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* crl_poison_key - a revoked certificate's public-key digest */
int
crl_poison_key(struct crlset *s, const struct fp *key)
{
	struct fp *k;
	int at, found;

	if (key->len > FP_MAX)
		return -1;
	at = key_find(s, key, &found);
	if (found)
		return 0;
	if (s->nkeys == s->akeys) {
		if ((k = realloc(s->keys, (size_t)(s->akeys ? s->akeys * 2 :
		    16) * sizeof(*k))) == NULL)
			return -1;
		s->keys = k;
		s->akeys = s->akeys ? s->akeys * 2 : 16;
	}
	memmove(&s->keys[at + 1], &s->keys[at], (size_t)(s->nkeys - at) *
	    sizeof(*s->keys));
	s->keys[at] = *key;
	s->nkeys++;
	return 0;
}

/* crl_key_poisoned - a public-key digest of a revoked certificate? */
int
crl_key_poisoned(const struct crlset *s, const struct fp *key)
{
	int found;

	if (s == NULL || s->nkeys == 0 || key->len > FP_MAX)
		return 0;
	(void)key_find(s, key, &found);
	return found;
}

/* crl_poisoned - poisoned key digests */
int
crl_poisoned(const struct crlset *s)
{
	return s != NULL ? s->nkeys : 0;
}

/* crl_count - CRLs in the set */
int
crl_count(const struct crlset *s)
{
	return s != NULL ? s->n : 0;
}

/* crl_reason_name - RFC 5280's name of a reasonCode */
const char *
crl_reason_name(int reason)
{
	static const char *const names[] = {
		"unspecified", "keyCompromise", "cACompromise",
		"affiliationChanged", "superseded", "cessationOfOperation",
		"certificateHold", "unknown (7)", "removeFromCRL",
		"privilegeWithdrawn", "aACompromise",
	};

	if (reason == CRL_NO_REASON)
		return "unspecified";
	if (reason < 0 || reason >= (int)(sizeof(names) / sizeof(names[0])))
		return "unknown";
	return names[reason];
}

/* crl_close - free a set; accepts NULL */
void
crl_close(struct crlset *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		X509_CRL_free(s->ents[i].crl);
		free(s->ents[i].file);
	}
	free(s->ents);
	free(s->keys);
	sk_X509_pop_free(s->cas, X509_free);
	free(s->ca_file);
	free(s);
}
