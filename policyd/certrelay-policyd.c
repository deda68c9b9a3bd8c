/*
 * certrelay-policyd - certificate rules as a Postfix policy server
 *
 * SYNOPSIS
 *	certrelay-policyd -c CONF [-H]                       (spawn(8) mode)
 *	certrelay-policyd -c CONF [-H] -l SOCKET [-f [-q|-j]] [-u USER]
 *	    [-P PIDFILE] [-G GROUP] [-M MODE] [-t IDLE] [-m MAX]
 *	certrelay-policyd -V
 * DESCRIPTION
 *	A front-end to lib/: each request read by policy_feed() becomes one
 *	struct request, one decide() at the recipient stage, and one
 *	"action=" line from policy_answer(). Without -l it serves the one
 *	client on stdin/stdout, as master.cf's spawn service runs it; with
 *	-l (inet:PORT@HOST or unix:/path) it listens and serves every client
 *	in one event loop (non-blocking: a slow client holds up no other).
 *	There a client silent for IDLE seconds (-t, default 600: longer than
 *	Postfix's smtpd_policy_service_max_idle, 300 s) is closed, and past
 *	MAX clients (-m, default 1000) a new connection is closed at once
 *	(Postfix then defers, 4xx) with a warning, so idle or stuck
 *	connections cannot take every descriptor. A unix socket gets
 *	GROUP and MODE (-G, -M: what lets Postfix's smtpd, and nothing
 *	else, connect); one left by a crash is replaced, one something
 *	listens on is not (lib/daemon.c).
 *	The sender binding is decided with each request (Postfix sends the
 *	sender at RCPT, and at MAIL where check_policy_service is asked
 *	there). In socket mode the per-certificate counters (lib/rate.c)
 *	count the relayed recipients of RCPT requests across every client and
 *	survive reloads; in spawn mode, one process per smtpd, they could
 *	not count: rate_limit or max_client_addresses there is refused at
 *	start, and one a reload brings (or a rule's rate=) is logged once as
 *	not counted.
 *	-H answers PREPEND with the trace header instead of OK (for a second
 *	check in smtpd_recipient_restrictions). SIGHUP reloads; a changed
 *	table is seen within a second. With -l and stats_file it counts
 *	(lib/stats.c) and writes the file, also on SIGUSR2; in mode = warn
 *	every decision is answered DUNNO and logged with would=. -j writes the log lines to stderr in
 *	batches, for systemd's journal (lib/journal.c). See
 *	certrelay-policyd(8).
 * DIAGNOSTICS
 *	Bad configuration or table at start: file:line: what, exit 1. A
 *	socket it cannot listen on: why, exit 1. A table that fails during a
 *	decision: "ID: error: file:line: what" beside the decision's line,
 *	and a 4xx answer (TEMPFAIL). A malformed request closes that
 *	connection (Postfix defers).
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "journal.h"
#include "logline.h"
#include "policy.h"
#include "snap.h"
#include "stats.h"
#include "warn.h"

static struct snap *snap;
static struct stats *stats;		/* NULL: no stats_file, or spawn(8) */
static struct journal *jr;		/* log_open() */
static int header_mode, spawn_mode;
static struct rate *rates;		/* socket mode: across clients */
static int told_uncounted;		/* spawn mode: said once */

/* A client connection, and the answers its socket had no room for. */
struct client {
	int	in, out;
	char	*ans;			/* answers not yet written */
	size_t	len, size;
	const char *why;		/* answer() refused: why */
	int	blocked;		/* waiting for EPOLLOUT, not reading */
	time_t	last;			/* last read or write, now_s */
	struct client *prev, *next;	/* every client, to close at exit */
	struct policy_parser p;
};

static struct client *clients;
static int nclients;
static int idle_max = 600, clients_max = 1000;	/* -t, -m */
static time_t now_s;			/* monotonic seconds, at each tick */

/* A client that sends faster than it reads its answers is dropped. */
#define ANSWERS_MAX	(1024 * 1024)

/* answer - queue one answer for the client */
static int
answer(struct client *c, const char *s, size_t n)
{
	size_t size;
	char *p;

	if (c->len + n > c->size) {
		if (c->len + n > ANSWERS_MAX) {
			c->why = "it sends requests without reading the answers";
			return -1;
		}
		for (size = c->size ? c->size : 512; size < c->len + n;)
			size *= 2;
		if ((p = realloc(c->ans, size)) == NULL) {
			c->why = "out of memory";
			return -1;
		}
		c->ans = p;
		c->size = size;
	}
	memcpy(c->ans + c->len, s, n);
	c->len += n;
	return 0;
}

