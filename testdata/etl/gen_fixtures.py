#!/usr/bin/env python3
"""Make the ETL fixtures of this directory, byte by byte, from the documented
layouts (WMI_BUFFER_HEADER, SYSTEM/PERFINFO/EVENT_HEADER records, extended
items, TRACE_LOGFILE_HEADER, TraceLogging schemas, XPRESS plain LZ77).

Written apart from libmojo's ETL code so that the two check each other; the
expected readings (*.austin beside them) were worked out by hand from the
timelines below. Standard library only. Usage: gen_fixtures.py [OUTDIR]

  instrumented.etl     python-etwtrace instrumented mode, two processes,
                       buffers of two CPUs not in time order in the file
  instrumented32.etl   the same first thread from a 32-bit process (32-bit
                       headers, HEXINT32 pointers, UINT32 size_t)
  sampling.etl         stack-sampling mode: kernel CPU samples, stack walks,
                       cached stack keys defined later, a kernel-only walk
                       completed by a later user walk, images, two processes
                       with the same thunk addresses
  sampling-xpress.etl  the same, every data buffer XPRESS-compressed
"""
import os
import struct
import sys

FREQ = 10_000_000            # QPC ticks per second
QPC0 = 1_000_000_000         # the header record's timestamp
START = 133_500_000_000_000_000  # FILETIME of QPC0
PYTHON_GUID = bytes.fromhex("4006a1990d32374b9e26c311d86da7ab")  # bytes_le


def ts(us):
    return QPC0 + us * FREQ // 1_000_000


def align8(n):
    return (n + 7) & ~7


def wstr(s):
    return s.encode("utf-16-le") + b"\0\0"


# ------------------------------------------------------------- records
def system_record(group, typ, payload, t, pid=0, tid=0, wide=True):
    size = 32 + len(payload)
    head = struct.pack("<HBBHBBIIqII", 2, 0x02 if wide else 0x01, 0xC0, size,
                       typ, group, tid, pid, t, 0, 0)
    return head + payload


def perfinfo_record(group, typ, payload, t, wide=True):
    size = 16 + len(payload)
    head = struct.pack("<HBBHBBq", 2, 0x11 if wide else 0x10, 0xC0, size,
                       typ, group, t)
    return head + payload


def ext_item(exttype, data, more):
    size = align8(8 + len(data))
    return (struct.pack("<HHHH", size, exttype, 1 if more else 0, len(data))
            + data + b"\0" * (size - 8 - len(data)))


def event_record(pid, tid, t, guid, level, opcode, keyword, items, payload,
                 wide=True):
    ext = b"".join(ext_item(k, d, i + 1 < len(items))
                   for i, (k, d) in enumerate(items))
    size = 80 + len(ext) + len(payload)
    head = struct.pack("<HBBHHIIq16sHBBBBHQQ16s", size, 0x13 if wide else 0x12,
                       0xC0, 1 if items else 0, 0, tid, pid, t, guid,
                       0, 0, 11, level, opcode, 0, keyword, 0, b"\0" * 16)
    return head + ext + payload


# ------------------------------------------------------- TraceLogging
def tl_schema(event, fields):
    body = b"\0" + event.encode() + b"\0"
    for name, intype in fields:
        body += name.encode() + b"\0" + bytes([intype])
    return struct.pack("<H", 2 + len(body)) + body


def tl_traits(name):
    body = name.encode() + b"\0"
    return struct.pack("<H", 2 + len(body)) + body


