/*
 * cindex - the certificate index: fingerprint -> the whole certificate
 *
 * SYNOPSIS
 *	#include "cindex.h"
 *	int	cindex_compile(const char *dir, const char *out,
 *		    const struct cindex_opts *o, struct cindex_stats *st,
 *		    struct diag *d);
 *	int	cindex_open(struct cindex **cp, const char *dir,
 *		    struct diag *d);
 *	int	cindex_lookup(const struct cindex *c, const struct fp *fp,
 *		    X509 **cert, unsigned *flags, struct diag *d);
 *	int	cindex_each(const struct cindex *c, cindex_fn fn, void *ctx,
 *		    struct diag *d);
 *	int	cindex_each_life(const struct cindex *c, cindex_life_fn fn,
 *		    void *ctx, struct diag *d);
 *	long	cindex_count(const struct cindex *c);
 *	long	cindex_verified(const struct cindex *c);
 *	void	cindex_close(struct cindex *c);
 * DESCRIPTION
 *	Postfix shows a policy server only fingerprints and CNs; Sendmail
 *	shows no public-key fingerprint and cuts long DNs. The admin's own
 *	directory of client certificates (PEM, any number a file) fills the
 *	gap: cindex_compile() writes a CDB (same atomic rename as tables)
 *	from the md5, sha1, sha256 and sha512 digests of each certificate
 *	to the DER certificate, the file it came from and its flags.
 *	cindex_lookup() gives the certificate back, so a fingerprint the MTA
 *	saw can be judged on the full subject, issuer, subjectAltName e-mail
 *	addresses and public key.
 *
 *	Only a certificate's own digests are keys, never its public key's:
 *	a public-key fingerprint finds nothing (0), so another certificate
 *	with the same key (an old one, or one made around a stolen key)
 *	never lends its names to the one presented.
 *
 *	cindex_compile() verifies each certificate against o->ca_file (the
 *	MTA's client CA file) with X509_verify_cert(), purpose SSL client,
 *	the other certificates of its file as untrusted intermediates, and
 *	no time check (the MTA checks the time at each handshake; expiry is
 *	reported apart). CINDEX_VERIFIED marks what chains. An entry that
 *	does not (a self-signed partner that is pinned) stays in the index,
 *	but its names must never count as verified; without o->ca_file no
 *	entry is verified. Through o->warn it reports what does not verify
 *	and why, what is expired or not yet valid, what expires within
 *	o->warn_days days (0: not reported), two entries that share a
 *	public key, a symbolic link or other non-regular file (skipped: the
 *	index follows no link) and a missing o->ca_file.
 *
 *	Each certificate also gets a life record: its dates, issuer and
 *	serial number (DER), public-key digests, file and subject.
 *	cindex_each_life() reads those without decoding any certificate
 *	(d2i_X509() costs tens of microseconds with OpenSSL 3, and the
 *	daemons look at every entry's dates and CRL status at each
 *	reload). cindex_each() gives each whole certificate once.
 *
 *	An index written by an older certrelay does not open: its keys and
 *	records mean something else ("recompile").
 * DIAGNOSTICS
 *	cindex_lookup(): 1 found, 0 not found, -1 error. Others 0, or -1 with
 *	file: what (a file that holds no certificate, or a CA file that
 *	cannot be read or holds none, fails the index).
 * OWNERSHIP
 *	*cert from cindex_lookup() is the caller's (X509_free()). The X509
 *	given to a cindex_fn is freed after the call. o and its strings are
 *	the caller's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cdb.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "cindex.h"

#define META_KEY	"\0certrelay-index"
#define META_KLEN	16
#define FORMAT		"3"		/* own-digest keys, flags, life */
#define LIFE_KEY	'L'		/* + the certificate's sha256 */
#define LIFE_FIXED	(8 + 8 + 1 + 2 + 2 + 16 + 20 + 32 + 64)

