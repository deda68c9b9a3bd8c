/*
 * rate - per-certificate recipient counters and the address-spread signal
 *
 * SYNOPSIS
 *	#include "rate.h"
 *	int	rate_parse(const char *s, size_t len, struct rate_limit *out,
 *		    struct diag *d);
 *	int	rate_format(const struct rate_limit *l, char *buf,
 *		    size_t size);
 *	int	rate_new(struct rate **rp, struct diag *d);
 *	int	rate_note(struct rate *rt, const unsigned char *id,
 *		    const char *addr, const struct rate_limit *lim,
 *		    int max_addrs, time_t now, unsigned *warn);
 *	size_t	rate_warning(struct request *r, unsigned which, char *buf,
 *		    size_t size);
 *	void	rate_free(struct rate *rt);
 * DESCRIPTION
 *	rate_parse() reads a limit as rate_limit and a rule's "rate=" take
 *	it: "N/minute", "N/hour" or "N/day" (N from 1 to RATE_N_MAX, the
 *	unit in any case), or "none" (no limit: a rule's way out of
 *	rate_limit). rate_format() writes it back ("100/hour").
 *
 *	rate_new() makes the counters a daemon keeps outside its snapshots,
 *	so a reload keeps them and a restart starts them again. rate_note()
 *	is one use of the certificate whose identity is id (RATE_ID_LEN
 *	bytes: a digest, so no certificate can choose its slot), from the
 *	client address addr: with lim (NULL: nothing counted, only the
 *	address noted) one relayed recipient is counted in a fixed window of
 *	lim->window seconds that starts at the first one; past lim->n it
 *	returns 1 (refuse, not counted) and sets RATE_WARN_LIMIT in *warn
 *	the first time in that window. With max_addrs > 0 the distinct
 *	client addresses of the last hour (a window from the first) are
 *	counted, and RATE_WARN_ADDRS is set once an hour when there are more
 *	than max_addrs. rate_prefetch() only starts bringing id's set into
 *	the CPU cache, for a rate_note() a little later (decide() calls it
 *	when the certificate's verdict is made: the policy server counts
 *	within the same request). rate_warning() writes the warning line for one of
 *	those bits, naming the certificate of r (its limit and address bound
 *	as decide() kept them in r).
 *
 *	Memory is fixed, whatever the clients do: RATE_SLOTS slots in sets
 *	of RATE_WAYS, a certificate's set picked by its identity. A new
 *	certificate takes a free slot of its set, else one idle for a day,
 *	else the least recently used one (whose counts start again if it
 *	comes back): a flood of certificates costs the others their counts,
 *	never memory. A set keeps its slots' tags and last uses together,
 *	so finding a certificate reads two cache lines and its own slot. Only certificates that relay are noted (decide()),
 *	so filling a set takes many certificates the site trusts. Client
 *	addresses are kept as 32-bit keyed hashes, up to RATE_ADDRS_MAX + 1 a
 *	certificate: two addresses with one hash count once, so the signal
 *	may come late, never falsely. Each set has its lock (one of
 *	RATE_LOCKS), so the milter's threads seldom wait for each other.
 * DIAGNOSTICS
 *	rate_parse(), rate_new(): 0, or -1 with d->what. rate_format(): 0, or
 *	-1 if it does not fit. rate_note(): 1 over the limit, else 0.
 * OWNERSHIP
 *	rate_new() gives counters freed by rate_free() (accepts NULL), after
 *	the last rate_note().
 */
#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "decide.h"
#include "logline.h"
#include "rate.h"

#define RATE_WAYS	8
#define RATE_SETS	(RATE_SLOTS / RATE_WAYS)
#define RATE_LOCKS	64
#define ADDR_WINDOW	3600		/* max_client_addresses: an hour */
#define IDLE_FREE	86400		/* a slot idle a day is free */

struct slot {
	unsigned char id[RATE_ID_LEN];
	time_t	start;			/* this count window's start */
	unsigned count;
	int	warned;			/* RATE_WARN_LIMIT said this window */
	time_t	addr_start;
	int	naddr;
	int	addr_warned;
	uint32_t addr[RATE_ADDRS_MAX + 1];
};

/* One set; what find() scans first is in two cache lines, not in eight
 * slots (under a flood of certificates every set is cold). */
