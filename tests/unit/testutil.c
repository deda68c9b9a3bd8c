/*
 * testutil - scratch files, certificates and a runner for the unit suites
 *
 * SYNOPSIS
 *	#include "testutil.h"
 * DESCRIPTION
 *	Every suite runs in its own scratch directory under $TMPDIR (or
 *	/tmp), made by tu_run() before the first test and removed after the
 *	last, so that a failing test leaves nothing behind. Certificates are
 *	made in memory with the OpenSSL API: P-256 keys, SHA-256 signatures.
 * OWNERSHIP
 *	tu_name(), tu_key() and tu_cert() results are the caller's.
 */
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "testutil.h"

static char root[TU_PATH_MAX];
static unsigned seq;

/* die - a broken test environment is not a test failure */
static void
die(const char *what, const char *arg)
{
	fprintf(stderr, "testutil: %s %s\n", what, arg ? arg : "");
	abort();
}

/* tu_root - the scratch directory */
const char *
tu_root(void)
{
	return root;
}

/* tu_mkdir - a fresh directory under the scratch directory */
char *
tu_mkdir(char *buf, size_t size)
{
	snprintf(buf, size, "%s/d%u-XXXXXX", root, seq++);
	if (mkdtemp(buf) == NULL)
		die("mkdtemp", buf);
	return buf;
}

/* tu_path - dir/name */
char *
tu_path(char *buf, size_t size, const char *dir, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
	return buf;
}

/* tu_write - replace path with text */
void
tu_write(const char *path, const char *text)
{
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL)
		die("cannot write", path);
	fputs(text, fp);
	if (fclose(fp) != 0)
		die("cannot write", path);
}

/* tu_table - a table source and, but for TABLE_NKINDS, its compiled
 * table */
void
tu_table(const char *dir, const char *name, const char *text,
    enum table_kind kind)
{
	char path[TU_PATH_MAX], cdb[TU_PATH_MAX + 8];
	struct diag d;

	tu_path(path, sizeof(path), dir, name);
	snprintf(cdb, sizeof(cdb), "%s.cdb", path);
	tu_write(path, text);
	if (kind == TABLE_NKINDS)
		return;
	ck_assert_msg(table_compile(path, kind, cdb, &d) == 0,
	    "fixture: %s:%d: %s", d.file, d.line, d.what);
}

/* tu_read - a whole file */
char *
tu_read(const char *path, size_t *len)
{
	FILE *fp;
	char *buf;
	long n;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	if (n < 0 || (buf = malloc((size_t)n + 1)) == NULL) {
		fclose(fp);
		return NULL;
	}
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		fclose(fp);
		return NULL;
	}
	buf[n] = 0;
	fclose(fp);
	if (len)
		*len = (size_t)n;
	return buf;
}

