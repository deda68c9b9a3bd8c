/*
 * daemon - what both daemons do the same way: start, log, reload, stop
 *
 * SYNOPSIS
 *	#include "daemon.h"
 *	const char *daemon_postfix_socket(const char *sock, char *buf,
 *		    size_t size);
 *	const char *daemon_unix_path(const char *sock);
 *	int	daemon_socket_clear(const char *sock, struct diag *d);
 *	mode_t	daemon_socket_umask(const struct daemon_opts *o, mode_t dflt);
 *	int	daemon_socket_own(const struct daemon_opts *o, struct diag *d);
 *	int	daemon_drop_privileges(const char *user, struct diag *d);
 *	int	daemon_pidfile(const char *path, struct diag *d);
 *	int	daemon_detach(const char *user, int foreground,
 *		    const char *pidfile, struct diag *d);
 *	struct journal *daemon_log_open(struct journal *old,
 *		    const struct daemon_log *how);
 *	int	daemon_begin(int argc, char **argv,
 *		    const struct daemon_cmd *cmd, struct daemon_opts *o,
 *		    struct journal **jr);
 *	int	daemon_parse(int argc, char **argv,
 *		    const struct daemon_cmd *cmd, struct daemon_opts *o);
 *	void	daemon_catch_signals(void);
 *	int	daemon_hup(void);
 *	int	daemon_term(void);
 *	void	daemon_ready(struct snap *s);
 *	void	daemon_tick(struct snap *s, struct journal *j);
 *	struct stats *daemon_stats_open(struct snap *s, const char *name,
 *		    struct journal *j);
 *	void	daemon_warnings(const struct engine *e, struct journal *j);
 *	void	daemon_say_diag(struct journal *j, const char *id,
 *		    const struct diag *d);
 * DESCRIPTION
 *	daemon_postfix_socket() spells a libmilter-style socket
 *	("inet:PORT@HOST") the way main.cf wants it ("inet:HOST:PORT"), for
 *	the start-up line that tells the admin what to paste.
 *
 *	daemon_unix_path() is the path of a unix socket spec ("unix:/p",
 *	"local:/p" or "/p"), NULL for any other. daemon_socket_clear()
 *	makes room for binding it: a socket left by a crash (connect(2)
 *	refused: nothing listens) is removed; one something listens on,
 *	or a file that is not a socket, is left alone and an error, so a
 *	second daemon never steals a running one's socket. It connects to
 *	the socket to know: the one socket call lib/ makes.
 *	daemon_socket_umask() is the umask to bind with: none of the bits
 *	-M leaves out, so the socket is never more open than asked, even
 *	before daemon_socket_own() gives it -G's group and -M's mode
 *	exactly (nothing when neither was given).
 *	daemon_drop_privileges() becomes user (groups, gid, uid, in that
 *	order), once the socket is bound. daemon_pidfile() writes the pid,
 *	and refuses a path that is a symbolic link.
 *	daemon_detach() does all three, and goes to the background unless
 *	foreground, in the order a daemon needs once its socket is bound.
 *
 *	daemon_log_open() closes old (writing what it gathered) and opens
 *	the daemon's journal: with -j (stream) lines batched to stderr
 *	(lib/journal.c); else syslog as "NAME[pid]", the pid written once
 *	into the ident instead of LOG_PID, which costs a getpid() per line
 *	(so again after a fork), copied to stderr with -f unless -q.
 *	daemon_begin() is how a daemon's main() starts: daemon_parse(),
 *	then daemon_log_open() into *jr.
 *	daemon_parse() reads the command line into o: the options both
 *	daemons have (-c -u -P -G -M -f -q -j -V) itself, each other one
 *	through cmd->own(), which prints the usage for one it does not
 *	know; operands are such an error ('?'). -V prints "NAME VERSION"
 *	on stdout (status 0). At the end cmd->own(-1) checks what was
 *	given; -G or -M without a unix socket is a usage error (2). o->log is set from cmd (openlog(3), closelog(3),
 *	syslog(3)). It returns -1 to go on, or the exit status own() gave.
 *	daemon_catch_signals() has SIGHUP and SIGUSR1 (reload: libmilter's
 *	own signal thread may take a SIGHUP, and stops the milter) and
 *	SIGTERM, SIGINT
 *	(stop) only set a flag, which daemon_hup() and daemon_term() read:
 *	the main loop acts. daemon_tick() is what that loop does 10 times a
 *	second: a reload on SIGHUP (clearing it) or when a file changed,
 *	logged (snap_tick()), then the journal written.
 *
 *	daemon_stats_open() makes the daemon's counters (lib/stats.c) when
 *	the configuration in service names a stats_file (NULL otherwise:
 *	a stats_file set by a later reload counts from the next start), and
 *	says where they go. From then on daemon_tick() counts each reload
 *	(a new engine in service: ok; snap_tick() failed: failed) and writes
 *	the file every stats_interval seconds, at once on SIGUSR2 (SIGUSR1
 *	is the milter's reload), with the configuration in service; a write
 *	error is logged once until it changes or a write succeeds.
 *
 *	With cmd->notify (sd_notify(3), given by the front-end: lib/ links
 *	no libsystemd, as it calls no syslog) the service manager hears
 *	of it: daemon_ready(), once the tables are loaded and the socket
 *	listens, sends READY=1 and STATUS= with the rule count of each
 *	table; daemon_tick() sends RELOADING=1 before a SIGHUP reload and
 *	READY=1 with the new STATUS= after it (failed or not: the tables in
 *	service serve), and a new STATUS= after a reload of a changed table.
 *	Without $NOTIFY_SOCKET sd_notify() does nothing. daemon_warnings()
 *	logs what the engine has for the admin to hear once, at start;
 *	daemon_tick() logs them again after each reload (expired index
 *	certificates and stale CRLs change without any file changing).
 *	daemon_say_diag() logs what went wrong in a decision, if anything
 *	did, as "ID: error: file:line: what" (no "ID: " when id is NULL or
 *	""), beside the decision's line: a TEMPFAIL the admin can act on
 *	(which table, which line, why).
 * DIAGNOSTICS
 *	0, or -1 with d saying why. daemon_log_open(): NULL if the journal
 *	cannot be had.
 * BUGS
 *	The signal flags and syslog's ident are the process's own: one
 *	daemon a process.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>		/* LOG_* values only: lib/ calls no syslog */
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "rx.h"
#include "stats.h"
#include "table.h"
#include "version.h"

