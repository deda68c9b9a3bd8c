/*
 * dn - distinguished names in every spelling the MTAs and admins use
 *
 * SYNOPSIS
 *	#include "dn.h"
 *	int	dn_parse_rfc4514(const char *s, size_t len, struct dn **out,
 *		    struct diag *d);
 *	int	dn_parse_oneline(const char *s, size_t len, struct dn **out,
 *		    struct diag *d);
 *	int	dn_parse_sendmail(const char *s, size_t len, struct dn **out,
 *		    struct diag *d);
 *	int	dn_parse_any(const char *s, size_t len, struct dn **out,
 *		    struct diag *d);
 *	int	dn_from_cn(const char *cn, size_t len, struct dn **out,
 *		    struct diag *d);
 *	int	dn_from_x509(const X509_NAME *name, struct dn **out,
 *		    struct diag *d);
 *	int	dn_format(const struct dn *dn, enum dn_form form, char *buf,
 *		    size_t size);
 *	int	dn_equal(const struct dn *a, const struct dn *b);
 *	int	dn_cn_key(const struct dn *dn, char *buf, size_t size);
 *	int	dn_count(const struct dn *dn);
 *	int	dn_ava(const struct dn *dn, int i, const char **type,
 *		    const char **val, size_t *len);
 *	const char *dn_get(const struct dn *dn, const char *type,
 *		    size_t *len);
 *	int	dn_maybe_cut(const struct dn *dn);
 *	int	dn_cn_only(const struct dn *dn);
 *	const char *dn_ambiguous(const struct dn *dn, enum dn_quoting q);
 *	const char *dn_doubt(const struct dn *dn, enum dn_quoting q);
 *	int	dn_canon_type(const char *in, size_t len, char *out,
 *		    size_t size);
 *	void	dn_free(struct dn *dn);
 * DESCRIPTION
 *	A struct dn is a list of attribute/value pairs in X.509 order (most
 *	significant RDN first, as OpenSSL's oneline form prints them), each
 *	tagged with its RDN so multi-valued RDNs survive. Attribute types
 *	are canonical OpenSSL short names ("CN", "OU", "emailAddress") or a
 *	dotted OID (dn_canon_type() makes them so); values are the bytes the
 *	certificate carries (UTF-8 for UTF8String). dn_count() and dn_ava()
 *	walk the pairs.
 *
 *	dn_parse_oneline() reads OpenSSL's X509_NAME_oneline() form
 *	("/C=FR/O=CNRS/CN=Jean Dupont", "\/" and "\+" for literal '/' and
 *	'+', '+' joining a multi-valued RDN). "\xHH" is decoded only where
 *	OpenSSL writes it, for a control byte, 0x7F or a byte above 0x7F:
 *	OpenSSL never escapes printable ASCII nor a literal backslash, so
 *	"\x20" in a value is those four bytes, not a space.
 *	A '+' that does not start a known "TYPE=" is taken literally, as an
 *	admin writes "CN=Jean+20Dupont+2BFils" by hand; a '/' must be
 *	escaped ("+5C/"), or a typo would silently join two RDNs.
 *	dn_parse_sendmail() first undoes Sendmail's xtext layer ("+20"), and
 *	marks the name as possibly cut when it is long enough that Sendmail's
 *	255-byte buffer may have dropped trailing RDNs (DN_CUT_AT; then
 *	dn_maybe_cut() says so).
 *	dn_parse_rfc4514() reads RFC 4514 ("CN=Jean\20Dupont,O=CNRS,C=FR",
 *	'\' escapes of specials and hex pairs, quoted values).
 *	dn_parse_any() is what a table key goes through: '/' first means
 *	Sendmail's form (xtext then oneline), anything else RFC 4514.
 *	dn_from_cn() wraps a bare common name, as Postfix gives one, into a
 *	one-RDN name "CN=..." (dn_cn_only() then says so). dn_from_x509()
 *	reads an OpenSSL name (the certificate index), values as UTF-8.
 *
 *	dn_ambiguous() says whether the name the MTA sent may stand for
 *	another certificate's name, and so must grant nothing by name. Any
 *	name with a NUL byte in a value is ambiguous (a lookup key or an
 *	address would end there). A name read from Sendmail's or the
 *	oneline form is also ambiguous when a value holds a byte decoded
 *	from "\xHH" (the certificate may hold that text: an e-acute and
 *	"\xC3\xA9" typed in a CN arrive byte-identical), when a "\/" or
 *	"\+" is followed by "TYPE=" (it may be a value's trailing backslash
 *	before a real separator), or when it has two CNs or more. With
 *	DN_QUOTING_LEGACY (OpenSSL < 3, LibreSSL: '/' and '+' not escaped,
 *	so a CN "Mallory/OU=UMR7503" prints as "/CN=Mallory/OU=UMR7503") a
 *	oneline name is also ambiguous when any attribute follows its first
 *	CN, when it holds a "\/" or "\+" at all (that OpenSSL writes no
 *	such escape: the backslash is the certificate's), or when a '+'
 *	joins two attributes (that OpenSSL writes '/' between all of them,
 *	so the '+' is a value's), and in the end always: any value may
 *	hold an unescaped "/TYPE=". Table keys the admin wrote
 *	(dn_parse_rfc4514(), dn_parse_any()), Postfix's CN and index names
 *	are ambiguous only through a NUL. dn_doubt() adds what Sendmail's
 *	255-byte buffer may have done: a name over DN_CUT_AT, or a oneline
 *	name without a CN (its RDN did not fit and was dropped whole).
 *
 *	"The CN" of a name is its first CN in X.509 order: dn_get() returns
 *	the first value of a type, as OpenSSL's X509_NAME_get_index_by_NID()
 *	from -1 does, which is the CN Postfix sends (tls_peer_CN() in
 *	src/tls/tls_verify.c). dn_cn_key() is the lookup key of "CN=<that
 *	CN>": a DN rule written for Postfix's view meets the same CN on
 *	Sendmail and through the index.
 *
 *	dn_format() writes the canonical RFC 4514 string (RDNs reversed,
 *	multi-valued RDNs sorted, minimal escapes, UTF-8 kept, other
 *	non-ASCII bytes as \HH), its lower-cased lookup key, the paste-able
 *	table key (spaces as \20), Sendmail's xtext oneline form, or the
 *	form regex rules see (DN_REGEX: RFC 4514 with '"', '+', ',', ';',
 *	'<', '>' and '\' inside values as \HH, so that ",OU=" or "+CN="
 *	occurs only where an attribute really starts). Two names
 *	are equal when their DN_KEY forms are: X.500 caseIgnoreMatch, which
 *	is also how Sendmail's access map compares keys.
 * DIAGNOSTICS
 *	Parsers return 0, or -1 with d->what naming the column and problem.
 *	dn_format() and dn_cn_key() return 0, or -1 when buf is too small
 *	(dn_cn_key() writes "" for a name without a CN). dn_canon_type()
 *	returns -1 for a type that is neither known nor an OID. dn_ava()
 *	returns -1 past the last pair; dn_get(), NULL when the type is absent.
 * OWNERSHIP
 *	*out is the caller's, freed with dn_free() (which accepts NULL).
 *	dn_get() and dn_ava() return pointers into the struct dn;
 *	dn_ambiguous() returns static text.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>

#include "dn.h"
#include "hex.h"
#include "xtext.h"

struct dn_ava {
	int	rdn;
	char	type[DN_TYPE_MAX];
	size_t	off;			/* value offset in buf */
	size_t	len;
};

