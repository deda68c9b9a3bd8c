/*
 * fuzz_crl - crl_parse() on any bytes; each CRL it reads is offered to
 * crl_add() as it is (its signature fails) and once more signed by the
 * CA (so what follows the signature check is reached too), then looked
 * up with a certificate of that CA whose serial the CRL lists
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "crl.h"
#include "fuzzfile.h"

static char path[300];
static EVP_PKEY *key;
static X509 *ca;
static struct crlset *set;

static void
cleanup(void)
{
	crl_close(set);
	X509_free(ca);
	EVP_PKEY_free(key);
}

/* setup - a CA, its CA file, an empty set */
static void
setup(void)
{
	X509_NAME *n;
	struct diag d;
	FILE *fp;

	fuzz_path("crl", "ca.pem", path, sizeof(path));
	atexit(cleanup);
	if ((key = EVP_EC_gen("P-256")) == NULL || (ca = X509_new()) == NULL ||
	    (n = X509_NAME_new()) == NULL ||
	    !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)"Fuzz CA", -1, -1, 0) ||
	    !X509_set_version(ca, 2) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(ca), 1) ||
	    !X509_gmtime_adj(X509_getm_notBefore(ca), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(ca), 86400) ||
	    !X509_set_subject_name(ca, n) || !X509_set_issuer_name(ca, n) ||
	    !X509_set_pubkey(ca, key) || !X509_sign(ca, key, EVP_sha256()))
		abort();
	X509_NAME_free(n);
	if ((fp = fopen(path, "w")) == NULL || !PEM_write_X509(fp, ca))
		abort();
	fclose(fp);
	if (crl_open(&set, path, &d) < 0)
		abort();
}

/* lookup - a certificate of the CA with the CRL's first serial */
static void
lookup(X509_CRL *crl)
{
	STACK_OF(X509_REVOKED) *revs = X509_CRL_get_REVOKED(crl);
	struct crl_status st;
	X509 *c = X509_new();
	char buf[CRL_TIME_MAX];

	if (c == NULL || !X509_set_issuer_name(c, X509_get_subject_name(ca)))
		abort();
	if (sk_X509_REVOKED_num(revs) > 0 && !X509_set_serialNumber(c,
	    (ASN1_INTEGER *)X509_REVOKED_get0_serialNumber(
	    sk_X509_REVOKED_value(revs, 0))))
		abort();
	(void)crl_check(set, c, time(NULL), &st);
	if (st.verdict == CRL_REVOKED) {
		(void)crl_reason_name(st.reason);
		crl_format_time(st.when, buf, sizeof(buf));
	}
	X509_free(c);
}

/* resigned - crl as the CA would have signed it */
static void
resigned(X509_CRL *crl)
{
	X509_CRL *copy = X509_CRL_dup(crl);
	struct diag d;

	if (copy == NULL)
		return;
	if (X509_CRL_set_issuer_name(copy, X509_get_subject_name(ca)) &&
	    X509_CRL_sign(copy, key, EVP_sha256()) > 0 &&
	    crl_add(set, "fuzz", copy, &d) == 0)
		lookup(copy);
	X509_CRL_free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	STACK_OF(X509_CRL) *sk;
	struct diag d;
	int i;

	if (set == NULL)
		setup();
	if (crl_parse("fuzz", data, size, &sk, &d) < 0) {
		if (d.what[0] == 0 || sk != NULL)
			abort();
		return 0;
	}
	for (i = 0; i < sk_X509_CRL_num(sk) && i < 4; i++) {
		if (crl_add(set, "fuzz", sk_X509_CRL_value(sk, i), &d) == 0)
			abort();	/* nobody but the CA signs */
		resigned(sk_X509_CRL_value(sk, i));
	}
	sk_X509_CRL_pop_free(sk, X509_CRL_free);
	/* the set only grows: start afresh now and then */
	if (crl_count(set) > 64) {
		crl_close(set);
		if (crl_open(&set, path, &d) < 0)
			abort();
	}
	return 0;
}
