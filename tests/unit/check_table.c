/*
 * check_table - postmap-style sources compiled to CDB, opened, looked up
 *
 * Sources are the admins' files as the seeds show them: a Postfix
 * relay_clientcerts (seed 000), a Sendmail access file (seed 001), a qmail
 * control/tlsclients (seed 003), and certrelay's own subject, issuer and
 * attribute tables.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include <cdb.h>

#include "dn.h"
#include "table.h"
#include "testutil.h"

#define MAXQ		8

#define CNRS_PLUS	"/C=FR/O=CNRS/CN=CNRS-Plus"
#define CNRS_STD	"/C=FR/O=CNRS/CN=CNRS-Standard"
#define FP1		"E1:3C:1A:C7:53:3F:B8:CB:1E:C2:99:F6:6B:88:84:C1"
#define FP2		"E1:3C:1A:C7:53:3F:B8:CB:1E:C2:99:F6:6B:88:84:C2"
#define FP3		"E1:3C:1A:C7:53:3F:B8:CB:1E:C2:99:F6:6B:88:84:C3"
#define FP4		"E1:3C:1A:C7:53:3F:B8:CB:1E:C2:99:F6:6B:88:84:C4"
#define FP5		"E1:3C:1A:C7:53:3F:B8:CB:1E:C2:99:F6:6B:88:84:C5"
#define FP6		"E1:3C:1A:C7:53:3F:B8:CB:1E:C2:99:F6:6B:88:84:C6"

/* dn_key - an admin's DN to its lookup key */
static void
dn_key(const char *text, char *key, size_t size)
{
	struct dn *dn;
	struct diag d;

	ck_assert_msg(dn_parse_any(text, strlen(text), &dn, &d) == 0,
	    "setup: DN \"%s\": %s", text, d.what);
	ck_assert(dn_format(dn, DN_KEY, key, size) == 0);
	dn_free(dn);
}

/* query_key - the lookup key; attribute keys are "issuer|type|value" */
static int
query_key(enum table_kind kind, const char *text, char *key, size_t *klen,
    struct diag *d)
{
	char buf[TABLE_KEY_MAX], ik[TABLE_KEY_MAX], *t, *v;

	if (kind != TABLE_ATTRIBUTE)
		return table_query_key(kind, text, key, klen, d);
	snprintf(buf, sizeof(buf), "%s", text);
	t = strchr(buf, '|');
	ck_assert(t != NULL);
	*t++ = 0;
	v = strchr(t, '|');
	ck_assert(v != NULL);
	*v++ = 0;
	dn_key(buf, ik, sizeof(ik));
	return table_attr_key(ik, t, v, strlen(v), key, klen);
}

/* compile_open - src (written to dir/name) compiled and opened */
static struct table *
compile_open(const char *dir, const char *name, const char *src,
    enum table_kind kind, struct diag *d)
{
	char path[TU_PATH_MAX], cdb[TU_PATH_MAX + 8];
	struct table *t = NULL;

	tu_path(path, sizeof(path), dir, name);
	snprintf(cdb, sizeof(cdb), "%s.cdb", path);
	tu_write(path, src);
	diag_clear(d);
	if (table_compile(path, kind, cdb, d) < 0)
		return NULL;
	if (table_open(&t, path, kind, d) < 0)
		return NULL;
	return t;
}

struct query {
	const char *key;		/* as an admin writes it */
	const char *scope;		/* issuer DN, or NULL */
	int	rc;
	enum act type;
	int	line;
	const char *text;
};

