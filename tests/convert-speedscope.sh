#!/bin/sh
# austin2speedscope on the project's inputs (every mode, MOJO with columns):
# the output must equal testdata/convert/*.speedscope.json (checked by hand
# against the inputs), be valid UTF-8, and pass the JSON schema shipped in
# the npm package speedscope (validated with ajv), as must the conversions
# of the shared recordings.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/convert_common.sh"

inputs="wall.austin cpu.austin memory.austin full.austin nomode.austin columns.mojo"
shared=$(shared_inputs)
nshared=$(echo "$shared" | grep -c .)
plan $((4 * 6 + (nshared > 0 ? nshared : 1)))

strict_utf8() {
    python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$1"
}
converts_valid() {
    "$BIN/austin2speedscope" "$1" "$2" && validate_speedscope "$2"
}

for f in $inputs; do
    base=${f%.*}   # not "name": tap.sh's ok() uses that
    out="$TMP/$base.json"
    ok "$f: converts" "$BIN/austin2speedscope" --name "$base" "$CONVERT_DATA/$f" "$out"
    ok "$f: output as expected" diff -u "$CONVERT_DATA/$base.speedscope.json" "$out"
    if have_python; then
        ok "$f: output is valid UTF-8" strict_utf8 "$out"
    else
        skip "$NO_PYTHON" "$f: output is valid UTF-8"
    fi
    if have_ajv; then
        ok "$f: valid against speedscope's schema (ajv)" validate_speedscope "$out"
    else
        skip "$NO_AJV" "$f: valid against speedscope's schema (ajv)"
    fi
done

[ "$nshared" -gt 0 ] ||
    skip "shared test data absent" "shared recordings: valid Speedscope files"
for f in $shared; do
    what="$(basename "$f"): its conversion is valid (ajv)"
    if have_ajv; then
        ok "$what" converts_valid "$f" "$TMP/shared.json"
    else
        skip "$NO_AJV" "$what"
    fi
done
exit $TAP_FAILED
