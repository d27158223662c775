#!/bin/sh
# mojo-record --instrumented: every call and return as python-etwtrace's
# events in an ETL file, read back with etl2austin, with the independent
# ETL reader of tests/recorder_check.py (exact call counts, pops matching
# pushes) and, where the shared tools are present, with etldump.py.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/recorder_common.sh"
skip_all_unless_built
plan 46

e2a() { "$BIN/etl2austin" "$1" > "$1.austin"; }

ok "records the quick start script" record --instrumented -o q.etl "$RDATA/quickstart.py" 0.3
ok "etl2austin reads the trace" e2a "$TMP/q.etl"
check shares "$TMP/q.etl.austin" > "$TMP/q.shares"
ok "step takes 60% (+-8)" within "$(jq_py "$TMP/q.shares" 'd.get("step", 0)')" 52 68
ok "report takes 30% (+-8)" within "$(jq_py "$TMP/q.shares" 'd.get("report", 0)')" 22 38
ok "load takes 10% (+-5)" within "$(jq_py "$TMP/q.shares" 'd.get("load", 0)')" 5 15
ok "C functions are traced too (time.perf_counter)" \
   test "$(jq_py "$TMP/q.shares" '"perf_counter" in d')" = True
# Distinct root frames of an Austin text file.
roots() { grep -v '^#' "$1" | grep -v '^$' | sed 's/ [-0-9,]*$//' | cut -d';' -f3 | sort -u; }
is "stacks start at the script, not the launcher" \
   "$(roots "$TMP/q.etl.austin" | sed 's|.*/||' | cut -d: -f1,2 | sort -u)" "quickstart.py:<module>"
ok "the summary names the events and the file" grep -q "events.*q.etl" "$TMP/err"

ok "threads: records" record -q --instrumented -o t.etl "$RDATA/threads.py" 0.3
e2a "$TMP/t.etl"
check shares "$TMP/t.etl.austin" > "$TMP/t.shares"
ok "threads: each thread's function is there" test "$(jq_py "$TMP/t.shares" \
   'all(d.get(f, 0) > 20 for f in ("crunch", "nap", "main"))')" = True
is "threads: three threads" "$(grep -v '^#' "$TMP/t.etl.austin" | grep -v '^$' | cut -d';' -f2 | sort -u | wc -l | tr -d ' ')" 3

ok "generators, coroutines, exceptions: records" record -q --instrumented -o g.etl "$RDATA/generators.py"
ok "generators: etl2austin reads it" e2a "$TMP/g.etl"
ok "generators: every function seen" test "$(jq_py "$(check shares "$TMP/g.etl.austin" > "$TMP/g.shares"; echo "$TMP/g.shares")" \
   'all(f in d for f in ("consume", "numbers", "fails", "catches", "tick"))')" = True

record -q --instrumented -o e3.etl "$RDATA/ending.py" exit3
is "sys.exit(3) exits 3 under tracing" "$?" 3

# Exact counts: calls.py calls middle 50 times, leaf 1000 times, abs 50
# times (count them in the script); the independent reader sees every
# push, every pop matching its thread's top, nothing left open.
ok "calls: records" record -q --instrumented -o c.etl "$RDATA/calls.py"
check etl "$TMP/c.etl" > "$TMP/c.json"
is "calls: leaf pushed 1000 times" "$(jq_py "$TMP/c.json" 'd["pushes"].get("leaf")')" 1000
is "calls: middle pushed 50 times" "$(jq_py "$TMP/c.json" 'd["pushes"].get("middle")')" 50
is "calls: abs (a C function) called 50 times" "$(jq_py "$TMP/c.json" 'd["pushes"].get("abs")')" 50
is "calls: main and the module once" \
   "$(jq_py "$TMP/c.json" '(d["pushes"].get("main"), d["pushes"].get("<module>"))')" "(1, 1)"
is "calls: every pop matches its push, nothing left open" \
   "$(jq_py "$TMP/c.json" '(d["pops_not_matching_top"], d["pops_without_push"], d["left_open"])')" \
   "(0, 0, 0)"
is "calls: pushes and pops balance" \
   "$(jq_py "$TMP/c.json" 'd["events"]["PythonFunctionPush"] - d["events"]["PythonFunctionPop"]')" 0
is "calls: each function announced once" \
   "$(jq_py "$TMP/c.json" 'd["events"]["PythonFunction"] == len(d["pushes"])')" True
is "calls: one thread started and stopped" "$(jq_py "$TMP/c.json" 'd["events"]["PythonThread"]')" 2
is "calls: events in time order" "$(jq_py "$TMP/c.json" 'd["in_time_order"]')" True
# CallerLine is the caller's current line (python-etwtrace takes
# PyFrame_GetLineNumber of the calling frame): the lines of the calls in
# calls.py, read off the script (25: main(), 21: middle(20), 15: leaf(i),
# 16: abs(total)).
is "calls: CallerLine is the line of each call" \
   "$(jq_py "$TMP/c.json" 'sorted(d["call_lines"].items())')" \
   "[('<module>>main', [25]), ('main>middle', [21]), ('middle>abs', [16]), ('middle>leaf', [15])]"
