/*
 * check_engine - one snapshot of a configuration and all its tables
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include "engine.h"
#include "table.h"
#include "testutil.h"

/* site - a directory with compiled tables and a configuration */
static void
site(char *dir, size_t size, char *conf, size_t csize)
{
	static const struct {
		const char *name;
		enum table_kind kind;
		const char *text;
	} t[] = {
		{ "fingerprints", TABLE_FINGERPRINT,
		    "E1:3C:1A:C7:53:3F:B8:CB:1E:C2:99:F6:6B:88:84:C9 "
		    "antenne.danang.vn.refer.org\n" },
		{ "subjects", TABLE_SUBJECT, "CN=a RELAY\nCN=b issuer=CN=x "
		    "RELAY\nCN=c REJECT\n" },
		{ "issuers", TABLE_ISSUER,
		    "/C=FR/O=CNRS/CN=CNRS-Plus RELAY\n" },
		{ "emails", TABLE_EMAIL, "a@x.example\n" },
		{ "attributes", TABLE_ATTRIBUTE,
		    "issuer=CN=x attr=OU value=y RELAY\n" },
		{ "access", TABLE_ACCESS, "Connect:10 RELAY\nFrom:a REJECT\n"
		    "CERTISSUER:/C=FR/O=CNRS/CN=CNRS-Plus RELAY\n" },
		{ "senders", TABLE_SENDER, "E1:3C:1A:C7:53:3F:B8:CB:1E:C2:99:"
		    "F6:6B:88:84:C9 a@x.example, @y.example\n" },
	};
	size_t k;

	tu_mkdir(dir, size);
	for (k = 0; k < NELEM(t); k++)
		tu_table(dir, t[k].name, t[k].text, t[k].kind);
	tu_table(dir, "regex", "/^CN=r/ RELAY\n/^CN=s/ issuer=CN=x RELAY\n",
	    TABLE_NKINDS);
	tu_path(conf, csize, dir, "certrelay.conf");
	tu_write(conf,
	    "fingerprint_table = fingerprints\n"
	    "subject_table = subjects\n"
	    "issuer_table = issuers\n"
	    "email_table = emails\n"
	    "attribute_table = attributes\n"
	    "access_table = access\n"
	    "sender_binding = table\n"
	    "sender_table = senders\n"
	    "regex_table = regex\n");
}

START_TEST(test_engine_open)
{
	char dir[TU_PATH_MAX], conf[TU_PATH_MAX];
	struct engine *e;
	struct diag d;
	const char *w;
	int k, unscoped = 0, ignored = 0;

	site(dir, sizeof(dir), conf, sizeof(conf));
	ck_assert_msg(engine_open(conf, &e, &d) == 0, "case open: %s:%d: %s",
	    d.file, d.line, d.what);
	for (k = 0; k < TABLE_NKINDS; k++)
		ck_assert_msg(engine_table(e, (enum table_kind)k) != NULL,
		    "case open: table %d not open", k);
	ck_assert(engine_table(e, TABLE_NKINDS) == NULL);
	ck_assert(engine_rx(e) != NULL && engine_cindex(e) == NULL &&
	    engine_conf(e) != NULL);
	ck_assert_str_eq(engine_header_name(e), engine_conf(e)->header_name);
	for (k = 0; (w = engine_warning(e, k)) != NULL; k++) {
		if (strstr(w, "subjects: 2 rules are not scoped") ||
		    strstr(w, "emails: 1 rules are not scoped") ||
		    strstr(w, "regex: 1 rules are not scoped"))
			unscoped++;
		if (strstr(w, "access: 2 lines"))
			ignored++;
	}
	ck_assert_msg(unscoped == 3 && ignored == 1, "case warnings: %d "
	    "unscoped, %d ignored among %d", unscoped, ignored, k);
	ck_assert(engine_warning(e, -1) == NULL);
	engine_close(e);
	engine_close(NULL);
}
END_TEST

START_TEST(test_engine_stale_warning)
{
	char dir[TU_PATH_MAX], conf[TU_PATH_MAX], path[TU_PATH_MAX];
	struct utimbuf ut;
	struct engine *e;
	struct diag d;
	int k, stale = 0;

	site(dir, sizeof(dir), conf, sizeof(conf));
	ut.actime = ut.modtime = time(NULL) + 100;
	ck_assert_int_eq(utime(tu_path(path, sizeof(path), dir, "issuers"),
	    &ut), 0);
	ck_assert_int_eq(engine_open(conf, &e, &d), 0);
	for (k = 0; engine_warning(e, k) != NULL; k++)
		if (strstr(engine_warning(e, k), "issuers is newer than its "
		    "compiled"))
			stale++;
	ck_assert_msg(stale == 1, "case stale: no warning among %d", k);
	engine_close(e);
}
END_TEST

