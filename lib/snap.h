#ifndef CERTRELAY_SNAP_H
#define CERTRELAY_SNAP_H

#include <time.h>

#include "diag.h"
#include "engine.h"

struct snap;				/* opaque */
struct snap_ref;			/* one holder's reference */

int	snap_init(struct snap **sp, const char *conf_path, struct diag *d);
struct snap_ref *snap_get(struct snap *s);
const struct engine *snap_engine(const struct snap_ref *ref);
void	snap_put(struct snap *s, struct snap_ref *ref);
int	snap_reload(struct snap *s, struct diag *d);
int	snap_maybe_reload(struct snap *s, time_t now, struct diag *d);
int	snap_tick(struct snap *s, int forced, char *msg, size_t size);
void	snap_free(struct snap *s);

#endif
