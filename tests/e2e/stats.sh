#!/bin/bash
# stats.sh [BUILD] - the daemons' counters and mode = warn, behind a real
# Postfix and a real Sendmail (issue 19)
#
# Two certrelay-milter and two certrelay-policyd daemons (one each with
# mode = enforce, one each with mode = warn), each writing its counters to
# its own stats_file, behind one private Postfix:
#   gate   CRT listener, Postfix relays for everyone, enforce milter gates
#   pol    check_policy_service (enforce policyd), reject_unauth_destination
#   wgate  CRT listener, warn milter gates
#   wmta   permit_mynetworks (127.0.0.0/8) with the warn milter, not gated
#   wpol   check_policy_service (warn policyd), then permit_mynetworks
# Cases:
#   s1 a dead table at reload (its .cdb gone): reload failed, counted;
#      back: reload ok, counted (both daemons)
#   s2 the mix: relayed pin (partner), relayed OU rule (alice, through the
#      certificate index), refused stranger, AUTH in clear, revoked pin;
#      on the milter: relayed CN rule, refused stranger, AUTH in clear
#   s3 SIGUSR2: the file is written at once; it parses with
#      python3-prometheus-client's parser and every decision counter,
#      the requests, the milter's sessions, the reloads and the rule hits
#      equal what was sent
#   s4 certrelay stats names the rule lines that matched and the ones
#      that did not; --json says the same; --plot draws a PNG
#   sm the milter's counters behind a real Sendmail (its CRT listener
#      gated): relayed pin ({cert_fp}), relayed OU rule (Sendmail's full
#      DN), refused stranger, AUTH in clear; the file's counters equal
#      what was sent, certrelay stats names the lines that did not match
#   w  warn: a client from mynetworks whose certificate a rule refuses is
#      relayed by Postfix's permit_mynetworks, the log says would=REJECT
#      (milter: a CN rule; policy server: a pinned fingerprint); on the
#      gated listener a stranger and that client are still refused; the
#      start-up lines say the mode and that the gate still refuses
# Output: "ok NAME" / "FAIL NAME: ..." lines, then "N passed, N failed".
set -u
E2E=$(cd "$(dirname "$0")" && pwd)
. "$E2E/lib.sh"
. "$E2E/postfix.sh"
. "$E2E/sendmail-setup.sh"
e2e_binaries "${1:-}"
PY=/usr/bin/python3
CASES=(s1-dead-table s2-mix s3-counters s4-certrelay-stats w-warn
    sm-sendmail)

e2e_init stats

preconditions()
{
	local b
	pf_preconditions || return 1
	for b in "$MILTER" "$POLICYD" "$CLI"; do
		[ -x "$b" ] || { NEED_WHY="$b not built"; return 1; }
	done
	"$PY" -c 'import prometheus_client' 2>/dev/null ||
	    e2e_skip "python3-prometheus-client missing (contrib/install-deps.sh)"
	need_cmd gnuplot ||
	    e2e_skip "gnuplot missing (gnuplot-nox, contrib/install-deps.sh)"
	return 0
}
preconditions || bail "$NEED_WHY"

CERTS=$T/certs
ETC=$T/etc
STATS=$T/stats
sh "$E2E/certs.sh" "$CERTS" > "$T/certs.log" 2>&1 ||
    bail "certs.sh failed: $(tail -3 "$T/certs.log")"
mkdir -p "$ETC" "$STATS"
chmod 755 "$ETC"

fp() { cat "$CERTS/$1.sha256"; }

# The tables: CN keys for the milter (Postfix gives it CNs only);
# fingerprints and, through the certificate index, full DNs for the
# policy server.
cat > "$ETC/subjects" <<'EOF'
# stats e2e: CN keys
CN=Alice\20Martin	issuer=CN=CNRS-Plus	RELAY
CN=Bob\20Durand	issuer=CN=CNRS-Plus	REJECT Bob is suspended
CN=Carol\20Petit	issuer=CN=CNRS-Standard	RELAY
EOF
{
	echo "# stats e2e: pins"
	printf '%s\tRELAY partner\n' "$(fp partner)"
	printf '%s\tREJECT Certificate revoked\n' "$(fp revoked)"
	printf '%s\tRELAY carol\n' "$(fp carol)"
} > "$ETC/fingerprints"
cat > "$ETC/attributes" <<'EOF'
issuer=/C=FR/O=CNRS/CN=CNRS-Plus attr=OU value=UMR7503 RELAY
issuer=/C=FR/O=CNRS/CN=CNRS-Plus attr=OU value=UMR0000 RELAY
EOF
mkdir -p "$ETC/certs"
cp "$CERTS/alice.pem" "$CERTS/bob.pem" "$ETC/certs/"