struct cindex {
	struct cdb cdb;
	int	fd;
	long	count, verified;
};

/* What one entry's key is, for the shared-key report. */
struct seen {
	unsigned char pk[32], cert[32];
	char	*file;
};

/* One compile's state. */
struct build {
	struct cdb_make cm;
	const struct cindex_opts *o;
	struct cindex_stats *st;
	X509_STORE *store;
	struct seen *seen;
	size_t	nseen, aseen;
};

/* report - one line for the admin */
static void __attribute__((format(printf, 3, 4)))
report(struct build *b, const char *file, const char *fmt, ...)
{
	char what[1024];
	va_list ap;

	b->st->warnings++;
	if (b->o == NULL || b->o->warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	b->o->warn(b->o->ctx, file, what);
}

/* label - a certificate's subject, as the admin reads it */
static void
label(X509 *cert, char *buf, size_t size)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int n = 0;

	if (bio && X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0,
	    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0)
		n = BIO_read(bio, buf, (int)size - 1);
	buf[n > 0 ? n : 0] = 0;
	BIO_free(bio);
}

/* date - an ASN1_TIME as OpenSSL prints it */
static void
date(const ASN1_TIME *t, char *buf, size_t size)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int n = 0;

	if (bio && ASN1_TIME_print(bio, t) == 1)
		n = BIO_read(bio, buf, (int)size - 1);
	buf[n > 0 ? n : 0] = 0;
	BIO_free(bio);
}

/* load_cas - the CA file index certificates must chain to */
static int
load_cas(struct build *b, const char *dir, struct diag *d)
{
	const char *ca = b->o ? b->o->ca_file : NULL;
	unsigned long e;

	if (ca == NULL) {
		report(b, dir, "no index_ca_file: no index certificate counts "
		    "as verified, so none gives names (fingerprints still "
		    "apply); set index_ca_file to the MTA's client CA file");
		return 0;
	}
	ERR_clear_error();
	if ((b->store = X509_STORE_new()) == NULL)
		return diag_set(d, ca, 0, "out of memory");
	if (X509_STORE_load_file(b->store, ca) != 1) {
		e = ERR_peek_last_error();
		return diag_set(d, ca, 0, "cannot load the CA file: %s",
		    e ? ERR_reason_error_string(e) : "unknown error");
	}
	if (sk_X509_OBJECT_num(X509_STORE_get0_objects(b->store)) <= 0)
		return diag_set(d, ca, 0, "no certificate in the CA file");
	return 0;
}

/* verify - cert chains to the CA file as an SSL client, time aside */
static int
verify(struct build *b, X509 *cert, STACK_OF(X509) *chain,
    const char **why)
{
	X509_STORE_CTX *ctx;
	int ok = 0;

	*why = "no index_ca_file";
	if (b->store == NULL)
		return 0;
	*why = "out of memory";
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    !X509_STORE_CTX_init(ctx, b->store, cert, chain)) {
		X509_STORE_CTX_free(ctx);
		return 0;
	}
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
	if ((ok = (X509_verify_cert(ctx) == 1)) == 0)
		*why = X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(ctx));
	X509_STORE_CTX_free(ctx);
	return ok;
}

/* remember - cert's digests, for the shared-key report */
static int
remember(struct build *b, const char *file, X509 *cert, struct diag *d)
{
	struct seen *s;
	struct fp pk, c;

	if (b->nseen == b->aseen) {
		b->aseen = b->aseen ? b->aseen * 2 : 64;
		if ((s = realloc(b->seen, b->aseen * sizeof(*s))) == NULL)
			return diag_set(d, file, 0, "out of memory");
		b->seen = s;
	}
	s = &b->seen[b->nseen];
	if (fp_of_cert(cert, FP_SHA256, 1, &pk, d) < 0 ||
	    fp_of_cert(cert, FP_SHA256, 0, &c, d) < 0)
		return -1;
	memcpy(s->pk, pk.md, sizeof(s->pk));
	memcpy(s->cert, c.md, sizeof(s->cert));
	if ((s->file = strdup(file)) == NULL)
		return diag_set(d, file, 0, "out of memory");
	b->nseen++;
	return 0;
}

