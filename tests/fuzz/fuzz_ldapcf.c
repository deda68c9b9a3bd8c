/*
 * fuzz_ldapcf - an ldap_table(5) .cf read from a file; then the filter
 * each of a few keys expands to
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldaptab.h"
#include "fuzzfile.h"

static char path[300];

/* check_filter - an expanded filter holds no unescaped special from
 * the key: its parentheses are the template's */
static void
check_filter(const char *tmpl, const char *f)
{
	int ft = 0, ff = 0;

	for (; *tmpl; tmpl++)
		ft += *tmpl == '(' || *tmpl == ')';
	for (; *f; f++)
		ff += *f == '(' || *f == ')';
	if (ft != ff)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *keys[] = { "AB:CD:EF", "*)(uid=*", "a\\29",
	    "cn=x,o=y", "" };
	struct ldaptab_cf cf;
	struct diag d;
	char out[LDAPTAB_FILTER_MAX];
	size_t k;

	if (path[0] == 0)
		fuzz_path("ldapcf", "t.cf", path, sizeof(path));
	fuzz_write(path, data, size);
	if (ldaptab_cf_load(path, &cf, &d) < 0) {
		if (d.what[0] == 0)
			abort();
		ldaptab_cf_free(&cf);
		return 0;
	}
	if (cf.nuri < 1 || cf.nuri > LDAPTAB_MAX_SERVERS)
		abort();
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (ldaptab_expand(cf.query_filter, keys[k], strlen(keys[k]),
		    out, sizeof(out)) >= 0)
			check_filter(cf.query_filter, out);
	ldaptab_cf_free(&cf);
	return 0;
}
