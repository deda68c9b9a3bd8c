#ifndef CERTRELAY_CONF_H
#define CERTRELAY_CONF_H

#include <stddef.h>

#include "diag.h"
#include "rate.h"
#include "sender.h"
#include "table.h"

#define CONF_MAX_LIST	256
#define CONF_MAX_CRL	16		/* = CRL_MAX_FILES */

struct conf_net {
	int	af;			/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int	bits;
};

struct conf {
	char	*path;
	char	*table[TABLE_NKINDS];	/* source paths, NULL if unset */
	int	table_line[TABLE_NKINDS];
	char	*regex_table;
	int	regex_line;
	char	*cert_index;
	int	cert_index_line;
	char	*local_domains[CONF_MAX_LIST];
	int	n_local;
	struct conf_net nets[CONF_MAX_LIST];
	int	n_nets;
	int	min_tls;		/* 10 = TLSv1, 12 = TLSv1.2, ... */
	int	min_cipher_bits;
	char	header_name[64];	/* empty: no header */
	int	gatekeeper;		/* CONF_GATE_* */
	char	*gate[CONF_MAX_LIST];	/* CONF_GATE_LIST: {daemon_name}s */
	int	n_gate;
	int	gatekeeper_line;
	int	legacy_quoting;		/* sendmail_openssl = legacy */
	char	*index_ca_file;
	char	*stats_file;		/* NULL: no stats; "%n": daemon name */
	int	stats_interval;		/* seconds between writes */
	int	warn;			/* mode = warn: log, answer DUNNO */
	/* certificate lifecycle (lib/certlife.c) */
	char	*crl_files[CONF_MAX_CRL];
	int	n_crl, crl_line;
	int	crl_stale_ignore;	/* crl_stale = ignore */
	int	pin_expiry_warn;	/* pin_expiry = warn */
	int	expiry_warn_days;	/* default 30; 0: none */
	enum sender_bind sender_binding;
	int	sender_binding_line;
	struct rate_limit rate_limit;	/* window 0: none */
	int	rate_limit_line;
	int	max_client_addresses;	/* 0: off */
	int	max_client_addresses_line;
};

/* Which listeners the milter gates (gatekeeper = ...). */
enum {
	CONF_GATE_UNSET,		/* not said: the milter refuses to start */
	CONF_GATE_NONE,			/* none: the MTA's relay check decides */
	CONF_GATE_ALL,			/* every listener */
	CONF_GATE_LIST			/* the listeners named in gate[] */
};

int	conf_load(const char *path, struct conf **out, struct diag *d);
int	conf_tls_level(const char *s);
int	conf_local_domain(const struct conf *c, const char *rcpt);
int	conf_trusted(const struct conf *c, const char *addr);
int	conf_gated(const struct conf *c, const char *listener);
int	conf_gate_text(const struct conf *c, char *buf, size_t size);
const char *conf_key_name(int i);
void	conf_free(struct conf *c);

#endif
