/*
 * check_ldaptab - the ldap_table(5) .cf parser, RFC 4515 escaping, and
 * what a directory that does not answer means (no server is needed: a
 * closed port on 127.0.0.1 is one that does not answer; the real slapd
 * is in tests/e2e/ldap.sh)
 */
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <ldap.h>

#include "decide.h"
#include "engine.h"
#include "ldaptab.h"
#include "table.h"
#include "testutil.h"

/* 127.0.0.1:1 (tcpmux) is closed on any test host: refused at once */
#define DEAD	"ldap://127.0.0.1:1"
#define BASE	"search_base = ou=people,dc=example,dc=org\n"	\
	"query_filter = (description=%s)\nresult_attribute = employeeType\n"

static const char *
write_cf(const char *name, const char *text, mode_t mode)
{
	static char path[TU_PATH_MAX];
	char dir[TU_PATH_MAX];

	tu_path(path, sizeof(path), tu_mkdir(dir, sizeof(dir)), name);
	tu_write(path, text);
	chmod(path, mode);
	return path;
}

static const struct {
	const char *name;
	const char *text;
	int	line;			/* 0: the file as a whole */
	const char *what;		/* NULL: loads */
} cf_cases[] = {
	{ "minimal", BASE, 0, NULL },
	{ "comments, continuation", "# c\n" BASE "server_host = ldap://a\n"
	    "  ldap://b:3890\n", 0, NULL },
	{ "no base", "query_filter = (a=%s)\nresult_attribute = x\n", 0,
	    "search_base is not set" },
	{ "no filter", "search_base = o=x\nresult_attribute = x\n", 0,
	    "query_filter and result_attribute must be set" },
	{ "filter without key", "search_base = o=x\nquery_filter = (a=b)\n"
	    "result_attribute = x\n", 0, "has no %s" },
	{ "filter other expansion", "search_base = o=x\n"
	    "query_filter = (a=%u)\nresult_attribute = x\n", 0,
	    "only %s and %% are expanded" },
	{ "filter unbalanced", "search_base = o=x\n"
	    "query_filter = (&(a=%s)\nresult_attribute = x\n", 0,
	    "unbalanced" },
	{ "filter no paren", "search_base = o=x\nquery_filter = a=%s\n"
	    "result_attribute = x\n", 0, "must start with (" },
	{ "two attributes", "search_base = o=x\nquery_filter = (a=%s)\n"
	    "result_attribute = x, y\n", 0, "one attribute" },
	{ "unknown", BASE "\nserver_hots = x\n", 5,
	    "unknown parameter \"server_hots\"" },
	{ "refused by name", BASE "domain = example.org\n", 4,
	    "domain: not supported" },
	{ "no equals", BASE "timeout 5\n", 4, "expected name = value" },
	{ "bad number", BASE "timeout = -1\n", 4, "is not a number" },
	{ "bad bool", BASE "start_tls = maybe\n", 4, "say yes or no" },
	{ "bad scope", BASE "scope = subtree\n", 4, "say sub, one or base" },
	{ "version 2", BASE "version = 2\n", 0, "only LDAPv3" },
	{ "both passwords", BASE "bind_pw = a\nbind_pw_file = /x\n", 0,
	    "say one" },
	{ "cache size 0", BASE "cache_size = 0\n", 0, "cache_size: 1 to" },
	{ "too many servers", BASE "server_host = a b c d e f g h i\n", 0,
	    "more than 8 servers" },
	{ "not a URI", BASE "server_host = http://x\n", 0,
	    "is not an LDAP URI" },
};

START_TEST(test_cf_load)
{
	struct ldaptab_cf cf;
	struct diag d;
	const char *path = write_cf("t.cf", cf_cases[_i].text, 0600);
	int r;

	r = ldaptab_cf_load(path, &cf, &d);
	if (cf_cases[_i].what == NULL)
		ck_assert_msg(r == 0, "case %s: got \"%s:%d: %s\", want load",
		    cf_cases[_i].name, d.file, d.line, d.what);
	else
		ck_assert_msg(r == -1 && d.line == cf_cases[_i].line &&
		    strstr(d.what, cf_cases[_i].what) != NULL &&
		    strcmp(d.file, path) == 0, "case %s: got %d \"%s:%d: %s\", "
		    "want line %d \"%s\"", cf_cases[_i].name, r, d.file,
		    d.line, d.what, cf_cases[_i].line, cf_cases[_i].what);
	ldaptab_cf_free(&cf);
}
END_TEST

