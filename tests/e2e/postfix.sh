# postfix.sh - a private Postfix (and Dovecot for SASL) for the e2e tests.
# Sourced after lib.sh; bash.
#
#	pf_init CERTDIR		# $T/postfix/{etc,spool,data}, main.cf, master.cf
#	pf_set 'key = value'...	# main.cf edits (postconf -e)
#	pf_listener NAME PORT [OPTION...]	# smtpd on 127.0.0.1:PORT;
#				# OPTION is 'key = value' (-o { ... })
#	pf_spawn NAME USER ARGV...	# spawn(8) service (policy, spawn mode)
#	pf_start		# dovecot + postfix, waits for every listener
#	pf_stop			# by master PID (also done by the EXIT trap)
#	pf_log_mark / pf_log_has ERE [FROM]	# the maillog
#
# Mail for every domain (outside ones and local.example, which is in
# relay_domains) leaves through smtp:[127.0.0.1]:$SINK_PORT: start the sink
# first.  Needs root (master must be), postfix, dovecot-core, script(1).

PF_PORTS=()

# pf_preconditions - what the host lacks skips the test (e2e_skip)
pf_preconditions()
{
	[ "$(id -u)" -eq 0 ] ||
	    e2e_skip "not root: postfix master must run as root"
	need_cmd postfix postconf script swaks openssl dovecot timeout smtp-sink ||
	    e2e_skip "$NEED_WHY (contrib/install-deps.sh)"
	if ! getent passwd postfix >/dev/null || ! getent group postdrop \
	    >/dev/null; then
		e2e_skip "postfix user or postdrop group missing"
	fi
	[ -x "$(postconf -dh daemon_directory)/master" ] ||
	    e2e_skip "postfix master missing"
	return 0
}

