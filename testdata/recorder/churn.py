"""Hard times for a sampler: threads starting and ending all the time,
code objects created and freed (exec), deep recursion, generators, GC.
Runs for about SECONDS (default 1)."""
import gc
import sys
import threading
import time


def deep(n):
    return 0 if n == 0 else 1 + deep(n - 1)


def short_lived(i):
    ns = {}
    exec("def f%d(x):\n    return [x * k for k in range(50)]\n" % i, ns)
    return sum(len(ns["f%d" % i](j)) for j in range(20))


def gen(n):
    for i in range(n):
        yield deep(i % 50)


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    end = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < end:
        threads = [threading.Thread(target=short_lived, args=(i + k,)) for k in range(4)]
        for t in threads:
            t.start()
        sum(gen(100))
        deep(400)
        for t in threads:
            t.join()
        if i % 20 == 0:
            gc.collect()
        i += 4


if __name__ == "__main__":
    main()
