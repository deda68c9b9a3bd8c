/*
 * check_diag - diag_set(), diag_clear(), diag_str()
 */
#include <string.h>

#include "diag.h"
#include "testutil.h"

static const struct {
	const char *name;
	const char *file;
	int	line;
	const char *what;
	const char *want;
} str_cases[] = {
	{ "file line what", "relay_clientcerts", 12,
	    "31-byte fingerprint; expected 16, 20, 32 or 64",
	    "relay_clientcerts:12: 31-byte fingerprint; expected 16, 20, 32 "
	    "or 64" },
	{ "file no line", "/etc/certrelay/subjects.cdb", 0, "not a CDB file",
	    "/etc/certrelay/subjects.cdb: not a CDB file" },
	{ "what only", NULL, 0, "out of memory", "out of memory" },
	{ "line without file", NULL, 7, "bad", "bad" },
	{ "percent in what", "f", 1, "100% sure", "f:1: 100% sure" },
};

START_TEST(test_diag_str)
{
	struct diag d;
	char buf[1024];

	diag_clear(&d);
	ck_assert_int_eq(diag_set(&d, str_cases[_i].file, str_cases[_i].line,
	    "%s", str_cases[_i].what), -1);
	diag_str(&d, buf, sizeof(buf));
	ck_assert_msg(strcmp(buf, str_cases[_i].want) == 0,
	    "case %s: got \"%s\", want \"%s\"", str_cases[_i].name, buf,
	    str_cases[_i].want);
}
END_TEST

START_TEST(test_diag_str_truncates)
{
	struct diag d;
	char buf[8];

	diag_set(&d, "a-long-file-name", 123, "and a long reason");
	diag_str(&d, buf, sizeof(buf));
	ck_assert_msg(strlen(buf) == 7, "case truncate: got %zu bytes, want 7",
	    strlen(buf));
}
END_TEST

START_TEST(test_diag_set)
{
	struct diag d;
	char big[DIAG_WHAT_MAX * 2];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	ck_assert_int_eq(diag_set(&d, big, 3, "%s", big), -1);
	ck_assert_msg(strlen(d.what) == DIAG_WHAT_MAX - 1,
	    "case long what: got %zu bytes, want %d", strlen(d.what),
	    DIAG_WHAT_MAX - 1);
	ck_assert_msg(strlen(d.file) == DIAG_FILE_MAX - 1,
	    "case long file: got %zu bytes, want %d", strlen(d.file),
	    DIAG_FILE_MAX - 1);
	ck_assert_int_eq(d.line, 3);
	ck_assert_int_eq(diag_set(NULL, "f", 1, "no diag"), -1);
}
END_TEST

START_TEST(test_diag_clear)
{
	struct diag d;

	diag_set(&d, "f", 9, "x");
	diag_clear(&d);
	ck_assert_msg(d.file[0] == 0 && d.line == 0 && d.what[0] == 0,
	    "case clear: got \"%s\":%d:\"%s\", want empty", d.file, d.line,
	    d.what);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("diag");
	TCase *tc;

	tc = tcase_create("diag_str");
	LOOP(tc, test_diag_str, str_cases);
	tcase_add_test(tc, test_diag_str_truncates);
	suite_add_tcase(s, tc);
	tc = tcase_create("diag_set");
	tcase_add_test(tc, test_diag_set);
	suite_add_tcase(s, tc);
	tc = tcase_create("diag_clear");
	tcase_add_test(tc, test_diag_clear);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
