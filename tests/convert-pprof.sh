#!/bin/sh
# austin2pprof on the project's inputs (every mode, MOJO with columns):
# the decoded message (protoc --decode, an independent decoder) must equal
# the expected text in testdata/convert/*.pprof.txt, checked by hand against
# the inputs; gzip output must inflate to the raw one; the real pprof
# (go tool pprof -raw and -top) must read every output, including those of
# the shared recordings.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/convert_common.sh"

inputs="wall.austin cpu.austin memory.austin full.austin nomode.austin columns.mojo"
shared=$(shared_inputs)
nshared=$(echo "$shared" | grep -c .)
plan $((4 * 6 + (nshared > 0 ? nshared : 1)))

decodes_as() { decode_pprof "$1" | diff -u "$2" -; }
is_gzip_of() {
    [ "$(od -An -tx1 -N2 "$1" | tr -d ' ')" = 1f8b ] && gzip -dc "$1" | cmp - "$2"
}
all_decoders_read() {
    "$BIN/austin2pprof" "$1" "$2" && gzip -dc "$2" >"$2.raw" &&
        decode_pprof "$2.raw" >/dev/null && pprof_reads "$2"
}

for f in $inputs; do
    base=${f%.*}   # not "name": tap.sh's ok() uses that
    raw="$TMP/$base.pb"
    gz="$TMP/$base.pb.gz"
    ok "$f: converts" "$BIN/austin2pprof" --no-gzip "$CONVERT_DATA/$f" "$raw"
    if have_protoc; then
        ok "$f: protoc decodes it as expected" \
            decodes_as "$raw" "$CONVERT_DATA/$base.pprof.txt"
    else
        skip "$NO_PROTOC" "$f: protoc decodes it as expected"
    fi
    "$BIN/austin2pprof" -o "$gz" "$CONVERT_DATA/$f"
    ok "$f: default output is gzip of the raw message" is_gzip_of "$gz" "$raw"
    if have_pprof; then
        ok "$f: go tool pprof reads it" pprof_reads "$gz"
    else
        skip "$NO_PPROF" "$f: go tool pprof reads it"
    fi
done

# The shared recordings: every MOJO version and mode, text, native and
# kernel frames, torn bytes.
[ "$nshared" -gt 0 ] ||
    skip "shared test data absent" "shared recordings: protoc and pprof read them"
for f in $shared; do
    what="$(basename "$f"): protoc and pprof read its conversion"
    if have_protoc && have_pprof; then
        ok "$what" all_decoders_read "$f" "$TMP/shared.pb.gz"
    else
        skip "$NO_PROTOC; or $NO_PPROF" "$what"
    fi
done
exit $TAP_FAILED
