"""Closes every file descriptor (as daemons do), then writes its own
file, which may get the number the recorder's output had: the recorder
must notice and never write into it. Usage: closer.py OUTPUT"""
import os
import sys
import time


def spin(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


spin(0.2)
os.closerange(3, 1024)
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
spin(0.3)
os.write(fd, b"the program's own data\n")
os.close(fd)
