#ifndef CERTRELAY_ENGINE_H
#define CERTRELAY_ENGINE_H

#include "cindex.h"
#include "conf.h"
#include "diag.h"
#include "rx.h"
#include "table.h"

#define ENGINE_MAX_WARN	16

/* One immutable snapshot: configuration plus every table it names. */
struct engine {
	struct conf *conf;
	struct table *t[TABLE_NKINDS];
	struct rx *rx;
	struct cindex *ci;
	int	nwarn;
	char	warn[ENGINE_MAX_WARN][256];
	int	nfiles;
	struct engine_file {
		char	*path;
		long	ino;
		long	mtime_ns;
	} files[TABLE_NKINDS + 3];
};

int	engine_open(const char *conf_path, struct engine **ep, struct diag *d);
int	engine_changed(const struct engine *e, unsigned long *sig);
void	engine_accelerate(struct engine *e);
void	engine_close(struct engine *e);

#endif
