/*
 * check_logline - the decision's log line and the trace header
 */
#include <stdio.h>
#include <string.h>

#include "logline.h"
#include "testutil.h"

/* full - a request and decision with every key known */
static void
full(struct request *r, struct decision *dec)
{
	request_init(r);
	r->id = "4XkLp1q";
	r->verify = VERIFY_OK;
	snprintf(r->subject_canon, sizeof(r->subject_canon),
	    "CN=Alice Martin,OU=UMR7503,O=CNRS,C=FR");
	snprintf(r->issuer_canon, sizeof(r->issuer_canon),
	    "CN=CNRS-Plus,O=CNRS,C=FR");
	snprintf(r->fp_text, sizeof(r->fp_text), "sha256:9A:3F");
	r->client_name = "lab.example";
	r->client_addr = "192.0.2.7";
	r->tls_version = "TLSv1.3";
	r->cipher_bits = 256;
	r->auth_type = "PLAIN";
	r->auth_user = "alice";
	r->rcpt = "<bob@elsewhere.example>";
	snprintf(r->note, sizeof(r->note), "a note");
	memset(dec, 0, sizeof(*dec));
	dec->action = ACT_RELAY;
	dec->kind = KIND_ISSUER;
	dec->table = "/etc/certrelay/issuers";
	dec->line = 7;
}

START_TEST(test_logline_full)
{
	static const char want[] = "4XkLp1q: action=RELAY stage=rcpt "
	    "rule=/etc/certrelay/issuers:7 kind=issuer verify=OK "
	    "subject=\"CN=Alice Martin,OU=UMR7503,O=CNRS,C=FR\" "
	    "issuer=\"CN=CNRS-Plus,O=CNRS,C=FR\" fp=sha256:9A:3F "
	    "client=lab.example[192.0.2.7] tls=TLSv1.3 bits=256 auth=PLAIN "
	    "user=alice rcpt=<bob@elsewhere.example> note=\"a note\"";
	struct request r;
	struct decision dec;
	char buf[2048];

	full(&r, &dec);
	logline_format(&r, &dec, "rcpt", buf, sizeof(buf));
	ck_assert_msg(strcmp(buf, want) == 0, "case full:\n got %s\nwant %s",
	    buf, want);
}
END_TEST

/* keys come in one order, whichever are known */
START_TEST(test_logline_order)
{
	static const char *keys[] = { "action=", "stage=", "rule=", "kind=",
	    "reply=", "verify=", "subject=", "issuer=", "fp=", "client=",
	    "tls=", "bits=", "auth=", "user=", "rcpt=", "note=" };
	struct request r;
	struct decision dec;
	char buf[2048];
	const char *prev = buf, *p;
	size_t k;

	full(&r, &dec);
	dec.action = ACT_REJECT;
	snprintf(dec.code, sizeof(dec.code), "550");
	snprintf(dec.dsn, sizeof(dec.dsn), "5.7.1");
	snprintf(dec.text, sizeof(dec.text), "Revoked");
	logline_format(&r, &dec, "rcpt", buf, sizeof(buf));
	for (k = 0; k < NELEM(keys); k++) {
		p = strstr(buf, keys[k]);
		ck_assert_msg(p != NULL, "case order: %s missing in %s",
		    keys[k], buf);
		ck_assert_msg(p > prev || k == 0, "case order: %s out of order "
		    "in %s", keys[k], buf);
		prev = p;
	}
	ck_assert_msg(strstr(buf, "reply=\"550 5.7.1 Revoked\"") != NULL,
	    "case reply quoted: %s", buf);
}
END_TEST

/* keys only when known */
START_TEST(test_logline_sparse)
{
	struct request r;
	struct decision dec;
	char buf[512];

	request_init(&r);
	memset(&dec, 0, sizeof(dec));
	dec.action = ACT_DUNNO;
	dec.kind = KIND_NO_CERT;
	logline_format(&r, &dec, "cert", buf, sizeof(buf));
	ck_assert_msg(strcmp(buf, "action=DUNNO stage=cert kind=no-cert") == 0,
	    "case sparse: got \"%s\"", buf);
	r.client_name = "[192.0.2.7]";
	r.client_addr = "192.0.2.7";
	r.cipher_bits = 256;		/* no tls: no bits */
	logline_format(&r, &dec, "cert", buf, sizeof(buf));
	ck_assert_msg(strcmp(buf, "action=DUNNO stage=cert kind=no-cert "
	    "client=[192.0.2.7]") == 0, "case postfix client: got \"%s\"", buf);
	r.client_name = NULL;
	logline_format(&r, &dec, "cert", buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "client=unknown[192.0.2.7]") != NULL,
	    "case unknown client: got \"%s\"", buf);
}
END_TEST

