/*
 * certrelay - the admin's command line
 *
 * SYNOPSIS
 *	certrelay cert [--index] FILE.pem|DIR | cert -c CONF --index
 *	certrelay compile [-t KIND] TABLE... | compile -c CONF
 *	certrelay makemap [flags] hash|btree|cdb MAPNAME < SOURCE
 *	certrelay query [-t KIND] TABLE KEY
 *	certrelay check -c CONF [--subject DN] [--issuer DN] ...
 *	certrelay config-check -c CONF
 *	certrelay doctor [-c CONF] [--postfix DIR] [--sendmail FILE.cf]
 *	certrelay stats [-c CONF] [--json] [--plot FILE.png|FILE.svg]
 *	certrelay --version | -V
 * DESCRIPTION
 *	A thin front-end: each command turns its arguments into one call of
 *	lib/ (table_compile, table_lookup, decide, ...) and prints the
 *	answer. `check` builds the same struct request a daemon builds, so a
 *	dry run and the live answer agree; it prints the decision's action,
 *	reply, rule and kind on one line (print_decision()), then the line a
 *	daemon would log. See certrelay(1).
 * DIAGNOSTICS
 *	Exit 0 on success; 1 on error (file:line: what on stderr); query
 *	exits 1 when the key is not found, 2 on error; 2 on usage errors.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "certlife.h"
#include "cindex.h"
#include "decide.h"
#include "dn.h"
#include "doctor.h"
#include "stats_cmd.h"
#include "warn.h"
#include "engine.h"
#include "fp.h"
#include "ldaptab.h"
#include "logline.h"
#include "rx.h"
#include "table.h"
#include "version.h"
#include "xtext.h"

static const char usage_text[] =
"usage: certrelay COMMAND [ARGS]\n"
"\n"
"  cert FILE.pem            subject and issuer (RFC 4514, Sendmail and\n"
"                           Postfix forms), md5/sha1/sha256 and public-key\n"
"                           fingerprints, e-mail addresses, table lines\n"
"  cert --index DIR         what the compiled certificate index DIR.cdb holds\n"
"  cert -c CONF --index     the same for CONF's cert_index, with each\n"
"                           certificate's dates and what crl_files say\n"
"  compile [-t KIND] TABLE...  compile tables to TABLE.cdb (like postmap);\n"
"                           KIND: fingerprint subject issuer email attribute\n"
"                           access or sender (guessed from the first line\n"
"                           if unset; a sender table is never guessed)\n"
"  compile -c CONF          compile every table and the cert index of CONF\n"
"  makemap [-N] [-f] [-e] [-o] [-r] [-v] TYPE MAPNAME < SOURCE\n"
"                           Sendmail's makemap command line; writes MAPNAME.cdb\n"
"  query [-t KIND] TABLE KEY   look KEY up (like postmap -q): prints the\n"
"                           action and the line; exit 1 if not found;\n"
"                           TABLE may be ldap:FILE.cf (ldap_table syntax)\n"
"  check -c CONF [--subject DN] [--issuer DN] [--fingerprint FP]\n"
"        [--pubkey-fingerprint FP] [--verify OK|FAIL|NO|NONE]\n"
"        [--form any|sendmail|postfix] [--tls-version V] [--cipher-bits N]\n"
"        [--auth-type MECH] [--auth-user USER] [--auth-before-tls]\n"
"        [--client IP] [--listener NAME] [--rcpt ADDR] [--sender ADDR]\n"
"                           dry run: first word is the action; the same\n"
"                           answer the daemons give for the same facts\n"
"  config-check -c CONF     load everything as a daemon would; print warnings\n"
"  doctor [-c CONF] [--postfix DIR] [--sendmail FILE.cf]\n"
"                           the MTA configuration's risks, each with its\n"
"                           fix; exit 1 if a listener is an open relay\n"
"  stats [-c CONF] [--json] [--plot FILE.png|FILE.svg]\n"
"                           the daemons' counters: totals, rates, top rules,\n"
"                           rules that never matched; a plot (gnuplot)\n"
"\n"
"See certrelay(1).\n";

/* usage - to stderr, exit 2 */
static int
usage(void)
{
	fputs(usage_text, stderr);
	return 2;
}