static const struct {
	const char *name;
	enum table_kind kind;
	const char *src;
	long	count;
	int	ignored, unscoped;
	struct query q[MAXQ];
} kind_cases[] = {
	{ "relay_clientcerts (seed 000)", TABLE_FINGERPRINT,
	    "E1:3C:1A:C7:53:3F:B8:CB:1E:C2:99:F6:6B:88:84:C9 "
	    "antenne.danang.vn.refer.org\n", 1, 0, 0, {
	    { "E1:3C:1A:C7:53:3F:B8:CB:1E:C2:99:F6:6B:88:84:C9", NULL, 1,
		ACT_RELAY, 1, "" },
	    { "e13c1ac7533fb8cb1ec299f66b8884c9", NULL, 1, ACT_RELAY, 1, "" },
	    { "md5:E13C1AC7533FB8CB1EC299F66B8884C9", NULL, 1, ACT_RELAY, 1,
		"" },
	    { "pubkey:E1:3C:1A:C7:53:3F:B8:CB:1E:C2:99:F6:6B:88:84:C9", NULL,
		0, 0, 0, NULL },
	    { "E1:3C:1A:C7:53:3F:B8:CB:1E:C2:99:F6:6B:88:84:C8", NULL, 0, 0, 0,
		NULL } } },
	{ "fingerprint actions", TABLE_FINGERPRINT,
	    "# revoked, whatever its issuer\n"
	    "9a:3f:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:11:12:13:14:15:16:"
	    "17:18:19:1a:1b:1c:1d:1e:1f:20 REJECT Revoked\n"
	    "\n"
	    "pubkey:sha256:0102030405060708090a0b0c0d0e0f10"
	    "1112131415161718191a1b1c1d1e1f20 RELAY\n"
	    "E13C1AC7533FB8CB1EC299F66B8884C9\n"
	    "0102030405060708090a0b0c0d0e0f1011121314 TEMPFAIL\n", 4, 0, 0, {
	    { "9A3F030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
		"20", NULL, 1, ACT_REJECT, 2, "Revoked" },
	    { "pubkey:0102030405060708090A0B0C0D0E0F101112131415161718191A1B"
		"1C1D1E1F20", NULL, 1, ACT_RELAY, 4, "" },
	    { "0102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
		"20", NULL, 0, 0, 0, NULL },
	    { "E1:3C:1A:C7:53:3F:B8:CB:1E:C2:99:F6:6B:88:84:C9", NULL, 1,
		ACT_RELAY, 5, "" },
	    { "01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:11:12:13:14",
		NULL, 1, ACT_TEMPFAIL, 6, "" } } },
	/* relay_clientcerts free text that only looks like an action
	 * still means RELAY, as Postfix reads it */
	{ "fingerprint free text", TABLE_FINGERPRINT,
	    FP1 " host.name\n"
	    FP2 " antenne.danang.vn.refer.org\n"
	    FP3 " Alice's laptop\n"
	    FP4 " Okinawa office (reject list server)\n"
	    FP5 " 2024 laptop, 10.0.0.1\n"
	    FP6 " relay.example.org\n", 6, 0, 0, {
	    { FP1, NULL, 1, ACT_RELAY, 1, "" },
	    { FP2, NULL, 1, ACT_RELAY, 2, "" },
	    { FP3, NULL, 1, ACT_RELAY, 3, "" },
	    { FP4, NULL, 1, ACT_RELAY, 4, "" },
	    { FP5, NULL, 1, ACT_RELAY, 5, "" },
	    { FP6, NULL, 1, ACT_RELAY, 6, "" } } },
	{ "subject", TABLE_SUBJECT,
	    "/C=FR/O=CNRS/OU=UMR7503/CN=Alice+20Martin RELAY\n"
	    "CN=Bob\\20Durand,O=CNRS,C=FR  REJECT Stolen laptop\n"
	    "CN=Carol,O=CNRS DUNNO\n", 3, 0, 3, {
	    { "CN=Alice\\20Martin,OU=UMR7503,O=CNRS,C=FR", NULL, 1, ACT_RELAY,
		1, "" },
	    { "cn=alice martin,ou=umr7503,o=cnrs,c=fr", NULL, 1, ACT_RELAY, 1,
		"" },
	    { "/C=FR/O=CNRS/CN=Bob+20Durand", NULL, 1, ACT_REJECT, 2,
		"Stolen laptop" },
	    { "CN=Carol,O=CNRS", NULL, 1, ACT_DUNNO, 3, "" },
	    { "CN=Alice\\20Martin", NULL, 0, 0, 0, NULL } } },
	{ "issuer", TABLE_ISSUER,
	    CNRS_PLUS "      RELAY\n"
	    "CN=CNRS-Standard,O=CNRS,C=FR RELAY\n"
	    "CN=Evil\\20CA,O=Evil ERROR:5.7.1:550 Not our CA\n", 3, 0, 0, {
	    { "CN=CNRS-Plus,O=CNRS,C=FR", NULL, 1, ACT_RELAY, 1, "" },
	    { CNRS_STD, NULL, 1, ACT_RELAY, 2, "" },
	    { "/O=Evil/CN=Evil+20CA", NULL, 1, ACT_ERROR, 3, "Not our CA" },
	    { "/C=FR/O=CNRS", NULL, 0, 0, 0, NULL } } },
	{ "qmail tlsclients (seed 003)", TABLE_EMAIL,
	    "alice.martin@umr7503.example\n"
	    "Bob.Durand@UMR7503.example\n", 2, 0, 2, {
	    { "alice.martin@umr7503.example", NULL, 1, ACT_RELAY, 1, "" },
	    { "ALICE.MARTIN@umr7503.example", NULL, 1, ACT_RELAY, 1, "" },
	    { "bob.durand@umr7503.example", NULL, 1, ACT_RELAY, 2, "" },
	    { "carol@umr7503.example", NULL, 0, 0, 0, NULL } } },
	{ "email with actions", TABLE_EMAIL,
	    "alice@x.example issuer=" CNRS_PLUS " RELAY\n"
	    "mallory@x.example REJECT\n", 2, 0, 1, {
	    { "alice@x.example", CNRS_PLUS, 1, ACT_RELAY, 1, "" },
	    { "alice@x.example", CNRS_STD, 0, 0, 0, NULL },
	    { "alice@x.example", NULL, 0, 0, 0, NULL },
	    { "mallory@x.example", CNRS_STD, 1, ACT_REJECT, 2, "" } } },
	{ "sendmail access (seed 001)", TABLE_ACCESS,
	    "# /etc/mail/access\n"
	    "Connect:10.0.0 RELAY\n"
	    "CERTISSUER:" CNRS_PLUS "      RELAY\n"
	    "CERTISSUER:" CNRS_STD " RELAY\n"
	    "From:spam@x REJECT\n"
	    "CERTISSUER:/C=FR/O=Lab/CN=Lab+20CA SUBJECT\n"
	    "CERTSUBJECT:/C=FR/O=Lab/CN=Alice+20Martin RELAY\n"
	    "certissuer:/C=FR/O=Other/CN=Other VERIFY\n", 5, 2, 0, {
	    { "CERTISSUER:CN=CNRS-Plus,O=CNRS,C=FR", NULL, 1, ACT_RELAY, 3,
		"" },
	    { "CERTISSUER:" CNRS_STD, NULL, 1, ACT_RELAY, 4, "" },
	    { "CERTISSUER:/C=FR/O=Lab/CN=Lab+20CA", NULL, 1, ACT_SUBJECT, 6,
		"" },
	    { "CERTSUBJECT:CN=Alice\\20Martin,O=Lab,C=FR", NULL, 1, ACT_RELAY,
		7, "" },
	    { "CERTISSUER:/C=FR/O=Other/CN=Other", NULL, 1, ACT_DUNNO, 8, "" },
	    { "CERTISSUER:/C=FR/O=CNRS", NULL, 0, 0, 0, NULL } } },
	{ "attribute", TABLE_ATTRIBUTE,
	    "issuer=" CNRS_PLUS " attr=OU value=UMR7503 RELAY\n"
	    "issuer=CN=CNRS-Plus,O=CNRS,C=FR attr=ou value=umr\\205800 "
	    "REJECT Closed\n"
	    "issuer=" CNRS_STD " attr=emailAddress value=boss@x.example "
	    "RELAY\n",
	    3, 0, 0, {
	    { CNRS_PLUS "|OU|UMR7503", NULL, 1, ACT_RELAY, 1, "" },
	    { CNRS_PLUS "|OU|umr7503", NULL, 1, ACT_RELAY, 1, "" },
	    { CNRS_PLUS "|OU|UMR 5800", NULL, 1, ACT_REJECT, 2, "Closed" },
	    { CNRS_STD "|OU|UMR7503", NULL, 0, 0, 0, NULL },
	    { CNRS_STD "|emailAddress|boss@x.example", NULL, 1, ACT_RELAY, 3,
		"" } } },
	{ "continuation lines and comments", TABLE_SUBJECT,
	    "# subjects\n"
	    "\n"
	    "/C=FR/O=CNRS/CN=Alice\n"
	    "\tRELAY\n"
	    "   # an indented comment does not end the line\n"
	    "/C=FR/O=CNRS/CN=Bob\n"
	    "  REJECT Gone\n"
	    "  away\r\n"
	    "CN=Carol,O=CNRS RELAY   \n", 3, 0, 3, {
	    { "CN=Alice,O=CNRS,C=FR", NULL, 1, ACT_RELAY, 3, "" },
	    { "CN=Bob,O=CNRS,C=FR", NULL, 1, ACT_REJECT, 6, "Gone away" },
	    { "CN=Carol,O=CNRS", NULL, 1, ACT_RELAY, 9, "" } } },
	{ "scoped subjects", TABLE_SUBJECT,
	    "CN=Alice\\20Martin issuer=" CNRS_PLUS " RELAY\n"
	    "CN=Alice\\20Martin REJECT Not under this CA\n"
	    "CN=Dave issuer=CN=CNRS-Standard,O=CNRS,C=FR RELAY\n", 3, 0, 1, {
	    { "CN=Alice\\20Martin", CNRS_PLUS, 1, ACT_RELAY, 1, "" },
	    { "CN=Alice\\20Martin", CNRS_STD, 1, ACT_REJECT, 2,
		"Not under this CA" },
	    { "CN=Alice\\20Martin", NULL, 1, ACT_REJECT, 2,
		"Not under this CA" },
	    { "CN=Dave", CNRS_STD, 1, ACT_RELAY, 3, "" },
	    { "CN=Dave", CNRS_PLUS, 0, 0, 0, NULL },
	    { "CN=Dave", NULL, 0, 0, 0, NULL } } },
	{ "attribute issuer with an escaped comma", TABLE_ATTRIBUTE,
	    "issuer=CN=Lab\\2C\\20Inc,O=X attr=OU value=A RELAY\n", 1, 0, 0, {
	    { "CN=Lab\\, Inc,O=X|OU|A", NULL, 1, ACT_RELAY, 1, "" } } },
	{ "access ERROR as Sendmail writes it", TABLE_ACCESS,
	    "CERTISSUER:/C=FR/O=Evil/CN=Evil ERROR:550 Untrusted CA\n"
	    "CERTISSUER:" CNRS_PLUS " RELAY\n", 2, 0, 0, {
	    { "CERTISSUER:" CNRS_PLUS, NULL, 1, ACT_RELAY, 2, "" } } },
};