/* flush - write what the socket takes of the queued answers (the rest,
 * c->len bytes, waits for EPOLLOUT); -1 the client is gone */
static int
flush(struct client *c)
{
	size_t off = 0;
	ssize_t n;

	while (off < c->len) {
		if ((n = write(c->out, c->ans + off, c->len - off)) > 0)
			off += (size_t)n;
		else if (n < 0 && errno == EINTR)
			continue;
		else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		else {
			c->why = "it went away before its answer";
			return -1;
		}
	}
	if (off > 0) {			/* nothing queued: c->ans may be NULL */
		memmove(c->ans, c->ans + off, c->len - off);
		c->len -= off;
	}
	return 0;
}

/* counted - the counters for this request: socket mode, at RCPT (a
 * request without protocol_state is read as one) */
static struct rate *
counted(const struct policy_req *pr)
{
	if (rates == NULL || (pr->set[PA_PROTOCOL_STATE] &&
	    strcasecmp(pr->val[PA_PROTOCOL_STATE], "RCPT") != 0))
		return NULL;
	return rates;
}

/* say_counters - the counters' warnings; in spawn mode, once, that a
 * limit goes uncounted */
static void
say_counters(struct request *r, const struct decision *dec,
    const struct engine *e)
{
	const struct conf *c = engine_conf(e);
	char line[2048];
	size_t n;
	unsigned bit;

	for (bit = RATE_WARN_LIMIT; bit <= RATE_WARN_ADDRS; bit <<= 1)
		if (dec->warn & bit) {
			n = rate_warning(r, bit, line, sizeof(line));
			journal_line(jr, LOG_WARNING, line, n);
		}
	if (spawn_mode && !told_uncounted && (r->rate_lim.n > 0 ||
	    c->max_client_addresses > 0)) {
		told_uncounted = 1;
		journal_say(jr, LOG_WARNING, "warning: %s: rate_limit, a rule's "
		    "rate= or max_client_addresses is not counted in spawn(8) "
		    "mode (a process per smtpd cannot count): run "
		    "certrelay-policyd -l", c->path);
	}
}

/* serve_one - one request: decide, answer, then log */
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
	enum stage stage = STAGE_MAIL;
	enum act would;
	int n, bad, ret, softened;

	if (spawn_mode)			/* no main loop: look here, 1/s */
		daemon_tick(snap, jr);
	bad = policy_request(pr, &r);
	r.rate = counted(pr);
	ref = snap_get(snap);
	diag_clear(&d);
	decide(snap_engine(ref), &r, STAGE_MAIL, &dec, &d);
	if (dec.action != ACT_REJECT)
		decide(snap_engine(ref), &r, stage = STAGE_RCPT, &dec, &d);
	softened = warn_soften(engine_conf(snap_engine(ref)), &r, stage, 0,
	    &dec, &would);
	stats_request(stats);
	stats_decision(stats, STATS_POLICY, &dec, would);
	if (d.what[0])
		stats_lookup_failed(stats);
	if (bad)
		snprintf(r.note, sizeof(r.note), "malformed xtext in ccert_*");
	hdr[0] = 0;
	if (header_mode)
		logline_header(&r, &dec, hdr, sizeof(hdr));
	n = policy_answer(&dec, header_mode,
	    engine_header_name(snap_engine(ref)), hdr, out, sizeof(out));
	/* the answer leaves before the log line is made: Postfix's smtpd
	 * goes on while we log (TCP_NODELAY: one write an answer is fine) */
	ret = n < 0 || answer(c, out, (size_t)n) < 0 || flush(c) < 0 ? -1 : 0;
	len = logline_format(&r, &dec, "policy", line, sizeof(line));
	if (softened)
		len = warn_mark(line, len, sizeof(line), would);
	journal_line(jr, dec.action == ACT_TEMPFAIL ? LOG_WARNING : LOG_INFO,
	    line, len);
	daemon_say_diag(jr, r.id, &d);	/* a TEMPFAIL's why */
	say_counters(&r, &dec, snap_engine(ref));
	if (dec.clear_auth)
		journal_say(jr, LOG_WARNING,
		    "warning: user=%s client=%s[%s]: SMTP "
		    "AUTH without TLS: the password crossed the network in "
		    "clear; have it changed", r.auth_user, r.client_name,
		    r.client_addr);
	request_free(&r);
	snap_put(snap, ref);
	return ret;
}

/* feed - bytes from the client: -1 drop it (logged why) */
static int
feed(struct client *c, const char *buf, size_t n)
{
	struct diag d;

	diag_clear(&d);
	if (policy_feed(&c->p, buf, n, serve_one, c, &d) < 0) {
		journal_say(jr, LOG_WARNING, "warning: closing a client: %s",
		    c->why ? c->why : d.what);
		return -1;
	}
	return 0;
}

