#!/bin/bash
#
# sendmail.sh BUILD_DIR - certrelay-milter against a real Sendmail (issue 6)
#
# A private Sendmail 8.17 (tests/e2e/sendmail-setup.sh) listens on
# 127.0.0.1 twice, Name=CRT and Name=MTA as the shipped snippet names its
# listeners, both through one certrelay-milter; it asks every client for
# a certificate, sends the certificate macros to the milter and relays
# everything to smtp-sink.  Sendmail itself lets 127.0.0.1 relay
# ("originated locally"), and the milter's config says the shipped
# example's gatekeeper line (gatekeeper = CRT): on CRT the milter is the
# only gate (what reaches the sink was let through by certrelay), on MTA
# Sendmail's own rule decides.  Cases are sent to CRT unless they say MTA.  Each case loads its own config and tables
# (the milter is restarted between cases, Sendmail is not).
#
# Phase 0 runs a logging test double (macrolog-milter.c) instead of
# certrelay-milter: it proves the harness and records what Sendmail lets
# a milter see, so a failure there is the harness, not the daemon.
#
# What each rule kind can see, Sendmail milter vs Postfix milter
# (README.md, "What each MTA lets each rule see"; phase 0 here measures
# Sendmail's side, postfix-milter.sh and postfix-policyd.sh Postfix's):
#   fingerprint  Sendmail {cert_fp} (sha256 with CertFingerprintAlgorithm),
#                for verified and unverified certs.  Postfix milter: none
#                (only the policy server gets ccert_fingerprint).
#   pubkey pin   Sendmail: never sent; only through the cert index
#                ({cert_fp} -> cert -> SPKI).  Postfix policy: sent.
#   subject/DN   Sendmail: full DN, oneline + xtext, cut at 255 characters
#                at an RDN boundary.  Postfix: CN only.
#   issuer       Sendmail: full issuer DN.  Postfix: issuer CN only.
#   email        Sendmail: emailAddress inside the (maybe cut) subject DN,
#                never the subjectAltName.  Postfix: nothing (index only).
#   regex/attr   Sendmail: on the full DN.  Postfix: CN only, or the index.
#   verified?    Sendmail {verify}=OK|TRUSTED.  Postfix: {cert_subject} sent.
#
# Loopback only, ports 21000-21999, every wait bounded, processes stopped
# by PID (lib.sh's registry).  Prints "N passed, N failed"; exit 0 iff none
# failed.  E2E_KEEP=1 keeps the work dir.

E2E=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$E2E/lib.sh"
. "$E2E/sendmail-setup.sh"

e2e_binaries "${1:?usage: sendmail.sh BUILD_DIR}"

# lib.sh's pick_port serves the Postfix tests' range; ours is 21000-21999.
pick_port() { sm_pick_port "$@"; }

e2e_init sendmail
SECONDS=0
C=$T/certs
SMDIR=$T/sendmail
mkdir -p "$T/out" "$T/p" "$SMDIR"
REFUSED=()	# tokens that must never reach the sink
MPID=
MLOG=/dev/null

# What Sendmail sends as {cert_subject} for the odd certificates of
# certs.sh (measured; phase 0 checks these constants still hold):
# OpenSSL's oneline escapes first ("\/", "\+", "\xC3"), then xtext
# ("\" -> +5C, "+" -> +2B, " " -> +20).  The multi-valued RDN
# OU=UMR7503+L=Paris comes out in DER order, L first, while RFC 4514
# printing (openssl -nameopt RFC2253) gives OU first.
SPECIAL_SM='/C=FR/O=CNRS/OU=R&D+5C/Paris/L=Paris+2BOU=UMR7503/CN=Jean+20Dupont+5C+2BFils,+20Jr'
UTF8_SM='/C=FR/O=CNRS/OU=UMR7503/CN=+5CxC3+5Cx89lise+20No+5CxC3+5CxABl'
# The long DN is 351 characters in oneline form; Sendmail's
# X509_NAME_oneline() into a 256-byte buffer drops whole RDNs that do not
# fit, so 206 characters arrive, not 255: the length alone does not tell.
LONG_SM_CUT='/C=FR/O=CNRS/OU=Laboratoire-de-Physique-des-Interactions-Ioniques-Moleculaires/OU=Institut-de-Recherche-sur-les-Phenomenes-Hors-Equilibre-IRPHE/OU=Centre-Interdisciplinaire-de-Nanoscience-de-Marseille-CINaM'

# send TOKEN CERT RCPT [SWAKS-ARGS] - CERT: a certs.sh name, "-" (TLS
# without a certificate) or "none" (no TLS)
send()
{
	local tok=$1 cert=$2 rcpt=$3 tls=()
	shift 3
	case $cert in
	none) ;;
	-) tls=(--tls) ;;
	*) tls=(--tls --tls-cert "$C/$cert.pem" --tls-key "$C/$cert.key") ;;
	esac
	smtp "$T/out/$tok" "$tok" --server 127.0.0.1 --port "${SEND_PORT:-$SM_GATE_PORT}" \
	    --from sender@local.example --to "$rcpt" "${tls[@]}" "$@"
}

