#!/usr/bin/env python3
"""Write the small MOJO fixtures of testdata/mojo/ and their expected Austin
text, from the format description (docs: shared format notes), independently
of libmojo's own writer.

Each fixture is a list of MOJO events written by hand and the text that
Austin's text mode prints for the same events, also written by hand. Run it
from anywhere: it writes next to itself. The files are committed; rerun only
to change a fixture.
"""
import gzip
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def varint(n):
    """Sign-magnitude varint: 6 bits in the first byte, 7 in the next."""
    neg = n < 0
    m = -n if neg else n
    b = (m & 0x3F) | (0x40 if neg else 0)
    m >>= 6
    out = bytearray()
    if m:
        b |= 0x80
    out.append(b)
    while m:
        b = m & 0x7F
        m >>= 7
        if m:
            b |= 0x80
        out.append(b)
    return bytes(out)


def s(text):
    return (text.encode("utf-8") if isinstance(text, str) else text) + b"\0"


def header(version):
    return b"MOJ" + varint(version)


def metadata(k, v):
    return b"\x01" + s(k) + s(v)


def stack(pid, tid_hex, iid=None):
    return b"\x02" + varint(pid) + (varint(iid) if iid is not None else b"") + s(tid_hex)


def frame(key, fkey, skey, line, pos=None):
    body = varint(key) + varint(fkey) + varint(skey) + varint(line)
    if pos is not None:
        body += b"".join(varint(x) for x in pos)
    return b"\x03" + body


def ref(key):
    return b"\x05" + varint(key)


def string(key, text):
    return b"\x0b" + varint(key) + s(text)


INVALID, GC, IDLE, REPEAT = b"\x04", b"\x07", b"\x08", b"\x0d"


def kernel(name):
    return b"\x06" + s(name)


def time(v):
    return b"\x09" + varint(v)


def mem(v):
    return b"\x0a" + varint(v)


FIXTURES = {}

# v3 wall mode, as Austin 3.7: header metadata, samples, footer metadata.
# Two threads; tid 0x2a = 42 and 0x1f40 = 8000; frame defined mid-sample.
FIXTURES["wall_v3"] = (
    header(3)
    + metadata("austin", "3.7.0") + metadata("interval", "1000") + metadata("mode", "wall")
    + stack(100, "2a", 0)
    + string(2, "main.py") + string(3, "<module>") + frame(10, 2, 3, 5, (5, 1, 12)) + ref(10)
    + string(4, "work") + frame(11, 2, 4, 9, (9, 5, 20)) + ref(11)
    + time(1000)
    + stack(100, "1f40", 0) + ref(10) + time(2000)
    + stack(100, "2a", 0) + time(50)
    + metadata("duration", "3050"),
    "# austin: 3.7.0\n# interval: 1000\n# mode: wall\n\n"
    "P100;T0:42;main.py:<module>:5;main.py:work:9 1000\n"
    "P100;T0:8000;main.py:<module>:5 2000\n"
    "P100;T0:42 50\n"
    "\n# duration: 3050\n\n",
)

# v1 (Austin 3.4): no iid (text "T<tid>"), no positions.
FIXTURES["cpu_v1"] = (
    header(1)
    + metadata("mode", "cpu")
    + stack(7, "7")
    + string(2, "a.py") + string(3, "f") + frame(1, 2, 3, 1) + ref(1)
    + time(300),
    "# mode: cpu\n\nP7;T7;a.py:f:1 300\n",
)

# full mode: time, idle, memory (negative too); GC after the frames.
FIXTURES["full_v3"] = (
    header(3)
    + metadata("mode", "full")
    + stack(5, "a", 1)
    + string(2, "x.py") + string(3, "g") + frame(1, 2, 3, 3, (3, 0, 0)) + ref(1)
    + time(10) + IDLE + mem(-4096)
    + stack(5, "a", 1) + ref(1) + GC + time(20) + mem(100),
    "# mode: full\n\nP5;T1:10;x.py:g:3 10,1,-4096\nP5;T1:10;x.py:g:3;:GC: 20,0,100\n",
)

