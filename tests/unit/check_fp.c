/*
 * check_fp - fingerprints in every spelling, and from certificates
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "fp.h"
#include "testutil.h"

#define SHA256_UP	"9A3F030405060708090A0B0C0D0E0F101112131415161718" \
			"191A1B1C1D1E1F20"
#define SHA256_LOW	"9a3f030405060708090a0b0c0d0e0f101112131415161718" \
			"191a1b1c1d1e1f20"
#define SHA256_COLON	"9A:3F:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:" \
			"11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F:20"
#define SHA256_COLON_LOW \
			"9a:3f:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:" \
			"11:12:13:14:15:16:17:18:19:1a:1b:1c:1d:1e:1f:20"
/* seed 000: a Postfix relay_clientcerts line */
#define MD5_SEED	"E1:3C:1A:C7:53:3F:B8:CB:1E:C2:99:F6:6B:88:84:C9"

/* key - fp_normalize then fp_bin_key, as a printable string */
static int
key(const char *text, char *out, size_t size, struct diag *d)
{
	struct fp fp;
	char bin[FP_BIN_MAX];
	size_t n, i, o = 0;

	diag_clear(d);
	if (fp_normalize(text, strlen(text), &fp, d) < 0)
		return -1;
	n = fp_bin_key(&fp, bin);
	ck_assert_msg(n <= FP_BIN_MAX && n == 3 + fp.len,
	    "fp_bin_key of \"%s\": %zu bytes", text, n);
	for (i = 0; i < n && o + 3 < size; i++)
		o += (size_t)snprintf(out + o, size - o, "%02x",
		    (unsigned char)bin[i]);
	return 0;
}

/* Every spelling of one digest is one key. */
static const struct {
	const char *name;
	const char *in;
	const char *same_as;
} spelling_cases[] = {
	{ "upper", SHA256_UP, SHA256_UP },
	{ "lower", SHA256_LOW, SHA256_UP },
	{ "colons", SHA256_COLON, SHA256_UP },
	{ "colons lower", SHA256_COLON_LOW, SHA256_UP },
	{ "sha256: prefix", "sha256:" SHA256_COLON, SHA256_UP },
	{ "SHA256: prefix", "SHA256:" SHA256_LOW, SHA256_UP },
	{ "pubkey: prefix", "pubkey:" SHA256_COLON, "pubkey:" SHA256_UP },
	{ "pubkey:sha256:", "pubkey:sha256:" SHA256_LOW, "pubkey:" SHA256_UP },
	{ "PUBKEY:", "PUBKEY:" SHA256_COLON_LOW, "pubkey:" SHA256_UP },
	{ "md5 seed 000", MD5_SEED, "e13c1ac7533fb8cb1ec299f66b8884c9" },
	{ "md5: prefix", "md5:" MD5_SEED, MD5_SEED },
};

START_TEST(test_fp_spellings)
{
	char got[2 * FP_BIN_MAX + 1], want[2 * FP_BIN_MAX + 1];
	struct diag d;

	ck_assert_msg(key(spelling_cases[_i].in, got, sizeof(got), &d) == 0,
	    "case %s: got error \"%s\"", spelling_cases[_i].name, d.what);
	ck_assert_msg(key(spelling_cases[_i].same_as, want, sizeof(want), &d)
	    == 0, "case %s: reference: %s", spelling_cases[_i].name, d.what);
	ck_assert_msg(strcmp(got, want) == 0, "case %s: got key %s, want %s",
	    spelling_cases[_i].name, got, want);
}
END_TEST

START_TEST(test_fp_pubkey_differs)
{
	char a[2 * FP_BIN_MAX + 1], b[2 * FP_BIN_MAX + 1];
	struct diag d;

	ck_assert_int_eq(key(SHA256_UP, a, sizeof(a), &d), 0);
	ck_assert_int_eq(key("pubkey:" SHA256_UP, b, sizeof(b), &d), 0);
	ck_assert_msg(strcmp(a, b) != 0, "case cert vs pubkey: same key %s", a);
}
END_TEST