class Python:
    """python-etwtrace's events for a 64-bit (or 32-bit) process."""

    def __init__(self, wide=True):
        self.wide = wide
        self.ptr = 21 if wide else 20        # TlgInPOINTER
        self.size_t = 10 if wide else 8      # size_t: UINT64 / UINT32
        self.pfmt = "<Q" if wide else "<I"

    def _event(self, pid, tid, us, name, fields, values, level=5, opcode=0,
               keyword=0):
        items = [(12, tl_traits("Python")), (11, tl_schema(name, fields))]
        return event_record(pid, tid, ts(us), PYTHON_GUID, level, opcode,
                            keyword, items, values, self.wide)

    def p(self, v):
        return struct.pack(self.pfmt, v & (2 ** (64 if self.wide else 32) - 1))

    def thread(self, pid, tid, us, start):
        return self._event(pid, tid, us, "PythonThread", [("ThreadID", 7)],
                           struct.pack("<i", tid), 4, 1 if start else 2, 0x100)

    def function(self, pid, tid, us, fid, name, line, file, is_py=1,
                 begin=0, end=0):
        fields = [("FunctionID", self.ptr), ("BeginAddress", self.ptr),
                  ("EndAddress", self.ptr), ("LineNumber", 7),
                  ("SourceFile", 1), ("Name", 1), ("IsPythonCode", 7)]
        vals = (self.p(fid) + self.p(begin) + self.p(end)
                + struct.pack("<i", line) + wstr(file) + wstr(name)
                + struct.pack("<i", is_py))
        return self._event(pid, tid, us, "PythonFunction", fields, vals,
                           keyword=0x400)

    def push(self, pid, tid, us, fid, caller, caller_line):
        fields = [("FunctionID", self.ptr), ("Caller", self.ptr),
                  ("CallerLine", self.size_t)]
        vals = (self.p(fid) + self.p(caller)
                + struct.pack("<Q" if self.wide else "<I", caller_line))
        return self._event(pid, tid, us, "PythonFunctionPush", fields, vals,
                           keyword=0x1000)

    def pop(self, pid, tid, us, fid):
        return self._event(pid, tid, us, "PythonFunctionPop",
                           [("FunctionID", self.ptr)], self.p(fid),
                           keyword=0x2000)

    def mark(self, pid, tid, us, text, opcode):
        return self._event(pid, tid, us, "PythonMark", [("Mark", 1)],
                           wstr(text), opcode=opcode, keyword=0x800)


# ------------------------------------------------------------- kernel
def image_payload(base, size, pid, path, wide=True):
    P = "Q" if wide else "I"
    return (struct.pack("<" + P + P + "IIIBBH" + P + "IIII", base, size, pid,
                        0, 0, 0, 0, 0, base, 0, 0, 0, 0) + wstr(path))


def thread_payload(pid, tid):
    # ProcessId, TThreadId, then 7 pointers, SubProcessTag, 4 bytes
    return struct.pack("<II7QIBBBB", pid, tid, *([0] * 7), 0, 0, 0, 0, 0)


def sample_payload(ip, tid):
    return struct.pack("<QIHH", ip, tid, 1, 0)


def stackwalk_payload(event_us, pid, tid, addrs):
    return struct.pack("<qII", ts(event_us), pid, tid) + b"".join(
        struct.pack("<Q", a) for a in addrs)


def stackkey_payload(event_us, pid, tid, key):
    return struct.pack("<qIIQ", ts(event_us), pid, tid, key)


def keydef_payload(key, addrs):
    return struct.pack("<Q", key) + b"".join(struct.pack("<Q", a) for a in addrs)


