/*
 * norelay - the "no open relay" property of issue 15
 *
 * SYNOPSIS
 *	#include "norelay.h"
 *	int	nr_open(struct nr_ctx **cp, const char *dir, char *err,
 *		    size_t size);
 *	void	nr_close(struct nr_ctx *c);
 *	void	nr_src_seed(struct nr_src *src, uint64_t seed);
 *	void	nr_src_bytes(struct nr_src *src, const unsigned char *data,
 *		    size_t size);
 *	void	nr_gen(struct nr_name *nm, struct nr_src *src);
 *	void	nr_bound(struct nr_name *nm);
 *	int	nr_in_bounds(const struct nr_name *nm);
 *	int	nr_is_sendmail(enum nr_render rn);
 *	int	nr_name_from(struct nr_name *nm, const char *spec);
 *	void	nr_check(struct nr_ctx *c, const struct nr_name *nm,
 *		    enum nr_config cf, enum nr_render rn,
 *		    struct nr_result *res);
 *	void	nr_shrink(struct nr_ctx *c, struct nr_name *nm,
 *		    enum nr_config cf, enum nr_render rn,
 *		    struct nr_result *res);
 *	int	nr_relays(struct nr_ctx *c, const struct nr_name *nm,
 *		    enum nr_config cf, enum nr_render rn);
 *	int	nr_model_relays(const struct nr_name *nm, enum nr_config cf,
 *		    enum nr_render rn);
 *	size_t	nr_size(const struct nr_name *nm);
 *	void	nr_describe(const struct nr_name *nm, char *buf, size_t size);
 *	void	nr_escape(const char *s, size_t len, char *buf, size_t size);
 *	const char *nr_render_name(enum nr_render rn);
 *	const char *nr_config_name(enum nr_config cf);
 *	const char *nr_class_name(enum nr_class cls);
 *	void	nr_sendmail_xtext(const char *in, char *out, size_t size);
 *	void	nr_oneline11(const void *x509_name, char *buf, size_t size);
 * DESCRIPTION
 *	The attacker holds a certificate verified under /C=FR/O=CNRS/
 *	CN=CNRS-Plus whose subject they chose. nr_gen() makes such a subject
 *	(1-6 attributes among C, O, OU, CN, emailAddress, values built from
 *	hostile pieces) from a PRNG seed or from a fuzzer's bytes. nr_check()
 *	builds the real X509_NAME (through DER, so a name OpenSSL would not
 *	parse is skipped), renders it as an MTA delivers it (Postfix milter
 *	CN, Postfix policy xtext CN, Sendmail with OpenSSL 3's and with
 *	OpenSSL 1.1.1's oneline, both cut in Sendmail's 256-byte buffer),
 *	asks the engine through its front-end entry points (macros_* and
 *	decide(), policy_feed() and policy_request()) whether a recipient
 *	outside local_domains relays, and compares with a model of the rules
 *	written over the attribute list, without lib/dn.c: the engine may
 *	refuse more than the model, never relay more.
 *
 *	The rules (nr_open() writes and compiles them in dir; each is written
 *	twice, scoped to the CA's full DN and to "CN=CNRS-Plus", the only
 *	issuer spelling Postfix can meet):
 *	  attribute OU=UMR7503 RELAY, OU=Suspended REJECT;
 *	  subject /C=FR/O=CNRS/OU=UMR7503/CN=Alice Martin RELAY,
 *	  CN=Alice Martin RELAY, /C=FR/O=CNRS/OU=UMR7503/CN=Bob Suspended
 *	  REJECT, and the same with a long emailAddress (a 116-byte DN, over
 *	  the engine's cut limit) REJECT;
 *	  e-mail alice.martin@umr7503.example RELAY;
 *	  regex /,OU=UMR7504,O=CNRS,C=FR$/ RELAY, and in configuration A
 *	  only, !/,OU=UMR9999,/ RELAY.
 *	A rule meets the real names as follows: OU rules when some OU equals
 *	the value; the exact DNs when the name is exactly those attributes in
 *	that order; the CN rule when some CN is "Alice Martin"; the e-mail
 *	rule when some emailAddress is the address (all ASCII
 *	case-insensitive); the UMR7504 regex when the first three attributes
 *	are C=FR, O=CNRS, OU=UMR7504 and one follows (what its author meant);
 *	the negated regex unless an OU that is neither the first nor the last
 *	attribute is UMR9999 (what the pattern means on the real RFC 4514
 *	text: the last attribute is printed first, with no comma before it,
 *	the first one last, with no comma after it). The model decides by the
 *	first rule that meets them in certrelay's evaluation order (design.md,
 *	"Evaluation"; decision 1 at model_decide()): exact DN, CN, e-mail
 *	(addresses in DN order), regex (file order), attribute (attributes in
 *	X.509 order). On the Postfix renderings the real CN is Postfix's
 *	reading of it, trailing NULs trimmed (decision 2 at pf_real()). On
 *	the Sendmail renderings only names whose values keep within the
 *	bounds NR_UB_VALUE and NR_UB_EMAIL are checked (decision 3, in
 *	norelay.h): nr_bound() brings a generated name within them (runs
 *	shortened, last first, then trailing pieces dropped, a lone piece
 *	still over the bound replaced by a run at it), nr_in_bounds()
 *	says whether a name is, nr_is_sendmail() which renderings need it.
 *
 *	nr_name_from() reads a name written "C=FR|O=CNRS|CN=Mallory" where
 *	each value is a sequence of pieces joined by "~" (a control byte is
 *	"^HH", a run of n 'A's "A{n}", of n U+00E9 "E{n}", 2n bytes that
 *	OpenSSL prints as 8n; nr_gen() makes no "E{n}"): fixed examples,
 *	replayed.
 *
 *	A relay the model does not grant is NR_MISREAD when the rule the
 *	engine named does not meet the real names, NR_REFUSAL when it does:
 *	then a refusal that comes before it in the evaluation order meets
 *	them (finding 4a's class); res->model names the model's rule.
 *	nr_shrink() drops attributes and pieces while the result stays the
 *	same, for a minimal example.
 * OWNERSHIP
 *	nr_open() gives a context freed with nr_close(); the engines and the
 *	table files stay while it lives.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "decide.h"
#include "engine.h"
#include "macro.h"
#include "policy.h"
#include "table.h"
#include "norelay.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

#define CA_DN		"/C=FR/O=CNRS/CN=CNRS-Plus"
#define SCOPE_DN	"issuer=" CA_DN
#define SCOPE_CN	"issuer=CN=CNRS-Plus"
#define LONG_EMAIL	"robert.suspended-account@laboratoire-informatique-" \
			"umr7503.example"
#define ALICE_EMAIL	"alice.martin@umr7503.example"
#define RCPT		"x@outside.example"

struct nr_ctx {
	struct engine *e[NR_NCONFIG][2];	/* [config][legacy] */
};