/* what makes a name ambiguous (dn_ambiguous), recorded by the parsers */
#define DN_F_NUL	0x01		/* a value holds a NUL byte */
#define DN_F_HEX	0x02		/* a byte decoded from "\xHH" */
#define DN_F_ESC_TYPE	0x04		/* "\/" or "\+" before "TYPE=" */
#define DN_F_ESC	0x08		/* "\/" or "\+" anywhere */
#define DN_F_TWO_CN	0x10		/* two CNs or more (oneline) */
#define DN_F_AFTER_CN	0x20		/* an attribute after the CN (oneline) */
#define DN_F_PLUS	0x40		/* a '+' joined two attributes (oneline) */
#define DN_F_ONELINE	0x80		/* read from OpenSSL's oneline text */

struct dn {
	int	n;
	int	maybe_cut;
	int	cn_only;
	unsigned flags;			/* DN_F_* */
	int	max_ava;
	struct dn_ava *ava;		/* max_ava of them, after the struct */
	size_t	used, size;
	char	*buf;			/* size bytes, after the AVAs */
};

/* dn_new - empty name with room for nava attributes and size bytes:
 * one block, sized to the need where it is known (Postfix's CN), so a
 * name per decision stays in malloc's fast per-thread cache */
static struct dn *
dn_new(int nava, size_t size, struct diag *d)
{
	struct dn *dn;

	/* not calloc: clearing ~10 KB per name was half a decision's cost */
	if ((dn = malloc(sizeof(*dn) + (size_t)nava * sizeof(struct dn_ava) +
	    size)) == NULL) {
		diag_set(d, NULL, 0, "out of memory");
		return NULL;
	}
	dn->n = dn->maybe_cut = dn->cn_only = 0;
	dn->flags = 0;
	dn->max_ava = nava;
	dn->ava = (struct dn_ava *)(dn + 1);
	dn->used = 0;
	dn->size = size;
	dn->buf = (char *)(dn->ava + nava);
	return dn;
}

