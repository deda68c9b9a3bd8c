/*
 * check_action - action words, ERROR: replies, and the three modes
 */
#include <string.h>

#include "action.h"
#include "testutil.h"

static const char long_text[] = "REJECT "
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

static const struct {
	const char *name;
	enum action_mode mode;
	const char *in;
	int	rc;
	enum act type;
	const char *code, *dsn, *text;	/* rc 0 */
	const char *what;		/* rc -1: part of d.what */
} cases[] = {
	/* every word */
	{ "RELAY", ACTION_STRICT, "RELAY", 0, ACT_RELAY, "", "", "", NULL },
	{ "OK", ACTION_STRICT, "OK", 0, ACT_RELAY, "", "", "", NULL },
	{ "lower case", ACTION_STRICT, "relay", 0, ACT_RELAY, "", "", "",
	    NULL },
	{ "trailing blanks", ACTION_STRICT, "RELAY \t ", 0, ACT_RELAY, "", "",
	    "", NULL },
	{ "REJECT", ACTION_STRICT, "REJECT", 0, ACT_REJECT, "550", "5.7.1", "",
	    NULL },
	{ "REJECT text", ACTION_STRICT, "REJECT Revoked certificate", 0,
	    ACT_REJECT, "550", "5.7.1", "Revoked certificate", NULL },
	{ "TEMPFAIL", ACTION_STRICT, "TEMPFAIL", 0, ACT_TEMPFAIL, "451",
	    "4.7.1", "", NULL },
	{ "TEMPFAIL text", ACTION_STRICT, "tempfail  Try later", 0,
	    ACT_TEMPFAIL, "451", "4.7.1", "Try later", NULL },
	{ "DISCARD", ACTION_STRICT, "DISCARD", 0, ACT_DISCARD, "", "", "",
	    NULL },
	{ "DUNNO", ACTION_STRICT, "DUNNO", 0, ACT_DUNNO, "", "", "", NULL },
	{ "ERROR", ACTION_STRICT, "ERROR:5.7.1:550 Go away", 0, ACT_ERROR,
	    "550", "5.7.1", "Go away", NULL },
	{ "ERROR 4xx", ACTION_STRICT, "ERROR:4.7.0:421 Come back later", 0,
	    ACT_ERROR, "421", "4.7.0", "Come back later", NULL },
	{ "ERROR no text", ACTION_STRICT, "ERROR:5.7.1:550", 0, ACT_ERROR,
	    "550", "5.7.1", "", NULL },
	{ "ERROR long dsn", ACTION_STRICT, "ERROR:5.7.26:550 DMARC", 0,
	    ACT_ERROR, "550", "5.7.26", "DMARC", NULL },
	{ "error lower case", ACTION_STRICT, "error:5.7.1:550 x", 0, ACT_ERROR,
	    "550", "5.7.1", "x", NULL },
	/* bad ERROR forms */
	{ "ERROR short dsn", ACTION_STRICT, "ERROR:5.7:550 x", -1, 0, NULL,
	    NULL, NULL, "ERROR:<dsn>:<code>" },
	{ "ERROR 2xx dsn", ACTION_STRICT, "ERROR:2.0.0:250 ok", -1, 0, NULL,
	    NULL, NULL, "ERROR:<dsn>:<code>" },
	{ "ERROR class mismatch", ACTION_STRICT, "ERROR:5.7.1:450 x", -1, 0,
	    NULL, NULL, NULL, "agree" },
	{ "ERROR two-digit code", ACTION_STRICT, "ERROR:5.7.1:55 x", -1, 0,
	    NULL, NULL, NULL, "4xx or 5xx" },
	{ "ERROR code glued to text", ACTION_STRICT, "ERROR:5.7.1:550x", -1, 0,
	    NULL, NULL, NULL, "4xx or 5xx" },
	{ "ERROR missing code", ACTION_STRICT, "ERROR:5.7.1", -1, 0, NULL,
	    NULL, NULL, "ERROR" },
	{ "ERROR empty", ACTION_STRICT, "ERROR:", -1, 0, NULL, NULL, NULL,
	    "ERROR" },
	{ "ERROR letters", ACTION_STRICT, "ERROR:x.y.z:550 x", -1, 0, NULL,
	    NULL, NULL, "ERROR" },
	/* other errors */
	{ "unknown word", ACTION_STRICT, "RELAYY", -1, 0, NULL, NULL, NULL,
	    "unknown action \"RELAYY\"" },
	{ "missing", ACTION_STRICT, "", -1, 0, NULL, NULL, NULL,
	    "missing action" },
	{ "text after RELAY", ACTION_STRICT, "RELAY please", -1, 0, NULL, NULL,
	    NULL, "text after RELAY" },
	{ "SUBJECT is access-only", ACTION_STRICT, "SUBJECT", -1, 0, NULL,
	    NULL, NULL, "unknown action" },
	{ "control in text", ACTION_STRICT, "REJECT bad\001text", -1, 0, NULL,
	    NULL, NULL, "control character" },
	{ "text too long", ACTION_STRICT, long_text, -1, 0, NULL, NULL, NULL,
	    "longer than" },
	/* relay_clientcerts: free text means RELAY */
	{ "freetext host", ACTION_FREETEXT, "antenne.danang.vn.refer.org", 0,
	    ACT_RELAY, "", "", "", NULL },
	{ "freetext words", ACTION_FREETEXT, "Jean's laptop (2024)", 0,
	    ACT_RELAY, "", "", "", NULL },
	{ "freetext empty", ACTION_FREETEXT, "", 0, ACT_RELAY, "", "", "",
	    NULL },
	{ "freetext REJECT", ACTION_FREETEXT, "REJECT stolen", 0, ACT_REJECT,
	    "550", "5.7.1", "stolen", NULL },
	{ "freetext DUNNO", ACTION_FREETEXT, "DUNNO", 0, ACT_DUNNO, "", "", "",
	    NULL },
	/* Sendmail access: unknown means no cert relay */
	{ "access RELAY", ACTION_ACCESS, "RELAY", 0, ACT_RELAY, "", "", "",
	    NULL },
	{ "access OK", ACTION_ACCESS, "OK", 0, ACT_RELAY, "", "", "", NULL },
	{ "access SUBJECT", ACTION_ACCESS, "SUBJECT", 0, ACT_SUBJECT, "", "",
	    "", NULL },
	{ "access unknown", ACTION_ACCESS, "VERIFY", 0, ACT_DUNNO, "", "", "",
	    NULL },
	{ "access empty", ACTION_ACCESS, "", 0, ACT_DUNNO, "", "", "", NULL },
	{ "access bare code", ACTION_ACCESS, "550 Untrusted CA", 0, ACT_DUNNO,
	    "", "", "", NULL },
	{ "access REJECT", ACTION_ACCESS, "REJECT", 0, ACT_REJECT, "550",
	    "5.7.1", "", NULL },
	{ "access ERROR dsn", ACTION_ACCESS, "ERROR:5.7.1:550 Untrusted CA", 0,
	    ACT_ERROR, "550", "5.7.1", "Untrusted CA", NULL },
};