/* The pieces values are made of. */
static const struct piece {
	const char *s;
	size_t	len;
} pieces[] = {
#define P(s)	{ s, sizeof(s) - 1 }
	P("/"), P(","), P("+"), P("="), P("\\"), P("\""), P("#"),
	{ "", 1 },			/* NUL */
	P(" "), P("\n"), P("\\x20"), P("\\xC3\\xA9"), P("\xc3\xa9"),
	P("\xd0\x90lice Martin"),	/* Cyrillic A */
	P("Alice Martin"), P("UMR7503"), P("UMR7504"), P("UMR9999"),
	P("OU=UMR7503"), P("/OU=UMR7503"), P("/CN=Alice Martin"),
	P("/emailAddress=alice.martin@umr7503.example"), P(",OU=UMR7504"),
	P("alice.martin@umr7503.example"), P("Suspended"),
	P("Alice\\x20Martin"), P("+OU=UMR7503"), P("@evil.example"),
	P("Mallory"), P("\xff"), P("Bob Suspended"), P(",O=CNRS,C=FR"),
	P("/OU=UMR9999"), P("\\/"), P("ALICE MARTIN"), P("\\+"),
	P("\xe2\x80\x8b"),		/* zero-width space */
	P(",OU=UMR7504,O=CNRS,C=FR"), P("FR"), P("CNRS"), P(LONG_EMAIL),
	P("Alice"), P("Martin"), P("/CN=Bob Suspended"),
#undef P
};

enum {
	P_NUL = 7, P_ALICE = 14, P_UMR7503, P_UMR7504, P_UMR9999,
	P_EMAIL = 23, P_SUSP, P_ALICE_X20, P_MALLORY = 28,
	P_BOB = 30, P_FR = 38, P_CNRS, P_LONG_EMAIL,
	P_CTRL = (int)NELEM(pieces),	/* a control byte (arg) */
	P_RUN,				/* arg times 'A' */
	P_ERUN				/* arg times U+00E9, 2 bytes each:
					 * fixed names only, never generated */
};

static const char *const type_name[NR_NTYPES] = { "C", "O", "OU", "CN",
    "emailAddress" };

/* Rules, as the engine names them (table:line) and the model knows them. */
enum rule {
	R_OU_RELAY, R_OU_REJECT, R_EXACT_ALICE, R_CN_ALICE, R_EXACT_BOB,
	R_EXACT_LONG, R_EMAIL, R_RX1, R_RX2, R_NRULES
};

static const struct rule_line {
	const char *table;
	int	line;
	enum rule rule;
} rule_lines[] = {
	{ "attributes", 1, R_OU_RELAY }, { "attributes", 2, R_OU_RELAY },
	{ "attributes", 3, R_OU_REJECT }, { "attributes", 4, R_OU_REJECT },
	{ "subjects", 1, R_EXACT_ALICE }, { "subjects", 2, R_CN_ALICE },
	{ "subjects", 3, R_CN_ALICE }, { "subjects", 4, R_EXACT_BOB },
	{ "subjects", 5, R_EXACT_LONG }, { "emails", 1, R_EMAIL },
	{ "emails", 2, R_EMAIL }, { "regexA", 1, R_RX1 },
	{ "regexA", 2, R_RX1 }, { "regexA", 3, R_RX2 },
	{ "regexA", 4, R_RX2 }, { "regexB", 1, R_RX1 },
	{ "regexB", 2, R_RX1 },
};

/* nr_src_seed - choices from splitmix64 */
void
nr_src_seed(struct nr_src *src, uint64_t seed)
{
	memset(src, 0, sizeof(*src));
	src->s = seed;
}

/* nr_src_bytes - choices from a fuzzer's input (0 once it is used up) */
void
nr_src_bytes(struct nr_src *src, const unsigned char *data, size_t size)
{
	memset(src, 0, sizeof(*src));
	src->data = data;
	src->size = size;
}

