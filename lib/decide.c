/*
 * decide - the one decision every front-end asks for
 *
 * SYNOPSIS
 *	#include "decide.h"
 *	void	request_init(struct request *r);
 *	void	request_names(struct request *r);
 *	void	request_free(struct request *r);
 *	int	decide(const struct engine *e, struct request *r,
 *		    enum stage stage, struct decision *out, struct diag *d);
 *	const char *decide_kind_name(enum dec_kind k);
 *	size_t	decide_reply(const struct decision *dec, char *buf,
 *		    size_t size);
 *	enum verify decide_verify(const char *sendmail_verify);
 *	int	decide_number(const char *s, const char **end);
 * DESCRIPTION
 *	A front-end copies what the MTA said into a struct request (strings
 *	it owns for the request's life) and asks decide() at a stage:
 *
 *	STAGE_CERT: what the certificate rules say, most specific first,
 *	first non-DUNNO wins: fingerprint (cert, then public key), subject
 *	DN, e-mail address, issuer DN (and a Sendmail access file:
 *	CERTISSUER: RELAY, or SUBJECT then CERTSUBJECT:), regex, attribute.
 *	Only fingerprint rules apply to a certificate the MTA did not verify;
 *	a self-signed cert that copies a trusted issuer's DN meets nothing
 *	else. The certificate index, when configured, turns a fingerprint
 *	into the whole certificate (full DNs, subjectAltName addresses,
 *	public key). A Sendmail name that may have been cut at 255 bytes
 *	never matches an exact DN rule; what arrived is still matched by
 *	attribute, regex, CN and e-mail rules. Computed once, kept in r.
 *
 *	request_names() fills r->subject_canon, r->issuer_canon and
 *	r->fp_text, the names as logged, from what decide() parsed: once,
 *	when first wanted (the log line after the answer went out; names
 *	that name rules were looked up by are formatted with their lookup
 *	keys, which are the same text case-folded). request_free()
 *	releases what decide() kept in r (and empties those three); r can
 *	then be given to request_init() again.
 *
 *	STAGE_MAIL: an authenticated session without TLS, under
 *	min_tls_version or under min_cipher_bits, or whose AUTH the
 *	front-end could not prove came after STARTTLS (r->auth_unproven:
 *	Sendmail keeps an AUTH done in clear across STARTTLS) is refused
 *	with 530 5.7.0 (RFC 3207), and out->clear_auth says the password
 *	crossed in clear. The password has crossed by then: this refuses
 *	the mail and raises the alarm, it cannot stop the AUTH itself.
 *
 *	STAGE_RCPT (r->rcpt set): a REJECT, TEMPFAIL, ERROR or DISCARD
 *	certificate rule answers for every recipient; a recipient outside
 *	local_domains relays on a RELAY rule, on AUTH over acceptable TLS or
 *	from trusted_networks; on a listener the milter gates
 *	(conf_gated(), r->listener) anything else gets 550 5.7.1, elsewhere
 *	(and always with r->gateless: the policy server, whose DUNNO leaves
 *	it to Postfix's reject_unauth_destination) DUNNO.
 *
 *	Sender binding and counters apply only to a certificate whose
 *	verdict is RELAY. STAGE_MAIL then checks r->sender against what the
 *	certificate owns (sender_binding; lib/sender.c): an unowned sender
 *	gets 553 5.7.1, an owned one sets r->bound for the trace header.
 *	STAGE_RCPT with r->rate counts a recipient relayed by certificate
 *	against the rule's rate= or rate_limit (lib/rate.c, r->now or the
 *	clock): past it 452 4.7.1; out->warn asks the front-end for a
 *	warning line (rate_warning()), also for max_client_addresses.
 *
 *	A table that cannot be read gives TEMPFAIL (451 4.3.0), never "no
 *	match".
 *
 *	The decision is a typed value: the action (enum act), what decided
 *	(enum dec_kind), the SMTP reply's code, DSN and text apart (code ""
 *	when there is no reply), the rule's table and line, clear_auth. Each
 *	front-end maps it to its MTA's answer in one table of its own.
 *	decide_kind_name() is the kind as logs and certrelay check spell it
 *	("issuer", "no-rule"; "" for KIND_NONE). decide_reply() writes the
 *	reply as the MTA says it, "550 5.7.1 text" ("" when none), cut to
 *	size (DECIDE_REPLY_MAX holds any), and returns its length.
 *
 *	decide_number() reads a number the MTA sent (a key size, a TLS
 *	version's digits): the leading decimal digits of s, capped at
 *	DECIDE_NUMBER_MAX, 0 if there are none; *end (if end is not NULL)
 *	points past the digits. No sign, no spaces, no overflow.
 * DIAGNOSTICS
 *	0 with *out filled (even for a refusal); -1 only when out itself
 *	could not be filled, with d saying why. Lookup errors are in *out
 *	(action TEMPFAIL) and in d.
 * OWNERSHIP
 *	out->table points into e; the rest of *out is a plain value
 *	(decide_kind_name() returns a static string). The parsed names
 *	are r's until request_free().
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "certlife.h"
#include "decide.h"
#include "engine_priv.h"
#include "dn.h"

#define MAX_FP		6
#define MAX_EMAIL	8

/* r->names_done: which of the names as logged are filled */
#define NAMES_SUBJECT	1
#define NAMES_ISSUER	2
#define NAMES_FP	4
#define NAMES_ALL	(NAMES_SUBJECT | NAMES_ISSUER | NAMES_FP)

