#ifndef CERTRELAY_DECIDE_H
#define CERTRELAY_DECIDE_H

#include "action.h"
#include "diag.h"
#include "engine.h"
#include "fp.h"

#define DECIDE_NAME_MAX	1024
#define DECIDE_NUMBER_MAX	65536	/* no key size or version is longer */

/* How the MTA spelled the names it passed. */
enum req_form {
	REQ_FORM_SENDMAIL,	/* xtext + OpenSSL oneline, maybe cut */
	REQ_FORM_POSTFIX,	/* CN only (already xtext-decoded) */
	REQ_FORM_ANY		/* certrelay check: '/' first as Sendmail,
				 * else RFC 4514 (a whole name) */
};

enum verify {
	VERIFY_UNKNOWN,		/* the MTA did not say */
	VERIFY_OK,		/* chains to a CA the MTA trusts */
	VERIFY_FAIL,		/* presented, not verified */
	VERIFY_NONE		/* no certificate */
};

enum stage { STAGE_CERT, STAGE_MAIL, STAGE_RCPT };

/* What decided, and what to answer. */
struct decision {
	enum act action;
	char	reply[ACTION_TEXT_MAX + 32];	/* "550 5.7.1 text", or "" */
	const char *kind;		/* "fingerprint", "issuer", "auth", ... */
	const char *table;		/* rule's file, or NULL */
	int	line;
	int	clear_auth;		/* credentials crossed in clear */
};

struct dn;

/* One SMTP session as the MTA described it; scratch at the end. */
struct request {
	const char *id;			/* queue or connection id */
	enum req_form form;
	const char *subject, *issuer;
	const char *fingerprint, *pubkey_fingerprint;
	enum verify verify;
	const char *tls_version, *cipher;
	int	cipher_bits;		/* -1: not said */
	const char *auth_type, *auth_user;
	int	auth_unproven;		/* AUTH may have preceded STARTTLS */
	const char *client_addr, *client_name;
	const char *listener;		/* {daemon_name}, or NULL */
	const char *rcpt;

	/* scratch, filled by decide(); request_free() releases it */
	int	cert_done;
	struct decision cert;
	struct dn *subj_dn, *iss_dn;	/* the names decided on */
	struct fp fp;			/* the first fingerprint, if has_fp */
	int	has_fp;
	int	names_done;		/* the three below are filled */
	char	subject_canon[DECIDE_NAME_MAX];
	char	issuer_canon[DECIDE_NAME_MAX];
	char	fp_text[FP_TEXT_MAX + 16];
	int	cut;
	char	note[256];		/* what could not be used, and why */
};

void	request_init(struct request *r);
void	request_names(struct request *r);
void	request_free(struct request *r);
int	decide(const struct engine *e, struct request *r, enum stage stage,
	    struct decision *out, struct diag *d);
enum verify decide_verify(const char *sendmail_verify);
int	decide_number(const char *s, const char **end);

#endif
