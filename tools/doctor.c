/*
 * doctor - name the risks in an MTA configuration used with certrelay
 *
 * SYNOPSIS
 *	#include "doctor.h"
 *	int  doctor_main(int argc, char **argv);
 * DESCRIPTION
 *	certrelay doctor [-c CONF] [--postfix DIR] [--sendmail FILE.cf]
 *	reads certrelay.conf (conf_load(), default
 *	/etc/certrelay/certrelay.conf) and the MTA configuration: Postfix
 *	through postconf(1) (`-x -h` for the main.cf values in force,
 *	defaults included; `-M` for the smtpd services; `-x -P` for their
 *	-o overrides; no -c when DIR is not given, i.e. the running
 *	Postfix), Sendmail by reading the built sendmail.cf (default
 *	/etc/mail/sendmail.cf). With neither option it checks the Postfix
 *	that postconf finds and the default sendmail.cf if it exists.
 *
 *	Each risk is one line on stdout, "SEVERITY: WHERE: WHAT [CHECK];
 *	fix: LINE": SEVERITY is open-relay or warning, CHECK names the
 *	check, LINE is the command (postconf -e / -P) or the certrelay.conf
 *	or sendmail.mc line to paste. The checks are the tables pf_checks[]
 *	and sm_checks[] below, one test function per risk. A listener that
 *	relays for everyone is an open relay unless certrelay-milter gates
 *	it (gatekeeper names its {daemon_name}) and fails closed.
 * DIAGNOSTICS
 *	Exit 1 if any finding is an open relay, 0 otherwise (warnings
 *	only, or clean), 2 on usage errors or when a configuration cannot
 *	be read (postconf's own message, or file:line: what).
 * OWNERSHIP
 *	Everything read is freed before doctor_main() returns.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"
#include "doctor.h"

#define DR_OPEN		1
#define DR_WARN		2
#define DR_TEXT		1024

static const char *const sev_word[] = { "", "open-relay", "warning" };

/* The Postfix parameters the checks read, in postconf -h order. */
enum { P_RELAY, P_RCPT, P_MYNETS, P_MILTERS, P_DNAME, P_DEFACT, P_CAFILE,
	P_CAPATH, P_AUTHONLY, P_SASL, P_ASKCCERT, P_SECLEVEL, P_HELOM, P_MAILM,
	P_N };
static const char *const pf_param[P_N + 1] = {
	"smtpd_relay_restrictions", "smtpd_recipient_restrictions",
	"mynetworks", "smtpd_milters", "milter_macro_daemon_name",
	"milter_default_action", "smtpd_tls_CAfile", "smtpd_tls_CApath",
	"smtpd_tls_auth_only", "smtpd_sasl_auth_enable",
	"smtpd_tls_ask_ccert", "smtpd_tls_security_level",
	"milter_helo_macros", "milter_mail_macros", NULL
};

/* One smtpd service with the values in force there. */
struct pf_svc {
	char	name[128];		/* "submission/inet" */
	char	*v[P_N];		/* main.cf's, or the -o override */
	char	ov[P_N];		/* 1: v[] is an override (owned) */
};

struct dr {
	const struct conf *c;
	const char *conf_path;
	const char *pf_dir;		/* NULL: the running Postfix */
	char	*master;		/* postconf -M output */
	int	nopen, nwarn;
};

/* What a test found: the what and, if the table has none, the fix. */
struct found {
	char	what[DR_TEXT];
	char	fix[DR_TEXT];
	int	param;			/* Postfix: P_* the fix sets */
	int	kind;			/* Postfix: FIX_* */
};

/* How a Postfix fix is written: postconf -e/-P, or certrelay.conf */
enum { FIX_PF, FIX_CONF };

/* Why a restriction list lets everybody relay. */
enum { OPEN_NO, OPEN_PERMIT, OPEN_NETS, OPEN_STATIC };

/* Public CA stores: any web-PKI certificate chains to them. */
static const char *const public_ca_file[] = {
	"/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/cert.pem",
	"/etc/pki/tls/certs/ca-bundle.crt", "/etc/pki/tls/cert.pem",
	"/etc/ssl/ca-bundle.pem", NULL
};
static const char *const public_ca_dir[] = {
	"/etc/ssl/certs", "/usr/share/ca-certificates", "/etc/pki/tls/certs",
	"/etc/pki/ca-trust/extracted/pem", NULL
};

/* put - snprintf into a fixed buffer; a long text is cut, never a risk
 * hidden, since each line starts with its severity and where */
