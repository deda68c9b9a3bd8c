#!/bin/bash
# lifecycle.sh BUILD - expired and revoked certificates (issue 17),
# through the real Postfix (certrelay-policyd, socket mode) and the real
# Sendmail (certrelay-milter, {cert_fp}).
#
# The test CA CNRS-Plus (certs.sh) signs, with `openssl ca`, a client
# certificate "old" whose notAfter is in the past (-startdate/-enddate:
# OpenSSL 3.0's x509 has no -not_before), and two CRLs: crl1 revokes bob
# (keyCompromise), crl2 bob and alice (affiliationChanged). alice, bob and
# old are in the certificate index and pinned by fingerprint (RELAY);
# bob's public key is pinned too, and "thief" is a self-signed cert made
# around bob's key (what a thief of bob's laptop can make).
#   l1 before: pin_expiry = warn, no crl_files: old and bob relay
#   l2 after: old refused "expired on" (550 5.7.1), bob refused
#      "revoked on ..., reason keyCompromise", alice relays, the thief's
#      cert is refused on Postfix (its key is bob's: the pubkey pin no
#      longer relays; Sendmail sends no public-key fingerprint); the log
#      lines say why (kind=expired, kind=revoked); a local recipient of
#      old still passes
#   l3 crl2 put in place and a reload (SIGHUP to the policy server,
#      SIGUSR1 to the milter): alice refused, reason affiliationChanged
#   l4 certrelay check and certrelay cert -c CONF --index say the same
#   l5 a CRL signed by a key that is not the CA's: the daemons refuse to
#      start (conf:line: file: what); at reload the last good CRL stays
# Postfix's milter gets no fingerprint at all, so neither check can be
# made there (certrelay.conf(5)); it is not tested here.
# Output: "ok NAME" / "FAIL NAME: ..." lines, then "N passed, N failed".
set -u
E2E=$(cd "$(dirname "$0")" && pwd)
. "$E2E/lib.sh"
. "$E2E/postfix.sh"
. "$E2E/sendmail-setup.sh"
e2e_binaries "${1:-}"

e2e_init lifecycle
pf_preconditions
need_cmd unshare m4 saslpasswd2 perl ss ||
    e2e_skip "$NEED_WHY (contrib/install-deps.sh)"
for b in "$POLICYD" "$MILTER" "$CLI"; do
	[ -x "$b" ] || { fail setup "$b not built"; e2e_summary; exit; }
done
bail() { fail setup "$1"; e2e_summary; exit; }

CERTS=$T/certs C=$CERTS		# smtp_as reads CERTS
ETC=$T/etc
sh "$E2E/certs.sh" "$C" > "$T/certs.log" 2>&1 ||
    bail "certs.sh: $(tail -3 "$T/certs.log")"
mkdir -p "$ETC/ca" "$ETC/certs"
chmod -R 755 "$ETC"

fp() { cat "$C/$1.sha256"; }

# ---- the CA's own tools: an expired certificate, two CRLs
ca=$ETC/ca
: > "$ca/index.txt"
openssl rand -hex 8 > "$ca/serial"
echo 1000 > "$ca/crlnumber"
cat > "$ca/ca.cnf" <<EOF
[ca]
default_ca = plus
[plus]
database = $ca/index.txt
crlnumber = $ca/crlnumber
serial = $ca/serial
certificate = $C/plus.pem
private_key = $C/plus.key
new_certs_dir = $ca
default_md = sha256
default_crl_days = 7
policy = any
preserve = yes
unique_subject = no
[any]
countryName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
[crl_ext]
authorityKeyIdentifier = keyid:always
EOF
# ca_do WHAT ARGS... - openssl ca, its chatter kept in ca.log
ca_do() { openssl ca -config "$ca/ca.cnf" -batch "$@" >> "$T/ca.log" 2>&1; }
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 \
    -out "$C/old.key" 2>/dev/null &&
    openssl req -new -key "$C/old.key" -config "$C/ext.cnf" \
    -subj '/C=FR/O=CNRS/OU=UMR7503/CN=Old Timer' -out "$ca/old.csr" &&
    ca_do -notext -in "$ca/old.csr" -startdate 20250101000000Z \
    -enddate 20250201000000Z -extfile "$C/ext.cnf" -extensions client \
    -out "$C/old.pem" ||
    bail "openssl ca: cannot make the expired cert: $(tail -3 "$T/ca.log")"
openssl x509 -in "$C/old.pem" -noout -fingerprint -sha256 |
    sed 's/^[^=]*=//' > "$C/old.sha256"
