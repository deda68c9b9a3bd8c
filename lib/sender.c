/*
 * sender - the envelope sender a client certificate owns
 *
 * SYNOPSIS
 *	#include "sender.h"
 *	int	sender_bind_parse(const char *s, enum sender_bind *b);
 *	const char *sender_bind_name(enum sender_bind b);
 *	int	sender_list_check(const char *s, size_t len, char *out,
 *		    size_t size, size_t *olen, struct diag *d);
 *	int	sender_addr(const char *raw, const char **addr, size_t *len);
 *	int	sender_equal(const char *a, size_t alen, const char *b,
 *		    size_t blen);
 *	int	sender_in_list(const char *list, size_t llen,
 *		    const char *addr, size_t alen);
 *	int	sender_add_email(struct request *r, const char *s,
 *		    size_t len);
 *	int	sender_owned(const struct request *r, enum sender_bind b);
 *	size_t	sender_binding_text(const struct request *r, char *buf,
 *		    size_t size);
 * DESCRIPTION
 *	sender_binding = none | cert-email | table (sender_bind_parse(),
 *	sender_bind_name()). Two addresses are the same sender when their
 *	domains are equal in any case and their local parts byte for byte
 *	(RFC 5321 2.4: only the mailbox's host may read a local part's case;
 *	"Alice.Martin@x" does not own "alice.martin@x"). An address
 *	without '@' owns nothing and is owned by nothing.
 *
 *	sender_list_check() reads a sender_table value: addresses and
 *	"@domain"s (any sender of that domain, not of its subdomains),
 *	separated by commas or white space, as smtpd_sender_login_maps
 *	lists them; an item has exactly one '@'. It writes the list as it is stored, one space between
 *	items, each domain in lower case. A quoted local part with a space
 *	in it cannot be written.
 *	sender_addr() takes MAIL FROM as the MTA passes it ("<a@b>", "a@b",
 *	"<>" or "" for the null sender) and points at the address alone; it
 *	returns 0 for the null sender, else 1. sender_equal() compares two
 *	addresses as above; sender_in_list() says whether a stored list
 *	names an address.
 *
 *	sender_add_email() keeps one of the certificate's own addresses
 *	in r (decide() calls it for a verified certificate that relays).
 *	sender_owned() is the binding's verdict for r->sender: a sender not
 *	known yet (NULL) and the null sender are owned (a relay client's
 *	bounces and delivery reports are its to send); cert-email wants
 *	one of the certificate's addresses, table one that the entry decide()
 *	found (r->bind_list) names. sender_binding_text() is how the trace
 *	header names the binding that passed: "cert-email" or
 *	"table:<path>:<line>" ("" when none did).
 * DIAGNOSTICS
 *	sender_bind_parse(): 0, or -1 for an unknown word.
 *	sender_list_check(): 0, or -1 with d->what naming the bad item.
 *	sender_add_email(): 0, or -1 when the address is not kept (no
 *	'@', a NUL, no room).
 * OWNERSHIP
 *	Plain values; *addr points into raw.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "decide.h"
#include "sender.h"

static const char *const bind_names[] = {
	[SENDER_BIND_NONE] = "none",
	[SENDER_BIND_CERT_EMAIL] = "cert-email",
	[SENDER_BIND_TABLE] = "table",
};

/* sender_bind_parse - "cert-email" -> SENDER_BIND_CERT_EMAIL */
int
sender_bind_parse(const char *s, enum sender_bind *b)
{
	size_t k;

	for (k = 0; k < sizeof(bind_names) / sizeof(bind_names[0]); k++)
		if (strcasecmp(s, bind_names[k]) == 0) {
			*b = (enum sender_bind)k;
			return 0;
		}
	return -1;
}

/* sender_bind_name - "cert-email" */
const char *
sender_bind_name(enum sender_bind b)
{
	return (unsigned)b < sizeof(bind_names) / sizeof(bind_names[0]) ?
	    bind_names[b] : "";
}

/* last_at - the '@' before the domain, or NULL */
static const char *
last_at(const char *s, size_t len)
{
	while (len > 0)
		if (s[--len] == '@')
			return s + len;
	return NULL;
}

/* check_item - one item of a list: "local@domain" or "@domain" */
static int
check_item(const char *s, size_t len, struct diag *d)
{
	const char *at = last_at(s, len);
	size_t i;

	if (len >= SENDER_ADDR_MAX)
		return diag_set(d, NULL, 0, "sender \"%.40s...\" longer than "
		    "%d bytes", s, SENDER_ADDR_MAX - 1);
	/* one '@': "@@x" or "a@b@x" would read two ways */
	if (at == NULL || at == s + len - 1 || memchr(s, '@',
	    (size_t)(at - s)) != NULL)
		return diag_set(d, NULL, 0, "\"%.*s\" is neither an address "
		    "nor an @domain", (int)(len > 60 ? 60 : len), s);
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f ||
		    strchr("<>\"", s[i]) != NULL)
			return diag_set(d, NULL, 0, "\"%.*s\": write a bare "
			    "address, without <>, quotes or control bytes",
			    (int)(len > 60 ? 60 : len), s);
	return 0;
}