/* the digest comes from the length */
static const struct {
	const char *name;
	size_t	bytes;
	int	colons;
	enum fp_alg want;
} length_cases[] = {
	{ "16 md5", 16, 1, FP_MD5 }, { "20 sha1", 20, 0, FP_SHA1 },
	{ "32 sha256", 32, 1, FP_SHA256 }, { "64 sha512", 64, 0, FP_SHA512 },
	{ "64 sha512 colons", 64, 1, FP_SHA512 },
};

START_TEST(test_fp_lengths)
{
	char text[64 * 3 + 1];
	struct fp fp;
	struct diag d;
	size_t i, o = 0;

	for (i = 0; i < length_cases[_i].bytes; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%s%02X",
		    length_cases[_i].colons && i ? ":" : "",
		    (unsigned)(i * 7) & 0xff);
	ck_assert_msg(fp_normalize(text, o, &fp, &d) == 0,
	    "case %s: got error \"%s\"", length_cases[_i].name, d.what);
	ck_assert_msg(fp.alg == length_cases[_i].want &&
	    fp.len == length_cases[_i].bytes && fp.pubkey == 0,
	    "case %s: got alg %d len %zu, want alg %d len %zu",
	    length_cases[_i].name, fp.alg, fp.len, length_cases[_i].want,
	    length_cases[_i].bytes);
	for (i = 0; i < fp.len; i++)
		ck_assert_msg(fp.md[i] == (unsigned char)(i * 7),
		    "case %s: byte %zu got %02x", length_cases[_i].name, i,
		    fp.md[i]);
}
END_TEST

static const struct {
	const char *name;
	const char *in;
	const char *what;
} error_cases[] = {
	{ "31 bytes", "9A3F030405060708090A0B0C0D0E0F101112131415161718"
	    "191A1B1C1D1E1F", "31-byte" },
	{ "17 bytes", MD5_SEED ":00", "17-byte" },
	{ "empty", "", "0-byte" },
	{ "odd digits", "E13C1AC7533FB8CB1EC299F66B8884C", "odd" },
	{ "odd digit before colon", "E1:3C:1A:C7:53:3F:B8:CB:1E:C2:99:F6:6B:"
	    "88:84:C", "odd" },
	{ "not hex", "G13C1AC7533FB8CB1EC299F66B8884C9", "hex" },
	{ "space inside", "E1 3C 1A C7 53 3F B8 CB 1E C2 99 F6 6B 88 84 C9",
	    "hex" },
	{ "65 bytes", SHA256_UP SHA256_UP "00", "64" },
	{ "prefix disagrees", "md5:" SHA256_UP, "md5" },
	{ "sha1 prefix on md5", "sha1:" MD5_SEED, "sha1" },
	{ "unknown prefix", "sha384:" SHA256_UP, "hex" },
};

START_TEST(test_fp_errors)
{
	struct fp fp;
	struct diag d;
	int rc;

	diag_clear(&d);
	rc = fp_normalize(error_cases[_i].in, strlen(error_cases[_i].in), &fp,
	    &d);
	ck_assert_msg(rc == -1, "case %s: got %d, want -1",
	    error_cases[_i].name, rc);
	ck_assert_msg(d.line == 0, "case %s: got d.line %d, want 0",
	    error_cases[_i].name, d.line);
	ck_assert_msg(strstr(d.what, error_cases[_i].what) != NULL,
	    "case %s: got \"%s\", want it to hold \"%s\"",
	    error_cases[_i].name, d.what, error_cases[_i].what);
}
END_TEST

/* the length argument bounds the text: no NUL needed */
START_TEST(test_fp_normalize_len)
{
	struct fp fp;
	struct diag d;
	char buf[] = MD5_SEED "ZZZZZZZ";

	ck_assert_msg(fp_normalize(buf, strlen(MD5_SEED), &fp, &d) == 0 &&
	    fp.alg == FP_MD5, "case unterminated: %s", d.what);
}
END_TEST

