/*
 * check_sender - sender lists and addresses, the sender table, and the
 * binding and the counters through decide() on a real configuration
 *
 * The fixture: CA "CNRS-Plus" (issuer RELAY, full DN and Postfix's CN),
 * a pinned self-signed partner (RELAY rate=3/hour), and "Carol" in the
 * certificate index (subjectAltName carol@umr7503.example, no
 * emailAddress in her subject).
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/x509v3.h>

#include "cindex.h"
#include "decide.h"
#include "engine.h"
#include "logline.h"
#include "sender.h"
#include "table.h"
#include "testutil.h"

#define PLUS_SM		"/C=FR/O=CNRS/CN=CNRS-Plus"
#define ALICE_SM	"/C=FR/O=CNRS/OU=UMR7503/CN=Alice+20Martin" \
			"/emailAddress=alice.martin@umr7503.example"
#define BOB_SM		"/C=FR/O=CNRS/OU=UMR9999/CN=Bob+20Durand" \
			"/emailAddress=bob.durand@umr9999.example"
#define PARTNER_FP	"3C:1A:C7:53:3F:B8:CB:1E:C2:99:F6:6B:88:84:C9:E1" \
			":3C:1A:C7:53:3F:B8:CB:1E:C2:99:F6:6B:88:84:C9:E1"
#define ALICE_FP	"AA:1A:C7:53:3F:B8:CB:1E:C2:99:F6:6B:88:84:C9:E1" \
			":3C:1A:C7:53:3F:B8:CB:1E:C2:99:F6:6B:88:84:C9:E1"

/* sender_list_check(): what a sender table value may be */
static const struct {
	const char *in;
	int	rc;
	const char *out;		/* rc 0 */
	const char *what;		/* rc -1 */
} list_cases[] = {
	{ "alice@x.example", 0, "alice@x.example", NULL },
	{ "Alice@X.Example", 0, "Alice@x.example", NULL },
	{ "a@x.example, @Y.example b@z", 0, "a@x.example @y.example b@z",
	    NULL },
	{ " ,a@x.example,,  ", 0, "a@x.example", NULL },
	{ "\"ab\"@x", -1, NULL, "bare address" },
	{ "\"a b\"@x", -1, NULL, "neither an address" },
	{ "<a@x.example>", -1, NULL, "bare address" },
	{ "alice", -1, NULL, "neither an address nor an @domain" },
	{ "a@", -1, NULL, "neither" },
	{ "@@x.example", -1, NULL, "neither" },	/* fuzz_sender found it */
	{ "a@b@x.example", -1, NULL, "neither" },
	{ "", -1, NULL, "no sender" },
	{ " , ", -1, NULL, "no sender" },
};

START_TEST(test_sender_list_check)
{
	char out[256];
	size_t olen;
	struct diag d;
	const char *in = list_cases[_i].in;
	int rc;

	diag_clear(&d);
	rc = sender_list_check(in, strlen(in), out, sizeof(out), &olen, &d);
	ck_assert_msg(rc == list_cases[_i].rc, "case \"%s\": got %d (%s)", in,
	    rc, d.what);
	if (rc == 0)
		ck_assert_msg(strcmp(out, list_cases[_i].out) == 0 &&
		    olen == strlen(out), "case \"%s\": got \"%s\", want \"%s\"",
		    in, out, list_cases[_i].out);
	else
		ck_assert_msg(strstr(d.what, list_cases[_i].what) != NULL,
		    "case \"%s\": what \"%s\"", in, d.what);
}
END_TEST

