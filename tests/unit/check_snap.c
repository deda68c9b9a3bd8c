/*
 * check_snap - the engine in service, swapped whole on reload
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "decide.h"
#include "snap.h"
#include "table.h"
#include "testutil.h"

#define PLUS_SM		"/C=FR/O=CNRS/CN=CNRS-Plus"

struct site {
	char	dir[TU_PATH_MAX];
	char	conf[TU_PATH_MAX];
	char	issuers[TU_PATH_MAX];
	char	regex[TU_PATH_MAX];
};

/* set_issuers - the issuer table says action for CNRS-Plus */
static void
set_issuers(const struct site *s, const char *action)
{
	char text[256], cdb[TU_PATH_MAX + 8];
	struct diag d;

	snprintf(text, sizeof(text), PLUS_SM " %s\n", action);
	snprintf(cdb, sizeof(cdb), "%s.cdb", s->issuers);
	tu_write(s->issuers, text);
	ck_assert_msg(table_compile(s->issuers, TABLE_ISSUER, cdb, &d) == 0,
	    "site: %s", d.what);
}

/* set_regex - replace the regex source (a new file, as editors save) */
static void
set_regex(const struct site *s, const char *text)
{
	char tmp[TU_PATH_MAX + 8];

	snprintf(tmp, sizeof(tmp), "%s.new", s->regex);
	tu_write(tmp, text);
	ck_assert(rename(tmp, s->regex) == 0);
}

static void
make_site(struct site *s)
{
	tu_mkdir(s->dir, sizeof(s->dir));
	tu_path(s->issuers, sizeof(s->issuers), s->dir, "issuers");
	tu_path(s->regex, sizeof(s->regex), s->dir, "regex");
	tu_path(s->conf, sizeof(s->conf), s->dir, "certrelay.conf");
	set_issuers(s, "RELAY");
	set_regex(s, "/^CN=nobody,/ RELAY\n");
	tu_write(s->conf, "issuer_table = issuers\nregex_table = regex\n"
	    "sendmail_openssl = 3\n"
	    "gatekeeper = yes\n");
}

/* verdict - the certificate verdict for a CNRS-Plus cert, -1 if none
 * (no Check assertion: it runs on worker threads too) */
static int
verdict(const struct engine *e)
{
	struct request r;
	struct decision out;
	struct diag d;

	request_init(&r);
	r.form = REQ_FORM_SENDMAIL;
	r.subject = "/C=FR/O=CNRS/CN=Alice";
	r.issuer = PLUS_SM;
	r.verify = VERIFY_OK;
	if (decide(e, &r, STAGE_CERT, &out, &d) < 0)
		return -1;
	request_free(&r);
	return (int)out.action;
}

#define ask(e)	((enum act)verdict(e))

START_TEST(test_snap_reload_swaps)
{
	struct site site;
	struct snap *s;
	struct snap_ref *old, *cur;
	struct diag d;

	make_site(&site);
	ck_assert_msg(snap_init(&s, site.conf, &d) == 0, "init: %s", d.what);
	old = snap_get(s);
	ck_assert_int_eq(ask(snap_engine(old)), ACT_RELAY);

	set_issuers(&site, "REJECT Closed");
	ck_assert_msg(snap_reload(s, &d) == 1, "case reload: got -1: %s",
	    d.what);
	cur = snap_get(s);
	ck_assert_msg(snap_engine(cur) != snap_engine(old),
	    "case reload: same engine");
	ck_assert_msg(ask(snap_engine(cur)) == ACT_REJECT,
	    "case reload: the new engine does not say REJECT");
	ck_assert_msg(ask(snap_engine(old)) == ACT_RELAY,
	    "case reference before reload: the old engine changed");
	snap_put(s, old);
	snap_put(s, cur);
	snap_free(s);
}
END_TEST

/* a broken table at reload: -1, and the old engine still answers */
static const struct {
	const char *name;
	int	what;		/* 0 regex, 1 missing .cdb, 2 conf */
	const char *want;
} broken_cases[] = {
	{ "bad regex", 0, "pattern column" },
	{ "missing compiled table", 1, "certrelay compile" },
	{ "bad configuration", 2, "unknown key" },
};

