#!/bin/sh
# The command lines of austin2pprof and austin2speedscope: options, input
# from stdin and gzip (detected, not declared), errors and exit statuses,
# and the samples kept before an error in the input.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/convert_common.sh"

plan 28
P="$BIN/austin2pprof"
S="$BIN/austin2speedscope"
IN="$CONVERT_DATA/full.austin"
MOJO="$CONVERT_DATA/columns.mojo"

status() { "$@" >"$TMP/stdout" 2>"$TMP/stderr"; echo $?; }

for tool in austin2pprof austin2speedscope; do
    is "$tool --help exits 0" "$(status "$BIN/$tool" --help)" 0
    ok "$tool --help shows the usage" grep -q "^Usage: $tool \[OPTIONS\] INPUT \[OUTPUT\]" "$TMP/stdout"
    is "$tool --version" "$("$BIN/$tool" --version)" "$tool (mojo-tools) 0.1.0"
    is "$tool without INPUT exits 2" "$(status "$BIN/$tool")" 2
    is "$tool with an unknown option exits 2" "$(status "$BIN/$tool" --bogus "$IN")" 2
    is "$tool with three operands exits 2" "$(status "$BIN/$tool" "$IN" a b)" 2
    is "$tool on a missing file exits 1" "$(status "$BIN/$tool" "$TMP/none" "$TMP/o")" 1
    ok "$tool names the missing file" grep -q "$TMP/none" "$TMP/stderr"
done

# Same output from a path, from stdin, from gzip, with -o.
"$P" --no-gzip "$IN" "$TMP/ref.pb"
"$P" --no-gzip - "$TMP/stdin.pb" <"$IN"
ok "pprof: stdin gives the same output" cmp "$TMP/ref.pb" "$TMP/stdin.pb"
gzip -c "$IN" >"$TMP/in.austin.gz"
"$P" --no-gzip "$TMP/in.austin.gz" "$TMP/gz.pb"
ok "pprof: gzip input gives the same output" cmp "$TMP/ref.pb" "$TMP/gz.pb"
"$P" --no-gzip -o "$TMP/o.pb" "$IN"
ok "pprof: -o writes the same output" cmp "$TMP/ref.pb" "$TMP/o.pb"
"$P" --no-gzip "$IN" - >"$TMP/dash.pb"
ok "pprof: '-' writes standard output" cmp "$TMP/ref.pb" "$TMP/dash.pb"
is "pprof: -o and OUTPUT together exit 2" "$(status "$P" -o "$TMP/x" "$IN" "$TMP/y")" 2

"$S" "$IN" "$TMP/ref.json"
gzip -c "$MOJO" | "$S" --name full.austin - "$TMP/stdin.json"
"$S" "$MOJO" "$TMP/mojo.json"
ok "speedscope: gzip'ed MOJO on stdin, named, equals the plain file" \
    sh -c 'sed "s/\"name\":\"full.austin\"/\"name\":\"columns.mojo\"/" "$1" | cmp - "$2"' \
    sh "$TMP/stdin.json" "$TMP/mojo.json"
"$S" "$IN" >"$TMP/stdout.json"
ok "speedscope: standard output by default" cmp "$TMP/ref.json" "$TMP/stdout.json"
"$S" --gzip "$IN" "$TMP/ref.json.gz"
ok "speedscope: --gzip compresses" sh -c 'gzip -dc "$1" | cmp - "$2"' sh \
    "$TMP/ref.json.gz" "$TMP/ref.json"

# A MOJO file cut inside its sixth sample: exit 1, an error naming the file
# and the offset, and the five complete samples before the cut written.
head -c 200 "$MOJO" >"$TMP/cut.mojo"
is "a truncated input exits 1" "$(status "$S" "$TMP/cut.mojo" "$TMP/cut.json")" 1
ok "the error names file and offset" grep -q "cut.mojo: offset 200:" "$TMP/stderr"
if have_python; then
    printf '%s\t%s\t%s\t%s\n' \
        "Wall time" 1000/0/1000 ":INVALID: :0" 70 \
        "Wall time" 1000/0/1000 "<module> main.py:10;compute main.py:20" 4000 \
        "Wall time" 1000/0/1000 "<module> main.py:10;compute main.py:21" 500 \
        "Wall time" 1000/1/1001 "<module> main.py:10;compute main.py:20" 250 \
        >"$TMP/cut.expected"
    ok "the samples before the cut are all written" \
        sh -c '$1 speedscope "$2" | diff -u "$3" -' sh "$TOTALS" \
        "$TMP/cut.json" "$TMP/cut.expected"
else
    skip "$NO_PYTHON" "the samples before the cut are all written"
fi
is "an unwritable output exits 1" "$(status "$P" "$IN" "$TMP/no/such/dir.pb")" 1
exit $TAP_FAILED