/* sender_in_list(): exact local part, domain in any case, @domain */
static const struct {
	const char *list, *addr;
	int	want;
} match_cases[] = {
	{ "alice@x.example", "alice@x.example", 1 },
	{ "alice@x.example", "alice@X.EXAMPLE", 1 },
	{ "alice@x.example", "Alice@x.example", 0 },
	{ "alice@x.example", "alice@x.example.evil", 0 },
	{ "alice@x.example", "alice@x.exampl", 0 },
	{ "alice@x.example", "xalice@x.example", 0 },
	{ "alice@x.example", "alice", 0 },
	{ "b@y @x.example", "anyone@X.example", 1 },
	{ "@x.example", "anyone@sub.x.example", 0 },
	{ "@x.example", "anyone@evilx.example", 0 },
	{ "@x.example", "a@b@x.example", 1 },
	{ "a@b @c", "a@c", 1 },
};

START_TEST(test_sender_in_list)
{
	const char *l = match_cases[_i].list, *a = match_cases[_i].addr;
	int got;

	got = sender_in_list(l, strlen(l), a, strlen(a));
	ck_assert_msg(got == match_cases[_i].want, "case \"%s\" in \"%s\": "
	    "got %d, want %d", a, l, got, match_cases[_i].want);
}
END_TEST

/* sender_addr(): MAIL FROM as the MTAs pass it */
START_TEST(test_sender_addr)
{
	const char *a;
	size_t n;

	ck_assert_int_eq(sender_addr("<a@x>", &a, &n), 1);
	ck_assert(n == 3 && strncmp(a, "a@x", 3) == 0);
	ck_assert_int_eq(sender_addr("a@x", &a, &n), 1);
	ck_assert(n == 3);
	ck_assert_int_eq(sender_addr("<>", &a, &n), 0);
	ck_assert_int_eq(sender_addr("", &a, &n), 0);
	ck_assert_int_eq(sender_addr(" <> ", &a, &n), 0);
	ck_assert_int_eq(sender_bind_name(SENDER_BIND_CERT_EMAIL)[0], 'c');
}
END_TEST

struct fixture {
	char	dir[TU_PATH_MAX];
	struct engine *email, *table, *legacy, *rate;
	X509	*carol;
	char	carol_fp[256];
};

static struct fixture fx;


/* engine - a configuration of the common lines and more */
static struct engine *
engine(const char *name, const char *more)
{
	char text[2048], conf[TU_PATH_MAX];
	struct engine *e;
	struct diag d;

	snprintf(text, sizeof(text),
	    "fingerprint_table = fingerprints\n"
	    "issuer_table = issuers\n"
	    "cert_index = certs\n"
	    "index_ca_file = cafile.pem\n"
	    "local_domains = local.example\n"
	    "gatekeeper = yes\n%s", more);
	tu_write(tu_path(conf, sizeof(conf), fx.dir, name), text);
	ck_assert_msg(engine_open(conf, &e, &d) == 0, "fixture %s: %s:%d: %s",
	    name, d.file, d.line, d.what);
	return e;
}

