#!/bin/sh
# certs.sh OUTDIR - the test PKI, made fresh with openssl on every run.
#
# The file names are fixed (other scripts and the Sendmail helper rely on
# them); the keys are new each time, so fingerprints are read from the
# NAME.sha256 / NAME.pubsha256 files, never hard-coded.
#
#   root.pem            /C=FR/O=CNRS/CN=CNRS-Root (self-signed)
#   plus.pem            /C=FR/O=CNRS/CN=CNRS-Plus      (by root)
#   standard.pem        /C=FR/O=CNRS/CN=CNRS-Standard  (by root)
#   rogue.pem           self-signed, DN copied from CNRS-Plus, trusted nowhere
#   cafile.pem          root + CNRS-Plus + CNRS-Standard: the site's own CAs
#   server.pem/.key     mx.test.example (by root)
#   NAME.pem NAME.key   client cert and key
#   NAME-chain.pem      cert + its issuer (what a client would send)
#   NAME.both           key + cert + issuer, for clients wanting one file
#   NAME.sha256         cert fingerprint, as `openssl x509 -fingerprint`
#                       prints it after '=' (colon upper hex); .sha1/.md5 too
#   NAME.pubsha256      sha256 of the DER SubjectPublicKeyInfo, same format
#                       (what Postfix sends as ccert_pubkey_fingerprint)
#   NAME.subject        subject in RFC 2253 form (for humans and tables)
# NAMEs: alice bob carol revoked forgery partner special utf8 long
#        slash twocn typedx20 suspended nulmail (names an attacker chose)
set -eu

OUT=${1:?usage: certs.sh OUTDIR}
mkdir -p "$OUT"
cd "$OUT"
# The spawned policy server runs as nobody and must read these.
chmod 755 .
umask 022

DAYS=365
CURVE=prime256v1

cat > ext.cnf <<'EOF'
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = clientAuth, emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[alice]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = clientAuth, emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = email:alice.martin@umr7503.example

[bob]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = clientAuth, emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = email:bob.durand@umr9999.example

[selfsigned]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = clientAuth, serverAuth
subjectKeyIdentifier = hash
subjectAltName = DNS:antenne.danang.vn.refer.org

[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:mx.test.example, IP:127.0.0.1
EOF

newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:$CURVE \
    -out "$1" 2>/dev/null; }
serial() { echo "0x$(openssl rand -hex 8)"; }

# selfsign NAME SUBJECT EXT
selfsign() {
	newkey "$1.key"
	openssl req -new -x509 -utf8 -key "$1.key" -subj "$2" -days $DAYS \
	    -set_serial "$(serial)" -config ext.cnf -extensions "$3" \
	    -out "$1.pem"
}

# issue NAME SUBJECT CA EXT [multi]
issue() {
	newkey "$1.key"
	openssl req -new -utf8 -key "$1.key" -subj "$2" -out "$1.csr" \
	    -config ext.cnf
	openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" \
	    -set_serial "$(serial)" -days $DAYS -extfile ext.cnf \
	    -extensions "$4" -out "$1.pem" 2>/dev/null
	rm -f "$1.csr"
	cat "$1.pem" "$3.pem" > "$1-chain.pem"
	cat "$1.key" "$1.pem" "$3.pem" > "$1.both"
}

# colon upper hex of a digest of stdin
colonhex() { openssl dgst "-$1" -r | cut -d' ' -f1 | tr a-f A-F |
    sed 's/../&:/g; s/:$//'; }

fingerprints() {
	for alg in sha256 sha1 md5; do
		openssl x509 -in "$1.pem" -noout -fingerprint -$alg |
		    sed 's/^[^=]*=//' > "$1.$alg"
	done
	openssl x509 -in "$1.pem" -noout -pubkey |
	    openssl pkey -pubin -outform DER | colonhex sha256 > "$1.pubsha256"
	openssl x509 -in "$1.pem" -noout -subject -nameopt RFC2253,-esc_msb |
	    sed 's/^subject=//' > "$1.subject"
}

# Cheap printf-free configuration for `openssl req` needs a minimal
# [req] section: distinguished_name must exist even with -subj.
cat >> ext.cnf <<'EOF'

[req]
distinguished_name = dn
string_mask = utf8only
utf8 = yes
[dn]
EOF

selfsign root     '/C=FR/O=CNRS/CN=CNRS-Root' ca
issue    plus     '/C=FR/O=CNRS/CN=CNRS-Plus' root ca
issue    standard '/C=FR/O=CNRS/CN=CNRS-Standard' root ca
# Same DN as CNRS-Plus, different key: what a forger would make.
selfsign rogue    '/C=FR/O=CNRS/CN=CNRS-Plus' ca
cat root.pem plus.pem standard.pem > cafile.pem