# conf NAME MODE TABLES... - $ETC/NAME.conf
conf()
{
	local name=$1 mode=$2 t
	shift 2
	{
		echo "local_domains = local.example"
		echo "trusted_networks = 192.0.2.0/24"
		echo "gatekeeper = CRT"
		echo "mode = $mode"
		echo "stats_file = $STATS/$name-%n.prom"
		echo "stats_interval = 3600"	# only at start and on SIGUSR2
		for t in "$@"; do
			case $t in
			subjects) echo "subject_table = $ETC/subjects" ;;
			fingerprints) echo "fingerprint_table = $ETC/fingerprints" ;;
			attributes)
				echo "attribute_table = $ETC/attributes"
				echo "cert_index = $ETC/certs"
				echo "index_ca_file = $CERTS/cafile.pem" ;;
			esac
		done
	} > "$ETC/$name.conf"
}
conf menf enforce subjects
conf mwarn warn subjects
conf penf enforce fingerprints attributes
conf pwarn warn fingerprints attributes
for c in menf penf; do
	"$CLI" compile -c "$ETC/$c.conf" > "$T/compile-$c.out" 2>&1 ||
	    bail "certrelay compile -c $c.conf: $(head -3 "$T/compile-$c.out")"
done

for p in PM PMW PP PPW PG PPOL PWG PWM PWP; do
	pick_port "$p" || bail "no free port"
done

# milter_start NAME CONF PORT - sets PID_NAME
milter_start()
{
	start_bg "milter-$1" "$T/$1.log" "$MILTER" -c "$ETC/$2.conf" \
	    -p "inet:$3@127.0.0.1" -f -j
	printf -v "PID_$1" '%s' "$LAST_PID"
	wait_port "$3" 10
}
policyd_start()
{
	start_bg "policyd-$1" "$T/$1.log" "$POLICYD" -c "$ETC/$2.conf" \
	    -l "inet:$3@127.0.0.1" -f -j
	printf -v "PID_$1" '%s' "$LAST_PID"
	wait_port "$3" 10
}
sink_start "$T/sink" || bail "smtp-sink did not start"
milter_start menf menf "$PM" && milter_start mwarn mwarn "$PMW" &&
    policyd_start penf penf "$PP" && policyd_start pwarn pwarn "$PPW" ||
    bail "a daemon did not start: $(tail -3 "$T"/*.log)"

pf_init "$CERTS"
pf_set 'milter_connect_macros = j {daemon_name} {client_addr} {client_name}' \
    'milter_helo_macros = {tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer} {auth_type} {auth_authen}' \
    'milter_mail_macros = i {auth_type} {auth_authen} {auth_author} {tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer} {mail_addr}' \
    'milter_rcpt_macros = i {rcpt_addr} {rcpt_mailer}'
gate()
{
	pf_listener "$1" "$2" \
	    'smtpd_relay_restrictions = check_client_access static:OK, reject' \
	    "smtpd_milters = inet:127.0.0.1:$3" \
	    'milter_default_action = tempfail' \
	    'milter_macro_daemon_name = CRT' 'smtpd_tls_auth_only = no'
}
gate gate "$PG" "$PM"
pf_listener pol "$PPOL" \
    "smtpd_relay_restrictions = check_policy_service inet:127.0.0.1:$PP, permit_sasl_authenticated, reject_unauth_destination" \
    'smtpd_tls_auth_only = no'
gate wgate "$PWG" "$PMW"
pf_listener wmta "$PWM" 'mynetworks = 127.0.0.0/8' \
    'smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination' \
    "smtpd_milters = inet:127.0.0.1:$PMW" 'milter_default_action = tempfail' \
    'milter_macro_daemon_name = MTA'
