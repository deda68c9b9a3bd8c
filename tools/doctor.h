#ifndef CERTRELAY_DOCTOR_H
#define CERTRELAY_DOCTOR_H

/* certrelay doctor [-c CONF] [--postfix DIR] [--sendmail FILE.cf] */
int	doctor_main(int argc, char **argv);

#endif
