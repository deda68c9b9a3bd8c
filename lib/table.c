/*
 * table - postmap/makemap-style tables, compiled to CDB
 *
 * SYNOPSIS
 *	#include "table.h"
 *	int	table_each_line(const char *path, table_line_fn fn, void *ctx,
 *		    struct diag *d);
 *	int	table_compile(const char *path, enum table_kind kind,
 *		    const char *out, struct diag *d);
 *	int	table_open(struct table **tp, const char *path,
 *		    enum table_kind kind, struct diag *d);
 *	int	table_lookup(const struct table *t, const char *key,
 *		    size_t klen, const char *const *scopes,
 *		    struct table_hit *hit, struct diag *d);
 *	int	table_has(const struct table *t, const char *key,
 *		    size_t klen, struct diag *d);
 *	void	table_prefetch(const struct table *t, const char *key,
 *		    size_t klen);
 *	int	table_query_key(enum table_kind kind, const char *text,
 *		    char *key, size_t *klen, struct diag *d);
 *	int	table_attr_key(const char *issuer_key, const char *type,
 *		    const char *val, size_t vlen, char *key, size_t *klen);
 *	int	table_kind_parse(const char *name, enum table_kind *kind);
 *	const char *table_kind_name(enum table_kind kind);
 *	int	table_guess_kind(const char *path, enum table_kind *kind,
 *		    struct diag *d);
 *	const char *table_path(const struct table *t);
 *	enum table_kind table_kind(const struct table *t);
 *	long	table_count(const struct table *t);
 *	struct ldaptab *table_ldap(const struct table *t);
 *	int	table_guess_key_kind(const char *key,
 *		    enum table_kind *kind);
 *	int	table_unscoped(const struct table *t);
 *	int	table_cn_keys(const struct table *t);
 *	int	table_ignored(const struct table *t);
 *	int	table_stale(const struct table *t);
 *	void	table_close(struct table *t);
 * DESCRIPTION
 *	Sources are read as postmap(1) reads them: "key value" lines, '#'
 *	comments and blank lines skipped, a line that starts with white space
 *	continues the one before. table_each_line() hands each logical line
 *	with the number of its first physical line (the regex table uses it
 *	too).
 *
 *	table_compile() parses every line of a source of one kind, turns each
 *	key into its canonical lookup key (fingerprints to binary digests,
 *	DNs to their case-folded RFC 4514 form, so /C=FR/O=CNRS/CN=x and
 *	CN=x,O=CNRS,C=FR are one key), and writes a CDB (tinycdb) to a
 *	temporary file in the target's directory, renamed over out only
 *	when whole: a reader sees the old table or the new one. One bad line
 *	fails the whole table and leaves out untouched. Each record keeps
 *	its source line, an optional issuer scope ("issuer=<DN>" before the
 *	action) and the action. A Sendmail access file keeps only its
 *	CERTISSUER: and CERTSUBJECT: entries; other tags are counted.
 *	A sender table (sender_binding = table) is keyed by a fingerprint, a
 *	subject DN or an e-mail address (each its own key space: "f", "s" or
 *	"e" before the lookup key), optionally scoped, and its value is a
 *	list of senders (sender_list_check()), stored instead of an action:
 *	table_lookup() gives it in hit->value (hit->act is DUNNO).
 *
 *	table_open() maps a compiled table (path + ".cdb"), checks it was
 *	compiled for kind (TABLE_NKINDS: any; table_kind() then says which),
 *	and notes whether the source is newer. A path "ldap:FILE.cf" is a
 *	table kept in a directory (ldaptab, Postfix ldap_table(5) syntax):
 *	nothing is compiled, kind must be said and cannot be attribute.
 *	Its lookups send the key (a fingerprint as "AB:CD:..", with
 *	"pubkey:" before a public key's; DNs and addresses as their lookup
 *	keys) and read each value found exactly as a source line's value
 *	(action, "issuer=" scope); the values whose scope fits must agree,
 *	and hit->line is 0. A directory that does not answer is an error,
 *	never "not found". table_ldap() is the directory (NULL for a CDB
 *	table), for its probe and cache counts; table_guess_key_kind() is
 *	table_guess_kind() for a query key.
 *	table_lookup() returns the first record for key (in source order)
 *	whose scope is empty or equal to one of the NULL-terminated scopes
 *	(lookup keys of the issuer). It is safe from many threads at once.
 *	table_has() says whether any record has key, whatever its scope
 *	(an ldap table always says yes): a caller can leave the scopes
 *	unmade when the key is not there.
 *	table_prefetch() only starts bringing key's hash slot into the CPU
 *	cache: in a large table it is rarely there, and a lookup of that
 *	key a little later then waits less.
 *	table_query_key() turns what a rule or a query names (a fingerprint,
 *	a DN, an address, "CERTISSUER:<DN>") into the lookup key of a table
 *	of that kind; table_attr_key() builds the attribute table's key from
 *	the issuer's lookup key, an attribute type and its value.
 *
 *	table_kind_parse() and table_kind_name() map "subject" and
 *	TABLE_SUBJECT both ways. table_guess_kind() reads the first rule of
 *	a source an admin already has and says which kind it is
 *	(fingerprint, attribute, access or email); -1 when it cannot tell.
 *	table_path(), table_kind() and table_count() say what an open table
 *	is: its source path, its kind and its number of records.
 *	table_unscoped() counts its subject and e-mail rules without an
 *	issuer scope (any CA's certificate could meet them),
 *	table_cn_keys() says whether a subject or issuer table may hold a
 *	key of one CN (a rule written for Postfix's view; 1 also when the
 *	table cannot tell: an ldap table, or one compiled before it was
 *	counted), so a decision can skip the CN's lookup where it cannot
 *	match, table_ignored() the access-file lines that are not CERT*, and
 *	table_stale() says the source is newer than the compiled table.
 * DIAGNOSTICS
 *	table_lookup(): 1 found, 0 not found, -1 error (a corrupt record);
 *	table_has() likewise.
 *	Others: 0, or -1 with d holding file:line: what.
 * OWNERSHIP
 *	table_open() gives a table freed with table_close() (accepts NULL).
 *	hit->table points into the table and lives as long as it.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cdb.h>

#include "dn.h"
#include "fp.h"
#include "hex.h"
#include "ldaptab.h"
#include "sender.h"
#include "table.h"

#define META_KEY	"\0certrelay"
#define META_KLEN	10

struct table {
	struct cdb cdb;
	int	fd;
	enum table_kind kind;
	long	count;
	int	unscoped;
	int	ignored;
	int	stale;
	int	cn_keys;		/* keys of one CN; -1: not known */
	char	*path;
	struct ldaptab *ldap;		/* an ldap: table; no CDB then */
};

