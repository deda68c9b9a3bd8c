/*
 * fp - certificate and public-key fingerprints
 *
 * SYNOPSIS
 *	#include "fp.h"
 *	int	fp_normalize(const char *text, size_t len, struct fp *out,
 *		    struct diag *d);
 *	int	fp_of_cert(X509 *cert, enum fp_alg alg, int pubkey,
 *		    struct fp *out, struct diag *d);
 *	size_t	fp_bin_key(const struct fp *fp, char *key);
 *	void	fp_key(const struct fp *fp, char *buf, size_t size);
 *	void	fp_text(const struct fp *fp, char *buf, size_t size);
 *	const char *fp_alg_name(enum fp_alg alg);
 * DESCRIPTION
 *	fp_normalize() takes hex with or without colons, in any case, with an
 *	optional "pubkey:" prefix (a pin on the SubjectPublicKeyInfo, as
 *	Postfix's ccert_pubkey_fingerprint); an optional "md5:", "sha1:",
 *	"sha256:" or "sha512:" prefix must agree with the length, from which
 *	the digest is otherwise inferred (16, 20, 32 or 64 bytes).
 *	fp_of_cert() computes a digest over the DER certificate (what
 *	`openssl x509 -fingerprint`, Sendmail's {cert_fp} and Postfix's
 *	ccert_fingerprint are) or over the DER public key (what Postfix's
 *	ccert_pubkey_fingerprint is).
 *	fp_bin_key() writes the compact binary key tables are indexed by
 *	(FP_BIN_MAX bytes at most) and returns its length.
 *	fp_key() writes the lookup key "sha256:9a3f..." ("pubkey:sha256:..."),
 *	fp_text() the colon form "SHA256:9A:3F:..." that the MTAs print.
 *	fp_alg_name() is a digest's name as keys and prefixes spell it
 *	("sha256").
 * DIAGNOSTICS
 *	0 on success; -1 with d->what, e.g. "31 bytes: no such digest".
 * OWNERSHIP
 *	struct fp is a plain value; nothing to free.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "fp.h"
#include "hex.h"

static const struct {
	const char *name;
	size_t	len;
} algs[] = {
	[FP_MD5] = { "md5", 16 },
	[FP_SHA1] = { "sha1", 20 },
	[FP_SHA256] = { "sha256", 32 },
	[FP_SHA512] = { "sha512", 64 },
};

/* fp_alg_name - "sha256" */
const char *
fp_alg_name(enum fp_alg alg)
{
	return algs[alg].name;
}

/* prefix - consume "word:" at *s (any case) */
static int
prefix(const char **s, size_t *len, const char *word)
{
	size_t n = strlen(word);

	if (*len > n && strncasecmp(*s, word, n) == 0 && (*s)[n] == ':') {
		*s += n + 1;
		*len -= n + 1;
		return 1;
	}
	return 0;
}

/* pairs - the two layouts MTAs and tables use, "AB:CD:.." and "abcd..",
 * two digits a byte; 0 sends anything else to the general loop */
static int
pairs(const char *s, size_t len, unsigned char *md, size_t *n)
{
	size_t i, k = 0, step = len > 2 && s[2] == ':' ? 3 : 2;
	int hi, lo;

	if ((len + step - 2) % step != 0 || (len + step - 2) / step > FP_MAX)
		return 0;
	for (i = 0; i < len; i += step) {
		hi = hex_digit((unsigned char)s[i]);
		lo = hex_digit((unsigned char)s[i + 1]);
		if ((hi | lo) < 0 || (step == 3 && i + 2 < len &&
		    s[i + 2] != ':'))
			return 0;
		md[k++] = (unsigned char)(hi << 4 | lo);
	}
	*n = k;
	return 1;
}