static void
setup(void)
{
	static const char *const plus_ca[] = { "C", "FR", "O", "CNRS",
	    "CN", "CNRS-Plus", NULL };
	static const char *const carol[] = { "C", "FR", "O", "CNRS",
	    "OU", "UMR7503", "CN", "Carol", NULL };
	char text[2048], path[TU_PATH_MAX], certs[TU_PATH_MAX];
	char cdb[TU_PATH_MAX + 8];
	EVP_PKEY *plus = tu_key(), *k = tu_key();
	X509_NAME *ca_name = tu_name(plus_ca), *cn = tu_name(carol);
	struct cindex_stats st;
	struct diag d;
	X509 *ca;

	tu_mkdir(fx.dir, sizeof(fx.dir));
	fx.carol = tu_cert(cn, k, ca_name, plus, "carol@umr7503.example", 5);
	tu_hex_digest(fx.carol, EVP_sha256(), 0, 1, fx.carol_fp,
	    sizeof(fx.carol_fp));
	ca = tu_cert(ca_name, plus, ca_name, plus, NULL, 1);
	tu_ext(ca, NID_basic_constraints, "critical,CA:TRUE");
	ck_assert(X509_sign(ca, plus, EVP_sha256()) > 0);
	tu_write_pem(tu_path(path, sizeof(path), fx.dir, "cafile.pem"), ca);
	tu_path(certs, sizeof(certs), fx.dir, "certs");
	ck_assert(mkdir(certs, 0700) == 0);
	tu_write_pem(tu_path(cdb, sizeof(cdb), certs, "carol.pem"), fx.carol);
	snprintf(cdb, sizeof(cdb), "%s.cdb", certs);
	ck_assert_msg(cindex_compile(certs, cdb, &(struct cindex_opts){
	    .ca_file = path }, &st, &d) == 0 && st.verified == 1,
	    "fixture: index: %s", d.what);

	tu_table(fx.dir, "issuers", PLUS_SM " RELAY\nCN=CNRS-Plus RELAY\n",
	    TABLE_ISSUER);
	tu_table(fx.dir, "fingerprints",
	    PARTNER_FP " RELAY rate=3/hour partner\n" ALICE_FP " RELAY\n",
	    TABLE_FINGERPRINT);
	snprintf(text, sizeof(text),
	    PARTNER_FP " partner@x.example, @Partner.example\n"
	    "CN=Alice\\20Martin issuer=CN=CNRS-Plus "
	    "alice.martin@umr7503.example\n"
	    "carol@umr7503.example issuer=" PLUS_SM " carol@lab.example\n");
	tu_table(fx.dir, "senders", text, TABLE_SENDER);

	fx.email = engine("email.conf", "sendmail_openssl = 3\n"
	    "sender_binding = cert-email\n");
	fx.table = engine("table.conf", "sendmail_openssl = 3\n"
	    "sender_binding = table\nsender_table = senders\n");
	fx.legacy = engine("legacy.conf", "sender_binding = cert-email\n");
	fx.rate = engine("rate.conf", "sendmail_openssl = 3\n"
	    "rate_limit = 5/hour\nmax_client_addresses = 2\n");
	X509_free(ca);
	X509_NAME_free(ca_name);
	X509_NAME_free(cn);
	EVP_PKEY_free(plus);
	EVP_PKEY_free(k);
}

static void
teardown(void)
{
	engine_close(fx.email);
	engine_close(fx.table);
	engine_close(fx.legacy);
	engine_close(fx.rate);
	X509_free(fx.carol);
	memset(&fx, 0, sizeof(fx));
}

enum which { EMAIL, TABLE, LEGACY };

