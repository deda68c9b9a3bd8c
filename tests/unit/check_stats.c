/*
 * check_stats - the counters, their text file, reading it back, and
 * mode = warn (lib/stats.c, lib/statsread.c, lib/warn.c)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "stats.h"
#include "statsread.h"
#include "testutil.h"
#include "warn.h"

#define THREADS	4
#define ROUNDS	100000

/* a configuration file with the given lines; the struct loaded */
static struct conf *
conf_with(const char *text, char *dir, size_t size)
{
	char path[TU_PATH_MAX];
	struct conf *c;
	struct diag d;

	tu_mkdir(dir, size);
	tu_path(path, sizeof(path), dir, "certrelay.conf");
	tu_write(path, text);
	ck_assert_msg(conf_load(path, &c, &d) == 0, "%s:%d: %s", d.file,
	    d.line, d.what);
	return c;
}

static struct decision
dec_of(enum act a, enum dec_kind k, const char *table, int line)
{
	struct decision dec;

	memset(&dec, 0, sizeof(dec));
	dec.action = a;
	dec.kind = k;
	dec.table = table;
	dec.line = line;
	return dec;
}

static void *
counter_main(void *arg)
{
	struct stats *st = arg;
	struct decision relay = dec_of(ACT_RELAY, KIND_FINGERPRINT, "fps", 3);
	struct decision refuse = dec_of(ACT_REJECT, KIND_GATEKEEPER, NULL, 0);
	int i;

	for (i = 0; i < ROUNDS; i++) {
		stats_session(st, 1);
		stats_request(st);
		stats_decision(st, STATS_RCPT, i % 2 ? &relay : &refuse,
		    i % 2 ? ACT_RELAY : ACT_REJECT);
		stats_decision(st, STATS_RCPT, &relay, ACT_RELAY);
		stats_session(st, 0);
	}
	return NULL;
}

/* print - stats_print() into a string */
static char *
print(struct stats *st, const struct conf *c, time_t now)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(stats_print(st, c, now, fp), 0);
	fclose(fp);
	return buf;
}

static void
has(const char *text, const char *line)
{
	ck_assert_msg(strstr(text, line) != NULL, "want the line\n%s\nin\n%s",
	    line, text);
}

/* no count is lost from many threads, and none needs a lock */
START_TEST(test_stats_threads)
{
	char dir[TU_PATH_MAX], want[TU_PATH_MAX + 256], *text;
	struct conf *c = conf_with("fingerprint_table = fps\n", dir,
	    sizeof(dir));
	struct stats *st;
	struct diag d;
	pthread_t t[THREADS];
	int i;

	ck_assert_int_eq(stats_new(&st, "certrelay-milter", 1000, &d), 0);
	for (i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, counter_main, st);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	text = print(st, c, 2000);
	snprintf(want, sizeof(want), "\ncertrelay_sessions_total %d\n",
	    THREADS * ROUNDS);
	has(text, want);
	has(text, "\ncertrelay_clients 0\n");
	snprintf(want, sizeof(want), "\ncertrelay_decisions_total{stage="
	    "\"rcpt\",action=\"RELAY\",kind=\"fingerprint\"} %d\n",
	    THREADS * ROUNDS * 3 / 2);
	has(text, want);
	snprintf(want, sizeof(want), "\ncertrelay_decisions_total{stage="
	    "\"rcpt\",action=\"REJECT\",kind=\"gatekeeper\"} %d\n",
	    THREADS * ROUNDS / 2);
	has(text, want);
	snprintf(want, sizeof(want), "\ncertrelay_rule_hits_total{kind="
	    "\"fingerprint\",table=\"%s/fps\",line=\"3\"} %d\n", dir,
	    THREADS * ROUNDS * 3 / 2);
	has(text, want);
	free(text);
	stats_free(st);
	conf_free(c);
}
END_TEST

