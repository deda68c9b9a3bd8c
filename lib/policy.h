#ifndef CERTRELAY_POLICY_H
#define CERTRELAY_POLICY_H

#include <stddef.h>

#include "decide.h"
#include "diag.h"

#define POLICY_LINE_MAX	4096

enum policy_attr {
	PA_REQUEST, PA_PROTOCOL_STATE, PA_CLIENT_ADDRESS, PA_CLIENT_NAME,
	PA_RECIPIENT, PA_QUEUE_ID, PA_CCERT_SUBJECT, PA_CCERT_ISSUER,
	PA_CCERT_FINGERPRINT, PA_CCERT_PUBKEY_FINGERPRINT,
	PA_ENCRYPTION_PROTOCOL, PA_ENCRYPTION_CIPHER, PA_ENCRYPTION_KEYSIZE,
	PA_SASL_METHOD, PA_SASL_USERNAME, PA_SENDER, PA_NATTRS
};

/* One policy delegation request: the attributes certrelay uses, their
 * values packed one after another (a request touches a few hundred
 * bytes, not a page per attribute). */
struct policy_req {
	char	*val[PA_NATTRS];	/* NUL-terminated; "" when not sent */
	int	set[PA_NATTRS];
	int	nlines;
	char	nul;			/* what an unsent value points to */
	size_t	used;
	char	buf[PA_NATTRS * POLICY_LINE_MAX];
};

/* Incremental reader of "name=value" lines up to an empty line. */
struct policy_parser {
	char	line[POLICY_LINE_MAX + 1];
	size_t	len;
	struct policy_req req;
};

typedef int (*policy_fn)(void *ctx, struct policy_req *req);

void	policy_init(struct policy_parser *p);
int	policy_feed(struct policy_parser *p, const char *buf, size_t len,
	    policy_fn fn, void *ctx, struct diag *d);
void	policy_set(struct policy_req *pr, enum policy_attr a, const char *v,
	    size_t len);
int	policy_request(struct policy_req *pr, struct request *r);
int	policy_answer(const struct decision *dec, int header_mode,
	    const char *header_name, const char *header_value, char *buf,
	    size_t size);

#endif