/* A session as an MTA sends it; "@carol" is Carol's fingerprint. */
static const struct {
	const char *name;
	enum which conf;
	enum req_form form;
	const char *subject, *issuer, *fp;
	enum verify verify;
	const char *sender, *rcpt;
	enum act want;
	enum dec_kind kind;
	const char *code;		/* "" for none */
	const char *binding;		/* sender_binding_text() after MAIL */
} bind_cases[] = {
	{ "cert-email: alice as herself", EMAIL, REQ_FORM_SENDMAIL, ALICE_SM,
	    PLUS_SM, NULL, VERIFY_OK, "<alice.martin@umr7503.example>",
	    "x@y.example", ACT_RELAY, KIND_ISSUER, "", "cert-email" },
	{ "cert-email: domain in any case", EMAIL, REQ_FORM_SENDMAIL,
	    ALICE_SM, PLUS_SM, NULL, VERIFY_OK,
	    "alice.martin@UMR7503.Example", "x@y.example", ACT_RELAY,
	    KIND_ISSUER, "", "cert-email" },
	{ "cert-email: local part exact", EMAIL, REQ_FORM_SENDMAIL, ALICE_SM,
	    PLUS_SM, NULL, VERIFY_OK, "Alice.Martin@umr7503.example",
	    "x@y.example", ACT_REJECT, KIND_BINDING, "553", "" },
	{ "cert-email: alice as bob", EMAIL, REQ_FORM_SENDMAIL, ALICE_SM,
	    PLUS_SM, NULL, VERIFY_OK, "<bob.durand@umr9999.example>",
	    "x@y.example", ACT_REJECT, KIND_BINDING, "553", "" },
	{ "cert-email: also to a local recipient", EMAIL, REQ_FORM_SENDMAIL,
	    ALICE_SM, PLUS_SM, NULL, VERIFY_OK, "bob.durand@umr9999.example",
	    "x@local.example", ACT_REJECT, KIND_BINDING, "553", "" },
	{ "cert-email: null sender", EMAIL, REQ_FORM_SENDMAIL, ALICE_SM,
	    PLUS_SM, NULL, VERIFY_OK, "<>", "x@y.example", ACT_RELAY,
	    KIND_ISSUER, "", "cert-email" },
	{ "cert-email: Postfix's null sender", EMAIL, REQ_FORM_SENDMAIL,
	    ALICE_SM, PLUS_SM, NULL, VERIFY_OK, "", "x@y.example", ACT_RELAY,
	    KIND_ISSUER, "", "cert-email" },
	{ "cert-email: sender not known yet", EMAIL, REQ_FORM_SENDMAIL,
	    ALICE_SM, PLUS_SM, NULL, VERIFY_OK, NULL, "x@y.example",
	    ACT_RELAY, KIND_ISSUER, "", "" },
	{ "cert-email: no cert relay, no binding (stranger, local)", EMAIL,
	    REQ_FORM_SENDMAIL, NULL, NULL, NULL, VERIFY_NONE,
	    "bob.durand@umr9999.example", "x@local.example", ACT_DUNNO,
	    KIND_LOCAL, "", "" },
	{ "cert-email: unverified alice: the gate, not the binding", EMAIL,
	    REQ_FORM_SENDMAIL, ALICE_SM, PLUS_SM, NULL, VERIFY_FAIL,
	    "bob.durand@umr9999.example", "x@y.example", ACT_REJECT,
	    KIND_GATEKEEPER, "550", "" },
	{ "cert-email: a pinned unverified cert owns no address", EMAIL,
	    REQ_FORM_SENDMAIL, BOB_SM, PLUS_SM, PARTNER_FP, VERIFY_FAIL,
	    "bob.durand@umr9999.example", "x@y.example", ACT_REJECT,
	    KIND_BINDING, "553", "" },
	{ "cert-email: ... but may send <>", EMAIL, REQ_FORM_SENDMAIL, BOB_SM,
	    PLUS_SM, PARTNER_FP, VERIFY_FAIL, "<>", "x@y.example", ACT_RELAY,
	    KIND_FINGERPRINT, "", "cert-email" },
	{ "cert-email: carol's SAN through the index (Postfix)", EMAIL,
	    REQ_FORM_POSTFIX, "Carol", "CNRS-Plus", "@carol", VERIFY_OK,
	    "carol@umr7503.example", "x@y.example", ACT_RELAY, KIND_ISSUER, "",
	    "cert-email" },
	{ "cert-email: index SAN, local part exact", EMAIL, REQ_FORM_POSTFIX,
	    "Carol", "CNRS-Plus", "@carol", VERIFY_OK,
	    "Carol@umr7503.example", "x@y.example", ACT_REJECT, KIND_BINDING,
	    "553", "" },
	{ "cert-email: Postfix's CN view owns nothing", EMAIL,
	    REQ_FORM_POSTFIX, "Alice Martin", "CNRS-Plus", NULL, VERIFY_OK,
	    "alice.martin@umr7503.example", "x@y.example", ACT_REJECT,
	    KIND_BINDING, "553", "" },
	{ "cert-email legacy: a pinned alice, her name reads two ways",
	    LEGACY, REQ_FORM_SENDMAIL, ALICE_SM, PLUS_SM, ALICE_FP, VERIFY_OK,
	    "alice.martin@umr7503.example", "x@y.example", ACT_REJECT,
	    KIND_BINDING, "553", "" },
	{ "table: partner by fingerprint", TABLE, REQ_FORM_SENDMAIL, NULL,
	    NULL, PARTNER_FP, VERIFY_FAIL, "partner@x.example", "x@y.example",
	    ACT_RELAY, KIND_FINGERPRINT, "", "table:senders:1" },
	{ "table: partner's @domain", TABLE, REQ_FORM_SENDMAIL, NULL, NULL,
	    PARTNER_FP, VERIFY_FAIL, "anyone@PARTNER.example", "x@y.example",
	    ACT_RELAY, KIND_FINGERPRINT, "", "table:senders:1" },
	{ "table: not a subdomain", TABLE, REQ_FORM_SENDMAIL, NULL, NULL,
	    PARTNER_FP, VERIFY_FAIL, "a@sub.partner.example", "x@y.example",
	    ACT_REJECT, KIND_BINDING, "553", "" },
	{ "table: alice by CN (Postfix milter)", TABLE, REQ_FORM_POSTFIX,
	    "Alice Martin", "CNRS-Plus", NULL, VERIFY_OK,
	    "alice.martin@umr7503.example", "x@y.example", ACT_RELAY,
	    KIND_ISSUER, "", "table:senders:2" },
	{ "table: alice by CN (Sendmail's whole name)", TABLE,
	    REQ_FORM_SENDMAIL, ALICE_SM, PLUS_SM, NULL, VERIFY_OK,
	    "alice.martin@umr7503.example", "x@y.example", ACT_RELAY,
	    KIND_ISSUER, "", "table:senders:2" },
	{ "table: alice as someone else", TABLE, REQ_FORM_POSTFIX,
	    "Alice Martin", "CNRS-Plus", NULL, VERIFY_OK, "root@y.example",
	    "x@y.example", ACT_REJECT, KIND_BINDING, "553", "" },
	{ "table: carol by her index address", TABLE, REQ_FORM_POSTFIX,
	    "Carol", "CNRS-Plus", "@carol", VERIFY_OK, "carol@lab.example",
	    "x@y.example", ACT_RELAY, KIND_ISSUER, "", "table:senders:3" },
	{ "table: bob has no entry", TABLE, REQ_FORM_SENDMAIL, BOB_SM,
	    PLUS_SM, NULL, VERIFY_OK, "bob.durand@umr9999.example",
	    "x@y.example", ACT_REJECT, KIND_BINDING, "553", "" },
	{ "table: no entry, <> still", TABLE, REQ_FORM_SENDMAIL, BOB_SM,
	    PLUS_SM, NULL, VERIFY_OK, "<>", "x@y.example", ACT_RELAY,
	    KIND_ISSUER, "", "table" },
};

