#!/bin/sh
# clang-format.sh - the files that follow .clang-format stay so.
#
# .clang-format writes the house style (BSD style(9)) as far as
# clang-format 14 can: it cannot put a tab between a declaration's type
# and its name ("int\tline;") nor before a trailing comment, which most
# of the tree does, so the tree is not reformatted (that would rewrite
# every file and collide with every branch in flight). This checks the
# files that are clean today; add a file here once it is.
# Without clang-format the test is skipped (exit 77), unless
# CERTRELAY_NO_SKIP is set (tests/run-all, CI): then it fails.
top=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v clang-format >/dev/null; then
	echo "clang-format not installed (contrib/install-deps.sh)"
	[ -n "${CERTRELAY_NO_SKIP:-}" ] && exit 1
	exit 77
fi
cd "$top" || exit 1
clang-format --dry-run --Werror \
    lib/diag.c lib/hex.h lib/xtext.c tests/fuzz/fuzz_fp.c &&
    echo "clang-format: 1 passed, 0 failed"
