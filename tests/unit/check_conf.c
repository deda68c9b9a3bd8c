/*
 * check_conf - certrelay.conf, local domains, trusted networks
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"
#include "testutil.h"

/* load - text written to dir/name and loaded */
static int
load(const char *text, char *dir, size_t dsize, struct conf **c,
    struct diag *d)
{
	char path[TU_PATH_MAX];

	tu_mkdir(dir, dsize);
	tu_path(path, sizeof(path), dir, "certrelay.conf");
	tu_write(path, text);
	diag_clear(d);
	return conf_load(path, c, d);
}

START_TEST(test_conf_all_keys)
{
	char dir[TU_PATH_MAX], want[TU_PATH_MAX * 2];
	struct conf *c;
	struct diag d;

	ck_assert_msg(load(
	    "# every key\n"
	    "fingerprint_table = fingerprints\n"
	    "subject_table=/etc/certrelay/subjects\n"
	    "issuer_table   =   tables/issuers\n"
	    "email_table = ../emails\n"
	    "attribute_table = attributes\n"
	    "\n"
	    "access_table = /etc/mail/access\n"
	    "regex_table = regex\n"
	    "cert_index = certs\n"
	    "local_domains = local.example, .Example.ORG  other.example\n"
	    "trusted_networks = 127.0.0.0/8, ::1/128 192.0.2.0/25\n"
	    "min_tls_version = TLSv1.3\n"
	    "min_cipher_bits = 256\n"
	    "header_name = X-Cert-Relay\n"
	    "index_ca_file = /etc/ssl/site-cas.pem\n"
	    "sendmail_openssl = 3\n"
	    "gatekeeper = yes\n", dir, sizeof(dir), &c, &d) == 0,
	    "case all keys: %s:%d: %s", d.file, d.line, d.what);

#define PATH_IS(field, rel) do { \
	snprintf(want, sizeof(want), "%s/%s", dir, rel); \
	ck_assert_msg(c->field && strcmp(c->field, want) == 0, \
	    "case " #field ": got \"%s\", want \"%s\"", c->field, want); \
} while (0)
#define ABS_IS(field, abs) \
	ck_assert_msg(c->field && strcmp(c->field, abs) == 0, \
	    "case " #field ": got \"%s\", want \"%s\"", c->field, abs)

	PATH_IS(table[TABLE_FINGERPRINT], "fingerprints");
	ABS_IS(table[TABLE_SUBJECT], "/etc/certrelay/subjects");
	PATH_IS(table[TABLE_ISSUER], "tables/issuers");
	PATH_IS(table[TABLE_EMAIL], "../emails");
	PATH_IS(table[TABLE_ATTRIBUTE], "attributes");
	ABS_IS(table[TABLE_ACCESS], "/etc/mail/access");
	PATH_IS(regex_table, "regex");
	PATH_IS(cert_index, "certs");
	ck_assert_int_eq(c->table_line[TABLE_FINGERPRINT], 2);
	ck_assert_int_eq(c->table_line[TABLE_ACCESS], 8);
	ck_assert_int_eq(c->regex_line, 9);
	ck_assert_int_eq(c->cert_index_line, 10);
	ck_assert_int_eq(c->n_local, 3);
	ck_assert_str_eq(c->local_domains[0], "local.example");
	ck_assert_str_eq(c->local_domains[1], ".example.org");
	ck_assert_str_eq(c->local_domains[2], "other.example");
	ck_assert_int_eq(c->n_nets, 3);
	ck_assert_int_eq(c->nets[0].af, AF_INET);
	ck_assert_int_eq(c->nets[0].bits, 8);
	ck_assert_int_eq(c->nets[1].af, AF_INET6);
	ck_assert_int_eq(c->nets[1].bits, 128);
	ck_assert_int_eq(c->nets[2].bits, 25);
	ck_assert_int_eq(c->min_tls, 13);
	ck_assert_int_eq(c->min_cipher_bits, 256);
	ck_assert_str_eq(c->header_name, "X-Cert-Relay");
	ck_assert_int_eq(c->gatekeeper, CONF_GATE_ALL);
	ck_assert_int_eq(c->legacy_quoting, 0);
	ABS_IS(index_ca_file, "/etc/ssl/site-cas.pem");
	conf_free(c);
}
END_TEST

START_TEST(test_conf_defaults)
{
	char dir[TU_PATH_MAX];
	struct conf *c;
	struct diag d;
	int k;

	ck_assert_int_eq(load("# nothing\n", dir, sizeof(dir), &c, &d), 0);
	for (k = 0; k < TABLE_NKINDS; k++)
		ck_assert_msg(c->table[k] == NULL, "case default table %d set",
		    k);
	ck_assert(c->regex_table == NULL && c->cert_index == NULL);
	ck_assert_int_eq(c->min_tls, 12);
	ck_assert_int_eq(c->min_cipher_bits, 128);
	ck_assert_str_eq(c->header_name, "X-Certrelay");
	ck_assert_int_eq(c->gatekeeper, CONF_GATE_UNSET);
	ck_assert_int_eq(c->legacy_quoting, 1);
	ck_assert(c->index_ca_file == NULL);
	ck_assert_int_eq(c->n_local, 0);
	ck_assert_int_eq(c->n_nets, 0);
	conf_free(c);
	conf_free(NULL);
}
END_TEST

static const struct {
	const char *name;
	const char *text;
	const char *field;
	const char *want;
} value_cases[] = {
	{ "header none", "header_name = none\n", "header", "" },
	{ "gatekeeper no", "gatekeeper = no\n", "gatekeeper", "none" },
	{ "gatekeeper YES", "gatekeeper = YES\n", "gatekeeper", "all" },
	{ "gatekeeper none", "gatekeeper = none\n", "gatekeeper", "none" },
	{ "gatekeeper listeners", "gatekeeper = CRT, gate\n", "gatekeeper",
	    "CRT,gate" },
	{ "gatekeeper unset", "# nothing\n", "gatekeeper", "unset" },
	{ "openssl legacy", "sendmail_openssl = LEGACY\n", "quoting", "1" },
	{ "openssl 3", "sendmail_openssl = 3\n", "quoting", "0" },
	{ "TLSv1", "min_tls_version = TLSv1\n", "tls", "10" },
	{ "TLSv1.1", "min_tls_version = TLSv1.1\n", "tls", "11" },
	{ "TLSv1.0", "min_tls_version = TLSv1.0\n", "tls", "10" },
	{ "tlsv1.3", "min_tls_version = tlsv1.3\n", "tls", "13" },
	{ "bits 65535", "min_cipher_bits = 65535\n", "bits", "65535" },
	{ "bits 0", "min_cipher_bits = 0\n", "bits", "0" },
	{ "continued list", "local_domains = a.example,\n  b.example\n",
	    "local", "2" },
	{ "trailing comment line", "gatekeeper = yes\n# gatekeeper = no\n",
	    "gatekeeper", "all" },
	{ "CRLF", "gatekeeper = yes\r\nmin_cipher_bits = 96\r\n", "bits",
	    "96" },
};

START_TEST(test_conf_values)
{
	char dir[TU_PATH_MAX], got[64];
	struct conf *c;
	struct diag d;
	const char *f = value_cases[_i].field;

	ck_assert_msg(load(value_cases[_i].text, dir, sizeof(dir), &c, &d) == 0,
	    "case %s: %s:%d: %s", value_cases[_i].name, d.file, d.line, d.what);
	if (strcmp(f, "header") == 0)
		snprintf(got, sizeof(got), "%s", c->header_name);
	else if (strcmp(f, "gatekeeper") == 0)
		ck_assert_int_eq(conf_gate_text(c, got, sizeof(got)), 0);
	else if (strcmp(f, "quoting") == 0)
		snprintf(got, sizeof(got), "%d", c->legacy_quoting);
	else if (strcmp(f, "tls") == 0)
		snprintf(got, sizeof(got), "%d", c->min_tls);
	else if (strcmp(f, "bits") == 0)
		snprintf(got, sizeof(got), "%d", c->min_cipher_bits);
	else
		snprintf(got, sizeof(got), "%d", c->n_local);
	ck_assert_msg(strcmp(got, value_cases[_i].want) == 0,
	    "case %s: got \"%s\", want \"%s\"", value_cases[_i].name, got,
	    value_cases[_i].want);
	conf_free(c);
}
END_TEST

static const struct {
	const char *name;
	const char *text;
	int	line;
	const char *what;
} error_cases[] = {
	{ "unknown key", "gatekeeper = yes\n# x\nsubjects_table = s\n", 3,
	    "unknown key \"subjects_table\"" },
	{ "no =", "gatekeeper yes\n", 1, "key = value" },
	{ "set twice", "gatekeeper = yes\nmin_cipher_bits = 1\n"
	    "gatekeeper = no\n", 3, "set twice" },
	{ "bad tls version", "\nmin_tls_version = TLSv1.4\n", 2, "TLSv1.4" },
	{ "SSLv3", "min_tls_version = SSLv3\n", 1, "SSLv3" },
	{ "TLSv2", "min_tls_version = TLSv2\n", 1, "TLSv2" },
	{ "TLSv1.2 junk", "min_tls_version = TLSv1.2x\n", 1, "TLSv1.2x" },
	{ "bits with sign", "min_cipher_bits = +128\n", 1, "not a number" },
	{ "prefix with sign", "trusted_networks = 10.0.0.0/+8\n", 1,
	    "prefix length" },
	{ "prefix too long", "trusted_networks = 10.0.0.0/33\n", 1,
	    "prefix length" },
	{ "negative bits", "min_cipher_bits = -1\n", 1, "not a number" },
	{ "bits not a number", "min_cipher_bits = 128bits\n", 1,
	    "not a number" },
	{ "bits too big", "min_cipher_bits = 70000\n", 1, "not a number" },
	{ "bits empty", "min_cipher_bits =\n", 1, "not a number" },
	{ "gatekeeper empty list", "gatekeeper = ,\n", 1,
	    "all, none or listener names" },
	{ "openssl 1.1", "sendmail_openssl = 1.1\n", 1, "3 or legacy" },
	{ "header with space", "header_name = X Cert\n", 1, "bad header name" },
	{ "header with colon", "header_name = X-Cert:\n", 1,
	    "bad header name" },
	{ "header too long", "header_name = X-"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	    1, "bad header name" },
	{ "network prefix too long", "trusted_networks = 10.0.0.0/33\n", 1,
	    "prefix length" },
	{ "v6 prefix too long", "trusted_networks = ::1/129\n", 1,
	    "prefix length" },
	{ "empty prefix", "trusted_networks = 10.0.0.0/\n", 1,
	    "prefix length" },
	{ "bad address", "trusted_networks = 127.0.0.1, 300.1.1.1\n", 1,
	    "300.1.1.1" },
	{ "host name", "trusted_networks = localhost\n", 1, "localhost" },
	{ "empty path", "subject_table =\n", 1, "empty path" },
	{ "continuation first", "  gatekeeper = yes\n", 1, "continuation" },
};

START_TEST(test_conf_errors)
{
	char dir[TU_PATH_MAX];
	struct conf *c = (struct conf *)&c;
	struct diag d;
	int rc;

	rc = load(error_cases[_i].text, dir, sizeof(dir), &c, &d);
	ck_assert_msg(rc == -1, "case %s: got %d, want -1",
	    error_cases[_i].name, rc);
	ck_assert_msg(c == NULL, "case %s: *out not NULL",
	    error_cases[_i].name);
	ck_assert_msg(d.line == error_cases[_i].line,
	    "case %s: got d.line %d, want %d (%s)", error_cases[_i].name,
	    d.line, error_cases[_i].line, d.what);
	ck_assert_msg(strstr(d.file, "certrelay.conf") != NULL,
	    "case %s: got d.file \"%s\"", error_cases[_i].name, d.file);
	ck_assert_msg(strstr(d.what, error_cases[_i].what) != NULL,
	    "case %s: got \"%s\", want it to hold \"%s\"", error_cases[_i].name,
	    d.what, error_cases[_i].what);
}
END_TEST

START_TEST(test_conf_missing)
{
	struct conf *c;
	struct diag d;

	ck_assert_int_eq(conf_load("/nonexistent/certrelay.conf", &c, &d), -1);
	ck_assert_msg(c == NULL && strstr(d.what, "No such") != NULL,
	    "case missing: got \"%s\"", d.what);
}
END_TEST

static const struct {
	const char *rcpt;
	int	want;
} domain_cases[] = {
	{ "bob@local.example", 1 }, { "<bob@local.example>", 1 },
	{ "bob@LOCAL.Example", 1 }, { "<bob@Local.Example>", 1 },
	{ "bob@sub.local.example", 0 }, { "bob@a.example.org", 1 },
	{ "bob@a.b.EXAMPLE.org", 1 }, { "bob@example.org", 0 },
	{ "bob@evilexample.org", 0 }, { "bob@local.example.evil", 0 },
	{ "bob@other.example", 0 }, { "postmaster", 1 }, { "<postmaster>", 1 },
	{ "\"a@b\"@other.example", 0 }, { "bob@", 0 },
	/* what the MTA may still route elsewhere is not ours: the gate */
	{ "", 0 }, { "<>", 0 }, { "bob%other.example@local.example", 0 },
	{ "other.example!bob@local.example", 0 },
	{ "<@local.example:bob@other.example>", 0 },
	{ "<@other.example:bob@local.example>", 0 },
	{ "bob@local.example@other.example", 0 },
	{ "bob@other.example@local.example", 0 },
	{ "<bob@local.example> x", 0 }, { "\"a\"@b@local.example", 0 },
	{ "\"a@b\"@local.example", 1 }, { "\"postmaster\"", 1 },
	{ "\"a@local.example", 0 },
};

START_TEST(test_conf_local_domain)
{
	char dir[TU_PATH_MAX];
	struct conf *c;
	struct diag d;
	int got;

	ck_assert_int_eq(load("local_domains = local.example .example.org\n",
	    dir, sizeof(dir), &c, &d), 0);
	got = conf_local_domain(c, domain_cases[_i].rcpt);
	ck_assert_msg(got == domain_cases[_i].want, "case %s: got %d, want %d",
	    domain_cases[_i].rcpt, got, domain_cases[_i].want);
	conf_free(c);
}
END_TEST

static const struct {
	const char *addr;
	int	want;
} trusted_cases[] = {
	{ "127.0.0.1", 1 }, { "127.255.255.255", 1 }, { "128.0.0.1", 0 },
	{ "192.0.2.0", 1 }, { "192.0.2.127", 1 }, { "192.0.2.128", 0 },
	{ "10.1.2.3", 1 }, { "10.1.2.4", 0 }, { "172.16.5.4", 1 },
	{ "172.31.255.255", 1 }, { "172.32.0.0", 0 },
	{ "::1", 1 }, { "::2", 0 }, { "2001:db8::5", 1 },
	{ "2001:db8:ffff::1", 1 }, { "2001:db9::1", 0 },
	{ "fe80::1", 1 }, { "fec0::1", 0 }, { "", 0 }, { "garbage", 0 },
	{ "127.0.0.1.5", 0 },
};

START_TEST(test_conf_trusted)
{
	char dir[TU_PATH_MAX];
	struct conf *c;
	struct diag d;
	int got;

	ck_assert_int_eq(load("trusted_networks = 127.0.0.0/8, ::1/128, "
	    "192.0.2.0/25 10.1.2.3 172.16.0.0/12 2001:db8::/32 fe80::/10\n",
	    dir, sizeof(dir), &c, &d), 0);
	got = conf_trusted(c, trusted_cases[_i].addr);
	ck_assert_msg(got == trusted_cases[_i].want, "case %s: got %d, want %d",
	    trusted_cases[_i].addr, got, trusted_cases[_i].want);
	ck_assert_int_eq(conf_trusted(c, NULL), 0);
	conf_free(c);
}
END_TEST

START_TEST(test_conf_trusted_all)
{
	char dir[TU_PATH_MAX];
	struct conf *c;
	struct diag d;

	ck_assert_int_eq(load("trusted_networks = 0.0.0.0/0 ::/0\n", dir,
	    sizeof(dir), &c, &d), 0);
	ck_assert(conf_trusted(c, "203.0.113.9"));
	ck_assert(conf_trusted(c, "2001:db8::9"));
	conf_free(c);
	ck_assert_int_eq(load("# none\n", dir, sizeof(dir), &c, &d), 0);
	ck_assert(!conf_trusted(c, "127.0.0.1"));
	conf_free(c);
}
END_TEST

static const struct {
	const char *conf;
	const char *listener;
	int	want;
} gated_cases[] = {
	{ "gatekeeper = all", "MTA", 1 },
	{ "gatekeeper = none", "CRT", 0 },
	{ "# unset", "CRT", 0 },
	{ "gatekeeper = CRT, gate", "CRT", 1 },
	{ "gatekeeper = CRT, gate", "crt", 1 },
	{ "gatekeeper = CRT, gate", "gate", 1 },
	{ "gatekeeper = CRT, gate", "MTA", 0 },
	{ "gatekeeper = CRT, gate", "CRTX", 0 },
	{ "gatekeeper = CRT, gate", "", 1 },	/* not named: fail closed */
	{ "gatekeeper = CRT, gate", NULL, 1 },
};

START_TEST(test_conf_gated)
{
	char dir[TU_PATH_MAX], text[128];
	struct conf *c;
	struct diag d;
	int got;

	snprintf(text, sizeof(text), "%s\n", gated_cases[_i].conf);
	ck_assert_int_eq(load(text, dir, sizeof(dir), &c, &d), 0);
	got = conf_gated(c, gated_cases[_i].listener);
	ck_assert_msg(got == gated_cases[_i].want, "case %s / %s: got %d, "
	    "want %d", gated_cases[_i].conf, gated_cases[_i].listener ?
	    gated_cases[_i].listener : "(null)", got, gated_cases[_i].want);
	conf_free(c);
}
END_TEST

/* every key conf_load() knows is documented in certrelay.conf(5) */
START_TEST(test_conf_keys_documented)
{
	char path[TU_PATH_MAX], line[512], man[65536];
	const char *k;
	size_t n = 0;
	FILE *fp;
	int i;

	snprintf(path, sizeof(path), "%s/contrib/man/certrelay.conf.5",
	    TU_SOURCE_DIR);
	ck_assert_msg((fp = fopen(path, "r")) != NULL, "cannot open %s", path);
	man[0] = 0;
	while (fgets(line, sizeof(line), fp) && n + strlen(line) < sizeof(man))
		if (strncmp(line, ".B ", 3) == 0) {
			memcpy(man + n, line, strlen(line) + 1);
			n += strlen(line);
		}
	fclose(fp);
	for (i = 0; (k = conf_key_name(i)) != NULL; i++)
		ck_assert_msg(strstr(man, k) != NULL, "case %s: key not in "
		    "certrelay.conf(5)", k);
	ck_assert_int_ge(i, 16);
}
END_TEST

static const struct {
	const char *in;
	int	want;
} tls_cases[] = {
	{ "TLSv1", 10 }, { "TLSv1.0", 10 }, { "TLSv1.1", 11 },
	{ "tlsv1.2", 12 }, { "TLSv1.3", 13 }, { "TLSv1.4", 14 },
	{ "TLSv2", 20 }, { "TLSv99.9", 999 },
	/* none: 0, below every version */
	{ "SSLv3", 0 }, { "", 0 }, { NULL, 0 }, { "TLSv", 0 },
	{ "TLSv1.", 0 }, { "TLSv.3", 0 }, { "TLSv-1.3", 0 }, { "TLSv+1", 0 },
	{ "TLSv1.2 ", 0 }, { "TLSv1.3junk", 0 }, { "TLSv1.3.1", 0 },
	{ "TLSv1.10", 0 }, { "TLSv100", 0 }, { "TLSv1666666666666.3", 0 },
};

START_TEST(test_conf_tls_level)
{
	int got = conf_tls_level(tls_cases[_i].in);

	ck_assert_msg(got == tls_cases[_i].want, "case \"%s\": got %d, want %d",
	    tls_cases[_i].in ? tls_cases[_i].in : "(NULL)", got,
	    tls_cases[_i].want);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("conf");
	TCase *tc;

	tc = tcase_create("conf_load");
	tcase_add_test(tc, test_conf_all_keys);
	tcase_add_test(tc, test_conf_defaults);
	LOOP(tc, test_conf_values, value_cases);
	LOOP(tc, test_conf_errors, error_cases);
	tcase_add_test(tc, test_conf_missing);
	suite_add_tcase(s, tc);
	tc = tcase_create("conf_local_domain");
	LOOP(tc, test_conf_local_domain, domain_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("conf_trusted");
	LOOP(tc, test_conf_trusted, trusted_cases);
	tcase_add_test(tc, test_conf_trusted_all);
	suite_add_tcase(s, tc);
	tc = tcase_create("conf_gated");
	LOOP(tc, test_conf_gated, gated_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("conf_key_name");
	tcase_add_test(tc, test_conf_keys_documented);
	suite_add_tcase(s, tc);
	tc = tcase_create("conf_tls_level");
	LOOP(tc, test_conf_tls_level, tls_cases);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
