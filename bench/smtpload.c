/*
 * smtpload - TLS SMTP load generator: the whole SMTP path of a relay
 *
 * SYNOPSIS
 *	smtpload -s 127.0.0.1:PORT | -s [::1]:PORT -C FILE[,WEIGHT] ...
 *	    [-n SESSIONS] [-c CONCURRENCY] [-T SECONDS] [-r MAXRCPT]
 *	    [-z BYTES] [-d DOMAIN] [-t IOSECONDS] [-R] [-q]
 * DESCRIPTION
 *	Plays N SMTP sessions (-n, default 1000), c at a time (-c, default
 *	1, one thread each), against an MTA on the loopback address only:
 *	any other address is refused (a benchmark must not load a real
 *	relay by mistake). Each session: banner, EHLO, STARTTLS, the TLS
 *	handshake with a client certificate, EHLO, MAIL, 1 to MAXRCPT
 *	recipients in DOMAIN (-r, default 5, cycling with the session
 *	number; -d, default outside.example: a relay test), and when one
 *	was accepted DATA with a message of BYTES (-z, default 2048), then
 *	QUIT. A refused MAIL or a session with no recipient accepted goes
 *	straight to QUIT, as a client would.
 *
 *	-C names a PEM file holding a private key and its certificate
 *	(plus chain), "none" for no certificate; repeat it to make a
 *	pool (pinned, verified but not pinned, self-signed...). Session i
 *	takes the entry whose weights cover i modulo the sum of weights.
 *	-R resumes TLS sessions: each thread keeps, per pool entry, the
 *	last resumable session (TLS 1.3 ticket) and offers it next time.
 *	-t bounds every read and write (default 10 s); -T (default 300 s)
 *	is a hard deadline: no session starts after it, and the sockets
 *	still open are shut down, so the run ends within it.
 *
 *	Output: a human summary on stderr and one line on stdout:
 *	RESULT tool=smtpload c= n= sessions= completed= messages= errors=
 *	aborted= resumed= wall_s= sess_per_s= msg_per_s= p50_us= p99_us=
 *	max_us= and, per stage (banner ehlo starttls ehlo2 mail rcpt data
 *	dot quit), <stage>_2xx= <stage>_3xx= <stage>_4xx= <stage>_5xx=, and
 *	failed_<stage>= (also connect, tls) where sessions broke, if any.
 *	Latency is per session, connect to QUIT's reply, over the
 *	completed sessions. Exit 0, or 1 when a session failed (a network
 *	or TLS error, a deadline), 2 on a usage error.
 *
 *	Build: bench/run compiles it (gcc ... -lssl -lcrypto -lpthread).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_POOL	16
#define MAX_CONC	1024
#define LINE_MAX_	1024

enum stage {
	ST_BANNER, ST_EHLO, ST_STARTTLS, ST_EHLO2, ST_MAIL, ST_RCPT,
	ST_DATA, ST_DOT, ST_QUIT, ST_N,
	ST_CONNECT = ST_N, ST_TLS, ST_ALL	/* where a session can fail */
};
static const char *stage_name[ST_ALL] = {
	"banner", "ehlo", "starttls", "ehlo2", "mail", "rcpt", "data",
	"dot", "quit", "connect", "tls"
};

struct pool_entry {
	SSL_CTX	*ctx;
	int	 weight;
	const char *file;
};

struct opts {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	struct pool_entry pool[MAX_POOL];
	int	 npool, wsum;
	long	 n;
	int	 conc, maxrcpt, resume, quiet;
	size_t	 size;
	const char *domain;
	int	 io_ms;
	uint64_t deadline_ns;
};

/* one connection: the socket, TLS once started, a read buffer */
struct conn {
	int	 fd;
	SSL	*ssl;
	char	 buf[4096];
	size_t	 off, len;
};

struct tstat {
	uint64_t *lat;		/* ns, one per completed session */
	long	 nlat;
	unsigned long replies[ST_N][6];	/* by first digit */
	unsigned long failed[ST_ALL];	/* sessions broken at that stage */
	enum stage at;			/* the stage in progress */
	unsigned long completed, messages, errors, aborted, resumed;
	SSL_SESSION *sess[MAX_POOL];
	int	 slot;		/* index in active_fd[] */
	char	*body;
	size_t	 bodylen;
	uint64_t t_end;		/* when the thread took its last session */
};

