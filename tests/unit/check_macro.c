/*
 * check_macro - a milter session's macros as Postfix and Sendmail send
 * them (Postfix src/smtpd/smtpd_milter.c, smtpd_milter_eval(); Sendmail
 * sendmail/tls.c, tls_get_info(); phase 0 of tests/e2e/sendmail.sh logs
 * what Sendmail sends), turned into a request
 */
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "testutil.h"

#define MAXM		16

struct env {
	const char *name[MAXM], *val[MAXM];
};

/* get - the fake smfi_getsymval() */
static const char *
get(void *ctx, const char *name)
{
	const struct env *e = ctx;
	int k;

	for (k = 0; k < MAXM && e->name[k]; k++)
		if (strcmp(e->name[k], name) == 0)
			return e->val[k];
	return NULL;
}

static const struct {
	const char *name;
	struct env env;
	enum req_form form;
	enum verify verify;
	const char *subject, *fingerprint;
	int	bits;
} cases[] = {
	{ "postfix verified", { { "v", "{tls_version}", "{cipher_bits}",
	    "{cert_subject}", "{cert_issuer}" }, { "Postfix 3.7.11", "TLSv1.3",
	    "256", "Alice Martin", "CNRS-Plus" } }, REQ_FORM_POSTFIX, VERIFY_OK,
	    "Alice Martin", "", 256 },
	{ "postfix unverified", { { "v", "{tls_version}", "{cipher_bits}" },
	    { "Postfix 3.7.11", "TLSv1.3", "256" } }, REQ_FORM_POSTFIX,
	    VERIFY_FAIL, "", "", 256 },
	{ "postfix no TLS", { { "v" }, { "Postfix 3.7.11" } },
	    REQ_FORM_POSTFIX, VERIFY_NONE, "", "", -1 },
	{ "sendmail verified", { { "v", "{tls_version}", "{cipher_bits}",
	    "{cert_subject}", "{cert_issuer}", "{verify}", "{cert_fp}" },
	    { "8.17.1.9", "TLSv1.3", "256", "/C=FR/O=CNRS/CN=Alice+20Martin",
	    "/C=FR/O=CNRS/CN=CNRS-Plus", "OK", "AB:CD" } }, REQ_FORM_SENDMAIL,
	    VERIFY_OK, "/C=FR/O=CNRS/CN=Alice+20Martin", "AB:CD", 256 },
	{ "sendmail TRUSTED", { { "{verify}", "{cert_subject}" }, { "TRUSTED",
	    "/CN=x" } }, REQ_FORM_SENDMAIL, VERIFY_OK, "/CN=x", "", -1 },
	{ "sendmail forgery", { { "{verify}", "{cert_subject}", "{cert_fp}" },
	    { "FAIL", "/CN=x", "AB:CD" } }, REQ_FORM_SENDMAIL, VERIFY_FAIL,
	    "/CN=x", "AB:CD", -1 },
	{ "sendmail no cert", { { "{verify}", "{cert_subject}" },
	    { "NO", "" } },
	    REQ_FORM_SENDMAIL, VERIFY_NONE, "", "", -1 },
	{ "sendmail no {verify}", { { "{cert_subject}" }, { "/CN=x" } },
	    REQ_FORM_SENDMAIL, VERIFY_UNKNOWN, "/CN=x", "", -1 },
	{ "sendmail {cert_md5}", { { "{verify}", "{cert_md5}" }, { "OK",
	    "E1:3C" } }, REQ_FORM_SENDMAIL, VERIFY_OK, "", "E1:3C", -1 },
	/* {cipher_bits} that is no key size is never "not said" (-1), which
	 * would pass min_cipher_bits: no digits is 0, too many is capped */
	{ "bits negative", { { "{cipher_bits}" }, { "-5" } },
	    REQ_FORM_SENDMAIL, VERIFY_UNKNOWN, "", "", 0 },
	{ "bits overflow", { { "{cipher_bits}" }, { "99999999999" } },
	    REQ_FORM_SENDMAIL, VERIFY_UNKNOWN, "", "", 65536 },
};

START_TEST(test_macros_request)
{
	struct macros m;
	struct request r;

	memset(&m, 0, sizeof(m));
	macros_collect(&m, get, (void *)&cases[_i].env);
	request_init(&r);
	macros_request(&m, &r);
	ck_assert_msg(r.form == cases[_i].form && r.verify == cases[_i].verify,
	    "case %s: got form %d verify %d, want %d %d", cases[_i].name,
	    r.form, r.verify, cases[_i].form, cases[_i].verify);
	ck_assert_msg(r.subject && strcmp(r.subject, cases[_i].subject) == 0,
	    "case %s: got subject \"%s\"", cases[_i].name, r.subject);
	ck_assert_msg(r.fingerprint && strcmp(r.fingerprint,
	    cases[_i].fingerprint) == 0, "case %s: got fingerprint \"%s\"",
	    cases[_i].name, r.fingerprint);
	ck_assert_msg(r.cipher_bits == cases[_i].bits, "case %s: got bits %d",
	    cases[_i].name, r.cipher_bits);
}
END_TEST