/* pick - a choice in [0, bound) */
static unsigned
pick(struct nr_src *src, unsigned bound)
{
	uint64_t z;

	if (src->data != NULL) {
		z = src->off < src->size ? src->data[src->off++] : 0;
		if (bound > 256)
			z = z << 8 | (src->off < src->size ?
			    src->data[src->off++] : 0);
		return (unsigned)(z % bound);
	}
	z = (src->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (unsigned)((z ^ (z >> 31)) % bound);
}

/* value - an attribute's bytes */
static size_t
value(const struct nr_ava *a, unsigned char *buf)
{
	size_t n = 0;
	int k, j;

	for (k = 0; k < a->np; k++) {
		if (a->piece[k] == P_CTRL)
			buf[n++] = (unsigned char)a->arg[k];
		else if (a->piece[k] == P_RUN) {
			memset(buf + n, 'A', (size_t)a->arg[k]);
			n += (size_t)a->arg[k];
		} else if (a->piece[k] == P_ERUN) {
			for (j = 0; j < a->arg[k]; j++, n += 2)
				memcpy(buf + n, "\xc3\xa9", 2);
		} else {
			memcpy(buf + n, pieces[a->piece[k]].s,
			    pieces[a->piece[k]].len);
			n += pieces[a->piece[k]].len;
		}
	}
	return n;
}

/* rand_piece - one hostile piece */
static void
rand_piece(struct nr_src *src, int *piece, int *arg)
{
	*piece = (int)pick(src, P_RUN + 1);
	*arg = 0;
	if (*piece == P_CTRL) {
		*arg = (int)pick(src, 32);
		if (*arg == 0)
			*arg = 0x7f;
	} else if (*piece == P_RUN)
		*arg = pick(src, 2) ? 200 + (int)pick(src, 120) :
		    1 + (int)pick(src, 64);
}

/* rand_ava - an attribute of any type, 1-4 pieces */
static void
rand_ava(struct nr_ava *a, struct nr_src *src)
{
	int k;

	a->type = (int)pick(src, NR_NTYPES);
	a->np = 1 + (int)pick(src, NR_MAX_PIECE);
	for (k = 0; k < a->np; k++)
		rand_piece(src, &a->piece[k], &a->arg[k]);
}

/* set_ava - an attribute with one known piece */
static void
set_ava(struct nr_ava *a, int type, int piece)
{
	a->type = type;
	a->np = 1;
	a->piece[0] = piece;
	a->arg[0] = 0;
}

/* mutate - one change to a legitimate-looking name */
static void
mutate(struct nr_name *nm, struct nr_src *src)
{
	struct nr_ava *a = &nm->ava[pick(src, (unsigned)nm->n)], t;
	int i, j;

	switch (pick(src, 5)) {
	case 0:			/* a hostile piece after the value */
	case 1:
		if (a->np < NR_MAX_PIECE) {
			rand_piece(src, &a->piece[a->np], &a->arg[a->np]);
			a->np++;
		}
		break;
	case 2:			/* another value */
		i = a->type;
		rand_ava(a, src);
		a->type = pick(src, 2) ? i : a->type;
		break;
	case 3:			/* one more attribute somewhere */
		if (nm->n >= NR_MAX_AVA)
			break;
		i = (int)pick(src, (unsigned)nm->n + 1);
		memmove(&nm->ava[i + 1], &nm->ava[i], (size_t)(nm->n - i) *
		    sizeof(nm->ava[0]));
		rand_ava(&nm->ava[i], src);
		nm->n++;
		break;
	default:		/* two attributes swapped */
		i = (int)pick(src, (unsigned)nm->n);
		j = (int)pick(src, (unsigned)nm->n);
		t = nm->ava[i];
		nm->ava[i] = nm->ava[j];
		nm->ava[j] = t;
	}
}

/* nr_gen - a subject: often C=FR,O=CNRS,OU=..,CN=..[,emailAddress=..]
 * with a few hostile changes, else anything */
void
nr_gen(struct nr_name *nm, struct nr_src *src)
{
	static const int ou[] = { P_UMR7503, P_UMR7504, P_UMR9999, P_SUSP };
	static const int cn[] = { P_ALICE, P_BOB, P_MALLORY, P_ALICE_X20 };
	int k, changes;

	memset(nm, 0, sizeof(*nm));
	if (pick(src, 5) < 2) {
		nm->n = 1 + (int)pick(src, NR_MAX_AVA);
		for (k = 0; k < nm->n; k++)
			rand_ava(&nm->ava[k], src);
		return;
	}
	set_ava(&nm->ava[0], NR_C, P_FR);
	set_ava(&nm->ava[1], NR_O, P_CNRS);
	set_ava(&nm->ava[2], NR_OU, ou[pick(src, NELEM(ou))]);
	set_ava(&nm->ava[3], NR_CN, cn[pick(src, NELEM(cn))]);
	nm->n = 4;
	if (pick(src, 2))
		set_ava(&nm->ava[nm->n++], NR_EMAIL, pick(src, 2) ? P_EMAIL :
		    P_LONG_EMAIL);
	for (changes = (int)pick(src, 4), k = 0; k < changes; k++)
		mutate(nm, src);
}

/* ub - the bound on a value of this type (decision 3, norelay.h) */
static size_t
ub(int type)
{
	return type == NR_EMAIL ? NR_UB_EMAIL : NR_UB_VALUE;
}

/* nr_bound - the values within the bounds the Sendmail property covers:
 * runs shortened (last first), then trailing pieces dropped; a lone
 * fixed piece over the bound becomes a run of 'A' at the bound */
void
nr_bound(struct nr_name *nm)
{
	unsigned char v[NR_VAL_MAX];
	struct nr_ava *a;
	size_t len;
	int i, k, cut;

	for (i = 0; i < nm->n; i++) {
		a = &nm->ava[i];
		len = value(a, v);
		for (k = a->np - 1; k >= 0 && len > ub(a->type); k--) {
			if (a->piece[k] != P_RUN)
				continue;
			cut = (int)(len - ub(a->type));
			if (cut > a->arg[k] - 1)
				cut = a->arg[k] - 1;
			a->arg[k] -= cut;
			len -= (size_t)cut;
		}
		while (len > ub(a->type) && a->np > 1) {
			a->np--;
			len = value(a, v);
		}
		if (len > ub(a->type)) {	/* one fixed piece: long */
			a->piece[0] = P_RUN;
			a->arg[0] = (int)ub(a->type);
		}
	}
}

/* nr_in_bounds - every value within its bound */
int
nr_in_bounds(const struct nr_name *nm)
{
	unsigned char v[NR_VAL_MAX];
	int i;

	for (i = 0; i < nm->n; i++)
		if (value(&nm->ava[i], v) > ub(nm->ava[i].type))
			return 0;
	return 1;
}

/* nr_is_sendmail - a rendering of the whole DN, cut at 255 bytes */
int
nr_is_sendmail(enum nr_render rn)
{
	return rn == NR_SM_OSSL3 || rn == NR_SM_OSSL11;
}

/* one_piece - a piece written as nr_name_from() reads it */
static int
one_piece(const char *s, size_t len, int *piece, int *arg)
{
	size_t k;

	*arg = 0;
	if (len == 3 && s[0] == '^') {
		*piece = P_CTRL;
		*arg = (int)strtol(s + 1, NULL, 16);
		return 0;
	}
	if (len > 3 && (s[0] == 'A' || s[0] == 'E') && s[1] == '{' &&
	    s[len - 1] == '}') {
		*piece = s[0] == 'A' ? P_RUN : P_ERUN;
		*arg = atoi(s + 2);
		return *arg > 0 && *arg <= (s[0] == 'A' ? 320 : 160) ? 0 : -1;
	}
	for (k = 0; k < NELEM(pieces); k++)
		if (pieces[k].len == len && memcmp(pieces[k].s, s, len) == 0) {
			*piece = (int)k;
			return 0;
		}
	return len == 0 ? (*piece = P_NUL, 0) : -1;	/* "": the NUL piece */
}

/* nr_name_from - "C=FR|O=CNRS|CN=Mallory~/OU=UMR7503" */
int
nr_name_from(struct nr_name *nm, const char *spec)
{
	const char *p = spec, *end, *eq, *q, *t;
	struct nr_ava *a;

	memset(nm, 0, sizeof(*nm));
	for (; *p && nm->n < NR_MAX_AVA; p = *end ? end + 1 : end) {
		end = p + strcspn(p, "|");
		if ((eq = memchr(p, '=', (size_t)(end - p))) == NULL)
			return -1;
		a = &nm->ava[nm->n++];
		for (a->type = 0; a->type < NR_NTYPES; a->type++)
			if (strlen(type_name[a->type]) == (size_t)(eq - p) &&
			    memcmp(type_name[a->type], p, (size_t)(eq - p)) ==
			    0)
				break;
		if (a->type == NR_NTYPES)
			return -1;
		for (q = eq + 1; q <= end && a->np < NR_MAX_PIECE; q = t + 1) {
			t = q + strcspn(q, "~|");
			if (t > end)
				t = end;
			if (one_piece(q, (size_t)(t - q), &a->piece[a->np],
			    &a->arg[a->np]) < 0)
				return -1;
			a->np++;
			if (t == end)
				break;
		}
	}
	return *p ? -1 : 0;
}

/* utf8_ok - valid UTF-8 (then the value is a UTF8String) */
static int
utf8_ok(const unsigned char *p, size_t len)
{
	size_t i = 0, n, k;

	while (i < len) {
		n = p[i] < 0x80 ? 1 : p[i] >= 0xc2 && p[i] <= 0xdf ? 2 :
		    p[i] >= 0xe0 && p[i] <= 0xef ? 3 : p[i] >= 0xf0 &&
		    p[i] <= 0xf4 ? 4 : 0;
		if (n == 0 || i + n > len)
			return 0;
		for (k = 1; k < n; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
		if ((n == 3 && p[i] == 0xe0 && p[i + 1] < 0xa0) ||
		    (n == 3 && p[i] == 0xed && p[i + 1] > 0x9f) ||
		    (n == 4 && p[i] == 0xf0 && p[i + 1] < 0x90) ||
		    (n == 4 && p[i] == 0xf4 && p[i + 1] > 0x8f))
			return 0;
		i += n;
	}
	return 1;
}

/* build - the X509_NAME a verifier would hand the MTA: made, encoded,
 * parsed back; NULL if OpenSSL will not carry it */
static X509_NAME *
build(const struct nr_name *nm)
{
	static const int nid[NR_NTYPES] = { NID_countryName,
	    NID_organizationName, NID_organizationalUnitName,
	    NID_commonName, NID_pkcs9_emailAddress };
	unsigned char v[NR_VAL_MAX], *der = NULL;
	const unsigned char *q;
	X509_NAME *name = X509_NAME_new(), *back = NULL;
	size_t len;
	int k, dlen;

	for (k = 0; name != NULL && k < nm->n; k++) {
		len = value(&nm->ava[k], v);
		if (!X509_NAME_add_entry_by_NID(name, nid[nm->ava[k].type],
		    utf8_ok(v, len) ? V_ASN1_UTF8STRING : V_ASN1_T61STRING,
		    v, (int)len, -1, 0))
			goto out;
	}
	if (name == NULL || (dlen = i2d_X509_NAME(name, &der)) <= 0)
		goto out;
	q = der;
	back = d2i_X509_NAME(NULL, &q, dlen);
out:
	OPENSSL_free(der);
	X509_NAME_free(name);
	return back;
}

/* pf_cn - the CN Postfix's tls_text_name() keeps (src/tls/tls_verify.c):
 * the first one, as UTF-8, trailing NULs trimmed; none when it is 256
 * bytes or more, holds a NUL or a non-printable ASCII byte */
static int
pf_cn(X509_NAME *name, char *out, size_t size)
{
	unsigned char *u;
	int pos, n, k, ok;

	if ((pos = X509_NAME_get_index_by_NID(name, NID_commonName, -1)) < 0 ||
	    (n = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(
	    X509_NAME_get_entry(name, pos)))) < 0)
		return -1;
	while (n > 0 && u[n - 1] == 0)
		n--;
	ok = n < 256 && (size_t)n < size && memchr(u, 0, (size_t)n) == NULL;
	for (k = 0; ok && k < n; k++)
		if (u[k] < 0x80 && (u[k] < 0x20 || u[k] > 0x7e))
			ok = 0;
	if (ok) {
		memcpy(out, u, (size_t)n);
		out[n] = 0;
	}
	OPENSSL_free(u);
	return ok ? 0 : -1;
}

/* pf_xtext - Postfix's xtext_quote(s, ""): '+', controls, space and
 * non-ASCII as +HH */
static void
pf_xtext(const char *in, char *out, size_t size)
{
	const unsigned char *p;
	size_t o = 0;

	for (p = (const unsigned char *)in; *p && o + 4 < size; p++)
		if (*p != '+' && *p > 32 && *p < 127)
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, size - o, "+%02X", *p);
	out[o] = 0;
}

