/*
 * fuzz_rate - rate_parse(), and RELAY rate=... through action_parse() in
 * each mode; what parses must format and read back the same
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "rate.h"

/* action_again - a parsed action, formatted, parses to the same rate */
static void
action_again(const struct action *a)
{
	char buf[ACTION_TEXT_MAX + 64];
	struct action back;
	struct diag d;

	action_format(a, buf, sizeof(buf));
	if (a->type != ACT_RELAY)
		return;
	if (action_parse(buf, strlen(buf), ACTION_STRICT, &back, &d) < 0 ||
	    back.type != ACT_RELAY || back.rate.n != a->rate.n ||
	    (a->rate.window != 0 && back.rate.window != a->rate.window))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum action_mode modes[] = { ACTION_STRICT,
	    ACTION_FREETEXT, ACTION_ACCESS };
	const char *s = (const char *)data;
	struct rate_limit l, back;
	struct action a;
	struct diag d;
	char buf[64];
	size_t k;

	diag_clear(&d);
	if (rate_parse(s, size, &l, &d) < 0) {
		if (d.what[0] == 0)
			abort();
	} else {
		if (l.window == 0 || (l.n == 0) != (memchr(s, '/', size) ==
		    NULL) || l.n > RATE_N_MAX)
			abort();
		if (rate_format(&l, buf, sizeof(buf)) < 0 ||
		    rate_parse(buf, strlen(buf), &back, &d) < 0 ||
		    back.n != l.n || (l.n && back.window != l.window))
			abort();
	}
	for (k = 0; k < sizeof(modes) / sizeof(modes[0]); k++) {
		diag_clear(&d);
		if (action_parse(s, size, modes[k], &a, &d) < 0) {
			if (d.what[0] == 0)
				abort();
			continue;
		}
		if (modes[k] == ACTION_ACCESS && a.rate.window != 0)
			abort();	/* Sendmail's RELAY takes no rate */
		if (modes[k] != ACTION_ACCESS)
			action_again(&a);
	}
	return 0;
}
