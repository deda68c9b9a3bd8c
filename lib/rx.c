/*
 * rx - regular-expression tables in Postfix pcre_table syntax (PCRE2)
 *
 * SYNOPSIS
 *	#include "rx.h"
 *	int	rx_open(struct rx **rp, const char *path, struct diag *d);
 *	int	rx_new(struct rx **rp, const char *path, struct diag *d);
 *	int	rx_parse_line(struct rx *r, char *line, size_t len, int lineno,
 *		    struct diag *d);
 *	int	rx_match(const struct rx *r, const struct rx_subject *s,
 *		    struct table_hit *hit, struct diag *d);
 *	int	rx_match_lazy(const struct rx *r, const struct rx_subject *s,
 *		    const char *const *(*scopes_of)(void *), void *ctx,
 *		    struct table_hit *hit, struct diag *d);
 *	int	rx_accelerate(struct rx *r, int background, struct diag *d);
 *	int	rx_accelerated(const struct rx *r, int *members);
 *	int	rx_count(const struct rx *r);
 *	int	rx_unscoped(const struct rx *r);
 *	int	rx_on_issuer(const struct rx *r);
 *	void	rx_close(struct rx *r);
 * DESCRIPTION
 *	Each logical line is "/pattern/flags [issuer=<DN>] ACTION [text]":
 *	any delimiter may replace '/', a leading '!' matches when the pattern
 *	does not, an "issuer:" prefix matches the pattern against the issuer
 *	DN instead of the subject DN. Flags are Postfix's, and as in
 *	pcre_table(5) each toggles an option: matching is caseless unless
 *	"i" is given; m (multiline), s (dotall), x (extended), A (anchored),
 *	E (dollar end only), U (ungreedy). Patterns see the RFC 4514 names
 *	("CN=Alice Martin,OU=UMR7503,O=CNRS,C=FR") with '"', '+', ',', ';',
 *	'<', '>' and '\' inside a value written \HH (dn(3) DN_REGEX): a CN
 *	"Mallory,OU=UMR7504" is "CN=Mallory\2COU=UMR7504", which a pattern
 *	",OU=UMR7504," does not meet.
 *
 *	rx_open() reads and compiles a whole file; rx_new() makes an empty
 *	table and rx_parse_line() adds one logical line to it, which is what
 *	rx_open() does for each line table_each_line() hands it (and what a
 *	fuzzer drives directly). rx_count() is the number of rules,
 *	rx_unscoped() the number of rules that relay without an issuer
 *	scope (any CA's certificate could meet them), rx_on_issuer() the
 *	number matched against the issuer DN (without one, s->issuer is
 *	never read).
 *
 *	Patterns are compiled once, with JIT where the machine has it, and
 *	matched with match and depth limits so a hostile name cannot make a
 *	pattern run away: hitting a limit is an error (tempfail), never a
 *	"no match". rx_match() returns the first rule, in file order, that
 *	matches and whose scope fits. rx_match_lazy() is the same with
 *	s->scopes NULL: it asks scopes_of(ctx) for them, once, when it
 *	first meets a scoped rule it must try (a name the set rules out for
 *	every scoped rule never needs its issuer's keys). When the names may lack part of the
 *	DN (s->partial: Postfix sends only CNs; Sendmail's 255-byte buffer
 *	can drop an attribute after the CN unseen) a negated rule that would
 *	relay is skipped: the missing part could hold what it tests for; a
 *	negated refusal still applies. With
 *	s->refuse_only (names that cannot grant relay), rules that relay are
 *	skipped and the first refusal, if any, is returned.
 *
 *	rx_accelerate() builds a set matcher (Vectorscan, the Hyperscan API)
 *	so that a name is scanned once for all rules instead of once per
 *	rule: a session that meets no rule costs one scan, not one PCRE2
 *	match per rule. It is a prefilter only. Each pattern is compiled in
 *	Hyperscan's prefilter mode, whose matches are a superset of the
 *	pattern's; a rule the scan reports is still confirmed by PCRE2, and a
 *	rule it does not report cannot match. So the answer is the one the
 *	rules give without it, except that a rule the scan rules out is not
 *	run at all (a name that would make PCRE2 hit its limits on a pattern
 *	that cannot match is a "no match", not a temporary failure). The
 *	superset holds only where both engines read the same bytes the same
 *	way, so the set is used for names made of printable ASCII only, and
 *	holds only patterns made of ASCII (a non-ASCII character can fold to
 *	an ASCII one under caseless matching: U+212A KELVIN SIGN is "k");
 *	other names, other patterns and patterns Hyperscan cannot compile go
 *	through PCRE2 one by one, as without the set. Building takes about
 *	1.5 ms a pattern, so a daemon builds in the background (the rules
 *	are matched one by one until the set is in place); the command line
 *	never builds one.
 * DIAGNOSTICS
 *	rx_open(), rx_new(), rx_parse_line(): 0, or -1 with file:line: what
 *	(for a pattern, the PCRE2 message and column). rx_match(): 1 found, 0 none, -1 error. rx_accelerate(): 0
 *	(built, or building), -1 with why (the rules work without the set).
 *	rx_accelerated(): 1 when the set is in service, with the number of
 *	rules in it in *members (if not NULL); 0 before.
 * OWNERSHIP
 *	rx_open() gives an rx freed with rx_close() (accepts NULL). A match
 *	takes its own match data and scratch space, so one rx serves many
 *	threads. A background build holds a reference: rx_close() during a
 *	build leaves the freeing to the build thread, which is never joined.
 */
