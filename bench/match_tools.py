#!/usr/bin/env python3
"""Helpers of bench/match.sh (the matcher benchmark).

  match_tools.py bloom VALUES OUT          a DCSO bloom filter file for fever
  match_tools.py first OUTFILE -- CMD...   ms from start to first output byte
  match_tools.py fever BLOOM EVE OUTFILE   run fever over an EVE file, offline
  match_tools.py substr VALUES LOG OUT     peer lines with no whole-token value
  match_tools.py ours LOG OUT              our hits whose observed value is not
                                           a whole token of its line
  match_tools.py report RESULTS.jsonl RESULTS.md   the table and the section

first: the command's standard input is the log through a pipe (a `cat`
process), its standard output a pipe read here; the time runs from just
before the command starts to the first byte it writes, then the rest is
copied to OUTFILE. Whatever the tool buffers before writing shows.

bloom: DCSO's filter format and hashing (see bloom()), byte for byte what
`bloom create -n N -p 0.001` + `bloom insert` (Debian
golang-github-dcso-bloom-cli 0.2.4) write for the values plus the
sentinel; an OUT newer than VALUES that holds n + 1 values and the sentinel
is kept.

fever (Debian fever 1.3.5): it has no file input; `fever run` reads EVE JSON
lines from a Unix socket it listens on and writes alerts, one JSON line
each, to a Unix socket it connects to. This binds the output socket and
starts fever with the filter (-b), an input buffer of 10,000 events that
blocks instead of dropping (--in-buffer-length 10000
--in-buffer-drop=false; the default 500,000 doubles its RSS) and a config
file whose multi-forward entry sends event type alert, with a buffer of
10,000, to that socket. It waits until fever has connected, then writes the
EVE file into the input socket and after it a sentinel dns query whose
name is in the filter; fever handles events in order, so it is done when
the sentinel's alert arrives. The input blocks, so writing goes at fever's
pace: scan_s, from the first byte written to the sentinel's alert, is
fever's processing of the whole file (its start-up, about 0.1-0.5 s, is
not in it; ours includes ours). fever's stdout and stderr (its log) go to
OUTFILE.log, its alerts to OUTFILE. Appends one JSON line: ok, scan_s,
mb_s, first_ms (first byte written to the first alert other than the
sentinel's), alerts (not counting the sentinel's), rss_kb (fever's VmHWM
just before SIGTERM). Two pitfalls found the hard way: the legacy -o
output has no buffer and drops every alert that arrives while the previous
one is being written (all but the first and last of a burst, the
sentinel's included), hence the config file; and a filter hashed any other
way matches nothing but its own false positives.

What fever matches (processing/bloom_handler.go), exactly as written, case
and all, with no parent domains and no IP addresses (its IP blacklist is a
separate range list, not used here): dns events, the dns.rrname of the
event (a query's name; answer events of the EVE v2 layout have no
top-level rrname and never match); tls events, tls.sni, else the
certificate fingerprint; http events, the host, then the first of the
full URL, host+path and path that is in the filter. Flow, smtp and other
events and all other fields are only parsed. Being a Bloom filter it also
raises false positives (p = 0.001 per value checked): on base-eve.json at
1K, 3 of its 6 alerts per copy. fever also runs its always-on flow and DNS
aggregators over the events, and its goroutines use both CPUs.

substr: a line a peer printed is a substring-only hit when none of the
value occurrences in it is a whole token: its tokens are the runs of
[A-Za-z0-9._:-] (lowercased, leading and trailing dots dropped, so
"*.example.com" gives "example.com"), and a line is a true
hit when one token, or one of its parent domains (a suffix after a dot:
what a domain list means), is a value.
"""
import json
import os
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

TOKEN = re.compile(rb"[A-Za-z0-9._:\-]+")
SENTINEL = "fever-sentinel.bench-match.invalid"
BLOOM_P = 18446744073709551557  # the largest prime below 2^64
BLOOM_G = 18446744073709550147


