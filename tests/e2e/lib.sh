# lib.sh - shell helpers shared by the end-to-end tests (bash, sourced).
#
# MTA-neutral: the Postfix and Sendmail scripts both source it.
#
#	. "$E2E/lib.sh"
#	e2e_init NAME		# temp dir $T, EXIT trap, counters
#	pick_port VAR		# free 127.0.0.1 port in 20000-20999, reserved
#	start_bg NAME LOG CMD...	# background child, PID registered
#	register_pid NAME PID	# a daemon we did not fork (pid file)
#	stop_pid PID		# TERM, bounded wait, KILL
#	wait_port PORT [SECS]  wait_file FILE [SECS]
#	wait_log_line FILE ERE [SECS] [FROM_BYTE]	log_mark FILE
#	sink_start DIR		# smtp-sink -d, sets SINK_PORT SINK_DIR
#	sink_wait TOKEN [SECS]	sink_has TOKEN	# delivered mail by token
#	e2e_binaries [DIR]	# BUILD, MILTER, POLICYD, CLI
#	smtp OUT ARGS...	# swaks transcript into OUT
#	smtp_error OUT		# first 4xx/5xx reply in a transcript
#	smtp_as NAME PORT CLIENT RCPT [ARGS...]	# one transaction: OUT TOKEN ERR
#	queued; relayed NAME; refused NAME ERE	# the last transaction's outcome
#	raw_open PORT / raw_cmd LINE / raw_close	# hand-driven session
#	check NAME CMD...	check_eq NAME GOT WANT
#	check_match NAME GOT ERE	check_nomatch NAME GOT ERE
#	fail NAME WHY		pass NAME
#	e2e_summary		# "N passed, N failed", exit status
#	bail WHY		# fail every case of CASES, summary, exit
#	e2e_skip WHY		# this host cannot run the test: exit 77
#
# Every process is stopped by PID from the EXIT trap, never by name.
# Every loop is bounded.  What the host lacks (root, an MTA's tools) is a
# skip, exit 77 (ctest SKIP_RETURN_CODE), so a contributor's ctest stays
# green; under CERTRELAY_NO_SKIP=1 (tests/run-all, CI) it is a FAIL, never
# a silent pass.  Anything else missing (a binary not built, a setup step
# that fails) is always a FAIL.