static void __attribute__((format(printf, 3, 4)))
put(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

/* report - print one finding and count it */
static void
report(struct dr *dr, int sev, const char *name, const char *where,
    const char *what, const char *fix)
{
	printf("%s: %s: %s [%s]; fix: %s\n", sev_word[sev], where, what, name,
	    fix);
	if (sev == DR_OPEN)
		dr->nopen++;
	else
		dr->nwarn++;
}

/* has_word - whether list (comma/space separated) holds word */
static int
has_word(const char *list, const char *word, int nocase)
{
	size_t n = strlen(word), k;

	while (list && *list) {
		list += strspn(list, ", \t\n;");
		k = strcspn(list, ", \t\n;");
		if (k == n && (nocase ? strncasecmp(list, word, n) :
		    strncmp(list, word, n)) == 0)
			return 1;
		list += k;
	}
	return 0;
}

/* in_list - whether path (trailing '/' ignored) is one of list[] */
static int
in_list(const char *path, const char *const *list)
{
	size_t n;

	if (path == NULL)
		return 0;
	n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	for (; *list; list++)
		if (strlen(*list) == n && strncmp(*list, path, n) == 0)
			return 1;
	return 0;
}

/* name_rules - rules that trust a name, so the CA file decides */
static int
name_rules(const struct conf *c)
{
	int k;

	for (k = TABLE_SUBJECT; k < TABLE_NKINDS; k++)
		if (c->table[k] && k != TABLE_SENDER)	/* no rule */
			return 1;
	return c->regex_table != NULL || c->cert_index != NULL;
}

/* cert_rules - rules that need a client certificate at all */
static int
cert_rules(const struct conf *c)
{
	return name_rules(c) || c->table[TABLE_FINGERPRINT] != NULL;
}

/* missing - the words of need absent from have, joined by sep, in out */
static int
missing(const char *have, const char *const *need, const char *sep,
    char *out, size_t size)
{
	size_t n = 0;
	int r;

	out[0] = '\0';
	for (; *need; need++) {
		if (has_word(have, *need, 0))
			continue;
		r = snprintf(out + n, size - n, "%s%s", n ? sep : "", *need);
		if (r < 0 || (size_t)r >= size - n)
			break;
		n += (size_t)r;
	}
	return n > 0;
}

/* gate_fix - the gatekeeper line that adds listener name */
static void
gate_fix(const struct dr *dr, const char *name, char *out, size_t size)
{
	char cur[DR_TEXT];

	if (dr->c->gatekeeper == CONF_GATE_LIST &&
	    conf_gate_text(dr->c, cur, sizeof(cur)) == 0)
		put(out, size, "%s: gatekeeper = %s,%s", dr->conf_path,
		    cur, name);
	else
		put(out, size, "%s: gatekeeper = %s", dr->conf_path,
		    name);
}

/* ---------------------------------------------------------------- */
/* Postfix								*/
/* ---------------------------------------------------------------- */

/* pf_slurp - read fd to its end into a malloc'd string; NULL on error */
static char *
pf_slurp(int fd)
{
	size_t len = 0, cap = 0;
	char *buf = NULL, *nb;
	ssize_t r;

	for (;;) {
		if (len + 1 >= cap) {
			cap = cap ? 2 * cap : 4096;
			if ((nb = realloc(buf, cap)) == NULL)
				goto fail;
			buf = nb;
		}
		if ((r = read(fd, buf + len, cap - len - 1)) == 0)
			break;
		if (r < 0 && errno != EINTR)
			goto fail;
		if (r > 0)
			len += (size_t)r;
	}
	buf[len] = '\0';
	return buf;
fail:
	free(buf);
	return NULL;
}

/* pf_run - run postconf [-c DIR] a1 more..., its stdout in *out
 * (malloc'd); postconf's own errors go to our stderr */
static int
pf_run(const struct dr *dr, const char *a1, const char *const *more,
    char **out)
{
	const char *argv[4 + P_N + 1];
	int fd[2], st, i = 0;
	pid_t pid;

	argv[i++] = "postconf";
	if (dr->pf_dir) {
		argv[i++] = "-c";
		argv[i++] = dr->pf_dir;
	}
	argv[i++] = a1;
	while (more && *more && i < (int)(sizeof(argv) / sizeof(*argv)) - 1)
		argv[i++] = *more++;
	argv[i] = NULL;
	if (pipe(fd) < 0)
		return -1;
	if ((pid = fork()) < 0) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execvp("postconf", (char *const *)argv);
		fprintf(stderr, "certrelay: postconf: %s\n", strerror(errno));
		_exit(127);
	}
	close(fd[1]);
	*out = pf_slurp(fd[0]);
	close(fd[0]);
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0 || *out == NULL) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* pf_main - the main.cf values in force (defaults too, $names expanded) */
static int
pf_main(struct dr *dr, struct pf_svc *m)
{
	char *out, *p, *nl;
	int k;

	if (pf_run(dr, "-xh", pf_param, &out) < 0)
		return -1;
	put(m->name, sizeof(m->name), "main.cf");
	for (p = out, k = 0; k < P_N; k++) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl = '\0';
		if ((m->v[k] = strdup(p)) == NULL)
			break;
		m->ov[k] = 1;
		p = nl ? nl + 1 : p + strlen(p);
	}
	free(out);
	return k == P_N ? 0 : -1;
}

/* pf_services - the smtpd services of master.cf, main.cf's values */
static int
pf_services(struct dr *dr, const struct pf_svc *m, struct pf_svc **sv)
{
	char name[64], type[16], cmd[64], *line;
	struct pf_svc *nsv;
	int n = 0;
	size_t k;

	if (pf_run(dr, "-M", NULL, &dr->master) < 0)
		return -1;
	for (line = dr->master; *line; line += strcspn(line, "\n"),
	    line += *line == '\n') {
		if (sscanf(line, "%63s %15s %*s %*s %*s %*s %*s %63s", name,
		    type, cmd) != 3 || strcmp(cmd, "smtpd") != 0)
			continue;
		if ((nsv = reallocarray(*sv, n + 1, sizeof(**sv))) == NULL)
			return -1;
		*sv = nsv;
		put((*sv)[n].name, sizeof((*sv)[n].name), "%s/%s",
		    name, type);
		for (k = 0; k < P_N; k++) {
			(*sv)[n].v[k] = m->v[k];
			(*sv)[n].ov[k] = 0;
		}
		n++;
	}
	return n;
}

/* pf_override - apply one "svc/type/param = value" line of postconf -P */
static void
pf_override(struct pf_svc *sv, int n, char *line)
{
	char *eq = strstr(line, " = "), *slash, *v;
	int i, k;

	if (eq == NULL || (slash = strrchr(line, '/')) == NULL || slash > eq)
		return;
	*slash = *eq = '\0';
	for (i = 0; i < n; i++) {
		if (strcmp(sv[i].name, line) != 0)
			continue;
		for (k = 0; k < P_N; k++)
			if (strcmp(pf_param[k], slash + 1) == 0 &&
			    !sv[i].ov[k] && (v = strdup(eq + 3)) != NULL) {
				sv[i].v[k] = v;
				sv[i].ov[k] = 1;
			}
	}
}

/* pf_overrides - apply every -o override of master.cf */
static int
pf_overrides(struct dr *dr, struct pf_svc *sv, int n)
{
	char *out, *line, *nl;

	if (pf_run(dr, "-xP", NULL, &out) < 0)
		return -1;
	for (line = out; *line; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			nl = line + strlen(line) - 1;
		else
			*nl = '\0';
		pf_override(sv, n, line);
	}
	free(out);
	return 0;
}

