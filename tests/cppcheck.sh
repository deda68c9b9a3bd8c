#!/bin/sh
# cppcheck.sh - the tree has no cppcheck warnings (warning, performance,
# portability; "style" asks for C99 declarations in inner scopes, which the
# house style, BSD style(9), does not want).
top=$(cd "$(dirname "$0")/.." && pwd)
command -v cppcheck >/dev/null || { echo "cppcheck not installed"; exit 1; }
cppcheck --enable=warning,performance,portability --std=c11 --quiet \
    --error-exitcode=1 --inline-suppr -I "$top/lib" \
    "$top/lib" "$top/milter" "$top/policyd" "$top/tools" && echo "cppcheck: 1 passed, 0 failed"
