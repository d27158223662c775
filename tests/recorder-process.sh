#!/bin/sh
# The recorder never harms the program: exit status, exceptions and
# signals behave as without it, and the file is complete (end metadata)
# after SIGTERM and SIGINT. Children of os.fork and multiprocessing (fork
# and spawn) are recorded into FILE.PID.mojo.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/recorder_common.sh"
skip_all_unless_built
plan 31

complete() { check mojo "$1" > "$1.json" && test "$(jq_py "$1.json" \
    '"duration" in dict(d["metadata"]) and d["samples"] > 0')" = True; }

record -q -o e3.mojo "$RDATA/ending.py" exit3
is "sys.exit(3) exits 3" "$?" 3
ok "sys.exit(3): the file is complete" complete "$TMP/e3.mojo"
record -q -o er.mojo "$RDATA/ending.py" raise
is "an uncaught exception exits 1" "$?" 1
ok "the traceback is the program's, without the launcher" \
   sh -c "grep -q 'failed on purpose' '$TMP/err' && ! grep -q 'runpy\|_cli.py' '$TMP/err'"
ok "uncaught exception: the file is complete" complete "$TMP/er.mojo"

is "SIGTERM: the status is the signal's" \
   "$(cd "$TMP" && "$PYTHON" "$RUNSIG" SIGTERM ready -- "$PYTHON" -m mojo_record -q -o term.mojo "$RDATA/endless.py")" 143
ok "SIGTERM: the file is complete" complete "$TMP/term.mojo"
ok "SIGTERM: samples of the program" test "$(jq_py "$TMP/term.mojo.json" \
   'd["threads"] and all("spin_forever" in v["funcs"] for v in d["threads"].values())')" = True
is "SIGINT: the status is the signal's" \
   "$(cd "$TMP" && "$PYTHON" "$RUNSIG" SIGINT ready -- "$PYTHON" -m mojo_record -q -o int.mojo "$RDATA/endless.py" 2>/dev/null)" 130
ok "SIGINT: the file is complete" complete "$TMP/int.mojo"

ok "forks: records" record -q -o fk.mojo "$RDATA/forks.py"
ls "$TMP"/fk.*.mojo > "$TMP/children" 2>/dev/null
is "forks: three child files" "$(wc -l < "$TMP/children" | tr -d ' ')" 3
for f in $(cat "$TMP/children"); do m2a "$f" && check shares "$f.austin"; done > "$TMP/child.shares" 2>&1
for fn in forked_child mp_fork_child mp_spawn_child; do
    ok "forks: $fn recorded in its own file" grep -q "\"$fn\"" "$TMP/child.shares"
done
ok "forks: every child file is complete" sh -c "for f in \$(cat '$TMP/children'); do \
   '$PYTHON' '$CHECK' mojo \$f | grep -q '\"duration\"' || exit 1; done"
ok "forks: the parent's file is complete" complete "$TMP/fk.mojo"
if [ -x "$BIN/mojofilter" ]; then
    is "forks: mojofilter merges the four files (four processes)" "$(cd "$TMP" && \
       "$BIN/mojofilter" fk.mojo $(cat children) -o merged.mojo && m2a merged.mojo && \
       grep -v '^#' merged.mojo.austin | grep '^P' | cut -d';' -f1 | sort -u | wc -l | tr -d ' ')" 4
else
    skip "mojofilter is not built" "forks: mojofilter merges the four files"
fi
ok "forks: children name their parent" sh -c "for f in \$(cat '$TMP/children'); do \
   '$PYTHON' '$CHECK' mojo \$f | grep -q '\"parent\"' || exit 1; done"

# Threads starting and ending, code objects freed, deep stacks, at 100 us.
ok "churn: records without harm" record -q -f -i 100us -o churn.mojo "$RDATA/churn.py" 1
ok "churn: the file is complete" complete "$TMP/churn.mojo"
ok "churn: many threads, under 2% of samples with an unreadable frame" test "$(jq_py "$TMP/churn.mojo.json" \
   'len(d["threads"]) > 50 and d["invalid"] <= 0.02 * d["samples"]')" = True

# A program that closes every descriptor and reuses the numbers.
ok "closerange: the program runs to its end" record -q -o closer.mojo "$RDATA/closer.py" "$TMP/own.txt"
is "closerange: the program's file holds only its data" "$(cat "$TMP/own.txt")" "the program's own data"

ok "marks: recorded" record -q -o marks.mojo "$RDATA/marks.py"
check mojo "$TMP/marks.mojo" > "$TMP/marks.json"
is "marks: point, start and stop in order" "$(jq_py "$TMP/marks.json" \
   '[v.split(" ", 1)[1] for k, v in d["metadata"] if k == "mark"]')" \
   "['point begin', 'start phase one', 'stop phase one']"

# --enable VAR installs a .pth hook (here into a throw-away venv).
if "$PYTHON" -m venv --without-pip "$TMP/venv" >/dev/null 2>&1; then
    VPY="$TMP/venv/bin/python"
    ok "--enable VAR writes the hook" sh -c "'$VPY' -m mojo_record --enable REC_ON > '$TMP/enable.out' && \
        ls '$TMP'/venv/lib/python3*/site-packages/mojo_record.pth"
    (cd "$TMP" && MOJO_RECORD_OUTPUT="$TMP/hooked.mojo" "$VPY" "$RDATA/ending.py")
    ok "without VAR nothing is recorded" test ! -e "$TMP/hooked.mojo"
    (cd "$TMP" && REC_ON=1 REC_ON_TYPE=full MOJO_RECORD_OUTPUT="$TMP/hooked.mojo" "$VPY" "$RDATA/ending.py" exit3)
    is "with VAR the run records (exit status kept)" "$?" 3
    ok "the hooked recording is complete, in the mode from TYPEVAR" sh -c \
       "'$PYTHON' '$CHECK' mojo '$TMP/hooked.mojo' | grep -A1 '\"mode\"' | grep -q full"
    ok "--disable removes the hook" sh -c "'$VPY' -m mojo_record --disable >/dev/null && \
        ! ls '$TMP'/venv/lib/python3*/site-packages/mojo_record.pth 2>/dev/null"
else
    for n in 1 2 3 4 5; do skip "python3 -m venv is not available" "--enable/--disable ($n)"; done
fi
exit $TAP_FAILED
