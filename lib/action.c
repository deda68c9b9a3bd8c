/*
 * action - what a rule says to do, and the SMTP reply that goes with it
 *
 * SYNOPSIS
 *	#include "action.h"
 *	int	action_parse(const char *s, size_t len, enum action_mode mode,
 *		    struct action *a, struct diag *d);
 *	void	action_format(const struct action *a, char *buf, size_t size);
 *	const char *action_name(enum act type);
 * DESCRIPTION
 *	action_parse() reads RELAY (or OK), REJECT [text], TEMPFAIL [text],
 *	DISCARD, DUNNO and ERROR:<dsn>:<code> text (Sendmail's access-map
 *	form) and fills in the SMTP code and enhanced status a front-end
 *	answers with: REJECT is 550 5.7.1, TEMPFAIL 451 4.7.1. In
 *	ACTION_FREETEXT mode (a Postfix relay_clientcerts file) a value that
 *	is no action word means RELAY, as permit_tls_clientcerts reads it,
 *	unless its first word (any case, punctuation around it ignored)
 *	looks like an action: one of ours misspelt ("REJECT:"), a Postfix,
 *	Sendmail or other filter's action word (DENY, DEFER, HOLD, PERMIT,
 *	reject_...), "ERROR" without its colon, an SMTP code (550) or an
 *	enhanced status (5.7.1). That is an error saying what to write:
 *	read as free text it would relay what the admin meant to refuse.
 *	In ACTION_ACCESS mode a value that is no action word means "no
 *	relay" (DUNNO), as Sendmail reads a CERTISSUER value it does not
 *	know, and SUBJECT is accepted.
 *	RELAY (and OK) may be followed by "rate=N/minute", "rate=N/hour",
 *	"rate=N/day" or "rate=none" (rate_parse()): this rule's limit on
 *	relayed recipients, instead of rate_limit's. In STRICT mode nothing
 *	may follow it; in FREETEXT mode a description may; a FREETEXT value
 *	that starts with "rate=" is an error (it would relay with no limit:
 *	write "RELAY rate=..."). A Sendmail access file takes no rate (its
 *	RELAY is Sendmail's).
 *	action_format() writes the action back in the form action_parse()
 *	reads, which is how a compiled table stores it. action_name() is
 *	the word for an action type ("RELAY").
 * DIAGNOSTICS
 *	0 on success; -1 with d->what ("unknown action \"RELAYY\"",
 *	"\"550\" starts an SMTP reply, not an action; write
 *	\"ERROR:5.7.1:550 stolen\"").
 * OWNERSHIP
 *	struct action is a plain value.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "action.h"

static const char *names[] = {
	[ACT_DUNNO] = "DUNNO", [ACT_RELAY] = "RELAY",
	[ACT_REJECT] = "REJECT", [ACT_ERROR] = "ERROR",
	[ACT_TEMPFAIL] = "TEMPFAIL", [ACT_DISCARD] = "DISCARD",
	[ACT_SUBJECT] = "SUBJECT",
};

/* action_name - "RELAY" */
const char *
action_name(enum act type)
{
	return names[type];
}

/* word_is - the first word of s (any case) is w */
static int
word_is(const char *s, size_t len, size_t wlen, const char *w)
{
	return wlen == strlen(w) && wlen <= len && strncasecmp(s, w, wlen) == 0;
}

/* set_text - the reply text after the action word */
static int
set_text(struct action *a, const char *s, size_t len, struct diag *d)
{
	size_t i;

	while (len > 0 && isspace((unsigned char)*s))
		s++, len--;
	if (len >= sizeof(a->text))
		return diag_set(d, NULL, 0, "reply text longer than %d bytes",
		    ACTION_TEXT_MAX - 1);
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < ' ' && s[i] != '\t')
			return diag_set(d, NULL, 0, "control character in "
			    "reply text");
	memcpy(a->text, s, len);
	a->text[len] = 0;
	return 0;
}

/* parse_error - ERROR:<dsn>:<code> text, ERROR:<code> text, quoted or not
 * (the forms Sendmail's access map reads) */
