/*
 * check_certlife - expiry and revocation through the engine: what a
 * daemon answers for an index certificate that expired or that a CRL
 * lists, the warnings at start, a bad CRL at start and at reload
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "certlife.h"
#include "cindex.h"
#include "decide.h"
#include "engine.h"
#include "policy.h"
#include "snap.h"
#include "testutil.h"

#define DAY	86400L

/* In the index: alice .. carol2 (carol renewed, same key); thief is
 * self-signed around bob's key, and in no index. */
enum { ALICE, BOB, OLD, SOON, CAROL, CAROL2, NINDEX, THIEF = NINDEX,
    NCERTS };

static struct {
	char	dir[TU_PATH_MAX];
	EVP_PKEY *key, *rogue, *bob, *carol;
	X509	*ca, *cert[NCERTS];
	int	nconf;
} fx;

static const char *const plus_name[] = { "C", "FR", "O", "CNRS",
    "CN", "CNRS-Plus", NULL };

/* client - CN=cn by CNRS-Plus, valid from..until (offsets from now),
 * with key (NULL: a new one) */
static X509 *
client(const char *cn, long serial, long from, long until, EVP_PKEY *key)
{
	const char *pairs[] = { "C", "FR", "O", "CNRS", "CN", cn, NULL };
	X509_NAME *n = tu_name(pairs);
	EVP_PKEY *k = key ? key : tu_key();
	X509 *c = tu_cert(n, k, X509_get_subject_name(fx.ca), fx.key, NULL,
	    serial);

	ck_assert(X509_gmtime_adj(X509_getm_notBefore(c), from) &&
	    X509_gmtime_adj(X509_getm_notAfter(c), until) &&
	    X509_sign(c, fx.key, EVP_sha256()) > 0);
	X509_NAME_free(n);
	if (key == NULL)
		EVP_PKEY_free(k);
	return c;
}

/* file - fx.dir/name */
static const char *
file(const char *name)
{
	static char path[4][TU_PATH_MAX];
	static int k;

	k = (k + 1) % 4;
	return tu_path(path[k], sizeof(path[k]), fx.dir, name);
}

/* write_crl - name: a CRL of CNRS-Plus signed by key, revoking serials
 * (keyCompromise, 2 days ago), nextUpdate at now + next */
static void
write_crl(const char *name, EVP_PKEY *key, long next, const long *serials)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();
	ASN1_ENUMERATED *why = ASN1_ENUMERATED_new();
	ASN1_INTEGER *s = ASN1_INTEGER_new();
	X509_REVOKED *r;
	FILE *fp;

	ck_assert(crl && t && why && s && X509_CRL_set_version(crl, 1) &&
	    X509_CRL_set_issuer_name(crl, X509_get_subject_name(fx.ca)) &&
	    X509_gmtime_adj(t, -DAY) && X509_CRL_set1_lastUpdate(crl, t) &&
	    X509_gmtime_adj(t, next) && X509_CRL_set1_nextUpdate(crl, t) &&
	    ASN1_ENUMERATED_set(why, CRL_REASON_KEY_COMPROMISE));
	for (; *serials; serials++) {
		ck_assert((r = X509_REVOKED_new()) != NULL &&
		    ASN1_INTEGER_set(s, *serials) &&
		    X509_REVOKED_set_serialNumber(r, s) &&
		    X509_gmtime_adj(t, -2 * DAY) &&
		    X509_REVOKED_set_revocationDate(r, t) &&
		    X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, why, 0, 0) &&
		    X509_CRL_add0_revoked(crl, r));
	}
	ck_assert(X509_CRL_sort(crl) && X509_CRL_sign(crl, key,
	    EVP_sha256()) > 0);
	ck_assert((fp = fopen(file(name), "w")) != NULL &&
	    PEM_write_X509_CRL(fp, crl));
	fclose(fp);
	X509_CRL_free(crl);
	ASN1_TIME_free(t);
	ASN1_ENUMERATED_free(why);
	ASN1_INTEGER_free(s);
}

