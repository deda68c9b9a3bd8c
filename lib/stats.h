#ifndef CERTRELAY_STATS_H
#define CERTRELAY_STATS_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "conf.h"
#include "decide.h"
#include "diag.h"

/* Where a decision was asked for: a label of certrelay_decisions_total. */
enum stats_stage { STATS_MAIL, STATS_RCPT, STATS_POLICY, STATS_NSTAGES };

/* Rule counters: (kind, line) slots, found by open addressing. */
#define STATS_RULE_SLOTS	65536

/* A history file grows to this, then is renamed FILE.history.1. */
#define STATS_HISTORY_MAX	(4 * 1024 * 1024)

struct stats;				/* opaque */

int	stats_new(struct stats **sp, const char *daemon, time_t now,
	    struct diag *d);
void	stats_decision(struct stats *st, enum stats_stage stage,
	    const struct decision *dec, enum act decided);
void	stats_lookup_failed(struct stats *st);
void	stats_session(struct stats *st, int open);
void	stats_request(struct stats *st);
void	stats_reload(struct stats *st, int ok, time_t now);
int	stats_print(struct stats *st, const struct conf *c, time_t now,
	    FILE *fp);
int	stats_write(struct stats *st, const struct conf *c, time_t now,
	    struct diag *d);
int	stats_path(const char *pattern, const char *daemon, char *buf,
	    size_t size);
const char *stats_rule_table(enum dec_kind k, const struct conf *c);
const char *stats_stage_name(enum stats_stage s);
void	stats_free(struct stats *st);

#endif
