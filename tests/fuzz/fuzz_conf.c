/*
 * fuzz_conf - certrelay.conf read from a file; then the lookups it serves
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"

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

	snprintf(dir, sizeof(dir), "%s/fuzz-conf-XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/certrelay.conf", dir);
	atexit(cleanup);
}

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
	FILE *fp;

	if (dir[0] == 0)
		setup();
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	fwrite(data, 1, size, fp);
	fclose(fp);
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