def fnv1_64(b):
    h = 0xCBF29CE484222325
    for c in b:
        h = ((h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF) ^ c
    return h


def bloom_indexes(v, k, m):
    h = fnv1_64(v) % BLOOM_P
    for _ in range(k):
        h = ((h * BLOOM_G) & 0xFFFFFFFFFFFFFFFF) % BLOOM_P
        yield h % m


def bloom_check(path, v, n):
    """Whether the filter file holds n values and v is in it."""
    with open(path, "rb") as f:
        head = f.read(48)
        bits = f.read()
    if len(head) < 48:
        return False
    _, fn, _, k, m, _ = struct.unpack("<QQdQQQ", head)
    if fn != n or len(bits) * 8 < m:
        return False
    return all(bits[x >> 3] & (1 << (x & 7)) for x in bloom_indexes(v, k, m))


def bloom(values_path, out, p=0.001):
    """A DCSO bloom filter file (github.com/DCSO/bloom 0.2.4, what fever
    1.3.5 loads): flags (version 1), n, p, k, m, N as uint64 LE (p as a
    float64), then ceil(m / 64) uint64 LE words of bits. The k bit indexes
    of a value: h = FNV-1 64 % P, then k times h = (h * G mod 2^64) % P and
    the index is h % m (P the largest prime below 2^64, G its multiplier;
    Go's uint64 product wraps, which this reproduces)."""
    import math
    with open(values_path, "rb") as f:
        vals = [l.rstrip(b"\n") for l in f if l.strip()]
    vals.append(SENTINEL.encode())
    n = len(vals)
    if (os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(values_path)
            and bloom_check(out, SENTINEL.encode(), n)):
        return
    m = int(abs(math.ceil(n * math.log(p) / (math.log(2) ** 2))))
    words = int(math.ceil(m / 64))
    k = int(math.ceil(math.log(2) * m / n))
    bits = bytearray(words * 8)
    added = 0
    for v in vals:
        new = False
        for x in bloom_indexes(v, k, m):
            if not bits[x >> 3] & (1 << (x & 7)):
                new = True
            bits[x >> 3] |= 1 << (x & 7)
        added += new
    with open(out + ".tmp", "wb") as f:
        f.write(struct.pack("<QQdQQQ", 1, n, p, k, m, added))
        f.write(bits)
    os.replace(out + ".tmp", out)


def first(outfile, cmd, log):
    cat = subprocess.Popen(["cat", log], stdout=subprocess.PIPE)
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=cat.stdout, stdout=subprocess.PIPE)
    cat.stdout.close()
    b = proc.stdout.read(1)
    t1 = time.monotonic()
    with open(outfile, "wb") as f:
        f.write(b)
        while True:
            chunk = proc.stdout.read(1 << 20)
            if not chunk:
                break
            f.write(chunk)
    proc.wait()
    cat.wait()
    t2 = time.monotonic()
    print(json.dumps({"first_ms": (t1 - t0) * 1000 if b else None, "total_s": t2 - t0}))


