/*
 * fuzz_macros - macro sets as an MTA might send them (any names, any
 * bytes, any length) through the milter's session logic: lib/macro, then
 * decide() at every stage against real compiled tables.
 *
 * Input: "name=value" lines; a line "--" starts the next stage (connect,
 * helo, mail, rcpt), so values may change between stages as they do.
 * Besides "never crashes", it checks the rule that matters most: a
 * certificate the MTA did not verify is relayed by a fingerprint rule or
 * not at all.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "engine.h"
#include "fuzzfile.h"
#include "macro.h"
#include "table.h"

#define MAXPAIRS 64

static struct engine *engine;

struct input {
	const char *name[MAXPAIRS], *val[MAXPAIRS];
	int	n;
};

static const char *
get(void *ctx, const char *name)
{
	const struct input *in = ctx;
	int i;

	for (i = in->n - 1; i >= 0; i--)
		if (strcmp(in->name[i], name) == 0)
			return in->val[i];
	return NULL;
}

/* put - a file of the fixture, compiled as kind (-1: as it is) */
static void
put(const char *name, const char *text, int kind)
{
	char path[512], out[600];
	struct diag d;

	fuzz_path("macros", name, path, sizeof(path));
	fuzz_write(path, (const uint8_t *)text, strlen(text));
	snprintf(out, sizeof(out), "%s.cdb", path);
	if (kind >= 0 && table_compile(path, (enum table_kind)kind, out, &d) < 0)
		abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char conf[512];
	struct diag d;

	(void)argc, (void)argv;
	put("fp", "E1:3C:1A:C7:53:3F:B8:CB:1E:C2:99:F6:6B:88:84:C9 "
	    "partner\n00112233445566778899aabbccddeeff REJECT revoked\n",
	    TABLE_FINGERPRINT);
	put("subj", "/C=FR/O=CNRS/CN=Alice+20Martin RELAY\n"
	    "CN=Bob REJECT no\n", TABLE_SUBJECT);
	put("iss", "CN=CNRS-Plus RELAY\n", TABLE_ISSUER);
	put("mail", "alice@example.org\n", TABLE_EMAIL);
	put("attr", "issuer=/C=FR/O=CNRS/CN=CNRS-Standard attr=OU "
	    "value=UMR7503 RELAY\n", TABLE_ATTRIBUTE);
	put("access", "CERTISSUER:/C=FR/O=X SUBJECT\n"
	    "CERTSUBJECT:/C=FR/O=X/CN=y RELAY\n", TABLE_ACCESS);
	put("rx", "/OU=UMR75/ RELAY\n!/O=CNRS/ issuer=CN=CNRS-Plus "
	    "REJECT\n", -1);
	put("certrelay.conf", "fingerprint_table = fp\nsubject_table = "
	    "subj\nissuer_table = iss\nemail_table = mail\nattribute_table = "
	    "attr\naccess_table = access\nregex_table = rx\nlocal_domains = "
	    "local.example\ntrusted_networks = 10.0.0.0/8\ngatekeeper = yes\n",
	    -1);
	fuzz_path("macros", "certrelay.conf", conf, sizeof(conf));
	if (engine_open(conf, &engine, &d) < 0) {
		fprintf(stderr, "%s\n", d.what);
		abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum stage stages[] = { STAGE_CERT, STAGE_CERT,
	    STAGE_MAIL, STAGE_RCPT };
	struct input in;
	struct macros m;
	struct request r;
	struct decision dec;
	struct diag d;
	char *buf, *line, *save = NULL, *eq;
	int stage = 0;

	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	memset(&m, 0, sizeof(m));
	memset(&in, 0, sizeof(in));
	request_init(&r);
	for (line = strtok_r(buf, "\n", &save); ; line = strtok_r(NULL, "\n",
	    &save)) {
		if (line == NULL || strcmp(line, "--") == 0) {
			if (stages[stage] == STAGE_CERT)	/* a HELO */
				macros_helo(&m, get, &in);
			macros_collect(&m, get, &in);
			if (stages[stage] == STAGE_RCPT &&
			    !macros_rcpt(&m, get, &in, "<x@out.example>"))
				break;
			macros_request(&m, &r);
			decide(engine, &r, stages[stage], &dec, &d);
			if (dec.action == ACT_RELAY && dec.table != NULL &&
			    dec.kind != KIND_FINGERPRINT &&
			    r.verify != VERIFY_OK)
				abort();	/* unverified, relayed by a name */
			in.n = 0;
			if (line == NULL || ++stage == 4)
				break;
			continue;
		}
		if ((eq = strchr(line, '=')) == NULL || in.n == MAXPAIRS)
			continue;
		*eq = 0;
		in.name[in.n] = line;
		in.val[in.n++] = eq + 1;
	}
	request_free(&r);
	free(buf);
	return 0;
}