/* fail - print a diag, exit status 1 */
static int
fail(const struct diag *d)
{
	char buf[DIAG_FILE_MAX + DIAG_WHAT_MAX + 32];

	fprintf(stderr, "certrelay: %s\n", diag_str(d, buf, sizeof(buf)));
	return 1;
}

/* sendmail_doubt - what the milter makes of the subject Sendmail sends:
 * the engine's own reading, for each sendmail_openssl */
static void
sendmail_doubt(const char *xt)
{
	struct dn *dn;
	struct diag d;
	const char *why;

	if (dn_parse_sendmail(xt, strlen(xt), &dn, &d) < 0) {
		printf("subject: WARNING: unreadable in Sendmail's form: %s\n",
		    d.what);
		return;
	}
	if ((why = dn_doubt(dn, DN_QUOTING_OPENSSL3)) != NULL)
		printf("subject: WARNING: on Sendmail its name rules only "
		    "refuse (%s): pin it or use the certificate index\n", why);
	else if ((why = dn_doubt(dn, DN_QUOTING_LEGACY)) != NULL)
		printf("subject: note: with sendmail_openssl = legacy its name "
		    "rules only refuse (%s)\n", why);
	dn_free(dn);
}

/* print_name - the three spellings of one name */
static void
print_name(const char *label, X509_NAME *name)
{
	struct dn *dn;
	struct diag d;
	char buf[DN_MAX_BYTES * 4], sm[256], xt[1024], full[DN_MAX_BYTES];
	char *all;
	int cn;

	if (dn_from_x509(name, &dn, &d) < 0) {
		printf("%s: (unreadable: %s)\n", label, d.what);
		return;
	}
	dn_format(dn, DN_RFC4514, buf, sizeof(buf));
	printf("%s: %s\n", label, buf);
	/* What Sendmail sends: its own 256-byte buffer, then xtext. */
	X509_NAME_oneline(name, sm, sizeof(sm));
	if (xtext_encode(sm, strlen(sm), xt, sizeof(xt)) == 0)
		printf("%s (Sendmail {cert_%s}): %s\n", label, label, xt);
	all = X509_NAME_oneline(name, NULL, 0);
	snprintf(full, sizeof(full), "%s", all ? all : "");
	OPENSSL_free(all);
	if (strlen(full) > strlen(sm))
		printf("%s: WARNING: %zu bytes in Sendmail's form: Sendmail "
		    "cuts it to %zu; exact %s rules cannot match it there "
		    "(use the certificate index)\n", label, strlen(full),
		    strlen(sm), label);
	if (strcmp(label, "subject") == 0)
		sendmail_doubt(xt);
	cn = X509_NAME_get_text_by_NID(name, NID_commonName, buf, sizeof(buf));
	if (cn >= 0)
		printf("%s (Postfix CN): %s\n", label, buf);
	dn_free(dn);
}

/* print_fps - every digest an MTA or a table may use */
static void
print_fps(X509 *cert, char fps[][FP_TEXT_MAX], struct diag *d)
{
	static const char *labels[] = { "md5", "sha1", "sha256", "sha512" };
	struct fp fp;
	int a;

	for (a = FP_MD5; a <= FP_SHA256; a++)
		if (fp_of_cert(cert, (enum fp_alg)a, 0, &fp, d) == 0) {
			fp_text(&fp, fps[a], FP_TEXT_MAX);
			printf("%s: %s\n", labels[a], fps[a]);
		}
	if (fp_of_cert(cert, FP_SHA256, 1, &fp, d) == 0) {
		fp_text(&fp, fps[FP_SHA512], FP_TEXT_MAX);
		printf("pubkey sha256: %s\n", fps[FP_SHA512]);
	}
}

