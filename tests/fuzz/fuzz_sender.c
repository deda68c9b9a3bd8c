/*
 * fuzz_sender - a sender table value (sender_list_check()), and every
 * item of what it stores must be found by sender_in_list() as the
 * address it is (an @domain through an address of that domain)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sender.h"

/* each_item - every stored item is found in the list */
static void
each_item(const char *list, size_t len)
{
	char addr[SENDER_ADDR_MAX + 8];
	const char *p = list, *end = list + len, *w;
	int n;

	while (p < end) {
		for (w = p; w < end && *w != ' '; w++)
			;
		if (w == p || memchr(p, '\0', (size_t)(w - p)) != NULL)
			abort();
		n = snprintf(addr, sizeof(addr), "%s%.*s", *p == '@' ? "x" :
		    "", (int)(w - p), p);
		if (n < 0 || (size_t)n >= sizeof(addr) ||
		    !sender_in_list(list, len, addr, (size_t)n) ||
		    !sender_equal(addr, (size_t)n, addr, (size_t)n))
			abort();
		p = w + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[4096], *text;
	const char *a;
	size_t olen, alen;
	struct diag d;

	diag_clear(&d);
	if (sender_list_check((const char *)data, size, out, sizeof(out),
	    &olen, &d) < 0) {
		if (d.what[0] == 0)
			abort();
	} else {
		if (olen != strlen(out))
			abort();
		each_item(out, olen);
	}
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	if (sender_addr(text, &a, &alen) > 0 && (alen == 0 ||
	    a + alen > text + strlen(text)))
		abort();
	(void)sender_in_list(text, strlen(text), text, strlen(text));
	free(text);
	return 0;
}