pf_listener wpol "$PWP" 'mynetworks = 127.0.0.0/8' \
    "smtpd_relay_restrictions = check_policy_service inet:127.0.0.1:$PPW, permit_mynetworks, reject_unauth_destination"
pf_start || bail "postfix did not start"

plain_auth=(--auth PLAIN --auth-user alice --auth-password secret)

# reload NAME SIGNAL ERE - signal the daemon, wait for its log line
reload()
{
	local pid mark
	eval "pid=\$PID_$1"
	mark=$(log_mark "$T/$1.log")
	kill -"$2" "$pid"
	wait_log_line "$T/$1.log" "$3" 5 "$mark"
}

# ---- s1: a dead table at reload, then back. The daemons look for a
# changed table once a second and try a broken set once: no signal, or
# the count would depend on which came first
mark_m=$(log_mark "$T/menf.log")
mark_p=$(log_mark "$T/penf.log")
mv "$ETC/subjects.cdb" "$ETC/subjects.cdb.away"
mv "$ETC/fingerprints.cdb" "$ETC/fingerprints.cdb.away"
check s1-milter-dead-table-reload-failed wait_log_line "$T/menf.log" \
    'reload failed, previous tables stay in service.*subjects' 5 "$mark_m"
check s1-policyd-dead-table-reload-failed wait_log_line "$T/penf.log" \
    'reload failed, previous tables stay in service.*fingerprints' 5 \
    "$mark_p"
# back as it was: the tables in service are those files, so only a
# signal reloads
mv "$ETC/subjects.cdb.away" "$ETC/subjects.cdb"
mv "$ETC/fingerprints.cdb.away" "$ETC/fingerprints.cdb"
check s1-milter-reload-ok reload menf USR1 'reloaded on SIGHUP'
check s1-policyd-reload-ok reload penf HUP 'reloaded on SIGHUP'

# ---- s2: the mix
smtp_as s2m1 "$PG" alice rcpt@outside.example
relayed s2-milter-cn-rule-relayed
smtp_as s2m2 "$PG" tls rcpt@outside.example
refused s2-milter-stranger-refused '^550 5\.7\.1'
smtp_as s2m3 "$PG" none rcpt@outside.example "${plain_auth[@]}"
refused s2-milter-auth-in-clear-530 '^530 5\.7\.0'
smtp_as s2p1 "$PPOL" partner rcpt@outside.example
relayed s2-policyd-pin-relayed
smtp_as s2p2 "$PPOL" alice rcpt@outside.example
relayed s2-policyd-ou-rule-relayed
smtp_as s2p3 "$PPOL" tls rcpt@outside.example
refused s2-policyd-stranger-refused 'Relay access denied'
smtp_as s2p4 "$PPOL" none rcpt@outside.example "${plain_auth[@]}"
refused s2-policyd-auth-in-clear-530 '^530 5\.7\.0'
smtp_as s2p5 "$PPOL" revoked rcpt@outside.example
refused s2-policyd-revoked-refused 'Certificate revoked'

# ---- s3: the files, written on SIGUSR2, against what was sent
# write NAME - SIGUSR2, then the file is a new one (renamed over)
write()
{
	local f=$STATS/$2 ino pid
	eval "pid=\$PID_$1"
	ino=$(stat -c %i "$f" 2>/dev/null)
	kill -USR2 "$pid"
	wait_until 5 eval '[ "$(stat -c %i "$f" 2>/dev/null)" != "$ino" ]'
}
# samples FILE - every sample as the Prometheus client reads it, one a
# line: name{label=value,...} value (labels sorted)
samples()
{
	"$PY" - "$1" <<'EOF'
import sys
from prometheus_client.parser import text_string_to_metric_families
for fam in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in fam.samples:
        lab = ",".join("%s=%s" % kv for kv in sorted(s.labels.items()))
        print("%s{%s} %g" % (s.name, lab, s.value))
EOF
}
MF=$STATS/menf-certrelay-milter.prom
PF=$STATS/penf-certrelay-policyd.prom
check s3-milter-sigusr2-writes write menf menf-certrelay-milter.prom
check s3-policyd-sigusr2-writes write penf penf-certrelay-policyd.prom
if samples "$MF" > "$T/milter.samples" 2> "$T/milter.parse" &&
    samples "$PF" > "$T/policyd.samples" 2> "$T/policyd.parse"; then
	pass s3-files-parse
