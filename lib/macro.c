/*
 * macro - a milter session's macros, as Postfix and Sendmail send them
 *
 * SYNOPSIS
 *	#include "macro.h"
 *	void	macros_connect(struct macros *m, macro_get_fn get, void *ctx);
 *	void	macros_helo(struct macros *m, macro_get_fn get, void *ctx);
 *	void	macros_collect(struct macros *m, macro_get_fn get, void *ctx);
 *	void	macros_queue_id(struct macros *m, macro_get_fn get, void *ctx);
 *	int	macros_rcpt(struct macros *m, macro_get_fn get, void *ctx,
 *		    const char *arg);
 *	int	macros_is_postfix(const struct macros *m);
 *	int	macros_auth_type_missing(const struct macros *m);
 *	void	macros_request(struct macros *m, struct request *r);
 * DESCRIPTION
 *	macros_connect() takes the listener's name ({daemon_name}: the
 *	gatekeeper setting names listeners) and the client's address (an
 *	MTA may send it at connect only) at connect; a name too long for
 *	its field is empty, which conf_gated() gates (fail closed).
 *
 *	macros_helo() records, at each HELO/EHLO, whether the session was
 *	already under TLS and whether it was already authenticated. It is
 *	how AUTH before STARTTLS is told from AUTH after it: Sendmail keeps
 *	{auth_type} from an AUTH in clear across STARTTLS, and MAIL then
 *	looks exactly like MAIL after an AUTH over TLS; the one difference
 *	(case 9 of tests/e2e/sendmail.sh measures it) is that {auth_type} is
 *	already set at the HELO after STARTTLS. Sendmail also takes AUTH
 *	and MAIL with no EHLO after STARTTLS, so only a HELO seen over TLS
 *	without AUTH proves that the AUTH which followed was encrypted: macros_request() sets
 *	r->auth_unproven for an AUTH on a TLS session without one, and
 *	decide() refuses it. Postfix forgets AUTH at STARTTLS and wants an
 *	EHLO before AUTH, so an honest Postfix session always has the HELO.
 *	This needs {auth_type} (or {auth_authen}) and {tls_version} among
 *	the HELO macros: the milter asks for them, the contrib files list
 *	them.
 *	macros_collect() copies every macro certrelay uses, at whatever stage
 *	the MTA sends it (a value sent again replaces the old one). A value
 *	too long for its field is left empty and too_long set: a truncated
 *	DN or fingerprint is never parsed, and no other field is lost. get() is the front-end's smfi_getsymval().
 *	macros_auth_type_missing() says that the MTA sent {auth_authen}
 *	(both MTAs set it only once a client authenticated) but no
 *	{auth_type}: its macro lists lack {auth_type}, so the AUTH guard
 *	is blind (the front-end warns). Nothing else tells: {auth_ssf} is
 *	0 with or without a SASL layer, and an MTA that sends neither macro
 *	cannot be told from a session without AUTH; the milter asks for
 *	both at HELO and MAIL, and the contrib files list them. The
 *	decision is not changed: without {auth_type} the session gains no
 *	relay by AUTH either.
 *	macros_queue_id() takes the queue id alone ({i}: Postfix sends it
 *	only from DATA on).
 *	macros_rcpt() takes the recipient ({rcpt_addr}, else the RCPT
 *	argument) and returns 0 for one the MTA already refused
 *	({rcpt_mailer} = error), 1 otherwise.
 *
 *	macros_request() fills the inputs of a struct request. Its scratch
 *	is left alone (the certificate decision is made once a session)
 *	unless a TLS, certificate or AUTH macro changed since the last call,
 *	as when a client sends MAIL, RSET, then STARTTLS: the decision is
 *	then made again on the new facts.
 *	The MTAs differ (Postfix src/smtpd/smtpd_milter.c,
 *	smtpd_milter_eval(); Sendmail sendmail/tls.c, tls_get_info()):
 *	Postfix names itself in {v}, sends the subject and issuer CNs raw
 *	and only for a trusted certificate, never {verify}; Sendmail sends
 *	the full DNs in xtext and {verify}.
 * OWNERSHIP
 *	r's strings point into m: keep m while r is used.
 */
#include <stdlib.h>
#include <string.h>

#include "macro.h"

/* copy - one macro into its field; 1 if the MTA sent it */
static int
copy(struct macros *m, macro_get_fn get, void *ctx, const char *name,
    char *dst, size_t size)
{
	const char *v = get(ctx, name);
	size_t n;

	if (v == NULL)
		return 0;
	n = strlen(v);
	if (n >= size) {
		m->too_long = 1;
		v = "";
		n = 0;
	}
	if (strcmp(dst, v) != 0 && dst != m->queue_id &&
	    dst != m->rcpt && dst != m->rcpt_mailer)
		m->changed = 1;
	memcpy(dst, v, n + 1);
	return 1;
}

/* macros_connect - the listener, at connect */
void
macros_connect(struct macros *m, macro_get_fn get, void *ctx)
{
	copy(m, get, ctx, "{daemon_name}", m->daemon_name,
	    sizeof(m->daemon_name));
	copy(m, get, ctx, "{client_addr}", m->client_addr,
	    sizeof(m->client_addr));
}