chmod 644 "$C"/old.*
ca_do -revoke "$C/bob.pem" -crl_reason keyCompromise &&
    ca_do -gencrl -crlexts crl_ext -out "$ca/crl1.pem" &&
    ca_do -revoke "$C/alice.pem" -crl_reason affiliationChanged &&
    ca_do -gencrl -crlexts crl_ext -out "$ca/crl2.pem" &&
    openssl crl -in "$ca/crl1.pem" -outform DER -out "$ca/crl1.der" &&
    openssl crl -in "$ca/crl2.pem" -outform DER -out "$ca/crl2.der" ||
    bail "openssl ca: cannot make the CRLs: $(tail -3 "$T/ca.log")"
# a CRL of the rogue CA: CNRS-Plus's DN, another key
cat > "$ca/rogue.cnf" <<EOF
[ca]
default_ca = rogue
[rogue]
database = $ca/index.txt
crlnumber = $ca/crlnumber
certificate = $C/rogue.pem
private_key = $C/rogue.key
default_md = sha256
default_crl_days = 7
EOF
openssl ca -config "$ca/rogue.cnf" -gencrl -out "$ca/rogue.pem" \
    >> "$T/ca.log" 2>&1 || bail "rogue CRL: $(tail -3 "$T/ca.log")"

# a certificate bob's thief makes around bob's key: in no CRL
openssl req -new -x509 -key "$C/bob.key" -subj '/CN=Thief' -days 30 \
    -config "$C/ext.cnf" -out "$C/thief.pem" 2>> "$T/ca.log" &&
    cp "$C/bob.key" "$C/thief.key" || bail "thief: $(tail -3 "$T/ca.log")"

# ---- the site's tables: alice, bob and old in the index, all pinned;
# bob's key pinned too (line 4)
cp "$C/alice.pem" "$C/bob.pem" "$C/old.pem" "$ETC/certs/"
printf '%s RELAY\n' "$(fp alice)" "$(fp bob)" "$(fp old)" \
    "pubkey:$(cat "$C/bob.pubsha256")" > "$ETC/fingerprints"
# conf NAME LINES... - $ETC/NAME.conf, compiled
conf()
{
	local name=$1 l
	shift
	{
		echo "local_domains = local.example"
		echo "trusted_networks = 192.0.2.0/24"
		echo "fingerprint_table = $ETC/fingerprints"
		echo "cert_index = $ETC/certs"
		echo "index_ca_file = $C/cafile.pem"
		echo "sendmail_openssl = 3"
		echo "gatekeeper = all"
		for l in "$@"; do echo "$l"; done
	} > "$ETC/$name.conf"
	"$CLI" compile -c "$ETC/$name.conf" > "$ETC/$name.compile" 2>&1
}
cp "$ca/crl1.pem" "$ETC/crl.pem"
cp "$ca/crl1.der" "$ETC/crl.der"
conf before "pin_expiry = warn" ||
    bail "compile: $(tail -3 "$ETC/before.compile")"
conf after "crl_files = crl.pem" || bail "compile: $(tail -3 "$ETC/after.compile")"
conf after-der "crl_files = crl.der"
conf rogue "crl_files = $ca/rogue.pem"
chmod -R a+rX "$ETC" "$C"
check_match "l0 compile warns about the expired index cert" \
    "$(cat "$ETC/after.compile")" 'old\.pem: .*CN=Old Timer.*expired on'

# ---- l4: the command line says what the daemons will do
out=$("$CLI" check -c "$ETC/after.conf" --fingerprint "$(fp bob)" \
    --rcpt x@outside.example 2>/dev/null)
check_match "l4 check: bob REJECT, revoked" "$out" \
    '^REJECT 550 5\.7\.1 Client certificate revoked on [0-9-]+ [0-9:]+ UTC, reason keyCompromise .*revoked\)'
out=$("$CLI" check -c "$ETC/after.conf" --fingerprint "$(fp old)" \
    --rcpt x@outside.example 2>/dev/null)
check_match "l4 check: old REJECT, expired" "$out" \
    '^REJECT 550 5\.7\.1 Client certificate expired on 2025-02-01 00:00:00 UTC'
out=$("$CLI" cert -c "$ETC/after.conf" --index 2>&1)
check_match "l4 cert --index: bob revoked" "$out" \
    'life: REVOKED on .*, reason keyCompromise'
check_match "l4 cert --index: old expired" "$out" \
    'life: EXPIRED on 2025-02-01 00:00:00 UTC'
check_match "l4 cert: notAfter printed" "$("$CLI" cert "$C/old.pem")" \
    'not after: 2025-02-01 00:00:00 UTC \(EXPIRED'

