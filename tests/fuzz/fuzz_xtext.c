/*
 * fuzz_xtext - xtext_decode and xtext_encode, each undoing the other
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xtext.h"

#define MAX	4096

static char dec[MAX + 1], enc[MAX * 3 + 1], back[MAX + 1];

/* small - decode and encode into a buffer of n bytes */
static void
small(const char *in, size_t size, size_t n)
{
	char *b = malloc(n);
	size_t len;

	if (b == NULL)
		return;
	(void)xtext_decode(in, size, b, n, &len);
	(void)xtext_encode(in, size, b, n);
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	size_t dlen, blen;

	if (size > MAX)
		return 0;
	/* any bytes encode, and decode back to themselves */
	if (xtext_encode(in, size, enc, sizeof(enc)) < 0)
		abort();
	if (xtext_decode(enc, strlen(enc), back, sizeof(back), &blen) < 0 ||
	    blen != size || memcmp(back, in, size) != 0)
		abort();
	/* what decodes re-encodes to something that decodes the same */
	if (xtext_decode(in, size, dec, sizeof(dec), &dlen) < 0)
		return 0;
	if (dlen > size || dec[dlen] != 0)
		abort();
	if (xtext_encode(dec, dlen, enc, sizeof(enc)) < 0)
		abort();
	if (xtext_decode(enc, strlen(enc), back, sizeof(back), &blen) < 0 ||
	    blen != dlen || memcmp(back, dec, dlen) != 0)
		abort();
	/* a buffer too small is an error, never an overflow (exact-size
	 * heap buffers, so ASan sees one byte past) */
	small(in, size, size / 2 + 1);
	small(in, size, size + 1);
	return 0;
}
