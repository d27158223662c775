#!/bin/sh
# Evented Speedscope profiles, made where samples carry timestamps. Inputs:
# hand-made samples (testdata/convert/evented/*.cases, through the driver
# tests/speedscope_cases, since no text format holds timestamps), the ETL
# fixtures of testdata/etl, a profile turned into ETL by mojofilter and,
# when present, the shared ETL captures. Checks:
#   - the outputs equal testdata/convert/evented/*.speedscope.json, whose
#     timelines were worked out by hand from the cases and from the
#     fixtures' timelines in testdata/etl/gen_fixtures.py;
#   - ajv validates them against the schema of the npm package speedscope;
#   - tests/speedscope_evented_check.py (Python, no libmojo) finds every
#     evented profile well nested and in time order, and per thread the
#     open time of each frame and stack equal to the sum of the sample
#     times through it, as the driver's input or etl2austin's text says;
#   - the real Speedscope app loads one (headless Chromium, skipped
#     without it), and refuses a copy with two events swapped.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/convert_common.sh"

EV="$CONVERT_DATA/evented"
ETL="$top_srcdir/testdata/etl"
CASES="$top_builddir/tests/speedscope_cases"
A2S="$BIN/austin2speedscope"
CHECK="python3 $top_srcdir/tests/speedscope_evented_check.py"
shared_etl="perfview_net.4.5.2.x64.etl synthetic_python_etwtrace.etl"
plan 49

# ajv TEST-NAME FILE: validate, or skip without the npm packages.
ajv() {
    if have_ajv; then ok "$1" validate_speedscope "$2"
    else skip "$NO_AJV" "$1"; fi
}
# agrees TEST-NAME ARGS...: run the Python check, or skip without python3.
agrees() {
    what=$1; shift
    if have_python; then ok "$what" $CHECK "$@"
    else skip "$NO_PYTHON" "$what"; fi
}
evented_count() { grep -c '"type":"evented"' "$1"; }