/* fp_of - a certificate's sha256, as Postfix sends it */
static const char *
fp_of(int k)
{
	static char buf[NCERTS][128];

	tu_hex_digest(fx.cert[k], EVP_sha256(), 0, 1, buf[k], sizeof(buf[k]));
	return buf[k];
}

/* pk_of - its public key's sha256 (ccert_pubkey_fingerprint) */
static const char *
pk_of(int k)
{
	static char buf[NCERTS][128];

	tu_hex_digest(fx.cert[k], EVP_sha256(), 1, 1, buf[k], sizeof(buf[k]));
	return buf[k];
}

/* compile_tables - pins of alice, bob and old; an issuer rule; index */
static void
compile_tables(void)
{
	char text[1024], certs[TU_PATH_MAX], cdb[TU_PATH_MAX + 8];
	struct cindex_stats st;
	struct diag d;

	snprintf(text, sizeof(text), "%s RELAY\n%s RELAY\n%s RELAY\n",
	    fp_of(ALICE), fp_of(BOB), fp_of(OLD));
	tu_write(file("fps"), text);
	ck_assert(table_compile(file("fps"), TABLE_FINGERPRINT,
	    file("fps.cdb"), &d) == 0);
	snprintf(text, sizeof(text), "pubkey:%s RELAY\npubkey:%s RELAY\n",
	    pk_of(BOB), pk_of(CAROL));
	tu_write(file("keys"), text);
	ck_assert(table_compile(file("keys"), TABLE_FINGERPRINT,
	    file("keys.cdb"), &d) == 0);
	tu_write(file("issuers"), "/C=FR/O=CNRS/CN=CNRS-Plus RELAY\n");
	ck_assert(table_compile(file("issuers"), TABLE_ISSUER,
	    file("issuers.cdb"), &d) == 0);
	snprintf(certs, sizeof(certs), "%s", file("certs"));
	snprintf(cdb, sizeof(cdb), "%s.cdb", certs);
	ck_assert_msg(cindex_compile(certs, cdb, &(struct cindex_opts){
	    file("cafile.pem"), NULL, NULL, 30 }, &st, &d) == 0 &&
	    st.verified == NINDEX, "fixture: %s", d.what);
}

static void
setup(void)
{
	static const long bob[] = { 11, 0 }, both[] = { 10, 11, 0 },
	    none[] = { 99, 0 }, carol[] = { 30, 0 };
	static const char *const names[] = { "alice", "bob", "old", "soon",
	    "carol", "carol2" };
	static const char *const thief[] = { "CN", "Thief", NULL };
	char path[TU_PATH_MAX];
	X509_NAME *n;
	int k;

	tu_mkdir(fx.dir, sizeof(fx.dir));
	fx.key = tu_key();
	fx.rogue = tu_key();
	n = tu_name(plus_name);
	fx.ca = tu_cert(n, fx.key, n, fx.key, NULL, 1);
	X509_NAME_free(n);
	tu_ext(fx.ca, NID_basic_constraints, "critical,CA:TRUE");
	ck_assert(X509_sign(fx.ca, fx.key, EVP_sha256()) > 0);
	tu_write_pem(file("cafile.pem"), fx.ca);
	fx.bob = tu_key();
	fx.carol = tu_key();
	fx.cert[ALICE] = client("Alice", 10, -DAY, 365 * DAY, NULL);
	fx.cert[BOB] = client("Bob", 11, -DAY, 365 * DAY, fx.bob);
	fx.cert[OLD] = client("Old", 20, -400 * DAY, -10 * DAY, NULL);
	fx.cert[SOON] = client("Soon", 21, -DAY, 5 * DAY, NULL);
	fx.cert[CAROL] = client("Carol", 30, -DAY, 365 * DAY, fx.carol);
	fx.cert[CAROL2] = client("Carol", 31, -DAY, 365 * DAY, fx.carol);
	n = tu_name(thief);
	fx.cert[THIEF] = tu_cert(n, fx.bob, n, fx.bob, NULL, 77);
	X509_NAME_free(n);
	ck_assert(mkdir(file("certs"), 0755) == 0);
	for (k = 0; k < NINDEX; k++) {
		snprintf(path, sizeof(path), "certs/%s.pem", names[k]);
		tu_write_pem(file(path), fx.cert[k]);
	}
	compile_tables();
	write_crl("bob.crl", fx.key, DAY, bob);
	write_crl("both.crl", fx.key, DAY, both);
	write_crl("stale.crl", fx.key, -60, none);
	write_crl("rogue.crl", fx.rogue, DAY, both);
	write_crl("carol.crl", fx.key, DAY, carol);
}

