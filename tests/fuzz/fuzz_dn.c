/*
 * fuzz_dn - every DN parser, and dn_format in every form
 *
 * Beyond "never crashes": a name read back from its own table key (and
 * from its Sendmail form, when no value holds a backslash, which OpenSSL's
 * oneline form cannot tell from an escape) is the same name. A name the
 * MTA sent that dn_ambiguous() passes under OpenSSL 3's quoting reads one
 * way only: written back as Sendmail would, it is the same name, backslash
 * or not. Legacy quoting is never looser than OpenSSL 3's, and a name
 * the admin wrote is ambiguous only through a NUL byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dn.h"

#define BIG	(DN_MAX_BYTES * 4)

static char out[4][BIG];

/* same_again - parse what was formatted; it must be the same name */
static void
same_again(const struct dn *dn, int (*parse)(const char *, size_t,
    struct dn **, struct diag *), const char *s)
{
	struct dn *back;
	struct diag d;
	size_t len = strlen(s);

	if (len >= DN_MAX_BYTES)
		return;			/* over the parsers' limit */
	if (parse(s, len, &back, &d) < 0)
		abort();		/* our own output does not parse */
	if (!dn_equal(dn, back))
		abort();		/* and means another name */
	dn_free(back);
}

/* ambiguity - dn_ambiguous() for both quotings, and what it promises */
static void
ambiguity(const struct dn *dn, int sendmail, int nul, int ok_oneline,
    const char *oneline)
{
	const char *o3 = dn_ambiguous(dn, DN_QUOTING_OPENSSL3);
	const char *legacy = dn_ambiguous(dn, DN_QUOTING_LEGACY);

	if ((o3 != NULL && legacy == NULL) || (nul && o3 == NULL))
		abort();		/* legacy is the looser quoting */
	if (!sendmail && (o3 != legacy || (o3 != NULL) != nul))
		abort();		/* the admin's name, the MTA's CN */
	if (sendmail && o3 == NULL && ok_oneline)
		same_again(dn, dn_parse_sendmail, oneline);
}

/* exercise - everything one can ask of a parsed name */
static void
exercise(const struct dn *dn, int sendmail)
{
	const char *type, *val;
	size_t len;
	int k, backslash = 0, nul = 0, ok[4];
	enum dn_form f;

	for (f = DN_RFC4514; f <= DN_ONELINE; f++)
		ok[f] = dn_format(dn, f, out[f], sizeof(out[f])) == 0;
	if (!dn_equal(dn, dn) && ok[DN_KEY])
		abort();
	for (k = 0; dn_ava(dn, k, &type, &val, &len) == 0; k++) {
		if (memchr(val, '\\', len) != NULL)
			backslash = 1;
		if (memchr(val, 0, len) != NULL)
			nul = 1;
		if (dn_get(dn, type, NULL) == NULL)
			abort();
	}
	if (k != dn_count(dn))
		abort();
	(void)dn_maybe_cut(dn);
	(void)dn_cn_only(dn);
	if (ok[DN_TABLEKEY]) {
		if (strpbrk(out[DN_TABLEKEY], " \t\r\n") != NULL)
			abort();	/* a table key ends at white space */
		same_again(dn, dn_parse_rfc4514, out[DN_TABLEKEY]);
	}
	if (ok[DN_RFC4514])
		same_again(dn, dn_parse_rfc4514, out[DN_RFC4514]);
	if (ok[DN_ONELINE] && !backslash)
		same_again(dn, dn_parse_sendmail, out[DN_ONELINE]);
	ambiguity(dn, sendmail, nul, ok[DN_ONELINE], out[DN_ONELINE]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int (*parsers[])(const char *, size_t, struct dn **, struct diag *) = {
		dn_parse_sendmail, dn_parse_oneline, dn_parse_rfc4514,
		dn_parse_any, dn_from_cn,
	};
	struct dn *dn;
	struct diag d;
	size_t p;

	if (size > 2 * DN_MAX_BYTES)
		return 0;
	for (p = 0; p < sizeof(parsers) / sizeof(parsers[0]); p++) {
		dn = NULL;
		if (parsers[p]((const char *)data, size, &dn, &d) == 0) {
			if (dn == NULL)
				abort();
			/* the first two read what an MTA sent */
			exercise(dn, p < 2);
		} else if (dn != NULL || d.what[0] == 0)
			abort();	/* an error says why, and frees */
		dn_free(dn);
	}
	return 0;
}
