"""Accuracy and overhead of mojo-record, beside cProfile and an
unprofiled run (run by hand; see bench/record.md for figures).

  python3 bench/record.py [--build DIR] [--runs N] [--python PY] [--only PART]

Overhead: wall time of bench/record_workload.py (fixed work, CPU-bound)
unprofiled, under mojo-record at its default (1 ms) and at 100 us, and
under cProfile; median of N runs each, interleaved.
Instrumented mode: bench/record_calls.py (call-heavy) unprofiled, under
cProfile and under mojo-record --instrumented.
Accuracy: function shares on bench/record_split.py (known split, two
threads) and testdata/recorder/quickstart.py, recorded by mojo-record and
by cProfile (cumulative time of each function over the run), against the
truth; and the spread of leaf lines on testdata/recorder/hotloop.py.
"""
import argparse
import collections
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)


def run(cmd, env=None, cpu=None):
    """Wall seconds of cmd; its CPU seconds (user + system, every thread)
    are appended to the list cpu when given."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), p.stderr))
    if cpu is not None:
        cpu.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    return dt


def austin_shares(build, mojo, funcs):
    text = subprocess.run([os.path.join(build, "tools", "mojo2austin"), "-n", mojo],
                          check=True, capture_output=True, text=True).stdout
    total = 0
    per = collections.Counter()
    lines = collections.Counter()
    for line in text.splitlines():
        if not line.strip():
            continue
        stack, value = line.rsplit(" ", 1)
        value = int(value)
        total += value
        frames = [f.rsplit(":", 2) for f in stack.split(";")[2:]]
        for name in {f[1] for f in frames if len(f) == 3}:
            per[name] += value
        if frames and frames[-1][1] == "hot":
            lines[frames[-1][2]] += value
    return {f: 100.0 * per[f] / total for f in funcs}, lines


def cprofile_shares(py, script, args, funcs, tmp):
    out = os.path.join(tmp, "prof.out")
    subprocess.run([py, "-m", "cProfile", "-o", out, script] + args, check=True,
                   stdout=subprocess.DEVNULL)
    import pstats
    st = pstats.Stats(out)
    cum = {}
    for (_file, _line, name), (_cc, _nc, _tt, ct, _callers) in st.stats.items():
        if name in funcs:
            cum[name] = cum.get(name, 0) + ct
    # The run's total: the main module's cumulative time, plus threads
    # (cProfile sees only the main thread).
    total = max(ct for (_f, _l, name), (_cc, _nc, _tt, ct, _c) in st.stats.items()
                if name == "<module>")
    return {f: 100.0 * cum.get(f, 0) / total for f in funcs}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.environ.get("BUILD", TOP))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--trace-dir", help="where the instrumented trace goes (e.g. /dev/shm "
                    "to leave the disk's write-back out)")
    ap.add_argument("--only", action="append", choices=("overhead", "instrumented", "accuracy"),
                    help="run this part only (repeatable)")
    opts = ap.parse_args()
    py = opts.python
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1",
               PYTHONPATH=os.path.join(opts.build, "recorder", "stage"))
    tmp = tempfile.mkdtemp(prefix="record-bench.")
    info = subprocess.run([py, "-c", "import sys; from mojo_record import _native; "
                           "print(sys.version.split()[0], _native.info()['memory_reader'])"],
                          env=env, check=True, capture_output=True, text=True).stdout.split()
    print("Python %s, memory read by %s, %d CPUs, load %s" % (
        info[0], info[1], os.cpu_count(), " ".join("%.2f" % x for x in os.getloadavg())))

    sections = {"overhead": overhead, "instrumented": instrumented, "accuracy": accuracy}
    for name in opts.only or sections:
        sections[name](opts, py, env, tmp)


def overhead(opts, py, env, tmp):
    work = os.path.join(HERE, "record_workload.py")
    mojo = os.path.join(tmp, "w.mojo")
    variants = [
        ("unprofiled", [py, work]),
        ("mojo-record (1 ms)", [py, "-m", "mojo_record", "-q", "-o", mojo, work]),
        ("mojo-record (100 us)", [py, "-m", "mojo_record", "-q", "-i", "100us", "-o", mojo, work]),
        ("cProfile", [py, "-m", "cProfile", "-o", os.path.join(tmp, "w.prof"), work]),
    ]
    times = collections.defaultdict(list)
    for _ in range(opts.runs):
        for name, cmd in variants:
            times[name].append(run(cmd, env))
    base = statistics.median(times["unprofiled"])
    print("\nOverhead on bench/record_workload.py (median of %d runs)" % opts.runs)
    print("%-22s %8s %9s" % ("", "seconds", "slowdown"))
    for name, _ in variants:
        m = statistics.median(times[name])
        print("%-22s %8.3f %+8.1f%%" % (name, m, 100.0 * (m / base - 1)))
    subprocess.run([py, "-m", "mojo_record", "-q", "-o", mojo, work], env=env, check=True)
    meta = dict(line[2:].split(": ", 1) for line in subprocess.run(
        [os.path.join(opts.build, "tools", "mojo2austin"), mojo], capture_output=True,
        text=True).stdout.splitlines() if line.startswith("# "))
    dur = int(meta["duration"]) / 1e6
    print("rate at 1 ms: %d samples in %.2f s = %.0f Hz; round min/avg/max us: %s; late %s"
          % (int(meta["samples"]), dur, int(meta["samples"]) / dur, meta["sampling"],
             meta["saturation"]))



def instrumented(opts, py, env, tmp):
    calls = os.path.join(HERE, "record_calls.py")
    etl = os.path.join(opts.trace_dir or tmp, "c.etl")
    variants = [
        ("unprofiled", [py, calls]),
        ("cProfile", [py, "-m", "cProfile", "-o", os.path.join(tmp, "c.prof"), calls]),
        ("mojo-record --instrumented", [py, "-m", "mojo_record", "-q", "--instrumented",
                                        "-o", etl, calls]),
    ]
    times = collections.defaultdict(list)
    cpus = collections.defaultdict(list)
    for _ in range(opts.runs):
        for name, cmd in variants:
            if os.path.exists(etl):     # untimed: truncating the last trace's
                os.remove(etl)          # 1 GB of page cache costs 0.2 s
            times[name].append(run(cmd, env, cpus[name]))
    base = statistics.median(times["unprofiled"])
    cbase = statistics.median(cpus["unprofiled"])
    print("\nInstrumented mode on bench/record_calls.py (call-heavy; median of %d runs;"
          " CPU: user + system of every thread)" % opts.runs)
    print("%-28s %8s %9s %8s %9s" % ("", "wall s", "slowdown", "CPU s", "slowdown"))
    for name, _ in variants:
        m = statistics.median(times[name])
        c = statistics.median(cpus[name])
        print("%-28s %8.3f %8.1fx %8.3f %8.1fx" % (name, m, m / base, c, c / cbase))
    # The machine's speed drifts between runs (virtual machines): the
    # ratio of runs made one after the other is steadier than a ratio of
    # medians.
    ours, cprof = times["mojo-record --instrumented"], times["cProfile"]
    ratios = sorted(o / c for o, c in zip(ours, cprof))
    print("mojo-record / cProfile, run by run: median %.2f (%.2f to %.2f)"
          % (statistics.median(ratios), ratios[0], ratios[-1]))
    print("ETL written: %.1f MB into %s" % (os.path.getsize(etl) / 1e6, os.path.dirname(etl)))
    os.remove(etl)


def accuracy(opts, py, env, tmp):
    print("\nAccuracy: function shares (%) against the known split")
    cases = [
        (os.path.join(HERE, "record_split.py"), ["2"],
         {"a": 20.0, "c": 35.0, "d": 15.0, "w_spin": 30.0}),
        (os.path.join(TOP, "testdata", "recorder", "quickstart.py"), ["2"],
         {"load": 10.0, "step": 60.0, "report": 30.0}),
    ]
    for script, args, truth in cases:
        out = os.path.join(tmp, "s.mojo")
        subprocess.run([py, "-m", "mojo_record", "-q", "-o", out, script] + args, env=env,
                       check=True)
        ours, _ = austin_shares(opts.build, out, truth)
        theirs = cprofile_shares(py, script, args, truth, tmp)
        print("%s" % os.path.relpath(script, TOP))
        print("  %-8s %6s %12s %9s" % ("function", "truth", "mojo-record", "cProfile"))
        worst = worst_c = 0.0
        for f, t in truth.items():
            print("  %-8s %6.1f %12.1f %9.1f" % (f, t, ours[f], theirs[f]))
            worst = max(worst, abs(ours[f] - t))
            worst_c = max(worst_c, abs(theirs[f] - t))
        print("  largest error: mojo-record %.1f points, cProfile %.1f points%s" % (
            worst, worst_c, " (cProfile sees the main thread only)" if "w_spin" in truth else ""))

    out = os.path.join(tmp, "h.mojo")
    subprocess.run([py, "-m", "mojo_record", "-q", "-o", out,
                    os.path.join(TOP, "testdata", "recorder", "hotloop.py"), "2"], env=env,
                   check=True)
    _, lines = austin_shares(opts.build, out, ())
    total = sum(lines.values())
    print("\nHot loop (testdata/recorder/hotloop.py): leaf samples by line")
    print("  " + ", ".join("%s: %.1f%%" % (k, 100.0 * v / total) for k, v in sorted(lines.items())))
    print("  %d lines, largest %.1f%%" % (len(lines), 100.0 * max(lines.values()) / total))


if __name__ == "__main__":
    main()
