/*
 * snap - the engine in service, swapped whole on reload
 *
 * SYNOPSIS
 *	#include "snap.h"
 *	int	snap_init(struct snap **sp, const char *conf_path,
 *		    struct diag *d);
 *	struct snap_ref *snap_get(struct snap *s);
 *	const struct engine *snap_engine(const struct snap_ref *ref);
 *	void	snap_put(struct snap *s, struct snap_ref *ref);
 *	int	snap_reload(struct snap *s, struct diag *d);
 *	int	snap_maybe_reload(struct snap *s, time_t now, struct diag *d);
 *	int	snap_tick(struct snap *s, int forced, char *msg, size_t size);
 *	void	snap_free(struct snap *s);
 * DESCRIPTION
 *	A session takes a reference when it starts (snap_get) and drops it
 *	when it ends (snap_put): it decides on one snapshot from start to
 *	end, even if a reload happens meanwhile. snap_reload() builds a whole
 *	new engine beside the one in service and swaps one pointer under the
 *	mutex; the old one is freed by whoever drops the last reference. A
 *	new engine that does not load leaves the old one in service.
 *	snap_maybe_reload() reloads when a file changed, looking at most
 *	once a second (no stat() per decision), and tries a set of files
 *	that failed to load only once (one log line, not one a second).
 *	It is meant for one thread (the daemon's main or timer thread).
 *	snap_tick() is what a daemon's main loop calls: a reload on SIGHUP
 *	(forced) or the periodic look, with a line for the log in msg (empty
 *	when nothing happened). snap_tick() also builds the regex set
 *	matcher (rx_accelerate()) of the snapshot in service, on a thread of
 *	snap's own, and says once when it is in service (or why not). Never
 *	snap_init(): a daemon calls it before daemon(3), whose fork would
 *	leave the build thread behind in the parent, the set never in
 *	service and the rx never freed. One build at a time (a snapshot
 *	replaced before its turn gets none); snap_free() joins it, so no
 *	thread of ours outlives the snap (a detached one still running at
 *	exit crashed glibc's malloc teardown under ASan).
 * DIAGNOSTICS
 *	snap_init(): 0 or -1. snap_reload(): 1 swapped, -1 kept the old one
 *	(d says why). snap_maybe_reload(): 0 nothing to do, else as
 *	snap_reload().
 * OWNERSHIP
 *	References must all be put back before snap_free().
 */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "rx.h"
#include "snap.h"

struct snap_ref {
	struct engine *e;
	int	refs;			/* holders, plus 1 while in service */
	int	accel;			/* its set matcher build was started */
	char	why[DIAG_FILE_MAX + DIAG_WHAT_MAX + 32];	/* it failed */
};

struct snap {
	pthread_mutex_t lock;
	struct snap_ref *cur;
	char	*path;
	time_t	checked;
	unsigned long failed_sig;	/* files as they were at a failed load */
	int	told;			/* the set matcher of cur was announced */
	pthread_t builder;		/* builds build_ref's set matcher */
	struct snap_ref *build_ref;
	int	building;		/* builder not joined yet */
};

/* new_ref - an engine in service */
static struct snap_ref *
new_ref(const char *path, struct diag *d)
{
	struct snap_ref *r;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		diag_set(d, path, 0, "out of memory");
		return NULL;
	}
	if (engine_open(path, &r->e, d) < 0) {
		free(r);
		return NULL;
	}
	r->refs = 1;		/* its set matcher: snap_tick() */
	return r;
}

/* snap_init - load the first snapshot */
int
snap_init(struct snap **sp, const char *conf_path, struct diag *d)
{
	struct snap *s;

	*sp = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->path = strdup(conf_path)) == NULL) {
		free(s);
		return diag_set(d, conf_path, 0, "out of memory");
	}
	if ((s->cur = new_ref(conf_path, d)) == NULL) {
		free(s->path);
		free(s);
		return -1;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->checked = time(NULL);
	*sp = s;
	return 0;
}

/* snap_get - a reference to the snapshot in service */
struct snap_ref *
snap_get(struct snap *s)
{
	struct snap_ref *r;

	pthread_mutex_lock(&s->lock);
	r = s->cur;
	r->refs++;
	pthread_mutex_unlock(&s->lock);
	return r;
}

/* snap_engine - the engine behind a reference */
const struct engine *
snap_engine(const struct snap_ref *ref)
{
	return ref->e;
}