/* what policyd does with one request: MAIL, then RCPT unless refused */
START_TEST(test_decide_binding)
{
	struct engine *const es[] = { fx.email, fx.table, fx.legacy };
	struct request r;
	struct decision dec;
	struct diag d;
	char bind[TU_PATH_MAX + 64], want[TU_PATH_MAX + 64];
	const char *fp = bind_cases[_i].fp;

	request_init(&r);
	r.form = bind_cases[_i].form;
	r.subject = bind_cases[_i].subject;
	r.issuer = bind_cases[_i].issuer;
	r.fingerprint = fp && strcmp(fp, "@carol") == 0 ? fx.carol_fp : fp;
	r.verify = bind_cases[_i].verify;
	r.sender = bind_cases[_i].sender;
	r.rcpt = bind_cases[_i].rcpt;
	diag_clear(&d);
	ck_assert_int_eq(decide(es[bind_cases[_i].conf], &r, STAGE_MAIL, &dec,
	    &d), 0);
	sender_binding_text(&r, bind, sizeof(bind));
	if (dec.action == ACT_DUNNO)
		decide(es[bind_cases[_i].conf], &r, STAGE_RCPT, &dec, &d);
	ck_assert_msg(dec.action == bind_cases[_i].want &&
	    dec.kind == bind_cases[_i].kind && strcmp(dec.code,
	    bind_cases[_i].code) == 0, "case %s: got %s %s %s, want %s %s %s "
	    "(note %s)", bind_cases[_i].name, action_name(dec.action),
	    decide_kind_name(dec.kind), dec.code,
	    action_name(bind_cases[_i].want),
	    decide_kind_name(bind_cases[_i].kind), bind_cases[_i].code,
	    r.note);
	if (strncmp(bind_cases[_i].binding, "table:", 6) == 0)
		snprintf(want, sizeof(want), "table:%s/%s", fx.dir,
		    bind_cases[_i].binding + 6);
	else
		snprintf(want, sizeof(want), "%s", bind_cases[_i].binding);
	if (strcmp(want, "table") != 0)	/* <>: no entry to name */
		ck_assert_msg(strcmp(bind, want) == 0, "case %s: binding "
		    "\"%s\", want \"%s\"", bind_cases[_i].name, bind, want);
	if (dec.kind == KIND_BINDING)
		ck_assert_str_eq(dec.text, "Sender address rejected: not owned "
		    "by the client certificate");
	request_free(&r);
}
END_TEST

