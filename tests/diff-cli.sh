#!/bin/sh
# mojodiff on the project's own data. testdata/diff/gen_runs.py writes three
# runs of one synthetic program and three where parse's own code takes ten
# points more of the time; tests/diff_check.py recomputes every number of
# the JSON report on its own (exact Fisher tests in integer arithmetic,
# Holm). The small pairs below are built inline; their shares are worked
# out by hand in the comments.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/diff_common.sh"

plan 45

# ------------------------------------------------- the acceptance pairs
if runs; then
    R="$TMP/runs"
    for a in 1 2 3; do
        for b in 1 2 3; do
            [ $a = $b ] && continue
            is "two runs of one program: run$a -> run$b exits 0" \
                "$(status "$DIFF" "$R/run$a.austin" "$R/run$b.austin")" 0
        done
    done
    for i in 1 2 3; do
        "$DIFF" --json "$R/run$i.austin" "$R/slow$i.austin" >"$TMP/slow$i.json"
        is "parse ten points slower: run$i -> slow$i exits 1" "$?" 1
        is "and parse is the first regression" \
            "$(json_get "$TMP/slow$i.json" 'r["regressions"][0]["function"], r["regressions"][0]["measure"]')" \
            "('parse', 'self')"
    done
    # MOJO gives the same report as text
    "$FILTER" -f mojo "$R/run1.austin" -o "$TMP/run1.mojo"
    "$FILTER" -f mojo "$R/slow1.austin" -o "$TMP/slow1.mojo"
    "$DIFF" --json "$TMP/run1.mojo" "$TMP/slow1.mojo" | sed 's/"name":"[^"]*"//g' >"$TMP/m.json"
    sed 's/"name":"[^"]*"//g' "$TMP/slow1.json" >"$TMP/t.json"
    ok "MOJO inputs give the same report as text" cmp "$TMP/m.json" "$TMP/t.json"
    # every number, independently
    for p in "run1 run2" "run3 run1" "run2 slow2" "slow3 run3"; do
        set -- $p
        "$DIFF" --json --all "$R/$1.austin" "$R/$2.austin" >"$TMP/all.json"
        ok "independent check of $1 -> $2" $CHECK "$R/$1.austin" "$R/$2.austin" "$TMP/all.json"
    done
    "$DIFF" --json --all -t 2 -a 0.05 "$R/run1.austin" "$R/run3.austin" >"$TMP/all.json"
    ok "independent check with threshold 2 and alpha 0.05" \
        $CHECK "$R/run1.austin" "$R/run3.austin" "$TMP/all.json" 2 0.05
    is "a threshold above the change passes the slow run" \
        "$(status "$DIFF" -t 15 "$R/run1.austin" "$R/slow1.austin")" 0
    gzip -c "$R/slow1.austin" >"$TMP/slow1.austin.gz"
    is "gzip input" "$(status "$DIFF" "$R/run1.austin" "$TMP/slow1.austin.gz")" 1
    is "a profile against itself exits 0" "$(status "$DIFF" "$R/slow2.austin" "$R/slow2.austin")" 0
    ok "and finds no change" grep -q "^Improvements (0)" "$TMP/stdout"
else
    for i in $(seq 23); do skip "$NO_PYTHON" "generated runs $i"; done
fi

# ------------------------------------------------------- small samples
# base: a 40%, b 60% (self 40%), c 20%; new: a 10%, b 90%, c 50%.
small() { # FILE A B C: sample counts of main;a, main;b and main;b;c
    {
        printf '# austin: 3.7.0\n# interval: 1000\n# mode: wall\n\n'
        for i in $(seq "$2"); do echo "P1;T0:1;m.py:main:1;m.py:a:3 1000"; done
        for i in $(seq "$3"); do echo "P1;T0:1;m.py:main:1;m.py:b:5 1000"; done
        for i in $(seq "$4"); do echo "P1;T0:1;m.py:main:1;m.py:b:5;m.py:c:9 1000"; done
    } >"$1"
}
small "$TMP/b20" 8 8 4
small "$TMP/n20" 2 8 10
small "$TMP/b200" 80 80 40
small "$TMP/n200" 20 80 100
is "30 points on 20 samples is not significant: exit 0" \
    "$(status "$DIFF" "$TMP/b20" "$TMP/n20")" 0
