#!/usr/bin/env python3
"""Per-stack totals of a profile, computed independently of libmojo, in one
canonical form so that an input and its conversions can be compared with
diff. Each output line is

    METRIC <TAB> pid/iid/tid <TAB> frame;frame;... (root first) <TAB> value

with frames written "name file:line", zero values left out and lines sorted.
Sources:
  austin FILE      Austin text, parsed here (split at the last space and at
                   each frame's last two colons; invalid UTF-8 replaced)
  protoc FILE      the text that `protoc --decode=perftools.profiles.Profile`
                   prints for a raw pprof profile
  pprof-raw FILE   the text that `go tool pprof -raw` prints
  speedscope FILE  a Speedscope JSON file (names as austin2speedscope writes
                   them: "<metric>, process P, thread [I:]T")
Option --with-frames leaves out stacks without frames (pprof -raw does not
list them). Metrics by mode: wall: Wall time; cpu: CPU time; memory:
Allocated memory, Deallocated memory; full: all four, CPU time being the
time of samples not idle.
"""
import json
import re
import sys
from collections import defaultdict

CPU, WALL, ALLOC, DEALLOC = ("CPU time", "Wall time", "Allocated memory",
                             "Deallocated memory")
BY_MODE = {"wall": [WALL], "cpu": [CPU], "memory": [ALLOC, DEALLOC],
           "full": [CPU, WALL, ALLOC, DEALLOC]}


def frame(name, file, line):
    return "%s %s:%d" % (name, file, int(line))


def thread(pid, iid, tid):
    return "%s/%s/%s" % (pid, max(int(iid), 0), tid)


def austin(path):
    totals = defaultdict(int)
    mode = None
    with open(path, "rb") as f:
        lines = f.read().decode("utf-8", "replace").split("\n")
    samples = []
    for line in lines:
        line = line.rstrip("\r")
        if line.startswith("#"):
            m = re.match(r"# mode: (\w+)$", line)
            if m:
                mode = m.group(1)
            continue
        if not line.strip():
            continue
        stack, _, metrics = line.rpartition(" ")
        parts = stack.split(";")
        pid = parts[0][1:]
        t = parts[1][1:]
        iid, tid = t.split(":", 1) if ":" in t else ("0", t)
        frames = []
        for tok in parts[2:]:
            if tok in (":INVALID:", ":GC:"):
                frames.append(frame(tok, "", 0))
            else:
                file, scope, ln = tok.rsplit(":", 2)
                frames.append(frame(scope, file, ln))
        nums = [int(x) for x in metrics.split(",")]
        samples.append((thread(pid, iid, tid), ";".join(frames), nums))
    if mode not in BY_MODE:
        mode = "full" if samples and len(samples[0][2]) == 3 else "wall"
    for th, st, nums in samples:
        if mode == "full":
            time, idle, mem = nums
            values = {CPU: 0 if idle else time, WALL: time}
        elif mode == "memory":
            time, mem = None, nums[0]
            values = {}
        else:
            values = {WALL if mode == "wall" else CPU: nums[0]}
            mem = None
        if mem is not None:
            values[ALLOC] = max(mem, 0)
            values[DEALLOC] = max(-mem, 0)
        for metric, v in values.items():
            totals[(metric, th, st)] += v
    return totals


