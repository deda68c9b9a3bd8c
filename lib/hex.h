/*
 * hex - the value of one hexadecimal digit
 *
 * SYNOPSIS
 *	#include "hex.h"
 *	int	hex_digit(unsigned char c);
 * DESCRIPTION
 *	hex_digit() returns 0 .. 15 for '0'-'9', 'a'-'f' and 'A'-'F', -1 for
 *	any other byte. It is the one hex reader of dn (RFC 4514 "\XX"),
 *	xtext ("+XX") and fp (fingerprints); it is defined here, inline,
 *	because fp_normalize() calls it for every character of every table
 *	line and of every certificate fingerprint a decision reads.
 * DIAGNOSTICS
 *	-1 for a byte that is not a hex digit.
 */
#ifndef CERTRELAY_HEX_H
#define CERTRELAY_HEX_H

/* hex_digit - one hex digit's value, -1 for anything else */
static inline int
hex_digit(unsigned char c)
{
	unsigned v = (unsigned)c - '0';

	if (v < 10)
		return (int)v;
	/* 'A'-'F' and 'a'-'f' alike */
	v = ((unsigned)c | 0x20) - 'a';
	return v < 6 ? (int)v + 10 : -1;
}

#endif
