#ifndef CERTRELAY_STATS_CMD_H
#define CERTRELAY_STATS_CMD_H

/* certrelay stats [-c CONF] [--json] [--plot FILE.png|FILE.svg] */
int	stats_main(int argc, char **argv);

#endif
