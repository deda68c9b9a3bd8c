/*
 * certrelay-milter - TLS client certificate rules for Postfix and Sendmail
 *
 * SYNOPSIS
 *	certrelay-milter -c CONF -p SOCKET [-f [-q|-j]] [-u USER] [-P PIDFILE]
 *	    [-G GROUP] [-M MODE]
 *	certrelay-milter -V
 * DESCRIPTION
 *	A libmilter front-end to lib/: each callback copies the MTA's macros
 *	into the session, builds one struct request and asks decide() at the
 *	right stage (MAIL: AUTH over clear or weak TLS; RCPT: certificate
 *	rules and gatekeeper), then maps the decision to SMFIS_* and
 *	smfi_setreply(code, dsn, text) in one table by action (answers[]).
 *	It asks the MTA for every macro it needs with smfi_setsymlist()
 *	(which replaces the MTA's list for a stage). The
 *	certificate decision is made once a session and reused for every
 *	recipient. Relayed mail gets the trace header; a header of that name
 *	sent by the client is removed. MAIL FROM goes into the request for
 *	the sender binding (decided at MAIL); the per-certificate counters
 *	(lib/rate.c) are the process's, kept across reloads, shared by the
 *	threads, and their warnings are logged beside the RCPT line.
 *
 *	libmilter runs in its own thread and its signal thread takes SIGTERM
 *	and SIGINT (stop); the main thread keeps SIGHUP (reload) and checks
 *	once a second whether a table changed. With stats_file it counts
 *	(lib/stats.c: sessions, MAIL and RCPT decisions, rule hits) and
 *	the main thread writes the file, also on SIGUSR2. In mode = warn
 *	each decision is answered as warn_soften() says (lib/warn.c: no
 *	opinion, except at a gated listener's gate) and logged with would=. Sessions keep the snapshot
 *	they started with. A unix socket gets GROUP and MODE (-G, -M;
 *	default mode 0666, the directory deciding who may reach it); one
 *	left by a crash is replaced, one something listens on is not
 *	(lib/daemon.c). See certrelay-milter(8).
 * DIAGNOSTICS
 *	Bad configuration or table at start: file:line: what on stderr, exit
 *	1. At reload: logged, the tables in service stay. A table that fails
 *	during a decision: "ID: error: file:line: what" beside the
 *	decision's line, and TEMPFAIL.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "decide.h"
#include "macro.h"
#include "daemon.h"
#include "journal.h"
#include "logline.h"
#include "snap.h"
#include "stats.h"
#include "warn.h"

static struct snap *snap;
static struct rate *rates;		/* per certificate, across reloads */
static struct stats *stats;		/* NULL: no stats_file */
static struct journal *jr;		/* log_open() */
/* warnings given once a process, from any worker thread */
static atomic_int warned_fp, warned_verify, warned_auth_type;
static unsigned long conn_counter;
static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;

/* One SMTP session. */
struct sess {
	struct snap_ref *ref;
	char	conn_id[32];
	struct macros m;
	struct request req;
	int	relayed;		/* a cert rule relayed a recipient */
	struct decision relay;
	int	foreign_headers;	/* client-sent headers of our name */
	char	sender[512];		/* MAIL FROM as the MTA passed it */
};

/* getsym - smfi_getsymval() as lib/macro wants it */
static const char *
getsym(void *ctx, const char *name)
{
	return smfi_getsymval(ctx, (char *)name);
}

/* collect - every macro we use, wherever the MTA sends it */
static void
collect(SMFICTX *ctx, struct sess *s)
{
	macros_collect(&s->m, getsym, ctx);
}

/* warn_once - a macro the rules need never arrives */
static void
warn_once(const struct sess *s, const struct engine *e)
{
	if (s->m.tls_version[0] == 0)
		return;
	if (engine_table(e, TABLE_FINGERPRINT) && !s->m.have_fp &&
	    atomic_exchange(&warned_fp, 1) == 0)
		journal_say(jr, LOG_WARNING,
		    "warning: fingerprint_table is set "
		    "but the MTA sends no {cert_fp} or {cert_md5}: fingerprint rules "
		    "cannot match here (%s)", macros_is_postfix(&s->m) ?
		    "Postfix gives "
		    "fingerprints only to a policy server: use "
		    "certrelay-policyd" : "Sendmail: add {cert_fp} to "
		    "confMILTER_MACROS_HELO and set CertFingerprintAlgorithm");
	if (!macros_is_postfix(&s->m) && !s->m.have_verify &&
	    atomic_exchange(&warned_verify, 1) == 0)
		journal_say(jr, LOG_WARNING,
		    "warning: the MTA sends no {verify}: "
		    "no certificate counts as verified; add {verify} to "
		    "confMILTER_MACROS_HELO and confMILTER_MACROS_ENVFROM");
}