/* What a restriction list does to a stranger sending to a remote domain. */
struct walk {
	int	open;			/* OPEN_*: permits everybody */
	int	closed;			/* refuses before anything grants */
	int	policy;			/* names certrelay's policy service */
	int	late;			/* ... after reject_unauth_destination */
	char	policy_arg[256];
};

/* pf_is_policy - whether check_policy_service arg is certrelay-policyd */
static int
pf_is_policy(const struct dr *dr, const char *arg)
{
	const char *svc = strrchr(arg, '/'), *l;
	size_t n;

	if (strstr(arg, "certrelay") || (strlen(arg) > 6 &&
	    strcmp(arg + strlen(arg) - 6, ":10041") == 0))
		return 1;
	if (svc == NULL || dr->master == NULL)
		return 0;
	n = strlen(++svc);
	for (l = dr->master; *l; l += strcspn(l, "\n"), l += *l == '\n')
		if (strncmp(l, svc, n) == 0 && l[n] == ' ' &&
		    memmem(l, strcspn(l, "\n"), "certrelay-policyd", 17))
			return 1;
	return 0;
}

/* pf_nets_open - whether mynetworks holds every address */
static int
pf_nets_open(const char *nets)
{
	return has_word(nets, "0.0.0.0/0", 0) || has_word(nets, "::/0", 0) ||
	    has_word(nets, "[::]/0", 0) || has_word(nets, "[::/0]", 0);
}

/* pf_walk - follow a restriction list the way smtpd does for a stranger */
static void
pf_walk(const struct dr *dr, const char *list, const char *nets,
    struct walk *w)
{
	char buf[4096], *tok, *save, *prev = NULL;

	put(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ", \t\n{}", &save); tok != NULL;
	    prev = tok, tok = strtok_r(NULL, ", \t\n{}", &save)) {
		if (prev && strcmp(prev, "check_policy_service") == 0 &&
		    pf_is_policy(dr, tok)) {
			w->policy = 1;
			w->late |= w->closed;
			put(w->policy_arg, sizeof(w->policy_arg), "%s",
			    tok);
		}
		if (w->closed || w->open)
			continue;
		if (strcmp(tok, "permit") == 0)
			w->open = OPEN_PERMIT;
		else if (strcmp(tok, "permit_mynetworks") == 0 &&
		    pf_nets_open(nets))
			w->open = OPEN_NETS;
		else if (prev && strncmp(prev, "check_", 6) == 0 &&
		    strlen(prev) > 7 &&
		    strcmp(prev + strlen(prev) - 7, "_access") == 0 &&
		    strncasecmp(tok, "static:", 7) == 0 &&
		    strcasecmp(tok + 7, "OK") == 0)
			w->open = OPEN_STATIC;
		else if (strcmp(tok, "reject_unauth_destination") == 0 ||
		    strcmp(tok, "defer_unauth_destination") == 0 ||
		    strcmp(tok, "reject") == 0 || strcmp(tok, "defer") == 0)
			w->closed = 1;
	}
}

/* pf_relays_all - smtpd relays for anybody (neither list refuses):
 * OPEN_* why, OPEN_NO if it does not */
static int
pf_relays_all(const struct dr *dr, const struct pf_svc *s)
{
	struct walk r = { 0 }, t = { 0 };

	pf_walk(dr, s->v[P_RELAY], s->v[P_MYNETS], &r);
	pf_walk(dr, s->v[P_RCPT], s->v[P_MYNETS], &t);
	if (r.closed || t.closed)
		return OPEN_NO;
	return r.open ? r.open : t.open ? t.open : OPEN_PERMIT;
}

/* pf_open_why - why: for the what of a finding */
static const char *
pf_open_why(int why)
{
	static const char *const text[] = { "", "permit before "
		"reject_unauth_destination", "permit_mynetworks with mynetworks "
		"= 0/0", "check_*_access static:OK" };

	return text[why];
}

/* pf_open_fix - an accidental open relay: undo the accident rather
 * than gate it (gating suits only a static:OK relay listener) */
static void
pf_open_fix(int why, struct found *f)
{
	f->kind = FIX_PF;
	if (why == OPEN_NETS) {
		f->param = P_MYNETS;
		put(f->fix, sizeof(f->fix), "127.0.0.0/8 [::1]/128");
	} else {
		f->param = P_RELAY;
		put(f->fix, sizeof(f->fix), "permit_mynetworks, "
		    "permit_sasl_authenticated, reject_unauth_destination");
	}
}

/* pf_relay_nomilter - relays for everyone, no milter to gate it */
static int
pf_relay_nomilter(const struct dr *dr, const struct pf_svc *s,
    struct found *f)
{
	int why;

	if ((why = pf_relays_all(dr, s)) == OPEN_NO ||
	    s->v[P_MILTERS][0] != '\0')
		return 0;
	put(f->what, sizeof(f->what), "relays for everyone (%s) and has "
	    "no milter", pf_open_why(why));
	pf_open_fix(why, f);
	return 1;
}

/* pf_relay_ungated - relays for everyone, certrelay does not gate it */
static int
pf_relay_ungated(const struct dr *dr, const struct pf_svc *s,
    struct found *f)
{
	char gate[DR_TEXT] = "unset";
	int why;

	if ((why = pf_relays_all(dr, s)) == OPEN_NO ||
	    s->v[P_MILTERS][0] == '\0' || conf_gated(dr->c, s->v[P_DNAME]))
		return 0;
	conf_gate_text(dr->c, gate, sizeof(gate));
	put(f->what, sizeof(f->what), "relays for everyone (%s) and its "
	    "milter is not the gate: {daemon_name} %s is not in "
	    "gatekeeper = %s", pf_open_why(why), s->v[P_DNAME], gate);
	if (why == OPEN_STATIC)
		gate_fix(dr, s->v[P_DNAME], f->fix, sizeof(f->fix));
	else
		pf_open_fix(why, f);
	return 1;
}