# why TOKEN - the reply and the milter's last decision, for a FAIL line
why()
{
	local r
	r=$(smtp_error "$T/out/$1")
	[ -n "$r" ] || r=$(smtp_last "$T/out/$1")
	printf '%s | milter: %s' "${r:-no reply}" \
	    "$(grep -E 'action=|error|fatal|warn' "$MLOG" 2>/dev/null | tail -1)"
}

# expect_relay NAME TOKEN CERT [SWAKS-ARGS] - delivered to the sink;
# sets RELAYED to the delivered file
expect_relay()
{
	local name=$1 tok=$2 cert=$3
	shift 3
	RELAYED=
	send "$tok" "$cert" "rcpt-$tok@outside.example" "$@"
	if [ -n "$(smtp_error "$T/out/$tok")" ]; then
		fail "$name" "refused, want relayed: $(why "$tok")"
		return 1
	fi
	if RELAYED=$(sink_wait "$tok" 15); then
		pass "$name"
		return 0
	fi
	fail "$name" "accepted but not in the sink after 15 s: $(why "$tok")"
	return 1
}

# expect_refused NAME TOKEN CERT ERE [SWAKS-ARGS] - first error matches ERE
expect_refused()
{
	local name=$1 tok=$2 cert=$3 want=$4 got
	shift 4
	REFUSED+=("$tok")
	send "$tok" "$cert" "rcpt-$tok@outside.example" "$@"
	got=$(smtp_error "$T/out/$tok")
	if printf '%s\n' "$got" | grep -Eq -- "$want"; then
		pass "$name"
	else
		fail "$name" "got '${got:-no error}', want /$want/ | milter: $(
		    grep -E 'action=' "$MLOG" 2>/dev/null | tail -1)"
	fi
}

# milter_stop - stop the running milter by PID.  SIGKILL: libmilter ends
# its accept loop up to 5 s after SIGTERM, which times a dozen restarts
# would cost; case 8 checks the clean SIGTERM exit once.
milter_stop()
{
	[ -n "$MPID" ] || return 0
	stop_pid "$MPID" 5 KILL || note "milter $MPID would not stop"
	MPID=
}

# milter_use NAME CONF-LINE... - config $T/p/NAME/certrelay.conf from the
# common lines plus these, compile its tables, (re)start the milter.
# Tables are written by the caller into $T/p/NAME first.
milter_use()
{
	local name=$1 d=$T/p/$1 l
	shift
	milter_stop
	MLOG=$T/milter-$name.log
	{
		echo "# tests/e2e/sendmail.sh, case $name"
		echo "local_domains = local.example"
		echo "# Every test client is 127.0.0.1: trusting it would relay all."
		echo "trusted_networks = 198.51.100.0/24"
		echo "min_tls_version = TLSv1.2"
		echo "min_cipher_bits = 128"
		echo "header_name = X-Certrelay"
		echo "# Debian 12's Sendmail is linked with OpenSSL 3."
		echo "sendmail_openssl = ${SM_OPENSSL:-3}"
		echo "$GATE_LINE"
		for l in "$@"; do echo "$l"; done
	} >"$d/certrelay.conf"
	if ! "$CLI" compile -c "$d/certrelay.conf" >"$d/compile.out" 2>&1; then
		note "case $name: certrelay compile -c failed: $(tail -3 "$d/compile.out")"
		return 1
	fi
	start_bg "milter-$name" "$MLOG" \
	    "$MILTER" -c "$d/certrelay.conf" -p "inet:$MPORT@127.0.0.1" -f
	MPID=$LAST_PID
	if ! wait_port "$MPORT" 10 || ! pid_alive "$MPID"; then
		note "case $name: certrelay-milter did not start: $(tail -3 "$MLOG")"
		return 1
	fi
}

# pdir NAME - the directory of a case's tables
pdir() { P=$T/p/$1; mkdir -p "$P"; }

hexnorm() { tr -d ':' | tr 'A-F' 'a-f'; }
in_sink() { sink_wait "$1" 15 >/dev/null; }

# ---------------------------------------------------------------- setup
[ "$(id -u)" -eq 0 ] ||
    e2e_skip "not root: Sendmail runs in its own UTS namespace"
need_cmd swaks m4 unshare saslpasswd2 perl openssl cc ss ||
    e2e_skip "$NEED_WHY (contrib/install-deps.sh)"
if ! sh "$E2E/certs.sh" "$C" >"$T/certs.log" 2>&1; then
	fail setup "certs.sh: $(tail -3 "$T/certs.log")"
	e2e_summary
	exit
fi
if ! sm_fetch; then
	fail setup "cannot unpack sendmail (see above)"
	e2e_summary
	exit
fi
sink_start "$T/sink" || { fail setup "smtp-sink did not start"; e2e_summary; exit; }
sm_pick_port SM_PORT && sm_pick_port SM_GATE_PORT && sm_pick_port MPORT ||
    { fail setup "no ports"; e2e_summary; exit; }
# the shipped example's gatekeeper line, as shipped
GATE_LINE=$(grep -E '^gatekeeper[[:space:]]*=' "$REPO/policy-tables/certrelay.conf")
check_match "shipped certrelay.conf gates the snippet's CRT listener" \
    "$GATE_LINE" '^gatekeeper *= *CRT$'
SM_SINK_PORT=$SINK_PORT SM_TLS=$C SM_MILTER="inet:$MPORT@127.0.0.1"
E2E_STOP_HOOKS+=("sm_stop '$SMDIR'")
sm_configure "$SMDIR" || { fail setup "sm_configure"; e2e_summary; exit; }