# memory mode, predefined strings 0 ("") and 1 ("<unknown>").
FIXTURES["memory_v2"] = (
    header(2)
    + metadata("mode", "memory")
    + stack(9, "3")
    + frame(1, 0, 1, 0, (0, 0, 0)) + ref(1)
    + mem(-12),
    "# mode: memory\n\nP9;T3;:<unknown>:0 -12\n",
)

# Invalid and kernel frames; two processes reusing the same keys.
FIXTURES["special_v3"] = (
    header(3)
    + metadata("mode", "wall")
    + stack(1, "1", 0) + INVALID
    + string(2, "p1.py") + string(3, "one") + frame(1, 2, 3, 7, (7, 0, 0)) + ref(1)
    + kernel("do_syscall_64") + time(11)
    + stack(2, "2", 0)
    + string(2, "p2.py") + string(3, "two") + frame(1, 2, 3, 8, (8, 0, 0)) + ref(1)
    + time(22)
    + stack(1, "1", 0) + ref(1) + time(33),
    "# mode: wall\n\n"
    "P1;T0:1;:INVALID:;p1.py:one:7;kernel:do_syscall_64:0 11\n"
    "P2;T0:2;p2.py:two:8 22\n"
    "P1;T0:1;p1.py:one:7 33\n",
)

# v4 STACK_REPEAT: the previous stack of the thread (less trailing native
# frames) is the outer part; frames read so far are the inner part.
FIXTURES["repeat_v4"] = (
    header(4)
    + metadata("mode", "wall")
    + string(2, "r.py") + string(3, "outer") + string(4, "inner") + string(5, "libc.so")
    + string(6, "read")
    + stack(3, "9", 0)
    + frame(1, 2, 3, 1, (1, 0, 0)) + frame(2, 2, 4, 2, (2, 0, 0))
    + frame(3, 5, 6, 0, (0, 0, 0))
    + ref(1) + ref(2) + ref(3) + time(5)
    + stack(3, "9", 0) + ref(2) + REPEAT + time(6),
    "# mode: wall\n\n"
    "P3;T0:9;r.py:outer:1;r.py:inner:2;libc.so:read:0 5\n"
    "P3;T0:9;r.py:outer:1;r.py:inner:2;r.py:inner:2 6\n",
)

# A key redefined: the new definition holds from then on. A 10-byte key
# (2^64-1, Austin 3.7's key for an unknown offset). Invalid UTF-8 passes.
FIXTURES["keys_v3"] = (
    header(3)
    + stack(4, "4", 0)
    + string(2, "k.py") + string(3, "first") + string(4, b"caf\xe9")
    + frame(2**64 - 1, 2, 3, 1, (1, 0, 0)) + ref(2**64 - 1) + time(1)
    + stack(4, "4", 0)
    + frame(2**64 - 1, 2, 4, 2, (2, 0, 0)) + ref(2**64 - 1) + time(2),
    b"P4;T0:4;k.py:first:1 1\nP4;T0:4;k.py:caf\xe9:2 2\n",
)

# Definitions before the first STACK (austinp 3.4), and a thread named by
# text rather than a hex number.
FIXTURES["early_defs_v3"] = (
    header(3)
    + string(2, "e.py") + string(3, "early") + frame(1, 2, 3, 4, (4, 0, 0))
    + stack(6, "MainThread", 0) + ref(1) + time(7),
    "P6;T0:MainThread;e.py:early:4 7\n",
)


def main():
    for name, (data, text) in FIXTURES.items():
        with open(os.path.join(HERE, name + ".mojo"), "wb") as f:
            f.write(data)
        with open(os.path.join(HERE, name + ".austin"), "wb") as f:
            f.write(text.encode() if isinstance(text, str) else text)
    # The same wall profile gzip-compressed, for transparent inflation.
    with open(os.path.join(HERE, "wall_v3.mojo"), "rb") as f:
        data = f.read()
    with open(os.path.join(HERE, "wall_v3.mojo.gz"), "wb") as f:
        f.write(gzip.compress(data, mtime=0))


if __name__ == "__main__":
    main()