static const char *kind_names[TABLE_NKINDS] = {
	"fingerprint", "subject", "issuer", "email", "attribute", "access",
	"sender",
};

/* table_kind_name - "fingerprint" */
const char *
table_kind_name(enum table_kind kind)
{
	return kind_names[kind];
}

/* table_kind_parse - "subject" -> TABLE_SUBJECT */
int
table_kind_parse(const char *name, enum table_kind *kind)
{
	int k;

	for (k = 0; k < TABLE_NKINDS; k++)
		if (strcmp(name, kind_names[k]) == 0) {
			*kind = (enum table_kind)k;
			return 0;
		}
	return -1;
}

/* flush_line - hand a complete logical line to fn */
static int
flush_line(char *buf, size_t len, int lineno, table_line_fn fn, void *ctx,
    const char *path, struct diag *d)
{
	while (len > 0 && isspace((unsigned char)buf[len - 1]))
		len--;
	if (len == 0)
		return 0;
	buf[len] = 0;
	if (fn(ctx, buf, len, lineno, d) < 0) {
		if (d->line == 0)
			d->line = lineno;
		if (d->file[0] == 0)
			snprintf(d->file, sizeof(d->file), "%s", path);
		return -1;
	}
	return 0;
}

/* table_each_line - logical lines of a postmap-style source */
int
table_each_line(const char *path, table_line_fn fn, void *ctx,
    struct diag *d)
{
	FILE *fp;
	char *raw = NULL, *buf;
	size_t cap = 0, len = 0, i;
	ssize_t n;
	int lineno = 0, start = 0, ret = -1;

	if ((buf = malloc(TABLE_LINE_MAX + 1)) == NULL)
		return diag_set(d, path, 0, "out of memory");
	if ((fp = fopen(path, "r")) == NULL) {
		diag_set(d, path, 0, "%s", strerror(errno));
		goto out;
	}
	while ((n = getline(&raw, &cap, fp)) >= 0) {
		lineno++;
		while (n > 0 && (raw[n - 1] == '\n' || raw[n - 1] == '\r'))
			raw[--n] = 0;
		for (i = 0; i < (size_t)n; i++)
			if (raw[i] == 0) {
				diag_set(d, path, lineno, "NUL byte");
				goto out;
			}
		for (i = 0; i < (size_t)n && isspace((unsigned char)raw[i]);
		    i++)
			;
		if (i == (size_t)n || raw[i] == '#')
			continue;
		if (i == 0) {		/* a new logical line */
			if (flush_line(buf, len, start, fn, ctx, path, d) < 0)
				goto out;
			len = 0;
			start = lineno;
		} else if (len == 0) {
			diag_set(d, path, lineno, "continuation line with "
			    "nothing to continue");
			goto out;
		}
		if (len + (size_t)n + 1 > TABLE_LINE_MAX) {
			diag_set(d, path, start, "line longer than %d bytes",
			    TABLE_LINE_MAX);
			goto out;
		}
		if (i > 0)
			buf[len++] = ' ';
		memcpy(buf + len, raw + i, (size_t)n - i);
		len += (size_t)n - i;
	}
	if (ferror(fp)) {
		diag_set(d, path, lineno, "read error: %s", strerror(errno));
		goto out;
	}
	ret = flush_line(buf, len, start, fn, ctx, path, d);
out:
	if (fp)
		fclose(fp);
	free(raw);
	free(buf);
	return ret;
}

