/*
 * journal - where the policy server's log lines go
 *
 * SYNOPSIS
 *	#include "journal.h"
 *
 *	void	journal_open(const char *ident, int mode);
 *	void	journal_line(int prio, const char *line, size_t len);
 *	void	journal_say(int prio, const char *fmt, ...);
 *	void	journal_flush(void);
 * DESCRIPTION
 *	JOURNAL_SYSLOG: one syslog(3) call a line, facility mail, the ident
 *	"ident[pid]" written once (LOG_PID costs a getpid() a line);
 *	JOURNAL_SYSLOG_STDERR: the same, copied to stderr (LOG_PERROR).
 *	JOURNAL_STREAM (-j): "<N>line\n" on stderr, N the syslog level, as
 *	systemd's journal reads a service's output (sd-daemon(3)); lines are
 *	gathered and written with one write(2) when 16 KB have gathered or
 *	journal_flush() is called: by the main loop every 0.1 s and at exit.
 *	So a line reaches the journal at most ~0.1 s after its decision,
 *	and under load one write(2) carries ~50 lines (~0.06 us a line,
 *	where one syslog(3) is a sendto(2) and glibc's formatting, 2-5 us;
 *	measured in bench/results). journal_open() again after a fork.
 *	Safe from any thread.
 * BUGS
 *	A daemon killed by a signal it cannot catch loses the lines of its
 *	last 0.1 s; the MTA's own log still has those transactions.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "journal.h"

#define FLUSH_AT	16384
#define LINE_MAX_	4096		/* longer lines are cut */

static int mode;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char buf[FLUSH_AT + LINE_MAX_ + 16];
static size_t len;

/* put - write what has gathered; called with the lock held */
static void
put(void)
{
	size_t off = 0;
	ssize_t n;

	/* nowhere to report a failed write but the stream itself: drop */
	while (off < len && ((n = write(2, buf + off, len - off)) > 0 ||
	    (n < 0 && errno == EINTR)))
		off += n > 0 ? (size_t)n : 0;
	len = 0;
}

/* journal_open - choose the destination; the pid goes into the ident */
void
journal_open(const char *ident, int m)
{
	static char id[64];

	mode = m;
	snprintf(id, sizeof(id), "%s[%ld]", ident, (long)getpid());
	closelog();
	if (mode != JOURNAL_STREAM)
		openlog(id, mode == JOURNAL_SYSLOG_STDERR ? LOG_PERROR : 0,
		    LOG_MAIL);
}

/* journal_line - one whole line, no formatting */
void
journal_line(int prio, const char *line, size_t n)
{
	if (mode != JOURNAL_STREAM) {
		syslog(prio, "%.*s", (int)n, line);
		return;
	}
	if (n > LINE_MAX_)
		n = LINE_MAX_;
	pthread_mutex_lock(&lock);
	buf[len++] = '<';
	buf[len++] = (char)('0' + (prio & 7));
	buf[len++] = '>';
	memcpy(buf + len, line, n);
	len += n;
	buf[len++] = '\n';
	if (len >= FLUSH_AT)
		put();
	pthread_mutex_unlock(&lock);
}

/* journal_say - a formatted line (start, reload, warnings: not per request) */
void
journal_say(int prio, const char *fmt, ...)
{
	char line[LINE_MAX_];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	journal_line(prio, line, (size_t)n < sizeof(line) ? (size_t)n :
	    sizeof(line) - 1);
}

/* journal_flush - write what has gathered now */
void
journal_flush(void)
{
	if (mode != JOURNAL_STREAM)
		return;
	pthread_mutex_lock(&lock);
	if (len > 0)
		put();
	pthread_mutex_unlock(&lock);
}
