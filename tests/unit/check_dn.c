/*
 * check_dn - distinguished names in Sendmail, OpenSSL oneline, RFC 4514
 * and X509_NAME form
 *
 * The Sendmail spellings are Sendmail 8.17's with OpenSSL 3 (sendmail/tls.c,
 * tls_get_info(): X509_NAME_oneline(), then xtextify(); phase 0 of
 * tests/e2e/sendmail.sh checks them): oneline escapes first ("\/", "\+",
 * "\xHH"), then xtext ("+5C/", "+5C+2B", "+5CxC3").
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dn.h"
#include "testutil.h"
#include "xtext.h"

#define BIG		(DN_MAX_BYTES * 4)

/* The issue's examples. */
#define ALICE_SM	"/C=FR/O=CNRS/OU=UMR7503/CN=Alice+20Martin"
#define ALICE_RFC	"CN=Alice\\20Martin,OU=UMR7503,O=CNRS,C=FR"
#define ALICE_PLAIN	"CN=Alice Martin,OU=UMR7503,O=CNRS,C=FR"
#define JEAN_SM		"/C=FR/O=CNRS/OU=R&D+5C/Paris" \
			"/OU=UMR7503+2BL=Paris" \
			"/CN=Jean+20Dupont+5C+2BFils,+20Jr"
#define JEAN_RFC	"CN=Jean Dupont\\+Fils\\, Jr,L=Paris+OU=UMR7503," \
			"OU=R&D/Paris,O=CNRS,C=FR"
#define ELISE_SM	"/C=FR/O=CNRS/CN=+5CxC3+5Cx89lise+20No+5CxC3+5CxABl"
#define ELISE_UTF8	"\xC3\x89lise No\xC3\xABl"

/* parse - a DN by name of parser; NULL and d filled on error */
static struct dn *
parse(const char *how, const char *s, struct diag *d)
{
	struct dn *dn = NULL;
	int rc;

	diag_clear(d);
	if (strcmp(how, "sendmail") == 0)
		rc = dn_parse_sendmail(s, strlen(s), &dn, d);
	else if (strcmp(how, "oneline") == 0)
		rc = dn_parse_oneline(s, strlen(s), &dn, d);
	else if (strcmp(how, "rfc4514") == 0)
		rc = dn_parse_rfc4514(s, strlen(s), &dn, d);
	else
		rc = dn_parse_any(s, strlen(s), &dn, d);
	ck_assert_msg((rc == 0) == (dn != NULL), "parser %s: rc %d but dn %p",
	    how, rc, (void *)dn);
	return dn;
}

/* fmt - a form into a static buffer ("<too small>" on -1) */
static const char *
fmt(const struct dn *dn, enum dn_form form)
{
	static char buf[4][BIG];
	static int k;
	char *b = buf[k++ % 4];

	if (dn_format(dn, form, b, BIG) < 0)
		snprintf(b, BIG, "<dn_format failed>");
	return b;
}

/*
 * Parsers: what each spelling means, as the canonical RFC 4514 string,
 * or which error it gives.
 */
