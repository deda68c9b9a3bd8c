/*
 * check_journal - journal_open(), journal_line(), journal_say(),
 * journal_flush(): lines to the front-end's syslog function, or batched
 * on a stream with the journal's "<level>" prefix
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "journal.h"
#include "testutil.h"

static int got_prio;
static char got_line[8192];
static int got_calls;

static void
fake_syslog(int prio, const char *fmt, ...)
{
	va_list ap;

	got_prio = prio;
	va_start(ap, fmt);
	vsnprintf(got_line, sizeof(got_line), fmt, ap);
	va_end(ap);
	got_calls++;
}

/* drain - what is on the pipe now (non-blocking read end) */
static size_t
drain(int fd, char *buf, size_t size)
{
	ssize_t n;
	size_t len = 0;

	while (len + 1 < size && (n = read(fd, buf + len, size - len - 1)) > 0)
		len += (size_t)n;
	buf[len] = 0;
	return len;
}

/* a pipe whose read end does not block: fds[0] read, fds[1] the journal */
static void
open_pipe(int fds[2])
{
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_ge(fcntl(fds[1], F_SETPIPE_SZ, 1 << 20), 1 << 20);
}

START_TEST(test_journal_syslog)
{
	got_calls = 0;
	journal_open(-1, fake_syslog);
	journal_line(LOG_INFO, "Q1: action=RELAY", 16);
	ck_assert_int_eq(got_calls, 1);
	ck_assert_int_eq(got_prio, LOG_INFO);
	ck_assert_str_eq(got_line, "Q1: action=RELAY");
	journal_say(LOG_WARNING, "warning: %s %d", "closing", 3);
	ck_assert_int_eq(got_calls, 2);
	ck_assert_int_eq(got_prio, LOG_WARNING);
	ck_assert_str_eq(got_line, "warning: closing 3");
	journal_line(LOG_INFO, "subject=\"CN=100%s sure\"", 23);
	ck_assert_str_eq(got_line, "subject=\"CN=100%s sure\"");	/* data */
	journal_flush();		/* nothing gathered: no call */
	ck_assert_int_eq(got_calls, 3);
}
END_TEST

START_TEST(test_journal_stream_batched)
{
	char out[4096];
	int fds[2];

	open_pipe(fds);
	got_calls = 0;
	journal_open(fds[1], fake_syslog);
	journal_line(LOG_INFO, "Q1: action=RELAY", 16);
	journal_say(LOG_WARNING, "warning: %s", "clear AUTH");
	journal_line(LOG_ERR, "error: x", 8);
	ck_assert_msg(drain(fds[0], out, sizeof(out)) == 0,
	    "written before a flush: \"%s\"", out);
	journal_flush();
	drain(fds[0], out, sizeof(out));
	ck_assert_str_eq(out, "<6>Q1: action=RELAY\n<4>warning: clear AUTH\n"
	    "<3>error: x\n");
	ck_assert_int_eq(got_calls, 0);
	journal_flush();		/* nothing new: nothing written */
	ck_assert_uint_eq(drain(fds[0], out, sizeof(out)), 0);
	journal_open(-1, fake_syslog);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(test_journal_stream_writes_at_16k)
{
	static char out[1 << 20];
	char line[200];
	size_t len, want = 0;
	int fds[2], i;

	open_pipe(fds);
	journal_open(fds[1], fake_syslog);
	memset(line, 'x', sizeof(line));
	/* 100 lines of 204 bytes: 20 400 bytes, over 16 KB: one write */
	for (i = 0; i < 100; i++) {
		journal_line(LOG_INFO, line, sizeof(line));
		want += sizeof(line) + 4;
	}
	len = drain(fds[0], out, sizeof(out));
	ck_assert_msg(len >= 16384 && len < want, "without a flush: %zu "
	    "bytes out of %zu, want the first 16 KB or so", len, want);
	journal_flush();
	len += drain(fds[0], out + len, sizeof(out) - len);
	ck_assert_uint_eq(len, want);
	ck_assert_msg(strncmp(out, "<6>xxx", 6) == 0 && out[203] == '\n' &&
	    strncmp(out + 204, "<6>x", 4) == 0, "lines not framed");
	journal_open(-1, fake_syslog);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(test_journal_open_flushes)
{
	char out[256];
	int fds[2];

	open_pipe(fds);
	journal_open(fds[1], fake_syslog);
	journal_say(LOG_INFO, "stopped");
	journal_open(-1, fake_syslog);	/* the old stream gets its lines */
	drain(fds[0], out, sizeof(out));
	ck_assert_str_eq(out, "<6>stopped\n");
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(test_journal_long_line_cut)
{
	static char line[10000], out[20000];
	size_t len;
	int fds[2];

	open_pipe(fds);
	journal_open(fds[1], fake_syslog);
	memset(line, 'y', sizeof(line) - 1);
	journal_line(LOG_INFO, line, sizeof(line) - 1);
	journal_flush();
	len = drain(fds[0], out, sizeof(out));
	ck_assert_uint_eq(len, 3 + 4096 + 1);	/* "<6>", 4096 bytes, "\n" */
	ck_assert_int_eq(out[len - 1], '\n');
	journal_open(-1, fake_syslog);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* a formatted value with a newline does not make a second line: -j
 * (journal on stderr) must not let a user name forge one */
START_TEST(test_journal_say_one_line)
{
	int fds[2];
	char out[512];

	open_pipe(fds);
	journal_open(fds[1], NULL);
	journal_say(LOG_WARNING, "warning: user=%s: x", "bob\n<6>forged\r");
	journal_flush();
	drain(fds[0], out, sizeof(out));
	ck_assert_str_eq(out, "<4>warning: user=bob?<6>forged?: x\n");
	journal_open(-1, NULL);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("journal");
	TCase *tc;

	tc = tcase_create("journal");
	tcase_add_test(tc, test_journal_syslog);
	tcase_add_test(tc, test_journal_stream_batched);
	tcase_add_test(tc, test_journal_stream_writes_at_16k);
	tcase_add_test(tc, test_journal_open_flushes);
	tcase_add_test(tc, test_journal_long_line_cut);
	tcase_add_test(tc, test_journal_say_one_line);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
