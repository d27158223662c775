#!/bin/sh
# mojofilter on real recordings (skipped when ../shared/testdata is absent):
# --focus keeps exactly the samples through the frame, --pid exactly one
# process, MOJO to MOJO every event; checked against grep and awk over the
# text mojo2austin renders.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/diff_common.sh"

plan 13
if ! have_shared; then
    for i in $(seq 13); do skip "$NO_SHARED" "real recordings $i"; done
    exit 0
fi
REC="$SHARED/recorded"
AP="$SHARED/austin-python"

# focus FILE REGEX: the output's samples and total equal the input lines'
# that match (grep -E over the rendered text, frames only).
focus() {
    "$M2A" -n "$1" | sed 's/^P[0-9]*;T[0-9:]*;*//' >"$TMP/in.txt"
    "$FILTER" --focus "$2" "$1" -o "$TMP/focus.mojo"
    "$M2A" "$TMP/focus.mojo" >"$TMP/focus.austin"
    is "--focus '$2' on $(basename "$1"): samples and total" \
        "$(samples_total "$TMP/focus.austin")" \
        "$(grep -E "$2" "$TMP/in.txt" | awk '{split($NF, m, ","); n++; s += m[1]} END {printf "%d %d\n", n, s}')"
}
focus "$REC/work.wall.mojo" 'work\.py:parse:'
focus "$REC/work.full.mojo" 'json/decoder\.py:'
focus "$AP/test.mojo" 'threading\.py:'
focus "$AP/column.mojo" ':<module>:'

# pid FILE PID: exactly the lines of that process.
pid() {
    "$FILTER" --pid "$2" "$1" -o "$TMP/pid.mojo"
    "$M2A" -n "$TMP/pid.mojo" >"$TMP/pid.got"
    "$M2A" -n "$1" | grep "^P$2;" >"$TMP/pid.want"
    ok "--pid $2 on $(basename "$1") keeps exactly that process" cmp "$TMP/pid.got" "$TMP/pid.want"
}
for p in $("$M2A" -n "$REC/mp.mojo" | cut -d';' -f1 | sort -u | tr -d P); do
    pid "$REC/mp.mojo" "$p"
done
pid "$AP/mp.mojo" "$("$M2A" -n "$AP/mp.mojo" | head -1 | cut -d';' -f1 | tr -d P)"

# MOJO to MOJO: the same events, whatever the version read.
for f in "$AP/repeat.mojo" "$AP/column.mojo" "$AP/test.mojo" "$REC/austinp_kernel.mojo"; do
    "$FILTER" "$f" -o "$TMP/copy.mojo"
    "$M2A" "$TMP/copy.mojo" >"$TMP/copy.austin"
    "$M2A" "$f" >"$TMP/orig.austin"
    ok "MOJO to MOJO keeps every event of $(basename "$f")" cmp "$TMP/copy.austin" "$TMP/orig.austin"
done

"$FILTER" "$REC/work.wall.mojo" "$REC/work.wall.austin" -o "$TMP/both.mojo"
is "merging a MOJO and a text run keeps every sample" \
    "$("$M2A" -n "$TMP/both.mojo" | wc -l)" \
    "$(($("$M2A" -n "$REC/work.wall.mojo" | wc -l) + $(grep -c '^P' "$REC/work.wall.austin")))"
exit $TAP_FAILED
