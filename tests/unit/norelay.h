#ifndef CERTRELAY_NORELAY_H
#define CERTRELAY_NORELAY_H

/*
 * norelay - the "no open relay" property (issue 15), shared by the Check
 * suite and the fuzz target: a certificate verified under the trusted CA
 * /C=FR/O=CNRS/CN=CNRS-Plus, with subject names an attacker chose, must
 * not be relayed by any MTA rendering of those names unless a small
 * independent model of the rules relays it by its real names.
 */
#include <stddef.h>
#include <stdint.h>

#define NR_MAX_AVA	6
#define NR_MAX_PIECE	4
#define NR_VAL_MAX	(NR_MAX_PIECE * 320)
#define NR_TEXT_MAX	2048

/*
 * DECISION (the lead, issue 15): on Sendmail the property covers values
 * within the upper bounds the engine's "may be cut" mark (DN_CUT_AT) is
 * designed for: RFC 5280's 64 for CN, O, OU (and, here, C and the rest)
 * and the 128-byte e-mail bound of common CA profiles, counted in the
 * value's bytes (escapes are not counted: a non-ASCII byte is 4 bytes
 * of oneline, and such values stay in). nr_bound() brings a generated
 * name within them for the Sendmail renderings; Postfix renderings keep
 * the long values (Postfix sends no DN to cut). A value within them
 * may still print over DN_CUT_AT's 142-byte room when its bytes are
 * non-ASCII or controls and be dropped unseen after the CN: the
 * engine must then relay no more than the model (check_norelay's
 * attacks[] holds two such names; nr_gen() reaches them rarely).
 */
#define NR_UB_VALUE	64
#define NR_UB_EMAIL	128

enum nr_type { NR_C, NR_O, NR_OU, NR_CN, NR_EMAIL, NR_NTYPES };

/* One attribute: its value is the concatenation of its pieces. */
struct nr_ava {
	int	type;
	int	np;
	int	piece[NR_MAX_PIECE];
	int	arg[NR_MAX_PIECE];	/* a control byte, a run's length */
};

/* A subject name, most significant attribute first (X.509 order). */
struct nr_name {
	int	n;
	struct nr_ava ava[NR_MAX_AVA];
};

/* Where the choices come from: a PRNG seed, or a fuzzer's bytes. */
struct nr_src {
	uint64_t s;
	const unsigned char *data;
	size_t	size, off;
};

enum nr_render {
	NR_PF_MILTER,		/* Postfix milter: the first CN, raw */
	NR_PF_POLICY,		/* Postfix policy: the first CN, xtext */
	NR_SM_OSSL3,		/* Sendmail, OpenSSL 3 oneline, 256 bytes */
	NR_SM_OSSL11,		/* Sendmail, OpenSSL 1.1.1 oneline */
	NR_NRENDER
};

/* Rule sets: A has the negated regex, B has not. */
enum nr_config { NR_CONF_A, NR_CONF_B, NR_NCONFIG };

enum nr_class {
	NR_OK,			/* no relay, or the model relays too */
	NR_MISREAD,		/* relayed by a rule the real names miss */
	NR_REFUSAL,		/* relayed by a rule the real names meet,
				 * but a refusal they meet earlier in
				 * the evaluation order was not applied */
	NR_SKIP			/* OpenSSL would not carry this name,
				 * or on Sendmail a value is over the
				 * bounds (NR_UB_*) */
};

/* What one name did in one configuration and rendering. */
struct nr_result {
	enum nr_class cls;
	char	rule[64];	/* "subjects:2", the engine's relaying rule */
	char	rendering[NR_TEXT_MAX + 32];
	char	note[256];	/* the engine's note on the request */
	char	model[64];	/* the rule the model decided by */
};

struct nr_ctx;

int	nr_open(struct nr_ctx **cp, const char *dir, char *err, size_t size);
void	nr_close(struct nr_ctx *c);
void	nr_src_seed(struct nr_src *src, uint64_t seed);
void	nr_src_bytes(struct nr_src *src, const unsigned char *data,
	    size_t size);
void	nr_gen(struct nr_name *nm, struct nr_src *src);
void	nr_bound(struct nr_name *nm);
int	nr_in_bounds(const struct nr_name *nm);
int	nr_is_sendmail(enum nr_render rn);
int	nr_name_from(struct nr_name *nm, const char *spec);
void	nr_check(struct nr_ctx *c, const struct nr_name *nm,
	    enum nr_config cf, enum nr_render rn, struct nr_result *res);
void	nr_shrink(struct nr_ctx *c, struct nr_name *nm, enum nr_config cf,
	    enum nr_render rn, struct nr_result *res);
size_t	nr_size(const struct nr_name *nm);
void	nr_describe(const struct nr_name *nm, char *buf, size_t size);
void	nr_escape(const char *s, size_t len, char *buf, size_t size);
const char *nr_render_name(enum nr_render rn);
const char *nr_config_name(enum nr_config cf);
const char *nr_class_name(enum nr_class cls);
int	nr_relays(struct nr_ctx *c, const struct nr_name *nm,
	    enum nr_config cf, enum nr_render rn);
int	nr_model_relays(const struct nr_name *nm, enum nr_config cf,
	    enum nr_render rn);
void	nr_sendmail_xtext(const char *in, char *out, size_t size);
void	nr_oneline11(const void *x509_name, char *buf, size_t size);

#endif