static const struct {
	const char *name;
	const char *how;
	const char *in;
	const char *want;		/* DN_RFC4514, or NULL: an error */
	const char *what;		/* part of d.what for an error */
} parse_cases[] = {
	{ "sendmail alice", "sendmail", ALICE_SM, ALICE_PLAIN, NULL },
	{ "sendmail specials", "sendmail", JEAN_SM, JEAN_RFC, NULL },
	{ "sendmail utf-8", "sendmail", ELISE_SM,
	    "CN=" ELISE_UTF8 ",O=CNRS,C=FR", NULL },
	{ "sendmail email", "sendmail",
	    "/C=FR/O=CNRS/OU=UMR7503/CN=Alice+20Martin/emailAddress="
	    "alice.martin@umr7503.example",
	    "emailAddress=alice.martin@umr7503.example,CN=Alice Martin,"
	    "OU=UMR7503,O=CNRS,C=FR", NULL },
	{ "sendmail empty value", "sendmail", "/C=FR/CN=", "CN=,C=FR", NULL },
	{ "oneline specials", "oneline",
	    "/C=FR/OU=R&D\\/Paris/OU=UMR7503+L=Paris/CN=Jean Dupont\\+Fils, Jr",
	    "CN=Jean Dupont\\+Fils\\, Jr,L=Paris+OU=UMR7503,OU=R&D/Paris,C=FR",
	    NULL },
	{ "oneline utf-8", "oneline", "/CN=\\xC3\\x89lise",
	    "CN=\xC3\x89lise", NULL },
	/* "\xHH" is an escape only where OpenSSL writes one */
	{ "sendmail \\x20 is text", "sendmail",
	    "/C=FR/O=CNRS/OU=UMR9999/CN=Jean+5Cx20Dupont",
	    "CN=Jean\\\\x20Dupont,OU=UMR9999,O=CNRS,C=FR", NULL },
	{ "oneline \\x41 is text", "oneline", "/CN=\\x41", "CN=\\\\x41",
	    NULL },
	{ "oneline \\x7E is text", "oneline", "/CN=a\\x7Eb", "CN=a\\\\x7Eb",
	    NULL },
	{ "oneline \\x1F decoded", "oneline", "/CN=a\\x1Fb", "CN=a\\1Fb",
	    NULL },
	{ "oneline \\x7F decoded", "oneline", "/CN=a\\x7fb", "CN=a\\7Fb",
	    NULL },
	{ "oneline \\x80 decoded", "oneline", "/CN=\\x80", "CN=\\80", NULL },
	{ "oneline \\x00 decoded", "oneline", "/CN=a\\x00b", "CN=a\\00b",
	    NULL },
	{ "rfc4514 \\20", "rfc4514", ALICE_RFC, ALICE_PLAIN, NULL },
	{ "rfc4514 plain space", "rfc4514", ALICE_PLAIN, ALICE_PLAIN, NULL },
	{ "rfc4514 spaces around", "rfc4514",
	    "CN = Alice Martin , OU=UMR7503 ,O=CNRS,C=FR", ALICE_PLAIN, NULL },
	{ "rfc4514 lower-case types", "rfc4514",
	    "cn=Alice Martin,ou=UMR7503,o=CNRS,c=FR", ALICE_PLAIN, NULL },
	{ "rfc4514 long names", "rfc4514",
	    "commonName=Alice Martin,organizationalUnitName=UMR7503,"
	    "organizationName=CNRS,countryName=FR", ALICE_PLAIN, NULL },
	{ "rfc4514 oid", "rfc4514", "2.5.4.3=Alice Martin,2.5.4.11=UMR7503,"
	    "O=CNRS,C=FR", ALICE_PLAIN, NULL },
	{ "rfc4514 unknown oid kept", "rfc4514", "1.2.3.4=x,C=FR",
	    "1.2.3.4=x,C=FR", NULL },
	{ "rfc4514 semicolons", "rfc4514", "CN=Alice Martin;OU=UMR7503;O=CNRS;"
	    "C=FR", ALICE_PLAIN, NULL },
	{ "rfc4514 specials", "rfc4514", JEAN_RFC, JEAN_RFC, NULL },
	{ "rfc4514 multi-valued order", "rfc4514",
	    "CN=Jean Dupont\\+Fils\\, Jr,OU=UMR7503+L=Paris,OU=R&D/Paris,"
	    "O=CNRS,C=FR", JEAN_RFC, NULL },
	{ "rfc4514 quoted", "rfc4514", "CN=\"Dupont, Jean\",O=CNRS",
	    "CN=Dupont\\, Jean,O=CNRS", NULL },
	{ "rfc4514 hex utf-8", "rfc4514", "CN=\\C3\\89lise\\20No\\C3\\ABl,"
	    "O=CNRS,C=FR", "CN=" ELISE_UTF8 ",O=CNRS,C=FR", NULL },
	{ "rfc4514 raw utf-8", "rfc4514", "CN=" ELISE_UTF8 ",O=CNRS,C=FR",
	    "CN=" ELISE_UTF8 ",O=CNRS,C=FR", NULL },
	{ "rfc4514 escaped trailing space", "rfc4514", "CN=a\\20,O=b",
	    "CN=a\\20,O=b", NULL },
	{ "rfc4514 email", "rfc4514", "E=alice@x.example,CN=Alice",
	    "emailAddress=alice@x.example,CN=Alice", NULL },
	{ "rfc4514 types are case-insensitive", "rfc4514",
	    "serialnumber=42,CN=Alice", "serialNumber=42,CN=Alice", NULL },
	{ "any slash", "any", ALICE_SM, ALICE_PLAIN, NULL },
	{ "any rfc", "any", ALICE_RFC, ALICE_PLAIN, NULL },
	/* errors */
	{ "bad xtext", "sendmail", "/C=FR/CN=Alice+2", NULL, "xtext" },
	{ "bad xtext digit", "sendmail", "/C=FR/CN=Alice+ZZ", NULL, "xtext" },
	{ "sendmail missing =", "sendmail", "/C=FR/CNAlice", NULL,
	    "expected /TYPE=value" },
	{ "sendmail unknown type", "sendmail", "/C=FR/XX=1", NULL,
	    "unknown attribute type" },
	{ "sendmail first missing =", "sendmail", "/CNAlice/C=FR", NULL,
	    "expected /TYPE=value" },
	{ "sendmail first unknown type", "sendmail", "/XX=1/C=FR", NULL,
	    "unknown attribute type" },
	{ "sendmail misspelt type", "sendmail", "/C=FR/O=CNRS/OUU=UMR7503"
	    "/CN=Alice", NULL, "unknown attribute type" },
	{ "sendmail no slash", "sendmail", "C=FR", NULL, "'/'" },
	{ "sendmail empty", "sendmail", "", NULL, "'/'" },
	{ "sendmail empty type", "sendmail", "/=x", NULL, "attribute type" },
	{ "rfc4514 missing =", "rfc4514", "CN,O=CNRS", NULL,
	    "bad RFC 4514 name" },
	{ "rfc4514 unknown type", "rfc4514", "XX=1,O=CNRS", NULL,
	    "unknown attribute type" },
	{ "rfc4514 trailing comma", "rfc4514", "CN=Alice,O=CNRS,", NULL,
	    "bad RFC 4514 name" },
	{ "rfc4514 trailing plus", "rfc4514", "CN=Alice+", NULL,
	    "bad RFC 4514 name" },
	{ "rfc4514 empty", "rfc4514", "", NULL, "empty" },
	{ "rfc4514 bad escape", "rfc4514", "CN=a\\zz", NULL,
	    "bad RFC 4514 name" },
	{ "rfc4514 ber value", "rfc4514", "CN=#04034142", NULL,
	    "bad RFC 4514 name" },
	{ "rfc4514 open quote", "rfc4514", "CN=\"abc,O=x", NULL,
	    "bad RFC 4514 name" },
	{ "rfc4514 junk after quote", "rfc4514", "CN=\"a\"xO=b", NULL,
	    "bad RFC 4514 name" },
	{ "any trailing comma", "any", "CN=Alice,", NULL,
	    "bad RFC 4514 name" },
};

START_TEST(test_dn_parse)
{
	struct diag d;
	struct dn *dn;
	const char *got;

	dn = parse(parse_cases[_i].how, parse_cases[_i].in, &d);
	if (parse_cases[_i].want == NULL) {
		ck_assert_msg(dn == NULL, "case %s: got \"%s\", want an error",
		    parse_cases[_i].name, dn ? fmt(dn, DN_RFC4514) : "");
		ck_assert_msg(d.line == 0, "case %s: got d.line %d, want 0",
		    parse_cases[_i].name, d.line);
		ck_assert_msg(strstr(d.what, parse_cases[_i].what) != NULL,
		    "case %s: got d.what \"%s\", want it to hold \"%s\"",
		    parse_cases[_i].name, d.what, parse_cases[_i].what);
		return;
	}
	ck_assert_msg(dn != NULL, "case %s: got error \"%s\", want \"%s\"",
	    parse_cases[_i].name, d.what, parse_cases[_i].want);
	got = fmt(dn, DN_RFC4514);
	ck_assert_msg(strcmp(got, parse_cases[_i].want) == 0,
	    "case %s: got \"%s\", want \"%s\"", parse_cases[_i].name, got,
	    parse_cases[_i].want);
	dn_free(dn);
}
END_TEST

