"""Three threads: the main thread waits, `crunch` spins on the CPU and
`nap` sleeps, each for about SECONDS (default 0.8). Used to check that
every thread is sampled and that the sleeper is idle in full mode."""
import sys
import threading
import time


def crunch(seconds):
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        n += 1


def nap(seconds):
    time.sleep(seconds)


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 0.8
    workers = [threading.Thread(target=crunch, args=(seconds,), name="crunch"),
               threading.Thread(target=nap, args=(seconds,), name="nap")]
    for t in workers:
        t.start()
    for t in workers:
        t.join()


if __name__ == "__main__":
    main()