/* warn_auth_type - AUTH happened ({auth_authen}) but no {auth_type}
 * came: the AUTH guard cannot see AUTH at all */
static void
warn_auth_type(const struct sess *s)
{
	if (macros_auth_type_missing(&s->m) &&
	    atomic_exchange(&warned_auth_type, 1) == 0)
		journal_say(jr, LOG_WARNING,
		    "warning: the MTA sends {auth_authen} "
		    "but no {auth_type}: SMTP AUTH in clear is not refused "
		    "and AUTH grants no relay; add {auth_type} to the HELO and "
		    "MAIL macros (%s)", macros_is_postfix(&s->m) ?
		    "milter_helo_macros, milter_mail_macros" :
		    "confMILTER_MACROS_HELO, confMILTER_MACROS_ENVFROM");
}

/* warn_exposed - the credentials of this session crossed in clear, or
 * may have: who and from where, escaped (the user name is the client's) */
static void
warn_exposed(const struct sess *s, int softened)
{
	char who[1024] = "", client[400];
	const char *how;

	snprintf(client, sizeof(client), "%s[%s]", s->m.client_name,
	    s->m.client_addr);
	logline_kv(who, sizeof(who), "user", s->m.auth_user);
	logline_kv(who, sizeof(who), "client", client);
	logline_kv(who, sizeof(who), "auth", s->m.auth_type);
	if (s->m.tls_version[0] == 0)
		how = "SMTP AUTH without TLS: the password crossed the network "
		    "in clear";
	else if (s->m.tls_helo_authed)
		how = "SMTP AUTH before STARTTLS (already authenticated at the "
		    "EHLO over TLS): the password crossed the network in "
		    "clear";
	else
		how = "SMTP AUTH not shown to follow STARTTLS (no EHLO over "
		    "TLS before it): the password may have crossed the "
		    "network in clear";
	journal_say(jr, LOG_WARNING, "warning: %s: %s; mail %s, have the "
	    "password changed", who, how, softened ? "not refused (mode = "
	    "warn)" : "refused");
}

/* fill_request - the session as lib/ wants it (scratch kept) */
static void
fill_request(struct sess *s)
{
	s->req.id = s->conn_id;
	macros_request(&s->m, &s->req);
	s->req.sender = s->sender[0] ? s->sender : NULL;
	s->req.rate = rates;
}

/* set_sender - MAIL FROM; one too long for the buffer is kept as a
 * word with no '@', which no certificate owns (never cut: a cut address
 * could be another, or look like <>) */
static void
set_sender(struct sess *s, const char *arg)
{
	if (arg == NULL)
		arg = "";
	if (strlen(arg) >= sizeof(s->sender))
		arg = "too-long";
	memcpy(s->sender, arg, strlen(arg) + 1);
}

/* say_warnings - the counters' warnings, one line each */
static void
say_warnings(struct sess *s, const struct decision *dec)
{
	char line[2048];
	size_t n;

	if (dec->warn & RATE_WARN_LIMIT) {
		n = rate_warning(&s->req, RATE_WARN_LIMIT, line, sizeof(line));
		journal_line(jr, LOG_WARNING, line, n);
	}
	if (dec->warn & RATE_WARN_ADDRS) {
		n = rate_warning(&s->req, RATE_WARN_ADDRS, line, sizeof(line));
		journal_line(jr, LOG_WARNING, line, n);
	}
}

/* log_decision - one key=value line; softened: "would=" says what
 * enforce mode answers */
static void
log_decision(struct sess *s, const struct decision *dec, const char *stage,
    int softened, enum act would)
{
	char line[4096];
	size_t n;

	n = logline_format(&s->req, dec, stage, line, sizeof(line));
	if (softened)
		n = warn_mark(line, n, sizeof(line), would);
	journal_line(jr, dec->action == ACT_TEMPFAIL ? LOG_WARNING : LOG_INFO,
	    line, n);
}