/* pf_relay_accept - relays for everyone; a dead milter lets all through */
static int
pf_relay_accept(const struct dr *dr, const struct pf_svc *s,
    struct found *f)
{
	if (pf_relays_all(dr, s) == OPEN_NO || s->v[P_MILTERS][0] == '\0' ||
	    strcasecmp(s->v[P_DEFACT], "accept") != 0)
		return 0;
	put(f->what, sizeof(f->what), "relays for everyone and "
	    "milter_default_action = accept: with the milter down it is an "
	    "open relay");
	return 1;
}

/* pf_ca_file - a public bundle verifies the certs name rules trust */
static int
pf_ca_file(const struct dr *dr, const struct pf_svc *s, struct found *f)
{
	if (!name_rules(dr->c) || !in_list(s->v[P_CAFILE], public_ca_file))
		return 0;
	put(f->what, sizeof(f->what), "smtpd_tls_CAfile = %s is a "
	    "public bundle: any web-PKI certificate counts as verified for "
	    "name rules", s->v[P_CAFILE]);
	return 1;
}

/* pf_ca_path - the system store as CApath: same trap as pf_ca_file */
static int
pf_ca_path(const struct dr *dr, const struct pf_svc *s, struct found *f)
{
	if (!name_rules(dr->c) || !in_list(s->v[P_CAPATH], public_ca_dir))
		return 0;
	put(f->what, sizeof(f->what), "smtpd_tls_CApath = %s is the "
	    "system CA store: any web-PKI certificate counts as verified for "
	    "name rules", s->v[P_CAPATH]);
	return 1;
}

/* pf_auth_clear - AUTH offered before STARTTLS */
static int
pf_auth_clear(const struct dr *dr, const struct pf_svc *s, struct found *f)
{
	(void)dr;
	if (strcasecmp(s->v[P_SASL], "yes") != 0 ||
	    strcasecmp(s->v[P_AUTHONLY], "yes") == 0 ||
	    strcasecmp(s->v[P_SECLEVEL], "encrypt") == 0)
		return 0;
	put(f->what, sizeof(f->what), "SMTP AUTH is offered without "
	    "TLS (smtpd_sasl_auth_enable = yes, smtpd_tls_auth_only = %s)",
	    s->v[P_AUTHONLY]);
	return 1;
}

/* pf_ask_ccert - without it smtpd never asks, and no rule ever matches */
static int
pf_ask_ccert(const struct dr *dr, const struct pf_svc *s, struct found *f)
{
	if (!cert_rules(dr->c) || strcasecmp(s->v[P_ASKCCERT], "yes") == 0)
		return 0;
	put(f->what, sizeof(f->what), "smtpd_tls_ask_ccert = %s: no "
	    "client certificate is asked for, so no certificate rule can "
	    "match", s->v[P_ASKCCERT]);
	return 1;
}

static const char *const pf_helo_need[] = { "{tls_version}",
	"{cipher_bits}", "{cert_subject}", "{cert_issuer}", "{auth_type}",
	NULL };
static const char *const pf_mail_need[] = { "{auth_type}",
	"{tls_version}", "{cipher_bits}", "{cert_subject}", "{cert_issuer}",
	NULL };

/* pf_macros - one stage's list lacks what main.cf.milter lists */
static int
pf_macros(const struct pf_svc *s, int p, const char *const *need,
    struct found *f)
{
	char miss[DR_TEXT];

	if (s->v[P_MILTERS][0] == '\0' ||
	    !missing(s->v[p], need, " ", miss, sizeof(miss)))
		return 0;
	put(f->what, sizeof(f->what), "%s lacks %s: a milter that "
	    "cannot ask for them itself sees no certificate or AUTH there",
	    pf_param[p], miss);
	put(f->fix, sizeof(f->fix), "%s%s%s", s->v[p],
	    s->v[p][0] ? " " : "", miss);
	return 1;
}

/* pf_helo_macros - see pf_macros */
static int
pf_helo_macros(const struct dr *dr, const struct pf_svc *s, struct found *f)
{
	(void)dr;
	return pf_macros(s, P_HELOM, pf_helo_need, f);
}

/* pf_mail_macros - see pf_macros */
static int
pf_mail_macros(const struct dr *dr, const struct pf_svc *s, struct found *f)
{
	(void)dr;
	return pf_macros(s, P_MAILM, pf_mail_need, f);
}

/* pf_policy_late - the policy server asked only after relay was refused */
static int
pf_policy_late(const struct dr *dr, const struct pf_svc *s, struct found *f)
{
	struct walk r = { 0 }, t = { 0 };

	pf_walk(dr, s->v[P_RELAY], s->v[P_MYNETS], &r);
	pf_walk(dr, s->v[P_RCPT], s->v[P_MYNETS], &t);
	if (!r.late && !t.late && !(t.policy && r.closed && !r.policy))
		return 0;
	put(f->what, sizeof(f->what), "check_policy_service %s comes "
	    "after reject_unauth_destination: it can never grant relay",
	    r.policy ? r.policy_arg : t.policy_arg);
	put(f->fix, sizeof(f->fix), "permit_mynetworks, "
	    "check_policy_service %s, permit_sasl_authenticated, "
	    "reject_unauth_destination",
	    r.policy ? r.policy_arg : t.policy_arg);
	return 1;
}

/* One Postfix risk: its test, and the parameter its fix sets. */
struct pf_check {
	const char *name;
	int	sev;
	int	(*test)(const struct dr *, const struct pf_svc *,
		    struct found *);
	int	param;			/* P_*: main.cf or the -o override */
	int	per_service;		/* always name the service */
	int	kind;			/* FIX_PF: postconf; FIX_CONF */
	const char *fix;		/* value; NULL: the test's */
};

