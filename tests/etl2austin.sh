#!/bin/sh
# etl2austin as a user runs it, on the fixtures of testdata/etl (made by
# gen_fixtures.py from the documented layouts; expected readings *.austin
# worked out by hand) and, when present, the real captures of ../shared.
. "$top_srcdir/tests/tap.sh"
E2A="$BIN/etl2austin"
FIX="$top_srcdir/testdata/etl"
plan 30

# Same lines as the expected file, in any order (samples come in time order).
same() { sort "$1" > "$TMP/got.s"; sort "$2" > "$TMP/want.s"; cmp "$TMP/got.s" "$TMP/want.s"; }

"$E2A" "$FIX/instrumented.etl" > "$TMP/i.txt"
ok "instrumented: wall time between pushes and pops" same "$TMP/i.txt" "$FIX/instrumented.austin"
"$E2A" --marks "$FIX/instrumented.etl" > "$TMP/im.txt"
ok "--marks: thread and mark ranges as root frames" same "$TMP/im.txt" "$FIX/instrumented-marks.austin"
"$E2A" --python-only "$FIX/instrumented.etl" > "$TMP/ip.txt"
ok "--python-only drops the C function" same "$TMP/ip.txt" "$FIX/instrumented-python-only.austin"
"$E2A" "$FIX/instrumented32.etl" > "$TMP/i32.txt"
ok "a 32-bit process's trace" same "$TMP/i32.txt" "$FIX/instrumented32.austin"
"$E2A" "$FIX/sampling.etl" > "$TMP/s.txt"
ok "stack sampling: kernel samples, stack walks and keys" same "$TMP/s.txt" "$FIX/sampling.austin"
"$E2A" "$FIX/sampling-xpress.etl" > "$TMP/sx.txt"
ok "compressed buffers read the same" same "$TMP/sx.txt" "$FIX/sampling.austin"
"$E2A" --python-only "$FIX/sampling.etl" > "$TMP/sp.txt"
ok "--python-only keeps samples with Python frames" same "$TMP/sp.txt" "$FIX/sampling-python-only.austin"

"$E2A" < "$FIX/instrumented.etl" > /dev/null 2>&1; st=$?
is "INPUT is required" "$st" "2"
"$E2A" - < "$FIX/sampling.etl" > "$TMP/stdin.txt"
ok "'-' reads standard input" same "$TMP/stdin.txt" "$FIX/sampling.austin"
gzip -c "$FIX/sampling.etl" > "$TMP/s.etl.gz"
"$E2A" "$TMP/s.etl.gz" -o "$TMP/gz.txt"
ok "gzip input, -o FILE" same "$TMP/gz.txt" "$FIX/sampling.austin"
"$E2A" "$FIX/sampling.etl" "$TMP/pos.txt"
ok "positional OUTPUT" same "$TMP/pos.txt" "$FIX/sampling.austin"
"$E2A" -n "$FIX/instrumented.etl" > "$TMP/n.txt"
is "--no-metadata leaves only sample lines" "$(grep -vc '^P' "$TMP/n.txt")" "0"
is "--no-metadata keeps every sample" "$(wc -l < "$TMP/n.txt" | tr -d ' ')" "12"
is "metadata: mode wall for instrumented traces" "$(head -1 "$TMP/i.txt")" "# mode: wall"
is "metadata: mode cpu and the interval for sampling" \
    "$(grep '^#' "$TMP/s.txt" | head -2 | tr '\n' ' ')" "# mode: cpu # interval: 500 "

# Every tool reads ETL through libmojo.
"$BIN/mojo2austin" "$FIX/sampling.etl" > "$TMP/m2a.txt"
ok "mojo2austin takes ETL input" same "$TMP/m2a.txt" "$FIX/sampling.austin"
"$BIN/austin2speedscope" "$FIX/instrumented.etl" > "$TMP/i.json"
ok "austin2speedscope takes ETL input" grep -q '"name":"helper","file":"app.py","line":20' "$TMP/i.json"
"$BIN/austin2pprof" "$FIX/sampling.etl" -o "$TMP/s.pb.gz"; st=$?
is "austin2pprof takes ETL input" "$st" "0"

# Bad input: exit 1, file and offset named, samples before the cut kept.
head -c 28000 "$FIX/sampling.etl" > "$TMP/cut.etl"
"$E2A" "$TMP/cut.etl" > "$TMP/cut.txt" 2> "$TMP/cut.err"; st=$?
is "truncated file: exit status 1" "$st" "1"
ok "truncated file: the message names file and offset" \
    grep -q "cut.etl: offset 24576: buffer of 8192 bytes, only 3424 left" "$TMP/cut.err"
ok "truncated file: the metadata is still written" grep -q '^# mode' "$TMP/cut.txt"
head -c 24576 "$FIX/sampling.etl" > "$TMP/cut2.etl"
"$E2A" "$TMP/cut2.etl" > /dev/null 2> "$TMP/cut2.err"; st=$?
ok "cut at a buffer boundary: the header's buffer count tells" \
    grep -q "announces 4 buffers, the file ends after 3" "$TMP/cut2.err"
printf 'P1;T1;a.py:f:1 10\n' > "$TMP/text.austin"
"$E2A" "$TMP/text.austin" > /dev/null 2> "$TMP/text.err"; st=$?
is "not an ETL file: exit 1 and a message" "$st:$(cat "$TMP/text.err")" \
    "1:etl2austin: $TMP/text.austin: not an ETL file"
"$E2A" /nonexistent.etl > /dev/null 2>&1; st=$?
is "missing file: exit 1" "$st" "1"
"$E2A" --bogus "$FIX/sampling.etl" > /dev/null 2>&1; st=$?
is "unknown option: exit 2" "$st" "2"
ok "--help describes the ETL options" sh -c "'$E2A' --help | grep -q -- --python-only"
ok "--version" sh -c "'$E2A' --version | grep -q 'mojo-tools'"

if have_shared; then
    N="$SHARED/etl/perfview_net.4.5.2.x64.etl"
    "$E2A" -n "$N" > "$TMP/net.txt"; st=$?
    is "kernel-sampled capture without Python: one sample per CPU sample event" \
        "$st:$(wc -l < "$TMP/net.txt" | tr -d ' ')" "0:79528"
    ok "its stacks name modules and offsets" grep -q 'clr.dll+0x' "$TMP/net.txt"
    "$E2A" --python-only -n "$N" > "$TMP/netp.txt"
    is "--python-only on it: nothing left" "$(wc -l < "$TMP/netp.txt" | tr -d ' ')" "0"
else
    skip "../shared/testdata is absent" "kernel-sampled capture without Python"
    skip "../shared/testdata is absent" "its stacks name modules and offsets"
    skip "../shared/testdata is absent" "--python-only on it"
fi
exit $TAP_FAILED