static int
parse_error(const char *s, size_t len, struct action *a, struct diag *d)
{
	size_t i = 6, k = 0, end = len;	/* past "ERROR:" */

	if (i < len && s[i] == '"') {
		i++;
		if (end > i && s[end - 1] == '"')
			end--;
	}
	if (i + 2 < end && s[i + 1] == '.') {	/* a status: 5.7.1: */
		while (i < end && s[i] != ':' && k + 1 < sizeof(a->dsn) &&
		    (isdigit((unsigned char)s[i]) || s[i] == '.'))
			a->dsn[k++] = s[i++];
		if (i >= end || s[i] != ':' || k < 5)
			goto bad;
		i++;
	}
	a->dsn[k] = 0;
	if (i + 3 > end || !isdigit((unsigned char)s[i]) ||
	    !isdigit((unsigned char)s[i + 1]) ||
	    !isdigit((unsigned char)s[i + 2]) || (s[i] != '4' &&
	    s[i] != '5') || (k > 0 && s[i] != a->dsn[0]) ||
	    (i + 3 < end && !isspace((unsigned char)s[i + 3])))
		goto bad;
	memcpy(a->code, s + i, 3);
	a->code[3] = 0;
	if (k == 0)
		strcpy(a->dsn, s[i] == '4' ? "4.7.1" : "5.7.1");
	a->type = ACT_ERROR;
	return set_text(a, s + i + 3, end - i - 3, d);
bad:
	return diag_set(d, NULL, 0, "ERROR wants ERROR:<dsn>:<code> text or "
	    "ERROR:<code> text, code 4xx or 5xx agreeing with the status, "
	    "e.g. ERROR:5.7.1:550 Go away");
}

/*
 * Words a value may mean as an action: certrelay's own (instead NULL),
 * Postfix access(5)'s, Sendmail access's and other filters'. In a
 * relay_clientcerts file such a word never starts a description: read as
 * free text it would relay the certificate someone meant to refuse. A
 * word ending in '_' is a prefix (Postfix restriction names).
 */
static const struct {
	const char *word;
	const char *instead;	/* "": certrelay has no such action */
} lookalikes[] = {
	{ "RELAY", NULL }, { "OK", NULL }, { "REJECT", NULL },
	{ "TEMPFAIL", NULL }, { "DISCARD", NULL }, { "DUNNO", NULL },
	{ "ERROR", NULL }, { "SUBJECT", NULL },
	{ "PERMIT", "RELAY" }, { "PERMIT_", "RELAY" }, { "ACCEPT", "RELAY" },
	{ "ALLOW", "RELAY" }, { "DENY", "REJECT [text]" },
	{ "DENIED", "REJECT [text]" }, { "REFUSE", "REJECT [text]" },
	{ "REFUSED", "REJECT [text]" }, { "BLOCK", "REJECT [text]" },
	{ "BLOCKED", "REJECT [text]" }, { "REVOKE", "REJECT [text]" },
	{ "REVOKED", "REJECT [text]" }, { "REJECT_", "REJECT [text]" },
	{ "DROP", "REJECT [text] or DISCARD" },
	{ "DEFER", "TEMPFAIL [text]" }, { "DEFER_", "TEMPFAIL [text]" },
	{ "TEMPERROR", "TEMPFAIL [text]" }, { "HOLD", "" },
	{ "QUARANTINE", "" }, { "PREPEND", "" }, { "REDIRECT", "" },
	{ "FILTER", "" }, { "WARN", "" }, { "INFO", "" }, { "BCC", "" },
	{ "SKIP", "" }, { "VERIFY", "" }, { "CHECK_", "" },
};

#define ACTIONS	"RELAY, REJECT [text], TEMPFAIL [text], ERROR:<dsn>:<code> " \
		"text, DISCARD or DUNNO (\"RELAY <text>\" keeps a description)"

/* strip - a word without the punctuation around it ("REJECT:" "(DENY)") */
static void
strip(const char **s, size_t *len)
{
	while (*len > 0 && ispunct((unsigned char)**s) && **s != '_')
		(*s)++, (*len)--;
	while (*len > 0 && ispunct((unsigned char)(*s)[*len - 1]) &&
	    (*s)[*len - 1] != '_')
		(*len)--;
}

/* is_code - "550", "550-": an SMTP reply code (2xx, 4xx, 5xx) */
static int
is_code(const char *s, size_t len)
{
	return len >= 3 && strchr("245", s[0]) != NULL && s[0] != 0 &&
	    isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[2]) &&
	    (len == 3 || s[3] == '-');
}

/* is_dsn - "5.7.1": an enhanced status code (RFC 3463) */
static int
is_dsn(const char *s, size_t len)
{
	size_t i = 1;
	int dots = 0;

	if (len < 5 || strchr("245", s[0]) == NULL || s[0] == 0 || s[1] != '.')
		return 0;
	for (; i < len; i++)
		if (s[i] == '.' && isdigit((unsigned char)s[i - 1]))
			dots++;
		else if (!isdigit((unsigned char)s[i]))
			return 0;
	return dots == 2 && isdigit((unsigned char)s[len - 1]);
}