#include <ctype.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <hs/hs.h>

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
	char	*hs_src;		/* pattern for the set, or NULL */
	unsigned hs_flags;
	struct action act;
};

/* The set matcher: one database per name a rule can look at. */
struct rx_set {
	hs_database_t *db[2];		/* subject rules, issuer rules */
	unsigned char *member;		/* per rule: in db[on_issuer] */
	/* bitmaps of rules: to run whatever the scan says (not in the set,
	 * or negated), and on each name (to run when it was not scanned) */
	uint64_t *always, *on[2];
	hs_scratch_t *proto;
	pthread_mutex_t lock;		/* scratch pool */
	hs_scratch_t **pool;
	int	npool, cappool;
};

struct rx {
	char	*path;
	int	n, cap, unscoped, on_issuer;
	struct rx_rule *rule;
	pcre2_match_context *mctx;
	_Atomic(struct rx_set *) set;
	atomic_int refs;		/* owner, plus a build in progress */
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
	atomic_init(&r->set, NULL);
	atomic_init(&r->refs, 1);
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

/* set_source - the pattern as the set matcher will see it, if it can */
static int
set_source(struct rx_rule *rule, const char *pat, size_t len, uint32_t opt)
{
	size_t i;

	/* only ASCII patterns: see DESCRIPTION */
	for (i = 0; i < len; i++)
		if ((unsigned char)pat[i] >= 0x80 || pat[i] == '\0')
			return 0;
	/* A, E and U only narrow what matches: PCRE2 confirms */
	rule->hs_flags = HS_FLAG_PREFILTER | HS_FLAG_SINGLEMATCH |
	    HS_FLAG_ALLOWEMPTY;
	if (opt & PCRE2_CASELESS)
		rule->hs_flags |= HS_FLAG_CASELESS;
	if (opt & PCRE2_MULTILINE)
		rule->hs_flags |= HS_FLAG_MULTILINE;
	if (opt & PCRE2_DOTALL)
		rule->hs_flags |= HS_FLAG_DOTALL;
	if ((rule->hs_src = malloc(len + 5)) == NULL)
		return -1;
	/* Hyperscan has no flag for x; it reads the inline option */
	i = (opt & PCRE2_EXTENDED) ? 4 : 0;
	memcpy(rule->hs_src, "(?x)", i);
	memcpy(rule->hs_src + i, pat, len);
	rule->hs_src[i + len] = 0;
	return 0;
}

/* parse_scope - "issuer=DN" at *ip: its lookup key (malloc'd), *ip past
 * it and the blanks after; NULL (d says) if it is no name */
static char *
parse_scope(const char *line, size_t len, size_t *ip, struct diag *d)
{
	struct dn *scope;
	char key[TABLE_KEY_MAX], *dup;
	size_t i = *ip, off;
	int err;

	for (off = i + 7; i < len && !isspace((unsigned char)line[i]); i++)
		;
	if (dn_parse_any(line + off, i - off, &scope, d) < 0)
		return NULL;
	err = dn_format(scope, DN_KEY, key, sizeof(key));
	dn_free(scope);
	if (err < 0 || (dup = strdup(key)) == NULL) {
		diag_set(d, NULL, 0, "bad issuer scope");
		return NULL;
	}
	while (i < len && isspace((unsigned char)line[i]))
		i++;
	*ip = i;
	return dup;
}

/* append - the rule at the end of r; -1 out of memory */
static int
append(struct rx *r, const struct rx_rule *rule)
{
	struct rx_rule *grown;

	if (r->n == r->cap) {
		grown = realloc(r->rule, (size_t)(r->cap * 2 + 8) *
		    sizeof(*grown));
		if (grown == NULL)
			return -1;
		r->rule = grown;
		r->cap = r->cap * 2 + 8;
	}
	if (rule->scope == NULL && !rule->on_issuer)
		r->unscoped++;
	r->on_issuer += rule->on_issuer;
	r->rule[r->n++] = *rule;
	return 0;
}

/* rx_parse_line - one "[issuer:][!]/re/flags [issuer=DN] ACTION" line */
int
rx_parse_line(struct rx *r, char *line, size_t len, int lineno,
    struct diag *d)
{
	struct rx_rule rule;
	char msg[256], delim;
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
	if (i + 7 < len && strncasecmp(line + i, "issuer=", 7) == 0 &&
	    (rule.scope = parse_scope(line, len, &i, d)) == NULL)
		return -1;
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
	if (set_source(&rule, line + start, end - start, opt) == 0 &&
	    append(r, &rule) == 0)
		return 0;
	diag_set(d, NULL, 0, "out of memory");
err:
	pcre2_code_free(rule.re);
	free(rule.scope);
	free(rule.hs_src);
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

/* printable - a name the set may scan: see DESCRIPTION */
static int
printable(const char *text, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x20 ||
		    (unsigned char)text[i] > 0x7e)
			return 0;
	return 1;
}

/* scratch_get - a scratch space from the pool, or a new one */
static hs_scratch_t *
scratch_get(struct rx_set *set)
{
	hs_scratch_t *sc = NULL;

	pthread_mutex_lock(&set->lock);
	if (set->npool > 0)
		sc = set->pool[--set->npool];
	pthread_mutex_unlock(&set->lock);
	if (sc == NULL && hs_clone_scratch(set->proto, &sc) != HS_SUCCESS)
		return NULL;
	return sc;
}

/* scratch_put - back to the pool; freed if the pool cannot grow */
static void
scratch_put(struct rx_set *set, hs_scratch_t *sc)
{
	hs_scratch_t **grown;

	pthread_mutex_lock(&set->lock);
	if (set->npool == set->cappool &&
	    (grown = realloc(set->pool, (size_t)(set->cappool * 2 + 4) *
	    sizeof(*grown))) != NULL) {
		set->pool = grown;
		set->cappool = set->cappool * 2 + 4;
	}
	if (set->npool < set->cappool) {
		set->pool[set->npool++] = sc;
		sc = NULL;
	}
	pthread_mutex_unlock(&set->lock);
	hs_free_scratch(sc);
}

/* on_hit - Hyperscan callback: note the rule */
static int
on_hit(unsigned int id, unsigned long long from, unsigned long long to,
    unsigned int flags, void *ctx)
{
	uint64_t *bits = ctx;

	(void)from;
	(void)to;
	(void)flags;
	bits[id / 64] |= (uint64_t)1 << (id % 64);
	return 0;
}

/* next - the next rule to try after i: all of them without a scan,
 * else the next in cand */
static int
next(const struct rx *r, int scan, const uint64_t *cand, int i)
{
	uint64_t word;
	int w;

	if (!scan || ++i >= r->n)
		return scan ? r->n : i + 1;
	w = i / 64;
	word = cand[w] & (~(uint64_t)0 << (i % 64));
	while (word == 0)
		if (++w * 64 >= r->n)
			return r->n;
		else
			word = cand[w];
	return w * 64 + __builtin_ctzll(word);
}

/*
 * scan - the set matcher over both names: 1 if it ran on either, with
 * hits (what it reported) and cand (hits + nwords: those plus the rules
 * it cannot speak for); 0 to try the rules one by one
 */
static int
scan(struct rx_set *set, const char *const *text, const size_t *len,
    size_t nwords, uint64_t *hits, int *scanned)
{
	hs_scratch_t *sc;
	uint64_t *cand = hits + nwords;
	size_t w;
	int t;

	if ((sc = scratch_get(set)) == NULL)
		return 0;
	memset(hits, 0, nwords * sizeof(*hits));
	for (t = 0; t < 2; t++)
		scanned[t] = set->db[t] != NULL && text[t] != NULL &&
		    printable(text[t], len[t]) &&
		    hs_scan(set->db[t], text[t], (unsigned)len[t], 0, sc,
		    on_hit, hits) == HS_SUCCESS;
	scratch_put(set, sc);
	if (!scanned[0] && !scanned[1])
		return 0;
	for (w = 0; w < nwords; w++)
		cand[w] = hits[w] | set->always[w] | (scanned[0] ? 0 :
		    set->on[0][w]) | (scanned[1] ? 0 : set->on[1][w]);
	return 1;
}

/* run - one pattern on its name: pcre2's answer (PCRE2_ERROR_NOMEMORY
 * when no match data could be had) */
static int
run(const struct rx *r, const struct rx_rule *rule, const char *text,
    size_t len, pcre2_match_data **md)
{
	if (*md == NULL && (*md = pcre2_match_data_create(1, NULL)) == NULL)
		return PCRE2_ERROR_NOMEMORY;
	/* the JIT entry skips pcre2_match()'s per-call checks; the match
	 * limits of mctx still hold */
	return (rule->jit ? pcre2_jit_match : pcre2_match)(rule->re,
	    (PCRE2_SPTR)text, len, 0, 0, *md, r->mctx);
}

/* rx_match - first fitting rule that matches */
int
rx_match(const struct rx *r, const struct rx_subject *s,
    struct table_hit *hit, struct diag *d)
{
	return rx_match_lazy(r, s, NULL, NULL, hit, d);
}

/* rx_match_lazy - rx_match(), the scopes made only for a scoped rule
 * that the scan did not rule out */
int
rx_match_lazy(const struct rx *r, const struct rx_subject *s,
    const char *const *(*scopes_of)(void *), void *ctx,
    struct table_hit *hit, struct diag *d)
{
	const char *const *scopes = s->scopes;
	pcre2_match_data *md = NULL;
	const struct rx_rule *rule;
	struct rx_set *set;
	uint64_t stack_bits[2 * 8] = { 0 }, *hits = NULL, *cand = NULL;
	const char *text[2];
	size_t len[2], nwords = ((size_t)r->n + 63) / 64;
	int scanned[2] = {0, 0};
	int i, t, m, ret = 0;

