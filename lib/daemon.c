/*
 * daemon - what both daemons do the same way: start, log, reload, stop
 *
 * SYNOPSIS
 *	#include "daemon.h"
 *	const char *daemon_postfix_socket(const char *sock, char *buf,
 *		    size_t size);
 *	int	daemon_drop_privileges(const char *user, struct diag *d);
 *	int	daemon_pidfile(const char *path, struct diag *d);
 *	int	daemon_detach(const char *user, int foreground,
 *		    const char *pidfile, struct diag *d);
 *	struct journal *daemon_log_open(struct journal *old,
 *		    const struct daemon_log *how);
 *	int	daemon_parse(int argc, char **argv,
 *		    const struct daemon_cmd *cmd, struct daemon_opts *o);
 *	void	daemon_catch_signals(void);
 *	int	daemon_hup(void);
 *	int	daemon_term(void);
 *	void	daemon_tick(struct snap *s, struct journal *j);
 *	void	daemon_warnings(const struct engine *e, struct journal *j);
 *	void	daemon_say_diag(struct journal *j, const char *id,
 *		    const struct diag *d);
 * DESCRIPTION
 *	daemon_postfix_socket() spells a libmilter-style socket
 *	("inet:PORT@HOST") the way main.cf wants it ("inet:HOST:PORT"), for
 *	the start-up line that tells the admin what to paste.
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
 *	daemon_parse() reads the command line into o: the options both
 *	daemons have (-c -u -P -f -q -j) itself, each other one through
 *	cmd->own(), which prints the usage for one it does not know;
 *	operands are such an error ('?'). At the end cmd->own(-1) checks
 *	what was given. o->log is set from cmd (openlog(3), closelog(3),
 *	syslog(3)). It returns -1 to go on, or the exit status own() gave.
 *	daemon_catch_signals() has SIGHUP (reload) and SIGTERM, SIGINT
 *	(stop) only set a flag, which daemon_hup() and daemon_term() read:
 *	the main loop acts. daemon_tick() is what that loop does 10 times a
 *	second: a reload on SIGHUP (clearing it) or when a file changed,
 *	logged (snap_tick()), then the journal written. daemon_warnings()
 *	logs what the engine has for the admin to hear once, at start.
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
#include <string.h>
#include <syslog.h>		/* LOG_* values only: lib/ calls no syslog */
#include <unistd.h>

#include "daemon.h"

static volatile sig_atomic_t got_hup, got_term;
static char ident[64];		/* openlog(3) keeps the pointer */

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

/* option - an option both daemons have: 1, else 0 */
static int
option(struct daemon_opts *o, int ch, char *arg)
{
	switch (ch) {
	case 'c': o->conf = arg; return 1;
	case 'u': o->user = arg; return 1;
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
	o->log.name = cmd->name;
	o->log.open = cmd->open;
	o->log.close = cmd->close;
	o->log.log = cmd->log;
	while ((ch = getopt(argc, argv, cmd->optstring)) != -1)
		if (!option(o, ch, optarg) &&
		    (r = cmd->own(ch, optarg, o)) >= 0)
			return r;
	if (optind != argc)		/* no operands */
		return cmd->own('?', NULL, o);
	return cmd->own(-1, NULL, o);
}

/* on_signal - only flags: the main loop reloads or stops */
static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

/* daemon_catch_signals - SIGHUP reloads, SIGTERM and SIGINT stop */
void
daemon_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGHUP, &sa, NULL);
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

/* daemon_tick - reload on SIGHUP or a changed file, then write the log */
void
daemon_tick(struct snap *s, struct journal *j)
{
	char msg[DIAG_FILE_MAX + DIAG_WHAT_MAX + 96];
	int r, forced = got_hup;

	got_hup = 0;
	if ((r = snap_tick(s, forced, msg, sizeof(msg))) != 0)
		journal_say(j, r < 0 ? LOG_ERR : LOG_INFO, "%s", msg);
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
