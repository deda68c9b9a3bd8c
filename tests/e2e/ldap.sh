#!/bin/bash
# ldap.sh [BUILD] - ldap: tables (issue 18): a private OpenLDAP slapd
# holding the test PKI's fingerprints (contrib/ldap/certrelay.ldif), and
# certrelay-policyd (socket mode) behind a real Postfix:
#   permit_mynetworks, check_policy_service ..., reject_unauth_destination
# and certrelay-milter as the gate of a listener of the same Postfix, with
# a subject table in the directory (Postfix shows a milter the CN alone;
# alice's rule is scoped to her CA, contrib/ldap/ldap-subjects.cf).
# Cases:
#   l1 a fingerprint found in the directory relays; one the directory
#      has as "REJECT Certificate revoked" gets that 5xx
#   l2 a fingerprint not in the directory: "Relay access denied"
#   lm the milter: alice relays by her subject rule, the forgery (same
#      names, another signer) gets 550 5.7.1; slapd stopped: 4xx
#   l3 an entry deleted (ldapdelete) stops relaying once cache_ttl (2 s)
#      has passed
#   l4 slapd stopped: 4xx, nothing relayed, the log names the server and
#      libldap's error; slapd started again: relays again
#   l5 slapd hung (SIGSTOP): 4xx after timeout (2 s), never a relay;
#      resumes after SIGCONT
#   l6 server_host's first server dead (a closed port): the second answers
#   l7 a reload's log line has the cache's hits and misses; the CLI: query (postmap -q), config-check (binds, searches, says
#      what it found), compile (nothing to compile), bind_pw_file 0644
#      refused, query against a dead directory exits 2
# Output: "ok NAME" / "FAIL NAME: ..." lines, then "N passed, N failed".
set -u
E2E=$(cd "$(dirname "$0")" && pwd)
. "$E2E/lib.sh"
. "$E2E/postfix.sh"
e2e_binaries "${1:-}"
CASES=(l1-found l2-not-found lm-milter l3-deleted l4-slapd-down
    l5-slapd-hung l6-failover l7-cli)
SUFFIX=dc=example,dc=org
ROOTDN=cn=admin,$SUFFIX

e2e_init ldap

preconditions()
{
	local b
	pf_preconditions || return 1
	need_cmd slapd slapadd ldapdelete ||
	    e2e_skip "$NEED_WHY (slapd ldap-utils: contrib/install-deps.sh)"
	for b in "$POLICYD" "$MILTER" "$CLI"; do
		[ -x "$b" ] || { NEED_WHY="$b not built"; return 1; }
	done
	return 0
}
preconditions || bail "$NEED_WHY"

CERTS=$T/certs
ETC=$T/etc
LD=$T/slapd
sh "$E2E/certs.sh" "$CERTS" > "$T/certs.log" 2>&1 ||
    bail "certs.sh failed: $(tail -3 "$T/certs.log")"
mkdir -p "$ETC" "$LD/db"
fp() { cat "$CERTS/$1.sha256"; }

# ---- the directory: slapd.conf (no cn=config), an mdb database, the
# shipped LDIF with this run's fingerprints
pick_port LDAP_PORT || bail "no port"
pick_port DEAD_PORT || bail "no port"	# reserved, nothing listens
LDAP_URI=ldap://127.0.0.1:$LDAP_PORT
cat > "$LD/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile $LD/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
suffix "$SUFFIX"
rootdn "$ROOTDN"
rootpw secret
directory $LD/db
maxsize 10485760
index description eq
EOF
sed -e "s/@ALICE_SHA256@/$(fp alice)/" -e "s/@PARTNER_SHA256@/$(fp partner)/" \
    -e "s/@REVOKED_SHA256@/$(fp revoked)/" "$REPO/contrib/ldap/certrelay.ldif" \
    > "$LD/data.ldif"
slapadd -f "$LD/slapd.conf" -l "$LD/data.ldif" > "$LD/slapadd.log" 2>&1 ||
    bail "slapadd: $(tail -3 "$LD/slapadd.log")"

SLAPD_PID=
slapd_start()
{
	start_bg slapd "$LD/slapd.log" slapd -d 0 -f "$LD/slapd.conf" \
	    -h "$LDAP_URI/"
	SLAPD_PID=$LAST_PID
	wait_port "$LDAP_PORT" 15
}
slapd_start || bail "slapd did not start: $(tail -3 "$LD/slapd.log")"