/* The milter's answer to each action, in enum act order: with reply,
 * smfi_setreply() gets the decision's code, DSN and text, and the code's
 * class picks REJECT or TEMPFAIL (ERROR:4.7.1:450 tempfails): libmilter
 * sends a reply only with the status of its class, else drops it. */
static const struct {
	enum act act;
	sfsistat status;
	int	reply;
} answers[] = {
	{ ACT_DUNNO,	SMFIS_CONTINUE,	0 },
	{ ACT_RELAY,	SMFIS_CONTINUE,	0 },
	{ ACT_REJECT,	SMFIS_REJECT,	1 },
	{ ACT_ERROR,	SMFIS_REJECT,	1 },
	{ ACT_TEMPFAIL,	SMFIS_TEMPFAIL,	1 },
	{ ACT_DISCARD,	SMFIS_DISCARD,	0 },
	{ ACT_SUBJECT,	SMFIS_CONTINUE,	0 },
};
_Static_assert(sizeof(answers) / sizeof(answers[0]) == ACT_NACTS,
    "a milter answer for every action, in enum act order");

/* answer - SMFIS_* for the decision, and its reply */
static sfsistat
answer(SMFICTX *ctx, const struct decision *dec)
{
	if ((unsigned)dec->action >= ACT_NACTS ||
	    answers[dec->action].act != dec->action)
		return SMFIS_TEMPFAIL;	/* a table out of order: no relay */
	if (!answers[dec->action].reply || dec->code[0] == 0)
		return answers[dec->action].status;
	smfi_setreply(ctx, (char *)dec->code, dec->dsn[0] ? (char *)dec->dsn :
	    NULL, dec->text[0] ? (char *)dec->text : NULL);
	return dec->code[0] == '4' ? SMFIS_TEMPFAIL : SMFIS_REJECT;
}

/* sess_of - private data, or NULL (the caller tempfails) */
static struct sess *
sess_of(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

/* mlfi_negotiate - ask for every macro we use, at every stage */
static sfsistat
mlfi_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	/* {auth_*} at HELO: set there only if AUTH came before STARTTLS */
	static const char tls[] = "{tls_version} {cipher} {cipher_bits} "
	    "{cert_subject} {cert_issuer} {verify} {cert_fp} {cert_md5} "
	    "{auth_type} {auth_authen}";

	(void)f2, (void)f3;
	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS);
	/* connect, HELO and headers never refuse: no reply, a round trip
	 * less each (libmilter fakes the reply for an MTA without them) */
	*pf1 = (f1 & (SMFIP_NOBODY | SMFIP_NOUNKNOWN | SMFIP_NOEOH)) |
	    SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_HDR;
	*pf2 = *pf3 = 0;
	smfi_setsymlist(ctx, SMFIM_CONNECT, "j {daemon_name} v _ "
	    "{client_addr} {client_name}");
	smfi_setsymlist(ctx, SMFIM_HELO, (char *)tls);
	smfi_setsymlist(ctx, SMFIM_ENVFROM, "i {auth_type} {auth_authen} "
	    "{auth_ssf} {mail_addr} {tls_version} {cipher} {cipher_bits} "
	    "{cert_subject} {cert_issuer} {verify} {cert_fp} {cert_md5}");
	smfi_setsymlist(ctx, SMFIM_ENVRCPT, "i {rcpt_addr} {rcpt_mailer}");
	smfi_setsymlist(ctx, SMFIM_EOM, "i");
	return SMFIS_CONTINUE;
}

/* mlfi_connect - a session starts on the snapshot in service */
static sfsistat
mlfi_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	struct sess *s;
	unsigned long n;

	(void)sa;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return SMFIS_NOREPLY;	/* no session: MAIL tempfails */
	pthread_mutex_lock(&counter_lock);
	n = ++conn_counter;
	pthread_mutex_unlock(&counter_lock);
	snprintf(s->conn_id, sizeof(s->conn_id), "conn-%lu", n);
	snprintf(s->m.client_name, sizeof(s->m.client_name), "%s",
	    host ? host : "unknown");
	macros_connect(&s->m, getsym, ctx);	/* the listener */
	request_init(&s->req);
	s->req.client_name = s->m.client_name;
	s->ref = snap_get(snap);
	smfi_setpriv(ctx, s);
	stats_session(stats, 1);
	return SMFIS_NOREPLY;
}

