/*
 * ldaptab - rules kept in an LDAP directory (Postfix ldap_table(5) syntax)
 *
 * SYNOPSIS
 *	#include "ldaptab.h"
 *	int	ldaptab_cf_load(const char *path, struct ldaptab_cf *cf,
 *		    struct diag *d);
 *	void	ldaptab_cf_free(struct ldaptab_cf *cf);
 *	int	ldaptab_escape(const char *s, size_t n, char *out,
 *		    size_t size);
 *	int	ldaptab_expand(const char *tmpl, const char *key,
 *		    size_t klen, char *out, size_t size);
 *	int	ldaptab_open(struct ldaptab **lp, const char *path,
 *		    struct diag *d);
 *	int	ldaptab_lookup(struct ldaptab *l, const char *key,
 *		    size_t klen, struct ldaptab_vals *out, struct diag *d);
 *	int	ldaptab_probe(struct ldaptab *l, char *buf, size_t size,
 *		    struct diag *d);
 *	void	ldaptab_stats(struct ldaptab *l, unsigned long *hits,
 *		    unsigned long *misses);
 *	const struct ldaptab_cf *ldaptab_conf(const struct ldaptab *l);
 *	void	ldaptab_close(struct ldaptab *l);
 * DESCRIPTION
 *	ldaptab_cf_load() reads "name = value" lines as Postfix reads an
 *	ldap_table(5) file (comments, continuation lines) and keeps the
 *	parameters that apply: server_host (URIs or host[:port], several,
 *	separated by spaces or commas), server_port, search_base,
 *	query_filter (%s is the key, %% a percent sign; nothing else),
 *	result_attribute (one), scope (sub, one, base), bind (yes, no),
 *	bind_dn, bind_pw or bind_pw_file, start_tls, tls_ca_cert_file,
 *	timeout (10 s), size_limit (0: none), version (3 only), and
 *	certrelay's own cache_ttl (60 s, 0: no cache) and cache_size (1024
 *	answers). Other Postfix parameters are refused by name: a rule
 *	meant to narrow a search must not be silently dropped.
 *
 *	ldaptab_escape() writes a key as an RFC 4515 assertion value: '*',
 *	'(', ')', '\\', NUL and every byte outside printable ASCII become
 *	\HH, so no key can change the filter it is put into.
 *	ldaptab_expand() puts the escaped key in place of each %s of tmpl.
 *
 *	ldaptab_open() loads path and reads bind_pw_file, which (as a .cf
 *	holding bind_pw itself) must not be readable by group or others. It
 *	does not connect: the first lookup does (a daemon may fork first).
 *	ldaptab_lookup() searches for one key and returns the values of
 *	result_attribute in every entry found. It asks the server that last
 *	answered; a server that fails (no answer within timeout, connection
 *	lost, any LDAP error) is dropped and the next one of server_host is
 *	asked, until each has been asked once (a lookup that waited for
 *	the connection while that happened fails at once with the same
 *	error, rather than wait again). Answers, found or not, are
 *	kept cache_ttl seconds in a cache of cache_size answers (sets of 8
 *	slots; a full set loses its oldest); errors are never kept. Safe
 *	from many threads: one mutex around the cache, one around the
 *	connection.
 *	ldaptab_probe() binds and counts the entries under search_base that
 *	have result_attribute, then runs query_filter once for a key no
 *	entry has: what config-check shows an admin.
 *	ldaptab_stats() says how many lookups the cache answered and how
 *	many went to the directory.
 * DIAGNOSTICS
 *	ldaptab_lookup(): 1 found, 0 not found, -1 error: never "not found"
 *	for a directory that did not answer; d says which server and what
 *	libldap said. ldaptab_escape() and ldaptab_expand(): the length
 *	written, -1 if out is too small. Others: 0, or -1 with d set.
 * OWNERSHIP
 *	ldaptab_cf_load() fills cf with strings freed by ldaptab_cf_free()
 *	(also after an error). ldaptab_open() gives a handle freed by
 *	ldaptab_close() (accepts NULL).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <ldap.h>

#include "hex.h"
#include "ldaptab.h"
#include "table.h"

#define CACHE_SIZE_MAX	65536
#define CACHE_WAYS	8

/* One cached answer: the key, then the values right after it (the
 * lines a hit reads are the first few, not three far apart). */