# ---- l5: a CRL nobody trusted signed
out=$("$POLICYD" -c "$ETC/rogue.conf" -l "inet:1@127.0.0.1" -f 2>&1)
check_match "l5 policyd refuses to start on a rogue CRL" "$out" \
    "rogue\.conf:8: .*rogue\.pem: CRL of .*does not verify"

# ============================================ Postfix, policy server
sink_start "$T/sink" || bail "smtp-sink did not start"
declare -A LPORT PPORT POLPID
for r in before after; do
	pick_port "LPORT[$r]" && pick_port "PPORT[$r]" || bail "no port"
	start_bg "policyd-$r" "$T/policyd-$r.log" "$POLICYD" \
	    -c "$ETC/$r.conf" -l "inet:${PPORT[$r]}@127.0.0.1" -f -j
	POLPID[$r]=$LAST_PID
	wait_port "${PPORT[$r]}" 10 ||
	    bail "policyd $r: $(tail -3 "$T/policyd-$r.log")"
done
check "l2 policyd warns at start: old expired" grep -q \
    'warning: .*old\.pem: CN=Old Timer.*expired on 2025-02-01 00:00:00 UTC' \
    "$T/policyd-after.log"
check "l2 policyd warns at start: bob revoked" grep -q \
    'warning: .*bob\.pem: .*revoked on .*keyCompromise' \
    "$T/policyd-after.log"

pf_init "$C"
for r in before after; do
	pf_listener "sock-$r" "${LPORT[$r]}" "smtpd_relay_restrictions = permit_mynetworks, check_policy_service inet:127.0.0.1:${PPORT[$r]}, permit_sasl_authenticated, reject_unauth_destination"
done
pf_start || bail "postfix did not start"

# pf_try NAME RULESET CERT RCPT - sets OUT, TOKEN, ERR
pf_try() { smtp_as "$1" "${LPORT[$2]}" "$3" "$4"; }
OUTSIDE=rcpt@outside.example
REVOKED_BOB='^550 5\.7\.1 .*Client certificate revoked on [0-9-]+ [0-9:]+ UTC, reason keyCompromise'
EXPIRED_OLD='^550 5\.7\.1 .*Client certificate expired on 2025-02-01 00:00:00 UTC: not relayed'

pf_try pf-l1-old before old $OUTSIDE
relayed "l1 postfix: without the feature the expired pin relays"
pf_try pf-l1-bob before bob $OUTSIDE
relayed "l1 postfix: without a CRL revoked bob relays"
pf_try pf-l2-old after old $OUTSIDE
refused "l2 postfix: expired pin refused, names expiry" "$EXPIRED_OLD"
pf_try pf-l2-oldlocal after old local@local.example
relayed "l2 postfix: expired cert's local recipient still accepted"
pf_try pf-l2-bob after bob $OUTSIDE
refused "l2 postfix: revoked bob refused with date and reason" \
    "$REVOKED_BOB"
pf_try pf-l2-alice after alice $OUTSIDE
relayed "l2 postfix: alice still relays"
pf_try pf-l1-thief before thief $OUTSIDE
relayed "l1 postfix: without a CRL bob's key pin relays the thief's cert"
pf_try pf-l2-thief after thief $OUTSIDE
refused "l2 postfix: bob revoked: his key in the thief's cert refused" \
    "^550 5\.7\.1 .*Client certificate's key is a revoked certificate's"
plog=$T/policyd-after.log
check "l2 postfix: log says expired" grep -Eq \
    'action=REJECT stage=policy rule=[^ ]*fingerprints:3 kind=expired .*note="[^"]*certificate expired on 2025-02-01' \
    "$plog"
check "l2 postfix: log says revoked, with reason" grep -Eq \
    'action=REJECT stage=policy rule=[^ ]*fingerprints:2 kind=revoked reply="550 5\.7\.1 Client certificate revoked on [^"]*keyCompromise"' \
    "$plog"

# l3: crl2 in place, SIGHUP
mark=$(log_mark "$plog")
cp "$ca/crl2.pem" "$ETC/crl.pem.new" && mv "$ETC/crl.pem.new" "$ETC/crl.pem"
kill -HUP "${POLPID[after]}"
check "l3 postfix: policyd reloaded" wait_log_line "$plog" 'reloaded' 5 \
    "$mark"
pf_try pf-l3-alice after alice $OUTSIDE
refused "l3 postfix: alice refused after the new CRL" \
    '^550 5\.7\.1 .*revoked on .*reason affiliationChanged'