/* nr_sendmail_xtext - Sendmail's xtextify(s, "<>\")") */
void
nr_sendmail_xtext(const char *in, char *out, size_t size)
{
	const unsigned char *p;
	size_t o = 0;

	for (p = (const unsigned char *)in; *p && o + 4 < size; p++)
		if (*p < '!' || *p > '~' || *p == '+' || *p == '\\' ||
		    *p == '(' || strchr("<>\")", *p) != NULL)
			o += (size_t)snprintf(out + o, size - o, "+%02X", *p);
		else
			out[o++] = (char)*p;
	out[o] = 0;
}

/* nr_oneline11 - X509_NAME_oneline() as OpenSSL 1.1.1 writes it
 * (crypto/x509/x509_obj.c): "/TYPE=value" per entry, bytes below ' '
 * or above '~' as \xHH, nothing else escaped ('/' and '+' included); an
 * entry that does not fit in size - 1 bytes ends the name there (no
 * entry at all: ""). GeneralString's UCS-4 special case is not made. */
void
nr_oneline11(const void *x509_name, char *buf, size_t size)
{
	const X509_NAME *name = x509_name;
	const X509_NAME_ENTRY *ne;
	const ASN1_STRING *v;
	const unsigned char *q;
	char type[80];
	size_t l = 0, need;
	int i, j, num, nid;

	buf[0] = 0;
	for (i = 0; i < X509_NAME_entry_count(name); i++) {
		ne = X509_NAME_get_entry(name, i);
		nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(ne));
		if (nid == NID_undef || OBJ_nid2sn(nid) == NULL)
			OBJ_obj2txt(type, sizeof(type),
			    X509_NAME_ENTRY_get_object(ne), 1);
		else
			snprintf(type, sizeof(type), "%s", OBJ_nid2sn(nid));
		v = X509_NAME_ENTRY_get_data(ne);
		q = ASN1_STRING_get0_data(v);
		num = ASN1_STRING_length(v);
		for (need = 0, j = 0; j < num; j++)
			need += q[j] < ' ' || q[j] > '~' ? 4 : 1;
		if (l + 2 + strlen(type) + need > size - 1)
			break;
		l += (size_t)snprintf(buf + l, size - l, "/%s=", type);
		for (j = 0; j < num; j++)
			if (q[j] < ' ' || q[j] > '~')
				l += (size_t)snprintf(buf + l, size - l,
				    "\\x%02X", q[j]);
			else
				buf[l++] = (char)q[j];
		buf[l] = 0;
	}
}

