#ifndef CERTRELAY_CINDEX_H
#define CERTRELAY_CINDEX_H

#include <time.h>

#include <openssl/x509.h>

#include "diag.h"
#include "fp.h"

struct cindex;				/* opaque */

/* An entry's flags. */
#define CINDEX_VERIFIED	0x01		/* chains to index_ca_file */

typedef int (*cindex_fn)(void *ctx, const char *file, X509 *cert,
	    unsigned flags);

/* What the index keeps of a certificate's life, read without decoding
 * the certificate (cindex_each_life()). */
#define CINDEX_PK_ALGS	4		/* md5, sha1, sha256, sha512 */
struct cindex_life {
	const char *file;
	const char *subject;		/* RFC 2253, for reports */
	unsigned flags;
	time_t	not_before, not_after;	/* 0: unreadable */
	const unsigned char *issuer;	/* DER Name */
	size_t	issuer_len;
	const unsigned char *serial;	/* DER INTEGER */
	size_t	serial_len;
	const unsigned char *pk[CINDEX_PK_ALGS];	/* SPKI digests */
};
typedef int (*cindex_life_fn)(void *ctx, const struct cindex_life *l);
/* What compile reports about one file (file may be the directory). */
typedef void (*cindex_warn_fn)(void *ctx, const char *file,
	    const char *what);

struct cindex_opts {
	const char *ca_file;		/* NULL: no entry counts as verified */
	cindex_warn_fn warn;		/* NULL: reports are dropped */
	void	*ctx;
	int	warn_days;		/* report what expires this soon */
};

struct cindex_stats {
	long	count;			/* certificates indexed */
	long	verified;		/* of which CINDEX_VERIFIED */
	long	warnings;		/* reports given to warn */
};

int	cindex_compile(const char *dir, const char *out,
	    const struct cindex_opts *o, struct cindex_stats *st,
	    struct diag *d);
int	cindex_open(struct cindex **cp, const char *dir, struct diag *d);
int	cindex_lookup(const struct cindex *c, const struct fp *fp,
	    X509 **cert, unsigned *flags, struct diag *d);
int	cindex_each(const struct cindex *c, cindex_fn fn, void *ctx,
	    struct diag *d);
int	cindex_each_life(const struct cindex *c, cindex_life_fn fn,
	    void *ctx, struct diag *d);
long	cindex_count(const struct cindex *c);
long	cindex_verified(const struct cindex *c);
void	cindex_close(struct cindex *c);

#endif
