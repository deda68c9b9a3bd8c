/*
 * check_rx - regex tables in Postfix pcre_table(5) syntax
 *
 * pcre_table(5): "Patterns are case insensitive by default"; the i flag
 * toggles that. Patterns see the canonical RFC 4514 names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dn.h"
#include "rx.h"
#include "testutil.h"

#define ALICE		"CN=Alice Martin,OU=UMR7503,O=CNRS,C=FR"
#define BOB		"CN=Bob Durand,OU=UMR5800,O=CNRS,C=FR"
#define PLUS		"CN=CNRS-Plus,O=CNRS,C=FR"
#define STD		"CN=CNRS-Standard,O=CNRS,C=FR"

/* open_src - a regex table from text */
static struct rx *
open_src(const char *src, struct diag *d)
{
	char dir[TU_PATH_MAX], path[TU_PATH_MAX];
	struct rx *r = NULL;

	tu_mkdir(dir, sizeof(dir));
	tu_path(path, sizeof(path), dir, "regex");
	tu_write(path, src);
	diag_clear(d);
	if (rx_open(&r, path, d) < 0) {
		ck_assert_msg(r == NULL, "rx_open failed but *rp is set");
		return NULL;
	}
	return r;
}

/* key - a DN's lookup key, static */
static const char *
key(const char *dn_text)
{
	static char buf[2][TABLE_KEY_MAX];
	static int k;
	struct dn *dn;
	struct diag d;
	char *b = buf[k++ % 2];

	ck_assert(dn_parse_any(dn_text, strlen(dn_text), &dn, &d) == 0);
	ck_assert(dn_format(dn, DN_KEY, b, TABLE_KEY_MAX) == 0);
	dn_free(dn);
	return b;
}

#define PARTIAL		1
#define REFUSE_ONLY	2