static struct opts o;
static atomic_long next_sess;
static atomic_int stopping;
static pthread_mutex_t active_mu = PTHREAD_MUTEX_INITIALIZER;
static int active_fd[MAX_CONC];

/* now_ns - monotonic clock, for latencies and the deadline */
static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* usage - the synopsis, exit 2 */
static void
usage(void)
{
	fprintf(stderr, "usage: smtpload -s 127.0.0.1:PORT|[::1]:PORT "
	    "-C FILE[,W] ... [-n N] [-c C] [-T S] [-r MAXRCPT] [-z BYTES]\n"
	    "    [-d DOMAIN] [-t IOSECONDS] [-R] [-q]\n");
	exit(2);
}

/* parse_target - HOST:PORT where HOST is the loopback address and
 * nothing else: this tool must never load a real relay */
static int
parse_target(const char *spec, struct opts *op)
{
	char host[64];
	const char *colon = strrchr(spec, ':');
	struct sockaddr_in *s4 = (struct sockaddr_in *)&op->addr;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&op->addr;
	long port;
	size_t hl;
	char *end;

	if (colon == NULL)
		return -1;
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 1 || port > 65535)
		return -1;
	hl = (size_t)(colon - spec);
	if (hl >= 2 && spec[0] == '[' && spec[hl - 1] == ']') {
		spec++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, spec, hl);
	host[hl] = '\0';
	memset(&op->addr, 0, sizeof(op->addr));
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		if (ntohl(s4->sin_addr.s_addr) != INADDR_LOOPBACK)
			return -1;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		op->addrlen = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		if (!IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
			return -1;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		op->addrlen = sizeof(*s6);
		return 0;
	}
	return -1;
}

