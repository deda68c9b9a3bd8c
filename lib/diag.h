#ifndef CERTRELAY_DIAG_H
#define CERTRELAY_DIAG_H

#include <stdarg.h>

#define DIAG_FILE_MAX	256
#define DIAG_WHAT_MAX	512

/* Where and why a call failed: "file:line: what". line 0 = no line. */
struct diag {
	char	file[DIAG_FILE_MAX];
	int	line;
	char	what[DIAG_WHAT_MAX];
};

void	diag_clear(struct diag *d);
int	diag_set(struct diag *d, const char *file, int line,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int	diag_vset(struct diag *d, const char *file, int line,
	    const char *fmt, va_list ap);
const char *diag_str(const struct diag *d, char *buf, unsigned len);

#endif