/* The same name, spelt every way, is one name with one key. */
static const struct {
	const char *name;
	const char *a, *b;
	int	want;
} equal_cases[] = {
	{ "sendmail = rfc4514 \\20", ALICE_SM, ALICE_RFC, 1 },
	{ "sendmail = rfc4514 space", ALICE_SM, ALICE_PLAIN, 1 },
	{ "rfc4514 \\20 = space", ALICE_RFC, ALICE_PLAIN, 1 },
	{ "case", ALICE_SM, "cn=ALICE MARTIN,ou=umr7503,o=cnrs,c=fr", 1 },
	{ "case of types", "CN=Alice,O=CNRS", "cn=Alice,o=CNRS", 1 },
	{ "sendmail = rfc4514 specials", JEAN_SM, JEAN_RFC, 1 },
	{ "sendmail xtext-less", "/C=FR/O=CNRS/OU=UMR7503/CN=Alice Martin",
	    ALICE_PLAIN, 1 },
	{ "sendmail = rfc4514 utf-8 raw", ELISE_SM,
	    "CN=" ELISE_UTF8 ",O=CNRS,C=FR", 1 },
	{ "sendmail = rfc4514 utf-8 hex", ELISE_SM,
	    "CN=\\C3\\89lise\\20No\\C3\\ABl,O=CNRS,C=FR", 1 },
	{ "sendmail hex case", "/CN=+5Cxc3+5Cx89", "/CN=+5CxC3+5Cx89", 1 },
	{ "multi-valued order", "OU=UMR7503+L=Paris,O=CNRS",
	    "L=Paris+OU=UMR7503,O=CNRS", 1 },
	{ "multi-valued same type, case", "CN=alice+CN=Bob,O=X",
	    "CN=Alice+CN=bob,O=X", 1 },
	{ "one RDN more", "CN=Alice,O=CNRS", "CN=Alice,O=CNRS,C=FR", 0 },
	{ "RDN order", "CN=Alice,O=CNRS,C=FR", "O=CNRS,CN=Alice,C=FR", 0 },
	{ "multi-valued is not two RDNs", "OU=A+L=B,O=C", "OU=A,L=B,O=C", 0 },
	{ "different value", ALICE_SM, "CN=Alice Martine,OU=UMR7503,O=CNRS,"
	    "C=FR", 0 },
	{ "space is not \\20 twice", "CN=a b", "CN=a  b", 0 },
	{ "typed \\x20 is not a space",
	    "/C=FR/O=CNRS/OU=UMR9999/CN=Jean+5Cx20Dupont",
	    "CN=Jean Dupont,OU=UMR9999,O=CNRS,C=FR", 0 },
	{ "typed \\x41 is not A", "/CN=+5Cx41lice", "CN=Alice", 0 },
	{ "NUL does not cut an address",
	    "/C=FR/O=CNRS/OU=UMR7503/CN=Alice+20Martin/emailAddress="
	    "alice.martin@umr7503.example+5Cx00@evil.example",
	    "emailAddress=alice.martin@umr7503.example,CN=Alice Martin,"
	    "OU=UMR7503,O=CNRS,C=FR", 0 },
};

START_TEST(test_dn_equal)
{
	struct diag d;
	struct dn *a, *b;
	char ka[BIG], kb[BIG];
	int got;

	a = parse("any", equal_cases[_i].a, &d);
	ck_assert_msg(a != NULL, "case %s: a: %s", equal_cases[_i].name,
	    d.what);
	b = parse("any", equal_cases[_i].b, &d);
	ck_assert_msg(b != NULL, "case %s: b: %s", equal_cases[_i].name,
	    d.what);
	got = dn_equal(a, b);
	ck_assert_msg(got == equal_cases[_i].want,
	    "case %s: got dn_equal %d, want %d (\"%s\" vs \"%s\")",
	    equal_cases[_i].name, got, equal_cases[_i].want,
	    fmt(a, DN_KEY), fmt(b, DN_KEY));
	ck_assert_int_eq(dn_format(a, DN_KEY, ka, sizeof(ka)), 0);
	ck_assert_int_eq(dn_format(b, DN_KEY, kb, sizeof(kb)), 0);
	ck_assert_msg((strcmp(ka, kb) == 0) == equal_cases[_i].want,
	    "case %s: got keys \"%s\" and \"%s\", want them %s",
	    equal_cases[_i].name, ka, kb, equal_cases[_i].want ? "equal" :
	    "different");
	ck_assert_msg(dn_equal(a, a) && dn_equal(b, b),
	    "case %s: a name is not equal to itself", equal_cases[_i].name);
	dn_free(a);
	dn_free(b);
}
END_TEST

/* Each form, exactly. */
static const struct {
	const char *name;
	const char *in;
	enum dn_form form;
	const char *want;
} format_cases[] = {
	{ "rfc4514", ALICE_SM, DN_RFC4514, ALICE_PLAIN },
	{ "key", ALICE_SM, DN_KEY, "cn=alice martin,ou=umr7503,o=cnrs,c=fr" },
	{ "tablekey", ALICE_SM, DN_TABLEKEY, ALICE_RFC },
	{ "oneline", ALICE_PLAIN, DN_ONELINE, ALICE_SM },
	{ "oneline specials as Sendmail writes them", JEAN_RFC, DN_ONELINE,
	    JEAN_SM },
	{ "oneline utf-8 as Sendmail writes it", "CN=" ELISE_UTF8
	    ",O=CNRS,C=FR", DN_ONELINE, ELISE_SM },
	{ "rfc4514 specials", JEAN_SM, DN_RFC4514, JEAN_RFC },
	{ "tablekey specials", JEAN_SM, DN_TABLEKEY,
	    "CN=Jean\\20Dupont\\+Fils\\,\\20Jr,L=Paris+OU=UMR7503,"
	    "OU=R&D/Paris,O=CNRS,C=FR" },
	{ "key keeps utf-8", ELISE_SM, DN_KEY,
	    "cn=\xC3\x89lise no\xC3\xABl,o=cnrs,c=fr" },
	{ "tablekey utf-8", ELISE_SM, DN_TABLEKEY,
	    "CN=" "\xC3\x89lise\\20No\xC3\xABl" ",O=CNRS,C=FR" },
	{ "leading and trailing space", "CN=\\20a\\20", DN_RFC4514,
	    "CN=\\20a\\20" },
	{ "leading #", "CN=\\#1", DN_RFC4514, "CN=\\#1" },
	{ "inner # kept", "CN=a#1", DN_RFC4514, "CN=a#1" },
	{ "specials", "CN=a\\;b\\<c\\>d\\\"e\\\\f", DN_RFC4514,
	    "CN=a\\;b\\<c\\>d\\\"e\\\\f" },
	{ "invalid utf-8 as \\HH", "/CN=+5CxFF+5CxC3", DN_RFC4514,
	    "CN=\\FF\\C3" },
	{ "control as \\HH", "CN=a\\0Ab", DN_RFC4514, "CN=a\\0Ab" },
	{ "control in oneline", "CN=a\\0Ab", DN_ONELINE, "/CN=a+5Cx0Ab" },
	{ "email type", "E=a@b.example,CN=x", DN_ONELINE,
	    "/CN=x/emailAddress=a@b.example" },
};

START_TEST(test_dn_format)
{
	struct diag d;
	struct dn *dn;
	const char *got;

	dn = parse("any", format_cases[_i].in, &d);
	ck_assert_msg(dn != NULL, "case %s: %s", format_cases[_i].name, d.what);
	got = fmt(dn, format_cases[_i].form);
	ck_assert_msg(strcmp(got, format_cases[_i].want) == 0,
	    "case %s: got \"%s\", want \"%s\"", format_cases[_i].name, got,
	    format_cases[_i].want);
	dn_free(dn);
}
END_TEST

