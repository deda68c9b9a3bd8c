/*
 * policy - the Postfix SMTPD policy delegation protocol
 *
 * SYNOPSIS
 *	#include "policy.h"
 *	void	policy_init(struct policy_parser *p);
 *	int	policy_feed(struct policy_parser *p, const char *buf,
 *		    size_t len, policy_fn fn, void *ctx, struct diag *d);
 *	void	policy_set(struct policy_req *pr, enum policy_attr a,
 *		    const char *v, size_t len);
 *	int	policy_request(struct policy_req *pr, struct request *r);
 *	int	policy_answer(const struct decision *dec, int header_mode,
 *		    const char *header_name, const char *header_value,
 *		    char *buf, size_t size);
 * DESCRIPTION
 *	Postfix writes "name=value" lines and an empty line
 *	(SMTPD_POLICY_README); the server answers "action=..." and an empty
 *	line. policy_feed() takes bytes as they come (any split, several
 *	requests at once) and calls fn once per complete request. Unknown
 *	attributes are ignored; a repeated one keeps its last value.
 *	policy_set() is how a value gets into a request (the parser's, or a
 *	test's): values are packed, so a request costs the bytes it has.
 *
 *	policy_request() turns the attributes into a struct request:
 *	ccert_subject and ccert_issuer are CNs in xtext, present only for a
 *	trusted certificate, so a non-empty ccert_issuer means "verified";
 *	the fingerprints are sent for any certificate presented.
 *	policy_answer() maps a decision to an action, in one table by
 *	decision kind: a certificate rule that relays is OK (so Postfix
 *	grants relay before reject_unauth_destination), a refusal is its
 *	SMTP reply ("action=550 5.7.1 text"), DISCARD is DISCARD, anything
 *	else DUNNO: Postfix's own restrictions decide, also for a relay by
 *	AUTH or trusted_networks and for the gatekeeper's refusal. In header
 *	mode (a second check in smtpd_recipient_restrictions) a relay
 *	becomes "PREPEND name: value" instead.
 * DIAGNOSTICS
 *	policy_feed(): 0, or -1 on a line over POLICY_LINE_MAX bytes, a line
 *	without '=', a NUL byte, or when fn fails (the connection is then
 *	closed: Postfix retries and defers). policy_request(): 0, or -1 if a
 *	value is malformed xtext (the request is then answered DUNNO).
 *	policy_answer(): the answer's length, or -1 if it does not fit in
 *	size or the decision's kind has no row.
 * OWNERSHIP
 *	r's strings point into pr: keep pr while r is used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logline.h"
#include "policy.h"
#include "xtext.h"

/* attr_of - which attribute a name is, or -1: by length first (31 lines
 * a request, 16 of them names certrelay does not use) */
static int
attr_of(const char *s, size_t n)
{
#define IS(name, a) \
	if (memcmp(s, name, sizeof(name) - 1) == 0) \
		return a
	switch (n) {
	case 6:  IS("sender", PA_SENDER); break;
	case 7:  IS("request", PA_REQUEST); break;
	case 8:  IS("queue_id", PA_QUEUE_ID); break;
	case 9:  IS("recipient", PA_RECIPIENT); break;
	case 11: IS("client_name", PA_CLIENT_NAME);
		 IS("sasl_method", PA_SASL_METHOD); break;
	case 12: IS("ccert_issuer", PA_CCERT_ISSUER); break;
	case 13: IS("ccert_subject", PA_CCERT_SUBJECT);
		 IS("sasl_username", PA_SASL_USERNAME); break;
	case 14: IS("protocol_state", PA_PROTOCOL_STATE);
		 IS("client_address", PA_CLIENT_ADDRESS); break;
	case 17: IS("ccert_fingerprint", PA_CCERT_FINGERPRINT);
		 IS("encryption_cipher", PA_ENCRYPTION_CIPHER); break;
	case 18: IS("encryption_keysize", PA_ENCRYPTION_KEYSIZE); break;
	case 19: IS("encryption_protocol", PA_ENCRYPTION_PROTOCOL); break;
	case 24: IS("ccert_pubkey_fingerprint", PA_CCERT_PUBKEY_FINGERPRINT);
		 break;
	}
	return -1;
#undef IS
}

