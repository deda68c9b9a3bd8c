#ifndef CERTRELAY_DECIDE_H
#define CERTRELAY_DECIDE_H

#include <stddef.h>
#include <time.h>

#include "action.h"
#include "diag.h"
#include "engine.h"
#include "fp.h"
#include "rate.h"
#include "sender.h"

#define DECIDE_NAME_MAX	1024
#define DECIDE_REPLY_MAX	(ACTION_TEXT_MAX + 32)	/* code, DSN, text */
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

/* What decided: a certificate rule's table, or why no rule did. */
enum dec_kind {
	KIND_NONE,		/* not decided (a zeroed decision) */
	KIND_FINGERPRINT,	/* certificate or public-key fingerprint */
	KIND_SUBJECT,
	KIND_EMAIL,
	KIND_ISSUER,
	KIND_ACCESS,		/* Sendmail access file */
	KIND_REGEX,
	KIND_ATTRIBUTE,
	KIND_INDEX,		/* the certificate index could not be read */
	KIND_NO_RULE,		/* a certificate no rule names */
	KIND_NO_CERT,
	KIND_LOCAL,		/* a recipient in local_domains */
	KIND_AUTH,		/* AUTH: over acceptable TLS or not */
	KIND_TRUSTED,		/* trusted_networks */
	KIND_GATEKEEPER,	/* a gated listener's refusal */
	KIND_EXPIRED,		/* the index's copy: expired (certlife) */
	KIND_REVOKED,		/* the index's copy: in a CRL (certlife) */
	KIND_CRL_STALE,		/* its CA's CRL is out of date (certlife) */
	KIND_BINDING,		/* sender_binding: the sender is not owned */
	KIND_RATE		/* rate_limit reached */
};
#define KIND_NKINDS	(KIND_RATE + 1)

/* What decided, and what to answer: the reply's parts kept apart. */
struct decision {
	enum act action;
	enum dec_kind kind;
	char	code[4];		/* "550", or "" for no reply */
	char	dsn[16];		/* "5.7.1" */
	char	text[ACTION_TEXT_MAX];	/* reply text */
	const char *table;		/* rule's file, or NULL */
	int	line;
	int	clear_auth;		/* credentials crossed in clear */
	unsigned warn;			/* RATE_WARN_*: rate_warning() lines */
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
	int	gateless;		/* the policy server: Postfix's own
					 * restrictions are the gate */
	const char *rcpt;
	const char *sender;		/* MAIL FROM; NULL: not known yet */
	struct rate *rate;		/* counters; NULL: none kept */
	time_t	now;			/* for the counters; 0: time(NULL) */

	/* scratch, filled by decide(); request_free() releases it */
	int	cert_done;
	struct decision cert;
	struct dn *subj_dn, *iss_dn;	/* the names decided on */
	struct fp fp;			/* the first fingerprint, if has_fp */
	int	has_fp;
	int	names_done;		/* which of the three below are
					 * filled (bits; decide.c) */
	int	cut;
	/* sender binding and counters, filled with the certificate's
	 * decision when it relays (lib/sender.c, lib/rate.c) */
	const char *bind_list;		/* sender_table's entry, in e */
	size_t	bind_len;
	const char *bind_table;
	int	bind_line;
	int	bound;			/* enum sender_bind that passed */
	int	has_rate_id;
	unsigned char rate_id[RATE_ID_LEN];
	struct rate_limit rate_lim;	/* the limit that applies */
	int	rate_max_addrs;
	size_t	emails_len;
	/* text buffers last: request_init() clears everything before
	 * emails and empties these (emails_len, subject_canon[0] ...; the
	 * assertions below keep any field from being added after them,
	 * where it would not be) */
	char	emails[SENDER_EMAILS_MAX];	/* its own, NUL after each */
	char	subject_canon[DECIDE_NAME_MAX];
	char	issuer_canon[DECIDE_NAME_MAX];
	char	fp_text[FP_TEXT_MAX + 16];
	char	note[256];		/* what could not be used, and why */
};

_Static_assert((offsetof(struct request, note) + 256 +
    _Alignof(struct request) - 1) / _Alignof(struct request) *
    _Alignof(struct request) == sizeof(struct request) &&
    offsetof(struct request, fp_text) + FP_TEXT_MAX + 16 ==
    offsetof(struct request, note) && offsetof(struct request,
    issuer_canon) + DECIDE_NAME_MAX == offsetof(struct request, fp_text) &&
    offsetof(struct request, subject_canon) + DECIDE_NAME_MAX ==
    offsetof(struct request, issuer_canon),
    "struct request: only the text buffers follow subject_canon");
_Static_assert(offsetof(struct request, emails) + SENDER_EMAILS_MAX ==
    offsetof(struct request, subject_canon),
    "struct request: emails, uncleared, is the last field before them");

void	request_init(struct request *r);
void	request_names(struct request *r);
void	request_free(struct request *r);
int	decide(const struct engine *e, struct request *r, enum stage stage,
	    struct decision *out, struct diag *d);
const char *decide_kind_name(enum dec_kind k);
size_t	decide_reply(const struct decision *dec, char *buf, size_t size);
enum verify decide_verify(const char *sendmail_verify);
int	decide_number(const char *s, const char **end);

#endif
