/*
 * hex - the table behind hex_digit() (hex.h)
 *
 * A lookup: with two range comparisons instead, a decision that
 * normalises a fingerprint of random hex digits paid ~200 ns in
 * mispredicted branches (decidebench, 1M-pin hit path).
 */
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