def fever(bloom_path, eve, outfile):
    d = tempfile.mkdtemp(prefix="bench-fever-")
    ins, outs, mgmt, conf = d + "/in.sock", d + "/out.sock", d + "/mgmt.sock", d + "/fever.yaml"
    # Alerts go through a multi-forward entry of their own: the legacy -o
    # output has no buffer, and its dispatcher drops an alert whenever the
    # shipper is still writing the previous one (all but the first and last
    # of a burst).
    with open(conf, "w") as f:
        f.write("multi-forward:\n  bench:\n    socket: %s\n    all: false\n"
                "    buffer-length: 10000\n    types:\n      - alert\n" % outs)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(outs)
    srv.listen(1)
    state = {"alerts": 0, "first": None, "done": None}
    connected = threading.Event()

    def receive():
        conn, _ = srv.accept()
        connected.set()
        buf = b""
        with open(outfile, "wb") as f:
            while True:
                chunk = conn.recv(1 << 20)
                if not chunk:
                    break
                now = time.monotonic()
                f.write(chunk)
                buf += chunk
                lines = buf.split(b"\n")
                buf = lines.pop()
                for l in lines:
                    if SENTINEL.encode() in l:
                        state["done"] = now
                        f.flush()
                    elif l.strip():
                        state["alerts"] += 1
                        state["first"] = state["first"] or now

    th = threading.Thread(target=receive, daemon=True)
    th.start()
    t0 = time.monotonic()
    with open(outfile + ".log", "wb") as log:
        proc = subprocess.Popen(
            ["fever", "run", "--config", conf, "-i", ins, "-b", bloom_path, "--mgmt-socket", mgmt,
             "--in-buffer-length", "10000", "--in-buffer-drop=false"], stdout=log, stderr=log)
    while not (os.path.exists(ins) and connected.is_set()):
        if proc.poll() is not None or time.monotonic() - t0 > 30:
            proc.kill()
            sys.exit("fever did not open its input socket and connect to ours (see %s.log)"
                     % outfile)
        time.sleep(0.005)
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(ins)
    t_send = time.monotonic()
    with open(eve, "rb") as f:
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            c.sendall(chunk)
    sentinel = {"timestamp": "2018-03-24T17:15:20.000000+0000", "event_type": "dns",
                "src_ip": "10.0.0.1", "src_port": 1, "dest_ip": "10.0.0.2", "dest_port": 53,
                "proto": "UDP", "dns": {"version": 2, "type": "query", "id": 1,
                                        "rrname": SENTINEL, "rrtype": "A"}}
    c.sendall(json.dumps(sentinel).encode() + b"\n")
    t_sent = time.monotonic()
    deadline = t_sent + float(os.environ.get("FEVER_DEADLINE", "120"))
    while state["done"] is None and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.002)
    t_done = state["done"] or time.monotonic()
    hwm = 0
    try:
        with open("/proc/%d/status" % proc.pid) as f:
            for l in f:
                if l.startswith("VmHWM:"):
                    hwm = int(l.split()[1])
    except OSError:
        pass
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    c.close()
    shutil.rmtree(d, ignore_errors=True)
    mb = os.path.getsize(eve) / 1e6
    print(json.dumps({
        "ok": state["done"] is not None, "scan_s": t_done - t_send,
        "mb_s": mb / (t_done - t_send) if state["done"] else None,
        "send_s": t_sent - t_send, "startup_ms": (t_send - t0) * 1000,
        "first_ms": (state["first"] - t_send) * 1000 if state["first"] else None,
        "alerts": state["alerts"], "rss_kb": hwm}))
    if state["done"] is None:
        sys.exit(1)


def load_values(path):
    with open(path, "rb") as f:
        return {l.rstrip(b"\n").lower() for l in f if l.strip()}


def whole_token(tok, values):
    tok = tok.lower().strip(b".")
    if tok in values:
        return True
    i = tok.find(b".")
    while i >= 0:
        if tok[i + 1:] in values:
            return True
        i = tok.find(b".", i + 1)
    return False


def substr(values_path, out):
    values = load_values(values_path)
    lines = bad = 0
    with open(out, "rb") as f:
        for line in f:
            lines += 1
            if not any(whole_token(t, values) for t in TOKEN.findall(line)):
                bad += 1
    print(json.dumps({"lines": lines, "substring_only": bad}))


def ours(log, out):
    want = {}
    with open(out, "rb") as f:
        for l in f:
            h = json.loads(l)
            want.setdefault(h["line"], []).append(h["observed"].lower().encode())
    hits = bad = 0
    with open(log, "rb") as f:
        for no, line in enumerate(f, 1):
            if no not in want:
                continue
            toks = {t.lower().strip(b".") for t in TOKEN.findall(line)}
            for v in want[no]:
                hits += 1
                if v not in toks:
                    bad += 1
    print(json.dumps({"hits": hits, "substring_only": bad}))


