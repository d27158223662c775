#!/bin/sh
# mojo-record in its default mode on the bundled scripts: the recording is
# read back with mojo2austin (shares) and with an independent reader
# (tests/recorder_check.py: columns, metadata). Bounds are loose: the
# machine may be busy.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/recorder_common.sh"
skip_all_unless_built
plan 22

# Quick start: load 10%, compute/step 60%, report 30% of the run.
ok "records the quick start script" record -o q.mojo "$RDATA/quickstart.py" 1
ok "mojo2austin reads the recording" m2a "$TMP/q.mojo"
check shares "$TMP/q.mojo.austin" > "$TMP/q.shares"
ok "step takes 60% (+-8)" within "$(jq_py "$TMP/q.shares" 'd.get("step", 0)')" 52 68
ok "report takes 30% (+-8)" within "$(jq_py "$TMP/q.shares" 'd.get("report", 0)')" 22 38
ok "load takes 10% (+-5)" within "$(jq_py "$TMP/q.shares" 'd.get("load", 0)')" 5 15
ok "compute is step plus its own call (< 2 points)" test "$(jq_py "$TMP/q.shares" \
   '0 <= d.get("compute", 0) - d.get("step", 0) < 2')" = True

check mojo "$TMP/q.mojo" > "$TMP/q.json"
is "MOJO version 3" "$(jq_py "$TMP/q.json" 'd["version"]')" 3
ok "every frame has line and column spans" test "$(jq_py "$TMP/q.json" 'd["frames"] > 0 and d["frames"] == d["frames_with_columns"]')" = True
is "metadata: mode" "$(jq_py "$TMP/q.json" 'dict(d["metadata"])["mode"]')" wall
is "metadata: interval (1 ms default)" "$(jq_py "$TMP/q.json" 'dict(d["metadata"])["interval"]')" 1000
is "metadata: python" "$(jq_py "$TMP/q.json" 'dict(d["metadata"])["python"]')" \
   "$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
ok "metadata: duration, samples, recorder" test "$(jq_py "$TMP/q.json" \
   'all(k in dict(d["metadata"]) for k in ("duration", "samples", "recorder", "sampling", "errors"))')" = True
is "metadata samples = samples read" "$(jq_py "$TMP/q.json" 'int(dict(d["metadata"])["samples"]) == d["samples"]')" True
ok "stacks start at the script, not the launcher" \
   test "$(jq_py "$TMP/q.json" 'd["roots"].get("<module>", 0) >= 0.95 * d["samples"]')" = True
ok "summary names the samples, the file and the viewers" \
   grep -q "samples.*q.mojo.*mojo2austin.*austin2pprof.*austin2speedscope" "$TMP/err"

# A hot loop: leaf samples spread over the loop's lines like Austin's.
ok "records the hot loop" record -q -o hot.mojo "$RDATA/hotloop.py" 1
m2a "$TMP/hot.mojo"
check leaves "$TMP/hot.mojo.austin" hot > "$TMP/hot.lines"
ok "hot loop: at least 5 lines sampled" test "$(jq_py "$TMP/hot.lines" 'len(d)')" -ge 5
ok "hot loop: no line above 40%" \
   test "$(jq_py "$TMP/hot.lines" 'bool(d) and max(d.values()) <= 40')" = True

# Interval units; -m MODULE; -q.
ok "-i 500us" record -q -i 500us -o i1.mojo "$RDATA/ending.py"
is "interval 500us is 500" "$(check mojo "$TMP/i1.mojo" > "$TMP/i1.json"; jq_py "$TMP/i1.json" 'dict(d["metadata"])["interval"]')" 500
(cd "$RDATA" && "$PYTHON" -m mojo_record -q -i 10ms -o "$TMP/mod.mojo" -m ending ok 2>"$TMP/err")
check mojo "$TMP/mod.mojo" > "$TMP/mod.json"
ok "-m MODULE with -i 10ms" test "$(jq_py "$TMP/mod.json" 'dict(d["metadata"])["interval"] == "10000" and d["samples"] > 0')" = True
record -q -i 5parsecs -o bad.mojo "$RDATA/ending.py"
is "a bad interval is a usage error (exit 2)" "$?" 2
exit $TAP_FAILED