	text[0] = s->subject;
	text[1] = s->issuer;
	for (t = 0; t < 2; t++)
		len[t] = text[t] ? strlen(text[t]) : 0;
	set = atomic_load_explicit(&((struct rx *)r)->set,
	    memory_order_acquire);
	/* without the set, or short of memory: one by one */
	if (set != NULL && (hits = nwords <= 8 ? stack_bits :
	    malloc(2 * nwords * sizeof(*hits))) != NULL &&
	    scan(set, text, len, nwords, hits, scanned))
		cand = hits + nwords;
	for (i = next(r, cand != NULL, cand, -1); i < r->n && ret == 0;
	    i = next(r, cand != NULL, cand, i)) {
		rule = &r->rule[i];
		t = rule->on_issuer;
		if (rule->scope != NULL && scopes == NULL && scopes_of) {
			scopes = scopes_of(ctx);
			scopes_of = NULL;
		}
		if (text[t] == NULL || !scope_fits(rule->scope, scopes) ||
		    (rule->act.type == ACT_RELAY && (s->refuse_only ||
		    (rule->negate && s->partial))))
			continue;
		m = scanned[t] && set->member[i] &&
		    !(hits[i / 64] >> (i % 64) & 1) ? PCRE2_ERROR_NOMATCH :
		    run(r, rule, text[t], len[t], &md);	/* or ruled out */
		if (m == PCRE2_ERROR_NOMEMORY && md == NULL)
			ret = diag_set(d, r->path, 0, "out of memory");
		else if (m < 0 && m != PCRE2_ERROR_NOMATCH)
			ret = diag_set(d, r->path, rule->line, "pattern gave "
			    "up (error %d): treated as a temporary failure", m);
		else if ((m >= 0) != rule->negate) {
			hit->table = r->path;
			hit->line = rule->line;
			hit->act = rule->act;
			ret = 1;
		}
	}
	pcre2_match_data_free(md);
	if (hits != stack_bits)
		free(hits);		/* NULL or the heap's */
	return ret;
}

/* set_free - accepts NULL */
static void
set_free(struct rx_set *set)
{
	int i;

	if (set == NULL)
		return;
	for (i = 0; i < set->npool; i++)
		hs_free_scratch(set->pool[i]);
	free(set->pool);
	hs_free_scratch(set->proto);
	hs_free_database(set->db[0]);
	hs_free_database(set->db[1]);
	free(set->member);
	free(set->always);
	free(set->on[0]);
	free(set->on[1]);
	pthread_mutex_destroy(&set->lock);
	free(set);
}

/* set_db - one database of the rules on one name; drops what fails */
static int
set_db(struct rx *r, struct rx_set *set, int on_issuer, struct diag *d)
{
	const char **src;
	unsigned *flag, *id;
	hs_compile_error_t *err;
	int i, n, tries, ret = -1;

	src = calloc((size_t)r->n + 1, sizeof(*src));
	flag = calloc((size_t)r->n + 1, sizeof(*flag));
	id = calloc((size_t)r->n + 1, sizeof(*id));
	if (src == NULL || flag == NULL || id == NULL) {
		diag_set(d, r->path, 0, "out of memory");
		goto out;
	}
	for (i = 0; i < r->n; i++)
		set->member[i] |= r->rule[i].on_issuer == on_issuer &&
		    r->rule[i].hs_src != NULL;
	/* a pattern Hyperscan refuses is matched by PCRE2 alone: drop it
	 * and compile the rest again (at most once per rule) */
	for (tries = 0; tries <= r->n; tries++) {
		for (n = i = 0; i < r->n; i++)
			if (set->member[i] && r->rule[i].on_issuer ==
			    on_issuer) {
				src[n] = r->rule[i].hs_src;
				flag[n] = r->rule[i].hs_flags;
				id[n++] = (unsigned)i;
			}
		if (n == 0) {
			ret = 0;
			break;
		}
		if (hs_compile_multi(src, flag, id, (unsigned)n, HS_MODE_BLOCK,
		    NULL, &set->db[on_issuer], &err) == HS_SUCCESS) {
			ret = hs_alloc_scratch(set->db[on_issuer],
			    &set->proto) == HS_SUCCESS ? 0 :
			    diag_set(d, r->path, 0, "no scratch space");
			break;
		}
		if (err->expression < 0) {
			diag_set(d, r->path, 0, "set matcher: %s",
			    err->message);
			hs_free_compile_error(err);
			break;
		}
		set->member[id[err->expression]] = 0;
		hs_free_compile_error(err);
	}
out:
	free(src);
	free(flag);
	free(id);
	return ret;
}

/* set_maps - the bitmaps rx_match() merges with a scan's */
static int
set_maps(const struct rx *r, struct rx_set *set, struct diag *d)
{
	size_t nwords = ((size_t)r->n + 63) / 64;
	int i, t;

	if ((set->always = calloc(nwords, sizeof(uint64_t))) == NULL ||
	    (set->on[0] = calloc(nwords, sizeof(uint64_t))) == NULL ||
	    (set->on[1] = calloc(nwords, sizeof(uint64_t))) == NULL)
		return diag_set(d, r->path, 0, "out of memory");
	for (i = 0; i < r->n; i++) {
		t = r->rule[i].on_issuer;
		set->on[t][i / 64] |= (uint64_t)1 << (i % 64);
		if (!set->member[i] || r->rule[i].negate)
			set->always[i / 64] |= (uint64_t)1 << (i % 64);
	}
	return 0;
}

/* build - make the set and put it in service */
static int
build(struct rx *r, struct diag *d)
{
	struct rx_set *set;

	if (hs_valid_platform() != HS_SUCCESS)
		return diag_set(d, r->path, 0, "set matcher: this CPU lacks "
		    "what Vectorscan needs");
	if ((set = calloc(1, sizeof(*set))) == NULL ||
	    (set->member = calloc((size_t)r->n + 1, 1)) == NULL) {
		free(set);
		return diag_set(d, r->path, 0, "out of memory");
	}
	pthread_mutex_init(&set->lock, NULL);
	if (set_db(r, set, 0, d) < 0 || set_db(r, set, 1, d) < 0 ||
	    set_maps(r, set, d) < 0) {
		set_free(set);
		return -1;
	}
	atomic_store_explicit(&r->set, set, memory_order_release);
	return 0;
}

/* build_thread - background build; frees r if it was closed meanwhile */
static void *
build_thread(void *arg)
{
	struct rx *r = arg;
	struct diag d;

	/* sessions first: the set only makes them cheaper (Linux: the
	 * nice value is per thread) */
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), 10);
	diag_clear(&d);
	/* a table already replaced (reloads in a row) needs no set; without
	 * one, the rules still work */
	if (atomic_load(&r->refs) > 1)
		(void)build(r, &d);
	rx_close(r);
	/* the compiler's scratch heap (MBs, in this thread's own arena)
	 * back to the system */
	malloc_trim(0);
	return NULL;
}