struct slot {
	int	found;
	int	n;
	size_t	vlen;
	char	data[LDAPTAB_KEY_MAX + LDAPTAB_VALS_MAX];
};

/* A set's index, two cache lines: a lookup reads only this until a
 * hash matches (the slots are 3 KB each, a cold line apiece) */
struct set {
	struct {
		int64_t	expires_ms;	/* 0: empty */
		uint32_t hash;
		uint32_t klen;
	} w[CACHE_WAYS];
};

struct ldaptab {
	struct ldaptab_cf cf;
	char	*path;
	pthread_mutex_t conn_lock;	/* ld, cur, pid, failed_* */
	LDAP	*ld;
	int	cur;
	pid_t	pid;
	struct timespec failed_at;	/* when every server last failed */
	char	failed_why[DIAG_WHAT_MAX];
	pthread_mutex_t cache_lock;	/* cache, hits, misses */
	struct set *sets;
	struct slot *cache;		/* nsets * CACHE_WAYS */
	uint32_t nsets;
	unsigned long hits, misses;
};

enum ptype { P_STR, P_INT, P_BOOL, P_SCOPE };

static const struct param {
	const char *name;
	enum ptype type;
	size_t	off;
} params[] = {
	{ "server_host", P_STR, offsetof(struct ldaptab_cf, server_host) },
	{ "server_port", P_INT, offsetof(struct ldaptab_cf, server_port) },
	{ "search_base", P_STR, offsetof(struct ldaptab_cf, search_base) },
	{ "query_filter", P_STR, offsetof(struct ldaptab_cf, query_filter) },
	{ "result_attribute", P_STR,
	    offsetof(struct ldaptab_cf, result_attribute) },
	{ "scope", P_SCOPE, offsetof(struct ldaptab_cf, scope) },
	{ "bind", P_BOOL, offsetof(struct ldaptab_cf, bind) },
	{ "bind_dn", P_STR, offsetof(struct ldaptab_cf, bind_dn) },
	{ "bind_pw", P_STR, offsetof(struct ldaptab_cf, bind_pw) },
	{ "bind_pw_file", P_STR, offsetof(struct ldaptab_cf, bind_pw_file) },
	{ "start_tls", P_BOOL, offsetof(struct ldaptab_cf, start_tls) },
	{ "tls_ca_cert_file", P_STR,
	    offsetof(struct ldaptab_cf, tls_ca_cert_file) },
	{ "timeout", P_INT, offsetof(struct ldaptab_cf, timeout) },
	{ "size_limit", P_INT, offsetof(struct ldaptab_cf, size_limit) },
	{ "version", P_INT, offsetof(struct ldaptab_cf, version) },
	{ "cache_ttl", P_INT, offsetof(struct ldaptab_cf, cache_ttl) },
	{ "cache_size", P_INT, offsetof(struct ldaptab_cf, cache_size) },
};

/* Postfix ldap_table(5) parameters whose meaning certrelay lacks. */
static const char *const refused[] = {
	"domain", "result_format", "special_result_attribute",
	"terminal_result_attribute", "leaf_result_attribute", "dereference",
	"chase_referrals", "recursion_limit", "expansion_limit", "debuglevel",
	"sasl_mechs", "sasl_realm", "sasl_authz_id", "sasl_minssf",
	"tls_require_cert", "tls_ca_cert_dir", "tls_cert", "tls_key",
	"tls_random_file", "tls_cipher_suite", "ldap_ssl",
};

/* set_value - one parameter's value, checked */
static int
set_value(struct ldaptab_cf *cf, const struct param *p, const char *val,
    struct diag *d)
{
	char **s = (char **)((char *)cf + p->off), *end;
	int *i = (int *)((char *)cf + p->off);
	long n;

