/*
 * check_crl - CRLs: loading (PEM, DER, bad signature, stale, refused
 * kinds) and lookups
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "crl.h"
#include "testutil.h"

static EVP_PKEY *plus_key, *nosign_key, *rogue_key;
static X509 *plus_ca, *nosign_ca;
static char ca_file[TU_PATH_MAX], dir[TU_PATH_MAX];

static const char *const plus_name[] = { "C", "FR", "O", "CNRS",
    "CN", "CNRS-Plus", NULL };
static const char *const nosign_name[] = { "C", "FR", "O", "CNRS",
    "CN", "CNRS-NoCRL", NULL };
static const char *const other_name[] = { "C", "FR", "O", "CNRS",
    "CN", "CNRS-Elsewhere", NULL };

/* ca_cert - a self-signed CA; usage: its keyUsage */
static X509 *
ca_cert(const char *const *pairs, EVP_PKEY *key, const char *usage)
{
	X509_NAME *n = tu_name(pairs);
	X509 *c = tu_cert(n, key, n, key, NULL, 1);

	tu_ext(c, NID_basic_constraints, "critical,CA:TRUE");
	tu_ext(c, NID_key_usage, usage);
	ck_assert(X509_sign(c, key, EVP_sha256()) > 0);
	X509_NAME_free(n);
	return c;
}

static void
setup(void)
{
	FILE *fp;

	plus_key = tu_key();
	nosign_key = tu_key();
	rogue_key = tu_key();
	plus_ca = ca_cert(plus_name, plus_key, "critical,keyCertSign,cRLSign");
	nosign_ca = ca_cert(nosign_name, nosign_key, "critical,keyCertSign");
	tu_mkdir(dir, sizeof(dir));
	tu_path(ca_file, sizeof(ca_file), dir, "cafile.pem");
	fp = fopen(ca_file, "w");
	ck_assert(fp != NULL && PEM_write_X509(fp, plus_ca) &&
	    PEM_write_X509(fp, nosign_ca));
	fclose(fp);
}

static void
teardown(void)
{
	X509_free(plus_ca);
	X509_free(nosign_ca);
	EVP_PKEY_free(plus_key);
	EVP_PKEY_free(nosign_key);
	EVP_PKEY_free(rogue_key);
}

/* How a test CRL is made. */
struct mk {
	const char *const *issuer;	/* plus_name if NULL */
	EVP_PKEY **signer;		/* &plus_key if NULL */
	long	next;			/* nextUpdate - now, s; 0: none */
	int	delta;			/* a deltaCRLIndicator */
};

/* Serials 11 (keyCompromise, 5 days ago) and 12 (no reason) revoked. */
#define REV_AGO	(5 * 86400L)

/* revoke - one entry */
static void
revoke(X509_CRL *crl, long serial, int reason)
{
	X509_REVOKED *r = X509_REVOKED_new();
	ASN1_INTEGER *s = ASN1_INTEGER_new();
	ASN1_TIME *t = ASN1_TIME_new();
	ASN1_ENUMERATED *e = ASN1_ENUMERATED_new();

	ck_assert(r && s && t && e && ASN1_INTEGER_set(s, serial) &&
	    X509_REVOKED_set_serialNumber(r, s) &&
	    X509_gmtime_adj(t, -REV_AGO) && X509_REVOKED_set_revocationDate(r,
	    t));
	if (reason >= 0)
		ck_assert(ASN1_ENUMERATED_set(e, reason) &&
		    X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, e, 0, 0));
	ck_assert(X509_CRL_add0_revoked(crl, r));
	ASN1_INTEGER_free(s);
	ASN1_TIME_free(t);
	ASN1_ENUMERATED_free(e);
}

/* make_crl - a CRL as m says */
static X509_CRL *
make_crl(const struct mk *m)
{
	X509_CRL *crl = X509_CRL_new();
	X509_NAME *n = tu_name(m->issuer ? m->issuer : plus_name);
	ASN1_TIME *t = ASN1_TIME_new();
	ASN1_INTEGER *num = ASN1_INTEGER_new();

	ck_assert(crl && n && t && num && X509_CRL_set_version(crl, 1) &&
	    X509_CRL_set_issuer_name(crl, n) && X509_gmtime_adj(t, -86400) &&
	    X509_CRL_set1_lastUpdate(crl, t));
	if (m->next != 0)
		ck_assert(X509_gmtime_adj(t, m->next) &&
		    X509_CRL_set1_nextUpdate(crl, t));
	revoke(crl, 11, CRL_REASON_KEY_COMPROMISE);
	revoke(crl, 12, -1);
	if (m->delta)
		ck_assert(ASN1_INTEGER_set(num, 1) &&
		    X509_CRL_add1_ext_i2d(crl, NID_delta_crl, num, 1, 0));
	ck_assert(X509_CRL_sort(crl) && X509_CRL_sign(crl, m->signer ?
	    *m->signer : plus_key, EVP_sha256()) > 0);
	X509_NAME_free(n);
	ASN1_TIME_free(t);
	ASN1_INTEGER_free(num);
	return crl;
}