/* seen_cmp - by public key, then file (qsort) */
static int
seen_cmp(const void *x, const void *y)
{
	const struct seen *a = x, *b = y;
	int r = memcmp(a->pk, b->pk, sizeof(a->pk));

	return r ? r : strcmp(a->file, b->file);
}

/* report_shared - two entries with one public key: a renewal that kept
 * its key, a copy, or a certificate made around someone's key */
static void
report_shared(struct build *b)
{
	size_t i;

	qsort(b->seen, b->nseen, sizeof(*b->seen), seen_cmp);
	for (i = 1; i < b->nseen; i++)
		if (memcmp(b->seen[i].cert, b->seen[i - 1].cert, 32) == 0)
			report(b, b->seen[i].file, "the same certificate as "
			    "%s", b->seen[i - 1].file);
		else if (memcmp(b->seen[i].pk, b->seen[i - 1].pk, 32) == 0)
			report(b, b->seen[i].file, "a certificate with the "
			    "same public key as %s: a key pin matches both",
			    b->seen[i - 1].file);
}

/* add_cert - every digest of cert (not of its key) -> flags file\0DER */
static int
add_cert(struct build *b, const char *file, X509 *cert, unsigned flags,
    struct diag *d)
{
	unsigned char *der = NULL;
	char key[FP_BIN_MAX], *val;
	size_t flen = strlen(file) + 1;
	struct fp fp;
	int n, alg, ret = -1;

	if ((n = i2d_X509(cert, &der)) <= 0)
		return diag_set(d, file, 0, "cannot encode certificate");
	if ((val = malloc(1 + flen + (size_t)n)) == NULL) {
		OPENSSL_free(der);
		return diag_set(d, file, 0, "out of memory");
	}
	val[0] = (char)flags;
	memcpy(val + 1, file, flen);
	memcpy(val + 1 + flen, der, (size_t)n);
	for (alg = FP_MD5; alg <= FP_SHA512; alg++) {
		if (fp_of_cert(cert, (enum fp_alg)alg, 0, &fp, d) < 0)
			goto out;
		if (cdb_make_put(&b->cm, key, (unsigned)fp_bin_key(&fp, key),
		    val, (unsigned)(1 + flen + (size_t)n),
		    CDB_PUT_REPLACE) < 0) {
			diag_set(d, file, 0, "cannot write index");
			goto out;
		}
	}
	ret = 0;
out:
	free(val);
	OPENSSL_free(der);
	return ret;
}

/* put_be - v in n bytes, big-endian */
static unsigned char *
put_be(unsigned char *p, unsigned long long v, int n)
{
	while (n-- > 0)
		*p++ = (unsigned char)(v >> (8 * n));
	return p;
}

/* life_time - an ASN1_TIME as seconds since the epoch; 0 unreadable */
static long long
life_time(const ASN1_TIME *t)
{
	struct tm tm;

	return ASN1_TIME_to_tm(t, &tm) == 1 ? (long long)timegm(&tm) : 0;
}

/* add_life - the life record: dates, issuer, serial, key digests, file
 * and subject, for cindex_each_life() */