/* write_file - dir/name */
static int
write_file(const char *dir, const char *name, const char *text)
{
	char path[1024];
	FILE *f;
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	r = fputs(text, f) < 0;
	return (fclose(f) != 0 || r) ? -1 : 0;
}

/* compile - dir/name to dir/name.cdb */
static int
compile(const char *dir, const char *name, enum table_kind kind,
    char *err, size_t size)
{
	char path[1024], cdb[1100];
	struct diag d;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(cdb, sizeof(cdb), "%s.cdb", path);
	if (table_compile(path, kind, cdb, &d) == 0)
		return 0;
	snprintf(err, size, "%s:%d: %s", d.file, d.line, d.what);
	return -1;
}

static const char attributes[] =
	SCOPE_DN " attr=OU value=UMR7503 RELAY\n"
	SCOPE_CN " attr=OU value=UMR7503 RELAY\n"
	SCOPE_DN " attr=OU value=Suspended REJECT\n"
	SCOPE_CN " attr=OU value=Suspended REJECT\n";
static const char subjects[] =
	"/C=FR/O=CNRS/OU=UMR7503/CN=Alice+20Martin " SCOPE_DN " RELAY\n"
	"CN=Alice\\20Martin " SCOPE_DN " RELAY\n"
	"CN=Alice\\20Martin " SCOPE_CN " RELAY\n"
	"/C=FR/O=CNRS/OU=UMR7503/CN=Bob+20Suspended " SCOPE_DN
	" REJECT Account suspended\n"
	"/C=FR/O=CNRS/OU=UMR7503/CN=Bob+20Suspended/emailAddress="
	LONG_EMAIL " " SCOPE_DN " REJECT Account suspended\n";
static const char emails[] =
	"alice.martin@umr7503.example " SCOPE_DN "\n"
	"alice.martin@umr7503.example " SCOPE_CN "\n";
#define RX1	"/,OU=UMR7504,O=CNRS,C=FR$/ " SCOPE_DN " RELAY\n" \
		"/,OU=UMR7504,O=CNRS,C=FR$/ " SCOPE_CN " RELAY\n"
static const char regex_a[] = RX1
	"!/,OU=UMR9999,/ " SCOPE_DN " RELAY\n"
	"!/,OU=UMR9999,/ " SCOPE_CN " RELAY\n";
static const char regex_b[] = RX1;

/* open_engine - one configuration file, one engine */
static int
open_engine(const char *dir, enum nr_config cf, int legacy,
    struct engine **ep, char *err, size_t size)
{
	char text[1024], name[64], path[1024];
	struct diag d;

	snprintf(text, sizeof(text),
	    "subject_table = subjects\n"
	    "email_table = emails\n"
	    "attribute_table = attributes\n"
	    "regex_table = %s\n"
	    "local_domains = umr7503.example\n"
	    "gatekeeper = all\n"
	    "sendmail_openssl = %s\n", cf == NR_CONF_A ? "regexA" : "regexB",
	    legacy ? "legacy" : "3");
	snprintf(name, sizeof(name), "%s-%s.conf", nr_config_name(cf),
	    legacy ? "legacy" : "3");
	if (write_file(dir, name, text) < 0) {
		snprintf(err, size, "cannot write %s/%s", dir, name);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (engine_open(path, ep, &d) == 0)
		return 0;
	snprintf(err, size, "%s:%d: %s", d.file, d.line, d.what);
	return -1;
}

/* nr_open - the rules in dir, and an engine per configuration */
int
nr_open(struct nr_ctx **cp, const char *dir, char *err, size_t size)
{
	struct nr_ctx *c;
	int cf, legacy;

	*cp = NULL;
	if (write_file(dir, "attributes", attributes) < 0 ||
	    write_file(dir, "subjects", subjects) < 0 ||
	    write_file(dir, "emails", emails) < 0 ||
	    write_file(dir, "regexA", regex_a) < 0 ||
	    write_file(dir, "regexB", regex_b) < 0) {
		snprintf(err, size, "cannot write the tables in %s", dir);
		return -1;
	}
	if (compile(dir, "attributes", TABLE_ATTRIBUTE, err, size) < 0 ||
	    compile(dir, "subjects", TABLE_SUBJECT, err, size) < 0 ||
	    compile(dir, "emails", TABLE_EMAIL, err, size) < 0)
		return -1;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, size, "out of memory");
		return -1;
	}
	for (cf = 0; cf < NR_NCONFIG; cf++)
		for (legacy = 0; legacy <= 1; legacy++)
			if (open_engine(dir, (enum nr_config)cf, legacy,
			    &c->e[cf][legacy], err, size) < 0) {
				nr_close(c);
				return -1;
			}
	*cp = c;
	return 0;
}

/* nr_close - engines go; accepts NULL */
void
nr_close(struct nr_ctx *c)
{
	int cf;

	if (c == NULL)
		return;
	for (cf = 0; cf < NR_NCONFIG; cf++) {
		engine_close(c->e[cf][0]);
		engine_close(c->e[cf][1]);
	}
	free(c);
}

/* Macros a milter is given, for macros_collect(). */
struct mac {
	const char *name[16], *val[16];
	int	n;
};

/* mac_get - smfi_getsymval() over a struct mac */
static const char *
mac_get(void *ctx, const char *name)
{
	const struct mac *m = ctx;
	int k;

	for (k = 0; k < m->n; k++)
		if (strcmp(m->name[k], name) == 0)
			return m->val[k];
	return NULL;
}

/* mac_add - one macro */
static void
mac_add(struct mac *m, const char *name, const char *val)
{
	m->name[m->n] = name;
	m->val[m->n++] = val;
}

/* via_milter - what the milter decides at RCPT on these macros */
static void
via_milter(const struct engine *e, struct mac *mc, struct decision *out,
    char *note, size_t size)
{
	static struct macros m;
	struct request r;
	struct diag d;

	mac_add(mc, "{client_addr}", "192.0.2.7");
	mac_add(mc, "{tls_version}", "TLSv1.3");
	mac_add(mc, "{cipher}", "TLS_AES_256_GCM_SHA384");
	mac_add(mc, "{cipher_bits}", "256");
	mac_add(mc, "{rcpt_addr}", RCPT);
	memset(&m, 0, sizeof(m));
	macros_collect(&m, mac_get, mc);
	(void)macros_rcpt(&m, mac_get, mc, "<" RCPT ">");
	request_init(&r);
	macros_request(&m, &r);
	diag_clear(&d);
	if (decide(e, &r, STAGE_RCPT, out, &d) < 0)
		abort();
	snprintf(note, size, "%s", r.note);
	request_free(&r);
}

