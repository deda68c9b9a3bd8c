#ifndef CERTRELAY_CERTLIFE_H
#define CERTRELAY_CERTLIFE_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include "cindex.h"
#include "conf.h"
#include "crl.h"
#include "decide.h"
#include "diag.h"
#include "fp.h"

#define CERTLIFE_LIST_MAX	6	/* report lines of one sort */

/* What the index's copy of a certificate says of its life. */
struct certlife {
	int	known;			/* the index had the certificate */
	int	expired, not_yet;	/* at the decision's time */
	time_t	not_before, not_after;
	struct crl_status crl;
	int	key_revoked;		/* the key of a revoked certificate */
};

/* One line for the admin (file may be NULL). */
typedef void (*certlife_warn_fn)(void *ctx, const char *what);

void	certlife_judge(const struct crlset *crls, X509 *cert, time_t now,
	    struct certlife *l);
void	certlife_keys(const struct crlset *crls, const struct fp *fps,
	    int nfp, struct certlife *l);
void	certlife_apply(const struct certlife *l, const struct conf *c,
	    struct decision *dec, char *note, size_t size);
int	certlife_withdrawn(const struct decision *dec);
int	certlife_open(const struct conf *c, const struct cindex *ci,
	    time_t now, struct crlset **out, certlife_warn_fn warn, void *ctx,
	    struct diag *d);
void	certlife_describe(const struct certlife *l, char *buf, size_t size);

#endif