# ---------------------------- the shipped sendmail.mc snippet, checked
# It must build, Sendmail must know every option in it, and its ruleset
# must let the CRT listener relay while port 25 keeps "Relaying denied".
snip=$REPO/contrib/sendmail/sendmail.mc.certrelay
if [ -f "$snip" ]; then
	split=$(grep -n '==== part 2' "$snip" | cut -d: -f1)
	mkdir -p "$T/snip/q"
	: >"$T/snip/aliases"
	{
		echo "include(\`$SM_CFDIR/m4/cf.m4')dnl"
		echo "OSTYPE(\`linux')dnl"
		echo "define(\`QUEUE_DIR', \`$T/snip/q')dnl"
		echo "define(\`ALIAS_FILE', \`$T/snip/aliases')dnl"
		echo "define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit,GroupWritableDirPathSafe')dnl"
		head -n "$((split - 1))" "$snip"
		echo "MAILER(\`local')dnl"
		echo "MAILER(\`smtp')dnl"
		tail -n "+$split" "$snip"
	} >"$T/snip/sendmail.mc"
	m4 "$T/snip/sendmail.mc" >"$T/snip/sendmail.cf" 2>"$T/snip/m4.err"
	check_eq "contrib snippet builds with m4" "$(cat "$T/snip/m4.err")" ""
	printf '%s\n' '.D{client_addr}192.0.2.9' '.D{daemon_name}CRT' \
	    'check_rcpt <x@outside.example>' '.D{daemon_name}MTA' \
	    'check_rcpt <x@outside.example>' |
	    sm_bt "$T/snip/sendmail.cf" >"$T/snip/bt.out" 2>&1
	check_nomatch "contrib snippet: Sendmail knows every option" \
	    "$(grep -E 'unknown|line [0-9]+:' "$T/snip/bt.out")" .
	check_eq "contrib snippet: CRT listener relays, port 25 does not" \
	    "$(grep '^check_rcpt *returns' "$T/snip/bt.out" | tr -s ' ' | tr '\n' '|')" \
	    'check_rcpt returns: $# RELAY|check_rcpt returns: $# error $@ 5 . 7 . 1 $: "550 Relaying denied"|'
	# certrelay doctor reads the whole built file as an admin's would be.
	check_eq "contrib snippet: certrelay doctor finds no risk" \
	    "$("$CLI" doctor -c "$REPO/policy-tables/certrelay.conf" \
	    --sendmail "$T/snip/sendmail.cf" 2>&1; echo "exit=$?")" \
	    "certrelay doctor: 0 open relays, 0 warnings
exit=0"
else
	fail "contrib snippet" "no $snip"
fi

# ------------------------------------------- phase 0: the harness alone
# A logging milter that accepts everything; Sendmail relays for 127.0.0.1.
if cc -o "$T/macrolog" "$E2E/macrolog-milter.c" -lmilter -lpthread \
    >"$T/macrolog.cc" 2>&1; then
	start_bg macrolog "$T/macrolog.log" "$T/macrolog" \
	    "inet:$MPORT@127.0.0.1" "$T/macros.log"
	MPID=$LAST_PID
	wait_port "$MPORT" 10
else
	note "macrolog-milter: $(head -3 "$T/macrolog.cc")"
fi
t0=$(date +%s%N)
if ! sm_start "$SMDIR"; then
	fail "h sendmail starts" "see above; $SMDIR/maillog"
	e2e_summary
	exit
fi
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "h sendmail listening within 5 s (${ms} ms)" test "$ms" -lt 5000

# macros_of RCPT - the milter's RCPT-stage macro line for that recipient
macros_of() { grep -F "{rcpt_addr}=\"$1\"" "$T/macros.log" 2>/dev/null | tail -1; }
# macro LINE NAME - one macro's value from a macrolog line
macro() { printf '%s\n' "$1" | sed -n "s/.* $2=\"\\([^\"]*\\)\".*/\\1/p"; }

expect_relay "h Sendmail itself relays alice (the milter is the gate)" h-alice alice
check_match "h STARTTLS offered" "$(cat "$T/out/h-alice")" '250[- ]STARTTLS'
m=$(macros_of rcpt-h-alice@outside.example)
check_eq "h alice {verify}" "$(macro "$m" '{verify}')" OK
check_eq "h alice {cert_fp} = sha256 of the cert" "$(macro "$m" '{cert_fp}')" "$(cat "$C/alice.sha256")"
check_eq "h alice {cert_subject}" "$(macro "$m" '{cert_subject}')" \
    '/C=FR/O=CNRS/OU=UMR7503/CN=Alice+20Martin/emailAddress=alice.martin@umr7503.example'
check_eq "h alice {cert_issuer}" "$(macro "$m" '{cert_issuer}')" '/C=FR/O=CNRS/CN=CNRS-Plus'
for n in forgery partner special utf8 long; do
	send "h-$n" "$n" "rcpt-h-$n@outside.example" --quit-after RCPT
done
m=$(macros_of rcpt-h-forgery@outside.example)
check_eq "h forgery {verify}" "$(macro "$m" '{verify}')" FAIL
check_eq "h forgery shows alice's subject" "$(macro "$m" '{cert_subject}')" \
    '/C=FR/O=CNRS/OU=UMR7503/CN=Alice+20Martin/emailAddress=alice.martin@umr7503.example'
