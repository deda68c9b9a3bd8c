/*
 * fuzz_norelay - the "no open relay" property (tests/unit/norelay.c) on
 * names chosen by the fuzzer's bytes: abort() when any rule set and
 * rendering relays a certificate the model of the rules does not
 *
 * The bytes are the generator's choices, one byte a choice (two past
 * 256), 0 once they run out: a short input is a short, legitimate-looking
 * name. On Sendmail the name is first brought within the value bounds
 * the property covers there (nr_bound(), the lead's decision 3). The
 * tables and configurations live in a scratch directory made once and
 * removed at exit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzzfile.h"
#include "norelay.h"

static struct nr_ctx *ctx;
static char dir[300];

/* cleanup - the fixture closes (fuzzfile removes its directory) */
static void
cleanup(void)
{
	nr_close(ctx);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[1024] = "cannot make its directory";

	(void)argc;
	(void)argv;
	fuzz_path("norelay", "fixture", dir, sizeof(dir));
	if (mkdir(dir, 0700) < 0 || nr_open(&ctx, dir, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_norelay: fixture: %s\n", err);
		abort();
	}
	atexit(cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char desc[8192];
	struct nr_src src;
	struct nr_name nm[2], *t;
	struct nr_result res;
	int cf, rn;

	nr_src_bytes(&src, data, size);
	nr_gen(&nm[0], &src);
	nm[1] = nm[0];
	nr_bound(&nm[1]);	/* Sendmail: within the bounds (norelay.h) */
	for (cf = 0; cf < NR_NCONFIG; cf++)
		for (rn = 0; rn < NR_NRENDER; rn++) {
			t = &nm[nr_is_sendmail((enum nr_render)rn)];
			nr_check(ctx, t, (enum nr_config)cf,
			    (enum nr_render)rn, &res);
			if (res.cls != NR_MISREAD && res.cls != NR_REFUSAL)
				continue;
			nr_describe(t, desc, sizeof(desc));
			fprintf(stderr, "fuzz_norelay: VIOLATION [%s] %s, %s: "
			    "relayed by %s; subject: %s; rendered: %s; "
			    "model: %s\n", nr_class_name(res.cls),
			    nr_config_name((enum nr_config)cf),
			    nr_render_name((enum nr_render)rn), res.rule, desc,
			    res.rendering, res.model);
			abort();
		}
	return 0;
}
