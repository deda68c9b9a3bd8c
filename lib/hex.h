/*
 * hex - the value of one hexadecimal digit; bytes escaped as hex
 *
 * SYNOPSIS
 *	#include "hex.h"
 *	int	hex_digit(unsigned char c);
 *	int	hex_escape(const char *in, size_t n, char *out, size_t size,
 *		    char esc, const char *digits, const char *special);
 * DESCRIPTION
 *	hex_digit() returns 0 .. 15 for '0'-'9', 'a'-'f' and 'A'-'F', -1 for
 *	any other byte. It is the one hex reader of dn (RFC 4514 "\XX"),
 *	xtext ("+XX"), fp (fingerprints) and table (attribute values). It is
 *	inline and a table lookup, not comparisons: fp_normalize() calls it
 *	for every character of every fingerprint a decision reads, and
 *	branches on random hex digits are mispredicted (hex.c).
 *
 *	hex_escape() copies the n bytes of in to out, NUL-terminated,
 *	writing each control byte (below 0x20), each byte from 0x7f up and
 *	each byte of special as esc and two of digits (the 16 hex digits,
 *	in the case wanted): xtext's "+XX" and an LDAP filter's "\xx".
 * DIAGNOSTICS
 *	hex_digit(): -1 for a byte that is not a hex digit. hex_escape():
 *	the length written, -1 if out (size bytes) is too small.
 */
#ifndef CERTRELAY_HEX_H
#define CERTRELAY_HEX_H

#include <stddef.h>

extern const signed char hex_value[256];

/* hex_digit - one hex digit's value, -1 for anything else */
static inline int
hex_digit(unsigned char c)
{
	return hex_value[c];
}

int hex_escape(const char *in, size_t n, char *out, size_t size, char esc,
    const char *digits, const char *special);

#endif