/* what a file says, series by series */
START_TEST(test_stats_print)
{
	char dir[TU_PATH_MAX], *text;
	struct conf *c = conf_with("regex_table = /etc/a \"b\\c\nmode = "
	    "warn\n", dir, sizeof(dir));
	struct stats *st;
	struct decision dec = dec_of(ACT_DUNNO, KIND_REGEX, "x", 12);
	struct diag d;

	ck_assert_int_eq(stats_new(&st, "certrelay-policyd", 1000, &d), 0);
	stats_decision(st, STATS_POLICY, &dec, ACT_REJECT);
	stats_lookup_failed(st);
	stats_reload(st, 0, 1500);
	stats_session(st, 1);
	text = print(st, c, 2000);
	has(text, "certrelay_info{daemon=\"certrelay-policyd\",version=\"");
	has(text, "\",mode=\"warn\"} 1\n");
	has(text, "\ncertrelay_start_time_seconds 1000\n");
	has(text, "\ncertrelay_stats_time_seconds 2000\n");
	has(text, "\ncertrelay_clients 1\n");
	/* counted as decided; answered DUNNO: warn */
	has(text, "\ncertrelay_decisions_total{stage=\"policy\",action="
	    "\"REJECT\",kind=\"regex\"} 1\n");
	has(text, "\ncertrelay_warn_total{action=\"REJECT\"} 1\n");
	has(text, "\ncertrelay_reloads_total{result=\"failed\"} 1\n");
	has(text, "\ncertrelay_lookup_failures_total 1\n");
	/* a failed reload keeps the rule counters */
	has(text, "\ncertrelay_rules_since_seconds 1000\n");
	has(text, "\ncertrelay_rule_hits_total{kind=\"regex\",table=\"/etc/a "
	    "\\\"b\\\\c\",line=\"12\"} 1\n");
	free(text);
	/* a reload in service starts the rule counters again */
	stats_reload(st, 1, 3000);
	text = print(st, c, 3000);
	has(text, "\ncertrelay_rules_since_seconds 3000\n");
	has(text, "\ncertrelay_reloads_total{result=\"ok\"} 1\n");
	ck_assert_ptr_null(strstr(text, "\ncertrelay_rule_hits_total{"));
	free(text);
	stats_free(st);
	conf_free(c);
}
END_TEST

/* the file as written parses with the Prometheus client's own parser,
 * with the values counted */
START_TEST(test_stats_write_parses)
{
	static const char *want[] = {
		"certrelay_sessions_total {} 2.0",
		"certrelay_decisions_total {'action': 'RELAY', 'kind': "
		    "'subject', 'stage': 'rcpt'} 1.0",
		"certrelay_rule_hits_total {'kind': 'subject', 'line': '9', "
		    "'table': '%s/subjects'} 1.0",
		"certrelay_info {'daemon': 'certrelay-milter', 'mode': "
		    "'enforce', 'version': '",
	};
	char dir[TU_PATH_MAX], path[TU_PATH_MAX];
	char cmd[4 * TU_PATH_MAX], line[TU_PATH_MAX], *text;
	struct conf *c;
	struct stats *st;
	struct decision dec = dec_of(ACT_RELAY, KIND_SUBJECT, "s", 9);
	struct diag d;
	struct stat sb;
	size_t i, len;

	c = conf_with("subject_table = subjects\nstats_file = %n.prom\n", dir,
	    sizeof(dir));
	ck_assert_int_eq(stats_new(&st, "certrelay-milter", 1000, &d), 0);
	stats_session(st, 1);
	stats_session(st, 1);
	stats_decision(st, STATS_RCPT, &dec, ACT_RELAY);
	ck_assert_int_eq(stats_write(st, c, 2000, &d), 0);
	ck_assert_int_eq(stats_write(st, c, 2060, &d), 0);
	tu_path(path, sizeof(path), dir, "certrelay-milter.prom");
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0644);	/* node_exporter */
	/* no temporary file left beside it: the history only */
	ck_assert_int_eq(tu_count_names(dir, "prom."), 1);
	if (system("/usr/bin/python3 -c 'import prometheus_client' "
	    "2>/dev/null") != 0) {
		fprintf(stderr, "check_stats: python3-prometheus-client is "
		    "not installed (contrib/install-deps.sh): not parsed\n");
		ck_assert_msg(getenv("CERTRELAY_NO_SKIP") == NULL,
		    "python3-prometheus-client missing");
		goto out;
	}
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 -c 'import sys\n"
	    "from prometheus_client.parser import "
	    "text_string_to_metric_families as f\n"
	    "for m in f(open(sys.argv[1]).read()):\n"
	    "  for s in m.samples: print(s.name, dict(sorted(s.labels."
	    "items())), s.value)' %s > %s.parsed", path, path);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s.parsed", path);
	text = tu_read(cmd, &len);
	ck_assert_ptr_nonnull(text);
	for (i = 0; i < NELEM(want); i++) {
		snprintf(line, sizeof(line), want[i], dir);
		has(text, line);
	}
	free(text);