/* What is known of the client's certificate, for one evaluation. */
struct view {
	struct dn *subj, *iss;
	int	subj_cut, iss_cut;	/* Sendmail may have cut them */
	const char *doubt;		/* why names may only refuse, or NULL */
	int	whole;			/* the names are the whole DNs */
	struct fp fp[MAX_FP];
	int	nfp;
	const char *pk_later;		/* public-key pin, parsed if needed */
	int	nemail;
	const char *scopes[3];
	const char *ci_note;		/* why the index gave no names */
	struct certlife life;		/* the index's copy: dates, CRL */
	int	keyed;			/* view_keys() done */
	int	subj_cn_done;		/* subj_cn() done */
	int	scoped;			/* view_scopes() done */
	struct request *rq;		/* whose names are logged */
	size_t	own_len;		/* the index's SAN addresses, as is */
	/* not cleared per decision: */
	char	own[SENDER_EMAILS_MAX];
	char	email[MAX_EMAIL][256];
	char	subj_key[TABLE_KEY_MAX], subj_cn_key[TABLE_KEY_MAX];
	char	iss_key[TABLE_KEY_MAX], iss_cn_key[TABLE_KEY_MAX];
};

/* request_init - an empty request */
void
request_init(struct request *r)
{
	/* the text buffers and the certificate's addresses are emptied,
	 * not cleared: they are written before they are read */
	memset(r, 0, offsetof(struct request, emails));
	r->subject_canon[0] = r->issuer_canon[0] = r->fp_text[0] = 0;
	r->note[0] = 0;
	r->cipher_bits = -1;
}

/* request_names - the names as logged, formatted once */
void
request_names(struct request *r)
{
	size_t len;
	int done = r->names_done;

	if (done == NAMES_ALL)
		return;
	r->names_done = NAMES_ALL;
	/* the names a decision keyed are formatted already (view_keys) */
	if (!(done & NAMES_SUBJECT) && r->subj_dn && dn_format(r->subj_dn,
	    DN_RFC4514, r->subject_canon, sizeof(r->subject_canon)) < 0)
		r->subject_canon[0] = 0;
	if (!(done & NAMES_ISSUER) && r->iss_dn && dn_format(r->iss_dn,
	    DN_RFC4514, r->issuer_canon, sizeof(r->issuer_canon)) < 0)
		r->issuer_canon[0] = 0;
	if (!(done & NAMES_FP) && r->has_fp) {	/* "sha256:AB:CD:..." */
		len = strlen(fp_alg_name(r->fp.alg));
		memcpy(r->fp_text, fp_alg_name(r->fp.alg), len);
		r->fp_text[len++] = ':';
		fp_text(&r->fp, r->fp_text + len, sizeof(r->fp_text) - len);
	}
}

/* request_free - what decide() kept goes, names as logged too */
void
request_free(struct request *r)
{
	dn_free(r->subj_dn);
	dn_free(r->iss_dn);
	r->subj_dn = r->iss_dn = NULL;
	r->has_fp = r->names_done = 0;
	r->subject_canon[0] = r->issuer_canon[0] = r->fp_text[0] = 0;
}

/* decide_verify - Sendmail's {verify}: OK and TRUSTED mean verified */
enum verify
decide_verify(const char *v)
{
	if (v == NULL)
		return VERIFY_UNKNOWN;
	if (strcmp(v, "OK") == 0 || strcmp(v, "TRUSTED") == 0)
		return VERIFY_OK;
	if (*v == 0 || strcmp(v, "NO") == 0)
		return VERIFY_NONE;
	return VERIFY_FAIL;		/* FAIL, NOT, SOFTWARE, PROTOCOL ... */
}

/* decide_number - leading digits, capped (not atoi(): no overflow,
 * and strtol() is slow) */
int
decide_number(const char *s, const char **end)
{
	int v = 0;

	for (; *s >= '0' && *s <= '9'; s++)
		if ((v = v * 10 + (*s - '0')) > DECIDE_NUMBER_MAX)
			v = DECIDE_NUMBER_MAX;
	if (end != NULL)
		*end = s;
	return v;
}

/* note - say once what could not be used */
static void
note(struct request *r, const char *what)
{
	size_t n = strlen(r->note);

	snprintf(r->note + n, sizeof(r->note) - n, "%s%s", n ? "; " : "",
	    what);
}

/* add_fp - a fingerprint in any spelling, if it parses */
static void
add_fp(struct view *v, struct request *r, const char *text, int pubkey)
{
	struct diag d;

	if (text == NULL || *text == 0 || v->nfp >= MAX_FP)
		return;
	if (fp_normalize(text, strlen(text), &v->fp[v->nfp], &d) < 0) {
		note(r, "malformed fingerprint ignored");
		return;
	}
	v->fp[v->nfp].pubkey |= pubkey;
	v->nfp++;
}

/* sendmail_form - the name is Sendmail's {cert_subject}/{cert_issuer};
 * the dry run's '/' form is read as the milter reads it (cut,
 * ambiguity), so dry run and daemon agree */
static int
sendmail_form(const struct request *r, const char *text)
{
	return r->form == REQ_FORM_SENDMAIL || (r->form == REQ_FORM_ANY &&
	    text != NULL && text[0] == '/');
}

/* parse_name - a subject or issuer as this MTA spells it */
static struct dn *
parse_name(struct request *r, const char *text, const char *which)
{
	struct dn *dn = NULL;
	struct diag d;
	char msg[128];
	int ret;

	if (text == NULL || *text == 0)
		return NULL;
	if (r->form == REQ_FORM_POSTFIX)
		ret = dn_from_cn(text, strlen(text), &dn, &d);
	else if (sendmail_form(r, text))
		ret = dn_parse_sendmail(text, strlen(text), &dn, &d);
	else
		ret = dn_parse_rfc4514(text, strlen(text), &dn, &d);
	if (ret < 0) {
		snprintf(msg, sizeof(msg), "unreadable %s ignored", which);
		note(r, msg);
		return NULL;
	}
	return dn;
}

