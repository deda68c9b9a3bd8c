#ifndef CERTRELAY_LDAPTAB_H
#define CERTRELAY_LDAPTAB_H

#include <stddef.h>

#include "diag.h"

#define LDAPTAB_MAX_SERVERS	8
#define LDAPTAB_KEY_MAX		1024	/* longer: not cached */
#define LDAPTAB_VALS_MAX	2048	/* all values of one answer */
#define LDAPTAB_FILTER_MAX	8192

/* A Postfix ldap_table(5) .cf, as far as certrelay reads it. */
struct ldaptab_cf {
	char	*uri[LDAPTAB_MAX_SERVERS];
	int	nuri;
	char	*server_host;		/* as written */
	char	*search_base, *query_filter, *result_attribute;
	int	scope;			/* LDAP_SCOPE_* */
	int	bind;
	char	*bind_dn, *bind_pw, *bind_pw_file;
	int	start_tls;
	char	*tls_ca_cert_file;
	int	server_port, version;
	int	timeout, size_limit, cache_ttl, cache_size;
};

/* The values of result_attribute one search found, NUL after each. */
struct ldaptab_vals {
	int	n;
	size_t	len;
	char	buf[LDAPTAB_VALS_MAX];
};

struct ldaptab;				/* opaque */

int	ldaptab_cf_load(const char *path, struct ldaptab_cf *cf,
	    struct diag *d);
void	ldaptab_cf_free(struct ldaptab_cf *cf);
int	ldaptab_escape(const char *s, size_t n, char *out, size_t size);
int	ldaptab_expand(const char *tmpl, const char *key, size_t klen,
	    char *out, size_t size);
int	ldaptab_open(struct ldaptab **lp, const char *path, struct diag *d);
int	ldaptab_lookup(struct ldaptab *l, const char *key, size_t klen,
	    struct ldaptab_vals *out, struct diag *d);
int	ldaptab_probe(struct ldaptab *l, char *buf, size_t size,
	    struct diag *d);
void	ldaptab_stats(struct ldaptab *l, unsigned long *hits,
	    unsigned long *misses);
const struct ldaptab_cf *ldaptab_conf(const struct ldaptab *l);
void	ldaptab_close(struct ldaptab *l);

#endif