/* a name too long for its field is never passed on cut */
START_TEST(test_macros_too_long)
{
	static char big[MACRO_VAL_MAX + 10];
	struct env env = { { "{verify}", "{cert_subject}", "{cert_issuer}" },
	    { "OK", big, "/CN=CA" } };
	struct macros m;
	struct request r;

	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "/CN=", 4);
	big[sizeof(big) - 1] = 0;
	memset(&m, 0, sizeof(m));
	macros_collect(&m, get, &env);
	request_init(&r);
	macros_request(&m, &r);
	ck_assert_msg(r.subject == NULL || r.subject[0] == 0,
	    "case long subject: passed on (%zu bytes)", strlen(r.subject));
	ck_assert(m.too_long);
}
END_TEST

/* values sent again replace the old ones; others stay */
START_TEST(test_macros_collect_again)
{
	struct env helo = { { "v", "{tls_version}" },
	    { "8.17.1.9", "TLSv1.2" } };
	struct env mail = { { "{tls_version}", "{auth_type}", "{auth_authen}",
	    "i" }, { "TLSv1.3", "PLAIN", "alice", "4XkLp1q" } };
	struct macros m;
	struct request r;

	memset(&m, 0, sizeof(m));
	macros_collect(&m, get, &helo);
	macros_collect(&m, get, &mail);
	request_init(&r);
	macros_request(&m, &r);
	ck_assert_str_eq(r.tls_version, "TLSv1.3");
	ck_assert_str_eq(r.auth_type, "PLAIN");
	ck_assert_str_eq(r.auth_user, "alice");
	ck_assert_str_eq(r.id, "4XkLp1q");
	ck_assert_int_eq(macros_is_postfix(&m), 0);
}
END_TEST

/* at end of message only the queue id is taken: nothing else changes */
START_TEST(test_macros_queue_id)
{
	struct env mail = { { "v", "{tls_version}" },
	    { "Postfix 3.7.11", "TLSv1.3" } };
	struct env eom = { { "i", "{tls_version}" }, { "4XkLp1q", "TLSv1.0" } };
	struct macros m;
	struct request r;

	memset(&m, 0, sizeof(m));
	macros_collect(&m, get, &mail);
	request_init(&r);
	macros_request(&m, &r);
	macros_queue_id(&m, get, &eom);
	ck_assert_int_eq(m.changed, 0);
	macros_request(&m, &r);
	ck_assert_str_eq(r.id, "4XkLp1q");
	ck_assert_str_eq(r.tls_version, "TLSv1.3");
}
END_TEST

static const struct {
	const char *name;
	struct env env;
	const char *arg;
	int	rc;
	const char *want;
} rcpt_cases[] = {
	{ "rcpt_addr", { { "{rcpt_addr}", "{rcpt_mailer}" },
	    { "bob@x.example", "relay" } }, "<BOB@x.example>", 1,
	    "bob@x.example" },
	{ "argument", { { NULL }, { NULL } }, "<bob@x.example>", 1,
	    "<bob@x.example>" },
	{ "refused by the MTA", { { "{rcpt_mailer}", "{rcpt_addr}" },
	    { "error", "bob@x.example" } }, "<bob@x.example>", 0, NULL },
};

START_TEST(test_macros_rcpt)
{
	struct macros m;
	struct request r;
	int rc;

	memset(&m, 0, sizeof(m));
	rc = macros_rcpt(&m, get, (void *)&rcpt_cases[_i].env,
	    rcpt_cases[_i].arg);
	ck_assert_msg(rc == rcpt_cases[_i].rc, "case %s: got %d, want %d",
	    rcpt_cases[_i].name, rc, rcpt_cases[_i].rc);
	if (rc == 0)
		return;
	request_init(&r);
	macros_request(&m, &r);
	ck_assert_msg(r.rcpt && strcmp(r.rcpt, rcpt_cases[_i].want) == 0,
	    "case %s: got \"%s\", want \"%s\"", rcpt_cases[_i].name, r.rcpt,
	    rcpt_cases[_i].want);
}
END_TEST

/*
 * The AUTH guard's sessions, as Sendmail 8.17 sends them (measured by
 * case 9 of tests/e2e/sendmail.sh, auth_order_cases()):
 * the HELO macros of each EHLO, then MAIL's. AUTH before STARTTLS shows
 * only as {auth_type} already set at the EHLO over TLS; with no EHLO
 * after STARTTLS nothing proves the AUTH was encrypted.
 */
