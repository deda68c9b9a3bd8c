/*
 * conf - certrelay.conf, "key = value"
 *
 * SYNOPSIS
 *	#include "conf.h"
 *	int	conf_load(const char *path, struct conf **out, struct diag *d);
 *	int	conf_local_domain(const struct conf *c, const char *rcpt);
 *	int	conf_trusted(const struct conf *c, const char *addr);
 *	int	conf_gated(const struct conf *c, const char *listener);
 *	int	conf_gate_text(const struct conf *c, char *buf, size_t size);
 *	int	conf_tls_level(const char *s);
 *	const char *conf_key_name(int i);
 *	void	conf_free(struct conf *c);
 * DESCRIPTION
 *	One setting a line, '#' comments (also after a value, following white
 *	space), blank lines ignored. Keys (conf_keys[] below, and
 *	certrelay.conf(5)): fingerprint_table, subject_table, issuer_table,
 *	email_table, attribute_table, access_table (paths of table sources;
 *	the compiled table is the path plus ".cdb"), regex_table (read as it
 *	is), cert_index (a directory of PEM certificates, compiled to
 *	dir.cdb), index_ca_file (the MTA's client CA file, which index
 *	certificates are verified against), local_domains and
 *	trusted_networks (lists, comma or space separated), min_tls_version
 *	(TLSv1 .. TLSv1.3; default TLSv1.2), min_cipher_bits (default 128),
 *	header_name (default X-Certrelay; "none" for no header), gatekeeper
 *	(all, none, or the {daemon_name}s of the listeners the milter gates;
 *	yes and no are all and none; no default: the milter refuses to start
 *	without it), sendmail_openssl (3 or legacy, default legacy: whether
 *	Sendmail's OpenSSL escapes '/' and '+' inside name values),
 *	stats_file (where a daemon writes its counters, "%n" its name;
 *	default none), stats_interval (seconds between writes, 1 to 3600,
 *	default 60), mode (enforce, the default, or warn),
 *	crl_files (up to CONF_MAX_CRL CRL files, comma or space separated),
 *	crl_stale (tempfail or ignore, default tempfail), pin_expiry
 *	(enforce or warn, default enforce), expiry_warn_days (0 to 65535,
 *	default 30),
 *	sender_binding (none, cert-email or table; default none),
 *	sender_table (a table source, kind "sender"; set exactly when
 *	sender_binding is table), rate_limit (N/minute, N/hour, N/day or
 *	none; default none) and max_client_addresses (0 to RATE_ADDRS_MAX;
 *	default 0, off). Relative paths are taken from the directory of the
 *	configuration file.
 *
 *	A local domain "example.org" matches that domain only; ".example.org"
 *	matches its subdomains. conf_local_domain() takes a recipient
 *	address (with or without <>); an address with no domain is local.
 *	conf_trusted() takes a numeric IPv4 or IPv6 address. conf_gated()
 *	says whether the milter is the relay gate of a listener (its
 *	{daemon_name}); a listener the MTA did not name is gated when any is.
 *	conf_key_name() enumerates the keys (NULL past the last).
 *	conf_tls_level() reads a TLS version as the MTAs send it and
 *	min_tls_version takes it, "TLSv<n>[.<m>]" (n <= 99, m <= 9, the
 *	prefix in any case): 10 * n + m, and 0, below every version, for
 *	anything else; min_tls_version accepts only TLSv1 .. TLSv1.3.
 * DIAGNOSTICS
 *	conf_load(): 0, or -1 with file:line: what for an unknown key, a
 *	repeated key or a bad value. Whether files exist is the engine's
 *	business (it opens them).
 * OWNERSHIP
 *	*out is freed with conf_free() (accepts NULL).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "conf.h"
#include "decide.h"

struct conf_ctx {
	struct conf *c;
	char	*dir;
	uint64_t seen;			/* keys set, by conf_keys[] index */
};

/* conf_tls_level - "TLSv1.3" -> 13, "TLSv1" -> 10; 0, below every TLS
 * version, for SSL, for what is no TLS version and for one this
 * encoding cannot hold (TLSv1.10 is not TLSv2.0) */