m=$(macros_of rcpt-h-partner@outside.example)
check_eq "h partner {verify}" "$(macro "$m" '{verify}')" FAIL
check_eq "h partner {cert_fp}" "$(macro "$m" '{cert_fp}')" "$(cat "$C/partner.sha256")"
m=$(macros_of rcpt-h-special@outside.example)
check_eq "h special {cert_subject}" "$(macro "$m" '{cert_subject}')" "$SPECIAL_SM"
m=$(macros_of rcpt-h-utf8@outside.example)
check_eq "h utf8 {cert_subject}" "$(macro "$m" '{cert_subject}')" "$UTF8_SM"
m=$(macros_of rcpt-h-long@outside.example)
check_eq "h long {cert_subject} is cut" "$(macro "$m" '{cert_subject}')" "$LONG_SM_CUT"
send h-auth none rcpt-h-auth@outside.example -a PLAIN -au alice -ap secret --quit-after RCPT
check_match "h SASL AUTH PLAIN in clear accepted by Sendmail" "$(cat "$T/out/h-auth")" '235 2\.0\.0'
m=$(macros_of rcpt-h-auth@outside.example)
check_eq "h auth macros" "$(macro "$m" '{auth_type}')/$(macro "$m" '{auth_authen}')/$(macro "$m" '{auth_ssf}')/$(macro "$m" '{verify}')" "PLAIN/alice/0/"
milter_stop

if [ ! -x "$MILTER" ] || [ ! -x "$CLI" ]; then
	fail_all "no $MILTER or $CLI (build first)" "certrelay-milter cases"
	e2e_summary
	exit
fi

# ----------------------- certrelay makemap beside Sendmail's own makemap
# One access source through both.  Every CERT* key of Sendmail's map
# (makemap -u dumps it, keys lower-cased) gets the same action from
# certrelay's map; a key with no action fails both, on line 2.  Other
# keys (Connect:) are Sendmail's alone: certrelay does not compile them.
makemap_cases()
{
	local d=$T/makemap smm=$SM_ROOT/usr/libexec/sendmail/makemap
	local k v got n=0 bad= rc
	mkdir -p "$d" && : >"$d/empty.cf"
	printf '%s\n' '# the seed, and what else an access file holds' \
	    'CERTISSUER:/C=FR/O=CNRS/CN=CNRS-Plus      RELAY' \
	    'CERTISSUER:/C=FR/O=CNRS/CN=CNRS-Standard RELAY' '' \
	    'CERTSUBJECT:/C=FR/O=CNRS/CN=Alice+20Martin	RELAY' \
	    'CertSubject:/C=FR/O=Lab/CN=Bob ERROR:5.7.1:550 Bob may not relay' \
	    'Connect:192.0.2.1 REJECT' >"$d/access"
	if ! "$smm" -C "$d/empty.cf" hash "$d/sm" <"$d/access" \
	    >"$d/sm.out" 2>&1 ||
	    ! "$smm" -C "$d/empty.cf" -u hash "$d/sm" >"$d/dump" 2>&1; then
		fail "makemap: Sendmail's makemap" "$(head -3 "$d/sm.out")"
		return
	fi
	check "makemap: certrelay makemap builds the same source" \
	    quiet "$CLI" makemap hash "$d/cr" <"$d/access"
	while IFS=$'\t' read -r k v; do
		case $k in certissuer:* | certsubject:*) ;; *) continue ;; esac
		n=$((n + 1))
		got=$("$CLI" query "$d/cr" "$k" 2>&1)
		[ "${got% (*}" = "$v" ] ||
		    bad="$bad [$k: Sendmail '$v', certrelay '$got']"
	done <"$d/dump"
	check_eq "makemap: Sendmail's map holds the 4 CERT* keys" "$n" 4
	check_eq "makemap: certrelay answers each of them as Sendmail's map" \
	    "$bad" ""
	printf '%s\n' 'CERTISSUER:/C=FR/O=X/CN=Y RELAY' 'CERTSUBJECT:/C=FR/CN=x' \
	    >"$d/bad"
	"$smm" -C "$d/empty.cf" hash "$d/smbad" <"$d/bad" >"$d/smbad.out" 2>&1
	rc=$?
	check_match "makemap: no action: Sendmail's makemap fails on line 2" \
	    "$rc $(tr '\n' ' ' <"$d/smbad.out")" '^[1-9][0-9]* .*line 2: no RHS'
	"$CLI" makemap hash "$d/crbad" <"$d/bad" >"$d/crbad.out" 2>&1
	rc=$?
	check_match "makemap: no action: certrelay makemap fails on stdin:2" \
	    "$rc $(tr '\n' ' ' <"$d/crbad.out")" '^1 certrelay: stdin:2: '
}
makemap_cases

# auth_order TOKEN ORDER [refused] - one session by smtp-auth-order.pl
# on CRT; sets AO_RC (its exit) and AO_MAIL (the reply to MAIL)
auth_order()
{
	[ -n "${3:-}" ] && REFUSED+=("$1")
	timeout 60 perl "$E2E/smtp-auth-order.pl" 127.0.0.1 "$SM_GATE_PORT" \
	    "$2" alice secret sender@local.example "rcpt-$1@outside.example" \
	    "$1" >"$T/out/$1" 2>&1
	AO_RC=$?
	AO_MAIL=$(sed -n '/^-> MAIL/{n;p}' "$T/out/$1" | sed 's/^<- //')
}