/* snap_put - drop a reference; the last one out frees */
void
snap_put(struct snap *s, struct snap_ref *ref)
{
	int last;

	if (ref == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	last = --ref->refs == 0;
	pthread_mutex_unlock(&s->lock);
	if (last) {
		engine_close(ref->e);
		free(ref);
	}
}

/* snap_reload - build beside, swap one pointer */
int
snap_reload(struct snap *s, struct diag *d)
{
	struct snap_ref *r, *old;

	if ((r = new_ref(s->path, d)) == NULL)
		return -1;
	pthread_mutex_lock(&s->lock);
	old = s->cur;
	s->cur = r;
	s->told = 0;
	pthread_mutex_unlock(&s->lock);
	snap_put(s, old);		/* out of service */
	return 1;
}

/* snap_maybe_reload - reload if a file changed; stat at most 1/s */
int
snap_maybe_reload(struct snap *s, time_t now, struct diag *d)
{
	struct snap_ref *r;
	unsigned long sig;
	int changed, ret;

	pthread_mutex_lock(&s->lock);
	if (now == s->checked) {
		pthread_mutex_unlock(&s->lock);
		return 0;
	}
	s->checked = now;
	pthread_mutex_unlock(&s->lock);
	r = snap_get(s);
	changed = engine_changed(r->e, &sig);
	snap_put(s, r);
	if (!changed || sig == s->failed_sig)
		return 0;	/* nothing new, or the same broken files */
	if ((ret = snap_reload(s, d)) < 0)
		s->failed_sig = sig;
	return ret;
}

/* build_main - the set matcher of one snapshot, unless it left service
 * before its turn; joined by snap_tick() or snap_free() */
static void *
build_main(void *arg)
{
	struct snap *s = arg;
	struct snap_ref *r = s->build_ref;
	struct diag d;
	int live;

	/* sessions first: the set only makes them cheaper (Linux: the
	 * nice value is per thread) */
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), 10);
	pthread_mutex_lock(&s->lock);
	live = s->cur == r;
	pthread_mutex_unlock(&s->lock);
	diag_clear(&d);
	if (live && rx_accelerate(engine_rx(r->e), 0, &d) < 0)
		diag_str(&d, r->why, sizeof(r->why));
	snap_put(s, r);
	/* the compiler's scratch heap (MBs, in this thread's own arena)
	 * back to the system */
	malloc_trim(0);
	return NULL;
}

/* start_build - join a finished build; start the one of the snapshot in
 * service if it has none yet. Only the thread that swaps s->cur calls it */
static void
start_build(struct snap *s)
{
	struct snap_ref *r = s->cur;
	int err;

	if (s->building && pthread_tryjoin_np(s->builder, NULL) != 0)
		return;			/* still at it */
	s->building = 0;
	if (r->accel)
		return;
	r->accel = 1;
	if (engine_rx(r->e) == NULL || rx_count(engine_rx(r->e)) == 0)
		return;
	s->build_ref = snap_get(s);
	if ((err = pthread_create(&s->builder, NULL, build_main, s)) != 0) {
		snprintf(r->why, sizeof(r->why), "no thread: %s",
		    strerror(err));
		snap_put(s, s->build_ref);
		return;
	}
	s->building = 1;
}

/* set_news - once the set matcher of the snapshot in service is built
 * (or failed), one line saying so (1), else nothing yet (0) */
static int
set_news(struct snap *s, char *msg, size_t size)
{
	const struct snap_ref *cur = s->cur;
	const struct rx *rx = engine_rx(cur->e);
	int members;

	if (rx == NULL || rx_count(rx) == 0) {
		s->told = 1;		/* nothing to tell */
		return 0;
	}
	if (!cur->accel || (s->building && s->build_ref == cur))
		return 0;		/* not built yet */
	if (cur->why[0])
		snprintf(msg, size, "warning: regexes matched one by one: "
		    "set matcher: %s", cur->why);
	else if (rx_accelerated(rx, &members))
		snprintf(msg, size, "regex set matcher in service: %d of %d "
		    "rules scanned at once%s", members, rx_count(rx),
		    members < rx_count(rx) ? ", the others one by one "
		    "(non-ASCII or refused by Vectorscan)" : "");
	else
		return 0;
	s->told = 1;
	return 1;
}

/* snap_tick - a forced (SIGHUP) or periodic reload, told in one line */
int
snap_tick(struct snap *s, int forced, char *msg, size_t size)
{
	struct diag d;
	char buf[DIAG_FILE_MAX + DIAG_WHAT_MAX + 32], stats[256];
	int r;

	diag_clear(&d);
	msg[0] = 0;
	/* the ldap caches go with the snapshot: their counts, said now */
	engine_ldap_stats(s->cur->e, stats, sizeof(stats));
	r = forced ? snap_reload(s, &d) : snap_maybe_reload(s, time(NULL), &d);
	if (r > 0)
		snprintf(msg, size, "reloaded %s%s", forced ? "on SIGHUP" :
		    "after a table changed", stats);
	else if (r < 0)
		snprintf(msg, size, "error: reload failed, previous tables stay "
		    "in service: %s", diag_str(&d, buf, sizeof(buf)));
	else if (!s->told)
		r = set_news(s, msg, size);
	start_build(s);
	return r;
}

/* snap_free - the last snapshot goes */
void
snap_free(struct snap *s)
{
	if (s == NULL)
		return;
	if (s->building)
		pthread_join(s->builder, NULL);
	snap_put(s, s->cur);
	pthread_mutex_destroy(&s->lock);
	free(s->path);
	free(s);
}
