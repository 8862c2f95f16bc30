#!/bin/sh
# bench/match.sh BINARY - `make bench`, matcher part: `solidarity match`
# side by side with rg -F -f and grep -F -f given the same values.
#
# Inputs (bench/gen_match.py, into build/bench/match/, reused when present):
# four log corpora of BENCH_LOG_MB (default 512) MB each, the real Zeek
# logs of ../shared/data repeated (Zeek TSV, Zeek JSON, EVE JSON derived
# from the same records, the TSV rows as syslog text), and indicator sets
# of 1K, 100K, 1M and 10M values that all start with the same 100 values
# that occur in the logs. Each set is imported into a fresh database and
# compiled once; the snapshot is kept as match-N.idx (delete it to redo).
#
# Per format and set: hyperfine medians (BENCH_RUNS, default 3) of ours
# with -j 1 and -j 2 and of the peers, interleaved in one invocation, all
# writing to files; peak RSS from /usr/bin/time -v; time to first output
# byte with the log fed through a pipe (match_tools.py first); hits that
# are only substrings of a longer token, counted on one copy of the corpus
# (match_tools.py substr / ours). Peers above BENCH_PEER_MAX indicators
# (default 100000) are timed once on one copy of the corpus instead (their
# pattern-set build dominates: rg took 118 s and 8.4 GB at 1M on 19 MB),
# and not at all above BENCH_PEER_COPY_MAX (default 1000000). fever (DCSO,
# Debian fever 1.3.5) runs on the EVE corpus at every size, in the same
# hyperfine invocations, driven through its sockets by match_tools.py fever
# with a Bloom filter of the values (fever-N.bloom); its MB/s comes from the
# median time from the first byte written to the alert of a sentinel sent
# last, and it matches only a few EVE fields exactly (see match_tools.py).
# BENCH_FEVER=0 leaves it out; it is left out when fever is not installed.
# BENCH_KEEP_RESULTS=1 keeps earlier rows of results.jsonl (a rerun of some
# sizes replaces only their rows). The table goes to stdout and to the "Matcher" section of bench/RESULTS.md.
set -eu
bin=$(realpath "$1")
top=$(realpath "$(dirname "$0")/..")
shared="$top/../shared/data"
if [ ! -d "$shared/iocs" ] || [ ! -d "$shared/logs/zeek-tsv" ]; then
	echo "bench: $shared (iocs, logs) is absent; the matcher benchmark needs it, skipped"
	exit 0
fi
t_start=$(date +%s)
work="$top/build/bench/match"
tools="python3 $top/bench/match_tools.py"
mkdir -p "$work"
cd "$work"
MB=${BENCH_LOG_MB:-512}
RUNS=${BENCH_RUNS:-3}
SIZES=${BENCH_SIZES:-1000 100000 1000000 10000000}
PEER_MAX=${BENCH_PEER_MAX:-100000}
PEER_COPY_MAX=${BENCH_PEER_COPY_MAX:-1000000}
res="$work/results.jsonl"

# The log corpus of format $1.
log_of() {
	case $1 in
	zeek) echo zeek.log ;;
	zeek-json) echo zeek.json ;;
	eve) echo eve.json ;;
	text) echo text.log ;;
	esac
}

python3 "$top/bench/gen_match.py" logs "$shared" "$work" "$MB"
for n in $SIZES; do
	[ -f "values-$n.txt" ] || python3 "$top/bench/gen_match.py" iocs "$shared" "$work" $SIZES
done
echo '{"x": 1}' >"$work/tiny.txt"
[ "${BENCH_KEEP_RESULTS:-0}" = 1 ] || : >"$res"

# Import and compile each set once (--skip-invalid: the real lists hold a
# few values that are not valid names, e.g. a label over 63 characters).
for n in $SIZES; do
	if [ ! -f "match-$n.idx" ]; then
		rm -f "match-$n.db" "match-$n.db-wal" "match-$n.db-shm"
		s=$(date +%s.%N)
		"$bin" --db "match-$n.db" import --skip-invalid --source bench "list-$n.csv" >"import-$n.out" 2>&1
		m=$(date +%s.%N)
		"$bin" --db "match-$n.db" compile -o "match-$n.idx.tmp" --json >"compile-$n.json"
		e=$(date +%s.%N)
		awk -v s="$s" -v m="$m" -v e="$e" 'BEGIN { printf "{\"import_s\": %.2f, \"compile_s\": %.2f}\n", m - s, e - m }' >"times-$n.json"
		mv "match-$n.idx.tmp" "match-$n.idx"
		rm -f "match-$n.db" "match-$n.db-wal" "match-$n.db-shm"
	fi
	hyperfine -N -i --runs 10 --export-json "startup-$n.json" \
		"$bin match --index match-$n.idx -f zeek-json --quiet tiny.txt" >/dev/null 2>&1
	/usr/bin/time -v "$bin" match --index "match-$n.idx" -f zeek-json --quiet tiny.txt \
		>/dev/null 2>"startup-$n.time" || true
	$tools compile "$n" >>"$res"