struct set {
	uint64_t tag[RATE_WAYS];	/* each slot's first 8 id bytes */
	time_t	used[RATE_WAYS];	/* last use; 0: free */
	struct slot slot[RATE_WAYS];
};

struct rate {
	pthread_mutex_t lock[RATE_LOCKS];
	uint32_t seed;			/* address hashes */
	struct set set[RATE_SETS];
};

static const struct {
	const char *name;
	unsigned secs;
} units[] = {
	{ "minute", 60 }, { "hour", 3600 }, { "day", 86400 },
};

/* rate_parse - "100/hour" or "none" */
int
rate_parse(const char *s, size_t len, struct rate_limit *out,
    struct diag *d)
{
	unsigned long n = 0;
	size_t i = 0, k;

	out->n = out->window = 0;
	if (len == 4 && strncasecmp(s, "none", 4) == 0) {
		out->window = 1;
		return 0;
	}
	for (; i < len && isdigit((unsigned char)s[i]); i++)
		if ((n = n * 10 + (unsigned long)(s[i] - '0')) > RATE_N_MAX)
			break;
	if (i == 0 || i >= len || s[i] != '/' || n == 0 || n > RATE_N_MAX)
		goto bad;
	for (k = 0; k < sizeof(units) / sizeof(units[0]); k++)
		if (len - i - 1 == strlen(units[k].name) &&
		    strncasecmp(s + i + 1, units[k].name, len - i - 1) == 0) {
			out->n = (unsigned)n;
			out->window = units[k].secs;
			return 0;
		}
bad:
	return diag_set(d, NULL, 0, "rate \"%.*s\": expected N/minute, "
	    "N/hour or N/day (N from 1 to %d), or none",
	    (int)(len > 40 ? 40 : len), s, RATE_N_MAX);
}