# A Python function called by a C function: its Caller is the Python
# frame below (python-etwtrace's PyFrame_GetBack), not the C function.
ok "callbacks: records" record -q --instrumented -o cb.etl "$RDATA/callbacks.py"
check etl "$TMP/cb.etl" > "$TMP/cb.json"
is "callbacks: sorted 3 times, key 9 times" \
   "$(jq_py "$TMP/cb.json" '[d["pushes"].get(k) for k in ("sorted", "key")]')" "[3, 9]"
is "callbacks: key's caller is main, at the line of the sorted call" \
   "$(jq_py "$TMP/cb.json" 'sorted(d["call_lines"].items())')" \
   "[('<module>>main', [17]), ('main>key', [14]), ('main>sorted', [14])]"

# Marks: PythonMark events; etl2austin --marks makes the range a frame.
ok "marks: records" record -q --instrumented -o m.etl "$RDATA/marks.py"
check etl "$TMP/m.etl" > "$TMP/m.json"
is "marks: begin, then the range's start and stop" "$(jq_py "$TMP/m.json" 'd["marks"]')" \
   "[[0, 'begin'], [1, 'phase one'], [2, 'phase one']]"
"$BIN/etl2austin" --marks "$TMP/m.etl" > "$TMP/m.austin"
check shares "$TMP/m.austin" > "$TMP/m.shares"
ok "marks: the range holds two thirds of phase's time (0.1 s of 0.15)" \
   within "$(jq_py "$TMP/m.shares" 'd.get("phase one", 0) / d.get("phase", 1)')" 0.55 0.8
# The script times its own busy loops with time.perf_counter: the trace's
# clock (the event times, at the header's PerfFreq) must agree.
ok "marks: phase's two calls last 0.15 s by the trace's clock (0.15 to 0.16)" \
   within "$(jq_py "$TMP/m.json" 'd["seconds"].get("phase", 0)')" 0.15 0.16
# The same with the system clock per event instead of the TSC.
ok "marks: records with the system clock (MOJO_RECORD_TSC=0)" \
   env MOJO_RECORD_TSC=0 "$PYTHON" -m mojo_record -q --instrumented -o "$TMP/m0.etl" "$RDATA/marks.py"
check etl "$TMP/m0.etl" > "$TMP/m0.json"
ok "marks: 0.15 s by the system clock too (0.15 to 0.16)" \
   within "$(jq_py "$TMP/m0.json" 'd["seconds"].get("phase", 0)')" 0.15 0.16

# Signals: the status is the signal's, and the trace is complete (every
# push popped, the header written), with the program's functions only
# (the recorder's SIGTERM handler stays out of it).
for sig in SIGTERM SIGINT; do
    want=143; [ "$sig" = SIGINT ] && want=130
    is "$sig: the status is the signal's" \
       "$(cd "$TMP" && "$PYTHON" "$RUNSIG" $sig ready -- "$PYTHON" -m mojo_record -q --instrumented \
          -o "$sig.etl" "$RDATA/endless.py" 2>/dev/null)" $want
    check etl "$TMP/$sig.etl" > "$TMP/$sig.json"
    is "$sig: every push popped, nothing left open" \
       "$(jq_py "$TMP/$sig.json" '[d["pops_not_matching_top"], d["pops_without_push"], d["left_open"], d["events"]["PythonFunctionPush"] > 1000]')" \
       "[0, 0, 0, True]"
    is "$sig: the program's functions only" \
       "$(jq_py "$TMP/$sig.json" 'sorted(d["pushes"])')" "['<module>', 'perf_counter', 'print', 'spin_forever']"
done

# Children: a plain fork, multiprocessing fork and spawn, each traced into
# its own file named with its pid.
ok "forks: records" record -q --instrumented -o fk.etl "$RDATA/forks.py" 0.2
set -- "$TMP"/fk.*.etl
is "forks: three child traces" "$#" 3
for f in "$@"; do "$BIN/etl2austin" "$f"; done > "$TMP/fk-children.austin"
check shares "$TMP/fk-children.austin" > "$TMP/fk.shares"
ok "forks: each child's function is in the children's traces" test "$(jq_py "$TMP/fk.shares" \
   'all(f in d for f in ("forked_child", "mp_fork_child", "mp_spawn_child"))')" = True
"$BIN/etl2austin" "$TMP/fk.etl" > "$TMP/fk.austin"
check shares "$TMP/fk.austin" > "$TMP/fk-parent.shares"
is "forks: the parent's trace has none of them" "$(jq_py "$TMP/fk-parent.shares" \
   'any(f in d for f in ("forked_child", "mp_fork_child", "mp_spawn_child"))')" False

ETLDUMP="$SHARED/../tools/etldump.py"
if [ -f "$ETLDUMP" ]; then
    "$PYTHON" "$ETLDUMP" "$TMP/g.etl" | grep -o 'TL:Python[A-Za-z]*' | sort | uniq -c > "$TMP/g.events"
    ok "etldump.py: pushes and pops balance" sh -c "test \"\$(awk '/PythonFunctionPush\$/ {print \$1}' '$TMP/g.events')\" = \
       \"\$(awk '/PythonFunctionPop\$/ {print \$1}' '$TMP/g.events')\" && grep -q PythonFunction\$ '$TMP/g.events' && \
       grep -q PythonThread '$TMP/g.events'"
else
    skip "the shared tools are absent" "etldump.py: pushes and pops balance"
fi
exit $TAP_FAILED