static const struct pf_check pf_checks[] = {
	{ "relay-nomilter", DR_OPEN, pf_relay_nomilter, P_RELAY, 1, FIX_PF,
	    NULL },
	{ "relay-ungated", DR_OPEN, pf_relay_ungated, P_DNAME, 1, FIX_CONF,
	    NULL },
	{ "relay-accept", DR_OPEN, pf_relay_accept, P_DEFACT, 1, FIX_PF,
	    "tempfail" },
	{ "ca-file", DR_WARN, pf_ca_file, P_CAFILE, 0, FIX_PF,
	    "/etc/certrelay/client-cas.pem" },
	{ "ca-path", DR_WARN, pf_ca_path, P_CAPATH, 0, FIX_PF, "" },
	{ "auth-clear", DR_WARN, pf_auth_clear, P_AUTHONLY, 0, FIX_PF,
	    "yes" },
	{ "ask-ccert", DR_WARN, pf_ask_ccert, P_ASKCCERT, 0, FIX_PF, "yes" },
	{ "helo-macros", DR_WARN, pf_helo_macros, P_HELOM, 0, FIX_PF, NULL },
	{ "mail-macros", DR_WARN, pf_mail_macros, P_MAILM, 0, FIX_PF, NULL },
	{ "policy-late", DR_WARN, pf_policy_late, P_RELAY, 0, FIX_PF, NULL },
};
#define PF_NCHECKS	(sizeof(pf_checks) / sizeof(pf_checks[0]))

/* pf_report - one finding: where it is set, the postconf line to paste */
static void
pf_report(struct dr *dr, const struct pf_check *ck, const struct pf_svc *s,
    struct found *f)
{
	const char *val = ck->fix ? ck->fix : f->fix;
	char where[160], fix[2 * DR_TEXT], dir[DR_TEXT] = "";

	if (ck->per_service || s->ov[f->param])
		put(where, sizeof(where), "master.cf %s", s->name);
	else
		put(where, sizeof(where), "main.cf");
	if (dr->pf_dir)
		put(dir, sizeof(dir), "-c %s ", dr->pf_dir);
	if (f->kind == FIX_CONF)
		put(fix, sizeof(fix), "%s", f->fix);
	else if (s->ov[f->param])
		put(fix, sizeof(fix), "postconf %s-P '%s/%s=%s'", dir,
		    s->name, pf_param[f->param], val);
	else
		put(fix, sizeof(fix), "postconf %s-e '%s = %s'", dir,
		    pf_param[f->param], val);
	report(dr, ck->sev, ck->name, where, f->what, fix);
}

/* pf_check_all - run every check on every service; main.cf's once */
static void
pf_check_all(struct dr *dr, const struct pf_svc *sv, int n)
{
	char done[PF_NCHECKS] = { 0 };
	const struct pf_check *ck;
	struct found f;
	size_t k;
	int i;

	for (i = 0; i < n; i++)
		for (k = 0; k < PF_NCHECKS; k++) {
			ck = &pf_checks[k];
			memset(&f, 0, sizeof(f));
			f.param = ck->param;
			f.kind = ck->kind;
			if (!ck->test(dr, &sv[i], &f))
				continue;
			if (!ck->per_service && !sv[i].ov[ck->param]) {
				if (done[k])
					continue;
				done[k] = 1;
			}
			pf_report(dr, ck, &sv[i], &f);
		}
}

/* pf_doctor - read the Postfix configuration and check it */
static int
pf_doctor(struct dr *dr)
{
	struct pf_svc m, *sv = NULL;
	int n = 0, k, i, r = -1;

	memset(&m, 0, sizeof(m));
	if (pf_main(dr, &m) < 0 || (n = pf_services(dr, &m, &sv)) < 0 ||
	    pf_overrides(dr, sv, n) < 0)
		goto out;
	pf_check_all(dr, sv, n);
	r = 0;
out:
	for (i = 0; sv && i < n; i++)
		for (k = 0; k < P_N; k++)
			if (sv[i].ov[k])
				free(sv[i].v[k]);
	for (k = 0; k < P_N; k++)
		free(m.v[k]);
	free(sv);
	free(dr->master);
	dr->master = NULL;
	return r;
}

/* ---------------------------------------------------------------- */
/* Sendmail								*/
/* ---------------------------------------------------------------- */

enum { S_CAFILE, S_CAPATH, S_AUTHOPT, S_FPALG, S_HELOM, S_FROMM, S_INPUT,
	S_N };
static const char *const sm_opt[S_N] = { "CACertFile", "CACertPath",
	"AuthOptions", "CertFingerprintAlgorithm", "Milter.macros.helo",
	"Milter.macros.envfrom", "InputMailFilters" };

#define SM_MAX	16

/* What the checks need from a sendmail.cf. */
struct sm_cf {
	const char *path;
	char	*opt[S_N];		/* O lines; NULL if unset */
	char	*daemon[SM_MAX];	/* DaemonPortOptions values */
	int	ndaemon;
	char	*filter;		/* certrelay's X line, after the X */
	char	*relay[SM_MAX];		/* Local_Relay_Auth: $# RELAY for */
	int	nrelay;
	int	rcpt_ok;		/* check_rcpt calls Rcpt_ok */
	int	relay_ok;		/* a Relay_ok ruleset exists */
};

/* sm_add - keep a copy of s in list[*n] if there is room */
static void
sm_add(char **list, int *n, const char *s, size_t len)
{
	if (*n < SM_MAX && (list[*n] = strndup(s, len)) != NULL)
		(*n)++;
}

/* sm_ruleset - whether S line l starts the ruleset name ("Sname",
 * "Sname=number") */
static int
sm_ruleset(const char *l, const char *name)
{
	size_t n = strlen(name);

	return strncmp(l + 1, name, n) == 0 && strchr("=\t ", l[1 + n]);
}