/* policy_clear - an empty request; the values' buffer stays as it is */
static void
policy_clear(struct policy_req *pr)
{
	int k;

	pr->nul = 0;
	for (k = 0; k < PA_NATTRS; k++) {
		pr->val[k] = &pr->nul;
		pr->set[k] = 0;
	}
	pr->nlines = 0;
	pr->used = 0;
}

/* compact - the values in use moved to the front, but a's, about to be
 * replaced: only repeated attributes ever get here */
static void
compact(struct policy_req *pr, enum policy_attr a)
{
	char *next = pr->buf;
	size_t n;
	int k, low;

	pr->set[a] = 0;
	pr->val[a] = &pr->nul;
	for (;;) {			/* in buffer order: moves go down */
		for (low = -1, k = 0; k < PA_NATTRS; k++)
			if (pr->set[k] && pr->val[k] >= next && (low < 0 ||
			    pr->val[k] < pr->val[low]))
				low = k;
		if (low < 0)
			break;
		n = strlen(pr->val[low]) + 1;
		memmove(next, pr->val[low], n);
		pr->val[low] = next;
		next += n;
	}
	pr->used = (size_t)(next - pr->buf);
}

/* policy_set - one attribute's value (the last one sent wins) */
void
policy_set(struct policy_req *pr, enum policy_attr a, const char *v,
    size_t len)
{
	if (len >= POLICY_LINE_MAX)
		len = POLICY_LINE_MAX - 1;
	/* 14 others at most POLICY_LINE_MAX each: then it fits */
	if (pr->used + len + 1 > sizeof(pr->buf))
		compact(pr, a);
	pr->val[a] = pr->buf + pr->used;
	memcpy(pr->val[a], v, len);
	pr->val[a][len] = 0;
	pr->used += len + 1;
	pr->set[a] = 1;
}

/* policy_init - an empty parser */
void
policy_init(struct policy_parser *p)
{
	p->len = 0;
	policy_clear(&p->req);
}

/* take_line - one complete line; the empty one ends a request */
static int
take_line(struct policy_parser *p, const char *line, size_t len,
    policy_fn fn, void *ctx, struct diag *d)
{
	const char *eq;
	size_t n, vlen;
	int k, r;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0) {
		if (p->req.nlines == 0)
			return 0;	/* stray empty line */
		r = fn(ctx, &p->req);
		policy_clear(&p->req);
		return r < 0 ? diag_set(d, NULL, 0, "request failed") : 0;
	}
	if ((eq = memchr(line, '=', len)) == NULL)
		return diag_set(d, NULL, 0, "attribute line without '='");
	n = (size_t)(eq - line);
	vlen = len - n - 1;		/* < POLICY_LINE_MAX: fits with its NUL */
	p->req.nlines++;
	if ((k = attr_of(line, n)) >= 0)
		policy_set(&p->req, (enum policy_attr)k, eq + 1, vlen);
	return 0;
}

