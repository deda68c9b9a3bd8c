/*
 * fuzzfile - a fuzz target's scratch files
 *
 * SYNOPSIS
 *	void	fuzz_path(const char *target, const char *name, char *buf,
 *		    size_t size);
 *	void	fuzz_write(const char *path, const uint8_t *data,
 *		    size_t size);
 * DESCRIPTION
 *	fuzz_path() puts in buf the path of name in a directory of the
 *	target's own, made under $TMPDIR (or /tmp) on the first call and
 *	removed with all it holds at exit. fuzz_write() makes path hold
 *	data. Both abort where they cannot: a fuzzer without its fixture
 *	would prove nothing.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fuzzfile.h"

static char dir[256];

/* rm_one - nftw() callback */
static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(path);
}

/* cleanup - the directory goes, with what the target left in it */
static void
cleanup(void)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void
fuzz_path(const char *target, const char *name, char *buf, size_t size)
{
	const char *tmp = getenv("TMPDIR");

	if (dir[0] == 0) {
		snprintf(dir, sizeof(dir), "%s/fuzz-%s-XXXXXX",
		    tmp && *tmp ? tmp : "/tmp", target);
		if (mkdtemp(dir) == NULL)
			abort();
		atexit(cleanup);
	}
	if ((size_t)snprintf(buf, size, "%s/%s", dir, name) >= size)
		abort();
}

void
fuzz_write(const char *path, const uint8_t *data, size_t size)
{
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL)
		abort();
	if (fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
		abort();
}
