/*
 * check_decide - the decision, on real compiled tables, a real
 * configuration and a certificate index of certificates made here
 *
 * The fixture is one site: CAs "CNRS-Plus" (issuer RELAY), "CNRS-Standard"
 * (subject, e-mail, regex and OU rules scoped to it), "Lab CA" (a Sendmail
 * access file marks it SUBJECT) and "Other CA" (trusted by the MTA, no
 * rule). Requests are what the MTAs send (README.md, "What each MTA lets
 * each rule see", which the tests/e2e scripts check on the real MTAs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "cindex.h"
#include "decide.h"
#include "engine.h"
#include "table.h"
#include "testutil.h"

#define SM		REQ_FORM_SENDMAIL
#define PF		REQ_FORM_POSTFIX
#define ANY		REQ_FORM_ANY

#define PLUS_SM		"/C=FR/O=CNRS/CN=CNRS-Plus"
#define STD_SM		"/C=FR/O=CNRS/CN=CNRS-Standard"
#define LAB_SM		"/C=FR/O=Lab/CN=Lab+20CA"
#define OTHER_SM	"/C=FR/O=Other/CN=Other+20CA"
#define SEED000_MD5	"E1:3C:1A:C7:53:3F:B8:CB:1E:C2:99:F6:6B:88:84:C9"

/* A subject Sendmail shows whole but that may have been cut: 122 bytes
 * decoded, over DN_CUT_AT. */
#define LONG_TAIL	"/OU=Laboratoire+20de+20recherche+20tres" \
			"+20long/OU=Equipe+20Reseaux+20et+20Systemes" \
			"/CN=Long+20Name+20Extended+20For+20Cut"
#define LONG_SM		"/C=FR/O=CNRS/OU=UMR7503" LONG_TAIL
#define LONG_OU5800_SM	"/C=FR/O=CNRS/OU=UMR5800" LONG_TAIL
#define LONG_OU5801_SM	"/C=FR/O=CNRS/OU=UMR5801" LONG_TAIL

struct fixture {
	char	dir[TU_PATH_MAX];
	struct engine *e;		/* gatekeeper = yes */
	struct engine *open;		/* gatekeeper = no */
	struct engine *legacy;		/* gatekeeper = yes, OpenSSL < 3 */
	X509	*revoked, *alice, *partner, *carol, *dave, *gina;
};

static struct fixture fx;

/* cert_under - a certificate for subject pairs issued by a CA name */
static X509 *
cert_under(const char *const *subject, const char *const *issuer,
    EVP_PKEY *ca_key, const char *san, long serial)
{
	X509_NAME *s = tu_name(subject), *i = tu_name(issuer);
	EVP_PKEY *k = tu_key();
	X509 *c;

	c = tu_cert(s, k, i, ca_key ? ca_key : k, san, serial);
	X509_NAME_free(s);
	X509_NAME_free(i);
	EVP_PKEY_free(k);
	return c;
}


static const char *const plus_ca[] = { "C", "FR", "O", "CNRS",
    "CN", "CNRS-Plus", NULL };
static const char *const std_ca[] = { "C", "FR", "O", "CNRS",
    "CN", "CNRS-Standard", NULL };

static void
setup(void)
{
	static const char *const revoked[] = { "C", "FR", "O", "CNRS",
	    "CN", "Revoked User", NULL };
	static const char *const alice[] = { "C", "FR", "O", "CNRS",
	    "OU", "UMR7503", "CN", "Alice Martin", "emailAddress",
	    "alice.martin@umr7503.example", NULL };
	static const char *const partner[] = { "C", "VN", "O", "Refer",
	    "CN", "antenne.danang.vn.refer.org", NULL };
	static const char *const carol[] = { "C", "FR", "O", "CNRS",
	    "OU", "UMR7503", "CN", "Carol", NULL };
	static const char *const dave[] = { "C", "FR", "O", "CNRS",
	    "OU", "UMR5800", "CN", "Dave", NULL };
	static const char *const gina[] = { "C", "FR", "O", "CNRS",
	    "OU", "UMR5800", "CN", "Gina", NULL };
	char text[8192], fp[256], path[TU_PATH_MAX], conf[TU_PATH_MAX];
	char certs[TU_PATH_MAX], cdb[TU_PATH_MAX + 8], pin[256];
	EVP_PKEY *plus = tu_key(), *std = tu_key();
	struct cindex_stats st;
	struct diag d;
	long n;
	X509_NAME *nm;
	X509 *ca;

	tu_mkdir(fx.dir, sizeof(fx.dir));
	fx.revoked = cert_under(revoked, plus_ca, plus, NULL, 2);
	fx.alice = cert_under(alice, plus_ca, plus, NULL, 3);
	fx.partner = cert_under(partner, partner, NULL, NULL, 4);
	fx.carol = cert_under(carol, std_ca, std, "carol@umr7503.example", 5);
	fx.dave = cert_under(dave, std_ca, std, NULL, 6);
	fx.gina = cert_under(gina, std_ca, std, "Erin@UMR7503.example", 7);

	/* fingerprints: a revocation, seed 000's line, a pin, a partner */
	tu_hex_digest(fx.revoked, EVP_sha256(), 0, 1, fp, sizeof(fp));
	tu_hex_digest(fx.dave, EVP_sha256(), 1, 0, pin, sizeof(pin));
	n = snprintf(text, sizeof(text),
	    "%s REJECT Revoked certificate\n"
	    SEED000_MD5 " antenne.danang.vn.refer.org\n"
	    "pubkey:sha256:%s RELAY\n", fp, pin);
	tu_hex_digest(fx.partner, EVP_sha256(), 0, 0, fp, sizeof(fp));
	snprintf(text + n, sizeof(text) - (size_t)n, "%s partner server\n",
	    fp);
	tu_table(fx.dir, "fingerprints", text, TABLE_FINGERPRINT);

	tu_table(fx.dir, "subjects",
	    "/C=FR/O=CNRS/OU=UMR7503/CN=Alice+20Martin issuer=" STD_SM
	    " RELAY\n"
	    "CN=Postfix\\20User issuer=CN=CNRS-Standard RELAY\n"
	    "CN=Full\\20Only,OU=UMR7503,O=CNRS,C=FR RELAY\n"
	    LONG_SM " RELAY\n"
	    "/C=FR/O=CNRS/CN=Alice+20Martin issuer=" PLUS_SM " DUNNO\n"
	    LONG_OU5800_SM " REJECT Account suspended\n",
	    TABLE_SUBJECT);
	tu_table(fx.dir, "issuers", PLUS_SM "  RELAY\n", TABLE_ISSUER);
	tu_table(fx.dir, "emails", "erin@umr7503.example issuer=" STD_SM "\n",
	    TABLE_EMAIL);
	tu_table(fx.dir, "attributes",
	    "issuer=" STD_SM " attr=OU value=UMR7503 RELAY\n", TABLE_ATTRIBUTE);
	tu_table(fx.dir, "access",
	    "Connect:10.0.0 RELAY\n"
	    "CERTISSUER:" LAB_SM " SUBJECT\n"
	    "CERTSUBJECT:/C=FR/O=Lab/CN=Lab+20User RELAY\n"
	    "CERTISSUER:" OTHER_SM " VERIFY\n"
	    "From:spam@x REJECT\n", TABLE_ACCESS);
	tu_table(fx.dir, "regex",
	    "/^CN=Regex Person,/ issuer=" STD_SM " RELAY\n"
	    "/^CN=(a+)+$/ issuer=" STD_SM " REJECT\n"
	    "!/,OU=UMR9999,/ issuer=CN=Neg\\20CA RELAY\n"
	    "/,OU=UMR7504,O=CNRS,C=FR$/ issuer=" STD_SM " RELAY\n",
	    TABLE_NKINDS);

	tu_path(certs, sizeof(certs), fx.dir, "certs");
	ck_assert(mkdir(certs, 0700) == 0);
	tu_write_pem(tu_path(path, sizeof(path), certs, "carol.pem"), fx.carol);
	tu_write_pem(tu_path(path, sizeof(path), certs, "dave.pem"), fx.dave);
	tu_write_pem(tu_path(path, sizeof(path), certs, "gina.pem"), fx.gina);
	snprintf(cdb, sizeof(cdb), "%s.cdb", certs);
	/* the index's names count only for certificates that chain to the
	 * MTA's client CA file */
	nm = tu_name(std_ca);
	ca = tu_cert(nm, std, nm, std, NULL, 1);
	X509_NAME_free(nm);
	tu_ext(ca, NID_basic_constraints, "critical,CA:TRUE");
	ck_assert(X509_sign(ca, std, EVP_sha256()) > 0);
	tu_write_pem(tu_path(path, sizeof(path), fx.dir, "cafile.pem"), ca);
	X509_free(ca);
	ck_assert_msg(cindex_compile(certs, cdb, &(struct cindex_opts){ path,
	    NULL, NULL, 0 }, &st, &d) == 0 && st.count == 3 && st.verified == 3,
	    "fixture: index: %s", d.what);

	snprintf(text, sizeof(text),
	    "fingerprint_table = fingerprints\n"
	    "subject_table = subjects\n"
	    "issuer_table = issuers\n"
	    "email_table = emails\n"
	    "attribute_table = attributes\n"
	    "access_table = access\n"
	    "regex_table = regex\n"
	    "cert_index = %s\n"
	    "index_ca_file = cafile.pem\n"
	    "local_domains = local.example\n"
	    "trusted_networks = 10.0.0.0/8, 2001:db8::/32\n"
	    "min_tls_version = TLSv1.2\n"
	    "min_cipher_bits = 128\n"
	    "sendmail_openssl = 3\n"
	    "gatekeeper = %s\n", strrchr(certs, '/') + 1, "yes");
	tu_write(tu_path(conf, sizeof(conf), fx.dir, "gate.conf"), text);
	ck_assert_msg(engine_open(conf, &fx.e, &d) == 0, "fixture: %s:%d: %s",
	    d.file, d.line, d.what);
	*strstr(text, "gatekeeper = yes") = 0;
	strcat(text, "gatekeeper = no\n");
	tu_write(tu_path(conf, sizeof(conf), fx.dir, "open.conf"), text);
	ck_assert_msg(engine_open(conf, &fx.open, &d) == 0, "fixture: %s",
	    d.what);
	*strstr(text, "sendmail_openssl = 3") = 0;
	strcat(text, "gatekeeper = yes\n");
	tu_write(tu_path(conf, sizeof(conf), fx.dir, "legacy.conf"), text);
	ck_assert_msg(engine_open(conf, &fx.legacy, &d) == 0, "fixture: %s",
	    d.what);
	EVP_PKEY_free(plus);
	EVP_PKEY_free(std);
}