# ------------------------------------------------------------ buffers
def xpress_compress(data):
    """Greedy XPRESS plain LZ77 ([MS-XCA] 2.3): exercises literals, short
    and long matches (nibble, byte, u16 lengths) and overlapping copies."""
    out = bytearray()
    flags = 0
    nflags = 0
    flag_pos = len(out)
    out += b"\0\0\0\0"
    half = None
    table = {}
    i = 0
    n = len(data)

    def put_flag(bit):
        nonlocal flags, nflags, flag_pos
        if nflags == 32:
            struct.pack_into("<I", out, flag_pos, flags)
            flag_pos = len(out)
            out.extend(b"\0\0\0\0")
            flags = 0
            nflags = 0
        flags = (flags << 1) | bit
        nflags += 1

    while i < n:
        best_len = 0
        best_off = 0
        if i + 3 <= n:
            cand = table.get(data[i:i + 3])
            if cand is not None and i - cand <= 8192:
                k = 0
                while i + k < n and data[cand + k] == data[i + k] and k < 65535:
                    k += 1
                if k >= 3:
                    best_len, best_off = k, i - cand
            table[data[i:i + 3]] = i
        if best_len < 3:
            put_flag(0)
            out.append(data[i])
            i += 1
            continue
        put_flag(1)
        length = best_len - 3
        if length < 7:
            out += struct.pack("<H", ((best_off - 1) << 3) | length)
        else:
            out += struct.pack("<H", ((best_off - 1) << 3) | 7)
            rest = length - 7
            nib = min(rest, 15)
            if half is None:
                half = len(out)
                out.append(nib)
            else:
                out[half] |= nib << 4
                half = None
            if rest >= 15:
                rest -= 15
                if rest < 255:
                    out.append(rest)
                else:
                    out.append(255)
                    out += struct.pack("<H", best_len - 3)
        i += best_len
    # pad the last flag word with 1 bits as the format does
    while nflags < 32:
        flags = (flags << 1) | 1
        nflags += 1
    struct.pack_into("<I", out, flag_pos, flags)
    return bytes(out)


def buffer(records, size, cpu, seq, flush_us, kind=0, compress=False, state=3):
    payload = b"".join(r + b"\0" * (align8(len(r)) - len(r)) for r in records)
    end = 72 + len(payload)
    flags = 0x0001 if kind == 4 else 0x0020
    body = payload
    if compress:
        body = xpress_compress(payload)
        flags |= 0x0040
        size = 72 + len(body)
    assert 72 + len(body) <= size, "buffer overflow"
    head = struct.pack("<IIIIqqQHHIIHH16s", size, end, end, 0,
                       0 if kind == 4 else ts(flush_us), seq, 0, cpu, 0x20,
                       state, end, flags, kind, b"\0" * 16)
    return head + body + b"\xff" * (size - 72 - len(body))


def logfile(nbuffers, buffer_size, ncpus, name, path, mode=1, wide=True,
            end_us=100_000):
    ptr = 8 if wide else 4
    h = struct.pack("<IBBBBIIqIIIII", buffer_size, 10, 0, 1, 5, 19045, ncpus,
                    START + end_us * 10, 156250, 0, mode, nbuffers, 1)
    h += struct.pack("<III", ptr, 0, 3000)
    h += b"\0" * (2 * ptr)                  # LoggerName, LogFileName slots
    h += b"\0" * 172 + b"\0" * 4            # TimeZone, padding
    h += struct.pack("<QQQII", START - 3600 * FREQ, FREQ, START, 1, 0)
    assert len(h) == (280 if wide else 272)
    h += wstr(name) + wstr(path)
    return system_record(0, 0, h, QPC0, wide=wide)


def etl_file(name, cpu_buffers, buffer_size=8192, ncpus=2, wide=True,
             compress=False):
    """cpu_buffers: list of (cpu, [records]) in file order."""
    mode = 0x04010001 if compress else 1
    datas = []
    for seq, (cpu, recs) in enumerate(cpu_buffers, 1):
        datas.append(buffer(recs, buffer_size, cpu, seq, 99_000,
                            compress=compress))
    head = buffer([logfile(len(datas) + 1, buffer_size, ncpus, name,
                           "C:\\fixtures\\" + name + ".etl", mode, wide)],
                  buffer_size, 0, 0, 0, kind=4, state=3 if compress else 0)
    return head + b"".join(datas)


