#ifndef CERTRELAY_TABLE_H
#define CERTRELAY_TABLE_H

#include <stddef.h>
#include <time.h>

#include "action.h"
#include "diag.h"

enum table_kind {
	TABLE_FINGERPRINT, TABLE_SUBJECT, TABLE_ISSUER, TABLE_EMAIL,
	TABLE_ATTRIBUTE, TABLE_ACCESS, TABLE_SENDER, TABLE_NKINDS
};

#define TABLE_KEY_MAX	4096
#define TABLE_LINE_MAX	65536

struct table;				/* opaque */
struct ldaptab;

/* What a lookup found: the rule and where it was written. */
struct table_hit {
	const char *table;		/* source path, as in the config */
	int	line;
	struct action act;
	const char *value;		/* sender table: the senders, in t */
	size_t	vlen;
};

/* One logical source line (continuations joined, comments gone). */
typedef int (*table_line_fn)(void *ctx, char *line, size_t len, int lineno,
	    struct diag *d);

int	table_each_line(const char *path, table_line_fn fn, void *ctx,
	    struct diag *d);
int	table_kind_parse(const char *name, enum table_kind *kind);
const char *table_kind_name(enum table_kind kind);
int	table_guess_kind(const char *path, enum table_kind *kind,
	    struct diag *d);
int	table_compile(const char *path, enum table_kind kind,
	    const char *out, struct diag *d);
int	table_open(struct table **tp, const char *path,
	    enum table_kind kind, struct diag *d);
int	table_lookup(const struct table *t, const char *key, size_t klen,
	    const char *const *scopes, struct table_hit *hit, struct diag *d);
int	table_has(const struct table *t, const char *key, size_t klen,
	    struct diag *d);
void	table_prefetch(const struct table *t, const char *key, size_t klen);
int	table_query_key(enum table_kind kind, const char *text, char *key,
	    size_t *klen, struct diag *d);
int	table_attr_key(const char *issuer_key, const char *type,
	    const char *val, size_t vlen, char *key, size_t *klen);
const char *table_path(const struct table *t);
enum table_kind table_kind(const struct table *t);
int	table_unscoped(const struct table *t);
int	table_cn_keys(const struct table *t);
int	table_ignored(const struct table *t);
int	table_stale(const struct table *t);
long	table_count(const struct table *t);
struct ldaptab *table_ldap(const struct table *t);
int	table_guess_key_kind(const char *key, enum table_kind *kind);
void	table_close(struct table *t);

#endif