static void
teardown(void)
{
	engine_close(fx.e);
	engine_close(fx.open);
	engine_close(fx.legacy);
	X509_free(fx.revoked);
	X509_free(fx.alice);
	X509_free(fx.partner);
	X509_free(fx.carol);
	X509_free(fx.dave);
	X509_free(fx.gina);
	memset(&fx, 0, sizeof(fx));
}

/*
 * "@name" in a fingerprint field is that fixture certificate's SHA-256
 * (colon hex upper case, as Postfix and Sendmail send it), "@name.pub" its
 * public key's, "@name.md5" its MD5 (Sendmail's {cert_md5}).
 */
static const char *
resolve(const char *f, char *buf, size_t size)
{
	char name[32];
	const char *dot;
	const EVP_MD *md = EVP_sha256();
	int pub = 0;
	X509 *c;

	if (f == NULL || f[0] != '@')
		return f;
	dot = strchr(f, '.');
	snprintf(name, sizeof(name), "%.*s", (int)(dot ? dot - f - 1 :
	    (long)strlen(f) - 1), f + 1);
	if (dot && strcmp(dot, ".pub") == 0)
		pub = 1;
	else if (dot && strcmp(dot, ".md5") == 0)
		md = EVP_md5();
	c = strcmp(name, "revoked") == 0 ? fx.revoked :
	    strcmp(name, "alice") == 0 ? fx.alice :
	    strcmp(name, "partner") == 0 ? fx.partner :
	    strcmp(name, "carol") == 0 ? fx.carol :
	    strcmp(name, "dave") == 0 ? fx.dave :
	    strcmp(name, "gina") == 0 ? fx.gina : NULL;
	ck_assert_msg(c != NULL, "no fixture cert %s", f);
	tu_hex_digest(c, md, pub, 1, buf, size);
	return buf;
}

struct req_case {
	const char *name;
	enum req_form form;
	const char *subject, *issuer, *fp, *pubkey_fp;
	enum verify verify;
	const char *tls;
	int	bits;
	const char *auth, *client, *rcpt;
	enum stage stage;
	int	gatekeeper;
	enum act want;
	enum dec_kind kind;		/* KIND_NONE: not checked */
	const char *reply;		/* prefix; NULL: not checked */
	int	line;			/* 0: not checked */
	int	clear_auth;
};

/* run - one request through decide() */
static void
run(const struct req_case *c)
{
	struct request r;
	struct decision out;
	struct diag d;
	char fpbuf[256], pkbuf[256], reply[DECIDE_REPLY_MAX];

	request_init(&r);
	r.id = "4XkLp1q";
	r.form = c->form;
	r.subject = c->subject;
	r.issuer = c->issuer;
	r.fingerprint = resolve(c->fp, fpbuf, sizeof(fpbuf));
	r.pubkey_fingerprint = resolve(c->pubkey_fp, pkbuf, sizeof(pkbuf));
	r.verify = c->verify;
	r.tls_version = c->tls;
	r.cipher_bits = c->bits;
	r.auth_type = c->auth;
	r.auth_user = c->auth ? "alice" : NULL;
	r.client_addr = c->client;
	r.rcpt = c->rcpt;
	diag_clear(&d);
	memset(&out, 0x5a, sizeof(out));
	ck_assert_msg(decide(c->gatekeeper == 2 ? fx.legacy : c->gatekeeper ?
	    fx.e : fx.open, &r, c->stage,
	    &out, &d) == 0, "case %s: decide failed: %s", c->name, d.what);
	ck_assert_msg(out.action == c->want,
	    "case %s: got %s (kind %s, %s:%d, note \"%s\"), want %s", c->name,
	    action_name(out.action), decide_kind_name(out.kind),
	    out.table ? out.table : "-", out.line, r.note,
	    action_name(c->want));
	if (c->kind != KIND_NONE)
		ck_assert_msg(out.kind == c->kind,
		    "case %s: got kind %s, want %s", c->name,
		    decide_kind_name(out.kind), decide_kind_name(c->kind));
	decide_reply(&out, reply, sizeof(reply));
	if (c->reply)
		ck_assert_msg(strncmp(reply, c->reply, strlen(c->reply)) == 0,
		    "case %s: got reply \"%s\", want \"%s...\"", c->name,
		    reply, c->reply);
	if (c->line)
		ck_assert_msg(out.line == c->line && out.table != NULL,
		    "case %s: got rule %s:%d, want line %d", c->name,
		    out.table ? out.table : "-", out.line, c->line);
	if (out.action == ACT_RELAY && out.table)
		ck_assert_msg(strncmp(out.table, fx.dir, strlen(fx.dir)) == 0,
		    "case %s: rule table \"%s\" is not a fixture file", c->name,
		    out.table);
	ck_assert_msg(out.clear_auth == c->clear_auth,
	    "case %s: got clear_auth %d, want %d", c->name, out.clear_auth,
	    c->clear_auth);
	request_free(&r);
}

#define OK_	VERIFY_OK
#define FAIL_	VERIFY_FAIL

