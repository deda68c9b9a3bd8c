/*
 * action - what a rule says to do, and the SMTP reply that goes with it
 *
 * SYNOPSIS
 *	#include "action.h"
 *	int	action_parse(const char *s, size_t len, enum action_mode mode,
 *		    struct action *a, struct diag *d);
 *	void	action_format(const struct action *a, char *buf, size_t size);
 * DESCRIPTION
 *	action_parse() reads RELAY (or OK), REJECT [text], TEMPFAIL [text],
 *	DISCARD, DUNNO and ERROR:<dsn>:<code> text (Sendmail's access-map
 *	form) and fills in the SMTP code and enhanced status a front-end
 *	answers with: REJECT is 550 5.7.1, TEMPFAIL 451 4.7.1. In
 *	ACTION_FREETEXT mode (a Postfix relay_clientcerts file) a value that
 *	is no action word means RELAY, as permit_tls_clientcerts reads it;
 *	in ACTION_ACCESS mode it means "no relay" (DUNNO), as Sendmail reads
 *	a CERTISSUER value it does not know, and SUBJECT is accepted.
 *	action_format() writes the action back in the form action_parse()
 *	reads, which is how a compiled table stores it.
 * DIAGNOSTICS
 *	0 on success; -1 with d->what ("unknown action \"RELAYY\"").
 * OWNERSHIP
 *	struct action is a plain value.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

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
	if (word_is(s, len, w, "RELAY") || word_is(s, len, w, "OK"))
		a->type = ACT_RELAY;
	else if (word_is(s, len, w, "REJECT")) {
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
	if (a->type == ACT_ERROR)
		snprintf(buf, size, "ERROR:%s:%s %s", a->dsn, a->code, a->text);
	else if (a->text[0])
		snprintf(buf, size, "%s %s", names[a->type], a->text);
	else
		snprintf(buf, size, "%s", names[a->type]);
}
