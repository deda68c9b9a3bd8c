#ifndef CERTRELAY_ENGINE_PRIV_H
#define CERTRELAY_ENGINE_PRIV_H
/* struct engine inside lib/ (engine.c builds it, decide.c reads it on
 * every decision without a call per field); front-ends, tools and tests
 * use the accessors of engine.h */
#include "crl.h"
#include "engine.h"

#define ENGINE_MAX_WARN	32	/* certlife lists up to 3 x 7 lines */

/* One immutable snapshot: configuration plus every table it names. */
struct engine {
	struct conf *conf;
	struct table *t[TABLE_NKINDS];
	struct rx *rx;
	struct cindex *ci;
	struct crlset *crl;		/* crl_files, or NULL */
	int	nwarn;
	char	warn[ENGINE_MAX_WARN][512];
	int	nfiles;
	struct engine_file {
		char	*path;
		long	ino;
		long	mtime_ns;
	} files[TABLE_NKINDS + 3 + CRL_MAX_FILES];
};

#endif