/* defaults, and server_host's words as URIs (server_port applies to
 * the bare host names, wherever it is written) */
START_TEST(test_cf_values)
{
	struct ldaptab_cf cf;
	struct diag d;
	const char *path = write_cf("t.cf", BASE "server_host = ldap1, "
	    "ldap2:3890 ldaps://ldap3/\n  ldapi://%2Frun%2Fslapd\n"
	    "server_port = 1389\nscope = one\nbind = no\ntimeout = 3\n", 0600);

	ck_assert_msg(ldaptab_cf_load(path, &cf, &d) == 0, "load: %s", d.what);
	ck_assert_int_eq(cf.nuri, 4);
	ck_assert_str_eq(cf.uri[0], "ldap://ldap1:1389");
	ck_assert_str_eq(cf.uri[1], "ldap://ldap2:3890");
	ck_assert_str_eq(cf.uri[2], "ldaps://ldap3/");
	ck_assert_str_eq(cf.uri[3], "ldapi://%2Frun%2Fslapd");
	ck_assert_int_eq(cf.scope, LDAP_SCOPE_ONELEVEL);
	ck_assert_int_eq(cf.bind, 0);
	ck_assert_int_eq(cf.timeout, 3);
	ck_assert_int_eq(cf.cache_ttl, 60);
	ck_assert_int_eq(cf.cache_size, 1024);
	ck_assert_int_eq(cf.size_limit, 0);
	ck_assert_str_eq(cf.query_filter, "(description=%s)");
	ldaptab_cf_free(&cf);
	path = write_cf("t.cf", BASE, 0600);
	ck_assert_int_eq(ldaptab_cf_load(path, &cf, &d), 0);
	ck_assert_int_eq(cf.nuri, 1);
	ck_assert_str_eq(cf.uri[0], "ldap://localhost:389");
	ck_assert_int_eq(cf.scope, LDAP_SCOPE_SUBTREE);
	ldaptab_cf_free(&cf);
}
END_TEST

static const struct {
	const char *name;
	const char *key;
	size_t	len;
	const char *want;
} esc_cases[] = {
	{ "plain", "AB:CD:EF", 8, "AB:CD:EF" },
	{ "star", "*", 1, "\\2a" },
	{ "parens", "x)(uid=*", 8, "x\\29\\28uid=\\2a" },
	{ "backslash", "a\\5c", 4, "a\\5c5c" },
	{ "NUL", "a\0b", 3, "a\\00b" },
	{ "DN", "cn=jean dupont,o=cnrs,c=fr", 26,
	    "cn=jean dupont,o=cnrs,c=fr" },
	{ "control and 8-bit", "\n\x7f\xc3\xa9", 4, "\\0a\\7f\\c3\\a9" },
	{ "empty", "", 0, "" },
};

START_TEST(test_escape)
{
	char out[256];
	int n;

	n = ldaptab_escape(esc_cases[_i].key, esc_cases[_i].len, out,
	    sizeof(out));
	ck_assert_msg(n == (int)strlen(esc_cases[_i].want) &&
	    strcmp(out, esc_cases[_i].want) == 0, "case %s: got %d \"%s\", "
	    "want \"%s\"", esc_cases[_i].name, n, n < 0 ? "" : out,
	    esc_cases[_i].want);
}
END_TEST

/* no escape is ever cut in half: too small is an error */
START_TEST(test_escape_bounds)
{
	char out[4];

	ck_assert_int_eq(ldaptab_escape("abc", 3, out, sizeof(out)), 3);
	ck_assert_int_eq(ldaptab_escape("abcd", 4, out, sizeof(out)), -1);
	ck_assert_int_eq(ldaptab_escape("a*", 2, out, sizeof(out)), -1);
	ck_assert_int_eq(ldaptab_escape("*", 1, out, sizeof(out)), 3);
	ck_assert_int_eq(ldaptab_escape("", 0, out, 0), -1);
}
END_TEST

