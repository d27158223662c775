#!/bin/sh
# mojodiff on real recordings (skipped when ../shared/testdata is absent).
# Pairs that are two runs of one program must pass; the same recordings with
# one function's samples multiplied (about ten points more of the time, by
# awk) must fail with that function first; tests/diff_check.py recomputes
# the numbers of a real pair on its own.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/diff_common.sh"

plan 15
if ! have_shared; then
    for i in $(seq 15); do skip "$NO_SHARED" "real recordings $i"; done
    exit 0
fi
REC="$SHARED/recorded"
AP="$SHARED/austin-python"

for pair in "$REC/work.wall" "$AP/test" "$REC/subinterp" "$REC/austinp_kernel"; do
    is "two recordings of $(basename "$pair"): MOJO -> text exits 0" \
        "$(status "$DIFF" "$pair.mojo" "$pair.austin")" 0
    is "two recordings of $(basename "$pair"): text -> MOJO exits 0" \
        "$(status "$DIFF" "$pair.austin" "$pair.mojo")" 0
done

"$M2A" "$REC/work.wall.mojo" >"$TMP/wall.mojo.austin"
if have_python; then
    "$DIFF" --json --all "$REC/work.wall.austin" "$TMP/wall.mojo.austin" >"$TMP/all.json"
    ok "independent check of work.wall's two runs" \
        $CHECK "$REC/work.wall.austin" "$TMP/wall.mojo.austin" "$TMP/all.json"
else
    skip "$NO_PYTHON" "independent check of work.wall's two runs"
fi

# inject FILE LEAF EXTRA: every sample whose leaf frame starts with LEAF
# repeated EXTRA more times on average (1.5: once, then twice, ...).
inject() {
    awk -v pat="$2" -v extra="$3" '{ print }
        /^P/ { stack = $0; sub(/ [^ ]*$/, "", stack); n = split(stack, f, ";")
               if (index(f[n], pat) == 1) { acc += extra; while (acc >= 1) { print; acc -= 1 } } }' "$1"
}
# slower BASE NEW LEAF EXTRA FUNCTION: NEW, slowed down, against BASE
slower() {
    inject "$2" "$3" "$4" >"$TMP/slow.austin"
    "$DIFF" --json "$1" "$TMP/slow.austin" >"$TMP/slow.json"
    is "$5 slower in another run: exit 1" "$?" 1
    if have_python; then
        is "and $5 is the first regression" \
            "$(json_get "$TMP/slow.json" 'r["regressions"][0]["function"], round(r["regressions"][0]["points"])')" \
            "('$5', $6)"
    else
        skip "$NO_PYTHON" "and $5 is the first regression"
    fi
}
slower "$REC/work.wall.mojo" "$REC/work.wall.austin" "/home/user/project/work.py:parse:" 1.5 parse 8
slower "$REC/work.wall.austin" "$TMP/wall.mojo.austin" \
    "/usr/lib/python3.11/json/decoder.py:JSONDecoder.raw_decode:" 1.5 JSONDecoder.raw_decode 10
slower "$REC/work.wall.mojo" "$REC/work.wall.austin" "/home/user/project/work.py:sleeper:" 0.6 sleeper 13
exit $TAP_FAILED
