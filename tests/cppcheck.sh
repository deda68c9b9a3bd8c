#!/bin/sh
# cppcheck.sh - the tree has no cppcheck warnings (warning, performance,
# portability; "style" asks for C99 declarations in inner scopes, which the
# house style, BSD style(9), does not want). Without cppcheck the test is
# skipped (exit 77), unless CERTRELAY_NO_SKIP is set (tests/run-all, CI):
# then it fails.
top=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v cppcheck >/dev/null; then
	echo "cppcheck not installed (contrib/install-deps.sh)"
	[ -n "${CERTRELAY_NO_SKIP:-}" ] && exit 1
	exit 77
fi
cppcheck --enable=warning,performance,portability --std=c11 --quiet \
    --error-exitcode=1 --inline-suppr -I "$top/lib" \
    "$top/lib" "$top/milter" "$top/policyd" "$top/tools" && echo "cppcheck: 1 passed, 0 failed"
