#ifndef CERTRELAY_SENDER_H
#define CERTRELAY_SENDER_H

#include <stddef.h>

#include "diag.h"

#define SENDER_ADDR_MAX	256		/* an address, its NUL included */
#define SENDER_EMAILS_MAX	1024	/* a certificate's own, packed */

/* sender_binding = ... */
enum sender_bind {
	SENDER_BIND_NONE,		/* any sender */
	SENDER_BIND_CERT_EMAIL,		/* one of the certificate's addresses */
	SENDER_BIND_TABLE		/* what sender_table gives */
};

struct request;

int	sender_bind_parse(const char *s, enum sender_bind *b);
const char *sender_bind_name(enum sender_bind b);
int	sender_list_check(const char *s, size_t len, char *out, size_t size,
	    size_t *olen, struct diag *d);
int	sender_addr(const char *raw, const char **addr, size_t *len);
int	sender_equal(const char *a, size_t alen, const char *b, size_t blen);
int	sender_in_list(const char *list, size_t llen, const char *addr,
	    size_t alen);
int	sender_add_email(struct request *r, const char *s, size_t len);
int	sender_owned(const struct request *r, enum sender_bind b);
size_t	sender_binding_text(const struct request *r, char *buf,
	    size_t size);

#endif