/* DN_KEY is DN_RFC4514 case-folded, byte for byte: decide() formats a
 * name once and folds a copy for its lookup key */
START_TEST(test_dn_key_folded)
{
	struct diag d;
	struct dn *dn;
	const char *rfc, *key;
	char folded[BIG];
	size_t i;

	dn = parse("any", format_cases[_i].in, &d);
	ck_assert_msg(dn != NULL, "case %s: %s", format_cases[_i].name, d.what);
	rfc = fmt(dn, DN_RFC4514);
	key = fmt(dn, DN_KEY);
	for (i = 0; rfc[i] != 0; i++)
		folded[i] = (char)tolower((unsigned char)rfc[i]);
	folded[i] = 0;
	ck_assert_msg(strcmp(key, folded) == 0, "case %s: key \"%s\", "
	    "folded \"%s\"", format_cases[_i].name, key, folded);
	dn_free(dn);
}
END_TEST

START_TEST(test_dn_format_small)
{
	struct diag d;
	struct dn *dn;
	char buf[256];
	enum dn_form f;
	size_t need;

	dn = parse("any", JEAN_SM, &d);
	for (f = DN_RFC4514; f <= DN_ONELINE; f++) {
		need = strlen(fmt(dn, f)) + 1;
		ck_assert_msg(need < sizeof(buf), "form %d: too long", f);
		ck_assert_msg(dn_format(dn, f, buf, need) == 0,
		    "case form %d exact size: got -1, want 0", f);
		memset(buf, 'Z', sizeof(buf));
		ck_assert_msg(dn_format(dn, f, buf, need - 1) == -1,
		    "case form %d one short: got 0, want -1", f);
		ck_assert_msg(buf[need - 1] == 'Z',
		    "case form %d one short: wrote past the buffer", f);
	}
	ck_assert_int_eq(dn_format(dn, DN_KEY, buf, 0), -1);
	dn_free(dn);
}
END_TEST

/* Escapes survive a format and a parse in both directions. */
static const char *round_trip_names[] = {
	ALICE_SM, JEAN_SM, ELISE_SM, JEAN_RFC,
	"CN=\\20lead and trail\\20,O=x",
	"CN=\\#hash,OU=a\\+b\\,c\\;d\\<e\\>f\\\"g,O=h=i",
	"/CN=+5CxFF+5Cx00+5Cx7F/O=a+5C/b+5C+2Bc",
	"CN=tab\\09and\\0Anewline",
	"CN=a+CN=b+OU=c,O=d",
	"1.2.3.4=oid,CN=x",
	("/C=FR/O=CNRS/OU=UMR7503/CN=Alice+20Martin"
	    "/emailAddress=alice@x.example"),
	"CN=trailing backslash\\\\",
	"CN=\"quoted, \\\"with\\\" stuff\"",
};

START_TEST(test_dn_round_trip)
{
	struct diag d;
	struct dn *dn, *back;
	const char *s;

	dn = parse("any", round_trip_names[_i], &d);
	ck_assert_msg(dn != NULL, "case %d: %s", _i, d.what);

	s = fmt(dn, DN_ONELINE);
	back = parse("sendmail", s, &d);
	ck_assert_msg(back != NULL && dn_equal(dn, back),
	    "case %d: oneline \"%s\" parses back as \"%s\" (%s), want \"%s\"",
	    _i, s, back ? fmt(back, DN_RFC4514) : "error", d.what,
	    fmt(dn, DN_RFC4514));
	dn_free(back);

	s = fmt(dn, DN_TABLEKEY);
	ck_assert_msg(strpbrk(s, " \t") == NULL,
	    "case %d: table key \"%s\" has white space", _i, s);
	back = parse("rfc4514", s, &d);
	ck_assert_msg(back != NULL && dn_equal(dn, back),
	    "case %d: table key \"%s\" parses back as \"%s\" (%s)", _i, s,
	    back ? fmt(back, DN_RFC4514) : "error", d.what);
	dn_free(back);

	s = fmt(dn, DN_RFC4514);
	back = parse("rfc4514", s, &d);
	ck_assert_msg(back != NULL && dn_equal(dn, back),
	    "case %d: \"%s\" parses back as \"%s\" (%s)", _i, s,
	    back ? fmt(back, DN_RFC4514) : "error", d.what);
	dn_free(back);
	dn_free(dn);
}
END_TEST

/* dn_ava and dn_get: the attributes, in X.509 order. */
static const struct {
	const char *name;
	const char *in;
	const char *want[8][2];		/* type, value; NULL ends */
} ava_cases[] = {
	{ "specials", JEAN_SM, {
	    { "C", "FR" }, { "O", "CNRS" }, { "OU", "R&D/Paris" },
	    { "OU", "UMR7503" }, { "L", "Paris" },
	    { "CN", "Jean Dupont+Fils, Jr" }, { NULL, NULL } } },
	{ "utf-8", "/CN=+5CxC3+5Cx89lise+20No+5CxC3+5CxABl", {
	    { "CN", ELISE_UTF8 }, { NULL, NULL } } },
	{ "rfc4514 in X.509 order", "CN=Alice,OU=UMR7503,O=CNRS", {
	    { "O", "CNRS" }, { "OU", "UMR7503" }, { "CN", "Alice" },
	    { NULL, NULL } } },
	{ "email", "/C=FR/CN=Alice/emailAddress=alice@x.example", {
	    { "C", "FR" }, { "CN", "Alice" },
	    { "emailAddress", "alice@x.example" }, { NULL, NULL } } },
};

START_TEST(test_dn_ava)
{
	struct diag d;
	struct dn *dn;
	const char *type, *val;
	size_t len;
	int k;

	dn = parse("any", ava_cases[_i].in, &d);
	ck_assert_msg(dn != NULL, "case %s: %s", ava_cases[_i].name, d.what);
	for (k = 0; ava_cases[_i].want[k][0]; k++) {
		ck_assert_msg(dn_ava(dn, k, &type, &val, &len) == 0,
		    "case %s: ava %d missing", ava_cases[_i].name, k);
		ck_assert_msg(strcmp(type, ava_cases[_i].want[k][0]) == 0 &&
		    len == strlen(ava_cases[_i].want[k][1]) &&
		    memcmp(val, ava_cases[_i].want[k][1], len) == 0,
		    "case %s: ava %d: got %s=\"%.*s\", want %s=\"%s\"",
		    ava_cases[_i].name, k, type, (int)len, val,
		    ava_cases[_i].want[k][0], ava_cases[_i].want[k][1]);
	}
	ck_assert_msg(dn_count(dn) == k, "case %s: got %d attributes, want %d",
	    ava_cases[_i].name, dn_count(dn), k);
	ck_assert_int_eq(dn_ava(dn, k, &type, &val, &len), -1);
	ck_assert_int_eq(dn_ava(dn, -1, &type, &val, &len), -1);
	dn_free(dn);
}
END_TEST