/*
 * mlfi_helo - nothing to decide; notes whether this HELO was over TLS and
 * after AUTH (the AUTH guard, macros_helo()). Registered also so that an
 * MTA which does not honour smfi_setsymlist() still sends its HELO macros
 * (the TLS ones, by Postfix's default): libmilter keeps them, and MAIL
 * reads them.
 */
static sfsistat
mlfi_helo(SMFICTX *ctx, char *helo)
{
	struct sess *s = sess_of(ctx);

	(void)helo;
	if (s != NULL)
		macros_helo(&s->m, getsym, ctx);
	return SMFIS_NOREPLY;
}

/* mlfi_envfrom - the AUTH guard; the certificate decision, once */
static sfsistat
mlfi_envfrom(SMFICTX *ctx, char **argv)
{
	struct sess *s = sess_of(ctx);
	const struct engine *e;
	struct decision dec;
	struct diag d;
	enum act would;
	int softened;

	if (s == NULL)
		return SMFIS_TEMPFAIL;
	/* the macros of connect, HELO and MAIL: libmilter keeps each
	 * stage's until that stage comes again */
	collect(ctx, s);
	set_sender(s, argv[0]);
	s->m.rcpt[0] = 0;
	s->relayed = 0;			/* a new message */
	s->foreign_headers = 0;
	fill_request(s);
	e = snap_engine(s->ref);
	diag_clear(&d);
	warn_auth_type(s);
	if (!s->req.cert_done) {
		warn_once(s, e);
		decide(e, &s->req, STAGE_CERT, &dec, &d);
		/* the verdict is in every RCPT line; a line of its own only
		 * when part of the certificate could not be used */
		if (s->req.note[0] || d.what[0])
			log_decision(s, &dec, "cert", 0, ACT_DUNNO);
		if (d.what[0])
			stats_lookup_failed(stats);
		daemon_say_diag(jr, s->req.id, &d);	/* file:line: why */
		diag_clear(&d);
	}
	decide(e, &s->req, STAGE_MAIL, &dec, &d);
	stats_request(stats);
	softened = warn_soften(engine_conf(e), &s->req, STAGE_MAIL, 1,
	    &dec, &would);
	stats_decision(stats, STATS_MAIL, &dec, would);
	if (would == ACT_REJECT || d.what[0]) {
		log_decision(s, &dec, "mail", softened, would);
		daemon_say_diag(jr, s->req.id, &d);
		if (dec.clear_auth)
			warn_exposed(s, softened);
	}
	return answer(ctx, &dec);
}

/* mlfi_envrcpt - certificate rules and the gatekeeper, per recipient */
static sfsistat
mlfi_envrcpt(SMFICTX *ctx, char **argv)
{
	struct sess *s = sess_of(ctx);
	struct decision dec;
	struct diag d;
	enum act would;
	int softened;

	if (s == NULL)
		return SMFIS_TEMPFAIL;
	if (!macros_rcpt(&s->m, getsym, ctx, argv[0]))
		return SMFIS_CONTINUE;	/* the MTA refused it already */
	fill_request(s);
	diag_clear(&d);
	decide(snap_engine(s->ref), &s->req, STAGE_RCPT, &dec, &d);
	stats_request(stats);
	softened = warn_soften(engine_conf(snap_engine(s->ref)), &s->req,
	    STAGE_RCPT, 1, &dec, &would);
	stats_decision(stats, STATS_RCPT, &dec, would);
	if (d.what[0])
		stats_lookup_failed(stats);
	/* silent only where there is nothing to say: a local recipient,
	 * or no certificate and no opinion */
	if (would != ACT_DUNNO || dec.kind == KIND_NO_RULE)
		log_decision(s, &dec, "rcpt", softened, would);
	daemon_say_diag(jr, s->req.id, &d);
	if (dec.warn)
		say_warnings(s, &dec);
	if (dec.action == ACT_RELAY && dec.table && !s->relayed) {
		s->relayed = 1;
		s->relay = dec;
	}
	return answer(ctx, &dec);
}