/* sm_line - take what the checks need from one sendmail.cf line */
static void
sm_line(struct sm_cf *cf, const char *l, int *in_lra)
{
	size_t k, n;

	if (l[0] == 'S') {
		*in_lra = sm_ruleset(l, "Local_Relay_Auth");
		cf->relay_ok |= sm_ruleset(l, "Relay_ok");
	} else if (l[0] == 'R' && *in_lra && (n = strcspn(l + 1, "\t")) > 0 &&
	    memchr(l + 1, '$', n) == NULL && strstr(l + 1 + n, "$# RELAY"))
		sm_add(cf->relay, &cf->nrelay, l + 1, n);
	else if (l[0] == 'R' && (strstr(l, "$>\"Rcpt_ok\"") ||
	    strstr(l, "$>Rcpt_ok")))
		cf->rcpt_ok = 1;
	else if (l[0] == 'X' && cf->filter == NULL && strstr(l, "certrelay"))
		cf->filter = strdup(l + 1);
	else if (strncmp(l, "O DaemonPortOptions=", 20) == 0)
		sm_add(cf->daemon, &cf->ndaemon, l + 20, strlen(l + 20));
	else if (strncmp(l, "O ", 2) == 0)
		for (k = 0; k < S_N; k++) {
			n = strlen(sm_opt[k]);
			if (strncmp(l + 2, sm_opt[k], n) == 0 &&
			    l[2 + n] == '=' && cf->opt[k] == NULL)
				cf->opt[k] = strdup(l + 3 + n);
		}
}

/* sm_read - parse path; -1 if it cannot be read */
static int
sm_read(struct sm_cf *cf, const char *path)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *fp;
	int in_lra = 0;

	memset(cf, 0, sizeof(*cf));
	cf->path = path;
	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "certrelay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, fp)) > 0) {
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		sm_line(cf, line, &in_lra);
	}
	free(line);
	fclose(fp);
	return 0;
}

/* sm_free - what sm_read kept */
static void
sm_free(struct sm_cf *cf)
{
	int i;

	for (i = 0; i < S_N; i++)
		free(cf->opt[i]);
	for (i = 0; i < cf->ndaemon; i++)
		free(cf->daemon[i]);
	for (i = 0; i < cf->nrelay; i++)
		free(cf->relay[i]);
	free(cf->filter);
}

/* sm_field - the value of field key (first letter counts, as in
 * Sendmail) of a comma-separated option list, in out */
static int
sm_field(const char *list, int key, char *out, size_t size)
{
	size_t n;

	while (list && *list) {
		list += strspn(list, ", \t");
		n = strcspn(list, ",");
		if (*list == key && memchr(list, '=', n)) {
			list = strchr(list, '=') + 1;
			n = strcspn(list, ",");
			put(out, size, "%.*s", (int)n, list);
			return 1;
		}
		list += n;
	}
	out[0] = '\0';
	return 0;
}

/* sm_filter_name - the certrelay filter's name, "" without one */
static void
sm_filter_name(const struct sm_cf *cf, char *out, size_t size)
{
	put(out, size, "%.*s", cf->filter ?
	    (int)strcspn(cf->filter, ", \t") : 0, cf->filter ? cf->filter :
	    "");
}

/* sm_fails_closed - the filter's F= has T (tempfail) or R (reject) */
static int
sm_fails_closed(const struct sm_cf *cf)
{
	char flags[64];

	return cf->filter && sm_field(strchr(cf->filter, ',') ?
	    strchr(cf->filter, ',') + 1 : "", 'F', flags, sizeof(flags)) &&
	    strpbrk(flags, "TR") != NULL;
}

/* sm_filters_on - whether listener name runs the certrelay filter */
static int
sm_filters_on(const struct sm_cf *cf, const char *name)
{
	char fname[128], v[DR_TEXT];
	int i;

	sm_filter_name(cf, fname, sizeof(fname));
	if (fname[0] == '\0')
		return 0;
	for (i = 0; i < cf->ndaemon; i++)
		if (sm_field(cf->daemon[i], 'N', v, sizeof(v)) &&
		    strcmp(v, name) == 0 &&
		    sm_field(cf->daemon[i], 'I', v, sizeof(v)))
			return has_word(v, fname, 0);
	return has_word(cf->opt[S_INPUT], fname, 0);
}

/* sm_relay_ungated - a listener relays for all, the milter is not its
 * gate */
static int
sm_relay_ungated(const struct dr *dr, const struct sm_cf *cf,
    struct found *f)
{
	char gate[DR_TEXT] = "unset";
	int i;

	for (i = 0; i < cf->nrelay; i++)
		if (!conf_gated(dr->c, cf->relay[i]))
			break;
	if (i == cf->nrelay)
		return 0;
	conf_gate_text(dr->c, gate, sizeof(gate));
	put(f->what, sizeof(f->what), "Local_Relay_Auth relays for "
	    "everyone on listener %s and its milter is not the gate: %s is "
	    "not in gatekeeper = %s", cf->relay[i], cf->relay[i], gate);
	gate_fix(dr, cf->relay[i], f->fix, sizeof(f->fix));
	return 1;
}

/* sm_relay_nofilter - a listener relays for all and runs no certrelay */
static int
sm_relay_nofilter(const struct dr *dr, const struct sm_cf *cf,
    struct found *f)
{
	int i;

	(void)dr;
	for (i = 0; i < cf->nrelay; i++)
		if (!sm_filters_on(cf, cf->relay[i]))
			break;
	if (i == cf->nrelay)
		return 0;
	put(f->what, sizeof(f->what), "Local_Relay_Auth relays for "
	    "everyone on listener %s, which runs no certrelay filter",
	    cf->relay[i]);
	put(f->fix, sizeof(f->fix), "DAEMON_OPTIONS(`Port=submission, "
	    "Name=%s, M=E, InputMailFilters=certrelay')dnl", cf->relay[i]);
	return 1;
}

/* sm_promiscuous - whether FEATURE(`promiscuous_relay') built the file:
 * check_rcpt calls Rcpt_ok but its Relay_ok ruleset, the one that
 * refuses ("550 Relaying denied"), was left out */
static int
sm_promiscuous(const struct sm_cf *cf)
{
	return cf->rcpt_ok && !cf->relay_ok;
}

/* sm_ungated - why listener name (every one relays for everyone) is no
 * certrelay gate, NULL if it is one */
static const char *
sm_ungated(const struct dr *dr, const struct sm_cf *cf, const char *name)
{
	if (!conf_gated(dr->c, name))
		return "not in gatekeeper";
	if (!sm_filters_on(cf, name))
		return "runs no certrelay filter";
	if (!sm_fails_closed(cf))
		return "its filter has no F=T";
	return NULL;
}