int
conf_tls_level(const char *s)
{
	const char *p;
	int major, minor = 0;

	if (s == NULL || strncasecmp(s, "TLSv", 4) != 0 ||
	    !isdigit((unsigned char)s[4]))
		return 0;
	major = decide_number(s + 4, &p);
	if (*p == '.') {
		if (!isdigit((unsigned char)p[1]))
			return 0;
		minor = decide_number(p + 1, &p);
	}
	return *p == 0 && major <= 99 && minor <= 9 ? major * 10 + minor : 0;
}

/* set_path - a file name, relative to the configuration's directory */
static int
set_path(struct conf_ctx *x, char **slot, const char *val, struct diag *d)
{
	int r;

	if (val[0] == 0)
		return diag_set(d, NULL, 0, "empty path");
	r = val[0] == '/' ? ((*slot = strdup(val)) ? 0 : -1) :
	    asprintf(slot, "%s/%s", x->dir, val);
	return r < 0 ? diag_set(d, NULL, 0, "out of memory") : 0;
}

/* parse_net - "10.0.0.0/8", "::1" */
static int
parse_net(const char *s, struct conf_net *n, struct diag *d)
{
	char buf[64], *slash;
	const char *end;
	int bits;

	if (strlen(s) >= sizeof(buf))
		return diag_set(d, NULL, 0, "bad network \"%.40s\"", s);
	strcpy(buf, s);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = 0;
	n->af = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(n->af, buf, n->addr) != 1)
		return diag_set(d, NULL, 0, "bad network address \"%s\"", buf);
	n->bits = n->af == AF_INET ? 32 : 128;
	if (slash) {
		bits = decide_number(slash, &end);
		if (end == slash || *end || bits > n->bits)
			return diag_set(d, NULL, 0, "bad prefix length \"/%s\"",
			    slash);
		n->bits = bits;
	}
	return 0;
}