ok "the change is listed below the bar" grep -q "+30.0 .* none .* c (m.py)" "$TMP/stdout"
is "the same shares on 200 samples: exit 1" "$(status "$DIFF" "$TMP/b200" "$TMP/n200")" 1
"$DIFF" --markdown "$TMP/b200" "$TMP/n200" | sed "s|$TMP/||g" >"$TMP/md"
ok "--markdown as written by hand" diff -u "$DIFF_DATA/small200.expected.md" "$TMP/md"
"$DIFF" --folded "$TMP/b200" "$TMP/n200" >"$TMP/folded"
is "--folded: base and new of every stack" "$(sort "$TMP/folded")" \
"m.py:main:1;m.py:a:3 80000 20000
m.py:main:1;m.py:b:5 80000 80000
m.py:main:1;m.py:b:5;m.py:c:9 40000 100000"
"$DIFF" --json "$TMP/b200" "$TMP/n200" >"$TMP/j"
if have_python; then
    is "--json: the report's fields" \
        "$(json_get "$TMP/j" '[(f["function"], f["file"], float(f["base"]), float(f["new"]), float(f["delta"]), f["p_value"] < 1e-8) for f in r["regressions"]]')" \
        "[('c', 'm.py', 20.0, 50.0, 30.0, True), ('b', 'm.py', 60.0, 90.0, 30.0, True)]"
    is "--json: improvements and verdict" \
        "$(json_get "$TMP/j" '[f["function"] for f in r["improvements"]], r["verdict"], r["tests"]')" \
        "(['a'], 'regression', 8)"
else
    skip "$NO_PYTHON" "--json: the report's fields"
    skip "$NO_PYTHON" "--json: improvements and verdict"
fi
"$DIFF" --json="$TMP/j2" --markdown="$TMP/md2" "$TMP/b200" "$TMP/n200" >"$TMP/table"
ok "--json=FILE and --markdown=FILE while the table goes to stdout" \
    sh -c 'cmp "$1" "$2" && grep -q "^Verdict: regression (2 functions)" "$3" && test -s "$4"' \
    sh "$TMP/j" "$TMP/j2" "$TMP/table" "$TMP/md2"
ok "no colour when stdout is not a terminal" sh -c '! grep -q "$(printf "\033")" "$1"' sh "$TMP/table"
"$DIFF" --color=always "$TMP/b200" "$TMP/n200" >"$TMP/colour"
ok "--color=always colours the table" grep -q "$(printf '\033')\[31m" "$TMP/colour"

# ------------------------------------------------------------ pprof pair
"$DIFF" --pprof "$TMP/pp" "$TMP/b200" "$TMP/n200" >/dev/null
if have_pprof; then
    go tool pprof -top -normalize -diff_base="$TMP/pp.base.pb.gz" "$TMP/pp.new.pb.gz" \
        >"$TMP/top" 2>&1
    ok "pprof -diff_base reads the pair: c grows by 60 ms" grep -Eq '^ +60000(us|μs) .* c$' "$TMP/top"
else
    skip "$NO_PPROF" "pprof -diff_base reads the pair: c grows by 60 ms"
fi

# --------------------------------------------------------------- config
printf 'threshold: 40\nbudgets:\n  - function: "m\\\\.py:b$"\n    max-share: 70\n' >"$TMP/ci.yaml"
is "a budget ceiling fails the build" "$(status "$DIFF" -c "$TMP/ci.yaml" --json "$TMP/b200" "$TMP/n200")" 1
if have_python; then
    is "with the budget as the reason" \
        "$(json_get "$TMP/stdout" '[(f["function"], f["measure"], f["max_share"]) for f in r["regressions"]]')" \
        "[('b', 'budget', 70)]"
else
    skip "$NO_PYTHON" "with the budget as the reason"
fi
is "options on the command line win over the file" \
    "$(status "$DIFF" -c "$TMP/ci.yaml" -t 5 --ignore ':b$' "$TMP/b200" "$TMP/n200")" 1
ok "and --ignore drops the function" sh -c '! grep -q " b (m.py)" "$1"' sh "$TMP/stdout"
printf 'threshold: 5\nbudgets:\n  - function: f\n    max_share: lots\n' >"$TMP/bad.yaml"
is "a bad config exits 2" "$(status "$DIFF" -c "$TMP/bad.yaml" "$TMP/b200" "$TMP/n200")" 2
ok "naming line and column" grep -q "bad.yaml:4:16: max-share: expected a number" "$TMP/stderr"

# --------------------------------------------------------------- errors
is "a missing input exits 2" "$(status "$DIFF" "$TMP/b200" "$TMP/none")" 2
ok "and names it" grep -q "$TMP/none" "$TMP/stderr"
"$FILTER" -f mojo "$TMP/b200" -o "$TMP/b200.mojo"
head -c 100 "$TMP/b200.mojo" >"$TMP/cut.mojo"
is "a truncated input exits 2" "$(status "$DIFF" "$TMP/cut.mojo" "$TMP/n200")" 2
is "one input exits 2" "$(status "$DIFF" "$TMP/b200")" 2
is "a bad option value exits 2" "$(status "$DIFF" -a 2 "$TMP/b200" "$TMP/n200")" 2
printf '# mode: memory\n\nP1;T0:1;m.py:f:1 -20\n' >"$TMP/mem"
is "a metric the samples lack exits 2" "$(status "$DIFF" -m cpu "$TMP/mem" "$TMP/mem")" 2
exit $TAP_FAILED