static void
teardown(void)
{
	int k;

	for (k = 0; k < NCERTS; k++)
		X509_free(fx.cert[k]);
	X509_free(fx.ca);
	EVP_PKEY_free(fx.key);
	EVP_PKEY_free(fx.rogue);
	EVP_PKEY_free(fx.bob);
	EVP_PKEY_free(fx.carol);
}

/* conf - a configuration with extra lines; its path */
static const char *
conf(const char *extra)
{
	static char path[TU_PATH_MAX];
	char name[32], text[1024];

	snprintf(name, sizeof(name), "c%d.conf", fx.nconf++);
	snprintf(text, sizeof(text), "cert_index = certs\n"
	    "index_ca_file = cafile.pem\nlocal_domains = local.example\n"
	    "gatekeeper = none\n%s", extra);
	tu_path(path, sizeof(path), fx.dir, name);
	tu_write(path, text);
	return path;
}

/* ask - what a policy server says of cert k for rcpt, as Postfix sends
 * a verified certificate (CNs, the fingerprint) */
static void
ask(const struct engine *e, int k, const char *rcpt, const char *auth,
    struct decision *dec, char *note, size_t size)
{
	static const char *const cns[] = { "Alice", "Bob", "Old", "Soon",
	    "Carol", "Carol" };
	struct request r;
	struct diag d;

	request_init(&r);
	r.form = REQ_FORM_POSTFIX;
	r.verify = k == THIEF ? VERIFY_FAIL : VERIFY_OK;
	if (k != THIEF) {		/* Postfix: trusted certs only */
		r.subject = cns[k];
		r.issuer = "CNRS-Plus";
	}
	r.fingerprint = fp_of(k);
	r.pubkey_fingerprint = pk_of(k);
	r.tls_version = "TLSv1.3";
	r.cipher_bits = 256;
	r.auth_type = auth;
	r.rcpt = rcpt;
	diag_clear(&d);
	ck_assert(decide(e, &r, STAGE_RCPT, dec, &d) == 0);
	snprintf(note, size, "%s", r.note);
	request_free(&r);
}

#define PINS	"fingerprint_table = fps\n"
#define ISSUER	"issuer_table = issuers\n"
#define KEYS	"fingerprint_table = keys\n"