/* rate_format - back to "100/hour" */
int
rate_format(const struct rate_limit *l, char *buf, size_t size)
{
	const char *unit = "none";
	size_t k;
	int n;

	for (k = 0; k < sizeof(units) / sizeof(units[0]); k++)
		if (units[k].secs == l->window)
			unit = units[k].name;
	if (l->n == 0 || l->window == 0)
		n = snprintf(buf, size, "none");
	else
		n = snprintf(buf, size, "%u/%s", l->n, unit);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* rate_new - empty counters (calloc: untouched slots cost no RSS) */
int
rate_new(struct rate **rp, struct diag *d)
{
	struct rate *rt;
	int k;

	if ((*rp = rt = calloc(1, sizeof(*rt))) == NULL)
		return diag_set(d, NULL, 0, "out of memory");
	for (k = 0; k < RATE_LOCKS; k++)
		pthread_mutex_init(&rt->lock[k], NULL);
	if (getrandom(&rt->seed, sizeof(rt->seed), GRND_NONBLOCK) !=
	    sizeof(rt->seed))
		rt->seed = (uint32_t)(uintptr_t)rt ^ (uint32_t)time(NULL);
	return 0;
}

/* addr_hash - FNV-1a from a secret start: a client cannot pick
 * addresses that count as one */
static uint32_t
addr_hash(uint32_t seed, const char *s)
{
	uint32_t h = 2166136261u ^ seed;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* find - id's slot in its set: its own, a free or stale one, or the
 * least recently used (then emptied); the caller sets used */
static struct slot *
find(struct set *st, const unsigned char *id, time_t now, int *way)
{
	struct slot *s;
	uint64_t tag;
	int k, v = 0;

	memcpy(&tag, id, sizeof(tag));
	for (k = 0; k < RATE_WAYS; k++)
		if (st->used[k] != 0 && st->tag[k] == tag &&
		    memcmp(st->slot[k].id, id, RATE_ID_LEN) == 0) {
			*way = k;
			return &st->slot[k];
		}
	for (k = 0; k < RATE_WAYS; k++) {
		if (st->used[k] == 0 || now - st->used[k] >= IDLE_FREE) {
			v = k;
			break;
		}
		if (st->used[k] < st->used[v])
			v = k;
	}
	s = &st->slot[v];
	memcpy(s->id, id, RATE_ID_LEN);
	s->start = s->addr_start = now;
	s->count = s->naddr = 0;
	s->warned = s->addr_warned = 0;
	st->tag[v] = tag;
	*way = v;
	return s;
}

/* note_addr - one more client address; 1 when the bound is first
 * passed this hour */
static int
note_addr(struct slot *s, uint32_t h, int max_addrs, time_t now)
{
	int k;

	if (now - s->addr_start >= ADDR_WINDOW || now < s->addr_start) {
		s->addr_start = now;
		s->naddr = 0;
		s->addr_warned = 0;
	}
	for (k = 0; k < s->naddr; k++)
		if (s->addr[k] == h)
			return 0;
	if (s->naddr <= RATE_ADDRS_MAX)
		s->addr[s->naddr++] = h;
	if (s->naddr > max_addrs && !s->addr_warned) {
		s->addr_warned = 1;
		return 1;
	}
	return 0;
}

/* count - one relayed recipient; 1 over the limit */
static int
count(struct slot *s, const struct rate_limit *lim, time_t now,
    unsigned *warn)
{
	if (now - s->start >= (time_t)lim->window || now < s->start) {
		s->start = now;
		s->count = 0;
		s->warned = 0;
	}
	if (s->count < lim->n) {
		s->count++;
		return 0;
	}
	if (!s->warned) {
		s->warned = 1;
		*warn |= RATE_WARN_LIMIT;
	}
	return 1;
}

/* rate_note - one use of a certificate: count, note the address */
int
rate_note(struct rate *rt, const unsigned char *id, const char *addr,
    const struct rate_limit *lim, int max_addrs, time_t now,
    unsigned *warn)
{
	uint32_t set, h = 0;
	struct slot *s;
	int over = 0, way;

	*warn = 0;
	if (max_addrs > 0 && addr != NULL && *addr != 0)
		h = addr_hash(rt->seed, addr);
	else
		max_addrs = 0;
	memcpy(&set, id, sizeof(set));
	set %= RATE_SETS;
	pthread_mutex_lock(&rt->lock[set % RATE_LOCKS]);
	s = find(&rt->set[set], id, now, &way);
	rt->set[set].used[way] = now > 0 ? now : 1;
	if (max_addrs > 0 && note_addr(s, h, max_addrs, now))
		*warn |= RATE_WARN_ADDRS;
	if (lim != NULL && lim->n > 0 && lim->window > 0)
		over = count(s, lim, now, warn);
	pthread_mutex_unlock(&rt->lock[set % RATE_LOCKS]);
	return over;
}

/* rate_prefetch - id's set, on its way to the cache (no lock: only an
 * address is computed) */
void
rate_prefetch(const struct rate *rt, const unsigned char *id)
{
	uint32_t set;

	memcpy(&set, id, sizeof(set));
	__builtin_prefetch(&rt->set[set % RATE_SETS].used[0]);
}

/* rate_warning - the line a front-end logs for one warning bit */
size_t
rate_warning(struct request *r, unsigned which, char *buf, size_t size)
{
	char lim[32], what[160];
	size_t n;

	if (size == 0)
		return 0;
	request_names(r);
	if (which & RATE_WARN_LIMIT) {
		if (rate_format(&r->rate_lim, lim, sizeof(lim)) < 0)
			lim[0] = 0;
		snprintf(what, sizeof(what), "warning: certificate reached its "
		    "rate limit (%s): more recipients get 452 until the window "
		    "ends (a stolen key?):", lim);
	} else
		snprintf(what, sizeof(what), "warning: certificate used from "
		    "more than %d client addresses within an hour "
		    "(max_client_addresses; a copied key?):",
		    r->rate_max_addrs);
	n = (size_t)snprintf(buf, size, "%s%s%s", r->id && *r->id ? r->id :
	    "", r->id && *r->id ? ": " : "", what);
	if (n >= size)
		return size - 1;
	logline_kv(buf, size, "subject", r->subject_canon);
	logline_kv(buf, size, "issuer", r->issuer_canon);
	logline_kv(buf, size, "fp", r->fp_text);
	return logline_kv(buf, size, "client", r->client_addr);
}

/* rate_free - release; accepts NULL */
void
rate_free(struct rate *rt)
{
	int k;

	if (rt == NULL)
		return;
	for (k = 0; k < RATE_LOCKS; k++)
		pthread_mutex_destroy(&rt->lock[k]);
	free(rt);
}