/*
 * mlfi_data - nothing to decide, but answered: Postfix sends the DATA
 * macros even when told SMFIP_NODATA, and that packet, left without a
 * reply, holds cleanup's first header packet ~40 ms (its Nagle waits for
 * our delayed ACK): bench/results/2026-12-07/analysis.md, stall 1.
 */
static sfsistat
mlfi_data(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

/*
 * mlfi_header - count client-sent headers of our name. No reply (the
 * MTA sends every header in one write, no round trip each); never a
 * refusal, which would answer an event that expects none: without a
 * session MAIL was refused already.
 */
static sfsistat
mlfi_header(SMFICTX *ctx, char *name, char *value)
{
	struct sess *s = sess_of(ctx);
	const char *ours;

	(void)value;
	if (s == NULL)
		return SMFIS_NOREPLY;
	ours = engine_header_name(snap_engine(s->ref));
	if (ours[0] && strcasecmp(name, ours) == 0)
		s->foreign_headers++;
	return SMFIS_NOREPLY;
}

/* mlfi_eom - remove forged trace headers, add ours */
static sfsistat
mlfi_eom(SMFICTX *ctx)
{
	struct sess *s = sess_of(ctx);
	const char *name;
	char value[900];		/* one unfolded line under 998 bytes */
	int i;

	if (s == NULL)
		return SMFIS_TEMPFAIL;
	macros_queue_id(&s->m, getsym, ctx);	/* Postfix's comes late */
	name = engine_header_name(snap_engine(s->ref));
	if (name[0] == 0)
		return SMFIS_CONTINUE;
	for (i = s->foreign_headers; i >= 1; i--)
		if (smfi_chgheader(ctx, (char *)name, i, NULL) != MI_SUCCESS)
			return SMFIS_TEMPFAIL;
	if (s->foreign_headers)
		journal_say(jr, LOG_NOTICE, "%s: removed %d client-sent %s "
		    "header(s)",
		    s->m.queue_id[0] ? s->m.queue_id : s->conn_id,
		    s->foreign_headers, name);
	if (s->relayed) {
		logline_header(&s->req, &s->relay, value, sizeof(value));
		if (smfi_insheader(ctx, 0, (char *)name, value) != MI_SUCCESS)
			return SMFIS_TEMPFAIL;
	}
	return SMFIS_CONTINUE;
}

/* mlfi_abort - the message ends; the session (and its TLS) goes on */
static sfsistat
mlfi_abort(SMFICTX *ctx)
{
	struct sess *s = sess_of(ctx);

	if (s != NULL) {
		s->relayed = 0;
		s->foreign_headers = 0;
		s->m.queue_id[0] = 0;
	}
	return SMFIS_CONTINUE;
}

/* mlfi_close - drop the snapshot reference */
static sfsistat
mlfi_close(SMFICTX *ctx)
{
	struct sess *s = sess_of(ctx);

	if (s != NULL) {
		snap_put(snap, s->ref);
		request_free(&s->req);
		free(s);
		smfi_setpriv(ctx, NULL);
		stats_session(stats, 0);
	}
	return SMFIS_CONTINUE;
}

static struct smfiDesc desc = {
	.xxfi_name = "certrelay",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS,
	.xxfi_connect = mlfi_connect,
	.xxfi_helo = mlfi_helo,
	.xxfi_envfrom = mlfi_envfrom,
	.xxfi_envrcpt = mlfi_envrcpt,
	.xxfi_data = mlfi_data,
	.xxfi_header = mlfi_header,
	.xxfi_eom = mlfi_eom,
	.xxfi_abort = mlfi_abort,
	.xxfi_close = mlfi_close,
	.xxfi_negotiate = mlfi_negotiate,
};

/* run_milter - libmilter's loop, in its own thread */
static void *
run_milter(void *arg)
{
	int *status = arg;

	*status = smfi_main();
	return NULL;
}

/* gate_says - the gatekeeper setting and what it means, for the start-up
 * line; -1 when it is not set (the milter does not guess: either guess is
 * wrong on some listener, and "no" on a gatekeeper listener relays all) */
static int
gate_says(const struct conf *c, char *buf, size_t size)
{
	char names[256];
	const char *gate = "a recipient outside local_domains needs a "
	    "certificate RELAY rule, AUTH over good TLS or a trusted network, "
	    "else 550 5.7.1";
	const char *mta = "the MTA's own relay check decides, the milter "
	    "only refuses (REJECT rules, AUTH in clear)";

	conf_gate_text(c, names, sizeof(names));
	switch (c->gatekeeper) {
	case CONF_GATE_ALL:
		snprintf(buf, size, "gatekeeper=all: on every listener the "
		    "milter is the relay gate: %s", gate);
		return 0;
	case CONF_GATE_NONE:
		snprintf(buf, size, "gatekeeper=none: on every listener %s",
		    mta);
		return 0;
	case CONF_GATE_LIST:
		snprintf(buf, size, "gatekeeper=%s: on listener(s) %s "
		    "({daemon_name}; also a session without one) the milter is "
		    "the relay gate: %s; on any other listener %s", names,
		    names, gate, mta);
		return 0;
	}
	return -1;
}

/* say_config - the engine's warnings and the gatekeeper line; -1 (said
 * why) when the gatekeeper is not set */
static int
say_config(const char *conf)
{
	struct snap_ref *ref;
	char gate[2048], mode[1024];
	int r;

	ref = snap_get(snap);
	if ((r = gate_says(engine_conf(snap_engine(ref)), gate,
	    sizeof(gate))) == 0)
		daemon_warnings(snap_engine(ref), jr);
	warn_mode_text(engine_conf(snap_engine(ref)), 1, mode, sizeof(mode));
	snap_put(snap, ref);
	if (r < 0) {
		snprintf(gate, sizeof(gate), "%s: gatekeeper is not set: name "
		    "the listeners ({daemon_name}) where the MTA relays for "
		    "everyone and the milter is the gate (gatekeeper = CRT), or "
		    "say all or none (certrelay.conf(5))", conf);
		fprintf(stderr, "certrelay-milter: %s\n", gate);
		journal_say(jr, LOG_ERR, "error: not started: %s", gate);
		journal_flush(jr);
		return -1;
	}
	journal_say(jr, LOG_INFO, "%s", gate);
	journal_say(jr, LOG_INFO, "%s", mode);
	return 0;
}

/* nodelay - TCP_NODELAY on libmilter's listening socket, which has no
 * API for it; accepted sessions inherit it (Linux). Without it the end of
 * a message (add header, then continue: two writes) waits ~40 ms for the
 * MTA's delayed ACK (Nagle): bench/results/2026-12-07/analysis.md. */
static void
nodelay(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, on = 1, listening;

	for (fd = 3; fd < 256; fd++) {
		len = sizeof(listening);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening,
		    &len) != 0 || !listening)
			continue;
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
		    (ss.ss_family == AF_INET || ss.ss_family == AF_INET6))
			(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
			    sizeof(on));
	}
}