/* What certrelay-policyd's serve_one() does with one request. */
struct pol {
	const struct engine *e;
	struct decision out;
	char	note[256];
	int	n;
};

/* pol_one - policy_request(), decide() at MAIL, then at RCPT */
static int
pol_one(void *ctx, struct policy_req *pr)
{
	struct pol *p = ctx;
	struct request r;
	struct diag d;

	(void)policy_request(pr, &r);
	diag_clear(&d);
	decide(p->e, &r, STAGE_MAIL, &p->out, &d);
	if (p->out.action != ACT_REJECT)
		decide(p->e, &r, STAGE_RCPT, &p->out, &d);
	snprintf(p->note, sizeof(p->note), "%s", r.note);
	request_free(&r);
	p->n++;
	return 0;
}

/* via_policy - a policy request with this ccert_subject */
static void
via_policy(const struct engine *e, const char *xsubject,
    struct decision *out, char *note, size_t size)
{
	static struct policy_parser pp;
	struct pol p;
	struct diag d;
	char text[NR_TEXT_MAX + 1024];
	int n;

	n = snprintf(text, sizeof(text),
	    "request=smtpd_access_policy\nprotocol_state=RCPT\n"
	    "protocol_name=ESMTP\nclient_address=192.0.2.7\n"
	    "client_name=unknown\nhelo_name=client.outside.example\n"
	    "sender=m@outside.example\nrecipient=" RCPT "\n"
	    "queue_id=\nccert_subject=%s\nccert_issuer=CNRS-Plus\n"
	    "ccert_fingerprint=\nccert_pubkey_fingerprint=\n"
	    "encryption_protocol=TLSv1.3\n"
	    "encryption_cipher=TLS_AES_256_GCM_SHA384\n"
	    "encryption_keysize=256\nsasl_method=\nsasl_username=\n\n",
	    xsubject);
	memset(&p, 0, sizeof(p));
	p.e = e;
	policy_init(&pp);
	if (policy_feed(&pp, text, (size_t)n, pol_one, &p, &d) < 0 ||
	    p.n != 1)
		abort();		/* the request is well formed */
	*out = p.out;
	snprintf(note, size, "%s", p.note);
}

/* render - the name as rendering rn delivers it; the engine's answer */
static void
render(struct nr_ctx *c, X509_NAME *name, enum nr_config cf,
    enum nr_render rn, struct decision *out, struct nr_result *res)
{
	char cn[512], one[256], x[NR_TEXT_MAX];
	struct mac mc;
	int have;

	memset(&mc, 0, sizeof(mc));
	if (rn == NR_PF_MILTER || rn == NR_PF_POLICY) {
		have = pf_cn(name, cn, sizeof(cn)) == 0;
		if (!have)
			cn[0] = 0;	/* tls_peer_CN(): "" */
		nr_escape(cn, strlen(cn), res->rendering,
		    sizeof(res->rendering));
		if (rn == NR_PF_MILTER) {
			mac_add(&mc, "v", "Postfix 3.7.11");
			mac_add(&mc, "{cert_subject}", cn);
			mac_add(&mc, "{cert_issuer}", "CNRS-Plus");
			via_milter(c->e[cf][1], &mc, out, res->note,
			    sizeof(res->note));
		} else {
			pf_xtext(cn, x, sizeof(x));
			snprintf(res->rendering, sizeof(res->rendering),
			    "ccert_subject=%s", x);
			via_policy(c->e[cf][1], x, out, res->note,
			    sizeof(res->note));
		}
		return;
	}
	if (rn == NR_SM_OSSL3)
		X509_NAME_oneline(name, one, sizeof(one));
	else
		nr_oneline11(name, one, sizeof(one));
	nr_sendmail_xtext(one, x, sizeof(x));
	snprintf(res->rendering, sizeof(res->rendering), "{cert_subject}=%s",
	    x);
	mac_add(&mc, "{cert_subject}", x);
	mac_add(&mc, "{cert_issuer}", CA_DN);
	mac_add(&mc, "{verify}", "OK");
	mac_add(&mc, "{rcpt_mailer}", "relay");
	via_milter(c->e[cf][rn == NR_SM_OSSL11], &mc, out, res->note,
	    sizeof(res->note));
}

/* ci_is - the attribute's value is s, ASCII case-insensitive */
static int
ci_is(const struct nr_ava *a, const char *s)
{
	unsigned char v[NR_VAL_MAX];
	size_t len = value(a, v), i;

	if (len != strlen(s))
		return 0;
	for (i = 0; i < len; i++)
		if (tolower(v[i]) != tolower((unsigned char)s[i]))
			return 0;
	return 1;
}

/* any_is - some attribute of this type is s */
static int
any_is(const struct nr_name *nm, int type, const char *s)
{
	int k;

	for (k = 0; k < nm->n; k++)
		if (nm->ava[k].type == type && ci_is(&nm->ava[k], s))
			return 1;
	return 0;
}

/* exactly - the name is these attributes, in this order */
static int
exactly(const struct nr_name *nm, const int *types,
    const char *const *vals, int n)
{
	int k;

	if (nm->n != n)
		return 0;
	for (k = 0; k < n; k++)
		if (nm->ava[k].type != types[k] || !ci_is(&nm->ava[k],
		    vals[k]))
			return 0;
	return 1;
}

/* meets - whether one rule meets the real names */
static int
meets(const struct nr_name *nm, enum nr_config cf, enum rule rl)
{
	static const int t[] = { NR_C, NR_O, NR_OU, NR_CN, NR_EMAIL };
	static const char *const alice[] = { "FR", "CNRS", "UMR7503",
	    "Alice Martin" };
	static const char *const bob[] = { "FR", "CNRS", "UMR7503",
	    "Bob Suspended", LONG_EMAIL };
	int k;

	switch (rl) {
	case R_OU_RELAY:	return any_is(nm, NR_OU, "UMR7503");
	case R_OU_REJECT:	return any_is(nm, NR_OU, "Suspended");
	case R_EXACT_ALICE:	return exactly(nm, t, alice, 4);
	case R_CN_ALICE:	return any_is(nm, NR_CN, "Alice Martin");
	case R_EXACT_BOB:	return exactly(nm, t, bob, 4);
	case R_EXACT_LONG:	return exactly(nm, t, bob, 5);
	case R_EMAIL:
		return any_is(nm, NR_EMAIL, ALICE_EMAIL);
	case R_RX1:
		return nm->n >= 4 && nm->ava[0].type == NR_C &&
		    ci_is(&nm->ava[0], "FR") && nm->ava[1].type == NR_O &&
		    ci_is(&nm->ava[1], "CNRS") && nm->ava[2].type == NR_OU &&
		    ci_is(&nm->ava[2], "UMR7504");
	case R_RX2:
		if (cf != NR_CONF_A)
			return 0;
		/* printed with a comma on both sides: neither the first
		 * nor the last attribute */
		for (k = 1; k < nm->n - 1; k++)
			if (nm->ava[k].type == NR_OU &&
			    ci_is(&nm->ava[k], "UMR9999"))
				return 0;
		return 1;
	default:
		return 0;
	}
}

