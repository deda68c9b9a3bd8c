/*
 * fuzz_table_line - a table source compiled as every kind, then opened
 * and looked up; and table_query_key on the same text
 *
 * The input is written to a file in a private directory (made once);
 * table_compile() must fail cleanly or produce a table that opens.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "table.h"
#include "fuzzfile.h"

static char src[300], out[310];

/* probe - look up a few keys of this kind */
static void
probe(struct table *t, enum table_kind kind)
{
	static const char *keys[] = {
		"E1:3C:1A:C7:53:3F:B8:CB:1E:C2:99:F6:6B:88:84:C9",
		"CN=Alice\\20Martin,OU=UMR7503,O=CNRS,C=FR",
		"/C=FR/O=CNRS/CN=CNRS-Plus",
		"alice.martin@umr7503.example",
		"CERTISSUER:/C=FR/O=CNRS/CN=CNRS-Plus",
	};
	const char *scopes[] = { "cn=cnrs-plus,o=cnrs,c=fr", NULL };
	char key[TABLE_KEY_MAX];
	struct table_hit hit;
	struct diag d;
	size_t k, klen;

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		if (table_query_key(kind, keys[k], key, &klen, &d) < 0)
			continue;
		if (table_lookup(t, key, klen, scopes, &hit, &d) < 0)
			abort();	/* our own table is corrupt */
		(void)table_lookup(t, key, klen, NULL, &hit, &d);
	}
	if (kind == TABLE_ATTRIBUTE && table_attr_key(scopes[0], "OU",
	    "UMR7503", 7, key, &klen) == 0 &&
	    table_lookup(t, key, klen, NULL, &hit, &d) < 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, key[TABLE_KEY_MAX];
	struct table *t;
	struct diag d;
	size_t klen;
	int k;

	if (src[0] == 0) {
		fuzz_path("table", "table", src, sizeof(src));
		fuzz_path("table", "table.cdb", out, sizeof(out));
	}
	fuzz_write(src, data, size);
	unlink(out);
	for (k = 0; k < TABLE_NKINDS; k++) {
		if (table_compile(src, (enum table_kind)k, out, &d) < 0) {
			if (d.what[0] == 0)
				abort();
			continue;
		}
		if (table_open(&t, src, (enum table_kind)k, &d) < 0)
			abort();	/* what we compiled does not open */
		probe(t, (enum table_kind)k);
		table_close(t);
	}
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	for (k = 0; k < TABLE_NKINDS; k++)
		(void)table_query_key((enum table_kind)k, text, key, &klen, &d);
	free(text);
	return 0;
}
