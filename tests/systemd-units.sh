#!/bin/sh
# systemd-units.sh BUILD_DIR - the shipped units (contrib/systemd) pass
# `systemd-analyze verify` and rate an exposure of at most 2.0 in
# `systemd-analyze security --offline=true` (issue 16). verify checks that
# ExecStart's programs exist: a copy of each unit names the build's
# binaries instead of /usr/sbin and /usr/bin, its only change. Exits 77
# (skipped) without systemd-analyze, unless CERTRELAY_NO_SKIP is set.
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: systemd-units.sh BUILD_DIR}" && pwd)
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "systemd-analyze not found (Debian: systemd)"
	[ -n "$CERTRELAY_NO_SKIP" ] && exit 1
	exit 77
fi
work=$(mktemp -d /tmp/certrelay-units.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail=0
for unit in "$here"/../contrib/systemd/*.service; do
	name=$(basename "$unit")
	sed -e "s|/usr/sbin/certrelay-milter|$build/milter/certrelay-milter|" \
	    -e "s|/usr/sbin/certrelay-policyd|$build/policyd/certrelay-policyd|" \
	    -e "s|/usr/bin/certrelay |$build/tools/certrelay |" \
	    "$unit" > "$work/$name"
	if ! systemd-analyze verify --man=no "$work/$name"; then
		echo "FAIL $name: systemd-analyze verify"
		fail=1
	fi
	# "→ Overall exposure level for X: 0.6 SAFE"
	level=$(systemd-analyze security --offline=true "$unit" 2>&1 |
	    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	if [ -z "$level" ] ||
	    ! awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }'; then
		echo "FAIL $name: exposure ${level:-unknown}, over 2.0"
		systemd-analyze security --offline=true "$unit" 2>&1 |
		    grep '✗'
		fail=1
	else
		echo "ok $name: exposure $level"
	fi
	for want in Type=notify User=certrelay Group=certrelay; do
		grep -q "^$want\$" "$unit" && continue
		echo "FAIL $name: no $want"
		fail=1
	done
	if grep '^ExecStart=' "$unit" | grep -q -- ' -u '; then
		echo "FAIL $name: starts as root (-u)"
		fail=1
	fi
done
exit $fail
