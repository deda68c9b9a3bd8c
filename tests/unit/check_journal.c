/*
 * check_journal - journal_open(), journal_line(), journal_say(),
 * journal_flush(), journal_dropped(), journal_close(): lines to the
 * front-end's syslog function, or batched on a stream with the journal's
 * "<level>" prefix, never waiting for a stuck stream
 */
#include <fcntl.h>
#include <poll.h>
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
	struct journal *j;

	got_calls = 0;
	ck_assert_ptr_nonnull(j = journal_open(-1, fake_syslog));
	journal_line(j, LOG_INFO, "Q1: action=RELAY", 16);
	ck_assert_int_eq(got_calls, 1);
	ck_assert_int_eq(got_prio, LOG_INFO);
	ck_assert_str_eq(got_line, "Q1: action=RELAY");
	journal_say(j, LOG_WARNING, "warning: %s %d", "closing", 3);
	ck_assert_int_eq(got_calls, 2);
	ck_assert_int_eq(got_prio, LOG_WARNING);
	ck_assert_str_eq(got_line, "warning: closing 3");
	journal_line(j, LOG_INFO, "subject=\"CN=100%s sure\"", 23);
	ck_assert_str_eq(got_line, "subject=\"CN=100%s sure\"");	/* data */
	journal_flush(j);		/* nothing gathered: no call */
	ck_assert_int_eq(got_calls, 3);
	journal_close(j);
}
END_TEST