START_TEST(test_table_kinds)
{
	char dir[TU_PATH_MAX], key[TABLE_KEY_MAX], sk[TABLE_KEY_MAX];
	const char *scopes[2];
	const struct query *q;
	struct table_hit hit;
	struct table *t;
	struct diag d;
	size_t klen;
	int k, rc;

	tu_mkdir(dir, sizeof(dir));
	t = compile_open(dir, "table", kind_cases[_i].src, kind_cases[_i].kind,
	    &d);
	ck_assert_msg(t != NULL, "case %s: got error %s:%d: %s, want it to "
	    "load", kind_cases[_i].name, d.file, d.line, d.what);
	ck_assert_msg(table_count(t) == kind_cases[_i].count,
	    "case %s: got %ld records, want %ld", kind_cases[_i].name,
	    table_count(t), kind_cases[_i].count);
	ck_assert_msg(table_ignored(t) == kind_cases[_i].ignored,
	    "case %s: got %d ignored, want %d", kind_cases[_i].name,
	    table_ignored(t), kind_cases[_i].ignored);
	ck_assert_msg(table_unscoped(t) == kind_cases[_i].unscoped,
	    "case %s: got %d unscoped, want %d", kind_cases[_i].name,
	    table_unscoped(t), kind_cases[_i].unscoped);
	for (k = 0; k < MAXQ && kind_cases[_i].q[k].key; k++) {
		q = &kind_cases[_i].q[k];
		ck_assert_msg(query_key(kind_cases[_i].kind, q->key, key, &klen,
		    &d) == 0, "case %s/%d: key \"%s\": %s",
		    kind_cases[_i].name, k, q->key, d.what);
		scopes[0] = NULL;
		if (q->scope) {
			dn_key(q->scope, sk, sizeof(sk));
			scopes[0] = sk;
		}
		scopes[1] = NULL;
		memset(&hit, 0, sizeof(hit));
		rc = table_lookup(t, key, klen, scopes, &hit, &d);
		ck_assert_msg(rc == q->rc, "case %s/%d \"%s\": got %d, want %d",
		    kind_cases[_i].name, k, q->key, rc, q->rc);
		if (rc != 1)
			continue;
		ck_assert_msg(hit.act.type == q->type && hit.line == q->line &&
		    strcmp(hit.act.text, q->text) == 0,
		    "case %s/%d \"%s\": got %s line %d \"%s\", want %s line %d "
		    "\"%s\"", kind_cases[_i].name, k, q->key,
		    action_name(hit.act.type), hit.line, hit.act.text,
		    action_name(q->type), q->line, q->text);
		ck_assert_msg(hit.table &&
		    strcmp(hit.table, table_path(t)) == 0,
		    "case %s/%d: hit.table \"%s\"", kind_cases[_i].name, k,
		    hit.table);
	}
	table_close(t);
}
END_TEST

