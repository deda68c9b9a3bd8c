#!/bin/bash
# binding.sh BUILD - issue 17 end to end: the certificate owns the
# envelope sender, per-certificate rate limits, and the address-spread
# warning, through the real Postfix (certrelay-policyd in socket mode; the
# gatekeeper certrelay-milter) and the real Sendmail (certrelay-milter).
#
# certs.sh gives alice the subject emailAddress and the subjectAltName
# alice.martin@umr7503.example, bob bob.durand@umr9999.example, both under
# CNRS-Plus.  Each front-end runs one rule set: alice and bob relay by
# certificate, sender_binding on (policy server: cert-email through the
# certificate index, Postfix gives it CNs only; Postfix milter: a sender
# table keyed by CN, all Postfix shows a milter; Sendmail: cert-email from
# the subject), rate_limit = 5/hour, max_client_addresses = 2.
# Cases, for each front-end (a = policy server, b = Postfix milter,
# c = Sendmail):
#   1 alice as alice.martin@umr7503.example: relayed (b: the trace header
#     names the binding)
#   2 alice as bob: 553 5.7.1 not owned by the client certificate; the
#     null sender <> relayed (a bounce)
#   3 rate: alice's 6th relayed recipient gets 452 4.7.1 (the first was
#     case 1's, <>'s the second; the refused one of case 2 does not
#     count), one warning line; bob unaffected
#   4 (a, b) alice from 127.0.0.2 and .3 (local recipients, not counted):
#     one warning "more than 2 client addresses"
#   5 (a) SIGHUP keeps the counts: alice still 452
# Output: "ok NAME" / "FAIL NAME: ..." lines, then "N passed, N failed".
set -u
E2E=$(cd "$(dirname "$0")" && pwd)
. "$E2E/lib.sh"
. "$E2E/postfix.sh"
. "$E2E/sendmail-setup.sh"
e2e_binaries "${1:-}"

e2e_init binding
pf_preconditions
need_cmd m4 unshare saslpasswd2 perl ||
    e2e_skip "$NEED_WHY (contrib/install-deps.sh)"
for b in "$POLICYD" "$MILTER" "$CLI"; do
	[ -x "$b" ] || { fail setup "$b not built"; e2e_summary; exit; }
done

C=$T/certs
ETC=$T/etc
mkdir -p "$ETC" "$T/out"
chmod 755 "$ETC"
sh "$E2E/certs.sh" "$C" > "$T/certs.log" 2>&1 ||
    { fail setup "certs.sh: $(tail -3 "$T/certs.log")"; e2e_summary; exit; }
sink_start "$T/sink" || { fail setup "smtp-sink did not start"; e2e_summary; exit; }

ALICE=alice.martin@umr7503.example
BOB=bob.durand@umr9999.example
OWNED='^553 5\.7\.1 .*Sender address rejected: not owned by the client certificate'
TOOMANY='^452 4\.7\.1 .*Too many recipients from this certificate, try again later'

# ruleset NAME LINE... - $ETC/NAME/certrelay.conf, tables compiled
ruleset()
{
	local d=$ETC/$1 l
	shift
	{
		echo "local_domains = local.example"
		echo "trusted_networks = 192.0.2.0/24"
		echo "rate_limit = 5/hour"
		echo "max_client_addresses = 2"
		for l in "$@"; do echo "$l"; done
	} > "$d/certrelay.conf"
	chmod -R a+rX "$d"
	"$CLI" compile -c "$d/certrelay.conf" > "$d/compile.out" 2>&1 || {
		note "compile $d: $(head -3 "$d/compile.out")"
		return 1
	}
}

# send NAME PORT CERT FROM RCPTS [SWAKS-ARGS] - one transaction; sets
# OUT, TOKEN, ERR (first 4xx/5xx reply)
send()
{
	local name=$1 port=$2 cert=$3 from=$4 rcpts=$5
	shift 5
	TOKEN=$name-$$-$RANDOM
	OUT=$T/out/$name
	smtp "$OUT" "$TOKEN" --server 127.0.0.1 --port "$port" \
	    --from "$from" --to "$rcpts" --tls --tls-cert "$C/$cert.pem" \
	    --tls-key "$C/$cert.key" "$@"
	ERR=$(smtp_error "$OUT")
}

# refused NAME ERE - the first error reply matches ERE; unlike lib.sh's,
# the message may be queued (a 452 for the 6th recipient, the others taken)
refused() { check_match "$1" "${ERR:-$(smtp_last "$OUT")}" "$2"; }