static volatile sig_atomic_t got_hup, got_term, got_usr2;
static char ident[64];		/* openlog(3) keeps the pointer */
static int (*notify)(int, const char *);	/* sd_notify(3), or NULL */
/* daemon_stats_open(): the counters, when they are next written, the
 * engine in service at the last tick (only compared: a new one is a
 * reload) and the last write error said (said once) */
static struct stats *stats;
static time_t stats_due;
static const struct engine *stats_engine;
static char stats_err[DIAG_FILE_MAX + DIAG_WHAT_MAX + 32];

/* daemon_postfix_socket - inet:PORT@HOST -> inet:HOST:PORT */
const char *
daemon_postfix_socket(const char *sock, char *buf, size_t size)
{
	const char *at = strchr(sock, '@');

	if (strncmp(sock, "inet:", 5) == 0 && at != NULL)
		snprintf(buf, size, "inet:%s:%.*s", at + 1,
		    (int)(at - sock - 5), sock + 5);
	else
		snprintf(buf, size, "%s", sock);
	return buf;
}

/* daemon_unix_path - the path of a unix socket spec, else NULL */
const char *
daemon_unix_path(const char *sock)
{
	if (strncmp(sock, "unix:", 5) == 0)
		return sock + 5;
	if (strncmp(sock, "local:", 6) == 0)
		return sock + 6;
	return sock[0] == '/' ? sock : NULL;
}

