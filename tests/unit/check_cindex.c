/*
 * check_cindex - the certificate index: fingerprint -> certificate
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/pem.h>

#include "cindex.h"
#include "table.h"
#include "testutil.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static X509 *certs[3];

static void
make_certs(void)
{
	static const char *const ca[] = { "C", "FR", "O", "CNRS",
	    "CN", "CNRS-Standard", NULL };
	static const char *const subj[3][9] = {
	    { "C", "FR", "OU", "UMR7503", "CN", "Carol", NULL },
	    { "C", "FR", "OU", "UMR5800", "CN", "Dave", NULL },
	    { "C", "FR", "CN", "\xC3\x89lise", NULL },
	};
	X509_NAME *i = tu_name(ca), *s;
	EVP_PKEY *cak = tu_key(), *k;
	int n;

	for (n = 0; n < 3; n++) {
		s = tu_name(subj[n]);
		k = tu_key();
		certs[n] = tu_cert(s, k, i, cak, n == 0 ? "carol@x.example" :
		    NULL, 100 + n);
		X509_NAME_free(s);
		EVP_PKEY_free(k);
	}
	X509_NAME_free(i);
	EVP_PKEY_free(cak);
}

static void
free_certs(void)
{
	int n;

	for (n = 0; n < 3; n++)
		X509_free(certs[n]);
}

/* index_dir - a directory of PEM files: carol alone, dave+elise in one */
static void
index_dir(char *dir, size_t size, char *out, size_t osize)
{
	char path[TU_PATH_MAX];
	FILE *fp;

	tu_mkdir(dir, size);
	tu_write_pem(tu_path(path, sizeof(path), dir, "carol.pem"), certs[0]);
	tu_path(path, sizeof(path), dir, "more.crt");
	fp = fopen(path, "w");
	ck_assert(fp != NULL);
	fputs("# the rest of the lab\n", fp);
	PEM_write_X509(fp, certs[1]);
	PEM_write_X509(fp, certs[2]);
	fclose(fp);
	tu_write(tu_path(path, sizeof(path), dir, ".hidden"), "not a cert\n");
	snprintf(out, osize, "%s.cdb", dir);
}

static const struct {
	const char *name;
	int	cert;
	enum fp_alg alg;
	int	pubkey;
} lookup_cases[] = {
	{ "carol sha256", 0, FP_SHA256, 0 }, { "carol md5", 0, FP_MD5, 0 },
	{ "carol sha1", 0, FP_SHA1, 0 }, { "carol sha512", 0, FP_SHA512, 0 },
	{ "carol pubkey sha256", 0, FP_SHA256, 1 },
	{ "carol pubkey md5", 0, FP_MD5, 1 },
	{ "dave sha256", 1, FP_SHA256, 0 }, { "elise sha1", 2, FP_SHA1, 0 },
	{ "elise pubkey sha512", 2, FP_SHA512, 1 },
};

START_TEST(test_cindex_lookup)
{
	char dir[TU_PATH_MAX], out[TU_PATH_MAX + 8];
	struct cindex *c;
	struct diag d;
	struct fp fp;
	X509 *got = NULL;
	long n;
	int rc;

	index_dir(dir, sizeof(dir), out, sizeof(out));
	ck_assert_msg(cindex_compile(dir, out, &n, &d) == 0, "compile: %s: %s",
	    d.file, d.what);
	ck_assert_msg(n == 3, "case count: got %ld, want 3", n);
	ck_assert_int_eq(cindex_open(&c, dir, &d), 0);
	ck_assert_int_eq(cindex_count(c), 3);
	ck_assert_int_eq(fp_of_cert(certs[lookup_cases[_i].cert],
	    lookup_cases[_i].alg, lookup_cases[_i].pubkey, &fp, &d), 0);
	rc = cindex_lookup(c, &fp, &got, &d);
	ck_assert_msg(rc == 1, "case %s: got %d, want 1", lookup_cases[_i].name,
	    rc);
	ck_assert_msg(got && X509_cmp(got, certs[lookup_cases[_i].cert]) == 0,
	    "case %s: got another certificate", lookup_cases[_i].name);
	X509_free(got);
	fp.md[0] ^= 1;
	ck_assert_int_eq(cindex_lookup(c, &fp, &got, &d), 0);
	ck_assert(got == NULL);
	cindex_close(c);
	cindex_close(NULL);
}
END_TEST

struct each {
	int	n;
	int	seen[3];
	char	files[3][TU_PATH_MAX];
};

static int
each_cb(void *ctx, const char *file, X509 *cert)
{
	struct each *e = ctx;
	int k;

	for (k = 0; k < 3; k++)
		if (X509_cmp(cert, certs[k]) == 0) {
			e->seen[k]++;
			snprintf(e->files[k], sizeof(e->files[k]), "%s", file);
		}
	e->n++;
	return 0;
}