# rcpt_reply OUT RCPT - the server's reply to that RCPT TO
rcpt_reply()
{
	grep -A1 -F -- "RCPT TO:<$2>" "$1" | tail -1 |
	    sed -E 's/^ *<(-|~|\*\*|~\*) +//'
}

# rate_case P PORT LOG - alice has relayed 2 recipients (case 1 and <>):
# 3 more pass, the 6th gets 452 4.7.1 and one warning; bob still relays
rate_case()
{
	local p=$1 port=$2 log=$3 k
	send "$p-3-rate" "$port" alice "$ALICE" \
	    "r3-$p@outside.example,r4-$p@outside.example,r5-$p@outside.example,r6-$p@outside.example"
	for k in 3 4 5; do
		check_match "$p-3-rcpt-$k-accepted" \
		    "$(rcpt_reply "$OUT" "r$k-$p@outside.example")" '^250 '
	done
	check_match "$p-3-6th-recipient-452" \
	    "$(rcpt_reply "$OUT" "r6-$p@outside.example")" "$TOOMANY"
	check "$p-3-three-delivered" wait_until 20 sink_has "$TOKEN"
	send "$p-3-more" "$port" alice "$ALICE" "r7-$p@outside.example"
	refused "$p-3-still-452" "$TOOMANY"
	check "$p-3-one-warning" wait_log_line "$log" \
	    'warning: certificate reached its rate limit \(5/hour\)' 5
	check_eq "$p-3-warned-once" "$(grep -c 'reached its rate limit' \
	    "$log")" 1
	send "$p-3-bob" "$port" bob "$BOB" "bob-$p@outside.example"
	relayed "$p-3-bob-unaffected"
}

# spread_case P PORT LOG - alice from two more addresses (3 in all):
# local recipients, so nothing counted, one warning
spread_case()
{
	local p=$1 port=$2 log=$3 a
	for a in 127.0.0.2 127.0.0.3; do
		send "$p-4-$a" "$port" alice "$ALICE" "x-$p@local.example" \
		    --local-interface "$a"
		relayed "$p-4-from-$a-local-relayed"
	done
	check "$p-4-spread-warning" wait_log_line "$log" \
	    'certificate used from more than 2 client addresses.*client=127\.0\.0\.3' 5
	check_eq "$p-4-warned-once" "$(grep -c 'more than 2 client addresses' \
	    "$log")" 1
}

# ------------------------------------------------ the three rule sets
mkdir -p "$ETC/pol/certs" "$ETC/pfm" "$ETC/sm"
cp "$C/alice.pem" "$C/bob.pem" "$ETC/pol/certs/"
printf 'CN=CNRS-Plus\tRELAY\n' > "$ETC/pol/issuers"
ruleset pol "issuer_table = $ETC/pol/issuers" "cert_index = $ETC/pol/certs" \
    "index_ca_file = $C/cafile.pem" "sender_binding = cert-email" ||
    { fail setup "policy rule set"; e2e_summary; exit; }
printf '%s\n' 'CN=Alice\20Martin issuer=CN=CNRS-Plus RELAY' \
    'CN=Bob\20Durand issuer=CN=CNRS-Plus RELAY' > "$ETC/pfm/subjects"
printf '%s\n' '# Postfix shows a milter the CN: the key is the CN' \
    "CN=Alice\\20Martin issuer=CN=CNRS-Plus $ALICE" \
    "CN=Bob\\20Durand issuer=CN=CNRS-Plus $BOB" > "$ETC/pfm/senders"
ruleset pfm "subject_table = $ETC/pfm/subjects" "sender_binding = table" \
    "sender_table = $ETC/pfm/senders" "gatekeeper = CRT" ||
    { fail setup "milter rule set"; e2e_summary; exit; }
printf '/C=FR/O=CNRS/CN=CNRS-Plus\tRELAY\n' > "$ETC/sm/issuers"
ruleset sm "issuer_table = $ETC/sm/issuers" "sendmail_openssl = 3" \
    "sender_binding = cert-email" "gatekeeper = CRT" ||
    { fail setup "sendmail rule set"; e2e_summary; exit; }

# ------------------------------------------------------------- Postfix
pick_port POLP
pick_port PFM
pick_port PA
pick_port PB
start_bg policyd "$T/policyd.log" "$POLICYD" -c "$ETC/pol/certrelay.conf" \
    -l "inet:$POLP@127.0.0.1" -f -j