def time_v(path):
    """(wall seconds, peak RSS MB) from a /usr/bin/time -v report, or Nones."""
    wall = rss = None
    try:
        for l in open(path):
            l = l.strip()
            if l.startswith("Elapsed (wall clock)"):
                parts = [float(x) for x in l.rsplit(" ", 1)[1].split(":")]
                wall = sum(x * 60 ** i for i, x in enumerate(reversed(parts)))
            elif l.startswith("Maximum resident set size"):
                rss = int(l.split(":")[1]) / 1024
    except OSError:
        pass
    return wall, rss


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def compile_row(n):
    """One line of results: the compiled snapshot of the n-value set."""
    c, t = load("compile-%d.json" % n), load("times-%d.json" % n)
    with open("values-%d.txt" % n, "rb") as f:
        lens = [len(l.rstrip(b"\n")) for l in f]
    hf = load("startup-%d.json" % n)
    _, rss = time_v("startup-%d.time" % n)
    print(json.dumps({
        "kind": "compile", "size": n, "indicators": c.get("indicators"), "atoms": c.get("atoms"),
        "bytes": os.path.getsize("match-%d.idx" % n), "mean_value": sum(lens) / len(lens),
        "import_s": t.get("import_s"), "compile_s": t.get("compile_s"), "startup_rss_mb": rss,
        "startup_ms": hf["results"][0]["median"] * 1000 if hf else None}))


def cell(fmt_name, n, log, p):
    """One line of results: a format and an indicator set."""
    size, base = os.path.getsize(log) / 1e6, os.path.getsize("base-" + log) / 1e6
    r = {"kind": "cell", "format": fmt_name, "size": n}
    med = {x["command"]: x["median"] for x in load(p + ".hf.json").get("results", [])}
    for name in ("ours", "rg", "grep"):
        if name in med:
            r[name] = size / med[name]
    if "ours" in med and "ours-j2" in med:
        r["j2"] = med["ours"] / med["ours-j2"]
    for name in ("ours", "rg", "grep"):
        wall, rss = time_v(p + ".time-" + name)
        r["rss_" + name] = rss
        if name != "ours" and name not in r and wall:
            r[name] = base / wall
            r["note_" + name] = "†"
        r["first_" + name] = load(p + ".first-%s.json" % name).get("first_ms")
        r["sub_" + name] = load(p + ".sub-%s.json" % name).get("substring_only")
    # fever: one JSON line per hyperfine run (match_tools.py fever); its
    # figure is the median time from the first byte written to the
    # sentinel's alert, not hyperfine's, which adds its start-up.
    runs = []
    try:
        runs = [json.loads(l) for l in open(p + ".fever") if l.strip()]
    except (OSError, ValueError):
        pass
    if runs:
        ok = [x for x in runs if x.get("ok")]
        r["rss_fever"] = max(x.get("rss_kb", 0) for x in runs) / 1024
        if len(ok) == len(runs):
            r["fever"] = size / statistics.median(x["scan_s"] for x in ok)
            r["first_fever"] = statistics.median(x["first_ms"] for x in ok)
            r["alerts_fever"] = ok[-1]["alerts"]
        else:
            r["note_fever"] = "(stalled)"
    r["hits_ours_base"] = load(p + ".sub-ours.json").get("hits")
    print(json.dumps(r))


def scale(fmt_name, hi, hf):
    med = {x["command"]: x["median"] for x in load(hf).get("results", [])}
    print(json.dumps({"kind": "scale", "format": fmt_name, "size": hi,
                      "ratio": med["lo"] / med["hi"] if "lo" in med and "hi" in med else None}))


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for l in f:
            if l.startswith("model name"):
                model = l.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) // 1024 // 1024
    return "%d cores (nproc), %s, %d GiB RAM" % (os.cpu_count(), model, mem)