static const struct {
	const char *name;
	const char *src;
	const char *subject, *issuer;
	int	view;			/* PARTIAL | REFUSE_ONLY */
	const char *scope;		/* issuer DN offered as a scope */
	int	rc;
	int	line;
	enum act type;
} match_cases[] = {
	{ "plain", "/^CN=Alice Martin,OU=UMR7503,/ RELAY\n", ALICE, PLUS, 0,
	    NULL, 1, 1, ACT_RELAY },
	{ "no match", "/^CN=Alice Martin,/ RELAY\n", BOB, PLUS, 0, NULL, 0,
	    0, 0 },
	{ "OU rule", "/,OU=UMR7503,/ RELAY\n", ALICE, PLUS, 0, NULL, 1, 1,
	    ACT_RELAY },
	{ "caseless by default", "/^cn=alice martin,ou=umr7503,/ RELAY\n",
	    ALICE, PLUS, 0, NULL, 1, 1, ACT_RELAY },
	{ "i toggles to case-sensitive", "/^cn=alice/i RELAY\n", ALICE, PLUS, 0,
	    NULL, 0, 0, 0 },
	{ "other delimiter", "|OU=UMR7503,O=CNRS| RELAY\n", ALICE, PLUS, 0,
	    NULL, 1, 1, ACT_RELAY },
	{ "escaped delimiter", "/OU=UMR\\/?7503/ RELAY\n", ALICE, PLUS, 0,
	    NULL, 1, 1, ACT_RELAY },
	{ "first rule wins", "/Alice/ REJECT Not her\n/Martin/ RELAY\n", ALICE,
	    PLUS, 0, NULL, 1, 1, ACT_REJECT },
	{ "second rule", "/Bob/ REJECT\n\n# c\n/Martin/ RELAY\n", ALICE, PLUS,
	    0, NULL, 1, 4, ACT_RELAY },
	{ "negated matches", "!/,OU=UMR7503,/ REJECT Not our lab\n", BOB, PLUS,
	    0, NULL, 1, 1, ACT_REJECT },
	{ "negated does not", "!/,OU=UMR7503,/ REJECT Not our lab\n", ALICE,
	    PLUS, 0, NULL, 0, 0, 0 },
	{ "negated refusal when partial", "!/,OU=UMR7503,/ REJECT Not our "
	    "lab\n", BOB, PLUS, PARTIAL, NULL, 1, 1, ACT_REJECT },
	{ "positive still when partial", "/,OU=UMR5800,/ RELAY\n", BOB, PLUS,
	    PARTIAL, NULL, 1, 1, ACT_RELAY },
	{ "negated relay, CN only", "!/,OU=UMR9999,/ RELAY\n", "CN=Bob",
	    PLUS, PARTIAL, NULL, 0, 0, 0 },
	{ "negated relay, whole DN", "!/,OU=UMR9999,/ RELAY\n", BOB, PLUS, 0,
	    NULL, 1, 1, ACT_RELAY },
	{ "issuer:! relay, CN only", "issuer:!/,O=Evil,/ RELAY\n", BOB,
	    "CN=CNRS-Plus", PARTIAL, NULL, 0, 0, 0 },
	{ "refuse only: relay skipped", "/Alice/ RELAY\n", ALICE, PLUS,
	    REFUSE_ONLY, NULL, 0, 0, 0 },
	{ "refuse only: refusal found", "/Alice/ RELAY\n/Martin/ REJECT x\n",
	    ALICE, PLUS, REFUSE_ONLY, NULL, 1, 2, ACT_REJECT },
	{ "issuer:", "issuer:/^CN=CNRS-Plus,/ RELAY\n", BOB, PLUS, 0, NULL, 1,
	    1, ACT_RELAY },
	{ "issuer: other issuer", "issuer:/^CN=CNRS-Plus,/ RELAY\n", BOB, STD,
	    0, NULL, 0, 0, 0 },
	{ "issuer: not the subject", "issuer:/^CN=Bob/ RELAY\n", BOB, STD, 0,
	    NULL, 0, 0, 0 },
	{ "issuer:! negated", "issuer:!/^CN=CNRS-Plus,/ REJECT\n", BOB, STD, 0,
	    NULL, 1, 1, ACT_REJECT },
	{ "scope fits", "/^CN=Alice/ issuer=/C=FR/O=CNRS/CN=CNRS-Plus RELAY\n",
	    ALICE, PLUS, 0, PLUS, 1, 1, ACT_RELAY },
	{ "scope other", "/^CN=Alice/ issuer=/C=FR/O=CNRS/CN=CNRS-Plus RELAY\n",
	    ALICE, STD, 0, STD, 0, 0, 0 },
	{ "scope none offered", "/^CN=Alice/ issuer=CN=CNRS-Plus,O=CNRS,C=FR "
	    "RELAY\n", ALICE, PLUS, 0, NULL, 0, 0, 0 },
	{ "scoped then unscoped", "/Alice/ issuer=" STD " REJECT\n"
	    "/Alice/ RELAY\n", ALICE, PLUS, 0, PLUS, 1, 2, ACT_RELAY },
	{ "no subject", "/./ RELAY\n", NULL, PLUS, 0, NULL, 0, 0, 0 },
	{ "x flag", "/^CN = Alice \\s Martin/x RELAY\n", ALICE, PLUS, 0, NULL,
	    1, 1, ACT_RELAY },
	{ "A flag anchors", "/Martin/A RELAY\n", ALICE, PLUS, 0, NULL, 0, 0,
	    0 },
	{ "A flag at start", "/CN=Alice/A RELAY\n", ALICE, PLUS, 0, NULL, 1, 1,
	    ACT_RELAY },
	{ "all flags parse", "/CN=Alice/imsxAEU RELAY\n", ALICE, PLUS, 0, NULL,
	    1, 1, ACT_RELAY },
	{ "utf-8 literal", "/^CN=\xC3\x89lise/ RELAY\n",
	    "CN=\xC3\x89lise No\xC3\xABl,O=CNRS,C=FR", PLUS, 0, NULL, 1, 1,
	    ACT_RELAY },
	{ "utf-8 one code point", "/^CN=.lise No.l,/ RELAY\n",
	    "CN=\xC3\x89lise No\xC3\xABl,O=CNRS,C=FR", PLUS, 0, NULL, 1, 1,
	    ACT_RELAY },
	{ "invalid utf-8 subject", "/^CN=/ RELAY\n", "CN=\xFF\xFE,O=x", PLUS, 0,
	    NULL, 1, 1, ACT_RELAY },
	{ "DUNNO is a hit", "/Alice/ DUNNO\n/Alice/ RELAY\n", ALICE, PLUS, 0,
	    NULL, 1, 1, ACT_DUNNO },
	{ "continued line", "/^CN=Alice/\n  RELAY\n", ALICE, PLUS, 0, NULL, 1,
	    1, ACT_RELAY },
};