else
	fail s3-files-parse "$(cat "$T/milter.parse" "$T/policyd.parse")"
fi
val() { grep -F "$2{${3:-}} " "$T/$1.samples" | awk '{ print $2 }'; }
decisions() { grep '^certrelay_decisions_total' "$T/$1.samples" | sort; }
check_eq s3-milter-decisions "$(decisions milter)" \
"certrelay_decisions_total{action=DUNNO,kind=auth,stage=mail} 2
certrelay_decisions_total{action=REJECT,kind=auth,stage=mail} 1
certrelay_decisions_total{action=REJECT,kind=gatekeeper,stage=rcpt} 1
certrelay_decisions_total{action=RELAY,kind=subject,stage=rcpt} 1"
check_eq s3-milter-sessions "$(val milter certrelay_sessions_total)" 3
check_eq s3-milter-requests "$(val milter certrelay_requests_total)" 5
check_eq s3-milter-clients "$(val milter certrelay_clients)" 0
check_eq s3-milter-reloads-ok "$(val milter certrelay_reloads_total result=ok)" 1
check_eq s3-milter-reloads-failed \
    "$(val milter certrelay_reloads_total result=failed)" 1
check_eq s3-milter-lookup-failures \
    "$(val milter certrelay_lookup_failures_total)" 0
check_eq s3-milter-rule-hits "$(grep '^certrelay_rule_hits_total' \
    "$T/milter.samples")" \
    "certrelay_rule_hits_total{kind=subject,line=2,table=$ETC/subjects} 1"
# the stranger: DUNNO, no certificate: the policy server is never the
# gate (gatekeeper = CRT is the milter's), Postfix's own check refused
check_eq s3-policyd-decisions "$(decisions policyd)" \
"certrelay_decisions_total{action=DUNNO,kind=no-cert,stage=policy} 1
certrelay_decisions_total{action=REJECT,kind=auth,stage=policy} 1
certrelay_decisions_total{action=REJECT,kind=fingerprint,stage=policy} 1
certrelay_decisions_total{action=RELAY,kind=attribute,stage=policy} 1
certrelay_decisions_total{action=RELAY,kind=fingerprint,stage=policy} 1"
check_eq s3-policyd-requests "$(val policyd certrelay_requests_total)" 5
# Postfix keeps a policy connection per smtpd process: one or more
check_match s3-policyd-sessions "$(val policyd certrelay_sessions_total)" \
    '^[1-5]$'
check_eq s3-policyd-reloads "$(val policyd certrelay_reloads_total \
    result=ok)/$(val policyd certrelay_reloads_total result=failed)" 1/1
check_eq s3-policyd-rule-hits "$(grep '^certrelay_rule_hits_total' \
    "$T/policyd.samples" | sort)" \
"certrelay_rule_hits_total{kind=attribute,line=1,table=$ETC/attributes} 1
certrelay_rule_hits_total{kind=fingerprint,line=2,table=$ETC/fingerprints} 1
certrelay_rule_hits_total{kind=fingerprint,line=3,table=$ETC/fingerprints} 1"
check_eq s3-mode-enforce "$(grep -c 'mode=enforce' "$T/milter.samples" \
    "$T/policyd.samples" | cut -d: -f2 | tr '\n' ' ')" "1 1 "

# ---- s4: certrelay stats
"$CLI" stats -c "$ETC/menf.conf" > "$T/stats-milter.out" 2>&1
check_eq s4-milter-exit $? 0
"$CLI" stats -c "$ETC/penf.conf" > "$T/stats-policyd.out" 2>&1
check_eq s4-policyd-exit $? 0
top() { sed -n '/top rules/,/never matched/p' "$T/stats-$1.out"; }
never() { sed -n '/never matched/,$p' "$T/stats-$1.out"; }
check_match s4-milter-top-rule "$(top milter)" \
    "^ +1  $ETC/subjects:2 \(subject\)$"
check_eq s4-milter-never-matched "$(never milter | grep -c "$ETC/subjects:")" 2
check_match s4-milter-never-matched-bob "$(never milter)" \
    "^    $ETC/subjects:3: CN=Bob"