static const struct {
	const char *name;
	const char *tmpl;
	const char *key;
	size_t	len;
	const char *want;
} exp_cases[] = {
	{ "one key", "(description=%s)", "AB:CD", 5, "(description=AB:CD)" },
	{ "two keys", "(|(a=%s)(b=%s))", "k", 1, "(|(a=k)(b=k))" },
	{ "percent", "(a=100%%%s)", "k", 1, "(a=100%k)" },
	{ "injection", "(&(objectClass=person)(description=%s))",
	    "*)(objectClass=*", 16,
	    "(&(objectClass=person)(description="
	    "\\2a\\29\\28objectClass=\\2a))" },
	{ "NUL cuts nothing", "(a=%s)", "x\0*", 3, "(a=x\\00\\2a)" },
};

START_TEST(test_expand)
{
	char out[256];
	int n;

	n = ldaptab_expand(exp_cases[_i].tmpl, exp_cases[_i].key,
	    exp_cases[_i].len, out, sizeof(out));
	ck_assert_msg(n >= 0 && strcmp(out, exp_cases[_i].want) == 0,
	    "case %s: got %d \"%s\", want \"%s\"", exp_cases[_i].name, n,
	    n < 0 ? "" : out, exp_cases[_i].want);
	ck_assert_int_eq(ldaptab_expand(exp_cases[_i].tmpl,
	    exp_cases[_i].key, exp_cases[_i].len, out, 8), -1);
}
END_TEST

/* a secret readable by others is refused, with the fix in the message */
START_TEST(test_open_secrets)
{
	struct ldaptab *l;
	struct diag d;
	char cf[TU_PATH_MAX * 2], pw[TU_PATH_MAX], dir[TU_PATH_MAX];
	const char *path;

	tu_path(pw, sizeof(pw), tu_mkdir(dir, sizeof(dir)), "secret");
	tu_write(pw, "s3cret\n");
	chmod(pw, 0640);
	snprintf(cf, sizeof(cf), "%sbind_dn = cn=x\nbind_pw_file = %s\n",
	    BASE, pw);
	path = write_cf("t.cf", cf, 0644);
	ck_assert_int_eq(ldaptab_open(&l, path, &d), -1);
	ck_assert_msg(l == NULL && strcmp(d.file, pw) == 0 &&
	    strstr(d.what, "readable by group or others (mode 640)"),
	    "case pw file 640: got \"%s: %s\"", d.file, d.what);
	chmod(pw, 0600);
	ck_assert_msg(ldaptab_open(&l, path, &d) == 0, "case pw file 600: "
	    "got \"%s: %s\"", d.file, d.what);
	ck_assert_str_eq(ldaptab_conf(l)->bind_pw, "s3cret");
	ldaptab_close(l);
	path = write_cf("t.cf", BASE "bind_pw = inline\n", 0644);
	ck_assert_int_eq(ldaptab_open(&l, path, &d), -1);
	ck_assert_msg(strstr(d.what, "holds bind_pw but is readable"),
	    "case inline 644: got \"%s\"", d.what);
	chmod(path, 0600);
	ck_assert_int_eq(ldaptab_open(&l, path, &d), 0);
	ldaptab_close(l);
}
END_TEST

/* no server answers: an error naming each server, never "not found",
 * and never kept in the cache */
START_TEST(test_lookup_down)
{
	struct table *t;
	struct table_hit hit;
	struct diag d;
	char key[TABLE_KEY_MAX];
	size_t klen;
	unsigned long hits, misses;
	const char *path = write_cf("t.cf", BASE "server_host = " DEAD
	    " ldap://127.0.0.1:2\ntimeout = 2\n", 0600);
	char tpath[TU_PATH_MAX + 8];
	int k;

	snprintf(tpath, sizeof(tpath), "ldap:%s", path);
	ck_assert_msg(table_open(&t, tpath, TABLE_FINGERPRINT, &d) == 0,
	    "open: %s", d.what);
	ck_assert_int_eq(table_query_key(TABLE_FINGERPRINT, "AA:BB:CC:DD:EE:"
	    "FF:00:11:22:33:44:55:66:77:88:99", key, &klen, &d), 0);
	for (k = 0; k < 2; k++) {
		diag_clear(&d);
		ck_assert_int_eq(table_lookup(t, key, klen, NULL, &hit, &d),
		    -1);
		ck_assert_msg(strstr(d.what, DEAD ": bind: Can't contact LDAP "
		    "server; ldap://127.0.0.1:2: bind: Can't contact") &&
		    strcmp(d.file, path) == 0, "case down %d: got \"%s: %s\"",
		    k, d.file, d.what);
	}
	ldaptab_stats(table_ldap(t), &hits, &misses);
	ck_assert_msg(hits == 0 && misses == 2, "case down: %lu hits, %lu "
	    "misses", hits, misses);
	table_close(t);
}
END_TEST

