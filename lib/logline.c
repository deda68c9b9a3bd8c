/*
 * logline - one key=value line per decision, and the trace header
 *
 * SYNOPSIS
 *	#include "logline.h"
 *	size_t	logline_format(struct request *r,
 *		    const struct decision *dec, const char *stage, char *buf,
 *		    size_t size);
 *	void	logline_header(struct request *r,
 *		    const struct decision *dec, char *buf, size_t size);
 *	size_t	logline_kv(char *buf, size_t size, const char *key,
 *		    const char *val);
 * DESCRIPTION
 *	logline_format() writes what a front-end logs for one decision, in a
 *	fixed key order, keys only when known, values with spaces, quotes or
 *	control bytes quoted ("id: action=RELAY stage=rcpt rule=issuers:7
 *	kind=issuer verify=OK subject=\"CN=Alice Martin,...\" ..."; the
 *	sender too when the sender binding refused it).
 *	logline_format() returns the line's length, as strlen() would.
 *	logline_header() writes the value of the header added to relayed
 *	mail: subject, issuer, fingerprint, the rule and the sender binding
 *	that passed (sender_binding_text()), in ASCII (other
 *	bytes as \xHH) and with no line breaks, so it folds nowhere and
 *	cannot inject a header. Both truncate rather than overflow, and
 *	format the request's names first if decide() left them to the log
 *	(request_names()).
 *	logline_kv() appends " key=value" to the string in buf (no space
 *	first in an empty buf), escaped as in logline_format(): for any
 *	other line that names a value a client chose (a user name), which
 *	must not start a log line of its own. It returns the new length.
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

/* why a byte of a value needs care in kv() */
#define C_QUOTE	1		/* space, '=', '"', '\\': the value is quoted */
#define C_BSL	2		/* '"', '\\': a backslash before it, in quotes */
#define C_CTL	4		/* control byte or DEL: quoted, \xHH */
#define C_HIGH	8		/* >= 0x80: quoted and \xHH in the header */

static const unsigned char cls[256] = {
	[0 ... 0x1f] = C_CTL, [' '] = C_QUOTE, ['"'] = C_QUOTE | C_BSL,
	['='] = C_QUOTE, ['\\'] = C_QUOTE | C_BSL, [0x7f] = C_CTL,
	[0x80 ... 0xff] = C_HIGH,
};

/* kv - " key=value", quoted when it must be; nothing if value unset */
#define kv(b, key, val)	kvn(b, key, sizeof(key) - 1, val)

static void
kvn(struct lb *b, const char *key, size_t klen, const char *val)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p, *run;
	unsigned f = 0, esc;
	size_t vlen;
	char x[4], *o;
	int quote;

	if (val == NULL || *val == 0)
		return;
	/* one pass learns what the value needs; most need one copy */
	for (p = (const unsigned char *)val; *p; p++)
		f |= cls[*p];
	vlen = (size_t)(p - (const unsigned char *)val);
	quote = (f & (C_QUOTE | C_CTL)) || (b->ascii && (f & C_HIGH));
	esc = C_CTL | (b->ascii ? C_HIGH : 0) | (quote ? C_BSL : 0);
	/* the common case, written in place: ' ', key, '=', two quotes */
	if ((f & esc) == 0 && b->n + klen + vlen + 5 <= b->size) {
		o = b->buf + b->n;
		if (b->n > 0)
			*o++ = ' ';
		memcpy(o, key, klen);
		o += klen;
		*o++ = '=';
		if (quote)
			*o++ = '"';
		memcpy(o, val, vlen);
		o += vlen;
		if (quote)
			*o++ = '"';
		*o = 0;
		b->n = (size_t)(o - b->buf);
		return;
	}
	if (b->n > 0)
		raw(b, " ", 1);
	raw(b, key, klen);
	raw(b, quote ? "=\"" : "=", quote ? 2 : 1);
	if ((f & esc) == 0)
		raw(b, val, vlen);
	else
		for (p = (const unsigned char *)val; *p; p++) {
			for (run = p; *p && (cls[*p] & esc) == 0; p++)
				;
			raw(b, (const char *)run, (size_t)(p - run));
			if (*p == 0)
				break;
			x[0] = '\\';
			if (cls[*p] & C_BSL) {
				x[1] = (char)*p;
				raw(b, x, 2);
			} else {
				x[1] = 'x';
				x[2] = hex[*p >> 4];
				x[3] = hex[*p & 15];
				raw(b, x, 4);
			}
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

/* logline_format - the decision's log line; its length */
size_t
logline_format(struct request *r, const struct decision *dec,
    const char *stage, char *buf, size_t size)
{
	struct lb b = { buf, size, 0, 0 };
	char client[512], bits[16], reply[DECIDE_REPLY_MAX];
	struct lb c = { client, sizeof(client), 0, 0 };
	struct lb n = { bits, sizeof(bits), 0, 0 };

	buf[0] = 0;
	request_names(r);
	if (r->id && *r->id) {
		raw(&b, r->id, strlen(r->id));
		raw(&b, ":", 1);
	}
	kv(&b, "action", action_name(dec->action));
	kv(&b, "stage", stage);
	rule(&b, dec);
	kv(&b, "kind", decide_kind_name(dec->kind));
	decide_reply(dec, reply, sizeof(reply));
	kv(&b, "reply", reply);
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
	if (dec->kind == KIND_BINDING)	/* the sender it refused */
		kv(&b, "sender", r->sender && *r->sender ? r->sender : "<>");
	kv(&b, "note", r->note);
	return b.n;
}

/* logline_header - the trace header's value */
void
logline_header(struct request *r, const struct decision *dec,
    char *buf, size_t size)
{
	struct lb b = { buf, size, 0, 1 };
	char bind[DIAG_FILE_MAX + 32];

	buf[0] = 0;
	request_names(r);
	kv(&b, "subject", r->subject_canon);
	kv(&b, "issuer", r->issuer_canon);
	kv(&b, "fp", r->fp_text);
	rule(&b, dec);
	kv(&b, "kind", decide_kind_name(dec->kind));
	sender_binding_text(r, bind, sizeof(bind));
	kv(&b, "binding", bind);
}

/* logline_kv - one escaped key=value, appended */
size_t
logline_kv(char *buf, size_t size, const char *key, const char *val)
{
	struct lb b = { buf, size, 0, 0 };

	if (size == 0)
		return 0;
	b.n = strnlen(buf, size - 1);
	buf[b.n] = 0;
	kvn(&b, key, strlen(key), val);
	return b.n;
}
