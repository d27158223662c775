#!/bin/sh
# mojofilter on the project's own data: testdata/filter/mp.austin is a
# hand-written full-mode profile (two processes, three threads, GC, idle,
# an invalid frame); each *.expected file is its filtered form, derived by
# hand from the input (see testdata/filter/README.md).
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/diff_common.sh"

plan 42
IN="$FILTER_DATA/mp.austin"

# ---------------------------------------------------------------- streams
"$FILTER" "$IN" >"$TMP/same.austin"
ok "text to text with no filter is the input, byte for byte" cmp "$TMP/same.austin" "$IN"
"$FILTER" -f mojo "$IN" -o "$TMP/mp.mojo"
is "-f mojo writes MOJO" "$(head -c 3 "$TMP/mp.mojo")" "MOJ"
"$FILTER" -f austin "$TMP/mp.mojo" >"$TMP/back.austin"
ok "text to MOJO and back is the input" cmp "$TMP/back.austin" "$IN"
"$FILTER" "$TMP/mp.mojo" -o "$TMP/again.mojo"
"$M2A" "$TMP/again.mojo" >"$TMP/again.austin"
ok "MOJO to MOJO keeps every event" cmp "$TMP/again.austin" "$IN"
"$FILTER" "$IN" -o "$TMP/ext.mojo"
is "-o's extension picks the format" "$(head -c 3 "$TMP/ext.mojo")" "MOJ"
gzip -c "$IN" | "$FILTER" - >"$TMP/gz.austin"
ok "gzip on standard input" cmp "$TMP/gz.austin" "$IN"

# ---------------------------------------------------------------- filters
check() { # NAME EXPECTED OPTIONS...: -n output equals testdata/filter/EXPECTED
    name=$1 expected=$2
    shift 2
    "$FILTER" -n "$@" "$IN" >"$TMP/out" 2>"$TMP/err"
    ok "$name" diff -u "$FILTER_DATA/$expected" "$TMP/out"
}
check "--pid keeps that process" pid200.expected --pid 200
check "--thread by decimal id" thread101.expected --thread 101
check "--thread by hex id" thread101.expected --thread 0x65
check "--no-idle drops idle samples" no-idle.expected --no-idle
check "--gc keeps samples taken during GC" gc.expected --gc
check "--from/--to keep the ticks at 2.1 and 3.3 ms" window.expected --from 2ms --to 4ms
check "--focus keeps samples through a matching frame" focus.expected --focus 'lib\.py:helper:'
check "--ignore drops samples through a matching frame" ignore.expected --ignore ':fib:'
check "--hide removes frames" hide.expected --hide ':<module>:' --hide ':main:'
check "--root re-roots at the first match" root.expected --root ':fib:'
check "--rules applies the YAML rules" rules.expected --rules "$FILTER_DATA/rules.yaml"
"$FILTER" --pid 100 --focus ':work:' --focus ':sleeper:' --hide threading --no-idle -n \
    "$IN" >"$TMP/cli"
ok "the same rules on the command line" diff -u "$FILTER_DATA/rules.expected" "$TMP/cli"
"$FILTER" --pid 200 "$TMP/mp.mojo" -o "$TMP/p.mojo"
"$M2A" -n "$TMP/p.mojo" >"$TMP/p.austin"
ok "--pid on MOJO keeps exactly that process" diff -u "$FILTER_DATA/pid200.expected" "$TMP/p.austin"

# The focus total is the input's total through the frame (awk alone).
"$FILTER" --focus 'lib\.py:helper:' "$TMP/mp.mojo" -o "$TMP/f.mojo"
"$M2A" "$TMP/f.mojo" >"$TMP/f.austin"
is "--focus: total equals the input's through the frame" \
    "$(samples_total "$TMP/f.austin")" \
    "$(grep 'lib\.py:helper:' "$IN" | awk '{split($NF, m, ","); n++; s += m[1]} END {printf "%d %d\n", n, s}')"

# ------------------------------------------------------------- aggregate
"$FILTER" -a "$IN" >"$TMP/agg"
ok "--aggregate sums equal stacks" diff -u "$FILTER_DATA/aggregate.expected" "$TMP/agg"
views() { # wall, CPU, allocated, deallocated totals of full-mode text
    grep -v '^#' "$1" | awk 'NF { split($NF, m, ","); w += m[1]; if (!m[2]) c += m[1];
        if (m[3] > 0) a += m[3]; else d -= m[3] } END { print w, c, a, d }'
}
is "--aggregate keeps wall, CPU, alloc and dealloc totals" "$(views "$TMP/agg")" "$(views "$IN")"

