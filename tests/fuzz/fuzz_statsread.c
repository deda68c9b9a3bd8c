/*
 * fuzz_statsread - a Prometheus text file as certrelay stats reads it
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "statsread.h"

/* check - every sample the reader hands on is well formed */
static int
check(void *ctx, const struct stats_sample *s)
{
	int i;

	(void)ctx;
	if (s->name == NULL || s->name[0] == 0 || s->nlabels < 0 ||
	    s->nlabels > STATSREAD_LABELS || s->ts_ms < -1)
		abort();
	for (i = 0; i < s->nlabels; i++)
		if (s->key[i] == NULL || s->val[i] == NULL ||
		    stats_label(s, s->key[i]) == NULL)
			abort();
	(void)strlen(s->name);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag d;

	diag_clear(&d);
	if (stats_parse((const char *)data, size, "fuzz", check, NULL, &d) <
	    0 && (d.what[0] == 0 || d.line < 1))
		abort();
	return 0;
}
