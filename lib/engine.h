#ifndef CERTRELAY_ENGINE_H
#define CERTRELAY_ENGINE_H

#include "cindex.h"
#include "conf.h"
#include "crl.h"
#include "diag.h"
#include "rx.h"
#include "table.h"

struct engine;				/* opaque; lib/engine_priv.h */

int	engine_open(const char *conf_path, struct engine **ep, struct diag *d);
int	engine_changed(const struct engine *e, unsigned long *sig);
void	engine_accelerate(struct engine *e);
const struct conf *engine_conf(const struct engine *e);
const char *engine_header_name(const struct engine *e);
const struct table *engine_table(const struct engine *e, enum table_kind k);
struct rx *engine_rx(const struct engine *e);
const struct cindex *engine_cindex(const struct engine *e);
const struct crlset *engine_crl(const struct engine *e);
const char *engine_warning(const struct engine *e, int i);
size_t	engine_ldap_stats(const struct engine *e, char *buf, size_t size);
void	engine_close(struct engine *e);

#endif