done

for f in zeek zeek-json eve text; do
	log=$(log_of $f)
	for n in $SIZES; do
		p="$work/r-$f-$n"
		rm -f "$p".*
		ours="$bin match --index match-$n.idx -f $f --quiet"
		rg="rg -F --no-filename -f values-$n.txt"
		grep="grep -F -h -f values-$n.txt"
		set -- -n ours "$ours -j 1 $log > $p.out-ours" -n ours-j2 "$ours -j 2 $log > $p.out-ours2"
		if [ "$n" -le "$PEER_MAX" ]; then
			set -- "$@" -n rg "$rg $log > $p.out-rg" -n grep "$grep $log > $p.out-grep"
		fi
		if [ "$f" = eve ] && [ "${BENCH_FEVER:-1}" = 1 ] && command -v fever >/dev/null; then
			$tools bloom "values-$n.txt" "fever-$n.bloom"
			set -- "$@" -n fever "$tools fever fever-$n.bloom $log $p.out-fever >> $p.fever"
		fi
		echo "bench: $f, $n indicators" >&2
		hyperfine -i --runs "$RUNS" --export-json "$p.hf.json" "$@" >/dev/null 2>&1
		/usr/bin/time -v $ours -j 1 "$log" >"$p.out-ours" 2>"$p.time-ours" || true
		$tools first "$p.first-ours" -- $ours -j 1 - "$log" >"$p.first-ours.json"
		# One copy of the corpus: substring-only hits (and, above PEER_MAX, peer speed).
		$ours -j 1 "base-$log" >"$p.base-ours" || true
		$tools ours "base-$log" "$p.base-ours" >"$p.sub-ours.json"
		if [ "$n" -le "$PEER_COPY_MAX" ]; then
			for peer in rg grep; do
				eval cmd=\$$peer
				/usr/bin/time -v $cmd "base-$log" >"$p.base-$peer" 2>"$p.time-$peer" || true
				$tools substr "values-$n.txt" "base-$log" "$p.base-$peer" >"$p.sub-$peer.json"
				if [ "$n" -le "$PEER_MAX" ]; then
					$tools first "$p.first-$peer" -- $cmd - "$log" >"$p.first-$peer.json"
				fi
			done
		fi
		$tools cell "$f" "$n" "$log" "$p" >>"$res"
	done
done
# Throughput at the largest set against 1K, interleaved in one hyperfine run.
hi=$(echo $SIZES | tr ' ' '\n' | sort -n | tail -1)
if [ "$hi" != 1000 ] && [ -f match-1000.idx ] && [ -f "match-$hi.idx" ]; then
	for f in zeek zeek-json eve text; do
		log=$(log_of $f)
		hyperfine -i --runs "$RUNS" --export-json "scale-$f.json" \
			-n lo "$bin match --index match-1000.idx -f $f -j 1 --quiet $log > scale.out" \
			-n hi "$bin match --index match-$hi.idx -f $f -j 1 --quiet $log > scale.out" >/dev/null 2>&1
		$tools scale "$f" "$hi" "scale-$f.json" >>"$res"
	done
fi
t_end=$(date +%s)
echo "{\"kind\": \"meta\", \"logs\": \"$(du -m zeek.log zeek.json eve.json text.log | awk '{printf "%s%s %s MB", s, $2, $1; s=", "}')\", \"runs\": $RUNS, \"peer_max\": $PEER_MAX, \"peer_copy_max\": $PEER_COPY_MAX, \"seconds\": $((t_end - t_start))}" >>"$res"
$tools report "$res" "$top/bench/RESULTS.md"
echo "bench/match.sh took $((t_end - t_start)) s"
