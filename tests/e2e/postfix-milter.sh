#!/bin/bash
# postfix-milter.sh [BUILD] - certrelay-milter behind a real Postfix
#
# One private Postfix with a gatekeeper listener (Postfix lets everyone
# relay there, certrelay-milter is the gate, milter_default_action =
# tempfail), Dovecot for SASL, smtp-sink as the outside world; swaks as the
# client.  Cases (issue 4):
#   m1 verified alice, CN rule RELAY: relayed, header names her
#   m2 forgery (alice's DNs, rogue signer): 550 5.7.1
#   m3 no certificate: outside refused 550, local.example accepted
#   m4 CN rule REJECT with text: refused with that text
#   m5 AUTH PLAIN in clear: 530 5.7.0; over TLS: relayed
#   m8 client-sent header of header_name: gone, ours alone remains
#   m9 (extra) UTF-8 and escaped CNs relay; a rule scoped to another
#      issuer does not
#   m7 broken table / bad regex + SIGHUP: old rules stay, error logged;
#      good table + SIGHUP, then mtime alone: new rules, same process
#   m6 milter killed mid-session and before a session: 4xx, nothing
#      relayed; restarted: relays again; SIGTERM: exits
#   g  (issue 15) tested as shipped: the gatekeeper listener is
#      contrib/postfix/master.cf.milter's (socket substituted), the
#      milter's gatekeeper line is policy-tables/certrelay.conf's, and a
#      second listener of the same Postfix shares the milter socket
#      (main.cf.milter's smtpd_milters) with its own relay rules: there
#      the milter does not gate.  Without a gatekeeper line the milter
#      does not start.
# The older cases use a "gate" listener like the shipped one but without
# smtpd_tls_security_level=encrypt / smtpd_tls_auth_only, so that clear
# sessions reach the milter.
# Output: "ok NAME" / "FAIL NAME: ..." lines, then "N passed, N failed".
set -u
E2E=$(cd "$(dirname "$0")" && pwd)
. "$E2E/lib.sh"
. "$E2E/postfix.sh"
e2e_binaries "${1:-}"
CASES=(m1-alice-relayed m2-forgery-refused m3-nocert m4-cn-reject
    m5-plain-auth m8-forged-header m8b-many-headers m9-cn-forms m7-reload
    m6-milter-killed
    g-shipped-gate g-other-listener g-unset m10-hostile-names)

e2e_init postfix-milter

# preconditions - anything missing fails every case (never a silent pass)
preconditions()
{
	local b
	pf_preconditions || return 1
	for b in "$MILTER" "$CLI"; do
		[ -x "$b" ] || { NEED_WHY="$b not built"; return 1; }
	done
	return 0
}
if ! preconditions; then
	bail "$NEED_WHY"
fi

CERTS=$T/certs
ETC=$T/etc
CONF=$ETC/certrelay.conf
MLOG=$T/milter.log
sh "$E2E/certs.sh" "$CERTS" > "$T/certs.log" 2>&1 || {
	bail "certs.sh failed: $(tail -3 "$T/certs.log")"
}
mkdir -p "$ETC"
chmod 755 "$ETC"

# Postfix's milter view of a verified cert is subject CN + issuer CN only,
# hence CN-only keys, scoped to the issuer as the shipped examples are.
write_subjects()
{
	cat > "$ETC/subjects"
}
write_subjects <<'EOF'
# milter e2e: CN keys (all Postfix's milter sees)
CN=Alice\20Martin	issuer=CN=CNRS-Plus	RELAY
CN=Bob\20Durand	REJECT Bob is suspended
# Postfix sends the CN raw (UTF-8, unescaped); the keys are RFC 4514
CN=Élise\20Noël	issuer=CN=CNRS-Plus	RELAY
CN=Jean\20Dupont\+Fils\,\20Jr	issuer=CN=CNRS-Plus	RELAY
# carol's CA is CNRS-Standard: this scope must keep her out
CN=Carol\20Petit	issuer=CN=CNRS-Plus	RELAY
EOF
# The second line is issue 15's finding 7: a negated pattern must not relay
# on Postfix's CN-only view, which has no OU for it to test.
GOOD_REGEX='/^CN=Nobody At All$/	REJECT never matches
!/,OU=UMR9999,/	issuer=CN=CNRS-Plus	RELAY'
printf '%s\n' "$GOOD_REGEX" > "$ETC/regex"
pick_port PM
pick_port PG
pick_port PS			# the shipped gatekeeper listener
pick_port PO			# another listener, same milter, not gated
GATE_LINE=$(grep -E '^gatekeeper[[:space:]]*=' "$REPO/policy-tables/certrelay.conf")
cat > "$CONF" <<EOF
subject_table = $ETC/subjects
regex_table = $ETC/regex
local_domains = local.example
# Not 127.0.0.1: every test client comes from there.
trusted_networks = 192.0.2.0/24
min_tls_version = TLSv1.2
min_cipher_bits = 128
header_name = X-Certrelay
$GATE_LINE
EOF
if ! "$CLI" compile -c "$CONF" > "$T/compile.out" 2>&1; then
	bail "certrelay compile -c failed: $(head -3 "$T/compile.out")"
