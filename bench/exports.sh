#!/bin/sh
# bench/exports.sh BINARY - `make bench`: the exports and the live DNS zone
# of a store of BENCH_N (1,000,000) indicators from bench/gen.py.
#
#   exports   `solidarity export FORMAT` for every format: median wall time
#             of BENCH_RUNS (3) runs (hyperfine), CPU and peak RSS of one
#             more (/usr/bin/time), output size. Target: < 3 s each.
#   IXFR      bench/micro/dns_bench.c on a copy of the store: the server's
#             start (zone built from the whole store), then 1,000 domains
#             imported and one refresh (only they are read), and the IXFR
#             from the previous serial: its size and time.
#   arrival   a copy of the store behind `solidarity serve --dns`, a BIND
#             named on 127.0.0.1 as its response-policy secondary for the
#             bulk and the recent-additions zone (the named.conf of
#             tests/unit/dns/test_bind.c); once named has loaded both
#             (its log says the policy reloads are done),
#             one domain is imported with `solidarity import`
#             and dig asks named for it every 10 ms: the time from the
#             start of the import to NXDOMAIN. Target: < 2 s.
#
# Work files live in build/bench-exports/ (the store is kept between runs
# and rebuilt when the list changes). Prints markdown tables with each
# figure against its target, and the machine's load while it ran; the
# dated figures go to bench/RESULTS.md by hand.
set -eu
bin=$(realpath "$1")
top=$(realpath "$(dirname "$0")/..")
shared="$top/../shared/data"
if [ ! -d "$shared/iocs" ]; then
	echo "bench: $shared is absent; the export benchmarks need the shared data, skipped"
	exit 0
fi
for tool in hyperfine python3 cc pkg-config; do
	if ! command -v "$tool" >/dev/null; then
		echo "bench: $tool is not installed; the export benchmarks are skipped"
		exit 0
	fi
done
work="$top/build/bench-exports"
mkdir -p "$work"
N=${BENCH_N:-1000000}
list="$top/build/bench/list-$N.csv"
[ -f "$list" ] || python3 "$top/bench/gen.py" "$shared" "$top/build/bench" "$N" >/dev/null
db="$work/store-$N.db"
if [ ! -f "$db" ] || [ "$list" -nt "$db" ]; then
	rm -f "$db" "$db-wal" "$db-shm"
	"$bin" --db "$db" import --skip-invalid --source bench "$list" >/dev/null 2>&1
fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- every export format -------------------------------------------------
echo
echo "| format | median wall | CPU user + sys | peak RSS | output | target |"
echo "|---|---|---|---|---|---|"
for f in rpz nft suricata zeek csv stix misp; do
	out="$work/out.$f"
	hyperfine --runs "${BENCH_RUNS:-3}" --export-json "$work/export-$f.json" \
		"$bin --db $db export $f -o $out" >/dev/null 2>&1
	/usr/bin/time -f '%U %S %M' -o "$work/export-$f.time" \
		"$bin" --db "$db" export "$f" -o "$out" >/dev/null 2>&1
	bytes=$(du -sb "$out" | cut -f1)
	python3 - "$f" "$work/export-$f.json" "$work/export-$f.time" "$bytes" <<'PY'
import json, sys
f, js, tf, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
med = json.load(open(js))["results"][0]["median"]
u, s, rss = open(tf).read().split()[-3:]
print("| %s | %.2f s | %.2f s | %.0f MB | %.1f MB | < 3 s: %s |" % (
    f, med, float(u) + float(s), int(rss) / 1024, size / 1e6, "met" if med < 3 else "MISSED"))
PY
done

# ---- IXFR after 1,000 more indicators --------------------------------------
lib="$(dirname "$bin")/libsolidarity.a"
libs=$(pkg-config --libs ldns sqlite3 jansson libzstd libpcre2-8 libidn2 libxxhash libcrypto \
	libsodium zlib libmicrohttpd libcurl gnutls)
echo
if [ -f "$lib" ] && cc -O2 -std=c17 -D_GNU_SOURCE -I"$top/src" -o "$work/dns_bench" \
	"$top/bench/micro/dns_bench.c" "$lib" $libs -lpthread; then
	cp "$db" "$work/dns.db"
	"$work/dns_bench" 1000 1000 0 "$work/dns.db" | sed -n '/^store/,$p'
	rm -f "$work/dns.db" "$work/dns.db-wal" "$work/dns.db-shm"
else
	echo "bench: $lib not found or dns_bench did not build; IXFR figures skipped"
