/*
 * journal - where a daemon's log lines go: syslog, or batched to stderr
 *
 * SYNOPSIS
 *	#include "journal.h"
 *
 *	struct journal *journal_open(int fd, journal_fn sys);
 *	void	journal_line(struct journal *j, int prio, const char *line,
 *		    size_t len);
 *	void	journal_say(struct journal *j, int prio, const char *fmt,
 *		    ...);
 *	void	journal_flush(struct journal *j);
 *	unsigned long journal_dropped(struct journal *j);
 *	void	journal_close(struct journal *j);
 * DESCRIPTION
 *	journal_line() takes a line of n bytes with a NUL at line[n].
 *	journal_say() formats one, and turns any control byte in it into
 *	'?' (its values are escaped by the caller; this is the backstop that
 *	keeps a newline from forging a line).
 *	With fd < 0 each line goes to sys(prio, "%s", line): the front-end
 *	passes syslog(3) (lib/ knows no syslog). With fd >= 0 (-j: stderr) each
 *	line is "<N>line\n" on fd, N the syslog level, as systemd's journal
 *	reads a service's output (sd-daemon(3)); lines are gathered and
 *	written with one write(2) when 16 KB have gathered (by the journal's
 *	own writer thread) or when journal_flush() is called: by the
 *	daemon's main loop every 0.1 s and at exit. So a line is out at most
 *	~0.1 s after its decision, and under load one write(2) carries tens
 *	of lines (~0.06 us a line, where one syslog(3) call is glibc's
 *	formatting and a sendto(2), 2-5 us; bench/results).
 *
 *	journal_line() never waits for a write(2): the lock it takes is
 *	held for a copy only, and the writing is done on a second buffer.
 *	So a stuck reader of fd (journald) holds up no session. When the
 *	256 KB gathering while a write is stuck are full, a line is dropped
 *	and counted; the next write after that says "warning: N log lines
 *	dropped". journal_dropped() is the count so far. Safe from any
 *	thread.
 * OWNERSHIP
 *	The front-end owns its journal: journal_close() writes what has
 *	gathered and frees it (all accept NULL, and do nothing then). With
 *	fd >= 0 a journal has a thread: close it before fork(2).
 * DIAGNOSTICS
 *	journal_open(): NULL if memory or a thread cannot be had.
 * BUGS
 *	A daemon killed by a signal it cannot catch loses the lines of its
 *	last 0.1 s; the MTA's own log still has those transactions. A
 *	failed write(2) drops the batch: there is nowhere to say so. With
 *	fd < 0, syslog(3) itself may wait for the syslog daemon.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"

#define FLUSH_AT	16384
#define LINE_MAX_	4096		/* longer lines are cut */
#define GATHER_MAX	(256 * 1024)	/* then lines are dropped */

struct journal {
	int	fd;
	journal_fn sys;
	pthread_mutex_t lock;		/* buf, len, counts, flags: a copy */
	pthread_cond_t wake;		/* writer: FLUSH_AT gathered, or stop */
	pthread_mutex_t wlock;		/* one write at a time, in order */
	pthread_t writer;
	int	has_writer, wanted, stop;
	char	*buf, *out;		/* gathering; being written */
	size_t	len;
	unsigned long dropped, told;	/* lines dropped; said so far */
};

/* write_all - n bytes to fd; a failure drops them (nowhere to say so) */
static void
write_all(int fd, const char *p, size_t n)
{
	size_t off = 0;
	ssize_t w;

	while (off < n && ((w = write(fd, p + off, n - off)) > 0 ||
	    (w < 0 && errno == EINTR)))
		off += w > 0 ? (size_t)w : 0;
}

/* put - write what has gathered, without holding up journal_line();
 * called with wlock held */
static void
put(struct journal *j)
{
	char note[96], *p;
	unsigned long lost;
	size_t n;

	pthread_mutex_lock(&j->lock);
	p = j->out;
	j->out = j->buf;
	j->buf = p;
	n = j->len;
	j->len = 0;
	lost = j->dropped - j->told;
	j->told = j->dropped;
	pthread_mutex_unlock(&j->lock);
	write_all(j->fd, j->out, n);
	if (lost > 0)
		write_all(j->fd, note, (size_t)snprintf(note, sizeof(note),
		    "<4>warning: %lu log lines dropped: the log stream did "
		    "not take them in time\n", lost));
}

