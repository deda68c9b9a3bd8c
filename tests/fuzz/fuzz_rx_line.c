/*
 * fuzz_rx_line - one regex table line parsed, then matched against fixed
 * names, whole and cut, with and without an issuer scope, one by one and
 * through the set matcher: both must give the same answer, except that
 * the set may rule out a pattern PCRE2 gives up on (rx.c, DESCRIPTION)
 *
 * The line is made what table_each_line() hands rx_parse_line(): no NUL,
 * no line break, no white space at either end, not empty.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rx.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *subjects[] = {
		"CN=Alice Martin,OU=UMR7503,O=CNRS,C=FR",
		"emailAddress=alice@x.example,"
		"CN=\xC3\x89lise No\xC3\xABl,O=CNRS",
		"CN=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
		"CN=\xFF\xFE invalid utf-8",
		"CN=kelvin,OU=a1,O=x,C=FR",
		"a",
		"",
		NULL,
	};
	const char *scopes[] = { "cn=cnrs-plus,o=cnrs,c=fr", NULL };
	struct rx_subject s;
	struct table_hit hit;
	struct diag d;
	struct table_hit hit2;
	struct rx *r, *r2 = NULL;
	char *line, *copy;
	size_t i, len;
	int k, cut, rc, m1, m2;

	if ((line = malloc(size + 1)) == NULL)
		return 0;
	for (i = 0; i < size; i++)
		line[i] = data[i] == 0 || data[i] == '\n' || data[i] == '\r' ?
		    ' ' : (char)data[i];
	line[size] = 0;
	for (i = 0; i < size && isspace((unsigned char)line[i]); i++)
		;
	len = size - i;
	memmove(line, line + i, len + 1);
	while (len > 0 && isspace((unsigned char)line[len - 1]))
		line[--len] = 0;
	if (len == 0 || rx_new(&r, "fuzz", &d) < 0) {
		free(line);
		return 0;
	}
	if ((copy = strdup(line)) == NULL) {
		rx_close(r);
		free(line);
		return 0;
	}
	rc = rx_parse_line(r, line, len, 1, &d);
	if (rc < 0 && d.what[0] == 0)
		abort();
	if (rc == 0 && rx_count(r) != 1)
		abort();
	/* the same line again, matched through the set */
	if (rc == 0 && (rx_new(&r2, "fuzz", &d) < 0 ||
	    rx_parse_line(r2, copy, len, 1, &d) < 0 ||
	    rx_accelerate(r2, 0, &d) < 0)) {
		rx_close(r2);
		r2 = NULL;
	}
	free(copy);
	for (k = 0; rc == 0 &&
	    k < (int)(sizeof(subjects) / sizeof(subjects[0])); k++)
		for (cut = 0; cut <= 1; cut++) {
			s.subject = subjects[k];
			s.issuer = "CN=CNRS-Plus,O=CNRS,C=FR";
			s.partial = cut;
			s.refuse_only = cut;
			s.scopes = cut ? NULL : scopes;
			if ((m1 = rx_match(r, &s, &hit, &d)) == 1 &&
			    hit.line != 1)
				abort();
			if (r2 != NULL && (m2 = rx_match(r2, &s, &hit2, &d)) !=
			    m1 && m1 != -1)
				abort();
		}
	rx_close(r);
	rx_close(r2);
	free(line);
	return 0;
}
