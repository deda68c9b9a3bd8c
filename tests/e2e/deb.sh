#!/bin/bash
# deb.sh - the Debian package end to end (issue 16): built from a copy of
# the tree with dpkg-buildpackage, checked by lintian, installed with
# apt-get, its daemons run exactly as the installed units' ExecStart lines
# say (as their User=, with their UMask= and RuntimeDirectory=, since CI
# has no systemd as PID 1) behind a private Postfix whose smtpd keeps
# Debian's chroot = y and reaches them through the packaged sockets in
# /var/spool/postfix/certrelay/; then upgraded in place, removed, purged.
#   d-build*     the package builds; only unit and CLI tests ran
#   d-lintian    no lintian tag (errors, warnings, info) left
#   d-layout*    files, conffiles, user and group, postfix in the group,
#                socket directories, compiled (not shipped) tables
#   d-units*     systemd-analyze verify / security on the installed units
#   d-upgrade*   reinstalled: the admin's edited table kept, recompiled
#   d-milter*    gatekeeper listener (the shipped master.cf.milter, its
#                socket the packaged one): a verified client with a
#                relaying certificate relayed, a stranger refused, the
#                milter killed by PID: 4xx; restarted over its stale
#                socket: relays again
#   d-policyd*   the same through check_policy_service
#   d-remove*    the edited tables stay; d-purge*: /etc/certrelay and
#                the socket and state directories gone, the user stays
# The private Postfix's queue_directory is /var/spool/postfix itself (the
# chroot the packaged socket path is under): the test refuses to run while
# the system's Postfix runs or holds mail there, and removes what its
# instance added.  It refuses to run if a certrelay package is on the host;
# its EXIT trap purges the one it installed and, if it made the user
# certrelay, deletes it: the host is left as found.
# Output: "ok NAME" / "FAIL NAME: ..." lines, then "N passed, N failed".
set -u
E2E=$(cd "$(dirname "$0")" && pwd)
. "$E2E/lib.sh"
. "$E2E/postfix.sh"
SPOOL=/var/spool/postfix
UNITS=/lib/systemd/system
ETC=/etc/certrelay
LEFTOVERS=("$ETC" /run/certrelay "$SPOOL/certrelay" /var/lib/certrelay)
export DEBIAN_FRONTEND=noninteractive

e2e_init deb

# refuse WHY - the host is not ours to change: nothing was touched
refuse()
{
	fail precondition "$1"
	e2e_summary
	exit 1
}

# preconditions - tools (a skip), then what would make the test change
# or destroy something that is not its own (a refusal)
preconditions()
{
	local st pid
	pf_preconditions
	need_cmd dpkg-buildpackage dpkg-parsechangelog dh apt-get lintian \
	    setpriv git || e2e_skip "$NEED_WHY (contrib/install-deps.sh)"
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' certrelay 2>/dev/null)
	case $st in
	''|un*) ;;
	*) refuse "a certrelay package is on this host ($st): not ours" ;;
	esac
	for d in "${LEFTOVERS[@]}"; do
		[ -e "$d" ] && refuse "$d exists: purge would remove it"
	done
	pid=$(cat "$SPOOL/pid/master.pid" 2>/dev/null | tr -dc 0-9)
	[ -n "$pid" ] && pid_alive "$pid" &&
	    refuse "the system's Postfix runs (pid $pid): stop it first"
	[ -n "$(find "$SPOOL"/{incoming,active,deferred,hold,maildrop} \
	    -type f 2>/dev/null)" ] &&
	    refuse "$SPOOL holds queued mail: the test's Postfix would send it"
	return 0
}
preconditions
USER_EXISTED=$(getent passwd certrelay)
GROUP_EXISTED=$(getent group certrelay)
find "$SPOOL" -mindepth 1 | sort > "$T/spool.before"
[ -f "$SPOOL/pid/master.pid" ] && mv "$SPOOL/pid/master.pid" "$T/master.pid"
DEB_INSTALLED=

# deb_cleanup - the EXIT trap's first part: daemons and Postfix stopped,
# the package purged, the spool and the user as they were
deb_cleanup()
{
	local p
	for p in "${MILTER_PID:-}" "${POLICYD_PID:-}"; do
		[ -n "$p" ] && stop_pid "$p" 5
	done
	pf_stop
	if [ -n "$DEB_INSTALLED" ]; then
		timeout 300 apt-get purge -y -q certrelay > "$T/cleanup.out" 2>&1
	fi
	rm -rf "${LEFTOVERS[@]}"
	find "$SPOOL" -mindepth 1 | sort | comm -13 "$T/spool.before" - |
	    sort -r | while IFS= read -r p; do
		rm -f "$p" 2>/dev/null || rmdir "$p" 2>/dev/null
	done
	[ -f "$T/master.pid" ] && mv "$T/master.pid" "$SPOOL/pid/master.pid"
	if [ -z "$USER_EXISTED" ] && getent passwd certrelay >/dev/null; then
		userdel certrelay 2>/dev/null	# the group: next, if left
	fi
	if [ -z "$GROUP_EXISTED" ] && getent group certrelay >/dev/null; then
		groupdel certrelay
	fi
}
E2E_STOP_HOOKS+=(deb_cleanup)

