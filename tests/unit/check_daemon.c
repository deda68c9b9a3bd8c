/*
 * check_daemon - what both daemons do the same way at start
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "testutil.h"

/* the pid file is written, and replaced */
START_TEST(test_daemon_pidfile)
{
	char dir[TU_PATH_MAX], path[TU_PATH_MAX], want[32], *got;
	struct diag d;

	tu_mkdir(dir, sizeof(dir));
	tu_path(path, sizeof(path), dir, "milter.pid");
	tu_write(path, "a much longer stale content\n");
	diag_clear(&d);
	ck_assert_int_eq(daemon_pidfile(path, &d), 0);
	snprintf(want, sizeof(want), "%ld\n", (long)getpid());
	got = tu_read(path, NULL);
	ck_assert_str_eq(got, want);
	free(got);
}
END_TEST

/* a symlink where the pid file goes is not followed: the file it points
 * at stays as it was */
START_TEST(test_daemon_pidfile_symlink)
{
	char dir[TU_PATH_MAX], path[TU_PATH_MAX], victim[TU_PATH_MAX], *got;
	struct diag d;

	tu_mkdir(dir, sizeof(dir));
	tu_path(path, sizeof(path), dir, "milter.pid");
	tu_path(victim, sizeof(victim), dir, "victim");
	tu_write(victim, "precious\n");
	ck_assert_int_eq(symlink(victim, path), 0);
	diag_clear(&d);
	ck_assert_int_eq(daemon_pidfile(path, &d), -1);
	ck_assert_msg(strstr(d.what, "symbolic link") != NULL, "got %s",
	    d.what);
	got = tu_read(victim, NULL);
	ck_assert_str_eq(got, "precious\n");
	free(got);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("daemon");
	TCase *tc;

	tc = tcase_create("daemon_pidfile");
	tcase_add_test(tc, test_daemon_pidfile);
	tcase_add_test(tc, test_daemon_pidfile_symlink);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