/* dn_table_key - the case-folded RFC 4514 key after a prefix */
static int
dn_table_key(const char *prefix, const char *text, size_t len, char *key,
    size_t *klen, struct diag *d)
{
	struct dn *dn;
	size_t p = strlen(prefix);
	int r;

	if (dn_parse_any(text, len, &dn, d) < 0)
		return -1;
	memcpy(key, prefix, p);
	r = dn_format(dn, DN_KEY, key + p, TABLE_KEY_MAX - p);
	dn_free(dn);
	if (r < 0)
		return diag_set(d, NULL, 0, "name too long");
	*klen = strlen(key);
	return 0;
}

/* table_attr_key - "<issuer key>\1<type>\1<value>", case-folded */
int
table_attr_key(const char *issuer_key, const char *type, const char *val,
    size_t vlen, char *key, size_t *klen)
{
	size_t n = strlen(issuer_key), t = strlen(type), i;

	if (n + t + vlen + 3 > TABLE_KEY_MAX)
		return -1;
	memcpy(key, issuer_key, n);
	key[n++] = 1;
	for (i = 0; i < t; i++)
		key[n++] = (char)tolower((unsigned char)type[i]);
	key[n++] = 1;
	for (i = 0; i < vlen; i++)
		key[n++] = (char)tolower((unsigned char)val[i]);
	key[n] = 0;
	*klen = n;
	return 0;
}

/* email_key - an address, case-folded */
static int
email_key(const char *text, size_t len, char *key, size_t *klen,
    struct diag *d)
{
	size_t i;

	if (len == 0 || len >= 256 || memchr(text, '@', len) == NULL)
		return diag_set(d, NULL, 0, "\"%.*s\" is not an e-mail address",
		    (int)(len > 60 ? 60 : len), text);
	for (i = 0; i < len; i++)
		key[i] = (char)tolower((unsigned char)text[i]);
	key[len] = 0;
	*klen = len;
	return 0;
}

/* sender_key - a sender table's key: "f" and a fingerprint, "s" and a
 * subject DN ('/' first, or an '=' before any '@'), else "e" and an
 * address: three key spaces, so no address can pass for a name */
static int
sender_key(const char *text, size_t len, char *key, size_t *klen,
    struct diag *d)
{
	struct fp fp;
	struct diag ignore;
	const char *eq = memchr(text, '=', len), *at = memchr(text, '@', len);
	int r;

	if (fp_normalize(text, len, &fp, &ignore) == 0) {
		key[0] = 'f';
		*klen = fp_bin_key(&fp, key + 1) + 1;
		return 0;
	}
	if (len > 0 && (text[0] == '/' || (eq != NULL && (at == NULL ||
	    eq < at))))
		r = dn_table_key("s", text, len, key, klen, d);
	else if ((r = email_key(text, len, key + 1, klen, d)) == 0) {
		key[0] = 'e';
		(*klen)++;
	}
	return r;
}

/* table_query_key - a key as an admin writes it, to its lookup key */
int
table_query_key(enum table_kind kind, const char *text, char *key,
    size_t *klen, struct diag *d)
{
	struct fp fp;
	size_t len = strlen(text);

	switch (kind) {
	case TABLE_FINGERPRINT:
		if (fp_normalize(text, len, &fp, d) < 0)
			return -1;
		*klen = fp_bin_key(&fp, key);
		return 0;
	case TABLE_SUBJECT:
	case TABLE_ISSUER:
		return dn_table_key("", text, len, key, klen, d);
	case TABLE_EMAIL:
		return email_key(text, len, key, klen, d);
	case TABLE_ACCESS:
		if (strncasecmp(text, "CERTISSUER:", 11) == 0)
			return dn_table_key("certissuer:", text + 11, len - 11,
			    key, klen, d);
		if (strncasecmp(text, "CERTSUBJECT:", 12) == 0)
			return dn_table_key("certsubject:", text + 12,
			    len - 12, key, klen, d);
		return diag_set(d, NULL, 0, "only CERTISSUER: and CERTSUBJECT: "
		    "keys are used");
	case TABLE_SENDER:
		return sender_key(text, len, key, klen, d);
	default:
		return diag_set(d, NULL, 0, "%s tables are looked up by "
		    "certrelay check", kind_names[kind]);
	}
}

struct compile {
	enum table_kind kind;
	struct cdb_make cm;
	long	count;
	int	unscoped;
	int	ignored;
	int	cn_keys;
};

/* split - first token and the rest, both trimmed */
static void
split(char *line, size_t len, char **rest, size_t *klen, size_t *rlen)
{
	size_t k, r;

	for (k = 0; k < len && !isspace((unsigned char)line[k]); k++)
		;
	for (r = k; r < len && isspace((unsigned char)line[r]); r++)
		;
	*klen = k;
	*rest = line + r;
	*rlen = len - r;
}