/* add_email - one address, case-folded */
static void
add_email(struct view *v, const char *s, size_t len)
{
	size_t i;

	/* a NUL would cut the key short: such an address is no address */
	if (v->nemail >= MAX_EMAIL || len == 0 ||
	    len >= sizeof(v->email[0]) || memchr(s, 0, len) != NULL)
		return;
	for (i = 0; i < len; i++)
		v->email[v->nemail][i] = (char)tolower((unsigned char)s[i]);
	v->email[v->nemail++][len] = 0;
}

/* keep_own - an index SAN address as the certificate spells it (the
 * sender binding compares its local part exactly) */
static void
keep_own(struct view *v, const char *s, size_t len)
{
	if (len == 0 || memchr(s, 0, len) != NULL ||
	    v->own_len + len + 1 > sizeof(v->own))
		return;
	memcpy(v->own + v->own_len, s, len);
	v->own_len += len;
	v->own[v->own_len++] = 0;
}

/* from_index - the whole certificate behind the presented one's own
 * fingerprint; names only from an entry that chained to index_ca_file,
 * never through a public key (another certificate with that key, old
 * or forged, must not lend its names) */
static int
from_index(const struct engine *e, struct view *v, struct diag *d)
{
	GENERAL_NAMES *san;
	const GENERAL_NAME *gn;
	X509 *cert = NULL;
	struct dn *s = NULL, *i;
	const char *addr;
	size_t alen;
	unsigned flags = 0;
	int k, n = v->nfp, r = 0;

	for (k = 0; k < n && r == 0; k++)
		if (!v->fp[k].pubkey)
			r = cindex_lookup(e->ci, &v->fp[k], &cert, &flags, d);
	if (r <= 0)
		return r;
	if ((flags & CINDEX_VERIFIED) == 0) {
		/* a pinned self-signed partner: its pins still apply */
		v->ci_note = "index entry not verified against index_ca_file: "
		    "its names not used";
		goto pins;
	}
	if (dn_from_x509(X509_get_subject_name(cert), &s, d) == 0 &&
	    dn_from_x509(X509_get_issuer_name(cert), &i, d) == 0) {
		dn_free(v->subj);
		dn_free(v->iss);
		v->subj = s;
		v->iss = i;
		v->subj_cut = v->iss_cut = 0;
		v->whole = 1;
	} else
		dn_free(s);		/* NULL, or the subject alone */
	san = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (k = 0; san && k < sk_GENERAL_NAME_num(san); k++) {
		gn = sk_GENERAL_NAME_value(san, k);
		if (gn->type != GEN_EMAIL)
			continue;
		addr = (const char *)ASN1_STRING_get0_data(gn->d.rfc822Name);
		alen = (size_t)ASN1_STRING_length(gn->d.rfc822Name);
		add_email(v, addr, alen);
		keep_own(v, addr, alen);
	}
	GENERAL_NAMES_free(san);
pins:
	certlife_judge(e->crl, cert, time(NULL), &v->life);
	for (k = 0; k <= 1 && v->nfp < MAX_FP; k++)
		if (fp_of_cert(cert, FP_SHA256, k, &v->fp[v->nfp], d) == 0)
			v->nfp++;
	X509_free(cert);
	return 1;
}

/* cn_key - the lookup key of "CN=<the name's CN>" */
static void
cn_key(const struct dn *dn, char *key, size_t size)
{
	key[0] = 0;
	if (dn != NULL)
		(void)dn_cn_key(dn, key, size);
}

/* subj_cn - the subject's CN key, made when first wanted: most subject
 * tables hold whole names only (table_cn_keys()) */
static const char *
subj_cn(struct view *v)
{
	if (!v->subj_cn_done) {
		v->subj_cn_done = 1;
		cn_key(v->subj, v->subj_cn_key, sizeof(v->subj_cn_key));
	}
	return v->subj_cn_key;
}

/* name_key - a name's lookup key and its RFC 4514 form as logged (into
 * canon, "" if it does not fit): the key is that form case-folded
 * (dn(3) DN_KEY), so one formatting serves both. A key that does not
 * fit is no key: a cut one would be a shorter name's */
static void
name_key(const struct dn *dn, char *key, size_t size, char *canon,
    size_t csize)
{
	size_t i, n;

	key[0] = 0;
	if (dn == NULL)
		return;
	if (dn_format(dn, DN_RFC4514, key, size) < 0) {
		key[0] = canon[0] = 0;
		return;
	}
	n = strlen(key);
	if (n < csize)
		memcpy(canon, key, n + 1);
	else
		canon[0] = 0;
	for (i = 0; i < n; i++)
		key[i] = (char)tolower((unsigned char)key[i]);
}

/* view_keys - e-mail addresses and the subject's lookup key (and its
 * name as logged, on the way): only for a verified cert that no
 * fingerprint rule decided */
static void
view_keys(struct view *v)
{
	struct request *r = v->rq;
	const char *type, *val;
	size_t len;
	int k;

	v->keyed = 1;
	for (k = 0; v->subj && dn_ava(v->subj, k, &type, &val, &len) == 0; k++)
		if (strcmp(type, "emailAddress") == 0)
			add_email(v, val, len);
	/* a name that may be cut is still looked up as it arrived: only
	 * refusals apply to it (name_doubt) */
	name_key(v->subj, v->subj_key, sizeof(v->subj_key), r->subject_canon,
	    sizeof(r->subject_canon));
	r->names_done |= NAMES_SUBJECT;
}