fi

milter_start()
{
	start_bg certrelay-milter "$MLOG" "$MILTER" -c "$CONF" \
	    -p "inet:$PM@127.0.0.1" -f -j	# as the systemd unit runs it
	MILTER_PID=$LAST_PID
	wait_until 10 eval 'port_listening $PM || ! pid_alive $MILTER_PID'
	port_listening "$PM"
}

# The macro lists come from the shipped snippet: the test runs what we ship.
snippet_macros()
{
	local d=$T/snippet m
	mkdir -p "$d"
	cp "$REPO/contrib/postfix/main.cf.milter" "$d/main.cf"
	: > "$d/master.cf"
	for m in connect helo mail rcpt; do
		printf 'milter_%s_macros = %s\n' "$m" \
		    "$(postconf -c "$d" -h "milter_${m}_macros")"
	done
}

if ! sink_start "$T/sink" || ! milter_start; then
	bail "sink or milter did not start: $(tail -5 "$MLOG" 2>/dev/null)"
fi
pf_init "$CERTS"
# every macro certrelay-milter asks for, by stage (it asks with SETSYMLIST;
# the snippet must list the same)
declare -A WANT_MACROS=(
	[connect]='j {daemon_name} {client_addr} {client_name}'
	[helo]='{tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer} {auth_type} {auth_authen}'
	[mail]='{auth_type} {auth_authen} {auth_author} {tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer} {mail_addr}'
	[rcpt]='{rcpt_addr} {rcpt_mailer}'
)
while IFS= read -r line; do
	stage=${line#milter_}
	stage=${stage%%_*}
	missing=
	for m in ${WANT_MACROS[$stage]}; do
		case " ${line#*= } " in
		*" $m "*) ;;
		*) missing="$missing $m" ;;
		esac
	done
	check_eq "contrib-main.cf.milter-${stage}-macros" "${missing:-none}" none
	pf_set "$line"
done < <(snippet_macros)
pf_listener gate "$PG" \
    'smtpd_relay_restrictions = check_client_access static:OK, reject' \
    "smtpd_milters = inet:127.0.0.1:$PM" \
    'milter_default_action = tempfail' \
    'milter_macro_daemon_name = CRT' \
    'smtpd_tls_auth_only = no'

# shipped_opts - master.cf.milter's -o lines as pf_listener options, the
# milter socket replaced by ours
shipped_opts()
{
	sed -n 's/^  *-o  *//p' "$REPO/contrib/postfix/master.cf.milter" |
	    sed -e 's/^{ *//' -e 's/ *}$//' -e '/^syslog_name/d' \
	    -e 's/^\([a-z_]*\)=/\1 = /' \
	    -e "s/inet:127\.0\.0\.1:8895/inet:127.0.0.1:$PM/"
}
mapfile -t SHIPPED < <(shipped_opts)
check_match g-shipped-listener-names-CRT "${SHIPPED[*]}" \
    'milter_macro_daemon_name = CRT'