static int
add_life(struct build *b, const char *file, X509 *cert, unsigned flags,
    const char *who, struct diag *d)
{
	unsigned char *iss = NULL, *ser = NULL, *val, *p;
	char key[1 + 32];
	size_t flen = strlen(file) + 1, wlen = strlen(who) + 1, len;
	struct fp fp;
	int ni, ns, a, r = -1;

	ni = i2d_X509_NAME(X509_get_issuer_name(cert), &iss);
	ns = i2d_ASN1_INTEGER(X509_get0_serialNumber(cert), &ser);
	len = LIFE_FIXED + (size_t)ni + (size_t)ns + flen + wlen;
	if (ni <= 0 || ns <= 0 || ni > 65535 || ns > 65535 ||
	    (val = malloc(len)) == NULL) {
		OPENSSL_free(iss);
		OPENSSL_free(ser);
		return diag_set(d, file, 0, "cannot encode certificate");
	}
	p = put_be(val, (unsigned long long)life_time(X509_get0_notBefore(
	    cert)), 8);
	p = put_be(p, (unsigned long long)life_time(X509_get0_notAfter(cert)),
	    8);
	*p++ = (unsigned char)flags;
	p = put_be(put_be(p, (unsigned)ni, 2), (unsigned)ns, 2);
	for (a = FP_MD5; a <= FP_SHA512; a++, p += fp.len)
		if (fp_of_cert(cert, (enum fp_alg)a, 1, &fp, d) < 0)
			goto out;
		else
			memcpy(p, fp.md, fp.len);
	memcpy(p, iss, (size_t)ni);
	memcpy(p += ni, ser, (size_t)ns);
	memcpy(p += ns, file, flen);
	memcpy(p + flen, who, wlen);
	key[0] = LIFE_KEY;
	if (fp_of_cert(cert, FP_SHA256, 0, &fp, d) < 0)
		goto out;
	memcpy(key + 1, fp.md, 32);
	if ((r = cdb_make_put(&b->cm, key, sizeof(key), val, (unsigned)len,
	    CDB_PUT_REPLACE)) < 0)
		diag_set(d, file, 0, "cannot write index");
out:
	free(val);
	OPENSSL_free(iss);
	OPENSSL_free(ser);
	return r < 0 ? -1 : 0;
}

/* check_cert - verify, report, index one certificate of a file */
static int
check_cert(struct build *b, const char *file, X509 *cert,
    STACK_OF(X509) *chain, struct diag *d)
{
	char who[512], when[64];
	const char *why;
	unsigned flags = 0;
	time_t soon = time(NULL) + (b->o ? b->o->warn_days : 0) * 86400L;

	label(cert, who, sizeof(who));
	if (verify(b, cert, chain, &why)) {
		flags |= CINDEX_VERIFIED;
		b->st->verified++;
	} else if (b->store != NULL)
		report(b, file, "%s: does not verify against %s: %s; its "
		    "names will not be used (fingerprint rules still apply)",
		    who, b->o->ca_file, why);
	if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0) {
		date(X509_get0_notAfter(cert), when, sizeof(when));
		report(b, file, "%s: expired on %s", who, when);
	} else if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0) {
		date(X509_get0_notBefore(cert), when, sizeof(when));
		report(b, file, "%s: not valid before %s", who, when);
	} else if (b->o != NULL && b->o->warn_days > 0 && X509_cmp_time(
	    X509_get0_notAfter(cert), &soon) < 0) {
		date(X509_get0_notAfter(cert), when, sizeof(when));
		report(b, file, "%s: expires on %s, within expiry_warn_days "
		    "(%d)", who, when, b->o->warn_days);
	}
	if (remember(b, file, cert, d) < 0 ||
	    add_cert(b, file, cert, flags, d) < 0 ||
	    add_life(b, file, cert, flags, who, d) < 0)
		return -1;
	b->st->count++;
	return 0;
}
/* add_file - every certificate in one PEM file; the others of the file
 * are the intermediates it may need */
