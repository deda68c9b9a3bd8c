/*
 * logline - one key=value line per decision, and the trace header
 *
 * SYNOPSIS
 *	#include "logline.h"
 *	void	logline_format(const struct request *r,
 *		    const struct decision *dec, const char *stage, char *buf,
 *		    size_t size);
 *	void	logline_header(const struct request *r,
 *		    const struct decision *dec, char *buf, size_t size);
 * DESCRIPTION
 *	logline_format() writes what a front-end logs for one decision, in a
 *	fixed key order, keys only when known, values with spaces, quotes or
 *	control bytes quoted ("id: action=RELAY stage=rcpt rule=issuers:7
 *	kind=issuer verify=OK subject=\"CN=Alice Martin,...\" ...").
 *	logline_header() writes the value of the header added to relayed
 *	mail: subject, issuer, fingerprint and the rule, in ASCII (other
 *	bytes as \xHH) and with no line breaks, so it folds nowhere and
 *	cannot inject a header. Both truncate rather than overflow.
 * OWNERSHIP
 *	The caller owns buf.
 */
#include <stdio.h>
#include <string.h>

#include "logline.h"

static const char *verify_names[] = {
	[VERIFY_UNKNOWN] = NULL, [VERIFY_OK] = "OK", [VERIFY_FAIL] = "FAIL",
	[VERIFY_NONE] = "NONE",
};

struct lb {
	char	*buf;
	size_t	size, n;
	int	ascii;			/* header: escape every non-ASCII byte */
};

/* raw - append, truncating */
static void
raw(struct lb *b, const char *s, size_t len)
{
	if (b->n + 1 >= b->size)
		return;
	if (len > b->size - b->n - 1)
		len = b->size - b->n - 1;
	memcpy(b->buf + b->n, s, len);
	b->n += len;
	b->buf[b->n] = 0;
}

/* kv - " key=value", quoted when it must be; nothing if value unset */
static void
kv(struct lb *b, const char *key, const char *val)
{
	char esc[8];
	const unsigned char *p, *run;
	int quote;

	if (val == NULL || *val == 0)
		return;
	/* most values are one plain run: one pass, one copy */
	for (p = (const unsigned char *)val; *p > 0x20 && *p < 0x7f &&
	    *p != '"' && *p != '\\' && *p != '='; p++)
		;
	if (*p == 0) {
		if (b->n > 0)
			raw(b, " ", 1);
		raw(b, key, strlen(key));
		raw(b, "=", 1);
		raw(b, val, (size_t)(p - (const unsigned char *)val));
		return;
	}
	quote = val[strcspn(val, " \"\\=")] != 0;
	for (p = (const unsigned char *)val; *p; p++)
		if (*p < 0x20 || *p == 0x7f || (b->ascii && *p >= 0x80))
			quote = 1;
	if (b->n > 0)
		raw(b, " ", 1);
	raw(b, key, strlen(key));
	raw(b, quote ? "=\"" : "=", quote ? 2 : 1);
	for (p = (const unsigned char *)val; *p; ) {
		/* bytes that need nothing, in one copy */
		for (run = p; *p && *p >= 0x20 && *p != 0x7f && !(b->ascii &&
		    *p >= 0x80) && !(quote && (*p == '"' || *p == '\\')); p++)
			;
		raw(b, (const char *)run, (size_t)(p - run));
		if (*p == 0)
			break;
		if (*p < 0x20 || *p == 0x7f || *p >= 0x80) {
			snprintf(esc, sizeof(esc), "\\x%02X", *p);
			raw(b, esc, 4);
		} else {
			raw(b, "\\", 1);
			raw(b, (const char *)p, 1);
		}
		p++;
	}
	if (quote)
		raw(b, "\"", 1);
}

/* num - a non-negative int in decimal at the end of b */
static void
num(struct lb *b, int v)
{
	char digits[12];
	size_t i = sizeof(digits);

	do
		digits[--i] = (char)('0' + v % 10);
	while ((v /= 10) > 0 && i > 0);
	raw(b, digits + i, sizeof(digits) - i);
}

/* rule - "table:line" */
static void
rule(struct lb *b, const struct decision *dec)
{
	char tmp[1200];
	struct lb t = { tmp, sizeof(tmp), 0, 0 };

	if (dec->table == NULL)
		return;
	raw(&t, dec->table, strlen(dec->table));
	raw(&t, ":", 1);
	num(&t, dec->line < 0 ? 0 : dec->line);
	kv(b, "rule", tmp);
}

/* logline_format - the decision's log line */
void
logline_format(const struct request *r, const struct decision *dec,
    const char *stage, char *buf, size_t size)
{
	struct lb b = { buf, size, 0, 0 };
	char client[512], bits[16];
	struct lb c = { client, sizeof(client), 0, 0 };
	struct lb n = { bits, sizeof(bits), 0, 0 };

	buf[0] = 0;
	if (r->id && *r->id) {
		raw(&b, r->id, strlen(r->id));
		raw(&b, ":", 1);
	}
	kv(&b, "action", action_name(dec->action));
	kv(&b, "stage", stage);
	rule(&b, dec);
	kv(&b, "kind", dec->kind);
	kv(&b, "reply", dec->reply);
	kv(&b, "verify", verify_names[r->verify]);
	kv(&b, "subject", r->subject_canon);
	kv(&b, "issuer", r->issuer_canon);
	kv(&b, "fp", r->fp_text);
	/* Postfix names an unresolved client "[addr]" already */
	if (r->client_addr && *r->client_addr) {
		if (r->client_name && r->client_name[0] == '[')
			raw(&c, r->client_name, strlen(r->client_name));
		else {
			raw(&c, r->client_name ? r->client_name : "unknown",
			    r->client_name ? strlen(r->client_name) : 7);
			raw(&c, "[", 1);
			raw(&c, r->client_addr, strlen(r->client_addr));
			raw(&c, "]", 1);
		}
		kv(&b, "client", client);
	}
	kv(&b, "tls", r->tls_version);
	if (r->cipher_bits >= 0 && r->tls_version && *r->tls_version) {
		num(&n, r->cipher_bits);
		kv(&b, "bits", bits);
	}
	kv(&b, "auth", r->auth_type);
	kv(&b, "user", r->auth_user);
	kv(&b, "rcpt", r->rcpt);
	kv(&b, "note", r->note);
}

/* logline_header - the trace header's value */
void
logline_header(const struct request *r, const struct decision *dec,
    char *buf, size_t size)
{
	struct lb b = { buf, size, 0, 1 };

	buf[0] = 0;
	kv(&b, "subject", r->subject_canon);
	kv(&b, "issuer", r->issuer_canon);
	kv(&b, "fp", r->fp_text);
	rule(&b, dec);
	kv(&b, "kind", dec->kind);
}