static const struct {
	const char *name, *conf;
	int	cert;
	const char *rcpt, *auth;
	enum act want;
	const char *kind, *reply, *note;	/* substrings; NULL: any */
} cases[] = {
	{ "alice pinned, bob revoked", PINS "crl_files = bob.crl\n", ALICE,
	    "x@far.example", NULL, ACT_RELAY, "fingerprint", "", NULL },
	{ "bob pinned, no CRL: relays", PINS, BOB, "x@far.example", NULL,
	    ACT_RELAY, "fingerprint", "", NULL },
	{ "bob pinned, revoked", PINS "crl_files = bob.crl\n", BOB,
	    "x@far.example", NULL, ACT_REJECT, "revoked",
	    "550 5.7.1 Client certificate revoked on ", "keyCompromise" },
	{ "bob revoked: local too", PINS "crl_files = bob.crl\n", BOB,
	    "x@local.example", NULL, ACT_REJECT, "revoked",
	    ", reason keyCompromise", "bob.crl" },
	{ "bob revoked: AUTH no help", PINS "crl_files = bob.crl\n", BOB,
	    "x@far.example", "PLAIN", ACT_REJECT, "revoked", "revoked", NULL },
	{ "bob by issuer rule, no CRL", ISSUER, BOB, "x@far.example", NULL,
	    ACT_RELAY, "issuer", "", NULL },
	{ "bob by issuer rule, revoked", ISSUER "crl_files = bob.crl\n", BOB,
	    "x@far.example", NULL, ACT_REJECT, "revoked", "revoked on", NULL },
	{ "old pinned, expired", PINS, OLD, "x@far.example", NULL,
	    ACT_REJECT, "expired", "550 5.7.1 Client certificate expired on ",
	    "pin_expiry = enforce" },
	{ "old by issuer rule, expired", ISSUER, OLD, "x@far.example", NULL,
	    ACT_REJECT, "expired", "not relayed", NULL },
	{ "old expired: local still", PINS, OLD, "x@local.example", NULL,
	    ACT_DUNNO, "local", "", "expired on" },
	{ "old expired: AUTH still", PINS, OLD, "x@far.example", "PLAIN",
	    ACT_RELAY, "auth", "", NULL },
	{ "old expired, warn", PINS "pin_expiry = warn\n", OLD,
	    "x@far.example", NULL, ACT_RELAY, "fingerprint", "",
	    "pin_expiry = warn" },
	{ "soon: still valid", ISSUER, SOON, "x@far.example", NULL,
	    ACT_RELAY, "issuer", "", NULL },
	{ "stale CRL", PINS "crl_files = stale.crl\n", ALICE,
	    "x@far.example", NULL, ACT_TEMPFAIL, "crl-stale",
	    "451 4.7.1 Revocation list", "crl_stale = tempfail" },
	{ "stale CRL, local", PINS "crl_files = stale.crl\n", ALICE,
	    "x@local.example", NULL, ACT_DUNNO, "local", "", NULL },
	{ "stale CRL ignored", PINS "crl_files = stale.crl\n"
	    "crl_stale = ignore\n", ALICE, "x@far.example", NULL, ACT_RELAY,
	    "fingerprint", "", "crl_stale = ignore" },
	{ "stale and fresh CRLs", PINS "crl_files = stale.crl, bob.crl\n",
	    ALICE, "x@far.example", NULL, ACT_RELAY, "fingerprint", "", NULL },
	{ "bob's key pinned, thief's cert, no CRL", KEYS, THIEF,
	    "x@far.example", NULL, ACT_RELAY, "fingerprint", "", NULL },
	{ "bob's key pinned, thief's cert, bob revoked", KEYS
	    "crl_files = bob.crl\n", THIEF, "x@far.example", NULL, ACT_REJECT,
	    "revoked", "550 5.7.1 Client certificate's key is a revoked",
	    "public key of a revoked index certificate" },
	{ "carol's key pinned, carol revoked", KEYS "crl_files = carol.crl\n",
	    CAROL, "x@far.example", NULL, ACT_REJECT, "revoked", "revoked on",
	    NULL },
	{ "carol's key pinned, renewal valid", KEYS "crl_files = carol.crl\n",
	    CAROL2, "x@far.example", NULL, ACT_RELAY, "fingerprint", "", NULL },
};

START_TEST(test_decide_life)
{
	struct engine *e;
	struct decision dec;
	struct diag d;
	char note[256], reply[DECIDE_REPLY_MAX];

	ck_assert_msg(engine_open(conf(cases[_i].conf), &e, &d) == 0,
	    "case %s: %s:%d: %s", cases[_i].name, d.file, d.line, d.what);
	ask(e, cases[_i].cert, cases[_i].rcpt, cases[_i].auth, &dec, note,
	    sizeof(note));
	decide_reply(&dec, reply, sizeof(reply));
	ck_assert_msg(dec.action == cases[_i].want &&
	    strcmp(decide_kind_name(dec.kind), cases[_i].kind) == 0 &&
	    (cases[_i].reply[0] ? strstr(reply, cases[_i].reply) != NULL :
	    reply[0] == 0) && (cases[_i].note == NULL ||
	    strstr(note, cases[_i].note) != NULL),
	    "case %s: got %s %s \"%s\" note \"%s\", want %s %s \"%s\" \"%s\"",
	    cases[_i].name, action_name(dec.action),
	    decide_kind_name(dec.kind), reply, note,
	    action_name(cases[_i].want), cases[_i].kind, cases[_i].reply,
	    cases[_i].note ? cases[_i].note : "");
	engine_close(e);
}
END_TEST

