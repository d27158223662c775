"""Checks for the recorder's tests: an independent MOJO reader (written
from the format notes, sharing no code with libmojo) and summaries of
Austin text as mojo2austin prints it.

  recorder_check.py mojo FILE        JSON: version, metadata, samples, ...
  recorder_check.py shares FILE      JSON: {function: % of time} from Austin
                                     text (a function counts once per stack)
  recorder_check.py leaves FILE FUNC JSON: {line: % of FUNC's leaf samples}
  recorder_check.py etl FILE         JSON: python-etwtrace events of an ETL
                                     file as the recorder writes it (one
                                     CPU, records in time order): counts,
                                     pushes per function name, and whether
                                     every pop matches its thread's top
"""
import collections
import json
import sys


class Mojo:
    """A MOJO v1-v3 reader: enough to check what the recorder writes."""

    def __init__(self, data):
        self.data = data
        self.pos = 0

    def byte(self):
        b = self.data[self.pos]
        self.pos += 1
        return b

    def int(self):
        b = self.byte()
        neg = b & 0x40
        val = b & 0x3F
        shift = 6
        while b & 0x80:
            b = self.byte()
            val |= (b & 0x7F) << shift
            shift += 7
        return -val if neg else val

    def str(self):
        end = self.data.index(b"\0", self.pos)
        s = self.data[self.pos:end].decode("utf-8", "replace")
        self.pos = end + 1
        return s


def read_mojo(path):
    with open(path, "rb") as f:
        m = Mojo(f.read())
    if m.data[:3] != b"MOJ":
        raise SystemExit("%s: not MOJO" % path)
    m.pos = 3
    version = m.int()
    strings = {0: "", 1: "<unknown>"}
    frames = {}
    meta = []
    samples = []
    cur = None
    while m.pos < len(m.data):
        start = m.pos
        try:
            ev = m.byte()
            if ev == 1:
                meta.append((m.str(), m.str()))
            elif ev == 2:
                pid = m.int()
                iid = m.int() if version >= 3 else 0
                cur = {"pid": pid, "iid": iid, "tid": m.str(), "frames": [],
                       "time": None, "memory": None, "idle": False, "invalid": 0}
                samples.append(cur)
            elif ev == 3:
                key = m.int()
                fn, sc, line = m.int(), m.int(), m.int()
                cols = (m.int(), m.int(), m.int()) if version >= 2 else (0, 0, 0)
                frames[(cur["pid"] if cur else 0, key)] = (fn, sc, line) + cols
            elif ev == 4:
                cur["invalid"] += 1
            elif ev == 5:
                key = m.int()
                fn, sc, line, le, c, ce = frames[(cur["pid"], key)]
                cur["frames"].append((strings[fn], strings[sc], line, le, c, ce))
            elif ev == 8:
                cur["idle"] = True
            elif ev == 9:
                cur["time"] = m.int()
            elif ev == 10:
                cur["memory"] = m.int()
            elif ev == 11:
                key = m.int()
                strings[key] = m.str()
            elif ev == 12:
                m.int()
            elif ev in (6, 7):
                if ev == 6:
                    m.str()
            else:
                raise SystemExit("%s: offset %d: unknown event %d" % (path, start, ev))
        except IndexError:
            raise SystemExit("%s: offset %d: truncated event" % (path, start))
        except ValueError:
            raise SystemExit("%s: offset %d: unterminated string" % (path, start))
    return version, meta, samples


def cmd_mojo(path):
    version, meta, samples = read_mojo(path)
    framed = [f for s in samples for f in s["frames"]]
    with_cols = [f for f in framed if f[4] > 0 and f[5] >= f[4] and f[3] >= f[2] > 0]
    by_tid = collections.defaultdict(lambda: {"samples": 0, "idle": 0, "funcs": collections.Counter()})
    for s in samples:
        t = by_tid[s["tid"]]
        t["samples"] += 1
        t["idle"] += s["idle"]
        for name in {f[1] for f in s["frames"]}:
            t["funcs"][name] += 1
    out = {
        "version": version,
        "metadata": meta,
        "samples": len(samples),
        "pids": sorted({s["pid"] for s in samples}),
        "frames": len(framed),
        "frames_with_columns": len(with_cols),
        "invalid": sum(s["invalid"] for s in samples),
        "time": sum(s["time"] or 0 for s in samples),
        "memory": sum(s["memory"] or 0 for s in samples),
        "with_time": sum(s["time"] is not None for s in samples),
        "with_memory": sum(s["memory"] is not None for s in samples),
        "idle": sum(s["idle"] for s in samples),
        "roots": collections.Counter(s["frames"][0][1] for s in samples if s["frames"]),
        "threads": {tid: {"samples": t["samples"], "idle": t["idle"],
                          "funcs": dict(t["funcs"])} for tid, t in by_tid.items()},
        "memory_by_func": {},
    }
    mem = collections.Counter()
    for s in samples:
        if s["memory"]:
            for name in {f[1] for f in s["frames"]}:
                mem[name] += s["memory"]
    out["memory_by_func"] = dict(mem)
    json.dump(out, sys.stdout, indent=1)
    print()