/* next_word - the word at *s (punctuation stripped), *s moved past it */
static void
next_word(const char **s, size_t *len, const char **w, size_t *wl)
{
	size_t n;

	while (*len > 0 && isspace((unsigned char)**s))
		(*s)++, (*len)--;
	for (n = 0; n < *len && !isspace((unsigned char)(*s)[n]); n++)
		;
	*w = *s;
	*wl = n;
	*s += n;
	*len -= n;
	strip(w, wl);
}

/* smtp_reply - "550 5.7.1 text" is refused with the ERROR: it meant
 * (word: the value's first word; NULL after the word ERROR) */
static int
smtp_reply(const char *s, size_t len, const char *word, size_t wlen,
    struct diag *d)
{
	const char *w1, *w2, *rest, *after;
	size_t l1, l2, rl, al;
	char code[4] = "", dsn[16] = "";

	next_word(&s, &len, &w1, &l1);
	rest = s, rl = len;
	next_word(&s, &len, &w2, &l2);
	after = s, al = len;
	if (is_code(w1, l1))
		memcpy(code, w1, 3);
	else if (is_dsn(w1, l1) && l1 < sizeof(dsn))
		memcpy(dsn, w1, l1);
	if (code[0] && is_dsn(w2, l2) && l2 < sizeof(dsn))
		memcpy(dsn, w2, l2), rest = after, rl = al;
	else if (dsn[0] && is_code(w2, l2))
		memcpy(code, w2, 3), rest = after, rl = al;
	else if (dsn[0])
		strcpy(code, dsn[0] == '4' ? "451" : "550");
	while (rl > 0 && isspace((unsigned char)*rest))
		rest++, rl--;
	if (code[0] == '2')
		return diag_set(d, NULL, 0, "\"%.*s\" starts an SMTP reply, "
		    "not an action; write RELAY", (int)wlen, word);
	return diag_set(d, NULL, 0, "%s%.*s%s; write \"ERROR:%s%s%s%s%.*s\"",
	    word ? "\"" : "ERROR is written ERROR:<dsn>:<code> text",
	    word ? (int)wlen : 0, word ? word : "", word ? "\" starts an SMTP "
	    "reply, not an action" : "", dsn, dsn[0] ? ":" : "",
	    code[0] ? code : "550", rl ? " " : "", (int)(rl > 80 ? 80 : rl),
	    rest);
}

/* lookalike - relay_clientcerts free text must not look like an action
 * or an SMTP reply (s: the value, w: its first word's length) */
static int
lookalike(const char *s, size_t len, size_t w, struct diag *d)
{
	const char *word = s, *rest = s + w;
	size_t wl = w, k, n, rl = len - w;

	strip(&word, &wl);
	if (is_code(word, wl) || is_dsn(word, wl))
		return smtp_reply(s, len, s, w, d);
	for (k = 0; k < sizeof(lookalikes) / sizeof(lookalikes[0]); k++) {
		n = strlen(lookalikes[k].word);
		if (lookalikes[k].word[n - 1] == '_' ? wl < n ||
		    strncasecmp(word, lookalikes[k].word, n) != 0 : wl != n ||
		    strncasecmp(word, lookalikes[k].word, n) != 0)
			continue;
		while (rl > 0 && isspace((unsigned char)*rest))
			rest++, rl--;
		if (strcmp(lookalikes[k].word, "ERROR") == 0)
			return smtp_reply(rest, rl, NULL, 0, d);
		if (strcmp(lookalikes[k].word, "SUBJECT") == 0)
			return diag_set(d, NULL, 0, "SUBJECT belongs in a "
			    "Sendmail access file; write " ACTIONS);
		if (lookalikes[k].instead == NULL)
			return diag_set(d, NULL, 0, "\"%.*s\" is not an "
			    "action; write \"%s%s%.*s\"", (int)(w > 40 ? 40 :
			    w), s,
			    lookalikes[k].word, rl ? " " : "",
			    (int)(rl > 80 ? 80 : rl), rest);
		return diag_set(d, NULL, 0, "\"%.*s\" is not a certrelay "
		    "action; write %s", (int)(w > 40 ? 40 : w), s,
		    lookalikes[k].instead[0] ? lookalikes[k].instead : ACTIONS);
	}
	return 0;
}

/* is_rate - the word at s is "rate=..." */
static int
is_rate(const char *s, size_t len)
{
	return len >= 5 && strncasecmp(s, "rate=", 5) == 0;
}

