/*
 * hex - the table behind hex_digit(), and hex_escape() (hex.h)
 *
 * A lookup: with two range comparisons instead, a decision that
 * normalises a fingerprint of random hex digits paid ~200 ns in
 * mispredicted branches (decidebench, 1M-pin hit path).
 */
#include <string.h>

#include "hex.h"

#define R10(x)	x, x, x, x, x, x, x, x, x, x
#define R16(x)	x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x

const signed char hex_value[256] = {
	R16(-1), R16(-1), R16(-1),			/* 0x00 - 0x2f */
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9,			/* '0' - '9' */
	-1, -1, -1, -1, -1, -1, -1,			/* ':' - '@' */
	10, 11, 12, 13, 14, 15,				/* 'A' - 'F' */
	R10(-1), R10(-1), -1, -1, -1, -1, -1, -1,	/* 'G' - '`' */
	10, 11, 12, 13, 14, 15,				/* 'a' - 'f' */
	R10(-1), R10(-1), -1, -1, -1, -1, -1,		/* 'g' - 0x7f */
	R16(-1), R16(-1), R16(-1), R16(-1),		/* 0x80 - 0xff */
	R16(-1), R16(-1), R16(-1), R16(-1),
};

/* hex_escape - escaped bytes as esc and two hex digits */
int
hex_escape(const char *in, size_t n, char *out, size_t size, char esc,
    const char *digits, const char *special)
{
	size_t i, o = 0;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)in[i];
		if (c < 0x20 || c >= 0x7f || strchr(special, c) != NULL) {
			if (o + 3 >= size)
				return -1;
			out[o++] = esc;
			out[o++] = digits[c >> 4];
			out[o++] = digits[c & 15];
		} else {
			if (o + 1 >= size)
				return -1;
			out[o++] = (char)c;
		}
	}
	if (o >= size)
		return -1;
	out[o] = 0;
	return (int)o;
}
