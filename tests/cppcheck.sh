#!/bin/sh
# cppcheck.sh - the tree has no cppcheck warnings (warning, style,
# performance, portability), but for style's variableScope: it asks for
# declarations in inner scopes, which the house style, BSD style(9) as
# OpenSMTPD writes it (declarations at the top of a function), does not. Without cppcheck the test is
# skipped (exit 77), unless CERTRELAY_NO_SKIP is set (tests/run-all, CI):
# then it fails.
top=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v cppcheck >/dev/null; then
	echo "cppcheck not installed (contrib/install-deps.sh)"
	[ -n "${CERTRELAY_NO_SKIP:-}" ] && exit 1
	exit 77
fi
cppcheck --enable=warning,style,performance,portability \
    --suppress=variableScope --std=c11 --quiet \
    --error-exitcode=1 --inline-suppr -I "$top/lib" \
    "$top/lib" "$top/milter" "$top/policyd" "$top/tools" && echo "cppcheck: 1 passed, 0 failed"
