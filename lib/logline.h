#ifndef CERTRELAY_LOGLINE_H
#define CERTRELAY_LOGLINE_H

#include <stddef.h>

#include "decide.h"

size_t	logline_format(struct request *r, const struct decision *dec,
	    const char *stage, char *buf, size_t size);
void	logline_header(struct request *r, const struct decision *dec,
	    char *buf, size_t size);
size_t	logline_kv(char *buf, size_t size, const char *key, const char *val);

#endif