/* take_scope - a leading "issuer=<DN>" token, to its lookup key */
static int
take_scope(char **val, size_t *vlen, char *scope, struct diag *d)
{
	char *rest;
	size_t tl, rl, sl;

	scope[0] = 0;
	if (*vlen < 7 || strncasecmp(*val, "issuer=", 7) != 0)
		return 0;
	split(*val, *vlen, &rest, &tl, &rl);
	if (dn_table_key("", *val + 7, tl - 7, scope, &sl, d) < 0)
		return -1;
	*val = rest;
	*vlen = rl;
	return 1;
}

/* put_int - a non-negative decimal; returns its length */
static int
put_int(char *buf, int v)
{
	char tmp[16];
	int n = 0, k = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0 && n < 15);
	while (n > 0)
		buf[k++] = tmp[--n];
	return k;
}

/* add - one record: "line\tscope\taction" */
static int
add(struct compile *c, const char *key, size_t klen, int lineno,
    const char *scope, const struct action *a, struct diag *d)
{
	char val[TABLE_KEY_MAX + ACTION_TEXT_MAX + 64], act[ACTION_TEXT_MAX + 32];
	size_t sl = strlen(scope), al;
	int n;

	/* by hand, not snprintf: this runs once per line of a 1M-line table */
	if (a->type == ACT_RELAY && a->rate.window == 0)
		strcpy(act, "RELAY");
	else
		action_format(a, act, sizeof(act));
	al = strlen(act);
	n = put_int(val, lineno);
	val[n++] = '\t';
	if ((size_t)n + sl + al + 1 > sizeof(val))
		return diag_set(d, NULL, 0, "record too long");
	memcpy(val + n, scope, sl);
	n += (int)sl;
	val[n++] = '\t';
	memcpy(val + n, act, al);
	n += (int)al;
	if (cdb_make_add(&c->cm, key, (unsigned)klen, val, (unsigned)n) < 0)
		return diag_set(d, NULL, 0, "cannot write: %s", strerror(errno));
	c->count++;
	return 0;
}

/* attr_token - the value of "name=value"; \HH escapes undone if asked
 * (a DN keeps its own escapes for the DN parser) */
