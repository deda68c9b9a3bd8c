#ifndef JOURNAL_H
#define JOURNAL_H
/* journal.c: where a daemon's log lines go (see there) */
#include <stddef.h>

/* syslog(3) itself fits: lib/ needs no wrapper around it, nor knows it */
typedef void (*journal_fn)(int prio, const char *fmt, ...);

struct journal;				/* opaque */

struct journal *journal_open(int fd, journal_fn sys);
void	journal_line(struct journal *j, int prio, const char *line,
	    size_t len);
void	journal_say(struct journal *j, int prio, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	journal_flush(struct journal *j);
unsigned long journal_dropped(struct journal *j);
void	journal_close(struct journal *j);

#endif