/* nid_nocase - OpenSSL's names compared case-insensitively (rare path) */
static int
nid_nocase(const char *name)
{
	const char *sn, *ln;
	int nid, last = OBJ_new_nid(0);

	for (nid = 1; nid < last; nid++) {
		sn = OBJ_nid2sn(nid);
		ln = OBJ_nid2ln(nid);
		if ((sn && strcasecmp(sn, name) == 0) ||
		    (ln && strcasecmp(ln, name) == 0))
			return nid;
	}
	return NID_undef;
}

/* dn_canon_type - "cn", "CN", "commonName", "2.5.4.3" -> "CN" */
int
dn_canon_type(const char *in, size_t len, char *out, size_t size)
{
	static const struct {
		const char *name;
		size_t	len;		/* compared first */
	} common[] = {
		{ "C", 1 }, { "O", 1 }, { "OU", 2 }, { "CN", 2 }, { "L", 1 },
		{ "ST", 2 }, { "emailAddress", 12 }, { "DC", 2 }, { "UID", 3 },
		{ "serialNumber", 12 }, { NULL, 0 },
	};
	char tmp[DN_TYPE_MAX];
	size_t i;
	int nid;

	if (len == 0 || len >= sizeof(tmp))
		return -1;
	for (i = 0; common[i].name; i++)	/* the names every DN has */
		if (common[i].len == len && memcmp(in, common[i].name, len) ==
		    0) {
			if (len >= size)
				return -1;
			memcpy(out, common[i].name, len + 1);
			return 0;
		}
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)in[i]) && in[i] != '-' &&
		    in[i] != '.')
			return -1;
	memcpy(tmp, in, len);
	tmp[len] = 0;
	if ((nid = OBJ_txt2nid(tmp)) == NID_undef)
		nid = nid_nocase(tmp);
	if (nid == NID_undef && (strcasecmp(tmp, "email") == 0 ||
	    strcasecmp(tmp, "e") == 0))
		nid = NID_pkcs9_emailAddress;
	if (nid != NID_undef) {
		if (strlen(OBJ_nid2sn(nid)) >= size)
			return -1;
		strcpy(out, OBJ_nid2sn(nid));
		return 0;
	}
	if (!isdigit((unsigned char)in[0]) || len >= size)
		return -1;		/* an unknown name, not an OID */
	memcpy(out, in, len);
	out[len] = 0;
	return 0;
}

/* dn_add - append one attribute/value to the name */
static int
dn_add(struct dn *dn, int rdn, const char *type, size_t tlen,
    const char *val, size_t vlen, struct diag *d)
{
	struct dn_ava *a;

	if (dn->n >= dn->max_ava)
		return diag_set(d, NULL, 0, "more than %d attributes",
		    DN_MAX_AVA);
	if (dn->used + vlen + 1 > dn->size)
		return diag_set(d, NULL, 0, "name longer than %d bytes",
		    DN_MAX_BYTES);
	a = &dn->ava[dn->n];
	if (dn_canon_type(type, tlen, a->type, sizeof(a->type)) < 0)
		return diag_set(d, NULL, 0, "unknown attribute type \"%.*s\"",
		    (int)(tlen > 40 ? 40 : tlen), type);
	a->rdn = rdn;
	a->off = dn->used;
	a->len = vlen;
	if (vlen > 0 && memchr(val, 0, vlen) != NULL)
		dn->flags |= DN_F_NUL;
	memcpy(dn->buf + dn->used, val, vlen);
	dn->buf[dn->used + vlen] = 0;
	dn->used += vlen + 1;
	dn->n++;
	return 0;
}

/* type_at - s[i..] starts "TYPE=" with a type dn_canon_type() knows */
static int
type_at(const char *s, size_t len, size_t i)
{
	char type[DN_TYPE_MAX];
	size_t t;

	for (t = i; t < len && (isalnum((unsigned char)s[t]) ||
	    s[t] == '-' || s[t] == '.'); t++)
		;
	return t < len && s[t] == '=' && dn_canon_type(s + i, t - i, type,
	    sizeof(type)) == 0;
}

/* separator - an unescaped '/', or a '+' that starts "+TYPE=" */
static int
separator(const char *s, size_t len, size_t i)
{
	if (s[i] == '/')
		return 1;
	return s[i] == '+' && type_at(s, len, i + 1);
}

/* openssl_hex - a byte OpenSSL's oneline form writes as "\xHH": any
 * other "\xHH" is text the certificate holds */
static int
openssl_hex(int c)
{
	return c < 0x20 || c == 0x7f || c >= 0x80;
}