/* start - config, socket, privileges, daemon; exit status or -1 */
static int
start(const struct daemon_opts *o)
{
	struct diag d;
	mode_t old;
	char buf[DIAG_FILE_MAX + DIAG_WHAT_MAX + 32];
	int r;

	diag_clear(&d);
	if (rate_new(&rates, &d) < 0 || snap_init(&snap, o->conf, &d) < 0) {
		fprintf(stderr, "certrelay-milter: %s\n",
		    diag_str(&d, buf, sizeof(buf)));
		journal_say(jr, LOG_ERR, "error: not started: %s", buf);
		journal_flush(jr);
		return 1;
	}
	if (say_config(o->conf) < 0)
		return 1;
	/* without -M a unix socket any MTA user can connect to; the
	 * directory it is in (/run/certrelay, Postfix's spool) says who may.
	 * A stale socket is cleared here: libmilter would remove a live one */
	if (daemon_socket_clear(o->sock, &d) < 0)
		goto fail;
	old = umask(daemon_socket_umask(o, 0111));
	r = smfi_register(desc) == MI_FAILURE || smfi_setconn((char *)o->sock)
	    == MI_FAILURE || smfi_opensocket(0) == MI_FAILURE;
	umask(old);
	if (r) {
		fprintf(stderr, "certrelay-milter: cannot listen on %s\n",
		    o->sock);
		return 1;
	}
	nodelay();
	if (daemon_socket_own(o, &d) < 0 ||
	    daemon_detach(o->user, o->log.fg, o->pidfile, &d) < 0)
		goto fail;
	return -1;
fail:
	fprintf(stderr, "certrelay-milter: %s\n", diag_str(&d, buf,
	    sizeof(buf)));
	return 1;
}

