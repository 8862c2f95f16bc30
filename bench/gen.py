#!/usr/bin/env python3
"""Generate benchmark inputs from the real indicator lists in ../shared/data.

  gen.py SHARED OUT N

writes into OUT:
  list-N.csv      N indicator values (value,comment), the real ones first
                  (ipsum IPs, blocklistproject domains, signature-base
                  hashes), then deterministic variations of them (other
                  last octets, extra subdomain labels, re-hashed hashes)
                  until N distinct values
  bundle-M.json   a STIX 2.1 bundle of M = N/5 indicators over the same
                  values, one TLP marking, as partners would share them
The output is deterministic for a given input, so runs compare.
"""
import hashlib
import json
import os
import sys
import uuid


def real_values(shared):
    iocs = os.path.join(shared, "iocs")
    out = []
    with open(os.path.join(iocs, "ipsum.txt")) as f:
        out += [l.split()[0] for l in f if l.strip() and not l.startswith("#")]
    for name in ("blp-phishing.txt", "blp-scam.txt"):
        with open(os.path.join(iocs, name)) as f:
            out += [l.strip() for l in f if l.strip() and not l.startswith("#")]
    with open(os.path.join(iocs, "sigbase-hash-iocs.txt")) as f:
        for l in f:
            l = l.strip()
            if l and not l.startswith("#"):
                out.append(l.split(";")[0])
    return out


def variations(values):
    """Endless distinct variations of the real values."""
    k = 0
    while True:
        k += 1
        for v in values:
            if v.count(".") == 3 and v.replace(".", "").isdigit():
                a, b, c, d = v.split(".")
                yield "%s.%d.%d.%d" % (a, (int(b) + k // 256) % 256, (int(c) + k) % 256,
                                       (int(d) * 7 + k) % 256)
            elif all(ch in "0123456789abcdefABCDEF" for ch in v):
                h = hashlib.sha256((v + str(k)).encode()).hexdigest()
                yield h[: len(v)] if len(v) <= 64 else h + hashlib.sha256(h.encode()).hexdigest()
            else:
                yield "v%d.%s" % (k, v)


def pattern(v):
    if v.count(".") == 3 and v.replace(".", "").isdigit():
        return "[ipv4-addr:value = '%s']" % v
    if all(ch in "0123456789abcdef" for ch in v.lower()):
        algo = {32: "MD5", 40: "'SHA-1'", 64: "'SHA-256'", 128: "'SHA-512'"}.get(len(v))
        if algo:
            return "[file:hashes.%s = '%s']" % (algo, v.lower())
    return "[domain-name:value = '%s']" % v.replace("'", "\\'")


def main():
    shared, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    seen, vals = set(), []
    for src in (real_values(shared), variations(real_values(shared))):
        for v in src:
            if v not in seen:
                seen.add(v)
                vals.append(v)
                if len(vals) == n:
                    break
        if len(vals) == n:
            break
    with open(os.path.join(out, "list-%d.csv" % n), "w") as f:
        f.write("value,comment\n")
        for i, v in enumerate(vals):
            f.write("%s,bench %d\n" % (v, i))
    m = n // 5
    ns = uuid.UUID("6f1b9c8e-2a44-4d5e-9b1a-3c7d2e8f0a11")
    with open(os.path.join(out, "bundle-%d.json" % m), "w") as f:
        f.write('{"type":"bundle","id":"bundle--%s","objects":[' % uuid.uuid5(ns, "bundle"))
        for i, v in enumerate(vals[:m]):
            o = {
                "type": "indicator", "spec_version": "2.1",
                "id": "indicator--%s" % uuid.uuid5(ns, v),
                "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
                "name": "bench %d" % i, "pattern": pattern(v), "pattern_type": "stix",
                "valid_from": "2026-11-01T00:00:00Z",
                "object_marking_refs": ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"],
            }
            f.write(("," if i else "") + json.dumps(o, separators=(",", ":")))
        f.write("]}\n")


if __name__ == "__main__":
    main()