/* serve_stdio - spawn(8) mode: the one client, blocking */
static void
serve_stdio(struct client *c)
{
	char buf[8192];
	ssize_t n;

	policy_init(&c->p);
	while ((n = read(c->in, buf, sizeof(buf))) > 0 || (n < 0 &&
	    errno == EINTR))
		if (n > 0 && feed(c, buf, (size_t)n) < 0)
			break;
}

/* bind_listen - a socket bound and listening, or -1 (d says why; no fd
 * left open) */
static int
bind_listen(int family, const struct sockaddr *sa, socklen_t len,
    const char *spec, struct diag *d)
{
	int fd, one = 1;

	if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return diag_set(d, NULL, 0, "cannot listen on %s: socket: %s",
		    spec, strerror(errno));
	if (family != AF_UNIX)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one));
	if (bind(fd, sa, len) < 0 || listen(fd, 128) < 0) {
		diag_set(d, NULL, 0, "cannot listen on %s: %s", spec,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* listen_on - inet:PORT@HOST, inet6:PORT@HOST or unix:/path; -1 (d says
 * why) */
static int
listen_on(const char *spec, struct diag *d)
{
	struct addrinfo hints, *ai;
	struct sockaddr_un sun;
	char port[16], host[256];
	const char *at, *p = spec;
	int fd, r;

	if (strncmp(p, "unix:", 5) == 0 || p[0] == '/') {
		p += p[0] == '/' ? 0 : 5;
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(p) >= sizeof(sun.sun_path))
			return diag_set(d, NULL, 0, "cannot listen on %s: path "
			    "longer than %zu bytes", spec,
			    sizeof(sun.sun_path) - 1);
		strcpy(sun.sun_path, p);
		return bind_listen(AF_UNIX, (struct sockaddr *)&sun,
		    sizeof(sun), spec, d);
	}
	if ((strncmp(p, "inet:", 5) && strncmp(p, "inet6:", 6)) ||
	    (at = strchr(p, '@')) == NULL)
		return diag_set(d, NULL, 0, "cannot listen on %s: not "
		    "inet:PORT@HOST, inet6:PORT@HOST or unix:/path", spec);
	p = strchr(p, ':') + 1;
	snprintf(port, sizeof(port), "%.*s", (int)(at - p), p);
	snprintf(host, sizeof(host), "%s", at + 1);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((r = getaddrinfo(host, port, &hints, &ai)) != 0)
		return diag_set(d, NULL, 0, "cannot listen on %s: %s", spec,
		    gai_strerror(r));
	fd = bind_listen(ai->ai_family, ai->ai_addr, ai->ai_addrlen, spec, d);
	freeaddrinfo(ai);
	return fd;
}

/* drop - close a client; its fd leaves the epoll set with it */
static void
drop(struct client *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	close(c->in);
	free(c->ans);
	free(c);
	nclients--;
	stats_session(stats, 0);
}

/* drop_idle - clients silent for idle_max seconds (or stuck unread) */
static void
drop_idle(void)
{
	struct client *c, *next;

	for (c = clients; c != NULL; c = next) {
		next = c->next;
		if (now_s - c->last >= idle_max)
			drop(c);
	}
}

/* on_client - a client is readable or writable: 0, or -1 to drop it */
static int
on_client(int ep, struct client *c)
{
	struct epoll_event ev;
	char buf[8192];
	ssize_t n;
	int r;

	c->last = now_s;
	/* answers still queued: read nothing more until they are out;
	 * serve_one() has tried to write each answer already */
	if (c->len > 0 && flush(c) < 0)
		return -1;
	if (c->len == 0) {
		if ((n = read(c->in, buf, sizeof(buf))) == 0 || (n < 0 &&
		    errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK))
			return -1;
		if (n > 0 && feed(c, buf, (size_t)n) < 0)
			return -1;
	}
	r = c->len > 0;
	if (r == c->blocked)
		return 0;
	c->blocked = r;
	ev.events = r ? EPOLLOUT : EPOLLIN;
	ev.data.ptr = c;
	return epoll_ctl(ep, EPOLL_CTL_MOD, c->in, &ev);
}

/* on_listen - take the connections waiting, up to a bound */
static void
on_listen(int ep, int lfd)
{
	struct epoll_event ev;
	struct client *c;
	int fd, k, one = 1, warned = 0;

	for (k = 0; k < 64; k++) {
		if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK |
		    SOCK_CLOEXEC)) < 0) {
			/* out of descriptors: the pending connection keeps
			 * the socket readable; wait for the next tick */
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				journal_say(jr, LOG_WARNING, "warning: cannot "
				    "accept a client: %s", strerror(errno));
				ev.events = 0;
				ev.data.ptr = NULL;
				epoll_ctl(ep, EPOLL_CTL_MOD, lfd, &ev);
			}
			return;
		}
		if (nclients >= clients_max) {
			if (!warned)
				journal_say(jr, LOG_WARNING,
				    "warning: %d clients "
				    "connected (-m): a new one is closed",
				    nclients);
			warned = 1;
			close(fd);
			continue;
		}
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			continue;
		}
		nclients++;
		stats_session(stats, 1);
		c->last = now_s;
		/* fails on a unix socket, which has no Nagle to turn off */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
		c->in = c->out = fd;
		policy_init(&c->p);
		if ((c->next = clients) != NULL)
			clients->prev = c;
		clients = c;
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			drop(c);
	}
}

