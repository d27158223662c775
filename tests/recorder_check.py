"""Checks for the recorder's tests: an independent MOJO reader (written
from the format notes, sharing no code with libmojo) and summaries of
Austin text as mojo2austin prints it.

  recorder_check.py mojo FILE        JSON: version, metadata, samples, ...
  recorder_check.py shares FILE      JSON: {function: % of time} from Austin
                                     text (a function counts once per stack)
  recorder_check.py leaves FILE FUNC JSON: {line: % of FUNC's leaf samples}
"""
import collections
import json
import sys


class Mojo:
    """A MOJO v1-v3 reader: enough to check what the recorder writes."""

    def __init__(self, data):
        self.data = data
        self.pos = 0

    def byte(self):
        b = self.data[self.pos]
        self.pos += 1
        return b

    def int(self):
        b = self.byte()
        neg = b & 0x40
        val = b & 0x3F
        shift = 6
        while b & 0x80:
            b = self.byte()
            val |= (b & 0x7F) << shift
            shift += 7
        return -val if neg else val

    def str(self):
        end = self.data.index(b"\0", self.pos)
        s = self.data[self.pos:end].decode("utf-8", "replace")
        self.pos = end + 1
        return s


def read_mojo(path):
    with open(path, "rb") as f:
        m = Mojo(f.read())
    if m.data[:3] != b"MOJ":
        raise SystemExit("%s: not MOJO" % path)
    m.pos = 3
    version = m.int()
    strings = {0: "", 1: "<unknown>"}
    frames = {}
    meta = []
    samples = []
    cur = None
    while m.pos < len(m.data):
        start = m.pos
        try:
            ev = m.byte()
            if ev == 1:
                meta.append((m.str(), m.str()))
            elif ev == 2:
                pid = m.int()
                iid = m.int() if version >= 3 else 0
                cur = {"pid": pid, "iid": iid, "tid": m.str(), "frames": [],
                       "time": None, "memory": None, "idle": False, "invalid": 0}
                samples.append(cur)
            elif ev == 3:
                key = m.int()
                fn, sc, line = m.int(), m.int(), m.int()
                cols = (m.int(), m.int(), m.int()) if version >= 2 else (0, 0, 0)
                frames[(cur["pid"] if cur else 0, key)] = (fn, sc, line) + cols
            elif ev == 4:
                cur["invalid"] += 1
            elif ev == 5:
                key = m.int()
                fn, sc, line, le, c, ce = frames[(cur["pid"], key)]
                cur["frames"].append((strings[fn], strings[sc], line, le, c, ce))
            elif ev == 8:
                cur["idle"] = True
            elif ev == 9:
                cur["time"] = m.int()
            elif ev == 10:
                cur["memory"] = m.int()
            elif ev == 11:
                key = m.int()
                strings[key] = m.str()
            elif ev == 12:
                m.int()
            elif ev in (6, 7):
                if ev == 6:
                    m.str()
            else:
                raise SystemExit("%s: offset %d: unknown event %d" % (path, start, ev))
        except IndexError:
            raise SystemExit("%s: offset %d: truncated event" % (path, start))
        except ValueError:
            raise SystemExit("%s: offset %d: unterminated string" % (path, start))
    return version, meta, samples


def cmd_mojo(path):
    version, meta, samples = read_mojo(path)
    framed = [f for s in samples for f in s["frames"]]
    with_cols = [f for f in framed if f[4] > 0 and f[5] >= f[4] and f[3] >= f[2] > 0]
    by_tid = collections.defaultdict(lambda: {"samples": 0, "idle": 0, "funcs": collections.Counter()})
    for s in samples:
        t = by_tid[s["tid"]]
        t["samples"] += 1
        t["idle"] += s["idle"]
        for name in {f[1] for f in s["frames"]}:
            t["funcs"][name] += 1
    out = {
        "version": version,
        "metadata": meta,
        "samples": len(samples),
        "pids": sorted({s["pid"] for s in samples}),
        "frames": len(framed),
        "frames_with_columns": len(with_cols),
        "invalid": sum(s["invalid"] for s in samples),
        "time": sum(s["time"] or 0 for s in samples),
        "memory": sum(s["memory"] or 0 for s in samples),
        "with_time": sum(s["time"] is not None for s in samples),
        "with_memory": sum(s["memory"] is not None for s in samples),
        "idle": sum(s["idle"] for s in samples),
        "roots": collections.Counter(s["frames"][0][1] for s in samples if s["frames"]),
        "threads": {tid: {"samples": t["samples"], "idle": t["idle"],
                          "funcs": dict(t["funcs"])} for tid, t in by_tid.items()},
        "memory_by_func": {},
    }
    mem = collections.Counter()
    for s in samples:
        if s["memory"]:
            for name in {f[1] for f in s["frames"]}:
                mem[name] += s["memory"]
    out["memory_by_func"] = dict(mem)
    json.dump(out, sys.stdout, indent=1)
    print()


def austin_lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            stack, value = line.rsplit(" ", 1)
            parts = stack.split(";")
            frames = [p.rsplit(":", 2) for p in parts[2:]]
            yield parts[0], parts[1], frames, int(value.split(",")[0])


def cmd_shares(path):
    total = 0
    per = collections.Counter()
    for _pid, _thread, frames, value in austin_lines(path):
        total += value
        for name in {f[1] for f in frames if len(f) == 3}:
            per[name] += value
    json.dump({k: round(100.0 * v / total, 2) for k, v in per.items()} if total else {},
              sys.stdout, indent=1)
    print()


def cmd_leaves(path, func):
    lines = collections.Counter()
    for _pid, _thread, frames, value in austin_lines(path):
        if frames and len(frames[-1]) == 3 and frames[-1][1] == func:
            lines[frames[-1][2]] += value
    total = sum(lines.values())
    json.dump({k: round(100.0 * v / total, 2) for k, v in lines.items()} if total else {},
              sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"mojo": cmd_mojo, "shares": cmd_shares, "leaves": cmd_leaves}[cmd](*args)
