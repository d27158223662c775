"""A hot loop whose body spreads its time over several lines of equal
weight: an unbiased sampler sees every line of the loop, none dominant."""
import sys
import time


def hot(seconds):
    end = time.perf_counter() + seconds
    a = b = c = d = e = 0
    while time.perf_counter() < end:
        for _ in range(1000):
            a = (a + 3) % 1009
            b = (b + a) % 1013
            c = (c + b) % 1019
            d = (d + c) % 1021
            e = (e + d) % 1031
    return a + b + c + d + e


if __name__ == "__main__":
    hot(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