static const struct req_case cert_cases[] = {
	/* order: a fingerprint REJECT beats an issuer RELAY */
	{ "revoked fingerprint beats issuer", SM,
	    "/C=FR/O=CNRS/CN=Revoked+20User", PLUS_SM, "@revoked", NULL, OK_,
	    "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1, ACT_REJECT,
	    KIND_FINGERPRINT, "550 5.7.1 Revoked certificate", 1, 0 },
	{ "same issuer relays", SM, "/C=FR/O=CNRS/CN=Anyone", PLUS_SM,
	    "@alice", NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT,
	    1, ACT_RELAY, KIND_ISSUER, NULL, 1, 0 },
	{ "issuer on postfix policyd is a CN", PF, "Anyone", "CNRS-Plus",
	    "@alice", NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT,
	    1, ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	/* only fingerprints for unverified certificates */
	{ "forged issuer, FAIL", SM, "/C=FR/O=CNRS/CN=Anyone", PLUS_SM, NULL,
	    NULL, FAIL_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1,
	    ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	{ "forged issuer, verify unknown", SM, "/C=FR/O=CNRS/CN=Anyone",
	    PLUS_SM, NULL, NULL, VERIFY_UNKNOWN, "TLSv1.3", 256, NULL, NULL,
	    NULL, STAGE_CERT, 1, ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	{ "forged subject, FAIL", SM,
	    "/C=FR/O=CNRS/OU=UMR7503/CN=Alice+20Martin", STD_SM, NULL, NULL,
	    FAIL_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1, ACT_DUNNO,
	    KIND_NONE, NULL, 0, 0 },
	{ "forged email, FAIL", SM, "/C=FR/O=CNRS/CN=Erin/emailAddress="
	    "erin@umr7503.example", STD_SM, NULL, NULL, FAIL_, "TLSv1.3", 256,
	    NULL, NULL, NULL, STAGE_CERT, 1, ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	{ "forged regex, FAIL", SM, "/C=FR/O=CNRS/CN=Regex+20Person", STD_SM,
	    NULL, NULL, FAIL_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1,
	    ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	{ "forged OU, FAIL", SM, "/C=FR/O=CNRS/OU=UMR7503/CN=Frank", STD_SM,
	    NULL, NULL, FAIL_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1,
	    ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	{ "forged access, NONE", SM, "/C=FR/O=Lab/CN=Lab+20User", LAB_SM, NULL,
	    NULL, VERIFY_NONE, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1,
	    ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	{ "pinned partner, FAIL", SM, "/C=VN/O=Refer/CN=antenne.danang.vn."
	    "refer.org", "/C=VN/O=Refer/CN=antenne.danang.vn.refer.org",
	    "@partner", NULL, FAIL_, "TLSv1.3", 256, NULL, NULL, NULL,
	    STAGE_CERT, 1, ACT_RELAY, KIND_FINGERPRINT, NULL, 4, 0 },
	{ "relay_clientcerts md5, FAIL", SM, NULL, NULL, SEED000_MD5, NULL,
	    FAIL_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1, ACT_RELAY,
	    KIND_FINGERPRINT, NULL, 2, 0 },
	{ "revoked, unverified", SM, NULL, NULL, "@revoked", NULL, FAIL_,
	    "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1, ACT_REJECT,
	    KIND_FINGERPRINT, "550 5.7.1", 1, 0 },
	/* subject rules, scoped */
	{ "subject under its issuer", SM,
	    "/C=FR/O=CNRS/OU=UMR7503/CN=Alice+20Martin", STD_SM, NULL, NULL,
	    OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1, ACT_RELAY,
	    KIND_SUBJECT, NULL, 1, 0 },
	{ "subject under another CA", SM,
	    "/C=FR/O=CNRS/OU=UMR7503/CN=Alice+20Martin", OTHER_SM, NULL, NULL,
	    OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1, ACT_DUNNO,
	    KIND_NONE, NULL, 0, 0 },
	{ "subject DUNNO goes on", SM, "/C=FR/O=CNRS/CN=Alice+20Martin",
	    PLUS_SM, NULL, NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL,
	    STAGE_CERT, 1, ACT_RELAY, KIND_ISSUER, NULL, 1, 0 },
	{ "subject rfc4514 request", ANY,
	    "CN=Alice Martin,OU=UMR7503,O=CNRS,C=FR",
	    "CN=CNRS-Standard,O=CNRS,C=FR", NULL, NULL, OK_, "TLSv1.3", 256,
	    NULL, NULL, NULL, STAGE_CERT, 1, ACT_RELAY, KIND_SUBJECT, NULL, 1,
	    0 },
	/* Postfix's CN-only view */
	{ "postfix CN meets a CN key", PF, "Postfix User", "CNRS-Standard",
	    NULL, NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1,
	    ACT_RELAY, KIND_SUBJECT, NULL, 2, 0 },
	{ "postfix CN never meets a full DN", PF, "Full Only", "CNRS-Standard",
	    NULL, NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1,
	    ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	{ "sendmail full DN meets it", SM, "/C=FR/O=CNRS/OU=UMR7503/CN=Full"
	    "+20Only", OTHER_SM, NULL, NULL, OK_, "TLSv1.3", 256, NULL, NULL,
	    NULL, STAGE_CERT, 1, ACT_RELAY, KIND_SUBJECT, NULL, 3, 0 },
	{ "sendmail DN meets a CN key", SM, "/C=FR/O=X/CN=Postfix+20User",
	    STD_SM, NULL, NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL,
	    STAGE_CERT, 1, ACT_RELAY, KIND_SUBJECT, NULL, 2, 0 },
	/* e-mail */
	{ "email in the subject DN", SM, "/C=FR/O=CNRS/CN=Erin/emailAddress="
	    "Erin@UMR7503.example", STD_SM, NULL, NULL, OK_, "TLSv1.3", 256,
	    NULL, NULL, NULL, STAGE_CERT, 1, ACT_RELAY, KIND_EMAIL, NULL, 1,
	    0 },
	{ "email under another CA", SM, "/C=FR/O=CNRS/CN=Erin/emailAddress="
	    "erin@umr7503.example", OTHER_SM, NULL, NULL, OK_, "TLSv1.3", 256,
	    NULL, NULL, NULL, STAGE_CERT, 1, ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	/* regex */
	{ "regex", SM, "/C=FR/O=CNRS/CN=Regex+20Person", STD_SM, NULL, NULL,
	    OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1, ACT_RELAY,
	    KIND_REGEX, NULL, 1, 0 },
	{ "regex scoped", SM, "/C=FR/O=CNRS/CN=Regex+20Person", OTHER_SM, NULL,
	    NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1,
	    ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	{ "regex that gives up is a tempfail", SM,
	    "/CN=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", STD_SM,
	    NULL, NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1,
	    ACT_TEMPFAIL, KIND_REGEX, "451 4.3.0", 0, 0 },
	/* attributes */
	{ "OU under its CA", SM, "/C=FR/O=CNRS/OU=UMR7503/CN=Frank", STD_SM,
	    NULL, NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1,
	    ACT_RELAY, KIND_ATTRIBUTE, NULL, 1, 0 },
	{ "OU any case", SM, "/C=FR/O=CNRS/OU=umr7503/CN=Frank", STD_SM,
	    NULL, NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1,
	    ACT_RELAY, KIND_ATTRIBUTE, NULL, 1, 0 },
	{ "other OU", SM, "/C=FR/O=CNRS/OU=UMR5800/CN=Frank", STD_SM, NULL,
	    NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1,
	    ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	{ "OU under another CA", SM, "/C=FR/O=CNRS/OU=UMR7503/CN=Frank",
	    OTHER_SM, NULL, NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL,
	    STAGE_CERT, 1, ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	/* Sendmail access: CERTSUBJECT only under a SUBJECT issuer */
	{ "access SUBJECT then CERTSUBJECT", SM, "/C=FR/O=Lab/CN=Lab+20User",
	    LAB_SM, NULL, NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL,
	    STAGE_CERT, 1, ACT_RELAY, KIND_ACCESS, NULL, 3, 0 },
	{ "access CERTSUBJECT under a VERIFY issuer", SM,
	    "/C=FR/O=Lab/CN=Lab+20User", OTHER_SM, NULL, NULL, OK_, "TLSv1.3",
	    256, NULL, NULL, NULL, STAGE_CERT, 1, ACT_DUNNO, KIND_NONE, NULL, 0,
	    0 },
	{ "access CERTSUBJECT under an unlisted issuer", SM,
	    "/C=FR/O=Lab/CN=Lab+20User", "/C=FR/O=Nowhere/CN=Some+20CA", NULL,
	    NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1,
	    ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	{ "access other subject under SUBJECT issuer", SM,
	    "/C=FR/O=Lab/CN=Someone", LAB_SM, NULL, NULL, OK_, "TLSv1.3", 256,
	    NULL, NULL, NULL, STAGE_CERT, 1, ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	/* Sendmail's cut names */
	{ "cut DN never meets an exact DN rule", SM, LONG_SM, OTHER_SM, NULL,
	    NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1,
	    ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	{ "the same DN from the admin's spelling does", ANY,
	    "CN=Long Name Extended For Cut,OU=Equipe Reseaux et Systemes,"
	    "OU=Laboratoire de "
	    "recherche tres long,OU=UMR7503,O=CNRS,C=FR",
	    "CN=Other CA,O=Other,C=FR", NULL, NULL, OK_, "TLSv1.3", 256, NULL,
	    NULL, NULL, STAGE_CERT, 1, ACT_RELAY, KIND_SUBJECT, NULL, 4, 0 },
	/* a name that may be cut only refuses (issue 15, finding 4a) */
	{ "cut subject: an exact REJECT applies", SM, LONG_OU5800_SM, PLUS_SM,
	    NULL, NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1,
	    ACT_REJECT, KIND_SUBJECT, "550 5.7.1 Account suspended", 6, 0 },
	{ "cut subject: the issuer does not relay it", SM, LONG_OU5801_SM,
	    PLUS_SM, NULL, NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL,
	    STAGE_CERT, 1, ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	{ "cut subject: an OU rule does not relay it", SM, LONG_SM, STD_SM,
	    NULL, NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1,
	    ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	{ "no CN: Sendmail may have dropped it", SM, "/C=FR/O=CNRS/OU=UMR7503",
	    STD_SM, NULL, NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL,
	    STAGE_CERT, 1, ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	{ "no CN in the admin's spelling is whole", ANY,
	    "OU=UMR7503,O=CNRS,C=FR", "CN=CNRS-Standard,O=CNRS,C=FR", NULL,
	    NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1,
	    ACT_RELAY, KIND_ATTRIBUTE, NULL, 1, 0 },
	/* names that read more than one way (findings 1, 5, 6) */
	{ "legacy: a CN carrying /OU= relays nothing", SM,
	    "/C=FR/O=CNRS/OU=UMR9999/CN=Mallory/OU=UMR7503", STD_SM, NULL,
	    NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 2,
	    ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	{ "OpenSSL 3: the same is a real second OU", SM,
	    "/C=FR/O=CNRS/OU=UMR9999/CN=Mallory/OU=UMR7503", STD_SM, NULL,
	    NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1,
	    ACT_RELAY, KIND_ATTRIBUTE, NULL, 1, 0 },
	{ "legacy: e-mail after the CN relays nothing", SM,
	    "/C=FR/O=CNRS/CN=Erin/emailAddress=erin@umr7503.example", STD_SM,
	    NULL, NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 2,
	    ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	{ "legacy: the pin still relays", SM,
	    "/C=FR/O=CNRS/CN=Erin/emailAddress=erin@umr7503.example", STD_SM,
	    "@partner", NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL,
	    STAGE_CERT, 2, ACT_RELAY, KIND_FINGERPRINT, NULL, 4, 0 },
	{ "two CNs relay nothing", SM,
	    "/C=FR/O=CNRS/OU=UMR9999/CN=Mallory/CN=Postfix+20User", STD_SM,
	    NULL, NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1,
	    ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	{ "a typed \\x20 is not a space", SM,
	    "/C=FR/O=CNRS/OU=UMR9999/CN=Postfix+5Cx20User", STD_SM, NULL, NULL,
	    OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1, ACT_DUNNO,
	    KIND_NONE, NULL, 0, 0 },
	{ "a NUL cuts no e-mail address", SM, "/C=FR/O=CNRS/CN=Erin/"
	    "emailAddress=erin@umr7503.example+5Cx00@evil.example", STD_SM,
	    NULL, NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1,
	    ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	/* a ',' inside a value is no attribute boundary for a pattern */
	{ "regex: a real OU relays", SM, "/C=FR/O=CNRS/OU=UMR7504/CN=Vic",
	    STD_SM, NULL, NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL,
	    STAGE_CERT, 1, ACT_RELAY, KIND_REGEX, NULL, 4, 0 },
	{ "regex: a CN carrying ,OU= does not", SM,
	    "/C=FR/O=CNRS/CN=Mallory,OU=UMR7504", STD_SM, NULL, NULL, OK_,
	    "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1, ACT_DUNNO,
	    KIND_NONE,
	    NULL, 0, 0 },
	/* a negated regex on a view without what it tests (finding 7) */
	{ "negated regex: a whole DN relays", ANY,
	    "CN=Bob,OU=UMR5800,O=Neg,C=FR",
	    "CN=Neg CA,O=Neg,C=FR", NULL, NULL, OK_, "TLSv1.3", 256, NULL, NULL,
	    NULL,
	    STAGE_CERT, 1, ACT_RELAY, KIND_REGEX, NULL, 3, 0 },
	{ "negated regex: not on Sendmail's view", SM,
	    "/C=FR/O=Neg/OU=UMR5800/CN=Bob", "/C=FR/O=Neg/CN=Neg+20CA", NULL,
	    NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1,
	    ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	{ "negated regex: not for UMR9999", ANY,
	    "CN=Bob,OU=UMR9999,O=Neg,C=FR", "CN=Neg CA,O=Neg,C=FR", NULL,
	    NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1,
	    ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	{ "negated regex: not on Postfix's CN", PF, "Bob", "Neg CA", NULL,
	    NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1,
	    ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	/* the certificate index */
	{ "index: fingerprint only meets an OU rule", PF, NULL, NULL, "@carol",
	    NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1,
	    ACT_RELAY, KIND_ATTRIBUTE, NULL, 1, 0 },
	{ "index: postfix CN view meets an OU rule", PF, "Carol",
	    "CNRS-Standard", "@carol", "@carol.pub", OK_, "TLSv1.3", 256, NULL,
	    NULL, NULL, STAGE_CERT, 1, ACT_RELAY, KIND_ATTRIBUTE, NULL, 1, 0 },
	{ "index: OU rule still needs verification", PF, NULL, NULL, "@carol",
	    NULL, FAIL_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1,
	    ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	{ "index: sendmail md5 meets a pubkey pin", SM, "/C=FR/O=CNRS/OU="
	    "UMR5800/CN=Dave", STD_SM, "@dave.md5", NULL, FAIL_, "TLSv1.3",
	    256, NULL, NULL, NULL, STAGE_CERT, 1, ACT_RELAY, KIND_FINGERPRINT,
	    NULL, 3, 0 },
	{ "pubkey pin direct", PF, NULL, NULL, "@alice", "@dave.pub", FAIL_,
	    "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1, ACT_RELAY,
	    KIND_FINGERPRINT, NULL, 3, 0 },
	{ "index: subjectAltName e-mail", PF, "Gina", "CNRS-Standard",
	    "@gina", NULL, OK_, "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1,
	    ACT_RELAY, KIND_EMAIL, NULL, 1, 0 },
	{ "not in the index", PF, "Zed", "CNRS-Standard", "@alice", NULL, OK_,
	    "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1, ACT_DUNNO,
	    KIND_NONE,
	    NULL, 0, 0 },
	{ "no certificate", SM, NULL, NULL, NULL, NULL, VERIFY_NONE, "TLSv1.3",
	    256, NULL, NULL, NULL, STAGE_CERT, 1, ACT_DUNNO, KIND_NO_CERT, NULL,
	    0,
	    0 },
	{ "unreadable names", SM, "/C=FR/CN=a+2", "garbage", "zz", NULL, OK_,
	    "TLSv1.3", 256, NULL, NULL, NULL, STAGE_CERT, 1, ACT_DUNNO,
	    KIND_NONE,
	    NULL, 0, 0 },
};

START_TEST(test_decide_cert)
{
	run(&cert_cases[_i]);
}
END_TEST

/* the same requests with the regex set matcher in service, as in a
 * daemon: the issuer's keys are then made only for a rule the set did
 * not rule out */
START_TEST(test_decide_cert_set)
{
	struct engine *const es[] = { fx.e, fx.open, fx.legacy };
	struct diag d;
	size_t k;

	for (k = 0; k < sizeof(es) / sizeof(es[0]); k++)
		if (!rx_accelerated(engine_rx(es[k]), NULL))
			ck_assert_msg(rx_accelerate(engine_rx(es[k]), 0,
			    &d) == 0, "set: %s", d.what);
	/* rx(3): a pattern the set rules out is not run, so it cannot
	 * give up either */
	if (cert_cases[_i].want == ACT_TEMPFAIL &&
	    cert_cases[_i].kind == KIND_REGEX)
		return;
	run(&cert_cases[_i]);
}
END_TEST

static const struct req_case mail_cases[] = {
	{ "auth without TLS", SM, NULL, NULL, NULL, NULL, VERIFY_NONE, NULL,
	    -1, "PLAIN", "192.0.2.7", NULL, STAGE_MAIL, 1, ACT_REJECT,
	    KIND_AUTH,
	    "530 5.7.0", 0, 1 },
	{ "auth, empty tls (Sendmail)", SM, NULL, NULL, NULL, NULL,
	    VERIFY_NONE, "", 0, "LOGIN", "192.0.2.7", NULL, STAGE_MAIL, 1,
	    ACT_REJECT, KIND_AUTH,
	    "530 5.7.0 Must issue a STARTTLS command first",
	    0, 1 },
	{ "auth over TLSv1.1", SM, NULL, NULL, NULL, NULL, VERIFY_NONE,
	    "TLSv1.1", 256, "PLAIN", "192.0.2.7", NULL, STAGE_MAIL, 1,
	    ACT_REJECT, KIND_AUTH, "530 5.7.0", 0, 0 },
	{ "auth over SSLv3", SM, NULL, NULL, NULL, NULL, VERIFY_NONE, "SSLv3",
	    256, "PLAIN", "192.0.2.7", NULL, STAGE_MAIL, 1, ACT_REJECT,
	    KIND_AUTH,
	    "530 5.7.0", 0, 0 },
	{ "auth over TLSv1", SM, NULL, NULL, NULL, NULL, VERIFY_NONE, "TLSv1",
	    256, "PLAIN", "192.0.2.7", NULL, STAGE_MAIL, 1, ACT_REJECT,
	    KIND_AUTH,
	    "530 5.7.0", 0, 0 },
	/* versions that are none: refused, never read as a high one */
	{ "auth over TLSv1.10", SM, NULL, NULL, NULL, NULL, VERIFY_NONE,
	    "TLSv1.10", 256, "PLAIN", "192.0.2.7", NULL, STAGE_MAIL, 1,
	    ACT_REJECT, KIND_AUTH, "530 5.7.0", 0, 0 },
	{ "auth over a version past int", SM, NULL, NULL, NULL, NULL,
	    VERIFY_NONE, "TLSv1666666666666.3", 256, "PLAIN", "192.0.2.7", NULL,
	    STAGE_MAIL, 1, ACT_REJECT, KIND_AUTH, "530 5.7.0", 0, 0 },
	{ "auth over TLSv1.3junk", SM, NULL, NULL, NULL, NULL, VERIFY_NONE,
	    "TLSv1.3junk", 256, "PLAIN", "192.0.2.7", NULL, STAGE_MAIL, 1,
	    ACT_REJECT, KIND_AUTH, "530 5.7.0", 0, 0 },
	{ "auth over TLSv-1.3", SM, NULL, NULL, NULL, NULL, VERIFY_NONE,
	    "TLSv-1.3", 256, "PLAIN", "192.0.2.7", NULL, STAGE_MAIL, 1,
	    ACT_REJECT, KIND_AUTH, "530 5.7.0", 0, 0 },
	{ "auth under min_cipher_bits", SM, NULL, NULL, NULL, NULL,
	    VERIFY_NONE, "TLSv1.2", 64, "PLAIN", "192.0.2.7", NULL, STAGE_MAIL,
	    1, ACT_REJECT, KIND_AUTH, "530 5.7.0", 0, 0 },
	{ "auth over TLSv1.3", SM, NULL, NULL, NULL, NULL, VERIFY_NONE,
	    "TLSv1.3", 256, "PLAIN", "192.0.2.7", NULL, STAGE_MAIL, 1,
	    ACT_DUNNO, KIND_NONE, "", 0, 0 },
	{ "auth over TLSv1.2 at the limit", SM, NULL, NULL, NULL, NULL,
	    VERIFY_NONE, "TLSv1.2", 128, "PLAIN", "192.0.2.7", NULL,
	    STAGE_MAIL, 1, ACT_DUNNO, KIND_NONE, "", 0, 0 },
	{ "auth, bits not said", SM, NULL, NULL, NULL, NULL, VERIFY_NONE,
	    "TLSv1.3", -1, "PLAIN", "192.0.2.7", NULL, STAGE_MAIL, 1,
	    ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	{ "no auth, no TLS", SM, NULL, NULL, NULL, NULL, VERIFY_NONE, NULL, -1,
	    NULL, "192.0.2.7", NULL, STAGE_MAIL, 1, ACT_DUNNO, KIND_NONE, NULL,
	    0,
	    0 },
	{ "empty auth_type", SM, NULL, NULL, NULL, NULL, VERIFY_NONE, NULL, -1,
	    "", "192.0.2.7", NULL, STAGE_MAIL, 1, ACT_DUNNO, KIND_NONE, NULL, 0,
	    0 },
	{ "auth without TLS, gatekeeper off", SM, NULL, NULL, NULL, NULL,
	    VERIFY_NONE, NULL, -1, "PLAIN", "192.0.2.7", NULL, STAGE_MAIL, 0,
	    ACT_REJECT, KIND_AUTH, "530 5.7.0", 0, 1 },
	{ "auth without TLS from a trusted network", SM, NULL, NULL, NULL,
	    NULL, VERIFY_NONE, NULL, -1, "PLAIN", "10.1.1.1", NULL, STAGE_MAIL,
	    1, ACT_REJECT, KIND_AUTH, "530 5.7.0", 0, 1 },
};

START_TEST(test_decide_mail)
{
	run(&mail_cases[_i]);
}
END_TEST

static const struct req_case rcpt_cases[] = {
	{ "gatekeeper: no credential", SM, NULL, NULL, NULL, NULL, VERIFY_NONE,
	    NULL, -1, NULL, "192.0.2.7", "<bob@elsewhere.example>", STAGE_RCPT,
	    1, ACT_REJECT, KIND_GATEKEEPER, "550 5.7.1", 0, 0 },
	{ "gatekeeper: unverified cert", SM, "/C=FR/O=CNRS/CN=Anyone", PLUS_SM,
	    "@alice", NULL, FAIL_, "TLSv1.3", 256, NULL, "192.0.2.7",
	    "bob@elsewhere.example", STAGE_RCPT, 1, ACT_REJECT, KIND_GATEKEEPER,
	    "550 5.7.1", 0, 0 },
	{ "gatekeeper: local rcpt", SM, NULL, NULL, NULL, NULL, VERIFY_NONE,
	    NULL, -1, NULL, "192.0.2.7", "<bob@local.example>", STAGE_RCPT, 1,
	    ACT_DUNNO, KIND_LOCAL, NULL, 0, 0 },
	{ "gatekeeper: trusted v4", SM, NULL, NULL, NULL, NULL, VERIFY_NONE,
	    NULL, -1, NULL, "10.20.30.40", "<bob@elsewhere.example>",
	    STAGE_RCPT, 1, ACT_RELAY, KIND_TRUSTED, NULL, 0, 0 },
	{ "gatekeeper: trusted v6", SM, NULL, NULL, NULL, NULL, VERIFY_NONE,
	    NULL, -1, NULL, "2001:db8::25", "<bob@elsewhere.example>",
	    STAGE_RCPT, 1, ACT_RELAY, KIND_TRUSTED, NULL, 0, 0 },
	{ "gatekeeper: auth over TLS", SM, NULL, NULL, NULL, NULL,
	    VERIFY_NONE, "TLSv1.3", 256, "PLAIN", "192.0.2.7",
	    "<bob@elsewhere.example>", STAGE_RCPT, 1, ACT_RELAY, KIND_AUTH,
	    NULL,
	    0, 0 },
	{ "gatekeeper: auth in clear", SM, NULL, NULL, NULL, NULL, VERIFY_NONE,
	    NULL, -1, "PLAIN", "192.0.2.7", "<bob@elsewhere.example>",
	    STAGE_RCPT, 1, ACT_REJECT, KIND_GATEKEEPER, "550 5.7.1", 0, 0 },
	{ "gatekeeper: cert RELAY", SM, "/C=FR/O=CNRS/CN=Anyone", PLUS_SM,
	    "@alice", NULL, OK_, "TLSv1.3", 256, NULL, "192.0.2.7",
	    "<bob@elsewhere.example>", STAGE_RCPT, 1, ACT_RELAY, KIND_ISSUER,
	    NULL,
	    1, 0 },
	{ "revoked: every rcpt, local too", SM,
	    "/C=FR/O=CNRS/CN=Revoked+20User", PLUS_SM, "@revoked", NULL, OK_,
	    "TLSv1.3", 256, NULL, "10.1.1.1", "<bob@local.example>", STAGE_RCPT,
	    1, ACT_REJECT, KIND_FINGERPRINT, "550 5.7.1 Revoked certificate", 1,
	    0 },
	{ "no gatekeeper: no credential", SM, NULL, NULL, NULL, NULL,
	    VERIFY_NONE, NULL, -1, NULL, "192.0.2.7", "<bob@elsewhere.example>",
	    STAGE_RCPT, 0, ACT_DUNNO, KIND_NONE, NULL, 0, 0 },
	{ "no gatekeeper: cert RELAY", SM, "/C=FR/O=CNRS/CN=Anyone", PLUS_SM,
	    NULL, NULL, OK_, "TLSv1.3", 256, NULL, "192.0.2.7",
	    "<bob@elsewhere.example>", STAGE_RCPT, 0, ACT_RELAY, KIND_ISSUER,
	    NULL,
	    1, 0 },
};

START_TEST(test_decide_rcpt)
{
	run(&rcpt_cases[_i]);
}
END_TEST

/* the certificate verdict is computed once and serves every stage */
START_TEST(test_decide_stages)
{
	struct request r;
	struct decision out;
	struct diag d;
	char fp[256];

	request_init(&r);
	r.form = SM;
	r.subject = "/C=FR/O=CNRS/OU=UMR7503/CN=Alice+20Martin/emailAddress="
	    "alice.martin@umr7503.example";
	r.issuer = PLUS_SM;
	r.fingerprint = resolve("@alice", fp, sizeof(fp));
	r.verify = VERIFY_OK;
	r.tls_version = "TLSv1.3";
	r.cipher_bits = 256;
	r.client_addr = "192.0.2.7";
	ck_assert_int_eq(decide(fx.e, &r, STAGE_CERT, &out, &d), 0);
	ck_assert_int_eq(out.action, ACT_RELAY);
	ck_assert_msg(r.cert_done == 1, "case stages: cert not kept");
	/* the issuer decided: the names were formatted with their lookup
	 * keys, the fingerprint waits for the log line */
	ck_assert_int_eq(out.kind, KIND_ISSUER);
	ck_assert_msg(r.fp_text[0] == 0, "case stages: fingerprint "
	    "formatted before asked");
	request_names(&r);
	ck_assert_msg(strcmp(r.subject_canon, "emailAddress=alice.martin@"
	    "umr7503.example,CN=Alice Martin,OU=UMR7503,O=CNRS,C=FR") == 0,
	    "case stages: subject_canon \"%s\"", r.subject_canon);
	ck_assert_str_eq(r.issuer_canon, "CN=CNRS-Plus,O=CNRS,C=FR");
	ck_assert_msg(strncmp(r.fp_text, "sha256:", 7) == 0 &&
	    strcmp(r.fp_text + 7, fp) == 0, "case stages: fp_text \"%s\"",
	    r.fp_text);
	ck_assert_int_eq(decide(fx.e, &r, STAGE_MAIL, &out, &d), 0);
	ck_assert_int_eq(out.action, ACT_DUNNO);
	r.rcpt = "<a@elsewhere.example>";
	ck_assert_int_eq(decide(fx.e, &r, STAGE_RCPT, &out, &d), 0);
	ck_assert_int_eq(out.action, ACT_RELAY);
	r.rcpt = "<b@local.example>";
	ck_assert_int_eq(decide(fx.e, &r, STAGE_RCPT, &out, &d), 0);
	ck_assert_int_eq(out.action, ACT_DUNNO);
	ck_assert_int_eq(decide(NULL, &r, STAGE_RCPT, &out, &d), -1);
	/* the milter's TLS macros changed: evaluated again, with the new
	 * names (and the old ones freed: LeakSanitizer) */
	r.cert_done = 0;
	r.subject = "/C=FR/O=CNRS/CN=Bob";
	r.fingerprint = NULL;
	ck_assert_int_eq(decide(fx.e, &r, STAGE_CERT, &out, &d), 0);
	request_names(&r);
	ck_assert_str_eq(r.subject_canon, "CN=Bob,O=CNRS,C=FR");
	ck_assert_msg(r.fp_text[0] == 0, "case stages again: old fp_text "
	    "\"%s\" kept", r.fp_text);
	request_free(&r);
	ck_assert(r.subj_dn == NULL && r.iss_dn == NULL);
}
END_TEST

/* a cut name says so in the note */
START_TEST(test_decide_note)
{
	struct request r;
	struct decision out;
	struct diag d;

	request_init(&r);
	r.form = SM;
	r.subject = LONG_SM;
	r.issuer = OTHER_SM;
	r.verify = VERIFY_OK;
	ck_assert_int_eq(decide(fx.e, &r, STAGE_CERT, &out, &d), 0);
	ck_assert_msg(r.cut == 1 && strstr(r.note, "cut") != NULL,
	    "case cut note: cut %d note \"%s\"", r.cut, r.note);
	request_free(&r);
	request_init(&r);
	r.form = SM;
	r.subject = "/C=FR/O=CNRS/CN=Anyone";
	r.issuer = PLUS_SM;
	r.verify = VERIFY_FAIL;
	ck_assert_int_eq(decide(fx.e, &r, STAGE_CERT, &out, &d), 0);
	ck_assert_msg(strstr(r.note, "not verified") != NULL,
	    "case unverified note: \"%s\"", r.note);
	request_free(&r);
}
END_TEST

static const struct {
	const char *in;
	enum verify want;
} verify_cases[] = {
	{ "OK", VERIFY_OK }, { "TRUSTED", VERIFY_OK }, { "FAIL", VERIFY_FAIL },
	{ "NOT", VERIFY_FAIL }, { "SOFTWARE", VERIFY_FAIL },
	{ "PROTOCOL", VERIFY_FAIL }, { "NO", VERIFY_NONE }, { "", VERIFY_NONE },
	{ NULL, VERIFY_UNKNOWN },
};

START_TEST(test_decide_verify)
{
	enum verify got = decide_verify(verify_cases[_i].in);

	ck_assert_msg(got == verify_cases[_i].want, "case %s: got %d, want %d",
	    verify_cases[_i].in ? verify_cases[_i].in : "NULL", got,
	    verify_cases[_i].want);
}
END_TEST

START_TEST(test_request_init)
{
	struct request r;

	memset(&r, 0x5a, sizeof(r));
	request_init(&r);
	ck_assert(r.subject == NULL && r.rcpt == NULL && r.cert_done == 0 &&
	    r.cipher_bits == -1 && r.note[0] == 0 &&
	    r.verify == VERIFY_UNKNOWN && r.subj_dn == NULL &&
	    r.iss_dn == NULL && r.has_fp == 0 && r.names_done == 0 &&
	    r.subject_canon[0] == 0 && r.fp_text[0] == 0);
}
END_TEST

/* numbers as the MTA sends them: digits only, capped, never past int */
START_TEST(test_decide_number)
{
	static const struct {
		const char *in;
		int	want;
		size_t	used;
	} c[] = {
		{ "256", 256, 3 }, { "0", 0, 1 }, { "", 0, 0 },
		{ "1.3", 1, 1 }, { "128bits", 128, 3 }, { "-5", 0, 0 },
		{ " 256", 0, 0 }, { "65536", 65536, 5 }, { "65537", 65536, 5 },
		{ "99999999999999999999", DECIDE_NUMBER_MAX, 20 },
	};
	const char *end;
	size_t k;

	for (k = 0; k < NELEM(c); k++) {
		ck_assert_msg(decide_number(c[k].in, &end) == c[k].want &&
		    end == c[k].in + c[k].used, "case \"%s\": got %d, %zu "
		    "bytes read", c[k].in, decide_number(c[k].in, NULL),
		    (size_t)(end - c[k].in));
	}
}
END_TEST

/* own_ca - a CA certificate that X509_verify_cert() takes as an anchor */
static X509 *
own_ca(const char *const *pairs, EVP_PKEY *k)
{
	X509_NAME *n = tu_name(pairs);
	X509 *c = tu_cert(n, k, n, k, NULL, 1);

	tu_ext(c, NID_basic_constraints, "critical,CA:TRUE");
	ck_assert(X509_sign(c, k, EVP_sha256()) > 0);
	X509_NAME_free(n);
	return c;
}

/* own_engine - an index of lab.pem and an OU rule under CNRS-Plus;
 * index_ca_file = cafile.pem when with_ca */
static struct engine *
own_engine(const char *dir, int with_ca)
{
	char path[TU_PATH_MAX], cdb[TU_PATH_MAX + 8], ca[TU_PATH_MAX];
	char text[1024];
	struct cindex_stats st;
	struct engine *e;
	struct diag d;

	tu_write(tu_path(path, sizeof(path), dir, "attributes"),
	    "issuer=" PLUS_SM " attr=OU value=UMR7503 RELAY\n");
	snprintf(cdb, sizeof(cdb), "%s.cdb", path);
	ck_assert(table_compile(path, TABLE_ATTRIBUTE, cdb, &d) == 0);
	tu_path(path, sizeof(path), dir, "certs");
	snprintf(cdb, sizeof(cdb), "%s.cdb", path);
	tu_path(ca, sizeof(ca), dir, "cafile.pem");
	ck_assert(cindex_compile(path, cdb, &(struct cindex_opts){ with_ca ?
	    ca : NULL, NULL, NULL, 0 }, &st, &d) == 0);
	snprintf(text, sizeof(text), "attribute_table = attributes\n"
	    "cert_index = certs\n%s"
	    "local_domains = local.example\ngatekeeper = yes\n",
	    with_ca ? "index_ca_file = cafile.pem\n" : "");
	tu_write(tu_path(path, sizeof(path), dir, "c.conf"), text);
	ck_assert_msg(engine_open(path, &e, &d) == 0, "%s: %s", d.file,
	    d.what);
	return e;
}

/*
 * Issue 15, finding 2: a guest's CNRS-Standard certificate presented to
 * Postfix (verified; fingerprint, public-key fingerprint and CN), and in
 * the index an entry with the same key and OU=UMR7503 under CNRS-Plus.
 * The entry's names must not become the guest's. The entry's own
 * certificate still gets its names; without index_ca_file it does not.
 */
/* The policy server is never the gate: its DUNNO lets Postfix's own
 * reject_unauth_destination refuse, and a REJECT/gatekeeper decision
 * behind it logged and counted a refusal it never gave. */
START_TEST(test_decide_policy_gateless)
{
	struct request r;
	struct decision out;
	struct diag d;
	int gateless;

	for (gateless = 0; gateless < 2; gateless++) {
		request_init(&r);
		r.form = REQ_FORM_POSTFIX;
		r.verify = VERIFY_NONE;
		r.client_addr = "192.0.2.7";
		r.rcpt = "someone@far.example";
		r.gateless = gateless;
		diag_clear(&d);
		ck_assert(decide(fx.e, &r, STAGE_RCPT, &out, &d) == 0);
		ck_assert_msg(out.action == (gateless ? ACT_DUNNO : ACT_REJECT),
		    "gateless %d: got %s", gateless, action_name(out.action));
		ck_assert_msg((out.kind == KIND_GATEKEEPER) == !gateless,
		    "gateless %d: kind %s", gateless,
		    decide_kind_name(out.kind));
		request_free(&r);
	}
}
END_TEST

/* cn_engine - a subject table of whole names (and one CN key when
 * with_cn) under CNRS-Plus, in its own directory */
static struct engine *
cn_engine(const char *dir, int with_cn)
{
	char path[TU_PATH_MAX], cdb[TU_PATH_MAX + 8], text[1024];
	struct engine *e;
	struct diag d;

	snprintf(text, sizeof(text),
	    "/C=FR/O=CNRS/CN=Whole+20Name issuer=" PLUS_SM " RELAY\n"
	    "/C=FR/O=CNRS/CN=Whole+5C/CN=Name issuer=" PLUS_SM " RELAY\n"
	    "/C=FR/O=CNRS/CN=Bad+5C/CN=Name issuer=" PLUS_SM
	    " REJECT Suspended\n%s", with_cn ? "CN=Unrelated issuer="
	    PLUS_SM " RELAY\n" : "");
	tu_write(tu_path(path, sizeof(path), dir, "subjects"), text);
	snprintf(cdb, sizeof(cdb), "%s.cdb", path);
	ck_assert(table_compile(path, TABLE_SUBJECT, cdb, &d) == 0);
	tu_write(tu_path(path, sizeof(path), dir, "c.conf"),
	    "subject_table = subjects\nlocal_domains = local.example\n"
	    "gatekeeper = no\nsendmail_openssl = 3\n");
	ck_assert_msg(engine_open(path, &e, &d) == 0, "%s: %s", d.file,
	    d.what);
	ck_assert_msg(table_cn_keys(engine_table(e, TABLE_SUBJECT)) == with_cn,
	    "fixture: table_cn_keys %d", with_cn);
	return e;
}

/* A subject table without a CN's key is not asked for the CN: the same
 * decisions as with one, but for the rule of one CN itself. A name that
 * reads two ways still meets its REJECT and not its RELAY. */
START_TEST(test_decide_cn_shortcut)
{
	static const struct {
		enum req_form form;
		const char *subject, *issuer;
		enum act want[2];	/* without, with a CN key */
		int	line[2];
	} c[] = {
		{ SM, "/C=FR/O=CNRS/CN=Whole+20Name", PLUS_SM,
		    { ACT_RELAY, ACT_RELAY }, { 1, 1 } },
		{ SM, "/C=FR/O=CNRS/CN=Whole+5C/CN=Name", PLUS_SM,
		    { ACT_DUNNO, ACT_DUNNO }, { 0, 0 } },
		{ SM, "/C=FR/O=CNRS/CN=Bad+5C/CN=Name", PLUS_SM,
		    { ACT_REJECT, ACT_REJECT }, { 3, 3 } },
		{ PF, "Whole Name", "CNRS-Plus", { ACT_DUNNO, ACT_DUNNO },
		    { 0, 0 } },
		{ SM, "/C=FR/O=CNRS/CN=Whole+20Name", OTHER_SM,
		    { ACT_DUNNO, ACT_DUNNO }, { 0, 0 } },
		{ SM, "/C=FR/O=X/CN=Unrelated", PLUS_SM,
		    { ACT_DUNNO, ACT_RELAY }, { 0, 4 } },
	};
	char dir[2][TU_PATH_MAX];
	struct engine *e[2];
	struct request r;
	struct decision out;
	struct diag d;
	size_t i;
	int w;

	for (w = 0; w < 2; w++) {
		tu_mkdir(dir[w], sizeof(dir[w]));
		e[w] = cn_engine(dir[w], w);
	}
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		for (w = 0; w < 2; w++) {
			request_init(&r);
			r.form = c[i].form;
			r.subject = c[i].subject;
			r.issuer = c[i].issuer;
			r.verify = VERIFY_OK;
			ck_assert(decide(e[w], &r, STAGE_CERT, &out, &d) == 0);
			ck_assert_msg(out.action == c[i].want[w] &&
			    out.line == c[i].line[w], "case %zu (CN key %d): "
			    "got %s line %d, want %s line %d", i, w,
			    action_name(out.action), out.line,
			    action_name(c[i].want[w]), c[i].line[w]);
			request_free(&r);
		}
	for (w = 0; w < 2; w++)
		engine_close(e[w]);
}
END_TEST

START_TEST(test_decide_index_own_fp)
{
	static const char *const guest_n[] = { "C", "FR", "O", "CNRS",
	    "OU", "UMR9999", "CN", "Guest", NULL };
	static const char *const lab_n[] = { "C", "FR", "O", "CNRS",
	    "OU", "UMR7503", "CN", "Guest", NULL };
	char dir[TU_PATH_MAX], path[TU_PATH_MAX], fp[256], pk[256];
	EVP_PKEY *pk_plus = tu_key(), *pk_std = tu_key(), *k = tu_key();
	X509 *plus = own_ca(plus_ca, pk_plus), *std = own_ca(std_ca, pk_std);
	X509_NAME *gn = tu_name(guest_n), *ln = tu_name(lab_n);
	X509 *guest = tu_cert(gn, k, X509_get_subject_name(std), pk_std, NULL,
	    2);
	X509 *lab = tu_cert(ln, k, X509_get_subject_name(plus), pk_plus, NULL,
	    3);
	struct request r;
	struct decision out;
	struct engine *e;
	struct diag d;
	FILE *f;
	int pass;

	tu_mkdir(dir, sizeof(dir));
	f = fopen(tu_path(path, sizeof(path), dir, "cafile.pem"), "w");
	ck_assert(f && PEM_write_X509(f, plus) && PEM_write_X509(f, std));
	fclose(f);
	ck_assert(mkdir(tu_path(path, sizeof(path), dir, "certs"), 0700) == 0);
	tu_write_pem(tu_path(path, sizeof(path), dir, "certs/lab.pem"), lab);
	for (pass = 0; pass < 3; pass++) {
		e = own_engine(dir, pass < 2);
		tu_hex_digest(pass == 1 || pass == 2 ? lab : guest,
		    EVP_sha256(), 0, 1, fp, sizeof(fp));
		tu_hex_digest(guest, EVP_sha256(), 1, 1, pk, sizeof(pk));
		request_init(&r);
		r.form = PF;
		r.subject = "Guest";
		r.issuer = pass == 0 ? "CNRS-Standard" : "CNRS-Plus";
		r.fingerprint = fp;
		r.pubkey_fingerprint = pk;
		r.verify = VERIFY_OK;
		r.tls_version = "TLSv1.3";
		r.cipher_bits = 256;
		r.rcpt = "x@remote.example";
		ck_assert(decide(e, &r, STAGE_RCPT, &out, &d) == 0);
		ck_assert_msg(out.action == (pass == 1 ? ACT_RELAY :
		    ACT_REJECT), "case %s: got %s (kind %s, note \"%s\")",
		    pass == 0 ? "guest with the lab entry's key" : pass == 1 ?
		    "the lab certificate itself" : "lab, no index_ca_file",
		    action_name(out.action), decide_kind_name(out.kind),
	    r.note);
		request_free(&r);
		engine_close(e);
	}
	X509_free(guest);
	X509_free(lab);
	X509_free(plus);
	X509_free(std);
	X509_NAME_free(gn);
	X509_NAME_free(ln);
	EVP_PKEY_free(k);
	EVP_PKEY_free(pk_plus);
	EVP_PKEY_free(pk_std);
}
END_TEST

/* every kind has its own log name; none is a prefix the e2e greps miss */
START_TEST(test_decide_kind_names)
{
	const char *a, *b;
	int k, j;

	ck_assert_str_eq(decide_kind_name(KIND_NONE), "");
	ck_assert_str_eq(decide_kind_name((enum dec_kind)KIND_NKINDS), "");
	ck_assert_str_eq(decide_kind_name(KIND_NO_RULE), "no-rule");
	for (k = KIND_NONE + 1; k < KIND_NKINDS; k++) {
		a = decide_kind_name((enum dec_kind)k);
		ck_assert_msg(a[0] != 0, "case kind %d: no name", k);
		for (j = KIND_NONE + 1; j < k; j++) {
			b = decide_kind_name((enum dec_kind)j);
			ck_assert_msg(strcmp(a, b) != 0, "case kind %d: name "
			    "\"%s\" is kind %d's too", k, a, j);
		}
	}
}
END_TEST

static const struct {
	const char *name, *code, *dsn, *text;
	size_t	size;
	const char *want;
} reply_cases[] = {
	{ "whole", "550", "5.7.1", "Revoked", 64, "550 5.7.1 Revoked" },
	{ "no reply", "", "", "", 64, "" },
	{ "no dsn", "451", "", "Later", 64, "451 Later" },
	{ "no text", "550", "5.7.1", "", 64, "550 5.7.1" },
	{ "cut", "550", "5.7.1", "Revoked", 8, "550 5.7" },
};

/* decide_reply - the reply as the MTA says it, cut to size */
START_TEST(test_decide_reply)
{
	struct decision dec;
	char buf[64];
	size_t n;

	memset(&dec, 0, sizeof(dec));
	dec.action = ACT_REJECT;
	strcpy(dec.code, reply_cases[_i].code);
	strcpy(dec.dsn, reply_cases[_i].dsn);
	strcpy(dec.text, reply_cases[_i].text);
	n = decide_reply(&dec, buf, reply_cases[_i].size);
	ck_assert_msg(strcmp(buf, reply_cases[_i].want) == 0 &&
	    n == strlen(buf), "case %s: got %zu \"%s\", want \"%s\"",
	    reply_cases[_i].name, n, buf, reply_cases[_i].want);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("decide");
	TCase *tc;

	tc = tcase_create("decide");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	LOOP(tc, test_decide_cert, cert_cases);
	LOOP(tc, test_decide_cert_set, cert_cases);
	LOOP(tc, test_decide_mail, mail_cases);
	LOOP(tc, test_decide_rcpt, rcpt_cases);
	tcase_add_test(tc, test_decide_stages);
	tcase_add_test(tc, test_decide_note);
	tcase_add_test(tc, test_decide_policy_gateless);
	suite_add_tcase(s, tc);
	tc = tcase_create("decide_verify");
	LOOP(tc, test_decide_verify, verify_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("request_init");
	tcase_add_test(tc, test_request_init);
	tcase_add_test(tc, test_decide_number);
	tcase_add_test(tc, test_decide_kind_names);
	LOOP(tc, test_decide_reply, reply_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("decide_index");
	tcase_add_test(tc, test_decide_index_own_fp);
	tcase_add_test(tc, test_decide_cn_shortcut);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