	switch (p->type) {
	case P_STR:
		free(*s);
		if ((*s = strdup(val)) == NULL)
			return diag_set(d, NULL, 0, "out of memory");
		return 0;
	case P_INT:
		errno = 0;
		n = strtol(val, &end, 10);
		if (*val == 0 || *end != 0 || errno || n < 0 || n > 86400 * 365)
			return diag_set(d, NULL, 0, "%s: \"%s\" is not a "
			    "number of 0 or more", p->name, val);
		*i = (int)n;
		return 0;
	case P_BOOL:
		if (strcasecmp(val, "yes") == 0 || strcasecmp(val, "true") == 0)
			*i = 1;
		else if (strcasecmp(val, "no") == 0 ||
		    strcasecmp(val, "false") == 0)
			*i = 0;
		else
			return diag_set(d, NULL, 0, "%s: say yes or no",
			    p->name);
		return 0;
	default:
		if (strcasecmp(val, "sub") == 0)
			*i = LDAP_SCOPE_SUBTREE;
		else if (strcasecmp(val, "one") == 0)
			*i = LDAP_SCOPE_ONELEVEL;
		else if (strcasecmp(val, "base") == 0)
			*i = LDAP_SCOPE_BASE;
		else
			return diag_set(d, NULL, 0, "scope: say sub, one or "
			    "base");
		return 0;
	}
}

/* cf_line - "name = value" */
static int
cf_line(void *ctx, char *line, size_t len, int lineno, struct diag *d)
{
	struct ldaptab_cf *cf = ctx;
	char *eq, *val, *end;
	size_t k;

	(void)lineno;
	if ((eq = memchr(line, '=', len)) == NULL)
		return diag_set(d, NULL, 0, "expected name = value");
	for (end = eq; end > line && isspace((unsigned char)end[-1]); end--)
		;
	*end = 0;
	for (val = eq + 1; isspace((unsigned char)*val); val++)
		;
	for (k = 0; k < sizeof(params) / sizeof(params[0]); k++)
		if (strcmp(line, params[k].name) == 0)
			return set_value(cf, &params[k], val, d);
	for (k = 0; k < sizeof(refused) / sizeof(refused[0]); k++)
		if (strcmp(line, refused[k]) == 0)
			return diag_set(d, NULL, 0, "%s: not supported by "
			    "certrelay's ldap tables", line);
	return diag_set(d, NULL, 0, "unknown parameter \"%.64s\"", line);
}

/* add_uri - one server_host word as a URI */
static int
add_uri(struct ldaptab_cf *cf, const char *w, size_t n, struct diag *d)
{
	char *u;
	int r;

	if (cf->nuri == LDAPTAB_MAX_SERVERS)
		return diag_set(d, NULL, 0, "server_host: more than %d "
		    "servers", LDAPTAB_MAX_SERVERS);
	if (memmem(w, n, "://", 3) != NULL)
		r = asprintf(&u, "%.*s", (int)n, w);
	else if (memchr(w, ':', n) != NULL)
		r = asprintf(&u, "ldap://%.*s", (int)n, w);
	else
		r = asprintf(&u, "ldap://%.*s:%d", (int)n, w, cf->server_port);
	if (r < 0)
		return diag_set(d, NULL, 0, "out of memory");
	cf->uri[cf->nuri++] = u;
	if (!ldap_is_ldap_url(u) && strncmp(u, "ldapi://", 8) != 0)
		return diag_set(d, NULL, 0, "server_host: \"%s\" is not an "
		    "LDAP URI", u);
	return 0;
}

/* check_filter - %s at least once, no other expansion, balanced */
static int
check_filter(const char *f, struct diag *d)
{
	int depth = 0, keys = 0;

	if (f[0] != '(')
		return diag_set(d, NULL, 0, "query_filter must start with (");
	for (; *f; f++) {
		if (*f == '%' && f[1] == 's')
			keys++, f++;
		else if (*f == '%' && f[1] == '%')
			f++;
		else if (*f == '%')
			return diag_set(d, NULL, 0, "query_filter: only %%s "
			    "and %%%% are expanded");
		else if (*f == '(')
			depth++;
		else if (*f == ')' && --depth < 0)
			break;
	}
	if (depth != 0)
		return diag_set(d, NULL, 0, "query_filter: unbalanced "
		    "parentheses");
	if (keys == 0)
		return diag_set(d, NULL, 0, "query_filter has no %%s: every "
		    "key would find the same entries");
	return 0;
}

