#ifndef CERTRELAY_DAEMON_H
#define CERTRELAY_DAEMON_H

#include <stddef.h>
#include <sys/types.h>

#include "diag.h"
#include "engine.h"
#include "journal.h"
#include "snap.h"
#include "stats.h"

/* What a front-end passes as its notify function: sd_notify(3) where it
 * is built with libsystemd (HAVE_LIBSYSTEMD), else none. lib/ itself
 * never links libsystemd. */
#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#define DAEMON_NOTIFY	sd_notify
#else
#define DAEMON_NOTIFY	NULL
#endif

/* How a daemon logs: its name and flags, and syslog(3)'s functions (which
 * lib/ does not call on its own). */
struct daemon_log {
	const char *name;		/* "certrelay-milter" */
	int	fg, quiet, stream;	/* -f, -q, -j */
	void	(*open)(const char *ident, int option, int facility);
	void	(*close)(void);
	journal_fn log;
};

/* What both daemons' command lines say. */
struct daemon_opts {
	const char *conf, *sock, *user, *pidfile;	/* -c, (own), -u, -P */
	const char *group;		/* -G: the unix socket's group */
	int	mode;			/* -M: the unix socket's mode; -1 unset */
	struct daemon_log log;
};

/* A daemon's command line: the options it has, the ones of its own. */
struct daemon_cmd {
	const char *name;		/* "certrelay-milter" */
	const char *optstring;		/* getopt(3)'s, c:u:P:G:M:fqjV included */
	/* an option of its own (ch -1: all read, check them): -1 to go
	 * on, else an exit status */
	int	(*own)(int ch, char *arg, struct daemon_opts *o);
	void	(*open)(const char *ident, int option, int facility);
	void	(*close)(void);
	journal_fn log;
	/* sd_notify(3), or NULL: the one call to systemd, lib/ links none */
	int	(*notify)(int unset_environment, const char *state);
};

const char *daemon_postfix_socket(const char *sock, char *buf, size_t size);
const char *daemon_unix_path(const char *sock);
int	daemon_socket_clear(const char *sock, struct diag *d);
mode_t	daemon_socket_umask(const struct daemon_opts *o, mode_t dflt);
int	daemon_socket_own(const struct daemon_opts *o, struct diag *d);
int	daemon_drop_privileges(const char *user, struct diag *d);
int	daemon_pidfile(const char *path, struct diag *d);
int	daemon_detach(const char *user, int foreground, const char *pidfile,
	    struct diag *d);
struct journal *daemon_log_open(struct journal *old,
	    const struct daemon_log *how);
int	daemon_parse(int argc, char **argv, const struct daemon_cmd *cmd,
	    struct daemon_opts *o);
int	daemon_begin(int argc, char **argv, const struct daemon_cmd *cmd,
	    struct daemon_opts *o, struct journal **jr);
void	daemon_catch_signals(void);
int	daemon_hup(void);
int	daemon_term(void);
void	daemon_ready(struct snap *s);
void	daemon_tick(struct snap *s, struct journal *j);
struct stats *daemon_stats_open(struct snap *s, const char *name,
	    struct journal *j);
void	daemon_warnings(const struct engine *e, struct journal *j);
void	daemon_say_diag(struct journal *j, const char *id,
	    const struct diag *d);

#endif
