/*
 * certrelay-policyd - certificate rules as a Postfix policy server
 *
 * SYNOPSIS
 *	certrelay-policyd -c CONF [-H]                       (spawn(8) mode)
 *	certrelay-policyd -c CONF [-H] -l SOCKET [-f [-q|-j]] [-u USER]
 *	    [-P PIDFILE]
 * DESCRIPTION
 *	A front-end to lib/: each request read by policy_feed() becomes one
 *	struct request, one decide() at the recipient stage, and one
 *	"action=" line from policy_answer(). Without -l it serves the one
 *	client on stdin/stdout, as master.cf's spawn service runs it; with
 *	-l (inet:PORT@HOST or unix:/path) it listens and serves every client
 *	in its own thread, so a slow client holds up no other. -H answers
 *	PREPEND with the trace header instead of OK (for a second check in
 *	smtpd_recipient_restrictions). SIGHUP reloads; a changed table is
 *	seen within a second. -j writes the log lines to stderr in batches,
 *	for systemd's journal (lib/journal.c). See certrelay-policyd(8).
 * DIAGNOSTICS
 *	Bad configuration or table at start: file:line: what, exit 1. A
 *	malformed request closes that connection (Postfix defers).
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "journal.h"
#include "logline.h"
#include "policy.h"
#include "snap.h"

static struct snap *snap;
static int header_mode, spawn_mode;
static volatile sig_atomic_t got_hup, got_term;

/* A client connection. */
struct client {
	int	in, out;
	struct policy_parser p;
};

/* reload - swap in new tables, or say why the old ones stay */
static void
reload(int forced)
{
	char msg[DIAG_FILE_MAX + DIAG_WHAT_MAX + 96];
	int r;

	if ((r = snap_tick(snap, forced, msg, sizeof(msg))) != 0)
		journal_say(r < 0 ? LOG_ERR : LOG_INFO, "%s", msg);
}

/* serve_one - one request: decide and answer */
static int
serve_one(void *ctx, struct policy_req *pr)
{
	struct client *c = ctx;
	struct snap_ref *ref;
	struct request r;
	struct decision dec;
	struct diag d;
	char line[4096], hdr[2048], out[2600];
	size_t len;
	int n, bad;

	if (spawn_mode) {		/* no main loop: look here, 1/s */
		reload(got_hup);
		got_hup = 0;
	}
	bad = policy_request(pr, &r);
	ref = snap_get(snap);
	diag_clear(&d);
	decide(snap_engine(ref), &r, STAGE_MAIL, &dec, &d);
	if (dec.action != ACT_REJECT)
		decide(snap_engine(ref), &r, STAGE_RCPT, &dec, &d);
	if (bad)
		snprintf(r.note, sizeof(r.note), "malformed xtext in ccert_*");
	len = logline_format(&r, &dec, "policy", line, sizeof(line));
	journal_line(dec.action == ACT_TEMPFAIL ? LOG_WARNING : LOG_INFO, line,
	    len);
	if (dec.clear_auth)
		journal_say(LOG_WARNING, "warning: user=%s client=%s[%s]: SMTP "
		    "AUTH without TLS: the password crossed the network in "
		    "clear; have it changed", r.auth_user, r.client_name,
		    r.client_addr);
	hdr[0] = 0;
	if (header_mode)
		logline_header(&r, &dec, hdr, sizeof(hdr));
	n = policy_answer(&dec, header_mode,
	    snap_engine(ref)->conf->header_name, hdr, out, sizeof(out));
	snap_put(snap, ref);
	if (n < 0 || write(c->out, out, (size_t)n) != n)
		return -1;
	return 0;
}

/* serve - a whole client connection */
static void
serve(struct client *c)
{
	char buf[8192];
	struct diag d;
	ssize_t n;

	policy_init(&c->p);
	diag_clear(&d);
	while ((n = read(c->in, buf, sizeof(buf))) > 0 || (n < 0 &&
	    errno == EINTR))
		if (n > 0 && policy_feed(&c->p, buf, (size_t)n, serve_one, c,
		    &d) < 0) {
			journal_say(LOG_WARNING, "warning: closing a client: %s",
			    d.what);
			break;
		}
}

/* client_thread - serve, then close */
static void *
client_thread(void *arg)
{
	struct client *c = arg;

	serve(c);
	close(c->in);
	free(c);
	return NULL;
}


