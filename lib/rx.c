/*
 * rx - regular-expression tables in Postfix pcre_table syntax (PCRE2)
 *
 * SYNOPSIS
 *	#include "rx.h"
 *	int	rx_open(struct rx **rp, const char *path, struct diag *d);
 *	int	rx_match(const struct rx *r, const struct rx_subject *s,
 *		    struct table_hit *hit, struct diag *d);
 *	void	rx_close(struct rx *r);
 * DESCRIPTION
 *	Each logical line is "/pattern/flags [issuer=<DN>] ACTION [text]":
 *	any delimiter may replace '/', a leading '!' matches when the pattern
 *	does not, an "issuer:" prefix matches the pattern against the issuer
 *	DN instead of the subject DN. Flags are Postfix's, and as in
 *	pcre_table(5) each toggles an option: matching is caseless unless
 *	"i" is given; m (multiline), s (dotall), x (extended), A (anchored),
 *	E (dollar end only), U (ungreedy). Patterns see the canonical RFC 4514 names
 *	("CN=Alice Martin,OU=UMR7503,O=CNRS,C=FR").
 *
 *	Patterns are compiled once, with JIT where the machine has it, and
 *	matched with match and depth limits so a hostile name cannot make a
 *	pattern run away: hitting a limit is an error (tempfail), never a
 *	"no match". rx_match() returns the first rule, in file order, that
 *	matches and whose scope fits. When the names may have been cut
 *	(Sendmail's 255-byte limit), negated rules are skipped: the missing
 *	part could hold what they test for.
 * DIAGNOSTICS
 *	rx_open(): 0, or -1 with file:line: what (the PCRE2 message and
 *	column). rx_match(): 1 found, 0 none, -1 error.
 * OWNERSHIP
 *	rx_open() gives an rx freed with rx_close() (accepts NULL). A match
 *	takes its own match data, so one rx serves many threads.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "dn.h"
#include "rx.h"

#define RX_MATCH_LIMIT	100000
#define RX_DEPTH_LIMIT	1000

struct rx_rule {
	pcre2_code *re;
	int	jit;			/* JIT-compiled: pcre2_jit_match() */
	int	line;
	int	negate;
	int	on_issuer;
	char	*scope;			/* issuer lookup key or NULL */
	struct action act;
};

struct rx {
	char	*path;
	int	n, cap, unscoped;
	struct rx_rule *rule;
	pcre2_match_context *mctx;
};

/* rx_new - an empty table */
int
rx_new(struct rx **rp, const char *path, struct diag *d)
{
	struct rx *r;

	*rp = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->path = strdup(path)) == NULL ||
	    (r->mctx = pcre2_match_context_create(NULL)) == NULL) {
		rx_close(r);
		return diag_set(d, path, 0, "out of memory");
	}
	pcre2_set_match_limit(r->mctx, RX_MATCH_LIMIT);
	pcre2_set_depth_limit(r->mctx, RX_DEPTH_LIMIT);
	*rp = r;
	return 0;
}

/* flags - Postfix pcre_table flags to PCRE2 options */
static int
flags(const char *s, size_t len, uint32_t *opt, struct diag *d)
{
	size_t i;

	/* as pcre_table(5): caseless by default, each flag toggles */
	*opt = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_CASELESS;
	for (i = 0; i < len; i++)
		switch (s[i]) {
		case 'i': *opt ^= PCRE2_CASELESS; break;
		case 'm': *opt ^= PCRE2_MULTILINE; break;
		case 's': *opt ^= PCRE2_DOTALL; break;
		case 'x': *opt ^= PCRE2_EXTENDED; break;
		case 'A': *opt ^= PCRE2_ANCHORED; break;
		case 'E': *opt ^= PCRE2_DOLLAR_ENDONLY; break;
		case 'U': *opt ^= PCRE2_UNGREEDY; break;
		default:
			return diag_set(d, NULL, 0, "unknown flag '%c' (use "
			    "i m s x A E U)", isprint((unsigned char)s[i]) ?
			    s[i] : '?');
		}
	return 0;
}

/* rx_parse_line - one "[issuer:][!]/re/flags [issuer=DN] ACTION" line */
int
rx_parse_line(struct rx *r, char *line, size_t len, int lineno,
    struct diag *d)
{
	struct rx_rule rule, *grown;
	struct dn *scope;
	char key[TABLE_KEY_MAX], msg[256], delim;
	size_t i = 0, start, end, off, sl;
	uint32_t opt;
	int err;