# ---- rule sets: main (the slapd alone), fo (a dead server first)
printf 'secret\n' > "$ETC/ldap.secret"
chmod 600 "$ETC/ldap.secret"
ldap_cf()
{
	cat <<EOF
server_host = $1
search_base = ou=people,$SUFFIX
query_filter = (&(objectClass=inetOrgPerson)(description=%s))
result_attribute = employeeType
bind_dn = $ROOTDN
bind_pw_file = $ETC/ldap.secret
timeout = 2
cache_ttl = ${2:-2}
EOF
}
declare -A SOCK_PORT POL_PORT POL_PID
for r in main fo; do
	mkdir -p "$ETC/$r"
	if [ $r = main ]; then
		ldap_cf "$LDAP_URI" > "$ETC/$r/fingerprints.cf"
	else
		# a long TTL: its second answer for alice is the cache's
		ldap_cf "ldap://127.0.0.1:$DEAD_PORT $LDAP_URI" 60 \
		    > "$ETC/$r/fingerprints.cf"
	fi
	chmod 600 "$ETC/$r/fingerprints.cf"
	printf '%s\n' "local_domains = local.example" \
	    "fingerprint_table = ldap:fingerprints.cf" \
	    > "$ETC/$r/certrelay.conf"
	pick_port "SOCK_PORT[$r]" && pick_port "POL_PORT[$r]" || bail "no port"
	start_bg "policyd-$r" "$T/policyd-$r.log" "$POLICYD" \
	    -c "$ETC/$r/certrelay.conf" -l "inet:${POL_PORT[$r]}@127.0.0.1" -f
	POL_PID[$r]=$LAST_PID
	wait_port "${POL_PORT[$r]}" 10 ||
	    bail "policyd $r did not start: $(tail -3 "$T/policyd-$r.log")"
done

# the milter: a subject table in the directory, the listener CRT gated
mkdir -p "$ETC/milter"
ldap_cf "$LDAP_URI" | sed 's/^result_attribute = .*/result_attribute = title/' \
    > "$ETC/milter/subjects.cf"
chmod 600 "$ETC/milter/subjects.cf"
printf '%s\n' "local_domains = local.example" "gatekeeper = CRT" \
    "subject_table = ldap:subjects.cf" > "$ETC/milter/certrelay.conf"
pick_port MILTER_PORT && pick_port GATE_PORT || bail "no port"
start_bg certrelay-milter "$T/milter.log" "$MILTER" \
    -c "$ETC/milter/certrelay.conf" -p "inet:$MILTER_PORT@127.0.0.1" -f
MILTER_PID=$LAST_PID
wait_port "$MILTER_PORT" 10 ||
    bail "milter did not start: $(tail -3 "$T/milter.log")"

sink_start "$T/sink" || bail "smtp-sink did not start"
pf_init "$CERTS"
# the macros the shipped snippet asks the milter's for
d=$T/snippet
mkdir -p "$d"
cp "$REPO/contrib/postfix/main.cf.milter" "$d/main.cf"
: > "$d/master.cf"
for m in connect helo mail rcpt; do
	pf_set "milter_${m}_macros = $(postconf -c "$d" -h "milter_${m}_macros")"
done
pf_listener gate "$GATE_PORT" \
    'smtpd_relay_restrictions = check_client_access static:OK, reject' \
    "smtpd_milters = inet:127.0.0.1:$MILTER_PORT" \
    'milter_default_action = tempfail' 'milter_macro_daemon_name = CRT'
SOCK_PORT[gate]=$GATE_PORT
for r in main fo; do
	pf_listener "sock-$r" "${SOCK_PORT[$r]}" "smtpd_relay_restrictions = \
permit_mynetworks, check_policy_service inet:127.0.0.1:${POL_PORT[$r]}, \
reject_unauth_destination"
done
pf_start || bail "postfix did not start"

# try NAME RULESET CLIENT - one transaction to an outside recipient
try()
{
	smtp_as "$1" "${SOCK_PORT[$2]}" "$3" rcpt@outside.example
}
DENIED='^554 5\.7\.1 .*Relay access denied'

# l1, l2
try l1-a main alice
relayed l1-found-alice-relays
try l1-b main partner
relayed l1-found-self-signed-partner-relays
try l1-c main revoked
refused l1-directory-reject-value-applies '^5[0-9][0-9] .*Certificate revoked'
try l2 main carol
refused l2-not-in-directory-denied "$DENIED"

# lm: the milter, alice's subject rule (issuer=CN=CNRS-Plus RELAY)
try lm-a gate alice
relayed lm-milter-subject-rule-relays
try lm-b gate forgery
refused lm-milter-forgery-refused '^550 5\.7\.1 '
try lm-c gate carol
refused lm-milter-not-in-directory-refused '^550 5\.7\.1 '

# l3: partner's entry deleted; relays at most until cache_ttl passes
ldapdelete -x -H "$LDAP_URI" -D "$ROOTDN" -w secret \
    "cn=partner,ou=people,$SUFFIX" > "$T/ldapdelete.log" 2>&1 ||
    fail l3-ldapdelete "$(cat "$T/ldapdelete.log")"
