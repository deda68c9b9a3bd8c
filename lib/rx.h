#ifndef CERTRELAY_RX_H
#define CERTRELAY_RX_H

#include "diag.h"
#include "table.h"

struct rx;				/* opaque */

/* What one request offers the regex rules. */
struct rx_subject {
	const char *subject;		/* canonical RFC 4514, or NULL */
	const char *issuer;		/* canonical RFC 4514, or NULL */
	int	partial;		/* names may lack RDNs: cut, or CN only */
	int	refuse_only;		/* rules that relay do not count */
	const char *const *scopes;	/* issuer lookup keys */
};

int	rx_open(struct rx **rp, const char *path, struct diag *d);
int	rx_parse_line(struct rx *r, char *line, size_t len, int lineno,
	    struct diag *d);
int	rx_new(struct rx **rp, const char *path, struct diag *d);
int	rx_match(const struct rx *r, const struct rx_subject *s,
	    struct table_hit *hit, struct diag *d);
int	rx_match_lazy(const struct rx *r, const struct rx_subject *s,
	    const char *const *(*scopes_of)(void *), void *ctx,
	    struct table_hit *hit, struct diag *d);
int	rx_on_issuer(const struct rx *r);
int	rx_accelerate(struct rx *r, int background, struct diag *d);
int	rx_accelerated(const struct rx *r, int *members);
int	rx_unscoped(const struct rx *r);
int	rx_count(const struct rx *r);
void	rx_close(struct rx *r);

#endif
