#!/bin/sh
# bench/taxii.sh BINARY - `make bench`: the TAXII server under wrk.
#
# Node A holds BENCH_N (1,000,000) indicators from bench/gen.py, imported
# into one collection that partner "bench" may read and write (with AMBER,
# the import's default TLP). `solidarity serve` runs on 127.0.0.1 with its
# default two threads, its request log appended to serve.log (truncated
# between runs, so the log's cost is counted but not its disk). Then:
#   discovery   GET /taxii2/                                   wrk
#   collection  GET /api/collections/ID/                       wrk
#   first page  GET .../objects/?limit=100                     wrk
#   any page    the same with a random added_after             wrk + taxii_page.lua
#   pull        node B (own database) pulls the whole collection from A
#   POST        envelopes of 100 fresh indicators              wrk + taxii_post.lua
# The pull comes before the POSTs so that it moves exactly the imported
# objects. wrk and the server share the machine's cores, so the figures are
# those of client and server together. After each run the server's VmRSS
# and VmHWM (peak so far) are read from /proc. Prints a markdown table; the
# dated figures go to bench/RESULTS.md by hand. Work files live in
# build/bench-taxii/. BENCH_SECONDS sets the length of each wrk run.
set -eu
bin=$(realpath "$1")
top=$(realpath "$(dirname "$0")/..")
shared="$top/../shared/data"
if [ ! -d "$shared/iocs" ]; then
	echo "bench: $shared is absent; the benchmarks need the shared data, skipped"
	exit 0
fi
for tool in wrk curl jq python3; do
	if ! command -v "$tool" >/dev/null; then
		echo "bench: $tool is not installed; the TAXII benchmark is skipped"
		exit 0
	fi
done
started=$(date +%s.%N)
work="$top/build/bench-taxii"
mkdir -p "$work"
N=${BENCH_N:-1000000}
secs=${BENCH_SECONDS:-8}
[ -f "$work/list-$N.csv" ] || python3 "$top/bench/gen.py" "$shared" "$work" "$N" >/dev/null
a="$work/a.db" b="$work/b.db" log="$work/serve.log"
rm -f "$a" "$a-wal" "$a-shm" "$b" "$b-wal" "$b-shm" "$log"
col=b3e7c0de-0000-4000-8000-000000000001

now() { date +%s.%N; }
# row NAME WHAT FIGURE TARGET: one table line, with the server's memory.
row() {
	rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
	hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
	printf '| %s | %s | %s | %s | %.0f MB | %.0f MB |\n' "$1" "$2" "$3" "$4" \
		"$(echo "$rss / 1024" | bc -l)" "$(echo "$hwm / 1024" | bc -l)"
}

# Node A: partner, collection, the million indicators.
"$bin" --db "$a" partner add bench >"$work/bench.key" 2>/dev/null
chmod 600 "$work/bench.key"
key=$(cat "$work/bench.key")
"$bin" --db "$a" collection add "Bench" --id "$col" >/dev/null
"$bin" --db "$a" collection grant "$col" bench --read --write --amber >/dev/null
t0=$(now)
"$bin" --db "$a" import --skip-invalid --source bench --collection "$col" \
	"$work/list-$N.csv" >"$work/import.out"
t1=$(now)
held=$("$bin" --db "$a" stats --json | jq '.objects.all')
import_s=$(echo "$t1 - $t0" | bc -l)

"$bin" --db "$a" serve --listen 127.0.0.1:0 2>>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
port=
while [ -z "$port" ]; do
	sleep 0.1
	kill -0 "$pid"
	port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$log")
done
base="http://127.0.0.1:$port"
objects="$base/api/collections/$col/objects/"
auth="Authorization: Bearer $key"
accept='Accept: application/taxii+json;version=2.1'

# bench_wrk NAME THREADS CONNECTIONS URL [ARGS...]: requests/s of one run;
# fails the benchmark on socket errors or non-2xx answers. Reads get a
# one-second warm-up run first (its figures are discarded), so that a page
# is not measured against a cold page cache right after the import; POSTs
# get none, since every request adds objects the script counts.
bench_wrk() {
	name=$1 threads=$2 conns=$3
	shift 3
	if [ "$name" != post ]; then
		wrk -t"$threads" -c"$conns" -d1s -H "$auth" -H "$accept" "$@" >/dev/null
	fi
	: >"$log"
	wrk -t"$threads" -c"$conns" -d"${secs}s" --latency -H "$auth" -H "$accept" "$@" \
		>"$work/$name.wrk"
	if grep -q 'Non-2xx\|Socket errors' "$work/$name.wrk"; then
		echo "bench: $name: failed requests, see $work/$name.wrk" >&2
		exit 1
	fi
	awk '/Requests\/sec/ {print $2}' "$work/$name.wrk"
}
p99() { awk '$1 == "99%" {print $2}' "$work/$1.wrk"; }