/* print_emails - emailAddress in the subject, then the subjectAltName */
static void
print_emails(X509 *cert, char *first, size_t size)
{
	GENERAL_NAMES *san;
	const GENERAL_NAME *gn;
	char buf[512];
	int i = -1, k;

	first[0] = 0;
	while ((i = X509_NAME_get_index_by_NID(X509_get_subject_name(cert),
	    NID_pkcs9_emailAddress, i)) >= 0) {
		ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(
		    X509_get_subject_name(cert), i));

		snprintf(buf, sizeof(buf), "%.*s", ASN1_STRING_length(s),
		    ASN1_STRING_get0_data(s));
		printf("email (subject): %s\n", buf);
		if (!first[0])
			snprintf(first, size, "%s", buf);
	}
	san = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (k = 0; san && k < sk_GENERAL_NAME_num(san); k++) {
		gn = sk_GENERAL_NAME_value(san, k);
		if (gn->type != GEN_EMAIL)
			continue;
		snprintf(buf, sizeof(buf), "%.*s",
		    ASN1_STRING_length(gn->d.rfc822Name),
		    ASN1_STRING_get0_data(gn->d.rfc822Name));
		printf("email (subjectAltName, index only): %s\n", buf);
		if (!first[0])
			snprintf(first, size, "%s", buf);
	}
	GENERAL_NAMES_free(san);
}

/* cn_line - the CN-only keys of a subject and its issuer */
static int
cn_line(const struct dn *s, const struct dn *i, char *sk, size_t ss,
    char *ik, size_t is)
{
	struct dn *cs, *ci;
	struct diag d;
	const char *v, *w;
	size_t vl, wl;
	int r;

	if ((v = dn_get(s, "CN", &vl)) == NULL ||
	    (w = dn_get(i, "CN", &wl)) == NULL ||
	    dn_from_cn(v, vl, &cs, &d) < 0)
		return -1;
	if (dn_from_cn(w, wl, &ci, &d) < 0) {
		dn_free(cs);
		return -1;
	}
	r = dn_format(cs, DN_TABLEKEY, sk, ss) | dn_format(ci, DN_TABLEKEY,
	    ik, is);
	dn_free(cs);
	dn_free(ci);
	return r;
}

/* print_lines - table lines ready to paste */
static void
print_lines(X509 *cert, char fps[][FP_TEXT_MAX], const char *email)
{
	struct dn *s = NULL, *i = NULL;
	struct diag d;
	char sk[DN_MAX_BYTES * 4], ik[DN_MAX_BYTES * 4], ou[256];
	const char *v;
	size_t len;

	if (dn_from_x509(X509_get_subject_name(cert), &s, &d) < 0 ||
	    dn_from_x509(X509_get_issuer_name(cert), &i, &d) < 0 ||
	    dn_format(s, DN_TABLEKEY, sk, sizeof(sk)) < 0 ||
	    dn_format(i, DN_TABLEKEY, ik, sizeof(ik)) < 0)
		goto out;
	printf("\n# table lines (keys end at white space: spaces are \\20)\n");
	printf("fingerprint_table: %s RELAY\n", fps[FP_SHA256]);
	printf("fingerprint_table: pubkey:%s RELAY\n", fps[FP_SHA512]);
	printf("subject_table:     %s issuer=%s RELAY\n", sk, ik);
	if (cn_line(s, i, sk, sizeof(sk), ik, sizeof(ik)) == 0)
		printf("# Postfix shows a milter the CNs only:\n"
		    "subject_table:     %s issuer=%s RELAY\n", sk, ik);
	if (dn_format(i, DN_TABLEKEY, ik, sizeof(ik)) < 0)
		goto out;
	printf("issuer_table:      %s RELAY\n", ik);
	if (email[0])
		printf("email_table:       %s issuer=%s\n", email, ik);
	if ((v = dn_get(s, "OU", &len)) != NULL && len < 128) {
		snprintf(ou, sizeof(ou), "%.*s", (int)len, v);
		for (len = 0; ou[len]; len++)
			if (ou[len] == ' ')
				break;
		if (ou[len] == 0)
			printf("attribute_table:   issuer=%s attr=OU value=%s "
			    "RELAY\n", ik, ou);
	}
out:
	dn_free(s);
	dn_free(i);
}

/* print_dates - notBefore, notAfter, and how they stand today */
static void
print_dates(X509 *cert)
{
	struct certlife l;
	char nb[CRL_TIME_MAX], na[CRL_TIME_MAX];
	time_t now = time(NULL);

	certlife_judge(NULL, cert, now, &l);
	crl_format_time(l.not_before, nb, sizeof(nb));
	crl_format_time(l.not_after, na, sizeof(na));
	printf("not before: %s%s\n", nb, l.not_yet ? " (NOT YET VALID)" : "");
	if (l.expired)
		printf("not after: %s (EXPIRED %ld days ago)\n", na,
		    (long)((now - l.not_after) / 86400));
	else
		printf("not after: %s (in %ld days)\n", na,
		    (long)((l.not_after - now) / 86400));
}

