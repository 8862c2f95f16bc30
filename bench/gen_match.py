#!/usr/bin/env python3
"""Generate the matcher benchmark inputs from the real data in ../shared/data.

  gen_match.py logs SHARED OUT MB     four log corpora of about MB megabytes
  gen_match.py iocs SHARED OUT N...   indicator sets of N values each

logs writes into OUT, each a base corpus repeated until it reaches MB:
  zeek.log     every Zeek TSV log concatenated (headers repeat mid-file,
               as in concatenated rotations)
  zeek.json    every Zeek JSON log concatenated
  eve.json     Suricata EVE JSON derived from the same Zeek records, same
               values, Suricata's field names: dns queries (3 in 4 in the
               v2 layout `dns.rrname`, 1 in 4 in the v3 layout
               `dns.queries[].rrname`) and v2 answers, tls events with
               `tls.sni` from x509 `san.dns`, smtp events, and a flow
               event for every other record with addresses (no http: the
               shared Zeek data has no http.log)
  text.log     the Zeek TSV rows as syslog lines ("Mar 24 17:15:20 sensor
               zeek[4242]: dns ..." with spaces for tabs)
  base-*       one copy of each corpus (for the substring-only check)
and sample.txt: the log values that every indicator set contains.

iocs writes values-N.txt (one a line, for rg/grep/fever) and list-N.csv
(value,comment, for `solidarity import`). Every set starts with the same
sample of values that really occur in the logs: the rarest public IPs and
registrable names of the corpus (1 to 3 rows each, so hits are few, as in
real traffic), then the real lists (ipsum IPs, blocklistproject domains,
signature-base hashes) in a fixed shuffled order, then, past the ~320,000
real values, deterministic variations of them (other octets, extra labels,
re-hashed hashes) until N distinct values. Sets are prefixes of one
sequence, so the sample is identical across sizes. Deterministic output.
"""
import glob
import gzip
import hashlib
import ipaddress
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402  (bench/gen.py: the real lists and their variations)

SAMPLE_IPS = 40
SAMPLE_NAMES = 60
RESERVED_TLDS = {"local", "localdomain", "arpa", "internal", "lan", "test", "example",
                 "invalid", "localhost", "home", "corp", "onion"}
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def zeek_files(shared, kind):
    pat = "*.log.gz" if kind == "zeek-tsv" else "*.json.gz"
    return sorted(glob.glob(os.path.join(shared, "logs", kind, pat)))


def read_gz(path):
    with gzip.open(path, "rt", encoding="utf-8", errors="surrogateescape") as f:
        return f.read()


def is_ip(v):
    try:
        ipaddress.ip_address(v)
        return True
    except ValueError:
        return False


def is_name(v):
    v = v.lower().rstrip(".")
    labels = v.split(".")
    return (len(labels) >= 2 and labels[-1] not in RESERVED_TLDS and labels[-1].isalpha()
            and all(l and all(c.isalnum() or c == "-" for c in l) for l in labels))


def record_values(r):
    """(value, kind) pairs a matcher should see in one Zeek JSON record."""
    out = []
    for k in ("id.orig_h", "id.resp_h"):
        if isinstance(r.get(k), str):
            out.append(r[k])
    for k in ("query", "server_name", "host"):
        if isinstance(r.get(k), str):
            out.append(r[k])
    for k in ("answers", "san.dns"):
        if isinstance(r.get(k), list):
            out += [a for a in r[k] if isinstance(a, str)]
    return out


def syslog_time(ts):
    import time
    t = time.gmtime(float(ts))
    return "%s %2d %02d:%02d:%02d" % (MONTHS[t.tm_mon - 1], t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)


def eve_time(ts):
    # Zeek JSON: 2018-03-24T17:15:20.865716Z; EVE: 2018-03-24T17:15:20.865716+0000
    return ts[:-1] + "+0000" if ts.endswith("Z") else ts


def eve_events(records):
    """EVE JSON lines carrying the same values as the Zeek records."""
    addrs = [("10.0.0.1", 0, "10.0.0.2", 0)]
    flow_id = 1000000000000
    n_dns = 0
    for r in records:
        flow_id += 1
        path = r.get("_path")
        base = {"timestamp": eve_time(r.get("ts", "")), "flow_id": flow_id, "in_iface": "eth0"}
        if "id.orig_h" in r:
            addrs[0] = (r["id.orig_h"], r.get("id.orig_p", 0), r["id.resp_h"], r.get("id.resp_p", 0))
        src, sport, dst, dport = addrs[0]
        base.update({"src_ip": src, "src_port": sport, "dest_ip": dst, "dest_port": dport})
        if path == "dns" and isinstance(r.get("query"), str):
            n_dns += 1
            proto = (r.get("proto") or "udp").upper()
            q = {"rrname": r["query"], "rrtype": r.get("qtype_name", "A")}
            if n_dns % 4:
                dns = {"version": 2, "type": "query", "id": r.get("trans_id", 0), "tx_id": 0}
                dns.update(q)
            else:
                dns = {"version": 3, "type": "request", "id": r.get("trans_id", 0), "tx_id": 0,
                       "queries": [q]}
            yield dict(base, event_type="dns", proto=proto, dns=dns)
            if r.get("answers"):
                ans = [{"rrname": r["query"], "rrtype": "A" if is_ip(a) else "CNAME", "rdata": a}
                       for a in r["answers"]]
                dns = {"version": 2, "type": "answer", "id": r.get("trans_id", 0),
                       "rcode": r.get("rcode_name", "NOERROR"), "answers": ans}
                yield dict(base, event_type="dns", proto=proto, dns=dns)
        elif path == "x509":
            sans = r.get("san.dns") or [""]
            tls = {"subject": r.get("certificate.subject", ""),
                   "issuerdn": r.get("certificate.issuer", ""),
                   "serial": r.get("certificate.serial", ""),
                   "fingerprint": r.get("fingerprint", ""),
                   "sni": sans[0], "version": "TLS 1.2"}
            yield dict(base, event_type="tls", proto="TCP", tls=tls)
        elif path == "smtp":
            smtp = {"helo": r.get("helo", ""), "mail_from": r.get("mailfrom") or "",
                    "rcpt_to": r.get("rcptto") or []}
            yield dict(base, event_type="smtp", proto="TCP", app_proto="smtp", smtp=smtp)
        elif "id.orig_h" in r:
            flow = {"pkts_toserver": 1, "pkts_toclient": 1, "bytes_toserver": 64,
                    "bytes_toclient": 64, "start": base["timestamp"], "end": base["timestamp"],
                    "state": "closed", "reason": "timeout"}
            yield dict(base, event_type="flow", proto=(r.get("proto") or "tcp").upper(),
                       app_proto=path, flow=flow)