/* view_scopes - the issuer's lookup keys, the scopes a scoped rule must
 * meet (and its name as logged, on the way): made when first wanted, as
 * a name that no table holds and the regex set rules out needs none */
static const char *const *
view_scopes(struct view *v)
{
	struct request *r = v->rq;
	int n = 0;

	if (v->scoped)
		return v->scopes;
	v->scoped = 1;
	name_key(v->iss, v->iss_key, sizeof(v->iss_key), r->issuer_canon,
	    sizeof(r->issuer_canon));
	r->names_done |= NAMES_ISSUER;
	cn_key(v->iss, v->iss_cn_key, sizeof(v->iss_cn_key));
	if (v->iss_key[0])
		v->scopes[n++] = v->iss_key;
	if (v->iss_cn_key[0] && strcmp(v->iss_cn_key, v->iss_key) != 0)
		v->scopes[n++] = v->iss_cn_key;
	v->scopes[n] = NULL;
	return v->scopes;
}

/* scopes_of - view_scopes() for rx_match_lazy() */
static const char *const *
scopes_of(void *v)
{
	return view_scopes(v);
}

/* quoting - how the MTA's OpenSSL spelled the names it passes */
static enum dn_quoting
quoting(const struct engine *e)
{
	return e->conf->legacy_quoting ? DN_QUOTING_LEGACY :
	    DN_QUOTING_OPENSSL3;
}

/* one_way - the subject, if any, reads one way: a whole DN, or the
 * MTA's spelling of it leaves no doubt */
static int
one_way(const struct engine *e, const struct view *v)
{
	return v->whole || v->subj == NULL ||
	    dn_doubt(v->subj, quoting(e)) == NULL;
}

/*
 * name_doubt - can the names grant relay? A subject that reads more than
 * one way or that Sendmail may have cut (dn_doubt()) grants nothing by
 * name: its rules are still consulted, and a refusal among them applies
 * (a refusal is never weaker than a relay). The issuer's name is the
 * CA's, not the client's: only a cut makes it doubtful.
 */
static void
name_doubt(const struct engine *e, struct request *r, struct view *v)
{
	char msg[160];

	v->doubt = NULL;
	if (v->subj != NULL)
		v->doubt = dn_doubt(v->subj, quoting(e));
	if (v->doubt == NULL && v->iss_cut)
		v->doubt = "the issuer may have been cut by Sendmail";
	if (v->doubt != NULL) {
		snprintf(msg, sizeof(msg), "name rules may only refuse: %s",
		    v->doubt);
		note(r, msg);
	}
}

/* build_view - parse, consult the index */
static int
build_view(const struct engine *e, struct request *r, struct view *v,
    struct diag *d)
{
	char key[FP_BIN_MAX];

	add_fp(v, r, r->fingerprint, 0);
	/* the names are parsed while memory brings the slot in */
	if (v->nfp > 0 && e->t[TABLE_FINGERPRINT] != NULL)
		table_prefetch(e->t[TABLE_FINGERPRINT], key,
		    fp_bin_key(&v->fp[0], key));
	/* the public key's pin matters only if the certificate's found
	 * nothing (by_fingerprint); the index never looks a key up */
	if (v->nfp > 0)
		v->pk_later = r->pubkey_fingerprint;
	else
		add_fp(v, r, r->pubkey_fingerprint, 1);
	/* only the index and the admin's RFC 4514 spelling give whole
	 * names: Postfix sends CNs, and Sendmail may drop an attribute
	 * after the CN without a trace */
	v->whole = r->form == REQ_FORM_ANY && r->subject != NULL &&
	    !sendmail_form(r, r->subject);
	v->subj = parse_name(r, r->subject, "subject");
	v->iss = parse_name(r, r->issuer, "issuer");
	v->subj_cut = v->subj && dn_maybe_cut(v->subj);
	v->iss_cut = v->iss && dn_maybe_cut(v->iss);
	if (e->ci && v->nfp > 0 && from_index(e, v, d) < 0)
		return -1;
	if (v->ci_note != NULL)
		note(r, v->ci_note);
	r->cut = v->subj_cut || v->iss_cut;
	return 0;
}

/* lookup - one key in one table, scoped to the issuer or not; a hit
 * that decides fills out: not DUNNO, and not RELAY where the names may
 * only refuse (v->doubt is set by name_doubt(), after the pins: a pin
 * relays whatever the names) */
static int
lookup(const struct engine *e, struct view *v, enum table_kind k,
    const char *key, size_t klen, int scoped, struct table_hit *hit,
    struct diag *d)
{
	int r;

	if (e->t[k] == NULL || klen == 0)
		return 0;
	/* the issuer's keys only for a key the table holds */
	if (scoped && !v->scoped && (r = table_has(e->t[k], key, klen,
	    d)) <= 0)
		return r;
	r = table_lookup(e->t[k], key, klen, scoped ? view_scopes(v) : NULL,
	    hit, d);
	if (r > 0 && (hit->act.type == ACT_DUNNO || (v->doubt != NULL &&
	    hit->act.type == ACT_RELAY)))
		return 0;
	return r;
}

/* by_fingerprint - pins need no verification */
static int
by_fingerprint(const struct engine *e, struct view *v, struct request *rq,
    struct table_hit *hit, struct diag *d)
{
	char key[FP_BIN_MAX];
	int k, r = 0;

	for (k = 0; r == 0; k++) {
		if (k == v->nfp && v->pk_later != NULL) {
			add_fp(v, rq, v->pk_later, 1);
			v->pk_later = NULL;
		}
		if (k >= v->nfp)
			break;
		r = lookup(e, v, TABLE_FINGERPRINT, key,
		    fp_bin_key(&v->fp[k], key), 0, hit, d);
	}
	return r;
}