START_TEST(test_cindex_each)
{
	char dir[TU_PATH_MAX], out[TU_PATH_MAX + 8];
	struct cindex *c;
	struct each e;
	struct diag d;
	long n;

	memset(&e, 0, sizeof(e));
	index_dir(dir, sizeof(dir), out, sizeof(out));
	ck_assert_int_eq(cindex_compile(dir, out, &n, &d), 0);
	ck_assert_int_eq(cindex_open(&c, dir, &d), 0);
	ck_assert_int_eq(cindex_each(c, each_cb, &e, &d), 0);
	ck_assert_msg(e.n == 3 && e.seen[0] == 1 && e.seen[1] == 1 &&
	    e.seen[2] == 1, "case each: got %d calls (%d %d %d)", e.n,
	    e.seen[0], e.seen[1], e.seen[2]);
	ck_assert_msg(strstr(e.files[0], "carol.pem") && strstr(e.files[2],
	    "more.crt"), "case files: got %s, %s", e.files[0], e.files[2]);
	cindex_close(c);
}
END_TEST

/* a file that holds no certificate fails the index; the old one stays */
START_TEST(test_cindex_bad_file)
{
	char dir[TU_PATH_MAX], out[TU_PATH_MAX + 8], path[TU_PATH_MAX];
	char parent[TU_PATH_MAX + 8], *slash, *before, *after;
	struct diag d;
	size_t nb, na;
	long n;

	index_dir(dir, sizeof(dir), out, sizeof(out));
	ck_assert_int_eq(cindex_compile(dir, out, &n, &d), 0);
	before = tu_read(out, &nb);
	tu_write(tu_path(path, sizeof(path), dir, "notes.txt"), "hello\n");
	diag_clear(&d);
	ck_assert_int_eq(cindex_compile(dir, out, &n, &d), -1);
	ck_assert_msg(strstr(d.file, "notes.txt") != NULL &&
	    strstr(d.what, "no PEM certificate") != NULL,
	    "case bad file: got %s: %s", d.file, d.what);
	after = tu_read(out, &na);
	ck_assert_msg(before && after && na == nb && memcmp(before, after, nb)
	    == 0, "case bad file: the index changed");
	snprintf(parent, sizeof(parent), "%s", out);
	slash = strrchr(parent, '/');
	*slash = 0;
	ck_assert_msg(tu_count_names(parent, ".tmp") == 0,
	    "case bad file: a temporary file was left");
	free(before);
	free(after);
}
END_TEST

START_TEST(test_cindex_open_errors)
{
	char dir[TU_PATH_MAX], src[TU_PATH_MAX], cdb[TU_PATH_MAX + 8];
	struct cindex *c = (struct cindex *)&c;
	struct diag d;

	tu_mkdir(dir, sizeof(dir));
	ck_assert_int_eq(cindex_open(&c, dir, &d), -1);
	ck_assert_msg(c == NULL && strstr(d.what, "certrelay compile"),
	    "case not compiled: got \"%s\"", d.what);

	/* a compiled table is not an index */
	tu_path(src, sizeof(src), dir, "subjects");
	snprintf(cdb, sizeof(cdb), "%s.cdb", dir);
	tu_write(src, "CN=a RELAY\n");
	ck_assert_int_eq(table_compile(src, TABLE_SUBJECT, cdb, &d), 0);
	ck_assert_int_eq(cindex_open(&c, dir, &d), -1);
	ck_assert_msg(strstr(d.what, "not a certrelay certificate index"),
	    "case table as index: got \"%s\"", d.what);

	ck_assert_int_eq(cindex_compile("/nonexistent/certs", cdb, &(long){0},
	    &d), -1);
}
END_TEST

#define LOOP(tc, fn, c) tcase_add_loop_test(tc, fn, 0, (int)NELEM(c))

int
main(void)
{
	Suite *s = suite_create("cindex");
	TCase *tc;

	tc = tcase_create("cindex_lookup");
	tcase_add_unchecked_fixture(tc, make_certs, free_certs);
	LOOP(tc, test_cindex_lookup, lookup_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("cindex_each");
	tcase_add_unchecked_fixture(tc, make_certs, free_certs);
	tcase_add_test(tc, test_cindex_each);
	suite_add_tcase(s, tc);
	tc = tcase_create("cindex_compile");
	tcase_add_unchecked_fixture(tc, make_certs, free_certs);
	tcase_add_test(tc, test_cindex_bad_file);
	suite_add_tcase(s, tc);
	tc = tcase_create("cindex_open");
	tcase_add_test(tc, test_cindex_open_errors);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
