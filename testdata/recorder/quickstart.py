"""Quick start example for mojo-record: a program with a known split of
time between its functions. Each function spins on the clock for its share
of the run, so the split holds on any machine:

    main -> load      10%
    main -> compute   60%  (compute -> step, all of it)
    main -> report    30%

Usage: quickstart.py [SECONDS]   (default 1.0)
"""
import sys
import time


def spin(seconds):
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n


def load(total):
    return spin(0.10 * total)


def step(total):
    return spin(0.60 * total)


def compute(total):
    return step(total)


def report(total):
    return spin(0.30 * total)


def main():
    total = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    load(total)
    compute(total)
    report(total)


if __name__ == "__main__":
    main()
