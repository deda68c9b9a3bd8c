#ifndef JOURNAL_H
#define JOURNAL_H
/* journal.c: where the policy server's log lines go (see there) */
#include <stddef.h>

enum { JOURNAL_SYSLOG, JOURNAL_SYSLOG_STDERR, JOURNAL_STREAM };

void	journal_open(const char *ident, int mode);
void	journal_line(int prio, const char *line, size_t len);
void	journal_say(int prio, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	journal_flush(void);

#endif
