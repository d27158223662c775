#!/bin/sh
# mojo-record --instrumented: every call and return as python-etwtrace's
# events in an ETL file, read back with etl2austin (and, where the shared
# tools are present, with the independent etldump.py).
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/recorder_common.sh"
skip_all_unless_built
plan 16

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
is "stacks start at the script, not the launcher" "$(roots "$TMP/q.etl.austin" | sed 's|.*/||')" \
   "quickstart.py:<module>:1"
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