def fmt(x, spec="%.0f", none="–"):
    return none if x is None else (x if isinstance(x, str) else spec % x)


def report(results, md):
    rows = [json.loads(l) for l in open(results)]
    metas = [r for r in rows if r.get("kind") == "meta"]
    meta = metas[-1] if metas else {}
    comp = {r["size"]: r for r in rows if r.get("kind") == "compile"}
    cells = {}
    for r in rows:  # a later row for the same cell wins (BENCH_KEEP_RESULTS reruns)
        if r.get("kind") == "cell":
            cells[(r["format"], r["size"])] = r
    order = {"zeek": 0, "zeek-json": 1, "eve": 2, "text": 3}
    cells = [cells[k] for k in sorted(cells, key=lambda k: (order.get(k[0], 9), k[1]))]
    out = []
    out.append("Machine: %s. Date: %s. Logs: %s. Runs per command: %s (hyperfine median)."
               % (machine(), time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                  meta.get("logs", "?"), meta.get("runs", "?")))
    out.append("")
    out.append("| format | indicators | ours MB/s (-j1) | rg MB/s | grep MB/s | fever MB/s "
               "| ours/rg | ours/grep | ours/fever | RSS ours / rg / grep / fever (MB) "
               "| first match ms ours / rg / grep / fever | -j2 speedup "
               "| substring-only hits ours / rg / grep |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for c in cells:
        def ratio(a, b):
            return "%.1f×" % (a / b) if a and b else "–"
        mb = lambda k: c.get(k)
        rss = " / ".join(fmt(c.get("rss_" + p), "%.0f") for p in ("ours", "rg", "grep", "fever"))
        fm = " / ".join(fmt(c.get("first_" + p), "%.0f") for p in ("ours", "rg", "grep", "fever"))
        sub = " / ".join(fmt(c.get("sub_" + p), "%d") for p in ("ours", "rg", "grep"))
        peer = lambda p: fmt(mb(p), "%.0f") + (c.get("note_" + p, ""))
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            c["format"], "{:,}".format(c["size"]), fmt(mb("ours"), "%.0f"), peer("rg"),
            peer("grep"), peer("fever"), ratio(mb("ours"), mb("rg")),
            ratio(mb("ours"), mb("grep")), ratio(mb("ours"), mb("fever")), rss, fm,
            fmt(c.get("j2"), "%.2f×"), sub))
    out.append("")
    fv = [c for c in cells if c.get("alerts_fever") is not None]
    if fv:
        out.append("fever: MB/s from writing the first byte of the log into its input socket "
                   "to receiving the alert of a sentinel event sent after it (median of the "
                   "runs, start-up excluded); it checks only dns.rrname, tls.sni (else the "
                   "certificate fingerprint) and http host/URL, exactly, against a Bloom "
                   "filter (p = 0.001, false positives included); its first match ms also "
                   "runs from the first byte written. Alerts: %s." % "; ".join(
                       "%s at %s: %d" % (c["format"], "{:,}".format(c["size"]), c["alerts_fever"])
                       for c in fv))
        out.append("")
    out.append("Index (from `solidarity compile`; bytes per indicator = file size / indicators; "
               "the value is the mean value length, which the target allows on top of 48):")
    out.append("")
    out.append("| indicators | compiled | file MB | bytes/indicator | mean value bytes | "
               "import s | compile s | match RSS at startup MB | startup ms |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    for size in sorted(comp):
        r = comp[size]
        out.append("| {:,} | {:,} | {:.1f} | {:.1f} | {:.1f} | {} | {} | {} | {} |".format(
            size, r.get("indicators", 0), r["bytes"] / 1e6,
            r["bytes"] / max(1, r.get("indicators", 0)), r["mean_value"],
            fmt(r.get("import_s"), "%.1f"), fmt(r.get("compile_s"), "%.1f"),
            fmt(r.get("startup_rss_mb"), "%.1f"), fmt(r.get("startup_ms"), "%.1f")))
    out.append("")
    # targets
    tgt = []
    by = {(c["format"], c["size"]): c for c in cells}
    for f, want in (("zeek", 1000), ("zeek-json", 1000), ("eve", 1000), ("text", 500)):
        c = by.get((f, 1000000))
        if c and c.get("ours"):
            tgt.append("%s at 1M: %.0f MB/s (target ≥ %d): %s" % (
                f, c["ours"], want, "met" if c["ours"] >= want else "NOT met"))
    scales = {r["format"]: r for r in rows if r.get("kind") == "scale" and r.get("ratio")}
    for f in ("zeek", "zeek-json", "eve", "text"):
        a, b = by.get((f, 1000)), by.get((f, 10000000))
        if f in scales:
            r = scales[f]["ratio"]
            tgt.append("%s %s/1K throughput (interleaved in one hyperfine run): %.2f (target >= 0.80): %s"
                       % (f, "{:,}".format(scales[f]["size"]), r, "met" if r >= 0.8 else "NOT met"))
        elif a and b and a.get("ours") and b.get("ours"):
            r = b["ours"] / a["ours"]
            tgt.append("%s 10M/1K throughput: %.2f (target ≥ 0.80): %s" % (
                f, r, "met" if r >= 0.8 else "NOT met"))
    j2 = [c["j2"] for c in cells if c.get("j2")]
    if j2:
        tgt.append("-j2 speedup: %.2f× to %.2f× (target ≥ 1.8×)" % (min(j2), max(j2)))
    for size in sorted(comp):
        r = comp[size]
        per = r["bytes"] / max(1, r.get("indicators", 0))
        tgt.append("index at %s: %.1f bytes/indicator = %.1f + mean value %.1f (target < 48 + value): %s"
                   % ("{:,}".format(size), per, per - r["mean_value"], r["mean_value"],
                      "met" if per - r["mean_value"] < 48 else "NOT met"))
    out.append("Targets:")
    out.append("")
    out += ["- " + t for t in tgt]
    notes = meta.get("notes", [])
    npath = os.path.join(os.path.dirname(os.path.abspath(results)), "notes.txt")
    if os.path.exists(npath):  # hand-written observations kept beside the results
        notes = notes + [l.strip() for l in open(npath) if l.strip()]
    if notes:
        out.append("")
        out.append("Notes:")
        out.append("")
        out += ["- " + n for n in notes]
    body = "\n".join(out) + "\n"
    print(body)
    section = "## Matcher\n\n" + body
    text = open(md).read() if os.path.exists(md) else "# Benchmark results\n\nFigures from `make bench`, dated, with the machine they ran on.\n"
    m = re.search(r"^## Matcher\n.*?(?=^## |\Z)", text, re.S | re.M)
    if m:
        text = text[:m.start()] + section + ("\n" if text[m.end():] else "") + text[m.end():]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(md, "w") as f:
        f.write(text)


def main():
    a = sys.argv[1:]
    if a[0] == "bloom":
        bloom(a[1], a[2])
    elif a[0] == "first":
        i = a.index("--")
        first(a[1], a[i + 1:-1], a[-1])
    elif a[0] == "fever":
        fever(a[1], a[2], a[3])
    elif a[0] == "substr":
        substr(a[1], a[3])
    elif a[0] == "ours":
        ours(a[1], a[2])
    elif a[0] == "compile":
        compile_row(int(a[1]))
    elif a[0] == "scale":
        scale(a[1], int(a[2]), a[3])
    elif a[0] == "cell":
        cell(a[1], int(a[2]), a[3], a[4])
    elif a[0] == "report":
        report(a[1], a[2])
    else:
        sys.exit("match_tools.py: unknown command " + a[0])


main()