/* by_access - Sendmail's CERTISSUER:/CERTSUBJECT: semantics */
static int
by_access(const struct engine *e, struct view *v, struct table_hit *hit,
    struct diag *d)
{
	char key[TABLE_KEY_MAX + 16];
	int r;

	if (e->t[TABLE_ACCESS] == NULL)
		return 0;
	(void)view_scopes(v);		/* the issuer's key */
	if (v->iss_key[0] == 0)
		return 0;
	snprintf(key, sizeof(key), "certissuer:%s", v->iss_key);
	if ((r = table_lookup(e->t[TABLE_ACCESS], key, strlen(key), NULL,
	    hit, d)) <= 0)
		return r;
	if (hit->act.type == ACT_RELAY)
		return 1;
	if (hit->act.type != ACT_SUBJECT || v->subj_key[0] == 0)
		return 0;		/* Sendmail: no cert relay */
	snprintf(key, sizeof(key), "certsubject:%s", v->subj_key);
	if ((r = table_lookup(e->t[TABLE_ACCESS], key, strlen(key), NULL,
	    hit, d)) <= 0)
		return r;
	return hit->act.type == ACT_RELAY;
}

/* by_attribute - "issuer=<DN> attr=<T> value=<V>" for each pair */
static int
by_attribute(const struct engine *e, struct view *v, struct table_hit *hit,
    struct diag *d)
{
	char key[TABLE_KEY_MAX];
	const char *type, *val;
	size_t len, klen;
	int k, s, r = 0;

	if (e->t[TABLE_ATTRIBUTE] == NULL || v->subj == NULL)
		return 0;
	(void)view_scopes(v);
	for (k = 0; r == 0 && dn_ava(v->subj, k, &type, &val, &len) == 0; k++)
		for (s = 0; r == 0 && v->scopes[s]; s++)
			if (table_attr_key(v->scopes[s], type, val, len, key,
			    &klen) == 0)
				r = lookup(e, v, TABLE_ATTRIBUTE, key, klen,
				    0, hit, d);
	return r;
}

/* rx_text - a name as regex rules see it; NULL if none or too long.
 * The two forms differ only where a value's special is escaped, always
 * with a backslash: without one, the name as logged is the regex text
 * (formatted once for both) */
static const char *
rx_text(const struct dn *dn, const char *logged, char *buf, size_t size)
{
	if (dn == NULL)
		return NULL;
	if (logged[0] != 0 && strchr(logged, '\\') == NULL)
		return logged;
	if (dn_format(dn, DN_REGEX, buf, size) < 0)
		return NULL;
	return buf;
}

/* by_cn - the subject's CN in a table that may hold a CN's key (a rule
 * written for Postfix's view); the whole name was looked up first */
static int
by_cn(const struct engine *e, struct view *v, struct table_hit *hit,
    struct diag *d)
{
	const struct table *t = e->t[TABLE_SUBJECT];

	if (t == NULL || !table_cn_keys(t) || strcmp(subj_cn(v),
	    v->subj_key) == 0)
		return 0;
	return lookup(e, v, TABLE_SUBJECT, v->subj_cn_key,
	    strlen(v->subj_cn_key), 1, hit, d);
}

/* by_issuer - the issuer's name, then its CN where the table may hold a
 * CN's key */
static int
by_issuer(const struct engine *e, struct view *v, struct table_hit *hit,
    struct diag *d)
{
	const struct table *t = e->t[TABLE_ISSUER];
	int r;

	if (t == NULL)
		return 0;
	(void)view_scopes(v);
	if ((r = lookup(e, v, TABLE_ISSUER, v->iss_key, strlen(v->iss_key), 0,
	    hit, d)) != 0 || !table_cn_keys(t) || strcmp(v->iss_cn_key,
	    v->iss_key) == 0)
		return r;
	return lookup(e, v, TABLE_ISSUER, v->iss_cn_key,
	    strlen(v->iss_cn_key), 0, hit, d);
}

/* by_regex - the names as logged (formatted with their keys); the
 * issuer's only for rules that read it, its keys only for a scoped rule
 * the set matcher did not rule out */
static int
by_regex(const struct engine *e, struct view *v, struct table_hit *hit,
    struct diag *d)
{
	char subj_rx[DECIDE_NAME_MAX], iss_rx[DECIDE_NAME_MAX];
	struct rx_subject rs;
	int r;

	rs.subject = rx_text(v->subj, v->rq->subject_canon, subj_rx,
	    sizeof(subj_rx));
	rs.issuer = NULL;
	if (rx_on_issuer(e->rx) > 0) {
		(void)view_scopes(v);	/* the issuer as logged too */
		rs.issuer = rx_text(v->iss, v->rq->issuer_canon, iss_rx,
		    sizeof(iss_rx));
	}
	rs.partial = !v->whole;
	rs.refuse_only = v->doubt != NULL;
	rs.scopes = v->scoped ? v->scopes : NULL;
	if ((r = rx_match_lazy(e->rx, &rs, scopes_of, v, hit, d)) > 0 &&
	    hit->act.type == ACT_DUNNO)
		r = 0;
	return r;
}

/* by_names - subject, e-mail, issuer, access, regex, attribute */
static int
by_names(const struct engine *e, struct view *v, struct table_hit *hit,
    enum dec_kind *kind, struct diag *d)
{
	int k, r;