/* oneline_value - unescape one oneline value up to a separator, noting
 * in *flags what the text cannot tell apart; a '+' that starts no
 * "TYPE=" is the admin's unescaped literal */
static size_t
oneline_value(const char *s, size_t len, size_t i, char *val, size_t *vlen,
    unsigned *flags)
{
	size_t n = 0, run;
	int hi, lo;

	while (i < len && !separator(s, len, i)) {
		/* bytes that neither separate nor escape, in one copy */
		for (run = i; run < len && s[run] != '/' && s[run] != '+' &&
		    s[run] != '\\'; run++)
			;
		if (run > i) {
			memcpy(val + n, s + i, run - i);
			n += run - i;
			i = run;
			continue;
		}
		if (s[i] == '\\' && i + 1 < len &&
		    (s[i + 1] == '/' || s[i + 1] == '+')) {
			val[n++] = s[i + 1];
			i += 2;
			*flags |= DN_F_ESC;
			if (type_at(s, len, i))
				*flags |= DN_F_ESC_TYPE;
		} else if (s[i] == '\\' && i + 3 < len && s[i + 1] == 'x' &&
		    (hi = hex_digit((unsigned char)s[i + 2])) >= 0 &&
		    (lo = hex_digit((unsigned char)s[i + 3])) >= 0 &&
		    openssl_hex(hi << 4 | lo)) {
			val[n++] = (char)(hi << 4 | lo);
			i += 4;
			*flags |= DN_F_HEX;
		} else
			val[n++] = s[i++];
	}
	*vlen = n;
	return i;
}

/* cn_flags - a oneline name's second CN, or attribute after the first */
static unsigned
cn_flags(const struct dn *dn)
{
	int k, first = -1, ncn = 0;

	for (k = 0; k < dn->n; k++)
		if (strcmp(dn->ava[k].type, "CN") == 0 && ncn++ == 0)
			first = k;
	return (ncn > 1 ? DN_F_TWO_CN : 0) |
	    (first >= 0 && first < dn->n - 1 ? DN_F_AFTER_CN : 0);
}

/* oneline_avas - at most how many pairs s holds: each starts at a '/'
 * or a '+' (capped: past DN_MAX_AVA, dn_add() says so) */
static int
oneline_avas(const char *s, size_t len)
{
	size_t i;
	int n = 0;

	for (i = 0; i < len; i++)
		n += s[i] == '/' || s[i] == '+';
	return n < DN_MAX_AVA ? n : DN_MAX_AVA;
}

/* dn_parse_oneline - OpenSSL's "/C=FR/O=CNRS/CN=x" form */
int
dn_parse_oneline(const char *s, size_t len, struct dn **out,
    struct diag *d)
{
	struct dn *dn;
	char val[DN_MAX_BYTES];
	size_t i = 0, t, tl, vlen;
	unsigned flags = 0;
	int rdn = -1;

	*out = NULL;
	if (len == 0 || s[0] != '/')
		return diag_set(d, NULL, 0, "oneline DN must start with '/'");
	if (len >= DN_MAX_BYTES)
		return diag_set(d, NULL, 0, "name longer than %d bytes",
		    DN_MAX_BYTES);
	/* sized to the name (a value is never longer than its text, and
	 * "/T=" pays for its NUL): a few hundred bytes, not 10 KB, stay in
	 * malloc's per-thread cache */
	if ((dn = dn_new(oneline_avas(s, len), len + 1, d)) == NULL)
		return -1;
	while (i < len) {
		if (s[i] == '/')
			rdn++;
		else if (s[i] != '+' || rdn < 0)
			goto bad;
		else
			flags |= DN_F_PLUS;
		t = ++i;
		while (i < len && s[i] != '=' && s[i] != '/')
			i++;
		if (i >= len || s[i] != '=')
			goto bad;
		tl = i - t;
		i = oneline_value(s, len, i + 1, val, &vlen, &flags);
		if (dn_add(dn, rdn, s + t, tl, val, vlen, d) < 0)
			goto err;
	}
	dn->flags |= flags | cn_flags(dn) | DN_F_ONELINE;
	*out = dn;
	return 0;
bad:
	diag_set(d, NULL, 0, "column %zu: expected /TYPE=value", i + 1);
err:
	dn_free(dn);
	return -1;
}

/* dn_parse_sendmail - a {cert_subject}/{cert_issuer} macro value */
int
dn_parse_sendmail(const char *s, size_t len, struct dn **out,
    struct diag *d)
{
	char raw[DN_MAX_BYTES];
	const char *text = s;
	size_t n = len;

