/*
 * check_xtext - xtext_decode(), xtext_encode() and the hex_digit() they share
 *
 * xtext_encode() must write what Sendmail's xtextify(buf, "<>\")") writes
 * into {cert_subject}: sendmail/util.c encodes c < '!', c > '~', '+', '\\'
 * and '(' always, plus the taboo characters. Phase 0 of
 * tests/e2e/sendmail.sh measures it: OpenSSL's "\+" arrives as "+5C+2B".
 */
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "testutil.h"
#include "xtext.h"

static const struct {
	const char *name;
	const char *in;
	int	want_rc;
	const char *want;
	size_t	want_len;
} decode_cases[] = {
	{ "space", "Alice+20Martin", 0, "Alice Martin", 12 },
	{ "plus", "Fils+2BJr", 0, "Fils+Jr", 7 },
	{ "lower hex", "a+2bb", 0, "a+b", 3 },
	{ "openssl escape", "+5CxC3+5Cx89lise", 0, "\\xC3\\x89lise", 12 },
	{ "raw byte", "+C3+89", 0, "\xC3\x89", 2 },
	{ "nul byte", "a+00b", 0, "a\0b", 3 },
	{ "plain", "/C=FR/O=CNRS", 0, "/C=FR/O=CNRS", 12 },
	{ "empty", "", 0, "", 0 },
	{ "lone plus", "a+", -1, NULL, 0 },
	{ "one digit at end", "a+2", -1, NULL, 0 },
	{ "not hex", "a+G0b", -1, NULL, 0 },
	{ "second not hex", "a+2Zb", -1, NULL, 0 },
	{ "space after plus", "a+ 20", -1, NULL, 0 },
};

START_TEST(test_xtext_decode)
{
	char out[256];
	size_t len = 999;
	int rc;

	rc = xtext_decode(decode_cases[_i].in, strlen(decode_cases[_i].in),
	    out, sizeof(out), &len);
	ck_assert_msg(rc == decode_cases[_i].want_rc,
	    "case %s: got rc %d, want %d", decode_cases[_i].name, rc,
	    decode_cases[_i].want_rc);
	if (rc < 0)
		return;
	ck_assert_msg(len == decode_cases[_i].want_len &&
	    memcmp(out, decode_cases[_i].want, len) == 0 && out[len] == 0,
	    "case %s: got \"%s\" (%zu), want \"%s\" (%zu)",
	    decode_cases[_i].name, out, len, decode_cases[_i].want,
	    decode_cases[_i].want_len);
}
END_TEST

/* the same cases decoded in place, in a buffer just long enough */
START_TEST(test_xtext_decode_in_place)
{
	char buf[256];
	size_t n = strlen(decode_cases[_i].in), len = 999;
	int rc;

	memcpy(buf, decode_cases[_i].in, n + 1);
	rc = xtext_decode(buf, n, buf, n + 1, &len);
	ck_assert_msg(rc == decode_cases[_i].want_rc,
	    "case %s: got rc %d, want %d", decode_cases[_i].name, rc,
	    decode_cases[_i].want_rc);
	if (rc == 0)
		ck_assert_msg(len == decode_cases[_i].want_len &&
		    memcmp(buf, decode_cases[_i].want, len) == 0 &&
		    buf[len] == 0, "case %s: got \"%s\" (%zu)",
		    decode_cases[_i].name, buf, len);
}
END_TEST

START_TEST(test_xtext_decode_small)
{
	char out[4];
	size_t len;

	ck_assert_msg(xtext_decode("abc", 3, out, sizeof(out), &len) == 0,
	    "case fits: got -1, want 0");
	ck_assert_msg(xtext_decode("abcd", 4, out, sizeof(out), &len) == -1,
	    "case one too many: got 0, want -1");
	ck_assert_msg(xtext_decode("a+20c", 5, out, sizeof(out), &len) == 0 &&
	    strcmp(out, "a c") == 0, "case escape fits: got \"%s\"", out);
	ck_assert_msg(xtext_decode("ab+20c", 6, out, sizeof(out), &len) == -1,
	    "case escape overflows: got 0, want -1");
}
END_TEST