/* the trace header names the binding that passed */
START_TEST(test_header_binding)
{
	struct request r;
	struct decision dec;
	struct diag d;
	char hdr[1024];

	request_init(&r);
	r.form = REQ_FORM_SENDMAIL;
	r.subject = ALICE_SM;
	r.issuer = PLUS_SM;
	r.verify = VERIFY_OK;
	r.sender = "<alice.martin@umr7503.example>";
	r.rcpt = "x@y.example";
	decide(fx.email, &r, STAGE_MAIL, &dec, &d);
	decide(fx.email, &r, STAGE_RCPT, &dec, &d);
	logline_header(&r, &dec, hdr, sizeof(hdr));
	ck_assert_msg(strstr(hdr, " binding=cert-email") != NULL, "case "
	    "header: %s", hdr);
	request_free(&r);
}
END_TEST

/* one request of alice's session (or partner's, or bob's) */
static void
rcpt(struct engine *e, struct rate *rt, const char *who, const char *addr,
    const char *to, time_t now, struct decision *dec, struct request *r)
{
	struct diag d;

	request_init(r);
	r->form = REQ_FORM_SENDMAIL;
	r->issuer = PLUS_SM;
	r->verify = VERIFY_OK;
	if (strcmp(who, "partner") == 0) {
		r->fingerprint = PARTNER_FP;
		r->verify = VERIFY_FAIL;
	} else
		r->subject = strcmp(who, "alice") == 0 ? ALICE_SM : BOB_SM;
	r->rcpt = to;
	r->client_addr = addr;
	r->rate = rt;
	r->now = now;
	decide(e, r, STAGE_RCPT, dec, &d);
}

/* rate_limit 5/hour: the 6th recipient gets 452 and one warning;
 * another certificate is unaffected; a rule's rate= wins */