	*out = NULL;
	/* without a '+' (and short enough to decode) xtext is the text:
	 * no copy */
	if (len >= sizeof(raw) || memchr(s, '+', len) != NULL) {
		if (xtext_decode(s, len, raw, sizeof(raw), &n) < 0)
			return diag_set(d, NULL, 0, "bad xtext (a '+' must "
			    "be followed by two hex digits)");
		text = raw;
	}
	if (dn_parse_oneline(text, n, out, d) < 0)
		return -1;
	(*out)->maybe_cut = n > DN_CUT_AT;
	return 0;
}

/* rfc_special - characters RFC 4514 lets a backslash escape */
static int
rfc_special(int c)
{
	return c != 0 && strchr(",+\"\\<>;=# ", c) != NULL;
}

/* rfc_value - one RFC 4514 value, escapes undone; returns end index */
static long
rfc_value(const char *s, size_t len, size_t i, char *val, size_t *vlen)
{
	size_t n = 0, keep = 0;
	int hi, lo, quoted = 0, closed = 0;

	if (i < len && s[i] == '#')
		return -1;		/* BER-encoded value: not supported */
	if (i < len && s[i] == '"') {
		quoted = 1;
		i++;
	}
	while (i < len) {
		if (quoted && s[i] == '"') {
			i++;
			closed = 1;
			break;
		}
		if (!quoted && (s[i] == ',' || s[i] == ';' || s[i] == '+'))
			break;
		if (s[i] == '\\') {
			if (i + 2 < len &&
			    (hi = hex_digit((unsigned char)s[i + 1])) >= 0 &&
			    (lo = hex_digit((unsigned char)s[i + 2])) >= 0) {
				val[n++] = (char)(hi << 4 | lo);
				i += 3;
			} else if (i + 1 < len &&
			    rfc_special((unsigned char)s[i + 1])) {
				val[n++] = s[i + 1];
				i += 2;
			} else
				return -1;
			keep = n;
			continue;
		}
		val[n++] = s[i++];
		if (val[n - 1] != ' ')
			keep = n;
	}
	if (quoted && !closed)
		return -1;
	*vlen = quoted ? n : keep;	/* unescaped trailing spaces go */
	return (long)i;
}

/* skip_sp - past spaces */
static size_t
skip_sp(const char *s, size_t len, size_t i)
{
	while (i < len && s[i] == ' ')
		i++;
	return i;
}

/* dn_parse_rfc4514 - "CN=x,O=y,C=z" */
int
dn_parse_rfc4514(const char *s, size_t len, struct dn **out,
    struct diag *d)
{
	struct dn *dn, *rev;
	char val[DN_MAX_BYTES];
	size_t i = 0, t, tl, vlen;
	long end;
	int rdn = 0, k, nrdn;

	*out = NULL;
	if (len >= DN_MAX_BYTES)
		return diag_set(d, NULL, 0, "name longer than %d bytes",
		    DN_MAX_BYTES);
	if ((dn = dn_new(DN_MAX_AVA, DN_MAX_BYTES, d)) == NULL)
		return -1;
	while ((i = skip_sp(s, len, i)) < len) {
		t = i;
		while (i < len && (isalnum((unsigned char)s[i]) ||
		    s[i] == '-' || s[i] == '.'))
			i++;
		tl = i - t;
		i = skip_sp(s, len, i);
		if (tl == 0 || i >= len || s[i] != '=')
			goto bad;
		i = skip_sp(s, len, i + 1);
		if ((end = rfc_value(s, len, i, val, &vlen)) < 0)
			goto bad;
		i = (size_t)end;
		if (dn_add(dn, rdn, s + t, tl, val, vlen, d) < 0)
			goto err;
		i = skip_sp(s, len, i);
		if (i < len && s[i] != '+' && s[i] != ',' && s[i] != ';')
			goto bad;	/* junk after a quoted value */
		if (i < len && s[i] != '+')
			rdn++;
		if (i < len && ++i >= len)
			goto bad;	/* a trailing separator */
	}
	if (dn->n == 0) {
		diag_set(d, NULL, 0, "empty name");
		goto err;
	}
	/* RFC 4514 lists the least significant RDN first: reverse. */
	if ((rev = dn_new(dn->n, dn->used, d)) == NULL)
		goto err;
	nrdn = dn->ava[dn->n - 1].rdn;
	for (k = dn->n - 1; k >= 0; k--)
		if (dn_add(rev, nrdn - dn->ava[k].rdn, dn->ava[k].type,
		    strlen(dn->ava[k].type), dn->buf + dn->ava[k].off,
		    dn->ava[k].len, d) < 0) {
			dn_free(rev);
			goto err;
		}
	dn_free(dn);
	*out = rev;
	return 0;
bad:
	diag_set(d, NULL, 0, "column %zu: bad RFC 4514 name", i + 1);
err:
	dn_free(dn);
	return -1;
}