fi

# ---- arrival to enforcement in BIND ---------------------------------------------
named=/usr/sbin/named
if [ ! -x "$named" ] || ! command -v dig >/dev/null; then
	echo "bench: named or dig missing (Debian bind9, bind9-dnsutils); arrival figure skipped"
	exit 0
fi
free_port() {
	python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}
ours=$(free_port)
theirs=$(free_port)
dir="$work/named"
rm -rf "$dir"
mkdir -p "$dir"
cp "$db" "$dir/intel.db"
cat >"$dir/named.conf" <<EOF
options {
  directory "$dir";
  pid-file "$dir/named.pid";
  session-keyfile "$dir/session.key";
  managed-keys-directory "$dir";
  listen-on port $theirs { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion yes;
  allow-query { 127.0.0.1; };
  allow-recursion { 127.0.0.1; };
  dnssec-validation no;
  notify no;
  response-policy {
    zone "rpz.solidarity" min-update-interval 0;
    zone "rpz-recent.solidarity" min-update-interval 0;
  };
};
controls { };
zone "rpz.solidarity" {
  type secondary;
  primaries { 127.0.0.1 port $ours; };
  file "rpz.solidarity.db";
  allow-notify { 127.0.0.1; };
};
zone "rpz-recent.solidarity" {
  type secondary;
  primaries { 127.0.0.1 port $ours; };
  file "rpz-recent.solidarity.db";
  allow-notify { 127.0.0.1; };
};
zone "example" { type primary; file "example.db"; };
EOF
printf '%s\n' '$TTL 60' '@ SOA localhost. hostmaster.localhost. 1 3600 600 86400 60' \
	'@ NS localhost.' '* A 192.0.2.9' >"$dir/example.db"
# the new name is under .example (named resolves it from its own zone), which
# the built-in warninglist keeps out unless its documentation names are allowed
"$bin" serve --db "$dir/intel.db" --listen 127.0.0.1:0 --dns "127.0.0.1:$ours" \
	--dns-allow 127.0.0.1 --dns-notify "127.0.0.1:$theirs" \
	--dns-allow-benign documentation 2>"$dir/serve.log" &
serve=$!
"$named" -g -4 -c "$dir/named.conf" >"$dir/named.log" 2>&1 &
named_pid=$!
trap 'kill $serve $named_pid 2>/dev/null; wait 2>/dev/null' EXIT
trap 'exit 1' INT TERM
started=$(date +%s.%N)
until grep -q 'rpz: rpz.solidarity: reload done: success' "$dir/named.log" &&
	grep -q 'rpz: rpz-recent.solidarity: reload done: success' "$dir/named.log"; do
	sleep 1
	if [ "$(python3 -c "print(int($(date +%s.%N) - $started))")" -gt 900 ]; then
		echo "bench: named did not load the zone in 15 minutes; see $dir/named.log"
		exit 1
	fi
done
loaded=$(python3 -c "print('%.1f' % ($(date +%s.%N) - $started))")
name="arrival-$(date +%s).example"
printf '%s\n' "$name" >"$dir/new.txt"
python3 - "$bin" "$dir/intel.db" "$dir/new.txt" "$name" "$theirs" "$loaded" <<'PY'
import subprocess, sys, time
bin, db, new, name, port, loaded = sys.argv[1:]
def rcode():
    out = subprocess.run(["dig", "+time=1", "+tries=1", "-p", port, "@127.0.0.1", name, "A"],
                         capture_output=True, text=True).stdout
    return "NXDOMAIN" if "status: NXDOMAIN" in out else "other"
assert rcode() != "NXDOMAIN", name + " is enforced before its import"
t0 = time.monotonic()
subprocess.run([bin, "--db", db, "import", "--source", "arrival", new], check=True,
               capture_output=True)
t_import = time.monotonic() - t0
while rcode() != "NXDOMAIN":
    if time.monotonic() - t0 > 60:
        sys.exit("bench: %s not enforced within 60 s" % name)
    time.sleep(0.01)
total = time.monotonic() - t0
print()
print("named loaded the %s-record zone by AXFR in %s s" % ("1M-indicator", loaded))
print("| arrival to enforcement | time | target |")
print("|---|---|---|")
print("| import of 1 domain (process start to commit) | %.3f s | |" % t_import)
print("| import start to NXDOMAIN from named | %.3f s | < 2 s: %s |" % (
    total, "met" if total < 2 else "MISSED"))
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