/* write_crl - PEM (copies times over) or DER to a new file */
static void
write_crl(const char *path, X509_CRL *crl, int der, int copies)
{
	FILE *fp = fopen(path, "wb");
	int i;

	ck_assert(fp != NULL);
	for (i = 0; i < copies; i++)
		ck_assert(der ? i2d_X509_CRL_fp(fp, crl) :
		    PEM_write_X509_CRL(fp, crl));
	fclose(fp);
}

/* A client certificate of issuer (plus_name if NULL), serial s. */
static X509 *
client(const char *const *issuer, long s)
{
	static const char *const subj[] = { "CN", "Bob", NULL };
	X509_NAME *n = tu_name(subj), *i = tu_name(issuer ? issuer :
	    plus_name);
	EVP_PKEY *k = tu_key();
	X509 *c = tu_cert(n, k, i, plus_key, NULL, s);

	X509_NAME_free(n);
	X509_NAME_free(i);
	EVP_PKEY_free(k);
	return c;
}

static const struct {
	const char *name;
	struct mk m;
	int	der, copies;
	const char *want;		/* NULL: loads; else in d.what */
} load_cases[] = {
	{ "pem", { NULL, NULL, 86400, 0 }, 0, 1, NULL },
	{ "der", { NULL, NULL, 86400, 0 }, 1, 1, NULL },
	{ "two pem", { NULL, NULL, 86400, 0 }, 0, 2, NULL },
	{ "stale still loads", { NULL, NULL, -60, 0 }, 0, 1, NULL },
	{ "no nextUpdate", { NULL, NULL, 0, 0 }, 1, 1, NULL },
	{ "bad signature", { NULL, &rogue_key, 86400, 0 }, 0, 1,
	    "does not verify against" },
	{ "der bad signature", { NULL, &rogue_key, 86400, 0 }, 1, 1,
	    "bad signature" },
	{ "unknown CA", { other_name, NULL, 86400, 0 }, 0, 1,
	    "no CA of that name" },
	{ "CA without cRLSign", { nosign_name, &nosign_key, 86400, 0 }, 0, 1,
	    "cRLSign" },
	{ "delta", { NULL, NULL, 86400, 1 }, 0, 1, "delta CRL" },
	{ "der twice", { NULL, NULL, 86400, 0 }, 1, 2, "bytes after" },
};

START_TEST(test_crl_add_file)
{
	struct crlset *s;
	struct diag d;
	char path[TU_PATH_MAX];
	X509_CRL *crl = make_crl(&load_cases[_i].m);
	int r;

	tu_path(path, sizeof(path), dir, "test.crl");
	write_crl(path, crl, load_cases[_i].der, load_cases[_i].copies);
	X509_CRL_free(crl);
	ck_assert(crl_open(&s, ca_file, &d) == 0);
	diag_clear(&d);
	r = crl_add_file(s, path, &d);
	if (load_cases[_i].want == NULL)
		ck_assert_msg(r == 0 && crl_count(s) == load_cases[_i].copies,
		    "case %s: got %d (%s), want it loaded",
		    load_cases[_i].name, r, d.what);
	else
		ck_assert_msg(r == -1 && strcmp(d.file, path) == 0 &&
		    strstr(d.what, load_cases[_i].want) != NULL,
		    "case %s: got %d %s: %s, want %s", load_cases[_i].name, r,
		    d.file, d.what, load_cases[_i].want);
	crl_close(s);
}
END_TEST

static const struct {
	const char *name, *text;
	size_t	len;			/* 0: strlen */
	const char *want;
} parse_cases[] = {
	{ "empty", "", 0, "empty file" },
	{ "garbage", "not a CRL at all\n", 0, "neither a PEM nor a DER" },
	{ "bad pem", "-----BEGIN X509 CRL-----\n!!!!\n-----END X509 CRL-----\n",
	    0, "malformed PEM CRL" },
	{ "der prefix", "\x30\x82\x01", 3, "neither a PEM nor a DER" },
	{ "pem of a cert", "-----BEGIN X509 CRL-----\n", 0, "" },
};

START_TEST(test_crl_parse)
{
	STACK_OF(X509_CRL) *sk;
	struct diag d;
	const char *t = parse_cases[_i].text;
	size_t len = parse_cases[_i].len ? parse_cases[_i].len : strlen(t);

	diag_clear(&d);
	ck_assert_msg(crl_parse("f", (const unsigned char *)t, len, &sk,
	    &d) == -1 && sk == NULL && strcmp(d.file, "f") == 0 &&
	    strstr(d.what, parse_cases[_i].want) != NULL,
	    "case %s: got %s, want %s", parse_cases[_i].name, d.what,
	    parse_cases[_i].want);
}
END_TEST