out:
	/* the history: one timed sample set a write */
	snprintf(cmd, sizeof(cmd), "%s.history", path);
	text = tu_read(cmd, &len);
	ck_assert_ptr_nonnull(text);
	has(text, "certrelay_sessions_total 2 2000000\n");
	has(text, "certrelay_sessions_total 2 2060000\n");
	has(text, "certrelay_decisions_total{stage=\"rcpt\",action=\"RELAY\","
	    "kind=\"subject\"} 1 2060000\n");
	free(text);
	stats_free(st);
	conf_free(c);
}
END_TEST

/* a write that cannot be done says why, and leaves nothing behind */
START_TEST(test_stats_write_fails)
{
	char dir[TU_PATH_MAX];
	struct conf *c = conf_with("stats_file = no/such/dir/%n.prom\n", dir,
	    sizeof(dir));
	struct stats *st;
	struct diag d;

	ck_assert_int_eq(stats_new(&st, "certrelay-milter", 1000, &d), 0);
	diag_clear(&d);
	ck_assert_int_eq(stats_write(st, c, 2000, &d), -1);
	ck_assert_msg(strstr(d.file, "no/such/dir/certrelay-milter.prom") !=
	    NULL && strstr(d.what, "No such file") != NULL, "got %s: %s",
	    d.file, d.what);
	stats_free(st);
	conf_free(c);
}
END_TEST

static const struct {
	const char *name, *pattern, *want;
} path_cases[] = {
	{ "name", "/var/lib/certrelay/%n.prom",
	    "/var/lib/certrelay/certrelay-milter.prom" },
	{ "percent", "/x/100%%-%n", "/x/100%-certrelay-milter" },
	{ "none", "/x/plain.prom", "/x/plain.prom" },
	{ "bad", "/x/%d.prom", NULL },
	{ "trailing", "/x/%", NULL },
};

START_TEST(test_stats_path)
{
	char buf[64];
	int r = stats_path(path_cases[_i].pattern, "certrelay-milter", buf,
	    sizeof(buf));

	if (path_cases[_i].want == NULL)
		ck_assert_msg(r == -1, "case %s: got %d, want -1",
		    path_cases[_i].name, r);
	else
		ck_assert_msg(r == 0 && strcmp(buf, path_cases[_i].want) == 0,
		    "case %s: got %s, want %s", path_cases[_i].name, buf,
		    path_cases[_i].want);
	ck_assert_int_eq(stats_path("/a/%n", "certrelay-milter", buf, 10),
	    -1);			/* does not fit */
}
END_TEST

/* what the reader hands on: the samples, in one string per sample */
static int
gather(void *ctx, const struct stats_sample *s)
{
	char *out = ctx;
	size_t n = strlen(out);
	int i;

	n += (size_t)snprintf(out + n, 1024 - n, "%s", s->name);
	for (i = 0; i < s->nlabels; i++)
		n += (size_t)snprintf(out + n, 1024 - n, "|%s=%s", s->key[i],
		    s->val[i]);
	snprintf(out + n, 1024 - n, " %g %lld;", s->value, s->ts_ms);
	return 0;
}

static const struct {
	const char *name, *text, *want;
	int	line;			/* of the error; 0: none */
} parse_cases[] = {
	{ "plain", "# HELP x y\n# TYPE x counter\nx 3\n", "x 3 -1;", 0 },
	{ "labels", "a_b:c{k=\"v\",l=\"w\",} 1.5 1700000000000", "a_b:c|k=v|l=w "
	    "1.5 1700000000000;", 0 },
	{ "escapes", "m{t=\"a\\\"b\\\\c\\nd\"} 2\n\n", "m|t=a\"b\\c\nd 2 -1;",
	    0 },
	{ "special values", "a +Inf\nb NaN\nc -1e3\n", "a inf -1;b nan -1;"
	    "c -1000 -1;", 0 },
	{ "no value", "x\n", "", 1 },
	{ "no name", "{k=\"v\"} 1\n", "", 1 },
	{ "unquoted", "ok 1\nx{k=v} 1\n", "ok 1 -1;", 2 },
	{ "bad escape", "x{k=\"\\q\"} 1\n", "", 1 },
	{ "unclosed", "x{k=\"v\" 1\n", "", 1 },
	{ "bad value", "x 1z\n", "", 1 },
	{ "bad timestamp", "x 1 2x\n", "", 1 },
	/* found by fuzz_statsread: -1 is how a sample says it has none */
	{ "negative timestamp", "x 1 -1\n", "", 1 },
	{ "signed timestamp", "x 1 +5\n", "", 1 },
	{ "too many labels", "x{a=\"\",b=\"\",c=\"\",d=\"\",e=\"\",f=\"\","
	    "g=\"\",h=\"\",i=\"\"} 1\n", "", 1 },
	{ "no space", "x{k=\"v\"}1\n", "", 1 },
};