/* daemon_socket_clear - remove a stale unix socket, never a live one */
int
daemon_socket_clear(const char *sock, struct diag *d)
{
	struct sockaddr_un sun;
	struct stat st;
	const char *path = daemon_unix_path(sock);
	int fd, r, e;

	if (path == NULL || strlen(path) >= sizeof(sun.sun_path))
		return 0;		/* bind() says why */
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : diag_set(d, path, 0, "%s",
		    strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return diag_set(d, path, 0, "exists and is not a socket: "
		    "left alone, not started");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return diag_set(d, path, 0, "socket: %s", strerror(errno));
	r = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	e = errno;
	close(fd);
	if (r == 0)
		return diag_set(d, path, 0, "something listens on it (another "
		    "certrelay?): not started");
	if (e != ECONNREFUSED)
		return diag_set(d, path, 0, "cannot tell whether something "
		    "listens on it: %s: not started", strerror(e));
	if (unlink(path) < 0 && errno != ENOENT)
		return diag_set(d, path, 0, "stale socket: %s",
		    strerror(errno));
	return 0;
}

/* daemon_socket_umask - bind with no bit -M leaves out */
mode_t
daemon_socket_umask(const struct daemon_opts *o, mode_t dflt)
{
	return o->mode >= 0 ? ~(mode_t)o->mode & 0777 : dflt;
}

/* daemon_socket_own - -G's group and -M's mode on the bound socket */
int
daemon_socket_own(const struct daemon_opts *o, struct diag *d)
{
	const char *path = daemon_unix_path(o->sock);
	struct group *gr;
	char *end;
	gid_t gid;

	if (path == NULL)
		return 0;
	if (o->group != NULL) {
		if ((gr = getgrnam(o->group)) != NULL)
			gid = gr->gr_gid;
		else {
			gid = (gid_t)strtoul(o->group, &end, 10);
			if (o->group[0] < '0' || o->group[0] > '9' || *end)
				return diag_set(d, NULL, 0, "no such group: "
				    "%s", o->group);
		}
		if (chown(path, (uid_t)-1, gid) < 0)
			return diag_set(d, path, 0, "cannot give it group %s: "
			    "%s", o->group, strerror(errno));
	}
	if (o->mode >= 0 && chmod(path, (mode_t)o->mode) < 0)
		return diag_set(d, path, 0, "cannot give it mode %04o: %s",
		    o->mode, strerror(errno));
	return 0;
}

/* daemon_drop_privileges - become user */
int
daemon_drop_privileges(const char *user, struct diag *d)
{
	struct passwd *pw;

	if ((pw = getpwnam(user)) == NULL)
		return diag_set(d, NULL, 0, "no such user: %s", user);
	if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0)
		return diag_set(d, NULL, 0, "cannot become %s: %s", user,
		    strerror(errno));
	return 0;
}

/* daemon_detach - privileges, background, pid file: after the bind */
int
daemon_detach(const char *user, int foreground, const char *pidfile,
    struct diag *d)
{
	if (user && daemon_drop_privileges(user, d) < 0)
		return -1;
	if (!foreground && daemon(0, 0) < 0)
		return diag_set(d, NULL, 0, "daemon: %s", strerror(errno));
	return pidfile ? daemon_pidfile(pidfile, d) : 0;
}

/* daemon_pidfile - write our pid; never through a symlink, which whoever
 * can write the pid file's directory could point at any file we may
 * write (as root, before -u: any file) */
int
daemon_pidfile(const char *path, struct diag *d)
{
	FILE *fp;
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) < 0)
		return diag_set(d, path, 0, "%s", errno == ELOOP ?
		    "is a symbolic link: not followed" : strerror(errno));
	if ((fp = fdopen(fd, "w")) == NULL) {
		close(fd);
		return diag_set(d, path, 0, "%s", strerror(errno));
	}
	fprintf(fp, "%ld\n", (long)getpid());
	if (fclose(fp) != 0)
		return diag_set(d, path, 0, "%s", strerror(errno));
	return 0;
}

/* daemon_log_open - the journal, to syslog or (-j) stderr */
struct journal *
daemon_log_open(struct journal *old, const struct daemon_log *how)
{
	snprintf(ident, sizeof(ident), "%s[%ld]", how->name, (long)getpid());
	journal_close(old);
	how->close();
	if (!how->stream)
		how->open(ident, how->fg && !how->quiet ? LOG_PERROR : 0,
		    LOG_MAIL);
	return journal_open(how->stream ? 2 : -1, how->log);
}

/* mode - -M's octal mode, 0 to 0777; -1 if it is none */
static int
mode(const char *arg)
{
	char *end;
	long m;

	if (arg[0] < '0' || arg[0] > '7')
		return -1;
	m = strtol(arg, &end, 8);
	return *end || m > 0777 ? -1 : (int)m;
}

