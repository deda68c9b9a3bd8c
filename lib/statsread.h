#ifndef CERTRELAY_STATSREAD_H
#define CERTRELAY_STATSREAD_H

#include <stddef.h>

#include "diag.h"

#define STATSREAD_LABELS	8
#define STATSREAD_LINE_MAX	8192

/* One sample of a Prometheus text file; strings live until fn returns. */
struct stats_sample {
	const char *name;
	int	nlabels;
	const char *key[STATSREAD_LABELS], *val[STATSREAD_LABELS];
	double	value;
	long long ts_ms;		/* -1: none */
};

typedef int (*stats_sample_fn)(void *ctx, const struct stats_sample *s);

int	stats_parse(const char *text, size_t len, const char *file,
	    stats_sample_fn fn, void *ctx, struct diag *d);
const char *stats_label(const struct stats_sample *s, const char *key);

#endif
