/*
 * check_cindex - the certificate index: fingerprint -> certificate
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cdb.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "cindex.h"
#include "table.h"
#include "testutil.h"

static X509 *certs[3];
static X509 *std_ca, *plus_ca;
static EVP_PKEY *std_key, *plus_key;
static char ca_file[TU_PATH_MAX];

static const char *const std_name[] = { "C", "FR", "O", "CNRS",
    "CN", "CNRS-Standard", NULL };
static const char *const plus_name[] = { "C", "FR", "O", "CNRS",
    "CN", "CNRS-Plus", NULL };

/* ca_cert - a self-signed CA certificate, as certs.sh makes them */
static X509 *
ca_cert(const char *const *pairs, EVP_PKEY *key, long serial)
{
	X509_NAME *n = tu_name(pairs);
	X509 *c = tu_cert(n, key, n, key, NULL, serial);

	tu_ext(c, NID_basic_constraints, "critical,CA:TRUE");
	ck_assert(X509_sign(c, key, EVP_sha256()) > 0);
	X509_NAME_free(n);
	return c;
}

/* make_cas - CNRS-Standard and CNRS-Plus, both in the CA file */
static void
make_cas(void)
{
	char dir[TU_PATH_MAX];
	FILE *fp;

	std_key = tu_key();
	plus_key = tu_key();
	std_ca = ca_cert(std_name, std_key, 1);
	plus_ca = ca_cert(plus_name, plus_key, 2);
	tu_mkdir(dir, sizeof(dir));
	tu_path(ca_file, sizeof(ca_file), dir, "cafile.pem");
	fp = fopen(ca_file, "w");
	ck_assert(fp != NULL && PEM_write_X509(fp, std_ca) &&
	    PEM_write_X509(fp, plus_ca));
	fclose(fp);
}

static void
free_cas(void)
{
	X509_free(std_ca);
	X509_free(plus_ca);
	EVP_PKEY_free(std_key);
	EVP_PKEY_free(plus_key);
}

/* What compile reported, one "file: what" a line. */
static char reports[16384];

static void
collect(void *ctx, const char *file, const char *what)
{
	size_t n = strlen(reports);

	(void)ctx;
	snprintf(reports + n, sizeof(reports) - n, "%s: %s\n", file, what);
}

/* compile - dir to out against ca (NULL: none), reports collected */
static int
compile(const char *dir, const char *out, const char *ca,
    struct cindex_stats *st, struct diag *d)
{
	struct cindex_opts o = { ca, collect, NULL, 0 };

	reports[0] = 0;
	diag_clear(d);
	return cindex_compile(dir, out, &o, st, d);
}

/* issued - a certificate for subject pairs with key k, by a CA */
static X509 *
issued(const char *const *pairs, EVP_PKEY *k, X509 *ca, EVP_PKEY *cak,
    long serial)
{
	X509_NAME *s = tu_name(pairs);
	X509 *c = tu_cert(s, k, X509_get_subject_name(ca), cak, NULL, serial);

	X509_NAME_free(s);
	return c;
}

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
	X509_NAME *s;
	EVP_PKEY *k;
	int n;

	(void)ca;
	make_cas();
	for (n = 0; n < 3; n++) {
		s = tu_name(subj[n]);
		k = tu_key();
		certs[n] = tu_cert(s, k, X509_get_subject_name(std_ca),
		    std_key, n == 0 ? "carol@x.example" : NULL, 100 + n);
		X509_NAME_free(s);
		EVP_PKEY_free(k);
	}
}