/* pool_add - FILE[,WEIGHT]: one client identity of the pool */
static int
pool_add(struct opts *op, const char *arg)
{
	struct pool_entry *pe;
	char *file, *comma;

	if (op->npool == MAX_POOL || (file = strdup(arg)) == NULL)
		return -1;
	pe = &op->pool[op->npool];
	pe->weight = 1;
	if ((comma = strrchr(file, ',')) != NULL) {
		*comma = '\0';
		if ((pe->weight = atoi(comma + 1)) < 1)
			goto bad;
	}
	pe->file = file;
	if ((pe->ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		goto bad;
	/* the server's certificate is not what is measured */
	SSL_CTX_set_verify(pe->ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(pe->ctx, SSL_SESS_CACHE_CLIENT |
	    SSL_SESS_CACHE_NO_INTERNAL_STORE);
	if (strcmp(file, "none") != 0 &&
	    (SSL_CTX_use_certificate_chain_file(pe->ctx, file) != 1 ||
	    SSL_CTX_use_PrivateKey_file(pe->ctx, file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(pe->ctx) != 1)) {
		fprintf(stderr, "smtpload: %s: ", file);
		ERR_print_errors_fp(stderr);
		goto bad;
	}
	op->wsum += pe->weight;
	op->npool++;
	return 0;
bad:
	SSL_CTX_free(pe->ctx);
	pe->ctx = NULL;
	free(file);
	return -1;
}

/* pool_pick - the entry of session i: weights laid end to end */
static int
pool_pick(long i)
{
	long w = i % o.wsum;
	int k;

	for (k = 0; k < o.npool - 1; k++) {
		if (w < o.pool[k].weight)
			break;
		w -= o.pool[k].weight;
	}
	return k;
}

/* wait_io - poll FD for EV until the I/O timeout or the deadline; a
 * blocked peer costs at most that */
static int
wait_io(int fd, short ev)
{
	struct pollfd p = { .fd = fd, .events = ev };
	uint64_t now = now_ns();
	int ms = o.io_ms, r;

	if (now >= o.deadline_ns || atomic_load(&stopping))
		return -1;
	if ((o.deadline_ns - now) / 1000000 < (uint64_t)ms)
		ms = (int)((o.deadline_ns - now) / 1000000) + 1;
	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : -1;
}

/* conn_read - more bytes into the buffer, clear or TLS */
static int
conn_read(struct conn *cn)
{
	int r, e;

	if (cn->off > 0) {
		memmove(cn->buf, cn->buf + cn->off, cn->len - cn->off);
		cn->len -= cn->off;
		cn->off = 0;
	}
	if (cn->len == sizeof(cn->buf))
		return -1;
	for (;;) {
		if ((cn->ssl == NULL || !SSL_has_pending(cn->ssl)) &&
		    wait_io(cn->fd, POLLIN) < 0)
			return -1;
		if (cn->ssl == NULL) {
			r = (int)read(cn->fd, cn->buf + cn->len,
			    sizeof(cn->buf) - cn->len);
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			break;
		}
		r = SSL_read(cn->ssl, cn->buf + cn->len,
		    (int)(sizeof(cn->buf) - cn->len));
		e = r > 0 ? SSL_ERROR_NONE : SSL_get_error(cn->ssl, r);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			break;
	}
	if (r <= 0)
		return -1;
	cn->len += (size_t)r;
	return 0;
}

/* conn_write - all of P, clear or TLS */
static int
conn_write(struct conn *cn, const char *p, size_t n)
{
	int r, e;

	while (n > 0) {
		if (wait_io(cn->fd, POLLOUT) < 0)
			return -1;
		if (cn->ssl == NULL) {
			r = (int)write(cn->fd, p, n);
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
		} else {
			r = SSL_write(cn->ssl, p, (int)n);
			e = r > 0 ? SSL_ERROR_NONE : SSL_get_error(cn->ssl, r);
			if (e == SSL_ERROR_WANT_READ ||
			    e == SSL_ERROR_WANT_WRITE)
				continue;
		}
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* reply - one (multi-line) SMTP reply: its code, counted under ST;
 * -1 on a broken connection or a line that is no reply */
static int
reply(struct conn *cn, struct tstat *ts, enum stage st)
{
	char *nl, *line;
	int code;

	ts->at = st;
	for (;;) {
		nl = memchr(cn->buf + cn->off, '\n', cn->len - cn->off);
		if (nl == NULL) {
			if (conn_read(cn) < 0)
				return -1;
			continue;
		}
		line = cn->buf + cn->off;
		cn->off = (size_t)(nl - cn->buf) + 1;
		if (nl - line < 3 || line[0] < '1' || line[0] > '5')
			return -1;
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
		    (line[2] - '0');
		if (nl - line > 3 && line[3] == '-')
			continue;	/* continuation: wait for the last */
		ts->replies[st][line[0] - '0']++;
		return code;
	}
}

/* cmd - send a command line and read its reply */
static int
cmd(struct conn *cn, struct tstat *ts, enum stage st, const char *line)
{
	char b[LINE_MAX_];
	int n;

	n = snprintf(b, sizeof(b), "%s\r\n", line);
	if (n < 0 || (size_t)n >= sizeof(b) ||
	    conn_write(cn, b, (size_t)n) < 0)
		return -1;
	return reply(cn, ts, st);
}

/* conn_open - connect, register the socket so that the deadline can
 * shut it down */
static int
conn_open(struct conn *cn, struct tstat *ts)
{
	int one = 1;

	memset(cn, 0, sizeof(*cn));
	cn->fd = socket(o.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cn->fd < 0)
		return -1;
	setsockopt(cn->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	pthread_mutex_lock(&active_mu);
	active_fd[ts->slot] = cn->fd;
	pthread_mutex_unlock(&active_mu);
	if (atomic_load(&stopping) ||
	    connect(cn->fd, (struct sockaddr *)&o.addr, o.addrlen) < 0)
		return -1;
	return 0;
}

/* conn_close - unregister first: the deadline must never shut down a
 * descriptor number that was reused */
static void
conn_close(struct conn *cn, struct tstat *ts)
{
	pthread_mutex_lock(&active_mu);
	active_fd[ts->slot] = -1;
	pthread_mutex_unlock(&active_mu);
	if (cn->ssl != NULL)
		SSL_free(cn->ssl);
	if (cn->fd >= 0)
		close(cn->fd);
	cn->ssl = NULL;
	cn->fd = -1;
}

/* tls_start - the handshake after "220 ready", with the pool entry's
 * certificate and, with -R, its last session */
static int
tls_start(struct conn *cn, struct tstat *ts, int k)
{
	int r, e;

	ts->at = ST_TLS;
	if (cn->off != cn->len)
		return -1;	/* clear text after 220: an injection */
	if ((cn->ssl = SSL_new(o.pool[k].ctx)) == NULL ||
	    SSL_set_fd(cn->ssl, cn->fd) != 1)
		return -1;
	if (o.resume && ts->sess[k] != NULL)
		SSL_set_session(cn->ssl, ts->sess[k]);
	for (;;) {
		r = SSL_connect(cn->ssl);
		if (r == 1)
			break;
		e = SSL_get_error(cn->ssl, r);
		if (e == SSL_ERROR_WANT_READ && wait_io(cn->fd, POLLIN) == 0)
			continue;
		if (e == SSL_ERROR_WANT_WRITE &&
		    wait_io(cn->fd, POLLOUT) == 0)
			continue;
		return -1;
	}
	if (SSL_session_reused(cn->ssl))
		ts->resumed++;
	return 0;
}

/* keep_session - with -R, the newest resumable session of entry K (TLS
 * 1.3 tickets come after the handshake: taken at the end) */
static void
keep_session(struct conn *cn, struct tstat *ts, int k)
{
	SSL_SESSION *s;

	if (!o.resume || cn->ssl == NULL)
		return;
	s = SSL_get1_session(cn->ssl);
	if (s == NULL)
		return;
	if (!SSL_SESSION_is_resumable(s)) {
		SSL_SESSION_free(s);
		return;
	}
	if (ts->sess[k] != NULL)
		SSL_SESSION_free(ts->sess[k]);
	ts->sess[k] = s;
	/* SSL_free() of a connection not shut down marks its session not
	 * resumable: this one ended well, after QUIT */
	SSL_set_shutdown(cn->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
}

/* message - DATA, the message, its final dot: 1 queued, 0 refused, -1
 * error */
static int
message(struct conn *cn, struct tstat *ts, long i)
{
	char hdr[512];
	int n, code;

	if ((code = cmd(cn, ts, ST_DATA, "DATA")) < 0)
		return -1;
	if (code != 354)
		return 0;
	n = snprintf(hdr, sizeof(hdr), "From: <load%ld@client.example>\r\n"
	    "To: <u%ld@%s>\r\nSubject: smtpload %ld\r\n"
	    "Message-ID: <%ld.%d@smtpload.example>\r\n\r\n",
	    i, i, o.domain, i, i, (int)getpid());
	if (n < 0 || (size_t)n >= sizeof(hdr) ||
	    conn_write(cn, hdr, (size_t)n) < 0 ||
	    conn_write(cn, ts->body, ts->bodylen) < 0)
		return -1;
	if ((code = reply(cn, ts, ST_DOT)) < 0)
		return -1;
	return code / 100 == 2;
}

/* transaction - MAIL, RCPTs, the message: -1 on a broken session */
static int
transaction(struct conn *cn, struct tstat *ts, long i)
{
	char line[LINE_MAX_];
	int j, code, nrcpt, ok = 0;

	snprintf(line, sizeof(line), "MAIL FROM:<load%ld@client.example>", i);
	if ((code = cmd(cn, ts, ST_MAIL, line)) < 0)
		return -1;
	if (code / 100 != 2)
		return 0;
	nrcpt = 1 + (int)(i % o.maxrcpt);
	for (j = 0; j < nrcpt; j++) {
		snprintf(line, sizeof(line), "RCPT TO:<u%ld.%d@%s>", i, j,
		    o.domain);
		if ((code = cmd(cn, ts, ST_RCPT, line)) < 0)
			return -1;
		ok += code / 100 == 2;
	}
	if (ok == 0)
		return 0;
	if ((code = message(cn, ts, i)) < 0)
		return -1;
	ts->messages += (unsigned long)code;
	return 0;
}

/* session - one SMTP session, start to QUIT: 0 done, -1 failed */
static int
session(struct tstat *ts, long i)
{
	struct conn cn;
	int k = pool_pick(i), rc = -1;
	uint64_t t0 = now_ns();

	ts->at = ST_CONNECT;
	if (conn_open(&cn, ts) < 0)
		goto out;
	if (reply(&cn, ts, ST_BANNER) / 100 != 2 ||
	    cmd(&cn, ts, ST_EHLO, "EHLO client.example") / 100 != 2 ||
	    cmd(&cn, ts, ST_STARTTLS, "STARTTLS") != 220 ||
	    tls_start(&cn, ts, k) < 0 ||
	    cmd(&cn, ts, ST_EHLO2, "EHLO client.example") / 100 != 2)
		goto out;
	if (transaction(&cn, ts, i) < 0 ||
	    cmd(&cn, ts, ST_QUIT, "QUIT") < 0)
		goto out;
	keep_session(&cn, ts, k);
	ts->lat[ts->nlat++] = now_ns() - t0;
	ts->completed++;
	rc = 0;
out:
	if (rc < 0 && (atomic_load(&stopping) || now_ns() >= o.deadline_ns))
		ts->aborted++;
	else if (rc < 0)
		ts->errors++;
	if (rc < 0)
		ts->failed[ts->at]++;
	conn_close(&cn, ts);
	return rc;
}

/* worker - sessions until N are taken or the deadline */
static void *
worker(void *arg)
{
	struct tstat *ts = arg;
	long i;

	while (!atomic_load(&stopping) && now_ns() < o.deadline_ns) {
		i = atomic_fetch_add(&next_sess, 1);
		if (i >= o.n)
			break;
		if (session(ts, i) < 0 && !o.quiet && ts->errors == 1)
			fprintf(stderr, "smtpload: session %ld failed "
			    "(first failure of a thread)\n", i);
	}
	ts->t_end = now_ns();
	return NULL;
}

/* make_body - the message text: 76-column lines up to -z bytes, then
 * the final dot */
static int
make_body(struct tstat *ts)
{
	size_t n = o.size, i;

	if ((ts->body = malloc(n + 8)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		ts->body[i] = (i % 78 == 76) ? '\r' :
		    (i % 78 == 77) ? '\n' : (char)('a' + i % 26);
	memcpy(ts->body + n, "\r\n.\r\n", 5);
	ts->bodylen = n + 5;
	return 0;
}

/* shut_active - the deadline: every open socket of every thread shut
 * down, so blocked reads and handshakes return at once */
static void
shut_active(void)
{
	int k;

	atomic_store(&stopping, 1);
	pthread_mutex_lock(&active_mu);
	for (k = 0; k < o.conc; k++)
		if (active_fd[k] >= 0)
			shutdown(active_fd[k], SHUT_RDWR);
	pthread_mutex_unlock(&active_mu);
}

/* cmp_u64 - qsort order of latencies */
static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* pct - percentile P of N sorted values, in µs */
static double
pct(const uint64_t *v, long n, double p)
{
	long k;

	if (n == 0)
		return 0;
	k = (long)(p * (double)(n - 1) + 0.5);
	return (double)v[k] / 1e3;
}

/* report - merge the threads' counts, print the summary and RESULT */
static int
report(struct tstat *ts, double wall)
{
	struct tstat t;
	uint64_t *all;
	long nall = 0;
	int k, s, d;

	memset(&t, 0, sizeof(t));
	if ((all = malloc(sizeof(*all) * (size_t)(o.n + 1))) == NULL)
		return -1;
	for (k = 0; k < o.conc; k++) {
		memcpy(all + nall, ts[k].lat,
		    sizeof(*all) * (size_t)ts[k].nlat);
		nall += ts[k].nlat;
		t.completed += ts[k].completed;
		t.messages += ts[k].messages;
		t.errors += ts[k].errors;
		t.aborted += ts[k].aborted;
		t.resumed += ts[k].resumed;
		for (s = 0; s < ST_N; s++)
			for (d = 0; d < 6; d++)
				t.replies[s][d] += ts[k].replies[s][d];
		for (s = 0; s < ST_ALL; s++)
			t.failed[s] += ts[k].failed[s];
	}
	qsort(all, (size_t)nall, sizeof(*all), cmp_u64);
	fprintf(stderr, "smtpload: %lu sessions completed, %lu messages, "
	    "%lu errors, %lu aborted at the deadline, %lu resumed, %.3f s\n",
	    t.completed, t.messages, t.errors, t.aborted, t.resumed, wall);
	printf("RESULT tool=smtpload c=%d n=%ld sessions=%lu completed=%lu "
	    "messages=%lu errors=%lu aborted=%lu resumed=%lu wall_s=%.4f "
	    "sess_per_s=%.1f msg_per_s=%.1f p50_us=%.1f p99_us=%.1f "
	    "max_us=%.1f", o.conc, o.n, t.completed + t.errors + t.aborted,
	    t.completed, t.messages, t.errors, t.aborted, t.resumed, wall,
	    (double)t.completed / wall, (double)t.messages / wall,
	    pct(all, nall, 0.50), pct(all, nall, 0.99),
	    nall ? (double)all[nall - 1] / 1e3 : 0.0);
	for (s = 0; s < ST_N; s++)
		for (d = 2; d <= 5; d++)
			printf(" %s_%dxx=%lu", stage_name[s], d,
			    t.replies[s][d]);
	for (s = 0; s < ST_ALL; s++)
		if (t.failed[s] > 0)
			printf(" failed_%s=%lu", stage_name[s], t.failed[s]);
	printf("\n");
	free(all);
	return t.errors + t.aborted > 0 ? 1 : 0;
}

/* parse_args - the options into o; usage() on anything wrong */
static void
parse_args(int argc, char **argv)
{
	int ch, have_target = 0;
	double tsec = 300;

	o.n = 1000;
	o.conc = 1;
	o.maxrcpt = 5;
	o.size = 2048;
	o.domain = "outside.example";
	o.io_ms = 10000;
	while ((ch = getopt(argc, argv, "s:C:n:c:T:r:z:d:t:Rq")) != -1) {
		switch (ch) {
		case 's':
			if (parse_target(optarg, &o) < 0) {
				fprintf(stderr, "smtpload: %s: not "
				    "127.0.0.1:PORT or [::1]:PORT (loopback "
				    "only)\n", optarg);
				exit(2);
			}
			have_target = 1;
			break;
		case 'C':
			if (pool_add(&o, optarg) < 0) {
				fprintf(stderr, "smtpload: -C %s: cannot "
				    "use it\n", optarg);
				exit(2);
			}
			break;
		case 'n': o.n = atol(optarg); break;
		case 'c': o.conc = atoi(optarg); break;
		case 'T': tsec = atof(optarg); break;
		case 'r': o.maxrcpt = atoi(optarg); break;
		case 'z': o.size = (size_t)atol(optarg); break;
		case 'd': o.domain = optarg; break;
		case 't': o.io_ms = (int)(atof(optarg) * 1000); break;
		case 'R': o.resume = 1; break;
		case 'q': o.quiet = 1; break;
		default: usage();
		}
	}
	if (!have_target || o.npool == 0 || o.n < 1 || o.conc < 1 ||
	    o.conc > MAX_CONC || tsec <= 0 || o.maxrcpt < 1 ||
	    o.maxrcpt > 100 || o.io_ms < 1 || o.size > (1u << 26) ||
	    optind != argc)
		usage();
	if (o.conc > o.n)
		o.conc = (int)o.n;
	o.deadline_ns = now_ns() + (uint64_t)(tsec * 1e9);
}

/* run - start the threads, watch the deadline, join them; the wall
 * time ends with the last thread's last session, not with this loop's
 * polling */
static int
run(struct tstat *ts, pthread_t *th, uint64_t *t_end)
{
	int k, done;

	for (k = 0; k < o.conc; k++) {
		ts[k].slot = k;
		active_fd[k] = -1;
		ts[k].lat = malloc(sizeof(uint64_t) * (size_t)(o.n + 1));
		if (ts[k].lat == NULL || make_body(&ts[k]) < 0 ||
		    pthread_create(&th[k], NULL, worker, &ts[k]) != 0)
			return -1;
	}
	for (;;) {
		done = atomic_load(&next_sess) >= o.n + o.conc;
		if (done || now_ns() >= o.deadline_ns)
			break;
		usleep(20000);
	}
	if (!done)
		shut_active();
	*t_end = 0;
	for (k = 0; k < o.conc; k++) {
		pthread_join(th[k], NULL);
		if (ts[k].t_end > *t_end)
			*t_end = ts[k].t_end;
	}
	return 0;
}

/* main - options, the run, the report; the exit status says whether
 * every session completed */
int
main(int argc, char **argv)
{
	static struct tstat ts[MAX_CONC];
	static pthread_t th[MAX_CONC];
	uint64_t t0, t1;
	int rc;

	signal(SIGPIPE, SIG_IGN);
	parse_args(argc, argv);
	t0 = now_ns();
	if (run(ts, th, &t1) < 0) {
		fprintf(stderr, "smtpload: out of memory or threads\n");
		return 2;
	}
	rc = report(ts, (double)(t1 - t0) / 1e9);
	return rc < 0 ? 2 : rc;
}