issue server '/C=FR/O=CNRS/CN=mx.test.example' root server

issue alice \
    '/C=FR/O=CNRS/OU=UMR7503/CN=Alice Martin/emailAddress=alice.martin@umr7503.example' \
    plus alice
issue bob \
    '/C=FR/O=CNRS/OU=UMR9999/CN=Bob Durand/emailAddress=bob.durand@umr9999.example' \
    plus bob
issue carol   '/C=FR/O=CNRS/OU=UMR7503/CN=Carol Petit' standard client
issue revoked '/C=FR/O=CNRS/OU=UMR7503/CN=Revoked User' plus client
# Alice's subject and SAN, issuer DN identical to CNRS-Plus, rogue signer.
issue forgery \
    '/C=FR/O=CNRS/OU=UMR7503/CN=Alice Martin/emailAddress=alice.martin@umr7503.example' \
    rogue alice
selfsign partner '/C=VN/O=Refer/CN=antenne.danang.vn.refer.org' selfsigned
cp partner.pem partner-chain.pem
cat partner.key partner.pem > partner.both
# '/' inside a value, '+' and ',' inside the CN, and a multi-valued RDN
# (OU=UMR7503 + L=Paris): every escaping rule of both DN forms at once.
issue special \
    '/C=FR/O=CNRS/OU=R&D\/Paris/OU=UMR7503+L=Paris/CN=Jean Dupont\+Fils, Jr' \
    plus client
issue utf8 '/C=FR/O=CNRS/OU=UMR7503/CN=Élise Noël' plus client
# Over 255 characters in oneline form: Sendmail cuts the last RDNs.
L1=Laboratoire-de-Physique-des-Interactions-Ioniques-Moleculaires
L2=Institut-de-Recherche-sur-les-Phenomenes-Hors-Equilibre-IRPHE
L3=Centre-Interdisciplinaire-de-Nanoscience-de-Marseille-CINaM
L4=Laboratoire-de-Mecanique-et-Acoustique-Chateau-Gombert-LMA
L5=Federation-de-Recherche-Fabri-de-Peiresc-Saint-Michel-FR
issue long \
    "/C=FR/O=CNRS/OU=$L1/OU=$L2/OU=$L3/OU=$L4/OU=$L5/CN=Long Subject Holder" \
    plus client

# Names an attacker chose (issue 15), all signed by CNRS-Plus:
# a CN carrying "/OU=" (OpenSSL 3 escapes it; OpenSSL < 3 would not),
# two CNs, a literal "\x20" typed in the CN, a 146-byte DN an exact rule
# refuses, and an e-mail with a NUL (made below).
issue slash '/C=FR/O=CNRS/OU=UMR9999/CN=Mallory\/OU=UMR7503' plus client
issue twocn '/C=FR/O=CNRS/OU=UMR9999/CN=Mallory/CN=Alice Martin' plus client
issue typedx20 '/C=FR/O=CNRS/OU=UMR9999/CN=Alice\\x20Martin' plus client
issue suspended '/C=FR/O=CNRS/OU=UMR7503/OU=Equipe-Reseaux-et-Systemes/CN=Pierre Suspended/emailAddress=pierre.suspended@umr7503.example' \
    plus client
# emailAddress "alice.martin@umr7503.example<NUL>@evil.example": openssl's
# -subj cannot write a NUL, so a placeholder byte is patched in the DER
# and the certificate signed again by CNRS-Plus.
issue nulmail \
    '/C=FR/O=CNRS/OU=UMR9999/CN=Nul Mail/emailAddress=alice.martin@umr7503.exampleZ@evil.example' \
    plus client
openssl x509 -in nulmail.pem -outform DER |
    perl -0777 -pe 's/umr7503\.exampleZ\@evil/umr7503.example\0\@evil/' \
    >nulmail.der
openssl x509 -inform DER -in nulmail.der -x509toreq -signkey nulmail.key \
    -out nulmail.csr 2>/dev/null
openssl x509 -req -in nulmail.csr -CA plus.pem -CAkey plus.key \
    -set_serial "$(serial)" -days $DAYS -extfile ext.cnf -extensions client \
    -out nulmail.pem 2>/dev/null
rm -f nulmail.der nulmail.csr
cat nulmail.pem plus.pem > nulmail-chain.pem

for n in alice bob carol revoked forgery partner special utf8 long \
    slash twocn typedx20 suspended nulmail \
    server plus standard root rogue; do
	fingerprints $n
done
chmod 644 ./*
