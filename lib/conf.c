/*
 * conf - certrelay.conf, "key = value"
 *
 * SYNOPSIS
 *	#include "conf.h"
 *	int	conf_load(const char *path, struct conf **out, struct diag *d);
 *	int	conf_local_domain(const struct conf *c, const char *rcpt);
 *	int	conf_trusted(const struct conf *c, const char *addr);
 *	int	conf_tls_version(const char *s);
 *	void	conf_free(struct conf *c);
 * DESCRIPTION
 *	One setting a line, '#' comments (also after a value, following white
 *	space), blank lines ignored. Keys:
 *	fingerprint_table, subject_table, issuer_table, email_table,
 *	attribute_table, access_table (paths of table sources; the compiled
 *	table is the path plus ".cdb"), regex_table (read as it is),
 *	cert_index (a directory of PEM certificates, compiled to dir.cdb),
 *	local_domains and trusted_networks (lists, comma or space
 *	separated), min_tls_version (TLSv1 .. TLSv1.3; default TLSv1.2),
 *	min_cipher_bits (default 128), header_name (default X-Certrelay;
 *	"none" for no header), gatekeeper (yes or no; default no). Relative
 *	paths are taken from the directory of the configuration file.
 *
 *	A local domain "example.org" matches that domain only; ".example.org"
 *	matches its subdomains. conf_local_domain() takes a recipient
 *	address (with or without <>); an address with no domain is local.
 *	conf_trusted() takes a numeric IPv4 or IPv6 address.
 * DIAGNOSTICS
 *	conf_load(): 0, or -1 with file:line: what for an unknown key, a
 *	repeated key or a bad value. Whether files exist is the engine's
 *	business (it opens them).
 * OWNERSHIP
 *	*out is freed with conf_free() (accepts NULL).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "conf.h"

struct conf_ctx {
	struct conf *c;
	char	*dir;
	unsigned seen;
};

static const char *keys[] = {
	"fingerprint_table", "subject_table", "issuer_table", "email_table",
	"attribute_table", "access_table", "regex_table", "cert_index",
	"local_domains", "trusted_networks", "min_tls_version",
	"min_cipher_bits", "header_name", "gatekeeper",
};

/* conf_tls_version - "TLSv1.2" -> 12, -1 if unknown */
int
conf_tls_version(const char *s)
{
	if (strcasecmp(s, "TLSv1") == 0 || strcasecmp(s, "TLSv1.0") == 0)
		return 10;
	if (strcasecmp(s, "TLSv1.1") == 0)
		return 11;
	if (strcasecmp(s, "TLSv1.2") == 0)
		return 12;
	if (strcasecmp(s, "TLSv1.3") == 0)
		return 13;
	return -1;
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
	char buf[64], *slash, *end;
	long bits;

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
		errno = 0;
		bits = strtol(slash, &end, 10);
		if (*slash == 0 || *end || bits < 0 || bits > n->bits)
			return diag_set(d, NULL, 0, "bad prefix length \"/%s\"",
			    slash);
		n->bits = (int)bits;
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

/* set_number - a non-negative decimal */
static int
set_number(int *slot, const char *val, struct diag *d)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (*val == 0 || *end || v < 0 || v > 65535 || errno)
		return diag_set(d, NULL, 0, "\"%s\" is not a number from 0 to "
		    "65535", val);
	*slot = (int)v;
	return 0;
}

/* set_key - one "key = value" */
static int
set_key(struct conf_ctx *x, int k, char *val, int lineno, struct diag *d)
{
	struct conf *c = x->c;

	if (k < TABLE_NKINDS) {
		c->table_line[k] = lineno;
		return set_path(x, &c->table[k], val, d);
	}
	switch (k) {
	case 6:
		c->regex_line = lineno;
		return set_path(x, &c->regex_table, val, d);
	case 7:
		c->cert_index_line = lineno;
		return set_path(x, &c->cert_index, val, d);
	case 8:
		return set_list(c, 0, val, d);
	case 9:
		return set_list(c, 1, val, d);
	case 10:
		if ((c->min_tls = conf_tls_version(val)) < 0)
			return diag_set(d, NULL, 0, "\"%s\": expected TLSv1, "
			    "TLSv1.1, TLSv1.2 or TLSv1.3", val);
		return 0;
	case 11:
		return set_number(&c->min_cipher_bits, val, d);
	case 12:
		if (strlen(val) >= sizeof(c->header_name) ||
		    val[strcspn(val, ": \t")] != 0)
			return diag_set(d, NULL, 0, "bad header name \"%s\"",
			    val);
		snprintf(c->header_name, sizeof(c->header_name), "%s",
		    strcasecmp(val, "none") == 0 ? "" : val);
		return 0;
	default:
		if (strcasecmp(val, "yes") != 0 && strcasecmp(val, "no") != 0)
			return diag_set(d, NULL, 0, "\"%s\": expected yes or no",
			    val);
		c->gatekeeper = strcasecmp(val, "yes") == 0;
		return 0;
	}
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
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (strcmp(key, keys[k]) == 0)
			break;
	if (k == sizeof(keys) / sizeof(keys[0]))
		return diag_set(d, NULL, 0, "unknown key \"%s\"", key);
	if (x->seen & (1u << k))
		return diag_set(d, NULL, 0, "\"%s\" set twice", key);
	x->seen |= 1u << k;
	return set_key(x, (int)k, val, lineno, d);
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
	x.c->min_cipher_bits = 128;
	strcpy(x.c->header_name, "X-Certrelay");
	if (table_each_line(path, conf_line, &x, d) < 0) {
		free(copy);
		conf_free(x.c);
		return -1;
	}
	free(copy);
	*out = x.c;
	return 0;
}

/* conf_local_domain - the recipient's domain is ours */
int
conf_local_domain(const struct conf *c, const char *rcpt)
{
	const char *at, *dom;
	size_t len, dl;
	int i;

	if ((at = strrchr(rcpt, '@')) == NULL)
		return 1;
	dom = at + 1;
	len = strcspn(dom, ">");
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
	free(c->regex_table);
	free(c->cert_index);
	free(c->path);
	free(c);
}