t0=$SECONDS
for ((i = 0; i < 10; i++)); do
	try "l3-$i" main partner
	[ -n "$ERR" ] && break
	sleep 1
done
refused l3-deleted-entry-denied-after-ttl "$DENIED"
check l3-denied-within-ttl-plus-5s test $((SECONDS - t0)) -le 7

# l4: slapd stopped (after alice's cached answer has expired)
stop_pid "$SLAPD_PID" 10
sleep 2.5
try l4-a main alice
tok4=$TOKEN
refused l4-slapd-down-4xx '^4[0-9][0-9] '
check l4-log-names-server-and-error grep -q \
    "127.0.0.1:$LDAP_PORT: .*Can't contact LDAP server" "$T/policyd-main.log"
try l4-m gate alice
tok4m=$TOKEN
refused l4-milter-slapd-down-4xx '^4[0-9][0-9] '
check l4-milter-log-names-server grep -q \
    "127.0.0.1:$LDAP_PORT: .*Can't contact LDAP server" "$T/milter.log"
sleep 2
check l4-not-relayed eval "! sink_has $tok4 && ! sink_has $tok4m"
slapd_start || fail l4-slapd-restart "$(tail -3 "$LD/slapd.log")"
try l4-b main alice
relayed l4-slapd-back-relays

# l5: slapd hung: the search times out (timeout = 2)
sleep 2.5
kill -STOP "$SLAPD_PID"
t0=$SECONDS
try l5-a main alice
tok5=$TOKEN
refused l5-slapd-hung-4xx '^4[0-9][0-9] '
check l5-answered-within-10s test $((SECONDS - t0)) -le 10
check l5-log-says-timed-out grep -q "127.0.0.1:$LDAP_PORT: .*Timed out" \
    "$T/policyd-main.log"
kill -CONT "$SLAPD_PID"
sleep 2
check l5-not-relayed eval "! sink_has $tok5"
try l5-b main alice
relayed l5-slapd-resumed-relays

# l6: the first server of server_host is a closed port
try l6-a fo alice
relayed l6-second-server-answers
try l6-b fo carol
refused l6-second-server-not-found-denied "$DENIED"

try l6-c fo alice
relayed l6-second-answer-from-cache-relays
# fo's cache answered alice's second session (misses: alice, carol's
# certificate and public key): the reload line says so
mark=$(log_mark "$T/policyd-fo.log")
kill -HUP "${POL_PID[fo]}"
check l7-reload-line-cache-counts wait_log_line "$T/policyd-fo.log" \
    'reloaded on SIGHUP ldap-cache-hits/misses: fingerprint=1/3$' 5 "$mark"

# l7: the command line
q=$("$CLI" query "ldap:$ETC/main/fingerprints.cf" "$(fp alice)" 2>&1)
check_match l7-query-found "$q" '^RELAY \(ldap:'
"$CLI" query "ldap:$ETC/main/fingerprints.cf" "$(fp carol)" >/dev/null 2>&1
check_eq l7-query-not-found-exit-1 $? 1
q=$("$CLI" config-check -c "$ETC/main/certrelay.conf" 2>&1)
check_match l7-config-check-searched "$q" \
    "fingerprint_table: ldap:.*fingerprints.cf \\($LDAP_URI: 2 entries with employeeType"
q=$("$CLI" check -c "$ETC/main/certrelay.conf" --fingerprint "$(fp alice)" \
    --rcpt rcpt@outside.example 2>&1)
check_match l7-check-dry-run-relays "$q" '^RELAY .*fingerprints\.cf:0'
q=$("$CLI" compile -c "$ETC/main/certrelay.conf" 2>&1)
check_match l7-compile-nothing "$q" 'nothing to compile'
chmod 644 "$ETC/ldap.secret"
q=$("$CLI" query "ldap:$ETC/main/fingerprints.cf" "$(fp alice)" 2>&1)
check_match l7-secret-0644-refused "$q" 'readable by group or others'
chmod 600 "$ETC/ldap.secret"
stop_pid "$SLAPD_PID" 10
q=$("$CLI" query "ldap:$ETC/main/fingerprints.cf" "$(fp alice)" 2>&1)
check_eq l7-query-directory-down-exit-2 $? 2
check_match l7-query-directory-down-says "$q" "Can't contact LDAP server"
q=$("$CLI" config-check -c "$ETC/main/certrelay.conf" 2>&1)
check_eq l7-config-check-directory-down-exit-1 $? 1

# the daemons outlived slapd's stops, hang and restarts (a write to a
# connection slapd closed must not kill them)
check lm-milter-alive-at-end pid_alive "$MILTER_PID"
check l4-policyd-alive-at-end pid_alive "${POL_PID[main]}"

e2e_summary
