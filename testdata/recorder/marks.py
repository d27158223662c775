"""Uses the mark API of mojo_record while being recorded."""
import time

import mojo_record


def phase(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


if __name__ == "__main__":
    mojo_record.mark("begin")
    with mojo_record.mark_range("phase one"):
        phase(0.1)
    phase(0.05)
