#!/bin/sh
# cert-vs-openssl.sh BUILD_DIR - `certrelay cert` against OpenSSL's own
# answers, on certificates made here: a CA, an intermediate, client certs,
# a forgery that copies the issuer DN, a self-signed partner, and names with
# spaces, '/', '+', ',', a multi-valued RDN, UTF-8, and over 255 bytes.
here=$(cd "$(dirname "$0")" && pwd)
CR=$(cd "${1:?usage: cert-vs-openssl.sh BUILD_DIR}" && pwd)/tools/certrelay
work=$(mktemp -d /tmp/certrelay-certs.XXXXXX)
trap 'rm -rf "$work"' EXIT
sh "$here/../e2e/certs.sh" "$work" >/dev/null 2>&1 || { echo "certs.sh failed"; exit 1; }
pass=0 fail=0
check() { # check NAME GOT WANT
	if [ "$2" = "$3" ]; then pass=$((pass + 1)); echo "ok $1"
	else fail=$((fail + 1)); echo "FAIL $1: got '$2', want '$3'"; fi
}
for c in alice bob carol revoked forgery partner special utf8 long; do
	f=$work/$c.pem
	[ -f "$f" ] || { check "$c exists" no yes; continue; }
	out=$("$CR" cert "$f")
	for a in md5 sha1 sha256; do
		want=$(openssl x509 -in "$f" -noout -fingerprint -$a | sed 's/.*=//')
		got=$(printf "%s\n" "$out" | sed -n "s/^$a: //p")
		check "$c $a" "$got" "$want"
	done
	want=$(openssl x509 -in "$f" -noout -pubkey | openssl pkey -pubin -outform DER |
	    openssl dgst -sha256 -c | sed 's/.*= //' | tr a-f A-F)
	check "$c pubkey sha256" "$(printf "%s\n" "$out" | sed -n 's/^pubkey sha256: //p')" "$want"
	# The RFC 4514 subject equals OpenSSL's (UTF-8 kept, same escapes).
	want=$(openssl x509 -in "$f" -noout -subject -nameopt RFC2253,-esc_msb | sed 's/^subject=//')
	got=$(printf "%s\n" "$out" | sed -n 's/^subject: //p')
	printf '%s RELAY\n' "$(printf "%s\n" "$out" | sed -n 's/^subject_table: *\([^ ]*\) .*/\1/p' | head -1)" > "$work/s"
	"$CR" compile -t subject "$work/s" >/dev/null
	check "$c table key finds the OpenSSL subject" \
	    "$("$CR" query "$work/s" "$want" 2>&1 | cut -d' ' -f1)" RELAY
	sm=$(printf "%s\n" "$out" | sed -n 's/^subject (Sendmail {cert_subject}): //p')
	if [ "$c" = long ]; then
		check "long: cut warned" "$(printf "%s\n" "$out" | grep -c 'Sendmail cuts it')" 1
	else
		check "$c Sendmail form finds the same key" \
		    "$("$CR" query "$work/s" "$sm" 2>&1 | cut -d' ' -f1)" RELAY
	fi
done
check "forgery copies alice's subject" "$("$CR" cert "$work/forgery.pem" | sed -n 's/^subject: //p')" \
    "$("$CR" cert "$work/alice.pem" | sed -n 's/^subject: //p')"
check "special: Sendmail's escapes" \
    "$("$CR" cert "$work/special.pem" | sed -n 's/^subject (Sendmail {cert_subject}): //p')" \
    "/C=FR/O=CNRS/OU=R&D+5C/Paris/L=Paris+2BOU=UMR7503/CN=Jean+20Dupont+5C+2BFils,+20Jr"
check "utf8: Sendmail's escapes" \
    "$("$CR" cert "$work/utf8.pem" | sed -n 's/^subject (Sendmail {cert_subject}): //p')" \
    "/C=FR/O=CNRS/OU=UMR7503/CN=+5CxC3+5Cx89lise+20No+5CxC3+5CxABl"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
