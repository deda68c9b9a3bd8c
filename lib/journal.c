/*
 * journal - where a daemon's log lines go: syslog, or batched to stderr
 *
 * SYNOPSIS
 *	#include "journal.h"
 *
 *	void	journal_open(int fd, journal_fn sys);
 *	void	journal_line(int prio, const char *line, size_t len);
 *	void	journal_say(int prio, const char *fmt, ...);
 *	void	journal_flush(void);
 * DESCRIPTION
 *	journal_line() takes a line of n bytes with a NUL at line[n].
 *	journal_say() formats one, and turns any control byte in it into
 *	'?' (its values are escaped by the caller; this is the backstop that
 *	keeps a newline from forging a line).
 *	With fd < 0 each line goes to sys(prio, "%s", line): the front-end
 *	passes syslog(3) (lib/ knows no syslog). With fd >= 0 (-j: stderr) each
 *	line is "<N>line\n" on fd, N the syslog level, as systemd's journal
 *	reads a service's output (sd-daemon(3)); lines are gathered and
 *	written with one write(2) when 16 KB have gathered or when
 *	journal_flush() is called: by the daemon's main loop every 0.1 s
 *	and at exit. So a line is out at most ~0.1 s after its decision,
 *	and under load one write(2) carries tens of lines (~0.06 us a line,
 *	where one syslog(3) call is glibc's formatting and a sendto(2),
 *	2-5 us; bench/results). Safe from any thread.
 * BUGS
 *	A daemon killed by a signal it cannot catch loses the lines of its
 *	last 0.1 s; the MTA's own log still has those transactions. A
 *	failed write(2) drops the batch: there is nowhere to say so.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"

#define FLUSH_AT	16384
#define LINE_MAX_	4096		/* longer lines are cut */

static int fd = -1;
static journal_fn sys;
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
	while (off < len && ((n = write(fd, buf + off, len - off)) > 0 ||
	    (n < 0 && errno == EINTR)))
		off += n > 0 ? (size_t)n : 0;
	len = 0;
}

/* journal_open - choose the destination */
void
journal_open(int to_fd, journal_fn fn)
{
	journal_flush();		/* what the last destination had */
	fd = to_fd;
	sys = fn;
}

/* journal_line - one whole line, NUL at line[n], no formatting */
void
journal_line(int prio, const char *line, size_t n)
{
	if (fd < 0) {
		if (sys != NULL)
			sys(prio, "%s", line);
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
	unsigned char *p;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* a value a client chose (callers escape them: logline_kv()) must
	 * still never end the line and start one of its own */
	for (p = (unsigned char *)line; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
	journal_line(prio, line, (size_t)n < sizeof(line) ? (size_t)n :
	    sizeof(line) - 1);
}

/* journal_flush - write what has gathered now */
void
journal_flush(void)
{
	pthread_mutex_lock(&lock);
	if (fd >= 0 && len > 0)
		put();
	pthread_mutex_unlock(&lock);
}