/*
 * One bad line fails the whole table at that line; the compiled table in
 * service stays byte for byte, and no temporary file is left behind.
 */
static const struct {
	const char *name;
	enum table_kind kind;
	const char *good, *bad;
	int	line;
	const char *what;
} bad_cases[] = {
	{ "fingerprint 31 bytes", TABLE_FINGERPRINT,
	    "E1:3C:1A:C7:53:3F:B8:CB:1E:C2:99:F6:6B:88:84:C9 RELAY\n",
	    "E1:3C:1A:C7:53:3F:B8:CB:1E:C2:99:F6:6B:88:84:C9 RELAY\n"
	    "# a comment\n"
	    "9A3F030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F "
	    "RELAY\n", 3, "31-byte" },
	{ "fingerprint odd", TABLE_FINGERPRINT,
	    "E1:3C:1A:C7:53:3F:B8:CB:1E:C2:99:F6:6B:88:84:C9 RELAY\n",
	    "E13C1AC7533FB8CB1EC299F66B8884C RELAY\n", 1, "odd" },
	/* a value that looks like an action or an SMTP reply is one, or
	 * the table does not compile (it would have meant RELAY) */
	{ "fingerprint REJECT:", TABLE_FINGERPRINT, FP1 " host.name\n",
	    FP1 " host.name\n# the stolen one\n" FP2 " REJECT: stolen laptop\n",
	    3, "write \"REJECT stolen laptop\"" },
	{ "fingerprint SMTP reply", TABLE_FINGERPRINT, FP1 " host.name\n",
	    FP1 " host.name\n" FP2 " 550 5.7.1 stolen\n", 2,
	    "write \"ERROR:5.7.1:550 stolen\"" },
	{ "fingerprint DENY", TABLE_FINGERPRINT, FP1 " host.name\n",
	    FP1 " host.name\n\n\n" FP2 " DENY\n", 4,
	    "\"DENY\" is not a certrelay action; write REJECT" },
	{ "fingerprint ERROR 550", TABLE_FINGERPRINT, FP1 " host.name\n",
	    FP2 " ERROR 550 stolen\n", 1,
	    "write \"ERROR:550 stolen\"" },
	{ "fingerprint lower-case deny", TABLE_FINGERPRINT, FP1 " OK\n",
	    FP1 " OK\n" FP2 " deny, stolen\n", 2, "\"deny,\" is not a "
	    "certrelay action; write REJECT" },
	{ "fingerprint DEFER_IF_PERMIT", TABLE_FINGERPRINT, FP1 " OK\n",
	    FP1 " OK\n" FP2 " DEFER_IF_PERMIT later\n", 2,
	    "write TEMPFAIL" },
	{ "fingerprint enhanced status", TABLE_FINGERPRINT, FP1 " OK\n",
	    FP1 " OK\n" FP2 " 4.7.1 try later\n", 2,
	    "write \"ERROR:4.7.1:451 try later\"" },
	{ "fingerprint SUBJECT", TABLE_FINGERPRINT, FP1 " OK\n",
	    FP1 " OK\n" FP2 " SUBJECT\n", 2, "access file" },
	{ "fingerprint ERROR: bad", TABLE_FINGERPRINT, FP1 " OK\n",
	    FP1 " OK\n" FP2 " ERROR:stolen\n", 2, "ERROR wants" },
	{ "subject bad xtext", TABLE_SUBJECT, "CN=a RELAY\n",
	    "CN=a RELAY\n/C=FR/CN=x+2 RELAY\n", 2, "xtext" },
	{ "subject unknown action", TABLE_SUBJECT, "CN=a RELAY\n",
	    "CN=a RELAY\n\nCN=b RELAYY\n", 3, "unknown action" },
	{ "subject missing action", TABLE_SUBJECT, "CN=a RELAY\n",
	    "CN=a RELAY\nCN=b\n", 2, "missing action" },
	{ "subject unknown type", TABLE_SUBJECT, "CN=a RELAY\n",
	    "CN=a RELAY\nXX=b,O=c RELAY\n", 2, "unknown attribute type" },
	{ "subject bad scope", TABLE_SUBJECT, "CN=a RELAY\n",
	    "CN=a RELAY\nCN=b issuer=CN=x, RELAY\n", 2, "RFC 4514" },
	{ "issuer trailing comma", TABLE_ISSUER, "CN=a RELAY\n",
	    "CN=a RELAY\nCN=CNRS-Plus,O=CNRS, RELAY\n", 2, "RFC 4514" },
	{ "email not an address", TABLE_EMAIL, "a@b.example\n",
	    "a@b.example\nnot-an-address\n", 2, "not an e-mail address" },
	{ "attribute no attr=", TABLE_ATTRIBUTE,
	    "issuer=CN=a attr=OU value=b RELAY\n",
	    "issuer=CN=a attr=OU value=b RELAY\nissuer=CN=a value=b RELAY\n", 2,
	    "attr=" },
	{ "attribute unknown type", TABLE_ATTRIBUTE,
	    "issuer=CN=a attr=OU value=b RELAY\n",
	    "issuer=CN=a attr=OU value=b RELAY\n"
	    "issuer=CN=a attr=XX value=b RELAY\n", 2,
	    "unknown attribute type" },
	{ "access bad DN", TABLE_ACCESS, "CERTISSUER:" CNRS_PLUS " RELAY\n",
	    "Connect:x RELAY\nCERTISSUER:" CNRS_PLUS " RELAY\n"
	    "CERTISSUER:/C=FR/CN=a+2 RELAY\n", 3, "xtext" },
	{ "access bad action", TABLE_ACCESS, "CERTISSUER:" CNRS_PLUS " RELAY\n",
	    "CERTISSUER:" CNRS_PLUS " RELAY\nCERTSUBJECT:CN=a REJECT \001\n",
	    2, "control character" },
	{ "continuation first", TABLE_SUBJECT, "CN=a RELAY\n",
	    "  CN=a RELAY\n", 1, "continuation" },
	{ "control byte in the action", TABLE_SUBJECT, "CN=a RELAY\n",
	    "CN=a RELAY\nCN=b RE\x01LAY\n", 2, "unknown action" },
};