/* serve_all - every client in one event loop, as Postfix's own
 * multi-client servers do: non-blocking, so a slow client holds up no
 * other; no thread switch a request. Log lines out and reload looks 10/s,
 * on a timerfd: epoll_wait() without a timeout arms no timer a request. */
static void
serve_all(int lfd)
{
	static const struct itimerspec tenth = { { 0, 100000000 },
	    { 0, 100000000 } };
	struct epoll_event ev[64], lev = { EPOLLIN, { NULL } }, tev;
	struct timespec ts;
	uint64_t ticks;
	int ep, tfd = -1, n, k, tick = 1;
	time_t swept = 0;

	tev.events = EPOLLIN;
	tev.data.ptr = &tfd;
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK |
	    TFD_CLOEXEC)) < 0 || timerfd_settime(tfd, 0, &tenth, NULL) < 0 ||
	    fcntl(lfd, F_SETFL, O_NONBLOCK) < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &tev) < 0) {
		journal_say(jr, LOG_ERR, "error: epoll: %s", strerror(errno));
		goto out;
	}
	while (!daemon_term()) {
		if (tick || daemon_hup()) {
			tick = 0;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			now_s = ts.tv_sec;
			if (now_s != swept) {	/* once a second */
				swept = now_s;
				drop_idle();
			}
			daemon_tick(snap, jr);
			epoll_ctl(ep, EPOLL_CTL_MOD, lfd, &lev);
		}
		/* a signal ends the wait (EINTR): SIGHUP is seen at once */
		n = epoll_wait(ep, ev, 64, -1);
		for (k = 0; k < n; k++)
			if (ev[k].data.ptr == NULL)
				on_listen(ep, lfd);
			else if (ev[k].data.ptr == &tfd)
				tick = read(tfd, &ticks, sizeof(ticks)) > 0;
			else if (on_client(ep, ev[k].data.ptr) < 0)
				drop(ev[k].data.ptr);
	}
	while (clients)
		drop(clients);
out:
	if (tfd >= 0)
		close(tfd);
	if (ep >= 0)
		close(ep);
}

/* spawn_refuses - counting settings in spawn mode: one process per
 * smtpd cannot count across them; -1 (said why) */
static int
spawn_refuses(const struct conf *c)
{
	const char *key = c->rate_limit.n > 0 ? "rate_limit" :
	    "max_client_addresses";
	int line = c->rate_limit.n > 0 ? c->rate_limit_line :
	    c->max_client_addresses_line;
	char buf[1024];

	if (c->rate_limit.n == 0 && c->max_client_addresses == 0)
		return 0;
	snprintf(buf, sizeof(buf), "%s:%d: %s needs socket mode (-l): in "
	    "spawn(8) mode each smtpd has its own certrelay-policyd, and none "
	    "could count across them; run it with -l and point "
	    "check_policy_service at that socket", c->path, line, key);
	fprintf(stderr, "certrelay-policyd: %s\n", buf);
	journal_say(jr, LOG_ERR, "error: %s", buf);
	return -1;
}

/* start - configuration and first snapshot; counters in socket mode */
static int
start(const char *conf, int spawned)
{
	struct snap_ref *ref;
	struct diag d;
	char buf[DIAG_FILE_MAX + DIAG_WHAT_MAX + 32], mode[1024];
	int r;

	diag_clear(&d);
	if (snap_init(&snap, conf, &d) < 0) {
		fprintf(stderr, "certrelay-policyd: %s\n",
		    diag_str(&d, buf, sizeof(buf)));
		journal_say(jr, LOG_ERR, "error: %s", buf);
		return -1;
	}
	ref = snap_get(snap);
	daemon_warnings(snap_engine(ref), jr);
	warn_mode_text(engine_conf(snap_engine(ref)), 0, mode, sizeof(mode));
	r = spawned ? spawn_refuses(engine_conf(snap_engine(ref))) : 0;
	snap_put(snap, ref);
	journal_say(jr, LOG_INFO, "%s", mode);
	if (r == 0 && !spawned && rate_new(&rates, &d) < 0) {
		fprintf(stderr, "certrelay-policyd: %s\n", d.what);
		return -1;
	}
	return r;
}

