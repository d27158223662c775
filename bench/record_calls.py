"""A call-heavy workload (small Python functions and methods, some C
calls) of fixed size, for instrumented mode against cProfile: about
0.03 s unprofiled per SCALE on a fast core. Usage: record_calls.py [SCALE] (4)"""
import sys


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


class Counter:
    def __init__(self):
        self.n = 0

    def bump(self, k):
        self.n += k
        return self.n


def helper(x):
    return abs(x) % 7


def calls(n):
    c = Counter()
    total = 0
    for i in range(n):
        total += helper(c.bump(i & 3))
    return total + len(str(total))


def main(scale):
    for _ in range(scale):
        fib(22)
        calls(200000)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 4)