/* sm_relay_promiscuous - FEATURE(`promiscuous_relay') makes every
 * listener relay for everyone: an open relay unless certrelay-milter
 * gates each of them and fails closed */
static int
sm_relay_promiscuous(const struct dr *dr, const struct sm_cf *cf,
    struct found *f)
{
	char name[DR_TEXT], gate[DR_TEXT] = "unset";
	const char *why = NULL;
	int i;

	if (!sm_promiscuous(cf))
		return 0;
	/* Sendmail names a listener without Name= (or its only listener,
	 * without DaemonPortOptions) Daemon<index> */
	for (i = 0; why == NULL && i < (cf->ndaemon ? cf->ndaemon : 1); i++) {
		if (cf->ndaemon == 0 ||
		    !sm_field(cf->daemon[i], 'N', name, sizeof(name)))
			put(name, sizeof(name), "Daemon%d", i);
		why = sm_ungated(dr, cf, name);
	}
	if (why == NULL)
		return 0;
	conf_gate_text(dr->c, gate, sizeof(gate));
	put(f->what, sizeof(f->what), "FEATURE(`promiscuous_relay') (no "
	    "Relay_ok ruleset) relays for everyone on every listener, and "
	    "certrelay-milter is not the gate of listener %s: %s (gatekeeper "
	    "= %s)", name, why, gate);
	return 1;
}

/* sm_filter_fix - the MAIL_FILTER line with F=T */
static void
sm_filter_fix(const struct sm_cf *cf, struct found *f)
{
	char fname[128], sock[DR_TEXT];

	sm_filter_name(cf, fname, sizeof(fname));
	if (!sm_field(strchr(cf->filter, ',') ? strchr(cf->filter, ',') + 1 :
	    "", 'S', sock, sizeof(sock)))
		put(sock, sizeof(sock), "unix:/run/certrelay/milter.sock");
	put(f->fix, sizeof(f->fix), "MAIL_FILTER(`%s', `S=%s, F=T, "
	    "T=S:10s;R:10s;E:30s')dnl", fname, sock);
}

/* sm_filter_open - the gate fails open when the milter is down */
static int
sm_filter_open(const struct dr *dr, const struct sm_cf *cf,
    struct found *f)
{
	(void)dr;
	if (cf->filter == NULL || cf->nrelay == 0 || sm_fails_closed(cf))
		return 0;
	put(f->what, sizeof(f->what), "filter X%.*s has no F=T: with "
	    "the milter down, listener %s relays for everyone",
	    (int)strcspn(cf->filter, ","), cf->filter, cf->relay[0]);
	sm_filter_fix(cf, f);
	return 1;
}

/* sm_filter_soft - no relay listener, but a dead milter is skipped */
static int
sm_filter_soft(const struct dr *dr, const struct sm_cf *cf,
    struct found *f)
{
	(void)dr;
	if (cf->filter == NULL || cf->nrelay > 0 || sm_promiscuous(cf) ||
	    sm_fails_closed(cf))
		return 0;
	put(f->what, sizeof(f->what), "filter X%.*s has no F=T: with "
	    "the milter down, mail passes unchecked",
	    (int)strcspn(cf->filter, ","), cf->filter);
	sm_filter_fix(cf, f);
	return 1;
}

/* sm_nofilter - sendmail.cf defines no certrelay filter at all */
static int
sm_nofilter(const struct dr *dr, const struct sm_cf *cf, struct found *f)
{
	(void)dr;
	if (cf->filter != NULL)
		return 0;
	put(f->what, sizeof(f->what), "no X line names certrelay: "
	    "certrelay-milter is not used");
	return 1;
}

/* sm_ca_file - a public bundle as CACertFile while name rules exist */
static int
sm_ca_file(const struct dr *dr, const struct sm_cf *cf, struct found *f)
{
	if (!name_rules(dr->c) || !in_list(cf->opt[S_CAFILE], public_ca_file))
		return 0;
	put(f->what, sizeof(f->what), "CACertFile=%s is a public "
	    "bundle: any web-PKI certificate gets {verify}=OK for name rules",
	    cf->opt[S_CAFILE]);
	return 1;
}

/* sm_ca_path - the system store as CACertPath */
static int
sm_ca_path(const struct dr *dr, const struct sm_cf *cf, struct found *f)
{
	if (!name_rules(dr->c) || !in_list(cf->opt[S_CAPATH], public_ca_dir))
		return 0;
	put(f->what, sizeof(f->what), "CACertPath=%s is the system CA "
	    "store: any web-PKI certificate gets {verify}=OK for name rules",
	    cf->opt[S_CAPATH]);
	return 1;
}

/* sm_auth_clear - AuthOptions without p: PLAIN/LOGIN offered in clear */
static int
sm_auth_clear(const struct dr *dr, const struct sm_cf *cf, struct found *f)
{
	const char *o = cf->opt[S_AUTHOPT];

	(void)dr;
	if (has_word(o, "p", 0))
		return 0;
	put(f->what, sizeof(f->what), "AuthOptions%s%s has no p: "
	    "plaintext AUTH is offered before STARTTLS", o ? "=" : "",
	    o ? o : " (unset)");
	put(f->fix, sizeof(f->fix), "define(`confAUTH_OPTIONS', "
	    "`%s%sp')dnl", o ? o : "", o && *o ? " " : "");
	return 1;
}