/* all or nothing, and the error names the configuration line */
static const struct {
	const char *name;
	const char *conf;
	const char *file;		/* part of d.file */
	int	line;
	const char *what;
} error_cases[] = {
	{ "missing compiled table", "issuer_table = issuers\n"
	    "subject_table = nothing\n", "certrelay.conf", 2,
	    "certrelay compile" },
	{ "kind mismatch", "# x\n\nissuer_table = subjects\n", "certrelay.conf",
	    3, "compiled as a subject table" },
	{ "bad regex", "subject_table = subjects\nregex_table = badregex\n",
	    "badregex", 2, "pattern column" },
	{ "missing regex", "regex_table = nothing\n", "certrelay.conf", 1,
	    "No such" },
	{ "missing index", "cert_index = nothing\n", "certrelay.conf", 1,
	    "certrelay compile" },
	{ "bad configuration", "subject_table = subjects\nbogus = 1\n",
	    "certrelay.conf", 2, "unknown key" },
};

START_TEST(test_engine_errors)
{
	char dir[TU_PATH_MAX], conf[TU_PATH_MAX], path[TU_PATH_MAX];
	struct engine *e = (struct engine *)&e;
	struct diag d;

	site(dir, sizeof(dir), conf, sizeof(conf));
	tu_write(tu_path(path, sizeof(path), dir, "badregex"),
	    "/ok/ RELAY\n/bad(/ RELAY\n");
	tu_write(conf, error_cases[_i].conf);
	diag_clear(&d);
	ck_assert_int_eq(engine_open(conf, &e, &d), -1);
	ck_assert_msg(e == NULL, "case %s: *ep not NULL", error_cases[_i].name);
	ck_assert_msg(strstr(d.file, error_cases[_i].file) != NULL &&
	    d.line == error_cases[_i].line &&
	    strstr(d.what, error_cases[_i].what) != NULL,
	    "case %s: got %s:%d: %s, want *%s:%d: *%s*", error_cases[_i].name,
	    d.file, d.line, d.what, error_cases[_i].file, error_cases[_i].line,
	    error_cases[_i].what);
}
END_TEST

/* engine_changed: a replaced table or configuration is seen */
START_TEST(test_engine_changed)
{
	char dir[TU_PATH_MAX], conf[TU_PATH_MAX], path[TU_PATH_MAX];
	char cdb[TU_PATH_MAX + 8];
	unsigned long sig0, sig1, sig2;
	struct engine *e;
	struct diag d;

	site(dir, sizeof(dir), conf, sizeof(conf));
	ck_assert_int_eq(engine_open(conf, &e, &d), 0);
	ck_assert_msg(engine_changed(e, &sig0) == 0, "case fresh: changed");
	ck_assert_msg(engine_changed(e, &sig1) == 0 && sig0 == sig1,
	    "case fresh twice: signature moved");
	tu_path(path, sizeof(path), dir, "issuers");
	snprintf(cdb, sizeof(cdb), "%s.cdb", path);
	tu_write(path, "/C=FR/O=CNRS/CN=CNRS-Plus REJECT\n");
	ck_assert_int_eq(table_compile(path, TABLE_ISSUER, cdb, &d), 0);
	ck_assert_msg(engine_changed(e, &sig1) == 1 && sig1 != sig0,
	    "case recompiled: not seen");
	/* an editor's save: a new file renamed over the old one */
	tu_write(tu_path(path, sizeof(path), dir, "regex.new"), "/x/ RELAY\n");
	ck_assert_int_eq(rename(path, tu_path(cdb, sizeof(cdb), dir, "regex")),
	    0);
	ck_assert_msg(engine_changed(e, &sig2) == 1 && sig2 != sig1,
	    "case regex rewritten: not seen");
	engine_close(e);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("engine");
	TCase *tc;

	tc = tcase_create("engine_open");
	tcase_add_test(tc, test_engine_open);
	tcase_add_test(tc, test_engine_stale_warning);
	LOOP(tc, test_engine_errors, error_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("engine_changed");
	tcase_add_test(tc, test_engine_changed);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