/* Rules as messages name the model's decision. */
static const char *const rule_name[R_NRULES + 1] = {
	"attribute OU=UMR7503 RELAY", "attribute OU=Suspended REJECT",
	"exact DN Alice RELAY", "CN=Alice Martin RELAY",
	"exact DN Bob REJECT", "exact DN Bob+e-mail REJECT",
	"e-mail " ALICE_EMAIL " RELAY", "regex UMR7504 RELAY",
	"regex !UMR9999 RELAY", "no rule"
};

/* is_refusal - the rule's action is not RELAY */
static int
is_refusal(enum rule rl)
{
	return rl == R_OU_REJECT || rl == R_EXACT_BOB || rl == R_EXACT_LONG;
}

/*
 * model_decide - the rule that decides on the real names, R_NRULES for
 * none
 *
 * DECISION (the lead, issue 15): the model evaluates as certrelay's
 * design does (design.md, "Evaluation"), most specific first, the first
 * rule that is not DUNNO wins: fingerprint (no pins here), subject DN
 * (the exact DN, then the CN key), e-mail (the addresses in DN order),
 * issuer DN and access file (none configured), regex (the first
 * matching rule in file order), attribute (the DN's attributes in X.509
 * order, the first matching). So a subject, CN, e-mail or regex RELAY
 * legitimately beats an attribute REJECT the same certificate meets: a
 * more specific rule wins over a broader one, as a fingerprint REJECT
 * revokes one certificate of an otherwise trusted CA. This is what the
 * rules mean, not a relaxation: the property stays "the engine relays
 * => this ordered model relays", and a refusal earlier in this order
 * than the engine's relaying rule is still a violation (NR_REFUSAL).
 */
static enum rule
model_decide(const struct nr_name *nm, enum nr_config cf)
{
	static const enum rule exact[] = { R_EXACT_ALICE, R_EXACT_BOB,
	    R_EXACT_LONG };
	const struct nr_ava *a;
	size_t k;
	int i;

	/* subject: the exact DN (one at most), then the CN key */
	for (k = 0; k < NELEM(exact); k++)
		if (meets(nm, cf, exact[k]))
			return exact[k];
	if (meets(nm, cf, R_CN_ALICE))
		return R_CN_ALICE;
	for (i = 0; i < nm->n; i++)
		if (nm->ava[i].type == NR_EMAIL && ci_is(&nm->ava[i],
		    ALICE_EMAIL))
			return R_EMAIL;
	/* issuer and access: no rules; regex: regexA/B's order */
	if (meets(nm, cf, R_RX1))
		return R_RX1;
	if (meets(nm, cf, R_RX2))
		return R_RX2;
	for (i = 0; i < nm->n; i++) {
		a = &nm->ava[i];
		if (a->type == NR_OU && ci_is(a, "UMR7503"))
			return R_OU_RELAY;
		if (a->type == NR_OU && ci_is(a, "Suspended"))
			return R_OU_REJECT;
	}
	return R_NRULES;
}

/* is_nul - piece k of a is a NUL byte */
static int
is_nul(const struct nr_ava *a, int k)
{
	return a->piece[k] == P_NUL || (a->piece[k] == P_CTRL &&
	    a->arg[k] == 0);
}

/*
 * real_names - the certificate's names as the model reads them for
 * rendering rn
 *
 * DECISION (the lead, issue 15): Postfix's tls_text_name() trims
 * trailing NULs off the CN and sends the rest, so on the Postfix
 * renderings the real CN is Postfix's reading of it: a CA that signed
 * "Alice Martin\0" signed what Postfix calls "Alice Martin". Only the CN
 * Postfix reads (the first) is trimmed, and only its trailing NULs: a
 * NUL inside it stays (Postfix then sends no CN at all, pf_cn()), and
 * the Sendmail renderings keep every byte.
 */
static void
real_names(const struct nr_name *nm, enum nr_render rn,
    struct nr_name *out)
{
	struct nr_ava *a;
	int k;

	*out = *nm;
	if (nr_is_sendmail(rn))
		return;
	for (k = 0; k < out->n && out->ava[k].type != NR_CN; k++)
		;
	if (k == out->n)
		return;
	a = &out->ava[k];
	while (a->np > 0 && is_nul(a, a->np - 1))
		a->np--;
}

/* nr_model_relays - the model's answer on the real names */
int
nr_model_relays(const struct nr_name *nm, enum nr_config cf,
    enum nr_render rn)
{
	struct nr_name real;
	enum rule md;

	real_names(nm, rn, &real);
	md = model_decide(&real, cf);
	return md != R_NRULES && !is_refusal(md);
}

/* rule_of - which rule the engine's table:line is, or -1 */
static int
rule_of(const struct decision *out)
{
	const char *base;
	size_t k;

	if (out->table == NULL)
		return -1;
	base = strrchr(out->table, '/') ? strrchr(out->table, '/') + 1 :
	    out->table;
	for (k = 0; k < NELEM(rule_lines); k++)
		if (strcmp(base, rule_lines[k].table) == 0 &&
		    out->line == rule_lines[k].line)
			return (int)rule_lines[k].rule;
	return -1;
}

/* nr_check - one name, one configuration, one rendering */
void
nr_check(struct nr_ctx *c, const struct nr_name *nm, enum nr_config cf,
    enum nr_render rn, struct nr_result *res)
{
	X509_NAME *name;
	struct decision out;
	struct nr_name real;
	const char *base;
	enum rule md;
	int rl;

