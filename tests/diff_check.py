#!/usr/bin/env python3
"""An independent check of mojodiff's numbers, from the Austin text inputs.

Usage: diff_check.py BASE.austin NEW.austin REPORT.json [THRESHOLD ALPHA]

Reads both profiles with its own parser (wall time: the first number of
each line), sums every function's inclusive time (once per sample) and self
time (the leaf), and tests each change of share with Fisher's exact test
summed in exact integer arithmetic (math.comb), Holm-adjusted over all
functions, self and inclusive. REPORT.json is mojodiff's --json --all
report of the same inputs; every function in it must agree: shares and
points to 1e-6, p-values to 1e-6 relative, the verdict and the set of
regressions. Prints "ok N functions" or the first disagreement, exit 1.

It shares no code with mojodiff; it is a second reading of the same rules
(docs/mojodiff.md).
"""
import json
import sys
from math import comb


def load(path):
    incl, self_, kinc, kself = {}, {}, {}, {}
    n = total = 0
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            stack, _, metric = line.rpartition(" ")
            t = int(metric.split(",")[0])
            parts = stack.split(";")
            if parts and parts[0].startswith("P"):
                parts = parts[2:]
            funcs = []
            for fr in parts:
                if fr in (":INVALID:", ":GC:", ""):
                    continue
                file, func, _line = fr.rsplit(":", 2)
                if file.startswith("native@"):
                    file = "native"
                funcs.append((file, func))
            n += 1
            total += t
            for fn in set(funcs):
                incl[fn] = incl.get(fn, 0) + t
                kinc[fn] = kinc.get(fn, 0) + 1
            frames = [fr for fr in parts if fr not in (":GC:", "")]
            if frames and frames[-1] != ":INVALID:":
                fn = funcs[-1]
                self_[fn] = self_.get(fn, 0) + t
                kself[fn] = kself.get(fn, 0) + 1
    return {"n": n, "total": total, "incl": incl, "self": self_,
            "kincl": kinc, "kself": kself}


def fisher_upper(k1, n1, k2, n2):
    """P(X >= k2), X the new profile's count given k1 + k2 (hypergeometric)."""
    N, K = n1 + n2, k1 + k2
    lo, hi = max(0, n2 - (N - K)), min(K, n2)
    if k2 > hi:
        return 0.0
    k2 = max(k2, lo)
    # comb(K, x) and comb(N - K, n2 - x), stepped exactly from x = k2 on
    a, b = comb(K, k2), comb(N - K, n2 - k2)
    s = 0
    for x in range(k2, hi + 1):
        s += a * b
        if x < hi:
            a = a * (K - x) // (x + 1)
            b = b * (n2 - x) // (N - K - n2 + x + 1)
    return s / comb(N, n2)


def main():
    base, new = load(sys.argv[1]), load(sys.argv[2])
    report = json.load(open(sys.argv[3]))
    threshold = float(sys.argv[4]) if len(sys.argv) > 4 else 5.0
    alpha = float(sys.argv[5]) if len(sys.argv) > 5 else 0.01
    funcs = sorted(set(base["incl"]) | set(new["incl"]))
    rows, ps = {}, []
    for fn in funcs:
        row = {}
        for m, k in (("self", "kself"), ("inclusive", "kincl")):
            key = "self" if m == "self" else "incl"
            s0 = 100 * base[key].get(fn, 0) / base["total"]
            s1 = 100 * new[key].get(fn, 0) / new["total"]
            k0, k1 = base[k].get(fn, 0), new[k].get(fn, 0)
            if s1 > s0:
                p = fisher_upper(k0, base["n"], k1, new["n"])
            elif s1 < s0:
                p = fisher_upper(k1, new["n"], k0, base["n"])
            else:
                p = 1.0
            row[m] = {"base_share": s0, "new_share": s1, "points": s1 - s0,
                      "p": p, "k": (k0, k1)}
            ps.append((p, len(ps), fn, m))
        rows[fn] = row
    # Holm
    m = len(ps)
    running = 0.0
    for j, (p, _, fn, meas) in enumerate(sorted(ps)):
        adj = min(1.0, (m - j) * p)
        running = max(running, adj)
        rows[fn][meas]["adj"] = running
    expected_regressions = set()
    for fn, row in rows.items():
        for meas in ("self", "inclusive"):
            r = row[meas]
            if r["points"] >= threshold and r["adj"] <= alpha:
                expected_regressions.add(fn)
    got = {(f["file"], f["function"]): f for f in report["functions"]}
    if set(got) != set(rows):
        print("functions differ:", sorted(set(got) ^ set(rows))[:5])
        return 1
    if report["tests"] != m:
        print(f"tests: {report['tests']} != {m}")
        return 1
    for fn, row in rows.items():
        for meas in ("self", "inclusive"):
            want, have = row[meas], got[fn][meas]
            for a, b in (("base_share", "base_share"), ("new_share", "new_share"),
                         ("points", "points")):
                if abs(want[a] - have[b]) > 1e-4 * max(1, abs(want[a])):
                    print(f"{fn} {meas} {a}: {have[b]} != {want[a]}")
                    return 1
            if (have["base_samples"], have["new_samples"]) != want["k"]:
                print(f"{fn} {meas} counts: {have['base_samples']},"
                      f"{have['new_samples']} != {want['k']}")
                return 1
            pa, pb = want["adj"], have["p_value"]
            if abs(pa - pb) > 1e-6 * max(pa, 1e-300) and abs(pa - pb) > 1e-12:
                print(f"{fn} {meas} p: {pb} != {pa}")
                return 1
    got_reg = {(f["file"], f["function"]) for f in report["regressions"]}
    if got_reg != expected_regressions:
        print("regressions differ:", got_reg ^ expected_regressions)
        return 1
    if report["verdict"] != ("regression" if expected_regressions else "ok"):
        print("verdict differs")
        return 1
    print(f"ok {len(rows)} functions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