START_TEST(test_table_compile_bad)
{
	char dir[TU_PATH_MAX], src[TU_PATH_MAX], cdb[TU_PATH_MAX + 8];
	char *before, *after;
	size_t nb, na;
	struct diag d;
	int rc;

	tu_mkdir(dir, sizeof(dir));
	tu_path(src, sizeof(src), dir, "table");
	snprintf(cdb, sizeof(cdb), "%s.cdb", src);
	tu_write(src, bad_cases[_i].good);
	ck_assert_msg(table_compile(src, bad_cases[_i].kind, cdb, &d) == 0,
	    "case %s: the good table: %s", bad_cases[_i].name, d.what);
	before = tu_read(cdb, &nb);
	ck_assert(before != NULL);

	tu_write(src, bad_cases[_i].bad);
	diag_clear(&d);
	rc = table_compile(src, bad_cases[_i].kind, cdb, &d);
	ck_assert_msg(rc == -1, "case %s: got %d, want -1", bad_cases[_i].name,
	    rc);
	ck_assert_msg(d.line == bad_cases[_i].line,
	    "case %s: got d.line %d, want %d (%s)", bad_cases[_i].name, d.line,
	    bad_cases[_i].line, d.what);
	ck_assert_msg(strcmp(d.file, src) == 0, "case %s: got d.file \"%s\", "
	    "want \"%s\"", bad_cases[_i].name, d.file, src);
	ck_assert_msg(strstr(d.what, bad_cases[_i].what) != NULL,
	    "case %s: got \"%s\", want it to hold \"%s\"", bad_cases[_i].name,
	    d.what, bad_cases[_i].what);

	after = tu_read(cdb, &na);
	ck_assert_msg(after && na == nb && memcmp(before, after, nb) == 0,
	    "case %s: the compiled table changed", bad_cases[_i].name);
	ck_assert_msg(tu_count_names(dir, "tmp") == 0,
	    "case %s: a temporary file was left in %s", bad_cases[_i].name,
	    dir);
	free(before);
	free(after);
}
END_TEST