# ------------------------------------------------------- the fixtures
def instrumented(wide=True):
    py = Python(wide)
    # process 100, thread 11: nested calls, a C call, ranges of the thread
    t11 = [
        py.thread(100, 11, 1000, True),
        py.function(100, 11, 1000, 1, "main", 1, "app.py"),
        py.push(100, 11, 1000, 1, 0, 0),
        py.function(100, 11, 1100, 2, "work", 10, "app.py"),
        py.push(100, 11, 1100, 2, 1, 5),
        py.function(100, 11, 1300, 3, "helper", 20, "app.py"),
        py.push(100, 11, 1300, 3, 2, 12),
        py.pop(100, 11, 1600, 3),
        py.function(100, 11, 1700, 4, "len", 0, "builtins", is_py=0),
        py.push(100, 11, 1700, 4, 2, 13),
        py.pop(100, 11, 1750, 4),
        py.pop(100, 11, 1900, 2),
        py.pop(100, 11, 2000, 1),
        py.thread(100, 11, 2000, False),
    ]
    if not wide:
        return etl_file("instrumented32", [(0, t11)], ncpus=1, wide=False)
    # process 100, thread 12: began inside main -> work (pops, no pushes);
    # it calls helper before thread 11 registers it (a reader must look ahead)
    t12 = [
        py.push(100, 12, 1200, 3, 2, 14),
        py.pop(100, 12, 1500, 3),
        py.pop(100, 12, 1800, 2),
        py.pop(100, 12, 2100, 1),
    ]
    # process 200, thread 21: same ids, other functions; a mark range and
    # an instant mark; never pops its <module>
    t21 = [
        py.thread(200, 21, 1050, True),
        py.function(200, 21, 1050, 1, "<module>", 1, "other.py"),
        py.push(200, 21, 1050, 1, 0, 0),
        py.mark(200, 21, 1150, "phase", 1),
        py.function(200, 21, 1250, 2, "loop", 3, "other.py"),
        py.push(200, 21, 1250, 2, 1, 7),
        py.mark(200, 21, 1450, "tick", 0),
        py.mark(200, 21, 1650, "phase", 2),
        py.pop(200, 21, 1950, 2),
    ]
    cpu0 = sorted(t11 + t21, key=lambda r: struct.unpack_from("<q", r, 16)[0])
    # CPU 1's buffer comes first in the file although its events start later
    return etl_file("instrumented", [(1, t12), (0, cpu0)])


