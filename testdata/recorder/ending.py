"""Ends in the way argv[1] says after some work: 'exit3' (sys.exit(3)),
'raise' (an uncaught exception), 'ok'."""
import sys
import time


def work():
    end = time.perf_counter() + 0.2
    while time.perf_counter() < end:
        pass


def main(how):
    work()
    if how == "exit3":
        sys.exit(3)
    if how == "raise":
        raise RuntimeError("the program failed on purpose")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "ok")