/* option - an option both daemons have: 1, 2 a bad value, else 0 */
static int
option(struct daemon_opts *o, int ch, char *arg)
{
	switch (ch) {
	case 'c': o->conf = arg; return 1;
	case 'u': o->user = arg; return 1;
	case 'G': o->group = arg; return 1;
	case 'M': return (o->mode = mode(arg)) < 0 ? 2 : 1;
	case 'P': o->pidfile = arg; return 1;
	case 'f': o->log.fg = 1; return 1;
	case 'q': o->log.quiet = 1; return 1;
	case 'j': o->log.stream = 1; return 1;
	}
	return 0;
}

/* daemon_parse - the command line: -1 to go on, else an exit status */
int
daemon_parse(int argc, char **argv, const struct daemon_cmd *cmd,
    struct daemon_opts *o)
{
	int ch, r;

	memset(o, 0, sizeof(*o));
	o->mode = -1;
	o->log.name = cmd->name;
	o->log.open = cmd->open;
	o->log.close = cmd->close;
	o->log.log = cmd->log;
	notify = cmd->notify;
	while ((ch = getopt(argc, argv, cmd->optstring)) != -1) {
		if (ch == 'V') {
			printf("%s %s\n", cmd->name, CERTRELAY_VERSION);
			return 0;
		}
		if ((r = option(o, ch, optarg)) == 2) {
			fprintf(stderr, "%s: -M takes an octal mode, 0 to "
			    "0777: %s\n", cmd->name, optarg);
			return 2;
		}
		if (r == 0 && (r = cmd->own(ch, optarg, o)) >= 0)
			return r;
	}
	if (optind != argc)		/* no operands */
		return cmd->own('?', NULL, o);
	if ((r = cmd->own(-1, NULL, o)) >= 0)
		return r;
	if ((o->group || o->mode >= 0) && (o->sock == NULL ||
	    daemon_unix_path(o->sock) == NULL)) {
		fprintf(stderr, "%s: -G and -M are for a unix socket\n",
		    cmd->name);
		return 2;
	}
	return -1;
}

/* daemon_begin - the command line, then the log: -1 to go on with *jr
 * open, else an exit status */
int
daemon_begin(int argc, char **argv, const struct daemon_cmd *cmd,
    struct daemon_opts *o, struct journal **jr)
{
	int r;

	if ((r = daemon_parse(argc, argv, cmd, o)) >= 0)
		return r;
	if ((*jr = daemon_log_open(NULL, &o->log)) == NULL) {
		fprintf(stderr, "%s: cannot start the log\n", cmd->name);
		return 1;
	}
	return -1;
}

/* on_signal - only flags: the main loop reloads or stops */
static void
on_signal(int sig)
{
	if (sig == SIGHUP || sig == SIGUSR1)
		got_hup = 1;
	else if (sig == SIGUSR2)
		got_usr2 = 1;
	else
		got_term = 1;
}

/* daemon_catch_signals - SIGHUP, SIGUSR1 reload; SIGUSR2 writes the
 * stats; SIGTERM, SIGINT stop */
void
daemon_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

/* daemon_hup - a SIGHUP not yet acted on */
int
daemon_hup(void)
{
	return got_hup;
}

/* daemon_term - SIGTERM or SIGINT came */
int
daemon_term(void)
{
	return got_term;
}

/* say_status - to systemd: first, then STATUS= with the rule counts */
static void
say_status(struct snap *s, const char *first)
{
	struct snap_ref *ref;
	const struct engine *e;
	const struct table *t;
	char buf[512];
	size_t n;
	int k;

	ref = snap_get(s);
	e = snap_engine(ref);
	n = (size_t)snprintf(buf, sizeof(buf), "%sSTATUS=rules:", first);
	for (k = 0; k < TABLE_NKINDS && n < sizeof(buf); k++)
		if ((t = engine_table(e, (enum table_kind)k)) != NULL)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			    " %s=%ld", table_kind_name((enum table_kind)k),
			    table_count(t));
	if (engine_rx(e) != NULL && n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - n, " regex=%d",
		    rx_count(engine_rx(e)));
	snap_put(s, ref);
	notify(0, buf);
}

/* daemon_ready - tables loaded, socket listening: tell systemd */
void
daemon_ready(struct snap *s)
{
	if (notify != NULL)
		say_status(s, "READY=1\n");
}

