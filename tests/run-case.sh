#!/bin/sh
# run-case.sh BINARY CASEDIR - one declarative end-to-end case.
#
# A case is a directory holding:
#   cmd              shell commands; `solidarity` is the binary under test,
#                    $EXAMPLES the repository's examples/, $SHARED ../shared/data
#   expected         what the commands print on stdout, exactly
#   expected.stderr  (optional) what they print on stderr, exactly
#   status           (optional) the exit status of cmd, default 0
#   anything else    inputs, copied into the scratch directory cmd runs in
# The database is ./solidarity.db in that scratch directory.
set -u
bin=$(realpath "$1")
case=$(realpath "$2")
top=$(realpath "$(dirname "$0")/..")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$case"/. "$work"/
cd "$work" || exit 1
mkdir -p .bin
ln -s "$bin" .bin/solidarity
export PATH="$work/.bin:$PATH" EXAMPLES="$top/examples" SHARED="$top/../shared/data"
unset SOLIDARITY_DB
sh -e ./cmd >actual.stdout 2>actual.stderr
got=$?
want=$(cat status 2>/dev/null || echo 0)
fail=0
if [ "$got" != "$want" ]; then
	echo "exit status $got, expected $want"
	fail=1
fi
if ! diff -u expected actual.stdout; then
	fail=1
fi
if [ -f expected.stderr ] && ! diff -u expected.stderr actual.stderr; then
	fail=1
fi
if [ $fail -ne 0 ]; then
	echo "--- stderr:"
	cat actual.stderr
fi
exit $fail