START_TEST(test_rx_match)
{
	struct rx_subject s;
	struct table_hit hit;
	struct diag d;
	const char *scopes[2] = { NULL, NULL };
	struct rx *r;
	int rc, pass;

	r = open_src(match_cases[_i].src, &d);
	ck_assert_msg(r != NULL, "case %s: %s:%d: %s", match_cases[_i].name,
	    d.file, d.line, d.what);
	if (match_cases[_i].scope)
		scopes[0] = key(match_cases[_i].scope);
	s.subject = match_cases[_i].subject;
	s.issuer = match_cases[_i].issuer;
	s.partial = (match_cases[_i].view & PARTIAL) != 0;
	s.refuse_only = (match_cases[_i].view & REFUSE_ONLY) != 0;
	s.scopes = scopes;
	/* one by one, then through the set matcher as a daemon does */
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1)
			ck_assert_msg(rx_accelerate(r, 0, &d) == 0 &&
			    rx_accelerated(r, NULL), "case %s: no set: %s",
			    match_cases[_i].name, d.what);
		memset(&hit, 0, sizeof(hit));
		rc = rx_match(r, &s, &hit, &d);
		ck_assert_msg(rc == match_cases[_i].rc, "case %s (%s): got %d "
		    "(%s), want %d", match_cases[_i].name, pass ? "set" :
		    "one by one", rc, rc < 0 ? d.what : "",
		    match_cases[_i].rc);
		if (rc == 1)
			ck_assert_msg(hit.line == match_cases[_i].line &&
			    hit.act.type == match_cases[_i].type &&
			    hit.table != NULL, "case %s (%s): got %s at line "
			    "%d, want %s at line %d", match_cases[_i].name,
			    pass ? "set" : "one by one",
			    action_name(hit.act.type), hit.line,
			    action_name(match_cases[_i].type),
			    match_cases[_i].line);
	}
	rx_close(r);
}
END_TEST

/*
 * A pattern that backtracks exponentially meets the match limit: an error
 * (tempfail), never "no match", and quickly. Through the set matcher the
 * pattern, which cannot match, is ruled out before PCRE2 runs: the name
 * gets the next rule's answer.
 */