/* listen_on - inet:PORT@HOST, inet6:PORT@HOST or unix:/path */
static int
listen_on(const char *spec)
{
	struct addrinfo hints, *ai;
	struct sockaddr_un sun;
	char port[16], host[256];
	const char *at;
	int fd, one = 1;

	if (strncmp(spec, "unix:", 5) == 0 || spec[0] == '/') {
		spec += spec[0] == '/' ? 0 : 5;
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(spec) >= sizeof(sun.sun_path))
			return -1;
		strcpy(sun.sun_path, spec);
		unlink(spec);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
		    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
		    listen(fd, 128) < 0)
			return -1;
		return fd;
	}
	if ((strncmp(spec, "inet:", 5) && strncmp(spec, "inet6:", 6)) ||
	    (at = strchr(spec, '@')) == NULL)
		return -1;
	spec = strchr(spec, ':') + 1;
	snprintf(port, sizeof(port), "%.*s", (int)(at - spec), spec);
	snprintf(host, sizeof(host), "%s", at + 1);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    listen(fd, 128) < 0) {
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* on_signal - flags only */
static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

/* accept_loop - a thread per client; log lines out and reload looks, 10/s */
static void
accept_loop(int lfd)
{
	struct pollfd pfd = { lfd, POLLIN, 0 };
	struct client *c;
	pthread_attr_t attr;
	pthread_t tid;
	int fd;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	while (!got_term) {
		if (got_hup) {
			got_hup = 0;
			reload(1);
		} else
			reload(0);
		journal_flush();
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((fd = accept(lfd, NULL, NULL)) < 0)
			continue;
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			continue;
		}
		c->in = c->out = fd;
		if (pthread_create(&tid, &attr, client_thread, c) != 0) {
			close(fd);
			free(c);
		}
	}
	pthread_attr_destroy(&attr);
}

/* start - configuration and first snapshot */
static int
start(const char *conf)
{
	struct snap_ref *ref;
	struct diag d;
	char buf[DIAG_FILE_MAX + DIAG_WHAT_MAX + 32];
	int i;

	diag_clear(&d);
	if (snap_init(&snap, conf, &d) < 0) {
		fprintf(stderr, "certrelay-policyd: %s\n",
		    diag_str(&d, buf, sizeof(buf)));
		journal_say(LOG_ERR, "error: %s", buf);
		return -1;
	}
	ref = snap_get(snap);
	for (i = 0; i < snap_engine(ref)->nwarn; i++)
		journal_say(LOG_WARNING, "warning: %s",
		    snap_engine(ref)->warn[i]);
	snap_put(snap, ref);
	return 0;
}

/*
 * log_open - -j: lines batched to stderr (lib/journal.c). Else syslog as
 * "certrelay-policyd[pid]", the pid written once into the ident instead
 * of LOG_PID, which costs a getpid() per line; again after a fork. -f
 * copies lines to stderr, unless -q.
 */
static void
log_open(int fg, int quiet, int stream)
{
	static char ident[64];

	snprintf(ident, sizeof(ident), "certrelay-policyd[%ld]", (long)getpid());
	closelog();
	if (!stream)
		openlog(ident, fg && !quiet ? LOG_PERROR : 0, LOG_MAIL);
	journal_open(stream ? 2 : -1, syslog);
}

int
main(int argc, char **argv)
{
	const char *conf = NULL, *sock = NULL, *user = NULL, *pidfile = NULL;
	struct client c;
	struct sigaction sa;
	struct diag d;
	char pf[512], buf[DIAG_FILE_MAX + DIAG_WHAT_MAX + 32];
	int ch, fg = 0, quiet = 0, stream = 0, lfd;

	while ((ch = getopt(argc, argv, "c:l:u:P:fqjHh")) != -1)
		switch (ch) {
		case 'c': conf = optarg; break;
		case 'l': sock = optarg; break;
		case 'u': user = optarg; break;
		case 'P': pidfile = optarg; break;
		case 'f': fg = 1; break;
		case 'q': quiet = 1; break;
		case 'j': stream = 1; break;
		case 'H': header_mode = 1; break;
		default:
			fprintf(stderr, "usage: certrelay-policyd -c CONF [-H] "
			    "[-l inet:PORT@HOST|unix:/path [-f [-q|-j]] "
			    "[-u USER] [-P PIDFILE]]\n");
			return ch == 'h' ? 0 : 2;
		}
	if (conf == NULL || optind != argc) {
		fprintf(stderr, "certrelay-policyd: -c CONF is required\n");
		return 2;
	}
	/* spawn(8): stderr is the client; detached: /dev/null */
	if (stream && (!fg || sock == NULL)) {
		fprintf(stderr, "certrelay-policyd: -j needs -f and -l\n");
		return 2;
	}
	log_open(fg, quiet, stream);
	if (start(conf) < 0) {
		journal_flush();
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (sock == NULL) {		/* spawn(8): one client, stdin/stdout */
		spawn_mode = 1;
		memset(&c, 0, sizeof(c));
		c.in = 0;
		c.out = 1;
		serve(&c);
		return 0;
	}
	if ((lfd = listen_on(sock)) < 0) {
		fprintf(stderr, "certrelay-policyd: cannot listen on %s: %s\n",
		    sock, strerror(errno));
		return 1;
	}
	if (daemon_detach(user, fg, pidfile, &d) < 0) {
		fprintf(stderr, "certrelay-policyd: %s\n",
		    diag_str(&d, buf, sizeof(buf)));
		return 1;
	}
	log_open(fg, quiet, stream);		/* detached: a new pid */
	journal_say(LOG_INFO, "listening on %s (config %s); Postfix: "
	    "smtpd_relay_restrictions = ..., check_policy_service %s, "
	    "reject_unauth_destination", sock, conf, daemon_postfix_socket(sock,
	    pf, sizeof(pf)));
	accept_loop(lfd);
	journal_say(LOG_INFO, "stopped");
	journal_flush();
	if (pidfile)
		unlink(pidfile);
	return 0;
}