static void
free_certs(void)
{
	int n;

	for (n = 0; n < 3; n++)
		X509_free(certs[n]);
	free_cas();
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

/* A certificate's own digests find it; its public key's never do (a key
 * is no proof of which certificate carries it). */
static const struct {
	const char *name;
	int	cert;
	enum fp_alg alg;
	int	pubkey;
	int	rc;
} lookup_cases[] = {
	{ "carol sha256", 0, FP_SHA256, 0, 1 },
	{ "carol md5", 0, FP_MD5, 0, 1 },
	{ "carol sha1", 0, FP_SHA1, 0, 1 },
	{ "carol sha512", 0, FP_SHA512, 0, 1 },
	{ "carol pubkey sha256", 0, FP_SHA256, 1, 0 },
	{ "carol pubkey md5", 0, FP_MD5, 1, 0 },
	{ "dave sha256", 1, FP_SHA256, 0, 1 },
	{ "elise sha1", 2, FP_SHA1, 0, 1 },
	{ "elise pubkey sha512", 2, FP_SHA512, 1, 0 },
};

START_TEST(test_cindex_lookup)
{
	char dir[TU_PATH_MAX], out[TU_PATH_MAX + 8];
	struct cindex *c;
	struct diag d;
	struct cindex_stats st;
	struct fp fp;
	X509 *got = NULL;
	unsigned flags;
	int rc;

	index_dir(dir, sizeof(dir), out, sizeof(out));
	ck_assert_msg(compile(dir, out, ca_file, &st, &d) == 0,
	    "compile: %s: %s", d.file, d.what);
	ck_assert_msg(st.count == 3 && st.verified == 3 && st.warnings == 0,
	    "case count: got %ld %ld %ld, want 3 3 0 (%s)", st.count,
	    st.verified, st.warnings, reports);
	ck_assert_int_eq(cindex_open(&c, dir, &d), 0);
	ck_assert_int_eq(cindex_count(c), 3);
	ck_assert_int_eq(cindex_verified(c), 3);
	ck_assert_int_eq(fp_of_cert(certs[lookup_cases[_i].cert],
	    lookup_cases[_i].alg, lookup_cases[_i].pubkey, &fp, &d), 0);
	rc = cindex_lookup(c, &fp, &got, &flags, &d);
	ck_assert_msg(rc == lookup_cases[_i].rc, "case %s: got %d, want %d",
	    lookup_cases[_i].name, rc, lookup_cases[_i].rc);
	if (rc == 1) {
		ck_assert_msg(got && X509_cmp(got,
		    certs[lookup_cases[_i].cert]) == 0,
		    "case %s: got another certificate", lookup_cases[_i].name);
		ck_assert_msg(flags == CINDEX_VERIFIED, "case %s: got flags "
		    "%u, want verified", lookup_cases[_i].name, flags);
	} else
		ck_assert(got == NULL);
	X509_free(got);
	fp.md[0] ^= 1;
	ck_assert_int_eq(cindex_lookup(c, &fp, &got, &flags, &d), 0);
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
each_cb(void *ctx, const char *file, X509 *cert, unsigned flags)
{
	struct each *e = ctx;
	int k;

	for (k = 0; k < 3; k++)
		if (X509_cmp(cert, certs[k]) == 0 &&
		    flags == CINDEX_VERIFIED) {
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
	struct cindex_stats st;
	struct each e;
	struct diag d;

	memset(&e, 0, sizeof(e));
	index_dir(dir, sizeof(dir), out, sizeof(out));
	ck_assert_int_eq(compile(dir, out, ca_file, &st, &d), 0);
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
	struct cindex_stats st;
	struct diag d;
	size_t nb, na;

	index_dir(dir, sizeof(dir), out, sizeof(out));
	ck_assert_int_eq(compile(dir, out, ca_file, &st, &d), 0);
	before = tu_read(out, &nb);
	tu_write(tu_path(path, sizeof(path), dir, "notes.txt"), "hello\n");
	ck_assert_int_eq(compile(dir, out, ca_file, &st, &d), -1);
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

	ck_assert_int_eq(compile("/nonexistent/certs", cdb, NULL,
	    &(struct cindex_stats){ 0 }, &d), -1);
}
END_TEST

/* has_fp - 1 found (flags in *flags), 0 not: cert's digest alg */
static int
has_fp(const struct cindex *c, X509 *cert, enum fp_alg alg, int pubkey,
    unsigned *flags)
{
	struct diag d;
	struct fp fp;
	X509 *got = NULL;
	int rc;

	ck_assert_int_eq(fp_of_cert(cert, alg, pubkey, &fp, &d), 0);
	rc = cindex_lookup(c, &fp, &got, flags, &d);
	ck_assert(rc >= 0);
	X509_free(got);
	return rc;
}

/*
 * Issue 15, finding 2: a guest's CNRS-Standard certificate, and an index
 * entry (old, or made around the guest's key) with the same key and
 * OU=UMR7503 under CNRS-Plus. Nothing the guest presents finds that
 * entry, so its names never become the guest's; compile says the two
 * share a key.
 */
START_TEST(test_cindex_same_key)
{
	static const char *const guest_name[] = { "C", "FR", "O", "CNRS",
	    "OU", "UMR9999", "CN", "Guest", NULL };
	static const char *const lab_name[] = { "C", "FR", "O", "CNRS",
	    "OU", "UMR7503", "CN", "Guest", NULL };
	char dir[TU_PATH_MAX], out[TU_PATH_MAX + 8], path[TU_PATH_MAX];
	EVP_PKEY *k = tu_key();
	X509 *guest = issued(guest_name, k, std_ca, std_key, 300);
	X509 *lab = issued(lab_name, k, plus_ca, plus_key, 301);
	struct cindex_stats st;
	struct cindex *c;
	struct diag d;
	unsigned flags;
	int alg;

	tu_mkdir(dir, sizeof(dir));
	snprintf(out, sizeof(out), "%s.cdb", dir);
	tu_write_pem(tu_path(path, sizeof(path), dir, "lab.pem"), lab);
	ck_assert_int_eq(compile(dir, out, ca_file, &st, &d), 0);
	ck_assert_int_eq(cindex_open(&c, dir, &d), 0);
	for (alg = FP_MD5; alg <= FP_SHA512; alg++) {
		ck_assert_msg(has_fp(c, guest, alg, 0, &flags) == 0,
		    "case guest cert %s: found the lab entry",
		    fp_alg_name(alg));
		ck_assert_msg(has_fp(c, guest, alg, 1, &flags) == 0,
		    "case guest key %s: found the lab entry",
		    fp_alg_name(alg));
	}
	ck_assert_msg(has_fp(c, lab, FP_SHA256, 0, &flags) == 1 &&
	    flags == CINDEX_VERIFIED, "case lab itself: not found verified");
	cindex_close(c);

	/* both in the index: reported, by file */
	tu_write_pem(tu_path(path, sizeof(path), dir, "guest.pem"), guest);
	ck_assert_int_eq(compile(dir, out, ca_file, &st, &d), 0);
	ck_assert_msg(st.count == 2 && st.warnings == 1 &&
	    strstr(reports, "lab.pem: a certificate with the same public key "
	    "as ") && strstr(reports, "guest.pem: a key pin matches both"),
	    "case shared key: got %ld certs, reports \"%s\"", st.count,
	    reports);
	tu_write_pem(tu_path(path, sizeof(path), dir, "lab-copy.pem"), lab);
	ck_assert_int_eq(compile(dir, out, ca_file, &st, &d), 0);
	ck_assert_msg(strstr(reports, "the same certificate as ") &&
	    st.warnings == 2, "case copy: got \"%s\"", reports);
	X509_free(guest);
	X509_free(lab);
	EVP_PKEY_free(k);
}
END_TEST

/* A self-signed pinned partner stays in the index, unverified, and says
 * why; so does everything when there is no CA file. */
START_TEST(test_cindex_unverified)
{
	static const char *const partner[] = { "C", "VN", "O", "Refer",
	    "CN", "antenne.danang.vn.refer.org", NULL };
	char dir[TU_PATH_MAX], out[TU_PATH_MAX + 8], path[TU_PATH_MAX];
	X509_NAME *n = tu_name(partner);
	EVP_PKEY *k = tu_key();
	X509 *self = tu_cert(n, k, n, k, NULL, 400);
	struct cindex_stats st;
	struct cindex *c;
	struct diag d;
	unsigned flags;

	tu_mkdir(dir, sizeof(dir));
	snprintf(out, sizeof(out), "%s.cdb", dir);
	tu_write_pem(tu_path(path, sizeof(path), dir, "partner.pem"), self);
	tu_write_pem(tu_path(path, sizeof(path), dir, "carol.pem"), certs[0]);
	ck_assert_msg(compile(dir, out, ca_file, &st, &d) == 0, "%s", d.what);
	ck_assert_msg(st.count == 2 && st.verified == 1 && st.warnings == 1 &&
	    strstr(reports, "partner.pem: CN=antenne.danang.vn.refer.org,"
	    "O=Refer,C=VN: does not verify against ") && strstr(reports,
	    ": self-signed certificate; its names will not be used"),
	    "case self-signed: got %ld %ld, \"%s\"", st.count, st.verified,
	    reports);
	ck_assert_int_eq(cindex_open(&c, dir, &d), 0);
	ck_assert_msg(has_fp(c, self, FP_SHA256, 0, &flags) == 1 && flags == 0,
	    "case self-signed: got flags %u, want 0", flags);
	ck_assert(has_fp(c, certs[0], FP_SHA256, 0, &flags) == 1 &&
	    flags == CINDEX_VERIFIED);
	cindex_close(c);

	/* no CA file: nothing verified, and compile says so */
	ck_assert_int_eq(compile(dir, out, NULL, &st, &d), 0);
	ck_assert_msg(st.count == 2 && st.verified == 0 && strstr(reports,
	    "no index_ca_file: no index certificate counts as verified"),
	    "case no CA file: got %ld, \"%s\"", st.verified, reports);
	ck_assert_int_eq(cindex_open(&c, dir, &d), 0);
	ck_assert(has_fp(c, certs[0], FP_SHA256, 0, &flags) == 1 && flags == 0);
	ck_assert_int_eq(cindex_verified(c), 0);
	cindex_close(c);

	/* a CA file that is not there fails, naming it */
	tu_path(path, sizeof(path), dir, "no-such-ca.pem");
	ck_assert_int_eq(compile(dir, out, path, &st, &d), -1);
	ck_assert_msg(strcmp(d.file, path) == 0 && strstr(d.what, "CA file"),
	    "case missing CA file: got %s: %s", d.file, d.what);
	X509_free(self);
	X509_NAME_free(n);
	EVP_PKEY_free(k);
}
END_TEST

/* Expiry is reported, not held against verification (the MTA checks the
 * time at each handshake). */
START_TEST(test_cindex_expired)
{
	char dir[TU_PATH_MAX], out[TU_PATH_MAX + 8], path[TU_PATH_MAX];
	X509 *old = X509_dup(certs[1]);
	struct cindex_stats st;
	struct diag d;

	ck_assert(X509_gmtime_adj(X509_getm_notBefore(old), -86400 * 3) &&
	    X509_gmtime_adj(X509_getm_notAfter(old), -86400) &&
	    X509_sign(old, std_key, EVP_sha256()) > 0);
	tu_mkdir(dir, sizeof(dir));
	snprintf(out, sizeof(out), "%s.cdb", dir);
	tu_write_pem(tu_path(path, sizeof(path), dir, "dave-old.pem"), old);
	ck_assert_int_eq(compile(dir, out, ca_file, &st, &d), 0);
	ck_assert_msg(st.verified == 1 && st.warnings == 1 && strstr(reports,
	    "dave-old.pem: CN=Dave,OU=UMR5800,C=FR: expired on "),
	    "case expired: got %ld, \"%s\"", st.verified, reports);
	X509_free(old);
}
END_TEST

/* A symbolic link in the index directory is skipped, never followed. */
START_TEST(test_cindex_symlink)
{
	char dir[TU_PATH_MAX], out[TU_PATH_MAX + 8], path[TU_PATH_MAX];
	char other[TU_PATH_MAX], target[TU_PATH_MAX];
	struct cindex_stats st;
	struct cindex *c;
	struct diag d;
	unsigned flags;

	tu_mkdir(other, sizeof(other));
	tu_write_pem(tu_path(target, sizeof(target), other, "dave.pem"),
	    certs[1]);
	tu_mkdir(dir, sizeof(dir));
	snprintf(out, sizeof(out), "%s.cdb", dir);
	tu_write_pem(tu_path(path, sizeof(path), dir, "carol.pem"), certs[0]);
	ck_assert(symlink(target, tu_path(path, sizeof(path), dir,
	    "dave.pem")) == 0);
	ck_assert(symlink("/nonexistent", tu_path(path, sizeof(path), dir,
	    "dangling.pem")) == 0);
	ck_assert(mkdir(tu_path(path, sizeof(path), dir, "sub"), 0700) == 0);
	ck_assert_msg(compile(dir, out, ca_file, &st, &d) == 0, "%s: %s",
	    d.file, d.what);
	ck_assert_msg(st.count == 1 && st.warnings == 2 &&
	    strstr(reports, "/dave.pem: symbolic link skipped") &&
	    strstr(reports, "/dangling.pem: symbolic link skipped"),
	    "case symlink: got %ld, \"%s\"", st.count, reports);
	ck_assert_int_eq(cindex_open(&c, dir, &d), 0);
	ck_assert_msg(has_fp(c, certs[1], FP_SHA256, 0, &flags) == 0,
	    "case symlink: the linked certificate was indexed");
	cindex_close(c);
}
END_TEST

/* An index from before: its keys included public keys and its names
 * were never verified, so a daemon must not use it. */
START_TEST(test_cindex_old_format)
{
	char dir[TU_PATH_MAX], cdb[TU_PATH_MAX + 8];
	struct cdb_make cm;
	struct cindex *c;
	struct diag d;
	int fd;

	tu_mkdir(dir, sizeof(dir));
	snprintf(cdb, sizeof(cdb), "%s.cdb", dir);
	fd = open(cdb, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert(fd >= 0);
	cdb_make_start(&cm, fd);
	ck_assert(cdb_make_add(&cm, "\0certrelay-index", 16, "1 3", 3) == 0);
	ck_assert(cdb_make_finish(&cm) == 0);
	close(fd);
	ck_assert_int_eq(cindex_open(&c, dir, &d), -1);
	ck_assert_msg(c == NULL && strstr(d.what, "older format") &&
	    strstr(d.what, "recompile"), "case old format: got \"%s\"",
	    d.what);
}
END_TEST

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
	tcase_add_test(tc, test_cindex_same_key);
	tcase_add_test(tc, test_cindex_unverified);
	tcase_add_test(tc, test_cindex_expired);
	tcase_add_test(tc, test_cindex_symlink);
	suite_add_tcase(s, tc);
	tc = tcase_create("cindex_open");
	tcase_add_test(tc, test_cindex_open_errors);
	tcase_add_test(tc, test_cindex_old_format);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