/* cf_finish - defaults, servers, what must be said */
static int
cf_finish(struct ldaptab_cf *cf, struct diag *d)
{
	const char *s, *sep = " \t,";
	size_t n;

	if (cf->search_base == NULL)
		return diag_set(d, NULL, 0, "search_base is not set");
	if (cf->query_filter == NULL || cf->result_attribute == NULL)
		return diag_set(d, NULL, 0, "query_filter and "
		    "result_attribute must be set");
	if (strpbrk(cf->result_attribute, " \t,") != NULL)
		return diag_set(d, NULL, 0, "result_attribute: one attribute");
	if (check_filter(cf->query_filter, d) < 0)
		return -1;
	if (cf->version != 3)
		return diag_set(d, NULL, 0, "version %d: only LDAPv3 is "
		    "spoken", cf->version);
	if (cf->bind_pw != NULL && cf->bind_pw_file != NULL)
		return diag_set(d, NULL, 0, "bind_pw and bind_pw_file: say "
		    "one");
	if (cf->cache_size == 0 || cf->cache_size > CACHE_SIZE_MAX)
		return diag_set(d, NULL, 0, "cache_size: 1 to %d",
		    CACHE_SIZE_MAX);
	for (s = cf->server_host ? cf->server_host : "localhost"; *s;
	    s += n) {
		s += strspn(s, sep);
		if ((n = strcspn(s, sep)) > 0 && add_uri(cf, s, n, d) < 0)
			return -1;
	}
	if (cf->nuri == 0)
		return diag_set(d, NULL, 0, "server_host: no server");
	return 0;
}

/* at_path - prefix d's message with the .cf's path */
static int
at_path(struct diag *d, const char *path)
{
	char what[DIAG_WHAT_MAX];

	snprintf(what, sizeof(what), "%s", d->what);
	return diag_set(d, path, 0, "%s", what);
}

/* ldaptab_cf_load - read a .cf */
int
ldaptab_cf_load(const char *path, struct ldaptab_cf *cf, struct diag *d)
{
	memset(cf, 0, sizeof(*cf));
	cf->scope = LDAP_SCOPE_SUBTREE;
	cf->bind = 1;
	cf->server_port = 389;
	cf->version = 3;
	cf->timeout = 10;
	cf->cache_ttl = 60;
	cf->cache_size = 1024;
	diag_clear(d);
	if (table_each_line(path, cf_line, cf, d) < 0)
		return -1;
	if (cf_finish(cf, d) < 0)
		return at_path(d, path);
	return 0;
}

/* ldaptab_cf_free - the strings */
void
ldaptab_cf_free(struct ldaptab_cf *cf)
{
	int k;

	for (k = 0; k < cf->nuri; k++)
		free(cf->uri[k]);
	free(cf->server_host);
	free(cf->search_base);
	free(cf->query_filter);
	free(cf->result_attribute);
	free(cf->bind_dn);
	if (cf->bind_pw != NULL)
		explicit_bzero(cf->bind_pw, strlen(cf->bind_pw));
	free(cf->bind_pw);
	free(cf->bind_pw_file);
	free(cf->tls_ca_cert_file);
	memset(cf, 0, sizeof(*cf));
}

/* ldaptab_escape - an RFC 4515 assertion value */
int
ldaptab_escape(const char *s, size_t n, char *out, size_t size)
{
	return hex_escape(s, n, out, size, '\\', "0123456789abcdef", "*()\\");
}

/* ldaptab_expand - the filter for one key */
int
ldaptab_expand(const char *tmpl, const char *key, size_t klen, char *out,
    size_t size)
{
	size_t o = 0;
	int n;

	for (; *tmpl; tmpl++) {
		if (tmpl[0] == '%' && tmpl[1] == 's') {
			if ((n = ldaptab_escape(key, klen, out + o,
			    size - o)) < 0)
				return -1;
			o += (size_t)n;
			tmpl++;
			continue;
		}
		if (tmpl[0] == '%' && tmpl[1] == '%')
			tmpl++;
		if (o + 1 >= size)
			return -1;
		out[o++] = *tmpl;
	}
	if (o >= size)
		return -1;
	out[o] = 0;
	return (int)o;
}

/* private_file - a secret's file: not readable by group or others */
static int
private_file(const char *path, const char *what, struct diag *d)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return diag_set(d, path, 0, "%s", strerror(errno));
	if (st.st_mode & 077)
		return diag_set(d, path, 0, "holds %s but is readable by "
		    "group or others (mode %03o): chmod 600, owned by the "
		    "certrelay user", what, (unsigned)(st.st_mode & 0777));
	return 0;
}