static const struct {
	const char *name;
	const char *subject;
	const char *want;		/* the subject= part */
} quote_cases[] = {
	{ "plain", "x", "subject=x" },
	{ "space", "a b", "subject=\"a b\"" },
	{ "equals", "CN=x", "subject=\"CN=x\"" },
	{ "quote", "CN=a\\\"b", "subject=\"CN=a\\\\\\\"b\"" },
	{ "newline", "CN=a\r\nX-Evil: 1",
	    "subject=\"CN=a\\x0D\\x0AX-Evil: 1\"" },
	{ "tab", "a\tb", "subject=\"a\\x09b\"" },
	{ "del", "a\x7f", "subject=\"a\\x7F\"" },
	{ "utf-8 kept in the log", "CN=\xC3\x89lise",
	    "subject=\"CN=\xC3\x89lise\"" },
};

START_TEST(test_logline_quoting)
{
	struct request r;
	struct decision dec;
	char buf[1024];

	request_init(&r);
	memset(&dec, 0, sizeof(dec));
	snprintf(r.subject_canon, sizeof(r.subject_canon), "%s",
	    quote_cases[_i].subject);
	logline_format(&r, &dec, "cert", buf, sizeof(buf));
	ck_assert_msg(strstr(buf, quote_cases[_i].want) != NULL,
	    "case %s: got %s, want it to hold %s", quote_cases[_i].name, buf,
	    quote_cases[_i].want);
	ck_assert_msg(strpbrk(buf, "\r\n\t") == NULL,
	    "case %s: a control byte in the log line", quote_cases[_i].name);
}
END_TEST

START_TEST(test_logline_truncates)
{
	struct request r;
	struct decision dec;
	char buf[64];
	size_t n, len;

	full(&r, &dec);
	for (n = 1; n < 40; n++) {
		memset(buf, 'Z', sizeof(buf));
		len = logline_format(&r, &dec, "rcpt", buf, n);
		ck_assert_msg(strlen(buf) < n && buf[n] == 'Z',
		    "case size %zu: got %zu bytes", n, strlen(buf));
		ck_assert_msg(len == strlen(buf), "case size %zu: returned %zu, "
		    "the line is %zu bytes", n, len, strlen(buf));
		memset(buf, 'Z', sizeof(buf));
		logline_header(&r, &dec, buf, n);
		ck_assert_msg(strlen(buf) < n && buf[n] == 'Z',
		    "case header size %zu: got %zu bytes", n, strlen(buf));
	}
}
END_TEST

START_TEST(test_logline_header)
{
	static const char want[] = "subject=\"CN=Alice Martin,OU=UMR7503,"
	    "O=CNRS,C=FR\" issuer=\"CN=CNRS-Plus,O=CNRS,C=FR\" fp=sha256:9A:3F "
	    "rule=/etc/certrelay/issuers:7 kind=issuer";
	struct request r;
	struct decision dec;
	char buf[1024];

	full(&r, &dec);
	logline_header(&r, &dec, buf, sizeof(buf));
	ck_assert_msg(strcmp(buf, want) == 0, "case header:\n got %s\nwant %s",
	    buf, want);
}
END_TEST

/* the header value folds nowhere and injects nothing */
START_TEST(test_logline_header_ascii)
{
	struct request r;
	struct decision dec;
	char buf[2048];
	const unsigned char *p;

	full(&r, &dec);
	snprintf(r.subject_canon, sizeof(r.subject_canon),
	    "CN=\xC3\x89lise No\xC3\xABl\r\nX-Injected: yes,O=\x01\x7f\xff");
	snprintf(r.issuer_canon, sizeof(r.issuer_canon), "CN=Ca\nBcc: x");
	dec.table = "/etc/certrelay/sub jects\r\n";
	logline_header(&r, &dec, buf, sizeof(buf));
	for (p = (const unsigned char *)buf; *p; p++)
		ck_assert_msg(*p >= 0x20 && *p < 0x7f,
		    "case ascii: byte 0x%02x at %zu in %s", *p,
		    (size_t)(p - (const unsigned char *)buf), buf);
	ck_assert_msg(strstr(buf, "CN=\\xC3\\x89lise No\\xC3\\xABl\\x0D\\x0A"
	    "X-Injected: yes") != NULL, "case escapes: got %s", buf);
}
END_TEST

/* logline_kv(): a client's user name with a newline stays one value */
START_TEST(test_logline_kv)
{
	char buf[128] = "";

	ck_assert_int_eq(logline_kv(buf, sizeof(buf), "user", "alice"), 10);
	logline_kv(buf, sizeof(buf), "client", "x\n<6>forged line");
	logline_kv(buf, sizeof(buf), "auth", "");
	ck_assert_str_eq(buf, "user=alice client=\"x\\x0A<6>forged line\"");
	buf[0] = 0;
	logline_kv(buf, 8, "user", "a long name");
	ck_assert_str_eq(buf, "user=\"a");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("logline");
	TCase *tc;

	tc = tcase_create("logline_format");
	tcase_add_test(tc, test_logline_full);
	tcase_add_test(tc, test_logline_kv);
	tcase_add_test(tc, test_logline_order);
	tcase_add_test(tc, test_logline_sparse);
	LOOP(tc, test_logline_quoting, quote_cases);
	tcase_add_test(tc, test_logline_truncates);
	suite_add_tcase(s, tc);
	tc = tcase_create("logline_header");
	tcase_add_test(tc, test_logline_header);
	tcase_add_test(tc, test_logline_header_ascii);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