static int
attr_token(char **s, size_t *len, const char *name, int unescape, char *out,
    size_t *olen, struct diag *d)
{
	char *rest;
	size_t tl, rl, n = strlen(name), i, o = 0;
	int hi, lo;

	split(*s, *len, &rest, &tl, &rl);
	if (tl <= n || strncasecmp(*s, name, n) != 0)
		return diag_set(d, NULL, 0, "expected %s...", name);
	for (i = n; i < tl && o + 1 < TABLE_KEY_MAX; i++) {
		if (unescape && (*s)[i] == '\\' && i + 2 < tl &&
		    (hi = hex_digit((unsigned char)(*s)[i + 1])) >= 0 &&
		    (lo = hex_digit((unsigned char)(*s)[i + 2])) >= 0) {
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			out[o++] = (*s)[i];
	}
	out[o] = 0;
	*olen = o;
	*s = rest;
	*len = rl;
	return 0;
}

/* compile_attribute - "issuer=<DN> attr=<T> value=<V> ACTION" */
static int
compile_attribute(struct compile *c, char *line, size_t len, int lineno,
    struct diag *d)
{
	char issuer[TABLE_KEY_MAX], type[DN_TYPE_MAX], tmp[TABLE_KEY_MAX];
	char val[TABLE_KEY_MAX], key[TABLE_KEY_MAX];
	size_t il = 0, tl = 0, vl = 0, kl = 0;
	struct action a;

	if (attr_token(&line, &len, "issuer=", 0, tmp, &il, d) < 0 ||
	    dn_table_key("", tmp, il, issuer, &il, d) < 0)
		return -1;
	if (attr_token(&line, &len, "attr=", 0, tmp, &tl, d) < 0)
		return -1;
	if (dn_canon_type(tmp, tl, type, sizeof(type)) < 0)
		return diag_set(d, NULL, 0, "unknown attribute type \"%s\"",
		    tmp);
	if (attr_token(&line, &len, "value=", 1, val, &vl, d) < 0)
		return -1;
	if (action_parse(line, len, ACTION_STRICT, &a, d) < 0)
		return -1;
	if (table_attr_key(issuer, type, val, vl, key, &kl) < 0)
		return diag_set(d, NULL, 0, "rule too long");
	return add(c, key, kl, lineno, "", &a, d);
}

/* compile_access - a Sendmail access line; only CERT* tags count */
static int
compile_access(struct compile *c, char *line, size_t len, int lineno,
    struct diag *d)
{
	char key[TABLE_KEY_MAX], *val;
	size_t kl, vl, tl;
	struct action a;

	split(line, len, &val, &tl, &vl);
	line[tl] = 0;
	if (strncasecmp(line, "CERTISSUER:", 11) != 0 &&
	    strncasecmp(line, "CERTSUBJECT:", 12) != 0) {
		c->ignored++;
		return 0;
	}
	if (vl == 0)	/* Sendmail's makemap: "no RHS for LHS" */
		return diag_set(d, NULL, 0, "no action after the key");
	if (table_query_key(TABLE_ACCESS, line, key, &kl, d) < 0 ||
	    action_parse(val, vl, ACTION_ACCESS, &a, d) < 0)
		return -1;
	return add(c, key, kl, lineno, "", &a, d);
}

/* value_parse - a rule's value (what follows the key) as a file table
 * and an ldap table both read it: 1 scoped, 0 not, -1 error */
static int
value_parse(enum table_kind kind, char *val, size_t vl, char *scope,
    struct action *a, struct diag *d)
{
	int scoped = 0;

	scope[0] = 0;
	if (kind == TABLE_ACCESS)
		return action_parse(val, vl, ACTION_ACCESS, a, d);
	if ((kind == TABLE_SUBJECT || kind == TABLE_EMAIL) &&
	    (scoped = take_scope(&val, &vl, scope, d)) < 0)
		return -1;
	/* relay_clientcerts and tlsclients values need no action word */
	if (action_parse(val, vl, kind == TABLE_FINGERPRINT ||
	    (kind == TABLE_EMAIL && vl == 0) ? ACTION_FREETEXT :
	    ACTION_STRICT, a, d) < 0)
		return -1;
	return scoped;

}

/* compile_sender - "<fingerprint|subject|address> [issuer=<DN>] senders" */
static int
compile_sender(struct compile *c, char *line, size_t len, int lineno,
    struct diag *d)
{
	char key[TABLE_KEY_MAX], scope[TABLE_KEY_MAX], list[TABLE_KEY_MAX];
	char val[2 * TABLE_KEY_MAX + 32], *v;
	size_t kl, vl, tl, ll, sl;
	int n, scoped;

	split(line, len, &v, &tl, &vl);
	line[tl] = 0;
	if (table_query_key(TABLE_SENDER, line, key, &kl, d) < 0 ||
	    (scoped = take_scope(&v, &vl, scope, d)) < 0 ||
	    sender_list_check(v, vl, list, sizeof(list), &ll, d) < 0)
		return -1;
	if (!scoped && key[0] != 'f')
		c->unscoped++;
	n = put_int(val, lineno);
	val[n++] = '\t';
	sl = strlen(scope);
	memcpy(val + n, scope, sl);
	n += (int)sl;
	val[n++] = '\t';
	memcpy(val + n, list, ll);
	n += (int)ll;
	if (cdb_make_add(&c->cm, key, (unsigned)kl, val, (unsigned)n) < 0)
		return diag_set(d, NULL, 0, "cannot write: %s", strerror(errno));
	c->count++;
	return 0;
}

/* cn_shaped - a lookup key that reads as one CN ("cn=..." without an
 * unescaped ',' or '+'): the only keys a CN's key (dn_cn_key()) can meet */
static int
cn_shaped(const char *key, size_t klen)
{
	size_t i;

	if (klen < 3 || memcmp(key, "cn=", 3) != 0)
		return 0;
	for (i = 3; i < klen; i++)
		if (key[i] == '\\')
			i++;
		else if (key[i] == ',' || key[i] == '+')
			return 0;
	return 1;
}

/* compile_line - one logical line of any kind */
static int
compile_line(void *ctx, char *line, size_t len, int lineno, struct diag *d)
{
	struct compile *c = ctx;
	char key[TABLE_KEY_MAX], scope[TABLE_KEY_MAX], *val;
	size_t kl, vl, tl;
	struct action a;
	int scoped;

	if (c->kind == TABLE_ATTRIBUTE)
		return compile_attribute(c, line, len, lineno, d);
	if (c->kind == TABLE_ACCESS)
		return compile_access(c, line, len, lineno, d);
	if (c->kind == TABLE_SENDER)
		return compile_sender(c, line, len, lineno, d);
	split(line, len, &val, &tl, &vl);
	line[tl] = 0;
	if (table_query_key(c->kind, line, key, &kl, d) < 0)
		return -1;
	if ((scoped = value_parse(c->kind, val, vl, scope, &a, d)) < 0)
		return -1;
	if (!scoped && (c->kind == TABLE_SUBJECT || c->kind == TABLE_EMAIL))
		c->unscoped++;
	if ((c->kind == TABLE_SUBJECT || c->kind == TABLE_ISSUER) &&
	    cn_shaped(key, kl))
		c->cn_keys++;
	return add(c, key, kl, lineno, scope, &a, d);
}

/* table_compile - source to CDB, atomically */
int
table_compile(const char *path, enum table_kind kind, const char *out,
    struct diag *d)
{
	struct compile c;
	char *tmp, meta[128];
	int fd, n, ret = -1;

	memset(&c, 0, sizeof(c));
	c.kind = kind;
	if (asprintf(&tmp, "%s.tmpXXXXXX", out) < 0)
		return diag_set(d, out, 0, "out of memory");
	if ((fd = mkstemp(tmp)) < 0) {
		diag_set(d, tmp, 0, "%s", strerror(errno));
		free(tmp);
		return -1;
	}
	fchmod(fd, 0644);
	cdb_make_start(&c.cm, fd);
	if (table_each_line(path, compile_line, &c, d) < 0) {
		cdb_make_finish(&c.cm);		/* frees; the file goes */
		goto out;
	}
	/* the fifth field is new: a reader that knows four ignores it */
	n = snprintf(meta, sizeof(meta), "1 %s %ld %d %d %d", kind_names[kind],
	    c.count, c.unscoped, c.ignored, c.cn_keys);
	if (cdb_make_add(&c.cm, META_KEY, META_KLEN, meta, (unsigned)n) < 0 ||
	    cdb_make_finish(&c.cm) < 0 || fsync(fd) < 0) {
		diag_set(d, tmp, 0, "cannot write: %s", strerror(errno));
		goto out;
	}
	if (rename(tmp, out) < 0) {
		diag_set(d, out, 0, "cannot rename into place: %s",
		    strerror(errno));
		goto out;
	}
	ret = 0;
out:
	close(fd);
	if (ret < 0)
		unlink(tmp);
	free(tmp);
	return ret;
}

/* table_guess_kind - what an admin's existing file is, from its lines */
int
table_guess_kind(const char *path, enum table_kind *kind, struct diag *d)
{
	FILE *fp;
	char line[1024];
	struct fp f;
	struct diag ignore;
	size_t k;
	int ret = -1;

	if ((fp = fopen(path, "r")) == NULL)
		return diag_set(d, path, 0, "%s", strerror(errno));
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#' || isspace((unsigned char)line[0]))
			continue;
		k = strcspn(line, " \t\r\n");
		if (fp_normalize(line, k, &f, &ignore) == 0)
			*kind = TABLE_FINGERPRINT;
		else if (strncasecmp(line, "issuer=", 7) == 0)
			*kind = TABLE_ATTRIBUTE;
		else if (memchr(line, ':', k) != NULL &&
		    strchr("/=", line[strcspn(line, ":/=")]) == NULL)
			*kind = TABLE_ACCESS;	/* CERTISSUER:, Connect: */
		else if (memchr(line, '@', k) != NULL && line[0] != '/' &&
		    memchr(line, '=', k) == NULL)
			*kind = TABLE_EMAIL;
		else
			break;
		ret = 0;
		break;
	}
	fclose(fp);
	if (ret < 0)
		diag_set(d, path, 0, "cannot tell the table kind from its "
		    "first line; say -t subject or -t issuer");
	return ret;
}