/* read_pw - bind_pw_file's first line */
static int
read_pw(struct ldaptab_cf *cf, struct diag *d)
{
	char buf[512];
	ssize_t n;
	int fd;

	if (private_file(cf->bind_pw_file, "bind_pw_file", d) < 0)
		return -1;
	if ((fd = open(cf->bind_pw_file, O_RDONLY | O_CLOEXEC)) < 0)
		return diag_set(d, cf->bind_pw_file, 0, "%s", strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return diag_set(d, cf->bind_pw_file, 0, "%s", strerror(errno));
	buf[n] = 0;
	buf[strcspn(buf, "\r\n")] = 0;
	cf->bind_pw = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	if (cf->bind_pw == NULL)
		return diag_set(d, NULL, 0, "out of memory");
	return 0;
}

/* ldaptab_open - load the .cf; connect later */
int
ldaptab_open(struct ldaptab **lp, const char *path, struct diag *d)
{
	struct ldaptab *l;

	*lp = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return diag_set(d, path, 0, "out of memory");
	if (ldaptab_cf_load(path, &l->cf, d) < 0)
		goto err;
	if (l->cf.bind_pw != NULL &&
	    private_file(path, "bind_pw", d) < 0)
		goto err;
	if (l->cf.bind_pw_file != NULL && read_pw(&l->cf, d) < 0)
		goto err;
	if ((l->path = strdup(path)) == NULL ||
	    (l->cache = calloc((size_t)l->cf.cache_size + CACHE_WAYS,
	    sizeof(*l->cache))) == NULL ||
	    (l->sets = calloc((size_t)l->cf.cache_size / CACHE_WAYS + 1,
	    sizeof(*l->sets))) == NULL) {
		diag_set(d, path, 0, "out of memory");
		goto err;
	}
	l->nsets = ((uint32_t)l->cf.cache_size + CACHE_WAYS - 1) / CACHE_WAYS;
	pthread_mutex_init(&l->conn_lock, NULL);
	pthread_mutex_init(&l->cache_lock, NULL);
	l->pid = getpid();
	*lp = l;
	return 0;
err:
	ldaptab_cf_free(&l->cf);
	free(l->cache);
	free(l->path);
	free(l);
	return -1;
}

/* now_ms - monotonic milliseconds */
static int64_t
now_ms(void)
{
	struct timespec ts;

	/* a TTL in seconds needs no better than the tick; the coarse
	 * clock is read in user space where the precise one may not be */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* hash_of - 8 bytes a step (a fingerprint key is 95 bytes: FNV-1a's
 * byte-by-byte multiply chain was most of a cached lookup), mixed at
 * the end so that the low bits pick sets evenly */
static uint32_t
hash_of(const char *key, size_t klen)
{
	uint64_t h = klen, w;
	size_t i;

	for (i = 0; i + 8 <= klen; i += 8) {
		memcpy(&w, key + i, 8);
		h = ((h << 5 | h >> 59) ^ w) * 0x517cc1b727220a95ull;
	}
	for (w = 0; i < klen; i++)
		w = w << 8 | (unsigned char)key[i];
	h = ((h << 5 | h >> 59) ^ w) * 0x517cc1b727220a95ull;
	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ull;
	h ^= h >> 32;
	return (uint32_t)h;
}

/* cache_get - a live answer for key: 1 found, 0 not found, -1 none.
 * The key picks a set of CACHE_WAYS slots (not one slot: two busy keys
 * that hash alike do not evict each other at every lookup) */
static int
cache_get(struct ldaptab *l, const char *key, size_t klen,
    struct ldaptab_vals *out)
{
	struct set *set;
	struct slot *s;
	uint32_t h;
	int64_t now;
	int k, r = -1;

	if (l->cf.cache_ttl == 0 || klen > LDAPTAB_KEY_MAX)
		return -1;
	h = hash_of(key, klen);
	set = &l->sets[h % l->nsets];
	now = now_ms();
	pthread_mutex_lock(&l->cache_lock);
	for (k = 0; k < CACHE_WAYS; k++) {
		if (set->w[k].hash != h || set->w[k].klen != klen ||
		    set->w[k].expires_ms <= now)
			continue;
		s = &l->cache[(h % l->nsets) * CACHE_WAYS + (uint32_t)k];
		if (memcmp(s->data, key, klen) != 0)
			continue;
		r = s->found;
		out->n = s->n;
		out->len = s->vlen;
		memcpy(out->buf, s->data + klen, s->vlen);
		break;
	}
	if (r >= 0)
		l->hits++;
	else
		l->misses++;
	pthread_mutex_unlock(&l->cache_lock);
	return r;
}

/* cache_put - keep an answer cache_ttl seconds, in key's own slot if
 * it has one, else the set's oldest (empty and expired ones are older) */
static void
cache_put(struct ldaptab *l, const char *key, size_t klen, int found,
    const struct ldaptab_vals *v)
{
	struct set *set;
	struct slot *s;
	uint32_t h;
	int64_t now;
	int k, w = 0;

	if (l->cf.cache_ttl == 0 || klen > LDAPTAB_KEY_MAX)
		return;
	h = hash_of(key, klen);
	set = &l->sets[h % l->nsets];
	now = now_ms();
	pthread_mutex_lock(&l->cache_lock);
	for (k = 0; k < CACHE_WAYS; k++) {
		if (set->w[k].hash == h && set->w[k].klen == klen &&
		    memcmp(l->cache[(h % l->nsets) * CACHE_WAYS +
		    (uint32_t)k].data, key, klen) == 0) {
			w = k;
			break;
		}
		if (set->w[k].expires_ms < set->w[w].expires_ms)
			w = k;
	}
	s = &l->cache[(h % l->nsets) * CACHE_WAYS + (uint32_t)w];
	set->w[w].expires_ms = now + (int64_t)l->cf.cache_ttl * 1000;
	set->w[w].hash = h;
	set->w[w].klen = (uint32_t)klen;
	memcpy(s->data, key, klen);
	s->found = found;
	s->n = v->n;
	s->vlen = v->len;
	memcpy(s->data + klen, v->buf, v->len);
	pthread_mutex_unlock(&l->cache_lock);
}

/* ld_error - "server: what libldap said (and the server's message)" */
static int
ld_error(LDAP *ld, const char *uri, int rc, const char *op, struct diag *d)
{
	char *msg = NULL;

	if (ld != NULL)
		ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &msg);
	diag_set(d, NULL, 0, "%s: %s: %s%s%s%s", uri, op, ldap_err2string(rc),
	    msg && *msg ? " (" : "", msg && *msg ? msg : "",
	    msg && *msg ? ")" : "");
	ldap_memfree(msg);
	return -1;
}

/* set_options - version, timeouts, TLS on a new handle */
static int
set_options(struct ldaptab *l, LDAP *ld, const char *uri, struct diag *d)
{
	struct timeval tv = { l->cf.timeout, 0 };
	int v3 = LDAP_VERSION3, hard = LDAP_OPT_X_TLS_HARD, zero = 0, rc;

	if ((rc = ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3)) ||
	    (rc = ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv)) ||
	    (rc = ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv)) ||
	    (rc = ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF)))
		return ld_error(ld, uri, rc, "options", d);
	if (l->cf.tls_ca_cert_file == NULL)
		return 0;
	if ((rc = ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE,
	    l->cf.tls_ca_cert_file)) ||
	    (rc = ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &hard)) ||
	    (rc = ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero)))
		return ld_error(ld, uri, rc, "TLS options", d);
	return 0;
}