static const struct {
	const char *name;
	const char *in, *type, *want;
} get_cases[] = {
	{ "first OU", JEAN_SM, "OU", "R&D/Paris" },
	{ "first CN, as Postfix", "/C=FR/O=CNRS/OU=UMR9999/CN=Mallory"
	    "/CN=Alice+20Martin", "CN", "Mallory" },
	{ "first CN in X.509 order, rfc4514", "CN=Alice,CN=Mallory,O=X",
	    "CN", "Mallory" },
	{ "CN", JEAN_SM, "CN", "Jean Dupont+Fils, Jr" },
	{ "L in a multi-valued RDN", JEAN_SM, "L", "Paris" },
	{ "type any case", JEAN_SM, "cn", "Jean Dupont+Fils, Jr" },
	{ "absent", JEAN_SM, "emailAddress", NULL },
	{ "utf-8", ELISE_SM, "CN", ELISE_UTF8 },
	{ "email", "E=a@b.example,CN=x", "emailAddress", "a@b.example" },
};

START_TEST(test_dn_get)
{
	struct diag d;
	struct dn *dn;
	const char *got;
	size_t len = 0;

	dn = parse("any", get_cases[_i].in, &d);
	ck_assert_msg(dn != NULL, "case %s: %s", get_cases[_i].name, d.what);
	got = dn_get(dn, get_cases[_i].type, &len);
	if (get_cases[_i].want == NULL)
		ck_assert_msg(got == NULL, "case %s: got \"%s\", want NULL",
		    get_cases[_i].name, got);
	else
		ck_assert_msg(got != NULL && len == strlen(get_cases[_i].want)
		    && memcmp(got, get_cases[_i].want, len) == 0,
		    "case %s: got \"%.*s\", want \"%s\"", get_cases[_i].name,
		    got ? (int)len : 4, got ? got : "NULL", get_cases[_i].want);
	dn_free(dn);
}
END_TEST

/*
 * dn_cn_key: "the CN" is the first in X.509 order, the one Postfix sends
 * (tls_peer_CN(): X509_NAME_get_index_by_NID(name, NID_commonName, -1)).
 */
static const struct {
	const char *name;
	const char *in;
	const char *want;
} cn_key_cases[] = {
	{ "alice", ALICE_SM, "cn=alice martin" },
	{ "first of two CNs, as Postfix", "/C=FR/O=CNRS/OU=UMR9999"
	    "/CN=Mallory/CN=Alice+20Martin", "cn=mallory" },
	{ "rfc4514 lists the first last", "CN=Alice,CN=Mallory,O=X",
	    "cn=mallory" },
	{ "multi-valued RDN", "/O=X/CN=Mallory+2BCN=Alice", "cn=mallory" },
	{ "specials escaped", JEAN_SM, "cn=jean dupont\\+fils\\, jr" },
	{ "no CN", "/C=FR/O=CNRS", "" },
};

START_TEST(test_dn_cn_key)
{
	struct diag d;
	struct dn *dn;
	char key[BIG];

	dn = parse("any", cn_key_cases[_i].in, &d);
	ck_assert_msg(dn != NULL, "case %s: %s", cn_key_cases[_i].name,
	    d.what);
	ck_assert_int_eq(dn_cn_key(dn, key, sizeof(key)), 0);
	ck_assert_msg(strcmp(key, cn_key_cases[_i].want) == 0,
	    "case %s: got \"%s\", want \"%s\"", cn_key_cases[_i].name, key,
	    cn_key_cases[_i].want);
	dn_free(dn);
}
END_TEST

/* the index's name of a two-CN certificate has Postfix's CN */
START_TEST(test_dn_cn_key_x509)
{
	const char *pairs[] = { "O", "CNRS", "CN", "Mallory",
	    "CN", "Alice Martin", NULL };
	X509_NAME *xn = tu_name(pairs);
	const ASN1_STRING *first;
	struct diag d;
	struct dn *dn;
	char key[BIG], want[BIG];

	first = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(xn,
	    X509_NAME_get_index_by_NID(xn, NID_commonName, -1)));
	snprintf(want, sizeof(want), "cn=%.*s", ASN1_STRING_length(first),
	    (const char *)ASN1_STRING_get0_data(first));
	want[3] = (char)tolower((unsigned char)want[3]);
	ck_assert(dn_from_x509(xn, &dn, &d) == 0);
	ck_assert_int_eq(dn_cn_key(dn, key, sizeof(key)), 0);
	ck_assert_msg(strcmp(key, want) == 0,
	    "case x509 two CNs: got \"%s\", want \"%s\" (OpenSSL's first)",
	    key, want);
	ck_assert_msg(dn_ambiguous(dn, DN_QUOTING_LEGACY) == NULL,
	    "case x509 two CNs: the index's own name read as ambiguous");
	dn_free(dn);
	X509_NAME_free(xn);
}
END_TEST

/*
 * dn_ambiguous: a name the MTA sent that may stand for another
 * certificate's name. Each want is part of the reason, or NULL for a
 * name that reads one way only.
 */
#define AMB_NUL		"NUL byte"
#define AMB_HEX		"non-ASCII or control byte"
#define AMB_ESC_TYPE	"before TYPE="
#define AMB_TWO_CN	"two or more CNs"
#define AMB_AFTER_CN	"attribute after the CN"
#define AMB_ESC		"OpenSSL < 3 does not write"
#define AMB_PLUS	"'+' between attributes"
#define AMB_LEGACY	"OpenSSL < 3 does not escape it"
#define MALLORY_TWO_CN	"/C=FR/O=CNRS/OU=UMR9999/CN=Mallory/CN=Alice+20Martin"
#define ALICE_MAIL	ALICE_SM "/emailAddress=alice.martin@umr7503.example"

