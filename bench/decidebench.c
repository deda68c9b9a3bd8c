/*
 * decidebench - in-process cost of one certrelay decision
 *
 * SYNOPSIS
 *	decidebench -c CONF [-m M] [-K K] [-f sendmail|postfix] [-r ROUNDS]
 *	    [-k hit|miss] [-s]
 * DESCRIPTION
 *	Opens the engine of CONF (engine_open(), timed) and asks decide()
 *	what a milter asks once per session, for M requests that hit the
 *	fingerprint table (key k in [0, K)) and M that miss every table
 *	(k >= 1e9: fingerprint, subject DN, issuer, regex and attribute rules
 *	are all consulted). Requests carry what the anchor kit's milterload
 *	sends (see ../shared/bench/fpgen.h): {cert_fp} = fingerprint of k,
 *	subject /C=FR/O=CNRS/CN=user<k>, issuer CNRS Test CA, verify OK,
 *	TLSv1.3, AUTH EXTERNAL. Strings are formatted before the clock
 *	starts. Two costs are printed per kind:
 *	  cert_ns     decide(STAGE_CERT): the rule evaluation alone
 *	  session_ns  request_init + decide(CERT, MAIL, RCPT) + the names
 *	              formatted for the log line (request_names()) +
 *	              request_free: a milter session's whole use of lib/
 *	              but the line itself
 *	Each is the best of ROUNDS (default 3) passes over the M requests.
 *	-k runs one kind only (bench/profile: a callgrind profile per path).
 *	-s gives each session its sender, user<k>@example.org (as the load
 *	generators send it), and counters (lib/rate.c, kept across the
 *	sessions as a daemon keeps them): what sender_binding, rate_limit
 *	and max_client_addresses in CONF then cost (issue 17).
 *	Output: one "RESULT key=value ..." line per kind (hit, miss), plus
 *	an "OPEN" line with engine_open() time and a "SET" line with the time
 *	to build the regex set matcher, in service before the clock starts
 *	(the daemons build it in the background).
 *
 *	Build: bench/run compiles it against build-bench/lib/libcertrelay.a.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "decide.h"
#include "engine.h"
#include "fpgen.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct keyset {
	char	(*fp)[FP_HEXLEN + 1];
	char	(*subj)[64];
	char	(*cn)[32];
	char	(*snd)[48];
};

static void
keys_make(struct keyset *ks, long m, long K, long off)
{
	long i;
	uint64_t k;

	ks->fp = malloc((size_t)m * sizeof(*ks->fp));
	ks->subj = malloc((size_t)m * sizeof(*ks->subj));
	ks->cn = malloc((size_t)m * sizeof(*ks->cn));
	ks->snd = malloc((size_t)m * sizeof(*ks->snd));
	if (!ks->fp || !ks->subj || !ks->cn || !ks->snd) {
		perror("malloc");
		exit(1);
	}
	for (i = 0; i < m; i++) {
		k = fp_key_of(i, K, off);
		fp_hex(k, ks->fp[i]);
		snprintf(ks->subj[i], sizeof(ks->subj[i]),
		    "/C=FR/O=CNRS/CN=user%llu", (unsigned long long)k);
		snprintf(ks->cn[i], sizeof(ks->cn[i]), "user%llu",
		    (unsigned long long)k);
		snprintf(ks->snd[i], sizeof(ks->snd[i]), "<user%llu@example.org>",
		    (unsigned long long)k);
	}
}

static int postfix_form;
static struct rate *rates;		/* -s */
static volatile long sink;

static void
fill(struct request *r, const struct keyset *ks, long i)
{
	request_init(r);
	r->id = "Q1";
	if (postfix_form) {
		r->form = REQ_FORM_POSTFIX;
		r->subject = ks->cn[i];
		r->issuer = "CNRS Test CA";
	} else {
		r->form = REQ_FORM_SENDMAIL;
		r->subject = ks->subj[i];
		r->issuer = "/C=FR/O=CNRS/CN=CNRS+20Test+20CA";
	}
	r->fingerprint = ks->fp[i];
	r->verify = VERIFY_OK;
	r->tls_version = "TLSv1.3";
	r->cipher = "TLS_AES_256_GCM_SHA384";
	r->cipher_bits = 256;
	r->auth_type = "EXTERNAL";
	r->client_addr = "127.0.0.2";
	r->client_name = "client.example.org";
	if (rates != NULL) {
		r->sender = ks->snd[i];
		r->rate = rates;
	}
}