/* Sendmail's access(5) also reads ERROR:### text and ERROR:"### text"
 * (cf/README): an access file holding them must load unchanged. */
static const char *access_error_forms[] = {
	"ERROR:550 Untrusted CA",
	"ERROR:\"550 Untrusted CA\"",
};

START_TEST(test_action_parse)
{
	struct action a;
	struct diag d;
	int rc;

	diag_clear(&d);
	rc = action_parse(cases[_i].in, strlen(cases[_i].in), cases[_i].mode,
	    &a, &d);
	ck_assert_msg(rc == cases[_i].rc, "case %s: got rc %d (%s), want %d",
	    cases[_i].name, rc, d.what, cases[_i].rc);
	if (rc < 0) {
		ck_assert_msg(d.line == 0, "case %s: got d.line %d, want 0",
		    cases[_i].name, d.line);
		ck_assert_msg(strstr(d.what, cases[_i].what) != NULL,
		    "case %s: got \"%s\", want it to hold \"%s\"",
		    cases[_i].name, d.what, cases[_i].what);
		return;
	}
	ck_assert_msg(a.type == cases[_i].type, "case %s: got %s, want %s",
	    cases[_i].name, action_name(a.type), action_name(cases[_i].type));
	ck_assert_msg(strcmp(a.code, cases[_i].code) == 0 &&
	    strcmp(a.dsn, cases[_i].dsn) == 0 &&
	    strcmp(a.text, cases[_i].text) == 0,
	    "case %s: got \"%s\" \"%s\" \"%s\", want \"%s\" \"%s\" \"%s\"",
	    cases[_i].name, a.code, a.dsn, a.text, cases[_i].code,
	    cases[_i].dsn, cases[_i].text);
}
END_TEST