static const struct {
	const char *name;
	const char *how;		/* as parse() */
	const char *in;
	const char *openssl3, *legacy;
} amb_cases[] = {
	{ "alice", "sendmail", ALICE_SM, NULL, AMB_LEGACY },
	{ "alice and her e-mail", "sendmail", ALICE_MAIL, NULL,
	    AMB_AFTER_CN },
	{ "second CN", "sendmail", MALLORY_TWO_CN, AMB_TWO_CN, AMB_TWO_CN },
	{ "second CN in one RDN", "sendmail", "/O=X/CN=Mallory+2BCN=Alice",
	    AMB_TWO_CN, AMB_TWO_CN },
	{ "OU after the CN (finding 1)", "sendmail",
	    "/C=FR/O=CNRS/OU=UMR9999/CN=Mallory/OU=UMR7503", NULL,
	    AMB_AFTER_CN },
	{ "multi-valued after the CN", "sendmail",
	    "/C=FR/CN=Mallory+2BOU=UMR7503", NULL, AMB_AFTER_CN },
	{ "multi-valued before the CN", "sendmail",
	    "/O=CNRS/OU=UMR9999+2BOU=UMR7503/CN=Mallory", NULL, AMB_PLUS },
	{ "\\/ before TYPE=", "sendmail",
	    "/C=FR/O=CNRS/CN=Mallory+5C/OU=UMR7503", AMB_ESC_TYPE,
	    AMB_ESC_TYPE },
	{ "\\+ before TYPE=", "sendmail", "/C=FR/CN=Mallory+5C+2BOU=UMR7503",
	    AMB_ESC_TYPE, AMB_ESC_TYPE },
	{ "\\/ before an OID=", "oneline", "/CN=a\\/2.5.4.11=x", AMB_ESC_TYPE,
	    AMB_ESC_TYPE },
	{ "\\/ before text", "sendmail", JEAN_SM, NULL, AMB_ESC },
	{ "\\/ before an unknown type", "oneline", "/CN=a\\/XX=b", NULL,
	    AMB_ESC },
	{ "\\xC3\\xA9 decoded", "sendmail", "/C=FR/O=CNRS/CN=Ren+5CxC3+5CxA9",
	    AMB_HEX, AMB_HEX },
	{ "utf-8", "sendmail", ELISE_SM, AMB_HEX, AMB_HEX },
	{ "control byte", "oneline", "/CN=a\\x0Ab", AMB_HEX, AMB_HEX },
	{ "\\x20 is text", "sendmail",
	    "/C=FR/O=CNRS/OU=UMR9999/CN=Jean+5Cx20Dupont", NULL, AMB_LEGACY },
	{ "NUL in an address (finding 5)", "sendmail",
	    ALICE_SM "/emailAddress=alice.martin@umr7503.example"
	    "+5Cx00@evil.example", AMB_NUL, AMB_NUL },
	{ "no CN", "sendmail", "/C=FR/O=CNRS/OU=UMR7503", NULL, AMB_LEGACY },
	/* OpenSSL 1.1 prints C "/OU=UMR7503" as the RDN before it */
	{ "legacy: any value may hold '/'", "sendmail",
	    "/C=/OU=UMR7503/O=CNRS/CN=Alice+20Martin", NULL, AMB_LEGACY },
	{ "oneline parser too", "oneline", "/CN=a/CN=b", AMB_TWO_CN,
	    AMB_TWO_CN },
	/* the admin's table keys mean what they say, but for a NUL */
	{ "table key, two CNs", "any", MALLORY_TWO_CN, NULL, NULL },
	{ "table key, e-mail after CN", "any", ALICE_MAIL, NULL, NULL },
	{ "table key, utf-8", "any", ELISE_SM, NULL, NULL },
	{ "table key, \\/ before TYPE=", "any", "/CN=a+5C/OU=b", NULL, NULL },
	{ "table key, \\/", "any", JEAN_SM, NULL, NULL },
	{ "table key, NUL", "any", "/CN=a+5Cx00b", AMB_NUL, AMB_NUL },
	{ "rfc4514 two CNs", "rfc4514", "CN=a,CN=b", NULL, NULL },
	{ "rfc4514 NUL", "rfc4514", "CN=a\\00b", AMB_NUL, AMB_NUL },
};

/* amb_check - dn_ambiguous() gives a reason holding want, or NULL */
static void
amb_check(const char *name, const struct dn *dn, enum dn_quoting q,
    const char *want)
{
	const char *got = dn_ambiguous(dn, q);
	const char *qn = q == DN_QUOTING_OPENSSL3 ? "openssl3" : "legacy";

	if (want == NULL) {
		ck_assert_msg(got == NULL, "case %s, %s: got \"%s\", want "
		    "unambiguous", name, qn, got);
		return;
	}
	ck_assert_msg(got != NULL && strstr(got, want) != NULL,
	    "case %s, %s: got \"%s\", want \"...%s...\"", name, qn,
	    got ? got : "unambiguous", want);
	ck_assert_msg(!isupper((unsigned char)got[0]) && strlen(got) < 80 &&
	    strchr(got, '\n') == NULL, "case %s, %s: \"%s\" is no log line "
	    "reason", name, qn, got);
}

START_TEST(test_dn_ambiguous)
{
	struct diag d;
	struct dn *dn;

	dn = parse(amb_cases[_i].how, amb_cases[_i].in, &d);
	ck_assert_msg(dn != NULL, "case %s: %s", amb_cases[_i].name, d.what);
	amb_check(amb_cases[_i].name, dn, DN_QUOTING_OPENSSL3,
	    amb_cases[_i].openssl3);
	amb_check(amb_cases[_i].name, dn, DN_QUOTING_LEGACY,
	    amb_cases[_i].legacy);
	dn_free(dn);
}
END_TEST

/* a NUL from Postfix's CN or the index is as ambiguous as Sendmail's */
START_TEST(test_dn_ambiguous_nul)
{
	static const char mail[] = "alice.martin@umr7503.example\0"
	    "@evil.example";
	X509_NAME *xn = X509_NAME_new();
	struct diag d;
	struct dn *dn;

	ck_assert(dn_from_cn("Alice\0Mallory", 13, &dn, &d) == 0);
	amb_check("postfix cn NUL", dn, DN_QUOTING_OPENSSL3, AMB_NUL);
	amb_check("postfix cn NUL", dn, DN_QUOTING_LEGACY, AMB_NUL);
	dn_free(dn);
	ck_assert(dn_from_cn("Alice Martin", 12, &dn, &d) == 0);
	amb_check("postfix cn", dn, DN_QUOTING_LEGACY, NULL);
	dn_free(dn);
	ck_assert(X509_NAME_add_entry_by_txt(xn, "CN", MBSTRING_UTF8,
	    (const unsigned char *)"Alice", -1, -1, 0));
	ck_assert(X509_NAME_add_entry_by_txt(xn, "emailAddress",
	    V_ASN1_IA5STRING, (const unsigned char *)mail, sizeof(mail) - 1,
	    -1, 0));
	ck_assert(dn_from_x509(xn, &dn, &d) == 0);
	amb_check("index NUL", dn, DN_QUOTING_OPENSSL3, AMB_NUL);
	amb_check("index NUL", dn, DN_QUOTING_LEGACY, AMB_NUL);
	dn_free(dn);
	X509_NAME_free(xn);
}
END_TEST

/*
 * dn_from_x509 on names built with the OpenSSL API equals the parse of
 * what Sendmail would send for them: X509_NAME_oneline() then xtext.
 */