START_TEST(test_rx_match_limit)
{
	char subject[128];
	struct rx_subject s = { subject, PLUS, 0, 0, NULL };
	struct table_hit hit;
	struct diag d;
	struct rx *r;
	int rc;

	snprintf(subject, sizeof(subject), "CN=%s,O=x",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab");
	r = open_src("/^CN=Alice/ RELAY\n/(a+)+$/ REJECT\n/./ RELAY\n", &d);
	ck_assert(r != NULL);
	rc = rx_match(r, &s, &hit, &d);
	ck_assert_msg(rc == -1, "case (a+)+$: got %d, want -1 (limit)", rc);
	ck_assert_msg(d.line == 2 && strstr(d.what, "gave up") != NULL,
	    "case (a+)+$: got %d \"%s\", want line 2 \"gave up\"", d.line,
	    d.what);
	ck_assert_int_eq(rx_accelerate(r, 0, &d), 0);
	rc = rx_match(r, &s, &hit, &d);
	ck_assert_msg(rc == 1 && hit.line == 3, "case (a+)+$ through the set: "
	    "got %d line %d, want 1 line 3", rc, hit.line);
	rx_close(r);
}
END_TEST

/*
 * The set matcher is a prefilter: every (pattern, name) pair answers the
 * same with it and without it. The patterns are those where the two
 * engines differ (lookaround, back references, verbs, options, escapes
 * Hyperscan refuses, a non-ASCII pattern that folds to ASCII) and the
 * names those the set does not scan (control bytes, non-ASCII).
 */
static const char *const equiv_patterns[] = {
	"/^CN=Alice Martin,/", "/Martin/A", "/CN=Alice/A", "/OU=UMR7503$/E",
	"/(?<=OU=)UMR7503/", "/(?<!OU=)UMR7503/", "/Alice(?= Martin)/",
	"/^CN=(\\w)\\w*,OU=\\1/", "/\\bMartin\\b/", "/(?i)ALICE/i", "/^$/",
	"/x*/", "/Alice\\KMartin/", "/(*UCP)^CN=\\w+/", "/\\x{212A}elvin/",
	"/\xE2\x84\xAA\x65lvin/", "/[[:alpha:]]+=/", "/Al(?#c)ice/",
	"/a{2,5}b/", "/(?>a+)b/", "/a++b/", "/^(a)?(?(1)a|b)/",
	"/\\QAlice Martin\\E/", "/^CN = Alice/x", "/Alice.*FR$/s",
	"/^O=/m", "/\\x41lice/", "/\\N{U+41}lice/", "/(?C1)Alice/",
	"/(*SKIP)Alice/", "/Al+?ice/U", "/\\p{Lu}lice/", "/\\Calice/",
	"/\\Aa\\z/", "/b\\Z/", "/[^\\x00-\\x7f]/", "/\\s/", "/\\h/", "/./",
	"!/Alice/", "!/(a+)+z/", "issuer:/^CN=CNRS-Plus/", "issuer:!/Std/",
};
static const char *const equiv_names[] = {
	ALICE, BOB, "CN=kelvin,O=x", "CN=KELVIN", "CN=aab,O=x", "CN=b",
	"CN=a\nb", "CN=Alice\nO=CNRS", "a", "", "CN=\xC3\x89lise,O=CNRS",
	"CN=\xE2\x84\xAA\x65lvin", "CN=\xFF\xFE,O=x", "CN=Alice Martin,OU=X",
	"b\n",
};

/* same_answers - src one by one and through the set: the same answer
 * and rule for every name of equiv_names */
static void
same_answers(const char *src, const char *what)
{
	struct rx_subject s;
	struct table_hit h1, h2;
	struct diag d;
	struct rx *one, *set;
	size_t k;
	int r1, r2;

	one = open_src(src, &d);
	set = open_src(src, &d);
	ck_assert_msg(one != NULL && set != NULL, "case %s: %s", what,
	    d.what);
	ck_assert_int_eq(rx_accelerate(set, 0, &d), 0);
	for (k = 0; k < NELEM(equiv_names); k++) {
		s.subject = equiv_names[k];
		s.issuer = k % 2 ? PLUS : STD;
		s.partial = s.refuse_only = 0;
		s.scopes = NULL;
		r1 = rx_match(one, &s, &h1, &d);
		r2 = rx_match(set, &s, &h2, &d);
		ck_assert_msg(r1 == r2 && (r1 != 1 || h1.line == h2.line),
		    "case %s on \"%s\": one by one %d line %d, set %d line %d",
		    what, equiv_names[k], r1, h1.line, r2, h2.line);
	}
	rx_close(one);
	rx_close(set);
}

START_TEST(test_rx_set_equivalent)
{
	char src[128];
	size_t p;

	for (p = 0; p < NELEM(equiv_patterns); p++) {
		snprintf(src, sizeof(src), "%s RELAY\n", equiv_patterns[p]);
		same_answers(src, equiv_patterns[p]);
	}
}
END_TEST

/* All the patterns in one table, in two orders: the same first rule */
START_TEST(test_rx_set_first_rule)
{
	char src[4096];
	size_t p, n = 0, np = NELEM(equiv_patterns);

	for (p = 0; p < np; p++)
		n += (size_t)snprintf(src + n, sizeof(src) - n, "%s %s\n",
		    equiv_patterns[_i ? np - 1 - p : p], p % 2 ? "REJECT" :
		    "RELAY");
	ck_assert(n < sizeof(src));
	same_answers(src, _i ? "all, last first" : "all, in order");
}
END_TEST

/*
 * 600 rules: bitmaps of several words, past what rx_match() keeps on its
 * stack; rules on both sides of each 64-rule word boundary, negated ones
 * among them.
 */
START_TEST(test_rx_set_many)
{
	static const int probe[] = { 0, 62, 63, 64, 65, 127, 128, 511, 512,
	    599, 600 };
	char *src, subject[64];
	struct rx_subject s = { subject, PLUS, 0, 0, NULL };
	struct table_hit h1, h2;
	struct diag d;
	struct rx *one, *set;
	size_t k, n = 0, size = 600 * 48;
	int i, r1, r2;

	ck_assert((src = malloc(size)) != NULL);
	for (i = 0; i < 600; i++)
		n += (size_t)snprintf(src + n, size - n, i % 97 == 96 ?
		    "!/^CN=user/ REJECT\n" : "/^CN=user%d,/ RELAY\n", i);
	one = open_src(src, &d);
	set = open_src(src, &d);
	ck_assert(one != NULL && set != NULL);
	ck_assert_int_eq(rx_accelerate(set, 0, &d), 0);
	for (k = 0; k < NELEM(probe); k++) {
		snprintf(subject, sizeof(subject), "CN=user%d,O=x", probe[k]);
		r1 = rx_match(one, &s, &h1, &d);
		r2 = rx_match(set, &s, &h2, &d);
		ck_assert_msg(r1 == r2 && (r1 != 1 || h1.line == h2.line),
		    "case user%d: one by one %d line %d, set %d line %d",
		    probe[k], r1, h1.line, r2, h2.line);
		/* each user its own line; the negated rules ("!/^CN=user/",
		 * every 97th) never match these names; user600 has none */
		ck_assert_msg(probe[k] < 600 ? r2 == 1 && h2.line ==
		    probe[k] + 1 : r2 == 0, "case user%d: %d line %d",
		    probe[k], r2, h2.line);
	}
	rx_close(one);
	rx_close(set);
	free(src);
}
END_TEST

/* A table closed while its set is still being built in the background */
START_TEST(test_rx_background)
{
	struct rx_subject s = { ALICE, PLUS, 0, 0, NULL };
	struct table_hit hit;
	struct diag d;
	struct rx *r;
	int i;

	r = open_src("/^CN=Bob/ REJECT\n/UMR7503/ RELAY\n", &d);
	ck_assert(r != NULL);
	ck_assert_int_eq(rx_accelerate(r, 1, &d), 0);
	/* answers while it builds are the same as after */
	for (i = 0; i < 1000; i++)
		ck_assert_msg(rx_match(r, &s, &hit, &d) == 1 && hit.line == 2,
		    "case background: match %d", i);
	rx_close(r);
	r = open_src("/UMR7503/ RELAY\n", &d);
	ck_assert_int_eq(rx_accelerate(r, 1, &d), 0);
	rx_close(r);			/* the build thread frees it */
}
END_TEST

static const struct {
	const char *name;
	const char *src;
	int	line;
	const char *what;
} parse_error_cases[] = {
	{ "bad pattern", "/(unclosed/ RELAY\n", 1, "pattern column" },
	{ "bad pattern at its line", "/a/ RELAY\n# c\n\n/b[/ RELAY\n", 4,
	    "pattern column" },
	{ "no closing delimiter", "/abc RELAY\n", 1, "no closing '/'" },
	{ "no pattern", "abc RELAY\n", 1, "expected /pattern/" },
	{ "unknown flag", "/abc/q RELAY\n", 1, "unknown flag 'q'" },
	{ "unknown action", "/a/ RELAY\n/abc/ RELAYY\n", 2, "unknown action" },
	{ "missing action", "/abc/\n", 1, "missing action" },
	{ "bad scope", "/abc/ issuer=CN=x, RELAY\n", 1, "RFC 4514" },
	{ "issuer: with nothing", "issuer: RELAY\n", 1, "expected /pattern/" },
	{ "continuation first", " /a/ RELAY\n", 1, "continuation" },
};

START_TEST(test_rx_parse_errors)
{
	struct diag d;
	struct rx *r;

	r = open_src(parse_error_cases[_i].src, &d);
	ck_assert_msg(r == NULL, "case %s: got a table, want an error",
	    parse_error_cases[_i].name);
	ck_assert_msg(d.line == parse_error_cases[_i].line,
	    "case %s: got d.line %d, want %d (%s)", parse_error_cases[_i].name,
	    d.line, parse_error_cases[_i].line, d.what);
	ck_assert_msg(strstr(d.what, parse_error_cases[_i].what) != NULL,
	    "case %s: got \"%s\", want it to hold \"%s\"",
	    parse_error_cases[_i].name, d.what, parse_error_cases[_i].what);
	ck_assert_msg(strstr(d.file, "regex") != NULL,
	    "case %s: got d.file \"%s\"", parse_error_cases[_i].name, d.file);
}
END_TEST

/* rx_new + rx_parse_line, as the fuzz target and table_each_line use it */
START_TEST(test_rx_parse_line)
{
	char line[] = "/^CN=Alice/ issuer=" PLUS " REJECT Go away";
	struct rx_subject s = { ALICE, PLUS, 0, 0, NULL };
	const char *scopes[2] = { NULL, NULL };
	struct table_hit hit;
	struct diag d;
	struct rx *r;

	ck_assert_int_eq(rx_new(&r, "mem", &d), 0);
	ck_assert_int_eq(rx_parse_line(r, line, strlen(line), 17, &d), 0);
	ck_assert_int_eq(rx_count(r), 1);
	ck_assert_int_eq(rx_unscoped(r), 0);
	scopes[0] = key(PLUS);
	s.scopes = scopes;
	ck_assert_int_eq(rx_match(r, &s, &hit, &d), 1);
	ck_assert_msg(hit.line == 17 && hit.act.type == ACT_REJECT &&
	    strcmp(hit.act.text, "Go away") == 0 &&
	    strcmp(hit.table, "mem") == 0,
	    "case parse_line: got %s:%d %s \"%s\"", hit.table, hit.line,
	    action_name(hit.act.type), hit.act.text);
	rx_close(r);
	rx_close(NULL);
}
END_TEST

START_TEST(test_rx_counts)
{
	struct diag d;
	struct rx *r;

	r = open_src("/a/ RELAY\n/b/ issuer=" PLUS " RELAY\n"
	    "issuer:/c/ RELAY\n!/d/ REJECT\n", &d);
	ck_assert(r != NULL);
	ck_assert_msg(rx_count(r) == 4, "case count: got %d, want 4",
	    rx_count(r));
	ck_assert_msg(rx_unscoped(r) == 2, "case unscoped: got %d, want 2",
	    rx_unscoped(r));
	ck_assert_msg(rx_on_issuer(r) == 1, "case on issuer: got %d, want 1",
	    rx_on_issuer(r));
	rx_close(r);
}
END_TEST

/* scopes_counted - rx_match_lazy()'s callback: the issuer's keys */
static const char *const *
scopes_counted(void *ctx)
{
	static const char *scopes[2];
	int *calls = ctx;

	(*calls)++;
	scopes[0] = key(PLUS);
	scopes[1] = NULL;
	return scopes;
}

/* rx_match_lazy: rx_match()'s answer, the scopes asked for only when a
 * scoped rule must be tried: never for a name the set rules out */
START_TEST(test_rx_match_lazy)
{
	static const struct {
		const char *subject;
		int	rc, line;
		int	calls[2];	/* one by one, through the set */
	} c[] = {
		{ "CN=Nobody,OU=UMR7000,O=CNRS,C=FR", 0, 0, { 1, 0 } },
		{ ALICE, 1, 2, { 1, 1 } },
		{ BOB, 1, 3, { 1, 1 } },
		{ "CN=Zed,O=Other,C=FR", 1, 4, { 1, 0 } },
	};
	const char *scopes[2] = { NULL, NULL };
	struct rx_subject s = { NULL, PLUS, 0, 0, NULL };
	struct table_hit h1, h2;
	struct diag d;
	struct rx *r;
	size_t i;
	int pass, calls, r1, r2;

	r = open_src("/,OU=UMR7503,/ issuer=" STD " RELAY\n"
	    "/,OU=UMR7503,/ issuer=" PLUS " RELAY\n"
	    "/^CN=Bob/ issuer=" PLUS " REJECT\n"
	    "/,O=Other,/ RELAY\n", &d);
	ck_assert_msg(r != NULL, "%s", d.what);
	scopes[0] = key(PLUS);
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1)
			ck_assert(rx_accelerate(r, 0, &d) == 0 &&
			    rx_accelerated(r, NULL));
		for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
			s.subject = c[i].subject;
			s.scopes = scopes;
			r1 = rx_match(r, &s, &h1, &d);
			s.scopes = NULL;
			calls = 0;
			r2 = rx_match_lazy(r, &s, scopes_counted, &calls, &h2,
			    &d);
			ck_assert_msg(r1 == c[i].rc && r2 == r1 && (r1 == 0 ||
			    (h1.line == c[i].line && h2.line == c[i].line)),
			    "case %zu pass %d: got %d:%d and %d:%d, want %d:%d",
			    i, pass, r1, h1.line, r2, h2.line, c[i].rc,
			    c[i].line);
			ck_assert_msg(calls == c[i].calls[pass], "case %zu pass "
			    "%d: scopes asked %d times, want %d", i, pass,
			    calls, c[i].calls[pass]);
		}
	}
	rx_close(r);
}
END_TEST