/* dn_parse_any - a table key: Sendmail's form if it starts with '/' */
int
dn_parse_any(const char *s, size_t len, struct dn **out, struct diag *d)
{
	if (len > 0 && s[0] == '/') {
		if (dn_parse_sendmail(s, len, out, d) < 0)
			return -1;
		(*out)->maybe_cut = 0;	/* the admin wrote it whole, */
		(*out)->flags &= DN_F_NUL;	/* and means what it wrote */
		return 0;
	}
	return dn_parse_rfc4514(s, len, out, d);
}

/* dn_from_cn - Postfix's bare CN as a one-RDN name */
int
dn_from_cn(const char *cn, size_t len, struct dn **out, struct diag *d)
{
	struct dn *dn;

	*out = NULL;
	if ((dn = dn_new(1, len < DN_MAX_BYTES ? len + 1 : DN_MAX_BYTES, d)) ==
	    NULL)
		return -1;
	if (dn_add(dn, 0, "CN", 2, cn, len, d) < 0) {
		dn_free(dn);
		return -1;
	}
	dn->cn_only = 1;
	*out = dn;
	return 0;
}

/* dn_from_x509 - an OpenSSL name, values converted to UTF-8 */
int
dn_from_x509(const X509_NAME *name, struct dn **out, struct diag *d)
{
	const X509_NAME_ENTRY *ne;
	struct dn *dn;
	unsigned char *utf8;
	char type[DN_TYPE_MAX];
	int i, n, r;

	*out = NULL;
	if ((dn = dn_new(DN_MAX_AVA, DN_MAX_BYTES, d)) == NULL)
		return -1;
	for (i = 0; i < X509_NAME_entry_count(name); i++) {
		ne = X509_NAME_get_entry(name, i);
		OBJ_obj2txt(type, sizeof(type),
		    X509_NAME_ENTRY_get_object(ne), 0);
		if ((n = ASN1_STRING_to_UTF8(&utf8,
		    X509_NAME_ENTRY_get_data(ne))) < 0) {
			diag_set(d, NULL, 0, "attribute %d: not a string", i);
			goto err;
		}
		r = dn_add(dn, X509_NAME_ENTRY_set(ne), type, strlen(type),
		    (char *)utf8, (size_t)n, d);
		OPENSSL_free(utf8);
		if (r < 0)
			goto err;
	}
	*out = dn;
	return 0;
err:
	dn_free(dn);
	return -1;
}

/* utf8_seq - length of the valid UTF-8 sequence at p, 0 if none */
static size_t
utf8_seq(const unsigned char *p, size_t left)
{
	size_t n, k;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > left)
		return 0;
	for (k = 1; k < n; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	if ((n == 3 && p[0] == 0xe0 && p[1] < 0xa0) ||
	    (n == 4 && p[0] == 0xf0 && p[1] < 0x90) ||
	    (n == 4 && p[0] == 0xf4 && p[1] > 0x8f) ||
	    (n == 3 && p[0] == 0xed && p[1] > 0x9f))
		return 0;		/* overlong, surrogate, > U+10FFFF */
	return n;
}

struct out {
	char	*buf;
	size_t	size;
	size_t	n;
	int	err;
};

/* put - append bytes, remembering overflow */
static void
put(struct out *o, const char *s, size_t len)
{
	if (o->err || o->n + len + 1 > o->size) {
		o->err = 1;
		return;
	}
	memcpy(o->buf + o->n, s, len);
	o->n += len;
	o->buf[o->n] = 0;
}

/* put_hex - "\HH" (prefix "\") or "\xHH" (prefix "\x") */
static void
put_hex(struct out *o, const char *prefix, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	char h[2] = { hex[c >> 4], hex[c & 15] };

	put(o, prefix, strlen(prefix));
	put(o, h, 2);
}

/* plain - a byte RFC 4514 writes as it is, anywhere in a value */
static int
plain(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != '+' && c != ',' &&
	    c != ';' && c != '<' && c != '>' && c != '\\';
}

/* put_rfc_value - one value with RFC 4514 escapes */
static void
put_rfc_value(struct out *o, const unsigned char *v, size_t len,
    enum dn_form form)
{
	size_t i, k, run;