static const struct {
	const char *name;
	const char *pairs[16];
	const char *want;		/* DN_RFC4514 */
} x509_cases[] = {
	{ "alice", { "C", "FR", "O", "CNRS", "OU", "UMR7503",
	    "CN", "Alice Martin", "emailAddress",
	    "alice.martin@umr7503.example", NULL },
	    "emailAddress=alice.martin@umr7503.example,CN=Alice Martin,"
	    "OU=UMR7503,O=CNRS,C=FR" },
	{ "specials and multi-valued RDN", { "C", "FR", "O", "CNRS",
	    "OU", "R&D/Paris", "OU", "UMR7503", "+L", "Paris",
	    "CN", "Jean Dupont+Fils, Jr", NULL }, JEAN_RFC },
	{ "utf-8", { "C", "FR", "O", "CNRS", "CN", ELISE_UTF8, NULL },
	    "CN=" ELISE_UTF8 ",O=CNRS,C=FR" },
	{ "long names", { "countryName", "FR", "organizationName", "CNRS",
	    "commonName", "x", NULL }, "CN=x,O=CNRS,C=FR" },
	{ "parentheses and backslash", { "O", "Lab (Paris)",
	    "CN", "a\\b", NULL }, "CN=a\\\\b,O=Lab (Paris)" },
};

START_TEST(test_dn_from_x509)
{
	X509_NAME *xn;
	struct diag d;
	struct dn *a, *b, *c;
	char line[1024], sm[4096], oracle[4096];
	const char *got;

	xn = tu_name(x509_cases[_i].pairs);
	ck_assert_msg(dn_from_x509(xn, &a, &d) == 0, "case %s: %s",
	    x509_cases[_i].name, d.what);
	got = fmt(a, DN_RFC4514);
	ck_assert_msg(strcmp(got, x509_cases[_i].want) == 0,
	    "case %s: got \"%s\", want \"%s\"", x509_cases[_i].name, got,
	    x509_cases[_i].want);

	X509_NAME_oneline(xn, line, sizeof(line));
	ck_assert_int_eq(xtext_encode(line, strlen(line), sm, sizeof(sm)), 0);
	b = parse("sendmail", sm, &d);
	ck_assert_msg(b != NULL && dn_equal(a, b),
	    "case %s: oneline+xtext \"%s\" got \"%s\", want \"%s\"",
	    x509_cases[_i].name, sm, b ? fmt(b, DN_RFC4514) : d.what, got);

	tu_sendmail_name(xn, oracle, sizeof(oracle));
	c = parse("sendmail", oracle, &d);
	ck_assert_msg(c != NULL && dn_equal(a, c),
	    "case %s: Sendmail's \"%s\" got \"%s\", want \"%s\"",
	    x509_cases[_i].name, oracle, c ? fmt(c, DN_RFC4514) : d.what, got);
	ck_assert_msg(strcmp(fmt(a, DN_ONELINE), oracle) == 0,
	    "case %s: DN_ONELINE got \"%s\", want Sendmail's \"%s\"",
	    x509_cases[_i].name, fmt(a, DN_ONELINE), oracle);
	dn_free(a);
	dn_free(b);
	dn_free(c);
	X509_NAME_free(xn);
}
END_TEST

/* a BMPString and a PrintableString read as their UTF-8 */
START_TEST(test_dn_from_x509_strings)
{
	X509_NAME *xn = X509_NAME_new();
	struct diag d;
	struct dn *dn;
	const char *got;

	ck_assert(X509_NAME_add_entry_by_txt(xn, "C", V_ASN1_PRINTABLESTRING,
	    (const unsigned char *)"FR", -1, -1, 0));
	ck_assert(X509_NAME_add_entry_by_txt(xn, "CN", V_ASN1_BMPSTRING,
	    (const unsigned char *)"\x00\xC9\x00l", 4, -1, 0));
	ck_assert(dn_from_x509(xn, &dn, &d) == 0);
	got = fmt(dn, DN_RFC4514);
	ck_assert_msg(strcmp(got, "CN=\xC3\x89l,C=FR") == 0,
	    "case bmp: got \"%s\", want \"CN=\xC3\x89l,C=FR\"", got);
	dn_free(dn);
	X509_NAME_free(xn);
}
END_TEST

/*
 * dn_maybe_cut: Sendmail's {cert_subject} is X509_NAME_oneline() into a
 * 256-byte buffer; a longer name silently loses its trailing RDNs.
 */
static const struct {
	const char *name;
	const char *how;
	size_t	len;			/* decoded oneline length */
	int	want;
} cut_cases[] = {
	{ "short", "sendmail", 40, 0 },
	{ "at DN_CUT_AT", "sendmail", DN_CUT_AT, 0 },
	{ "one over DN_CUT_AT", "sendmail", DN_CUT_AT + 1, 1 },
	{ "255", "sendmail", 255, 1 },
	/* no xtext escape at all: read without decoding, cut the same */
	{ "no '+', at DN_CUT_AT", "sendmail-plain", DN_CUT_AT, 0 },
	{ "no '+', one over DN_CUT_AT", "sendmail-plain", DN_CUT_AT + 1, 1 },
	{ "oneline parser never", "oneline", 255, 0 },
	{ "admin's key never", "any", 255, 0 },
};

START_TEST(test_dn_maybe_cut)
{
	char raw[512], sm[2048];
	const char *how = cut_cases[_i].how;
	int plain = strcmp(how, "sendmail-plain") == 0;
	struct diag d;
	struct dn *dn;
	size_t n;

	/* "/C=FR/O=CNRS/CN=Alice Martin xxx..." of the wanted length */
	n = (size_t)snprintf(raw, sizeof(raw), "/C=FR/O=CNRS/CN=Alice%s",
	    plain ? "Martin" : " Martin");
	while (n < cut_cases[_i].len)
		raw[n++] = 'x';
	raw[n] = 0;
	ck_assert_int_eq(xtext_encode(raw, n, sm, sizeof(sm)), 0);
	ck_assert(!plain || strchr(sm, '+') == NULL);
	dn = parse(plain ? "sendmail" : how, strcmp(how, "oneline") ? sm : raw,
	    &d);
	ck_assert_msg(dn != NULL, "case %s: %s", cut_cases[_i].name, d.what);
	ck_assert_msg(dn_maybe_cut(dn) == cut_cases[_i].want,
	    "case %s: got dn_maybe_cut %d, want %d", cut_cases[_i].name,
	    dn_maybe_cut(dn), cut_cases[_i].want);
	dn_free(dn);
}
END_TEST

/*
 * A real cut: a name whose last RDN is a 128-byte emailAddress (the
 * longest common CA profiles allow) after a 118-byte prefix. Sendmail's
 * buffer drops the e-mail RDN and shows 118 bytes; the parse must say
 * "maybe cut" or an exact DN rule could take it for the whole name.
 */
