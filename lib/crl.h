#ifndef CERTRELAY_CRL_H
#define CERTRELAY_CRL_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include "diag.h"
#include "fp.h"

#define CRL_MAX_FILES	16		/* crl_files entries */
#define CRL_TIME_MAX	32		/* "2026-12-07 09:05:47 UTC" */
#define CRL_NO_REASON	(-1)		/* an entry without reasonCode */

struct crlset;				/* opaque */

/* What the CRLs say of one certificate. */
enum crl_verdict {
	CRL_NONE,			/* no CRL of its issuer was given */
	CRL_GOOD,			/* its issuer's CRL does not list it */
	CRL_STALE,			/* not listed, every CRL of its issuer
					 * is past its nextUpdate */
	CRL_REVOKED			/* listed */
};

struct crl_status {
	enum crl_verdict verdict;
	int	reason;			/* CRL_REVOKED: reasonCode or
					 * CRL_NO_REASON */
	time_t	when;			/* revocation date; stale: nextUpdate */
	const char *file;		/* the CRL that said so, or NULL */
};

/* One CRL of a set, for reports. */
struct crl_info {
	const char *file;
	const X509_NAME *issuer;
	time_t	last, next;		/* next 0: no nextUpdate */
	int	revoked;		/* entries */
};

typedef int (*crl_fn)(void *ctx, const struct crl_info *ci);

int	crl_open(struct crlset **sp, const char *ca_file, struct diag *d);
int	crl_parse(const char *name, const unsigned char *buf, size_t len,
	    STACK_OF(X509_CRL) **out, struct diag *d);
int	crl_add(struct crlset *s, const char *file, X509_CRL *crl,
	    struct diag *d);
int	crl_add_file(struct crlset *s, const char *path, struct diag *d);
int	crl_check(const struct crlset *s, X509 *cert, time_t now,
	    struct crl_status *st);
int	crl_check_serial(const struct crlset *s, const X509_NAME *issuer,
	    const ASN1_INTEGER *serial, time_t now, struct crl_status *st);
int	crl_each(const struct crlset *s, crl_fn fn, void *ctx);
int	crl_poison_key(struct crlset *s, const struct fp *key);
int	crl_key_poisoned(const struct crlset *s, const struct fp *key);
int	crl_poisoned(const struct crlset *s);
int	crl_count(const struct crlset *s);
const char *crl_reason_name(int reason);
int	crl_time(const ASN1_TIME *t, time_t *out);
void	crl_format_time(time_t t, char *buf, size_t size);
void	crl_close(struct crlset *s);

#endif
