#ifndef CERTRELAY_MACRO_H
#define CERTRELAY_MACRO_H

#include "decide.h"

#define MACRO_VAL_MAX	1024

/* Returns the value the MTA sent for a macro, or NULL if it sent none. */
typedef const char *(*macro_get_fn)(void *ctx, const char *name);

/* What an MTA told a milter about one SMTP session. */
struct macros {
	char	queue_id[64], v[64];
	char	client_addr[64], client_name[256];
	char	tls_version[32], cipher[128], cipher_bits[16];
	char	subject[MACRO_VAL_MAX], issuer[MACRO_VAL_MAX];
	char	cert_fp[256], verify[32];
	char	auth_type[64], auth_user[256];
	char	daemon_name[64];	/* the listener: {daemon_name} */
	char	rcpt[512], rcpt_mailer[32];
	int	have_subject, have_verify, have_fp, too_long;
	int	changed;		/* TLS or certificate facts changed */
	int	tls_helo_clean;		/* a HELO over TLS, not yet AUTHed */
	int	tls_helo_authed;	/* a HELO over TLS, already AUTHed */
};

void	macros_connect(struct macros *m, macro_get_fn get, void *ctx);
void	macros_helo(struct macros *m, macro_get_fn get, void *ctx);
void	macros_collect(struct macros *m, macro_get_fn get, void *ctx);
void	macros_queue_id(struct macros *m, macro_get_fn get, void *ctx);
int	macros_rcpt(struct macros *m, macro_get_fn get, void *ctx,
	    const char *arg);
int	macros_is_postfix(const struct macros *m);
int	macros_auth_type_missing(const struct macros *m);
void	macros_request(struct macros *m, struct request *r);

#endif