	for (i = 0; i < len; i += k) {
		/* runs of plain bytes in one copy: the common case */
		for (run = i; run < len && (plain(v[run]) || (v[run] == ' ' &&
		    form != DN_TABLEKEY && run != 0 && run + 1 != len)) &&
		    !(run == 0 && v[run] == '#'); run++)
			;
		if (run > i) {
			put(o, (const char *)v + i, run - i);
			k = run - i;
			continue;
		}
		k = utf8_seq(v + i, len - i);
		if (k == 0 || v[i] < 0x20 || v[i] == 0x7f ||
		    (v[i] == ' ' && (form == DN_TABLEKEY ||
		    i == 0 || i + 1 == len))) {
			put_hex(o, "\\", v[i]);
			k = 1;
		} else if (form == DN_REGEX && strchr("\"+,;<>\\", v[i])) {
			/* no ',' or '+' inside a value: a pattern's ",OU="
			 * meets only a real attribute boundary */
			put_hex(o, "\\", v[i]);
			k = 1;
		} else if (strchr("\"+,;<>\\", v[i]) != NULL ||
		    (i == 0 && v[i] == '#')) {
			put(o, "\\", 1);
			put(o, (const char *)v + i, 1);
		} else
			put(o, (const char *)v + i, k);
	}
}

/* put_oneline_value - OpenSSL's oneline escapes (xtext comes later) */
static void
put_oneline_value(struct out *o, const unsigned char *v, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (v[i] < ' ' || v[i] > '~')
			put_hex(o, "\\x", v[i]);
		else {
			if (v[i] == '/' || v[i] == '+')
				put(o, "\\", 1);
			put(o, (const char *)v + i, 1);
		}
	}
}

/* ava_cmp - canonical order inside one RDN: type, then value */
static int
ava_cmp(const struct dn *dn, int a, int b)
{
	const struct dn_ava *x = &dn->ava[a], *y = &dn->ava[b];
	size_t i;
	int c;

	if (x->rdn != y->rdn)
		return x->rdn - y->rdn;
	if ((c = strcasecmp(x->type, y->type)) != 0)
		return c;
	/* case-folded: the order must not depend on what DN_KEY folds */
	for (i = 0; i < x->len && i < y->len; i++)
		if ((c = tolower((unsigned char)dn->buf[x->off + i]) -
		    tolower((unsigned char)dn->buf[y->off + i])) != 0)
			return c;
	return (int)x->len - (int)y->len;
}