/* read_meta - kind and counts written by table_compile() */
static int
read_meta(struct table *t, const char *cdbpath, enum table_kind kind,
    struct diag *d)
{
	struct cdb c = t->cdb;
	char meta[128], name[32];
	unsigned len;
	int n;

	if (cdb_find(&c, META_KEY, META_KLEN) <= 0 ||
	    (len = cdb_datalen(&c)) >= sizeof(meta) ||
	    cdb_read(&c, meta, len, cdb_datapos(&c)) < 0)
		return diag_set(d, cdbpath, 0, "not a certrelay table; "
		    "run certrelay compile");
	meta[len] = 0;
	t->cn_keys = -1;		/* compiled before it was counted */
	if ((n = sscanf(meta, "1 %31s %ld %d %d %d", name, &t->count,
	    &t->unscoped, &t->ignored, &t->cn_keys)) != 4 && n != 5)
		return diag_set(d, cdbpath, 0, "unknown table format");
	if (kind == TABLE_NKINDS && table_kind_parse(name, &t->kind) == 0)
		return 0;		/* whatever it was compiled as */
	if (strcmp(name, kind_names[kind]) != 0)
		return diag_set(d, cdbpath, 0, "compiled as a %s table, used "
		    "as a %s table", name, kind_names[kind]);
	return 0;
}

/* open_ldap - "ldap:FILE.cf": the rules are in a directory */
static int
open_ldap(struct table **tp, const char *path, enum table_kind kind,
    struct diag *d)
{
	struct table *t;

	if (kind == TABLE_NKINDS)
		return diag_set(d, path, 0, "an ldap table has no kind of its "
		    "own: say -t KIND");
	if (kind == TABLE_ATTRIBUTE || kind == TABLE_SENDER)
		return diag_set(d, path, 0, "%s tables cannot be ldap tables",
		    kind_names[kind]);
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->path = strdup(path)) == NULL) {
		free(t);
		return diag_set(d, path, 0, "out of memory");
	}
	t->kind = kind;
	t->fd = -1;
	t->cn_keys = -1;		/* a directory's keys are not known */
	if (ldaptab_open(&t->ldap, path + 5, d) < 0) {
		free(t->path);
		free(t);
		return -1;
	}
	*tp = t;
	return 0;
}

/* table_open - map path.cdb */
int
table_open(struct table **tp, const char *path, enum table_kind kind,
    struct diag *d)
{
	struct table *t;
	struct stat src, bin;
	char *cdbpath;