# ---- build, from a copy of the tree (the package lands beside the copy)
VERSION=$(dpkg-parsechangelog -l "$REPO/debian/changelog" -S Version)
ARCH=$(dpkg --print-architecture)
SRC=$T/build/certrelay-$VERSION
DEB=$T/build/certrelay_${VERSION}_$ARCH.deb
mkdir -p "$SRC"
# copy_tree - the sources (what git tracks or would, in a checkout; else
# all but build directories), not the developer's builds
copy_tree()
{
	if git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
		(cd "$REPO" &&
		    git ls-files -z --cached --others --exclude-standard |
		    while IFS= read -r -d '' f; do
			[ -e "$f" ] && printf '%s\0' "$f"
		done | xargs -0 cp --parents -t "$SRC")
	else
		tar -C "$REPO" --exclude-vcs --exclude='./build*' \
		    --exclude='./obj-*' --exclude='*.cdb' -cf - . |
		    tar -C "$SRC" -xf -
	fi
}
copy_tree || fail d-build-copy "could not copy $REPO to $SRC"
start=$SECONDS
(cd "$SRC" && DEB_BUILD_OPTIONS=parallel=2 timeout 900 \
    dpkg-buildpackage -us -uc -b) > "$T/build.log" 2>&1
rc=$?
note "dpkg-buildpackage: exit $rc in $((SECONDS - start)) s"
check_eq d-build-exit "$rc" 0
if [ ! -f "$DEB" ]; then
	fail d-build-deb "no $DEB: $(tail -5 "$T/build.log")"
	e2e_summary
	exit 1
fi
check d-build-tests-passed grep -q '^100% tests passed' "$T/build.log"
check_eq d-build-no-e2e-test \
    "$(grep -cE 'Test +#[0-9]+: (e2e_|cppcheck|clang_format)' "$T/build.log")" 0
check d-build-ran-unit-and-cli eval "grep -qE 'Test +#[0-9]+: unit_' \
    '$T/build.log' && grep -qE 'Test +#[0-9]+: cli ' '$T/build.log'"

# ---- lintian: errors, warnings and info all count; overrides say why
lintian -i -I --show-overrides "$T/build/certrelay_${VERSION}_$ARCH.changes" \
    > "$T/lintian.out" 2>&1
tags=$(grep -E '^[EWI]: ' "$T/lintian.out")
note "lintian: $(grep -cE '^E: ' "$T/lintian.out") errors," \
    "$(grep -cE '^W: ' "$T/lintian.out") warnings," \
    "$(grep -cE '^I: ' "$T/lintian.out") info," \
    "$(grep -cE '^O: ' "$T/lintian.out") overridden"
check_eq d-lintian-clean "$tags" ""

# ---- install
DEB_INSTALLED=1
(cd "$T/build" && timeout 300 apt-get install -y -q "./${DEB##*/}") \
    > "$T/install.out" 2>&1
rc=$?
check_eq d-install-exit "$rc" 0
if [ $rc -ne 0 ]; then
	note "$(tail -10 "$T/install.out")"
	e2e_summary
	exit 1
fi

# layout_files - what the package installs where
layout_files()
{
	local f missing=
	for f in /usr/sbin/certrelay-milter /usr/sbin/certrelay-policyd \
	    /usr/bin/certrelay "$ETC/certrelay.conf" "$ETC/fingerprints" \
	    "$ETC/subjects" "$ETC/regex" "$UNITS/certrelay-milter.service" \
	    "$UNITS/certrelay-policyd.service" \
	    /usr/lib/sysusers.d/certrelay.conf \
	    /usr/lib/tmpfiles.d/certrelay.conf \
	    /usr/share/man/man8/certrelay-milter.8.gz \
	    /usr/share/man/man8/certrelay-policyd.8.gz \
	    /usr/share/man/man1/certrelay.1.gz \
	    /usr/share/man/man5/certrelay.conf.5.gz \
	    /usr/share/doc/certrelay/examples/postfix/main.cf.milter \
	    /usr/share/doc/certrelay/examples/postfix/master.cf.milter \
	    /usr/share/doc/certrelay/examples/postfix/main.cf.policyd \
	    /usr/share/doc/certrelay/examples/sendmail/sendmail.mc.certrelay; do
		[ -f "$f" ] || missing="$missing $f"
	done
	printf '%s' "${missing:-none}"
}
check_eq d-layout-files "$(layout_files)" none
conffiles=$(dpkg-query -W -f='${Conffiles}\n' certrelay | awk '{print $1}')
for f in certrelay.conf fingerprints subjects issuers emails regex \
    attributes; do
	check_match "d-layout-conffile-$f" "$conffiles" "^$ETC/$f\$"
