/*
 * check_policy - the Postfix policy delegation protocol
 *
 * Attributes as Postfix 3.7 sends them (src/smtpd/smtpd_check.c,
 * check_policy_service(); tests/e2e/postfix-policyd.sh gets real ones):
 * ccert_subject and ccert_issuer are CNs in xtext, only for a trusted
 * certificate; the fingerprints come for any certificate.
 */
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "testutil.h"

#define FP	"9A:3F:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:" \
		"11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F:20"

static const char alice[] =
    "request=smtpd_access_policy\n"
    "protocol_state=RCPT\n"
    "protocol_name=ESMTP\n"
    "client_address=192.0.2.7\n"
    "client_name=lab.example\n"
    "helo_name=lab.example\n"
    "sender=alice@umr7503.example\n"
    "recipient=bob@elsewhere.example\n"
    "queue_id=\n"
    "ccert_subject=Alice+20Martin\n"
    "ccert_issuer=CNRS-Plus\n"
    "ccert_fingerprint=" FP "\n"
    "ccert_pubkey_fingerprint=" FP "\n"
    "encryption_protocol=TLSv1.3\n"
    "encryption_cipher=TLS_AES_256_GCM_SHA384\n"
    "encryption_keysize=256\n"
    "sasl_method=\n"
    "sasl_username=\n"
    "\n";

struct got {
	int	n;
	struct policy_req last;
};

static int
take(void *ctx, struct policy_req *req)
{
	struct got *g = ctx;

	int k;

	g->n++;
	g->last = *req;		/* its values point into req: rebased */
	for (k = 0; k < PA_NATTRS; k++)
		g->last.val[k] = req->set[k] ? g->last.buf + (req->val[k] -
		    req->buf) : &g->last.nul;
	return 0;
}

/* any split of the bytes gives the same one request */
START_TEST(test_policy_feed_split)
{
	static struct policy_parser p;
	static struct got g;
	struct diag d;
	size_t len = strlen(alice), cut = (size_t)_i * 7 % len;

	policy_init(&p);
	memset(&g, 0, sizeof(g));
	ck_assert_int_eq(policy_feed(&p, alice, cut, take, &g, &d), 0);
	ck_assert_int_eq(policy_feed(&p, alice + cut, len - cut, take, &g, &d),
	    0);
	ck_assert_msg(g.n == 1, "case cut at %zu: got %d requests", cut, g.n);
	ck_assert_str_eq(g.last.val[PA_CCERT_SUBJECT], "Alice+20Martin");
	ck_assert_str_eq(g.last.val[PA_CCERT_FINGERPRINT], FP);
	ck_assert_str_eq(g.last.val[PA_RECIPIENT], "bob@elsewhere.example");
	ck_assert_msg(g.last.set[PA_QUEUE_ID] &&
	    g.last.val[PA_QUEUE_ID][0] == 0,
	    "case cut at %zu: empty queue_id", cut);
}
END_TEST

START_TEST(test_policy_feed_many)
{
	static struct policy_parser p;
	static struct got g;
	static char buf[sizeof(alice) * 3 + 64];
	struct diag d;

	policy_init(&p);
	memset(&g, 0, sizeof(g));
	snprintf(buf, sizeof(buf), "\n%s%s", alice, "request=smtpd_access_"
	    "policy\r\nrecipient=a@b\r\nrecipient=c@d\r\nunknown=1\r\n\r\n");
	ck_assert_int_eq(policy_feed(&p, buf, strlen(buf), take, &g, &d), 0);
	ck_assert_msg(g.n == 2, "case two requests: got %d", g.n);
	ck_assert_msg(strcmp(g.last.val[PA_RECIPIENT], "c@d") == 0,
	    "case repeated attribute: got \"%s\", want the last",
	    g.last.val[PA_RECIPIENT]);
	ck_assert_msg(g.last.val[PA_CCERT_SUBJECT][0] == 0,
	    "case second request: the first one's subject leaked through");
}
END_TEST

static const struct {
	const char *name;
	const char *in;
	const char *what;
} feed_error_cases[] = {
	{ "no =", "request=smtpd_access_policy\nbogus\n\n", "'='" },
	{ "NUL", "request=smtpd\0access\n\n", "NUL" },
};

