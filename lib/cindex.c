/*
 * cindex - the certificate index: fingerprint -> the whole certificate
 *
 * SYNOPSIS
 *	#include "cindex.h"
 *	int	cindex_compile(const char *dir, const char *out, long *count,
 *		    struct diag *d);
 *	int	cindex_open(struct cindex **cp, const char *dir,
 *		    struct diag *d);
 *	int	cindex_lookup(const struct cindex *c, const struct fp *fp,
 *		    X509 **cert, struct diag *d);
 *	int	cindex_each(const struct cindex *c, cindex_fn fn, void *ctx,
 *		    struct diag *d);
 *	void	cindex_close(struct cindex *c);
 * DESCRIPTION
 *	Postfix shows a policy server only fingerprints and CNs; Sendmail
 *	shows no public-key fingerprint and cuts long DNs. The admin's own
 *	directory of client certificates (PEM, any number a file) fills the
 *	gap: cindex_compile() writes a CDB (same atomic rename as tables)
 *	from the md5, sha1, sha256 and sha512 digests of each certificate
 *	and of its public key to the DER certificate and the file it came
 *	from. cindex_lookup() gives the certificate back, so a fingerprint
 *	the MTA saw can be judged on the full subject, issuer, subjectAltName
 *	e-mail addresses and public key. The index does not verify: whether
 *	the cert chains to a trusted CA is still the MTA's word.
 * DIAGNOSTICS
 *	cindex_lookup(): 1 found, 0 not found, -1 error. Others 0, or -1 with
 *	file: what (a file that holds no certificate fails the index).
 * OWNERSHIP
 *	*cert from cindex_lookup() is the caller's (X509_free()). The X509
 *	given to a cindex_fn is freed after the call.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cdb.h>
#include <openssl/pem.h>

#include "cindex.h"

#define META_KEY	"\0certrelay-index"
#define META_KLEN	16

struct cindex {
	struct cdb cdb;
	int	fd;
	long	count;
};

/* add_cert - every digest of cert and of its key -> "file\0DER" */
static int
add_cert(struct cdb_make *cm, const char *file, X509 *cert, struct diag *d)
{
	unsigned char *der = NULL;
	char key[FP_BIN_MAX], *val;
	size_t flen = strlen(file) + 1;
	struct fp fp;
	int n, alg, pk, ret = -1;

	if ((n = i2d_X509(cert, &der)) <= 0)
		return diag_set(d, file, 0, "cannot encode certificate");
	if ((val = malloc(flen + (size_t)n)) == NULL) {
		OPENSSL_free(der);
		return diag_set(d, file, 0, "out of memory");
	}
	memcpy(val, file, flen);
	memcpy(val + flen, der, (size_t)n);
	for (alg = FP_MD5; alg <= FP_SHA512; alg++)
		for (pk = 0; pk <= 1; pk++) {
			if (fp_of_cert(cert, (enum fp_alg)alg, pk, &fp, d) < 0)
				goto out;
			if (cdb_make_put(cm, key, (unsigned)fp_bin_key(&fp, key),
			    val, (unsigned)(flen + (size_t)n),
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

/* add_file - every certificate in one PEM file */
static int
add_file(struct cdb_make *cm, const char *path, long *count, struct diag *d)
{
	FILE *fp;
	X509 *cert;
	int n = 0, r = 0;

	if ((fp = fopen(path, "r")) == NULL)
		return diag_set(d, path, 0, "%s", strerror(errno));
	while (r == 0 && (cert = PEM_read_X509(fp, NULL, NULL, NULL)) != NULL) {
		r = add_cert(cm, path, cert, d);
		X509_free(cert);
		n++;
	}
	fclose(fp);
	if (r == 0 && n == 0)
		return diag_set(d, path, 0, "no PEM certificate in this file");
	*count += n;
	return r;
}

/* cindex_compile - a directory of PEM files to one CDB */
int
cindex_compile(const char *dir, const char *out, long *count,
    struct diag *d)
{
	struct cdb_make cm;
	struct dirent **ents = NULL;
	char *tmp, *path, meta[32];
	int fd, i, n, ret = -1;

	*count = 0;
	if ((n = scandir(dir, &ents, NULL, alphasort)) < 0)
		return diag_set(d, dir, 0, "%s", strerror(errno));
	if (asprintf(&tmp, "%s.tmpXXXXXX", out) < 0 || (fd = mkstemp(tmp)) < 0) {
		diag_set(d, out, 0, "cannot create: %s", strerror(errno));
		goto done;
	}
	fchmod(fd, 0644);
	cdb_make_start(&cm, fd);
	for (i = 0, ret = 0; i < n && ret == 0; i++) {
		if (ents[i]->d_name[0] == '.' || (ents[i]->d_type != DT_REG &&
		    ents[i]->d_type != DT_LNK && ents[i]->d_type != DT_UNKNOWN))
			continue;
		if (asprintf(&path, "%s/%s", dir, ents[i]->d_name) < 0) {
			ret = diag_set(d, dir, 0, "out of memory");
			break;
		}
		ret = add_file(&cm, path, count, d);
		free(path);
	}
	snprintf(meta, sizeof(meta), "1 %ld", *count);
	if (cdb_make_add(&cm, META_KEY, META_KLEN, meta,
	    (unsigned)strlen(meta)) < 0 || cdb_make_finish(&cm) < 0 ||
	    fsync(fd) < 0)
		ret = ret < 0 ? ret : diag_set(d, tmp, 0, "cannot write: %s",
		    strerror(errno));
	if (ret == 0 && rename(tmp, out) < 0)
		ret = diag_set(d, out, 0, "cannot rename into place: %s",
		    strerror(errno));
	close(fd);
	if (ret < 0)
		unlink(tmp);
	free(tmp);
done:
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return ret;
}

/* cindex_open - map dir.cdb */
int
cindex_open(struct cindex **cp, const char *dir, struct diag *d)
{
	struct cindex *c;
	struct cdb tmp;
	char *path, meta[32];
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
	c->count = atol(meta + 2);
	free(path);
	*cp = c;
	return 0;
err:
	free(path);
	free(c);
	return -1;
}

/* decode - "file\0DER" to a certificate */
static X509 *
decode(const unsigned char *v, unsigned len, const char **file)
{
	const unsigned char *nul = memchr(v, 0, len), *p;

	if (nul == NULL)
		return NULL;
	if (file)
		*file = (const char *)v;
	p = nul + 1;
	return d2i_X509(NULL, &p, (long)(len - (unsigned)(p - v)));
}

/* cindex_lookup - the certificate with this fingerprint */
int
cindex_lookup(const struct cindex *c, const struct fp *fp, X509 **cert,
    struct diag *d)
{
	struct cdb tmp = c->cdb;
	char key[FP_BIN_MAX];
	const void *v;
	int r;

	*cert = NULL;
	if ((r = cdb_find(&tmp, key, (unsigned)fp_bin_key(fp, key))) <= 0)
		return r < 0 ? diag_set(d, NULL, 0, "corrupt index") : 0;
	if ((v = cdb_get(&tmp, cdb_datalen(&tmp), cdb_datapos(&tmp))) == NULL ||
	    (*cert = decode(v, cdb_datalen(&tmp), NULL)) == NULL)
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
	X509 *cert;
	int r;

	cdb_seqinit(&pos, &tmp);
	while ((r = cdb_seqnext(&pos, &tmp)) > 0) {
		k = cdb_get(&tmp, cdb_keylen(&tmp), cdb_keypos(&tmp));
		if (k == NULL || cdb_keylen(&tmp) < 3 || k[0] != 'F' ||
		    k[1] != 'c' || k[2] != '0' + FP_SHA256)
			continue;
		cert = decode(cdb_get(&tmp, cdb_datalen(&tmp),
		    cdb_datapos(&tmp)), cdb_datalen(&tmp), &file);
		if (cert == NULL)
			return diag_set(d, NULL, 0, "corrupt index record");
		r = fn(ctx, file, cert);
		X509_free(cert);
		if (r < 0)
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
