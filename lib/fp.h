#ifndef CERTRELAY_FP_H
#define CERTRELAY_FP_H

#include <stddef.h>
#include <openssl/x509.h>

#include "diag.h"

enum fp_alg { FP_MD5, FP_SHA1, FP_SHA256, FP_SHA512 };

#define FP_MAX		64
#define FP_BIN_MAX	(3 + FP_MAX)
#define FP_KEY_MAX	(8 + 8 + FP_MAX * 2 + 1)
#define FP_TEXT_MAX	(FP_MAX * 3 + 1)

/* A certificate or public-key (SPKI) digest. */
struct fp {
	enum fp_alg alg;
	int	pubkey;
	size_t	len;
	unsigned char md[FP_MAX];
};

int	fp_normalize(const char *text, size_t len, struct fp *out,
	    struct diag *d);
int	fp_of_cert(X509 *cert, enum fp_alg alg, int pubkey, struct fp *out,
	    struct diag *d);
size_t	fp_bin_key(const struct fp *fp, char *key);
void	fp_key(const struct fp *fp, char *buf, size_t size);
void	fp_text(const struct fp *fp, char *buf, size_t size);
const char *fp_alg_name(enum fp_alg alg);

#endif