START_TEST(test_policy_feed_errors)
{
	static struct policy_parser p;
	static struct got g;
	struct diag d;
	size_t len = strlen(feed_error_cases[_i].in);

	if (strcmp(feed_error_cases[_i].name, "NUL") == 0)
		len = 22;	/* the bytes after the NUL too */
	policy_init(&p);
	memset(&g, 0, sizeof(g));
	diag_clear(&d);
	ck_assert_int_eq(policy_feed(&p, feed_error_cases[_i].in, len, take, &g,
	    &d), -1);
	ck_assert_msg(strstr(d.what, feed_error_cases[_i].what) != NULL &&
	    g.n == 0, "case %s: got \"%s\", %d requests",
	    feed_error_cases[_i].name, d.what, g.n);
}
END_TEST

/* one read holding a whole request, then a NUL: the request is served */
START_TEST(test_policy_feed_nul_after_request)
{
	static const char in[] = "request=smtpd_access_policy\n\n"
	    "request=smtpd\0access\n\n";
	static struct policy_parser p;
	static struct got g;
	struct diag d;

	policy_init(&p);
	memset(&g, 0, sizeof(g));
	diag_clear(&d);
	ck_assert_int_eq(policy_feed(&p, in, sizeof(in) - 1, take, &g, &d), -1);
	ck_assert_msg(strstr(d.what, "NUL") != NULL && g.n == 1,
	    "case NUL after a request: got \"%s\", %d requests, want 1",
	    d.what, g.n);
}
END_TEST

START_TEST(test_policy_feed_long)
{
	static struct policy_parser p;
	static struct got g;
	static char line[POLICY_LINE_MAX + 64];
	struct diag d;

	policy_init(&p);
	memset(&g, 0, sizeof(g));
	memset(line, 'x', sizeof(line) - 1);
	memcpy(line, "ccert_subject=", 14);
	line[sizeof(line) - 1] = 0;
	ck_assert_int_eq(policy_feed(&p, line, strlen(line), take, &g, &d), -1);
	ck_assert_msg(strstr(d.what, "longer") != NULL, "case long: \"%s\"",
	    d.what);
	/* the longest line that fits */
	policy_init(&p);
	line[POLICY_LINE_MAX] = '\n';
	line[POLICY_LINE_MAX + 1] = '\n';
	ck_assert_int_eq(policy_feed(&p, line, POLICY_LINE_MAX + 2, take, &g,
	    &d), 0);
	ck_assert_int_eq(g.n, 1);
	ck_assert_int_eq(strlen(g.last.val[PA_CCERT_SUBJECT]),
	    POLICY_LINE_MAX - 14);
}
END_TEST

/* every attribute certrelay uses lands in its slot; a name that only
 * looks like one is ignored */
START_TEST(test_policy_feed_every_attr)
{
	static const char *names[PA_NATTRS] = {
		[PA_REQUEST] = "request",
		[PA_PROTOCOL_STATE] = "protocol_state",
		[PA_CLIENT_ADDRESS] = "client_address",
		[PA_CLIENT_NAME] = "client_name",
		[PA_RECIPIENT] = "recipient",
		[PA_QUEUE_ID] = "queue_id",
		[PA_CCERT_SUBJECT] = "ccert_subject",
		[PA_CCERT_ISSUER] = "ccert_issuer",
		[PA_CCERT_FINGERPRINT] = "ccert_fingerprint",
		[PA_CCERT_PUBKEY_FINGERPRINT] = "ccert_pubkey_fingerprint",
		[PA_ENCRYPTION_PROTOCOL] = "encryption_protocol",
		[PA_ENCRYPTION_CIPHER] = "encryption_cipher",
		[PA_ENCRYPTION_KEYSIZE] = "encryption_keysize",
		[PA_SASL_METHOD] = "sasl_method",
		[PA_SASL_USERNAME] = "sasl_username",
		[PA_SENDER] = "sender",
	};
	static struct policy_parser p;
	static struct got g;
	char buf[128], want[16];
	struct diag d;
	int k, n;

	policy_init(&p);
	memset(&g, 0, sizeof(g));
	for (k = 0; k < PA_NATTRS; k++) {
		n = snprintf(buf, sizeof(buf), "%s=v%d\nX%s=w\n%.*s=w\n",
		    names[k], k, names[k], (int)strlen(names[k]) - 1,
		    names[k]);
		ck_assert_int_eq(policy_feed(&p, buf, (size_t)n, take, &g,
		    &d), 0);
	}
	ck_assert_int_eq(policy_feed(&p, "\n", 1, take, &g, &d), 0);
	ck_assert_int_eq(g.n, 1);
	for (k = 0; k < PA_NATTRS; k++) {
		snprintf(want, sizeof(want), "v%d", k);
		ck_assert_msg(g.last.set[k] && strcmp(g.last.val[k], want) == 0,
		    "case %s: got \"%s\", want \"%s\"", names[k],
		    g.last.val[k], want);
	}
}
END_TEST