/* fp_normalize - text in any common spelling to a struct fp */
int
fp_normalize(const char *s, size_t len, struct fp *out, struct diag *d)
{
	int want = -1, hi = -1, v;
	size_t i, n = 0;	/* a local: out->len is reloaded per byte */
	unsigned a;

	out->pubkey = 0;
	out->len = 0;
	if (len > 0 && hex_digit((unsigned char)s[0]) < 0) {
		/* no prefix starts with a hex digit: a million-line table
		 * of bare fingerprints skips these five comparisons */
		out->pubkey = prefix(&s, &len, "pubkey");
		for (a = 0; a < sizeof(algs) / sizeof(algs[0]); a++)
			if (prefix(&s, &len, algs[a].name))
				want = (int)a;
	}
	for (i = pairs(s, len, out->md, &n) ? len : 0; i < len; i++) {
		if ((v = hex_digit((unsigned char)s[i])) < 0) {
			if (s[i] == ':' && hi < 0)
				continue;
			return diag_set(d, NULL, 0, "column %zu: '%c' is not "
			    "a hex digit", i + 1, isprint((unsigned char)s[i])
			    ? s[i] : '?');
		}
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= FP_MAX)
			return diag_set(d, NULL, 0, "more than %d bytes: no "
			    "such digest", FP_MAX);
		out->md[n++] = (unsigned char)(hi << 4 | v);
		hi = -1;
	}
	out->len = n;
	if (hi >= 0)
		return diag_set(d, NULL, 0, "odd number of hex digits");
	for (a = 0; a < sizeof(algs) / sizeof(algs[0]); a++)
		if (algs[a].len == out->len)
			break;
	if (a == sizeof(algs) / sizeof(algs[0]))
		return diag_set(d, NULL, 0, "%zu-byte fingerprint; expected "
		    "16, 20, 32 or 64", out->len);
	if (want >= 0 && (unsigned)want != a)
		return diag_set(d, NULL, 0, "%zu bytes is not a %s digest",
		    out->len, algs[want].name);
	out->alg = (enum fp_alg)a;
	return 0;
}

/* fp_of_cert - digest of the certificate or of its public key */
int
fp_of_cert(X509 *cert, enum fp_alg alg, int pubkey, struct fp *out,
    struct diag *d)
{
	const EVP_MD *md;
	unsigned char *der = NULL;
	unsigned int n = 0;
	int ok, len;

	memset(out, 0, sizeof(*out));
	md = alg == FP_MD5 ? EVP_md5() : alg == FP_SHA1 ? EVP_sha1() :
	    alg == FP_SHA256 ? EVP_sha256() : EVP_sha512();
	if (pubkey) {
		/* the whole DER SubjectPublicKeyInfo, as Postfix's
		 * tls_pkey_fprint(); X509_pubkey_digest() hashes only the
		 * key bits */
		len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
		ok = len > 0 && EVP_Digest(der, (size_t)len, out->md, &n, md,
		    NULL);
		OPENSSL_free(der);
	} else
		ok = X509_digest(cert, md, out->md, &n);
	if (!ok || n != algs[alg].len)
		return diag_set(d, NULL, 0, "cannot compute %s digest",
		    algs[alg].name);
	out->alg = alg;
	out->pubkey = pubkey;
	out->len = n;
	return 0;
}

/* fp_bin_key - 'F', cert or pubkey, digest, raw bytes */
size_t
fp_bin_key(const struct fp *fp, char *key)
{
	key[0] = 'F';
	key[1] = fp->pubkey ? 'p' : 'c';
	key[2] = (char)('0' + fp->alg);
	memcpy(key + 3, fp->md, fp->len);
	return 3 + fp->len;
}

/* fp_key - "pubkey:sha256:hex" lookup key */
void
fp_key(const struct fp *fp, char *buf, size_t size)
{
	size_t i, n;

	n = (size_t)snprintf(buf, size, "%s%s:", fp->pubkey ? "pubkey:" : "",
	    algs[fp->alg].name);
	for (i = 0; i < fp->len && n + 3 <= size; i++, n += 2)
		snprintf(buf + n, 3, "%02x", fp->md[i]);
}

/* fp_text - "AB:CD:..." as the MTAs print it */
void
fp_text(const struct fp *fp, char *buf, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, n = 0;

	if (size == 0)
		return;
	for (i = 0; i < fp->len && n + 4 <= size; i++) {
		if (i > 0)
			buf[n++] = ':';
		buf[n++] = hex[fp->md[i] >> 4];
		buf[n++] = hex[fp->md[i] & 15];
	}
	buf[n] = 0;
}