	*tp = NULL;
	if (strncmp(path, "ldap:", 5) == 0)
		return open_ldap(tp, path, kind, d);
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->path = strdup(path)) == NULL ||
	    asprintf(&cdbpath, "%s.cdb", path) < 0) {
		if (t)
			free(t->path);
		free(t);
		return diag_set(d, path, 0, "out of memory");
	}
	t->kind = kind;
	t->fd = open(cdbpath, O_RDONLY | O_CLOEXEC);
	if (t->fd < 0) {
		diag_set(d, cdbpath, 0, "%s%s", strerror(errno),
		    errno == ENOENT ? "; run certrelay compile" : "");
		goto err;
	}
	if (cdb_init(&t->cdb, t->fd) < 0) {
		diag_set(d, cdbpath, 0, "not a CDB file");
		close(t->fd);
		goto err;
	}
	if (read_meta(t, cdbpath, kind, d) < 0) {
		table_close(t);
		free(cdbpath);
		return -1;
	}
	if (stat(path, &src) == 0 && fstat(t->fd, &bin) == 0 &&
	    src.st_mtime > bin.st_mtime)
		t->stale = 1;
	free(cdbpath);
	*tp = t;
	return 0;
err:
	free(cdbpath);
	free(t->path);
	free(t);
	return -1;
}

/* scope_ok - an unscoped record, or one whose issuer is among scopes */
static int
scope_ok(const char *scope, size_t len, const char *const *scopes)
{
	if (len == 0)
		return 1;
	for (; scopes && *scopes; scopes++)
		if (strlen(*scopes) == len && memcmp(*scopes, scope, len) == 0)
			return 1;
	return 0;
}

/* ldap_key - the key as the directory holds it: a fingerprint in the
 * colon form the MTAs print ("pubkey:" before a public key's), other
 * keys as they are (case-folded DNs and addresses) */
static size_t
ldap_key(const struct table *t, const char *key, size_t klen, char *buf)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, n = 0;

	if (t->kind != TABLE_FINGERPRINT || klen < 3 || key[0] != 'F') {
		memcpy(buf, key, klen);
		return klen;
	}
	if (key[1] == 'p') {
		memcpy(buf, "pubkey:", 7);
		n = 7;
	}
	for (i = 3; i < klen; i++) {
		if (i > 3)
			buf[n++] = ':';
		buf[n++] = hex[(unsigned char)key[i] >> 4];
		buf[n++] = hex[(unsigned char)key[i] & 15];
	}
	return n;
}

/* ldap_value - one value found: parsed as a file table's, scope kept
 * if it fits; 1 fits, 0 not, -1 error */
static int
ldap_value(const struct table *t, char *val, const char *const *scopes,
    struct action *a, struct diag *d)
{
	char scope[TABLE_KEY_MAX], what[DIAG_WHAT_MAX];

	if (value_parse(t->kind, val, strlen(val), scope, a, d) < 0) {
		snprintf(what, sizeof(what), "%s", d->what);
		return diag_set(d, t->path, 0, "value \"%.80s\": %s", val,
		    what);
	}
	return scope_ok(scope, strlen(scope), scopes);
}

/* ldap_lookup - every value the directory holds for key; those whose
 * scope fits must agree (a directory has no first line) */
static int
ldap_lookup(const struct table *t, const char *key, size_t klen,
    const char *const *scopes, struct table_hit *hit, struct diag *d)
{
	struct ldaptab_vals v;
	struct action a;
	char tk[TABLE_KEY_MAX * 2], one[ACTION_TEXT_MAX + 32],
	    other[ACTION_TEXT_MAX + 32], *p;
	int k, r, found = 0;

	if (klen > TABLE_KEY_MAX)
		return diag_set(d, t->path, 0, "key too long");
	if ((r = ldaptab_lookup(t->ldap, tk, ldap_key(t, key, klen, tk), &v,
	    d)) <= 0)
		return r;
	for (k = 0, p = v.buf; k < v.n; k++, p += strlen(p) + 1) {
		if ((r = ldap_value(t, p, scopes, &a, d)) < 0)
			return -1;
		if (r == 0)
			continue;
		if (found++ == 0) {
			hit->act = a;
			continue;
		}
		action_format(&hit->act, one, sizeof(one));
		action_format(&a, other, sizeof(other));
		if (strcmp(one, other) != 0)
			return diag_set(d, t->path, 0, "the directory holds "
			    "values that disagree for one key: \"%s\" and "
			    "\"%s\"", one, other);
	}
	hit->table = t->path;
	hit->line = 0;
	return found > 0;
}