/* connect_one - a bound handle to server k */
static int
connect_one(struct ldaptab *l, int k, struct diag *d)
{
	const char *uri = l->cf.uri[k];
	struct berval cred;
	LDAP *ld = NULL;
	int rc;

	if ((rc = ldap_initialize(&ld, uri)) != LDAP_SUCCESS)
		return ld_error(NULL, uri, rc, "initialize", d);
	if (set_options(l, ld, uri, d) < 0)
		goto err;
	if (l->cf.start_tls && (rc = ldap_start_tls_s(ld, NULL, NULL)) !=
	    LDAP_SUCCESS) {
		ld_error(ld, uri, rc, "StartTLS", d);
		goto err;
	}
	if (l->cf.bind) {
		cred.bv_val = l->cf.bind_pw ? l->cf.bind_pw : "";
		cred.bv_len = strlen(cred.bv_val);
		rc = ldap_sasl_bind_s(ld, l->cf.bind_dn ? l->cf.bind_dn : "",
		    LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
		if (rc != LDAP_SUCCESS) {
			ld_error(ld, uri, rc, "bind", d);
			goto err;
		}
	}
	l->ld = ld;
	l->cur = k;
	return 0;
err:
	ldap_unbind_ext_s(ld, NULL, NULL);
	return -1;
}

/* add_vals - every value of the attribute in one entry */
static int
add_vals(struct ldaptab *l, LDAPMessage *e, struct ldaptab_vals *out,
    struct diag *d)
{
	struct berval **v;
	int k, ret = 0;

	if ((v = ldap_get_values_len(l->ld, e, l->cf.result_attribute)) ==
	    NULL)
		return 0;
	for (k = 0; v[k] != NULL; k++) {
		if (out->len + v[k]->bv_len + 1 > sizeof(out->buf) ||
		    memchr(v[k]->bv_val, 0, v[k]->bv_len) != NULL) {
			ret = diag_set(d, NULL, 0, "%s: values too long or "
			    "with a NUL byte", l->cf.result_attribute);
			break;
		}
		memcpy(out->buf + out->len, v[k]->bv_val, v[k]->bv_len);
		out->len += v[k]->bv_len;
		out->buf[out->len++] = 0;
		out->n++;
	}
	ldap_value_free_len(v);
	return ret;
}

/* search - one search on the connected server; -1 with d set */
static int
search(struct ldaptab *l, const char *filter, const char *attr,
    LDAPMessage **res, struct diag *d)
{
	struct timeval tv = { l->cf.timeout, 0 };
	char *attrs[2] = { (char *)attr, NULL };
	int rc;

	*res = NULL;
	rc = ldap_search_ext_s(l->ld, l->cf.search_base, l->cf.scope, filter,
	    attrs, 0, NULL, NULL, &tv, l->cf.size_limit, res);
	if (rc == LDAP_SUCCESS)
		return 0;
	ldap_msgfree(*res);
	*res = NULL;
	return ld_error(l->ld, l->cf.uri[l->cur], rc, "search", d);
}

/* query - values for filter on the current server */
static int
query(struct ldaptab *l, const char *filter, struct ldaptab_vals *out,
    struct diag *d)
{
	LDAPMessage *res, *e;
	int ret = 0;

	out->n = 0;
	out->len = 0;
	if (search(l, filter, l->cf.result_attribute, &res, d) < 0)
		return -1;
	for (e = ldap_first_entry(l->ld, res); e != NULL && ret == 0;
	    e = ldap_next_entry(l->ld, e))
		ret = add_vals(l, e, out, d);
	ldap_msgfree(res);
	return ret;
}

/* drop - forget the connection (unbinding only our own: after a fork
 * the socket is the parent's too) */
static void
drop(struct ldaptab *l)
{
	if (l->ld == NULL)
		return;
	if (l->pid == getpid())
		ldap_unbind_ext_s(l->ld, NULL, NULL);
	else
		ldap_destroy(l->ld);
	l->ld = NULL;
}

/* failover - fn on the current server, else on each other in turn;
 * a connection that had been up gets one fresh try on its server
 * first (the server may only have restarted) */
static int
failover(struct ldaptab *l, int (*fn)(struct ldaptab *, const char *,
    struct ldaptab_vals *, struct diag *), const char *arg,
    struct ldaptab_vals *out, struct diag *d)
{
	char errs[DIAG_WHAT_MAX] = "";
	size_t n = 0;
	int k, tries, old = l->ld != NULL && l->pid == getpid();

	if (l->pid != getpid()) {
		drop(l);
		l->pid = getpid();
	}
	for (tries = 0; tries < l->cf.nuri; tries++) {
		k = (l->cur + tries) % l->cf.nuri;
		if ((l->ld != NULL || connect_one(l, k, d) == 0) &&
		    fn(l, arg, out, d) == 0)
			return 0;
		drop(l);
		if (old && tries == 0) {
			old = 0;
			tries--;
			continue;
		}
		if (n < sizeof(errs))
			n += (size_t)snprintf(errs + n, sizeof(errs) - n,
			    "%s%s", n ? "; " : "", d->what);
	}
	return diag_set(d, NULL, 0, "%s", errs);
}

/* ldaptab_lookup - the values for key: cache, else the directory */
int
ldaptab_lookup(struct ldaptab *l, const char *key, size_t klen,
    struct ldaptab_vals *out, struct diag *d)
{
	char filter[LDAPTAB_FILTER_MAX];
	struct timespec t0;
	int r;

	if ((r = cache_get(l, key, klen, out)) >= 0)
		return r;
	if (ldaptab_expand(l->cf.query_filter, key, klen, filter,
	    sizeof(filter)) < 0)
		return diag_set(d, l->path, 0, "key too long for the filter");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_mutex_lock(&l->conn_lock);
	/* every server failed while we waited for the connection: each
	 * thread in line asking again would wait timeout in turn */
	if (t0.tv_sec < l->failed_at.tv_sec || (t0.tv_sec ==
	    l->failed_at.tv_sec && t0.tv_nsec <= l->failed_at.tv_nsec))
		r = diag_set(d, NULL, 0, "%s", l->failed_why);
	else if ((r = failover(l, query, filter, out, d)) < 0) {
		clock_gettime(CLOCK_MONOTONIC, &l->failed_at);
		snprintf(l->failed_why, sizeof(l->failed_why), "%s", d->what);
	}
	pthread_mutex_unlock(&l->conn_lock);
	if (r < 0)
		return at_path(d, l->path);
	r = out->n > 0;
	cache_put(l, key, klen, r, out);
	return r;
}

/* count - entries under search_base with result_attribute, in n (a
 * server's own size limit, or ours, cuts it: len 1 says "at least") */
static int
count(struct ldaptab *l, const char *filter, struct ldaptab_vals *out,
    struct diag *d)
{
	struct timeval tv = { l->cf.timeout, 0 };
	char *attrs[2] = { "1.1", NULL };	/* no attributes */
	LDAPMessage *res = NULL;
	int rc;

	rc = ldap_search_ext_s(l->ld, l->cf.search_base, l->cf.scope, filter,
	    attrs, 0, NULL, NULL, &tv, 100000, &res);
	if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
		ldap_msgfree(res);
		return ld_error(l->ld, l->cf.uri[l->cur], rc, "search", d);
	}
	out->n = ldap_count_entries(l->ld, res);
	out->len = rc == LDAP_SIZELIMIT_EXCEEDED;
	ldap_msgfree(res);
	return 0;
}

