/*
 * statsbench - what one session's counting costs, in process: the calls
 * a milter session makes (session open and close, a request and a
 * decision at MAIL and at RCPT, a rule hit) timed on the thread's CPU
 * clock, over K distinct rule lines, from T threads at once.
 *
 *	statsbench [-n SESSIONS] [-k LINES] [-t THREADS] [-w CONF]
 *
 * Prints "RESULT threads=T lines=K ns_per_session=X" (the median
 * thread's); with -w, then writes the counters to CONF's stats_file and
 * prints "RESULT write_ms=X" (the CPU one write costs the main loop, once
 * every stats_interval seconds). Built by bench/stats-cost against
 * lib/libcertrelay.a.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stats.h"

static struct stats *st;
static long nsess = 2000000, lines = 10000;

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void *
run(void *arg)
{
	double *ns = arg, t0;
	struct decision mail, rcpt;
	unsigned long x = (unsigned long)(size_t)arg;
	long i;

	memset(&mail, 0, sizeof(mail));
	memset(&rcpt, 0, sizeof(rcpt));
	mail.kind = KIND_AUTH;
	rcpt.action = ACT_RELAY;
	rcpt.kind = KIND_FINGERPRINT;
	rcpt.table = "fp";
	t0 = now_ns();
	for (i = 0; i < nsess; i++) {
		x = x * 6364136223846793005UL + 1442695040888963407UL;
		rcpt.line = 1 + (int)((x >> 33) % (unsigned long)lines);
		stats_session(st, 1);
		stats_request(st);
		stats_decision(st, STATS_MAIL, &mail, mail.action);
		stats_request(st);
		stats_decision(st, STATS_RCPT, &rcpt, rcpt.action);
		stats_session(st, 0);
	}
	*ns = (now_ns() - t0) / (double)nsess;
	return NULL;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	pthread_t tid[64];
	double ns[64];
	struct diag d;
	struct conf *c = NULL;
	struct timespec t0, t1;
	int ch, nt = 1, i;

	while ((ch = getopt(argc, argv, "n:k:t:w:")) != -1)
		switch (ch) {
		case 'w':
			if (conf_load(optarg, &c, &d) < 0)
				return 1;
			break;
		case 'n': nsess = atol(optarg); break;
		case 'k': lines = atol(optarg); break;
		case 't': nt = atoi(optarg); break;
		default: return 2;
		}
	if (nt < 1 || nt > 64 || lines < 1 || stats_new(&st, "bench", 0, &d) < 0)
		return 1;
	for (i = 0; i < nt; i++)
		pthread_create(&tid[i], NULL, run, &ns[i]);
	for (i = 0; i < nt; i++)
		pthread_join(tid[i], NULL);
	qsort(ns, (size_t)nt, sizeof(ns[0]), cmp);
	printf("RESULT threads=%d lines=%ld ns_per_session=%.1f\n", nt, lines,
	    ns[nt / 2]);
	if (c != NULL) {
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
		if (stats_write(st, c, time(NULL), &d) < 0)
			return 1;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
		printf("RESULT write_ms=%.2f\n", (t1.tv_sec - t0.tv_sec) * 1e3 +
		    (t1.tv_nsec - t0.tv_nsec) / 1e6);
		conf_free(c);
	}
	stats_free(st);
	return 0;
}
