/*
 * diag - where and why a call failed
 *
 * SYNOPSIS
 *	#include "diag.h"
 *	void	diag_clear(struct diag *d);
 *	int	diag_set(struct diag *d, const char *file, int line,
 *		    const char *fmt, ...);
 *	int	diag_vset(struct diag *d, const char *file, int line,
 *		    const char *fmt, va_list ap);
 *	const char *diag_str(const struct diag *d, char *buf, unsigned len);
 * DESCRIPTION
 *	Every fallible call in lib/ takes a struct diag that the caller owns.
 *	diag_set() fills it (file may be NULL, line 0 means "no line") and
 *	returns -1 so that an error path reads "return diag_set(d, ...)";
 *	diag_vset() is the same with a va_list, for a caller's own
 *	printf-like function.
 *	diag_str() formats "file:line: what", "file: what" or "what".
 *	There is no global error state: two threads never share a diag.
 * DIAGNOSTICS
 *	diag_set() and diag_vset() always return -1.
 * OWNERSHIP
 *	struct diag is a plain value; nothing to free.
 */
#include <stdio.h>
#include <string.h>

#include "diag.h"

/* diag_clear - make d say nothing */
void
diag_clear(struct diag *d)
{
	d->file[0] = 0;
	d->line = 0;
	d->what[0] = 0;
}

/* diag_vset - fill d; -1 for the caller's return */
int
diag_vset(struct diag *d, const char *file, int line, const char *fmt,
    va_list ap)
{
	if (d == NULL)
		return -1;
	snprintf(d->file, sizeof(d->file), "%s", file ? file : "");
	d->line = line;
	vsnprintf(d->what, sizeof(d->what), fmt, ap);
	return -1;
}

/* diag_set - fill d; -1 for the caller's return */
int
diag_set(struct diag *d, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vset(d, file, line, fmt, ap);
	va_end(ap);
	return -1;
}

/* diag_str - "file:line: what" into buf */
const char *
diag_str(const struct diag *d, char *buf, unsigned len)
{
	if (d->file[0] && d->line > 0)
		snprintf(buf, len, "%s:%d: %s", d->file, d->line, d->what);
	else if (d->file[0])
		snprintf(buf, len, "%s: %s", d->file, d->what);
	else
		snprintf(buf, len, "%s", d->what);
	return buf;
}