# ---- hand-made cases: name, evented profiles expected
for c in basic:3 fallback:2 cpu:1; do
    base=${c%:*} n=${c#*:}
    out="$TMP/$base.json"
    ok "$base: converts" "$CASES" "$EV/$base.cases" "$out"
    ok "$base: output as expected" diff -u "$EV/$base.speedscope.json" "$out"
    ajv "$base: valid against speedscope's schema (ajv)" "$out"
    agrees "$base: $n evented, nesting and totals agree with the samples" \
        --evented "$n" "$out" cases "$EV/$base.cases"
done
"$CASES" --sampled "$EV/basic.cases" "$TMP/basic-s.json"
ok "basic, --sampled: output as expected" \
    diff -u "$EV/basic.sampled.speedscope.json" "$TMP/basic-s.json"
agrees "basic, --sampled: no evented profile, totals agree" \
    --evented 0 "$TMP/basic-s.json" cases "$EV/basic.cases"
ok "full: converts" "$CASES" "$EV/full.cases" "$TMP/full.json"
ok "full: output as expected" diff -u "$EV/full.speedscope.json" "$TMP/full.json"
"$CASES" --sampled "$EV/full.cases" "$TMP/full-s.json"
ok "full: four values per thread are never evented (same as --sampled)" \
    cmp "$TMP/full.json" "$TMP/full-s.json"
ajv "full: valid against speedscope's schema (ajv)" "$TMP/full.json"

# ---- many events: chunks of several threads interleave in the spool, and
# a thread turns sampled after some of its chunks were written.
if have_python; then
    python3 - "$TMP/long.cases" <<'EOF'
import sys
with open(sys.argv[1], "w") as out:
    out.write("# mode: wall\n")
    clock = {1: 0, 2: 5, 3: 0}
    for i in range(3000):
        for tid in (1, 2, 3):
            depth = 1 + (i * 7 + tid) % 9
            stack = ";".join("m.py:f%d:%d" % (k, (i // 50 + k) % 4)
                             for k in range(depth))
            at = clock[tid] - (30 if tid == 3 and i == 2500 else 0)
            time = 1 + (i + tid) % 5
            out.write("%d %d %d - %s\n" % (at, time, tid, stack))
            clock[tid] += time + (i % 11 == 0)
EOF
    ok "long: converts" "$CASES" "$TMP/long.cases" "$TMP/long.json"
else
    skip "$NO_PYTHON" "long: converts"
fi
ajv "long: valid against speedscope's schema (ajv)" "$TMP/long.json"
agrees "long: 2 evented, nesting and totals agree with the samples" \
    --evented 2 "$TMP/long.json" cases "$TMP/long.cases"

# ---- the ETL fixtures: name, evented profiles expected
for c in instrumented:3 instrumented32:1 sampling:3; do
    base=${c%:*} n=${c#*:}
    out="$TMP/$base.json"
    ok "$base.etl: converts" "$A2S" --name "$base" "$ETL/$base.etl" "$out"
    ok "$base.etl: output as expected" diff -u "$EV/$base.speedscope.json" "$out"
    ajv "$base.etl: valid against speedscope's schema (ajv)" "$out"
    "$BIN/etl2austin" "$ETL/$base.etl" "$TMP/$base.austin"
    agrees "$base.etl: $n evented, totals agree with etl2austin" \
        --evented "$n" "$out" austin "$TMP/$base.austin"
done
"$A2S" --sampled "$ETL/instrumented.etl" "$TMP/instrumented-s.json"
is "instrumented.etl, --sampled: no evented profile" \
    "$(evented_count "$TMP/instrumented-s.json")" "0"
agrees "instrumented.etl, --sampled: totals agree with etl2austin" \
    --evented 0 "$TMP/instrumented-s.json" austin "$TMP/instrumented.austin"
ajv "instrumented.etl, --sampled: valid (ajv)" "$TMP/instrumented-s.json"

# The Python check must notice a broken timeline.
if have_python; then
    python3 - "$TMP/instrumented.json" "$TMP/swapped.json" "$TMP/late.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
ev = doc["profiles"][0]["events"]
ev[1], ev[2] = ev[2], ev[1]          # open main:5 before main:1 closes
json.dump(doc, open(sys.argv[2], "w"))
ev[1], ev[2] = ev[2], ev[1]
ev[1]["at"] += 1; ev[2]["at"] += 1   # main:1 open 1 us too long
json.dump(doc, open(sys.argv[3], "w"))
EOF
    ok "the check refuses badly nested events" \
        sh -c "! $CHECK '$TMP/swapped.json' austin '$TMP/instrumented.austin'"
    ok "the check refuses a frame open too long" \
        sh -c "! $CHECK '$TMP/late.json' austin '$TMP/instrumented.austin'"
else
    skip "$NO_PYTHON" "the check refuses badly nested events"
    skip "$NO_PYTHON" "the check refuses a frame open too long"
fi

# ---- inputs without timestamps are unchanged by the evented machinery
for f in wall.austin columns.mojo; do
    "$A2S" "$CONVERT_DATA/$f" "$TMP/plain.json"
    "$A2S" --sampled "$CONVERT_DATA/$f" "$TMP/plain-s.json"
    ok "$f: no timestamps, same output as --sampled" \
        cmp "$TMP/plain.json" "$TMP/plain-s.json"
done

# ---- a profile made into ETL by mojofilter (odd names, several threads)
"$BIN/mojofilter" "$CONVERT_DATA/wall.austin" -o "$TMP/wall.etl"
"$BIN/etl2austin" "$TMP/wall.etl" "$TMP/wall-etl.austin"
ok "wall.austin as ETL: converts" "$A2S" "$TMP/wall.etl" "$TMP/wall-etl.json"
ajv "wall.austin as ETL: valid (ajv)" "$TMP/wall-etl.json"
agrees "wall.austin as ETL: every thread evented, totals agree" \
    --evented 5 "$TMP/wall-etl.json" austin "$TMP/wall-etl.austin"

# ---- the shared ETL captures (real kernel sampling; a synthetic trace)
for f in $shared_etl; do
    if ! [ -f "$SHARED/etl/$f" ]; then
        skip "shared test data absent" "$f: valid (ajv)"
        skip "shared test data absent" "$f: totals agree with etl2austin"
        continue
    fi
    "$A2S" "$SHARED/etl/$f" "$TMP/shared.json"
    "$BIN/etl2austin" "$SHARED/etl/$f" "$TMP/shared.austin"
    ajv "$f: valid (ajv)" "$TMP/shared.json"
    agrees "$f: totals agree with etl2austin" \
        "$TMP/shared.json" austin "$TMP/shared.austin"
done

# ---- the real Speedscope app
why=$(speedscope_app_missing)
if [ -n "$why" ]; then
    skip "$why" "Speedscope loads instrumented.etl's evented profiles"
    skip "$why" "Speedscope refuses them with two events swapped"
    exit $TAP_FAILED
fi
serve_speedscope_app
cp "$TMP/instrumented.json" "$site/good.json"
cp "$TMP/swapped.json" "$site/bad.json"
loads() {
    speedscope_loads "$1" instrumented "Wall time, process 100, thread 11"
}
refused() { ! loads "$1"; }
ok "Speedscope loads instrumented.etl's evented profiles" loads good.json
ok "Speedscope refuses them with two events swapped" refused bad.json
exit $TAP_FAILED