static const struct {
	const char *name;
	struct env helo[2];
	int	nhelo;
	struct env mail;
	int	unproven, authed_at_helo;
} auth_cases[] = {
	{ "AUTH in clear, STARTTLS, EHLO", { { { "{auth_type}",
	    "{auth_authen}" }, { "PLAIN", "alice" } }, { { "{tls_version}",
	    "{auth_type}", "{auth_authen}" }, { "TLSv1.3", "PLAIN", "alice" } } },
	    2, { { "{tls_version}", "{auth_type}", "{auth_authen}" },
	    { "TLSv1.3", "PLAIN", "alice" } }, 1, 1 },
	{ "STARTTLS, EHLO, AUTH", { { { "{auth_type}" }, { "" } },
	    { { "{tls_version}", "{auth_type}" }, { "TLSv1.3", "" } } }, 2,
	    { { "{tls_version}", "{auth_type}", "{auth_authen}" },
	    { "TLSv1.3", "PLAIN", "alice" } }, 0, 0 },
	{ "STARTTLS, no EHLO, AUTH", { { { "v" }, { "8.17.1.9" } } }, 1,
	    { { "{tls_version}", "{auth_type}", "{auth_authen}" },
	    { "TLSv1.3", "PLAIN", "alice" } }, 1, 0 },
	{ "only {auth_authen} at the EHLO over TLS", { { { "v" },
	    { "8.17.1.9" } }, { { "{tls_version}", "{auth_authen}" },
	    { "TLSv1.3", "alice" } } }, 2, { { "{tls_version}", "{auth_type}",
	    "{auth_authen}" }, { "TLSv1.3", "PLAIN", "alice" } }, 1, 1 },
	{ "TLS, no AUTH", { { { "{tls_version}" }, { "TLSv1.3" } } }, 1,
	    { { "{tls_version}" }, { "TLSv1.3" } }, 0, 0 },
	/* decide() refuses AUTH without TLS by itself (clear_auth) */
	{ "AUTH, no TLS", { { { "{auth_type}" }, { "PLAIN" } } }, 1,
	    { { "{auth_type}" }, { "PLAIN" } }, 0, 0 },
};

START_TEST(test_macros_auth_order)
{
	struct macros m;
	struct request r;
	int k;

	memset(&m, 0, sizeof(m));
	request_init(&r);
	for (k = 0; k < auth_cases[_i].nhelo; k++)
		macros_helo(&m, get, (void *)&auth_cases[_i].helo[k]);
	macros_collect(&m, get, (void *)&auth_cases[_i].mail);
	macros_request(&m, &r);
	ck_assert_msg(r.auth_unproven == auth_cases[_i].unproven &&
	    m.tls_helo_authed == auth_cases[_i].authed_at_helo,
	    "case %s: got unproven %d authed at HELO %d", auth_cases[_i].name,
	    r.auth_unproven, m.tls_helo_authed);
	request_free(&r);
}
END_TEST

/* AUTH seen ({auth_authen}) but no {auth_type}: the guard is blind */
START_TEST(test_macros_auth_type_missing)
{
	static const struct env only_user = { { "{auth_authen}" },
	    { "alice" } }, both = { { "{auth_authen}", "{auth_type}" },
	    { "alice", "PLAIN" } }, none = { { "{auth_ssf}" }, { "0" } };
	struct macros m;

	memset(&m, 0, sizeof(m));
	macros_collect(&m, get, (void *)&only_user);
	ck_assert_int_eq(macros_auth_type_missing(&m), 1);
	memset(&m, 0, sizeof(m));
	macros_collect(&m, get, (void *)&both);
	ck_assert_int_eq(macros_auth_type_missing(&m), 0);
	memset(&m, 0, sizeof(m));
	macros_collect(&m, get, (void *)&none);
	ck_assert_int_eq(macros_auth_type_missing(&m), 0);
}
END_TEST

/* the listener ({daemon_name}) at connect; too long is empty (gated) */
START_TEST(test_macros_connect)
{
	static const struct env crt = { { "{daemon_name}", "{client_addr}" },
	    { "CRT", "192.0.2.7" } }, mta = { { "{daemon_name}" },
	    { "mx.example.org" } };
	char big[200];
	struct env odd = { { "{daemon_name}" }, { big } };
	struct macros m;
	struct request r;

	memset(&m, 0, sizeof(m));
	request_init(&r);
	macros_connect(&m, get, (void *)&crt);
	macros_collect(&m, get, (void *)&mta);	/* MAIL: no new listener */
	macros_request(&m, &r);
	ck_assert_str_eq(r.listener, "CRT");
	ck_assert_str_eq(r.client_addr, "192.0.2.7");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	memset(&m, 0, sizeof(m));
	macros_connect(&m, get, &odd);
	macros_request(&m, &r);
	ck_assert_str_eq(r.listener, "");
	request_free(&r);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("macro");
	TCase *tc;

	tc = tcase_create("macros_request");
	LOOP(tc, test_macros_request, cases);
	tcase_add_test(tc, test_macros_too_long);
	suite_add_tcase(s, tc);
	tc = tcase_create("macros_auth");
	LOOP(tc, test_macros_auth_order, auth_cases);
	tcase_add_test(tc, test_macros_auth_type_missing);
	suite_add_tcase(s, tc);
	tc = tcase_create("macros_connect");
	tcase_add_test(tc, test_macros_connect);
	suite_add_tcase(s, tc);
	tc = tcase_create("macros_collect");
	tcase_add_test(tc, test_macros_collect_again);
	tcase_add_test(tc, test_macros_queue_id);
	suite_add_tcase(s, tc);
	tc = tcase_create("macros_rcpt");
	LOOP(tc, test_macros_rcpt, rcpt_cases);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