/* cert_one - everything about one certificate */
static void
cert_one(const char *file, X509 *cert)
{
	char fps[4][FP_TEXT_MAX], email[512];
	struct diag d;

	memset(fps, 0, sizeof(fps));
	printf("file: %s\n", file);
	print_name("subject", X509_get_subject_name(cert));
	print_name("issuer", X509_get_issuer_name(cert));
	print_dates(cert);
	print_fps(cert, fps, &d);
	print_emails(cert, email, sizeof(email));
	print_lines(cert, fps, email);
}

/* index_one - cindex_each() callback; ctx: the CRLs, or NULL */
static int
index_one(void *ctx, const char *file, X509 *cert, unsigned flags)
{
	const struct crlset *crls = ctx;
	struct certlife l;
	char life[1024];

	cert_one(file, cert);
	printf("index: %s\n", flags & CINDEX_VERIFIED ? "verified against "
	    "index_ca_file: its names are used" : "not verified against "
	    "index_ca_file: only its fingerprints are used, never its names");
	certlife_judge(crls, cert, time(NULL), &l);
	certlife_describe(&l, life, sizeof(life));
	if (crls == NULL)	/* no CRL was looked at: say only the dates */
		life[strcspn(life, ";")] = 0;
	printf("life: %s%s\n\n", life, crls == NULL ? " (CRLs: certrelay "
	    "cert -c CONF --index)" : "");
	return 0;
}

/* cert_index - certrelay cert --index DIR, or -c CONF --index (with
 * the CRLs of crl_files) */
static int
cert_index(const char *dir, const char *conf)
{
	struct cindex *ci = NULL;
	struct engine *e = NULL;
	const struct cindex *c;
	struct diag d;
	int r;

	diag_clear(&d);
	if (conf != NULL && engine_open(conf, &e, &d) < 0)
		return fail(&d);
	if (conf != NULL && (c = engine_cindex(e)) == NULL) {
		engine_close(e);
		fprintf(stderr, "certrelay: %s: no cert_index\n", conf);
		return 1;
	}
	if (conf != NULL)
		dir = engine_conf(e)->cert_index;
	else if (cindex_open(&ci, dir, &d) < 0)
		return fail(&d);
	c = e ? engine_cindex(e) : ci;
	printf("# %s.cdb: %ld certificates, %ld verified\n\n", dir,
	    cindex_count(c), cindex_verified(c));
	r = cindex_each(c, index_one, e ? (void *)engine_crl(e) : NULL, &d);
	cindex_close(ci);
	engine_close(e);
	return r < 0 ? fail(&d) : 0;
}