/* option - an option of policyd's own, or (ch -1) the check of them
 * all: -1 to go on, else an exit status */
static int
option(int ch, char *arg, struct daemon_opts *o)
{
	switch (ch) {
	case 'l': o->sock = arg; return -1;
	case 'H': header_mode = 1; return -1;
	case 't': idle_max = atoi(arg); return -1;
	case 'm': clients_max = atoi(arg); return -1;
	case -1: break;
	default:
		fprintf(stderr, "usage: certrelay-policyd -c CONF [-H] "
		    "[-l inet:PORT@HOST|unix:/path [-f [-q|-j]] "
		    "[-u USER] [-P PIDFILE] [-G GROUP] [-M MODE] [-t IDLE] "
		    "[-m MAX]]\n       certrelay-policyd -V\n");
		return ch == 'h' ? 0 : 2;
	}
	if (idle_max < 1 || clients_max < 1) {
		fprintf(stderr, "certrelay-policyd: -t and -m take a number "
		    "above 0\n");
		return 2;
	}
	if (o->conf == NULL) {
		fprintf(stderr, "certrelay-policyd: -c CONF is required\n");
		return 2;
	}
	/* spawn(8): stderr is the client; detached: /dev/null */
	if (o->log.stream && (!o->log.fg || o->sock == NULL)) {
		fprintf(stderr, "certrelay-policyd: -j needs -f and -l\n");
		return 2;
	}
	return -1;
}

static const struct daemon_cmd cmd = { "certrelay-policyd",
    "c:l:u:P:G:M:t:m:fqjHhV", option, openlog, closelog, syslog,
    DAEMON_NOTIFY };

/* serve_spawned - spawn(8): one client, on stdin and stdout */
static int
serve_spawned(void)
{
	struct client c;

	spawn_mode = 1;
	daemon_tick(snap, jr);		/* starts the regex set matcher */
	memset(&c, 0, sizeof(c));
	c.in = 0;
	c.out = 1;
	serve_stdio(&c);
	free(c.ans);
	return 0;
}

/* serve_listening - -l: bind, detach, serve every client: exit status */
static int
serve_listening(const struct daemon_opts *o)
{
	struct diag d;
	char pf[512], buf[DIAG_FILE_MAX + DIAG_WHAT_MAX + 32];
	mode_t old;
	int lfd = -1, r;

	diag_clear(&d);
	old = umask(0);
	umask(daemon_socket_umask(o, old));
	r = daemon_socket_clear(o->sock, &d) < 0 ||
	    (lfd = listen_on(o->sock, &d)) < 0 || daemon_socket_own(o, &d) < 0;
	umask(old);
	if (r || daemon_detach(o->user, o->log.fg, o->pidfile, &d) < 0) {
		fprintf(stderr, "certrelay-policyd: %s\n",
		    diag_str(&d, buf, sizeof(buf)));
		return 1;
	}
	if ((jr = daemon_log_open(jr, &o->log)) == NULL) {	/* a new pid */
		fprintf(stderr, "certrelay-policyd: cannot start the log\n");
		return 1;
	}
	journal_say(jr, LOG_INFO, "listening on %s (config %s); Postfix: "
	    "smtpd_relay_restrictions = ..., check_policy_service %s, "
	    "reject_unauth_destination", o->sock, o->conf,
	    daemon_postfix_socket(o->sock, pf, sizeof(pf)));
	stats = daemon_stats_open(snap, cmd.name, jr);
	daemon_ready(snap);
	serve_all(lfd);
	journal_say(jr, LOG_INFO, "stopped");
	if (o->pidfile)
		unlink(o->pidfile);
	return 0;
}

int
main(int argc, char **argv)
{
	struct daemon_opts o;
	int r;

	if ((r = daemon_begin(argc, argv, &cmd, &o, &jr)) >= 0)
		return r;
	if (start(o.conf, o.sock == NULL) < 0)
		r = 1;
	else {
		daemon_catch_signals();
		signal(SIGPIPE, SIG_IGN);
		r = o.sock == NULL ? serve_spawned() : serve_listening(&o);
	}
	journal_close(jr);
	return r;
}
