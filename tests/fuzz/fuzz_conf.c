/*
 * fuzz_conf - certrelay.conf read from a file; then the lookups it serves
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fuzzfile.h"

static char path[300];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *rcpts[] = { "bob@local.example", "<bob@a.b.c>",
	    "postmaster", "x@", "@", "<>", "a@b@c.example" };
	static const char *addrs[] = { "127.0.0.1", "::1", "10.1.2.3",
	    "2001:db8::1", "255.255.255.255", "::", "", "x" };
	struct conf *c;
	struct diag d;
	size_t k;

	if (path[0] == 0)
		fuzz_path("conf", "certrelay.conf", path, sizeof(path));
	fuzz_write(path, data, size);
	if (conf_load(path, &c, &d) < 0) {
		if (c != NULL || d.what[0] == 0)
			abort();
		return 0;
	}
	for (k = 0; k < sizeof(rcpts) / sizeof(rcpts[0]); k++)
		(void)conf_local_domain(c, rcpts[k]);
	for (k = 0; k < sizeof(addrs) / sizeof(addrs[0]); k++)
		(void)conf_trusted(c, addrs[k]);
	if (c->min_tls < 10 || c->min_tls > 13 || c->n_local > CONF_MAX_LIST ||
	    c->n_nets > CONF_MAX_LIST)
		abort();
	conf_free(c);
	return 0;
}