/* relay_rate - what may follow RELAY: "rate=..." (then, in FREETEXT
 * mode, a description), or text STRICT mode refuses */
static int
relay_rate(const char *s, size_t len, enum action_mode mode,
    struct action *a, struct diag *d)
{
	size_t w;

	while (len > 0 && isspace((unsigned char)*s))
		s++, len--;
	for (w = 0; w < len && !isspace((unsigned char)s[w]); w++)
		;
	if (mode == ACTION_ACCESS || (len > 0 && !is_rate(s, w))) {
		if (len > 0 && mode == ACTION_STRICT)
			return diag_set(d, NULL, 0, "text after RELAY (only "
			    "rate=N/hour may follow it)");
		return 0;
	}
	if (len == 0)
		return 0;
	if (rate_parse(s + 5, w - 5, &a->rate, d) < 0)
		return -1;
	while (w < len && isspace((unsigned char)s[w]))
		w++;
	if (w < len && mode == ACTION_STRICT)
		return diag_set(d, NULL, 0, "text after RELAY rate=...");
	return 0;
}

/* action_parse - a table value to a struct action */
int
action_parse(const char *s, size_t len, enum action_mode mode,
    struct action *a, struct diag *d)
{
	size_t w;

	memset(a, 0, sizeof(*a));
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	for (w = 0; w < len && !isspace((unsigned char)s[w]); w++)
		;
	if (len == 0 && mode != ACTION_STRICT) {
		a->type = mode == ACTION_FREETEXT ? ACT_RELAY : ACT_DUNNO;
		return 0;
	}
	if (len >= 6 && strncasecmp(s, "ERROR:", 6) == 0)
		return parse_error(s, len, a, d);
	if (word_is(s, len, w, "RELAY") || word_is(s, len, w, "OK")) {
		a->type = ACT_RELAY;
		return relay_rate(s + w, len - w, mode, a, d);
	} else if (word_is(s, len, w, "REJECT")) {
		a->type = ACT_REJECT;
		strcpy(a->code, "550");
		strcpy(a->dsn, "5.7.1");
	} else if (word_is(s, len, w, "TEMPFAIL")) {
		a->type = ACT_TEMPFAIL;
		strcpy(a->code, "451");
		strcpy(a->dsn, "4.7.1");
	} else if (word_is(s, len, w, "DISCARD"))
		a->type = ACT_DISCARD;
	else if (word_is(s, len, w, "DUNNO"))
		a->type = ACT_DUNNO;
	else if (mode == ACTION_ACCESS && word_is(s, len, w, "SUBJECT"))
		a->type = ACT_SUBJECT;
	else if (mode == ACTION_FREETEXT) {
		if (is_rate(s, w))
			return diag_set(d, NULL, 0, "\"%.*s\" alone relays "
			    "with no limit; write \"RELAY %.*s\"",
			    (int)(w > 40 ? 40 : w), s, (int)(w > 40 ? 40 : w),
			    s);
		if (lookalike(s, len, w, d) < 0)
			return -1;
		a->type = ACT_RELAY;	/* "antenne.danang.vn.refer.org" */
		return 0;
	} else if (mode == ACTION_ACCESS) {
		a->type = ACT_DUNNO;	/* Sendmail: no cert relay */
		return 0;
	} else if (len == 0)
		return diag_set(d, NULL, 0, "missing action");
	else
		return diag_set(d, NULL, 0, "unknown action \"%.*s\"; expected "
		    "RELAY, OK, REJECT, ERROR:, TEMPFAIL, DISCARD or DUNNO",
		    (int)(w > 40 ? 40 : w), s);
	if (a->type == ACT_REJECT || a->type == ACT_TEMPFAIL)
		return set_text(a, s + w, len - w, d);
	if (w != len && mode == ACTION_STRICT)
		return diag_set(d, NULL, 0, "text after %s", names[a->type]);
	return 0;
}

/* action_format - back to table text */
void
action_format(const struct action *a, char *buf, size_t size)
{
	char rate[32];

	if (a->type == ACT_RELAY && a->rate.window != 0 &&
	    rate_format(&a->rate, rate, sizeof(rate)) == 0)
		snprintf(buf, size, "RELAY rate=%s", rate);
	else if (a->type == ACT_ERROR)
		snprintf(buf, size, "ERROR:%s:%s %s", a->dsn, a->code, a->text);
	else if (a->text[0])
		snprintf(buf, size, "%s %s", names[a->type], a->text);
	else
		snprintf(buf, size, "%s", names[a->type]);
}