	memset(res, 0, sizeof(*res));
	if ((nr_is_sendmail(rn) && !nr_in_bounds(nm)) ||
	    (name = build(nm)) == NULL) {
		res->cls = NR_SKIP;
		return;
	}
	render(c, name, cf, rn, &out, res);
	X509_NAME_free(name);
	if (out.table != NULL) {
		base = strrchr(out.table, '/');
		snprintf(res->rule, sizeof(res->rule), "%s:%d",
		    base ? base + 1 : out.table, out.line);
	} else
		snprintf(res->rule, sizeof(res->rule), "(%s)",
		    decide_kind_name(out.kind));
	real_names(nm, rn, &real);
	md = model_decide(&real, cf);
	snprintf(res->model, sizeof(res->model), "%s", rule_name[md]);
	if (out.action != ACT_RELAY || (md != R_NRULES && !is_refusal(md))) {
		res->cls = NR_OK;
		return;
	}
	/* the engine's rule meets the real names: then the model's walk
	 * met a refusal before it (md) */
	rl = rule_of(&out);
	res->cls = rl >= 0 && meets(&real, cf, (enum rule)rl) ? NR_REFUSAL :
	    NR_MISREAD;
}

/* nr_relays - whether the engine relays this name in this rendering */
int
nr_relays(struct nr_ctx *c, const struct nr_name *nm, enum nr_config cf,
    enum nr_render rn)
{
	X509_NAME *name;
	struct decision out;
	struct nr_result res;

	if ((name = build(nm)) == NULL)
		return -1;
	render(c, name, cf, rn, &out, &res);
	X509_NAME_free(name);
	return out.action == ACT_RELAY;
}

/* same - a smaller name still fails the same way */
static int
same(struct nr_ctx *c, const struct nr_name *t, enum nr_config cf,
    enum nr_render rn, struct nr_result *res, struct nr_result *tmp)
{
	nr_check(c, t, cf, rn, tmp);
	if (tmp->cls != res->cls || strcmp(tmp->rule, res->rule) != 0)
		return 0;
	*res = *tmp;
	return 1;
}

/* shrink_once - the first smaller name that fails the same way */
static int
shrink_once(struct nr_ctx *c, struct nr_name *nm, enum nr_config cf,
    enum nr_render rn, struct nr_result *res, struct nr_result *tmp)
{
	struct nr_name t;
	struct nr_ava *a;
	int i, j, s;

	for (i = 0; i < nm->n && nm->n > 1; i++) {
		t = *nm;
		memmove(&t.ava[i], &t.ava[i + 1], (size_t)(t.n - i - 1) *
		    sizeof(t.ava[0]));
		t.n--;
		if (same(c, &t, cf, rn, res, tmp))
			return (*nm = t, 1);
	}
	for (i = 0; i < nm->n; i++)
		for (j = 0; j < nm->ava[i].np; j++) {
			t = *nm;
			a = &t.ava[i];
			if (a->np > 1) {
				memmove(&a->piece[j], &a->piece[j + 1],
				    (size_t)(a->np - j - 1) * sizeof(int));
				memmove(&a->arg[j], &a->arg[j + 1],
				    (size_t)(a->np - j - 1) * sizeof(int));
				a->np--;
				if (same(c, &t, cf, rn, res, tmp))
					return (*nm = t, 1);
			}
			for (s = 0; s < 3 && nm->ava[i].piece[j] == P_RUN;
			    s++) {
				t = *nm;
				a = &t.ava[i];
				a->arg[j] = s == 0 ? a->arg[j] / 2 : s == 1 ?
				    a->arg[j] - 8 : a->arg[j] - 1;
				if (a->arg[j] >= 1 &&
				    same(c, &t, cf, rn, res, tmp))
					return (*nm = t, 1);
			}
		}
	return 0;
}

/* nr_shrink - drop attributes and pieces while it fails the same way */
void
nr_shrink(struct nr_ctx *c, struct nr_name *nm, enum nr_config cf,
    enum nr_render rn, struct nr_result *res)
{
	struct nr_result *tmp = malloc(sizeof(*tmp));
	int rounds;

	if (tmp == NULL)
		return;
	for (rounds = 0; rounds < 2000 && shrink_once(c, nm, cf, rn, res,
	    tmp); rounds++)
		;
	free(tmp);
}

/* nr_size - bytes in the values: a smaller example reads better */
size_t
nr_size(const struct nr_name *nm)
{
	unsigned char v[NR_VAL_MAX];
	size_t n = 0;
	int k;

	for (k = 0; k < nm->n; k++)
		n += value(&nm->ava[k], v) + 8;
	return n;
}

/* nr_escape - printable ASCII as it is, '\' and the rest as \xHH */
void
nr_escape(const char *s, size_t len, char *buf, size_t size)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, o = 0;

	for (i = 0; i < len && o + 5 < size; i++)
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			buf[o++] = (char)p[i];
		else
			o += (size_t)snprintf(buf + o, size - o, "\\x%02X",
			    p[i]);
	buf[o] = 0;
}

/* nr_describe - "C=FR | O=CNRS | CN=..." with values escaped, runs
 * written "A{n}" and "E{n}" */
void
nr_describe(const struct nr_name *nm, char *buf, size_t size)
{
	unsigned char v[NR_VAL_MAX];
	char e[NR_VAL_MAX * 4 + 1];
	const struct nr_ava *a;
	size_t o = 0, len;
	int k, j;

	buf[0] = 0;
	for (k = 0; k < nm->n && o < size; k++) {
		a = &nm->ava[k];
		o += (size_t)snprintf(buf + o, size - o, "%s%s=", k ? " | " :
		    "", type_name[a->type]);
		for (j = 0; j < a->np && o < size; j++) {
			if (a->piece[j] == P_RUN || a->piece[j] == P_ERUN) {
				o += (size_t)snprintf(buf + o, size - o,
				    "%c{%d}", a->piece[j] == P_RUN ? 'A' : 'E',
				    a->arg[j]);
				continue;
			}
			len = value(&(struct nr_ava){ 0, 1, { a->piece[j] },
			    { a->arg[j] } }, v);
			nr_escape((const char *)v, len, e, sizeof(e));
			o += (size_t)snprintf(buf + o, size - o, "%s", e);
		}
	}
}

/* nr_render_name - for messages */
const char *
nr_render_name(enum nr_render rn)
{
	static const char *const n[NR_NRENDER] = { "postfix-milter",
	    "postfix-policy", "sendmail-openssl3", "sendmail-openssl1.1" };

	return n[rn];
}

/* nr_config_name - for messages and file names */
const char *
nr_config_name(enum nr_config cf)
{
	return cf == NR_CONF_A ? "rulesA" : "rulesB";
}

/* nr_class_name - for messages */
const char *
nr_class_name(enum nr_class cls)
{
	static const char *const n[] = { "ok", "misread", "refusal-skipped",
	    "skipped" };

	return n[cls];
}