/* load - one CRL made as m says, in a fresh set */
static struct crlset *
load(const struct mk *m, char *path, size_t size)
{
	struct crlset *s;
	struct diag d;
	X509_CRL *crl = make_crl(m);

	tu_path(path, size, dir, "check.crl");
	write_crl(path, crl, 0, 1);
	X509_CRL_free(crl);
	ck_assert(crl_open(&s, ca_file, &d) == 0);
	ck_assert_msg(crl_add_file(s, path, &d) == 0, "%s", d.what);
	return s;
}

static const struct {
	const char *name;
	long	next;			/* the CRL's nextUpdate - now */
	const char *const *issuer;	/* the cert's; plus_name if NULL */
	long	serial;
	enum crl_verdict want;
	int	reason;
} check_cases[] = {
	{ "revoked, keyCompromise", 86400, NULL, 11, CRL_REVOKED,
	    CRL_REASON_KEY_COMPROMISE },
	{ "revoked, no reason", 86400, NULL, 12, CRL_REVOKED, CRL_NO_REASON },
	{ "not listed", 86400, NULL, 13, CRL_GOOD, 0 },
	{ "other issuer, same serial", 86400, other_name, 11, CRL_NONE, 0 },
	{ "stale, not listed", -60, NULL, 13, CRL_STALE, 0 },
	{ "stale, listed: still revoked", -60, NULL, 11, CRL_REVOKED,
	    CRL_REASON_KEY_COMPROMISE },
	{ "no nextUpdate: never stale", 0, NULL, 13, CRL_GOOD, 0 },
};

START_TEST(test_crl_check)
{
	struct mk m = { NULL, NULL, check_cases[_i].next, 0 };
	struct crl_status st;
	char path[TU_PATH_MAX];
	struct crlset *s = load(&m, path, sizeof(path));
	X509 *c = client(check_cases[_i].issuer, check_cases[_i].serial);
	time_t now = time(NULL);

	ck_assert_msg(crl_check(s, c, now, &st) == (int)check_cases[_i].want &&
	    st.verdict == check_cases[_i].want, "case %s: got %d, want %d",
	    check_cases[_i].name, st.verdict, check_cases[_i].want);
	if (st.verdict == CRL_REVOKED) {
		ck_assert_msg(st.reason == check_cases[_i].reason,
		    "case %s: reason %d", check_cases[_i].name, st.reason);
		ck_assert(labs((long)(now - REV_AGO - st.when)) < 60);
	}
	if (st.verdict == CRL_STALE)
		ck_assert(st.when < now && now - st.when < 120);
	if (st.verdict != CRL_NONE)
		ck_assert_str_eq(st.file, path);
	X509_free(c);
	crl_close(s);
}
END_TEST

START_TEST(test_crl_open_errors)
{
	struct crlset *s;
	struct diag d;
	char path[TU_PATH_MAX];

	ck_assert(crl_open(&s, NULL, &d) == -1 && s == NULL &&
	    strstr(d.what, "index_ca_file") != NULL);
	tu_path(path, sizeof(path), dir, "missing.pem");
	ck_assert(crl_open(&s, path, &d) == -1 && strcmp(d.file, path) == 0);
	tu_path(path, sizeof(path), dir, "empty.pem");
	tu_write(path, "# nothing\n");
	ck_assert(crl_open(&s, path, &d) == -1 &&
	    strstr(d.what, "no certificate") != NULL);
	ck_assert(crl_open(&s, ca_file, &d) == 0);
	tu_path(path, sizeof(path), dir, "nonexistent.crl");
	ck_assert(crl_add_file(s, path, &d) == -1 &&
	    strcmp(d.file, path) == 0);
	ck_assert(crl_add_file(s, dir, &d) == -1 &&
	    strstr(d.what, "not a regular file") != NULL);
	crl_close(s);
	crl_close(NULL);
}
END_TEST

START_TEST(test_crl_reason_name)
{
	char buf[CRL_TIME_MAX];

	ck_assert_str_eq(crl_reason_name(1), "keyCompromise");
	ck_assert_str_eq(crl_reason_name(6), "certificateHold");
	ck_assert_str_eq(crl_reason_name(CRL_NO_REASON), "unspecified");
	ck_assert_str_eq(crl_reason_name(99), "unknown");
	crl_format_time(86400 * 365, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1971-01-01 00:00:00 UTC");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("crl");
	TCase *tc;

	tc = tcase_create("crl_add_file");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	LOOP(tc, test_crl_add_file, load_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("crl_parse");
	LOOP(tc, test_crl_parse, parse_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("crl_check");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	LOOP(tc, test_crl_check, check_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("crl_open");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_crl_open_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("crl_reason_name");
	tcase_add_test(tc, test_crl_reason_name);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