/* set - the MTA sent a non-empty value */
static int
set(macro_get_fn get, void *ctx, const char *name)
{
	const char *v = get(ctx, name);

	return v != NULL && *v != 0;
}

/* macros_helo - was this HELO under TLS, and after AUTH */
void
macros_helo(struct macros *m, macro_get_fn get, void *ctx)
{
	if (!set(get, ctx, "{tls_version}"))
		return;
	if (set(get, ctx, "{auth_type}") || set(get, ctx, "{auth_authen}"))
		m->tls_helo_authed = 1;
	else
		m->tls_helo_clean = 1;
}

/* macros_collect - everything we use, wherever it comes */
void
macros_collect(struct macros *m, macro_get_fn get, void *ctx)
{
	copy(m, get, ctx, "v", m->v, sizeof(m->v));
	copy(m, get, ctx, "i", m->queue_id, sizeof(m->queue_id));
	copy(m, get, ctx, "{client_addr}", m->client_addr,
	    sizeof(m->client_addr));
	copy(m, get, ctx, "{tls_version}", m->tls_version,
	    sizeof(m->tls_version));
	copy(m, get, ctx, "{cipher}", m->cipher, sizeof(m->cipher));
	copy(m, get, ctx, "{cipher_bits}", m->cipher_bits,
	    sizeof(m->cipher_bits));
	m->have_subject |= copy(m, get, ctx, "{cert_subject}", m->subject,
	    sizeof(m->subject));
	copy(m, get, ctx, "{cert_issuer}", m->issuer, sizeof(m->issuer));
	m->have_verify |= copy(m, get, ctx, "{verify}", m->verify,
	    sizeof(m->verify));
	if (copy(m, get, ctx, "{cert_fp}", m->cert_fp, sizeof(m->cert_fp)) ||
	    copy(m, get, ctx, "{cert_md5}", m->cert_fp, sizeof(m->cert_fp)))
		m->have_fp = 1;
	copy(m, get, ctx, "{auth_type}", m->auth_type, sizeof(m->auth_type));
	copy(m, get, ctx, "{auth_authen}", m->auth_user, sizeof(m->auth_user));
}

/* macros_queue_id - {i} alone */
void
macros_queue_id(struct macros *m, macro_get_fn get, void *ctx)
{
	copy(m, get, ctx, "i", m->queue_id, sizeof(m->queue_id));
}

/* macros_rcpt - the recipient; 0 if the MTA refused it already */
int
macros_rcpt(struct macros *m, macro_get_fn get, void *ctx, const char *arg)
{
	m->rcpt_mailer[0] = 0;
	copy(m, get, ctx, "{rcpt_mailer}", m->rcpt_mailer,
	    sizeof(m->rcpt_mailer));
	if (strcmp(m->rcpt_mailer, "error") == 0)
		return 0;
	if (!copy(m, get, ctx, "{rcpt_addr}", m->rcpt, sizeof(m->rcpt))) {
		if (arg == NULL || strlen(arg) >= sizeof(m->rcpt))
			arg = "";
		memcpy(m->rcpt, arg, strlen(arg) + 1);
	}
	return 1;
}

/* macros_is_postfix - Postfix names itself in {v} */
int
macros_is_postfix(const struct macros *m)
{
	return strncmp(m->v, "Postfix", 7) == 0;
}

/* macros_auth_type_missing - AUTH done, {auth_type} not sent */
int
macros_auth_type_missing(const struct macros *m)
{
	return m->auth_type[0] == 0 && m->auth_user[0] != 0;
}

/* macros_request - the session as decide() reads it */
void
macros_request(struct macros *m, struct request *r)
{
	if (m->changed) {		/* e.g. MAIL, RSET, STARTTLS, MAIL */
		r->cert_done = 0;
		r->note[0] = 0;
		m->changed = 0;
	}
	if (m->queue_id[0])
		r->id = m->queue_id;
	r->client_addr = m->client_addr;
	r->tls_version = m->tls_version;
	r->cipher = m->cipher;
	r->cipher_bits = m->cipher_bits[0] ? decide_number(m->cipher_bits,
	    NULL) : -1;
	r->auth_type = m->auth_type;
	r->auth_user = m->auth_user;
	/* AUTH over TLS, but no HELO seen over TLS before it */
	r->auth_unproven = r->auth_type[0] && m->tls_version[0] &&
	    !m->tls_helo_clean;
	r->listener = m->daemon_name;
	/* a value too long for its field is empty, so not used */
	r->subject = m->subject;
	r->issuer = m->issuer;
	r->fingerprint = m->cert_fp;
	r->rcpt = m->rcpt[0] ? m->rcpt : NULL;
	if (macros_is_postfix(m)) {
		/* the CNs come only for a trusted certificate */
		r->form = REQ_FORM_POSTFIX;
		r->verify = m->have_subject && m->subject[0] ? VERIFY_OK :
		    m->tls_version[0] ? VERIFY_FAIL : VERIFY_NONE;
	} else {
		r->form = REQ_FORM_SENDMAIL;
		r->verify = m->have_verify ? decide_verify(m->verify) :
		    VERIFY_UNKNOWN;
	}
}
