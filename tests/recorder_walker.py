"""The frame walker against CPython itself: the location-table decoder
must give what code.co_positions() gives for every instruction of the
standard library's code, and a walk of the calling thread (through
process_vm_readv, without frame objects) must match traceback's view.
Prints TAP."""
import os
import sys
import traceback
import types

from mojo_record import _native

tests = []


def ok(name, cond, diag=""):
    tests.append((name, bool(cond), diag))


def codes(co):
    yield co
    for c in co.co_consts:
        if isinstance(c, types.CodeType):
            yield from codes(c)


def austin_style(pos):
    line, end, col, endcol = pos
    return (line or 0, end or 0, 0 if col is None else col + 1,
            0 if endcol is None else endcol + 1)


def check_positions():
    import asyncio, email.parser, json, argparse, difflib, inspect  # noqa: F401 - code to check
    total = bad = 0
    first_bad = ""
    for mod in list(sys.modules.values()):
        path = getattr(mod, "__file__", None)
        if not path or not path.endswith(".py") or not os.path.exists(path):
            continue
        with open(path, "rb") as f:
            try:
                top = compile(f.read(), path, "exec")
            except (SyntaxError, ValueError):
                continue
        for co in codes(top):
            ours = _native.positions(co)
            theirs = [austin_style(p) for p in co.co_positions()]
            for i, (a, b) in enumerate(zip(ours, theirs)):
                total += 1
                if a != b:
                    bad += 1
                    first_bad = first_bad or "%s %s @%d: %s != %s" % (path, co.co_name, i, a, b)
            if len(ours) != len(theirs):
                bad += 1
    ok("location tables: %d instructions decoded as CPython does" % total,
       total > 10000 and bad == 0, first_bad)


def leaf():
    return _native.walk_self(), traceback.extract_stack()


def middle():
    return leaf()


def check_walk():
    walked, expected = middle()
    names = [w[1] for w in walked]
    want = [f.name for f in expected]
    ok("walk: the same functions as traceback", names[-3:] == ["check_walk", "middle", "leaf"]
       and [n.rsplit(".", 1)[-1] for n in names] == want, "%s vs %s" % (names, want))
    same_lines = all(w[0] == f.filename and w[2] == f.lineno for w, f in zip(walked, expected))
    ok("walk: the same files and lines as traceback", same_lines,
       "%s vs %s" % ([(w[0], w[2]) for w in walked], [(f.filename, f.lineno) for f in expected]))
    if sys.version_info >= (3, 11):
        cols = all(w[4] == f.colno + 1 and w[5] == f.end_colno + 1 and w[3] == f.end_lineno
                   for w, f in zip(walked, expected) if f.colno is not None)
        ok("walk: columns are traceback's, 1-based", cols,
           "%s vs %s" % ([w[3:] for w in walked], [(f.end_lineno, f.colno, f.end_colno) for f in expected]))
    ok("walk: qualified names", any(w[1] == "Holder.method" for w in Holder().method()))


class Holder:
    def method(self):
        return _native.walk_self()


def check_generators():
    def gen():
        yield _native.walk_self()
    walked = next(gen())
    ok("walk: generator frames are on the stack",
       [w[1] for w in walked][-2:] == ["check_generators", "check_generators.<locals>.gen"],
       str([w[1] for w in walked]))


def main():
    info = _native.info()
    check_positions()
    check_walk()
    check_generators()
    print("1..%d" % len(tests))
    print("# built for %s, running %s, memory read by %s" % (
        info["built_for"], sys.version.split()[0], info["memory_reader"]))
    for i, (name, good, diag) in enumerate(tests, 1):
        print("%s %d - %s" % ("ok" if good else "not ok", i, name))
        if not good and diag:
            print("# " + diag[:2000].replace("\n", "\n# "))
    return 0 if all(t[1] for t in tests) else 1


if __name__ == "__main__":
    sys.exit(main())
