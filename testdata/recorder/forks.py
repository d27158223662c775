"""Child processes of every kind the recorder follows: a plain os.fork,
a multiprocessing child with the fork start method and one with spawn.
Each child spins in its own function for SECONDS (default 0.4)."""
import multiprocessing
import os
import sys
import time


def spin(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def forked_child(seconds):
    spin(seconds)


def mp_fork_child(seconds):
    spin(seconds)


def mp_spawn_child(seconds):
    spin(seconds)


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 0.4
    pid = os.fork()
    if pid == 0:
        forked_child(seconds)
        os._exit(0)
    os.waitpid(pid, 0)
    for method, target in (("fork", mp_fork_child), ("spawn", mp_spawn_child)):
        p = multiprocessing.get_context(method).Process(target=target, args=(seconds,))
        p.start()
        p.join()
        if p.exitcode != 0:
            sys.exit("%s child failed: %s" % (method, p.exitcode))
    spin(seconds / 4)


if __name__ == "__main__":
    main()