# 9 (issue 15): AUTH PLAIN in clear, then STARTTLS: Sendmail keeps the
# AUTH, and MAIL looks like MAIL after an AUTH over TLS.  The milter
# must refuse it at MAIL (530 5.7.0) and log the exposed credentials;
# STARTTLS, EHLO, AUTH relays.
auth_order_cases()
{
	local mark
	mark=$(log_mark "$MLOG")
	auth_order c9-auth-first auth-first refused
	check_match "9 AUTH in clear, STARTTLS, EHLO: AUTH accepted by Sendmail" \
	    "$(cat "$T/out/c9-auth-first")" '^<- 235 '
	check_match "9 AUTH in clear, STARTTLS, EHLO, MAIL: 530 5.7.0" \
	    "$AO_MAIL" '^530 5\.7\.0'
	check "9 warning: user, client, AUTH before STARTTLS" log_has "$MLOG" \
	    'warning: user=alice client=[^ ]*127\.0\.0\.1.*AUTH before STARTTLS.*crossed the network in clear' "$mark"
	auth_order c9-noehlo auth-noehlo refused
	check_match "9 STARTTLS, AUTH with no EHLO over TLS: 530 5.7.0" \
	    "$AO_MAIL" '^530 5\.7\.0'
	auth_order c9-tls-first tls-first
	if [ "$AO_RC" -eq 0 ] && in_sink c9-tls-first; then
		pass "9 control: STARTTLS, EHLO, AUTH, MAIL: relayed"
	else
		fail "9 control: STARTTLS, EHLO, AUTH, MAIL: relayed" \
		    "exit $AO_RC: $(tail -2 "$T/out/c9-tls-first" | tr '\n' ' ')"
	fi
}

# ------------------------- 1, 2, 7: the seed-001 access file, unchanged
# Byte for byte the two lines of shared/seeds/001 (the CNRS DR15 how-to).
# Sendmail: CERTISSUER: matches the full issuer DN {cert_issuer}.
# Postfix milter: {cert_issuer} is only "CNRS-Plus" (the CN); the same file
# needs the cert index there.
pdir access
printf '%s\n' 'CERTISSUER:/C=FR/O=CNRS/CN=CNRS-Plus      RELAY' \
    'CERTISSUER:/C=FR/O=CNRS/CN=CNRS-Standard RELAY' >"$P/access"
if milter_use access "access_table = $P/access"; then
	if expect_relay "1 access: alice (CNRS-Plus) relayed" c1-alice alice \
	    --add-header "X-Certrelay: forged-by-client"; then
		h=$(header_lines "$RELAYED" X-Certrelay)
		check_eq "1 exactly one X-Certrelay header" \
		    "$(printf '%s\n' "$h" | grep -c .)" 1
		check_nomatch "1 client's X-Certrelay removed" "$h" forged-by-client
		check_match "1 header names the holder" "$h" 'subject="[^"]*Alice Martin'
		check_match "1 header names the issuer" "$h" 'issuer="[^"]*CNRS-Plus'
		check_match "1 header cites access line 1" "$h" 'rule=[^ ]*access:1'
		fp=$(printf '%s\n' "$h" | sed -n 's/.*fp=\([^ ;]*\).*/\1/p' |
		    sed 's/^sha256://' | hexnorm)
		check_eq "1 header fp = alice's sha256" "$fp" "$(hexnorm <"$C/alice.sha256")"
	fi
	expect_relay "1 access: carol (CNRS-Standard, line 2) relayed" c1-carol carol
	expect_refused "1 TLS without a cert refused" c1-nocert - '^550 5\.7\.1'
	expect_refused "1 no TLS refused" c1-notls none '^550 5\.7\.1'
	expect_refused "1 partner (self-signed, not in the file) refused" c1-partner partner '^550 5\.7\.1'
	# Gatekeeper: a local_domains recipient needs no credential.
	send c1-local none rcpt-c1-local@local.example
	check "1 local domain accepted without a cert" in_sink c1-local
	# 2: rogue signer, same subject and issuer DN as alice: {verify}=FAIL.
	expect_refused "2 forgery ({verify}=FAIL) refused" c2-forgery forgery '^550 5\.7\.1'
	# 7: AUTH over plaintext.  Sendmail (AuthOptions=A) lets it through;
	# the milter answers at MAIL FROM.  Postfix gives the same macros
	# ({auth_type}, no TLS macros), so the same reply is expected there.
	mark=$(log_mark "$MLOG")
	expect_refused "7 AUTH PLAIN in clear: 530 5.7.0" c7-plain none '^530 5\.7\.0' \
	    -a PLAIN -au alice -ap secret
	check "7 warning names the user and the client" \
	    log_has "$MLOG" 'alice.*127\.0\.0\.1|127\.0\.0\.1.*alice' "$mark"
	expect_relay "7 AUTH PLAIN over TLS (no cert) relayed" c7-tls - \
	    -a PLAIN -au alice -ap secret
	# the same milter on the other listener: Sendmail's own rule
	# ("originated locally") decides, the milter does not gate
	check_match "g start-up line says which listeners are gated" \
	    "$(grep -m1 'gatekeeper=' "$MLOG")" 'gatekeeper=CRT: on listener\(s\) CRT'
	SEND_PORT=$SM_PORT expect_relay "g MTA listener: no cert relayed by Sendmail's rule (not gated)" \
	    g-mta-nocert -
	expect_refused "g CRT listener: no cert refused by the milter" \
	    g-crt-nocert - '^550 5\.7\.1 .*no acceptable client certificate'
	SEND_PORT=$SM_PORT expect_refused "g MTA listener: AUTH in clear still 530" \
	    g-mta-plain none '^530 5\.7\.0' -a PLAIN -au alice -ap secret
	auth_order_cases