START_TEST(test_journal_stream_batched)
{
	struct journal *j;
	char out[4096];
	int fds[2];

	open_pipe(fds);
	got_calls = 0;
	ck_assert_ptr_nonnull(j = journal_open(fds[1], fake_syslog));
	journal_line(j, LOG_INFO, "Q1: action=RELAY", 16);
	journal_say(j, LOG_WARNING, "warning: %s", "clear AUTH");
	journal_line(j, LOG_ERR, "error: x", 8);
	ck_assert_msg(drain(fds[0], out, sizeof(out)) == 0,
	    "written before a flush: \"%s\"", out);
	journal_flush(j);
	drain(fds[0], out, sizeof(out));
	ck_assert_str_eq(out, "<6>Q1: action=RELAY\n<4>warning: clear AUTH\n"
	    "<3>error: x\n");
	ck_assert_int_eq(got_calls, 0);
	journal_flush(j);		/* nothing new: nothing written */
	ck_assert_uint_eq(drain(fds[0], out, sizeof(out)), 0);
	journal_close(j);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* drain_until - what the journal's writer has written, waiting up to 2 s
 * for at least want bytes (or for 0.2 s of silence when want is 0) */
static size_t
drain_until(int fd, char *buf, size_t size, size_t want)
{
	struct pollfd p = { fd, POLLIN, 0 };
	size_t len = 0;
	int waited = 0;

	while (len + 1 < size && (want == 0 || len < want) && waited < 2000) {
		if (poll(&p, 1, want == 0 ? 200 : 10) == 0) {
			if (want == 0)
				break;
			waited += 10;
			continue;
		}
		len += drain(fd, buf + len, size - len);
	}
	buf[len] = 0;
	return len;
}

START_TEST(test_journal_stream_writes_at_16k)
{
	static char out[1 << 20];
	struct journal *j;
	char line[200];
	size_t len, want = 0;
	int fds[2], i;

	open_pipe(fds);
	ck_assert_ptr_nonnull(j = journal_open(fds[1], fake_syslog));
	memset(line, 'x', sizeof(line));
	/* 100 lines of 204 bytes: 20 400 bytes, over 16 KB: the journal's
	 * writer writes them without a flush */
	for (i = 0; i < 100; i++) {
		journal_line(j, LOG_INFO, line, sizeof(line));
		want += sizeof(line) + 4;
	}
	len = drain_until(fds[0], out, sizeof(out), 16384);
	ck_assert_msg(len >= 16384 && len <= want, "without a flush: %zu "
	    "bytes out of %zu, want the first 16 KB or so", len, want);
	journal_flush(j);
	len += drain(fds[0], out + len, sizeof(out) - len);
	ck_assert_uint_eq(len, want);
	ck_assert_msg(strncmp(out, "<6>xxx", 6) == 0 && out[203] == '\n' &&
	    strncmp(out + 204, "<6>x", 4) == 0, "lines not framed");
	ck_assert_uint_eq(journal_dropped(j), 0);
	journal_close(j);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* a stream that takes nothing (journald stuck) holds up no caller: the
 * lines past what the journal gathers are dropped, counted, and said at
 * the next write; every other line arrives whole and in order */
START_TEST(test_journal_stuck_stream_drops)
{
	static char out[4 << 20];
	struct journal *j;
	char line[200], *p, colon;
	unsigned long dropped, said, told = 0;
	size_t len, got = 0;
	int fds[2], i, n = 5000;

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_ge(fcntl(fds[1], F_SETPIPE_SZ, 4096), 4096);
	ck_assert_ptr_nonnull(j = journal_open(fds[1], fake_syslog));
	memset(line, 'x', sizeof(line));
	/* 1 MB while nobody reads: a caller that waited would never end */
	for (i = 0; i < n; i++)
		journal_line(j, LOG_INFO, line, sizeof(line));
	dropped = journal_dropped(j);
	ck_assert_msg(dropped > 0 && dropped < (unsigned long)n, "dropped "
	    "%lu of %d", dropped, n);
	len = drain_until(fds[0], out, sizeof(out), 0);
	/* room for what is left (under 16 KB), then write it */
	ck_assert_int_ge(fcntl(fds[1], F_SETPIPE_SZ, 1 << 20), 1 << 20);
	journal_flush(j);
	len += drain_until(fds[0], out + len, sizeof(out) - len, 0);
	/* whole lines, and where lines were dropped a note of how many */
	for (p = out; p < out + len; p = strchr(p, '\n') + 1) {
		if (strncmp(p, "<6>x", 4) == 0 && p + 203 < out + len &&
		    p[203] == '\n')
			got++;
		else if (sscanf(p, "<4>warning: %lu log lines dropped%c",
		    &said, &colon) == 2 && colon == ':')
			told += said;
		else
			ck_abort_msg("not a line: \"%.40s\"", p);
	}
	ck_assert_msg(got + dropped == (unsigned long)n, "%zu lines out and "
	    "%lu dropped, of %d", got, dropped, n);
	ck_assert_msg(told == dropped, "said %lu dropped, not %lu", told,
	    dropped);
	journal_close(j);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(test_journal_close_flushes)
{
	struct journal *j;
	char out[256];
	int fds[2];

	open_pipe(fds);
	ck_assert_ptr_nonnull(j = journal_open(fds[1], fake_syslog));
	journal_say(j, LOG_INFO, "stopped");
	journal_close(j);		/* the stream gets its lines */
	drain(fds[0], out, sizeof(out));
	ck_assert_str_eq(out, "<6>stopped\n");
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(test_journal_long_line_cut)
{
	static char line[10000], out[20000];
	struct journal *j;
	size_t len;
	int fds[2];

	open_pipe(fds);
	ck_assert_ptr_nonnull(j = journal_open(fds[1], fake_syslog));
	memset(line, 'y', sizeof(line) - 1);
	journal_line(j, LOG_INFO, line, sizeof(line) - 1);
	journal_flush(j);
	len = drain(fds[0], out, sizeof(out));
	ck_assert_uint_eq(len, 3 + 4096 + 1);	/* "<6>", 4096 bytes, "\n" */
	ck_assert_int_eq(out[len - 1], '\n');
	journal_close(j);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* a formatted value with a newline does not make a second line: -j
 * (journal on stderr) must not let a user name forge one */
START_TEST(test_journal_say_one_line)
{
	struct journal *j;
	int fds[2];
	char out[512];

	open_pipe(fds);
	ck_assert_ptr_nonnull(j = journal_open(fds[1], NULL));
	journal_say(j, LOG_WARNING, "warning: user=%s: x", "bob\n<6>forged\r");
	journal_flush(j);
	drain(fds[0], out, sizeof(out));
	ck_assert_str_eq(out, "<4>warning: user=bob?<6>forged?: x\n");
	journal_close(j);
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
	tcase_add_test(tc, test_journal_stuck_stream_drops);
	tcase_add_test(tc, test_journal_close_flushes);
	tcase_add_test(tc, test_journal_long_line_cut);
	tcase_add_test(tc, test_journal_say_one_line);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