pf_listener shipped "$PS" "${SHIPPED[@]}"
# port 25's stand-in: main.cf.milter's global smtpd_milters (same socket),
# the default {daemon_name}, and relay rules of its own that let
# 127.0.0.1 relay, so that what the milter does there shows
pf_set "$(sed -n 's/^smtpd_milters *= *inet:127\.0\.0\.1:8895$/smtpd_milters = inet:127.0.0.1:'"$PM"'/p' \
    "$REPO/contrib/postfix/main.cf.milter")" 'milter_default_action = tempfail'
pf_listener other "$PO" 'mynetworks = 127.0.0.0/8' \
    'smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination' \
    'smtpd_tls_auth_only = no'
if ! pf_start; then
	bail "postfix did not start"
fi

# try NAME CLIENT RCPT [SWAKS-OPTION...] - one transaction on the gate
# (or on port $TRY_PORT).
# CLIENT: none (no TLS), tls (TLS, no cert) or a cert name.
# Sets OUT (transcript), TOKEN, ERR (first 4xx/5xx reply, or empty).
try()
{
	local name=$1
	shift
	smtp_as "$name" "${TRY_PORT:-$PG}" "$@"
}

# hup - SIGHUP, then give the reload a bounded moment (no reload line is
# specified, so wait for one but do not insist)
hup()
{
	local mark
	mark=$(log_mark "$MLOG")
	kill -HUP "$MILTER_PID"
	wait_log_line "$MLOG" 'reload' 3 "$mark" || true
}

# ---- g: as shipped
check_match g-startup-line-names-gated-listeners \
    "$(grep -m1 'gatekeeper=' "$MLOG")" \
    '^<6>gatekeeper=CRT: on listener\(s\) CRT .*550 5\.7\.1.*other listener'
TRY_PORT=$PS try g1 tls rcpt@outside.example
refused g-shipped-gate-stranger-550 \
    '^550 5\.7\.1 Relaying denied: no acceptable client certificate'
TRY_PORT=$PS try g2 alice rcpt@outside.example
relayed g-shipped-gate-alice-relayed
TRY_PORT=$PS try g3 none rcpt@outside.example
refused g-shipped-gate-needs-tls '^5[0-9][0-9] '
TRY_PORT=$PO try g4 tls rcpt@outside.example
relayed g-other-listener-not-gated-mta-decides
TRY_PORT=$PO try g5 bob rcpt@outside.example
refused g-other-listener-milter-still-refuses '^550 5\.7\.1 .*Bob is suspended'
grep -v '^gatekeeper' "$CONF" > "$T/nogate.conf"
"$MILTER" -c "$T/nogate.conf" -p "inet:$PG@127.0.0.1" -f > "$T/nogate.out" 2>&1
rc=$?
check_eq g-unset-exit-1 "$rc" 1
check_match g-unset-message-names-config "$(head -1 "$T/nogate.out")" \
    "^certrelay-milter: $T/nogate\.conf: gatekeeper is not set"

# ---- m1: verified alice, scoped CN rule RELAY
try m1 alice rcpt@outside.example
if relayed m1-alice-relayed; then
	hdr=$(header_lines "$MAIL" X-Certrelay)
	check_eq m1-one-header "$(printf '%s' "$hdr" | grep -c .)" 1
	check_match m1-header-names-holder "$hdr" 'subject="[^"]*Alice Martin'
	check_match m1-header-names-issuer "$hdr" 'issuer="[^"]*CNRS-Plus'
	check_match m1-header-names-rule "$hdr" 'rule=[^ ]*subjects:2'
fi

# ---- m2: forgery: Postfix cannot verify it, so no cert_subject: no rule
try m2 forgery rcpt@outside.example
refused m2-forgery-refused '^550 5\.7\.1'

# ---- m3: no certificate
try m3a tls rcpt@outside.example
refused m3-nocert-outside-refused '^550 5\.7\.1'
try m3b none rcpt@outside.example
refused m3-notls-outside-refused '^550 5\.7\.1'
try m3c none rcpt@local.example
relayed m3-nocert-local-accepted

# ---- m4: a CN rule that says REJECT
try m4 bob rcpt@outside.example
refused m4-cn-reject-text '^550 5\.7\.1 .*Bob is suspended'
try m4b bob rcpt@local.example
refused m4-cn-reject-also-local '^5[0-9][0-9] .*Bob is suspended'

