#!/usr/bin/env python3
"""Check the evented profiles of a Speedscope file against the samples they
came from, without libmojo.

    speedscope_evented_check.py [--evented N] JSON austin|cases SOURCE

JSON is austin2speedscope's output. SOURCE is the same profile as Austin
text (what etl2austin prints for the ETL input) or as the hand-made cases
of tests/speedscope_cases.c. Only wall or cpu profiles are compared.

Every evented profile must be well formed: events in time order between
startValue and endValue, each "C" closing the frame on top of the stack
its "O"s built, nothing left open. Then, per thread:
  - per frame, the time it stays open (close minus open, summed over every
    open/close pair) must equal the sum of the times of the samples whose
    stacks hold the frame, counted once per occurrence;
  - per stack, the time the stack of open frames was current must equal
    the sum of the times of the samples with that stack.
Sampled profiles are checked with the same sums from samples and weights,
so a file mixing both kinds is checked whole. --evented N: how many
profiles must be evented.
"""
import json
import re
import sys
from collections import defaultdict

GC = ("", ":GC:", 0)


def fail(msg):
    print("speedscope_evented_check: " + msg)
    sys.exit(1)


def split_frame(text):
    """file:function:line, split at the last two colons."""
    rest, line = text.rsplit(":", 1)
    file, name = rest.rsplit(":", 1)
    return (file, name, int(line))


def add_sample(frames_t, stacks_t, thread, stack, value):
    if value == 0 or not stack:
        return
    stacks_t[thread][tuple(stack)] += value
    for f in stack:
        frames_t[thread][f] += value


def source_austin(path):
    """Austin text: [P<pid>;T<tid>;]frames value. A line without P and T
    is of process -1 and of an unnamed thread, '*'."""
    frames_t, stacks_t = defaultdict(lambda: defaultdict(int)), defaultdict(lambda: defaultdict(int))
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    for line in text.split("\n"):
        if not line or line.startswith("#"):
            continue
        stack, value = line.rsplit(" ", 1)
        tokens = stack.split(";")
        pid, tid = "-1", "*"
        if tokens and re.fullmatch(r"P-?\d+", tokens[0]):
            pid = tokens.pop(0)[1:]
            if tokens and tokens[0].startswith("T"):
                tid = tokens.pop(0)[1:]
        frames = [("", t, 0) if t in (":GC:", ":INVALID:") else split_frame(t)
                  for t in tokens]
        add_sample(frames_t, stacks_t, (pid, tid), frames, int(value))
    return frames_t, stacks_t


def source_cases(path):
    """tests/speedscope_cases.c's input: TIMESTAMP TIME TID FLAGS STACK."""
    frames_t, stacks_t = defaultdict(lambda: defaultdict(int)), defaultdict(lambda: defaultdict(int))
    mode = "wall"
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        m = re.fullmatch(r"# mode: (\w+)", line)
        if m:
            mode = m.group(1)
        if not line or line.startswith("#"):
            continue
        _, time, tid, flags, stack = line.split(" ")
        frames = [] if stack == "-" else [split_frame(t) for t in stack.split(";")]
        if "g" in flags:
            frames.append(GC)
        value = 0 if mode == "cpu" and "i" in flags else int(time)
        add_sample(frames_t, stacks_t, ("1", tid), frames, value)
    return frames_t, stacks_t


def profile_thread(name):
    m = re.fullmatch(r"(Wall|CPU) time, process (-?\d+), thread (.*)", name)
    if not m:
        return None
    pid, tid = m.group(2), m.group(3)
    return (pid, "*" if pid == "-1" else tid)


def check_evented(p, keys, frames_t, stacks_t, thread):
    events = p["events"]
    start, end = p["startValue"], p["endValue"]
    stack, opened = [], []
    last = start
    for i, e in enumerate(events):
        at, f = e["at"], e["frame"]
        if not isinstance(f, int) or not 0 <= f < len(keys):
            fail("%s: event %d: frame %r out of range" % (p["name"], i, f))
        if at < last or at > end:
            fail("%s: event %d at %s: out of order or out of [%s, %s]"
                 % (p["name"], i, at, start, end))
        if stack and at > last:
            stacks_t[thread][tuple(keys[x] for x in stack)] += at - last
        last = at
        if e["type"] == "O":
            stack.append(f)
            opened.append(at)
        elif not stack or stack[-1] != f:
            fail("%s: event %d closes frame %d, top of stack is %s"
                 % (p["name"], i, f, stack[-1] if stack else "nothing"))
        else:
            stack.pop()
            frames_t[thread][keys[f]] += at - opened.pop()
    if stack:
        fail("%s: %d frames left open" % (p["name"], len(stack)))
    if events and (events[0]["at"] != start or events[-1]["at"] != end):
        fail("%s: events span [%s, %s], the profile [%s, %s]"
             % (p["name"], events[0]["at"], events[-1]["at"], start, end))


def check_sampled(p, keys, frames_t, stacks_t, thread):
    for s, w in zip(p["samples"], p["weights"]):
        add_sample(frames_t, stacks_t, thread, [keys[x] for x in s], w)


def compare(what, got, want):
    bad = []
    for thread in sorted(set(got) | set(want)):
        g, w = got.get(thread, {}), want.get(thread, {})
        for k in sorted(set(g) | set(w), key=repr):
            if g.get(k, 0) != w.get(k, 0):
                bad.append("%s %s:%s %r: Speedscope %d, samples %d"
                           % (what, thread[0], thread[1], k, g.get(k, 0), w.get(k, 0)))
    if bad:
        fail("\n".join(bad[:20]))


def main(argv):
    evented_wanted = None
    if len(argv) > 1 and argv[1] == "--evented":
        evented_wanted = int(argv[2])
        argv = argv[:1] + argv[3:]
    if len(argv) != 4 or argv[2] not in ("austin", "cases"):
        fail("usage: [--evented N] JSON austin|cases SOURCE")
    doc = json.load(open(argv[1], encoding="utf-8"))
    want_frames, want_stacks = (source_austin if argv[2] == "austin"
                                else source_cases)(argv[3])
    keys = [(f.get("file", ""), f["name"], f.get("line", 0))
            for f in doc["shared"]["frames"]]
    got_frames = defaultdict(lambda: defaultdict(int))
    got_stacks = defaultdict(lambda: defaultdict(int))
    nevented = 0
    for p in doc["profiles"]:
        thread = profile_thread(p["name"])
        if thread is None:
            fail("%s: not a wall or cpu profile" % p["name"])
        if p["type"] == "evented":
            nevented += 1
            check_evented(p, keys, got_frames, got_stacks, thread)
        else:
            check_sampled(p, keys, got_frames, got_stacks, thread)
    compare("frame", got_frames, want_frames)
    compare("stack", got_stacks, want_stacks)
    if evented_wanted is not None and nevented != evented_wanted:
        fail("%d evented profiles, expected %d" % (nevented, evented_wanted))
    print("%d profiles (%d evented), %d threads: totals agree"
          % (len(doc["profiles"]), nevented, len(want_frames)))


if __name__ == "__main__":
    main(sys.argv)
