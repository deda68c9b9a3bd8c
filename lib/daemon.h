#ifndef CERTRELAY_DAEMON_H
#define CERTRELAY_DAEMON_H

#include <stddef.h>

#include "diag.h"

const char *daemon_postfix_socket(const char *sock, char *buf, size_t size);
int	daemon_drop_privileges(const char *user, struct diag *d);
int	daemon_pidfile(const char *path, struct diag *d);
int	daemon_detach(const char *user, int foreground, const char *pidfile,
	    struct diag *d);

#endif