# --------------------------------------------------------------- merging
"$FILTER" "$IN" "$TMP/mp.mojo" >"$TMP/two"
is "two inputs: every sample" "$(grep -c '^P' "$TMP/two")" 28
is "two inputs: the header once" "$(grep -c '^# mode' "$TMP/two")" 1
is "two inputs: the footer once, at the end" "$(tail -2 "$TMP/two" | head -1)" "# duration: 6000"
printf '# mode: wall\n\nP1;T0:1;a.py:f:1 1000\n' >"$TMP/wall.austin"
is "inputs in different modes exit 1" "$(status "$FILTER" "$IN" "$TMP/wall.austin")" 1
ok "and say so" grep -q "mode wall does not match mode full" "$TMP/stderr"
"$FILTER" -a "$IN" "$IN" >"$TMP/agg2"
is "--aggregate over two inputs doubles every total" \
    "$(views "$TMP/agg2")" "$(views "$IN" | awk '{print 2*$1, 2*$2, 2*$3, 2*$4}')"

# ------------------------------------------------------------ formats
"$FILTER" -f pprof "$IN" -o "$TMP/mp.pb.gz"
if have_protoc; then
    gzip -dc "$TMP/mp.pb.gz" | protoc --decode=perftools.profiles.Profile \
        --proto_path="$top_srcdir/schemas" "$top_srcdir/schemas/profile.proto" >"$TMP/pb.txt"
    ok "-f pprof goes through the pprof writer" grep -q '"Deallocated memory"' "$TMP/pb.txt"
else
    skip "$NO_PROTOC" "-f pprof goes through the pprof writer"
fi
"$FILTER" -f speedscope --pid 200 "$IN" -o "$TMP/mp.json"
if have_python; then
    ok "-f speedscope writes Speedscope JSON" python3 -c '
import json, sys; d = json.load(open(sys.argv[1]))
assert d["$schema"].endswith("file-format-schema.json") and d["profiles"]' "$TMP/mp.json"
else
    skip "$NO_PYTHON" "-f speedscope writes Speedscope JSON"
fi

# ------------------------------------------------------------- errors
sed 's/^# mode: full/# mode: cpu/; s/ \([0-9]*\),[01],-*[0-9]*$/ \1/' "$IN" >"$TMP/cpu.austin"
is "a time window on a cpu-mode profile exits 1" \
    "$(status "$FILTER" --from 1ms "$TMP/cpu.austin")" 1
ok "and says what it needs" grep -q "time window needs timestamps" "$TMP/stderr"
is "a bad regex exits 2" "$(status "$FILTER" --focus '(x' "$IN")" 2
ok "and names the option" grep -q -- "--focus: bad regex '(x'" "$TMP/stderr"
printf 'pid: 100\nfocus: [a, "(b"]\n' >"$TMP/bad.yaml"
is "bad rules exit 2" "$(status "$FILTER" --rules "$TMP/bad.yaml" "$IN")" 2
ok "naming line and column" grep -q "bad.yaml:2:12: focus: bad regex" "$TMP/stderr"
head -c 150 "$TMP/mp.mojo" >"$TMP/cut.mojo"
is "a truncated input exits 1" "$(status "$FILTER" "$TMP/cut.mojo" -o "$TMP/cut.out.mojo")" 1
ok "the error names file and offset" grep -q "cut.mojo: offset" "$TMP/stderr"
"$M2A" "$TMP/cut.mojo" >"$TMP/cut.ref" 2>/dev/null
"$M2A" "$TMP/cut.out.mojo" >"$TMP/cut.got" 2>/dev/null
ok "what came before the cut is written" cmp "$TMP/cut.got" "$TMP/cut.ref"
is "a missing input exits 1" "$(status "$FILTER" "$TMP/none.austin")" 1
is "no input exits 2" "$(status "$FILTER")" 2
is "-v counts the samples" "$("$FILTER" -v --pid 200 "$IN" 2>&1 >/dev/null)" \
    "mojofilter: kept 5 of 14 samples"
exit $TAP_FAILED