/* fp_of_cert against OpenSSL, every digest, cert and public key */
static const struct {
	const char *name;
	enum fp_alg alg;
	int	pubkey;
	const char *md;
} cert_cases[] = {
	{ "md5", FP_MD5, 0, "MD5" }, { "sha1", FP_SHA1, 0, "SHA1" },
	{ "sha256", FP_SHA256, 0, "SHA256" },
	{ "sha512", FP_SHA512, 0, "SHA512" },
	{ "pubkey sha256", FP_SHA256, 1, "SHA256" },
	{ "pubkey md5", FP_MD5, 1, "MD5" },
	{ "pubkey sha512", FP_SHA512, 1, "SHA512" },
};

static X509 *cert;

static void
make_cert(void)
{
	const char *pairs[] = { "C", "FR", "O", "CNRS", "CN", "Alice Martin",
	    NULL };
	X509_NAME *n = tu_name(pairs);
	EVP_PKEY *k = tu_key();

	cert = tu_cert(n, k, n, k, NULL, 7);
	X509_NAME_free(n);
	EVP_PKEY_free(k);
}

static void
free_cert(void)
{
	X509_free(cert);
	cert = NULL;
}

START_TEST(test_fp_of_cert)
{
	struct fp fp;
	struct diag d;
	char got[FP_TEXT_MAX], want[FP_TEXT_MAX];

	ck_assert_msg(fp_of_cert(cert, cert_cases[_i].alg,
	    cert_cases[_i].pubkey, &fp, &d) == 0, "case %s: %s",
	    cert_cases[_i].name, d.what);
	ck_assert_int_eq(fp.alg, cert_cases[_i].alg);
	ck_assert_int_eq(fp.pubkey, cert_cases[_i].pubkey);
	fp_text(&fp, got, sizeof(got));
	tu_hex_digest(cert, EVP_get_digestbyname(cert_cases[_i].md),
	    cert_cases[_i].pubkey, 1, want, sizeof(want));
	ck_assert_msg(strcmp(got, want) == 0, "case %s: got %s, want %s",
	    cert_cases[_i].name, got, want);
}
END_TEST

/* what the MTA sends for the cert normalises to what fp_of_cert gives */
START_TEST(test_fp_of_cert_matches_mta)
{
	struct fp a, b;
	struct diag d;
	char text[FP_TEXT_MAX], ka[FP_BIN_MAX], kb[FP_BIN_MAX];
	size_t na, nb;

	tu_hex_digest(cert, EVP_sha256(), 0, 1, text, sizeof(text));
	ck_assert_int_eq(fp_normalize(text, strlen(text), &a, &d), 0);
	ck_assert_int_eq(fp_of_cert(cert, FP_SHA256, 0, &b, &d), 0);
	na = fp_bin_key(&a, ka);
	nb = fp_bin_key(&b, kb);
	ck_assert_msg(na == nb && memcmp(ka, kb, na) == 0,
	    "case ccert_fingerprint: keys differ");
}
END_TEST

START_TEST(test_fp_text)
{
	struct fp fp;
	struct diag d;
	char buf[FP_TEXT_MAX], small[9];

	ck_assert_int_eq(fp_normalize(SHA256_LOW, strlen(SHA256_LOW), &fp, &d),
	    0);
	fp_text(&fp, buf, sizeof(buf));
	ck_assert_msg(strcmp(buf, SHA256_COLON) == 0,
	    "case sha256: got \"%s\", want \"%s\"", buf, SHA256_COLON);
	ck_assert_int_eq(fp_normalize(MD5_SEED, strlen(MD5_SEED), &fp, &d), 0);
	fp_text(&fp, buf, sizeof(buf));
	ck_assert_msg(strcmp(buf, MD5_SEED) == 0, "case md5: got \"%s\", want "
	    "\"%s\"", buf, MD5_SEED);
	memset(small, 'Z', sizeof(small));
	fp_text(&fp, small, 8);
	ck_assert_msg(strlen(small) < 8 && small[8] == 'Z',
	    "case small buffer: got \"%.8s\"", small);
}
END_TEST