/* option - an option of the milter's own, or (ch -1) the check of them
 * all: -1 to go on, else an exit status */
static int
option(int ch, char *arg, struct daemon_opts *o)
{
	switch (ch) {
	case 'p':
		o->sock = arg;
		return -1;
	case -1:
		break;
	default:
		fprintf(stderr, "usage: certrelay-milter -c CONF -p SOCKET "
		    "[-f [-q|-j]] [-u USER] [-P PIDFILE] [-G GROUP] "
		    "[-M MODE]\n       certrelay-milter -V\n"
		    "  SOCKET: inet:PORT@HOST, inet6:PORT@HOST or "
		    "unix:/path\n");
		return ch == 'h' ? 0 : 2;
	}
	if (o->conf == NULL || o->sock == NULL) {
		fprintf(stderr, "certrelay-milter: -c CONF and -p SOCKET are "
		    "required (see -h)\n");
		return 2;
	}
	if (o->log.stream && !o->log.fg) {	/* detached: stderr is null */
		fprintf(stderr, "certrelay-milter: -j needs -f\n");
		return 2;
	}
	return -1;
}

static const struct daemon_cmd cmd = { "certrelay-milter",
    "c:p:u:P:G:M:fqjhV", option, openlog, closelog, syslog, DAEMON_NOTIFY };

/* serve - libmilter in its thread; this one reloads, logs, and stops it
 * on SIGTERM: exit status */
static int
serve(const struct daemon_opts *o)
{
	sigset_t set;
	pthread_t tid;
	char pf[512];
	int status = MI_SUCCESS, i;

	/* SIGUSR1 reloads always: libmilter leaves it alone. Its signal
	 * thread sigwait()s for SIGHUP, SIGTERM and SIGINT and stops the
	 * milter on any of them; the kernel passes a signal over a main
	 * thread that has another pending (seen ~1 in 6 SIGHUPs sent just
	 * after start), so a SIGHUP may stop instead of reload.
	 * This thread takes SIGHUP (reload) and SIGTERM/SIGINT (stop): the
	 * kernel gives a process signal to the main thread first when it does
	 * not block it; libmilter's threads block them all. */
	daemon_catch_signals();
	/* before libmilter's thread: its sessions read the pointer */
	stats = daemon_stats_open(snap, cmd.name, jr);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pthread_create(&tid, NULL, run_milter, &status) != 0) {
		fprintf(stderr, "certrelay-milter: cannot start a thread\n");
		return 1;
	}
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	journal_say(jr, LOG_INFO, "listening on %s (config %s); point the MTA "
	    "at it: Postfix main.cf smtpd_milters = %s, Sendmail .mc "
	    "INPUT_MAIL_FILTER(`certrelay', `S=%s, F=T') (see contrib/)",
	    o->sock, o->conf, daemon_postfix_socket(o->sock, pf, sizeof(pf)),
	    o->sock);
	daemon_ready(snap);	/* smfi_opensocket() has the socket listening */
	for (i = 0; pthread_tryjoin_np(tid, NULL) == EBUSY; ) {
		if (daemon_term() && i++ == 0)
			smfi_stop();	/* no new sessions */
		if (i > 30)		/* libmilter polls every 5 s: not wait */
			break;
		usleep(100000);		/* a signal cuts it short */
		if (i == 0)
			daemon_tick(snap, jr);
	}
	return status == MI_SUCCESS ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct daemon_opts o;
	int r;

	if ((r = daemon_begin(argc, argv, &cmd, &o, &jr)) >= 0)
		return r;
	if ((r = start(&o)) >= 0)
		return r;
	if ((jr = daemon_log_open(jr, &o.log)) == NULL)	/* a new pid */
		goto nolog;
	r = serve(&o);
	journal_say(jr, LOG_INFO, "stopped");
	journal_flush(jr);
	/* no snap_free() nor journal_close(): a session libmilter did not
	 * wait for may hold them */
	if (o.pidfile)
		unlink(o.pidfile);
	return r;
nolog:
	fprintf(stderr, "certrelay-milter: cannot start the log\n");
	return 1;
}