/* policy_answer - Postfix hears the refusal's reply */
START_TEST(test_policy_answer)
{
	struct engine *e;
	struct decision dec;
	struct diag d;
	char note[256], out[1024];

	ck_assert(engine_open(conf(PINS "crl_files = bob.crl\n"), &e,
	    &d) == 0);
	ask(e, BOB, "x@far.example", NULL, &dec, note, sizeof(note));
	ck_assert(policy_answer(&dec, 0, "", "", out, sizeof(out)) > 0);
	ck_assert_msg(strncmp(out, "action=550 5.7.1 Client certificate "
	    "revoked on ", 47) == 0 && strstr(out, ", reason keyCompromise\n")
	    != NULL, "got %s", out);
	ask(e, OLD, "x@far.example", NULL, &dec, note, sizeof(note));
	ck_assert(policy_answer(&dec, 0, "", "", out, sizeof(out)) > 0);
	ck_assert_msg(strncmp(out, "action=550 5.7.1 Client certificate "
	    "expired on ", 47) == 0, "got %s", out);
	engine_close(e);
}
END_TEST

/* has_warning - one of e's warnings holds all of the parts */
static int
has_warning(const struct engine *e, const char *a, const char *b)
{
	const char *w;
	int i;

	for (i = 0; (w = engine_warning(e, i)) != NULL; i++)
		if (strstr(w, a) != NULL && strstr(w, b) != NULL)
			return 1;
	return 0;
}

START_TEST(test_warnings)
{
	struct engine *e;
	struct diag d;

	ck_assert(engine_open(conf(PINS "crl_files = bob.crl\n"), &e,
	    &d) == 0);
	ck_assert(has_warning(e, "old.pem: CN=Old,O=CNRS,C=FR", "expired on"));
	ck_assert(has_warning(e, "soon.pem: ", "expires on"));
	ck_assert(has_warning(e, "bob.pem: ", "revoked on"));
	ck_assert(!has_warning(e, "alice.pem", ""));
	engine_close(e);
	ck_assert(engine_open(conf(PINS "crl_files = stale.crl\n"
	    "expiry_warn_days = 0\n"), &e, &d) == 0);
	ck_assert(has_warning(e, "stale.crl: CRL past its nextUpdate",
	    "crl_stale = tempfail"));
	ck_assert(!has_warning(e, "soon.pem", ""));
	engine_close(e);
}
END_TEST

static const struct {
	const char *name, *conf, *want;
	int	line;
} error_cases[] = {
	{ "rogue signer", PINS "crl_files = rogue.crl\n",
	    "rogue.crl: CRL of \"CN=CNRS-Plus,O=CNRS,C=FR\" does not verify", 6 },
	{ "missing file", PINS "crl_files = bob.crl nothere.crl\n",
	    "nothere.crl: No such file", 6 },
};

START_TEST(test_open_errors)
{
	struct engine *e;
	struct diag d;

	diag_clear(&d);
	ck_assert(engine_open(conf(error_cases[_i].conf), &e, &d) == -1);
	ck_assert_msg(strstr(d.what, error_cases[_i].want) != NULL &&
	    (error_cases[_i].line == 0 || d.line == error_cases[_i].line),
	    "case %s: got %s:%d: %s", error_cases[_i].name, d.file, d.line,
	    d.what);
}
END_TEST