/* a NUL in the source is refused at its line */
START_TEST(test_table_compile_nul)
{
	char dir[TU_PATH_MAX], src[TU_PATH_MAX], cdb[TU_PATH_MAX + 8];
	struct diag d;
	FILE *fp;

	tu_mkdir(dir, sizeof(dir));
	tu_path(src, sizeof(src), dir, "table");
	snprintf(cdb, sizeof(cdb), "%s.cdb", src);
	fp = fopen(src, "w");
	fwrite("CN=a RELAY\nCN=b\0 RELAY\n", 1, 23, fp);
	fclose(fp);
	ck_assert_int_eq(table_compile(src, TABLE_SUBJECT, cdb, &d), -1);
	ck_assert_msg(d.line == 2 && strstr(d.what, "NUL"),
	    "case NUL: got %d \"%s\", want 2 \"NUL byte\"", d.line, d.what);
	ck_assert_msg(tu_count_names(dir, ".cdb") == 0,
	    "case NUL: a compiled table appeared");
}
END_TEST

START_TEST(test_table_compile_missing)
{
	char dir[TU_PATH_MAX], src[TU_PATH_MAX], cdb[TU_PATH_MAX + 8];
	struct diag d;

	tu_mkdir(dir, sizeof(dir));
	tu_path(src, sizeof(src), dir, "nothing");
	snprintf(cdb, sizeof(cdb), "%s.cdb", src);
	ck_assert_int_eq(table_compile(src, TABLE_SUBJECT, cdb, &d), -1);
	ck_assert_msg(strcmp(d.file, src) == 0 && strstr(d.what, "No such"),
	    "case missing: got %s: %s", d.file, d.what);
	ck_assert_int_eq(tu_count_names(dir, "tmp"), 0);
}
END_TEST

