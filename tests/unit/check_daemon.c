/*
 * check_daemon - what both daemons do the same way at start
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
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

static char own_got[16];
static int own_refuses;			/* '?' ends the parse: status 3 */

/* own - the daemon's own options, noted */
static int
own(int ch, char *arg, struct daemon_opts *o)
{
	size_t n = strlen(own_got);

	if (ch == 'p')
		o->sock = arg;
	if (n + 1 < sizeof(own_got)) {
		own_got[n] = ch == -1 ? '.' : (char)ch;
		own_got[n + 1] = 0;
	}
	return ch == '?' && own_refuses ? 3 : -1;
}

/* the options both daemons have are taken; the daemon's own go to it,
 * then the end (-1, '.' here); an operand is a usage error */
START_TEST(test_daemon_parse)
{
	char *argv[] = { "d", "-f", "-c", "c.conf", "-p", "sock", "-q", "-j",
	    "-u", "mail", "-P", "pid", "-x", NULL };
	char *extra[] = { "d", "-c", "c.conf", "operand", NULL };
	const struct daemon_cmd cmd = { "certrelay-x", "c:p:u:P:fqj", own,
	    NULL, NULL, NULL, NULL };
	struct daemon_opts o;

	optind = 1;
	opterr = 0;
	own_got[0] = 0;
	ck_assert_int_eq(daemon_parse(13, argv, &cmd, &o), -1);
	ck_assert_str_eq(own_got, "p?.");
	ck_assert_str_eq(o.conf, "c.conf");
	ck_assert_str_eq(o.user, "mail");
	ck_assert_str_eq(o.pidfile, "pid");
	ck_assert_str_eq(o.sock, "sock");
	ck_assert(o.log.fg && o.log.quiet && o.log.stream);
	ck_assert_str_eq(o.log.name, "certrelay-x");
	optind = 1;
	own_got[0] = 0;
	own_refuses = 1;
	ck_assert_int_eq(daemon_parse(4, extra, &cmd, &o), 3);
	ck_assert_str_eq(own_got, "?");
}
END_TEST

static char got_ident[64];
static int got_option, got_facility, got_closes;

static void
fake_open(const char *ident, int option, int facility)
{
	snprintf(got_ident, sizeof(got_ident), "%s", ident);
	got_option = option;
	got_facility = facility;
}

static void
fake_close(void)
{
	got_closes++;
}

static void
fake_log(int prio, const char *fmt, ...)
{
	(void)prio, (void)fmt;
}

/* syslog as "name[pid]" (no LOG_PID), stderr too with -f unless -q */
START_TEST(test_daemon_log_open)
{
	struct daemon_opts o;
	struct journal *j;
	char want[64];

	memset(&o, 0, sizeof(o));
	o.log = (struct daemon_log){ "certrelay-x", 1, 0, 0, fake_open,
	    fake_close, fake_log };
	ck_assert_ptr_nonnull(j = daemon_log_open(NULL, &o.log));
	snprintf(want, sizeof(want), "certrelay-x[%ld]", (long)getpid());
	ck_assert_str_eq(got_ident, want);
	ck_assert_int_eq(got_option, LOG_PERROR);
	ck_assert_int_eq(got_facility, LOG_MAIL);
	o.log.quiet = 1;
	ck_assert_ptr_nonnull(j = daemon_log_open(j, &o.log));
	ck_assert_int_eq(got_option, 0);
	ck_assert_int_eq(got_closes, 2);
	journal_close(j);
}
END_TEST

/* a decision's error reaches the log with its table, line and why;
 * nothing is said when there was none */
START_TEST(test_daemon_say_diag)
{
	struct journal *j;
	struct diag d;
	char out[512];
	ssize_t n;
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_ptr_nonnull(j = journal_open(fds[1], NULL));
	diag_clear(&d);
	daemon_say_diag(j, "4XkLp1q", &d);
	diag_set(&d, "/etc/certrelay/issuers.cdb", 0, "read error");
	d.line = 7;
	daemon_say_diag(j, "4XkLp1q", &d);
	daemon_say_diag(j, "", &d);
	journal_close(j);
	n = read(fds[0], out, sizeof(out) - 1);
	ck_assert_int_gt(n, 0);
	out[n] = 0;
	ck_assert_str_eq(out, "<3>4XkLp1q: error: "
	    "/etc/certrelay/issuers.cdb:7: read error\n"
	    "<3>error: /etc/certrelay/issuers.cdb:7: read error\n");
	close(fds[0]);
	close(fds[1]);
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
	tcase_add_test(tc, test_daemon_parse);
	tcase_add_test(tc, test_daemon_log_open);
	tcase_add_test(tc, test_daemon_say_diag);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