/* an attribute repeated past the values' buffer: the last one wins and
 * the others keep theirs */
START_TEST(test_policy_feed_repeats_fill)
{
	static struct policy_parser p;
	static struct got g;
	static char line[POLICY_LINE_MAX];
	struct diag d;
	size_t n = sizeof("ccert_subject=") - 1 + 4000;
	int i;

	policy_init(&p);
	memset(&g, 0, sizeof(g));
	ck_assert_int_eq(policy_feed(&p, "client_address=192.0.2.1\n", 25,
	    take, &g, &d), 0);
	memcpy(line, "ccert_subject=", 14);
	for (i = 0; i < 40; i++) {
		memset(line + 14, 'a' + i % 26, 4000);
		line[n] = '\n';
		ck_assert_int_eq(policy_feed(&p, line, n + 1, take, &g, &d), 0);
		if (i == 20)
			ck_assert_int_eq(policy_feed(&p, "recipient=x@y\n", 14,
			    take, &g, &d), 0);
	}
	ck_assert_int_eq(policy_feed(&p, "\n", 1, take, &g, &d), 0);
	ck_assert_int_eq(g.n, 1);
	ck_assert_str_eq(g.last.val[PA_CLIENT_ADDRESS], "192.0.2.1");
	ck_assert_str_eq(g.last.val[PA_RECIPIENT], "x@y");
	ck_assert_uint_eq(strlen(g.last.val[PA_CCERT_SUBJECT]), 4000);
	ck_assert_int_eq(g.last.val[PA_CCERT_SUBJECT][0], 'a' + 39 % 26);
	ck_assert_int_eq(g.last.val[PA_CCERT_SUBJECT][3999], 'a' + 39 % 26);
}
END_TEST

static const struct {
	const char *name;
	const char *subject, *issuer, *fp, *keysize;
	int	rc;
	const char *want_subject;
	enum verify verify;
	int	bits;
} req_cases[] = {
	{ "verified", "Alice+20Martin", "CNRS-Plus", FP, "256", 0,
	    "Alice Martin", VERIFY_OK, 256 },
	{ "specials", "Jean+20Dupont+2BFils,+20Jr", "CNRS-Plus", FP, "128", 0,
	    "Jean Dupont+Fils, Jr", VERIFY_OK, 128 },
	{ "unverified", "", "", FP, "256", 0, "", VERIFY_FAIL, 256 },
	{ "no certificate", "", "", "", "256", 0, "", VERIFY_NONE, 256 },
	{ "no TLS", "", "", "", "0", 0, "", VERIFY_NONE, 0 },
	{ "no keysize", "", "", "", NULL, 0, "", VERIFY_NONE, -1 },
	{ "huge keysize", "", "", "", "99999999999999999999", 0, "",
	    VERIFY_NONE, 65536 },
	{ "keysize not a number", "", "", "", "strong", 0, "", VERIFY_NONE,
	    0 },
	{ "bad xtext", "Alice+2", "CNRS-Plus", FP, "256", -1, NULL,
	    VERIFY_FAIL, 256 },
	{ "xtext NUL", "Alice+00Martin", "CNRS-Plus", FP, "256", -1, NULL,
	    VERIFY_FAIL, 256 },
};