done
check_eq d-layout-no-compiled-table-shipped \
    "$(dpkg -L certrelay | grep -c '\.cdb$')" 0
for t in fingerprints subjects issuers emails attributes; do
	check "d-layout-compiled-$t" test -s "$ETC/$t.cdb"
done
check_match d-layout-user "$(getent passwd certrelay)" \
    '^certrelay:x:[0-9]+:[0-9]+:[^:]*:/nonexistent:/usr/sbin/nologin$'
check d-layout-group quiet getent group certrelay
check_match d-layout-postfix-in-group "$(id -nG postfix)" '(^| )certrelay( |$)'
for d in /run/certrelay "$SPOOL/certrelay"; do
	check_eq "d-layout-dir-$d" "$(stat -c '%U:%G %a' "$d" 2>&1)" \
	    'certrelay:certrelay 750'
done
check_eq d-layout-version "$(/usr/sbin/certrelay-milter -V 2>&1)" \
    "certrelay-milter $VERSION"
check d-layout-units-enabled test -L \
    /etc/systemd/system/multi-user.target.wants/certrelay-milter.service

# ---- the installed units, as systemd would read them
for u in certrelay-milter certrelay-policyd; do
	check "d-units-verify-$u" systemd-analyze verify --man=no \
	    "$UNITS/$u.service"
	level=$(systemd-analyze security --offline=true "$UNITS/$u.service" \
	    2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	check "d-units-exposure-$u-${level:-unknown}" \
	    awk -v l="${level:-99}" 'BEGIN { exit !(l <= 2.0) }'
done

# ---- the admin's edits: the shipped configuration (gatekeeper = CRT,
# the listener master.cf.milter names) with this site's domains and
# networks (not 127.0.0.1: every test client comes from there), and a
# rule for Alice in the shipped subjects table (a CN key: all Postfix
# shows), compiled as the configuration's header says
sed -i -e 's/^local_domains .*/local_domains = local.example/' \
    -e 's/^trusted_networks .*/trusted_networks = 192.0.2.0\/24/' \
    "$ETC/certrelay.conf"
ALICE='CN=Alice\20Martin issuer=CN=CNRS-Plus RELAY'
printf '%s\n' "$ALICE" >> "$ETC/subjects"
check d-admin-compile quiet certrelay compile -c "$ETC/certrelay.conf"
check_match d-admin-gatekeeper "$(grep '^gatekeeper' "$ETC/certrelay.conf")" \
    '^gatekeeper *= *CRT$'

# ---- upgrade (the same version again: configure with an old version):
# the edited table stays, the compiled tables are made again
rm -f "$ETC/subjects.cdb"
timeout 300 dpkg -i "$DEB" > "$T/upgrade.out" 2>&1
check_eq d-upgrade-exit "$?" 0
check d-upgrade-keeps-edit grep -qxF "$ALICE" "$ETC/subjects"
check d-upgrade-recompiled test -s "$ETC/subjects.cdb"

# unit_key UNIT KEY - the value of KEY= in the installed unit (one line)
unit_key() { sed -n "s/^$2=//p" "$UNITS/$1.service"; }

# unit_argv UNIT KEY - an Exec line as words; no quoting or specifiers
# here, so a plain split is how systemd splits it
unit_argv()
{
	local line
	line=$(unit_key "$1" "$2")
	if [ "$(printf '%s\n' "$line" | grep -c .)" -ne 1 ] ||
	    [[ $line =~ [\"\'%$\\] ]]; then
		note "$1: $2 is not one plain line: $line"
		return 1
	fi
	read -ra ARGV <<< "${line#[-@:+!]}"
}

# unit_cred UNIT - AS_UNIT: the command prefix that runs a program with
# the unit's user, group (and the user's other groups), umask and a clean
# environment; each step execs the next, so a background job's PID is the
# daemon's
unit_cred()
{
	AS_UNIT=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin
	    setpriv "--reuid=$(unit_key "$1" User)"
	    "--regid=$(unit_key "$1" Group)" --init-groups --
	    sh -c 'umask "$0" && exec "$@"' "$(unit_key "$1" UMask)")
}

# unit_start UNIT - RuntimeDirectory=, ExecStartPre=, then ExecStart= in
# the background; LAST_PID is the daemon's, UNIT_SOCKET its socket
unit_start()
{
	local u=$1 rt sd a
	rt=$(unit_key "$u" RuntimeDirectory)
	install -d -o "$(unit_key "$u" User)" -g "$(unit_key "$u" Group)" \
	    -m "$(unit_key "$u" RuntimeDirectoryMode)" "/run/$rt" || return 1
	sd=$(unit_key "$u" StateDirectory)
	install -d -o "$(unit_key "$u" User)" -g "$(unit_key "$u" Group)" \
	    -m "$(unit_key "$u" StateDirectoryMode)" "/var/lib/$sd" || return 1
	unit_cred "$u"
	unit_argv "$u" ExecStartPre || return 1
	"${AS_UNIT[@]}" "${ARGV[@]}" >> "$T/$u.log" 2>&1 || return 1
	unit_argv "$u" ExecStart || return 1
	UNIT_SOCKET=
	for a in "${ARGV[@]}"; do
		case $a in unix:*) UNIT_SOCKET=${a#unix:} ;; esac
	done
	start_bg "$u" "$T/$u.log" "${AS_UNIT[@]}" "${ARGV[@]}"
	wait_until 10 eval '[ -S "$UNIT_SOCKET" ] || ! pid_alive $LAST_PID'
	[ -S "$UNIT_SOCKET" ] && pid_alive "$LAST_PID"
}

CERTS=$T/certs
sh "$E2E/certs.sh" "$CERTS" > "$T/certs.log" 2>&1 ||
    fail d-certs "certs.sh failed: $(tail -3 "$T/certs.log")"
for u in certrelay-milter certrelay-policyd; do
	if unit_start "$u"; then
		pass "d-start-$u"
	else
		fail "d-start-$u" "$(tail -3 "$T/$u.log")"
	fi
	[ "$u" = certrelay-milter ] && MILTER_PID=$LAST_PID MSOCK=$UNIT_SOCKET
	[ "$u" = certrelay-policyd ] && POLICYD_PID=$LAST_PID PSOCK=$UNIT_SOCKET
done
check_eq d-milter-socket-path "$MSOCK" "$SPOOL/certrelay/milter.sock"
check_eq d-policyd-socket-path "$PSOCK" "$SPOOL/certrelay/policyd.sock"
for s in "$MSOCK" "$PSOCK"; do
	check_eq "d-socket-mode-${s##*/}" "$(stat -c '%U:%G %a' "$s" 2>&1)" \
	    'certrelay:certrelay 660'
done
check_eq d-daemon-user "$(stat -c %U "/proc/$MILTER_PID" 2>&1) $(stat -c \
    %U "/proc/$POLICYD_PID" 2>&1)" 'certrelay certrelay'

# ---- the private Postfix: smtpd chrooted in /var/spool/postfix
EX=/usr/share/doc/certrelay/examples/postfix
sink_start "$T/sink" || fail d-sink "smtp-sink did not start"
pf_init "$CERTS"
PF_QUEUE=$SPOOL
pf_set "queue_directory = $SPOOL" 'milter_default_action = tempfail' \
    'smtpd_sasl_auth_enable = no'	# Dovecot's socket is outside the jail
mkdir -p "$T/snippet"
cp "$EX/main.cf.milter" "$T/snippet/main.cf"
: > "$T/snippet/master.cf"
for m in connect helo mail rcpt; do
	pf_set "milter_${m}_macros = $(postconf -c "$T/snippet" -h \
	    "milter_${m}_macros" 2>/dev/null)"
done
# the shipped gatekeeper listener, on the packaged socket as main.cf.milter
# names it from the chroot
mapfile -t GATE < <(sed -n 's/^  *-o  *//p' "$EX/master.cf.milter" |
    sed -e 's/^{ *//' -e 's/ *}$//' -e '/^syslog_name/d' \
    -e '/^smtpd_sasl_auth_enable/d' -e 's/^\([a-z_]*\)=/\1 = /' \
    -e 's|inet:127\.0\.0\.1:8895|unix:certrelay/milter.sock|')
check_match d-postfix-gate-socket "${GATE[*]}" \
    'smtpd_milters = unix:certrelay/milter\.sock'
pick_port PG
pf_listener gate "$PG" "${GATE[@]}"
# the policy server in socket mode, as main.cf.policyd's comment and the
# unit name it from the chroot
cp "$EX/main.cf.policyd" "$T/snippet/main.cf"
RR=$(postconf -c "$T/snippet" -h smtpd_relay_restrictions 2>/dev/null |
    sed 's|unix:private/certrelay|unix:certrelay/policyd.sock|')
check_match d-postfix-policy-socket "$RR" \
    'check_policy_service unix:certrelay/policyd\.sock'
pick_port PP
pf_listener policy "$PP" "smtpd_relay_restrictions = $RR" \
    "smtpd_policy_service_default_action = $(postconf -c "$T/snippet" -h \
    smtpd_policy_service_default_action 2>/dev/null)"
# Debian's master.cf: chroot = y for smtpd
sed -i -E 's/^(127\.0\.0\.1:[0-9]+ +inet +n +- +)n /\1y /' \
    "$PF_CONF/master.cf"
check_eq d-postfix-smtpd-chroot-y \
    "$(grep -cE '^127\.0\.0\.1:[0-9]+ +inet +n +- +y +.* smtpd$' \
    "$PF_CONF/master.cf")" 2
pf_start || fail d-postfix-start "$(tail -5 "$PF_LOG")"

# smtpd_roots - the root directory of each smtpd the master runs
smtpd_roots()
{
	local p
	for p in $(ps -o pid=,comm= --ppid "$PF_MASTER_PID" |
	    awk '$2 == "smtpd" { print $1 }'); do
		readlink "/proc/$p/root"
	done | sort -u
}

smtp_as milter-alice "$PG" alice rcpt@outside.example
relayed d-milter-verified-alice-relayed
check_eq d-postfix-smtpd-chrooted "$(smtpd_roots)" "$SPOOL"
smtp_as milter-stranger "$PG" tls rcpt@outside.example
refused d-milter-stranger-refused '^550 5\.7\.1 '
smtp_as policy-alice "$PP" alice rcpt@outside.example
relayed d-policyd-verified-alice-relayed
smtp_as policy-stranger "$PP" tls rcpt@outside.example
refused d-policyd-stranger-refused '^554 5\.7\.1 .*Relay access denied'
# the installed configuration's counters, where the units keep them
kill -USR2 "$MILTER_PID" "$POLICYD_PID"
for u in certrelay-milter certrelay-policyd; do
	check "d-stats-$u" wait_until 10 grep -q \
	    '^certrelay_decisions_total{.*action="RELAY"' "/var/lib/certrelay/$u.prom"
done

stop_pid "$MILTER_PID" 5 KILL
smtp_as milter-dead "$PG" alice rcpt@outside.example
refused d-milter-dead-4xx '^4[0-9][0-9] '
DEAD_TOKEN=$TOKEN
stop_pid "$POLICYD_PID" 5 KILL
smtp_as policy-dead "$PP" alice rcpt@outside.example
refused d-policyd-dead-4xx '^451 4\.3\.5 '
sleep 2
check d-dead-nothing-relayed eval '! sink_has "$TOKEN" &&
    ! sink_has "$DEAD_TOKEN" && pf_queue_empty'
# a crash leaves the socket file: the unit's line starts over it
check d-milter-stale-socket-left test -S "$MSOCK"
if unit_start certrelay-milter; then
	MILTER_PID=$LAST_PID
	smtp_as milter-again "$PG" alice rcpt@outside.example
	relayed d-milter-restarted-relays-again
else
	fail d-milter-restarted-relays-again "$(tail -3 "$T/certrelay-milter.log")"
fi
check d-milter-sigterm stop_pid "$MILTER_PID" 5 TERM
pf_stop

# ---- remove: the admin's tables stay; purge: all gone but the user
timeout 300 apt-get remove -y -q certrelay > "$T/remove.out" 2>&1
check_eq d-remove-exit "$?" 0
check d-remove-binaries-gone test ! -e /usr/sbin/certrelay-milter
check d-remove-keeps-edited-table grep -qxF "$ALICE" "$ETC/subjects"
check d-remove-keeps-edited-conf grep -qx 'local_domains = local.example' \
    "$ETC/certrelay.conf"
timeout 300 apt-get purge -y -q certrelay > "$T/purge.out" 2>&1
check_eq d-purge-exit "$?" 0
DEB_INSTALLED=
for d in "${LEFTOVERS[@]}"; do
	check "d-purge-gone-$d" test ! -e "$d"
done
check d-purge-units-disabled test ! -L \
    /etc/systemd/system/multi-user.target.wants/certrelay-milter.service
check d-purge-user-stays quiet getent passwd certrelay
e2e_summary
