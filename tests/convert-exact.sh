#!/bin/sh
# Exactness: the per-stack, per-metric totals of austin2pprof's and
# austin2speedscope's outputs equal those of the input, computed
# independently by tests/convert_totals.py from the Austin text (or, for
# testdata/convert/columns.mojo, written by hand in columns.totals). The
# outputs are read back by independent decoders: protoc --decode, the real
# pprof (go tool pprof -raw, which does not list stacks without frames, so
# that comparison leaves them out) and a plain JSON parser.
# Shared recordings: every text one, the MOJO files that have a text twin
# of the same run, and the other MOJO files against their rendering by
# mojo2austin (that checks the writers, not the MOJO reader).
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/convert_common.sh"

# "INPUT EXPECTATION" pairs; EXPECTATION is Austin text or a .totals file.
pairs=""
for f in wall cpu memory full nomode; do
    pairs="$pairs $CONVERT_DATA/$f.austin=$CONVERT_DATA/$f.austin"
done
pairs="$pairs $CONVERT_DATA/columns.mojo=$CONVERT_DATA/columns.totals"
if have_shared; then
    for f in "$SHARED"/recorded/*.austin "$SHARED"/austin-python/mp.austin \
             "$SHARED"/austin-python/repeat.austin \
             "$SHARED"/austin-python/test.austin "$SHARED"/austin-python/austin.out; do
        pairs="$pairs $f=$f"
    done
    for b in test mp repeat; do
        pairs="$pairs $SHARED/austin-python/$b.mojo=$SHARED/austin-python/$b.austin"
    done
    for f in "$SHARED"/recorded/*.mojo "$SHARED"/austin-python/austinp.mojo \
             "$SHARED"/austin-python/column.mojo; do
        pairs="$pairs $f=mojo2austin"
    done
fi
plan $((3 * $(echo $pairs | wc -w)))

# expected INPUT EXPECTATION [--with-frames]: canonical totals, sorted.
expected() {
    case $2 in
    *.totals) if [ "$3" ]; then grep -v "	[^	]*		" "$2"; else cat "$2"; fi ;;
    mojo2austin) "$BIN/mojo2austin" "$1" >"$TMP/rendered.austin" &&
                 $TOTALS $3 austin "$TMP/rendered.austin" ;;
    *) $TOTALS $3 austin "$2" ;;
    esac | LC_ALL=C sort
}
same_totals() { # SOURCE OUTPUT EXPECTED [--with-frames]
    [ -s "$3" ] || { echo "no expected totals"; return 1; }
    $TOTALS $4 "$1" "$2" | LC_ALL=C sort | diff -u "$3" -
}

for pair in $pairs; do
    in=${pair%%=*}
    exp=${pair#*=}
    label="$(basename "$in")"
    if ! have_python; then
        for what in protoc pprof speedscope; do
            skip "$NO_PYTHON" "$label: $what totals equal the input's"
        done
        continue
    fi
    expected "$in" "$exp" >"$TMP/expected"
    expected "$in" "$exp" --with-frames >"$TMP/expected.framed"

    "$BIN/austin2pprof" --no-gzip "$in" "$TMP/out.pb"
    if have_protoc; then
        decode_pprof "$TMP/out.pb" >"$TMP/out.txt"
        ok "$label: protoc-decoded pprof totals equal the input's" \
            same_totals protoc "$TMP/out.txt" "$TMP/expected"
    else
        skip "$NO_PROTOC" "$label: protoc-decoded pprof totals equal the input's"
    fi
    if have_pprof; then
        go tool pprof -raw "$TMP/out.pb" >"$TMP/out.raw" 2>/dev/null
        ok "$label: pprof -raw totals equal the input's" \
            same_totals pprof-raw "$TMP/out.raw" "$TMP/expected.framed" --with-frames
    else
        skip "$NO_PPROF" "$label: pprof -raw totals equal the input's"
    fi
    "$BIN/austin2speedscope" "$in" "$TMP/out.json"
    ok "$label: Speedscope totals equal the input's" \
        same_totals speedscope "$TMP/out.json" "$TMP/expected"
done
exit $TAP_FAILED