START_TEST(test_decide_rate)
{
	struct rate *rt;
	struct request r;
	struct decision dec;
	struct diag d;
	char line[2048];
	int k, warns = 0;

	ck_assert_int_eq(rate_new(&rt, &d), 0);
	for (k = 1; k <= 8; k++) {
		rcpt(fx.rate, rt, "alice", "127.0.0.1", "x@y.example", 5000 + k,
		    &dec, &r);
		if (k <= 5)
			ck_assert_msg(dec.action == ACT_RELAY, "case alice rcpt "
			    "%d: %s", k, action_name(dec.action));
		else
			ck_assert_msg(dec.action == ACT_TEMPFAIL &&
			    dec.kind == KIND_RATE && strcmp(dec.code, "452") ==
			    0 && strcmp(dec.dsn, "4.7.1") == 0 &&
			    strcmp(dec.text, "Too many recipients from this "
			    "certificate, try again later") == 0, "case alice "
			    "rcpt %d: %s %s", k, action_name(dec.action),
			    dec.code);
		if (dec.warn & RATE_WARN_LIMIT) {
			warns++;
			rate_warning(&r, RATE_WARN_LIMIT, line, sizeof(line));
			ck_assert_msg(strstr(line, "rate limit (5/hour)") &&
			    strstr(line, "subject=\"emailAddress=alice"),
			    "case warning: %s", line);
		}
		request_free(&r);
	}
	ck_assert_int_eq(warns, 1);
	/* a local recipient is no relay: not refused, not counted */
	rcpt(fx.rate, rt, "alice", "127.0.0.1", "x@local.example", 5010, &dec,
	    &r);
	ck_assert(dec.action == ACT_DUNNO && dec.kind == KIND_LOCAL);
	request_free(&r);
	/* bob, another certificate: his own count */
	rcpt(fx.rate, rt, "bob", "127.0.0.1", "x@y.example", 5011, &dec, &r);
	ck_assert_int_eq(dec.action, ACT_RELAY);
	request_free(&r);
	/* the partner's rule says 3/hour */
	for (k = 1; k <= 4; k++) {
		rcpt(fx.rate, rt, "partner", "127.0.0.1", "x@y.example", 5020,
		    &dec, &r);
		ck_assert_msg((dec.action == ACT_RELAY) == (k <= 3), "case "
		    "partner rcpt %d: %s", k, action_name(dec.action));
		request_free(&r);
	}
	/* an hour after alice's first: counted again */
	rcpt(fx.rate, rt, "alice", "127.0.0.1", "x@y.example", 5001 + 3600,
	    &dec, &r);
	ck_assert_int_eq(dec.action, ACT_RELAY);
	request_free(&r);
	/* no counters (certrelay check, spawn mode): never refused */
	rcpt(fx.rate, NULL, "alice", "127.0.0.1", "x@y.example", 5002 + 3600,
	    &dec, &r);
	for (k = 0; k < 10; k++)
		decide(fx.rate, &r, STAGE_RCPT, &dec, &d);
	ck_assert_int_eq(dec.action, ACT_RELAY);
	request_free(&r);
	rate_free(rt);
}
END_TEST

/* max_client_addresses = 2: one warning at the third address */
START_TEST(test_decide_addresses)
{
	static const char *const addrs[] = { "127.0.0.2", "127.0.0.3",
	    "127.0.0.2", "127.0.0.4", "127.0.0.5" };
	struct rate *rt;
	struct request r;
	struct decision dec;
	struct diag d;
	char line[2048];
	size_t k;

	ck_assert_int_eq(rate_new(&rt, &d), 0);
	for (k = 0; k < NELEM(addrs); k++) {
		rcpt(fx.rate, rt, "bob", addrs[k], "x@local.example", 7000,
		    &dec, &r);
		ck_assert_msg(((dec.warn & RATE_WARN_ADDRS) != 0) == (k == 3),
		    "case use %zu: warn %u", k, dec.warn);
		if (k == 3) {
			rate_warning(&r, RATE_WARN_ADDRS, line, sizeof(line));
			ck_assert_msg(strstr(line, "more than 2 client "
			    "addresses") && strstr(line, "client=127.0.0.4"),
			    "case warning: %s", line);
		}
		request_free(&r);
	}
	rate_free(rt);
}
END_TEST

/* a sender table: its keys and its errors, file:line */
static const struct {
	const char *text;
	int	rc;
	int	line;
	const char *what;
} table_cases[] = {
	{ PARTNER_FP " a@x.example\n", 0, 0, NULL },
	{ "CN=Alice\\20Martin issuer=CN=CNRS-Plus a@x.example\n", 0, 0, NULL },
	{ "/C=FR/O=CNRS/CN=Alice+20Martin a@x.example\n", 0, 0, NULL },
	{ "alice@x.example @x.example\n", 0, 0, NULL },
	{ "# c\n" PARTNER_FP " RELAY\n", -1, 2, "neither an address" },
	{ PARTNER_FP "\n", -1, 1, "no sender" },
	{ "a@x.example b@y\nCN=x <a@x.example>\n", -1, 2, "bare address" },
	{ "alice a@x.example\n", -1, 1, "not an e-mail address" },
};

