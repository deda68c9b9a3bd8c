# shellcheck shell=bash
#
# sendmail-setup.sh - a private Sendmail 8.17 for the end-to-end tests
#
# SYNOPSIS
#	. tests/e2e/sendmail-setup.sh
#	sm_fetch                       # unpack sendmail once, cached
#	SM_PORT=.. SM_SINK_PORT=.. SM_MILTER=inet:PORT@127.0.0.1 \
#	SM_TLS=CERTDIR sm_configure DIR
#	sm_start DIR; ...; sm_stop DIR  # DIR/maillog: Sendmail's syslog
#	sm_pick_port VAR               # a free port in 21000-21999
#	sm_bt CF <commands             # sendmail -bt, to test rulesets
# DESCRIPTION
#	The Debian sendmail-bin package conflicts with postfix, which the
#	other end-to-end tests need, so sendmail is never installed: its
#	.debs are fetched with `apt-get download` and unpacked with `dpkg -x`
#	under SM_CACHE (default /var/cache/certrelay-e2e/sendmail), once.
#	sendmail.cf is built with m4 from the unpacked cf/ tree.
#
#	What it took to make the unpacked sendmail run:
#	- DontBlameSendmail: every path is under /tmp, which is world
#	  writable; without it sendmail silently drops STARTTLS and refuses
#	  the alias file.
#	- its own UTS namespace (`unshare --uts`) with host name
#	  mx.test.example: with a host name without a dot sendmail sleeps
#	  60 s at every start ("My unqualified host name unknown").
#	- SASL: sendmail clears its environment, so libsasl2 reads only
#	  /etc/sasl2/Sendmail.conf.  We write it only when absent, with a
#	  marker naming our directory, and remove it at sm_stop only if it
#	  is still ours.  The sasldb lives in DIR.  AuthOptions=A (no p):
#	  plaintext AUTH is offered, so the milter has to refuse it.
#	- syslog: the machine may have no /dev/log.  sendmail runs in its
#	  own mount namespace where /dev is a small tmpfs holding the few
#	  device nodes it needs and a /dev/log that points at a socket in
#	  DIR; a perl reader writes DIR/maillog.  Nothing outside changes.
#	Sendmail relays for 127.0.0.1 by its own rules ("originated
#	locally"), so in these tests the milter is the gate (gatekeeper).
#
#	Every function returns non-zero with a message on stderr on failure;
#	nothing here exits the caller.  Processes are stopped by PID only.
# ENVIRONMENT
#	SM_CACHE	where the unpacked sendmail is kept
#	SM_PORT		SMTP listener (127.0.0.1 only), Name=MTA
#	SM_GATE_PORT	optional second listener, Name=CRT (the shipped
#			snippet's gatekeeper listener name); same milter
#	SM_SINK_PORT	where every message is relayed (smtp-sink)
#	SM_MILTER	milter socket; empty = no INPUT_MAIL_FILTER
#	SM_MILTER_FLAGS	default F=T (a dead milter tempfails: never an open relay)
#	SM_TLS		dir with server.pem, server.key, cafile.pem
#	SM_SASL_USER/SM_SASL_PASS	default alice / secret

SM_CACHE=${SM_CACHE:-/var/cache/certrelay-e2e/sendmail}
SM_HOSTNAME=mx.test.example
SM_SASL_USER=${SM_SASL_USER:-alice}
SM_SASL_PASS=${SM_SASL_PASS:-secret}
SM_SASL_CONF=/etc/sasl2/Sendmail.conf
# Every macro the certrelay rules can use; Sendmail sends none of
# {verify}, {cert_fp}, {cert_md5} unless its configuration names them.
SM_CERT_MACROS='{verify}, {cert_fp}, {cert_subject}, {cert_issuer}, {tls_version}, {cipher}, {cipher_bits}, {auth_type}, {auth_authen}, {auth_ssf}'

sm_err() { echo "sendmail-setup: $*" >&2; }