START_TEST(test_snap_reload_broken)
{
	struct site site;
	struct snap *s;
	struct snap_ref *ref;
	char cdb[TU_PATH_MAX + 8];
	struct diag d;

	make_site(&site);
	ck_assert_int_eq(snap_init(&s, site.conf, &d), 0);
	if (broken_cases[_i].what == 0)
		set_regex(&site, "/ok/ RELAY\n/(/ RELAY\n");
	else if (broken_cases[_i].what == 1) {
		snprintf(cdb, sizeof(cdb), "%s.cdb", site.issuers);
		ck_assert(unlink(cdb) == 0);
	} else
		tu_write(site.conf, "issuer_table = issuers\nbogus = 1\n");
	diag_clear(&d);
	ck_assert_msg(snap_reload(s, &d) == -1, "case %s: got 1, want -1",
	    broken_cases[_i].name);
	ck_assert_msg(strstr(d.what, broken_cases[_i].want) != NULL,
	    "case %s: got \"%s\"", broken_cases[_i].name, d.what);
	ref = snap_get(s);
	ck_assert_msg(ask(snap_engine(ref)) == ACT_RELAY,
	    "case %s: the old engine does not answer", broken_cases[_i].name);
	snap_put(s, ref);
	snap_free(s);
}
END_TEST

/* snap_maybe_reload: once a second at most; a broken set once */
START_TEST(test_snap_maybe_reload)
{
	struct site site;
	struct snap *s;
	struct snap_ref *ref;
	struct diag d;
	time_t t = time(NULL) + 10;

	make_site(&site);
	ck_assert_int_eq(snap_init(&s, site.conf, &d), 0);
	ck_assert_msg(snap_maybe_reload(s, t, &d) == 0,
	    "case nothing changed: reloaded");

	set_issuers(&site, "REJECT");
	ck_assert_msg(snap_maybe_reload(s, t, &d) == 0,
	    "case same second: looked again");
	ck_assert_msg(snap_maybe_reload(s, t + 1, &d) == 1,
	    "case table changed: got no reload (%s)", d.what);
	ref = snap_get(s);
	ck_assert_int_eq(ask(snap_engine(ref)), ACT_REJECT);
	snap_put(s, ref);

	set_regex(&site, "/(/ RELAY\n");
	ck_assert_msg(snap_maybe_reload(s, t + 2, &d) == -1,
	    "case broken: got no error");
	ck_assert_msg(snap_maybe_reload(s, t + 3, &d) == 0,
	    "case still broken: tried again");
	set_regex(&site, "/^CN=x/ RELAY\n");
	ck_assert_msg(snap_maybe_reload(s, t + 4, &d) == 1,
	    "case fixed: got no reload (%s)", d.what);
	snap_free(s);
}
END_TEST

START_TEST(test_snap_tick)
{
	struct site site;
	struct snap *s;
	struct diag d;
	char msg[1024];

	make_site(&site);
	ck_assert_int_eq(snap_init(&s, site.conf, &d), 0);
	ck_assert_int_eq(snap_tick(s, 1, msg, sizeof(msg)), 1);
	ck_assert_msg(strstr(msg, "reloaded") != NULL, "case SIGHUP: \"%s\"",
	    msg);
	set_regex(&site, "/ok/ RELAY\n/(/ RELAY\n");
	ck_assert_int_eq(snap_tick(s, 1, msg, sizeof(msg)), -1);
	ck_assert_msg(strstr(msg, "reload failed") != NULL &&
	    strstr(msg, "regex:2:") != NULL, "case failed: \"%s\"", msg);
	snap_free(s);
}
END_TEST

/* Once the background set matcher is built, snap_tick() says so, once */
START_TEST(test_snap_tick_set)
{
	struct site site;
	struct snap *s;
	struct diag d;
	char msg[1024];
	int i, r = 0;

	make_site(&site);
	set_regex(&site, "/^CN=nobody,/ RELAY\n/^CN=\xC3\x89lise/ RELAY\n");
	ck_assert_int_eq(snap_init(&s, site.conf, &d), 0);
	for (i = 0; i < 500 && (r = snap_tick(s, 0, msg, sizeof(msg))) == 0;
	    i++)
		usleep(10000);
	ck_assert_msg(r == 1 && strstr(msg, "regex set matcher in service: "
	    "1 of 2 rules") != NULL && strstr(msg, "one by one") != NULL,
	    "case set: got %d \"%s\"", r, msg);
	ck_assert_msg(snap_tick(s, 0, msg, sizeof(msg)) == 0 && msg[0] == 0,
	    "case told once: \"%s\"", msg);
	snap_free(s);
}
END_TEST