check_match s4-policyd-top-pin "$(top policyd)" "$ETC/fingerprints:2 \(fingerprint\)"
check_match s4-policyd-top-ou "$(top policyd)" "$ETC/attributes:1 \(attribute\)"
check_match s4-policyd-never-matched "$(never policyd | tr '\n' ' ')" \
    "$ETC/fingerprints:4: .*$ETC/attributes:2: "
check_nomatch s4-policyd-matched-not-listed "$(never policyd)" \
    "fingerprints:[23]:|attributes:1:"
check_match s4-totals-line "$(head -2 "$T/stats-milter.out")" \
    'sessions 3, requests 5, clients now 0; reloads 1 ok, 1 failed'
"$CLI" stats -c "$ETC/penf.conf" --json > "$T/stats.json" 2>&1
check_eq s4-json "$("$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))["daemons"][0]
print(d["requests"], len(d["top_rules"]),
    sorted(r["line"] for r in d["never_matched"]))' "$T/stats.json")" \
    "5 3 [2, 4]"
"$CLI" stats -c "$ETC/menf.conf" --plot "$T/decisions.png" > /dev/null 2>&1
check_eq s4-plot-png "$(head -c 4 "$T/decisions.png" | tail -c 3)" PNG

# ---- w: warn mode
check_match w-startup-milter "$(grep -m1 '^<6>mode=' "$T/mwarn.log")" \
    'mode=warn: .*except on listener\(s\) CRT: there the gate still refuses'
check_match w-startup-policyd "$(grep -m1 '^<6>mode=' "$T/pwarn.log")" \
    'mode=warn: decisions are logged'
"$CLI" config-check -c "$ETC/mwarn.conf" > "$T/cc.out" 2>&1
check_match w-config-check "$(grep '^mode=' "$T/cc.out")" \
    'mode=warn: .*the gate still refuses'
mark=$(log_mark "$T/mwarn.log")
smtp_as w1 "$PWM" bob rcpt@outside.example
relayed w-milter-mynetworks-refused-cn-relayed
check w-milter-log-would-reject wait_log_line "$T/mwarn.log" \
    'action=DUNNO would=REJECT stage=rcpt rule=[^ ]*subjects:3 ' 5 "$mark"
smtp_as w2 "$PWG" tls rcpt@outside.example
refused w-gate-stranger-still-refused \
    '^550 5\.7\.1 Relaying denied: no acceptable client certificate'
smtp_as w3 "$PWG" bob rcpt@outside.example
refused w-gate-refused-cn-still-refused '^550 5\.7\.1 .*Bob is suspended'
smtp_as w4 "$PWG" bob rcpt@local.example
relayed w-gate-local-recipient-softened
mark=$(log_mark "$T/pwarn.log")
smtp_as w5 "$PWP" revoked rcpt@outside.example
relayed w-policyd-mynetworks-pinned-reject-relayed
check w-policyd-log-would-reject wait_log_line "$T/pwarn.log" \
    'action=DUNNO would=REJECT stage=policy rule=[^ ]*fingerprints:3 ' 5 \
    "$mark"
smtp_as w6 "$PWP" tls rcpt@outside.example
relayed w-policyd-mynetworks-stranger-relayed
check w-warn-counted write mwarn mwarn-certrelay-milter.prom
samples "$STATS/mwarn-certrelay-milter.prom" > "$T/mwarn.samples"
check_eq w-milter-warn-total "$(val mwarn certrelay_warn_total \
    action=REJECT)" 2
check_eq w-milter-gate-decisions "$(val mwarn certrelay_decisions_total \
    action=REJECT,kind=gatekeeper,stage=rcpt)" 1

