#ifndef CERTRELAY_WARN_H
#define CERTRELAY_WARN_H

#include <stddef.h>

#include "conf.h"
#include "decide.h"

int	warn_soften(const struct conf *c, const struct request *r,
	    enum stage stage, int gate, struct decision *dec,
	    enum act *would);
size_t	warn_mark(char *line, size_t len, size_t size, enum act would);
int	warn_mode_text(const struct conf *c, int gate, char *buf,
	    size_t size);

#endif