/* ldaptab_probe - what config-check says of the directory */
int
ldaptab_probe(struct ldaptab *l, char *buf, size_t size, struct diag *d)
{
	struct ldaptab_vals v;
	char filter[LDAPTAB_FILTER_MAX];
	const char *probe = "certrelay-config-check";
	int r, entries = 0, more = 0;

	snprintf(filter, sizeof(filter), "(%s=*)", l->cf.result_attribute);
	pthread_mutex_lock(&l->conn_lock);
	r = failover(l, count, filter, &v, d);
	if (r == 0) {
		entries = v.n;
		more = v.len > 0;
		ldaptab_expand(l->cf.query_filter, probe, strlen(probe),
		    filter, sizeof(filter));
		r = failover(l, query, filter, &v, d);
	}
	if (r == 0)
		snprintf(buf, size, "%s: %s%d entries with %s under \"%s\"; "
		    "query_filter searched", l->cf.uri[l->cur], more ?
		    "at least " : "", entries, l->cf.result_attribute,
		    l->cf.search_base);
	pthread_mutex_unlock(&l->conn_lock);
	if (r < 0)
		return at_path(d, l->path);
	return 0;
}

/* ldaptab_stats - cache hits and misses so far */
void
ldaptab_stats(struct ldaptab *l, unsigned long *hits,
    unsigned long *misses)
{
	pthread_mutex_lock(&l->cache_lock);
	*hits = l->hits;
	*misses = l->misses;
	pthread_mutex_unlock(&l->cache_lock);
}

/* ldaptab_conf - the parsed .cf */
const struct ldaptab_cf *
ldaptab_conf(const struct ldaptab *l)
{
	return &l->cf;
}

/* ldaptab_close - unbind, free; accepts NULL */
void
ldaptab_close(struct ldaptab *l)
{
	if (l == NULL)
		return;
	drop(l);
	pthread_mutex_destroy(&l->conn_lock);
	pthread_mutex_destroy(&l->cache_lock);
	ldaptab_cf_free(&l->cf);
	free(l->sets);
	free(l->cache);
	free(l->path);
	free(l);
}