START_TEST(test_rx_open_missing)
{
	struct diag d;
	struct rx *r = (struct rx *)&r;

	ck_assert_int_eq(rx_open(&r, "/nonexistent/certrelay/regex", &d), -1);
	ck_assert_msg(r == NULL && strstr(d.what, "No such") != NULL,
	    "case missing: got \"%s\"", d.what);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("rx");
	TCase *tc;

	tc = tcase_create("rx_match");
	LOOP(tc, test_rx_match, match_cases);
	tcase_add_test(tc, test_rx_match_limit);
	suite_add_tcase(s, tc);
	tc = tcase_create("set matcher");
	tcase_add_test(tc, test_rx_set_equivalent);
	tcase_add_loop_test(tc, test_rx_set_first_rule, 0, 2);
	tcase_add_test(tc, test_rx_set_many);
	tcase_add_test(tc, test_rx_background);
	tcase_add_test(tc, test_rx_match_lazy);
	suite_add_tcase(s, tc);
	tc = tcase_create("rx_open");
	LOOP(tc, test_rx_parse_errors, parse_error_cases);
	tcase_add_test(tc, test_rx_counts);
	tcase_add_test(tc, test_rx_open_missing);
	suite_add_tcase(s, tc);
	tc = tcase_create("rx_parse_line");
	tcase_add_test(tc, test_rx_parse_line);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
