/*
 * statsread - read the samples of a Prometheus text file
 *
 * SYNOPSIS
 *	#include "statsread.h"
 *	int	stats_parse(const char *text, size_t len, const char *file,
 *		    stats_sample_fn fn, void *ctx, struct diag *d);
 *	const char *stats_label(const struct stats_sample *s,
 *		    const char *key);
 * DESCRIPTION
 *	stats_parse() reads the text exposition format (version 0.0.4) as
 *	the daemons write it (lib/stats.c) and as node_exporter's textfile
 *	collector takes it: one sample a line, "name{k="v",...} value
 *	[timestamp_ms]" (a timestamp is digits: ts_ms -1 says there is
 *	none), '#' lines (HELP, TYPE) and blank lines skipped,
 *	label values with \\, \" and \n escapes. Each sample goes to fn,
 *	in file order; fn returning non-zero stops the reading with that
 *	value. text need not end with a NUL nor a newline. stats_label() is
 *	the value of a sample's label, NULL if it has none of that name.
 * DIAGNOSTICS
 *	0 (or what fn returned); -1 with d as "file:line: what" for a
 *	malformed line, a line over STATSREAD_LINE_MAX bytes or more than
 *	STATSREAD_LABELS labels.
 * OWNERSHIP
 *	The strings of a sample are the parser's, valid while fn runs.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "statsread.h"

/* name_end - past a metric or label name; s itself if there is none */
static char *
name_end(char *s)
{
	char *p = s;

	if (!isalpha((unsigned char)*p) && *p != '_' && *p != ':')
		return s;
	while (isalnum((unsigned char)*p) || *p == '_' || *p == ':')
		p++;
	return p;
}

/* label_value - a quoted value unescaped in place; past its quote, or
 * NULL */
static char *
label_value(char *p, const char **val)
{
	char *w;

	if (*p++ != '"')
		return NULL;
	*val = w = p;
	for (; *p && *p != '"'; p++) {
		if (*p == '\\') {
			p++;
			if (*p == 'n')
				*w++ = '\n';
			else if (*p == '\\' || *p == '"')
				*w++ = *p;
			else
				return NULL;
		} else
			*w++ = *p;
	}
	if (*p != '"')
		return NULL;
	*w = 0;
	return p + 1;
}

/* labels - {k="v",...} into s; past the '}', or NULL (*why set) */
static char *
labels(char *p, struct stats_sample *s, const char **why)
{
	char *e;

	p++;				/* '{' */
	while (*p != '}') {
		if (s->nlabels == STATSREAD_LABELS) {
			*why = "too many labels";
			return NULL;
		}
		if ((e = name_end(p)) == p || *e != '=') {
			*why = "expected a label name and =";
			return NULL;
		}
		s->key[s->nlabels] = p;
		*e = 0;
		if ((p = label_value(e + 1, &s->val[s->nlabels])) == NULL) {
			*why = "expected a quoted label value";
			return NULL;
		}
		s->nlabels++;
		if (*p == ',')
			p++;
		else if (*p != '}') {
			*why = "expected , or } after a label";
			return NULL;
		}
	}
	return p + 1;
}

/* sample - one line: 0, or -1 with *why */
static int
sample(char *p, struct stats_sample *s, const char **why)
{
	char *e;

	memset(s, 0, sizeof(*s));
	s->ts_ms = -1;
	if ((e = name_end(p)) == p) {
		*why = "expected a metric name";
		return -1;
	}
	s->name = p;
	p = e;
	if (*p == '{' && (p = labels(p, s, why)) == NULL)
		return -1;
	if (*p != ' ' && *p != '\t') {
		*why = "expected a space before the value";
		return -1;
	}
	p++;
	*e = 0;			/* the name ends, its labels read already */
	while (*p == ' ' || *p == '\t')
		p++;
	errno = 0;
	s->value = strtod(p, &e);
	if (e == p || errno == ERANGE || (*e && *e != ' ' && *e != '\t')) {
		*why = "bad value";
		return -1;
	}
	for (p = e; *p == ' ' || *p == '\t'; p++)
		;
	if (*p == 0)
		return 0;
	if (!isdigit((unsigned char)*p)) {	/* -1 means "none" */
		*why = "bad timestamp";
		return -1;
	}
	errno = 0;
	s->ts_ms = strtoll(p, &e, 10);
	for (; *e == ' ' || *e == '\t'; e++)
		;
	if (e == p || *e || errno == ERANGE) {
		*why = "bad timestamp";
		return -1;
	}
	return 0;
}

/* stats_parse - every sample of the text, to fn */
int
stats_parse(const char *text, size_t len, const char *file,
    stats_sample_fn fn, void *ctx, struct diag *d)
{
	char line[STATSREAD_LINE_MAX];
	struct stats_sample s;
	const char *p = text, *end = text + len, *nl, *why;
	size_t n;
	int lineno = 0, r;

	for (; p < end; p = nl + 1) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n >= sizeof(line))
			return diag_set(d, file, lineno, "line too long");
		memcpy(line, p, n);
		line[n] = 0;
		if (memchr(line, 0, n) != NULL)
			return diag_set(d, file, lineno, "NUL byte");
		if (n == 0 || line[0] == '#')
			continue;
		if (sample(line, &s, &why) < 0)
			return diag_set(d, file, lineno, "%s", why);
		if ((r = fn(ctx, &s)) != 0)
			return r;
	}
	return 0;
}

/* stats_label - a label's value, or NULL */
const char *
stats_label(const struct stats_sample *s, const char *key)
{
	int i;

	for (i = 0; i < s->nlabels; i++)
		if (strcmp(s->key[i], key) == 0)
			return s->val[i];
	return NULL;
}