START_TEST(test_stats_parse)
{
	char out[1024] = "";
	struct diag d;
	int r;

	diag_clear(&d);
	r = stats_parse(parse_cases[_i].text, strlen(parse_cases[_i].text),
	    "f.prom", gather, out, &d);
	ck_assert_msg(strcmp(out, parse_cases[_i].want) == 0, "case %s: got "
	    "%s, want %s", parse_cases[_i].name, out, parse_cases[_i].want);
	if (parse_cases[_i].line == 0)
		ck_assert_msg(r == 0, "case %s: got %d (%s), want 0",
		    parse_cases[_i].name, r, d.what);
	else
		ck_assert_msg(r == -1 && d.line == parse_cases[_i].line &&
		    strcmp(d.file, "f.prom") == 0, "case %s: got %d at %d, "
		    "want -1 at %d", parse_cases[_i].name, r, d.line,
		    parse_cases[_i].line);
}
END_TEST

/* the text need not end in NUL or newline; a long line is an error */
START_TEST(test_stats_parse_bounds)
{
	char out[1024] = "", *big;
	struct diag d;

	ck_assert_int_eq(stats_parse("x 1\ny 2XXXX", 7, "f", gather, out, &d),
	    0);
	ck_assert_str_eq(out, "x 1 -1;y 2 -1;");
	big = malloc(STATSREAD_LINE_MAX + 10);
	memset(big, 'a', STATSREAD_LINE_MAX + 10);
	ck_assert_int_eq(stats_parse(big, STATSREAD_LINE_MAX + 10, "f",
	    gather, out, &d), -1);
	ck_assert_msg(strstr(d.what, "too long") != NULL, "got %s", d.what);
	free(big);
}
END_TEST

static const struct {
	const char *name, *conf, *listener, *rcpt;
	enum stage stage;
	int	gate;
	enum act act, want;		/* want: what is answered */
} soften_cases[] = {
	{ "enforce", "gatekeeper = none\n", NULL, "a@far.example",
	    STAGE_RCPT, 1, ACT_REJECT, ACT_REJECT },
	{ "warn, no gate", "gatekeeper = none\nmode = warn\n", "MTA",
	    "a@far.example", STAGE_RCPT, 1, ACT_REJECT, ACT_DUNNO },
	{ "warn, relay", "gatekeeper = none\nmode = warn\n", "MTA",
	    "a@far.example", STAGE_RCPT, 1, ACT_RELAY, ACT_DUNNO },
	{ "warn, AUTH at MAIL", "gatekeeper = all\nmode = warn\n", "CRT",
	    NULL, STAGE_MAIL, 1, ACT_REJECT, ACT_DUNNO },
	{ "warn, the gate", "gatekeeper = CRT\nmode = warn\n", "CRT",
	    "a@far.example", STAGE_RCPT, 1, ACT_REJECT, ACT_REJECT },
	{ "warn, the gate relays", "gatekeeper = CRT\nmode = warn\n", "CRT",
	    "a@far.example", STAGE_RCPT, 1, ACT_RELAY, ACT_RELAY },
	{ "warn, unnamed listener is gated", "gatekeeper = CRT\nmode = warn\n",
	    NULL, "a@far.example", STAGE_RCPT, 1, ACT_REJECT, ACT_REJECT },
	{ "warn, other listener", "gatekeeper = CRT\nmode = warn\n", "MTA",
	    "a@far.example", STAGE_RCPT, 1, ACT_TEMPFAIL, ACT_DUNNO },
	{ "warn, gate, local rcpt", "gatekeeper = CRT\nmode = warn\n"
	    "local_domains = here.example\n", "CRT", "a@here.example",
	    STAGE_RCPT, 1, ACT_REJECT, ACT_DUNNO },
	{ "warn, policy server is no gate", "gatekeeper = all\nmode = warn\n",
	    NULL, "a@far.example", STAGE_RCPT, 0, ACT_REJECT, ACT_DUNNO },
};