else
	fail_all "milter did not start with the access table" 1 2 7 g 9
fi

# ---------------------------------- 3, 4: fingerprint pins and revocation
# Sendmail sends {cert_fp} for unverified certs too (pinning works on a
# self-signed cert); Postfix's milter sends no fingerprint at all (the
# policy server gets it).  Formats: relay_clientcerts free text = RELAY;
# lower case without colons.
pdir fp
{
	echo "# partner: relay_clientcerts line, free text means RELAY"
	echo "$(cat "$C/partner.sha256") antenne.danang.vn.refer.org"
	echo "$(hexnorm <"$C/revoked.sha256") REJECT"
} >"$P/fingerprints"
printf '%s\n' '/C=FR/O=CNRS/CN=CNRS-Plus RELAY' >"$P/issuers"
if milter_use fp "fingerprint_table = $P/fingerprints" "issuer_table = $P/issuers"; then
	expect_relay "3 sha256 pin: partner (self-signed) relayed" c3-partner partner
	expect_refused "4 revoked fp REJECT under an allowed issuer" c4-revoked revoked '^550 5\.7\.1'
	expect_relay "4 alice still relayed by the issuer rule" c4-alice alice
else
	fail_all "milter did not start with the fingerprint table" 3 4
fi

# pubkey pin: Sendmail never sends a public-key fingerprint (Postfix's
# policy delegation does).  Without the index it must not relay; with the
# index the milter maps {cert_fp} to the cert and its SPKI digest.
pdir pubkey
echo "pubkey:$(cat "$C/partner.pubsha256") RELAY" >"$P/fingerprints"
if milter_use pubkey "fingerprint_table = $P/fingerprints"; then
	expect_refused "3 pubkey pin without the index: not relayed" c3-pk-noidx partner '^550 5\.7\.1'
else
	fail_all "milter did not start (pubkey pin)" "3 pubkey without index"
fi
mkdir -p "$P/certdir" && cp "$C/partner.pem" "$C/alice.pem" "$P/certdir/"
# partner does not chain to cafile.pem: the index gives it no names, but
# its pins still apply.
if milter_use pubkey "fingerprint_table = $P/fingerprints" "cert_index = $P/certdir" \
    "index_ca_file = $C/cafile.pem"; then
	expect_relay "3 pubkey pin through the cert index: relayed" c3-pk-idx partner
else
	fail_all "milter did not start (pubkey pin + index)" "3 pubkey with index"
fi

# ------------------------------------- 5: regex rule, attribute rule, alone
# Sendmail: matched on the full DN.  Postfix milter: only the CN is seen,
# so the same OU rule needs the cert index there.
pdir regex
printf '%s\n' '/OU=UMR7503/ issuer=/C=FR/O=CNRS/CN=CNRS-Plus RELAY' >"$P/regex"
if milter_use regex "regex_table = $P/regex"; then
	expect_relay "5 regex /OU=UMR7503/: alice relayed" c5r-alice alice
	expect_refused "5 regex: bob (OU=UMR9999) refused" c5r-bob bob '^550 5\.7\.1'
	expect_refused "5 regex: carol (UMR7503, other issuer) refused" c5r-carol carol '^550 5\.7\.1'
	expect_refused "5 regex: forgery refused" c5r-forgery forgery '^550 5\.7\.1'
else
	fail_all "milter did not start with the regex table" "5 regex"
fi
pdir attr
printf '%s\n' 'issuer=/C=FR/O=CNRS/CN=CNRS-Plus attr=OU value=UMR7503 RELAY' >"$P/attributes"
if milter_use attr "attribute_table = $P/attributes"; then
	expect_relay "5 attribute OU=UMR7503: alice relayed" c5a-alice alice
	expect_refused "5 attribute: bob refused" c5a-bob bob '^550 5\.7\.1'
	expect_refused "5 attribute: carol (other issuer) refused" c5a-carol carol '^550 5\.7\.1'
	expect_refused "5 attribute: forgery refused" c5a-forgery forgery '^550 5\.7\.1'
else
	fail_all "milter did not start with the attribute table" "5 attribute"
fi

# ----------------------------------------- 6: qmail control/tlsclients
# Sendmail: emailAddress inside the subject DN only (never the SAN), and
# lost if the DN was cut.  Postfix: nothing without the index.
pdir email
printf '%s\n' 'alice.martin@umr7503.example' >"$P/tlsclients"
if milter_use email "email_table = $P/tlsclients"; then
	expect_relay "6 tlsclients: alice relayed" c6-alice alice
	expect_refused "6 tlsclients: bob refused" c6-bob bob '^550 5\.7\.1'
	expect_refused "6 tlsclients: forgery (alice's address, unverified) refused" \
	    c6-forgery forgery '^550 5\.7\.1'
