/*
 * xtext - RFC 3461 xtext, as Sendmail and Postfix use it for macros
 *
 * SYNOPSIS
 *	#include "xtext.h"
 *	int	xtext_decode(const char *in, size_t inlen, char *out,
 *		    size_t outsz, size_t *outlen);
 *	int	xtext_encode(const char *in, size_t inlen, char *out,
 *		    size_t outsz);
 * DESCRIPTION
 *	xtext_decode() turns every "+XX" (two hex digits, either case) into
 *	the byte XX; other bytes are copied. The result is NUL-terminated;
 *	*outlen excludes the NUL (a decoded value may hold a NUL byte).
 *	out may be in itself: decoding writes no further than it has read.
 *	xtext_encode() writes what Sendmail's xtextify(s, "<>\")") writes:
 *	"+XX" for '+', '\\', '(', '<', '>', '"', ')', controls, space and bytes
 *	>= 127 (measured: Sendmail 8.17 sends "\+" as "+5C+2B").
 * DIAGNOSTICS
 *	0 on success; -1 when a '+' is not followed by two hex digits or
 *	out is too small. Callers treat -1 as "malformed", never as empty.
 * OWNERSHIP
 *	The caller owns in and out.
 */

#include "hex.h"
#include "xtext.h"

/* xtext_decode - "+XX" to bytes */
int
xtext_decode(const char *in, size_t inlen, char *out, size_t outsz,
    size_t *outlen)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < inlen; i++) {
		if (o + 1 >= outsz)
			return -1;
		if (in[i] != '+') {
			out[o++] = in[i];
			continue;
		}
		if (i + 2 >= inlen)
			return -1;
		hi = hex_digit((unsigned char)in[i + 1]);
		lo = hex_digit((unsigned char)in[i + 2]);
		if (hi < 0 || lo < 0)
			return -1;
		out[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[o] = 0;
	if (outlen)
		*outlen = o;
	return 0;
}

/* xtext_encode - bytes to Sendmail's xtext (the space escaped too) */
int
xtext_encode(const char *in, size_t inlen, char *out, size_t outsz)
{
	int n;

	n = hex_escape(in, inlen, out, outsz, '+', "0123456789ABCDEF",
	    " +\\(<>\")");
	return n < 0 ? -1 : 0;
}
