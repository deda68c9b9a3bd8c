#ifndef CERTRELAY_XTEXT_H
#define CERTRELAY_XTEXT_H

#include <stddef.h>

int	xtext_decode(const char *in, size_t inlen, char *out, size_t outsz,
	    size_t *outlen);
int	xtext_encode(const char *in, size_t inlen, char *out, size_t outsz);

#endif
