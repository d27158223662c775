# Sourced by the converters' tests (after tests/tap.sh): the independent
# checkers and how to tell whether they are installed.
#   protoc      protobuf-compiler: decodes raw pprof output against
#               schemas/profile.proto
#   go          golang-go: `go tool pprof`, the real pprof
#   node        with tests/node_modules from scripts/setup.d/convert.sh:
#               ajv and Speedscope's own file-format schema
#   python3     tests/convert_totals.py, the independent per-stack totals
PROTO_DIR="$top_srcdir/schemas"
CONVERT_DATA="$top_srcdir/testdata/convert"
TOTALS="python3 $top_srcdir/tests/convert_totals.py"
NODE_CHECKERS="$top_srcdir/tests/node_modules"
# pprof keeps state under $HOME; keep it in the test's own directory.
export HOME="$TMP" PPROF_TMPDIR="$TMP"

have_protoc() { command -v protoc >/dev/null 2>&1; }
have_pprof() { command -v go >/dev/null 2>&1 && go tool -n pprof >/dev/null 2>&1; }
have_python() { command -v python3 >/dev/null 2>&1; }
have_ajv() {
    command -v node >/dev/null 2>&1 &&
        [ -f "$NODE_CHECKERS/speedscope/dist/release/file-format-schema.json" ] &&
        [ -d "$NODE_CHECKERS/ajv" ]
}
NO_PROTOC="protoc not installed (Debian: protobuf-compiler)"
NO_PPROF="go tool pprof not available (Debian: golang-go)"
NO_PYTHON="python3 not installed"
NO_AJV="ajv/speedscope npm packages missing (run scripts/setup.d/convert.sh)"

# decode_pprof RAW: the message as protoc sees it.
decode_pprof() {
    protoc --decode=perftools.profiles.Profile --proto_path="$PROTO_DIR" \
        "$PROTO_DIR/profile.proto" <"$1"
}
# pprof_reads FILE: the real pprof accepts FILE for -raw and -top.
pprof_reads() {
    go tool pprof -raw "$1" >"$1.raw" 2>"$1.err" &&
        go tool pprof -top "$1" >"$1.top" 2>>"$1.err"
}
validate_speedscope() { node "$top_srcdir/tests/speedscope-validate.js" "$@"; }

# The inputs of the shared test data, when present: every recording.
shared_inputs() {
    have_shared || return 0
    ls "$SHARED"/recorded/*.mojo "$SHARED"/recorded/*.austin \
        "$SHARED"/austin-python/*.mojo "$SHARED"/austin-python/*.austin \
        "$SHARED"/austin-python/austin.out 2>/dev/null
}

# The real Speedscope app in headless Chromium.
#   speedscope_app_missing     prints why it cannot run (empty: it can)
#   serve_speedscope_app       copies the app to $site and serves it on a
#                              free port of 127.0.0.1 ($port) until exit
#   speedscope_loads FILE TITLE TEXT
#                              the page for $site/FILE shows "TITLE -
#                              speedscope" and TEXT, which Speedscope does
#                              only after importing every profile
SPEEDSCOPE_APP="$NODE_CHECKERS/speedscope/dist/release"
speedscope_app_missing() {
    if ! have_python; then echo "$NO_PYTHON"
    elif ! [ -f "$SPEEDSCOPE_APP/index.html" ]; then echo "$NO_AJV"
    elif ! command -v chromium >/dev/null 2>&1; then
        echo "chromium not installed (Debian: chromium)"
    fi
}
serve_speedscope_app() {
    site="$TMP/site"
    mkdir -p "$site"
    cp -R "$SPEEDSCOPE_APP/." "$site/"
    python3 "$top_srcdir/tests/serve_static.py" "$site" "$TMP/port" &
    server=$!
    trap 'kill $server 2>/dev/null; rm -rf "$TMP"' EXIT
    for i in 1 2 3 4 5 6 7 8 9 10; do [ -s "$TMP/port" ] && break; sleep 0.2; done
    port=$(cat "$TMP/port")
}
speedscope_loads() {
    timeout 90 chromium --headless=new --no-sandbox --disable-gpu \
        --disable-dev-shm-usage --no-first-run --user-data-dir="$TMP/chrome" \
        --virtual-time-budget=10000 --dump-dom \
        "http://127.0.0.1:$port/index.html#profileURL=/$1" \
        >"$TMP/dom" 2>/dev/null
    grep -qF "<title>$2 - speedscope</title>" "$TMP/dom" &&
        grep -qF "$3" "$TMP/dom"
}