echo "| benchmark | load | result | target | server RSS after | server peak RSS |"
echo "|---|---|---|---|---|---|"
row "import $held objects (CLI, before serving)" "1 process" \
	"$(printf '%.1f s, %.0f objects/s' "$import_s" "$(echo "$held / $import_s" | bc -l)")" "-"

r=$(bench_wrk discovery 2 32 "$base/taxii2/")
row "discovery GET /taxii2/" "wrk -t2 -c32 ${secs}s" \
	"$(printf '%.0f requests/s (p99 %s)' "$r" "$(p99 discovery)")" "30,000 requests/s"

r=$(bench_wrk collection 2 32 "$base/api/collections/$col/")
row "collection GET /api/collections/ID/" "wrk -t2 -c32 ${secs}s" \
	"$(printf '%.0f requests/s (p99 %s)' "$r" "$(p99 collection)")" "30,000 requests/s"

r=$(bench_wrk page-first 2 16 "$objects?limit=100")
row "first page of 100 indicators" "wrk -t2 -c16 ${secs}s" \
	"$(printf '%.0f pages/s (p99 %s)' "$r" "$(p99 page-first)")" "5,000 pages/s"

# date_added is the wall clock of the import (never going back), so the
# import's start and end bound the collection's dates.
first=$(printf '%.0f' "$(echo "$t0 * 1000000" | bc -l)")
last=$(printf '%.0f' "$(echo "$t1 * 1000000" | bc -l)")
mid=$(curl -sf -H "$auth" -H "$accept" \
	"$objects?limit=100&added_after=$(date -u -d "@$(echo "($t0 + $t1) / 2" | bc -l)" +%Y-%m-%dT%H:%M:%S.%6NZ)" |
	jq '.objects | length')
[ "$mid" = 100 ] || {
	echo "bench: a page from the middle of the collection has $mid objects, not 100" >&2
	exit 1
}
r=$(bench_wrk page-any 2 16 "$objects?limit=100" -s "$top/bench/taxii_page.lua" -- "$first" "$last")
row "page of 100 at a random added_after" "wrk -t2 -c16 ${secs}s" \
	"$(printf '%.0f pages/s (p99 %s)' "$r" "$(p99 page-any)")" "5,000 pages/s"

# Node B pulls the whole collection (pages of the client's default limit).
: >"$log"
"$bin" --db "$b" peer add A "$base/taxii2/" --key-file "$work/bench.key" >/dev/null
t0=$(now)
/usr/bin/time -v "$bin" --db "$b" pull A --json >"$work/pull.json" 2>"$work/pull.time"
t1=$(now)
pulled=$("$bin" --db "$b" stats --json | jq '.objects.all')
[ "$pulled" = "$held" ] || {
	echo "bench: node B holds $pulled objects after the pull, A holds $held" >&2
	exit 1
}
pull_s=$(echo "$t1 - $t0" | bc -l)
pull_rss=$(awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print $2}' "$work/pull.time")
row "pull of $pulled objects into node B" "$(wc -l <"$log") requests, client peak RSS $((pull_rss / 1024)) MB" \
	"$(printf '%.1f s, %.0f objects/s' "$pull_s" "$(echo "$pulled / $pull_s" | bc -l)")" "< 60 s"

run=$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')
r=$(bench_wrk post 2 4 "$objects" -s "$top/bench/taxii_post.lua" -- "$run" 100)
# Requests still in flight when wrk stops (up to one per connection) are
# stored but not counted.
posted=$(($("$bin" --db "$a" stats --json | jq '.objects.all') - held))
sent=$(awk '/requests in/ {print $1 * 100}' "$work/post.wrk")
if [ "$posted" -lt "$sent" ] || [ "$posted" -gt $((sent + 4 * 100)) ]; then
	echo "bench: wrk counted $sent objects POSTed, the store has $posted new ones" >&2
	exit 1
fi
row "POST envelopes of 100 new indicators" "wrk -t2 -c4 ${secs}s" \
	"$(printf '%.0f objects/s (p99 %s)' "$(echo "$r * 100" | bc -l)" "$(p99 post)")" \
	"20,000 objects/s"

kill -TERM "$pid"
wait "$pid" || true
trap - EXIT
echo
printf 'total %.0f s; the server (2 threads) and wrk share this %s-core machine\n' \
	"$(echo "$(now) - $started" | bc -l)" "$(nproc)"
echo "targets: server RSS < 150 MB throughout"