def text_lines(tsv):
    """Zeek TSV rows as syslog lines."""
    path = "zeek"
    for line in tsv.split("\n"):
        if line.startswith("#path"):
            path = line.split("\t", 1)[1]
            continue
        if not line or line.startswith("#"):
            continue
        ts = line.split("\t", 1)[0]
        try:
            when = syslog_time(ts)
        except ValueError:
            continue
        yield "%s sensor zeek[4242]: %s %s" % (when, path, line.replace("\t", " "))


def replicate(base, path, mb):
    data = base.encode("utf-8", "surrogateescape")
    copies = max(1, -(-mb * 1000000 // len(data)))
    with open(path + ".tmp", "wb") as f:
        for _ in range(copies):
            f.write(data)
    os.replace(path + ".tmp", path)
    return copies


def gen_logs(shared, out, mb):
    tsv = "".join(read_gz(p) for p in zeek_files(shared, "zeek-tsv"))
    js = "".join(read_gz(p) for p in zeek_files(shared, "zeek-json"))
    records = [json.loads(l) for l in js.split("\n") if l.strip()]
    eve = "".join(json.dumps(e, separators=(",", ":")) + "\n" for e in eve_events(records))
    text = "".join(l + "\n" for l in text_lines(tsv))
    for name, base in (("zeek.log", tsv), ("zeek.json", js), ("eve.json", eve), ("text.log", text)):
        if os.path.exists(os.path.join(out, name)) and os.path.exists(os.path.join(out, "base-" + name)):
            continue
        with open(os.path.join(out, "base-" + name), "w", encoding="utf-8",
                  errors="surrogateescape") as f:
            f.write(base)
        n = replicate(base, os.path.join(out, name), mb)
        print("gen_match: %s: %d copies of %d bytes" % (name, n, len(base.encode("utf-8", "surrogateescape"))))
    # The sample: rarest public IPs and names, counted in records.
    count = {}
    for r in records:
        for v in set(record_values(r)):
            count[v] = count.get(v, 0) + 1
    def spread(v):  # a fixed order that is not alphabetical
        return hashlib.md5(v.encode()).hexdigest()
    ips = sorted((c, spread(v), v) for v, c in count.items()
                 if is_ip(v) and ipaddress.ip_address(v).is_global and c <= 3)
    names = sorted((c, spread(v), v) for v, c in count.items()
                   if not is_ip(v) and is_name(v) and v == v.lower() and c <= 3)
    sample = [v for _, _, v in ips[:SAMPLE_IPS]] + [v for _, _, v in names[:SAMPLE_NAMES]]
    with open(os.path.join(out, "sample.txt"), "w") as f:
        f.write("".join(v + "\n" for v in sample))
    print("gen_match: sample of %d log values (%d IPs, %d names)"
          % (len(sample), min(len(ips), SAMPLE_IPS), min(len(names), SAMPLE_NAMES)))


def real_values(shared):
    """The real lists (gen.py's), lowercased and in a fixed shuffled order."""
    out = [v.lower() for v in gen.real_values(shared)]
    random.Random(20261101).shuffle(out)
    return out


def gen_iocs(shared, out, sizes):
    with open(os.path.join(out, "sample.txt")) as f:
        sample = [l.strip() for l in f if l.strip()]
    real = real_values(shared)
    top = max(sizes)
    seen, vals = set(), []
    for src in (sample, real, gen.variations(real)):
        for v in src:
            if v not in seen:
                seen.add(v)
                vals.append(v)
                if len(vals) == top:
                    break
        if len(vals) == top:
            break
    del seen
    for n in sizes:
        with open(os.path.join(out, "values-%d.txt" % n), "w") as f:
            f.write("".join(v + "\n" for v in vals[:n]))
        with open(os.path.join(out, "list-%d.csv" % n), "w") as f:
            f.write("value,comment\n")
            f.write("".join("%s,bench %d\n" % (v, i) for i, v in enumerate(vals[:n])))
        print("gen_match: %d indicator values" % n)


def main():
    what, shared, out = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(out, exist_ok=True)
    if what == "logs":
        gen_logs(shared, out, int(sys.argv[4]))
    else:
        gen_iocs(shared, out, [int(a) for a in sys.argv[4:]])


if __name__ == "__main__":
    main()