/* daemon(3) forks after snap_init(): the set matcher must still come
 * into service in the child (a thread started before the fork stays in
 * the parent) */
START_TEST(test_snap_fork)
{
	struct site site;
	struct snap *s;
	struct diag d;
	char msg[1024] = "";
	int i, status;
	pid_t pid;

	make_site(&site);
	ck_assert_int_eq(snap_init(&s, site.conf, &d), 0);
	if ((pid = fork()) == 0) {
		for (i = 0; i < 300 && snap_tick(s, 0, msg, sizeof(msg)) == 0;
		    i++)
			usleep(10000);
		_exit(strstr(msg, "regex set matcher in service") ? 0 : 1);
	}
	ck_assert(pid > 0 && waitpid(pid, &status, 0) == pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "case fork: no set matcher in the child within 3 s");
	snap_free(s);
}
END_TEST

START_TEST(test_snap_init_fails)
{
	struct site site;
	struct snap *s = (struct snap *)&s;
	struct diag d;

	make_site(&site);
	set_regex(&site, "/(/ RELAY\n");
	ck_assert_int_eq(snap_init(&s, site.conf, &d), -1);
	ck_assert_msg(s == NULL && d.line == 1, "case init: got %d %s", d.line,
	    d.what);
	snap_free(NULL);
}
END_TEST

/* sessions on many threads while the main thread reloads */
struct worker {
	struct snap *s;
	int	n;
	int	bad;
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct snap_ref *ref;
	int k, a;

	for (k = 0; k < w->n; k++) {
		ref = snap_get(w->s);
		a = verdict(snap_engine(ref));
		if (a != ACT_RELAY && a != ACT_REJECT)
			w->bad++;
		snap_put(w->s, ref);
	}
	return NULL;
}

START_TEST(test_snap_threads)
{
	struct site site;
	struct worker w[4];
	pthread_t th[4];
	struct snap *s;
	struct diag d;
	char msg[1024];
	int k;

	make_site(&site);
	ck_assert_int_eq(snap_init(&s, site.conf, &d), 0);
	for (k = 0; k < 4; k++) {
		w[k].s = s;
		w[k].n = 400;
		w[k].bad = 0;
		ck_assert(pthread_create(&th[k], NULL, work, &w[k]) == 0);
	}
	for (k = 0; k < 20; k++) {
		set_issuers(&site, k % 2 ? "RELAY" : "REJECT");
		ck_assert_msg(snap_reload(s, &d) == 1, "reload %d: %s", k,
		    d.what);
		/* as a daemon's loop does: set matchers built meanwhile,
		 * the last one maybe still building at snap_free() */
		snap_tick(s, 0, msg, sizeof(msg));
		usleep(1000);
	}
	for (k = 0; k < 4; k++) {
		pthread_join(th[k], NULL);
		ck_assert_msg(w[k].bad == 0, "case threads: %d odd answers",
		    w[k].bad);
	}
	snap_free(s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("snap");
	TCase *tc;

	tc = tcase_create("snap_reload");
	tcase_add_test(tc, test_snap_reload_swaps);
	LOOP(tc, test_snap_reload_broken, broken_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("snap_maybe_reload");
	tcase_add_test(tc, test_snap_maybe_reload);
	suite_add_tcase(s, tc);
	tc = tcase_create("snap_tick");
	tcase_add_test(tc, test_snap_tick);
	tcase_add_test(tc, test_snap_tick_set);
	suite_add_tcase(s, tc);
	tc = tcase_create("snap_init");
	tcase_add_test(tc, test_snap_init_fails);
	tcase_add_test(tc, test_snap_fork);
	suite_add_tcase(s, tc);
	tc = tcase_create("snap_get");
	tcase_add_test(tc, test_snap_threads);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