static const struct {
	const char *key;
	int	kind;			/* -1: cannot tell */
} guess_cases[] = {
	{ "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99",
	    TABLE_FINGERPRINT },
	{ "pubkey:aabbccddeeff00112233445566778899", TABLE_FINGERPRINT },
	{ "CERTISSUER:/C=FR/O=CNRS/CN=CNRS-Plus", TABLE_ACCESS },
	{ "alice.martin@umr7503.example", TABLE_EMAIL },
	{ "CN=Alice Martin,O=CNRS", TABLE_SUBJECT },
	{ "/C=FR/O=CNRS/CN=x", TABLE_SUBJECT },
	{ "nokind", -1 },
};

/* certrelay query ldap:FILE.cf KEY without -t */
START_TEST(test_guess_key_kind)
{
	enum table_kind k = TABLE_NKINDS;
	int r = table_guess_key_kind(guess_cases[_i].key, &k);

	ck_assert_msg(guess_cases[_i].kind < 0 ? r == -1 :
	    r == 0 && (int)k == guess_cases[_i].kind, "case %s: got %d %d, "
	    "want %d", guess_cases[_i].key, r, (int)k, guess_cases[_i].kind);
}
END_TEST

struct hung {
	struct table *t;
	char	key[TABLE_KEY_MAX];
	size_t	klen;
	int	r;
	char	what[DIAG_WHAT_MAX];
};

static void *
hung_lookup(void *arg)
{
	struct hung *h = arg;
	struct table_hit hit;
	struct diag d;

	diag_clear(&d);
	h->r = table_lookup(h->t, h->key, h->klen, NULL, &hit, &d);
	snprintf(h->what, sizeof(h->what), "%s", d.what);
	return NULL;
}

/* a server that accepts (the kernel's backlog) and never answers:
 * every lookup fails with "Timed out", and lookups that queued for the
 * connection meanwhile fail at once instead of timing out in turn
 * (4 threads, timeout 1 s: about 1 s, not 4) */