def austin_lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            stack, value = line.rsplit(" ", 1)
            parts = stack.split(";")
            frames = [p.rsplit(":", 2) for p in parts[2:]]
            yield parts[0], parts[1], frames, int(value.split(",")[0])


def cmd_shares(path):
    total = 0
    per = collections.Counter()
    for _pid, _thread, frames, value in austin_lines(path):
        total += value
        for name in {f[1] for f in frames if len(f) == 3}:
            per[name] += value
    json.dump({k: round(100.0 * v / total, 2) for k, v in per.items()} if total else {},
              sys.stdout, indent=1)
    print()


def cmd_leaves(path, func):
    lines = collections.Counter()
    for _pid, _thread, frames, value in austin_lines(path):
        if frames and len(frames[-1]) == 3 and frames[-1][1] == func:
            lines[frames[-1][2]] += value
    total = sum(lines.values())
    json.dump({k: round(100.0 * v / total, 2) for k, v in lines.items()} if total else {},
              sys.stdout, indent=1)
    print()


# ---------------------------------------------------------------- ETL
# From the ETL format notes: 72-byte buffer headers (size at 0, payload
# end at 0x30, type at 0x36: 4 is the header buffer); records 8-aligned;
# EVENT_HEADER records (type byte 0x13 at offset 2) with size at 0, thread
# at 8, process at 12, time at 16, opcode at 45, extended items after 80
# bytes (size, type, linkage, data size, data) when flag 1 is set; the
# TraceLogging schema item (type 11) names the event and its fields.
TL_SIZES = {7: 4, 10: 8, 21: 8}     # INT32, UINT64, HEXINT64


def u16(b, o):
    return int.from_bytes(b[o:o + 2], "little")


def u32(b, o):
    return int.from_bytes(b[o:o + 4], "little")


def u64(b, o):
    return int.from_bytes(b[o:o + 8], "little")


def tl_event(b, o, size):
    """(name, {field: value}, opcode, tid, pid, time) of one record."""
    p, end = o + 80, o + size
    schema = None
    if u16(b, o + 4) & 1:
        while True:
            isize, itype, link, dsize = u16(b, p), u16(b, p + 2), u16(b, p + 4), u16(b, p + 6)
            if itype == 11:
                schema = b[p + 8:p + 8 + dsize]
            p += isize
            if not link:
                break
    if schema is None:
        return None
    q = 3
    name_end = schema.index(0, q)
    name = schema[q:name_end].decode()
    q = name_end + 1
    fields = {}
    while q < len(schema):
        f_end = schema.index(0, q)
        fname, ftype = schema[q:f_end].decode(), schema[f_end + 1]
        q = f_end + 2
        if ftype == 1:              # UNICODESTRING, NUL-terminated
            e = p
            while b[e:e + 2] != b"\0\0":
                e += 2
            fields[fname] = b[p:e].decode("utf-16-le")
            p = e + 2
        else:
            n = TL_SIZES[ftype]
            fields[fname] = int.from_bytes(b[p:p + n], "little")
            p += n
    if p > end:
        raise SystemExit("offset %d: payload past the record" % o)
    return name, fields, b[o + 45], u32(b, o + 8), u32(b, o + 12), u64(b, o + 16)