/* life_cb - cindex_each_life(): each record matches its certificate */
static int
life_cb(void *ctx, const struct cindex_life *l)
{
	int *seen = ctx, k;
	const unsigned char *p;
	ASN1_INTEGER *ser;
	X509_NAME *iss;
	unsigned char md[32], *der;
	unsigned int len;
	int n;

	p = l->serial;
	ck_assert((ser = d2i_ASN1_INTEGER(NULL, &p, (long)l->serial_len)) !=
	    NULL);
	for (k = 0; k < NINDEX; k++)
		if (ASN1_INTEGER_cmp(ser, X509_get0_serialNumber(fx.cert[k])) ==
		    0)
			break;
	ck_assert_msg(k < NINDEX, "a life record of no index certificate");
	ASN1_INTEGER_free(ser);
	seen[k]++;
	ck_assert(ASN1_TIME_cmp_time_t(X509_get0_notAfter(fx.cert[k]),
	    l->not_after) == 0 && ASN1_TIME_cmp_time_t(X509_get0_notBefore(
	    fx.cert[k]), l->not_before) == 0);
	p = l->issuer;
	ck_assert((iss = d2i_X509_NAME(NULL, &p, (long)l->issuer_len)) !=
	    NULL && X509_NAME_cmp(iss, X509_get_issuer_name(fx.cert[k])) == 0);
	X509_NAME_free(iss);
	der = NULL;		/* the DER SubjectPublicKeyInfo, as Postfix */
	ck_assert((n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(fx.cert[k]),
	    &der)) > 0 && EVP_Digest(der, (size_t)n, md, &len, EVP_sha256(),
	    NULL) && memcmp(md, l->pk[2], 32) == 0);
	OPENSSL_free(der);
	ck_assert(strstr(l->file, "/certs/") != NULL &&
	    strncmp(l->subject, "CN=", 3) == 0 && l->flags == CINDEX_VERIFIED);
	return 0;
}

/* the index's life records: what reloads read instead of certificates */
START_TEST(test_cindex_each_life)
{
	struct cindex *ci;
	struct diag d;
	int seen[NINDEX], k;

	memset(seen, 0, sizeof(seen));
	ck_assert(cindex_open(&ci, file("certs"), &d) == 0);
	ck_assert(cindex_each_life(ci, life_cb, seen, &d) == 0);
	for (k = 0; k < NINDEX; k++)
		ck_assert_msg(seen[k] == 1, "case %d: seen %d times", k,
		    seen[k]);
	cindex_close(ci);
}
END_TEST

/* copy - a file's bytes to another */
static void
copy(const char *from, const char *to)
{
	size_t len;
	char *text = tu_read(file(from), &len);

	ck_assert(text != NULL);
	tu_write(file(to), text);
	free(text);
}

/* decided - the action snap's engine in service takes for cert k */
static enum act
decided(struct snap *s, int k)
{
	struct snap_ref *ref = snap_get(s);
	struct decision dec;
	char note[256];

	ask(snap_engine(ref), k, "x@far.example", NULL, &dec, note,
	    sizeof(note));
	snap_put(s, ref);
	return dec.action;
}

/* a bad CRL at reload keeps the last good one; a good one is taken */
START_TEST(test_reload)
{
	struct snap *s;
	struct diag d;

	copy("bob.crl", "cur.crl");
	ck_assert(snap_init(&s, conf(PINS "crl_files = cur.crl\n"), &d) == 0);
	ck_assert(decided(s, ALICE) == ACT_RELAY);
	ck_assert(decided(s, BOB) == ACT_REJECT);
	copy("rogue.crl", "cur.crl");
	ck_assert(snap_reload(s, &d) == -1);
	ck_assert(strstr(d.what, "does not verify") != NULL);
	ck_assert(decided(s, ALICE) == ACT_RELAY);
	ck_assert(decided(s, BOB) == ACT_REJECT);
	copy("both.crl", "cur.crl");
	ck_assert(snap_reload(s, &d) == 1);
	ck_assert(decided(s, ALICE) == ACT_REJECT);
	snap_free(s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("certlife");
	TCase *tc;

	tc = tcase_create("certlife_apply");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	LOOP(tc, test_decide_life, cases);
	tcase_add_test(tc, test_policy_answer);
	suite_add_tcase(s, tc);
	tc = tcase_create("certlife_open");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_warnings);
	LOOP(tc, test_open_errors, error_cases);
	tcase_add_test(tc, test_reload);
	tcase_add_test(tc, test_cindex_each_life);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