START_TEST(test_lookup_hung)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct hung h[4];
	pthread_t th[4];
	struct timespec a, b;
	struct diag d;
	char cf[512], tpath[TU_PATH_MAX + 8];
	int fd, k;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	ck_assert(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    listen(fd, 16) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &sl) == 0);
	snprintf(cf, sizeof(cf), "%sserver_host = ldap://127.0.0.1:%d\n"
	    "timeout = 1\n", BASE, ntohs(sa.sin_port));
	snprintf(tpath, sizeof(tpath), "ldap:%s", write_cf("t.cf", cf, 0600));
	ck_assert_int_eq(table_open(&h[0].t, tpath, TABLE_FINGERPRINT, &d), 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (k = 0; k < 4; k++) {
		h[k].t = h[0].t;
		ck_assert_int_eq(table_query_key(TABLE_FINGERPRINT, "AA:BB:CC:"
		    "DD:EE:FF:00:11:22:33:44:55:66:77:88:99", h[k].key,
		    &h[k].klen, &d), 0);
		pthread_create(&th[k], NULL, hung_lookup, &h[k]);
	}
	for (k = 0; k < 4; k++) {
		pthread_join(th[k], NULL);
		ck_assert_msg(h[k].r == -1 && strstr(h[k].what, "Timed out"),
		    "case hung %d: got %d \"%s\"", k, h[k].r, h[k].what);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	ck_assert_msg(b.tv_sec - a.tv_sec < 3, "case hung: 4 lookups took "
	    "%lds, want about 1", (long)(b.tv_sec - a.tv_sec));
	table_close(h[0].t);
	close(fd);
}
END_TEST

/* the kinds an ldap table can be */
START_TEST(test_open_kinds)
{
	struct table *t;
	struct diag d;
	char tpath[TU_PATH_MAX + 8];

	snprintf(tpath, sizeof(tpath), "ldap:%s", write_cf("t.cf", BASE,
	    0600));
	ck_assert_int_eq(table_open(&t, tpath, TABLE_ATTRIBUTE, &d), -1);
	ck_assert_msg(strstr(d.what, "attribute tables cannot be ldap"),
	    "case attribute: %s", d.what);
	ck_assert_int_eq(table_open(&t, tpath, TABLE_NKINDS, &d), -1);
	ck_assert_msg(strstr(d.what, "say -t KIND"), "case any: %s", d.what);
	ck_assert_int_eq(table_open(&t, tpath, TABLE_SUBJECT, &d), 0);
	ck_assert_int_eq(table_kind(t), TABLE_SUBJECT);
	ck_assert_ptr_nonnull(table_ldap(t));
	table_close(t);
	ck_assert_int_eq(table_open(&t, "ldap:/nonexistent.cf",
	    TABLE_SUBJECT, &d), -1);
	ck_assert_msg(strstr(d.what, "No such file"), "case missing: %s",
	    d.what);
}
END_TEST

/* the decision for a pinned fingerprint when the directory is down:
 * 451 4.3.0, never a relay, never a 5xx */
START_TEST(test_decide_directory_down)
{
	struct engine *e;
	struct request r;
	struct decision out;
	struct diag d;
	char conf[TU_PATH_MAX * 2], dir[TU_PATH_MAX], cpath[TU_PATH_MAX];
	char stats[128];
	const char *cf = write_cf("t.cf", BASE "server_host = " DEAD "\n",
	    0600);

	snprintf(conf, sizeof(conf), "local_domains = local.example\n"
	    "gatekeeper = none\nfingerprint_table = ldap:%s\n", cf);
	tu_path(cpath, sizeof(cpath), tu_mkdir(dir, sizeof(dir)),
	    "certrelay.conf");
	tu_write(cpath, conf);
	ck_assert_msg(engine_open(cpath, &e, &d) == 0, "engine: %s:%d: %s",
	    d.file, d.line, d.what);
	request_init(&r);
	r.form = REQ_FORM_POSTFIX;
	r.fingerprint = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99";
	r.verify = VERIFY_FAIL;
	r.rcpt = "x@elsewhere.example";
	ck_assert_int_eq(decide(e, &r, STAGE_RCPT, &out, &d), 0);
	ck_assert_msg(out.action == ACT_TEMPFAIL &&
	    strcmp(out.code, "451") == 0 && strcmp(out.dsn, "4.3.0") == 0,
	    "case down: got %d %s %s", out.action, out.code, out.dsn);
	ck_assert_msg(strstr(d.what, DEAD ": bind: Can't contact") != NULL,
	    "case down: diag \"%s\"", d.what);
	engine_ldap_stats(e, stats, sizeof(stats));
	ck_assert_str_eq(stats, " ldap-cache-hits/misses: fingerprint=0/1");
	request_free(&r);
	engine_close(e);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ldaptab");
	TCase *tc;

	tc = tcase_create("ldaptab_cf_load");
	LOOP(tc, test_cf_load, cf_cases);
	tcase_add_test(tc, test_cf_values);
	suite_add_tcase(s, tc);
	tc = tcase_create("ldaptab_escape");
	LOOP(tc, test_escape, esc_cases);
	tcase_add_test(tc, test_escape_bounds);
	suite_add_tcase(s, tc);
	tc = tcase_create("ldaptab_expand");
	LOOP(tc, test_expand, exp_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("ldaptab_open");
	tcase_add_test(tc, test_open_secrets);
	tcase_add_test(tc, test_open_kinds);
	LOOP(tc, test_guess_key_kind, guess_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("ldaptab_lookup");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_lookup_down);
	tcase_add_test(tc, test_lookup_hung);
	tcase_add_test(tc, test_decide_directory_down);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