/* writer - the journal's thread: writes when FLUSH_AT have gathered */
static void *
writer(void *arg)
{
	struct journal *j = arg;

	pthread_mutex_lock(&j->lock);
	while (!j->stop) {
		if (!j->wanted) {
			pthread_cond_wait(&j->wake, &j->lock);
			continue;
		}
		j->wanted = 0;
		pthread_mutex_unlock(&j->lock);
		journal_flush(j);
		pthread_mutex_lock(&j->lock);
	}
	pthread_mutex_unlock(&j->lock);
	return NULL;
}

/* journal_open - a journal writing to fd, or through sys if fd < 0 */
struct journal *
journal_open(int fd, journal_fn sys)
{
	struct journal *j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	j->fd = fd;
	j->sys = sys;
	pthread_mutex_init(&j->lock, NULL);
	pthread_mutex_init(&j->wlock, NULL);
	pthread_cond_init(&j->wake, NULL);
	if (fd < 0)
		return j;
	if ((j->buf = malloc(GATHER_MAX)) == NULL ||
	    (j->out = malloc(GATHER_MAX)) == NULL ||
	    pthread_create(&j->writer, NULL, writer, j) != 0) {
		journal_close(j);
		return NULL;
	}
	j->has_writer = 1;
	return j;
}

/* journal_line - one whole line, NUL at line[n], no formatting */
void
journal_line(struct journal *j, int prio, const char *line, size_t n)
{
	if (j == NULL)
		return;
	if (j->fd < 0) {
		if (j->sys != NULL)
			j->sys(prio, "%s", line);
		return;
	}
	if (n > LINE_MAX_)
		n = LINE_MAX_;
	pthread_mutex_lock(&j->lock);
	if (j->len + n + 4 > GATHER_MAX) {
		j->dropped++;		/* the writer is stuck: never wait */
		pthread_mutex_unlock(&j->lock);
		return;
	}
	j->buf[j->len++] = '<';
	j->buf[j->len++] = (char)('0' + (prio & 7));
	j->buf[j->len++] = '>';
	memcpy(j->buf + j->len, line, n);
	j->len += n;
	j->buf[j->len++] = '\n';
	if (j->len >= FLUSH_AT && !j->wanted) {
		j->wanted = 1;
		pthread_cond_signal(&j->wake);
	}
	pthread_mutex_unlock(&j->lock);
}

/* journal_say - a formatted line (start, reload, warnings: not per request) */
void
journal_say(struct journal *j, int prio, const char *fmt, ...)
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
	journal_line(j, prio, line, (size_t)n < sizeof(line) ? (size_t)n :
	    sizeof(line) - 1);
}

/* journal_flush - write what has gathered now */
void
journal_flush(struct journal *j)
{
	if (j == NULL || j->fd < 0)
		return;
	pthread_mutex_lock(&j->wlock);
	put(j);
	pthread_mutex_unlock(&j->wlock);
}

/* journal_dropped - lines dropped so far */
unsigned long
journal_dropped(struct journal *j)
{
	unsigned long n;

	if (j == NULL)
		return 0;
	pthread_mutex_lock(&j->lock);
	n = j->dropped;
	pthread_mutex_unlock(&j->lock);
	return n;
}

/* journal_close - write what has gathered, stop the writer, free */
void
journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	if (j->has_writer) {
		pthread_mutex_lock(&j->lock);
		j->stop = 1;
		pthread_cond_signal(&j->wake);
		pthread_mutex_unlock(&j->lock);
		pthread_join(j->writer, NULL);
		journal_flush(j);
	}
	pthread_cond_destroy(&j->wake);
	pthread_mutex_destroy(&j->wlock);
	pthread_mutex_destroy(&j->lock);
	free(j->buf);
	free(j->out);
	free(j);
}