/* set_list - comma/space list into local domains or networks */
static int
set_list(struct conf *c, int nets, char *val, struct diag *d)
{
	char *tok, *save = NULL, *p;

	for (tok = strtok_r(val, ", \t", &save); tok;
	    tok = strtok_r(NULL, ", \t", &save)) {
		if ((nets ? c->n_nets : c->n_local) >= CONF_MAX_LIST)
			return diag_set(d, NULL, 0, "more than %d entries",
			    CONF_MAX_LIST);
		if (nets) {
			if (parse_net(tok, &c->nets[c->n_nets], d) < 0)
				return -1;
			c->n_nets++;
			continue;
		}
		for (p = tok; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if ((c->local_domains[c->n_local++] = strdup(tok)) == NULL)
			return diag_set(d, NULL, 0, "out of memory");
	}
	return 0;
}

/* set_number - a decimal from 0 to 65535, digits only */
static int
set_number(int *slot, const char *val, struct diag *d)
{
	const char *end;
	int v = decide_number(val, &end);

	if (end == val || *end || v > 65535)
		return diag_set(d, NULL, 0, "\"%s\" is not a number from 0 to "
		    "65535", val);
	*slot = v;
	return 0;
}

/* set_table - a table source path, and the line that named it */
static int
set_table(struct conf_ctx *x, int arg, char *val, int lineno,
    struct diag *d)
{
	struct conf *c = x->c;

	c->table_line[arg] = lineno;
	/* "ldap:FILE.cf" (ldaptab): the .cf is relative to us too */
	if (strncmp(val, "ldap:", 5) == 0 && val[5] != 0)
		return asprintf(&c->table[arg], "ldap:%s%s%s", val[5] == '/' ?
		    "" : x->dir, val[5] == '/' ? "" : "/", val + 5) < 0 ?
		    diag_set(d, NULL, 0, "out of memory") : 0;
	return set_path(x, &c->table[arg], val, d);
}

/* set_file - regex_table (arg 0), cert_index (1), index_ca_file (2) */
static int
set_file(struct conf_ctx *x, int arg, char *val, int lineno,
    struct diag *d)
{
	struct conf *c = x->c;
	char **const slot[] = { &c->regex_table, &c->cert_index,
	    &c->index_ca_file };
	int *const line[] = { &c->regex_line, &c->cert_index_line, NULL };

	if (line[arg] != NULL)
		*line[arg] = lineno;
	return set_path(x, slot[arg], val, d);
}

/* set_stats - stats_file (arg 0: "none" for none), stats_interval (1) */
static int
set_stats(struct conf_ctx *x, int arg, char *val, int lineno,
    struct diag *d)
{
	int secs = 0;

	(void)lineno;
	if (arg == 0)
		return strcasecmp(val, "none") == 0 ? 0 :
		    set_path(x, &x->c->stats_file, val, d);
	if (set_number(&secs, val, d) < 0)
		return -1;
	if (secs < 1 || secs > 3600)
		return diag_set(d, NULL, 0, "\"%s\": expected 1 to 3600 "
		    "seconds", val);
	x->c->stats_interval = secs;
	return 0;
}

/* set_mode - mode: enforce or warn */
static int
set_mode(struct conf_ctx *x, int arg, char *val, int lineno,
    struct diag *d)
{
	(void)arg, (void)lineno;
	if (strcasecmp(val, "enforce") == 0)
		x->c->warn = 0;
	else if (strcasecmp(val, "warn") == 0)
		x->c->warn = 1;
	else
		return diag_set(d, NULL, 0, "\"%s\": expected enforce or "
		    "warn", val);
	return 0;
}

/* set_lists - local_domains (arg 0) or trusted_networks (arg 1) */
static int
set_lists(struct conf_ctx *x, int arg, char *val, int lineno,
    struct diag *d)
{
	(void)lineno;
	return set_list(x->c, arg, val, d);
}

/* set_tls - min_tls_version */
static int
set_tls(struct conf_ctx *x, int arg, char *val, int lineno,
    struct diag *d)
{
	(void)arg, (void)lineno;
	x->c->min_tls = conf_tls_level(val);
	if (x->c->min_tls < 10 || x->c->min_tls > 13)	/* the known ones */
		return diag_set(d, NULL, 0, "\"%s\": expected TLSv1, "
		    "TLSv1.1, TLSv1.2 or TLSv1.3", val);
	return 0;
}

/* set_bits - min_cipher_bits */
static int
set_bits(struct conf_ctx *x, int arg, char *val, int lineno,
    struct diag *d)
{
	(void)arg, (void)lineno;
	return set_number(&x->c->min_cipher_bits, val, d);
}

/* set_header - header_name, "none" for no header */
static int
set_header(struct conf_ctx *x, int arg, char *val, int lineno,
    struct diag *d)
{
	struct conf *c = x->c;

	(void)arg, (void)lineno;
	if (strlen(val) >= sizeof(c->header_name) ||
	    val[strcspn(val, ": \t")] != 0)
		return diag_set(d, NULL, 0, "bad header name \"%s\"", val);
	snprintf(c->header_name, sizeof(c->header_name), "%s",
	    strcasecmp(val, "none") == 0 ? "" : val);
	return 0;
}

/* set_gate - gatekeeper: all (yes), none (no), or listener names */
static int
set_gate(struct conf_ctx *x, int arg, char *val, int lineno,
    struct diag *d)
{
	struct conf *c = x->c;
	char *tok, *save = NULL;

	(void)arg;
	c->gatekeeper_line = lineno;
	if (strcasecmp(val, "all") == 0 || strcasecmp(val, "yes") == 0)
		c->gatekeeper = CONF_GATE_ALL;
	else if (strcasecmp(val, "none") == 0 || strcasecmp(val, "no") == 0)
		c->gatekeeper = CONF_GATE_NONE;
	else
		c->gatekeeper = CONF_GATE_LIST;
	if (c->gatekeeper != CONF_GATE_LIST)
		return 0;
	for (tok = strtok_r(val, ", \t", &save); tok;
	    tok = strtok_r(NULL, ", \t", &save)) {
		if (c->n_gate >= CONF_MAX_LIST)
			return diag_set(d, NULL, 0, "more than %d listeners",
			    CONF_MAX_LIST);
		if ((c->gate[c->n_gate++] = strdup(tok)) == NULL)
			return diag_set(d, NULL, 0, "out of memory");
	}
	return c->n_gate ? 0 : diag_set(d, NULL, 0, "expected all, none "
	    "or listener names");
}

/* set_quoting - sendmail_openssl: how Sendmail's OpenSSL quotes names */
static int
set_quoting(struct conf_ctx *x, int arg, char *val, int lineno,
    struct diag *d)
{
	(void)arg, (void)lineno;
	if (strcmp(val, "3") == 0)
		x->c->legacy_quoting = 0;
	else if (strcasecmp(val, "legacy") == 0)
		x->c->legacy_quoting = 1;
	else
		return diag_set(d, NULL, 0, "\"%s\": expected 3 or legacy",
		    val);
	return 0;
}

/* set_crls - crl_files: paths, comma or space separated */
static int
set_crls(struct conf_ctx *x, int arg, char *val, int lineno,
    struct diag *d)
{
	struct conf *c = x->c;
	char *tok, *save = NULL;

	(void)arg;
	c->crl_line = lineno;
	for (tok = strtok_r(val, ", \t", &save); tok;
	    tok = strtok_r(NULL, ", \t", &save)) {
		if (c->n_crl >= CONF_MAX_CRL)
			return diag_set(d, NULL, 0, "more than %d CRL files",
			    CONF_MAX_CRL);
		if (set_path(x, &c->crl_files[c->n_crl], tok, d) < 0)
			return -1;
		c->n_crl++;
	}
	return c->n_crl ? 0 : diag_set(d, NULL, 0, "expected CRL files");
}

/* set_choice - crl_stale (arg 0: tempfail|ignore), pin_expiry (arg 1:
 * enforce|warn): the first word is the default, 0 */
static int
set_choice(struct conf_ctx *x, int arg, char *val, int lineno,
    struct diag *d)
{
	static const char *const words[][2] = { { "tempfail", "ignore" },
	    { "enforce", "warn" } };
	int *const slot[] = { &x->c->crl_stale_ignore,
	    &x->c->pin_expiry_warn };

	(void)lineno;
	if (strcasecmp(val, words[arg][0]) == 0)
		*slot[arg] = 0;
	else if (strcasecmp(val, words[arg][1]) == 0)
		*slot[arg] = 1;
	else
		return diag_set(d, NULL, 0, "\"%s\": expected %s or %s", val,
		    words[arg][0], words[arg][1]);
	return 0;
}

/* set_days - expiry_warn_days */
static int
set_days(struct conf_ctx *x, int arg, char *val, int lineno,
    struct diag *d)
{
	(void)arg, (void)lineno;
	return set_number(&x->c->expiry_warn_days, val, d);

}

/* set_binding - sender_binding */
static int
set_binding(struct conf_ctx *x, int arg, char *val, int lineno,
    struct diag *d)
{
	(void)arg;
	x->c->sender_binding_line = lineno;
	if (sender_bind_parse(val, &x->c->sender_binding) < 0)
		return diag_set(d, NULL, 0, "\"%s\": expected none, cert-email "
		    "or table", val);
	return 0;
}

/* set_rate - rate_limit: "100/hour" */
static int
set_rate(struct conf_ctx *x, int arg, char *val, int lineno,
    struct diag *d)
{
	(void)arg;
	x->c->rate_limit_line = lineno;
	if (rate_parse(val, strlen(val), &x->c->rate_limit, d) < 0)
		return -1;
	if (x->c->rate_limit.n == 0)	/* none: as if unset */
		x->c->rate_limit.window = 0;
	return 0;
}

/* set_addrs - max_client_addresses */
static int
set_addrs(struct conf_ctx *x, int arg, char *val, int lineno,
    struct diag *d)
{
	(void)arg;
	x->c->max_client_addresses_line = lineno;
	if (set_number(&x->c->max_client_addresses, val, d) < 0 ||
	    x->c->max_client_addresses > RATE_ADDRS_MAX)
		return diag_set(d, NULL, 0, "\"%s\": expected 0 (off) to %d",
		    val, RATE_ADDRS_MAX);
	return 0;
}

typedef int (*conf_set_fn)(struct conf_ctx *, int, char *, int,
    struct diag *);

/* Every key: its name, its setter and the setter's argument. The
 * defaults are set in conf_load(); certrelay.conf(5) lists the same keys
 * (tests/unit/check_conf.c checks it). */
static const struct conf_key {
	const char *name;
	conf_set_fn set;
	int	arg;
} conf_keys[] = {
	{ "fingerprint_table", set_table, TABLE_FINGERPRINT },
	{ "subject_table", set_table, TABLE_SUBJECT },
	{ "issuer_table", set_table, TABLE_ISSUER },
	{ "email_table", set_table, TABLE_EMAIL },
	{ "attribute_table", set_table, TABLE_ATTRIBUTE },
	{ "access_table", set_table, TABLE_ACCESS },
	{ "regex_table", set_file, 0 },
	{ "cert_index", set_file, 1 },
	{ "index_ca_file", set_file, 2 },
	{ "local_domains", set_lists, 0 },
	{ "trusted_networks", set_lists, 1 },
	{ "min_tls_version", set_tls, 0 },
	{ "min_cipher_bits", set_bits, 0 },
	{ "header_name", set_header, 0 },
	{ "gatekeeper", set_gate, 0 },
	{ "sendmail_openssl", set_quoting, 0 },
	{ "stats_file", set_stats, 0 },
	{ "stats_interval", set_stats, 1 },
	{ "mode", set_mode, 0 },
	{ "crl_files", set_crls, 0 },
	{ "crl_stale", set_choice, 0 },
	{ "pin_expiry", set_choice, 1 },
	{ "expiry_warn_days", set_days, 0 },
	{ "sender_binding", set_binding, 0 },
	{ "sender_table", set_table, TABLE_SENDER },
	{ "rate_limit", set_rate, 0 },
	{ "max_client_addresses", set_addrs, 0 },
};

#define NKEYS	(sizeof(conf_keys) / sizeof(conf_keys[0]))
_Static_assert(NKEYS <= 64, "conf_ctx.seen has a bit per key");

/* conf_key_name - the i-th key's name, NULL past the last */
const char *
conf_key_name(int i)
{
	return i >= 0 && (size_t)i < NKEYS ? conf_keys[i].name : NULL;
}

/* conf_line - table_each_line() callback */
static int
conf_line(void *ctx, char *line, size_t len, int lineno, struct diag *d)
{
	struct conf_ctx *x = ctx;
	char *eq, *key, *val, *end;
	unsigned k;

	(void)len;
	if ((eq = strchr(line, '=')) == NULL)
		return diag_set(d, NULL, 0, "expected key = value");
	*eq = 0;
	key = line;
	for (end = eq; end > key && isspace((unsigned char)end[-1]);)
		*--end = 0;
	val = eq + 1;
	while (isspace((unsigned char)*val))
		val++;
	for (end = val; *end; end++)	/* " # comment" after a value */
		if (*end == '#' && end > val && isspace((unsigned char)end[-1]))
			break;
	*end = 0;
	while (end > val && isspace((unsigned char)end[-1]))
		*--end = 0;
	for (k = 0; k < NKEYS; k++)
		if (strcmp(key, conf_keys[k].name) == 0)
			break;
	if (k == NKEYS)
		return diag_set(d, NULL, 0, "unknown key \"%s\"", key);
	if (x->seen & (UINT64_C(1) << k))
		return diag_set(d, NULL, 0, "\"%s\" set twice", key);
	x->seen |= UINT64_C(1) << k;
	return conf_keys[k].set(x, conf_keys[k].arg, val, lineno, d);
}

/* check_binding - sender_table exactly when sender_binding = table:
 * a table that binds nothing would look like protection */
static int
check_binding(const struct conf *c, struct diag *d)
{
	if (c->sender_binding == SENDER_BIND_TABLE &&
	    c->table[TABLE_SENDER] == NULL)
		return diag_set(d, c->path, c->sender_binding_line,
		    "sender_binding = table needs sender_table");
	if (c->sender_binding != SENDER_BIND_TABLE &&
	    c->table[TABLE_SENDER] != NULL)
		return diag_set(d, c->path, c->table_line[TABLE_SENDER],
		    "sender_table is used only with sender_binding = table");
	return 0;
}

/* conf_load - read and check a configuration file */
int
conf_load(const char *path, struct conf **out, struct diag *d)
{
	struct conf_ctx x;
	char *copy;

	*out = NULL;
	memset(&x, 0, sizeof(x));
	if ((x.c = calloc(1, sizeof(*x.c))) == NULL ||
	    (x.c->path = strdup(path)) == NULL ||
	    (copy = strdup(path)) == NULL) {
		conf_free(x.c);
		return diag_set(d, path, 0, "out of memory");
	}
	x.dir = dirname(copy);
	x.c->min_tls = 12;
	x.c->legacy_quoting = 1;	/* the safe reading until told */
	x.c->min_cipher_bits = 128;
	x.c->stats_interval = 60;
	x.c->expiry_warn_days = 30;
	strcpy(x.c->header_name, "X-Certrelay");
	if (table_each_line(path, conf_line, &x, d) < 0) {
		free(copy);
		conf_free(x.c);
		return -1;
	}
	free(copy);
	if (check_binding(x.c, d) < 0) {
		conf_free(x.c);
		return -1;
	}
	*out = x.c;
	return 0;
}

/* conf_local_domain - the recipient's domain is ours. What an MTA
 * could route elsewhere (a source route, '%' or '!' paths, several '@',
 * an empty or malformed address) is not: the gate decides it */
int
conf_local_domain(const struct conf *c, const char *rcpt)
{
	const char *at, *dom, *end, *p;
	size_t len, dl;
	int i;

	if (*rcpt == '<')
		rcpt++;
	end = rcpt + strcspn(rcpt, ">");
	if (end == rcpt || (*end == '>' && end[1] != 0) || *rcpt == '@' ||
	    strpbrk(rcpt, "%!") != NULL)
		return 0;
	p = rcpt;
	if (*p == '"' && (p = memchr(rcpt + 1, '"', (size_t)(end - rcpt -
	    1))) == NULL)
		return 0;		/* an unclosed quote */
	if ((at = memchr(p, '@', (size_t)(end - p))) == NULL)
		return 1;		/* no domain: this host's */
	if (memchr(at + 1, '@', (size_t)(end - at - 1)) != NULL)
		return 0;
	dom = at + 1;
	len = (size_t)(end - dom);
	for (i = 0; i < c->n_local; i++) {
		dl = strlen(c->local_domains[i]);
		if (c->local_domains[i][0] == '.') {
			if (len > dl && strncasecmp(dom + len - dl,
			    c->local_domains[i], dl) == 0)
				return 1;
		} else if (len == dl && strncasecmp(dom, c->local_domains[i],
		    dl) == 0)
			return 1;
	}
	return 0;
}

/* conf_trusted - the client address is in trusted_networks */
int
conf_trusted(const struct conf *c, const char *addr)
{
	unsigned char a[16];
	int i, af, full, rest;

	if (addr == NULL || *addr == 0)
		return 0;
	af = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(af, addr, a) != 1)
		return 0;
	for (i = 0; i < c->n_nets; i++) {
		if (c->nets[i].af != af)
			continue;
		full = c->nets[i].bits / 8;
		rest = c->nets[i].bits % 8;
		if (memcmp(a, c->nets[i].addr, (size_t)full) != 0)
			continue;
		if (rest == 0 || ((a[full] ^ c->nets[i].addr[full]) &
		    (0xff << (8 - rest)) & 0xff) == 0)
			return 1;
	}
	return 0;
}

