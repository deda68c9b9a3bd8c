#ifndef CERTRELAY_DN_H
#define CERTRELAY_DN_H

#include <stddef.h>
#include <openssl/x509.h>

#include "diag.h"

/* Sendmail's {cert_subject} buffer less its NUL (sendmail/tls.c MAXNAME) */
#define DN_SENDMAIL_MAX		255
/* A oneline DN longer than this may have lost a trailing RDN: the
 * longest common last RDN is "/emailAddress=" and a 128-byte address
 * (the ub-emailaddress-length of common CA profiles): 142 bytes. */
#define DN_CUT_AT		(DN_SENDMAIL_MAX - 142)
#define DN_MAX_AVA		64
#define DN_MAX_BYTES		4096
#define DN_TYPE_MAX		64

enum dn_form {
	DN_RFC4514,		/* CN=Alice Martin,O=CNRS,C=FR (display) */
	DN_KEY,			/* the same, ASCII lower case: lookup key */
	DN_TABLEKEY,		/* RFC 4514 with spaces as \20: paste-able */
	DN_ONELINE,		/* /C=FR/O=CNRS/CN=Alice+20Martin (Sendmail) */
	DN_REGEX		/* RFC 4514, specials in values as \HH: what
				 * regex rules see */
};

/* how the MTA's OpenSSL quoted a oneline name (X509_NAME_oneline()) */
enum dn_quoting {
	DN_QUOTING_OPENSSL3,	/* '/' and '+' in values as "\/", "\+" */
	DN_QUOTING_LEGACY	/* OpenSSL < 3, LibreSSL: '/' and '+' bare */
};

struct dn;

int	dn_parse_rfc4514(const char *s, size_t len, struct dn **out,
	    struct diag *d);
int	dn_parse_oneline(const char *s, size_t len, struct dn **out,
	    struct diag *d);
int	dn_parse_sendmail(const char *s, size_t len, struct dn **out,
	    struct diag *d);
int	dn_parse_any(const char *s, size_t len, struct dn **out,
	    struct diag *d);
int	dn_from_cn(const char *cn, size_t len, struct dn **out,
	    struct diag *d);
int	dn_from_x509(const X509_NAME *name, struct dn **out, struct diag *d);
int	dn_format(const struct dn *dn, enum dn_form form, char *buf,
	    size_t size);
int	dn_equal(const struct dn *a, const struct dn *b);
int	dn_cn_key(const struct dn *dn, char *buf, size_t size);
int	dn_count(const struct dn *dn);
int	dn_ava(const struct dn *dn, int i, const char **type,
	    const char **val, size_t *len);
const char *dn_get(const struct dn *dn, const char *type, size_t *len);
int	dn_maybe_cut(const struct dn *dn);
int	dn_cn_only(const struct dn *dn);
int	dn_canon_type(const char *in, size_t len, char *out, size_t size);
/* NULL when the name reads one way only; else why not (static text) */
const char *dn_ambiguous(const struct dn *dn, enum dn_quoting q);
const char *dn_doubt(const struct dn *dn, enum dn_quoting q);
void	dn_free(struct dn *dn);

#endif