else
	fail_all "milter did not start with the email table" 6
fi

# ----------------------- subject keys for the special and utf8 certs
# One table with one key per case, so that a key the compiler rejects
# fails only its own case.  Postfix's milter sees only the CN ("Jean
# Dupont+Fils, Jr", raw UTF-8 "Élise Noël"): there only a CN-only key can
# match without the index.
dn_case()
{
	local name=$1 cert=$2 what=$3 key=$4
	pdir "$name"
	printf '%s RELAY\n' "$key" >"$P/subjects"
	if ! milter_use "$name" "subject_table = $P/subjects"; then
		fail "dn $cert, $what" "$(tail -1 "$T/p/$name/compile.out" 2>/dev/null)"
	elif [ "$cert" = utf8 ]; then
		# Sendmail writes "É" as "\xC3\x89", which a CN typed with
		# those eight characters also gives: the name grants nothing,
		# and the log says why (issue 15, finding 6).
		expect_refused "dn utf8, $what: not relayed by name" "$name" \
		    "$cert" '^550 5\.7\.1'
		why_noted "$name" 'a non-ASCII'
	else
		expect_relay "dn $cert, $what: relayed" "$name" "$cert"
	fi
}
# why_noted TOKEN ERE - the milter's line for TOKEN carries that note
why_noted()
{
	check_match "$1: the log says why" \
	    "$(grep -F "rcpt-$1@" "$MLOG" | tail -1)" "note=\"[^\"]*$2"
}
# As Sendmail sends and logs them (cert-subject= in the maillog).
dn_case dn-sm-special special "oneline as Sendmail logs it" "$SPECIAL_SM"
dn_case dn-sm-utf8 utf8 "oneline as Sendmail logs it" "$UTF8_SM"
# Written by hand in oneline+xtext, without OpenSSL's backslash layer:
# "+2BFils" must normalise to the same DN as Sendmail's "+5C+2BFils".
dn_case dn-hand-special special "oneline by hand (+2B in the CN)" \
    '/C=FR/O=CNRS/OU=R&D+5C/Paris/L=Paris+2BOU=UMR7503/CN=Jean+20Dupont+2BFils,+20Jr'
dn_case dn-hand-utf8 utf8 "oneline by hand (raw UTF-8 as +C3+89)" \
    '/C=FR/O=CNRS/OU=UMR7503/CN=+C3+89lise+20No+C3+ABl'
# RFC 4514, as `openssl x509 -nameopt RFC2253` prints them, spaces as \20.
dn_case dn-4514-special special "RFC 4514" \
    'CN=Jean\20Dupont\+Fils\,\20Jr,OU=UMR7503+L=Paris,OU=R&D/Paris,O=CNRS,C=FR'
dn_case dn-4514-utf8 utf8 "RFC 4514 (raw UTF-8)" \
    'CN=Élise\20Noël,OU=UMR7503,O=CNRS,C=FR'
# A multi-valued RDN is a set: Sendmail's order (L first) must match too.
dn_case dn-4514b-special special "RFC 4514, RDN order as Sendmail's" \
    'CN=Jean\20Dupont\+Fils\,\20Jr,L=Paris+OU=UMR7503,OU=R&D/Paris,O=CNRS,C=FR'
dn_case dn-4514b-utf8 utf8 "RFC 4514 (UTF-8 as \\XX pairs)" \
    'CN=\C3\89lise\20No\C3\ABl,OU=UMR7503,O=CNRS,C=FR'
# Through the certificate index ({cert_fp} -> the certificate itself) the
# same UTF-8 name is exact: the rule relays.
pdir dn-index-utf8
printf '%s RELAY\n' 'CN=Élise\20Noël,OU=UMR7503,O=CNRS,C=FR' >"$P/subjects"
mkdir -p "$P/certs" && cp "$C/utf8.pem" "$P/certs/"
if milter_use dn-index-utf8 "subject_table = $P/subjects" \
    "cert_index = $P/certs" "index_ca_file = $C/cafile.pem"; then
	expect_relay "dn utf8 through the index: relayed" dn-index-utf8 utf8
else
	fail "dn utf8 through the index: relayed" "milter did not start"
fi

# ------------------- names an attacker chose, through the real Sendmail
# (issue 15).  Each certificate is signed by CNRS-Plus with names its
# holder picked; a legitimate control relays under the same rules.
pdir hostile
{
	echo 'CN=Alice\20Martin issuer=/C=FR/O=CNRS/CN=CNRS-Plus RELAY'
	printf '%s issuer=/C=FR/O=CNRS/CN=CNRS-Plus REJECT Account suspended\n' \
	    "$(sed 's/ /\\20/g' "$C/suspended.subject")"
} >"$P/subjects"
printf '%s\n' "issuer=/C=FR/O=CNRS/CN=CNRS-Plus attr=OU value=UMR7503 RELAY" \
    "issuer=/C=FR/O=CNRS/CN=CNRS-Standard attr=OU value=UMR7503 RELAY" \
    >"$P/attributes"
echo "alice.martin@umr7503.example issuer=/C=FR/O=CNRS/CN=CNRS-Plus" \
    >"$P/emails"