/* daemon_stats_open - counters, when the configuration names a file */
struct stats *
daemon_stats_open(struct snap *s, const char *name, struct journal *j)
{
	struct snap_ref *ref;
	const struct conf *c;
	struct diag d;
	char path[4096];

	ref = snap_get(s);
	stats_engine = snap_engine(ref);
	c = engine_conf(stats_engine);
	diag_clear(&d);
	if (c->stats_file == NULL)
		journal_say(j, LOG_INFO, "stats: none (stats_file unset)");
	else if (stats_new(&stats, name, time(NULL), &d) < 0)
		journal_say(j, LOG_ERR, "error: %s", d.what);
	else {
		if (stats_path(c->stats_file, name, path, sizeof(path)) < 0)
			snprintf(path, sizeof(path), "%s", c->stats_file);
		journal_say(j, LOG_INFO, "stats: written to %s every %d s "
		    "and on SIGUSR2", path, c->stats_interval);
	}
	snap_put(s, ref);
	return stats;
}

/* tick_stats - a reload counted; the file written when due or asked */
static void
tick_stats(struct snap *s, struct journal *j, int failed)
{
	struct snap_ref *ref;
	const struct conf *c;
	struct diag d;
	char buf[sizeof(stats_err)];
	time_t now = time(NULL);

	ref = snap_get(s);
	if (failed)
		stats_reload(stats, 0, now);
	else if (snap_engine(ref) != stats_engine)
		stats_reload(stats, 1, now);
	stats_engine = snap_engine(ref);
	c = engine_conf(stats_engine);
	if (got_usr2 || now >= stats_due) {
		got_usr2 = 0;
		stats_due = now + c->stats_interval;
		diag_clear(&d);
		if (stats_write(stats, c, now, &d) == 0) {
			if (stats_err[0])
				journal_say(j, LOG_INFO, "stats: written again");
			stats_err[0] = 0;
		} else {
			diag_str(&d, buf, sizeof(buf));
			if (strcmp(buf, stats_err) != 0)
				journal_say(j, LOG_ERR, "error: stats: %s", buf);
			snprintf(stats_err, sizeof(stats_err), "%s", buf);
		}
	}
	snap_put(s, ref);
}

/* daemon_tick - reload on SIGHUP or a changed file, then write the log */
void
daemon_tick(struct snap *s, struct journal *j)
{
	char msg[DIAG_FILE_MAX + DIAG_WHAT_MAX + 96];
	struct snap_ref *ref;
	const struct engine *before;
	int r, forced = got_hup;

	got_hup = 0;
	if (forced && notify != NULL)
		notify(0, "RELOADING=1");
	/* only this thread swaps: the old engine outlives the new one's
	 * allocation, so a new address means a reload */
	ref = snap_get(s);
	before = snap_engine(ref);
	snap_put(s, ref);
	if ((r = snap_tick(s, forced, msg, sizeof(msg))) != 0)
		journal_say(j, r < 0 ? LOG_ERR : LOG_INFO, "%s", msg);
	if (stats != NULL)
		tick_stats(s, j, r < 0);
	ref = snap_get(s);
	if (r > 0 && snap_engine(ref) != before)	/* expiry, CRLs, ... */
		daemon_warnings(snap_engine(ref), j);
	snap_put(s, ref);
	if (notify != NULL && (forced || r > 0))
		say_status(s, forced ? "READY=1\n" : "");
	journal_flush(j);
}

/* daemon_warnings - what the admin should hear once, at start */
void
daemon_warnings(const struct engine *e, struct journal *j)
{
	const char *w;
	int i;

	for (i = 0; (w = engine_warning(e, i)) != NULL; i++)
		journal_say(j, LOG_WARNING, "warning: %s", w);
}

/* daemon_say_diag - a decision's error, beside its line; nothing if none */
void
daemon_say_diag(struct journal *j, const char *id, const struct diag *d)
{
	char buf[DIAG_FILE_MAX + DIAG_WHAT_MAX + 32];

	if (d->what[0] == 0)
		return;
	diag_str(d, buf, sizeof(buf));
	if (id != NULL && id[0] != 0)
		journal_say(j, LOG_ERR, "%s: error: %s", id, buf);
	else
		journal_say(j, LOG_ERR, "error: %s", buf);
}