# ---- sm: the milter behind a real Sendmail
sendmail_phase()
{
	local d=$T/smconf f
	need_cmd m4 unshare saslpasswd2 perl || {
		fail sm-sendmail "$NEED_WHY (contrib/install-deps.sh)"
		return
	}
	sm_fetch || { fail sm-sendmail "cannot unpack sendmail"; return; }
	sm_pick_port SM_PORT && sm_pick_port SM_GATE_PORT &&
	    sm_pick_port SMP || { fail sm-sendmail "no ports"; return; }
	mkdir -p "$d" "$T/sendmail"
	{
		echo "# stats e2e, Sendmail: pins"
		printf '%s\tRELAY partner\n' "$(fp partner)"
		printf '%s\tREJECT Certificate revoked\n' "$(fp revoked)"
	} > "$d/fingerprints"
	printf '%s\n' "$(head -1 "$ETC/attributes")" \
	    'issuer=/C=FR/O=CNRS/CN=CNRS-Plus attr=OU value=UMR0000 RELAY' \
	    > "$d/attributes"
	{
		echo "local_domains = local.example"
		echo "trusted_networks = 198.51.100.0/24"
		echo "gatekeeper = CRT"
		echo "sendmail_openssl = 3"
		echo "fingerprint_table = $d/fingerprints"
		echo "attribute_table = $d/attributes"
		echo "stats_file = $STATS/sm-%n.prom"
		echo "stats_interval = 3600"
	} > "$ETC/sm.conf"
	"$CLI" compile -c "$ETC/sm.conf" > "$d/compile.out" 2>&1 ||
	    { fail sm-sendmail "compile: $(head -3 "$d/compile.out")"; return; }
	milter_start msm sm "$SMP" ||
	    { fail sm-sendmail "milter: $(tail -3 "$T/msm.log")"; return; }
	SM_SINK_PORT=$SINK_PORT SM_TLS=$CERTS SM_MILTER="inet:$SMP@127.0.0.1"
	E2E_STOP_HOOKS+=("sm_stop '$T/sendmail'")
	sm_configure "$T/sendmail" && sm_start "$T/sendmail" ||
	    { fail sm-sendmail "sendmail did not start"; return; }
	FROM=sender@local.example	# as sendmail.sh sends: no DNS here
	# sessions before the mix: sm_start's probes of its ports are SMTP
	# sessions too, whose Sendmail child may reach the milter a moment
	# after the probe closed
	f=sm-certrelay-milter.prom
	sleep 2
	write msm "$f"
	s0=$(samples "$STATS/$f" | grep -F 'certrelay_sessions_total{} ' |
	    awk '{ print $2 }')
	smtp_as sm1 "$SM_GATE_PORT" partner rcpt@outside.example
	relayed sm-pin-relayed
	smtp_as sm2 "$SM_GATE_PORT" alice rcpt@outside.example
	relayed sm-ou-rule-relayed
	smtp_as sm3 "$SM_GATE_PORT" tls rcpt@outside.example
	refused sm-stranger-refused '^550 5\.7\.1'
	smtp_as sm4 "$SM_GATE_PORT" none rcpt@outside.example "${plain_auth[@]}"
	refused sm-auth-in-clear-530 '^530 5\.7\.0'
	check sm-sigusr2-writes write msm "$f"
	samples "$STATS/$f" > "$T/msm.samples" ||
	    { fail sm-file-parses "$STATS/$f"; return; }
	pass sm-file-parses
	check_eq sm-decisions "$(decisions msm)" \
"certrelay_decisions_total{action=DUNNO,kind=auth,stage=mail} 3
certrelay_decisions_total{action=REJECT,kind=auth,stage=mail} 1
certrelay_decisions_total{action=REJECT,kind=gatekeeper,stage=rcpt} 1
certrelay_decisions_total{action=RELAY,kind=attribute,stage=rcpt} 1
certrelay_decisions_total{action=RELAY,kind=fingerprint,stage=rcpt} 1"
	check_eq sm-requests "$(val msm certrelay_requests_total)" 7
	check_eq sm-sessions "$(val msm certrelay_sessions_total)" \
	    "$((${s0:-0} + 4))"
	check_eq sm-clients "$(val msm certrelay_clients)" 0
	check_eq sm-rule-hits "$(grep '^certrelay_rule_hits_total' \
	    "$T/msm.samples" | sort)" \
"certrelay_rule_hits_total{kind=attribute,line=1,table=$d/attributes} 1
certrelay_rule_hits_total{kind=fingerprint,line=2,table=$d/fingerprints} 1"
	"$CLI" stats -c "$ETC/sm.conf" > "$T/stats-sm.out" 2>&1
	check_match sm-stats-never-matched "$(sed -n '/never matched/,$p' \
	    "$T/stats-sm.out" | tr '\n' ' ')" \
	    "$d/fingerprints:3: .*$d/attributes:2: "
}
sendmail_phase

e2e_summary