static const struct {
	const char *name;
	const char *in;
	const char *want;
} encode_cases[] = {
	{ "space", "Alice Martin", "Alice+20Martin" },
	{ "sendmail DN", "/C=FR/O=CNRS/CN=Alice Martin",
	    "/C=FR/O=CNRS/CN=Alice+20Martin" },
	{ "openssl \\+", "Jean Dupont\\+Fils, Jr",
	    "Jean+20Dupont+5C+2BFils,+20Jr" },
	{ "openssl \\/", "R&D\\/Paris", "R&D+5C/Paris" },
	{ "openssl \\x", "\\xC3\\x89lise No\\xC3\\xABl",
	    "+5CxC3+5Cx89lise+20No+5CxC3+5CxABl" },
	{ "parentheses", "a(b)", "a+28b+29" },
	{ "taboo", "<>\"", "+3C+3E+22" },
	{ "raw utf-8", "\xC3\x89", "+C3+89" },
	{ "del and tab", "\x7f\t", "+7F+09" },
	{ "kept", "=,/;:'!~", "=,/;:'!~" },
	{ "empty", "", "" },
};

START_TEST(test_xtext_encode)
{
	char out[512], oracle[512];
	int rc;

	rc = xtext_encode(encode_cases[_i].in, strlen(encode_cases[_i].in),
	    out, sizeof(out));
	ck_assert_msg(rc == 0, "case %s: got rc %d, want 0",
	    encode_cases[_i].name, rc);
	tu_sendmail_xtext(encode_cases[_i].in, oracle, sizeof(oracle));
	ck_assert_msg(strcmp(oracle, encode_cases[_i].want) == 0,
	    "case %s: the oracle disagrees with the table",
	    encode_cases[_i].name);
	ck_assert_msg(strcmp(out, encode_cases[_i].want) == 0,
	    "case %s: got \"%s\", want \"%s\" (as Sendmail's xtextify)",
	    encode_cases[_i].name, out, encode_cases[_i].want);
}
END_TEST

START_TEST(test_xtext_encode_small)
{
	char out[8];

	ck_assert_msg(xtext_encode("abcdefg", 7, out, sizeof(out)) == 0,
	    "case 7 in 8: got -1, want 0");
	ck_assert_msg(xtext_encode("abcdefgh", 8, out, sizeof(out)) == -1,
	    "case 8 in 8: got 0, want -1");
	ck_assert_msg(xtext_encode("abcd ", 5, out, sizeof(out)) == 0 &&
	    strcmp(out, "abcd+20") == 0, "case escape fits: got \"%s\"", out);
	ck_assert_msg(xtext_encode("abcde ", 6, out, sizeof(out)) == -1,
	    "case escape does not fit: got 0, want -1");
}
END_TEST

/* every byte survives encode then decode */
START_TEST(test_xtext_round_trip)
{
	char in[256], enc[256 * 3 + 1], dec[257];
	size_t len;
	int c;

	for (c = 0; c < 256; c++)
		in[c] = (char)c;
	ck_assert_int_eq(xtext_encode(in, sizeof(in), enc, sizeof(enc)), 0);
	ck_assert_int_eq(xtext_decode(enc, strlen(enc), dec, sizeof(dec), &len),
	    0);
	ck_assert_msg(len == 256 && memcmp(in, dec, 256) == 0,
	    "case all bytes: got %zu bytes back, want 256 equal", len);
}
END_TEST

/* every byte: hex_digit() agrees with strtol() base 16 on one digit */
START_TEST(test_hex_digit)
{
	char in[2] = { 0, 0 }, *end;
	long want;
	int c;

	for (c = 0; c < 256; c++) {
		in[0] = (char)c;
		want = strtol(in, &end, 16);
		if (end != in + 1)	/* no digit read */
			want = -1;
		ck_assert_msg(hex_digit((unsigned char)c) == want,
		    "case byte %d: got %d, want %ld", c,
		    hex_digit((unsigned char)c), want);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("xtext");
	TCase *tc;

	tc = tcase_create("xtext_decode");
	LOOP(tc, test_xtext_decode, decode_cases);
	LOOP(tc, test_xtext_decode_in_place, decode_cases);
	tcase_add_test(tc, test_xtext_decode_small);
	tcase_add_test(tc, test_xtext_round_trip);
	suite_add_tcase(s, tc);
	tc = tcase_create("xtext_encode");
	LOOP(tc, test_xtext_encode, encode_cases);
	tcase_add_test(tc, test_xtext_encode_small);
	suite_add_tcase(s, tc);
	tc = tcase_create("hex_digit");
	tcase_add_test(tc, test_hex_digit);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