/* rx_accelerate - build the set matcher, now or in the background */
int
rx_accelerate(struct rx *r, int background, struct diag *d)
{
	pthread_attr_t attr;
	pthread_t tid;
	int err;

	if (r->n == 0 || atomic_load(&r->set) != NULL)
		return 0;
	if (!background)
		return build(r, d);
	atomic_fetch_add(&r->refs, 1);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&tid, &attr, build_thread, r);
	pthread_attr_destroy(&attr);
	if (err != 0) {
		atomic_fetch_sub(&r->refs, 1);
		return diag_set(d, r->path, 0, "set matcher: no thread: %s",
		    strerror(err));
	}
	return 0;
}

/* rx_accelerated - is the set in service, and for how many rules */
int
rx_accelerated(const struct rx *r, int *members)
{
	struct rx_set *set = atomic_load(&((struct rx *)r)->set);
	int i, n = 0;

	for (i = 0; set != NULL && members != NULL && i < r->n; i++)
		n += set->member[i];
	if (members != NULL)
		*members = n;
	return set != NULL;
}

/* rx_unscoped - subject rules any issuer's cert could meet */
int
rx_unscoped(const struct rx *r)
{
	return r->unscoped;
}

/* rx_on_issuer - rules matched against the issuer DN */
int
rx_on_issuer(const struct rx *r)
{
	return r->on_issuer;
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

	if (r == NULL || atomic_fetch_sub(&r->refs, 1) > 1)
		return;
	set_free(atomic_load(&r->set));
	for (i = 0; i < r->n; i++) {
		pcre2_code_free(r->rule[i].re);
		free(r->rule[i].scope);
		free(r->rule[i].hs_src);
	}
	free(r->rule);
	pcre2_match_context_free(r->mctx);
	free(r->path);
	free(r);
}