def protoc_unescape(s):
    """The C-style escapes of protobuf's text format, to bytes, to text."""
    out = bytearray()
    i = 0
    simple = {"n": 10, "t": 9, "r": 13, '"': 34, "'": 39, "\\": 92,
              "a": 7, "b": 8, "f": 12, "v": 11}
    while i < len(s):
        c = s[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        n = s[i + 1]
        if n in simple:
            out.append(simple[n])
            i += 2
        elif n in "01234567":
            m = re.match(r"[0-7]{1,3}", s[i + 1:])
            out.append(int(m.group(0), 8))
            i += 1 + len(m.group(0))
        elif n == "x":
            m = re.match(r"[0-9a-fA-F]{1,2}", s[i + 2:])
            out.append(int(m.group(0), 16))
            i += 2 + len(m.group(0))
        else:
            raise ValueError("unknown escape \\" + n)
    return out.decode("utf-8")


def parse_text_format(text):
    """protobuf text format -> nested dicts of lists."""
    root = defaultdict(list)
    stack = [root]
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        if line.endswith("{"):
            child = defaultdict(list)
            stack[-1][line[:-1].strip()].append(child)
            stack.append(child)
        elif line == "}":
            stack.pop()
        else:
            key, _, value = line.partition(": ")
            if value.startswith('"'):
                value = protoc_unescape(value[1:-1])
            elif value in ("true", "false"):
                value = value == "true"
            else:
                value = int(value)
            stack[-1][key].append(value)
    return root


def one(msg, key, default=0):
    return msg[key][0] if msg.get(key) else default


def protoc(path):
    with open(path, encoding="utf-8") as f:
        p = parse_text_format(f.read())
    strs = p["string_table"]
    assert strs and strs[0] == "", "string_table[0] must be empty"
    types = [strs[one(t, "type")] for t in p["sample_type"]]
    funcs = {one(fn, "id"): fn for fn in p["function"]}
    locs = {}
    for loc in p["location"]:
        ln = loc["line"][0]
        fn = funcs[one(ln, "function_id")]
        locs[one(loc, "id")] = frame(strs[one(fn, "name")],
                                     strs[one(fn, "filename")], one(ln, "line"))
    totals = defaultdict(int)
    for s in p["sample"]:
        labels = {strs[one(l, "key")]: (strs[one(l, "str")] if one(l, "str")
                                        else one(l, "num"))
                  for l in s["label"]}
        tid = labels.get("Thread name", labels.get("Thread ID", 0))
        th = thread(labels.get("Process ID", 0),
                    labels.get("Interpreter ID", 0), tid)
        st = ";".join(locs[i] for i in reversed(s["location_id"]))
        for metric, v in zip(types, s["value"]):
            totals[(metric, th, st)] += v
    return totals


def pprof_raw(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = lines.index("Samples:")
    types = re.findall(r"(CPU time|Wall time|Allocated memory|"
                       r"Deallocated memory)/", lines[i + 1])
    locs = {}
    j = lines.index("Locations")
    for line in lines[j + 1:]:
        m = re.match(r"\s*(\d+): 0x[0-9a-f]+ M=\d+ (.*) s=\d+\S*$", line)
        if not m:
            break
        locs[m.group(1)] = m.group(2)
    totals = defaultdict(int)
    k = i + 2
    while k < j:
        m = re.match(r"\s*([-\d ]+):((?: \d+)*)\s*$", lines[k])
        k += 1
        if not m:
            continue
        values = [int(v) for v in m.group(1).split()]
        labels = {}
        # string labels and numeric labels follow, one line each
        while k < j and not re.match(r"\s*[-\d ]+:(?: \d+)*\s*$", lines[k]):
            for key, val in re.findall(r"([^\[\]]+?):\[([^\]]*)\]", lines[k]):
                labels[key.strip()] = val
            k += 1
        tid = labels.get("Thread name", labels.get("Thread ID", 0))
        th = thread(labels.get("Process ID", 0),
                    labels.get("Interpreter ID", 0), tid)
        st = ";".join(locs[x] for x in reversed(m.group(2).split()))
        for metric, v in zip(types, values):
            totals[(metric, th, st)] += v
    return totals


def speedscope(path):
    with open(path, "rb") as f:
        doc = json.loads(f.read().decode("utf-8"))  # strict: fails on bad UTF-8
    frames = [frame(fr["name"], fr.get("file", ""), fr.get("line", 0))
              for fr in doc["shared"]["frames"]]
    totals = defaultdict(int)
    for p in doc["profiles"]:
        m = re.match(r"(.*), process (-?\d+), thread (?:(-?\d+):)?(.*)$",
                     p["name"])
        metric, pid, iid, tid = m.groups()
        th = thread(pid, iid or 0, tid)
        for s, w in zip(p["samples"], p["weights"]):
            totals[(metric, th, ";".join(frames[i] for i in s))] += w
    return totals


def main():
    args = sys.argv[1:]
    with_frames = "--with-frames" in args
    args = [a for a in args if a != "--with-frames"]
    source, path = args
    totals = {"austin": austin, "protoc": protoc, "pprof-raw": pprof_raw,
              "speedscope": speedscope}[source](path)
    out = []
    for (metric, th, st), v in totals.items():
        if v and (st or not with_frames):
            out.append("%s\t%s\t%s\t%d" % (metric, th, st, v))
    sys.stdout.write("".join(line + "\n" for line in sorted(out)))


if __name__ == "__main__":
    main()
