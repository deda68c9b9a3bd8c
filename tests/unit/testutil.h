#ifndef CERTRELAY_TESTUTIL_H
#define CERTRELAY_TESTUTIL_H

/*
 * testutil - what every unit suite needs: a scratch directory, files,
 * certificates made with the OpenSSL API, and a runner.
 */
#include <stddef.h>

#include <check.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "table.h"

#define TU_PATH_MAX	1024

/* The number of elements of an array (not of a pointer). */
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* One loop test over every row of a case table (spelt as the suites
 * spelt it, so that a copy left in a suite is a benign redefinition). */
#define LOOP(tc, fn, c) tcase_add_loop_test(tc, fn, 0, (int)NELEM(c))

/* The scratch directory of this run (created by tu_run()). */
const char *tu_root(void);

/* A fresh directory under the scratch directory; buf holds its path. */
char	*tu_mkdir(char *buf, size_t size);

/* dir/name into buf. */
char	*tu_path(char *buf, size_t size, const char *dir, const char *name);

/* Write text to path (replacing it); aborts on failure. */
void	tu_write(const char *path, const char *text);

/* dir/name holding text, compiled as kind into dir/name.cdb (a failing
 * compile fails the test); TABLE_NKINDS: written only (a regex table is
 * read as it is). */
void	tu_table(const char *dir, const char *name, const char *text,
	    enum table_kind kind);

/* Read a whole file (malloc'd, NUL-terminated), NULL if it cannot. */
char	*tu_read(const char *path, size_t *len);

/* Names in dir that contain part (e.g. ".tmp"). */
int	tu_count_names(const char *dir, const char *part);

/*
 * An X509_NAME from pairs: "TYPE", "value", ..., NULL. A type written
 * "+TYPE" joins the previous RDN (a multi-valued RDN). Values are UTF-8.
 */
X509_NAME *tu_name(const char *const *pairs);

/* A fresh P-256 key. */
EVP_PKEY *tu_key(void);

/*
 * A certificate for subject/key, issued by issuer and signed by signer
 * (subject == issuer and signer == key for a self-signed one); san_email
 * adds a subjectAltName e-mail address when not NULL.
 */
X509	*tu_cert(const X509_NAME *subject, EVP_PKEY *key,
	    const X509_NAME *issuer, EVP_PKEY *signer, const char *san_email,
	    long serial);

/* Add to cert the extension nid written as openssl.cnf would ("critical,
 * CA:TRUE"); the caller signs afterwards. Aborts on failure. */
void	tu_ext(X509 *cert, int nid, const char *text);

/* Write cert as PEM to path. */
void	tu_write_pem(const char *path, X509 *cert);

/* "AB:CD:..." of the DER certificate or of its DER SubjectPublicKeyInfo
 * (as Postfix's ccert_pubkey_fingerprint). */
void	tu_hex_digest(X509 *cert, const EVP_MD *md, int pubkey, int colons,
	    char *buf, size_t size);

/* Xtext the way Sendmail's xtextify(s, "<>\")") does (an oracle). */
void	tu_sendmail_xtext(const char *in, char *out, size_t size);

/* What Sendmail puts in {cert_subject}: oneline in a 256-byte buffer,
 * then xtext. */
void	tu_sendmail_name(const X509_NAME *name, char *out, size_t size);

/* Run the suite; removes the scratch directory; exit status for main. */
int	tu_run(Suite *s);

#endif