# sm_fetch - make SM_ROOT hold an unpacked sendmail; sets SM_BIN, SM_CFDIR
sm_fetch()
{
	SM_ROOT=$SM_CACHE/root
	SM_BIN=$SM_ROOT/usr/libexec/sendmail/sendmail
	SM_CFDIR=$SM_ROOT/usr/share/sendmail/cf
	if [ -x "$SM_BIN" ] && [ -f "$SM_CFDIR/m4/cf.m4" ]; then
		sm_libs_ok
		return
	fi
	local p missing=
	for p in m4 unshare dpkg apt-get; do
		command -v "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	[ -e /usr/lib/x86_64-linux-gnu/liblockfile.so.1 ] ||
	    ldconfig -p 2>/dev/null | grep -q 'liblockfile.so.1' ||
	    missing="$missing liblockfile1"
	if [ -n "$missing" ]; then
		sm_err "missing:$missing (apt-get install m4 liblockfile1)"
		return 1
	fi
	mkdir -p "$SM_CACHE/debs" || return 1
	# apt-get download writes into the current directory; _apt cannot
	# write to a root-only dir, so it falls back to root (a warning).
	if ! (cd "$SM_CACHE/debs" && apt-get -q download \
	    sendmail-bin sendmail-cf sendmail-base >download.log 2>&1); then
		sm_err "apt-get download failed; running apt-get update once"
		apt-get -q update >"$SM_CACHE/debs/update.log" 2>&1
		(cd "$SM_CACHE/debs" && apt-get -q download \
		    sendmail-bin sendmail-cf sendmail-base >download.log 2>&1) || {
			sm_err "apt-get download failed:"
			tail -5 "$SM_CACHE/debs/download.log" >&2
			return 1
		}
	fi
	rm -rf "$SM_ROOT.new" && mkdir -p "$SM_ROOT.new" || return 1
	local d
	for d in "$SM_CACHE"/debs/sendmail-*.deb; do
		dpkg -x "$d" "$SM_ROOT.new" || { sm_err "dpkg -x $d failed"; return 1; }
	done
	rm -rf "$SM_ROOT" && mv "$SM_ROOT.new" "$SM_ROOT" || return 1
	[ -x "$SM_BIN" ] || { sm_err "no $SM_BIN in the .debs"; return 1; }
	sm_libs_ok
}

# sm_libs_ok - sendmail-bin's Depends are not installed by dpkg -x
sm_libs_ok()
{
	if ldd "$SM_BIN" | grep -q 'not found'; then
		sm_err "sendmail lacks libraries (apt-get install libdb5.3" \
		    "libldap-2.5-0 libnsl2 libwrap0 libsasl2-2 libssl3):"
		ldd "$SM_BIN" | grep 'not found' >&2
		return 1
	fi
	# AUTH PLAIN/LOGIN come from plugins that libsasl2-2 only recommends.
	if ! ls /usr/lib/*/sasl2/libplain.so* >/dev/null 2>&1 ||
	    ! ls /usr/lib/*/sasl2/libsasldb.so* >/dev/null 2>&1; then
		sm_err "no SASL PLAIN or sasldb plugin (apt-get install" \
		    "libsasl2-modules libsasl2-modules-db)"
		return 1
	fi
}