/* sm_macros - the certificate macros never reach the milter */
static int
sm_macros(const struct dr *dr, const struct sm_cf *cf, struct found *f)
{
	/* {cert_fp} first: needed only with fingerprint rules */
	static const char *const need[] = { "{cert_fp}", "{verify}",
		"{cert_subject}", "{cert_issuer}", NULL };
	char have[2 * DR_TEXT], miss[DR_TEXT];

	put(have, sizeof(have), "%s,%s", cf->opt[S_HELOM] ?
	    cf->opt[S_HELOM] : "", cf->opt[S_FROMM] ? cf->opt[S_FROMM] : "");
	if (!cert_rules(dr->c) || !missing(have, need +
	    !dr->c->table[TABLE_FINGERPRINT], ", ", miss, sizeof(miss)))
		return 0;
	put(f->what, sizeof(f->what), "Milter.macros.helo and .envfrom "
	    "lack %s: a milter that cannot ask for them itself sees no "
	    "verified certificate", miss);
	put(f->fix, sizeof(f->fix), "define(`confMILTER_MACROS_HELO', "
	    "confMILTER_MACROS_HELO`, %s')dnl", miss);
	return 1;
}

/* sm_fpalg - fingerprint rules, but Sendmail sends only {cert_md5} */
static int
sm_fpalg(const struct dr *dr, const struct sm_cf *cf, struct found *f)
{
	if (!dr->c->table[TABLE_FINGERPRINT] || cf->opt[S_FPALG])
		return 0;
	put(f->what, sizeof(f->what), "no CertFingerprintAlgorithm: "
	    "Sendmail sends only an MD5 {cert_md5}, and sha256 pins never "
	    "match");
	return 1;
}

/* One Sendmail risk: its test and the sendmail.mc line to paste. */
struct sm_check {
	const char *name;
	int	sev;
	int	(*test)(const struct dr *, const struct sm_cf *,
		    struct found *);
	const char *fix;		/* NULL: the test's */
};

static const struct sm_check sm_checks[] = {
	{ "relay-promiscuous", DR_OPEN, sm_relay_promiscuous,
	    "dnl FEATURE(`promiscuous_relay')dnl" },
	{ "relay-ungated", DR_OPEN, sm_relay_ungated, NULL },
	{ "relay-nofilter", DR_OPEN, sm_relay_nofilter, NULL },
	{ "filter-open", DR_OPEN, sm_filter_open, NULL },
	{ "filter-soft", DR_WARN, sm_filter_soft, NULL },
	{ "no-filter", DR_WARN, sm_nofilter, "MAIL_FILTER(`certrelay', "
	    "`S=unix:/run/certrelay/milter.sock, F=T, T=S:10s;R:10s;E:30s')dnl" },
	{ "ca-file", DR_WARN, sm_ca_file,
	    "define(`confCACERT', `/etc/mail/tls/site-client-cas.pem')dnl" },
	{ "ca-path", DR_WARN, sm_ca_path,
	    "define(`confCACERT_PATH', `/etc/mail/certrelay-cas')dnl" },
	{ "auth-clear", DR_WARN, sm_auth_clear, NULL },
	{ "macros", DR_WARN, sm_macros, NULL },
	{ "fingerprint-algorithm", DR_WARN, sm_fpalg,
	    "define(`confCERT_FINGERPRINT_ALGORITHM', `sha256')dnl" },
};

/* sm_doctor - read sendmail.cf and check it */
static int
sm_doctor(struct dr *dr, const char *path)
{
	struct sm_cf cf;
	struct found f;
	size_t k;

	if (sm_read(&cf, path) < 0)
		return -1;
	for (k = 0; k < sizeof(sm_checks) / sizeof(sm_checks[0]); k++) {
		memset(&f, 0, sizeof(f));
		if (sm_checks[k].test(dr, &cf, &f))
			report(dr, sm_checks[k].sev, sm_checks[k].name, path,
			    f.what, sm_checks[k].fix ? sm_checks[k].fix : f.fix);
	}
	sm_free(&cf);
	return 0;
}

/* ---------------------------------------------------------------- */

/* doctor_run - check the MTAs named, or, with neither option, whichever
 * this host has; -1 if one could not be read */
static int
doctor_run(struct dr *dr, const char *pf, const char *sm)
{
	static const char pf_main_cf[] = "/etc/postfix/main.cf";
	static const char sm_cf[] = "/etc/mail/sendmail.cf";
	int r = 0;

	if (!pf && !sm && access(pf_main_cf, F_OK) < 0 &&
	    access(sm_cf, F_OK) < 0) {
		fprintf(stderr, "certrelay: neither %s nor %s: say --postfix "
		    "DIR or --sendmail FILE.cf\n", pf_main_cf, sm_cf);
		return -1;
	}
	if (pf || (!sm && access(pf_main_cf, F_OK) == 0))
		r |= pf_doctor(dr);
	if (sm || (!pf && access(sm_cf, F_OK) == 0))
		r |= sm_doctor(dr, sm ? sm : sm_cf);
	return r;
}

/* doctor_main - parse the options, check each MTA, exit status */
int
doctor_main(int argc, char **argv)
{
	const char *conf_path = "/etc/certrelay/certrelay.conf";
	const char *pf = NULL, *sm = NULL;
	char buf[DIAG_FILE_MAX + DIAG_WHAT_MAX + 32];
	int i, r = 0;
	struct conf *c;
	struct diag d;
	struct dr dr;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			conf_path = argv[++i];
		else if (strcmp(argv[i], "--postfix") == 0 && i + 1 < argc)
			pf = argv[++i];
		else if (strcmp(argv[i], "--sendmail") == 0 && i + 1 < argc)
			sm = argv[++i];
		else {
			fputs("usage: certrelay doctor [-c CONF] "
			    "[--postfix DIR] [--sendmail FILE.cf]\n", stderr);
			return 2;
		}
	}
	if (conf_load(conf_path, &c, &d) < 0) {
		fprintf(stderr, "certrelay: %s\n",
		    diag_str(&d, buf, sizeof(buf)));
		return 2;
	}
	memset(&dr, 0, sizeof(dr));
	dr.c = c;
	dr.conf_path = conf_path;
	dr.pf_dir = pf;
	r = doctor_run(&dr, pf, sm);
	conf_free(c);
	if (r < 0)
		return 2;
	printf("certrelay doctor: %d open relay%s, %d warning%s\n", dr.nopen,
	    dr.nopen == 1 ? "" : "s", dr.nwarn, dr.nwarn == 1 ? "" : "s");
	return dr.nopen ? 1 : 0;
}