/* sender_list_check - a sender_table value, checked and normalised */
int
sender_list_check(const char *s, size_t len, char *out, size_t size,
    size_t *olen, struct diag *d)
{
	const char *at;
	size_t i = 0, w, o = 0, k;

	for (;;) {
		while (i < len && (isspace((unsigned char)s[i]) || s[i] == ','))
			i++;
		if (i >= len)
			break;
		for (w = i; w < len && !isspace((unsigned char)s[w]) &&
		    s[w] != ','; w++)
			;
		if (check_item(s + i, w - i, d) < 0)
			return -1;
		if (o + (w - i) + 2 > size)
			return diag_set(d, NULL, 0, "sender list longer than "
			    "%zu bytes", size - 1);
		if (o > 0)
			out[o++] = ' ';
		at = last_at(s + i, w - i);
		for (k = i; k < w; k++)
			out[o++] = s + k > at ? (char)tolower((unsigned char)
			    s[k]) : s[k];
		i = w;
	}
	if (o == 0)
		return diag_set(d, NULL, 0, "no sender after the key");
	out[o] = 0;
	*olen = o;
	return 0;
}

/* sender_addr - MAIL FROM without its brackets; 0 for <> */
int
sender_addr(const char *raw, const char **addr, size_t *len)
{
	size_t n;

	while (isspace((unsigned char)*raw))
		raw++;
	n = strlen(raw);
	while (n > 0 && isspace((unsigned char)raw[n - 1]))
		n--;
	if (n >= 2 && raw[0] == '<' && raw[n - 1] == '>') {
		raw++;
		n -= 2;
	}
	*addr = raw;
	*len = n;
	return n > 0;
}

/* sender_equal - exact local part, domain in any case */
int
sender_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	const char *aa = last_at(a, alen), *ba = last_at(b, blen);
	size_t al, bl;

	if (aa == NULL || ba == NULL)
		return 0;
	al = (size_t)(aa - a);
	bl = (size_t)(ba - b);
	return al == bl && alen - al == blen - bl && memcmp(a, b, al) == 0 &&
	    strncasecmp(aa, ba, alen - al) == 0;
}

/* sender_in_list - a stored list names addr (itself or its domain) */
int
sender_in_list(const char *list, size_t llen, const char *addr,
    size_t alen)
{
	const char *at = last_at(addr, alen), *end = list + llen, *w;

	if (at == NULL)
		return 0;
	while (list < end) {
		for (w = list; w < end && *w != ' '; w++)
			;
		if (list[0] == '@' ? (size_t)(w - list) == alen - (size_t)(at -
		    addr) && strncasecmp(list, at, (size_t)(w - list)) == 0 :
		    sender_equal(list, (size_t)(w - list), addr, alen))
			return 1;
		list = w + 1;
	}
	return 0;
}

/* sender_add_email - one of the certificate's addresses, kept in r */
int
sender_add_email(struct request *r, const char *s, size_t len)
{
	if (len == 0 || memchr(s, 0, len) != NULL || last_at(s, len) == NULL ||
	    r->emails_len + len + 1 > sizeof(r->emails))
		return -1;
	memcpy(r->emails + r->emails_len, s, len);
	r->emails_len += len;
	r->emails[r->emails_len++] = 0;
	return 0;
}

/* sender_owned - the binding's verdict on r->sender */
int
sender_owned(const struct request *r, enum sender_bind b)
{
	const char *addr, *e;
	size_t alen, n;

	if (b == SENDER_BIND_NONE || r->sender == NULL ||
	    sender_addr(r->sender, &addr, &alen) == 0)
		return 1;
	if (b == SENDER_BIND_TABLE)
		return r->bind_list != NULL && sender_in_list(r->bind_list,
		    r->bind_len, addr, alen);
	for (e = r->emails; e < r->emails + r->emails_len; e += n + 1) {
		n = strlen(e);
		if (sender_equal(e, n, addr, alen))
			return 1;
	}
	return 0;
}

/* sender_binding_text - "cert-email", "table:senders:3", or "" */
size_t
sender_binding_text(const struct request *r, char *buf, size_t size)
{
	int n;

	if (size == 0)
		return 0;
	if (r->bound == SENDER_BIND_TABLE && r->bind_table != NULL)
		n = snprintf(buf, size, "table:%s:%d", r->bind_table,
		    r->bind_line);
	else
		n = snprintf(buf, size, "%s", r->bound ?
		    sender_bind_name((enum sender_bind)r->bound) : "");
	if (n < 0) {
		buf[0] = 0;
		return 0;
	}
	return (size_t)n < size ? (size_t)n : size - 1;
}
