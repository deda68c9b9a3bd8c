/*
 * warn - mode = warn: decide as always, answer as if without an opinion
 *
 * SYNOPSIS
 *	#include "warn.h"
 *	int	warn_soften(const struct conf *c, const struct request *r,
 *		    enum stage stage, int gate, struct decision *dec,
 *		    enum act *would);
 *	size_t	warn_mark(char *line, size_t len, size_t size, enum act would);
 *	int	warn_mode_text(const struct conf *c, int gate, char *buf,
 *		    size_t size);
 * DESCRIPTION
 *	warn_soften() turns a decision into the answer a daemon gives in
 *	warn mode: DUNNO (the milter continues, the policy server says
 *	DUNNO), its reply gone, its kind and rule kept for the log, and
 *	*would the action it had; 1 then. 0 leaves dec as it is: in
 *	enforce mode, for a decision that is DUNNO already, and, when the
 *	caller can be a gate (gate: the milter; the policy server never
 *	is), on a listener the milter gates (conf_gated()) for a recipient
 *	outside local_domains: there the MTA relays for everyone and the
 *	milter is the gate, so answering "no opinion" would open the relay.
 *	Warn mode
 *	never opens a relay: that gate answers as in enforce mode, a
 *	refusal and a relay rule alike.
 *
 *	warn_mark() puts " would=ACTION" after the "action=WORD" of a
 *	line logline_format() wrote (len bytes in a buffer of size): the
 *	log says what was answered and what enforce mode would have. It
 *	returns the new length (the end of the line cut at size - 1 if need
 *	be, then the mark itself).
 *
 *	warn_mode_text() is the mode as the start-up line and certrelay
 *	config-check say it, with what still refuses (gate: the gated
 *	listeners' gate, for the milter).
 * DIAGNOSTICS
 *	warn_mode_text(): 0, or -1 when buf is too small.
 */
#include <stdio.h>
#include <string.h>

#include "warn.h"

/* warn_soften - DUNNO, unless enforce, already DUNNO, or the gate */
int
warn_soften(const struct conf *c, const struct request *r,
    enum stage stage, int gate, struct decision *dec, enum act *would)
{
	*would = dec->action;
	if (!c->warn || dec->action == ACT_DUNNO)
		return 0;
	if (gate && stage == STAGE_RCPT && conf_gated(c, r->listener) &&
	    !(r->rcpt != NULL && conf_local_domain(c, r->rcpt)))
		return 0;		/* the gate: never an open relay */
	dec->action = ACT_DUNNO;
	dec->code[0] = dec->dsn[0] = dec->text[0] = 0;
	return 1;
}

/* warn_mark - " would=REJECT" after the line's action= word */
size_t
warn_mark(char *line, size_t len, size_t size, enum act would)
{
	char add[32];
	char *p;
	size_t n, at, tail;

	if (size == 0 || len >= size)
		return len;
	n = (size_t)snprintf(add, sizeof(add), " would=%s",
	    action_name(would));
	if ((p = strstr(line, "action=")) == NULL)
		at = len;
	else
		at = (size_t)(p - line) + strcspn(p, " ");
	if (at > len)
		at = len;
	if (at + n >= size) {		/* not even the mark fits whole */
		memcpy(line + at, add, size - 1 - at);
		line[size - 1] = 0;
		return size - 1;
	}
	tail = len - at;
	if (at + n + tail >= size)	/* the end of the line goes */
		tail = size - 1 - at - n;
	memmove(line + at + n, line + at, tail);
	memcpy(line + at, add, n);
	line[at + n + tail] = 0;
	return at + n + tail;
}

/* warn_mode_text - "mode=warn: ..." for the start-up line */
int
warn_mode_text(const struct conf *c, int gate, char *buf, size_t size)
{
	char names[512];
	int n;

	if (!c->warn)
		n = snprintf(buf, size, "mode=enforce: decisions are "
		    "answered");
	else if (gate && (c->gatekeeper == CONF_GATE_ALL ||
	    c->gatekeeper == CONF_GATE_LIST)) {
		if (c->gatekeeper == CONF_GATE_ALL)
			snprintf(names, sizeof(names), "every listener "
			    "(gatekeeper = all)");
		else if (conf_gate_text(c, names + 12, sizeof(names) - 12) <
		    0)
			snprintf(names, sizeof(names), "the gated listeners");
		else
			memcpy(names, "listener(s) ", 12);
		n = snprintf(buf, size, "mode=warn: decisions are logged "
		    "(would=...) and answered as no opinion (the MTA's own "
		    "rules decide), except on %s: there the gate still "
		    "refuses a recipient outside local_domains (never an "
		    "open relay)", names);
	} else
		n = snprintf(buf, size, "mode=warn: decisions are logged "
		    "(would=...) and answered as no opinion (the MTA's own "
		    "rules decide)");
	return n < 0 || (size_t)n >= size ? -1 : 0;
}
