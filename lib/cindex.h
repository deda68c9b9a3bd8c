#ifndef CERTRELAY_CINDEX_H
#define CERTRELAY_CINDEX_H

#include <openssl/x509.h>

#include "diag.h"
#include "fp.h"

struct cindex;				/* opaque */

typedef int (*cindex_fn)(void *ctx, const char *file, X509 *cert);

int	cindex_compile(const char *dir, const char *out, long *count,
	    struct diag *d);
int	cindex_open(struct cindex **cp, const char *dir, struct diag *d);
int	cindex_lookup(const struct cindex *c, const struct fp *fp,
	    X509 **cert, struct diag *d);
int	cindex_each(const struct cindex *c, cindex_fn fn, void *ctx,
	    struct diag *d);
long	cindex_count(const struct cindex *c);
void	cindex_close(struct cindex *c);

#endif
