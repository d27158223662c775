"""A known split of wall time, with depth and two threads. Every leaf
spins on the clock for a set time, so the truth holds on any machine.
Of all the time sampled (both threads, wall mode):

  main thread:   main -> outer -> a            20%
                 main -> outer -> b -> c       35%
                 main -> d                     15%
  worker thread: w_spin (runs beside a and c)  30%

Usage: record_split.py [SECONDS]   (default 2)"""
import sys
import threading
import time

TRUTH = {"a": 20.0, "c": 35.0, "d": 15.0, "w_spin": 30.0}


def spin(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def a(t):
    spin(0.20 * t)


def c(t):
    spin(0.35 * t)


def b(t):
    c(t)


def d(t):
    spin(0.15 * t)


def outer(t):
    a(t)
    b(t)


def w_spin(t):
    spin(0.30 * t)


def main():
    t = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    worker = threading.Thread(target=w_spin, args=(t,))
    worker.start()
    outer(t)
    d(t)
    worker.join()


if __name__ == "__main__":
    main()
