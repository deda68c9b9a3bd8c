/*
 * fuzz_policy - the Postfix policy protocol reader, fed in pieces, and
 * each request it yields turned into a struct request and an answer
 *
 * The first input byte chooses the piece size, so that every split of a
 * request is tried.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

static struct policy_parser p;

static int
each(void *ctx, struct policy_req *pr)
{
	struct request r;
	struct decision dec;
	char buf[POLICY_LINE_MAX + 64];
	int k;

	(void)ctx;
	(void)policy_request(pr, &r);
	if (r.verify == VERIFY_OK && (r.issuer == NULL || r.issuer[0] == 0))
		abort();		/* "verified" means ccert_issuer */
	memset(&dec, 0, sizeof(dec));
	dec.kind = KIND_ISSUER;
	dec.table = "issuers";
	for (k = ACT_DUNNO; k <= ACT_SUBJECT; k++) {
		dec.action = (enum act)k;
		strcpy(dec.code, k == ACT_REJECT ? "550" : "");
		strcpy(dec.dsn, k == ACT_REJECT ? "5.7.1" : "");
		strcpy(dec.text, k == ACT_REJECT ? "No" : "");
		if (policy_answer(&dec, k & 1, "X-Certrelay", pr->val[
		    PA_CCERT_SUBJECT], buf, sizeof(buf)) >= 0 &&
		    strncmp(buf, "action=", 7) != 0)
			abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag d;
	size_t piece, off, n;

	if (size == 0)
		return 0;
	piece = data[0] % 64 + 1;
	policy_init(&p);
	for (off = 1; off < size; off += n) {
		n = size - off < piece ? size - off : piece;
		if (policy_feed(&p, (const char *)data + off, n, each, NULL,
		    &d) < 0) {
			if (d.what[0] == 0)
				abort();
			break;
		}
	}
	return 0;
}