/* tu_count_names - entries of dir whose name contains part */
int
tu_count_names(const char *dir, const char *part)
{
	DIR *dp;
	struct dirent *de;
	int n = 0;

	if ((dp = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL)
		if (strstr(de->d_name, part) != NULL)
			n++;
	closedir(dp);
	return n;
}

/* tu_name - an X509_NAME from type/value pairs */
X509_NAME *
tu_name(const char *const *pairs)
{
	X509_NAME *n;
	const char *type;
	int set;

	if ((n = X509_NAME_new()) == NULL)
		die("X509_NAME_new", NULL);
	for (; pairs[0] != NULL; pairs += 2) {
		type = pairs[0];
		set = 0;
		if (type[0] == '+') {
			type++;
			set = -1;
		}
		if (!X509_NAME_add_entry_by_txt(n, type, MBSTRING_UTF8,
		    (const unsigned char *)pairs[1], -1, -1, set))
			die("X509_NAME_add_entry_by_txt", type);
	}
	return n;
}

/* tu_key - a P-256 key */
EVP_PKEY *
tu_key(void)
{
	EVP_PKEY *k;

	if ((k = EVP_EC_gen("P-256")) == NULL)
		die("EVP_EC_gen", NULL);
	return k;
}

/* tu_cert - a signed certificate */
X509 *
tu_cert(const X509_NAME *subject, EVP_PKEY *key, const X509_NAME *issuer,
    EVP_PKEY *signer, const char *san_email, long serial)
{
	X509 *c;
	X509_EXTENSION *ext;
	char san[512];

	if ((c = X509_new()) == NULL ||
	    !X509_set_version(c, 2) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(c), serial) ||
	    X509_gmtime_adj(X509_getm_notBefore(c), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(c), 86400) == NULL ||
	    !X509_set_subject_name(c, subject) ||
	    !X509_set_issuer_name(c, issuer) ||
	    !X509_set_pubkey(c, key))
		die("cannot build certificate", NULL);
	if (san_email) {
		snprintf(san, sizeof(san), "email:%s", san_email);
		ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name,
		    san);
		if (ext == NULL || !X509_add_ext(c, ext, -1))
			die("cannot add subjectAltName", san_email);
		X509_EXTENSION_free(ext);
	}
	if (X509_sign(c, signer, EVP_sha256()) <= 0)
		die("X509_sign", NULL);
	return c;
}

/* tu_ext - one extension by its openssl.cnf text */
void
tu_ext(X509 *cert, int nid, const char *text)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, NULL, nid, text);

	if (e == NULL || !X509_add_ext(cert, e, -1))
		die("cannot add extension", text);
	X509_EXTENSION_free(e);
}

/* tu_write_pem - cert to a PEM file */
void
tu_write_pem(const char *path, X509 *cert)
{
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL || !PEM_write_X509(fp, cert))
		die("cannot write PEM", path);
	fclose(fp);
}

/* tu_hex_digest - an OpenSSL digest in hex */
void
tu_hex_digest(X509 *cert, const EVP_MD *md, int pubkey, int colons,
    char *buf, size_t size)
{
	unsigned char d[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned int n = 0, i;
	size_t o = 0;
	int len, ok;

	if (pubkey) {
		/* Postfix tls_pkey_fprint(): the DER SubjectPublicKeyInfo */
		len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
		ok = len > 0 && EVP_Digest(der, (size_t)len, d, &n, md, NULL);
		OPENSSL_free(der);
	} else
		ok = X509_digest(cert, md, d, &n);
	if (!ok)
		die("digest", NULL);
	buf[0] = 0;
	for (i = 0; i < n && o + 4 < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%02X",
		    colons && i ? ":" : "", d[i]);
}

/* tu_sendmail_xtext - Sendmail's xtextify(), written from its source */
void
tu_sendmail_xtext(const char *in, char *out, size_t size)
{
	const unsigned char *p;
	size_t o = 0;

	for (p = (const unsigned char *)in; *p && o + 4 < size; p++) {
		if (*p < '!' || *p > '~' || *p == '+' || *p == '\\' ||
		    *p == '(' || strchr("<>\")", *p) != NULL)
			o += (size_t)snprintf(out + o, size - o, "+%02X", *p);
		else
			out[o++] = (char)*p;
	}
	out[o] = 0;
}

/* tu_sendmail_name - {cert_subject} as Sendmail 8.17 builds it */
void
tu_sendmail_name(const X509_NAME *name, char *out, size_t size)
{
	char buf[256];		/* sendmail/tls.c: char buf[MAXNAME] */

	X509_NAME_oneline(name, buf, sizeof(buf));
	tu_sendmail_xtext(buf, out, size);
}

/* rm_one - nftw() callback */
static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

/* tu_run - run the suite in a scratch directory */
int
tu_run(Suite *s)
{
	SRunner *sr;
	const char *tmp = getenv("TMPDIR");
	int failed;

	snprintf(root, sizeof(root), "%s/certrelay-unit-XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(root) == NULL)
		die("mkdtemp", root);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return failed == 0 ? 0 : 1;
}
