#!/bin/sh
# install-layout.sh BUILD_DIR - `cmake --install` (DESTDIR, a scratch
# root) puts every file where the Debian package has it, the units name
# the installed binaries, and the configuration it installs loads and
# relays for no one (the example rules are commented out in /etc).
build=$(cd "${1:?usage: install-layout.sh BUILD_DIR}" && pwd)
root=$(mktemp -d /tmp/certrelay-install.XXXXXX)
trap 'rm -rf "$root"' EXIT
DESTDIR=$root cmake --install "$build" >/dev/null || exit 1
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
etc=$(sed -n 's/^CMAKE_INSTALL_SYSCONFDIR:PATH=//p' "$build/CMakeCache.txt")
case $etc in /*) ;; *) etc=$prefix/$etc ;; esac
fail=0
for f in "$prefix/sbin/certrelay-milter" "$prefix/sbin/certrelay-policyd" \
    "$prefix/bin/certrelay" "$etc/certrelay/certrelay.conf" \
    "$etc/certrelay/fingerprints" "$etc/certrelay/regex" \
    "$prefix/share/doc/certrelay/examples/postfix/main.cf.milter" \
    "$prefix/share/doc/certrelay/examples/sendmail/sendmail.mc.certrelay" \
    "$prefix/share/doc/certrelay/examples/policy-tables/fingerprints" \
    "$prefix/share/man/man8/certrelay-milter.8"; do
	[ -f "$root$f" ] || { echo "FAIL missing $f"; fail=1; }
done
for f in certrelay-milter.service certrelay-policyd.service \
    sysusers.d/certrelay.conf tmpfiles.d/certrelay.conf; do
	n=$(find "$root" -path "*/${f}" -type f | wc -l)
	[ "$n" -eq 1 ] || { echo "FAIL $f installed $n times"; fail=1; }
done
unit=$(find "$root" -name certrelay-milter.service)
grep -q "^ExecStart=$prefix/sbin/certrelay-milter .*-c $etc/certrelay/" \
    "$unit" || { echo "FAIL $unit names other paths"; fail=1; }
c=$root$etc/certrelay/certrelay.conf
"$build/tools/certrelay" compile -c "$c" >/dev/null 2>&1 &&
    "$build/tools/certrelay" config-check -c "$c" >/dev/null 2>&1 ||
    { echo "FAIL installed configuration does not load"; fail=1; }
# Alice's certificate relays with the example tables; not with /etc's
a=$("$build/tools/certrelay" check -c "$c" --verify OK \
    --subject 'CN=Alice Martin,OU=UMR7503,O=CNRS,C=FR' \
    --issuer 'CN=CNRS-Plus,O=CNRS,C=FR' --rcpt x@elsewhere.example \
    2>/dev/null | head -1 | cut -d' ' -f1)
[ "$a" = REJECT ] || { echo "FAIL installed tables say $a"; fail=1; }
[ $fail -eq 0 ] && echo "ok install layout under $prefix, $etc"
exit $fail