	*kind = KIND_SUBJECT;
	if ((r = lookup(e, v, TABLE_SUBJECT, v->subj_key, strlen(v->subj_key),
	    1, hit, d)) != 0 || (r = by_cn(e, v, hit, d)) != 0)
		return r;
	*kind = KIND_EMAIL;
	for (k = 0; k < v->nemail; k++)
		if ((r = lookup(e, v, TABLE_EMAIL, v->email[k],
		    strlen(v->email[k]), 1, hit, d)) != 0)
			return r;
	*kind = KIND_ISSUER;
	if ((r = by_issuer(e, v, hit, d)) != 0)
		return r;
	*kind = KIND_ACCESS;
	if (v->doubt == NULL && (r = by_access(e, v, hit, d)) != 0)
		return r;		/* the access map only relays */
	*kind = KIND_REGEX;
	if (e->rx && (r = by_regex(e, v, hit, d)) != 0)
		return r;
	*kind = KIND_ATTRIBUTE;
	return by_attribute(e, v, hit, d);
}

/* copy - a reply part, cut to fit; NULL is an empty part */
static void
copy(char *dst, size_t size, const char *src)
{
	size_t n = src != NULL ? strlen(src) : 0;

	if (n >= size)
		n = size - 1;
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = 0;
}

/* set - fill a decision; code NULL: no reply */
static void
set(struct decision *out, enum act a, enum dec_kind kind, const char *code,
    const char *dsn, const char *text)
{
	/* field by field: a few times a request, the reply mostly empty */
	out->action = a;
	out->kind = kind;
	out->table = NULL;
	out->line = 0;
	out->clear_auth = 0;
	out->warn = 0;
	out->code[0] = out->dsn[0] = out->text[0] = 0;
	if (code == NULL)
		return;
	copy(out->code, sizeof(out->code), code);
	copy(out->dsn, sizeof(out->dsn), dsn);
	copy(out->text, sizeof(out->text), text);
}

/* from_hit - a rule's action and its SMTP reply */
static void
from_hit(struct decision *out, const struct table_hit *hit,
    enum dec_kind kind)
{
	const struct action *a = &hit->act;

	if (a->type == ACT_REJECT || a->type == ACT_TEMPFAIL ||
	    a->type == ACT_ERROR)
		set(out, a->type, kind, a->code, a->dsn, a->text[0] ? a->text :
		    a->type == ACT_TEMPFAIL ? "Certificate check deferred, "
		    "try again later" : "Certificate rejected");
	else
		set(out, a->type, kind, NULL, NULL, NULL);
	out->table = hit->table;
	out->line = hit->line;
}

/* tempfail - a table could not be read: never "no match" */
static void
tempfail(struct decision *out, enum dec_kind kind)
{
	set(out, ACT_TEMPFAIL, kind, "451", "4.3.0",
	    "Temporary lookup failure");
}

/* own_emails - the addresses a verified certificate owns: the index's
 * SAN ones, and its subject's emailAddress if that name reads one way */
static void
own_emails(const struct engine *e, struct request *r, const struct view *v)
{
	const char *type, *val, *p;
	size_t len;
	int k;

	for (p = v->own; p < v->own + v->own_len; p += strlen(p) + 1)
		(void)sender_add_email(r, p, strlen(p));
	if (v->subj == NULL || !one_way(e, v))
		return;
	for (k = 0; dn_ava(v->subj, k, &type, &val, &len) == 0; k++)
		if (strcmp(type, "emailAddress") == 0)
			(void)sender_add_email(r, val, len);
}

/* bind_lookup - the sender table's entry for this certificate: its
 * fingerprints, then (verified, and only a name that reads one way)
 * its subject and its addresses */
static int
bind_lookup(const struct engine *e, struct request *r, struct view *v,
    struct diag *d)
{
	const struct table *t = e->t[TABLE_SENDER];
	struct table_hit hit;
	char key[TABLE_KEY_MAX + 1];
	int k, ret = 0, names;

	key[0] = 'f';
	for (k = 0; k < v->nfp && ret == 0; k++)
		ret = table_lookup(t, key, fp_bin_key(&v->fp[k], key + 1) + 1,
		    NULL, &hit, d);
	/* the names only when no pin's entry answered: formatting their
	 * keys costs more than the lookups */
	names = ret == 0 && r->verify == VERIFY_OK && one_way(e, v);
	if (names && !v->keyed)
		view_keys(v);
	key[0] = 's';
	if (ret == 0 && names && v->subj_key[0]) {
		snprintf(key + 1, sizeof(key) - 1, "%s", v->subj_key);
		ret = table_lookup(t, key, strlen(key), view_scopes(v), &hit,
		    d);
	}
	if (ret == 0 && names && subj_cn(v)[0] &&
	    strcmp(v->subj_cn_key, v->subj_key) != 0) {
		snprintf(key + 1, sizeof(key) - 1, "%s", v->subj_cn_key);
		ret = table_lookup(t, key, strlen(key), view_scopes(v), &hit,
		    d);
	}
	key[0] = 'e';
	for (k = 0; names && k < v->nemail && ret == 0; k++) {
		snprintf(key + 1, sizeof(key) - 1, "%s", v->email[k]);
		ret = table_lookup(t, key, strlen(key), view_scopes(v), &hit,
		    d);
	}
	if (ret > 0) {
		r->bind_list = hit.value;
		r->bind_len = hit.vlen;
		r->bind_table = hit.table;
		r->bind_line = hit.line;
	}
	return ret;
}

/* rate_id - who is counted: the fingerprint (a digest already: its
 * bytes, with its kind), else the verified issuer and subject (SHA-256:
 * no name can pick its slot or share another's) */