START_TEST(test_dn_maybe_cut_real)
{
	char ou[64], cn[64], mail[129], full[1024], cutbuf[256], sm[2048];
	const char *pairs[] = { "C", "FR", "O", "CNRS", "OU", ou,
	    "CN", cn, "emailAddress", mail, NULL };
	X509_NAME *xn;
	struct diag d;
	struct dn *dn;
	size_t prefix;

	memset(mail, 'm', 128);
	memcpy(mail + 128 - 16, "@umr7503.example", 16);
	mail[128] = 0;
	/* "/C=FR/O=CNRS" 12, "/OU=" + 60, "/CN=" + 38: 118 bytes */
	memset(ou, 'o', 60);
	ou[60] = 0;
	memset(cn, 'c', 38);
	cn[38] = 0;
	xn = tu_name(pairs);
	X509_NAME_oneline(xn, full, sizeof(full));
	X509_NAME_oneline(xn, cutbuf, sizeof(cutbuf));
	prefix = strlen(cutbuf);
	ck_assert_msg(prefix == 118 && strlen(full) == 118 + 142,
	    "setup: got %zu and %zu bytes", prefix, strlen(full));
	tu_sendmail_name(xn, sm, sizeof(sm));
	dn = parse("sendmail", sm, &d);
	ck_assert_msg(dn != NULL, "case real cut: %s", d.what);
	ck_assert_msg(dn_maybe_cut(dn) == 1,
	    "case real cut: Sendmail showed %zu of %zu bytes; got "
	    "dn_maybe_cut 0, want 1 (DN_CUT_AT %d assumes a last RDN of at "
	    "most 132 bytes, \"/emailAddress=\" + 128 is 142)", prefix,
	    strlen(full), DN_CUT_AT);
	dn_free(dn);
	X509_NAME_free(xn);
}
END_TEST

static const struct {
	const char *name;
	const char *cn;
	const char *want;		/* DN_RFC4514 */
} cn_cases[] = {
	{ "plain", "Alice Martin", "CN=Alice Martin" },
	{ "postfix specials", "Jean Dupont+Fils, Jr",
	    "CN=Jean Dupont\\+Fils\\, Jr" },
	{ "postfix utf-8", ELISE_UTF8, "CN=" ELISE_UTF8 },
};

START_TEST(test_dn_from_cn)
{
	struct diag d;
	struct dn *dn, *same;
	const char *got;

	ck_assert(dn_from_cn(cn_cases[_i].cn, strlen(cn_cases[_i].cn), &dn,
	    &d) == 0);
	got = fmt(dn, DN_RFC4514);
	ck_assert_msg(strcmp(got, cn_cases[_i].want) == 0,
	    "case %s: got \"%s\", want \"%s\"", cn_cases[_i].name, got,
	    cn_cases[_i].want);
	ck_assert_msg(dn_cn_only(dn) == 1, "case %s: got cn_only 0, want 1",
	    cn_cases[_i].name);
	same = parse("rfc4514", cn_cases[_i].want, &d);
	ck_assert_msg(same && dn_equal(dn, same) && !dn_cn_only(same),
	    "case %s: not equal to its RFC 4514 spelling", cn_cases[_i].name);
	dn_free(dn);
	dn_free(same);
}
END_TEST

static const struct {
	const char *in;
	const char *want;		/* NULL: -1 */
} type_cases[] = {
	{ "CN", "CN" }, { "cn", "CN" }, { "commonName", "CN" },
	{ "2.5.4.3", "CN" }, { "ou", "OU" }, { "emailAddress", "emailAddress" },
	{ "emailaddress", "emailAddress" }, { "EMAILADDRESS", "emailAddress" },
	{ "email", "emailAddress" }, { "E", "emailAddress" },
	{ "1.2.840.113549.1.9.1", "emailAddress" }, { "1.2.3.4", "1.2.3.4" },
	{ "dc", "DC" }, { "UID", "UID" }, { "serialNumber", "serialNumber" },
	{ "serialnumber", "serialNumber" }, { "SERIALNUMBER", "serialNumber" },
	{ "COMMONNAME", "CN" },
	{ "XX", NULL }, { "", NULL }, { "C N", NULL }, { "CN=", NULL },
	{ "-", NULL },
};

START_TEST(test_dn_canon_type)
{
	char out[DN_TYPE_MAX];
	int rc;

	strcpy(out, "?");
	rc = dn_canon_type(type_cases[_i].in, strlen(type_cases[_i].in), out,
	    sizeof(out));
	if (type_cases[_i].want == NULL)
		ck_assert_msg(rc == -1, "case \"%s\": got \"%s\", want -1",
		    type_cases[_i].in, out);
	else
		ck_assert_msg(rc == 0 && strcmp(out, type_cases[_i].want) == 0,
		    "case \"%s\": got %d \"%s\", want \"%s\"",
		    type_cases[_i].in, rc, rc == 0 ? out : "",
		    type_cases[_i].want);
}
END_TEST

START_TEST(test_dn_free_null)
{
	dn_free(NULL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dn");
	TCase *tc;

	tc = tcase_create("dn_parse");
	LOOP(tc, test_dn_parse, parse_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("dn_equal");
	LOOP(tc, test_dn_equal, equal_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("dn_format");
	LOOP(tc, test_dn_format, format_cases);
	LOOP(tc, test_dn_key_folded, format_cases);
	tcase_add_test(tc, test_dn_format_small);
	LOOP(tc, test_dn_round_trip, round_trip_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("dn_ava");
	LOOP(tc, test_dn_ava, ava_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("dn_get");
	LOOP(tc, test_dn_get, get_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("dn_cn_key");
	LOOP(tc, test_dn_cn_key, cn_key_cases);
	tcase_add_test(tc, test_dn_cn_key_x509);
	suite_add_tcase(s, tc);
	tc = tcase_create("dn_ambiguous");
	LOOP(tc, test_dn_ambiguous, amb_cases);
	tcase_add_test(tc, test_dn_ambiguous_nul);
	suite_add_tcase(s, tc);
	tc = tcase_create("dn_from_x509");
	LOOP(tc, test_dn_from_x509, x509_cases);
	tcase_add_test(tc, test_dn_from_x509_strings);
	suite_add_tcase(s, tc);
	tc = tcase_create("dn_maybe_cut");
	LOOP(tc, test_dn_maybe_cut, cut_cases);
	tcase_add_test(tc, test_dn_maybe_cut_real);
	suite_add_tcase(s, tc);
	tc = tcase_create("dn_from_cn");
	LOOP(tc, test_dn_from_cn, cn_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("dn_canon_type");
	LOOP(tc, test_dn_canon_type, type_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("dn_free");
	tcase_add_test(tc, test_dn_free_null);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
