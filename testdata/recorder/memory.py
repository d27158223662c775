"""`grow` allocates about 80 MB in steps and keeps it; `idle_spin` only
spins. In memory mode the growth lands on grow."""
import time

kept = []


def grow():
    for _ in range(40):
        kept.append(bytearray(2 * 1024 * 1024))
        kept[-1][::4096] = b"x" * len(kept[-1][::4096])   # touch every page
        time.sleep(0.01)


def idle_spin(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


if __name__ == "__main__":
    idle_spin(0.2)
    grow()
    idle_spin(0.2)