if milter_use hostile "subject_table = $P/subjects" \
    "attribute_table = $P/attributes" "email_table = $P/emails"; then
	expect_relay "names: alice relays (control)" h15-alice alice
	# finding 1: OpenSSL 3 writes the CN's '/' as "\/": one CN, no OU
	expect_refused "names: CN 'Mallory/OU=UMR7503' is no OU" h15-slash \
	    slash '^550 5\.7\.1'
	expect_refused "names: a second CN 'Alice Martin' relays nothing" \
	    h15-twocn twocn '^550 5\.7\.1'
	why_noted h15-twocn 'two or more CNs'
	# finding 6: a CN typed "Alice\x20Martin" is not "Alice Martin"
	expect_refused "names: a typed \\x20 is no space" h15-typedx20 \
	    typedx20 '^550 5\.7\.1'
	# finding 5: "alice.martin@umr7503.example\0@evil.example"
	expect_refused "names: an e-mail with a NUL is no address" h15-nulmail \
	    nulmail '^550 5\.7\.1'
	why_noted h15-nulmail 'a NUL byte'
	# finding 4a: a 146-byte DN (Sendmail may have dropped RDNs) that an
	# exact rule refuses, under an OU that relays
	expect_refused "names: a long DN's exact REJECT applies" h15-suspended \
	    suspended '^550 5\.7\.1 .*Account suspended'
else
	fail_all "milter did not start (hostile names)" "names"
fi
# The same tables read as on a Sendmail whose OpenSSL is < 3: no subject
# reads one way there (any value may hold an unescaped '/'), so names
# only refuse; carol's certificate relays by its pin.
mkdir -p "$T/p/hostile-legacy"
echo "$(cat "$C/carol.sha256") RELAY" >"$P/fingerprints"
if SM_OPENSSL=legacy milter_use hostile-legacy \
    "subject_table = $P/subjects" "attribute_table = $P/attributes" \
    "email_table = $P/emails" "fingerprint_table = $P/fingerprints"; then
	expect_relay "legacy: carol relays by her pin (control)" h15l-carol \
	    carol
	expect_refused "legacy: alice's names relay nothing" h15l-alice alice \
	    '^550 5\.7\.1'
	why_noted h15l-alice 'OpenSSL < 3'
	expect_refused "legacy: CN 'Mallory/OU=UMR7503' is no OU" h15l-slash \
	    slash '^550 5\.7\.1'
else
	fail_all "milter did not start (legacy)" "legacy"
fi

# ---------------------------------------- the long DN, cut by Sendmail
# Sendmail sends only $LONG_SM_CUT (206 chars).  A rule naming the full DN
# cannot be met by what arrives; the cert index ({cert_fp} -> cert) knows
# the full DN.  A rule naming the cut prefix must not be met either: the
# cut DN is not the cert's subject.  (Postfix sends only the CN,
# "Long Subject Holder", so there the full-DN rule needs the index too.)
LONG_4514=$(sed 's/ /\\20/g' "$C/long.subject")
LONG_SM_FULL=$(openssl x509 -in "$C/long.pem" -noout -subject -nameopt compat |
    sed 's/^subject=//; s/ /+20/g')
pdir long
printf '%s RELAY\n' "$LONG_4514" "$LONG_SM_FULL" >"$P/subjects"
if milter_use long "subject_table = $P/subjects"; then
	expect_refused "long: full-DN rule, no index: not met by the cut DN" \
	    long-full long '^550 5\.7\.1'
else
	fail_all "milter did not start (long)" "long full-DN rule"
fi
mkdir -p "$P/certdir" && cp "$C/long.pem" "$P/certdir/"
if milter_use long "subject_table = $P/subjects" "cert_index = $P/certdir" \
    "index_ca_file = $C/cafile.pem"; then
	expect_relay "long: full-DN rule + cert index: relayed" long-index long
else
	fail_all "milter did not start (long + index)" "long index"
fi
pdir long-cut
printf '%s RELAY\n' "$LONG_SM_CUT" >"$P/subjects"
if milter_use long-cut "subject_table = $P/subjects"; then
	expect_refused "long: rule = the cut prefix: not relayed" \
	    long-cut long '^550 5\.7\.1'
else
	fail_all "milter did not start (long cut)" "long cut prefix"
fi

# ------------------------------------------ 8: the milter is down (F=T)
# The spec: SIGTERM is a clean exit.
if [ -n "$MPID" ]; then
	kill -TERM "$MPID"
	if wait_until 10 eval "! pid_alive $MPID"; then
		wait "$MPID"
		check_eq "8 SIGTERM: milter exits with status 0" "$?" 0
	else
		fail "8 SIGTERM: milter exits with status 0" "still running after 10 s"
	fi
fi
milter_stop
expect_refused "8 milter down: STARTTLS gets 4xx" c8-tls alice '^4[0-9][0-9] '
expect_refused "8 milter down: plain MAIL gets 4xx" c8-plain none '^4[0-9][0-9] '

# ------------------------------- nothing refused ever reached the sink
sleep 1
leaked=
for tok in "${REFUSED[@]}"; do
	sink_has "$tok" && leaked="$leaked $tok"
done
check_eq "no refused message reached the sink" "${leaked# }" ""
note "sendmail.sh took ${SECONDS}s"
e2e_summary