/* canon_order - indices sorted by RDN, then type and value */
static void
canon_order(const struct dn *dn, int *idx)
{
	int i, j, t;

	for (i = 0; i < dn->n; i++)
		idx[i] = i;
	for (i = 1; i < dn->n; i++)	/* insertion sort: n is tiny */
		for (j = i; j > 0 && ava_cmp(dn, idx[j - 1], idx[j]) > 0;
		    j--) {
			t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
}

/* format_rfc4514 - RDNs last to first, '+' inside an RDN */
static void
format_rfc4514(const struct dn *dn, enum dn_form form, struct out *o)
{
	int idx[DN_MAX_AVA], i, start, end;

	canon_order(dn, idx);
	for (end = dn->n; end > 0; end = start) {
		for (start = end - 1; start > 0 &&
		    dn->ava[idx[start - 1]].rdn == dn->ava[idx[end - 1]].rdn;
		    start--)
			;
		if (end != dn->n)
			put(o, ",", 1);
		for (i = start; i < end; i++) {
			const struct dn_ava *a = &dn->ava[idx[i]];

			if (i != start)
				put(o, "+", 1);
			put(o, a->type, strlen(a->type));
			put(o, "=", 1);
			put_rfc_value(o, (const unsigned char *)dn->buf +
			    a->off, a->len, form);
		}
	}
}

/* dn_format - write the name in one of its forms */
int
dn_format(const struct dn *dn, enum dn_form form, char *buf, size_t size)
{
	struct out o = { buf, size, 0, 0 };
	char tmp[DN_MAX_BYTES * 4];
	struct out t = { tmp, sizeof(tmp), 0, 0 };
	size_t i;
	int k;

	if (size == 0)
		return -1;
	buf[0] = 0;
	if (form != DN_ONELINE) {
		format_rfc4514(dn, form, &o);
		if (form == DN_KEY)
			for (i = 0; i < o.n; i++)
				buf[i] = (char)tolower((unsigned char)buf[i]);
		return o.err ? -1 : 0;
	}
	tmp[0] = 0;
	for (k = 0; k < dn->n; k++) {
		put(&t, k > 0 && dn->ava[k].rdn == dn->ava[k - 1].rdn ?
		    "+" : "/", 1);
		put(&t, dn->ava[k].type, strlen(dn->ava[k].type));
		put(&t, "=", 1);
		put_oneline_value(&t, (const unsigned char *)dn->buf +
		    dn->ava[k].off, dn->ava[k].len);
	}
	if (t.err || xtext_encode(tmp, t.n, buf, size) < 0)
		return -1;
	return 0;
}

/* dn_cn_key - the lookup key of "CN=<the name's CN>", "" if none */
int
dn_cn_key(const struct dn *dn, char *buf, size_t size)
{
	struct out o = { buf, size, 0, 0 };
	const char *v;
	size_t len, i;

	if (size == 0)
		return -1;
	buf[0] = 0;
	if ((v = dn_get(dn, "CN", &len)) == NULL)
		return 0;
	put(&o, "cn=", 3);
	put_rfc_value(&o, (const unsigned char *)v, len, DN_KEY);
	for (i = 0; i < o.n; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
	if (o.err)
		buf[0] = 0;
	return o.err ? -1 : 0;
}

/* dn_equal - same name, compared as lookup keys */
int
dn_equal(const struct dn *a, const struct dn *b)
{
	char ka[DN_MAX_BYTES * 4], kb[DN_MAX_BYTES * 4];

	if (dn_format(a, DN_KEY, ka, sizeof(ka)) < 0 ||
	    dn_format(b, DN_KEY, kb, sizeof(kb)) < 0)
		return 0;
	return strcmp(ka, kb) == 0;
}

/* dn_count - number of attribute/value pairs */
int
dn_count(const struct dn *dn)
{
	return dn->n;
}

/* dn_ava - the i-th pair, in X.509 order */
int
dn_ava(const struct dn *dn, int i, const char **type, const char **val,
    size_t *len)
{
	if (i < 0 || i >= dn->n)
		return -1;
	*type = dn->ava[i].type;
	*val = dn->buf + dn->ava[i].off;
	if (len)
		*len = dn->ava[i].len;
	return 0;
}

/* dn_get - the first value of a type in X.509 order: the one OpenSSL's
 * X509_NAME_get_index_by_NID(name, nid, -1) finds, so the CN is the one
 * Postfix's tls_peer_CN() sends */
const char *
dn_get(const struct dn *dn, const char *type, size_t *len)
{
	int i;

	for (i = 0; i < dn->n; i++)
		if (strcasecmp(dn->ava[i].type, type) == 0) {
			if (len)
				*len = dn->ava[i].len;
			return dn->buf + dn->ava[i].off;
		}
	return NULL;
}

/* dn_maybe_cut - Sendmail may have dropped trailing RDNs */
int
dn_maybe_cut(const struct dn *dn)
{
	return dn->maybe_cut;
}

/* dn_cn_only - built from a bare CN (Postfix) */
int
dn_cn_only(const struct dn *dn)
{
	return dn->cn_only;
}

/* dn_ambiguous - why the name may stand for another certificate's
 * name, or NULL; an unknown quoting is taken as the looser, legacy one */
const char *
dn_ambiguous(const struct dn *dn, enum dn_quoting q)
{
	if (dn->flags & DN_F_NUL)
		return "a NUL byte in a value";
	if (dn->flags & DN_F_HEX)
		return "a non-ASCII or control byte: Sendmail cannot tell it "
		    "from typed \\xHH";
	if (dn->flags & DN_F_ESC_TYPE)
		return "a \\/ or \\+ before TYPE=: maybe a literal backslash "
		    "ending a value";
	if (dn->flags & DN_F_TWO_CN)
		return "two or more CNs";
	if (q == DN_QUOTING_OPENSSL3)
		return NULL;
	if (dn->flags & DN_F_ESC)
		return "a \\/ or \\+, an escape OpenSSL < 3 does not write: "
		    "the backslash is literal";
	if (dn->flags & DN_F_AFTER_CN)
		return "an attribute after the CN: OpenSSL < 3 does not "
		    "escape '/' in a CN";
	if (dn->flags & DN_F_PLUS)
		return "a '+' between attributes: OpenSSL < 3 writes it only "
		    "in a value";
	/* any value may hold "/TYPE=" unescaped: no attribute is sure */
	if (dn->flags & DN_F_ONELINE)
		return "any value may hold a '/': OpenSSL < 3 does not "
		    "escape it";
	return NULL;
}

/* dn_doubt - why a subject may stand for another name: it reads two
 * ways, or Sendmail may have cut it (a subject has a CN: one that
 * arrives without may have lost it whole); NULL if neither */
const char *
dn_doubt(const struct dn *dn, enum dn_quoting q)
{
	const char *why;

	if ((why = dn_ambiguous(dn, q)) != NULL)
		return why;
	if (dn->maybe_cut)
		return "over 113 bytes: Sendmail may have cut it";
	if ((dn->flags & DN_F_ONELINE) && dn_get(dn, "CN", NULL) == NULL)
		return "no CN: Sendmail may have dropped it";
	return NULL;
}

/* dn_free - release; accepts NULL */
void
dn_free(struct dn *dn)
{
	free(dn);
}