static void
rate_id(struct request *r, struct view *v)
{
	char buf[2 * TABLE_KEY_MAX + 2];
	size_t n, m;

	if (v->nfp > 0) {
		memset(r->rate_id, 0, sizeof(r->rate_id));
		n = v->fp[0].len < RATE_ID_LEN - 2 ? v->fp[0].len :
		    RATE_ID_LEN - 2;
		memcpy(r->rate_id, v->fp[0].md, n);
		r->rate_id[RATE_ID_LEN - 2] = (unsigned char)v->fp[0].alg;
		r->rate_id[RATE_ID_LEN - 1] = (unsigned char)(1 +
		    v->fp[0].pubkey);
		r->has_rate_id = 1;
		return;
	}
	if (r->verify != VERIFY_OK || !v->keyed)
		return;
	(void)view_scopes(v);		/* the issuer's key */
	if (v->subj_key[0] == 0 || v->iss_key[0] == 0)
		return;
	n = strlen(v->iss_key);
	m = strlen(v->subj_key);
	memcpy(buf, v->iss_key, n);
	buf[n++] = '\n';
	memcpy(buf + n, v->subj_key, m);
	SHA256((const unsigned char *)buf, n + m, r->rate_id);
	r->rate_id[RATE_ID_LEN - 1] = 0;	/* never a fingerprint's */
	r->has_rate_id = 1;
}

/* relay_extras - for a certificate that relays: what the sender binding
 * compares with, and what the counters count it as */
static void
relay_extras(const struct engine *e, struct request *r, struct view *v,
    const struct rate_limit *rule, struct diag *d)
{
	const struct conf *c = e->conf;

	if (c->sender_binding == SENDER_BIND_CERT_EMAIL &&
	    r->verify == VERIFY_OK)
		own_emails(e, r, v);
	if (c->sender_binding == SENDER_BIND_TABLE &&
	    e->t[TABLE_SENDER] != NULL && bind_lookup(e, r, v, d) < 0) {
		tempfail(&r->cert, KIND_BINDING);
		return;
	}
	/* kept without counters too: a front-end that keeps none can say
	 * that a limit goes uncounted */
	r->rate_lim = rule->window ? *rule : c->rate_limit;
	r->rate_max_addrs = c->max_client_addresses;
	if (r->rate != NULL && (r->rate_lim.n > 0 ||
	    r->rate_max_addrs > 0)) {
		rate_id(r, v);
		if (r->has_rate_id)	/* counted a little later */
			rate_prefetch(r->rate, r->rate_id);
	}
}

/* revoked_key - a revoked index certificate's public key, in whatever
 * certificate it comes (only when some CRL revoked one) */
static void
revoked_key(const struct engine *e, struct request *r, struct view *v)
{
	if (crl_poisoned(e->crl) == 0)
		return;
	if (v->pk_later != NULL) {
		add_fp(v, r, v->pk_later, 1);
		v->pk_later = NULL;
	}
	certlife_keys(e->crl, v->fp, v->nfp, &v->life);
}

/* decide_cert - what the certificate rules say */
static void
decide_cert(const struct engine *e, struct request *r, struct diag *d)
{
	struct view v;
	struct table_hit hit;
	enum dec_kind kind = KIND_FINGERPRINT;
	char msg[256];
	int ret;

	/* evaluated again (the MTA's TLS macros changed): the last
	 * evaluation's names go */
	request_free(r);
	r->bind_list = r->bind_table = NULL;
	r->bind_len = r->emails_len = 0;
	r->bound = r->has_rate_id = 0;
	/* the key buffers are set by build_view() before use: not cleared */
	memset(&v, 0, offsetof(struct view, own));
	v.subj_key[0] = v.subj_cn_key[0] = v.iss_key[0] = v.iss_cn_key[0] = 0;
	v.rq = r;
	ret = build_view(e, r, &v, d);
	/* kept for the log line, formatted once the answer is out */
	r->subj_dn = v.subj;
	r->iss_dn = v.iss;
	if ((r->has_fp = v.nfp > 0) != 0)
		r->fp = v.fp[0];
	if (ret < 0) {
		tempfail(&r->cert, KIND_INDEX);
		goto out;
	}
	ret = by_fingerprint(e, &v, r, &hit, d);
	if (ret == 0 && r->verify == VERIFY_OK) {
		view_keys(&v);
		name_doubt(e, r, &v);
		ret = by_names(e, &v, &hit, &kind, d);
	}
	else if (ret == 0 && (v.subj || v.iss))
		note(r, "certificate not verified: only fingerprint rules "
		    "apply");
	if (ret < 0)
		tempfail(&r->cert, kind);
	else if (ret > 0)
		from_hit(&r->cert, &hit, kind);
	else
		set(&r->cert, ACT_DUNNO, v.nfp || v.subj ? KIND_NO_RULE :
		    KIND_NO_CERT, NULL, NULL, NULL);
	/* expiry and revocation last: no rule outweighs them */
	revoked_key(e, r, &v);
	certlife_apply(&v.life, e->conf, &r->cert, msg, sizeof(msg));
	if (msg[0])
		note(r, msg);
	if (r->cert.action == ACT_RELAY)
		relay_extras(e, r, &v, &hit.act.rate, d);
out:
	r->cert_done = 1;
}

/* auth_ok - not authenticated, or authenticated over acceptable TLS */
static int
auth_ok(const struct engine *e, const struct request *r)
{
	if (r->auth_type == NULL || *r->auth_type == 0)
		return 1;
	if (r->tls_version == NULL || *r->tls_version == 0 ||
	    r->auth_unproven)
		return 0;
	if (conf_tls_level(r->tls_version) < e->conf->min_tls)
		return 0;
	return r->cipher_bits < 0 || r->cipher_bits >= e->conf->min_cipher_bits;
}

/* decide_rcpt - one recipient, given the certificate's verdict */
static void
decide_rcpt(const struct engine *e, const struct request *r,
    struct decision *out)
{
	const struct decision *c = &r->cert;
	int authed = r->auth_type && *r->auth_type;
	int withdrawn = certlife_withdrawn(c);	/* no relay, no veto */

