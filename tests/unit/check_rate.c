/*
 * check_rate - rate syntax, the per-certificate counters (window,
 * eviction, bound) and the address-spread signal
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "action.h"
#include "rate.h"
#include "testutil.h"

static const struct {
	const char *in;
	int	rc;
	unsigned n, window;		/* rc 0 */
} parse_cases[] = {
	{ "100/hour", 0, 100, 3600 },
	{ "5/hour", 0, 5, 3600 },
	{ "1/minute", 0, 1, 60 },
	{ "20/DAY", 0, 20, 86400 },
	{ "1000000/day", 0, 1000000, 86400 },
	{ "none", 0, 0, 1 },
	{ "NONE", 0, 0, 1 },
	{ "0/hour", -1, 0, 0 },
	{ "1000001/hour", -1, 0, 0 },
	{ "99999999999999999999/hour", -1, 0, 0 },
	{ "100/hours", -1, 0, 0 },
	{ "100/h", -1, 0, 0 },
	{ "100", -1, 0, 0 },
	{ "100/", -1, 0, 0 },
	{ "/hour", -1, 0, 0 },
	{ "-1/hour", -1, 0, 0 },
	{ " 5/hour", -1, 0, 0 },
	{ "5 /hour", -1, 0, 0 },
	{ "", -1, 0, 0 },
};

START_TEST(test_rate_parse)
{
	struct rate_limit l;
	struct diag d;
	const char *in = parse_cases[_i].in;
	char back[32];
	int rc;

	diag_clear(&d);
	rc = rate_parse(in, strlen(in), &l, &d);
	ck_assert_msg(rc == parse_cases[_i].rc, "case \"%s\": got %d, want %d",
	    in, rc, parse_cases[_i].rc);
	if (rc < 0) {
		ck_assert_msg(strstr(d.what, "expected N/minute") != NULL,
		    "case \"%s\": what \"%s\"", in, d.what);
		return;
	}
	ck_assert_msg(l.n == parse_cases[_i].n &&
	    l.window == parse_cases[_i].window, "case \"%s\": got %u/%u, "
	    "want %u/%u", in, l.n, l.window, parse_cases[_i].n,
	    parse_cases[_i].window);
	/* what rate_format() writes, rate_parse() reads the same */
	ck_assert_int_eq(rate_format(&l, back, sizeof(back)), 0);
	ck_assert_int_eq(rate_parse(back, strlen(back), &l, &d), 0);
	ck_assert_msg(l.n == parse_cases[_i].n, "case \"%s\": back \"%s\"",
	    in, back);
}
END_TEST

/* RELAY rate=...: in each mode, and back through action_format() */
static const struct {
	const char *in;
	enum action_mode mode;
	int	rc;
	unsigned n;
	const char *format;		/* rc 0: action_format() */
	const char *what;		/* rc -1 */
} action_cases[] = {
	{ "RELAY rate=100/hour", ACTION_STRICT, 0, 100, "RELAY rate=100/hour",
	    NULL },
	{ "OK rate=5/minute", ACTION_STRICT, 0, 5, "RELAY rate=5/minute",
	    NULL },
	{ "RELAY rate=none", ACTION_STRICT, 0, 0, "RELAY rate=none", NULL },
	{ "RELAY", ACTION_STRICT, 0, 0, "RELAY", NULL },
	{ "RELAY rate=100/hour extra", ACTION_STRICT, -1, 0, NULL,
	    "text after RELAY rate" },
	{ "RELAY rate=lots", ACTION_STRICT, -1, 0, NULL, "expected N/minute" },
	{ "RELAY fast", ACTION_STRICT, -1, 0, NULL, "text after RELAY" },
	{ "RELAY rate=500/day partner MX", ACTION_FREETEXT, 0, 500,
	    "RELAY rate=500/day", NULL },
	{ "RELAY partner MX", ACTION_FREETEXT, 0, 0, "RELAY", NULL },
	{ "RELAY rate=x partner", ACTION_FREETEXT, -1, 0, NULL,
	    "expected N/minute" },
	{ "rate=100/hour", ACTION_FREETEXT, -1, 0, NULL,
	    "write \"RELAY rate=100/hour\"" },
	{ "RELAY rate=100/hour", ACTION_ACCESS, 0, 0, "RELAY", NULL },
};

