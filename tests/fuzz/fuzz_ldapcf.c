/*
 * fuzz_ldapcf - an ldap_table(5) .cf read from a file; then the filter
 * each of a few keys expands to
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ldaptab.h"

static char dir[256], path[300];

static void
cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

static void
setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/fuzz-ldapcf-XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/t.cf", dir);
	atexit(cleanup);
}

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
	FILE *fp;

	if (dir[0] == 0)
		setup();
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	fwrite(data, 1, size, fp);
	fclose(fp);
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