START_TEST(test_policy_request)
{
	static struct policy_parser p;
	struct policy_req *pr = &p.req;
	struct request r;
	int rc;

	policy_init(&p);
#define SET(a, v)	policy_set(pr, a, v, strlen(v))
	SET(PA_CCERT_SUBJECT, req_cases[_i].subject);
	SET(PA_CCERT_ISSUER, req_cases[_i].issuer);
	SET(PA_CCERT_FINGERPRINT, req_cases[_i].fp);
	SET(PA_CLIENT_ADDRESS, "192.0.2.7");
	if (req_cases[_i].keysize)
		SET(PA_ENCRYPTION_KEYSIZE, req_cases[_i].keysize);
#undef SET
	rc = policy_request(pr, &r);
	ck_assert_msg(rc == req_cases[_i].rc, "case %s: got %d, want %d",
	    req_cases[_i].name, rc, req_cases[_i].rc);
	ck_assert_msg(r.form == REQ_FORM_POSTFIX, "case %s: form %d",
	    req_cases[_i].name, r.form);
	ck_assert_msg(r.gateless, "case %s: the policy server gates",
	    req_cases[_i].name);
	if (req_cases[_i].want_subject)
		ck_assert_msg(r.subject && strcmp(r.subject,
		    req_cases[_i].want_subject) == 0, "case %s: got subject "
		    "\"%s\", want \"%s\"", req_cases[_i].name, r.subject,
		    req_cases[_i].want_subject);
	else
		ck_assert_msg(r.subject == NULL && r.issuer == NULL,
		    "case %s: a malformed name was passed on",
		    req_cases[_i].name);
	ck_assert_msg(r.verify == req_cases[_i].verify,
	    "case %s: got verify %d, want %d", req_cases[_i].name, r.verify,
	    req_cases[_i].verify);
	ck_assert_msg(r.cipher_bits == req_cases[_i].bits, "case %s: got bits "
	    "%d, want %d", req_cases[_i].name, r.cipher_bits,
	    req_cases[_i].bits);
	ck_assert_msg(r.rcpt == NULL, "case %s: rcpt not sent but set",
	    req_cases[_i].name);
}
END_TEST

static const struct {
	const char *name;
	enum act action;
	enum dec_kind kind;
	const char *table, *code, *dsn, *text;
	int	header_mode;
	const char *header_name;
	const char *want;
} answer_cases[] = {
	{ "cert relay", ACT_RELAY, KIND_ISSUER, "issuers", NULL, NULL, NULL,
	    0, "X-Certrelay", "action=OK\n\n" },
	{ "cert relay, header mode", ACT_RELAY, KIND_ISSUER, "issuers", NULL,
	    NULL, NULL, 1, "X-Certrelay",
	    "action=PREPEND X-Certrelay: subject=x\n\n" },
	{ "cert relay, header mode, no header", ACT_RELAY, KIND_ISSUER,
	    "issuers", NULL, NULL, NULL, 1, "", "action=DUNNO\n\n" },
	{ "auth relay is Postfix's", ACT_RELAY, KIND_AUTH, NULL, NULL, NULL,
	    NULL, 0, "X-Certrelay", "action=DUNNO\n\n" },
	{ "trusted relay is Postfix's", ACT_RELAY, KIND_TRUSTED, NULL, NULL,
	    NULL, NULL, 0, "X-Certrelay", "action=DUNNO\n\n" },
	{ "reject", ACT_REJECT, KIND_FINGERPRINT, "fps", "550", "5.7.1",
	    "Revoked certificate", 0, "X-Certrelay",
	    "action=550 5.7.1 Revoked certificate\n\n" },
	{ "tempfail", ACT_TEMPFAIL, KIND_REGEX, NULL, "451", "4.3.0",
	    "Temporary lookup failure", 0, "X-Certrelay",
	    "action=451 4.3.0 Temporary lookup failure\n\n" },
	{ "error 4xx", ACT_ERROR, KIND_SUBJECT, "subjects", "450", "4.7.1",
	    "Try later", 0, "X-Certrelay",
	    "action=450 4.7.1 Try later\n\n" },
	{ "clear auth", ACT_REJECT, KIND_AUTH, NULL, "530", "5.7.0",
	    "Must issue a STARTTLS command first", 0, "X-Certrelay",
	    "action=530 5.7.0 Must issue a STARTTLS command first\n\n" },
	{ "gatekeeper is Postfix's", ACT_REJECT, KIND_GATEKEEPER, NULL, "550",
	    "5.7.1", "Relaying denied", 0, "X-Certrelay",
	    "action=DUNNO\n\n" },
	{ "refusal without reply", ACT_REJECT, KIND_ISSUER, "issuers", NULL,
	    NULL, NULL, 0, "X-Certrelay", "action=DUNNO\n\n" },
	{ "discard", ACT_DISCARD, KIND_SUBJECT, "subjects", NULL, NULL, NULL,
	    0, "X-Certrelay", "action=DISCARD certrelay\n\n" },
	{ "dunno", ACT_DUNNO, KIND_NO_RULE, NULL, NULL, NULL, NULL, 0,
	    "X-Certrelay", "action=DUNNO\n\n" },
};