/* cmd_cert - certrelay cert [--index] PATH | -c CONF --index */
static int
cmd_cert(int argc, char **argv)
{
	FILE *fp;
	X509 *cert;
	int n = 0;

	if (argc == 3 && strcmp(argv[1], "--index") == 0)
		return cert_index(argv[2], NULL);
	if (argc == 4 && strcmp(argv[1], "-c") == 0 &&
	    strcmp(argv[3], "--index") == 0)
		return cert_index(NULL, argv[2]);
	if (argc != 2)
		return usage();
	if ((fp = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "certrelay: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	while ((cert = PEM_read_X509(fp, NULL, NULL, NULL)) != NULL) {
		if (n++)
			printf("\n");
		cert_one(argv[1], cert);
		X509_free(cert);
	}
	fclose(fp);
	if (n == 0) {
		fprintf(stderr, "certrelay: %s: no PEM certificate\n", argv[1]);
		return 1;
	}
	return 0;
}

/* compile_one - one source to SOURCE.cdb */
static int
compile_one(const char *path, int kind_set, enum table_kind kind,
    const char *out)
{
	struct table *t;
	struct diag d;
	char *cdb;
	int r;

	diag_clear(&d);
	if (strncmp(path, "ldap:", 5) == 0) {
		printf("certrelay: %s: ldap tables are searched in the "
		    "directory: nothing to compile\n", path);
		return 0;
	}
	if (!kind_set && table_guess_kind(path, &kind, &d) < 0)
		return fail(&d);
	if (out == NULL && asprintf(&cdb, "%s.cdb", path) < 0)
		return 1;
	r = table_compile(path, kind, out ? out : cdb, &d);
	if (out == NULL)
		free(cdb);
	if (r < 0)
		return fail(&d);
	if (out == NULL && table_open(&t, path, kind, &d) == 0) {
		printf("certrelay: %s: %ld %s rules compiled", path,
		    table_count(t), table_kind_name(kind));
		if (table_ignored(t))
			printf(", %d lines ignored (not CERTISSUER:/CERTSUBJECT:)",
			    table_ignored(t));
		printf("\n");
		table_close(t);
	}
	return 0;
}

/* index_warn - what cindex_compile() reports */
static void
index_warn(void *ctx, const char *file, const char *what)
{
	(void)ctx;
	fprintf(stderr, "certrelay: warning: %s: %s\n", file, what);
}

/* compile_index - the certificate index, verified against the CA file */
static int
compile_index(const struct conf *c)
{
	struct cindex_opts o = { c->index_ca_file, index_warn, NULL,
	    c->expiry_warn_days };
	struct cindex_stats st;
	struct diag d;
	char *out;
	int r = 0;

	if (asprintf(&out, "%s.cdb", c->cert_index) < 0)
		return 1;
	if (cindex_compile(c->cert_index, out, &o, &st, &d) < 0)
		r = fail(&d);
	else if (c->index_ca_file)
		printf("certrelay: %s: %ld certificates indexed, %ld verified "
		    "against %s\n", c->cert_index, st.count, st.verified,
		    c->index_ca_file);
	else
		printf("certrelay: %s: %ld certificates indexed, none verified "
		    "(no index_ca_file)\n", c->cert_index, st.count);
	free(out);
	return r;
}

/* compile_conf - every table of a configuration */
static int
compile_conf(const char *path)
{
	struct conf *c;
	struct rx *rx;
	struct diag d;
	int k, r = 0;

	if (conf_load(path, &c, &d) < 0)
		return fail(&d);
	for (k = 0; k < TABLE_NKINDS && r == 0; k++)
		if (c->table[k])
			r = compile_one(c->table[k], 1, (enum table_kind)k, NULL);
	if (r == 0 && c->regex_table) {
		if (rx_open(&rx, c->regex_table, &d) < 0)
			r = fail(&d);
		else
			printf("certrelay: %s: %d regex rules checked\n",
			    c->regex_table, rx_count(rx));
		rx_close(rx);
	}
	if (r == 0 && c->cert_index)
		r = compile_index(c);
	conf_free(c);
	return r;
}

/* cmd_compile - certrelay compile [-t KIND] TABLE... | -c CONF */
static int
cmd_compile(int argc, char **argv)
{
	enum table_kind kind = TABLE_FINGERPRINT;
	int ch, kind_set = 0, i, r = 0;

	optind = 1;
	while ((ch = getopt(argc, argv, "c:t:")) != -1)
		switch (ch) {
		case 'c':
			return compile_conf(optarg);
		case 't':
			if (table_kind_parse(optarg, &kind) < 0)
				return usage();
			kind_set = 1;
			break;
		default:
			return usage();
		}
	if (optind >= argc)
		return usage();
	for (i = optind; i < argc && r == 0; i++)
		r = compile_one(argv[i], kind_set, kind, NULL);
	return r;
}

/* cmd_makemap - Sendmail's makemap command line, CDB out */
static int
cmd_makemap(int argc, char **argv)
{
	char tmp[] = "/tmp/certrelay-makemap.XXXXXX", buf[65536], *out;
	enum table_kind kind;
	struct diag d;
	FILE *fp;
	size_t n;
	int ch, fd, r;

	optind = 1;
	while ((ch = getopt(argc, argv, "NCc:dD:eflorst:uv")) != -1)
		if (ch == 'u' || ch == 'l' || ch == '?') {
			fprintf(stderr, "certrelay makemap: -%c is not "
			    "supported\n", optopt ? optopt : ch);
			return 2;
		}
	if (argc - optind != 2 || (strcmp(argv[optind], "hash") &&
	    strcmp(argv[optind], "btree") && strcmp(argv[optind], "dbm") &&
	    strcmp(argv[optind], "cdb"))) {
		fprintf(stderr, "usage: certrelay makemap [flags] hash|btree|"
		    "cdb MAPNAME < SOURCE (writes MAPNAME.cdb)\n");
		return 2;
	}
	if ((fd = mkstemp(tmp)) < 0 || (fp = fdopen(fd, "w")) == NULL) {
		perror("certrelay makemap");
		return 1;
	}
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		fwrite(buf, 1, n, fp);
	if (fclose(fp) != 0 || asprintf(&out, "%s.cdb", argv[optind + 1]) < 0) {
		unlink(tmp);
		return 1;
	}
	diag_clear(&d);
	r = table_guess_kind(tmp, &kind, &d) < 0 ||
	    table_compile(tmp, kind, out, &d) < 0;
	unlink(tmp);
	free(out);
	if (r && strcmp(d.file, tmp) == 0)	/* the admin wrote stdin */
		snprintf(d.file, sizeof(d.file), "stdin");
	return r ? fail(&d) : 0;
}

/* cmd_query - certrelay query [-t KIND] TABLE KEY */
static int
cmd_query(int argc, char **argv)
{
	struct table *t;
	struct table_hit hit;
	struct rx *rx;
	struct rx_subject rs;
	struct diag d;
	enum table_kind kind = TABLE_NKINDS;
	char key[TABLE_KEY_MAX], act[TABLE_KEY_MAX];
	size_t klen;
	int ch, r, regex = 0;

	memset(&hit, 0, sizeof(hit));
	optind = 1;
	while ((ch = getopt(argc, argv, "t:")) != -1)
		if (ch != 't' || (strcmp(optarg, "regex") == 0 ? !(regex = 1) :
		    table_kind_parse(optarg, &kind) < 0))
			return usage();
	if (argc - optind != 2)
		return usage();
	diag_clear(&d);
	if (regex) {
		if (rx_open(&rx, argv[optind], &d) < 0)
			return fail(&d) + 1;
		memset(&rs, 0, sizeof(rs));
		rs.subject = rs.issuer = argv[optind + 1];
		r = rx_match(rx, &rs, &hit, &d);
		rx_close(rx);
		hit.table = argv[optind];
	} else {
		if (kind == TABLE_NKINDS && strncmp(argv[optind], "ldap:",
		    5) == 0 && table_guess_key_kind(argv[optind + 1],
		    &kind) < 0) {
			fprintf(stderr, "certrelay: %s: cannot tell the table "
			    "kind from the key; say -t KIND\n", argv[optind]);
			return 2;
		}
		if (table_open(&t, argv[optind], kind, &d) < 0)
			return fail(&d) + 1;
		r = table_query_key(table_kind(t), argv[optind + 1], key, &klen,
		    &d);
		if (r == 0)
			r = table_lookup(t, key, klen, NULL, &hit, &d);
		hit.table = argv[optind];
		/* a sender table's value is no action: kept before close */
		if ((kind = table_kind(t)) == TABLE_SENDER && r > 0)
			snprintf(act, sizeof(act), "%.*s", (int)hit.vlen,
			    hit.value);
		table_close(t);
	}
	if (r < 0)
		return fail(&d) + 1;
	if (r == 0)
		return 1;
	if (regex || kind != TABLE_SENDER)
		action_format(&hit.act, act, sizeof(act));
	printf("%s (%s:%d)\n", act, hit.table, hit.line);
	return 0;
}

/* print_warnings - what an admin should hear once */
static void
print_warnings(const struct engine *e)
{
	const char *w;
	int i;

	for (i = 0; (w = engine_warning(e, i)) != NULL; i++)
		fprintf(stderr, "certrelay: warning: %s\n", w);
}

/* parse_verify - --verify OK|TRUSTED|FAIL|NO|NONE */
static int
parse_verify(const char *s, enum verify *v)
{
	if (strcasecmp(s, "NONE") == 0 || strcasecmp(s, "NO") == 0)
		*v = VERIFY_NONE;
	else if (strcasecmp(s, "OK") == 0 || strcasecmp(s, "TRUSTED") == 0)
		*v = VERIFY_OK;
	else if (strcasecmp(s, "FAIL") == 0 || strcasecmp(s, "NOT") == 0)
		*v = VERIFY_FAIL;
	else
		return -1;
	return 0;
}

/* check_opts - flags into the request a daemon would build */
static int
check_opts(int argc, char **argv, struct request *r, const char **conf)
{
	static const struct option opts[] = {
		{ "subject", 1, 0, 's' }, { "issuer", 1, 0, 'i' },
		{ "fingerprint", 1, 0, 'f' }, { "pubkey-fingerprint", 1, 0, 'p' },
		{ "verify", 1, 0, 'v' }, { "tls-version", 1, 0, 't' },
		{ "cipher-bits", 1, 0, 'b' }, { "auth-type", 1, 0, 'a' },
		{ "auth-user", 1, 0, 'u' }, { "rcpt", 1, 0, 'r' },
		{ "client", 1, 0, 'C' }, { "form", 1, 0, 'F' },
		{ "listener", 1, 0, 'l' }, { "auth-before-tls", 0, 0, 'A' },
		{ "sender", 1, 0, 'S' },
		{ "config", 1, 0, 'c' }, { 0, 0, 0, 0 }
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:", opts, NULL)) != -1)
		switch (ch) {
		case 'c': *conf = optarg; break;
		case 's': r->subject = optarg; break;
		case 'i': r->issuer = optarg; break;
		case 'f': r->fingerprint = optarg; break;
		case 'p': r->pubkey_fingerprint = optarg; break;
		case 't': r->tls_version = optarg; break;
		case 'b': r->cipher_bits = atoi(optarg); break;
		case 'a': r->auth_type = optarg; break;
		case 'u': r->auth_user = optarg; break;
		case 'r': r->rcpt = optarg; break;
		case 'S': r->sender = optarg; break;
		case 'C': r->client_addr = optarg; break;
		case 'l': r->listener = optarg; break;
		case 'A': r->auth_unproven = 1; break;
		case 'v':
			if (parse_verify(optarg, &r->verify) < 0)
				return -1;
			break;
		case 'F':
			if (strcmp(optarg, "sendmail") == 0)
				r->form = REQ_FORM_SENDMAIL;
			else if (strcmp(optarg, "postfix") == 0)
				r->form = REQ_FORM_POSTFIX;
			else if (strcmp(optarg, "any") == 0)
				r->form = REQ_FORM_ANY;
			else
				return -1;
			break;
		default:
			return -1;
		}
	return *conf && optind == argc ? 0 : -1;
}

/* print_decision - "REJECT 550 5.7.1 text (rule fps:3, fingerprint)" */
static void
print_decision(const struct decision *dec)
{
	char reply[DECIDE_REPLY_MAX];

	printf("%s", action_name(dec->action));
	if (decide_reply(dec, reply, sizeof(reply)) > 0)
		printf(" %s", reply);
	if (dec->table)
		printf(" (rule %s:%d, %s)\n", dec->table, dec->line,
		    decide_kind_name(dec->kind));
	else
		printf(" (%s)\n", decide_kind_name(dec->kind));
}

/* cmd_check - the dry run */
static int
cmd_check(int argc, char **argv)
{
	struct engine *e;
	struct request r;
	struct decision dec;
	struct diag d;
	const char *conf = NULL, *stage = "cert";
	char line[4096];

	request_init(&r);
	r.form = REQ_FORM_ANY;
	r.verify = VERIFY_NONE;
	if (check_opts(argc, argv, &r, &conf) < 0)
		return usage();
	diag_clear(&d);
	if (engine_open(conf, &e, &d) < 0)
		return fail(&d);
	print_warnings(e);
	decide(e, &r, STAGE_MAIL, &dec, &d);
	if (dec.action != ACT_REJECT)
		decide(e, &r, r.rcpt ? STAGE_RCPT : STAGE_CERT, &dec, &d);
	if (dec.action == ACT_REJECT && (dec.kind == KIND_AUTH ||
	    dec.kind == KIND_BINDING))
		stage = "mail";
	else if (r.rcpt)
		stage = "rcpt";
	print_decision(&dec);
	if (r.bound && sender_binding_text(&r, line, sizeof(line)) > 0)
		printf("binding: %s owns the sender\n", line);
	if (r.note[0])
		printf("note: %s\n", r.note);
	logline_format(&r, &dec, stage, line, sizeof(line));
	printf("%s\n", line);
	request_free(&r);
	if (d.what[0])
		fail(&d);
	engine_close(e);
	return 0;
}

/* print_gate - which listeners the milter gates, in words */
static void
print_gate(const struct conf *c)
{
	char names[1024];

	if (conf_gate_text(c, names, sizeof(names)) < 0)
		snprintf(names, sizeof(names), "(too many to list)");
	if (c->gatekeeper == CONF_GATE_UNSET)
		printf("gatekeeper: unset: certrelay-milter will not start; "
		    "say all, none or the listeners ({daemon_name}) it "
		    "gates\n");
	else if (c->gatekeeper == CONF_GATE_NONE)
		printf("gatekeeper: none: the MTA's relay check decides on "
		    "every listener; the milter only refuses\n");
	else
		printf("gatekeeper: %s: there a recipient outside "
		    "local_domains needs a RELAY rule, AUTH over TLS or "
		    "trusted_networks%s\n", names, c->gatekeeper ==
		    CONF_GATE_LIST ? "; other listeners only refuse" : "");
}

/* print_mode - mode = enforce | warn, and where the counters go */
static void
print_mode(const struct conf *c)
{
	char buf[1024];

	if (warn_mode_text(c, 1, buf, sizeof(buf)) == 0)
		printf("%s\n", buf);
	if (c->stats_file)
		printf("stats_file: %s (every %d s and on SIGUSR2; %%n is the "
		    "daemon's name)\n", c->stats_file, c->stats_interval);
}

/* cmd_config_check - load as a daemon would */
static int
cmd_config_check(int argc, char **argv)
{
	const struct table *t;
	struct engine *e;
	struct diag d;
	char probe[512];
	int k;

	if (argc != 3 || strcmp(argv[1], "-c") != 0)
		return usage();
	if (engine_open(argv[2], &e, &d) < 0)
		return fail(&d);
	print_warnings(e);
	for (k = 0; k < TABLE_NKINDS; k++)
		if ((t = engine_table(e, (enum table_kind)k)) != NULL &&
		    table_ldap(t) != NULL) {
			if (ldaptab_probe(table_ldap(t), probe, sizeof(probe),
			    &d) < 0) {
				engine_close(e);
				return fail(&d);
			}
			printf("%s_table: %s (%s)\n",
			    table_kind_name((enum table_kind)k),
			    table_path(t), probe);
		} else if (t != NULL)
			printf("%s_table: %s (%ld rules)\n",
			    table_kind_name((enum table_kind)k),
			    table_path(t), table_count(t));
	if (engine_rx(e))
		printf("regex_table: %s (%d rules)\n",
		    engine_conf(e)->regex_table, rx_count(engine_rx(e)));
	if (engine_cindex(e))
		printf("cert_index: %s (%ld certificates)\n",
		    engine_conf(e)->cert_index, cindex_count(engine_cindex(e)));
	print_gate(engine_conf(e));
	print_mode(engine_conf(e));
	printf("certrelay: %s: OK\n", argv[2]);
	engine_close(e);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	argc--, argv++;
	if (strcmp(argv[0], "cert") == 0)
		return cmd_cert(argc, argv);
	if (strcmp(argv[0], "compile") == 0)
		return cmd_compile(argc, argv);
	if (strcmp(argv[0], "makemap") == 0)
		return cmd_makemap(argc, argv);
	if (strcmp(argv[0], "query") == 0)
		return cmd_query(argc, argv);
	if (strcmp(argv[0], "check") == 0)
		return cmd_check(argc, argv);
	if (strcmp(argv[0], "config-check") == 0)
		return cmd_config_check(argc, argv);
	if (strcmp(argv[0], "doctor") == 0)
		return doctor_main(argc, argv);
	if (strcmp(argv[0], "stats") == 0)
		return stats_main(argc, argv);
	if (strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0 ||
	    strcmp(argv[0], "help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(argv[0], "--version") == 0 || strcmp(argv[0], "-V") == 0) {
		printf("certrelay %s\n", CERTRELAY_VERSION);
		return 0;
	}
	return usage();
}