/* conf_gated - the milter is the relay gate of this listener; a
 * listener it cannot name is gated (fail closed) */
int
conf_gated(const struct conf *c, const char *listener)
{
	int i;

	if (c->gatekeeper == CONF_GATE_ALL)
		return 1;
	if (c->gatekeeper != CONF_GATE_LIST)
		return 0;
	if (listener == NULL || *listener == 0)
		return 1;
	for (i = 0; i < c->n_gate; i++)
		if (strcasecmp(listener, c->gate[i]) == 0)
			return 1;
	return 0;
}

/* conf_gate_text - "all", "none", "unset" or "CRT,gate": for the
 * start-up line */
int
conf_gate_text(const struct conf *c, char *buf, size_t size)
{
	size_t n = 0;
	int i, r;

	static const char *const word[] = { "unset", "none", "all" };

	if (size == 0)
		return -1;
	if (c->gatekeeper != CONF_GATE_LIST)
		return snprintf(buf, size, "%s", word[c->gatekeeper]) <
		    (int)size ? 0 : -1;
	buf[0] = 0;
	for (i = 0; i < c->n_gate; i++) {
		r = snprintf(buf + n, size - n, "%s%s", i ? "," : "",
		    c->gate[i]);
		if (r < 0 || (size_t)r >= size - n)
			return -1;
		n += (size_t)r;
	}
	return 0;
}

/* conf_free - release; accepts NULL */
void
conf_free(struct conf *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < TABLE_NKINDS; i++)
		free(c->table[i]);
	for (i = 0; i < c->n_local; i++)
		free(c->local_domains[i]);
	for (i = 0; i < c->n_gate; i++)
		free(c->gate[i]);
	free(c->regex_table);
	free(c->cert_index);
	free(c->index_ca_file);
	free(c->stats_file);
	for (i = 0; i < c->n_crl; i++)
		free(c->crl_files[i]);
	free(c->path);
	free(c);
}
