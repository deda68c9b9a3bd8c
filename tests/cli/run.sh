#!/bin/sh
# run.sh BUILD_DIR - CLI tests: each CASE.in is a shell snippet run in a
# scratch copy of data/ with $CR = the certrelay binary ($TOP = the source
# tree, for the shipped files); its stdout, stderr
# and exit status are diffed against CASE.ref (Postfix's .in/.ref habit).
# Prints "N passed, N failed"; exits non-zero on any failure.
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run.sh BUILD_DIR}
CR=$(cd "$build" && pwd)/tools/certrelay
TOP=$(cd "$here/../.." && pwd)
export CR TOP
pass=0 fail=0
for in in "$here"/*.in; do
	name=$(basename "$in" .in)
	work=$(mktemp -d /tmp/certrelay-cli.XXXXXX)
	cp -r "$here/data/." "$work/"
	(cd "$work" && sh "$in" > out 2>&1; echo "exit=$?" >> out)
	if diff -u "$here/$name.ref" "$work/out" > "$work/diff"; then
		pass=$((pass + 1))
		echo "ok $name"
	else
		fail=$((fail + 1))
		echo "FAIL $name"
		cat "$work/diff"
	fi
	rm -rf "$work"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