/* policy_feed - bytes in, complete requests out */
int
policy_feed(struct policy_parser *p, const char *buf, size_t len,
    policy_fn fn, void *ctx, struct diag *d)
{
	const char *nl, *line, *nul;
	size_t n;

	/* one look for a NUL per read, not one per line; the lines before
	 * it are still served, as Postfix would see them */
	nul = memchr(buf, 0, len);
	while (len > 0) {
		nl = memchr(buf, '\n', len);
		n = nl ? (size_t)(nl - buf) : len;
		if (nul != NULL && nul < buf + n)
			return diag_set(d, NULL, 0, "NUL byte in request");
		if (p->len + n > POLICY_LINE_MAX)
			return diag_set(d, NULL, 0, "attribute line longer "
			    "than %d bytes", POLICY_LINE_MAX);
		/* a line wholly in buf is read there; only a line split
		 * across reads is gathered in p->line */
		if (nl == NULL || p->len > 0) {
			memcpy(p->line + p->len, buf, n);
			p->len += n;
		}
		if (nl == NULL)
			break;
		line = p->len > 0 ? p->line : buf;
		if (take_line(p, line, p->len > 0 ? p->len : n, fn, ctx, d) < 0)
			return -1;
		p->len = 0;
		buf += n + 1;
		len -= n + 1;
	}
	return 0;
}

/* decode - an xtext attribute in place (decoding only shrinks) */
static int
decode(struct policy_req *pr, enum policy_attr a)
{
	size_t len = strlen(pr->val[a]), n;

	if (xtext_decode(pr->val[a], len, pr->val[a], len + 1, &n) < 0 ||
	    memchr(pr->val[a], 0, n) != NULL)
		return -1;
	return 0;
}

/* policy_request - attributes to the request decide() reads */
int
policy_request(struct policy_req *pr, struct request *r)
{
	int bad = 0;

	request_init(r);
	bad |= decode(pr, PA_CCERT_SUBJECT) | decode(pr, PA_CCERT_ISSUER);
	r->form = REQ_FORM_POSTFIX;
	r->gateless = 1;	/* its DUNNO leaves relay to Postfix */
	r->id = pr->val[PA_QUEUE_ID];
	r->client_addr = pr->val[PA_CLIENT_ADDRESS];
	r->client_name = pr->val[PA_CLIENT_NAME];
	r->rcpt = pr->set[PA_RECIPIENT] ? pr->val[PA_RECIPIENT] : NULL;
	r->subject = bad ? NULL : pr->val[PA_CCERT_SUBJECT];
	r->issuer = bad ? NULL : pr->val[PA_CCERT_ISSUER];
	r->fingerprint = pr->val[PA_CCERT_FINGERPRINT];
	r->pubkey_fingerprint = pr->val[PA_CCERT_PUBKEY_FINGERPRINT];
	r->verify = !bad && pr->val[PA_CCERT_ISSUER][0] ? VERIFY_OK :
	    pr->val[PA_CCERT_FINGERPRINT][0] ? VERIFY_FAIL : VERIFY_NONE;
	r->tls_version = pr->val[PA_ENCRYPTION_PROTOCOL];
	r->cipher = pr->val[PA_ENCRYPTION_CIPHER];
	r->cipher_bits = pr->set[PA_ENCRYPTION_KEYSIZE] ?
	    decide_number(pr->val[PA_ENCRYPTION_KEYSIZE], NULL) : -1;
	r->auth_type = pr->val[PA_SASL_METHOD];
	r->auth_user = pr->val[PA_SASL_USERNAME];
	/* "sender=" empty is the null sender; not sent: not known */
	r->sender = pr->set[PA_SENDER] ? pr->val[PA_SENDER] : NULL;
	return bad ? -1 : 0;
}

/* fixed - a constant answer */
static int
fixed(const char *s, size_t len, char *buf, size_t size)
{
	if (len >= size)
		return -1;
	memcpy(buf, s, len + 1);
	return (int)len;
}

#define FIXED(s, buf, size)	fixed(s, sizeof(s) - 1, buf, size)

/* How Postfix is answered. */
enum pans {
	PANS_UNSET,		/* no row: a kind added without its answer */
	PANS_DUNNO,		/* Postfix's own restrictions decide */
	PANS_OK,		/* a certificate rule relays */
	PANS_REPLY,		/* the decision's SMTP reply */
	PANS_DISCARD
};