START_TEST(test_action_parse_access_error)
{
	struct action a;
	struct diag d;
	const char *in = access_error_forms[_i];
	int rc;

	diag_clear(&d);
	rc = action_parse(in, strlen(in), ACTION_ACCESS, &a, &d);
	ck_assert_msg(rc == 0, "case %s: got -1 (%s), want 0: Sendmail's "
	    "access map reads it", in, d.what);
	ck_assert_msg(a.type != ACT_RELAY && a.type != ACT_SUBJECT,
	    "case %s: got %s, want no relay", in, action_name(a.type));
}
END_TEST

/* the len argument bounds the value */
START_TEST(test_action_parse_len)
{
	struct action a;
	struct diag d;

	ck_assert_msg(action_parse("RELAYXYZ", 5, ACTION_STRICT, &a, &d) == 0 &&
	    a.type == ACT_RELAY, "case RELAY of RELAYXYZ: got %s",
	    d.what);
	ck_assert_msg(action_parse("REJECT gone\nX-Evil: 1", 11,
	    ACTION_STRICT, &a, &d) == 0 && strcmp(a.text, "gone") == 0,
	    "case text bounded: got \"%s\"", a.text);
}
END_TEST

/* action_format writes what action_parse reads back */
START_TEST(test_action_format)
{
	struct action a, back;
	struct diag d;
	char buf[ACTION_TEXT_MAX + 32];

	if (cases[_i].rc < 0)
		return;
	ck_assert_int_eq(action_parse(cases[_i].in, strlen(cases[_i].in),
	    cases[_i].mode, &a, &d), 0);
	action_format(&a, buf, sizeof(buf));
	ck_assert_msg(action_parse(buf, strlen(buf), cases[_i].mode ==
	    ACTION_ACCESS ? ACTION_ACCESS : ACTION_STRICT, &back, &d) == 0,
	    "case %s: \"%s\" does not parse: %s", cases[_i].name, buf, d.what);
	ck_assert_msg(back.type == a.type && strcmp(back.code, a.code) == 0 &&
	    strcmp(back.dsn, a.dsn) == 0 && strcmp(back.text, a.text) == 0,
	    "case %s: \"%s\" reads back as %s \"%s\"", cases[_i].name, buf,
	    action_name(back.type), back.text);
}
END_TEST

static const struct {
	enum act type;
	const char *want;
} name_cases[] = {
	{ ACT_DUNNO, "DUNNO" }, { ACT_RELAY, "RELAY" },
	{ ACT_REJECT, "REJECT" },
	{ ACT_ERROR, "ERROR" }, { ACT_TEMPFAIL, "TEMPFAIL" },
	{ ACT_DISCARD, "DISCARD" }, { ACT_SUBJECT, "SUBJECT" },
};

START_TEST(test_action_name)
{
	ck_assert_msg(strcmp(action_name(name_cases[_i].type),
	    name_cases[_i].want) == 0, "case %d: got %s, want %s", _i,
	    action_name(name_cases[_i].type), name_cases[_i].want);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("action");
	TCase *tc;

	tc = tcase_create("action_parse");
	LOOP(tc, test_action_parse, cases);
	LOOP(tc, test_action_parse_access_error, access_error_forms);
	tcase_add_test(tc, test_action_parse_len);
	suite_add_tcase(s, tc);
	tc = tcase_create("action_format");
	LOOP(tc, test_action_format, cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("action_name");
	LOOP(tc, test_action_name, name_cases);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