POLPID=$LAST_PID
start_bg milter-pf "$T/milter-pf.log" "$MILTER" -c "$ETC/pfm/certrelay.conf" \
    -p "inet:$PFM@127.0.0.1" -f -j
if ! wait_port "$POLP" 10 || ! wait_port "$PFM" 10; then
	fail setup "daemons did not start: $(tail -2 "$T/policyd.log" \
	    "$T/milter-pf.log")"
	e2e_summary
	exit
fi
pf_init "$C"
# the milter's macros, as the shipped snippet lists them
mkdir -p "$T/snippet"
cp "$REPO/contrib/postfix/main.cf.milter" "$T/snippet/main.cf"
: > "$T/snippet/master.cf"
for m in connect helo mail rcpt; do
	pf_set "milter_${m}_macros = $(postconf -c "$T/snippet" -h \
	    "milter_${m}_macros")"
done
pf_listener pol "$PA" "smtpd_relay_restrictions = permit_mynetworks, \
check_policy_service inet:127.0.0.1:$POLP, reject_unauth_destination"
pf_listener gate "$PB" \
    'smtpd_relay_restrictions = check_client_access static:OK, reject' \
    "smtpd_milters = inet:127.0.0.1:$PFM" 'milter_default_action = tempfail' \
    'milter_macro_daemon_name = CRT'
pf_start || { fail setup "postfix did not start"; e2e_summary; exit; }

for p in a b; do
	if [ $p = a ]; then port=$PA log=$T/policyd.log; else port=$PB log=$T/milter-pf.log; fi
	send "$p-1" "$port" alice "$ALICE" "one-$p@outside.example"
	relayed "$p-1-alice-as-herself-relayed"
	if [ $p = b ] && [ -n "$MAIL" ]; then
		check_match "b-1-header-names-binding" \
		    "$(header_lines "$MAIL" X-Certrelay)" \
		    "binding=\"?table:$ETC/pfm/senders:2"
	fi
	send "$p-2" "$port" alice "$BOB" "two-$p@outside.example"
	refused "$p-2-alice-as-bob-553" "$OWNED"
	send "$p-2-null" "$port" alice "<>" "null-$p@outside.example"
	relayed "$p-2-null-sender-relayed"
	rate_case "$p" "$port" "$log"
	spread_case "$p" "$port" "$log"
done
# 5: a reload keeps the counts
mark=$(log_mark "$T/policyd.log")
kill -HUP "$POLPID"
check a-5-reloaded wait_log_line "$T/policyd.log" 'reloaded on SIGHUP' 5 "$mark"
send a-5 "$PA" alice "$ALICE" "five@outside.example"
refused "a-5-count-survives-reload" "$TOOMANY"
check a-5-same-process pid_alive "$POLPID"
pf_stop

# ------------------------------------------------------------ Sendmail
if ! sm_fetch; then
	fail sendmail "cannot unpack sendmail"
	e2e_summary
	exit
fi
sm_pick_port SM_PORT && sm_pick_port SM_GATE_PORT && sm_pick_port MPORT ||
    { fail sendmail "no ports"; e2e_summary; exit; }
SMDIR=$T/sendmail
mkdir -p "$SMDIR"
SM_SINK_PORT=$SINK_PORT SM_TLS=$C SM_MILTER="inet:$MPORT@127.0.0.1"
E2E_STOP_HOOKS+=("sm_stop '$SMDIR'")
sm_configure "$SMDIR" || { fail sendmail "sm_configure"; e2e_summary; exit; }
start_bg milter-sm "$T/milter-sm.log" "$MILTER" -c "$ETC/sm/certrelay.conf" \
    -p "inet:$MPORT@127.0.0.1" -f
wait_port "$MPORT" 10 || { fail sendmail "milter did not start"; e2e_summary; exit; }
sm_start "$SMDIR" || { fail sendmail "sendmail did not start"; e2e_summary; exit; }
send c-1 "$SM_GATE_PORT" alice "$ALICE" "one-c@outside.example"
relayed c-1-alice-as-herself-relayed
[ -n "$MAIL" ] && check_match c-1-header-names-binding \
    "$(header_lines "$MAIL" X-Certrelay)" 'binding=cert-email'
send c-2 "$SM_GATE_PORT" alice "$BOB" "two-c@outside.example"
refused c-2-alice-as-bob-553 "$OWNED"
send c-2-null "$SM_GATE_PORT" alice "<>" "null-c@outside.example"
relayed c-2-null-sender-relayed
rate_case c "$SM_GATE_PORT" "$T/milter-sm.log"

e2e_summary