static int
add_file(struct build *b, const char *path, FILE *fp, struct diag *d)
{
	STACK_OF(X509) *certs;
	X509 *cert;
	int i, r = 0;

	if ((certs = sk_X509_new_null()) == NULL)
		return diag_set(d, path, 0, "out of memory");
	while ((cert = PEM_read_X509(fp, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(certs, cert)) {
			X509_free(cert);
			r = diag_set(d, path, 0, "out of memory");
			break;
		}
	ERR_clear_error();
	if (r == 0 && sk_X509_num(certs) == 0)
		r = diag_set(d, path, 0, "no PEM certificate in this file");
	for (i = 0; r == 0 && i < sk_X509_num(certs); i++)
		r = check_cert(b, path, sk_X509_value(certs, i), certs, d);
	sk_X509_pop_free(certs, X509_free);
	return r;
}

/* add_entry - one directory entry: a regular file, never through a link */
static int
add_entry(struct build *b, int dfd, const char *dir, const char *name,
    struct diag *d)
{
	struct stat st;
	char *path;
	FILE *fp = NULL;
	int fd, r = 0;

	if (name[0] == '.')
		return 0;
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return diag_set(d, dir, 0, "out of memory");
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC);
	if (fd < 0 && errno == ELOOP)
		report(b, path, "symbolic link skipped: the index follows "
		    "none (copy the certificate here)");
	else if (fd < 0)
		r = diag_set(d, path, 0, "%s", strerror(errno));
	else if (fstat(fd, &st) < 0)
		r = diag_set(d, path, 0, "%s", strerror(errno));
	else if (S_ISREG(st.st_mode) && (fp = fdopen(fd, "r")) == NULL)
		r = diag_set(d, path, 0, "%s", strerror(errno));
	else if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		report(b, path, "not a regular file: skipped");
	if (fp != NULL) {
		r = add_file(b, path, fp, d);
		fclose(fp);
	} else if (fd >= 0)
		close(fd);
	free(path);
	return r;
}

/* write_index - every entry of dir, the report, the meta record */
static int
write_index(struct build *b, const char *dir, int fd, struct diag *d)
{
	struct dirent **ents = NULL;
	char meta[64];
	int dfd, i, n = -1, r = 0;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (n = scandirat(dfd, ".", &ents, NULL, alphasort)) < 0)
		r = diag_set(d, dir, 0, "%s", strerror(errno));
	cdb_make_start(&b->cm, fd);
	for (i = 0; r == 0 && i < n; i++)
		r = add_entry(b, dfd, dir, ents[i]->d_name, d);
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	if (dfd >= 0)
		close(dfd);
	if (r == 0)
		report_shared(b);
	snprintf(meta, sizeof(meta), FORMAT " %ld %ld", b->st->count,
	    b->st->verified);
	/* finished even after an error: that frees what it holds */
	if (cdb_make_add(&b->cm, META_KEY, META_KLEN, meta,
	    (unsigned)strlen(meta)) < 0 || cdb_make_finish(&b->cm) < 0 ||
	    fsync(fd) < 0)
		r = r < 0 ? r : diag_set(d, dir, 0, "cannot write the index: "
		    "%s", strerror(errno));
	return r;
}

/* cindex_compile - a directory of PEM files to one CDB */
int
cindex_compile(const char *dir, const char *out, const struct cindex_opts *o,
    struct cindex_stats *st, struct diag *d)
{
	struct build b;
	char *tmp = NULL;
	size_t i;
	int fd = -1, ret = -1;

	memset(st, 0, sizeof(*st));
	memset(&b, 0, sizeof(b));
	b.o = o;
	b.st = st;
	if (load_cas(&b, dir, d) < 0)
		goto done;
	if (asprintf(&tmp, "%s.tmpXXXXXX", out) < 0)
		tmp = NULL;
	if (tmp == NULL || (fd = mkstemp(tmp)) < 0) {
		diag_set(d, out, 0, "cannot create: %s", strerror(errno));
		goto done;
	}
	fchmod(fd, 0644);
	ret = write_index(&b, dir, fd, d);
	if (ret == 0 && rename(tmp, out) < 0)
		ret = diag_set(d, out, 0, "cannot rename into place: %s",
		    strerror(errno));
	close(fd);
	if (ret < 0)
		unlink(tmp);
done:
	free(tmp);
	for (i = 0; i < b.nseen; i++)
		free(b.seen[i].file);
	free(b.seen);
	X509_STORE_free(b.store);
	return ret;
}