START_TEST(test_policy_answer)
{
	struct decision dec;
	char buf[512];
	int n;

	memset(&dec, 0, sizeof(dec));
	dec.action = answer_cases[_i].action;
	dec.kind = answer_cases[_i].kind;
	dec.table = answer_cases[_i].table;
	dec.line = 3;
	if (answer_cases[_i].code) {
		strcpy(dec.code, answer_cases[_i].code);
		strcpy(dec.dsn, answer_cases[_i].dsn);
		strcpy(dec.text, answer_cases[_i].text);
	}
	n = policy_answer(&dec, answer_cases[_i].header_mode,
	    answer_cases[_i].header_name, "subject=x", buf, sizeof(buf));
	ck_assert_msg(n == (int)strlen(answer_cases[_i].want) &&
	    strcmp(buf, answer_cases[_i].want) == 0,
	    "case %s: got %d \"%s\", want \"%s\"", answer_cases[_i].name, n,
	    buf, answer_cases[_i].want);
	ck_assert_int_eq(policy_answer(&dec, answer_cases[_i].header_mode,
	    answer_cases[_i].header_name, "subject=x", buf, 8), -1);
}
END_TEST

/* every kind and action has an answer: a kind added to enum dec_kind
 * without its row in policy.c fails here */
START_TEST(test_policy_answer_every_kind)
{
	struct decision dec;
	char buf[512];
	int a, n;

	for (a = 0; a < ACT_NACTS; a++) {
		memset(&dec, 0, sizeof(dec));
		dec.kind = (enum dec_kind)_i;
		dec.action = (enum act)a;
		strcpy(dec.code, "550");
		strcpy(dec.dsn, "5.7.1");
		strcpy(dec.text, "No");
		n = policy_answer(&dec, 0, "X-Certrelay", "v", buf,
		    sizeof(buf));
		ck_assert_msg(n > 0 && strncmp(buf, "action=", 7) == 0,
		    "case kind %s, action %s: no answer (%d)",
		    decide_kind_name(dec.kind), action_name(dec.action), n);
	}
	dec.kind = (enum dec_kind)KIND_NKINDS;
	ck_assert_int_eq(policy_answer(&dec, 0, "X-Certrelay", "v", buf,
	    sizeof(buf)), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("policy");
	TCase *tc;

	tc = tcase_create("policy_feed");
	tcase_add_loop_test(tc, test_policy_feed_split, 0, 40);
	tcase_add_test(tc, test_policy_feed_many);
	LOOP(tc, test_policy_feed_errors, feed_error_cases);
	tcase_add_test(tc, test_policy_feed_long);
	tcase_add_test(tc, test_policy_feed_nul_after_request);
	tcase_add_test(tc, test_policy_feed_repeats_fill);
	tcase_add_test(tc, test_policy_feed_every_attr);
	suite_add_tcase(s, tc);
	tc = tcase_create("policy_request");
	LOOP(tc, test_policy_request, req_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("policy_answer");
	LOOP(tc, test_policy_answer, answer_cases);
	tcase_add_loop_test(tc, test_policy_answer_every_kind, 0, KIND_NKINDS);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