START_TEST(test_action_rate)
{
	struct action a;
	struct diag d;
	char buf[ACTION_TEXT_MAX + 32];
	const char *in = action_cases[_i].in;
	int rc;

	diag_clear(&d);
	rc = action_parse(in, strlen(in), action_cases[_i].mode, &a, &d);
	ck_assert_msg(rc == action_cases[_i].rc, "case \"%s\": got %d (%s), "
	    "want %d", in, rc, d.what, action_cases[_i].rc);
	if (rc < 0) {
		ck_assert_msg(strstr(d.what, action_cases[_i].what) != NULL,
		    "case \"%s\": what \"%s\"", in, d.what);
		return;
	}
	ck_assert_int_eq(a.type, ACT_RELAY);
	ck_assert_msg(a.rate.n == action_cases[_i].n, "case \"%s\": got n %u",
	    in, a.rate.n);
	action_format(&a, buf, sizeof(buf));
	ck_assert_msg(strcmp(buf, action_cases[_i].format) == 0, "case "
	    "\"%s\": got \"%s\", want \"%s\"", in, buf,
	    action_cases[_i].format);
}
END_TEST

/* id - an identity whose set is set (the first 4 bytes pick it) and
 * whose slot in the set is told apart by tag */
static void
id(unsigned char *out, unsigned set, unsigned tag)
{
	memset(out, 0, RATE_ID_LEN);
	memcpy(out, &set, sizeof(set));
	memcpy(out + 8, &tag, sizeof(tag));
}

/* the window: n recipients, then 452 and one warning, then a new window */
START_TEST(test_rate_window)
{
	struct rate_limit lim = { 5, 3600 };
	struct rate *rt;
	struct diag d;
	unsigned char a[RATE_ID_LEN], b[RATE_ID_LEN];
	unsigned warn, warns = 0;
	int k, over;

	ck_assert_int_eq(rate_new(&rt, &d), 0);
	id(a, 7, 1);
	id(b, 7, 2);
	for (k = 1; k <= 5; k++) {
		over = rate_note(rt, a, "127.0.0.1", &lim, 0, 1000 + k, &warn);
		ck_assert_msg(over == 0 && warn == 0, "case rcpt %d: over %d "
		    "warn %u", k, over, warn);
	}
	for (k = 6; k <= 9; k++) {
		over = rate_note(rt, a, "127.0.0.1", &lim, 0, 1000 + k, &warn);
		ck_assert_msg(over == 1, "case rcpt %d: not over", k);
		warns += (warn & RATE_WARN_LIMIT) != 0;
	}
	ck_assert_msg(warns == 1, "case one warning a window: got %u", warns);
	/* another certificate, same set: its own count */
	ck_assert_int_eq(rate_note(rt, b, "127.0.0.1", &lim, 0, 1010, &warn),
	    0);
	/* no limit given: never over, nothing counted */
	ck_assert_int_eq(rate_note(rt, a, "127.0.0.1", NULL, 0, 1011, &warn),
	    0);
	/* the window ends an hour after its first recipient */
	ck_assert_int_eq(rate_note(rt, a, "127.0.0.1", &lim, 0, 1000 + 3600,
	    &warn), 1);
	ck_assert_int_eq(rate_note(rt, a, "127.0.0.1", &lim, 0, 1001 + 3600,
	    &warn), 0);
	for (k = 2; k <= 5; k++)
		ck_assert_int_eq(rate_note(rt, a, NULL, &lim, 0, 1001 + 3600,
		    &warn), 0);
	ck_assert_int_eq(rate_note(rt, a, NULL, &lim, 0, 1001 + 3600, &warn),
	    1);
	ck_assert_msg(warn == RATE_WARN_LIMIT, "case new window warns again");
	rate_free(rt);
	rate_free(NULL);
}
END_TEST

/* a full set: the least recently used goes (its count starts again);
 * the others keep theirs; any number of certificates, the same memory */
START_TEST(test_rate_eviction)
{
	struct rate_limit lim = { 1, 86400 };
	struct rate *rt;
	struct diag d;
	unsigned char x[RATE_ID_LEN];
	unsigned warn;
	unsigned k;

	ck_assert_int_eq(rate_new(&rt, &d), 0);
	/* 8 certificates fill set 3, each at its limit */
	for (k = 0; k < 8; k++) {
		id(x, 3, k);
		ck_assert_int_eq(rate_note(rt, x, NULL, &lim, 0, 100 + k,
		    &warn), 0);
	}
	/* certificate 0 used again: now certificate 1 is the oldest */
	id(x, 3, 0);
	ck_assert_int_eq(rate_note(rt, x, NULL, &lim, 0, 200, &warn), 1);
	id(x, 3, 100);			/* a ninth takes certificate 1's slot */
	ck_assert_int_eq(rate_note(rt, x, NULL, &lim, 0, 201, &warn), 0);
	for (k = 2; k < 8; k++) {	/* the others still at their limit */
		id(x, 3, k);
		ck_assert_msg(rate_note(rt, x, NULL, &lim, 0, 202, &warn) == 1,
		    "case kept %u: count lost", k);
	}
	id(x, 3, 1);
	ck_assert_msg(rate_note(rt, x, NULL, &lim, 0, 203, &warn) == 0,
	    "case evicted: its count started again");
	/* a flood: 100000 certificates, and the fixed table holds */
	for (k = 0; k < 100000; k++) {
		id(x, k * 2654435761u, k + 1000);
		(void)rate_note(rt, x, "192.0.2.1", &lim, 3, 300, &warn);
	}
	/* a slot idle for a day is free again: no victim needed */
	id(x, 3, 5);
	ck_assert_int_eq(rate_note(rt, x, NULL, &lim, 0, 300 + 86400, &warn),
	    0);
	rate_free(rt);
}
END_TEST