/* cindex_open - map dir.cdb */
int
cindex_open(struct cindex **cp, const char *dir, struct diag *d)
{
	struct cindex *c;
	struct cdb tmp;
	char *path, meta[64];
	unsigned len;

	*cp = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    asprintf(&path, "%s.cdb", dir) < 0) {
		free(c);
		return diag_set(d, dir, 0, "out of memory");
	}
	if ((c->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		diag_set(d, path, 0, "%s%s", strerror(errno), errno == ENOENT ?
		    "; run certrelay compile" : "");
		goto err;
	}
	if (cdb_init(&c->cdb, c->fd) < 0) {
		close(c->fd);
		diag_set(d, path, 0, "not a CDB file");
		goto err;
	}
	tmp = c->cdb;
	if (cdb_find(&tmp, META_KEY, META_KLEN) <= 0 ||
	    (len = cdb_datalen(&tmp)) >= sizeof(meta) ||
	    cdb_read(&tmp, meta, len, cdb_datapos(&tmp)) < 0) {
		cindex_close(c);
		c = NULL;
		diag_set(d, path, 0, "not a certrelay certificate index");
		goto err;
	}
	meta[len] = 0;
	if (strncmp(meta, FORMAT " ", sizeof(FORMAT)) != 0 ||
	    sscanf(meta + sizeof(FORMAT), "%ld %ld", &c->count,
	    &c->verified) != 2) {
		cindex_close(c);
		c = NULL;
		diag_set(d, path, 0, "certificate index in an older format "
		    "(names not verified, or no certificate dates); recompile "
		    "it: certrelay compile -c CONFIG");
		goto err;
	}
	free(path);
	*cp = c;
	return 0;
err:
	free(path);
	free(c);
	return -1;
}

/* decode - "flags file\0DER" to a certificate */
static X509 *
decode(const unsigned char *v, unsigned len, const char **file,
    unsigned *flags)
{
	const unsigned char *nul, *p;

	if (v == NULL || len < 2 || (nul = memchr(v + 1, 0, len - 1)) == NULL)
		return NULL;
	if (file)
		*file = (const char *)v + 1;
	if (flags)
		*flags = v[0] & CINDEX_VERIFIED;
	p = nul + 1;
	return d2i_X509(NULL, &p, (long)(len - (unsigned)(p - v)));
}

/* cindex_lookup - the certificate with this fingerprint; a public key's
 * fingerprint is no key: another certificate must not lend its names */
int
cindex_lookup(const struct cindex *c, const struct fp *fp, X509 **cert,
    unsigned *flags, struct diag *d)
{
	struct cdb tmp = c->cdb;
	char key[FP_BIN_MAX];
	const void *v;
	int r;

	*cert = NULL;
	*flags = 0;
	if (fp->pubkey)
		return 0;
	if ((r = cdb_find(&tmp, key, (unsigned)fp_bin_key(fp, key))) <= 0)
		return r < 0 ? diag_set(d, NULL, 0, "corrupt index") : 0;
	if ((v = cdb_get(&tmp, cdb_datalen(&tmp), cdb_datapos(&tmp))) == NULL ||
	    (*cert = decode(v, cdb_datalen(&tmp), NULL, flags)) == NULL)
		return diag_set(d, NULL, 0, "corrupt index record");
	return 1;
}

