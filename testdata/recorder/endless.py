"""Spins until a signal ends it (at most 60 s). Prints "ready" once it
has run for a moment, so that a test knows samples were taken."""
import sys
import time


def spin_forever():
    start = time.perf_counter()
    said = False
    while time.perf_counter() - start < 60:
        if not said and time.perf_counter() - start > 0.3:
            print("ready", flush=True)
            said = True


if __name__ == "__main__":
    spin_forever()
    sys.exit(1)
