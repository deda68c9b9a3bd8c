/*
 * fuzz_fp - fp_normalize, and its outputs read back
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fp.h"

/* again - text must read back as the same digest */
static void
again(const struct fp *fp, const char *text, int keep_pubkey)
{
	struct fp back;
	struct diag d;

	if (fp_normalize(text, strlen(text), &back, &d) < 0)
		abort();
	if (back.alg != fp->alg || back.len != fp->len ||
	    memcmp(back.md, fp->md, fp->len) != 0 ||
	    (keep_pubkey && back.pubkey != fp->pubkey))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char key[FP_BIN_MAX], buf[FP_KEY_MAX + FP_TEXT_MAX];
	struct fp fp;
	struct diag d;

	if (fp_normalize((const char *)data, size, &fp, &d) < 0) {
		if (d.what[0] == 0)
			abort();
		return 0;
	}
	if (fp_bin_key(&fp, key) != 3 + fp.len || fp.len > FP_MAX)
		abort();
	fp_key(&fp, buf, sizeof(buf));
	again(&fp, buf, 1);
	fp_text(&fp, buf, sizeof(buf));
	again(&fp, buf, 0);
	(void)fp_alg_name(fp.alg);
	return 0;
}
