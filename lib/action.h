#ifndef CERTRELAY_ACTION_H
#define CERTRELAY_ACTION_H

#include <stddef.h>

#include "diag.h"
#include "rate.h"

enum act {
	ACT_DUNNO,		/* no opinion: evaluation goes on */
	ACT_RELAY,		/* RELAY, OK */
	ACT_REJECT,		/* REJECT [text] */
	ACT_ERROR,		/* ERROR:<dsn>:<code> text */
	ACT_TEMPFAIL,		/* TEMPFAIL [text] */
	ACT_DISCARD,		/* DISCARD */
	ACT_SUBJECT		/* access file only: consult CERTSUBJECT */
};
#define ACT_NACTS	(ACT_SUBJECT + 1)

#define ACTION_TEXT_MAX	256

struct action {
	enum act type;
	char	code[4];		/* "550" */
	char	dsn[16];		/* "5.7.1" */
	char	text[ACTION_TEXT_MAX];	/* reply text, may be empty */
	struct rate_limit rate;		/* RELAY rate=...; window 0: none */
};

enum action_mode {
	ACTION_STRICT,		/* unknown word: error */
	ACTION_FREETEXT,	/* relay_clientcerts: any text means RELAY */
	ACTION_ACCESS		/* Sendmail access: unknown means "no relay" */
};

int	action_parse(const char *s, size_t len, enum action_mode mode,
	    struct action *a, struct diag *d);
const char *action_name(enum act type);
void	action_format(const struct action *a, char *buf, size_t size);

#endif