# l5 at reload: the rogue CRL is refused, crl2 stays in service
mark=$(log_mark "$plog")
cp "$ca/rogue.pem" "$ETC/crl.pem"
kill -HUP "${POLPID[after]}"
check "l5 postfix: reload with a rogue CRL fails, says why" \
    wait_log_line "$plog" \
    'reload failed, previous tables stay in service: .*crl\.pem: CRL of .*does not verify' \
    5 "$mark"
pf_try pf-l5-alice after alice $OUTSIDE
refused "l5 postfix: last good CRL stays: alice still refused" \
    'revoked on .*affiliationChanged'
cp "$ca/crl1.pem" "$ETC/crl.pem"	# for the Sendmail part, as it was
pf_stop

# ============================================ Sendmail, milter
SMDIR=$T/sendmail
mkdir -p "$SMDIR"
sm_fetch || bail "cannot unpack sendmail"
# SM_GATE_PORT too: sm_configure's mc loses its STARTTLS lines without it
# (the heredoc's ${SM_GATE_PORT:+...} then swallows them)
sm_pick_port SM_PORT && sm_pick_port SM_GATE_PORT && sm_pick_port MPORT ||
    bail "no ports"
SM_SINK_PORT=$SINK_PORT SM_TLS=$C SM_MILTER="inet:$MPORT@127.0.0.1"
E2E_STOP_HOOKS+=("sm_stop '$SMDIR'")
sm_configure "$SMDIR" || bail "sm_configure"
MPID=
# milter_use CONF - (re)start the milter on that configuration
milter_use()
{
	[ -n "$MPID" ] && stop_pid "$MPID" 5 KILL
	MLOG=$T/milter-$1.log
	start_bg "milter-$1" "$MLOG" "$MILTER" -c "$ETC/$1.conf" \
	    -p "inet:$MPORT@127.0.0.1" -f
	MPID=$LAST_PID
	wait_port "$MPORT" 10 && pid_alive "$MPID"
}
milter_use before || bail "milter: $(tail -3 "$MLOG")"
sm_start "$SMDIR" || bail "sendmail did not start; $SMDIR/maillog"

# sm_try NAME CERT RCPT - sets OUT, TOKEN, ERR
sm_try()
{
	local FROM=sender@local.example
	smtp_as "$1" "$SM_GATE_PORT" "$2" "$3"
}
relayed_sm()
{
	if [ -n "$ERR" ]; then
		fail "$1" "got '$ERR', want relayed | milter: $(grep action= \
		    "$MLOG" | tail -1)"
	elif [ -z "$(sink_wait "$TOKEN" 20)" ]; then
		fail "$1" "accepted but not in the sink after 20 s"
	else
		pass "$1"
	fi
}

sm_try sm-l1-old old "$OUTSIDE"
relayed_sm "l1 sendmail: without the feature the expired pin relays"
sm_try sm-l1-bob bob "$OUTSIDE"
relayed_sm "l1 sendmail: without a CRL revoked bob relays"
milter_use after-der || bail "milter: $(tail -3 "$MLOG")"
check "l2 sendmail: milter warns at start: bob revoked" grep -q \
    'warning: .*bob\.pem: .*revoked on .*keyCompromise' "$MLOG"
sm_try sm-l2-old old "$OUTSIDE"
refused "l2 sendmail: expired pin refused, names expiry" "$EXPIRED_OLD"
sm_try sm-l2-bob bob "$OUTSIDE"
refused "l2 sendmail: revoked bob refused with date and reason (DER CRL)" \
    "$REVOKED_BOB"
sm_try sm-l2-alice alice "$OUTSIDE"
relayed_sm "l2 sendmail: alice still relays"
check "l2 sendmail: log says revoked" grep -Eq \
    'action=REJECT stage=rcpt rule=[^ ]*fingerprints:2 kind=revoked .*verify=OK' \
    "$MLOG"
check "l2 sendmail: log says expired" grep -Eq \
    'action=REJECT stage=rcpt .*kind=expired .*verify=FAIL' "$MLOG"
mark=$(log_mark "$MLOG")
cp "$ca/crl2.der" "$ETC/crl.der.new" && mv "$ETC/crl.der.new" "$ETC/crl.der"
kill -USR1 "$MPID"
check "l3 sendmail: milter reloaded" wait_log_line "$MLOG" 'reloaded' 5 \
    "$mark"
sm_try sm-l3-alice alice "$OUTSIDE"
refused "l3 sendmail: alice refused after the new CRL" \
    '^550 5\.7\.1 .*revoked on .*reason affiliationChanged'
milter_use rogue
check "l5 sendmail: milter refuses to start on a rogue CRL" grep -Eq \
    'rogue\.conf:8: .*CRL of .*does not verify' "$MLOG"
sm_stop "$SMDIR"

e2e_summary
