/*
 * daemon - what both daemons do the same way at start
 *
 * SYNOPSIS
 *	#include "daemon.h"
 *	const char *daemon_postfix_socket(const char *sock, char *buf,
 *		    size_t size);
 *	int	daemon_drop_privileges(const char *user, struct diag *d);
 *	int	daemon_pidfile(const char *path, struct diag *d);
 *	int	daemon_detach(const char *user, int foreground,
 *		    const char *pidfile, struct diag *d);
 * DESCRIPTION
 *	daemon_postfix_socket() spells a libmilter-style socket
 *	("inet:PORT@HOST") the way main.cf wants it ("inet:HOST:PORT"), for
 *	the start-up line that tells the admin what to paste.
 *	daemon_drop_privileges() becomes user (groups, gid, uid, in that
 *	order), once the socket is bound. daemon_pidfile() writes the pid,
 *	and refuses a path that is a symbolic link.
 *	daemon_detach() does all three, and goes to the background unless
 *	foreground, in the order a daemon needs once its socket is bound.
 * DIAGNOSTICS
 *	0, or -1 with d saying why.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

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
