#ifndef JOURNAL_H
#define JOURNAL_H
/* journal.c: where a daemon's log lines go (see there) */
#include <stddef.h>

/* syslog(3) itself fits: lib/ needs no wrapper around it, nor knows it */
typedef void (*journal_fn)(int prio, const char *fmt, ...);

void	journal_open(int fd, journal_fn sys);
void	journal_line(int prio, const char *line, size_t len);
void	journal_say(int prio, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	journal_flush(void);

#endif