START_TEST(test_fp_key)
{
	struct fp fp;
	struct diag d;
	char buf[FP_KEY_MAX];

	ck_assert_int_eq(fp_normalize(SHA256_COLON, strlen(SHA256_COLON), &fp,
	    &d), 0);
	fp_key(&fp, buf, sizeof(buf));
	ck_assert_msg(strcmp(buf, "sha256:" SHA256_LOW) == 0,
	    "case cert: got \"%s\", want \"sha256:" SHA256_LOW "\"", buf);
	ck_assert_int_eq(fp_normalize("pubkey:" SHA256_UP,
	    strlen("pubkey:" SHA256_UP), &fp, &d), 0);
	fp_key(&fp, buf, sizeof(buf));
	ck_assert_msg(strcmp(buf, "pubkey:sha256:" SHA256_LOW) == 0,
	    "case pubkey: got \"%s\", want \"pubkey:sha256:" SHA256_LOW "\"",
	    buf);
}
END_TEST

/* fp_key() and fp_text() read back as the same fingerprint */
START_TEST(test_fp_round_trip)
{
	struct fp fp, back;
	struct diag d;
	char buf[FP_KEY_MAX + FP_TEXT_MAX];
	enum fp_alg a;
	int pk;

	for (a = FP_MD5; a <= FP_SHA512; a++)
		for (pk = 0; pk <= 1; pk++) {
			ck_assert_int_eq(fp_of_cert(cert, a, pk, &fp, &d), 0);
			fp_key(&fp, buf, sizeof(buf));
			ck_assert_msg(fp_normalize(buf, strlen(buf), &back, &d)
			    == 0 && back.alg == a && back.pubkey == pk &&
			    back.len == fp.len &&
			    memcmp(back.md, fp.md, fp.len) == 0,
			    "case fp_key %s/%d: \"%s\" does not read back",
			    fp_alg_name(a), pk, buf);
			fp_text(&fp, buf, sizeof(buf));
			ck_assert_msg(fp_normalize(buf, strlen(buf), &back, &d)
			    == 0 && back.alg == a && back.len == fp.len &&
			    memcmp(back.md, fp.md, fp.len) == 0,
			    "case fp_text %s/%d: \"%s\" does not read back",
			    fp_alg_name(a), pk, buf);
		}
}
END_TEST

START_TEST(test_fp_alg_name)
{
	ck_assert_str_eq(fp_alg_name(FP_MD5), "md5");
	ck_assert_str_eq(fp_alg_name(FP_SHA1), "sha1");
	ck_assert_str_eq(fp_alg_name(FP_SHA256), "sha256");
	ck_assert_str_eq(fp_alg_name(FP_SHA512), "sha512");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("fp");
	TCase *tc;

	tc = tcase_create("fp_normalize");
	LOOP(tc, test_fp_spellings, spelling_cases);
	tcase_add_test(tc, test_fp_pubkey_differs);
	LOOP(tc, test_fp_lengths, length_cases);
	LOOP(tc, test_fp_errors, error_cases);
	tcase_add_test(tc, test_fp_normalize_len);
	suite_add_tcase(s, tc);
	tc = tcase_create("fp_of_cert");
	tcase_add_unchecked_fixture(tc, make_cert, free_cert);
	LOOP(tc, test_fp_of_cert, cert_cases);
	tcase_add_test(tc, test_fp_of_cert_matches_mta);
	tcase_add_test(tc, test_fp_round_trip);
	suite_add_tcase(s, tc);
	tc = tcase_create("fp_text");
	tcase_add_test(tc, test_fp_text);
	suite_add_tcase(s, tc);
	tc = tcase_create("fp_key");
	tcase_add_test(tc, test_fp_key);
	suite_add_tcase(s, tc);
	tc = tcase_create("fp_alg_name");
	tcase_add_test(tc, test_fp_alg_name);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
