#!/usr/bin/env python3
"""Writes columns.mojo: a small MOJO v3 stream with column positions, made
byte by byte from the format's description (see the project's format
notes), so that the converters' handling of columns, interpreter ids,
:INVALID:, kernel frames, GC and frameless samples is checked on MOJO
input too. Run once; the output is committed next to this script."""
import sys


def varint(n):
    neg = n < 0
    n = -n if neg else n
    first = (n & 0x3F) | (0x40 if neg else 0)
    n >>= 6
    out = bytearray()
    out.append(first | (0x80 if n else 0))
    while n:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
    return bytes(out)


def cstr(s):
    return s.encode() + b"\0"


def metadata(k, v):
    return b"\x01" + cstr(k) + cstr(v)


def stack(pid, iid, tid):
    return b"\x02" + varint(pid) + varint(iid) + cstr("%x" % tid)


def string(key, s):
    return b"\x0b" + varint(key) + cstr(s)


def frame(key, file_key, scope_key, line, line_end, col, col_end):
    return (b"\x03" + varint(key) + varint(file_key) + varint(scope_key)
            + varint(line) + varint(line_end) + varint(col) + varint(col_end))


def ref(key):
    return b"\x05" + varint(key)


def time(us):
    return b"\x09" + varint(us)


out = b"MOJ" + varint(3)
out += metadata("austin", "3.7.0") + metadata("interval", "1000")
out += metadata("mode", "wall")
out += string(2, "main.py") + string(3, "<module>") + string(4, "compute")
out += frame(100, 2, 3, 10, 12, 5, 30)    # <module> at 10:5
out += frame(101, 2, 4, 20, 20, 9, 17)    # compute at 20:9
out += frame(102, 2, 4, 21, 21, 1, 40)    # compute at 21:1
out += stack(1000, 0, 0x3e8) + ref(100) + ref(101) + time(1000)
out += stack(1000, 0, 0x3e8) + ref(100) + ref(101) + time(3000)
out += stack(1000, 0, 0x3e8) + ref(100) + ref(102) + time(500)
out += stack(1000, 1, 0x3e9) + ref(100) + ref(101) + time(250)   # iid 1
out += stack(1000, 0, 0x3e8) + b"\x04" + time(70)                # :INVALID:
out += stack(1000, 0, 0x3e8) + ref(100) + b"\x06" + cstr("do_sys_poll") + time(40)
out += stack(1000, 0, 0x3e8) + ref(100) + b"\x07" + time(90)     # GC
out += stack(1000, 0, 0x3e8) + time(15)                          # no frames
# A second process reuses key 100 for another frame: keys are per process.
out += stack(2000, 0, 0x7d0) + string(2, "other.py") + string(3, "run")
out += frame(100, 2, 3, 3, 3, 0, 0) + ref(100) + time(600)
out += metadata("duration", "5565")
sys.stdout.buffer.write(out)