def xpress_plain(src, out_size):
    """MS-XCA plain LZ77: 32-bit flag words (a 1 bit: a match), a match
    is 16 bits of (offset - 1) << 3 | length - 3, longer lengths in a
    shared nibble, then a byte, then 16 and 32 bits."""
    out = bytearray()
    i = flags = nflags = 0
    nibble_at = None
    while i < len(src) and len(out) < out_size:
        if nflags == 0:
            flags, nflags = u32(src, i), 32
            i += 4
        nflags -= 1
        if not (flags >> nflags) & 1:
            out.append(src[i])
            i += 1
            continue
        token = u16(src, i)
        i += 2
        length, dist = token & 7, (token >> 3) + 1
        if length == 7:
            if nibble_at is None:
                nibble_at, length = i, src[i] & 15
                i += 1
            else:
                length, nibble_at = src[nibble_at] >> 4, None
            if length == 15:
                length = src[i]
                i += 1
                if length == 255:
                    length = u16(src, i)
                    i += 2
                    if length == 0:
                        length = u32(src, i)
                        i += 4
                    length -= 15 + 7
                length += 15
            length += 7
        for _ in range(length + 3):
            out.append(out[-dist])
    return bytes(out)


def read_etl(path):
    b = whole = open(path, "rb").read()
    off = 0
    while off + 72 <= len(b):
        bsize, end, btype = u32(b, off), u32(b, off + 0x30), u16(b, off + 0x36)
        bflags = u16(b, off + 0x34)
        if bsize < 72 or off + bsize > len(b):
            raise SystemExit("%s: offset %d: bad buffer" % (path, off))
        start = off
        if bflags & 0x40:           # compressed: payload inflates to Offset
            b_buf = b[off:off + 72] + xpress_plain(b[off + 72:off + bsize], end - 72)
            b, off_saved, off = b_buf, off, 0
        else:
            off_saved = None
        if end > max(bsize, len(b) - off):
            raise SystemExit("%s: offset %d: bad buffer" % (path, start))
        o = off + 72
        while btype != 4 and o + 80 <= off + end:
            size = u16(b, o)
            if b[o + 2] != 0x13 or size < 80:
                raise SystemExit("%s: offset %d: not an EVENT_HEADER record" % (path, o))
            ev = tl_event(b, o, size)
            if ev:
                yield ev
            o += (size + 7) & ~7
        if off_saved is not None:
            b, off = whole, off_saved
        off += bsize


def perf_freq(path):
    """Timestamp ticks per second: PerfFreq of the TRACE_LOGFILE_HEADER,
    the first record of the first buffer (after its 72-byte buffer header
    and 32-byte system header), at 256 with 64-bit pointers."""
    with open(path, "rb") as f:
        head = f.read(72 + 32 + 264)
    return u64(head, 72 + 32 + 256)


def cmd_etl(path):
    freq = perf_freq(path)
    seconds = collections.Counter()
    sites = collections.defaultdict(set)
    counts = collections.Counter()
    names = {}
    pushes = collections.Counter()
    stacks = collections.defaultdict(list)
    mismatched = orphans = 0
    last = 0
    in_order = True
    marks = []
    for name, f, opcode, tid, pid, t in read_etl(path):
        counts[name] += 1
        in_order = in_order and t >= last
        last = t
        if name == "PythonFunction":
            names[(pid, f["FunctionID"])] = f["Name"]
        elif name == "PythonFunctionPush":
            pushes[names.get((pid, f["FunctionID"]), "?")] += 1
            if f["Caller"]:
                sites["%s>%s" % (names.get((pid, f["Caller"]), "?"),
                                 names.get((pid, f["FunctionID"]), "?"))].add(f["CallerLine"])
            stacks[(pid, tid)].append((f["FunctionID"], t))
        elif name == "PythonFunctionPop":
            st = stacks[(pid, tid)]
            if not st:
                orphans += 1
            else:
                fid, t0 = st.pop()
                if fid != f["FunctionID"]:
                    mismatched += 1
                # time inside each call, summed (recursive calls count
                # more than once)
                seconds[names.get((pid, fid), "?")] += (t - t0) / freq
        elif name == "PythonMark":
            marks.append([opcode, f["Mark"]])
    json.dump({"events": dict(counts), "pushes": dict(pushes), "in_time_order": in_order,
               "pops_not_matching_top": mismatched, "pops_without_push": orphans,
               "left_open": sum(len(s) for s in stacks.values()), "marks": marks,
               "seconds": {k: round(v, 6) for k, v in seconds.items()},
               "call_lines": {k: sorted(v) for k, v in sites.items()}},
              sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"mojo": cmd_mojo, "shares": cmd_shares, "leaves": cmd_leaves, "etl": cmd_etl}[cmd](*args)