START_TEST(test_sender_table)
{
	char dir[TU_PATH_MAX], path[TU_PATH_MAX], cdb[TU_PATH_MAX + 8];
	struct diag d;
	int rc;

	tu_mkdir(dir, sizeof(dir));
	tu_path(path, sizeof(path), dir, "senders");
	snprintf(cdb, sizeof(cdb), "%s.cdb", path);
	tu_write(path, table_cases[_i].text);
	diag_clear(&d);
	rc = table_compile(path, TABLE_SENDER, cdb, &d);
	ck_assert_msg(rc == table_cases[_i].rc, "case %d: got %d (%s)", _i, rc,
	    d.what);
	if (rc < 0)
		ck_assert_msg(d.line == table_cases[_i].line &&
		    strstr(d.what, table_cases[_i].what) != NULL, "case %d: "
		    "got %d: %s", _i, d.line, d.what);
}
END_TEST

/* one key, three spaces: an address key is not a subject key */
START_TEST(test_sender_table_lookup)
{
	char dir[TU_PATH_MAX], path[TU_PATH_MAX], cdb[TU_PATH_MAX + 8];
	char key[TABLE_KEY_MAX];
	struct table *t;
	struct table_hit hit;
	struct diag d;
	size_t klen;

	tu_mkdir(dir, sizeof(dir));
	tu_path(path, sizeof(path), dir, "senders");
	snprintf(cdb, sizeof(cdb), "%s.cdb", path);
	tu_write(path, "Alice@X.example a@x.example\n"
	    "emailAddress=alice@x.example b@x.example\n");
	ck_assert_int_eq(table_compile(path, TABLE_SENDER, cdb, &d), 0);
	ck_assert_int_eq(table_open(&t, path, TABLE_SENDER, &d), 0);
	ck_assert_int_eq(table_query_key(TABLE_SENDER, "alice@x.example", key,
	    &klen, &d), 0);
	ck_assert_int_eq(table_lookup(t, key, klen, NULL, &hit, &d), 1);
	ck_assert(hit.line == 1 && hit.vlen == 11 &&
	    memcmp(hit.value, "a@x.example", 11) == 0 &&
	    hit.act.type == ACT_DUNNO);
	ck_assert_int_eq(table_query_key(TABLE_SENDER,
	    "EMAILADDRESS=alice@x.example", key, &klen, &d), 0);
	ck_assert_int_eq(table_lookup(t, key, klen, NULL, &hit, &d), 1);
	ck_assert_int_eq(hit.line, 2);
	ck_assert_int_eq(table_unscoped(t), 2);
	table_close(t);
	/* not used as another kind */
	ck_assert_int_eq(table_open(&t, path, TABLE_EMAIL, &d), -1);
	ck_assert(strstr(d.what, "compiled as a sender table") != NULL);
}
END_TEST

static Suite *
sender_suite(void)
{
	Suite *s = suite_create("sender");
	TCase *tc;

	tc = tcase_create("sender_list_check");
	LOOP(tc, test_sender_list_check, list_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("sender_in_list");
	LOOP(tc, test_sender_in_list, match_cases);
	tcase_add_test(tc, test_sender_addr);
	suite_add_tcase(s, tc);
	tc = tcase_create("sender_table");
	LOOP(tc, test_sender_table, table_cases);
	tcase_add_test(tc, test_sender_table_lookup);
	suite_add_tcase(s, tc);
	tc = tcase_create("decide");
	tcase_add_checked_fixture(tc, setup, teardown);
	LOOP(tc, test_decide_binding, bind_cases);
	tcase_add_test(tc, test_header_binding);
	tcase_add_test(tc, test_decide_rate);
	tcase_add_test(tc, test_decide_addresses);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(sender_suite());
}