pf_init()
{
	PF_CERTS=$1
	PF_DIR=$T/postfix
	PF_CONF=$PF_DIR/etc
	PF_QUEUE=$PF_DIR/spool
	PF_LOG=$PF_DIR/maillog
	PF_SASL_SOCKET=$T/dovecot/auth-client
	mkdir -p "$PF_CONF" "$PF_QUEUE" "$PF_DIR/data"
	chmod 755 "$PF_DIR" "$PF_CONF" "$PF_QUEUE"
	chown postfix "$PF_DIR/data"
	: > "$PF_LOG"
	cat > "$PF_CONF/main.cf" <<EOF
# Private test instance; nothing here is delivered locally.
compatibility_level = 3.6
queue_directory = $PF_QUEUE
data_directory = $PF_DIR/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $PF_LOG
maillog_file_prefixes = $T
myhostname = mx.test.example
mydomain = test.example
myorigin = \$myhostname
mydestination =
# local.example stands for the site's own domain: accepted without relay
# rights, then (like everything) sent to the sink.
relay_domains = local.example
relay_transport = smtp:[127.0.0.1]:$SINK_PORT
default_transport = smtp:[127.0.0.1]:$SINK_PORT
local_transport = error:no local delivery in tests
alias_maps =
alias_database =
local_recipient_maps =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 192.0.2.1/32
smtpd_relay_restrictions = reject
smtpd_peername_lookup = no
smtp_host_lookup = native
smtp_dns_support_level = disabled
append_dot_mydomain = no
biff = no
smtputf8_enable = no
delay_warning_time = 0
maximal_queue_lifetime = 1h
bounce_queue_lifetime = 1h
smtpd_banner = \$myhostname ESMTP
smtpd_tls_security_level = may
smtpd_tls_cert_file = $PF_CERTS/server.pem
smtpd_tls_key_file = $PF_CERTS/server.key
smtpd_tls_CAfile = $PF_CERTS/cafile.pem
smtpd_tls_ask_ccert = yes
smtpd_tls_fingerprint_digest = sha256
smtpd_tls_loglevel = 1
smtpd_sasl_type = dovecot
smtpd_sasl_path = $PF_SASL_SOCKET
smtpd_sasl_auth_enable = yes
smtpd_tls_auth_only = no
smtp_tls_security_level = none
EOF
	cat > "$PF_CONF/master.cf" <<'EOF'
# service type  private unpriv  chroot  wakeup  maxproc command
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

pf_set()
{
	postconf -c "$PF_CONF" -e "$@"
}

# pf_listener NAME PORT ['key = value'...]
pf_listener()
{
	local name=$1 port=$2 o
	shift 2
	{
		printf '127.0.0.1:%s inet n - n - - smtpd\n' "$port"
		printf '  -o syslog_name=postfix/%s\n' "$name"
		for o in "$@"; do
			printf '  -o { %s }\n' "$o"
		done
	} >> "$PF_CONF/master.cf"
	PF_PORTS+=("$port")
}

# pf_spawn NAME USER ARGV...
pf_spawn()
{
	local name=$1 user=$2
	shift 2
	printf '%s unix - n n - 0 spawn\n  user=%s argv=%s\n' \
	    "$name" "$user" "$*" >> "$PF_CONF/master.cf"
	pf_set "${name}_time_limit = 3600s"
}

pf_sasl_start()
{
	local d=$T/dovecot
	mkdir -p "$d/run" "$d/state"
	chmod 755 "$d"
	printf 'alice:{PLAIN}secret\n' > "$d/passwd"
	cat > "$d/dovecot.conf" <<EOF
# SASL only: no mail protocol, Postfix talks to the auth socket.
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
protocols = none
ssl = no
# Postfix decides whether clear-text AUTH is offered; the milter is the
# guard under test, so Dovecot must not refuse it first.
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $d/passwd
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent allow_all_users=yes
}
service auth {
  unix_listener $PF_SASL_SOCKET {
    mode = 0666
  }
}
service anvil {
  chroot =
}
EOF
	start_bg dovecot "$d/dovecot.out" dovecot -F -c "$d/dovecot.conf"
	PF_DOVECOT_PID=$LAST_PID
	wait_until 15 eval '[ -S "$PF_SASL_SOCKET" ] || ! pid_alive $PF_DOVECOT_PID'
	[ -S "$PF_SASL_SOCKET" ] || {
		note "dovecot did not create $PF_SASL_SOCKET"
		cat "$d/dovecot.out" "$d/dovecot.log" >&2 2>/dev/null
		return 1
	}
}

pf_start()
{
	local out=$PF_DIR/start.out pid p
	pf_sasl_start || return 1
	# postfix(1) reports start-up errors only to a tty or syslog:
	# script(1) gives it a tty whose output we keep.
	script -qec "postfix -c $PF_CONF start" /dev/null > "$out" 2>&1
	if ! wait_until 15 test -s "$PF_QUEUE/pid/master.pid"; then
		note "postfix did not start:"
		cat "$out" "$PF_LOG" >&2
		return 1
	fi
	pid=$(tr -dc 0-9 < "$PF_QUEUE/pid/master.pid")
	register_pid postfix-master "$pid"
	PF_MASTER_PID=$pid
	for p in "${PF_PORTS[@]}"; do
		wait_port "$p" 15 || {
			note "postfix listener $p not up"
			cat "$out" "$PF_LOG" >&2
			return 1
		}
	done
}

pf_stop()
{
	[ -n "${PF_MASTER_PID:-}" ] && stop_pid "$PF_MASTER_PID" 15
}

pf_log_mark() { log_mark "$PF_LOG"; }
pf_log_has() { log_has "$PF_LOG" "$1" "${2:-0}"; }

# pf_queue_empty - nothing left in the queue (not sent, not deferred)
pf_queue_empty()
{
	[ -z "$(find "$PF_QUEUE/incoming" "$PF_QUEUE/active" \
	    "$PF_QUEUE/deferred" "$PF_QUEUE/maildrop" -type f 2>/dev/null)" ]
}
