"""A CPU-bound workload of fixed size (not timed): recursion, float
arithmetic, dict and string work, sorting. About 2 s per SCALE on a fast core.
Usage: record_workload.py [SCALE]"""
import sys


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def nbody_step(bodies, steps):
    for _ in range(steps):
        for i, (x1, y1, vx1, vy1, m1) in enumerate(bodies):
            ax = ay = 0.0
            for j, (x2, y2, _vx, _vy, m2) in enumerate(bodies):
                if i != j:
                    dx, dy = x2 - x1, y2 - y1
                    d3 = (dx * dx + dy * dy + 0.01) ** 1.5
                    ax += m2 * dx / d3
                    ay += m2 * dy / d3
            bodies[i] = (x1 + vx1 * 0.01, y1 + vy1 * 0.01, vx1 + ax * 0.01, vy1 + ay * 0.01, m1)
    return bodies


def word_counts(n):
    counts = {}
    for i in range(n):
        word = "w%d" % (i * 7919 % 5003)
        counts[word] = counts.get(word, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]


def sort_work(n):
    data = [(i * 2654435761) % 1000003 for i in range(n)]
    return sorted(data)[n // 2]


class Vec:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x, self.y = x, y

    def add(self, other):
        return Vec(self.x + other.x, self.y + other.y)

    def norm2(self):
        return self.x * self.x + self.y * self.y


def small_calls(n):
    acc = Vec(0.0, 0.0)
    step = Vec(0.5, -0.25)
    total = 0.0
    for _ in range(n):
        acc = acc.add(step)
        total += acc.norm2() % 7.0
    return total


def main(scale):
    fib(31)
    for _ in range(scale):
        nbody_step([(float(i), float(i * i % 7), 0.0, 0.0, 1.0 + i % 3) for i in range(8)], 30000)
        word_counts(2000000)
        sort_work(1000000)
        small_calls(1500000)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