	memset(&rule, 0, sizeof(rule));
	rule.line = lineno;
	if (len > 7 && strncasecmp(line, "issuer:", 7) == 0) {
		rule.on_issuer = 1;
		i = 7;
	}
	if (i < len && line[i] == '!') {
		rule.negate = 1;
		i++;
	}
	if (i >= len || isalnum((unsigned char)line[i]) ||
	    isspace((unsigned char)line[i]) || line[i] == '\\')
		return diag_set(d, NULL, 0, "expected /pattern/");
	delim = line[i];
	start = ++i;
	for (; i < len && line[i] != delim; i++)
		if (line[i] == '\\' && i + 1 < len)
			i++;
	if (i >= len)
		return diag_set(d, NULL, 0, "no closing '%c'", delim);
	end = i++;
	for (off = i; i < len && !isspace((unsigned char)line[i]); i++)
		;
	if (flags(line + off, i - off, &opt, d) < 0)
		return -1;
	while (i < len && isspace((unsigned char)line[i]))
		i++;
	if (i + 7 < len && strncasecmp(line + i, "issuer=", 7) == 0) {
		for (off = i + 7; i < len && !isspace((unsigned char)line[i]);
		    i++)
			;
		if (dn_parse_any(line + off, i - off, &scope, d) < 0)
			return -1;
		err = dn_format(scope, DN_KEY, key, sizeof(key));
		dn_free(scope);
		if (err < 0 || (rule.scope = strdup(key)) == NULL)
			return diag_set(d, NULL, 0, "bad issuer scope");
		while (i < len && isspace((unsigned char)line[i]))
			i++;
	}
	if (action_parse(line + i, len - i, ACTION_STRICT, &rule.act, d) < 0)
		goto err;
	rule.re = pcre2_compile((PCRE2_SPTR)line + start, end - start, opt,
	    &err, &sl, NULL);
	if (rule.re == NULL) {
		pcre2_get_error_message(err, (PCRE2_UCHAR *)msg, sizeof(msg));
		diag_set(d, NULL, 0, "pattern column %zu: %s", start + sl + 1,
		    msg);
		goto err;
	}
	rule.jit = pcre2_jit_compile(rule.re, PCRE2_JIT_COMPLETE) == 0;
	if (r->n == r->cap) {
		grown = realloc(r->rule, (size_t)(r->cap * 2 + 8) *
		    sizeof(*grown));
		if (grown == NULL) {
			diag_set(d, NULL, 0, "out of memory");
			goto err;
		}
		r->rule = grown;
		r->cap = r->cap * 2 + 8;
	}
	if (rule.scope == NULL && !rule.on_issuer)
		r->unscoped++;
	r->rule[r->n++] = rule;
	return 0;
err:
	pcre2_code_free(rule.re);
	free(rule.scope);
	return -1;
}

/* parse_cb - table_each_line() adaptor */
static int
parse_cb(void *ctx, char *line, size_t len, int lineno, struct diag *d)
{
	return rx_parse_line(ctx, line, len, lineno, d);
}

/* rx_open - read and compile a whole table */
int
rx_open(struct rx **rp, const char *path, struct diag *d)
{
	if (rx_new(rp, path, d) < 0)
		return -1;
	if (table_each_line(path, parse_cb, *rp, d) < 0) {
		rx_close(*rp);
		*rp = NULL;
		return -1;
	}
	return 0;
}

/* scope_fits - unscoped, or scoped to one of the issuer's keys */
static int
scope_fits(const char *scope, const char *const *scopes)
{
	if (scope == NULL)
		return 1;
	for (; scopes && *scopes; scopes++)
		if (strcmp(scope, *scopes) == 0)
			return 1;
	return 0;
}

/* rx_match - first fitting rule that matches */
int
rx_match(const struct rx *r, const struct rx_subject *s,
    struct table_hit *hit, struct diag *d)
{
	pcre2_match_data *md;
	const struct rx_rule *rule;
	const char *text;
	size_t slen, ilen;
	int i, m, ret = 0;

	if ((md = pcre2_match_data_create(1, NULL)) == NULL)
		return diag_set(d, r->path, 0, "out of memory");
	slen = s->subject ? strlen(s->subject) : 0;
	ilen = s->issuer ? strlen(s->issuer) : 0;
	for (i = 0; i < r->n && ret == 0; i++) {
		rule = &r->rule[i];
		text = rule->on_issuer ? s->issuer : s->subject;
		if (text == NULL || (rule->negate && s->cut) ||
		    !scope_fits(rule->scope, s->scopes))
			continue;
		/* the JIT entry skips pcre2_match()'s per-call checks; the
		 * match limits of mctx still hold */
		m = (rule->jit ? pcre2_jit_match : pcre2_match)(rule->re,
		    (PCRE2_SPTR)text, rule->on_issuer ? ilen : slen, 0, 0, md,
		    r->mctx);
		if (m < 0 && m != PCRE2_ERROR_NOMATCH) {
			ret = diag_set(d, r->path, rule->line, "pattern gave "
			    "up (error %d): treated as a temporary failure", m);
			break;
		}
		if ((m >= 0) != rule->negate) {
			hit->table = r->path;
			hit->line = rule->line;
			hit->act = rule->act;
			ret = 1;
		}
	}
	pcre2_match_data_free(md);
	return ret;
}

/* rx_unscoped - subject rules any issuer's cert could meet */
int
rx_unscoped(const struct rx *r)
{
	return r->unscoped;
}

/* rx_count - rules */
int
rx_count(const struct rx *r)
{
	return r->n;
}

/* rx_close - free; accepts NULL */
void
rx_close(struct rx *r)
{
	int i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		pcre2_code_free(r->rule[i].re);
		free(r->rule[i].scope);
	}
	free(r->rule);
	pcre2_match_context_free(r->mctx);
	free(r->path);
	free(r);
}
