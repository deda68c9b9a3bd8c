/*
 * hex - the value of one hexadecimal digit
 *
 * SYNOPSIS
 *	#include "hex.h"
 *	int	hex_digit(unsigned char c);
 * DESCRIPTION
 *	hex_digit() returns 0 .. 15 for '0'-'9', 'a'-'f' and 'A'-'F', -1 for
 *	any other byte. It is the one hex reader of dn (RFC 4514 "\XX"),
 *	xtext ("+XX"), fp (fingerprints) and table (attribute values). It is
 *	inline and a table lookup, not comparisons: fp_normalize() calls it
 *	for every character of every fingerprint a decision reads, and
 *	branches on random hex digits are mispredicted (hex.c).
 * DIAGNOSTICS
 *	-1 for a byte that is not a hex digit.
 */
#ifndef CERTRELAY_HEX_H
#define CERTRELAY_HEX_H

extern const signed char hex_value[256];

/* hex_digit - one hex digit's value, -1 for anything else */
static inline int
hex_digit(unsigned char c)
{
	return hex_value[c];
}

#endif