E2E=${E2E:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
REPO=${REPO:-$(cd "$E2E/../.." && pwd)}
E2E_PASSED=0
E2E_FAILED=0
E2E_PIDS=()
E2E_PIDNAMES=()
E2E_PORTLOCKS=/tmp/certrelay-e2e-ports
E2E_OWNER=$$
# postfix, postconf, smtp-sink, dovecot live in sbin
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac

note() { printf '# %s\n' "$*" >&2; }

# e2e_binaries [DIR] - BUILD (absolute; default $REPO/build) and the
# programs the tests run from it: MILTER, POLICYD, CLI
e2e_binaries()
{
	BUILD=$(cd "${1:-$REPO/build}" 2>/dev/null && pwd) ||
	    { echo "no build directory ${1:-$REPO/build}" >&2; exit 2; }
	MILTER=$BUILD/milter/certrelay-milter
	POLICYD=$BUILD/policyd/certrelay-policyd
	CLI=$BUILD/tools/certrelay
}

# e2e_init - a private temp dir (755: Postfix and nobody must traverse it)
e2e_init()
{
	T=$(mktemp -d "${E2E_TMPDIR:-/tmp}/certrelay-e2e-$1.XXXXXX") || exit 2
	chmod 755 "$T"
	trap e2e_cleanup EXIT
	trap 'exit 130' INT TERM HUP
	note "workdir $T"
}

pass()
{
	E2E_PASSED=$((E2E_PASSED + 1))
	printf 'ok %s\n' "$1"
}

fail()
{
	E2E_FAILED=$((E2E_FAILED + 1))
	printf 'FAIL %s: %s\n' "$1" "$2"
}

# check NAME CMD... - passes when CMD exits 0
check()
{
	local name=$1 rc
	shift
	"$@"
	rc=$?
	if [ $rc -eq 0 ]; then
		pass "$name"
	else
		fail "$name" "got exit $rc from '$*', want 0"
	fi
}

check_eq()
{
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "got '$2', want '$3'"
	fi
}

check_match()
{
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then
		pass "$1"
	else
		fail "$1" "got '$2', want match of /$3/"
	fi
}

check_nomatch()
{
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then
		fail "$1" "got '$2', want no match of /$3/"
	else
		pass "$1"
	fi
}

# quiet CMD... - for check: only the exit status matters
quiet() { "$@" >/dev/null 2>&1; }

# fail_all WHY NAME... - a missing precondition fails every case it blocks
fail_all()
{
	local why=$1 n
	shift
	for n in "$@"; do
		fail "$n" "precondition: $why"
	done
}

# e2e_skip WHY - the host lacks what the test needs; see the header
e2e_skip()
{
	if [ -n "${CERTRELAY_NO_SKIP:-}" ]; then
		fail precondition "$1 (CERTRELAY_NO_SKIP: a skip is a failure)"
		e2e_summary
		exit 1
	fi
	printf 'SKIP: %s\n' "$1"
	[ -n "${T:-}" ] && rm -rf "$T"	# nothing ran: nothing to inspect
	exit 77
}

e2e_summary()
{
	if [ $((E2E_PASSED + E2E_FAILED)) -eq 0 ]; then
		fail "summary" "no check ran"
	fi
	printf '%d passed, %d failed\n' "$E2E_PASSED" "$E2E_FAILED"
	[ "$E2E_FAILED" -eq 0 ]
}

# bail WHY - a set-up step failed: every case of CASES fails with WHY
bail() { fail_all "$1" "${CASES[@]}"; e2e_summary; exit; }

# pid_alive - a zombie counts as gone (kill -0 would say alive)
pid_alive()
{
	local st
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

register_pid()
{
	E2E_PIDNAMES+=("$1")
	E2E_PIDS+=("$2")
}

# start_bg NAME LOG CMD... - sets LAST_PID
start_bg()
{
	local name=$1 log=$2
	shift 2
	"$@" </dev/null >>"$log" 2>&1 &
	LAST_PID=$!
	# no "Killed" job notice when a test kills it on purpose
	disown "$LAST_PID" 2>/dev/null
	register_pid "$name" "$LAST_PID"
}

# stop_pid PID [SECS] [SIG] - 0 once gone after SIG, 2 if it took a KILL,
# 1 if even that failed
stop_pid()
{
	local pid=$1 secs=${2:-10} sig=${3:-TERM} i
	pid_alive "$pid" || return 0
	kill -"$sig" "$pid" 2>/dev/null
	for ((i = 0; i < secs * 10; i++)); do
		pid_alive "$pid" || return 0
		sleep 0.1
	done
	note "pid $pid ignored SIG$sig for ${secs}s: KILL"
	kill -KILL "$pid" 2>/dev/null
	for ((i = 0; i < 30; i++)); do
		pid_alive "$pid" || return 2
		sleep 0.1
	done
	return 1
}

# e2e_stop_hooks - extra stop commands (e.g. a file to remove) run first
E2E_STOP_HOOKS=()

e2e_cleanup()
{
	local rc=$? i h
	for h in "${E2E_STOP_HOOKS[@]}"; do
		eval "$h"
	done
	for ((i = ${#E2E_PIDS[@]} - 1; i >= 0; i--)); do
		stop_pid "${E2E_PIDS[$i]}" 10
		[ $? -eq 1 ] &&
		    note "could not stop ${E2E_PIDNAMES[$i]} (pid ${E2E_PIDS[$i]})"
	done
	port_release_all
	if [ -n "${T:-}" ] && [ -d "$T" ]; then
		rmdir "$T" 2>/dev/null	# nothing to inspect
		if [ ! -d "$T" ]; then
			:
		elif [ $rc -eq 0 ] && [ -z "${E2E_KEEP:-}" ]; then
			rm -rf "$T"
		else
			note "kept $T for inspection"
		fi
	fi
	exit $rc
}

# pick_port VAR - reserves with mkdir (atomic) so parallel scripts that
# source this file never get the same port; stale reservations whose owner
# is dead are taken over.
pick_port()
{
	local var=$1 start p i owner
	mkdir -p "$E2E_PORTLOCKS" 2>/dev/null
	chmod 1777 "$E2E_PORTLOCKS" 2>/dev/null
	start=$(( (RANDOM * 32768 + RANDOM + $$) % 1000 ))
	for ((i = 0; i < 1000; i++)); do
		p=$((20000 + (start + i) % 1000))
		if ! mkdir "$E2E_PORTLOCKS/$p" 2>/dev/null; then
			owner=$(cat "$E2E_PORTLOCKS/$p/owner" 2>/dev/null)
			if [ -n "$owner" ] && ! pid_alive "$owner"; then
				rm -rf "${E2E_PORTLOCKS:?}/$p"
				mkdir "$E2E_PORTLOCKS/$p" 2>/dev/null || continue
			else
				continue
			fi
		fi
		echo "$E2E_OWNER" > "$E2E_PORTLOCKS/$p/owner"
		if port_busy "$p"; then
			continue	# in use by someone else: keep it reserved
		fi
		printf -v "$var" '%s' "$p"
		return 0
	done
	note "no free port in 20000-20999"
	return 1
}

port_release_all()
{
	local d
	for d in "$E2E_PORTLOCKS"/*; do
		[ -f "$d/owner" ] || continue
		[ "$(cat "$d/owner" 2>/dev/null)" = "$E2E_OWNER" ] && rm -rf "$d"
	done
}

# wait_until SECS CMD... - polls every 0.1 s
wait_until()
{
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

# ss(8) (iproute2) sees every socket state; without it, try to connect
# (the listener then sees one empty connection).
port_listening()
{
	if command -v ss >/dev/null 2>&1; then
		[ -n "$(ss -Htln "( sport = :$1 )" 2>/dev/null)" ]
	else
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}

port_busy()
{
	if command -v ss >/dev/null 2>&1; then
		[ -n "$(ss -Htan "( sport = :$1 )" 2>/dev/null)" ]
	else
		port_listening "$1"
	fi
}
wait_port() { wait_until "${2:-15}" port_listening "$1"; }
wait_file() { wait_until "${2:-15}" test -e "$1"; }
wait_gone() { wait_until "${2:-10}" eval "! pid_alive $1"; }

# log_mark FILE - current size, to look only at lines logged afterwards
log_mark() { stat -c %s "$1" 2>/dev/null || echo 0; }

log_has() { tail -c +"$(( ${3:-0} + 1 ))" "$1" 2>/dev/null | grep -Eq -- "$2"; }

# wait_log_line FILE ERE [SECS] [FROM_BYTE]
wait_log_line() { wait_until "${3:-15}" log_has "$1" "$2" "${4:-0}"; }

# sink_start DIR - an SMTP server that writes each transaction to a file
sink_start()
{
	local sink user=()
	SINK_DIR=$1
	mkdir -p "$SINK_DIR"
	chmod 777 "$SINK_DIR"
	sink=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)
	[ -x "$sink" ] || { note "smtp-sink missing"; return 1; }
	[ "$(id -u)" -eq 0 ] && user=(-u nobody)
	pick_port SINK_PORT || return 1
	start_bg smtp-sink "$T/smtp-sink.log" "$sink" "${user[@]}" \
	    -h sink.test.example -d "$SINK_DIR/%Y%m%d%H%M%S." \
	    "127.0.0.1:$SINK_PORT" 64
	wait_port "$SINK_PORT" 10
}

# Each test message ends with a line "E2E-END <token>": a file holding it
# is complete (smtp-sink writes as it receives).
sink_file() { grep -lsF -- "E2E-END $1" "$SINK_DIR"/* 2>/dev/null | head -1; }
sink_has() { [ -n "$(sink_file "$1")" ]; }

# sink_wait TOKEN [SECS] - prints the file once delivered
sink_wait()
{
	wait_until "${2:-20}" sink_has "$1" && sink_file "$1"
}

# smtp OUT TOKEN ARGS... - one swaks transaction, transcript in OUT.
# ARGS are swaks options (--server/--port/--to...); the body ends with the
# token line that sink_wait looks for.
smtp()
{
	local out=$1 token=$2
	shift 2
	timeout 60 swaks --timeout 20 --helo client.test.example \
	    --header "Subject: certrelay e2e $token" \
	    --body "certrelay end-to-end test message.
E2E-END $token" "$@" >"$out" 2>&1
}

# smtp_error OUT - first error reply (4xx/5xx), without swaks' prefix
smtp_error()
{
	grep -E '^ *<(\*\*|~\*) +[45][0-9][0-9]' "$1" | head -1 |
	    sed -E 's/^ *<(\*\*|~\*) +//'
}

# smtp_as NAME PORT CLIENT RCPT [SWAKS-OPTION...] - one transaction to
# 127.0.0.1:PORT from ${FROM:-e2e@sender.example}; CLIENT: none, tls (no
# certificate) or the name of a certificate in $CERTS. Sets OUT (the
# transcript, $T/smtp-NAME.out), TOKEN and ERR (smtp_error).
smtp_as()
{
	local name=$1 port=$2 client=$3 rcpt=$4 tls=()
	shift 4
	TOKEN=$name-$$-$RANDOM
	OUT=$T/smtp-$name.out
	case $client in
	none)	;;
	tls)	tls=(--tls) ;;
	*)	tls=(--tls --tls-cert "$CERTS/$client.pem"
		    --tls-key "$CERTS/$client.key") ;;
	esac
	smtp "$OUT" "$TOKEN" --server 127.0.0.1 --port "$port" \
	    --from "${FROM:-e2e@sender.example}" --to "$rcpt" "${tls[@]}" "$@"
	ERR=$(smtp_error "$OUT")
}

# smtp_last OUT - last server reply line
smtp_last()
{
	grep -E '^ *<(-|~|\*\*|~\*) +[0-9]{3}' "$1" | tail -1 |
	    sed -E 's/^ *<(-|~|\*\*|~\*) +//'
}

# The outcome of the last transaction: $OUT its transcript, $ERR its first
# error reply (smtp_error), $TOKEN the token of its message.
# queued - the MTA took it (Postfix "queued as", Sendmail "accepted for
# delivery")
queued() { grep -Eq 'queued as|accepted for delivery' "$OUT"; }

# relayed NAME - taken and arrived at the sink; sets MAIL to its file
relayed()
{
	MAIL=
	if [ -n "$ERR" ] || ! queued; then
		fail "$1" "got '${ERR:-$(smtp_last "$OUT")}', want 250 queued"
		return 1
	fi
	MAIL=$(sink_wait "$TOKEN" 20)
	if [ -z "$MAIL" ]; then
		fail "$1" "queued but not delivered to the sink in 20s"
		return 1
	fi
	pass "$1"
}

# refused NAME ERE - the first error reply matches ERE and nothing queued
refused()
{
	if queued; then
		fail "$1" "got queued ($(smtp_last "$OUT")), want /$2/"
	elif [ -z "$ERR" ]; then
		fail "$1" "got '$(smtp_last "$OUT")', want /$2/"
	else
		check_match "$1" "$ERR" "$2"
	fi
}

# header_lines FILE NAME - the message headers called NAME (unfolded)
header_lines()
{
	awk -v h="$2" '
	    BEGIN { h = tolower(h) ":" }
	    /^$/ { exit }
	    /^[ \t]/ { if (keep) cur = cur $0; next }
	    { if (keep) print cur; keep = (tolower(substr($0, 1, length(h))) == h); cur = $0 }
	    END { if (keep) print cur }' "$1"
}

# A hand-driven plain SMTP session, for steps that swaks cannot pause
# between (e.g. kill a daemon after MAIL, before RCPT).
#	raw_open PORT; raw_cmd 'MAIL FROM:<a@b>'; echo "$RAW_REPLY"; raw_close
raw_open()
{
	exec {RAW_FD}<>"/dev/tcp/127.0.0.1/$1" || return 1
	raw_reply
}

# raw_reply - reads one (multi-line) reply; RAW_REPLY = its last line
raw_reply()
{
	local line i
	RAW_REPLY=
	for ((i = 0; i < 100; i++)); do
		IFS= read -r -t 30 -u "$RAW_FD" line || return 1
		line=${line%$'\r'}
		if [[ $line =~ ^[0-9]{3}( |$) ]]; then
			RAW_REPLY=$line
			return 0
		fi
	done
	return 1
}

raw_cmd()
{
	printf '%s\r\n' "$1" 1>&"$RAW_FD" || return 1
	raw_reply
}

raw_close()
{
	[ -n "${RAW_FD:-}" ] || return 0
	printf 'QUIT\r\n' 2>/dev/null 1>&"$RAW_FD"
	exec {RAW_FD}>&-
	RAW_FD=
}

# need_cmd NAME... - a missing tool is reported, caller fails its cases
need_cmd()
{
	local c missing=
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
	done
	[ -z "$missing" ] && return 0
	NEED_WHY="missing:$missing"
	return 1
}