	if (c->action != ACT_DUNNO && c->action != ACT_RELAY && !withdrawn) {
		*out = *c;		/* REJECT and friends: every rcpt */
		return;
	}
	if (r->rcpt && conf_local_domain(e->conf, r->rcpt))
		set(out, ACT_DUNNO, KIND_LOCAL, NULL, NULL, NULL);
	else if (c->action == ACT_RELAY)
		*out = *c;
	else if (authed && auth_ok(e, r))
		set(out, ACT_RELAY, KIND_AUTH, NULL, NULL, NULL);
	else if (conf_trusted(e->conf, r->client_addr))
		set(out, ACT_RELAY, KIND_TRUSTED, NULL, NULL, NULL);
	else if (withdrawn)
		*out = *c;		/* says why the pin did not relay */
	else if (!r->gateless && conf_gated(e->conf, r->listener))
		set(out, ACT_REJECT, KIND_GATEKEEPER, "550", "5.7.1",
		    "Relaying denied: no acceptable client certificate");
	else
		set(out, ACT_DUNNO, c->kind, NULL, NULL, NULL);
}

/* bind_sender - a session that relays by certificate sends only as
 * what the certificate owns (sender_owned()) */
static void
bind_sender(const struct engine *e, struct request *r, struct decision *out)
{
	enum sender_bind b = e->conf->sender_binding;

	r->bound = 0;
	if (b == SENDER_BIND_NONE || r->cert.action != ACT_RELAY ||
	    r->sender == NULL)
		return;
	if (sender_owned(r, b))
		r->bound = b;
	else
		set(out, ACT_REJECT, KIND_BINDING, "553", "5.7.1",
		    "Sender address rejected: not owned by the client "
		    "certificate");
}

/* count_rcpt - a recipient relayed by certificate counts against its
 * limit (452 past it); any recipient of its session notes the client
 * address */
static void
count_rcpt(struct request *r, struct decision *out)
{
	const struct rate_limit *lim = NULL;
	unsigned warn;

	if (r->cert.action != ACT_RELAY)
		return;
	if (out->action == ACT_RELAY && out->kind == r->cert.kind &&
	    r->rcpt != NULL && *r->rcpt != 0 && r->rate_lim.n > 0)
		lim = &r->rate_lim;
	if (lim == NULL && r->rate_max_addrs == 0)
		return;
	if (rate_note(r->rate, r->rate_id, r->client_addr, lim,
	    r->rate_max_addrs, r->now ? r->now : time(NULL), &warn) > 0)
		set(out, ACT_TEMPFAIL, KIND_RATE, "452", "4.7.1",
		    "Too many recipients from this certificate, try again "
		    "later");
	out->warn = warn;
}

/* decide - the engine's one entry point */
int
decide(const struct engine *e, struct request *r, enum stage stage,
    struct decision *out, struct diag *d)
{
	if (e == NULL || r == NULL || out == NULL)
		return diag_set(d, NULL, 0, "no engine or request");
	if (!r->cert_done)
		decide_cert(e, r, d);
	switch (stage) {
	case STAGE_CERT:
		*out = r->cert;
		break;
	case STAGE_MAIL:
		if (auth_ok(e, r)) {
			set(out, ACT_DUNNO, KIND_AUTH, NULL, NULL, NULL);
			bind_sender(e, r, out);
		} else {
			set(out, ACT_REJECT, KIND_AUTH, "530", "5.7.0",
			    "Must issue a STARTTLS command first");
			out->clear_auth = r->tls_version == NULL ||
			    *r->tls_version == 0 || r->auth_unproven;
		}
		break;
	case STAGE_RCPT:
		decide_rcpt(e, r, out);
		if (r->has_rate_id)
			count_rcpt(r, out);
		break;
	}
	return 0;
}

static const char *const kind_names[KIND_NKINDS] = {
	[KIND_NONE] = "", [KIND_FINGERPRINT] = "fingerprint",
	[KIND_SUBJECT] = "subject", [KIND_EMAIL] = "email",
	[KIND_ISSUER] = "issuer", [KIND_ACCESS] = "access",
	[KIND_REGEX] = "regex", [KIND_ATTRIBUTE] = "attribute",
	[KIND_INDEX] = "index", [KIND_NO_RULE] = "no-rule",
	[KIND_NO_CERT] = "no-cert", [KIND_LOCAL] = "local",
	[KIND_AUTH] = "auth", [KIND_TRUSTED] = "trusted",
	[KIND_GATEKEEPER] = "gatekeeper", [KIND_EXPIRED] = "expired",
	[KIND_REVOKED] = "revoked", [KIND_CRL_STALE] = "crl-stale",
	[KIND_BINDING] = "binding", [KIND_RATE] = "rate",
};

/* decide_kind_name - "issuer": the kind as logs and the CLI spell it */
const char *
decide_kind_name(enum dec_kind k)
{
	return (unsigned)k < KIND_NKINDS && kind_names[k] ? kind_names[k] : "";
}

/* decide_reply - the reply as the MTA says it: "550 5.7.1 text" */
size_t
decide_reply(const struct decision *dec, char *buf, size_t size)
{
	int n;

	if (size == 0)
		return 0;
	buf[0] = 0;
	if (dec->code[0] == 0)
		return 0;
	n = snprintf(buf, size, "%s%s%s%s%s", dec->code, dec->dsn[0] ? " " :
	    "", dec->dsn, dec->text[0] ? " " : "", dec->text);
	if (n < 0) {
		buf[0] = 0;
		return 0;
	}
	return (size_t)n < size ? (size_t)n : size - 1;
}