START_TEST(test_warn_soften)
{
	char dir[TU_PATH_MAX];
	struct conf *c = conf_with(soften_cases[_i].conf, dir, sizeof(dir));
	struct decision dec = dec_of(soften_cases[_i].act, KIND_FINGERPRINT,
	    "fps", 4);
	struct request r;
	enum act would;
	int softened;

	strcpy(dec.code, "550");
	request_init(&r);
	r.listener = soften_cases[_i].listener;
	r.rcpt = soften_cases[_i].rcpt;
	softened = warn_soften(c, &r, soften_cases[_i].stage,
	    soften_cases[_i].gate, &dec, &would);
	ck_assert_msg(dec.action == soften_cases[_i].want && would ==
	    soften_cases[_i].act, "case %s: answered %s would %s, want %s",
	    soften_cases[_i].name, action_name(dec.action),
	    action_name(would), action_name(soften_cases[_i].want));
	ck_assert_int_eq(softened, dec.action != would);
	/* the rule stays, for the log line; the reply goes */
	ck_assert_int_eq(dec.line, 4);
	ck_assert_str_eq(dec.code, softened ? "" : "550");
	conf_free(c);
}
END_TEST

START_TEST(test_warn_mark)
{
	char line[64] = "c1: action=DUNNO stage=rcpt rule=f:4";
	char small[24] = "c1: action=DUNNO x=y";

	ck_assert_int_eq(warn_mark(line, strlen(line), sizeof(line),
	    ACT_REJECT), 49);
	ck_assert_str_eq(line, "c1: action=DUNNO would=REJECT stage=rcpt "
	    "rule=f:4");
	/* no room: the end of the line goes first, then the mark */
	warn_mark(small, strlen(small), sizeof(small), ACT_RELAY);
	ck_assert_str_eq(small, "c1: action=DUNNO would=");
	ck_assert_int_eq(strlen(small), sizeof(small) - 1);
}
END_TEST

/* stats_file, stats_interval, mode in certrelay.conf */
static const struct {
	const char *name, *text, *err;
} key_cases[] = {
	{ "defaults", "", NULL },
	{ "all", "stats_file = /s/%n.prom\nstats_interval = 5\nmode = WARN\n",
	    NULL },
	{ "none", "stats_file = none\n", NULL },
	{ "interval 0", "stats_interval = 0\n", "1 to 3600" },
	{ "interval big", "stats_interval = 3601\n", "1 to 3600" },
	{ "interval word", "stats_interval = soon\n", "not a number" },
	{ "mode", "mode = test\n", "enforce or warn" },
	{ "empty file", "stats_file =\n", "empty path" },
};

START_TEST(test_stats_keys)
{
	char dir[TU_PATH_MAX], path[TU_PATH_MAX];
	struct conf *c;
	struct diag d;
	int r;

	tu_mkdir(dir, sizeof(dir));
	tu_path(path, sizeof(path), dir, "c.conf");
	tu_write(path, key_cases[_i].text);
	diag_clear(&d);
	r = conf_load(path, &c, &d);
	if (key_cases[_i].err) {
		ck_assert_msg(r == -1 && d.line == 1 && strstr(d.what,
		    key_cases[_i].err) != NULL, "case %s: got %d %s",
		    key_cases[_i].name, r, d.what);
		return;
	}
	ck_assert_msg(r == 0, "case %s: %s", key_cases[_i].name, d.what);
	if (_i == 1) {
		ck_assert_str_eq(c->stats_file, "/s/%n.prom");
		ck_assert_int_eq(c->stats_interval, 5);
		ck_assert_int_eq(c->warn, 1);
	} else {
		ck_assert_ptr_null(c->stats_file);
		ck_assert_int_eq(c->stats_interval, 60);
		ck_assert_int_eq(c->warn, 0);
	}
	conf_free(c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("stats");
	TCase *tc;

	tc = tcase_create("stats_print");
	tcase_add_test(tc, test_stats_threads);
	tcase_add_test(tc, test_stats_print);
	suite_add_tcase(s, tc);
	tc = tcase_create("stats_write");
	tcase_add_test(tc, test_stats_write_parses);
	tcase_add_test(tc, test_stats_write_fails);
	suite_add_tcase(s, tc);
	tc = tcase_create("stats_path");
	LOOP(tc, test_stats_path, path_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("stats_parse");
	LOOP(tc, test_stats_parse, parse_cases);
	tcase_add_test(tc, test_stats_parse_bounds);
	suite_add_tcase(s, tc);
	tc = tcase_create("warn_soften");
	LOOP(tc, test_warn_soften, soften_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("warn_mark");
	tcase_add_test(tc, test_warn_mark);
	suite_add_tcase(s, tc);
	tc = tcase_create("conf_load");
	LOOP(tc, test_stats_keys, key_cases);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
