#!/bin/sh
# install-deps.sh - the Debian 12 packages certrelay builds, runs and is
# tested with. Idempotent; run as root.
set -e
PKGS="build-essential cmake pkg-config libmilter-dev libssl-dev openssl check
libcdb-dev tinycdb libpcre2-dev libvectorscan-dev clang libclang-rt-14-dev
postfix postfix-cdb swaks libio-socket-ssl-perl libauthen-sasl-perl
dovecot-core sasl2-bin libsasl2-modules libsasl2-modules-db libdb5.3 libldap-2.5-0
libnsl2 libwrap0 m4 liblockfile1 miltertest util-linux procps iproute2 perl cppcheck
clang-format libsystemd-dev systemd python3 libldap-dev slapd ldap-utils
debhelper dpkg-dev lintian git gnuplot-nox python3-prometheus-client"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