/* max_client_addresses: one warning when passed, once an hour */
START_TEST(test_rate_addresses)
{
	static const char *const addrs[] = { "127.0.0.2", "127.0.0.3",
	    "127.0.0.3", "127.0.0.2", "127.0.0.4", "127.0.0.5", "127.0.0.6" };
	struct rate *rt;
	struct diag d;
	unsigned char x[RATE_ID_LEN];
	unsigned warn, warns = 0;
	size_t k;

	ck_assert_int_eq(rate_new(&rt, &d), 0);
	id(x, 11, 1);
	for (k = 0; k < NELEM(addrs); k++) {
		(void)rate_note(rt, x, addrs[k], NULL, 3, 500 + (time_t)k,
		    &warn);
		/* the 4th distinct address is the 6th use */
		ck_assert_msg(((warn & RATE_WARN_ADDRS) != 0) == (k == 5),
		    "case use %zu: warn %u", k, warn);
		warns += warn != 0;
	}
	ck_assert_int_eq(warns, 1);
	/* an hour later the addresses are counted again */
	for (k = 0; k < 4; k++) {
		(void)rate_note(rt, x, addrs[k + 3], NULL, 3, 500 + 3600 +
		    (time_t)k, &warn);
		ck_assert_msg(((warn & RATE_WARN_ADDRS) != 0) == (k == 3),
		    "case next hour, use %zu: warn %u", k, warn);
	}
	/* off (0): never */
	id(x, 12, 1);
	for (k = 0; k < NELEM(addrs); k++) {
		(void)rate_note(rt, x, addrs[k], NULL, 0, 500, &warn);
		ck_assert_int_eq(warn, 0);
	}
	rate_free(rt);
}
END_TEST

struct racer {
	struct rate *rt;
	pthread_barrier_t *go;
	int	accepted;
};

/* racer - the milter's threads: 100000 recipients each, one
 * certificate, all at once */
static void *
racer(void *arg)
{
	struct racer *x = arg;
	struct rate_limit lim = { 250000, 3600 };
	unsigned char a[RATE_ID_LEN];
	unsigned warn;
	int k;

	id(a, 99, 1);
	pthread_barrier_wait(x->go);
	for (k = 0; k < 100000; k++)
		x->accepted += rate_note(x->rt, a, "127.0.0.1", &lim, 2, 9000,
		    &warn) == 0;
	return NULL;
}

/* threads counting one certificate: exactly the limit passes */
START_TEST(test_rate_threads)
{
	struct racer x[4];
	pthread_t t[4];
	pthread_barrier_t go;
	struct rate *rt;
	struct diag d;
	int k, sum = 0;

	ck_assert_int_eq(rate_new(&rt, &d), 0);
	pthread_barrier_init(&go, NULL, 4);
	for (k = 0; k < 4; k++) {
		x[k].rt = rt;
		x[k].go = &go;
		x[k].accepted = 0;
		ck_assert_int_eq(pthread_create(&t[k], NULL, racer, &x[k]), 0);
	}
	for (k = 0; k < 4; k++) {
		pthread_join(t[k], NULL);
		sum += x[k].accepted;
	}
	ck_assert_msg(sum == 250000, "case 4 threads x 100000, limit 250000: "
	    "%d passed", sum);
	pthread_barrier_destroy(&go);
	rate_free(rt);
}
END_TEST

static Suite *
rate_suite(void)
{
	Suite *s = suite_create("rate");
	TCase *tc;

	tc = tcase_create("rate_parse");
	LOOP(tc, test_rate_parse, parse_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("action_rate");
	LOOP(tc, test_action_rate, action_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("rate_note");
	tcase_add_test(tc, test_rate_window);
	tcase_add_test(tc, test_rate_eviction);
	tcase_add_test(tc, test_rate_addresses);
	tcase_add_test(tc, test_rate_threads);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(rate_suite());
}
