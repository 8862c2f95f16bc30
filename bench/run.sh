#!/bin/sh
# bench/run.sh BINARY - `make bench`: import throughput and database size,
# then the exports (bench/exports.sh), the TAXII server (bench/taxii.sh)
# and the matcher (bench/match.sh).
#
# Inputs come from ../shared/data (real lists, the largest real STIX bundle)
# and from bench/gen.py, which extends the real values to 1,000,000. The
# list holds a few real values that are not valid names (a label over 63
# characters), hence --skip-invalid. Each import runs into a fresh
# database, timed by hyperfine (median of runs) and by /usr/bin/time -v
# (peak RSS). Prints markdown tables; the matcher writes its own section
# of bench/RESULTS.md, the other dated figures go there by hand.
set -eu
bin=$(realpath "$1")
top=$(realpath "$(dirname "$0")/..")
shared="$top/../shared/data"
if [ ! -d "$shared/iocs" ]; then
	echo "bench: $shared is absent; the benchmarks need the shared data, skipped"
	exit 0
fi
work="$top/build/bench"
mkdir -p "$work"
N=${BENCH_N:-1000000}
[ -f "$work/list-$N.csv" ] || python3 "$top/bench/gen.py" "$shared" "$work" "$N"
M=$((N / 5))
db="$work/bench.db"

# bench_import NAME COUNT ARGS...: median seconds, objects/s, bytes/object, RSS.
bench_import() {
	name=$1 count=$2
	shift 2
	hyperfine --runs "${BENCH_RUNS:-3}" --export-json "$work/$name.json" \
		--prepare "rm -f $db $db-wal $db-shm" \
		"$bin --db $db import $* >/dev/null" >/dev/null 2>&1
	median=$(python3 -c "import json;print(json.load(open('$work/$name.json'))['results'][0]['median'])")
	rm -f "$db" "$db-wal" "$db-shm"
	/usr/bin/time -v "$bin" --db "$db" import "$@" >/dev/null 2>"$work/$name.time"
	rss=$(awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print $2}' "$work/$name.time")
	bytes=$("$bin" --db "$db" stats --json | python3 -c "import json,sys;print(json.load(sys.stdin)['database']['bytes'])")
	python3 - "$name" "$count" "$median" "$bytes" "$rss" <<'PY'
import sys
name, count, median, size, rss = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
print("| %s | %d | %.2f s | %.0f | %.0f | %.1f MB |" % (name, count, median, count / median, size / count, rss / 1024))
PY
}

attack="$shared/stix/mitre-attack/ics-attack.json"
attack_n=$(python3 -c "import json;print(len(json.load(open('$attack'))['objects']))")

echo "| input | objects | median time | objects/s | DB bytes/object | peak RSS |"
echo "|---|---|---|---|---|---|"
bench_import "csv-$N" "$N" --skip-invalid --source bench "$work/list-$N.csv"
bench_import "stix-bundle-$M" "$M" --source bench "$work/bundle-$M.json"
bench_import "mitre-ics-attack" "$attack_n" --source mitre "$attack"
echo
echo "targets: >= 100000 objects/s from CSV, >= 20000 objects/s from a STIX bundle, < 400 DB bytes per simple indicator"

# The exports and the live DNS zone of the 1,000,000-indicator store, bench/exports.sh.
echo; sh "$top/bench/exports.sh" "$bin"
echo; sh "$top/bench/taxii.sh" "$bin"

# The matcher: solidarity match against rg, grep (and fever), bench/match.sh.
echo
sh "$top/bench/match.sh" "$bin"
