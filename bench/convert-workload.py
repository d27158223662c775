"""A workload for bench/convert.sh to record: ordinary standard-library work
(parsing and compiling sources, JSON, regular expressions, text diffs) on
four threads, so that the recording has the depth and the variety of stacks
of a real program. Usage: python3 convert-workload.py SECONDS"""
import ast
import difflib
import json
import os
import re
import sys
import threading
import time

SOURCES = [os.path.join(os.path.dirname(os.__file__), name)
           for name in ("argparse.py", "difflib.py", "inspect.py",
                        "typing.py", "dataclasses.py", "textwrap.py")]


def parse_sources(deadline):
    while time.time() < deadline:
        for path in SOURCES:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            compile(ast.parse(text), path, "exec")


def json_round_trips(deadline):
    doc = {"items": [{"id": i, "name": "item %d" % i, "tags": ["a", "b"] * 3,
                      "nested": {"x": i * 1.5, "y": [i] * 5}}
                     for i in range(400)]}
    while time.time() < deadline:
        json.loads(json.dumps(doc, indent=2, sort_keys=True))


def regex_scans(deadline):
    with open(SOURCES[0], encoding="utf-8") as f:
        text = f.read()
    pattern = re.compile(r"def (\w+)\(([^)]*)\)|class (\w+)")
    while time.time() < deadline:
        [m.groups() for m in pattern.finditer(text)]
        re.sub(r"\s+", " ", text)


def text_diffs(deadline):
    with open(SOURCES[1], encoding="utf-8") as f:
        a = f.read().splitlines()
    b = [line.replace("self", "this") for line in a]
    while time.time() < deadline:
        list(difflib.unified_diff(a[:800], b[:800], lineterm=""))


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 14
    deadline = time.time() + seconds
    threads = [threading.Thread(target=work, args=(deadline,))
               for work in (parse_sources, json_round_trips, regex_scans)]
    for t in threads:
        t.start()
    text_diffs(deadline)
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