/* run - best-of-rounds ns per request; counts decisions by action */
static void
run(const struct engine *e, const struct keyset *ks, long m, int rounds,
    int whole, double *best, long *relay, long *other)
{
	struct request *r = malloc(sizeof(*r));
	struct decision dec;
	struct diag d;
	double t0, t;
	long i;
	int k;

	*best = 1e30;
	for (k = 0; k < rounds; k++) {
		*relay = *other = 0;
		t0 = now_s();
		for (i = 0; i < m; i++) {
			fill(r, ks, i);
			decide(e, r, STAGE_CERT, &dec, &d);
			if (whole) {
				decide(e, r, STAGE_MAIL, &dec, &d);
				r->rcpt = "postmaster@example.net";
				decide(e, r, STAGE_RCPT, &dec, &d);
				request_names(r);
			}
			if (r->cert.action == ACT_RELAY)
				(*relay)++;
			else
				(*other)++;
			request_free(r);
		}
		t = (now_s() - t0) / (double)m * 1e9;
		if (t < *best)
			*best = t;
	}
	sink += *relay;
	free(r);
}

/* measure - one kind (hit or miss): the rules alone, then whole
 * sessions; one RESULT line */
static void
measure(const struct engine *e, const struct keyset *ks, const char *kind,
    long m, long K, int rounds)
{
	double cert_ns, sess_ns;
	long relay, other, relay2, other2;

	run(e, ks, m, rounds, 0, &cert_ns, &relay, &other);
	run(e, ks, m, rounds, 1, &sess_ns, &relay2, &other2);
	printf("RESULT tool=decidebench kind=%s form=%s m=%ld K=%ld "
	    "cert_ns=%.0f session_ns=%.0f relay=%ld other=%ld\n", kind,
	    postfix_form ? "postfix" : "sendmail", m, K, cert_ns, sess_ns,
	    relay, other);
}

int
main(int argc, char **argv)
{
	const char *conf = NULL;
	long m = 200000, K = 1000000;
	int rounds = 3, ch, only = 0;	/* 1 hit, 2 miss */
	struct engine *e;
	struct diag d;
	struct keyset hit, miss;
	double t0, t1;
	char buf[1024];

	while ((ch = getopt(argc, argv, "c:m:K:f:r:k:s")) != -1)
		switch (ch) {
		case 'c': conf = optarg; break;
		case 'm': m = atol(optarg); break;
		case 'K': K = atol(optarg); break;
		case 'f': postfix_form = strcmp(optarg, "postfix") == 0; break;
		case 'r': rounds = atoi(optarg); break;
		case 'k': only = strcmp(optarg, "hit") == 0 ? 1 :
		    strcmp(optarg, "miss") == 0 ? 2 : -1; break;
		case 's':
			if (rate_new(&rates, &d) < 0)
				return 1;
			break;
		default: goto usage;
		}
	if (conf == NULL || m < 1 || K < 1 || rounds < 1 || only < 0) {
usage:
		fprintf(stderr, "usage: decidebench -c CONF [-m M] [-K K] "
		    "[-f sendmail|postfix] [-r ROUNDS] [-k hit|miss] [-s]\n");
		return 2;
	}
	keys_make(&hit, m, K, 0);
	keys_make(&miss, m, K, (long)MISS_OFFSET);
	t0 = now_s();
	if (engine_open(conf, &e, &d) < 0) {
		fprintf(stderr, "decidebench: %s\n", diag_str(&d, buf,
		    sizeof(buf)));
		return 1;
	}
	t1 = now_s();
	printf("OPEN engine_open_ms=%.3f\n", (t1 - t0) * 1e3);
	/* the daemons' steady state: the regex set matcher in service */
	if (engine_rx(e) != NULL && rx_accelerate(engine_rx(e), 0,
	    &d) < 0)
		fprintf(stderr, "decidebench: %s\n", diag_str(&d, buf,
		    sizeof(buf)));
	printf("SET set_build_ms=%.3f\n", (now_s() - t1) * 1e3);
	if (only != 2)
		measure(e, &hit, "hit", m, K, rounds);
	if (only != 1)
		measure(e, &miss, "miss", m, K, rounds);
	engine_close(e);
	rate_free(rates);
	return 0;
}