/* table_open: kind checked, missing compile said so */
START_TEST(test_table_open)
{
	char dir[TU_PATH_MAX], src[TU_PATH_MAX], cdb[TU_PATH_MAX + 8];
	struct table *t = (struct table *)&t;
	struct diag d;

	tu_mkdir(dir, sizeof(dir));
	tu_path(src, sizeof(src), dir, "subjects");
	snprintf(cdb, sizeof(cdb), "%s.cdb", src);
	tu_write(src, "CN=a RELAY\n");

	ck_assert_int_eq(table_open(&t, src, TABLE_SUBJECT, &d), -1);
	ck_assert_msg(t == NULL, "case not compiled: *tp not NULL");
	ck_assert_msg(strstr(d.what, "certrelay compile") != NULL,
	    "case not compiled: got \"%s\"", d.what);

	ck_assert_int_eq(table_compile(src, TABLE_SUBJECT, cdb, &d), 0);
	ck_assert_int_eq(table_open(&t, src, TABLE_ISSUER, &d), -1);
	ck_assert_msg(strstr(d.what, "compiled as a subject table") != NULL &&
	    strstr(d.what, "issuer") != NULL && strcmp(d.file, cdb) == 0,
	    "case kind mismatch: got %s: \"%s\"", d.file, d.what);

	tu_write(cdb, "this is not a CDB file at all, not even close to one."
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	ck_assert_int_eq(table_open(&t, src, TABLE_SUBJECT, &d), -1);

	table_close(NULL);
}
END_TEST

/* a source newer than its compiled table is noticed */
START_TEST(test_table_stale)
{
	char dir[TU_PATH_MAX], src[TU_PATH_MAX], cdb[TU_PATH_MAX + 8];
	struct utimbuf ut;
	struct table *t;
	struct stat st;
	struct diag d;

	tu_mkdir(dir, sizeof(dir));
	tu_path(src, sizeof(src), dir, "subjects");
	snprintf(cdb, sizeof(cdb), "%s.cdb", src);
	tu_write(src, "CN=a RELAY\n");
	ck_assert_int_eq(table_compile(src, TABLE_SUBJECT, cdb, &d), 0);
	ck_assert_int_eq(stat(cdb, &st), 0);
	ut.actime = ut.modtime = st.st_mtime - 100;
	ck_assert_int_eq(utime(src, &ut), 0);
	ck_assert_int_eq(table_open(&t, src, TABLE_SUBJECT, &d), 0);
	ck_assert_msg(table_stale(t) == 0, "case older source: got stale");
	table_close(t);
	ut.actime = ut.modtime = st.st_mtime + 100;
	ck_assert_int_eq(utime(src, &ut), 0);
	ck_assert_int_eq(table_open(&t, src, TABLE_SUBJECT, &d), 0);
	ck_assert_msg(table_stale(t) == 1, "case newer source: got not stale");
	table_close(t);
}
END_TEST

/* table_each_line: logical lines and the number of their first line */
struct seen {
	int	n;
	int	line[16];
	char	text[16][128];
};

static int
collect(void *ctx, char *line, size_t len, int lineno, struct diag *d)
{
	struct seen *s = ctx;

	(void)d;
	ck_assert(s->n < 16);
	ck_assert_msg(strlen(line) == len, "line %d: len %zu but strlen %zu",
	    lineno, len, strlen(line));
	s->line[s->n] = lineno;
	snprintf(s->text[s->n++], sizeof(s->text[0]), "%s", line);
	return 0;
}

START_TEST(test_table_each_line)
{
	static const char src[] =
	    "# comment\n"
	    "a 1\n"
	    "\n"
	    "b 2\n"
	    "  continued\n"
	    "\t# comment inside\n"
	    "\tand more   \n"
	    "   \n"
	    "c 3\r\n"
	    "d";
	static const struct { int line; const char *text; } want[] = {
	    { 2, "a 1" }, { 4, "b 2 continued and more" }, { 9, "c 3" },
	    { 10, "d" },
	};
	char dir[TU_PATH_MAX], path[TU_PATH_MAX];
	struct seen s;
	struct diag d;
	size_t k;

	memset(&s, 0, sizeof(s));
	tu_mkdir(dir, sizeof(dir));
	tu_path(path, sizeof(path), dir, "src");
	tu_write(path, src);
	ck_assert_int_eq(table_each_line(path, collect, &s, &d), 0);
	ck_assert_msg(s.n == (int)NELEM(want), "got %d lines, want %zu", s.n,
	    NELEM(want));
	for (k = 0; k < NELEM(want); k++)
		ck_assert_msg(s.line[k] == want[k].line &&
		    strcmp(s.text[k], want[k].text) == 0,
		    "case line %zu: got %d \"%s\", want %d \"%s\"", k,
		    s.line[k], s.text[k], want[k].line, want[k].text);
}
END_TEST

static int
fail_on_second(void *ctx, char *line, size_t len, int lineno, struct diag *d)
{
	(void)line;
	(void)len;
	if (++*(int *)ctx == 2)
		return diag_set(d, NULL, 0, "callback says no at %d", lineno);
	return 0;
}

START_TEST(test_table_each_line_error)
{
	char dir[TU_PATH_MAX], path[TU_PATH_MAX];
	struct diag d;
	int n = 0;

	tu_mkdir(dir, sizeof(dir));
	tu_path(path, sizeof(path), dir, "src");
	tu_write(path, "a\n# x\nb\n  b2\nc\n");
	ck_assert_int_eq(table_each_line(path, fail_on_second, &n, &d), -1);
	ck_assert_msg(d.line == 3 && strcmp(d.file, path) == 0 &&
	    strstr(d.what, "says no at 3"),
	    "case callback error: got %s:%d: %s", d.file, d.line, d.what);
}
END_TEST

static const struct {
	const char *first;
	int	rc;
	enum table_kind want;
} guess_cases[] = {
	{ "E1:3C:1A:C7:53:3F:B8:CB:1E:C2:99:F6:6B:88:84:C9 host\n", 0,
	    TABLE_FINGERPRINT },
	{ "# comment\nCERTISSUER:" CNRS_PLUS " RELAY\n", 0, TABLE_ACCESS },
	{ "Connect:10.0.0 RELAY\n", 0, TABLE_ACCESS },
	{ "alice@x.example\n", 0, TABLE_EMAIL },
	{ "issuer=" CNRS_PLUS " attr=OU value=x RELAY\n", 0, TABLE_ATTRIBUTE },
	{ CNRS_PLUS " RELAY\n", -1, 0 },
	{ "CN=x,O=y RELAY\n", -1, 0 },
};

START_TEST(test_table_guess_kind)
{
	char dir[TU_PATH_MAX], path[TU_PATH_MAX];
	enum table_kind k = TABLE_NKINDS;
	struct diag d;
	int rc;

	tu_mkdir(dir, sizeof(dir));
	tu_path(path, sizeof(path), dir, "t");
	tu_write(path, guess_cases[_i].first);
	rc = table_guess_kind(path, &k, &d);
	ck_assert_msg(rc == guess_cases[_i].rc, "case %d: got rc %d, want %d",
	    _i, rc, guess_cases[_i].rc);
	if (rc == 0)
		ck_assert_msg(k == guess_cases[_i].want, "case %d: got %s, "
		    "want %s", _i, table_kind_name(k),
		    table_kind_name(guess_cases[_i].want));
}
END_TEST

/* table_cn_keys: a table says whether a CN's key can be in it, so a
 * decision may skip that lookup; one that cannot tell says yes */
static const struct {
	const char *name;
	enum table_kind kind;
	const char *src;
	int	want;
} cn_key_cases[] = {
	{ "whole DNs only", TABLE_SUBJECT, CNRS_PLUS " RELAY\n"
	    "CN=a,O=b RELAY\n", 0 },
	{ "one CN, RFC 4514", TABLE_SUBJECT, "CN=a,O=b RELAY\n"
	    "CN=Postfix\\20User RELAY\n", 1 },
	{ "one CN, Sendmail form", TABLE_SUBJECT, "/CN=Postfix+20User RELAY\n",
	    1 },
	{ "escaped comma stays in the CN", TABLE_SUBJECT, "CN=a\\,O=b RELAY\n",
	    1 },
	{ "multi-valued RDN is not one CN", TABLE_SUBJECT, "CN=a+OU=b RELAY\n",
	    0 },
	{ "not a CN", TABLE_SUBJECT, "OU=a RELAY\n", 0 },
	{ "issuer CN", TABLE_ISSUER, "CN=CNRS-Plus RELAY\n", 1 },
	{ "issuer DN", TABLE_ISSUER, CNRS_PLUS " RELAY\n", 0 },
};

START_TEST(test_table_cn_keys)
{
	char dir[TU_PATH_MAX];
	struct table *t;
	struct diag d;

	tu_mkdir(dir, sizeof(dir));
	t = compile_open(dir, "t", cn_key_cases[_i].src, cn_key_cases[_i].kind,
	    &d);
	ck_assert_msg(t != NULL, "case %s: %s", cn_key_cases[_i].name, d.what);
	ck_assert_msg(table_cn_keys(t) == cn_key_cases[_i].want,
	    "case %s: got %d, want %d", cn_key_cases[_i].name,
	    table_cn_keys(t), cn_key_cases[_i].want);
	table_close(t);
}
END_TEST

/* a table compiled before CN keys were counted may hold one */
START_TEST(test_table_cn_keys_old)
{
	char dir[TU_PATH_MAX], src[TU_PATH_MAX], cdb[TU_PATH_MAX + 8];
	static const char meta[] = "1 subject 1 0 0";
	struct cdb_make cm;
	struct table *t;
	struct diag d;
	int fd;

	tu_mkdir(dir, sizeof(dir));
	tu_path(src, sizeof(src), dir, "subjects");
	snprintf(cdb, sizeof(cdb), "%s.cdb", src);
	tu_write(src, "CN=a,O=b RELAY\n");
	ck_assert((fd = open(cdb, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0);
	ck_assert(cdb_make_start(&cm, fd) == 0);
	ck_assert(cdb_make_add(&cm, "cn=a,o=b", 8, "1\t\tRELAY", 8) == 0);
	ck_assert(cdb_make_add(&cm, "\0certrelay", 10, meta,
	    sizeof(meta) - 1) == 0);
	ck_assert(cdb_make_finish(&cm) == 0);
	close(fd);
	ck_assert_msg(table_open(&t, src, TABLE_SUBJECT, &d) == 0, "%s",
	    d.what);
	ck_assert_int_eq(table_count(t), 1);
	ck_assert_msg(table_cn_keys(t) == 1, "case old meta: got no CN keys");
	table_close(t);
}
END_TEST

START_TEST(test_table_kind_names)
{
	enum table_kind k, back;

	for (k = 0; k < TABLE_NKINDS; k++) {
		ck_assert_int_eq(table_kind_parse(table_kind_name(k), &back),
		    0);
		ck_assert_msg(back == k, "case %s: got %d", table_kind_name(k),
		    back);
	}
	ck_assert_int_eq(table_kind_parse("regex", &back), -1);
}
END_TEST

START_TEST(test_table_attr_key)
{
	char key[TABLE_KEY_MAX], big[TABLE_KEY_MAX];
	size_t klen;

	ck_assert_int_eq(table_attr_key("cn=cnrs-plus,o=cnrs,c=fr", "OU",
	    "UMR7503", 7, key, &klen), 0);
	ck_assert_msg(klen == strlen(key) && strcmp(key,
	    "cn=cnrs-plus,o=cnrs,c=fr\001ou\001umr7503") == 0,
	    "case OU: got \"%s\"", key);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	ck_assert_int_eq(table_attr_key("cn=a", "OU", big, strlen(big), key,
	    &klen), -1);
}
END_TEST

static const struct {
	enum table_kind kind;
	const char *text;
	const char *what;
} query_error_cases[] = {
	{ TABLE_FINGERPRINT, "xyz", "hex" },
	{ TABLE_SUBJECT, "CN=a,", "RFC 4514" },
	{ TABLE_EMAIL, "nobody", "e-mail" },
	{ TABLE_ACCESS, "Connect:10.0.0", "CERTISSUER" },
	{ TABLE_ATTRIBUTE, "x", "certrelay check" },
};

START_TEST(test_table_query_key_errors)
{
	char key[TABLE_KEY_MAX];
	size_t klen;
	struct diag d;

	diag_clear(&d);
	ck_assert_int_eq(table_query_key(query_error_cases[_i].kind,
	    query_error_cases[_i].text, key, &klen, &d), -1);
	ck_assert_msg(strstr(d.what, query_error_cases[_i].what) != NULL,
	    "case %s: got \"%s\", want \"%s\"", query_error_cases[_i].text,
	    d.what, query_error_cases[_i].what);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("table");
	TCase *tc;

	tc = tcase_create("table_compile");
	LOOP(tc, test_table_kinds, kind_cases);
	LOOP(tc, test_table_compile_bad, bad_cases);
	tcase_add_test(tc, test_table_compile_nul);
	tcase_add_test(tc, test_table_compile_missing);
	suite_add_tcase(s, tc);
	tc = tcase_create("table_open");
	tcase_add_test(tc, test_table_open);
	tcase_add_test(tc, test_table_stale);
	LOOP(tc, test_table_cn_keys, cn_key_cases);
	tcase_add_test(tc, test_table_cn_keys_old);
	suite_add_tcase(s, tc);
	tc = tcase_create("table_each_line");
	tcase_add_test(tc, test_table_each_line);
	tcase_add_test(tc, test_table_each_line_error);
	suite_add_tcase(s, tc);
	tc = tcase_create("table_guess_kind");
	LOOP(tc, test_table_guess_kind, guess_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("table_kind_parse");
	tcase_add_test(tc, test_table_kind_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("table_attr_key");
	tcase_add_test(tc, test_table_attr_key);
	suite_add_tcase(s, tc);
	tc = tcase_create("table_query_key");
	LOOP(tc, test_table_query_key_errors, query_error_cases);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
