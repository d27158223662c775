#!/usr/bin/env python3
"""Write Austin text (wall mode) of runs of one synthetic program whose
split of time is known, for mojodiff's and mojofilter's tests.

Usage: gen_runs.py OUTDIR

The program: a main thread that runs three rounds of four phases, and a
sleeper thread that lives for a fixed time. Austin samples both threads at
every tick, so each tick gives one main-thread sample and, while it lives,
one sleeper sample.

  phase     ticks per round   stacks (root first, below <module>;main)
  load      150               load -> JSONDecoder.decode
  parse     300               parse (2/3 of the ticks), parse -> tokenize (1/3)
  compute   250               compute -> fib (1 to 4 nested fib frames)
  render    100               render -> template
  sleeper   720 in all        Thread._bootstrap -> ... -> sleeper (thread 2)

Per run, each phase length and the sleeper's life vary by up to 5% (the
noise between two runs of one program), and each sample's time is the
1000 us interval plus up to 15% of sampling overhead.

Files written (pids and thread ids differ per run, as in real runs):
  run1.austin run2.austin run3.austin   three runs of the program
  slow1.austin slow2.austin slow3.austin   the same with parse's own code
      slower: its phase is 470 ticks of which 370 in parse itself, so
      parse's share grows from about 28.8% to 38.8% (inclusive) and from
      19.2% to 30.6% (self), ten points or more.

Nothing but Python's standard library; the same files on every run.
"""
import os
import random
import sys

APP = "/srv/app/app.py"
LIB = "/srv/app/lib.py"
THREADING = "/usr/lib/python3.11/threading.py"
DECODER = "/usr/lib/python3.11/json/decoder.py"

MODULE = f"{APP}:<module>:40"
MAIN = f"{APP}:main"


def phase_stacks(rng, phase):
    """The frames below <module>;main for one tick of a phase."""
    if phase == "load":
        return [f"{MAIN}:30", f"{APP}:load:12", f"{DECODER}:JSONDecoder.decode:337"]
    if phase == "parse":
        if rng.random() < 2 / 3:
            return [f"{MAIN}:31", f"{APP}:parse:18"]
        return [f"{MAIN}:31", f"{APP}:parse:19", f"{LIB}:tokenize:5"]
    if phase == "parse_self":
        return [f"{MAIN}:31", f"{APP}:parse:18"]
    if phase == "compute":
        depth = 1 + int(rng.random() * 4)
        return [f"{MAIN}:32", f"{APP}:compute:24"] + [f"{LIB}:fib:3"] * depth
    if phase == "render":
        return [f"{MAIN}:33", f"{APP}:render:27", f"{LIB}:template:9"]
    raise ValueError(phase)


SLEEPER = [f"{THREADING}:Thread._bootstrap:995",
           f"{THREADING}:Thread._bootstrap_inner:1038",
           f"{THREADING}:Thread.run:975", f"{APP}:sleeper:36"]


def jitter(rng, n, spread=0.05):
    return max(1, round(n * (1 + spread * (2 * rng.random() - 1))))


def run(seed, slow):
    rng = random.Random(seed)
    pid = 4000 + seed * 17
    tids = (pid, pid + 3)
    # the main thread's timeline, phase by phase
    timeline = []
    for _ in range(3):
        timeline += ["load"] * jitter(rng, 150)
        if slow:
            # parse's own code is slower: 170 more ticks in parse itself
            ticks = ["parse"] * jitter(rng, 300) + ["parse_self"] * jitter(rng, 170)
            rng.shuffle(ticks)
            timeline += ticks
        else:
            timeline += ["parse"] * jitter(rng, 300)
        timeline += ["compute"] * jitter(rng, 250)
        timeline += ["render"] * jitter(rng, 100)
    sleeper_ticks = jitter(rng, 720)
    lines = ["# austin: 3.7.0", "# interval: 1000", "# mode: wall", ""]
    for tick, phase in enumerate(timeline):
        t = 1000 + int(rng.random() * 150)
        frames = [MODULE] + phase_stacks(rng, phase)
        lines.append(f"P{pid};T0:{tids[0]};" + ";".join(frames) + f" {t}")
        if tick < sleeper_ticks:
            lines.append(f"P{pid};T0:{tids[1]};" + ";".join(SLEEPER) + f" {t}")
    lines += ["", f"# duration: {len(timeline) * 1075}", ""]
    return "\n".join(lines)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    for i in (1, 2, 3):
        for name, slow in (("run", False), ("slow", True)):
            with open(os.path.join(out, f"{name}{i}.austin"), "w") as f:
                f.write(run(i + (10 if slow else 0), slow))


if __name__ == "__main__":
    main()