# sm_configure - write DIR/sendmail.mc, build DIR/sendmail.cf, aliases, sasldb
sm_configure()
{
	local dir=$1 mc milter_line=
	[ -n "$SM_PORT" ] && [ -n "$SM_SINK_PORT" ] && [ -n "$SM_TLS" ] || {
		sm_err "sm_configure: set SM_PORT, SM_SINK_PORT, SM_TLS"; return 1; }
	mkdir -p "$dir/mqueue" "$dir/tls" || return 1
	chmod 700 "$dir/mqueue"
	# sendmail refuses a group- or world-readable key; copy, do not chmod
	# the shared test certificates.
	cp "$SM_TLS/server.pem" "$SM_TLS/cafile.pem" "$dir/tls/" &&
	    cp "$SM_TLS/server.key" "$dir/tls/server.key" &&
	    chmod 600 "$dir/tls/server.key" || return 1
	printf 'postmaster: root\nMAILER-DAEMON: postmaster\n' >"$dir/aliases"
	printf 'hosts files\naliases files\n' >"$dir/service.switch"
	printf '127.0.0.1 localhost %s\n' "$SM_HOSTNAME" >"$dir/hosts"
	printf '%s\n' "$SM_HOSTNAME" >"$dir/local-host-names"
	: >"$dir/statistics"
	if [ -n "$SM_MILTER" ]; then
		milter_line="INPUT_MAIL_FILTER(\`certrelay', \`S=$SM_MILTER, ${SM_MILTER_FLAGS:-F=T}, T=S:10s;R:10s;E:30s')"
	fi
	# built here, not as ${SM_GATE_PORT:+...} in the here-document:
	# there bash reads the quote in "Name=CRT'" as opening a string when
	# the port is unset and the lines up to the next quote vanish
	gate_line=
	[ -n "${SM_GATE_PORT:-}" ] &&
		gate_line="DAEMON_OPTIONS(\`Port=$SM_GATE_PORT, Addr=127.0.0.1, Name=CRT')dnl"
	mc=$dir/sendmail.mc
	cat >"$mc" <<EOF || return 1
divert(-1)
# certrelay end-to-end test: generated by tests/e2e/sendmail-setup.sh
divert(0)dnl
include(\`$SM_CFDIR/m4/cf.m4')dnl
VERSIONID(\`certrelay e2e')dnl
OSTYPE(\`linux')dnl
dnl Every path is under a world-writable /tmp: without these sendmail
dnl silently drops STARTTLS and refuses the alias file.
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit,GroupWritableDirPathSafe,WorldWritableAliasFile,GroupWritableAliasFile,AssumeSafeChown,NonRootSafeAddr,ForwardFileInUnsafeDirPath,DontWarnForwardFileInUnsafeDirPath')dnl
define(\`QUEUE_DIR', \`$dir/mqueue')dnl
define(\`STATUS_FILE', \`$dir/statistics')dnl
define(\`ALIAS_FILE', \`$dir/aliases')dnl
define(\`confPID_FILE', \`$dir/sendmail.pid')dnl
define(\`confCW_FILE', \`$dir/local-host-names')dnl
define(\`confSERVICE_SWITCH_FILE', \`$dir/service.switch')dnl
define(\`confHOSTS_FILE', \`$dir/hosts')dnl
define(\`confHOST_STATUS_DIRECTORY', \`')dnl
define(\`confDEAD_LETTER_DROP', \`$dir/dead.letter')dnl
define(\`confHELP_FILE', \`$SM_ROOT/etc/mail/helpfile')dnl
define(\`confDOMAIN_NAME', \`$SM_HOSTNAME')dnl
define(\`confLOG_LEVEL', \`14')dnl
define(\`confDELIVERY_MODE', \`background')dnl
define(\`confTO_CONNECT', \`5s')dnl
define(\`confTO_ICONNECT', \`5s')dnl
define(\`confTO_INITIAL', \`10s')dnl
define(\`confMAX_DAEMON_CHILDREN', \`20')dnl
define(\`confMIN_QUEUE_AGE', \`0')dnl
dnl No DNS here: names resolve from our hosts file or not at all.
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`no_default_msa')dnl
define(\`confBIND_OPTS', \`-DNSRCH -DEFNAMES')dnl
DAEMON_OPTIONS(\`Port=$SM_PORT, Addr=127.0.0.1, Name=MTA')dnl
$gate_line
dnl STARTTLS; the server asks every client for a certificate (VerifyCert
dnl is on by default: no "V" in TLSSrvOptions).
define(\`confCACERT_PATH', \`$dir/tls')dnl
define(\`confCACERT', \`$dir/tls/cafile.pem')dnl
define(\`confSERVER_CERT', \`$dir/tls/server.pem')dnl
define(\`confSERVER_KEY', \`$dir/tls/server.key')dnl
dnl Unset, {cert_fp} is not sent and {cert_md5} carries an MD5.
define(\`confCERT_FINGERPRINT_ALGORITHM', \`sha256')dnl
dnl Plaintext AUTH offered on purpose (no "p"): the milter must refuse it.
define(\`confAUTH_OPTIONS', \`A')dnl
define(\`confAUTH_MECHANISMS', \`PLAIN LOGIN')dnl
TRUST_AUTH_MECH(\`PLAIN LOGIN')dnl
dnl Neither {verify} nor {cert_fp} is sent to a milter by default.
define(\`confMILTER_MACROS_HELO', confMILTER_MACROS_HELO\`, $SM_CERT_MACROS')dnl
define(\`confMILTER_MACROS_ENVFROM', confMILTER_MACROS_ENVFROM\`, $SM_CERT_MACROS')dnl
define(\`confMILTER_MACROS_ENVRCPT', confMILTER_MACROS_ENVRCPT\`, $SM_CERT_MACROS')dnl
$milter_line
dnl Everything that is not local goes to the sink.
define(\`SMART_HOST', \`relay:[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $SM_SINK_PORT')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $SM_SINK_PORT')dnl
MAILER(\`local')dnl
MAILER(\`smtp')dnl
EOF
	m4 "$mc" >"$dir/sendmail.cf" 2>"$dir/m4.err" || {
		sm_err "m4 failed:"; cat "$dir/m4.err" >&2; return 1; }
	if [ -s "$dir/m4.err" ]; then
		sm_err "m4 warnings:"; cat "$dir/m4.err" >&2
	fi
	rm -f "$dir/sasldb2"
	printf '%s' "$SM_SASL_PASS" | saslpasswd2 -p -c -f "$dir/sasldb2" \
	    -u "$SM_HOSTNAME" "$SM_SASL_USER" || {
		sm_err "saslpasswd2 failed (apt-get install sasl2-bin)"; return 1; }
	chmod 600 "$dir/sasldb2"
}

# sm_sasl_conf - write /etc/sasl2/Sendmail.conf if absent (marked as ours)
sm_sasl_conf()
{
	local dir=$1
	local owner
	if [ -e "$SM_SASL_CONF" ]; then
		owner=$(sed -n 's/^# certrelay-e2e //p' "$SM_SASL_CONF" | head -1)
		[ "$owner" = "$dir" ] && return 0
		if [ -z "$owner" ] || [ -d "$owner" ]; then
			sm_err "$SM_SASL_CONF exists and is not ours: AUTH may not work"
			return 0
		fi
		# Left by a run that was killed: its directory is gone.
		rm -f "$SM_SASL_CONF"
	fi
	if [ ! -d /etc/sasl2 ]; then
		mkdir /etc/sasl2 && : >"$dir/made-etc-sasl2" || return 1
	fi
	cat >"$SM_SASL_CONF" <<EOF
# certrelay-e2e $dir
# Written by tests/e2e/sendmail-setup.sh; removed when that Sendmail stops.
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $dir/sasldb2
mech_list: PLAIN LOGIN
EOF
}

# sm_bt CF - sendmail -bt (address test mode) on CF, commands on stdin
sm_bt()
{
	timeout 20 unshare --uts sh -c 'hostname '"$SM_HOSTNAME"' && exec "$@"' \
	    sh "$SM_BIN" -C "$1" -bt
}

# sm_syslog_start - read syslog datagrams on DIR/log.sock into DIR/maillog
sm_syslog_start()
{
	local dir=$1
	rm -f "$dir/log.sock"
	perl -MSocket -e '
		socket(S, PF_UNIX, SOCK_DGRAM, 0) or die "socket: $!";
		bind(S, pack_sockaddr_un($ARGV[0])) or die "bind: $!";
		open(O, ">>", $ARGV[1]) or die "$ARGV[1]: $!";
		select(O); $| = 1;
		while (defined(recv(S, my $m, 8192, 0))) {
			$m =~ s/\0*\n?\z//; $m =~ s/^<\d+>//;
			print O "$m\n";
		}' "$dir/log.sock" "$dir/maillog" &
	echo $! >"$dir/syslog.pid"
	# Under tests/e2e/lib.sh its EXIT trap stops it too.
	type register_pid >/dev/null 2>&1 && register_pid sm-syslog $!
	local i
	for i in $(seq 1 50); do
		[ -S "$dir/log.sock" ] && return 0
		sleep 0.1
	done
	sm_err "syslog reader did not start"
	return 1
}

# sm_pick_port VAR - a free 127.0.0.1 port in 21000-21999 (the Sendmail
# tests' range; lib.sh's pick_port serves 20000-20999), reserved with
# mkdir in the same lock directory as lib.sh so parallel runs never collide.
sm_pick_port()
{
	local var=$1 locks=${E2E_PORTLOCKS:-/tmp/certrelay-e2e-ports}
	local owner_me=${E2E_OWNER:-$$} start p i owner
	mkdir -p "$locks" 2>/dev/null
	chmod 1777 "$locks" 2>/dev/null
	start=$(( (RANDOM * 32768 + RANDOM + $$) % 1000 ))
	for ((i = 0; i < 1000; i++)); do
		p=$((21000 + (start + i) % 1000))
		if ! mkdir "$locks/$p" 2>/dev/null; then
			owner=$(cat "$locks/$p/owner" 2>/dev/null)
			[ -n "$owner" ] && [ ! -d "/proc/$owner" ] || continue
			rm -rf "${locks:?}/$p"
			mkdir "$locks/$p" 2>/dev/null || continue
		fi
		echo "$owner_me" >"$locks/$p/owner"
		# In use by someone else: keep it reserved, try the next.
		sm_port_open "$p" && continue
		printf -v "$var" '%s' "$p"
		return 0
	done
	sm_err "no free port in 21000-21999"
	return 1
}

# sm_port_open - true when something listens on 127.0.0.1:PORT
sm_port_open()
{
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# sm_start - start the daemon in its own UTS and mount namespace
sm_start()
{
	local dir=$1 i pid
	sm_sasl_conf "$dir" || return 1
	sm_syslog_start "$dir" || return 1
	rm -f "$dir/sendmail.pid"
	# Inside the namespaces: host name, a private /dev whose log is our
	# socket, then sendmail, which forks and leaves its pid file.  If
	# mounting fails (no CAP_SYS_ADMIN) it still runs, without a log.
	unshare --uts --mount --propagation private sh -c '
		dir=$1; shift
		hostname '"$SM_HOSTNAME"' || exit 1
		mkdir -p "$dir/ns-dev"
		if mount --bind /dev "$dir/ns-dev" &&
		    mount -t tmpfs -o size=64k,mode=755 certrelay-dev /dev; then
			for n in null zero full random urandom tty; do
				: >"/dev/$n" && mount --bind "$dir/ns-dev/$n" "/dev/$n"
			done
			ln -s /proc/self/fd /dev/fd
			ln -s "$dir/log.sock" /dev/log
		else
			echo "sendmail-setup: no private /dev, no maillog" >&2
		fi
		exec "$@"' sh "$dir" \
	    "$SM_BIN" -C "$dir/sendmail.cf" -bd -q5s -X "$dir/traffic" \
	    >"$dir/start.out" 2>&1 || {
		sm_err "sendmail did not start:"; cat "$dir/start.out" >&2
		return 1
	}
	for i in $(seq 1 100); do
		if [ -s "$dir/sendmail.pid" ] && sm_port_open "$SM_PORT"; then
			pid=$(head -n1 "$dir/sendmail.pid")
			if kill -0 "$pid" 2>/dev/null; then
				type register_pid >/dev/null 2>&1 &&
				    register_pid sendmail "$pid"
				return 0
			fi
		fi
		sleep 0.1
	done
	sm_err "sendmail not listening on $SM_PORT after 10 s"
	cat "$dir/start.out" >&2
	tail -20 "$dir/maillog" >&2 2>/dev/null
	return 1
}

# sm_stop - stop sendmail and the syslog reader by PID; drop our SASL conf
sm_stop()
{
	local dir=$1 pid i
	if [ -s "$dir/sendmail.pid" ]; then
		pid=$(head -n1 "$dir/sendmail.pid")
		if kill "$pid" 2>/dev/null; then
			for i in $(seq 1 50); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			if kill -0 "$pid" 2>/dev/null; then
				sm_err "sendmail $pid ignored SIGTERM; SIGKILL"
				kill -9 "$pid"
			fi
		fi
		rm -f "$dir/sendmail.pid"
	fi
	if [ -s "$dir/syslog.pid" ]; then
		# Sendmail's delivery children may still log for a moment.
		sleep 0.2
		kill "$(cat "$dir/syslog.pid")" 2>/dev/null
		rm -f "$dir/syslog.pid"
	fi
	if [ -f "$SM_SASL_CONF" ] &&
	    grep -q "^# certrelay-e2e $dir\$" "$SM_SASL_CONF"; then
		rm -f "$SM_SASL_CONF"
	fi
	if [ -e "$dir/made-etc-sasl2" ]; then
		rmdir /etc/sasl2 2>/dev/null
		rm -f "$dir/made-etc-sasl2"
	fi
	return 0
}