/* table_lookup - first record for key whose scope fits */
int
table_lookup(const struct table *t, const char *key, size_t klen,
    const char *const *scopes, struct table_hit *hit, struct diag *d)
{
	struct cdb c = t->cdb;		/* cdb_findnext writes into it */
	struct cdb_find f;
	const char *v, *p, *tab1, *tab2;
	unsigned len;
	int r;

	if (t->ldap != NULL)
		return ldap_lookup(t, key, klen, scopes, hit, d);
	if (cdb_findinit(&f, &c, key, (unsigned)klen) < 0)
		return diag_set(d, t->path, 0, "corrupt table");
	while ((r = cdb_findnext(&f)) > 0) {
		len = cdb_datalen(&c);
		if ((v = cdb_get(&c, len, cdb_datapos(&c))) == NULL ||
		    (tab1 = memchr(v, '\t', len)) == NULL ||
		    (tab2 = memchr(tab1 + 1, '\t', len - (size_t)(tab1 + 1 -
		    v))) == NULL)
			return diag_set(d, t->path, 0, "corrupt record");
		if (!scope_ok(tab1 + 1, (size_t)(tab2 - tab1 - 1), scopes))
			continue;
		hit->table = t->path;
		/* digits we wrote at compile time; atoi() is strtol(): slow */
		for (hit->line = 0, p = v; p < tab1 && p < v + 9 && *p >= '0' &&
		    *p <= '9'; p++)
			hit->line = hit->line * 10 + (*p - '0');
		hit->value = tab2 + 1;
		hit->vlen = len - (size_t)(tab2 + 1 - v);
		if (t->kind == TABLE_SENDER) {
			memset(&hit->act, 0, sizeof(hit->act));
			return 1;
		}
		return action_parse(tab2 + 1, len - (size_t)(tab2 + 1 - v),
		    t->kind == TABLE_ACCESS ? ACTION_ACCESS : ACTION_STRICT,
		    &hit->act, d) < 0 ? -1 : 1;
	}
	if (r < 0)
		return diag_set(d, t->path, 0, "corrupt table");
	return 0;
}

/* table_has - may key have a record, whatever its scope? An ldap table
 * is not asked twice: it says yes */
int
table_has(const struct table *t, const char *key, size_t klen,
    struct diag *d)
{
	struct cdb c = t->cdb;		/* cdb_find writes into it */
	int r;

	if (t->ldap != NULL)
		return 1;
	if ((r = cdb_find(&c, key, (unsigned)klen)) < 0)
		return diag_set(d, t->path, 0, "corrupt table");
	return r > 0;
}

/* table_prefetch - the slot cdb_findinit() will read first (CDB's
 * layout: 256 header pairs (position, length) of hash tables of 8-byte
 * slots, the slot at (hash >> 8) % length) */
void
table_prefetch(const struct table *t, const char *key, size_t klen)
{
	const unsigned char *p;
	unsigned h = cdb_hash(key, (unsigned)klen), pos, n;

	if (t->ldap != NULL)
		return;
	if ((p = cdb_get(&t->cdb, 8, (h & 255) << 3)) == NULL ||
	    (n = cdb_unpack(p + 4)) == 0)
		return;
	pos = cdb_unpack(p) + (h >> 8) % n * 8;
	if ((p = cdb_get(&t->cdb, 8, pos)) != NULL)
		__builtin_prefetch(p);
}

/* table_kind - what the table was compiled as */
enum table_kind
table_kind(const struct table *t)
{
	return t->kind;
}

/* table_path - the source path */
const char *
table_path(const struct table *t)
{
	return t->path;
}

/* table_unscoped - subject/email rules any issuer's cert could meet */
int
table_unscoped(const struct table *t)
{
	return t->unscoped;
}

/* table_cn_keys - may a CN's key (dn_cn_key()) be found? Only a table
 * compiled without one can say no */
int
table_cn_keys(const struct table *t)
{
	return t->cn_keys != 0;
}

/* table_ignored - access-file lines that are not CERT* */
int
table_ignored(const struct table *t)
{
	return t->ignored;
}

/* table_stale - the source is newer than the compiled table */
int
table_stale(const struct table *t)
{
	return t->stale;
}

/* table_ldap - the directory behind an ldap: table, or NULL */
struct ldaptab *
table_ldap(const struct table *t)
{
	return t->ldap;
}

/* table_guess_key_kind - the kind of table a query key is for, as
 * table_guess_kind() tells a file's (an ldap table has no lines) */
int
table_guess_key_kind(const char *key, enum table_kind *kind)
{
	struct fp f;
	struct diag ignore;
	size_t k = strlen(key);

	if (fp_normalize(key, k, &f, &ignore) == 0)
		*kind = TABLE_FINGERPRINT;
	else if (strncasecmp(key, "CERTISSUER:", 11) == 0 ||
	    strncasecmp(key, "CERTSUBJECT:", 12) == 0)
		*kind = TABLE_ACCESS;
	else if (strchr(key, '@') != NULL && strchr(key, '=') == NULL)
		*kind = TABLE_EMAIL;
	else if (strchr(key, '=') != NULL)
		*kind = TABLE_SUBJECT;
	else
		return -1;
	return 0;
}

/* table_count - records */
long
table_count(const struct table *t)
{
	return t->count;
}

/* table_close - unmap; accepts NULL */
void
table_close(struct table *t)
{
	if (t == NULL)
		return;
	if (t->ldap != NULL)
		ldaptab_close(t->ldap);
	else {
		cdb_free(&t->cdb);
		close(t->fd);
	}
	free(t->path);
	free(t);
}