/* By kind, what a relay and what a refusal answer: Postfix grants relay
 * to AUTH and to its networks (permit_sasl_authenticated,
 * permit_mynetworks) and refuses for the gatekeeper
 * (reject_unauth_destination) by its own restrictions. */
static const struct {
	enum pans relay, refuse;
} by_kind[KIND_NKINDS] = {
	[KIND_NONE] =		{ PANS_DUNNO, PANS_REPLY },
	[KIND_FINGERPRINT] =	{ PANS_OK, PANS_REPLY },
	[KIND_SUBJECT] =	{ PANS_OK, PANS_REPLY },
	[KIND_EMAIL] =		{ PANS_OK, PANS_REPLY },
	[KIND_ISSUER] =		{ PANS_OK, PANS_REPLY },
	[KIND_ACCESS] =		{ PANS_OK, PANS_REPLY },
	[KIND_REGEX] =		{ PANS_OK, PANS_REPLY },
	[KIND_ATTRIBUTE] =	{ PANS_OK, PANS_REPLY },
	[KIND_INDEX] =		{ PANS_OK, PANS_REPLY },
	[KIND_NO_RULE] =	{ PANS_DUNNO, PANS_REPLY },
	[KIND_NO_CERT] =	{ PANS_DUNNO, PANS_REPLY },
	[KIND_LOCAL] =		{ PANS_DUNNO, PANS_REPLY },
	[KIND_AUTH] =		{ PANS_DUNNO, PANS_REPLY },
	[KIND_TRUSTED] =	{ PANS_DUNNO, PANS_REPLY },
	[KIND_GATEKEEPER] =	{ PANS_DUNNO, PANS_DUNNO },
	[KIND_EXPIRED] =	{ PANS_DUNNO, PANS_REPLY },
	[KIND_REVOKED] =	{ PANS_DUNNO, PANS_REPLY },
	[KIND_CRL_STALE] =	{ PANS_DUNNO, PANS_REPLY },
	[KIND_BINDING] =	{ PANS_DUNNO, PANS_REPLY },
	[KIND_RATE] =		{ PANS_DUNNO, PANS_REPLY },
};

/* answer_of - the row that answers a decision */
static enum pans
answer_of(const struct decision *dec)
{
	if ((unsigned)dec->kind >= KIND_NKINDS)
		return PANS_UNSET;
	switch (dec->action) {
	case ACT_DUNNO:
	case ACT_SUBJECT:
		return PANS_DUNNO;
	case ACT_RELAY:
		return by_kind[dec->kind].relay;
	case ACT_REJECT:
	case ACT_TEMPFAIL:
	case ACT_ERROR:
		return dec->code[0] ? by_kind[dec->kind].refuse : PANS_DUNNO;
	case ACT_DISCARD:
		return PANS_DISCARD;
	}
	return PANS_UNSET;
}

/* policy_answer - "action=..." for a decision */
int
policy_answer(const struct decision *dec, int header_mode,
    const char *header_name, const char *header_value, char *buf,
    size_t size)
{
	char reply[DECIDE_REPLY_MAX];
	int n;

	switch (answer_of(dec)) {
	case PANS_UNSET:
		return -1;
	case PANS_DUNNO:
		return FIXED("action=DUNNO\n\n", buf, size);
	case PANS_DISCARD:
		return FIXED("action=DISCARD certrelay\n\n", buf, size);
	case PANS_OK:
		if (!header_mode)
			return FIXED("action=OK\n\n", buf, size);
		if (!header_name[0])
			return FIXED("action=DUNNO\n\n", buf, size);
		n = snprintf(buf, size, "action=PREPEND %s: %s\n\n",
		    header_name, header_value);
		break;
	case PANS_REPLY:
		decide_reply(dec, reply, sizeof(reply));
		n = snprintf(buf, size, "action=%s\n\n", reply);
		break;
	default:
		return -1;
	}
	return n < 0 || (size_t)n >= size ? -1 : n;
}
