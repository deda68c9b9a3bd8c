/* fuzzfile - a fuzz target's scratch files (see fuzzfile.c) */
#ifndef FUZZFILE_H
#define FUZZFILE_H

#include <stddef.h>
#include <stdint.h>

void	fuzz_path(const char *target, const char *name, char *buf,
	    size_t size);
void	fuzz_write(const char *path, const uint8_t *data, size_t size);

#endif
