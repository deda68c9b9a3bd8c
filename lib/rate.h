#ifndef CERTRELAY_RATE_H
#define CERTRELAY_RATE_H

#include <stddef.h>
#include <time.h>

#include "diag.h"

#define RATE_ID_LEN	32		/* SHA-256 of the identity */
#define RATE_N_MAX	1000000		/* recipients a window, at most */
#define RATE_ADDRS_MAX	31		/* max_client_addresses, at most */
#define RATE_SLOTS	16384		/* certificates remembered */

/* A limit: n recipients a window of seconds. window 0: not set (a rule
 * without rate= takes rate_limit's); n 0 with a window: "none". */
struct rate_limit {
	unsigned n;
	unsigned window;
};

/* What rate_note() says should be logged, once a window. */
#define RATE_WARN_LIMIT	0x01		/* the limit was reached */
#define RATE_WARN_ADDRS	0x02		/* too many client addresses */

struct rate;				/* opaque */
struct request;

int	rate_parse(const char *s, size_t len, struct rate_limit *out,
	    struct diag *d);
int	rate_format(const struct rate_limit *l, char *buf, size_t size);
int	rate_new(struct rate **rp, struct diag *d);
int	rate_note(struct rate *rt, const unsigned char *id, const char *addr,
	    const struct rate_limit *lim, int max_addrs, time_t now,
	    unsigned *warn);
void	rate_prefetch(const struct rate *rt, const unsigned char *id);
size_t	rate_warning(struct request *r, unsigned which, char *buf,
	    size_t size);
void	rate_free(struct rate *rt);

#endif