# ---- m5: AUTH PLAIN in clear, then over TLS
mark=$(log_mark "$MLOG")
try m5a none rcpt@outside.example --auth PLAIN --auth-user alice \
    --auth-password secret
if grep -q '^ *<[-~] *235 ' "$OUT"; then
	refused m5-plain-auth-530 '^530 5\.7\.0'
else
	fail m5-plain-auth-530 "AUTH did not succeed first: $(smtp_last "$OUT")"
fi
check m5-plain-auth-warning-names-user-and-client wait_log_line "$MLOG" \
    'alice.*127\.0\.0\.1|127\.0\.0\.1.*alice' 5 "$mark"
try m5b tls rcpt@outside.example --auth PLAIN --auth-user alice \
    --auth-password secret
relayed m5-tls-auth-relayed

# ---- m8: the client's copy of our header is removed, ours stays
try m8 alice rcpt@outside.example \
    --add-header 'X-Certrelay: subject="CN=Mallory" rule=forged:1' \
    --add-header 'x-certrelay: forged-lowercase'
if relayed m8-alice-relayed; then
	hdr=$(header_lines "$MAIL" X-Certrelay)
	check_nomatch m8-forged-header-removed "$hdr" 'forged|Mallory'
	check_eq m8-one-header "$(printf '%s' "$hdr" | grep -c .)" 1
	check_match m8-own-header-kept "$hdr" 'Alice Martin'
fi

# ---- m8b: the same behind 16 KiB of headers: headers go to the milter
# without a reply each (SMFIP_NR_HDR), in several writes; every one of
# ours is still seen, wherever it is
filler=()
for i in $(seq 1 250); do
	filler+=(--add-header "X-Filler-$i: $(printf '%060d' "$i")")
done
try m8b alice rcpt@outside.example \
    --add-header 'X-Certrelay: forged-first' "${filler[@]}" \
    --add-header 'X-Certrelay: forged-last'
if relayed m8b-alice-relayed; then
	hdr=$(header_lines "$MAIL" X-Certrelay)
	check_nomatch m8b-forged-headers-removed "$hdr" 'forged'
	check_eq m8b-one-header "$(printf '%s' "$hdr" | grep -c .)" 1
	check_eq m8b-filler-kept "$(header_lines "$MAIL" X-Filler-250 |
	    grep -c .)" 1
fi

# ---- m9: CN escaping and issuer scope on Postfix's CN-only view
try m9a utf8 rcpt@outside.example
relayed m9-utf8-cn-relayed
try m9b special rcpt@outside.example
relayed m9-special-chars-cn-relayed
try m9c carol rcpt@outside.example
refused m9-scope-other-issuer-refused '^550 5\.7\.1'

# ---- m10: names an attacker chose, as Postfix passes them (issue 15)
# Postfix sends the first CN, raw: "Mallory" for a cert with a second CN
# "Alice Martin", the eight characters of a typed "\x20", a CN holding
# "/OU=UMR7503". None meets alice's CN rule, and the negated regex that
# would relay anything outside UMR9999 on a full DN is not used on a CN.
for c in twocn typedx20 slash nulmail; do
	try "m10-$c" "$c" rcpt@outside.example
	refused "m10-$c-refused" '^550 5\.7\.1'
done
check_match m10-log-says-partial-view \
    "$(grep -F 'subject="CN=Mallory"' "$MLOG" | tail -1)" 'action=REJECT'

# ---- m7: reloads
# a) the compiler refuses a broken table and leaves the old .cdb in place
cdbsum=$(sha256sum < "$ETC/subjects.cdb")
cp "$ETC/subjects" "$ETC/subjects.orig"
write_subjects <<'EOF'
CN=Alice\20Martin	issuer=CN=CNRS-Plus	RELAY
CN=Bob\20Durand	REJECT Bob is suspended
this-is-not-a-dn	RELAY
EOF
"$CLI" compile -c "$CONF" > "$T/compile-bad.out" 2>&1
rc=$?
check m7-broken-compile-fails test "$rc" -ne 0
check_match m7-compile-error-cites-line "$(cat "$T/compile-bad.out")" \
    'subjects:3'