def sampling(compress=False):
    py = Python()
    K = 0xFFFFF80000000000
    P3 = 0x7FF800000000   # python311.dll in process 300
    P4 = 0x7FF900000000   # python311.dll in process 400
    rundown = [
        system_record(0x05, 3, thread_payload(300, 31), ts(10)),
        system_record(0x05, 3, thread_payload(400, 41), ts(10)),
        system_record(0x05, 3, thread_payload(0, 0), ts(10)),
        system_record(0x14, 3, image_payload(K, 0x1000000, 0,
                      "\\SystemRoot\\system32\\ntoskrnl.exe"), ts(20)),
        system_record(0x14, 3, image_payload(P3, 0x100000, 300,
                      "\\Device\\HarddiskVolume2\\Python311\\python311.dll"),
                      ts(20), 300),
        system_record(0x03, 10, image_payload(P4, 0x100000, 400,
                      "\\Device\\HarddiskVolume2\\Python311\\python311.dll"),
                      ts(30), 400),
        system_record(0x0F, 73, struct.pack("<III", 0, 5000, 10000)
                      + wstr("Timer"), ts(40)),
    ]
    funcs = [
        py.function(300, 31, 100, 1, "<module>", 1, "a.py", 1,
                    0x20000000, 0x2000001F),
        py.function(300, 31, 110, 2, "f", 5, "a.py", 1, 0x20000020, 0x2000003F),
        py.function(400, 41, 120, 1, "main", 1, "b.py", 1,
                    0x20000000, 0x2000001F),
        py.function(400, 41, 130, 2, "g", 9, "b.py", 1, 0x20000020, 0x2000003F),
    ]
    samples = [
        # S1: a full user-mode walk
        perfinfo_record(0x0F, 46, sample_payload(P3 + 0x1000, 31), ts(3000)),
        perfinfo_record(0x18, 32, stackwalk_payload(3000, 300, 31, [
            P3 + 0x1000, 0x20000030, P3 + 0x2000, 0x20000010, P3 + 0x3000]),
            ts(3001)),
        # S2: process 400, same thunk addresses, other functions
        perfinfo_record(0x0F, 46, sample_payload(P4 + 0x1000, 41), ts(3100)),
        perfinfo_record(0x18, 32, stackwalk_payload(3100, 400, 41, [
            P4 + 0x1000, 0x20000030, P4 + 0x2000, 0x20000010, P4 + 0x3000]),
            ts(3101)),
        # S3: kernel mode; the user half comes with another event's time
        perfinfo_record(0x0F, 46, sample_payload(K + 0x1000, 31), ts(3200)),
        perfinfo_record(0x18, 32, stackwalk_payload(3200, 300, 31, [
            K + 0x1000, K + 0x2000]), ts(3201)),
        perfinfo_record(0x18, 32, stackwalk_payload(3250, 300, 31, [
            0x20000010, P3 + 0x3000]), ts(3260)),
        # S4, S5: cached user key 0xAAA0, defined by KeyDelete at 3800
        perfinfo_record(0x0F, 46, sample_payload(P3 + 0x1000, 31), ts(3300)),
        perfinfo_record(0x18, 38, stackkey_payload(3300, 300, 31, 0xAAA0),
                        ts(3301)),
        perfinfo_record(0x0F, 46, sample_payload(P3 + 0x1000, 31), ts(3400)),
        perfinfo_record(0x18, 38, stackkey_payload(3400, 300, 31, 0xAAA0),
                        ts(3401)),
        # an unrelated walk (no sample at that time, nothing pending)
        perfinfo_record(0x18, 32, stackwalk_payload(3500, 400, 41, [
            0x20000030]), ts(3501)),
        perfinfo_record(0x18, 35, keydef_payload(0xAAA0, [0x20000030,
                        0x20000010]), ts(3800)),
        # S6: key 0xAAA0 used again after its delete: a new stack
        perfinfo_record(0x0F, 46, sample_payload(P3 + 0x1000, 31), ts(3900)),
        perfinfo_record(0x18, 38, stackkey_payload(3900, 300, 31, 0xAAA0),
                        ts(3901)),
        # S7: kernel and user keys, defined at the rundown
        perfinfo_record(0x0F, 46, sample_payload(K + 0x3000, 41), ts(4000)),
        perfinfo_record(0x18, 37, stackkey_payload(4000, 400, 41, 0xBBB0),
                        ts(4001)),
        perfinfo_record(0x18, 38, stackkey_payload(4000, 400, 41, 0xCCC0),
                        ts(4002)),
        # S8: the idle thread, no walk; S9: an unknown thread, no walk
        perfinfo_record(0x0F, 46, sample_payload(K + 0x4000, 0), ts(4100)),
        perfinfo_record(0x0F, 46, sample_payload(0x12345, 99), ts(4200)),
        perfinfo_record(0x18, 36, keydef_payload(0xAAA0, [0x20000010]),
                        ts(5000)),
        perfinfo_record(0x18, 36, keydef_payload(0xBBB0, [K + 0x3000]),
                        ts(5001)),
        perfinfo_record(0x18, 36, keydef_payload(0xCCC0, [0x20000030,
                        0x20000010]), ts(5002)),
    ]
    half = len(samples) // 2
    name = "sampling-xpress" if compress else "sampling"
    return etl_file(name, [(0, rundown + funcs), (1, samples[:half]),
                           (1, samples[half:])], compress=compress)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.abspath(__file__))
    for name, data in [("instrumented.etl", instrumented()),
                       ("instrumented32.etl", instrumented(wide=False)),
                       ("sampling.etl", sampling()),
                       ("sampling-xpress.etl", sampling(compress=True))]:
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