/* cindex_each - every certificate once (by its sha256 record) */
int
cindex_each(const struct cindex *c, cindex_fn fn, void *ctx, struct diag *d)
{
	struct cdb tmp = c->cdb;
	unsigned pos;
	const unsigned char *k;
	const char *file;
	unsigned flags;
	X509 *cert;
	int r;

	cdb_seqinit(&pos, &tmp);
	while ((r = cdb_seqnext(&pos, &tmp)) > 0) {
		k = cdb_get(&tmp, cdb_keylen(&tmp), cdb_keypos(&tmp));
		if (k == NULL || cdb_keylen(&tmp) < 3 || k[0] != 'F' ||
		    k[1] != 'c' || k[2] != '0' + FP_SHA256)
			continue;
		cert = decode(cdb_get(&tmp, cdb_datalen(&tmp),
		    cdb_datapos(&tmp)), cdb_datalen(&tmp), &file, &flags);
		if (cert == NULL)
			return diag_set(d, NULL, 0, "corrupt index record");
		r = fn(ctx, file, cert, flags);
		X509_free(cert);
		if (r < 0)
			return -1;
	}
	return r < 0 ? diag_set(d, NULL, 0, "corrupt index") : 0;
}

/* get_be - n bytes, big-endian */
static unsigned long long
get_be(const unsigned char *p, int n)
{
	unsigned long long v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

/* read_life - a life record into l; -1 if it does not parse */
static int
read_life(const unsigned char *v, unsigned len, struct cindex_life *l)
{
	static const size_t pklen[CINDEX_PK_ALGS] = { 16, 20, 32, 64 };
	const unsigned char *p, *end, *nul;
	int a;

	if (v == NULL || len < LIFE_FIXED)
		return -1;
	p = v + 21;
	end = v + len;
	l->not_before = (time_t)(long long)get_be(v, 8);
	l->not_after = (time_t)(long long)get_be(v + 8, 8);
	l->flags = v[16] & CINDEX_VERIFIED;
	l->issuer_len = (size_t)get_be(v + 17, 2);
	l->serial_len = (size_t)get_be(v + 19, 2);
	for (a = 0; a < CINDEX_PK_ALGS; p += pklen[a++])
		l->pk[a] = p;
	if ((size_t)(end - p) < l->issuer_len + l->serial_len + 2)
		return -1;
	l->issuer = p;
	l->serial = p + l->issuer_len;
	l->file = (const char *)(p += l->issuer_len + l->serial_len);
	if ((nul = memchr(p, 0, (size_t)(end - p))) == NULL ||
	    memchr(nul + 1, 0, (size_t)(end - nul - 1)) == NULL)
		return -1;
	l->subject = (const char *)nul + 1;
	return 0;
}

/* cindex_each_life - every certificate's life record */
int
cindex_each_life(const struct cindex *c, cindex_life_fn fn, void *ctx,
    struct diag *d)
{
	struct cdb tmp = c->cdb;
	struct cindex_life l;
	const unsigned char *k;
	unsigned pos;
	int r;

	cdb_seqinit(&pos, &tmp);
	while ((r = cdb_seqnext(&pos, &tmp)) > 0) {
		k = cdb_get(&tmp, cdb_keylen(&tmp), cdb_keypos(&tmp));
		if (k == NULL || cdb_keylen(&tmp) != 33 || k[0] != LIFE_KEY)
			continue;
		if (read_life(cdb_get(&tmp, cdb_datalen(&tmp),
		    cdb_datapos(&tmp)), cdb_datalen(&tmp), &l) < 0)
			return diag_set(d, NULL, 0, "corrupt index record");
		if (fn(ctx, &l) < 0)
			return -1;
	}
	return r < 0 ? diag_set(d, NULL, 0, "corrupt index") : 0;
}

/* cindex_count - certificates */
long
cindex_count(const struct cindex *c)
{
	return c->count;
}

/* cindex_verified - certificates that chained to index_ca_file */
long
cindex_verified(const struct cindex *c)
{
	return c->verified;
}

/* cindex_close - unmap; accepts NULL */
void
cindex_close(struct cindex *c)
{
	if (c == NULL)
		return;
	cdb_free(&c->cdb);
	close(c->fd);
	free(c);
}
