/*
 * macrolog-milter - log the macros an MTA sends, accept everything
 *
 * SYNOPSIS
 *	macrolog-milter SOCKET LOGFILE
 * DESCRIPTION
 *	A test double for certrelay-milter: it proves that the MTA harness
 *	(tests/e2e/sendmail-setup.sh) delivers the TLS, certificate and AUTH
 *	macros the real milter needs, before the real milter exists, and
 *	records what Sendmail lets a milter see.  Each callback appends one
 *	line "stage name=value ..." for every macro in names[] that arrived.
 *	It never asks for macros (no smfi_setsymlist): what it logs is what
 *	the MTA's own configuration sends.
 * DIAGNOSTICS
 *	Exit 1 on bad arguments or when libmilter cannot listen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmilter/mfapi.h>

static const char *logpath;

static const char *names[] = {
	"j", "_", "i", "{daemon_name}", "{client_addr}", "{verify}",
	"{cert_subject}", "{cert_issuer}", "{cert_fp}", "{cert_md5}",
	"{cn_subject}", "{cn_issuer}", "{tls_version}", "{cipher}",
	"{cipher_bits}", "{auth_type}", "{auth_authen}", "{auth_ssf}",
	"{mail_addr}", "{rcpt_addr}", "{rcpt_mailer}", NULL
};

/* logmacros - append one line naming the stage and the macros present */
static void
logmacros(SMFICTX *ctx, const char *stage)
{
	FILE	*f;
	char	*v;
	int	 i;

	if ((f = fopen(logpath, "a")) == NULL)
		return;
	fputs(stage, f);
	for (i = 0; names[i] != NULL; i++)
		if ((v = smfi_getsymval(ctx, (char *)names[i])) != NULL)
			fprintf(f, " %s=\"%s\"", names[i], v);
	fputc('\n', f);
	fclose(f);
}

static sfsistat
ml_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	(void)host;
	(void)sa;
	logmacros(ctx, "connect");
	return SMFIS_CONTINUE;
}

static sfsistat
ml_helo(SMFICTX *ctx, char *helo)
{
	(void)helo;
	logmacros(ctx, "helo");
	return SMFIS_CONTINUE;
}

static sfsistat
ml_envfrom(SMFICTX *ctx, char **argv)
{
	(void)argv;
	logmacros(ctx, "mail");
	return SMFIS_CONTINUE;
}

static sfsistat
ml_envrcpt(SMFICTX *ctx, char **argv)
{
	(void)argv;
	logmacros(ctx, "rcpt");
	return SMFIS_CONTINUE;
}

int
main(int argc, char **argv)
{
	struct smfiDesc	d;

	if (argc != 3) {
		fprintf(stderr, "usage: macrolog-milter SOCKET LOGFILE\n");
		return 1;
	}
	logpath = argv[2];
	memset(&d, 0, sizeof(d));
	d.xxfi_name = "macrolog";
	d.xxfi_version = SMFI_VERSION;
	d.xxfi_connect = ml_connect;
	d.xxfi_helo = ml_helo;
	d.xxfi_envfrom = ml_envfrom;
	d.xxfi_envrcpt = ml_envrcpt;
	if (smfi_setconn(argv[1]) == MI_FAILURE ||
	    smfi_register(d) == MI_FAILURE) {
		fprintf(stderr, "macrolog-milter: cannot set up %s\n", argv[1]);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