check_eq m7-old-cdb-kept "$(sha256sum < "$ETC/subjects.cdb")" "$cdbsum"
hup
try m7a alice rcpt@outside.example
relayed m7-old-rules-after-failed-compile
# b) a regex table (read from source) that does not parse
printf '/(unclosed/\tREJECT broken\n' > "$ETC/regex"
mark=$(log_mark "$MLOG")
kill -HUP "$MILTER_PID"
check m7-bad-regex-reload-failed-logged wait_log_line "$MLOG" \
    'reload failed.*regex:1' 5 "$mark"
check m7-alive-after-bad-regex pid_alive "$MILTER_PID"
try m7b alice rcpt@outside.example
relayed m7-old-rules-after-bad-regex-alice
try m7c bob rcpt@outside.example
refused m7-old-rules-after-bad-regex-bob '^550 5\.7\.1 .*Bob is suspended'
# c) a good new table: new rules on SIGHUP, same process
printf '%s\n' "$GOOD_REGEX" > "$ETC/regex"
write_subjects <<'EOF'
CN=Alice\20Martin	issuer=CN=CNRS-Plus	REJECT Alice moved out
CN=Bob\20Durand	issuer=CN=CNRS-Plus	RELAY
EOF
check m7-good-compile quiet "$CLI" compile -c "$CONF"
hup
try m7d alice rcpt@outside.example
refused m7-new-rules-alice-rejected '^550 5\.7\.1 .*Alice moved out'
try m7e bob rcpt@outside.example
relayed m7-new-rules-bob-relayed
check m7-same-process pid_alive "$MILTER_PID"
# d) no signal: a changed .cdb mtime is enough (checked at most once a
# second, so leave more than a second between the two compiles)
sleep 1.2
cp "$ETC/subjects.orig" "$ETC/subjects"
"$CLI" compile -c "$CONF" > /dev/null 2>&1
ok=
for ((i = 0; i < 6; i++)); do
	sleep 1
	try m7f-$i alice rcpt@outside.example
	if [ -z "$ERR" ]; then
		ok=$i
		break
	fi
done
if [ -n "$ok" ]; then
	relayed m7-mtime-reload-without-signal
else
	fail m7-mtime-reload-without-signal \
	    "alice still refused 6s after recompiling: $ERR"
fi

# ---- m6: milter killed
# a) mid-session: MAIL accepted while it is alive, RCPT after its death
if raw_open "$PG" && raw_cmd "EHLO client.test.example" &&
    raw_cmd "MAIL FROM:<e2e@sender.example>"; then
	check_match m6-mail-accepted-while-alive "$RAW_REPLY" '^250'
	stop_pid "$MILTER_PID" 5 KILL
	raw_cmd "RCPT TO:<rcpt@local.example>"
	check_match m6-mid-session-rcpt-4xx "$RAW_REPLY" '^4[0-9][0-9] '
	raw_cmd "DATA"
	check_nomatch m6-mid-session-no-data "$RAW_REPLY" '^354'
	raw_close
else
	fail m6-mid-session-rcpt-4xx "session setup failed: $RAW_REPLY"
	stop_pid "$MILTER_PID" 5 KILL
fi
# b) a new session with a certificate that would relay
try m6b alice rcpt@outside.example
refused m6-new-session-4xx '^4[0-9][0-9] '
sleep 3
check m6-not-relayed eval "! sink_has $TOKEN"
check m6-queue-empty pf_queue_empty
# c) back in service: the same Postfix relays again, no reload needed
if milter_start; then
	try m6c alice rcpt@outside.example
	relayed m6-restarted-milter-relays-again
	check m6-sigterm-clean-exit stop_pid "$MILTER_PID" 5 TERM
	# -j: lines batched on stderr; the last one is written at exit
	check m6-journal-flushed-at-exit eval "tail -1 '$MLOG' | grep -qx '<6>stopped'"
	check m6-journal-decision-line grep -q \
	    '^<6>.*action=RELAY stage=rcpt rule=[^ ]*:[0-9][0-9]* ' "$MLOG"
else
	fail m6-restarted-milter-relays-again "restart failed: $(tail -3 "$MLOG")"
fi

e2e_summary
