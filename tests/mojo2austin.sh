#!/bin/sh
# mojo2austin as a user runs it. Expected texts of testdata/mojo/ were
# written by hand; the austin-python pairs in ../shared/testdata were made by
# austin-python's converter and differ from Austin's text mode only in its
# documented quirks (no blank lines, last sample after the footer).
. "$top_srcdir/tests/tap.sh"
M2A="$BIN/mojo2austin"
FIX="$top_srcdir/testdata/mojo"
plan 26

for f in wall_v3 cpu_v1 full_v3 memory_v2 special_v3 repeat_v4 keys_v3 early_defs_v3; do
    "$M2A" "$FIX/$f.mojo" > "$TMP/$f.txt"
    ok "$f.mojo renders exactly as the hand-written $f.austin" cmp "$TMP/$f.txt" "$FIX/$f.austin"
done

"$M2A" < "$FIX/wall_v3.mojo" > "$TMP/stdin.txt"
ok "reads standard input" cmp "$TMP/stdin.txt" "$FIX/wall_v3.austin"
"$M2A" - "$TMP/pos.txt" < "$FIX/wall_v3.mojo.gz"
ok "gzip on standard input, positional output" cmp "$TMP/pos.txt" "$FIX/wall_v3.austin"
"$M2A" -o "$TMP/o.txt" "$FIX/wall_v3.mojo.gz"
ok "-o FILE with a gzip file" cmp "$TMP/o.txt" "$FIX/wall_v3.austin"

"$M2A" --no-metadata "$FIX/wall_v3.mojo" > "$TMP/nometa.txt"
is "--no-metadata leaves only sample lines" "$(grep -vc '^P' "$TMP/nometa.txt")" "0"
is "--no-metadata keeps every sample" "$(wc -l < "$TMP/nometa.txt" | tr -d ' ')" "3"

"$M2A" -n --metric cpu "$FIX/full_v3.mojo" > "$TMP/cpu.txt"
is "--metric cpu: idle samples count 0" "$(cat "$TMP/cpu.txt")" "P5;T1:10;x.py:g:3 0
P5;T1:10;x.py:g:3;:GC: 20"
"$M2A" -n -m dealloc "$FIX/full_v3.mojo" > "$TMP/dealloc.txt"
is "--metric dealloc: freed bytes as positive numbers" "$(cut -d' ' -f2 "$TMP/dealloc.txt" | tr '\n' ' ')" "4096 0 "

# Bad input: a clear error with file and offset, exit 1, complete samples kept.
head -c 105 "$FIX/wall_v3.mojo" > "$TMP/cut.mojo"
"$M2A" "$TMP/cut.mojo" > "$TMP/cut.txt" 2> "$TMP/cut.err"; st=$?
is "truncated file: exit status 1" "$st" "1"
ok "truncated file: message names the file and the offset" \
    grep -q "cut.mojo: offset 105: the input ends inside a STACK event" "$TMP/cut.err"
"$M2A" -n "$FIX/wall_v3.mojo" | head -1 > "$TMP/first.txt"
grep '^P' "$TMP/cut.txt" > "$TMP/cut.txt.samples"
ok "truncated file: the complete sample before the cut is written" \
    cmp "$TMP/first.txt" "$TMP/cut.txt.samples"

"$M2A" /nonexistent.mojo > /dev/null 2> "$TMP/miss.err"; st=$?
is "missing file: exit 1 and a message" "$st:$(cat "$TMP/miss.err")" \
    "1:mojo2austin: /nonexistent.mojo: cannot open: No such file or directory"
"$M2A" --bogus > /dev/null 2>&1; st=$?
is "unknown option: exit 2" "$st" "2"
ok "--help describes the options" sh -c "'$M2A' --help | grep -q -- --no-metadata"
ok "--version" sh -c "'$M2A' --version | grep -q 'mojo-tools'"

if have_shared; then
    for n in test mp; do
        A="$SHARED/austin-python/$n"
        "$M2A" "$A.mojo" | grep -v '^$' > "$TMP/$n.ours"
        grep -v '^$' "$A.austin" > "$TMP/$n.theirs"
        grep '^P' "$TMP/$n.theirs" > "$TMP/$n.theirs.p"
        grep '^P' "$TMP/$n.ours" > "$TMP/$n.ours.p"
        ok "austin-python/$n.mojo: same samples, same order as $n.austin" \
            cmp "$TMP/$n.ours.p" "$TMP/$n.theirs.p"
        grep '^#' "$TMP/$n.ours" | sort > "$TMP/$n.ours.m"
        grep '^#' "$TMP/$n.theirs" | sort > "$TMP/$n.theirs.m"
        ok "austin-python/$n.mojo: same metadata as $n.austin" \
            cmp "$TMP/$n.ours.m" "$TMP/$n.theirs.m"
    done
else
    skip "../shared/testdata is absent" "austin-python/test.mojo matches test.austin"
    skip "../shared/testdata is absent" "austin-python/mp.mojo matches mp.austin"
    skip "../shared/testdata is absent" "austin-python/test.mojo metadata"
    skip "../shared/testdata is absent" "austin-python/mp.mojo metadata"
fi
exit $TAP_FAILED
